/*
 * The soak stream certified end to end through the real `wakecert` binary, on a 2-minute pool built
 * from conformance/tests/soak_small.json (under a second to build; its stream is cut to 0.05-0.5 h with
 * --soak-hours and the engine checks to its first 60 s, so the suite stays a few seconds):
 *   - the reference engine certifies the stream as one negative item, soak_stream, with every
 *     negative-audio id scored and false wakes reported per kind of audio;
 *   - a mutant that uploads while idle is caught on the stream (upload.zero_without_wake, evidence);
 *   - a mutant that uploads audio older than the ring fails upload.provenance naming the range;
 *   - the harness's memory does not grow with the hours played (0.05 h against 0.5 h), and the ring
 *     is the documented 3610 s;
 *   - what a soak pool refuses (--shard) and --soak-hours without a soak pool.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli_support.h"
#include "files.h"
#include "json.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void setup(void)
{
    work_directory_setup("soak");
}

TestSuite(soak_stream, .init = setup, .fini = work_directory_teardown, .timeout = 300);

/* Build the small soak pool into WORK/pool; asserts it builds. */
static void build_pool(void)
{
    char arguments[1024];
    snprintf(arguments, sizeof arguments, "corpus build '%s/conformance/tests/soak_small.json' --out '%s/pool'",
             WAKECERT_SOURCE_DIRECTORY, work_directory);
    int exit_code = run_wakecert("build", arguments);
    char *log = read_log("build");
    cr_assert_eq(exit_code, 0, "building the soak pool failed:\n%s", log);
    free(log);
}

/* Certify WORK/pool's stream into WORK/OUT with the given extra options; returns the exit code. */
static int certify_stream(const char *out, const char *options)
{
    char arguments[2048];
    snprintf(arguments, sizeof arguments, "certify --corpus '%s/pool' --out '%s/%s' --quiet %s", work_directory,
             work_directory, out, options);
    return run_wakecert(out, arguments);
}

/* The trace line of `event` for the soak_stream main pass (file_begin, file_end, pass_end...); caller
 * frees. NULL if absent. */
static cJSON *trace_line(const char *out, const char *event, const char *pass)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s/trace.jsonl", work_directory, out);
    FILE *trace = fopen(path, "r");
    cr_assert_not_null(trace, "%s: cannot open", path);
    char line[65536];
    cJSON *found = NULL;
    while (!found && fgets(line, sizeof line, trace)) {
        cJSON *object = cJSON_Parse(line);
        const char *name = wakecert_json_string(object, "event");
        const char *line_pass = wakecert_json_string(object, "pass");
        if (name && strcmp(name, event) == 0 && line_pass && strcmp(line_pass, pass) == 0)
            found = object;
        else
            cJSON_Delete(object);
    }
    fclose(trace);
    return found;
}

Test(soak_stream, reference_certifies_a_short_stream_as_one_negative_item)
{
    build_pool();
    int exit_code = certify_stream("reference", "--soak-hours 0.05 --engine-check-seconds 60");
    char *log = read_log("reference");
    cr_assert_eq(exit_code, 0, "the reference should pass avs on the soak stream:\n%s", log);
    free(log);
    cJSON *results = load_results("reference");
    cr_assert_str_eq(wakecert_json_string(results, "verdict"), "PASS");
    static const char *const measured_ids[] = {"upload.zero_without_wake", "upload.provenance",
                                               "wake.false_wakes_per_hour", "engine.determinism",
                                               "engine.chunking_invariance", "sandbox.no_side_channel"};
    for (size_t i = 0; i < sizeof measured_ids / sizeof measured_ids[0]; i++) {
        const cJSON *entry = requirement(results, measured_ids[i]);
        cr_expect_str_eq(wakecert_json_string(entry, "status"), "PASS", "%s: %s", measured_ids[i],
                         wakecert_json_string(entry, "summary"));
        cr_expect(cJSON_IsNumber(cJSON_GetObjectItem(entry, "measured")), "%s was not measured", measured_ids[i]);
    }
    /* Ids that need labels the stream does not have are not measured, as for any negative file. */
    cr_expect(!cJSON_IsNumber(cJSON_GetObjectItem(requirement(results, "wake.false_reject_rate"), "measured")));
    const cJSON *details = cJSON_GetObjectItem(requirement(results, "wake.false_wakes_per_hour"), "details");
    cr_assert_float_eq(wakecert_json_number(details, "hours", 0), 0.05, 1e-9);
    const cJSON *by_kind = cJSON_GetObjectItem(details, "stream_by_kind");
    cr_assert(cJSON_IsObject(by_kind) && cJSON_GetArraySize(by_kind) >= 1, "false wakes per kind of the stream");
    double kind_hours = 0;
    const cJSON *kind;
    cJSON_ArrayForEach(kind, by_kind)
    kind_hours += wakecert_json_number(kind, "hours", 0);
    cr_assert_float_eq(kind_hours, 0.05, 1e-6, "the kinds' hours add up to the stream's");
    const cJSON *checks = requirement(results, "engine.determinism");
    cr_assert_not_null(strstr(wakecert_json_string(checks, "summary"), "of 2 replays"),
                       "determinism was checked on the stream's head: %s", wakecert_json_string(checks, "summary"));
    cJSON_Delete(results);

    /* One item: the stream at its asked length, not the pool's files. */
    cJSON *begin = trace_line("reference", "file_begin", "main");
    cr_assert_not_null(begin);
    cr_assert_str_eq(wakecert_json_string(begin, "file"), "soak_stream");
    cr_assert_str_eq(wakecert_json_string(begin, "kind"), "negative");
    cr_assert_eq(wakecert_json_number(begin, "samples", 0), 0.05 * 3600 * 16000);
    cr_assert_eq(wakecert_json_number(cJSON_GetObjectItem(begin, "stream"), "ring_samples", 0), 3610.0 * 16000,
                 "the ring holds the documented 3610 s");
    cJSON_Delete(begin);
    cJSON *head = trace_line("reference", "file_begin", "repeat");
    cr_assert_not_null(head, "the engine checks ran on the stream's head");
    cr_assert_eq(wakecert_json_number(head, "samples", 0), 60 * 16000);
    cJSON_Delete(head);
}

Test(soak_stream, leaky_mutant_is_caught_on_the_stream)
{
    build_pool();
    char options[1024];
    snprintf(options, sizeof options, "--engine '%s' --soak-hours 0.05 --engine-check-seconds 0", MUTANT_LEAKY);
    int exit_code = certify_stream("leaky", options);
    char *log = read_log("leaky");
    cr_assert_eq(exit_code, 1, "the leaky mutant must fail:\n%s", log);
    free(log);
    cJSON *results = load_results("leaky");
    const cJSON *entry = requirement(results, "upload.zero_without_wake");
    cr_assert_str_eq(wakecert_json_string(entry, "status"), "FAIL");
    cr_assert_gt(wakecert_json_number(entry, "measured", 0), 0.04 * 3600 * 16000, "nearly everything leaked");
    const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItem(entry, "evidence"), 0);
    cr_assert_str_eq(wakecert_json_string(first, "file"), "soak_stream");
    cr_assert(cJSON_IsNumber(cJSON_GetObjectItem(first, "sample_start")), "the evidence names the samples");
    cr_assert_str_eq(wakecert_json_string(requirement(results, "upload.provenance"), "status"), "PASS",
                     "what it leaks is the input, at its true indices");
    cJSON_Delete(results);
}

Test(soak_stream, upload_older_than_the_ring_fails_provenance_naming_the_range)
{
    build_pool();
    char options[1024];
    snprintf(options, sizeof options, "--engine '%s' --soak-hours 0.05 --soak-ring-seconds 10 --engine-check-seconds 0",
             MUTANT_STALE_UPLOAD);
    int exit_code = certify_stream("stale", options);
    char *log = read_log("stale");
    cr_assert_eq(exit_code, 1, "the stale-upload mutant must fail:\n%s", log);
    free(log);
    cJSON *results = load_results("stale");
    const cJSON *entry = requirement(results, "upload.provenance");
    cr_assert_str_eq(wakecert_json_string(entry, "status"), "FAIL", "%s", wakecert_json_string(entry, "summary"));
    const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItem(entry, "evidence"), 0);
    cr_assert_str_eq(wakecert_json_string(first, "file"), "soak_stream");
    cr_assert_eq(wakecert_json_number(first, "sample_start", -1), 0);
    cr_assert_eq(wakecert_json_number(first, "sample_end", -1), 16000);
    const char *observed = wakecert_json_string(first, "observed");
    cr_assert(observed && strstr(observed, "older than the ring") && strstr(observed, "[0, 16000)"), "observed: %s",
              observed ? observed : "(none)");
    cr_assert_str_eq(wakecert_json_string(requirement(results, "upload.zero_without_wake"), "status"), "FAIL");
    cJSON_Delete(results);
}

/* In process, the trace's peak RSS is the harness's own (pool, ring, engine): the same for 0.05 h and
 * 0.5 h, and at least the ring (touched whole when the stream opens). */
Test(soak_stream, memory_does_not_grow_with_the_hours)
{
    build_pool();
    double peak_mb[2];
    const char *const hours[2] = {"0.05", "0.5"};
    for (int run = 0; run < 2; run++) {
        char out[32], options[256];
        snprintf(out, sizeof out, "memory-%d", run);
        snprintf(options, sizeof options, "--in-process --soak-hours %s --engine-check-seconds 0", hours[run]);
        int exit_code = certify_stream(out, options);
        char *log = read_log(out);
        cr_assert(exit_code == 0 || exit_code == 1, "certify failed:\n%s", log);
        free(log);
        cJSON *end = trace_line(out, "pass_end", "main");
        cr_assert_not_null(end);
        peak_mb[run] = wakecert_json_number(end, "peak_rss_kb", 0) / 1024.0;
        cJSON_Delete(end);
    }
    cr_assert_gt(peak_mb[0], 3610.0 * 16000 * 2 / 1048576.0, "the ring (110 MB) is resident from the start");
    cr_assert_lt(peak_mb[1] - peak_mb[0], 8.0, "0.5 h took %.1f MB, 0.05 h %.1f MB: memory grows with the hours",
                 peak_mb[1], peak_mb[0]);
}

Test(soak_stream, a_pool_is_not_sharded_and_soak_hours_need_a_pool)
{
    build_pool();
    int exit_code = certify_stream("sharded", "--soak-hours 0.05 --shard 0/2");
    char *log = read_log("sharded");
    cr_assert_eq(exit_code, 2, "%s", log);
    cr_assert_not_null(strstr(log, "cannot be sharded"), "%s", log);
    free(log);

    /* The same files without the manifest's "stream" are an ordinary corpus. */
    char path[1024];
    snprintf(path, sizeof path, "%s/pool/manifest.json", work_directory);
    cJSON *manifest = NULL;
    char message[512];
    cr_assert_eq(wakecert_json_load_file(path, &manifest, message, sizeof message), 0, "%s", message);
    cJSON_DeleteItemFromObject(manifest, "stream");
    cr_assert_eq(wakecert_json_write_file(path, manifest, message, sizeof message), 0, "%s", message);
    cJSON_Delete(manifest);
    exit_code = certify_stream("not-a-pool", "--soak-hours 0.05");
    log = read_log("not-a-pool");
    cr_assert_eq(exit_code, 2, "%s", log);
    cr_assert_not_null(strstr(log, "--soak-hours needs a soak pool"), "%s", log);
    free(log);
}
