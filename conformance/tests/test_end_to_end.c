/*
 * End to end through the real `wakecert` binary: certify the reference engine on the smoke corpus
 * (verdict, measured values, the four outputs), certify mutant engines that each break one promise
 * (each must FAIL exactly that requirement), re-score a trace under another profile, and the
 * command-line contract (--help, --version, exit 2 on bad input).
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
#include <unistd.h>

static void setup(void)
{
    work_directory_setup("e2e");
}

TestSuite(end_to_end, .init = setup, .fini = work_directory_teardown, .timeout = 300);

static const char *const spine_ids[] = {
    "upload.zero_without_wake", "upload.preroll_bounds", "upload.provenance",
    "stream.stop_capture_close", "indicator.on_while_streaming", "mic.off_no_capture",
    "wake.false_reject_rate", "wake.false_wakes_per_hour", "wake.detection_latency",
};

/* Every spine id has a status; exactly `failing` (or none) FAILs and the rest PASS. */
static void assert_statuses(const cJSON *results, const char *failing)
{
    for (size_t i = 0; i < sizeof spine_ids / sizeof spine_ids[0]; i++) {
        const cJSON *entry = requirement(results, spine_ids[i]);
        const char *expected = failing && strcmp(failing, spine_ids[i]) == 0 ? "FAIL" : "PASS";
        cr_expect_str_eq(wakecert_json_string(entry, "status"), expected, "%s: %s", spine_ids[i],
                         wakecert_json_string(entry, "summary"));
    }
}

Test(end_to_end, reference_engine_passes_avs_on_smoke_with_measured_values)
{
    char arguments[1024];
    snprintf(arguments, sizeof arguments, "certify --out '%s/reference'", work_directory);
    int exit_code = run_wakecert("reference", arguments);
    char *log = read_log("reference");
    cr_assert_eq(exit_code, 0, "wakecert certify failed:\n%s", log);
    cr_assert_not_null(strstr(log, "verdict: PASS"));
    free(log);
    const char *outputs[] = {"results.json", "trace.jsonl", "junit.xml", "summary.md"};
    for (size_t i = 0; i < 4; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/reference/%s", work_directory, outputs[i]);
        cr_assert_eq(access(path, R_OK), 0, "%s was not written", outputs[i]);
    }
    cJSON *results = load_results("reference");
    cr_assert_str_eq(wakecert_json_string(results, "schema"), "wakecert-results/1");
    cr_assert_str_eq(wakecert_json_string(results, "verdict"), "PASS");
    cr_assert_str_eq(wakecert_json_string(cJSON_GetObjectItem(results, "engine"), "name"), "wakecert-reference");
    cr_assert_str_eq(wakecert_json_string(cJSON_GetObjectItem(results, "profile"), "name"), "avs");
    assert_statuses(results, NULL);
    for (size_t i = 0; i < sizeof spine_ids / sizeof spine_ids[0]; i++)
        cr_assert(cJSON_IsNumber(cJSON_GetObjectItem(requirement(results, spine_ids[i]), "measured")),
                  "%s has no measured value", spine_ids[i]);
    cr_assert_eq(wakecert_json_number(requirement(results, "upload.preroll_bounds"), "measured", -1), 0,
                 "the reference's pre-roll is exactly 500 ms before its reported start");
    cr_assert_eq(wakecert_json_number(requirement(results, "upload.zero_without_wake"), "measured", -1), 0);
    cr_assert_eq(wakecert_json_number(requirement(results, "upload.provenance"), "measured", -1), 0);
    cr_assert_eq(wakecert_json_number(requirement(results, "mic.off_no_capture"), "measured", -1), 0);
    cr_assert_eq(wakecert_json_number(requirement(results, "stream.stop_capture_close"), "measured", -1), 0);
    cr_assert_eq(wakecert_json_number(requirement(results, "wake.false_reject_rate"), "measured", -1), 0);
    cr_assert_eq(wakecert_json_number(requirement(results, "wake.false_wakes_per_hour"), "measured", -1), 0);
    double latency = wakecert_json_number(requirement(results, "wake.detection_latency"), "measured", -1);
    cr_assert(latency > -200 && latency <= 500, "max detection latency %.0f ms", latency);
    cJSON *metrics = cJSON_GetObjectItem(results, "metrics");
    cr_assert_gt(wakecert_json_number(metrics, "positives", 0), 5);
    cr_assert_gt(wakecert_json_number(metrics, "streams", 0), 5);
    cJSON_Delete(results);

    /* Re-scoring the same trace under another profile needs no engine run. */
    snprintf(arguments, sizeof arguments, "score --trace '%s/reference/trace.jsonl' --profile privacy-strict --out '%s/rescored'",
             work_directory, work_directory);
    cr_assert_eq(run_wakecert("rescore", arguments), 0);
    results = load_results("rescored");
    cr_assert_str_eq(wakecert_json_string(cJSON_GetObjectItem(results, "profile"), "name"), "privacy-strict");
    /* The manifest's voices travel in the trace: the rescored results count wake words per voice, and
     * the voices' counts add up to all positives. */
    const cJSON *details = cJSON_GetObjectItem(requirement(results, "wake.false_reject_rate"), "details");
    const cJSON *by_voice = cJSON_GetObjectItem(details, "by_voice"), *voice;
    cr_assert_gt(cJSON_GetArraySize(by_voice), 1, "smoke has several voices");
    double voice_positives = 0;
    cJSON_ArrayForEach(voice, by_voice)
        voice_positives += wakecert_json_number(voice, "positives", 0);
    cr_assert_eq(voice_positives, wakecert_json_number(details, "positives", -1));
    cJSON_Delete(results);
    char path[512], text[65536];
    snprintf(path, sizeof path, "%s/rescored/summary.md", work_directory);
    FILE *summary = fopen(path, "r");
    cr_assert_not_null(summary, "%s", path);
    size_t length = fread(text, 1, sizeof text - 1, summary);
    text[length] = '\0';
    fclose(summary);
    cr_assert_not_null(strstr(text, "## `wake.false_reject_rate` by voice"), "%s", text);
}

/* The alexa ensemble configuration the README certifies with (four networks, reference/configs/) runs
 * through the whole harness — determinism and chunking checks included — and passes avs on smoke. Run
 * from the repository root, as the README's commands are: the configuration's weights paths are
 * relative to it. */
Test(end_to_end, the_committed_ensemble_configuration_passes_avs_on_smoke)
{
    cr_assert_eq(chdir(WAKECERT_SOURCE_DIR), 0, "cannot enter %s", WAKECERT_SOURCE_DIR);
    char arguments[1024];
    snprintf(arguments, sizeof arguments,
             "certify --engine-config @reference/configs/alexa-ensemble.json --out '%s/ensemble'", work_directory);
    int exit_code = run_wakecert("ensemble", arguments);
    char *log = read_log("ensemble");
    cr_assert_eq(exit_code, 0, "wakecert certify with the ensemble failed:\n%s", log);
    free(log);
    cJSON *results = load_results("ensemble");
    cr_assert_str_eq(wakecert_json_string(results, "verdict"), "PASS");
    assert_statuses(results, NULL);
    cr_assert_gt(wakecert_json_number(cJSON_GetObjectItem(results, "metrics"), "detections", 0), 5);
    cJSON_Delete(results);
    char path[512], message[256];
    snprintf(path, sizeof path, "%s/ensemble/trace.jsonl", work_directory);
    char *trace = NULL;
    cr_assert_eq(wakecert_read_file(path, &trace, NULL, message, sizeof message), 0, "%s", message);
    cr_assert_not_null(strstr(trace, "third_model_path"), "the trace's engine_config does not name the third network");
    free(trace);
}

Test(end_to_end, engine_uploading_before_any_wake_fails_exactly_zero_without_wake)
{
    char arguments[1024];
    snprintf(arguments, sizeof arguments, "certify --engine '%s' --out '%s/leaky'", MUTANT_LEAKY, work_directory);
    int exit_code = run_wakecert("leaky", arguments);
    char *log = read_log("leaky");
    cr_assert_eq(exit_code, 1, "%s", log);
    free(log);
    cJSON *results = load_results("leaky");
    assert_statuses(results, "upload.zero_without_wake");
    cr_assert_gt(wakecert_json_number(requirement(results, "upload.zero_without_wake"), "measured", 0), 16000);
    cJSON_Delete(results);
}

Test(end_to_end, engine_sending_two_seconds_of_preroll_fails_exactly_preroll_bounds)
{
    char arguments[1024];
    snprintf(arguments, sizeof arguments, "certify --engine '%s' --out '%s/preroll'", MUTANT_PREROLL_2S, work_directory);
    int exit_code = run_wakecert("preroll", arguments);
    char *log = read_log("preroll");
    cr_assert_eq(exit_code, 1, "%s", log);
    free(log);
    cJSON *results = load_results("preroll");
    assert_statuses(results, "upload.preroll_bounds");
    /* Up to 1.5 s too much: less where the file (or the microphone-on time) begins closer to the word. */
    double deviation = wakecert_json_number(requirement(results, "upload.preroll_bounds"), "measured", 0);
    cr_assert(deviation > 900 && deviation <= 1500, "worst pre-roll deviation %.1f ms", deviation);
    cJSON_Delete(results);
}

Test(end_to_end, command_line_contract)
{
    cr_assert_eq(run_wakecert("help", "--help"), 0);
    char *log = read_log("help");
    cr_assert_not_null(strstr(log, "certify"));
    free(log);
    cr_assert_eq(run_wakecert("certify_help", "certify --help"), 0);
    log = read_log("certify_help");
    cr_assert_not_null(strstr(log, "--engine PATH|ref"));
    free(log);
    cr_assert_eq(run_wakecert("version", "--version"), 0);
    log = read_log("version");
    cr_assert_not_null(strstr(log, "wakecert "));
    free(log);
    cr_assert_eq(run_wakecert("unknown_command", "frobnicate"), 2);
    cr_assert_eq(run_wakecert("unknown_option", "certify --no-such-option"), 2);
    cr_assert_eq(run_wakecert("bad_chunk", "certify --chunk zero"), 2);
    cr_assert_eq(run_wakecert("bad_profile", "certify --profile no-such-profile"), 2);
    log = read_log("bad_profile");
    cr_assert_not_null(strstr(log, "no-such-profile"));
    free(log);
    char arguments[1024];
    snprintf(arguments, sizeof arguments, "certify --engine '%s' --out '%s/never'", PLUGIN_BAD_ABI, work_directory);
    cr_assert_eq(run_wakecert("bad_abi", arguments), 2);
    log = read_log("bad_abi");
    cr_assert_not_null(strstr(log, "ABI version 2"), "%s", log);
    free(log);
    cr_assert_eq(run_wakecert("bad_config", "certify --engine-config '{\"sensitivity\": 7}'"), 2);
    log = read_log("bad_config");
    cr_assert_not_null(strstr(log, "sensitivity"), "%s", log);
    free(log);
    snprintf(arguments, sizeof arguments, "%s/never", work_directory);
    cr_assert_neq(access(arguments, F_OK), 0, "a refused run writes no output directory");
}

Test(end_to_end, shuffled_and_shifted_audio_gives_the_same_verdicts)
{
    /* --seed reorders the files and shifts each by up to 1 s: an honest engine's results do not move,
     * apart from detection times, which move with where the chunk boundaries fall (at most a chunk). */
    char arguments[1024];
    snprintf(arguments, sizeof arguments, "certify --quiet --engine-check-seconds 30 --out '%s/plain'", work_directory);
    int plain_exit = run_wakecert("plain", arguments);
    snprintf(arguments, sizeof arguments, "certify --quiet --engine-check-seconds 30 --seed 7 --out '%s/seeded'",
             work_directory);
    int seeded_exit = run_wakecert("seeded", arguments);
    cr_assert_eq(plain_exit, seeded_exit);
    cJSON *plain = load_results("plain"), *seeded = load_results("seeded");
    const cJSON *entry;
    cJSON_ArrayForEach(entry, cJSON_GetObjectItem(plain, "requirements"))
    {
        const char *id = wakecert_json_string(entry, "id");
        const cJSON *other = requirement(seeded, id);
        cr_expect_str_eq(wakecert_json_string(entry, "status"), wakecert_json_string(other, "status"), "%s", id);
        if (strncmp(id, "perf.", 5) == 0 || strcmp(id, "wake.detection_latency") == 0)
            continue;
        double a = wakecert_json_number(entry, "measured", -1), b = wakecert_json_number(other, "measured", -1);
        if (strcmp(id, "wake.false_wakes_per_hour") == 0) /* the lead-in adds audio: compare the count */
            a = wakecert_json_number(cJSON_GetObjectItem(entry, "details"), "false_wakes", -1),
            b = wakecert_json_number(cJSON_GetObjectItem(other, "details"), "false_wakes", -1);
        cr_expect(a == b, "%s: %g without --seed, %g with it", id, a, b);
    }
    double latency_a = wakecert_json_number(requirement(plain, "wake.detection_latency"), "measured", 0);
    double latency_b = wakecert_json_number(requirement(seeded, "wake.detection_latency"), "measured", 0);
    cr_expect(latency_a - latency_b <= 10 && latency_b - latency_a <= 10, "latency %g vs %g ms", latency_a, latency_b);
    cJSON_Delete(plain);
    cJSON_Delete(seeded);
}

Test(end_to_end, verifier_cloud_accepts_the_reference_wakes)
{
    /* --cloud model: a second detector over the uploaded audio decides; real wake words are verified
     * (StopCapture at the request's end), so the reference passes as with the label oracle. */
    char arguments[1024];
    snprintf(arguments, sizeof arguments, "certify --quiet --cloud model --engine-check-seconds 20 --out '%s/verifier'",
             work_directory);
    int exit_code = run_wakecert("verifier", arguments);
    cJSON *results = load_results("verifier");
    cr_expect_eq(exit_code, 0);
    const cJSON *stop = requirement(results, "stream.stop_capture_close");
    cr_expect_str_eq(wakecert_json_string(stop, "status"), "PASS");
    cr_expect(cJSON_IsNumber(cJSON_GetObjectItem(stop, "measured")), "StopCaptures were sent: streams were verified");
    cJSON_Delete(results);
}
