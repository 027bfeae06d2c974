/*
 * The sweep's scoring of a trace and its operating-point rule, on a hand-written trace whose every
 * count is known: a hit with a duplicate after it, a false wake on a confusable, a wake inside a
 * microphone-off window (neither a positive nor a false wake), a false wake in a negative file; then
 * the miss-rate lookup over a table of DET points; and the command reading its engine configuration
 * from a file (--engine-config @FILE).
 */
#define _POSIX_C_SOURCE 200809L
#include "sweep.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char trace_text[] =
    "{\"event\":\"run_begin\",\"engine\":\"x\",\"corpus\":\"hand\"}\n"
    "{\"event\":\"file_begin\",\"file\":\"a.wav\",\"pass\":\"main\",\"samples\":80000,\"kind\":\"wake\",\"condition\":\"clean\","
    "\"labels\":[{\"type\":\"wake\",\"word\":\"alexa\",\"start\":16000,\"end\":24000},"
    "{\"type\":\"confusable\",\"word\":\"alex\",\"start\":44000,\"end\":48000},"
    "{\"type\":\"mic_off\",\"start\":60000,\"end\":70000},"
    "{\"type\":\"wake\",\"word\":\"alexa\",\"start\":62000,\"end\":64000}]}\n"
    "{\"event\":\"wake\",\"file\":\"a.wav\",\"pass\":\"main\",\"sample\":25000,\"keyword\":\"alexa\",\"score\":0.9,\"start\":16500,\"end\":24000}\n"
    "{\"event\":\"wake\",\"file\":\"a.wav\",\"pass\":\"main\",\"sample\":30000,\"keyword\":\"alexa\",\"score\":0.9,\"start\":21000,\"end\":29000}\n"
    "{\"event\":\"wake\",\"file\":\"a.wav\",\"pass\":\"main\",\"sample\":47000,\"keyword\":\"alexa\",\"score\":0.7,\"start\":44000,\"end\":47000}\n"
    "{\"event\":\"wake\",\"file\":\"a.wav\",\"pass\":\"main\",\"sample\":65000,\"keyword\":\"alexa\",\"score\":0.7,\"start\":62000,\"end\":64000}\n"
    "{\"event\":\"file_end\",\"file\":\"a.wav\",\"pass\":\"main\",\"sample\":80000}\n"
    "{\"event\":\"file_begin\",\"file\":\"n.wav\",\"pass\":\"main\",\"samples\":64000,\"kind\":\"negative\",\"condition\":\"clean\",\"labels\":[]}\n"
    "{\"event\":\"wake\",\"file\":\"n.wav\",\"pass\":\"main\",\"sample\":1000,\"keyword\":\"alexa\",\"score\":0.6,\"start\":0,\"end\":1000}\n"
    "{\"event\":\"file_end\",\"file\":\"n.wav\",\"pass\":\"main\",\"sample\":64000}\n"
    "{\"event\":\"pass_end\",\"pass\":\"main\",\"files\":2,\"audio_seconds\":9,\"engine_seconds\":0.25}\n";

Test(peers_sweep, scores_a_hand_written_trace)
{
    char path[] = "/tmp/wakecert-sweep-test-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, trace_text, sizeof trace_text - 1), (ssize_t)(sizeof trace_text - 1));
    close(fd);
    struct sweep_point point = {.sensitivity = 0.5};
    char message[512];
    cr_assert_eq(sweep_score_trace(path, &point, message, sizeof message), 0, "%s", message);
    remove(path);
    cr_assert_eq(point.positives, 1);
    cr_assert_eq(point.hits, 1);
    cr_assert_eq(point.false_wakes, 2, "false wakes %d (expected the confusable and the negative)", point.false_wakes);
    cr_assert_eq(point.confusables, 1);
    cr_assert_eq(point.confusable_wakes, 1);
    cr_assert_eq(point.index_within_100ms, 1);
    cr_assert(fabs(point.latency_max_ms - 62.5) < 1e-9, "latency %.3f", point.latency_max_ms);
    cr_assert(fabs(point.audio_hours - 144000.0 / 16000 / 3600) < 1e-12);
    cr_assert(fabs(point.engine_seconds - 0.25) < 1e-12);
    cr_assert_eq(point.sensitivity, 0.5);
}

Test(peers_sweep, miss_rate_at_rate_is_best_measured_point_under_it)
{
    struct sweep_point points[3] = {0};
    points[0].false_wakes_per_hour = 0, points[0].false_reject_rate = 0.30;
    points[1].false_wakes_per_hour = 0.1, points[1].false_reject_rate = 0.10;
    points[2].false_wakes_per_hour = 2.0, points[2].false_reject_rate = 0.02;
    struct { double rate, expected; } rows[] = {{0.0, 0.30}, {0.05, 0.30}, {0.1, 0.10}, {0.125, 0.10}, {5, 0.02}};
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++)
        cr_assert(fabs(sweep_miss_rate_at(points, 3, rows[r].rate) - rows[r].expected) < 1e-12, "rate %g: %g, expected %g",
                  rows[r].rate, sweep_miss_rate_at(points, 3, rows[r].rate), rows[r].expected);
    points[0].false_wakes_per_hour = 1;
    cr_assert_eq(sweep_miss_rate_at(points, 1, 0.1), 1.0, "no point under the rate: everything missed");
}

/* Run `wakecert sweep` (wakecert_sweep_main) with argv, its standard error into a file; returns the exit
 * status and the first bytes of what it wrote there in `err`. */
static int run_sweep(char **argv, int argc, char *err, size_t err_size)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/wakecert-sweep-err-%ld.txt", (long)getpid());
    fflush(stderr);
    cr_assert_not_null(freopen(path, "w", stderr));
    int status = wakecert_sweep_main(argc, argv);
    fflush(stderr);
    FILE *file = fopen(path, "r");
    cr_assert_not_null(file);
    size_t length = fread(err, 1, err_size - 1, file);
    err[length] = '\0';
    fclose(file);
    remove(path);
    return status;
}

/* --engine-config @FILE: the configuration is read from FILE (the run goes on to the corpus, which does
 * not exist here); a missing file, a file that is not JSON and JSON that is not an object are refused
 * with exit status 2 and a message naming the file. */
Test(peers_sweep, engine_config_is_read_from_a_file)
{
    char config_path[64], argument[80], err[2048];
    snprintf(config_path, sizeof config_path, "/tmp/wakecert-sweep-config-%ld.json", (long)getpid());
    snprintf(argument, sizeof argument, "@%s", config_path);
    char *argv[] = {"sweep", "--sensitivities", "0.5", "--out", "/tmp/wakecert-sweep-never", "--engine-config", argument,
                    "--corpus", "/nonexistent/corpus-dir", "--quiet", NULL};
    const int argc = 10;
    FILE *file = fopen(config_path, "w");
    cr_assert_not_null(file);
    fputs("{\"sensitivity\": 0.3, \"preroll_ms\": 400}\n", file);
    fclose(file);
    cr_assert_eq(run_sweep(argv, argc, err, sizeof err), 2);
    cr_assert(strstr(err, "corpus /nonexistent/corpus-dir"), "the configuration should have been accepted: %s", err);
    file = fopen(config_path, "w");
    fputs("[1, 2]\n", file);
    fclose(file);
    cr_assert_eq(run_sweep(argv, argc, err, sizeof err), 2);
    cr_assert(strstr(err, config_path) && strstr(err, "not a JSON object"), "%s", err);
    file = fopen(config_path, "w");
    fputs("{\"sensitivity\":\n", file);
    fclose(file);
    cr_assert_eq(run_sweep(argv, argc, err, sizeof err), 2);
    cr_assert(strstr(err, config_path) && strstr(err, "syntax"), "%s", err);
    remove(config_path);
    cr_assert_eq(run_sweep(argv, argc, err, sizeof err), 2);
    cr_assert(strstr(err, config_path) && strstr(err, "cannot open"), "%s", err);
}
