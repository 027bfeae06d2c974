/*
 * The harness benchmark group: how fast wakecert certifies, and what the harness costs on top of the
 * engine it runs.
 *
 * The corpus is the benchmark stream as a one-file labels.csv corpus (bench_stream_corpus: the wake
 * words labelled, so the cloud simulator verifies and stops streams as in a real run). Per
 * repetition, back to back so a change of load on this shared machine hits all alike:
 *   bare        the engine called directly (create, process in 160-sample chunks, destroy) with
 *               callbacks that only count — the floor;
 *   in_process  the harness's main pass (run_corpus: chunking at control boundaries, the cloud
 *               simulator, checking every upload against the input, writing trace.jsonl) with the
 *               engine in the harness's process;
 *   child       the same with the default isolation: the engine in a sandboxed child process, audio
 *               and events crossing a pipe in the framed protocol.
 * Figures: hours of audio per wall-clock second for each (higher is better), and the harness's
 * overhead as the ratio of its wall time to the bare engine's (lower is better).
 *
 * The main pass is not the whole certification: `wakecert certify` also replays the first 600 s
 * (--engine-check-seconds) eight more times (repeat, doubled x2, chunk 1/512/4000, network loss,
 * cloud reject) and then scores and writes the report. On a corpus no longer than 600 s that
 * multiplies the work ~9x; on a 24 h corpus it adds ~6%. So the group also times the real command,
 * `wakecert certify --corpus STREAM` run as a process (when the wakecert binary is built), as
 * "certify.hours_per_second" — the figure on this worst-case corpus length.
 *
 * Under callgrind the main pass runs in-process on the first --callgrind-seconds with the scripted
 * engine (bench/plugins/scripted_engine.c: the stream gate without a detector), giving the harness's
 * instructions per second of audio independent of any detector, and with the reference.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_internal.h"
#include "corpus.h"
#include "engine_loader.h"
#include "error.h"
#include "runner.h"

#define MAX_REPETITIONS 1000

/* The engine called directly on the audio; returns wall nanoseconds, or a negative value on error. */
static double bare_run(const struct loaded_engine *engine, const int16_t *audio, size_t count,
                       const struct bench_options *options)
{
    struct bench_host_counts counts = {0};
    struct wakecert_host_callbacks host;
    bench_host_callbacks(&counts, &host);
    double start = bench_now_ns();
    wakecert_engine *instance = NULL;
    if (engine->table->create(&host, "{}", &instance, NULL, 0) != 0)
        return -1;
    int status = 0;
    for (size_t at = 0; at < count && status == 0; at += 160) {
        status = engine->table->process(instance, audio + at, count - at < 160 ? count - at : 160);
        bench_inject(options, 1);
    }
    engine->table->destroy(instance);
    return status == 0 ? bench_now_ns() - start : -1;
}

/* The harness's main pass; returns wall nanoseconds, or a negative wakecert_error with a message. */
static double harness_run(const struct loaded_engine *engine, const struct wakecert_corpus *corpus, int isolation,
                          const char *trace_path, char *message, size_t message_size)
{
    struct run_options run;
    run_options_default(&run);
    run.engine_checks = false;
    run.session.isolation = isolation;
    struct run_summary summary;
    double start = bench_now_ns();
    int status = run_corpus(&run, corpus, engine, trace_path, &summary, message, message_size);
    double elapsed = bench_now_ns() - start;
    return status == 0 ? elapsed : (double)status;
}

/* `wakecert certify --corpus DIR --out OUT --quiet` as a process; returns wall nanoseconds, or -1 when
 * the binary is missing or the run fails (exit status above 1). */
static double certify_run(const char *corpus_directory, const char *out_directory)
{
#ifdef WAKECERT_BENCH_CLI
    if (access(WAKECERT_BENCH_CLI, X_OK) != 0)
        return -1;
    double start = bench_now_ns();
    pid_t child = fork();
    if (child == 0) {
        freopen("/dev/null", "w", stdout);
        execl(WAKECERT_BENCH_CLI, WAKECERT_BENCH_CLI, "certify", "--corpus", corpus_directory, "--out", out_directory,
              "--quiet", (char *)NULL);
        _exit(127);
    }
    int wait_status = 0;
    if (child < 0 || waitpid(child, &wait_status, 0) < 0 || !WIFEXITED(wait_status) || WEXITSTATUS(wait_status) > 1)
        return -1;
    return bench_now_ns() - start;
#else
    (void)corpus_directory, (void)out_directory;
    return -1;
#endif
}

/* Remove a flat directory tree of at most two levels (certify's output: files and plots/). */
static void remove_tree(const char *directory)
{
    char command[1400];
    snprintf(command, sizeof command, "rm -rf -- '%s'", directory);
    if (system(command) != 0)
        fprintf(stderr, "wakecert bench: could not remove %s\n", directory);
}

int bench_harness(const struct bench_options *options, struct bench_results *results, char *message,
                  size_t message_size)
{
    const double seconds = options->callgrind ? options->callgrind_seconds : options->stream_seconds;
    char corpus_directory[1400];
    int status = bench_stream_corpus(seconds, corpus_directory, sizeof corpus_directory, message, message_size);
    struct wakecert_corpus corpus = {0};
    if (status == 0)
        status = wakecert_corpus_load(corpus_directory, &corpus, message, message_size);
    if (status != 0)
        return status;
    int16_t *audio = NULL;
    int64_t count = 0;
    struct loaded_engine reference = {0}, scripted = {0};
    status = wakecert_corpus_read_audio(&corpus.files[0], &audio, &count, message, message_size);
    if (status == 0)
        status = engine_load("ref", &reference, message, message_size);
#ifdef WAKECERT_BENCH_SCRIPTED_PLUGIN
    if (status == 0)
        status = engine_load(WAKECERT_BENCH_SCRIPTED_PLUGIN, &scripted, message, message_size);
#endif
    char temporary[] = "/tmp/wakecert-bench-XXXXXX";
    if (status == 0 && !mkdtemp(temporary))
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_IO, "cannot create a temporary directory");
    if (status != 0) {
        free(audio);
        engine_unload(&reference);
        engine_unload(&scripted);
        wakecert_corpus_free(&corpus);
        return status;
    }
    char trace_path[1200], certify_out[1200];
    snprintf(trace_path, sizeof trace_path, "%s/trace.jsonl", temporary);
    snprintf(certify_out, sizeof certify_out, "%s/certify", temporary);
    const double hours = (double)count / WAKECERT_SAMPLE_RATE / 3600.0;

    if (options->callgrind) {
        const struct loaded_engine *engines[2] = {scripted.table ? &scripted : NULL, &reference};
        const char *names[2] = {"harness.scripted.in_process", "harness.ref.in_process"};
        for (int e = 0; e < 2 && status == 0; e++) {
            if (!engines[e])
                continue;
            struct run_options run;
            run_options_default(&run);
            run.engine_checks = false;
            run.session.isolation = SESSION_IN_PROCESS;
            struct run_summary summary;
            BENCH_CALLGRIND_BEGIN();
            status = run_corpus(&run, &corpus, engines[e], trace_path, &summary, message, message_size);
            BENCH_CALLGRIND_END(names[e], (double)count / WAKECERT_SAMPLE_RATE, "audio_second");
        }
    } else {
        const int repetitions = options->repetitions > MAX_REPETITIONS ? MAX_REPETITIONS : options->repetitions;
        static double bare[MAX_REPETITIONS], in_process[MAX_REPETITIONS], child[MAX_REPETITIONS],
            over_in_process[MAX_REPETITIONS], over_child[MAX_REPETITIONS], scripted_in_process[MAX_REPETITIONS],
            certify[MAX_REPETITIONS];
        int certify_count = 0;
        bare_run(&reference, audio, (size_t)(count < 160000 ? count : 160000), options); /* warm-up */
        for (int r = 0; r < repetitions && status == 0; r++) {
            double b = bare_run(&reference, audio, (size_t)count, options);
            double i = harness_run(&reference, &corpus, SESSION_IN_PROCESS, trace_path, message, message_size);
            double c = i > 0 ? harness_run(&reference, &corpus, SESSION_CHILD, trace_path, message, message_size) : i;
            double s = scripted.table && c > 0
                           ? harness_run(&scripted, &corpus, SESSION_IN_PROCESS, trace_path, message, message_size)
                           : 1;
            if (b < 0) {
                status = wakecert_set_error(message, message_size, WAKECERT_ERROR_ENGINE, "the reference engine failed");
                break;
            }
            if (i < 0 || c < 0 || s < 0) {
                status = (int)(i < 0 ? i : c < 0 ? c : s);
                break;
            }
            bare[r] = hours / (b * 1e-9);
            in_process[r] = hours / (i * 1e-9);
            child[r] = hours / (c * 1e-9);
            scripted_in_process[r] = hours / (s * 1e-9);
            over_in_process[r] = i / b;
            over_child[r] = c / b;
            if (r < 3) { /* the whole command takes ~10x the main pass: three repetitions are enough */
                double whole = certify_run(corpus_directory, certify_out);
                remove_tree(certify_out);
                if (whole > 0)
                    certify[certify_count++] = hours / (whole * 1e-9);
            }
        }
        if (status == 0) {
            bench_add_higher(results, "harness.ref.bare.hours_per_second", "h/s", bare, repetitions);
            bench_add_higher(results, "harness.ref.in_process.hours_per_second", "h/s", in_process, repetitions);
            bench_add_higher(results, "harness.ref.child.hours_per_second", "h/s", child, repetitions);
            bench_add(results, "harness.ref.in_process.overhead", "x bare", over_in_process, repetitions);
            bench_add(results, "harness.ref.child.overhead", "x bare", over_child, repetitions);
            if (scripted.table)
                bench_add_higher(results, "harness.scripted.in_process.hours_per_second", "h/s", scripted_in_process,
                                 repetitions);
            if (certify_count > 0)
                bench_add_higher(results, "harness.ref.certify.hours_per_second", "h/s", certify, certify_count);
            else
                printf("note: the wakecert binary is not built (or certify failed); the whole command is not timed\n");
        }
    }
    unlink(trace_path);
    remove_tree(temporary);
    free(audio);
    engine_unload(&reference);
    engine_unload(&scripted);
    wakecert_corpus_free(&corpus);
    return status;
}
