/*
 * What the tests that drive the real `wakecert` binary share (end to end, mutants, isolation): a
 * scratch folder per test made and removed around it, running the binary with its output in a log
 * there, and reading results.json back. Each test target defines WAKECERT_BINARY (the binary's path)
 * and TEST_CACHE_DIR (the corpus cache the tests share) at compile time.
 */
#ifndef WAKECERT_CONFORMANCE_TESTS_CLI_SUPPORT_H
#define WAKECERT_CONFORMANCE_TESTS_CLI_SUPPORT_H

#include <cjson/cJSON.h>

/** The current test's scratch folder ("" outside a test). */
extern char work_directory[];

/** Point WAKECERT_CACHE_DIR at the tests' cache and make a fresh /tmp/wakecert-SUITE-XXXXXX folder
 *  as work_directory; asserts on failure. For a TestSuite's .init. */
void work_directory_setup(const char *suite);

/** Remove work_directory and everything in it. For a TestSuite's .fini. */
void work_directory_teardown(void);

/** Run `wakecert ARGUMENTS` (a shell fragment) with stdout and stderr in WORK/LOG_NAME.log; asserts it
 *  exited normally and returns its exit code. */
int run_wakecert(const char *log_name, const char *arguments);

/** The text of WORK/LOG_NAME.log (caller frees); asserts it can be read. */
char *read_log(const char *log_name);

/** WORK/DIRECTORY/results.json parsed (caller frees with cJSON_Delete); asserts it loads. */
cJSON *load_results(const char *directory);

/** The entry of requirement `id` in a results.json; asserts it is there. */
const cJSON *requirement(const cJSON *results, const char *id);

#endif
