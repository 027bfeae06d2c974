/*
 * The engine benchmark group: whole engines through the public ABI, the way a device runs them —
 * load the plugin (engine_load, exactly as the harness does), create an instance, feed the fixed
 * benchmark stream (bench_stream.c, 600 s by default) in 160-sample (10 ms) chunks, destroy. The
 * figure is CPU seconds (this thread's user + system time, which is all the engine's: it has no
 * threads of its own under the ABI, and the host's counting callbacks cost a few instructions) per
 * second of audio, i.e. the real-time factor on one core, median and spread of the repetitions.
 * The reference always runs; every plugin given with --engine runs beside it under the same rules,
 * so a vendor can bench their own engine and the PocketSphinx adapter is measured next to the
 * reference.
 *
 * Memory is measured in a separate process, wakecert-bench-alloc (alloc_tool.c), which replaces
 * malloc with a counting one (alloc_count.c): the peak of live heap bytes from create() through
 * processing to destroy() is the engine's per-instance heap, and the number of allocations over 60 s
 * of stream after a 5 s warm-up shows whether the per-frame path allocates (the reference's must
 * not). Separate, because counting every allocation of the whole benchmark would slow the timed loops.
 *
 * Under callgrind each engine processes the first --callgrind-seconds (20) of the stream once, with
 * collection on for the process() loop only (create, warm-up and destroy are not counted), giving
 * instructions per second of audio. The reference's count depends on its detector, which changes
 * with the model; the front end and the stream gate have their own detector-free counts (frontend,
 * gate groups) so the gate keeps a stable signal while the detector is being replaced.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_internal.h"
#include "engine_loader.h"
#include "error.h"

#define CHUNK 160
#define MAX_REPETITIONS 1000

void bench_engine_label(const char *path, char *out, size_t out_size)
{
    if (strcmp(path, "ref") == 0 || strcmp(path, "reference") == 0 || strcmp(path, engine_reference_path()) == 0) {
        snprintf(out, out_size, "ref");
        return;
    }
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (strncmp(base, "lib", 3) == 0)
        base += 3;
    if (strncmp(base, "wakecert_", 9) == 0)
        base += 9;
    snprintf(out, out_size, "%s", base);
    char *suffix = strstr(out, ".so");
    if (suffix && suffix != out)
        *suffix = '\0';
    for (char *c = out; *c; c++)
        if (*c == '.' || *c == ' ')
            *c = '_';
}

/* Feed `count` samples in CHUNK-sample calls; returns the first non-zero engine status, else 0. */
static int feed(const struct wakecert_engine_table *table, wakecert_engine *instance, const int16_t *audio,
                size_t count, const struct bench_options *options)
{
    for (size_t at = 0; at < count; at += CHUNK) {
        int status = table->process(instance, audio + at, count - at < CHUNK ? count - at : CHUNK);
        if (status != 0)
            return status;
        bench_inject(options, 1);
    }
    return 0;
}

/* Run the memory tool on one engine and parse its "key value" lines into the out parameters.
 * Returns 0, or -1 with a message when the tool is missing or fails. */
static int measure_memory(const char *engine_path, double *peak_bytes, double *steady_allocations,
                          double *create_allocations, char *message, size_t message_size)
{
#ifdef WAKECERT_BENCH_ALLOC_TOOL
    const char *tool = getenv("WAKECERT_BENCH_ALLOC_TOOL");
    if (!tool || !*tool)
        tool = WAKECERT_BENCH_ALLOC_TOOL;
    int pipe_fds[2];
    if (access(tool, X_OK) != 0 || pipe(pipe_fds) != 0)
        return wakecert_set_error(message, message_size, -1, "%s: %s", tool, strerror(errno)), -1;
    pid_t child = fork();
    if (child == 0) {
        dup2(pipe_fds[1], 1);
        close(pipe_fds[0]);
        close(pipe_fds[1]);
        execl(tool, tool, "--engine", engine_path, "--seconds", "60", "--warmup-seconds", "5", (char *)NULL);
        _exit(127);
    }
    close(pipe_fds[1]);
    FILE *output = fdopen(pipe_fds[0], "r");
    char line[256];
    int found = 0;
    while (output && fgets(line, sizeof line, output)) {
        double value;
        if (sscanf(line, "peak_heap_bytes %lf", &value) == 1)
            *peak_bytes = value, found |= 1;
        else if (sscanf(line, "steady_allocations %lf", &value) == 1)
            *steady_allocations = value, found |= 2;
        else if (sscanf(line, "create_allocations %lf", &value) == 1)
            *create_allocations = value, found |= 4;
    }
    if (output)
        fclose(output);
    int wait_status = 0;
    waitpid(child, &wait_status, 0);
    if (found != 7)
        return wakecert_set_error(message, message_size, -1, "%s failed on %s (status %d)", tool, engine_path,
                                  wait_status), -1;
    return 0;
#else
    (void)engine_path, (void)peak_bytes, (void)steady_allocations, (void)create_allocations;
    return wakecert_set_error(message, message_size, -1, "built without the allocation counter"), -1;
#endif
}

/* Benchmark one engine; returns 0 or a negative wakecert_error. */
static int bench_one(const char *path, const struct bench_options *options, const int16_t *audio, size_t count,
                     struct bench_results *results, char *message, size_t message_size)
{
    struct loaded_engine engine;
    int status = engine_load(path, &engine, message, message_size);
    if (status != 0)
        return status;
    char label[64], name[128];
    bench_engine_label(path, label, sizeof label);
    struct bench_host_counts counts = {0};
    struct wakecert_host_callbacks host;
    bench_host_callbacks(&counts, &host);
    const int repetitions = options->repetitions > MAX_REPETITIONS ? MAX_REPETITIONS : options->repetitions;
    static double cpu[MAX_REPETITIONS];
    const double seconds = (double)count / WAKECERT_SAMPLE_RATE;
    for (int r = options->callgrind ? 0 : -1; r < (options->callgrind ? 1 : repetitions); r++) {
        wakecert_engine *instance = NULL;
        char engine_message[512] = "";
        status = engine.table->create(&host, "{}", &instance, engine_message, sizeof engine_message);
        if (status != 0) {
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_ENGINE, "engine %s refused to start: %s",
                                        engine.path, engine_message);
            break;
        }
        memset(&counts, 0, sizeof counts);
        if (options->callgrind) {
            static const int16_t silence[CHUNK];
            feed(engine.table, instance, silence, CHUNK, options); /* first-call effects outside the count */
            snprintf(name, sizeof name, "engine.%s.cpu_per_audio_second", label);
            BENCH_CALLGRIND_BEGIN();
            status = feed(engine.table, instance, audio, count, options);
            BENCH_CALLGRIND_END(name, seconds, "audio_second");
        } else {
            double start = bench_thread_cpu_seconds(); /* r = -1 warms up on the first 10 s only */
            status = feed(engine.table, instance, audio, r < 0 && count > 160000 ? 160000 : count, options);
            if (r >= 0)
                cpu[r] = (bench_thread_cpu_seconds() - start) / seconds;
        }
        engine.table->destroy(instance);
        if (status != 0) {
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_ENGINE, "engine %s: process() returned %d",
                                        engine.path, status);
            break;
        }
    }
    if (status == 0 && !options->callgrind) {
        snprintf(name, sizeof name, "engine.%s.cpu_per_audio_second", label);
        bench_add(results, name, "s/s", cpu, repetitions);
        printf("note: engine %s (%s %s) on %.0f s of stream: %ld wakes, %ld streams, %.1f s uploaded\n", label,
               engine.table->name, engine.table->version, seconds, counts.wakes, counts.streams_opened,
               (double)counts.uploaded_samples / WAKECERT_SAMPLE_RATE);
        double peak = 0, steady = 0, created = 0;
        char memory_message[512];
        if (measure_memory(engine.path, &peak, &steady, &created, memory_message, sizeof memory_message) == 0) {
            snprintf(name, sizeof name, "engine.%s.peak_heap_bytes", label);
            bench_add(results, name, "bytes", &peak, 1);
            snprintf(name, sizeof name, "engine.%s.steady_allocations_60s", label);
            bench_add(results, name, "allocations", &steady, 1);
            snprintf(name, sizeof name, "engine.%s.create_allocations", label);
            bench_add(results, name, "allocations", &created, 1);
        } else {
            printf("note: memory of engine %s not measured: %s\n", label, memory_message);
        }
    }
    engine_unload(&engine);
    return status;
}

int bench_engine(const struct bench_options *options, struct bench_results *results, char *message,
                 size_t message_size)
{
    int16_t *audio = NULL;
    size_t count = 0;
    int status = bench_stream_audio(options->callgrind ? options->callgrind_seconds : options->stream_seconds, &audio,
                                    &count, message, message_size);
    if (status != 0)
        return status;
    status = bench_one("ref", options, audio, count, results, message, message_size);
    for (int i = 0; status == 0 && i < options->engine_count; i++)
        status = bench_one(options->engines[i], options, audio, count, results, message, message_size);
    free(audio);
    return status;
}
