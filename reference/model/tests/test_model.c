/*
 * Tests of the classifier's inference: every kernel level against a double-precision reference over
 * a table of shapes (including tails that are not a multiple of 8), the streaming model against a
 * naive recomputation of the whole causal network over the full history (the model's correctness
 * claim: incremental per-frame results equal the windowed definition), the weights file's
 * refusals (wrong magic, version, shape, size, checksum), each message naming the file, and the
 * detector's ensembles of networks.
 */
#define _POSIX_C_SOURCE 200809L
#include "cpu.h"
#include "detector.h"
#include "embedded_models.h"
#include "model.h"
#include "model_kernels.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static float lcg_uniform(unsigned *state)
{
    *state = *state * 1664525u + 1013904223u;
    return (float)((*state >> 8) & 0xffffff) / 16777216.0f * 2.0f - 1.0f;
}

static void reference_affine(const float *w, const float *bias, const float *x, int in, int out, int relu,
                             const float *residual, double *y)
{
    for (int o = 0; o < out; o++) {
        double s = bias[o];
        for (int i = 0; i < in; i++)
            s += (double)w[(size_t)i * out + o] * x[i];
        if (relu && s < 0)
            s = 0;
        if (residual)
            s += residual[o];
        y[o] = s;
    }
}

struct shape { int in, out, relu, residual; };

Test(model_kernels, every_level_matches_double_reference)
{
    static const struct shape shapes[] = {
        {120, 32, 1, 0}, {96, 32, 1, 1}, {32, 2, 0, 0}, {7, 13, 1, 1}, {200, 64, 0, 1}, {1, 1, 1, 0}, {96, 40, 1, 1},
    };
    unsigned state = 12345;
    for (int level = WAKECERT_CPU_C; level < WAKECERT_CPU_LEVEL_COUNT; level++) {
        if (level > (int)wakecert_cpu_supported_level())
            break;
        wakecert_model_affine_fn affine = wakecert_model_affine_for(level);
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
            const struct shape *sh = &shapes[s];
            float *w = malloc(sizeof(float) * (size_t)sh->in * sh->out), *b = malloc(sizeof(float) * sh->out);
            float *x = malloc(sizeof(float) * sh->in), *r = malloc(sizeof(float) * sh->out);
            float *y = malloc(sizeof(float) * sh->out);
            double *expected = malloc(sizeof(double) * sh->out);
            for (int i = 0; i < sh->in * sh->out; i++)
                w[i] = lcg_uniform(&state) * 0.3f;
            for (int i = 0; i < sh->out; i++)
                b[i] = lcg_uniform(&state), r[i] = lcg_uniform(&state);
            for (int i = 0; i < sh->in; i++)
                x[i] = lcg_uniform(&state) * 3.0f;
            reference_affine(w, b, x, sh->in, sh->out, sh->relu, sh->residual ? r : NULL, expected);
            affine(w, b, x, sh->in, sh->out, sh->relu, sh->residual ? r : NULL, y);
            for (int o = 0; o < sh->out; o++) {
                double tolerance = 1e-5 * (1.0 + 0.3 * 3.0 * sh->in);
                cr_assert(fabs(y[o] - expected[o]) <= tolerance,
                          "level %s shape {in %d, out %d, relu %d, residual %d} output %d: %.9g, reference %.9g",
                          wakecert_cpu_level_name(level), sh->in, sh->out, sh->relu, sh->residual, o, y[o], expected[o]);
            }
            /* residual aliasing y is allowed */
            if (sh->residual) {
                memcpy(y, r, sizeof(float) * sh->out);
                affine(w, b, x, sh->in, sh->out, sh->relu, y, y);
                for (int o = 0; o < sh->out; o++)
                    cr_assert(fabs(y[o] - expected[o]) <= 1e-5 * (1.0 + sh->in), "aliased residual, output %d", o);
            }
            free(w), free(b), free(x), free(r), free(y), free(expected);
        }
    }
}

/* A small random model: 2 layers of 8 channels, dilations 1 and 2. */
static void random_spec(struct wakecert_model_spec *spec, unsigned seed)
{
    memset(spec, 0, sizeof *spec);
    spec->mel_count = WAKECERT_MODEL_MEL;
    spec->channels = 8;
    spec->layer_count = 3;
    spec->kernel_size = 3;
    spec->dilations[0] = 1, spec->dilations[1] = 2, spec->dilations[2] = 4;
    spec->output_count = 2;
    spec->threshold = 0.5f;
    spec->sensitivity_span = 3;
    spec->smoothing_frames = 3;
    spec->refractory_frames = 100;
    snprintf(spec->keyword, sizeof spec->keyword, "test");
    spec->provenance = strdup("test: yes\n");
    spec->weight_count = wakecert_model_weight_count(40, 8, 3, 3, 2);
    spec->weights = malloc(spec->weight_count * sizeof(float));
    for (size_t i = 0; i < spec->weight_count; i++)
        spec->weights[i] = lcg_uniform(&seed) * 0.4f;
    for (int m = 0; m < 40; m++)
        spec->weights[40 + m] = 1.0f; /* inv_std */
    wakecert_model_bind(spec);
}

/* The definition: layer outputs over the whole history, zeros before frame 0, in double. */
static void naive_outputs(const struct wakecert_model_spec *spec, const float *frames, int count, double *out)
{
    int C = (int)spec->channels;
    double *a = calloc((size_t)count * 40, sizeof(double)), *h = calloc((size_t)count * C, sizeof(double));
    for (int t = 0; t < count; t++)
        for (int m = 0; m < 40; m++)
            a[t * 40 + m] = ((double)frames[t * 40 + m] - spec->mean[m]) * spec->inv_std[m];
    int w = 40;
    for (uint32_t l = 0; l < spec->layer_count; l++) {
        int d = (int)spec->dilations[l];
        double *next = calloc((size_t)count * C, sizeof(double));
        for (int t = 0; t < count; t++)
            for (int o = 0; o < C; o++) {
                double s = spec->layer_bias[l][o];
                for (int j = 0; j < 3; j++) {
                    int source = t - (2 - j) * d;
                    if (source < 0)
                        continue;
                    for (int i = 0; i < w; i++)
                        s += (double)spec->layer_weights[l][(size_t)(j * w + i) * C + o] * a[source * w + i];
                }
                next[t * C + o] = (s > 0 ? s : 0) + (l > 0 ? a[t * w + o] : 0);
            }
        free(a);
        a = next;
        w = C;
    }
    for (int t = 0; t < count; t++)
        for (int k = 0; k < 2; k++) {
            double s = spec->head_bias[k];
            for (int c = 0; c < C; c++)
                s += (double)spec->head_weights[c * 2 + k] * a[t * C + c];
            out[t * 2 + k] = s;
        }
    free(a);
    free(h);
}

Test(model_streaming, incremental_equals_windowed_definition)
{
    struct wakecert_model_spec spec;
    random_spec(&spec, 99);
    enum { COUNT = 60 };
    float frames[COUNT * 40];
    unsigned state = 7;
    for (int i = 0; i < COUNT * 40; i++)
        frames[i] = lcg_uniform(&state) * 2.0f;
    double expected[COUNT * 2];
    naive_outputs(&spec, frames, COUNT, expected);
    for (int level = WAKECERT_CPU_C; level <= (int)wakecert_cpu_supported_level() && level < WAKECERT_CPU_LEVEL_COUNT; level++) {
        wakecert_model *model = wakecert_model_create(&spec, level);
        cr_assert_not_null(model);
        for (int pass = 0; pass < 2; pass++) { /* the second pass checks reset */
            for (int t = 0; t < COUNT; t++) {
                float out[2];
                wakecert_model_push(model, frames + t * 40, out);
                for (int k = 0; k < 2; k++)
                    cr_assert(fabs(out[k] - expected[t * 2 + k]) < 1e-4,
                              "level %d pass %d frame %d output %d: %.7g, definition %.7g", level, pass, t, k, out[k],
                              expected[t * 2 + k]);
            }
            wakecert_model_reset(model);
        }
        wakecert_model_destroy(model);
    }
    wakecert_model_spec_free(&spec);
}

static unsigned char *file_bytes(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    fseek(f, 0, SEEK_END);
    *size = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *bytes = malloc(*size);
    cr_assert_eq(fread(bytes, 1, *size, f), *size);
    fclose(f);
    return bytes;
}

static void refix_crc(unsigned char *bytes, size_t size)
{
    uint32_t crc = wakecert_model_crc32(bytes, size - 4);
    memcpy(bytes + size - 4, &crc, 4);
}

Test(model_file, round_trip_and_refusals)
{
    struct wakecert_model_spec spec, loaded;
    random_spec(&spec, 5);
    char path[] = "/tmp/wakecert-model-test-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    char message[512];
    cr_assert_eq(wakecert_model_save_file(path, &spec, message, sizeof message), 0, "%s", message);
    cr_assert_eq(wakecert_model_load_file(path, &loaded, message, sizeof message), 0, "%s", message);
    cr_assert_eq(loaded.weight_count, spec.weight_count);
    cr_assert_eq(memcmp(loaded.weights, spec.weights, spec.weight_count * sizeof(float)), 0);
    cr_assert_str_eq(loaded.provenance, "test: yes\n");
    cr_assert_str_eq(loaded.keyword, "test");
    wakecert_model_spec_free(&loaded);

    size_t size;
    unsigned char *good = file_bytes(path, &size);
    struct { size_t offset; uint32_t value; int fix_crc; const char *expected; } rows[] = {
        {8, 2, 1, "format version 2"},             /* version */
        {12, 13, 1, "13 mel bands"},               /* mel_count */
        {16, 12, 1, "12 channels"},                /* channels */
        {24, 5, 1, "kernel size 5"},               /* kernel */
        {20, 2, 1, "weights, the shape"},          /* layer count: weight count no longer matches */
        {60, 3, 1, "3 outputs"},                   /* output_count */
        {100, 0x12345678, 0, "checksum mismatch"}, /* a damaged byte */
    };
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        unsigned char *bytes = malloc(size);
        memcpy(bytes, good, size);
        memcpy(bytes + rows[r].offset, &rows[r].value, 4);
        if (rows[r].fix_crc)
            refix_crc(bytes, size);
        int status = wakecert_model_parse(bytes, size, "bad.wcm", &loaded, message, sizeof message);
        cr_assert_eq(status, -1, "row %zu accepted", r);
        cr_assert(strstr(message, "bad.wcm") && strstr(message, rows[r].expected), "row %zu: message \"%s\" lacks \"%s\"",
                  r, message, rows[r].expected);
        free(bytes);
    }
    cr_assert_eq(wakecert_model_parse(good, size - 8, "short.wcm", &loaded, message, sizeof message), -1);
    cr_assert(strstr(message, "short.wcm"), "%s", message);
    cr_assert_eq(wakecert_model_parse((const unsigned char *)"RIFF....WAVEfmt ", 16, "x.wav", &loaded, message, sizeof message), -1);
    cr_assert(strstr(message, "not a wakecert model"), "%s", message);
    cr_assert_eq(wakecert_model_load_file("/nonexistent/m.wcm", &loaded, message, sizeof message), -1);
    cr_assert(strstr(message, "/nonexistent/m.wcm"), "%s", message);
    free(good);
    remove(path);
    wakecert_model_spec_free(&spec);
}

Test(model_file, shipped_models_parse)
{
    for (int i = 0; i < wakecert_embedded_model_count; i++) {
        struct wakecert_model_spec spec;
        char message[512];
        const struct wakecert_embedded_model *m = &wakecert_embedded_models[i];
        cr_assert_eq(wakecert_model_parse(m->bytes, m->size, m->keyword, &spec, message, sizeof message), 0, "%s", message);
        cr_assert_str_eq(spec.keyword, m->keyword);
        cr_assert(strstr(spec.provenance, "corpus_manifest_sha256: ") && strstr(spec.provenance, "seed: "),
                  "%s: provenance incomplete:\n%s", m->keyword, spec.provenance);
        cr_assert_lt(m->size, 1u << 20);
        wakecert_model_spec_free(&spec);
    }
}

/* The detector's ensembles. Two copies of one network average equal posteriors: they must decide exactly
 * as the network alone (same frames, scores and start estimates); three copies within float rounding; a
 * pair with another network must decide otherwise somewhere. Random frames rarely look like a wake word,
 * so the operating point is moved to the 99th percentile of the network's posteriors over them, which
 * they then cross now and then. A network of another front end, and a fifth network, are refused. */
enum { PAIR_FRAMES = 6000 };
static float pair_frames[PAIR_FRAMES][WAKECERT_MODEL_MEL];

static int compare_floats(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Reset both detectors, feed them pair_frames, and count the frames on which they disagree: one fires and
 * the other not, or both fire with scores more than `tolerance` apart or start estimates more than
 * 10 x `tolerance` seconds apart. The first disagreement is described in `first`; `detections` gets how
 * often `reference` fired. */
static int count_disagreements(struct model_detector *reference, struct model_detector *other, float tolerance,
                               int *detections, char *first, size_t first_size)
{
    model_detector_reset(reference);
    model_detector_reset(other);
    int disagreements = 0;
    *detections = 0;
    first[0] = '\0';
    for (int t = 0; t < PAIR_FRAMES; t++) {
        struct model_detection one = model_detector_push(reference, pair_frames[t]);
        struct model_detection two = model_detector_push(other, pair_frames[t]);
        *detections += one.fired;
        bool differs = one.fired != two.fired ||
                       (one.fired && (fabsf(one.score - two.score) > tolerance ||
                                      fabsf(one.start_seconds - two.start_seconds) > 10.0f * tolerance));
        if (differs && disagreements++ == 0)
            snprintf(first, first_size, "frame %d: fired %d / %d, score %.9g / %.9g, start %.9g / %.9g s", t,
                     one.fired, two.fired, one.score, two.score, one.start_seconds, two.start_seconds);
    }
    return disagreements;
}

/* Parse the first shipped model into `spec`, fill pair_frames with uniform random log-mel frames from
 * `seed`, and move the spec's operating point to the 99th percentile of the network's posteriors over
 * them (sensitivity span 0), so a detector over the spec crosses the threshold now and then. */
static void spec_at_99th_percentile_of_random_frames(struct wakecert_model_spec *spec, unsigned seed)
{
    char message[512];
    const struct wakecert_embedded_model *m = &wakecert_embedded_models[0];
    cr_assert_eq(wakecert_model_parse(m->bytes, m->size, m->keyword, spec, message, sizeof message), 0, "%s", message);
    unsigned state = seed;
    for (int t = 0; t < PAIR_FRAMES; t++)
        for (int b = 0; b < WAKECERT_MODEL_MEL; b++)
            pair_frames[t][b] = lcg_uniform(&state) * 6.0f - 4.0f;
    static float posteriors[PAIR_FRAMES];
    wakecert_model *alone = wakecert_model_create(spec, -1);
    cr_assert_not_null(alone);
    for (int t = 0; t < PAIR_FRAMES; t++) {
        float out[WAKECERT_MODEL_OUTPUTS];
        wakecert_model_push(alone, pair_frames[t], out);
        posteriors[t] = 1.0f / (1.0f + expf(-out[0]));
    }
    wakecert_model_destroy(alone);
    qsort(posteriors, PAIR_FRAMES, sizeof posteriors[0], compare_floats);
    spec->threshold = posteriors[PAIR_FRAMES * 99 / 100];
    spec->sensitivity_span = 0.0f;
    cr_assert(spec->threshold > 0.0f && spec->threshold < 1.0f, "99th percentile posterior %g", spec->threshold);
}

Test(model_detector, copies_of_one_network_decide_as_the_network_alone)
{
    struct wakecert_model_spec spec;
    char message[512], first[256];
    spec_at_99th_percentile_of_random_frames(&spec, 4242);
    struct model_detector single, pair;
    cr_assert_eq(model_detector_init(&single, &spec, 0.5, -1), 0);
    cr_assert_eq(model_detector_init(&pair, &spec, 0.5, -1), 0);
    cr_assert_eq(model_detector_add_network(&pair, &spec, -1), 0);
    int detections = 0, other_detections = 0;
    cr_assert_eq(count_disagreements(&single, &pair, 0.0f, &detections, first, sizeof first), 0,
                 "a pair of one network, against the network alone: %s", first);
    cr_assert_gt(detections, 0, "random frames never crossed the threshold: the comparison tested nothing");
    /* and a pair with another network does use it: somewhere it decides otherwise */
    cr_assert_geq(wakecert_embedded_model_count, 2);
    struct wakecert_model_spec other;
    const struct wakecert_embedded_model *o = &wakecert_embedded_models[1];
    cr_assert_eq(wakecert_model_parse(o->bytes, o->size, o->keyword, &other, message, sizeof message), 0, "%s", message);
    struct model_detector mixed;
    cr_assert_eq(model_detector_init(&mixed, &spec, 0.5, -1), 0);
    cr_assert_eq(model_detector_add_network(&mixed, &other, -1), 0);
    cr_assert_gt(count_disagreements(&single, &mixed, 0.0f, &other_detections, first, sizeof first), 0,
                 "a pair with %s.wcm decided exactly as %s.wcm alone", o->keyword, wakecert_embedded_models[0].keyword);
    model_detector_free(&mixed);
    wakecert_model_spec_free(&other);
    struct wakecert_model_spec other_front_end = spec;
    other_front_end.mel_count = spec.mel_count + 1;
    struct model_detector refused;
    cr_assert_eq(model_detector_init(&refused, &spec, 0.5, -1), 0);
    cr_assert_eq(model_detector_add_network(&refused, &other_front_end, -1), -2);
    cr_assert_eq(refused.extra_count, 0);
    cr_assert_null(refused.extra_models[0]);
    model_detector_free(&refused);
    /* three copies of one network: the mean of three equal posteriors, the same decisions */
    struct model_detector triple;
    cr_assert_eq(model_detector_init(&triple, &spec, 0.5, -1), 0);
    cr_assert_eq(model_detector_add_network(&triple, &spec, -1), 0);
    cr_assert_eq(model_detector_add_network(&triple, &spec, -1), 0);
    cr_assert_eq(count_disagreements(&single, &triple, 1e-6f, &other_detections, first, sizeof first), 0,
                 "three copies of one network, against the network alone: %s", first);
    cr_assert_eq(other_detections, detections);
    /* at most MODEL_DETECTOR_MAX_NETWORKS networks */
    cr_assert_eq(model_detector_add_network(&triple, &spec, -1), 0);
    cr_assert_eq(triple.extra_count, MODEL_DETECTOR_MAX_NETWORKS - 1);
    cr_assert_eq(model_detector_add_network(&triple, &spec, -1), -3);
    cr_assert_eq(triple.extra_count, MODEL_DETECTOR_MAX_NETWORKS - 1);
    model_detector_free(&triple);
    model_detector_free(&single);
    model_detector_free(&pair);
    wakecert_model_spec_free(&spec);
}

/* settle_frames 0 (the engine's "settle_ms": 0) reports the same decisions at the deciding frame:
 * every wake the default detector reports at frame f comes 3 frames (30 ms) sooner, at f - 3, with the
 * crossing's smoothed posterior as its score (the default reports the largest of the settle frames, so
 * no larger). Setting the default's 3 explicitly changes nothing; values outside 0..10 are refused
 * and leave the detector as it was. */
Test(model_detector, settle_zero_reports_the_same_decisions_three_frames_sooner)
{
    struct wakecert_model_spec spec;
    char first[256];
    spec_at_99th_percentile_of_random_frames(&spec, 777);

    struct model_detector settled, explicit_three, immediate;
    cr_assert_eq(model_detector_init(&settled, &spec, 0.5, -1), 0);
    cr_assert_eq(model_detector_init(&explicit_three, &spec, 0.5, -1), 0);
    cr_assert_eq(model_detector_init(&immediate, &spec, 0.5, -1), 0);
    cr_assert_eq(model_detector_set_settle_frames(&explicit_three, 3), 0);
    int detections = 0;
    cr_assert_eq(count_disagreements(&settled, &explicit_three, 0.0f, &detections, first, sizeof first), 0,
                 "settle 3 set explicitly, against the default: %s", first);
    cr_assert_eq(model_detector_set_settle_frames(&immediate, -1), -1);
    cr_assert_eq(model_detector_set_settle_frames(&immediate, MODEL_DETECTOR_MAX_SETTLE_FRAMES + 1), -1);
    cr_assert_eq(immediate.settle_frames, 3, "a refused value changed the detector");
    cr_assert_eq(model_detector_set_settle_frames(&immediate, 0), 0);

    static struct model_detection reported_settled[PAIR_FRAMES], reported_immediate[PAIR_FRAMES];
    model_detector_reset(&settled);
    model_detector_reset(&immediate);
    for (int t = 0; t < PAIR_FRAMES; t++) {
        reported_settled[t] = model_detector_push(&settled, pair_frames[t]);
        reported_immediate[t] = model_detector_push(&immediate, pair_frames[t]);
    }
    int settled_count = 0, immediate_count = 0;
    for (int t = 0; t < PAIR_FRAMES; t++) {
        immediate_count += reported_immediate[t].fired;
        if (!reported_settled[t].fired)
            continue;
        settled_count++;
        cr_assert_geq(t, 3);
        const struct model_detection *sooner = &reported_immediate[t - 3];
        cr_assert(sooner->fired, "the default reported a wake at frame %d; settle 0 none at frame %d", t, t - 3);
        cr_assert_eq(sooner->frame, reported_settled[t].frame - 3);
        cr_assert_geq(sooner->score, spec.threshold);
        cr_assert_leq(sooner->score, reported_settled[t].score, "frame %d: score %g at the crossing, %g settled", t,
                      sooner->score, reported_settled[t].score);
    }
    cr_assert_gt(settled_count, 1, "random frames crossed the threshold %d times: the comparison tested little",
                 settled_count);
    /* the earlier end of its refractory period can only let settle 0 report more, never fewer */
    cr_assert_geq(immediate_count, settled_count);
    model_detector_free(&settled);
    model_detector_free(&explicit_three);
    model_detector_free(&immediate);
    wakecert_model_spec_free(&spec);
}
