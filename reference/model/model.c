/*
 * The classifier's weights file and its streaming inference (see model.h for the network and the
 * file layout).
 *
 * Loading is strict because a wrong file must fail loudly at create(), never produce a quietly wrong
 * detector: every field is checked against what this code can run (format version, 40 mel bands,
 * kernel 3, channels a multiple of 8 up to 128, at most 8 layers with positive dilations, 2 outputs),
 * the weight count must equal the count the shape implies, and the CRC-32 of the whole file must
 * match. The message names the file and the first thing wrong.
 *
 * Streaming state per layer: a ring of 2*dilation+1 input frames (the input of layer 0 is the
 * normalised log-mel frame, of layer l the output of layer l-1). A push writes the new frame into
 * each ring, gathers the taps t-2d, t-d, t (oldest first, as the weights are ordered) into one
 * contiguous vector and calls the affine kernel once per layer.
 */
#define _POSIX_C_SOURCE 200809L
#include "model.h"

#include "cpu.h"
#include "model_kernels.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef WAKECERT_CHECK_SIMD
/* WAKECERT_CHECK_SIMD: run the C kernel beside the SIMD one and abort on disagreement beyond
 * 1e-4 relative to the accumulated magnitude (FMA rounds once, the C kernel twice per step). */
static void affine_checked(wakecert_model_affine_fn affine, const float *w, const float *bias, const float *x, int in,
                           int out, int relu, const float *residual, float *y)
{
    float expected[WAKECERT_MODEL_MAX_CHANNELS];
    wakecert_model_affine_c(w, bias, x, in, out, relu, residual, expected);
    affine(w, bias, x, in, out, relu, residual, y);
    for (int o = 0; o < out; o++)
        if (fabsf(y[o] - expected[o]) > 1e-4f * (1.0f + fabsf(expected[o]))) {
            fprintf(stderr, "wakecert: WAKECERT_CHECK_SIMD: classifier kernel output %d: SIMD %.9g, C %.9g\n", o, y[o],
                    expected[o]);
            abort();
        }
}
#define AFFINE(model, ...) affine_checked((model)->affine, __VA_ARGS__)
#else
#define AFFINE(model, ...) (model)->affine(__VA_ARGS__)
#endif

#define HEADER_FIXED_BYTES (8 + 4 * 6 + 4 * WAKECERT_MODEL_MAX_LAYERS + 4 * 4 + 32)

static int failf(char *message, size_t message_size, const char *format, ...)
{
    if (message && message_size) {
        va_list args;
        va_start(args, format);
        vsnprintf(message, message_size, format, args);
        va_end(args);
    }
    return -1;
}

uint32_t wakecert_model_crc32(const unsigned char *bytes, size_t size)
{
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < size; i++) {
        crc ^= bytes[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    return crc ^ 0xffffffffu;
}

size_t wakecert_model_weight_count(uint32_t mel_count, uint32_t channels, uint32_t layer_count, uint32_t kernel_size,
                                   uint32_t output_count)
{
    size_t count = 2 * (size_t)mel_count;
    for (uint32_t l = 0; l < layer_count; l++) {
        size_t in = l == 0 ? mel_count : channels;
        count += (size_t)kernel_size * in * channels + channels;
    }
    return count + (size_t)channels * output_count + output_count;
}

void wakecert_model_bind(struct wakecert_model_spec *spec)
{
    const float *p = spec->weights;
    spec->mean = p;
    p += spec->mel_count;
    spec->inv_std = p;
    p += spec->mel_count;
    for (uint32_t l = 0; l < spec->layer_count; l++) {
        size_t in = l == 0 ? spec->mel_count : spec->channels;
        spec->layer_weights[l] = p;
        p += (size_t)spec->kernel_size * in * spec->channels;
        spec->layer_bias[l] = p;
        p += spec->channels;
    }
    spec->head_weights = p;
    p += (size_t)spec->channels * spec->output_count;
    spec->head_bias = p;
}

struct reader {
    const unsigned char *bytes;
    size_t size, at;
    int short_read;
};

static uint32_t read_u32(struct reader *r)
{
    if (r->at + 4 > r->size) {
        r->short_read = 1;
        return 0;
    }
    const unsigned char *b = r->bytes + r->at;
    r->at += 4;
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static float read_f32(struct reader *r)
{
    uint32_t bits = read_u32(r);
    float value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

int wakecert_model_parse(const unsigned char *bytes, size_t size, const char *name, struct wakecert_model_spec *spec,
                         char *message, size_t message_size)
{
    memset(spec, 0, sizeof *spec);
    if (size < 8 + 4 || memcmp(bytes, WAKECERT_MODEL_MAGIC, 8) != 0)
        return failf(message, message_size, "%s: not a wakecert model file (no \"%s\" magic)", name, WAKECERT_MODEL_MAGIC);
    struct reader r = {bytes, size, 8, 0};
    uint32_t version = read_u32(&r);
    if (version != WAKECERT_MODEL_FORMAT_VERSION)
        return failf(message, message_size, "%s: model format version %u, this engine reads version %u", name,
                     version, WAKECERT_MODEL_FORMAT_VERSION);
    if (size < HEADER_FIXED_BYTES + 8)
        return failf(message, message_size, "%s: truncated header (%zu bytes)", name, size);
    uint32_t crc_stored;
    memcpy(&crc_stored, bytes + size - 4, 4);
    uint32_t crc = wakecert_model_crc32(bytes, size - 4);
    if (crc != crc_stored)
        return failf(message, message_size, "%s: checksum mismatch (file damaged or truncated: crc32 %08x, stored %08x)",
                     name, crc, crc_stored);
    spec->mel_count = read_u32(&r);
    spec->channels = read_u32(&r);
    spec->layer_count = read_u32(&r);
    spec->kernel_size = read_u32(&r);
    for (int l = 0; l < WAKECERT_MODEL_MAX_LAYERS; l++)
        spec->dilations[l] = read_u32(&r);
    spec->output_count = read_u32(&r);
    spec->threshold = read_f32(&r);
    spec->sensitivity_span = read_f32(&r);
    spec->smoothing_frames = read_u32(&r);
    spec->refractory_frames = read_u32(&r);
    memcpy(spec->keyword, bytes + r.at, 32);
    r.at += 32;
    spec->keyword[31] = '\0';
    if (spec->mel_count != WAKECERT_MODEL_MEL)
        return failf(message, message_size, "%s: wrong shape: %u mel bands, this engine's front end gives %u", name,
                     spec->mel_count, WAKECERT_MODEL_MEL);
    if (spec->kernel_size != 3)
        return failf(message, message_size, "%s: wrong shape: kernel size %u, this engine runs 3", name, spec->kernel_size);
    if (spec->channels == 0 || spec->channels > WAKECERT_MODEL_MAX_CHANNELS || spec->channels % 8)
        return failf(message, message_size, "%s: wrong shape: %u channels (must be a multiple of 8 up to %d)", name,
                     spec->channels, WAKECERT_MODEL_MAX_CHANNELS);
    if (spec->layer_count == 0 || spec->layer_count > WAKECERT_MODEL_MAX_LAYERS)
        return failf(message, message_size, "%s: wrong shape: %u layers (1 to %d)", name, spec->layer_count,
                     WAKECERT_MODEL_MAX_LAYERS);
    for (uint32_t l = 0; l < spec->layer_count; l++)
        if (spec->dilations[l] == 0 || spec->dilations[l] > 256)
            return failf(message, message_size, "%s: wrong shape: layer %u dilation %u (1 to 256)", name, l,
                         spec->dilations[l]);
    if (spec->output_count != WAKECERT_MODEL_OUTPUTS)
        return failf(message, message_size, "%s: wrong shape: %u outputs, this engine reads %d (logit, start)", name,
                     spec->output_count, WAKECERT_MODEL_OUTPUTS);
    if (!(spec->threshold > 0 && spec->threshold < 1) || !(spec->sensitivity_span >= 0 && spec->sensitivity_span < 20) ||
        spec->smoothing_frames < 1 || spec->smoothing_frames > 32 || spec->refractory_frames > 1000)
        return failf(message, message_size, "%s: detector settings out of range (threshold %g, span %g, smoothing %u, "
                     "refractory %u)", name, spec->threshold, spec->sensitivity_span, spec->smoothing_frames,
                     spec->refractory_frames);
    uint32_t provenance_bytes = read_u32(&r);
    if (r.short_read || provenance_bytes == 0 || r.at + provenance_bytes > size - 8 ||
        bytes[r.at + provenance_bytes - 1] != '\0')
        return failf(message, message_size, "%s: provenance text missing or not NUL-terminated", name);
    const unsigned char *provenance = bytes + r.at;
    r.at += provenance_bytes;
    uint32_t weight_count = read_u32(&r);
    size_t expected = wakecert_model_weight_count(spec->mel_count, spec->channels, spec->layer_count,
                                                  spec->kernel_size, spec->output_count);
    if (weight_count != expected)
        return failf(message, message_size, "%s: wrong shape: %u weights, the shape (%u layers of %u channels) needs %zu",
                     name, weight_count, spec->layer_count, spec->channels, expected);
    if (r.short_read || r.at + (size_t)weight_count * 4 + 4 != size)
        return failf(message, message_size, "%s: file is %zu bytes, its header describes %zu", name, size,
                     r.at + (size_t)weight_count * 4 + 4);
    spec->provenance = malloc(provenance_bytes);
    spec->weights = malloc((size_t)weight_count * sizeof(float));
    if (!spec->provenance || !spec->weights) {
        wakecert_model_spec_free(spec);
        return failf(message, message_size, "%s: out of memory", name);
    }
    memcpy(spec->provenance, provenance, provenance_bytes);
    for (uint32_t i = 0; i < weight_count; i++) {
        spec->weights[i] = read_f32(&r);
        if (!isfinite(spec->weights[i])) {
            wakecert_model_spec_free(spec);
            return failf(message, message_size, "%s: weight %u is not a finite number", name, i);
        }
    }
    spec->weight_count = weight_count;
    wakecert_model_bind(spec);
    return 0;
}

int wakecert_model_load_file(const char *path, struct wakecert_model_spec *spec, char *message, size_t message_size)
{
    memset(spec, 0, sizeof *spec);
    FILE *file = fopen(path, "rb");
    if (!file)
        return failf(message, message_size, "%s: cannot open model file: %s", path, strerror(errno));
    unsigned char *bytes = NULL;
    size_t size = 0, capacity = 0;
    for (;;) {
        if (size == capacity) {
            capacity = capacity ? capacity * 2 : 1 << 16;
            if (capacity > (64u << 20)) {
                free(bytes);
                fclose(file);
                return failf(message, message_size, "%s: larger than 64 MB: not a model file", path);
            }
            unsigned char *grown = realloc(bytes, capacity);
            if (!grown) {
                free(bytes);
                fclose(file);
                return failf(message, message_size, "%s: out of memory", path);
            }
            bytes = grown;
        }
        size_t got = fread(bytes + size, 1, capacity - size, file);
        size += got;
        if (got == 0)
            break;
    }
    int read_error = ferror(file);
    fclose(file);
    if (read_error) {
        free(bytes);
        return failf(message, message_size, "%s: read error", path);
    }
    int status = wakecert_model_parse(bytes, size, path, spec, message, message_size);
    free(bytes);
    return status;
}

/* Append value little-endian at buffer + *used. Cannot fail (the caller sized the buffer). */
static void put_u32(unsigned char *buffer, size_t *used, uint32_t value)
{
    unsigned char b[4] = {(unsigned char)value, (unsigned char)(value >> 8), (unsigned char)(value >> 16),
                          (unsigned char)(value >> 24)};
    memcpy(buffer + *used, b, 4);
    *used += 4;
}

int wakecert_model_save_file(const char *path, const struct wakecert_model_spec *spec, char *message,
                             size_t message_size)
{
    size_t provenance_bytes = strlen(spec->provenance ? spec->provenance : "") + 1;
    size_t total = HEADER_FIXED_BYTES + 4 + provenance_bytes + 4 + spec->weight_count * 4 + 4;
    unsigned char *buffer = calloc(1, total);
    if (!buffer)
        return failf(message, message_size, "%s: out of memory", path);
    size_t used = 0;
    memcpy(buffer, WAKECERT_MODEL_MAGIC, 8);
    used = 8;
    put_u32(buffer, &used, WAKECERT_MODEL_FORMAT_VERSION);
    put_u32(buffer, &used, spec->mel_count);
    put_u32(buffer, &used, spec->channels);
    put_u32(buffer, &used, spec->layer_count);
    put_u32(buffer, &used, spec->kernel_size);
    for (int l = 0; l < WAKECERT_MODEL_MAX_LAYERS; l++)
        put_u32(buffer, &used, spec->dilations[l]);
    put_u32(buffer, &used, spec->output_count);
    uint32_t bits;
    memcpy(&bits, &spec->threshold, 4);
    put_u32(buffer, &used, bits);
    memcpy(&bits, &spec->sensitivity_span, 4);
    put_u32(buffer, &used, bits);
    put_u32(buffer, &used, spec->smoothing_frames);
    put_u32(buffer, &used, spec->refractory_frames);
    snprintf((char *)buffer + used, 32, "%s", spec->keyword);
    used += 32;
    put_u32(buffer, &used, (uint32_t)provenance_bytes);
    memcpy(buffer + used, spec->provenance ? spec->provenance : "", provenance_bytes);
    used += provenance_bytes;
    put_u32(buffer, &used, (uint32_t)spec->weight_count);
    for (size_t i = 0; i < spec->weight_count; i++) {
        memcpy(&bits, &spec->weights[i], 4);
        put_u32(buffer, &used, bits);
    }
    put_u32(buffer, &used, wakecert_model_crc32(buffer, used));
    char temporary[4200];
    snprintf(temporary, sizeof temporary, "%s.tmp-%ld", path, (long)getpid());
    FILE *file = fopen(temporary, "wb");
    if (!file) {
        free(buffer);
        return failf(message, message_size, "%s: cannot write: %s", temporary, strerror(errno));
    }
    int ok = fwrite(buffer, 1, used, file) == used;
    ok = (fclose(file) == 0) && ok;
    free(buffer);
    if (!ok || rename(temporary, path) != 0) {
        remove(temporary);
        return failf(message, message_size, "%s: cannot write the model file", path);
    }
    return 0;
}

void wakecert_model_spec_free(struct wakecert_model_spec *spec)
{
    if (!spec)
        return;
    free(spec->provenance);
    free(spec->weights);
    memset(spec, 0, sizeof *spec);
}

/* ---- streaming inference ---- */

struct layer_ring {
    float *frames;   /* span x width */
    int span;        /* 2 * dilation + 1 */
    int width;       /* channels of the layer's input */
    int next;        /* slot the next frame goes to */
};

struct wakecert_model {
    const struct wakecert_model_spec *spec;
    int level;
    wakecert_model_affine_fn affine;
    struct layer_ring rings[WAKECERT_MODEL_MAX_LAYERS];
    float *gather;   /* kernel * max(width) */
    float *hidden;   /* channels */
    float *normal;   /* mel_count */
};

wakecert_model *wakecert_model_create(const struct wakecert_model_spec *spec, int level)
{
    wakecert_model *model = calloc(1, sizeof *model);
    if (!model)
        return NULL;
    model->spec = spec;
    int supported = (int)wakecert_cpu_level();
    if (level >= 0 && level < supported)
        supported = level;
    model->level = wakecert_model_effective_level(supported);
    model->affine = wakecert_model_affine_for(model->level);
    int ok = 1;
    for (uint32_t l = 0; l < spec->layer_count; l++) {
        struct layer_ring *ring = &model->rings[l];
        ring->span = 2 * (int)spec->dilations[l] + 1;
        ring->width = l == 0 ? (int)spec->mel_count : (int)spec->channels;
        ring->frames = calloc((size_t)ring->span * (size_t)ring->width, sizeof(float));
        ok = ok && ring->frames;
    }
    int widest = spec->mel_count > spec->channels ? (int)spec->mel_count : (int)spec->channels;
    model->gather = calloc((size_t)spec->kernel_size * (size_t)widest, sizeof(float));
    model->hidden = calloc(spec->channels, sizeof(float));
    model->normal = calloc(spec->mel_count, sizeof(float));
    if (!ok || !model->gather || !model->hidden || !model->normal) {
        wakecert_model_destroy(model);
        return NULL;
    }
    return model;
}

void wakecert_model_reset(wakecert_model *model)
{
    for (uint32_t l = 0; l < model->spec->layer_count; l++) {
        struct layer_ring *ring = &model->rings[l];
        memset(ring->frames, 0, (size_t)ring->span * (size_t)ring->width * sizeof(float));
        ring->next = 0;
    }
}

void wakecert_model_push(wakecert_model *model, const float *log_mel, float *out)
{
    const struct wakecert_model_spec *spec = model->spec;
    for (uint32_t m = 0; m < spec->mel_count; m++)
        model->normal[m] = (log_mel[m] - spec->mean[m]) * spec->inv_std[m];
    const float *input = model->normal;
    for (uint32_t l = 0; l < spec->layer_count; l++) {
        struct layer_ring *ring = &model->rings[l];
        memcpy(ring->frames + (size_t)ring->next * (size_t)ring->width, input, (size_t)ring->width * sizeof(float));
        int d = (int)spec->dilations[l];
        for (int j = 0; j < 3; j++) {
            /* tap j is the frame (2 - j) * d frames back */
            int slot = (ring->next - (2 - j) * d) % ring->span;
            if (slot < 0)
                slot += ring->span;
            memcpy(model->gather + (size_t)j * (size_t)ring->width, ring->frames + (size_t)slot * (size_t)ring->width,
                   (size_t)ring->width * sizeof(float));
        }
        ring->next = (ring->next + 1) % ring->span;
        /* layer 0 has no residual (40 -> C); later layers add their input */
        AFFINE(model, spec->layer_weights[l], spec->layer_bias[l], model->gather, 3 * ring->width, (int)spec->channels, 1,
               l == 0 ? NULL : input, model->hidden);
        input = model->hidden;
    }
    AFFINE(model, spec->head_weights, spec->head_bias, model->hidden, (int)spec->channels, (int)spec->output_count, 0,
           NULL, out);
}

int wakecert_model_level(const wakecert_model *model)
{
    return model->level;
}

void wakecert_model_destroy(wakecert_model *model)
{
    if (!model)
        return;
    for (int l = 0; l < WAKECERT_MODEL_MAX_LAYERS; l++)
        free(model->rings[l].frames);
    free(model->gather);
    free(model->hidden);
    free(model->normal);
    free(model);
}
