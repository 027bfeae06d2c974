/*
 * A mutant store plugin: the reference store with exactly one fault switched on (MUTANT_FAULT_NAME,
 * set by CMake), exported through the store ABI like any vendor's plugin. The mutation tests certify
 * each mutant and assert the precise set of requirement ids it fails.
 */
#include "store_ref.h"

#include <wakecert/store.h>

__attribute__((visibility("default"))) const struct wakecert_store_table *wakecert_store_entry(void);

const struct wakecert_store_table *wakecert_store_entry(void)
{
    return store_ref_faulty_table(store_ref_fault_from_name(MUTANT_FAULT_NAME), "mutant-" MUTANT_FAULT_NAME);
}
