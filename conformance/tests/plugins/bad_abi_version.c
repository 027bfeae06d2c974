/* A plugin built for a future engine ABI (version 2): the harness must refuse it with exit 2. */
#include <wakecert/engine.h>

static const struct wakecert_engine_table table = {
    .abi_version = 2, .table_size = sizeof table, .name = "future-engine", .version = "2.0"};

__attribute__((visibility("default"))) const struct wakecert_engine_table *wakecert_engine_entry(void)
{
    return &table;
}
