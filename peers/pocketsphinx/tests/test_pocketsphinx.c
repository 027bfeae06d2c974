/*
 * The PocketSphinx peer loads through the ABI like any engine, refuses bad configuration, and hears
 * its keyword: a wake file of the smoke corpus fed in 160-sample chunks must produce a wake reported
 * inside the hit window with start and end around the labelled word, and the same file fed in one
 * chunk and in 1-sample chunks must give the same wake within one 10 ms block.
 */
#include "corpus.h"
#include "engine_loader.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct record {
    int wakes;
    int64_t sample[8], start[8], end[8];
    int64_t clock;
};

static void on_wake(void *ctx, const char *keyword, float score, int64_t start, int64_t end)
{
    struct record *r = ctx;
    (void)keyword, (void)score;
    if (r->wakes < 8) {
        r->sample[r->wakes] = r->clock;
        r->start[r->wakes] = start;
        r->end[r->wakes] = end;
    }
    r->wakes++;
}
static void on_open(void *ctx, int reason) { (void)ctx, (void)reason; }
static void on_upload(void *ctx, const int16_t *s, size_t n, int64_t first) { (void)ctx, (void)s, (void)n, (void)first; }
static void on_close(void *ctx, int reason) { (void)ctx, (void)reason; }
static void on_indicator(void *ctx, int state, int tone) { (void)ctx, (void)state, (void)tone; }

static struct record run(const struct wakecert_engine_table *table, const int16_t *samples, int64_t count, size_t chunk)
{
    struct record r = {0};
    struct wakecert_host_callbacks callbacks = {sizeof callbacks, &r, on_wake, on_open, on_upload, on_close, on_indicator};
    wakecert_engine *engine = NULL;
    char message[512] = "";
    cr_assert_eq(table->create(&callbacks, "{\"sensitivity\": 0.9}", &engine, message, sizeof message), 0, "%s", message);
    for (int64_t at = 0; at < count; at += (int64_t)chunk) {
        size_t n = (size_t)(count - at) < chunk ? (size_t)(count - at) : chunk;
        r.clock = at + (int64_t)n;
        cr_assert_eq(table->process(engine, samples + at, n), 0);
    }
    table->destroy(engine);
    return r;
}

Test(peers_pocketsphinx, loads_refuses_and_detects)
{
    struct loaded_engine engine;
    char message[1024];
    cr_assert_eq(engine_load(WAKECERT_POCKETSPHINX_PLUGIN, &engine, message, sizeof message), 0, "%s", message);
    cr_assert_str_eq(engine.table->name, "pocketsphinx-kws");
    struct record r = {0};
    struct wakecert_host_callbacks callbacks = {sizeof callbacks, &r, on_wake, on_open, on_upload, on_close, on_indicator};
    wakecert_engine *instance = NULL;
    cr_assert_eq(engine.table->create(&callbacks, "{\"sensitivity\": 2}", &instance, message, sizeof message),
                 WAKECERT_ENGINE_ERROR_BAD_CONFIG);
    cr_assert(strstr(message, "sensitivity"), "%s", message);
    cr_assert_eq(engine.table->create(&callbacks, "{\"model_dir\": \"/nonexistent\"}", &instance, message, sizeof message),
                 WAKECERT_ENGINE_ERROR_MODEL);
    cr_assert(strstr(message, "/nonexistent"), "%s", message);

    struct wakecert_corpus corpus = {0};
    cr_assert_eq(wakecert_corpus_open("smoke", &corpus, 0, message, sizeof message), 0, "%s", message);
    const struct wakecert_corpus_file *file = NULL;
    for (size_t f = 0; f < corpus.file_count; f++)
        if (strcmp(corpus.files[f].path, "wake_000.wav") == 0)
            file = &corpus.files[f];
    cr_assert_not_null(file);
    const struct wakecert_corpus_event *word = &file->events[0];
    int16_t *samples;
    int64_t count;
    cr_assert_eq(wakecert_corpus_read_audio(file, &samples, &count, message, sizeof message), 0, "%s", message);
    struct record by160 = run(engine.table, samples, count, 160);
    cr_assert_geq(by160.wakes, 1, "no wake on %s", file->path);
    cr_assert(by160.sample[0] >= word->start && by160.sample[0] <= word->end + 8000,
              "wake at %lld outside [%lld, %lld]", (long long)by160.sample[0], (long long)word->start,
              (long long)word->end + 8000);
    cr_assert(by160.start[0] < by160.end[0] && llabs(by160.start[0] - word->start) < 16000, "start %lld vs label %lld",
              (long long)by160.start[0], (long long)word->start);
    struct record by1 = run(engine.table, samples, count, 1);
    cr_assert_eq(by1.wakes, by160.wakes);
    cr_assert(llabs(by1.sample[0] - by160.sample[0]) <= 160, "chunk 1: %lld, chunk 160: %lld", (long long)by1.sample[0],
              (long long)by160.sample[0]);
    cr_assert_eq(by1.start[0], by160.start[0]);
    free(samples);
    wakecert_corpus_free(&corpus);
    engine_unload(&engine);
}
