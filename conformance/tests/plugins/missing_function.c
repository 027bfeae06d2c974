/* An ABI v1 table with no process function: the harness must refuse it. */
#include <wakecert/engine.h>

static const struct wakecert_engine_table table = {
    .abi_version = WAKECERT_ENGINE_ABI_VERSION, .table_size = sizeof table, .name = "half-engine", .version = "1.0"};

__attribute__((visibility("default"))) const struct wakecert_engine_table *wakecert_engine_entry(void)
{
    return &table;
}
