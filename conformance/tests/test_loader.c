/*
 * Loading plugins through the ABI: the reference loads; files that are not engines, engines of
 * another ABI version and tables with missing functions are refused with a message naming the file
 * and the problem.
 */
#include "engine_loader.h"
#include "error.h"

#include <criterion/criterion.h>
#include <string.h>

static void expect_refusal(const char *path, const char *expected_text)
{
    struct loaded_engine engine;
    char message[1024] = "";
    cr_assert_eq(engine_load(path, &engine, message, sizeof message), WAKECERT_ERROR_ENGINE_LOAD);
    cr_assert_not_null(strstr(message, expected_text), "message \"%s\" lacks \"%s\"", message, expected_text);
    cr_assert_null(engine.library, "a refused engine stays unloaded");
}

Test(loader, reference_engine_loads_with_name_version_and_hash)
{
    struct loaded_engine engine;
    char message[1024] = "";
    cr_assert_eq(engine_load("ref", &engine, message, sizeof message), 0, "%s", message);
    cr_assert_str_eq(engine.table->name, "wakecert-reference");
    cr_assert_eq(engine.table->abi_version, WAKECERT_ENGINE_ABI_VERSION);
    cr_assert_eq(strlen(engine.sha256), 64);
    engine_unload(&engine);
}

Test(loader, missing_file_is_refused)
{
    expect_refusal("/nonexistent/libengine.so", "/nonexistent/libengine.so");
}

Test(loader, shared_object_without_entry_is_refused)
{
    expect_refusal(PLUGIN_NO_ENTRY, "no symbol wakecert_engine_entry");
}

Test(loader, other_abi_version_is_refused)
{
    expect_refusal(PLUGIN_BAD_ABI, "ABI version 2");
}

Test(loader, table_without_process_is_refused)
{
    expect_refusal(PLUGIN_MISSING_FUNCTION, "lacks create, process, control or destroy");
}

Test(loader, a_file_that_is_not_a_shared_object_is_refused)
{
    expect_refusal(__FILE__, "cannot load shared object");
}

Test(loader, names_round_trip)
{
    for (int kind = WAKECERT_CONTROL_MICROPHONE_OFF; kind <= WAKECERT_CONTROL_EXPECT_SPEECH; kind++)
        cr_assert_eq(engine_control_parse(engine_control_name(kind)), kind);
    for (int reason = WAKECERT_CLOSE_STOP_CAPTURE; reason <= WAKECERT_CLOSE_DESTROY; reason++)
        cr_assert_eq(engine_close_reason_parse(engine_close_reason_name(reason)), reason);
    cr_assert_eq(engine_control_parse("nonsense"), -1);
}
