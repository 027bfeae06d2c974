/*
 * wakecert-bench-alloc: the heap an engine instance needs, and whether its per-frame path allocates.
 *
 * This executable links the counting allocator (alloc_count.c), so every malloc of the engine plugin
 * it loads is seen. It loads the plugin and reads the benchmark stream first (not counted), then:
 *   1. counting on; create() ...................................... create_allocations
 *   2. process --warmup-seconds of stream in 160-sample chunks (first-use effects: lazily built
 *      tables, a first stream's buffers)
 *   3. process --seconds more ..................................... steady_allocations
 *   4. destroy(); counting off ........................................ peak_heap_bytes over 1-4
 * and prints one "key value" line per figure (plus leaked_bytes: live bytes left after destroy).
 * The stream holds a wake word about every 20 s, so the steady window includes wakes, streams and
 * uploads, not just idle listening. With --check-zero it exits 1 when steady_allocations is not 0
 * (the ctest bench_alloc_per_frame_zero runs the reference so).
 *
 * usage: wakecert-bench-alloc [--engine PLUGIN|ref] [--config JSON] [--seconds N] [--warmup-seconds N]
 *                             [--check-zero]
 * exit: 0 measured (and, with --check-zero, nothing allocated in the steady window), 1 allocations in
 *       the steady window with --check-zero, 2 bad usage or the engine could not be loaded or created.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_count.h"
#include "bench_internal.h"
#include "engine_loader.h"

#define CHUNK 160

static void usage(FILE *out)
{
    fprintf(out, "usage: wakecert-bench-alloc [--engine PLUGIN|ref] [--config JSON] [--seconds N] "
                 "[--warmup-seconds N] [--check-zero]\n");
}

/* Feed count samples in CHUNK calls; returns the first non-zero status. */
static int feed(const struct wakecert_engine_table *table, wakecert_engine *instance, const int16_t *audio,
                size_t count)
{
    for (size_t at = 0; at < count; at += CHUNK) {
        int status = table->process(instance, audio + at, count - at < CHUNK ? count - at : CHUNK);
        if (status != 0)
            return status;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *engine_path = "ref", *config = "{}";
    double seconds = 60, warmup = 5;
    int check_zero = 0;
    for (int i = 1; i < argc; i++) {
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--engine") == 0 && value)
            engine_path = argv[++i];
        else if (strcmp(argv[i], "--config") == 0 && value)
            config = argv[++i];
        else if (strcmp(argv[i], "--seconds") == 0 && value && atof(value) > 0)
            seconds = atof(argv[++i]);
        else if (strcmp(argv[i], "--warmup-seconds") == 0 && value && atof(value) >= 0)
            warmup = atof(argv[++i]);
        else if (strcmp(argv[i], "--check-zero") == 0)
            check_zero = 1;
        else if (strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (seconds + warmup > 600) {
        fprintf(stderr, "wakecert-bench-alloc: --seconds plus --warmup-seconds must be at most 600\n");
        return 2;
    }
    char message[1024];
    int16_t *audio = NULL;
    size_t count = 0;
    struct loaded_engine engine;
    if (bench_stream_audio(seconds + warmup, &audio, &count, message, sizeof message) != 0 ||
        engine_load(engine_path, &engine, message, sizeof message) != 0) {
        fprintf(stderr, "wakecert-bench-alloc: %s\n", message);
        return 2;
    }
    struct bench_host_counts host_counts = {0};
    struct wakecert_host_callbacks host;
    bench_host_callbacks(&host_counts, &host);
    size_t warmup_count = (size_t)(warmup * WAKECERT_SAMPLE_RATE) / CHUNK * CHUNK;
    if (warmup_count > count)
        warmup_count = count;

    alloc_count_start();
    wakecert_engine *instance = NULL;
    int status = engine.table->create(&host, config, &instance, message, sizeof message);
    struct alloc_counts after_create = alloc_count_read();
    if (status != 0) {
        alloc_count_stop();
        fprintf(stderr, "wakecert-bench-alloc: engine %s refused to start: %s\n", engine.path, message);
        return 2;
    }
    int process_status = feed(engine.table, instance, audio, warmup_count);
    struct alloc_counts after_warmup = alloc_count_read();
    if (process_status == 0)
        process_status = feed(engine.table, instance, audio + warmup_count, count - warmup_count);
    struct alloc_counts after_steady = alloc_count_read();
    engine.table->destroy(instance);
    struct alloc_counts after_destroy = alloc_count_read();
    alloc_count_stop();

    long long steady = after_steady.allocations - after_warmup.allocations;
    printf("engine %s\n", engine.path);
    printf("create_allocations %lld\n", after_create.allocations);
    printf("warmup_allocations %lld\n", after_warmup.allocations - after_create.allocations);
    printf("steady_allocations %lld\n", steady);
    printf("steady_seconds %.3f\n", (double)(count - warmup_count) / WAKECERT_SAMPLE_RATE);
    printf("wakes %ld\n", host_counts.wakes);
    printf("peak_heap_bytes %lld\n", after_destroy.peak_bytes);
    printf("leaked_bytes %lld\n", after_destroy.live_bytes);
    engine_unload(&engine);
    free(audio);
    if (process_status != 0) {
        fprintf(stderr, "wakecert-bench-alloc: engine process() returned %d\n", process_status);
        return 2;
    }
    if (check_zero && steady != 0) {
        fprintf(stderr, "wakecert-bench-alloc: the per-frame path allocated %lld times in %.0f s after warm-up\n",
                steady, seconds);
        return 1;
    }
    return 0;
}
