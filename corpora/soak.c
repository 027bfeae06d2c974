/*
 * The soak stream: 100+ hours of negative audio rendered on the fly from a cached pool, never stored
 * whole (issue 4, "soak").
 *
 * `wakecert corpus build soak` builds an ordinary corpus directory — the pool: an hour or so of
 * long-form speech, TV/radio speech, music and ambient files, each a normal manifest entry — whose
 * manifest also carries a "stream" object copied from the recipe:
 *     "stream": {"hours": 120, "seed": 7, "kinds": {"negative": 4, "media": 1, "music": 3, "ambient": 2}}
 * wakecert_soak_open loads every pool file named there into memory (16 kHz int16) and
 * wakecert_soak_read renders the stream block by block: a sequence of items, item i drawn from PCG32
 * seeded (seed, i) — a pool file of a kind chosen by the weights, an excerpt of 20-300 s starting at a
 * drawn offset (wrapping round the file), a gain of -9..+3 dB, 30 ms fades at both ends, then 0.2-2 s
 * of room floor — until `hours` of audio. Every sample carries a -60 dBFS Gaussian floor from a fixed
 * seeded table entered at a drawn offset, so nothing is digital silence. A read never crosses an item
 * boundary, so each block has one kind (the harness reports false wakes per hour per kind).
 *
 * The stream is a pure function of the pool's bytes, the seed and the hours: two renders give the same
 * samples (a test compares sha256s). Cost is one multiply-add per sample: thousands of times real time
 * on one core, far above the 500x the issue asks for (`wakecert corpus render-soak DIR` measures it).
 * Excerpts repeat — 120 h from a ~1.5 h pool means each pool second is heard ~80 times, in different
 * neighbours, gains and offsets. That measures robustness over long operation (drift, state leaks,
 * rare triggers on the pool's material), not false wakes over 120 h of *distinct* audio.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "corpus_internal.h"
#include "error.h"
#include "files.h"
#include "json.h"

#define SOAK_FLOOR_TABLE 65536 /* a power of two */
#define SOAK_FADE (WAKECERT_CORPUS_RATE * 3 / 100)

/* One pool file in memory. */
struct soak_source {
    int16_t *samples;
    int64_t count;
    char kind[16];
};

struct wakecert_soak {
    struct soak_source *sources;
    size_t source_count;
    double weights[6];    /* per kind index below */
    int64_t kind_samples[6];
    uint64_t seed;
    int64_t total;        /* samples in the whole stream */
    int64_t position;     /* samples rendered so far */
    float floor_table[SOAK_FLOOR_TABLE];
    /* the current item */
    uint64_t item;
    size_t item_source;
    int64_t item_from, item_length, item_done, item_gap;
    float item_gain;
    uint32_t item_floor;
};

static const char *const soak_kinds[6] = {"negative", "media", "music", "ambient", "confusable", "wake"};

/* Index of kind in soak_kinds, or -1. */
static int kind_index(const char *kind)
{
    for (int k = 0; k < 6; k++)
        if (strcmp(soak_kinds[k], kind) == 0)
            return k;
    return -1;
}

/* Draw item number soak->item: source, excerpt, gain, floor offset, trailing gap. Cannot fail. */
static void next_item(struct wakecert_soak *soak)
{
    struct wakecert_prng prng;
    wakecert_prng_seed(&prng, soak->seed, soak->item);
    /* A kind by the stream's weights (among kinds the pool has), then a file of that kind with
     * probability proportional to its length. */
    double total_weight = 0.0;
    for (int k = 0; k < 6; k++)
        total_weight += soak->kind_samples[k] > 0 ? soak->weights[k] : 0.0;
    double target = wakecert_prng_uniform(&prng) * total_weight, sum = 0.0;
    int kind = -1;
    for (int k = 0; k < 6; k++) {
        if (soak->kind_samples[k] <= 0 || soak->weights[k] <= 0)
            continue;
        kind = k;
        sum += soak->weights[k];
        if (sum >= target)
            break;
    }
    size_t chosen = 0;
    int64_t kind_samples = soak->kind_samples[kind];
    int64_t pick = (int64_t)(wakecert_prng_uniform(&prng) * (double)kind_samples);
    for (size_t s = 0; s < soak->source_count; s++) {
        if (kind_index(soak->sources[s].kind) != kind)
            continue;
        chosen = s;
        if (pick < soak->sources[s].count)
            break;
        pick -= soak->sources[s].count;
    }
    const struct soak_source *source = &soak->sources[chosen];
    soak->item_source = chosen;
    soak->item_length = (int64_t)((20.0 + 280.0 * wakecert_prng_uniform(&prng)) * WAKECERT_CORPUS_RATE);
    soak->item_from = (int64_t)(wakecert_prng_uniform(&prng) * (double)source->count);
    soak->item_gain = (float)pow(10.0, (wakecert_prng_uniform(&prng) * 12.0 - 9.0) / 20.0);
    soak->item_floor = wakecert_prng_next(&prng);
    soak->item_gap = (int64_t)((0.2 + 1.8 * wakecert_prng_uniform(&prng)) * WAKECERT_CORPUS_RATE);
    soak->item_done = 0;
}

/* What a pool's manifest says of its stream: {"stream": {"hours", "seed", "kinds": {kind: weight}}}. */
struct stream_spec {
    int64_t total;        /* samples in the whole stream */
    uint64_t seed;
    double weights[6];    /* per kind index of soak_kinds */
};

/* Read the "stream" object of directory/manifest.json into *spec, its length from `hours` (<= 0: the
 * manifest's own hours, default 100). The one place both the length and the rendering come from, so
 * the harness's announced length and the rendered stream cannot disagree. Returns 0, or a negative
 * code naming the manifest (unreadable, no "stream": not a soak pool) or the hours out of (0, 10000]. */
static int read_stream_spec(const char *directory, double hours, struct stream_spec *spec, char *message,
                            size_t message_size)
{
    memset(spec, 0, sizeof *spec);
    char manifest_path[4096];
    if (wakecert_join_path(manifest_path, sizeof manifest_path, directory, "manifest.json") != 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_USAGE, "%s: path too long", directory);
    cJSON *manifest = NULL;
    int status = wakecert_json_load_file(manifest_path, &manifest, message, message_size);
    if (status != 0)
        return status;
    const cJSON *stream = cJSON_GetObjectItemCaseSensitive(manifest, "stream");
    if (!cJSON_IsObject(stream)) {
        cJSON_Delete(manifest);
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                  "%s: no \"stream\" object: not a soak pool (build the soak recipe)", manifest_path);
    }
    if (hours <= 0)
        hours = wakecert_json_number(stream, "hours", 100.0);
    spec->seed = (uint64_t)wakecert_json_number(stream, "seed", 1);
    const cJSON *kinds = cJSON_GetObjectItemCaseSensitive(stream, "kinds");
    for (int k = 0; k < 6; k++)
        spec->weights[k] = kinds ? wakecert_json_number(kinds, soak_kinds[k], 0.0) : (k < 4 ? 1.0 : 0.0);
    cJSON_Delete(manifest);
    if (!(hours > 0 && hours <= 10000))
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_USAGE, "soak hours must be in (0, 10000]");
    spec->total = (int64_t)llround(hours * 3600.0 * WAKECERT_CORPUS_RATE);
    return 0;
}

int wakecert_soak_stream_samples(const char *directory, double hours, int64_t *total, char *message,
                                 size_t message_size)
{
    struct stream_spec spec;
    int status = read_stream_spec(directory, hours, &spec, message, message_size);
    *total = status == 0 ? spec.total : 0;
    return status;
}

int wakecert_soak_open(const char *directory, double hours, struct wakecert_soak **out, char *message,
                       size_t message_size)
{
    *out = NULL;
    struct stream_spec spec;
    int status = read_stream_spec(directory, hours, &spec, message, message_size);
    if (status != 0)
        return status;
    struct wakecert_soak *soak = calloc(1, sizeof *soak);
    if (!soak)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
    struct wakecert_corpus corpus;
    memset(&corpus, 0, sizeof corpus);
    soak->seed = spec.seed;
    memcpy(soak->weights, spec.weights, sizeof soak->weights);
    soak->total = spec.total;

    status = wakecert_corpus_load(directory, &corpus, message, message_size);
    if (status != 0)
        goto fail;
    soak->sources = calloc(corpus.file_count ? corpus.file_count : 1, sizeof *soak->sources);
    if (!soak->sources) {
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < corpus.file_count; i++) {
        const struct wakecert_corpus_file *file = &corpus.files[i];
        int k = kind_index(file->kind);
        if (k < 0 || soak->weights[k] <= 0)
            continue;
        struct soak_source *source = &soak->sources[soak->source_count];
        status = wakecert_corpus_read_audio(file, &source->samples, &source->count, message, message_size);
        if (status != 0)
            goto fail;
        snprintf(source->kind, sizeof source->kind, "%s", file->kind);
        soak->kind_samples[k] += source->count;
        soak->source_count++;
    }
    if (soak->source_count == 0) {
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                    "%s: the pool has no file of a kind the stream's weights select", directory);
        goto fail;
    }
    struct wakecert_prng floor_prng;
    wakecert_prng_seed(&floor_prng, soak->seed, 0xF100Du);
    for (int i = 0; i < SOAK_FLOOR_TABLE; i++)
        soak->floor_table[i] = (float)(wakecert_prng_gaussian(&floor_prng) * 32768.0 * 0.001); /* -60 dBFS */
    next_item(soak);
    wakecert_corpus_free(&corpus);
    *out = soak;
    return 0;
fail:
    wakecert_corpus_free(&corpus);
    wakecert_soak_close(soak);
    return status;
}

int64_t wakecert_soak_read(struct wakecert_soak *soak, int16_t *out, int64_t max, const char **kind)
{
    if (soak->position >= soak->total || max <= 0) {
        if (kind)
            *kind = NULL;
        return 0;
    }
    if (soak->item_done >= soak->item_length + soak->item_gap) {
        soak->item++;
        next_item(soak);
    }
    const struct soak_source *source = &soak->sources[soak->item_source];
    int in_excerpt = soak->item_done < soak->item_length;
    int64_t left = in_excerpt ? soak->item_length - soak->item_done : soak->item_length + soak->item_gap - soak->item_done;
    int64_t count = max < left ? max : left;
    if (count > soak->total - soak->position)
        count = soak->total - soak->position;
    uint32_t floor_at = soak->item_floor + (uint32_t)soak->item_done;
    if (in_excerpt) {
        int64_t at = (soak->item_from + soak->item_done) % source->count;
        for (int64_t i = 0; i < count; i++) {
            int64_t n = soak->item_done + i;
            float envelope = 1.0f;
            if (n < SOAK_FADE)
                envelope = (float)n / SOAK_FADE;
            else if (soak->item_length - n < SOAK_FADE)
                envelope = (float)(soak->item_length - n) / SOAK_FADE;
            float value = soak->item_gain * envelope * (float)source->samples[at] +
                          soak->floor_table[(floor_at + (uint32_t)i) & (SOAK_FLOOR_TABLE - 1)];
            out[i] = value > 32767.0f ? 32767 : value < -32768.0f ? -32768 : (int16_t)lrintf(value);
            if (++at == source->count)
                at = 0;
        }
        if (kind)
            *kind = source->kind;
    } else {
        for (int64_t i = 0; i < count; i++)
            out[i] = (int16_t)lrintf(soak->floor_table[(floor_at + (uint32_t)i) & (SOAK_FLOOR_TABLE - 1)]);
        if (kind)
            *kind = source->kind; /* the pause after an excerpt belongs to it */
    }
    soak->item_done += count;
    soak->position += count;
    return count;
}

int64_t wakecert_soak_total_samples(const struct wakecert_soak *soak)
{
    return soak->total;
}

double wakecert_soak_pool_seconds(const struct wakecert_soak *soak)
{
    double seconds = 0.0;
    for (size_t s = 0; s < soak->source_count; s++)
        seconds += (double)soak->sources[s].count / WAKECERT_CORPUS_RATE;
    return seconds;
}

void wakecert_soak_close(struct wakecert_soak *soak)
{
    if (!soak)
        return;
    for (size_t s = 0; s < soak->source_count; s++)
        free(soak->sources[s].samples);
    free(soak->sources);
    free(soak);
}
