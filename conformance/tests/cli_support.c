/*
 * Shared helpers of the tests that drive the `wakecert` binary (see cli_support.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "cli_support.h"

#include "files.h"
#include "json.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

char work_directory[128] = "";

void work_directory_setup(const char *suite)
{
    setenv("WAKECERT_CACHE_DIR", TEST_CACHE_DIR, 1);
    snprintf(work_directory, sizeof work_directory, "/tmp/wakecert-%s-XXXXXX", suite);
    cr_assert_not_null(mkdtemp(work_directory), "cannot make a scratch folder for %s", suite);
}

void work_directory_teardown(void)
{
    if (!work_directory[0])
        return;
    char command[512];
    snprintf(command, sizeof command, "rm -rf '%s'", work_directory);
    cr_expect_eq(system(command), 0);
    work_directory[0] = '\0';
}

int run_wakecert(const char *log_name, const char *arguments)
{
    char command[8192];
    snprintf(command, sizeof command, "'%s' %s > '%s/%s.log' 2>&1", WAKECERT_BINARY, arguments, work_directory, log_name);
    int status = system(command);
    cr_assert(WIFEXITED(status), "wakecert %s did not exit normally (status %d)", arguments, status);
    return WEXITSTATUS(status);
}

char *read_log(const char *log_name)
{
    char path[512], message[256];
    snprintf(path, sizeof path, "%s/%s.log", work_directory, log_name);
    char *text = NULL;
    cr_assert_eq(wakecert_read_file(path, &text, NULL, message, sizeof message), 0, "%s", message);
    return text;
}

cJSON *load_results(const char *directory)
{
    char path[512], message[512];
    snprintf(path, sizeof path, "%s/%s/results.json", work_directory, directory);
    cJSON *results = NULL;
    cr_assert_eq(wakecert_json_load_file(path, &results, message, sizeof message), 0, "%s", message);
    return results;
}

const cJSON *requirement(const cJSON *results, const char *id)
{
    const cJSON *entry;
    cJSON_ArrayForEach(entry, cJSON_GetObjectItem(results, "requirements"))
    {
        const char *entry_id = wakecert_json_string(entry, "id");
        if (entry_id && strcmp(entry_id, id) == 0)
            return entry;
    }
    cr_assert_fail("%s is missing from results.json", id);
    return NULL;
}
