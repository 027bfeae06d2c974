/*
 * The reference classifier: a small causal dilated temporal convolution network (TCN) over the
 * front end's 40 log-mel energies per 10 ms frame, run one frame at a time.
 *
 * Shape (every number is in the weights file, these are what the trainer writes by default):
 *   input   40 log-mel energies, normalised by a per-band mean and 1/std stored in the file;
 *   layer 0 causal conv, kernel 3, dilation 1, 40 -> C channels, ReLU;
 *   layer l causal conv, kernel 3, dilation 2^l (l = 1..5), C -> C, ReLU, plus the layer's input
 *           (residual);
 *   head    a 1x1 projection C -> 2: the wake-word logit ("the word ended just now") and the time
 *           since the word's start in seconds (a regression used for the pre-roll's start index).
 * Receptive field 1 + 2*(1+2+4+8+16+32) = 127 frames, 1.27 s.
 *
 * Streaming: each layer keeps the last 2*dilation+1 of its input frames in a ring, so a new frame
 * costs one gather and one matrix-vector product per layer (about 20k multiply-adds at C = 32),
 * nothing over the window is recomputed, and nothing allocates after creation. The rings start as
 * zeros, which is exactly the zero padding the trainer uses at the start of each training crop, so
 * the trainer's batch forward pass and this streaming pass compute the same function.
 *
 * The weights file ("WCM", little-endian, version WAKECERT_MODEL_FORMAT_VERSION):
 *   magic "WCMODEL\0" (8) | u32 version | u32 mel_count | u32 channels | u32 layer_count |
 *   u32 kernel_size | u32 dilations[8] | u32 output_count |
 *   f32 threshold (posterior at sensitivity 0.5) | f32 sensitivity_span (logit shift from 0.5 to 0/1) |
 *   u32 smoothing_frames | u32 refractory_frames | char keyword[32] |
 *   u32 provenance_bytes | provenance text (UTF-8, "key: value" lines, NUL-terminated) |
 *   u32 weight_count | f32 weights[weight_count] | u32 crc32 of every byte before it.
 * Weights in order: mean[mel], inv_std[mel]; per layer W[kernel*in][out] (input tap j, j = 0 the
 * oldest, channel i at row j*in + i; column-major for the kernels) then bias[out]; head W[C][outputs],
 * bias[outputs].
 */
#ifndef WAKECERT_REFERENCE_MODEL_H
#define WAKECERT_REFERENCE_MODEL_H

#include <stddef.h>
#include <stdint.h>

#define WAKECERT_MODEL_FORMAT_VERSION 1u
#define WAKECERT_MODEL_MAGIC "WCMODEL"
#define WAKECERT_MODEL_MAX_LAYERS 8
#define WAKECERT_MODEL_MAX_CHANNELS 128
#define WAKECERT_MODEL_MEL 40
#define WAKECERT_MODEL_OUTPUTS 2

/** The parsed, validated description of a model (weights point into `storage`). */
struct wakecert_model_spec {
    uint32_t mel_count, channels, layer_count, kernel_size, output_count;
    uint32_t dilations[WAKECERT_MODEL_MAX_LAYERS];
    float threshold;          /* posterior threshold at sensitivity 0.5 */
    float sensitivity_span;   /* logit shift of the threshold between sensitivity 0.5 and 0 or 1 */
    uint32_t smoothing_frames;
    uint32_t refractory_frames;
    char keyword[32];
    char *provenance;         /* NUL-terminated text */
    float *weights;           /* weight_count floats */
    size_t weight_count;
    /* pointers into weights */
    const float *mean, *inv_std;
    const float *layer_weights[WAKECERT_MODEL_MAX_LAYERS], *layer_bias[WAKECERT_MODEL_MAX_LAYERS];
    const float *head_weights, *head_bias;
};

/** How many floats a model of this shape holds (the order is in the file comment above). */
size_t wakecert_model_weight_count(uint32_t mel_count, uint32_t channels, uint32_t layer_count, uint32_t kernel_size,
                                   uint32_t output_count);

/** Point the spec's named pointers into spec->weights (spec->weights and the shape must be set).
 *  Cannot fail. */
void wakecert_model_bind(struct wakecert_model_spec *spec);

/** Parse and validate a weights file held in memory (`name` is used in messages). On success fills
 *  *spec with malloc'd copies (free with wakecert_model_spec_free) and returns 0. On failure returns
 *  -1 and writes a message naming `name` and what is wrong: bad magic, another format version, a
 *  shape this engine does not run, a size that does not match the shape, a bad checksum. */
int wakecert_model_parse(const unsigned char *bytes, size_t size, const char *name, struct wakecert_model_spec *spec,
                         char *message, size_t message_size);

/** Read a weights file from disk and parse it (same contract; a missing file is an error too). */
int wakecert_model_load_file(const char *path, struct wakecert_model_spec *spec, char *message, size_t message_size);

/** Serialise a spec to `path` (written whole, then renamed). Returns 0 or -1 with a message. */
int wakecert_model_save_file(const char *path, const struct wakecert_model_spec *spec, char *message,
                             size_t message_size);

/** Free what wakecert_model_parse allocated; the spec becomes empty. NULL-safe. */
void wakecert_model_spec_free(struct wakecert_model_spec *spec);

/** CRC-32 (IEEE, reflected, as zlib) of bytes. Cannot fail. */
uint32_t wakecert_model_crc32(const unsigned char *bytes, size_t size);

/** A streaming instance of a model. */
typedef struct wakecert_model wakecert_model;

/** Create a streaming instance over `spec` (borrowed; must outlive the instance). level < 0 uses
 *  wakecert_cpu_level(), else that kernel level clamped to what is built and supported. Returns NULL
 *  when out of memory. All memory is allocated here. */
wakecert_model *wakecert_model_create(const struct wakecert_model_spec *spec, int level);

/** Zero every ring (the state of a fresh instance). Cannot fail. */
void wakecert_model_reset(wakecert_model *model);

/** Push one frame of log-mel energies (spec->mel_count values); writes the head's outputs for this
 *  frame to out[0..output_count): out[0] the logit, out[1] the seconds since the word's start.
 *  No allocation. */
void wakecert_model_push(wakecert_model *model, const float *log_mel, float *out);

/** The kernel level the instance uses. */
int wakecert_model_level(const wakecert_model *model);

/** Free an instance; NULL is ignored. */
void wakecert_model_destroy(wakecert_model *model);

#endif
