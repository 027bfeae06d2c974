/*
 * The model benchmark group: per-frame inference of the reference classifier (reference/model, a
 * streaming dilated TCN over 40 log-mel energies per 10 ms frame) at every kernel level that runs
 * distinct code, plus the detector around it (smoothing, threshold, peak following) at the level
 * dispatch picks.
 *
 * Inputs are real: the log-mel frames the front end computes from the first --seconds of the
 * benchmark stream (bench_stream.c), computed once before any timing, so the figure is the network
 * alone (the front end is the frontend group). Weights are the shipped "alexa" model embedded in the
 * plugin, parsed exactly as the engine parses them; a change of shape (channels, layers) shows here
 * first. At the default shape a frame is ~19k multiply-adds, i.e. a few microseconds in C and well
 * under one with AVX2+FMA: 100 frames per second of audio make that ~0.01-0.05% of a core.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_internal.h"
#include "cpu.h"
#include "detector.h"
#include "embedded_models.h"
#include "error.h"
#include "mfcc.h"
#include "model.h"
#include "model_kernels.h"

#define MAX_REPETITIONS 1000

struct mel_frames {
    float *values; /* count * 40 */
    size_t count, capacity;
};

static void collect_frame(void *ctx, int64_t frame_index, const float *log_mel, const float *cepstra)
{
    (void)frame_index;
    (void)cepstra;
    struct mel_frames *frames = ctx;
    if (frames->count < frames->capacity)
        memcpy(frames->values + frames->count++ * WAKECERT_MODEL_MEL, log_mel, WAKECERT_MODEL_MEL * sizeof(float));
}

/* The log-mel frames of the first `seconds` of the stream into *frames (malloc'd values). Returns 0
 * or a negative wakecert_error. */
static int make_frames(double seconds, struct mel_frames *frames, char *message, size_t message_size)
{
    int16_t *audio = NULL;
    size_t count = 0;
    int status = bench_stream_audio(seconds, &audio, &count, message, message_size);
    if (status != 0)
        return status;
    struct wakecert_mfcc_config config;
    wakecert_mfcc_config_default(&config);
    wakecert_mfcc *frontend = NULL;
    status = wakecert_mfcc_create(&config, -1, &frontend, message, message_size);
    frames->capacity = count / 160 + 2;
    frames->count = 0;
    frames->values = status == 0 ? malloc(frames->capacity * WAKECERT_MODEL_MEL * sizeof(float)) : NULL;
    if (status == 0 && !frames->values)
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory for frames");
    if (status == 0)
        wakecert_mfcc_push(frontend, audio, count, collect_frame, frames);
    wakecert_mfcc_destroy(frontend);
    free(audio);
    return status;
}

int bench_model(const struct bench_options *options, struct bench_results *results, char *message,
                size_t message_size)
{
    const struct wakecert_embedded_model *embedded = NULL;
    for (int i = 0; i < wakecert_embedded_model_count; i++)
        if (wakecert_embedded_models[i].keyword && strcmp(wakecert_embedded_models[i].keyword, "alexa") == 0)
            embedded = &wakecert_embedded_models[i];
    if (!embedded) {
        printf("note: no embedded \"alexa\" model in this build; the model group is not measured\n");
        return 0;
    }
    struct wakecert_model_spec spec = {0};
    if (wakecert_model_parse(embedded->bytes, embedded->size, "alexa.wcm", &spec, message, message_size) != 0)
        return WAKECERT_ERROR_FORMAT;
    struct mel_frames frames = {0};
    int status = make_frames(options->seconds, &frames, message, message_size);
    const int repetitions = options->repetitions > MAX_REPETITIONS ? MAX_REPETITIONS : options->repetitions;
    static double values[MAX_REPETITIONS];
    float out[WAKECERT_MODEL_OUTPUTS];
    char name[96];
    for (int level = 0; status == 0 && level <= (int)wakecert_cpu_supported_level(); level++) {
        if (wakecert_model_effective_level(level) != level)
            continue; /* runs the kernel of another level */
        wakecert_model *model = wakecert_model_create(&spec, level);
        if (!model) {
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory for the model");
            break;
        }
        snprintf(name, sizeof name, "model.tcn.%s", wakecert_cpu_level_name(level));
        double checksum = 0;
        for (size_t k = 0; k < frames.count; k++) { /* warm-up, outside every count */
            wakecert_model_push(model, frames.values + k * WAKECERT_MODEL_MEL, out);
            checksum += out[0];
        }
        if (options->callgrind) {
            wakecert_model_reset(model);
            BENCH_CALLGRIND_BEGIN();
            for (size_t k = 0; k < frames.count; k++) {
                wakecert_model_push(model, frames.values + k * WAKECERT_MODEL_MEL, out);
                bench_inject(options, 1);
            }
            BENCH_CALLGRIND_END(name, (double)frames.count, "frame");
        } else {
            for (int r = 0; r < repetitions; r++) {
                wakecert_model_reset(model);
                double start = bench_now_ns();
                for (size_t k = 0; k < frames.count; k++) {
                    wakecert_model_push(model, frames.values + k * WAKECERT_MODEL_MEL, out);
                    bench_inject(options, 1);
                }
                values[r] = (bench_now_ns() - start) / (double)frames.count;
            }
            bench_add(results, name, "ns/frame", values, repetitions);
        }
        (void)checksum;
        wakecert_model_destroy(model);
    }
    if (status == 0) { /* the detector around the network, at the dispatched level */
        struct model_detector detector;
        if (model_detector_init(&detector, &spec, 0.5, -1) != 0) {
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory for the detector");
        } else {
            int fired = 0;
            if (options->callgrind) {
                model_detector_reset(&detector);
                BENCH_CALLGRIND_BEGIN();
                for (size_t k = 0; k < frames.count; k++)
                    fired += model_detector_push(&detector, frames.values + k * WAKECERT_MODEL_MEL).fired;
                BENCH_CALLGRIND_END("model.detector", (double)frames.count, "frame");
            } else {
                for (int r = 0; r < repetitions; r++) {
                    model_detector_reset(&detector);
                    double start = bench_now_ns();
                    for (size_t k = 0; k < frames.count; k++)
                        fired += model_detector_push(&detector, frames.values + k * WAKECERT_MODEL_MEL).fired;
                    values[r] = (bench_now_ns() - start) / (double)frames.count;
                }
                bench_add(results, "model.detector", "ns/frame", values, repetitions);
            }
            (void)fired;
            model_detector_free(&detector);
        }
    }
    free(frames.values);
    wakecert_model_spec_free(&spec);
    return status;
}
