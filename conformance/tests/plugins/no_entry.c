/* A shared object that is not a wakecert engine: it exports no wakecert_engine_entry. */
__attribute__((visibility("default"))) int some_other_library_function(void)
{
    return 42;
}
