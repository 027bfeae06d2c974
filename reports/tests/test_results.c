/*
 * Tests of the results model and its writers: verdict logic, evidence limits, and that the three
 * files are written with the content a reader (or CI) relies on.
 */
#define _POSIX_C_SOURCE 200809L
#include "files.h"
#include "json.h"
#include "results.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void make_results(struct wakecert_results *results)
{
    memset(results, 0, sizeof *results);
    snprintf(results->kind, sizeof results->kind, "engine");
    snprintf(results->profile, sizeof results->profile, "avs");
    snprintf(results->engine_name, sizeof results->engine_name, "test-engine");
    struct wakecert_requirement_result *passing = wakecert_results_add(results, "upload.provenance");
    passing->mustpass = true;
    passing->has_measurement = true;
    passing->measured = 0;
    snprintf(passing->unit, sizeof passing->unit, "count");
    struct wakecert_requirement_result *failing = wakecert_results_add(results, "upload.preroll_bounds");
    failing->mustpass = true;
    failing->status = WAKECERT_STATUS_FAIL;
    failing->has_measurement = true;
    failing->measured = 32000;
    failing->threshold = 8160;
    snprintf(failing->unit, sizeof failing->unit, "samples");
    snprintf(failing->summary, sizeof failing->summary, "pre-roll of 32000 samples <a&b>");
    cJSON *evidence = cJSON_CreateObject();
    cJSON_AddStringToObject(evidence, "file", "wake_000.wav");
    cJSON_AddNumberToObject(evidence, "time_s", 1.5);
    cJSON_AddStringToObject(evidence, "expected", "8000 samples");
    wakecert_requirement_add_evidence(failing, evidence, 1);
    wakecert_requirement_add_evidence(failing, cJSON_CreateObject(), 1);
}

Test(results, verdict_follows_mustpass_only)
{
    struct wakecert_results results;
    make_results(&results);
    cr_assert_eq(wakecert_results_verdict(&results), WAKECERT_STATUS_FAIL);
    cr_assert_eq(wakecert_results_exit_code(&results), 1);
    results.requirements[1].mustpass = false;
    cr_assert_eq(wakecert_results_verdict(&results), WAKECERT_STATUS_PASS);
    results.requirements[1].mustpass = true;
    results.requirements[1].status = WAKECERT_STATUS_WAIVED;
    cr_assert_eq(wakecert_results_exit_code(&results), 0);
    wakecert_results_free(&results);
}

Test(results, evidence_beyond_limit_is_counted_not_kept)
{
    struct wakecert_results results;
    make_results(&results);
    cr_assert_eq(cJSON_GetArraySize(results.requirements[1].evidence), 1);
    cr_assert_eq(wakecert_json_number(results.requirements[1].details, "evidence_omitted", 0), 1);
    wakecert_results_free(&results);
}

Test(results, writes_three_files_with_expected_content)
{
    struct wakecert_results results;
    make_results(&results);
    char directory[] = "/tmp/wakecert-results-XXXXXX";
    cr_assert_not_null(mkdtemp(directory));
    char message[256];
    cr_assert_eq(wakecert_results_write(&results, directory, message, sizeof message), 0, "%s", message);

    char path[512];
    cJSON *tree = NULL;
    snprintf(path, sizeof path, "%s/results.json", directory);
    cr_assert_eq(wakecert_json_load_file(path, &tree, message, sizeof message), 0, "%s", message);
    cr_assert_str_eq(wakecert_json_string(tree, "schema"), "wakecert-results/1");
    cr_assert_str_eq(wakecert_json_string(tree, "verdict"), "FAIL");
    cJSON *second = cJSON_GetArrayItem(cJSON_GetObjectItem(tree, "requirements"), 1);
    cr_assert_str_eq(wakecert_json_string(second, "id"), "upload.preroll_bounds");
    cr_assert_eq(wakecert_json_number(second, "measured", -1), 32000);
    cJSON_Delete(tree);

    char *text = NULL;
    snprintf(path, sizeof path, "%s/junit.xml", directory);
    cr_assert_eq(wakecert_read_file(path, &text, NULL, message, sizeof message), 0);
    cr_assert_not_null(strstr(text, "tests=\"2\" failures=\"1\""));
    cr_assert_not_null(strstr(text, "&lt;a&amp;b&gt;"), "XML special characters must be escaped");
    cr_assert_not_null(strstr(text, "wake_000.wav at 1.500 s: expected 8000 samples"));
    free(text);

    snprintf(path, sizeof path, "%s/summary.md", directory);
    cr_assert_eq(wakecert_read_file(path, &text, NULL, message, sizeof message), 0);
    cr_assert_not_null(strstr(text, "# wakecert engine: FAIL"));
    cr_assert_not_null(strstr(text, "- `upload.preroll_bounds` FAIL (mustpass)"));
    free(text);
    wakecert_results_free(&results);
    char command[600];
    snprintf(command, sizeof command, "rm -rf '%s'", directory);
    cr_assert_eq(system(command), 0);
}
