/*
 * Certification end to end: the reference store passes every shipped scenario; each mutant plugin
 * (the reference with one fault, loaded through the store ABI) fails exactly the ids its fault breaks
 * and passes the rest; the exec: protocol gives the same verdicts; the randomized 4-year scenario
 * holds against the reference. Its time is printed for the log but not asserted: the 60 s target is a
 * speed figure, shown by `wakecert bench --only retention` (a sanitizer build runs it at ~3x the time).
 */
#define _POSIX_C_SOURCE 200809L
#include "retention_certify.h"
#include "scenario.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static struct wakecert_results certify_with(const char *store, const char *only_scenario, int random_accounts)
{
    struct retention_options options = {0};
    char **paths = NULL;
    int count = 0;
    char message[1024] = "";
    if (only_scenario) {
        paths = malloc(sizeof *paths);
        paths[0] = malloc(1024);
        snprintf(paths[0], 1024, "%s/%s.json", RETENTION_SCENARIOS, only_scenario);
        count = 1;
    } else if (!random_accounts) {
        count = scenario_list_directory(RETENTION_SCENARIOS, &paths, message, sizeof message);
        cr_assert_gt(count, 0, "%s", message);
    }
    options.store = store;
    options.scenario_paths = paths;
    options.scenario_count = (size_t)count;
    options.grace_hours = 24;
    if (random_accounts) {
        options.use_random = 1;
        options.random_seed = 20240229;
        options.random_accounts = random_accounts;
        options.store_config = "\"synchronous\":\"normal\"";
    }
    struct wakecert_results results;
    int status = retention_certify(&options, &results, message, sizeof message);
    for (int i = 0; i < count; i++)
        free(paths[i]);
    free(paths);
    cr_assert_eq(status, 0, "certify %s: %s", store, message);
    return results;
}

/* The ids that are not PASS, as one sorted comma-separated string. */
static void failing_ids(const struct wakecert_results *results, char *out, size_t out_size)
{
    out[0] = '\0';
    for (int requirement = 0; requirement < REQ_COUNT; requirement++) {
        const char *name = retention_requirement_name(requirement);
        for (size_t i = 0; i < results->requirement_count; i++) {
            if (strcmp(results->requirements[i].id, name) == 0 &&
                results->requirements[i].status != WAKECERT_STATUS_PASS) {
                if (out[0])
                    strncat(out, ",", out_size - strlen(out) - 1);
                strncat(out, name + strlen("retention."), out_size - strlen(out) - 1);
            }
        }
    }
}

TestSuite(certify, .timeout = 300);

Test(certify, reference_passes_every_shipped_scenario_and_covers_every_id)
{
    struct wakecert_results results = certify_with("ref", NULL, 0);
    cr_expect_eq(results.requirement_count, REQ_COUNT, "every retention id must be reported");
    char failing[2048];
    failing_ids(&results, failing, sizeof failing);
    cr_expect_str_eq(failing, "", "the reference store fails: %s", failing);
    cr_expect_eq(wakecert_results_verdict(&results), WAKECERT_STATUS_PASS);
    cr_expect_str_eq(results.kind, "retention");
    cr_expect_str_eq(results.engine_name, "wakecert-reference-store");
    wakecert_results_free(&results);
}

/* One test per mutant: the reference with one fault must fail exactly `expected_failing` (ids without
 * the "retention." prefix, in catalogue order) and pass every other id. */
static void check_mutant(const char *name, const char *plugin, const char *expected_failing)
{
    struct wakecert_results results = certify_with(plugin, NULL, 0);
    char failing[2048];
    failing_ids(&results, failing, sizeof failing);
    fprintf(stderr, "mutant %-28s -> %s\n", name, failing);
    cr_expect_str_eq(failing, expected_failing, "mutant %s fails {%s}, expected {%s}", name, failing, expected_failing);
    cr_expect_eq(results.requirement_count, REQ_COUNT);
    cr_expect(strncmp(results.engine_name, "mutant-", 7) == 0, "store name %s", results.engine_name);
    wakecert_results_free(&results);
}

#define MUTANT_TEST(name, expected)                                                                          \
    Test(certify, mutant_##name) { check_mutant(#name, MUTANT_##name, expected); }

MUTANT_TEST(four_months, "auto_delete_3_months")
MUTANT_TEST(dont_save_drops_transcripts, "dont_save_transcript_30_days,nothing_deleted_early")
MUTANT_TEST(cross_marketplace, "marketplace_scope,nothing_deleted_early")
MUTANT_TEST(deletes_actions, "action_records_kept,nothing_deleted_early")
MUTANT_TEST(keeps_voice_id, "voice_id_disabled_by_dont_save")
MUTANT_TEST(month_end_overflow, "auto_delete_3_months,auto_delete_18_months")
MUTANT_TEST(voice_delete_always, "delete_by_voice_requires_enabled,nothing_deleted_early")
MUTANT_TEST(skill_gets_audio, "skill_content_not_audio")
MUTANT_TEST(kid_skill_unchecked, "kid_skill_permission")

Test(certify, exec_protocol_serves_the_reference_and_a_mutant)
{
    char store[2048];
    snprintf(store, sizeof store, "exec:%s serve --store ref", RETENTION_CLI);
    static const char *const scenarios[] = {"kid_skill_permission", "marketplace_scope", "dont_save_transcript_30_days"};
    for (size_t i = 0; i < 3; i++) {
        struct wakecert_results results = certify_with(store, scenarios[i], 0);
        char failing[1024];
        failing_ids(&results, failing, sizeof failing);
        cr_expect_str_eq(failing, "", "%s over exec: fails %s", scenarios[i], failing);
        cr_expect_str_eq(results.engine_name, "wakecert-reference-store");
        cr_expect_gt(results.requirement_count, 0);
        wakecert_results_free(&results);
    }
    snprintf(store, sizeof store, "exec:%s serve --store %s", RETENTION_CLI, MUTANT_skill_gets_audio);
    struct wakecert_results results = certify_with(store, "skill_content_not_audio", 0);
    char failing[1024];
    failing_ids(&results, failing, sizeof failing);
    cr_expect_str_eq(failing, "skill_content_not_audio", "audio delivered through exec: must be seen (%s)", failing);
    wakecert_results_free(&results);
}

Test(certify, randomized_four_years_thousands_of_accounts)
{
    struct rusage before, after;
    struct timespec start, end;
    getrusage(RUSAGE_SELF, &before);
    clock_gettime(CLOCK_MONOTONIC, &start);
    struct wakecert_results results = certify_with("ref", NULL, 2000);
    clock_gettime(CLOCK_MONOTONIC, &end);
    getrusage(RUSAGE_SELF, &after);
    const double wall = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
    const double cpu = (double)(after.ru_utime.tv_sec - before.ru_utime.tv_sec + after.ru_stime.tv_sec -
                                before.ru_stime.tv_sec) +
                       (double)(after.ru_utime.tv_usec - before.ru_utime.tv_usec + after.ru_stime.tv_usec -
                                before.ru_stime.tv_usec) / 1e6;
    const cJSON *events = cJSON_GetObjectItemCaseSensitive(results.metrics, "events");
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(results.metrics, "items");
    fprintf(stderr, "randomized scenario: 2000 accounts, %.0f events, %.0f items, 4 years: %.1f s wall, %.1f s cpu\n",
            events ? events->valuedouble : -1, items ? items->valuedouble : -1, wall, cpu);
    char failing[2048];
    failing_ids(&results, failing, sizeof failing);
    cr_expect_str_eq(failing, "", "the reference fails the randomized scenario: %s", failing);
    cr_expect_geq(results.requirement_count, 18, "the random scenario should exercise nearly every id");
    wakecert_results_free(&results);
}
