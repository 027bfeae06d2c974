/*
 * The streaming MFCC front end (see mfcc.h for the definition and mfcc_kernels.h for the kernels).
 *
 * Streaming design. Frame k covers samples [k * hop, k * hop + window) and its pre-emphasis needs the
 * sample before it (0 for frame 0), so a frame is computed from window + 1 consecutive int16 samples.
 * Pushed audio is copied into a linear history buffer that holds room for the frame span plus 32
 * hops; `head` is where the next frame's span starts. Whenever the span is complete the frame is
 * computed straight from the buffer and `head` advances by one hop; only when the buffer is full are
 * the unread samples moved back to the start (one memmove every 32 frames). Because each frame is
 * computed from exactly the same int16 values by exactly the same code whatever the chunking, the
 * output is bit-identical for any chunking of the input.
 *
 * Per-frame path: five kernels through a const table of function pointers chosen at creation, and one
 * fftwf_execute on a plan made at creation (FFTW_ESTIMATE, under the process-wide planning lock) for
 * this instance's own aligned buffers. No allocation, no I/O, no locking per frame.
 *
 * With WAKECERT_CHECK_SIMD defined, every SIMD kernel call is followed by the C kernel on the same
 * input and an abort if they disagree beyond the tolerances below (stated per kernel).
 */
#include "mfcc.h"

#include <fftw3.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "error.h"
#include "mfcc_kernels.h"

#ifdef WAKECERT_CHECK_SIMD
#include <math.h>
#include <stdio.h>
#endif

/* Frames between two compactions of the history buffer. */
#define HISTORY_SPARE_HOPS 32

struct wakecert_mfcc {
    struct wakecert_mfcc_config config;
    struct wakecert_mfcc_tables tables;
    int level;
    const struct wakecert_mfcc_kernels *kernels;

    int16_t *history;          /* history[head] is the sample before the next frame */
    size_t history_capacity;
    size_t history_fill;
    size_t head;
    int64_t next_frame_index;

    float *frame;              /* fft_size floats; [window_length, fft_size) stays zero */
    fftwf_complex *spectrum;   /* bin_count complex values */
    float *power;              /* mel.power_padded_count floats, zero past bin_count */
    float *mel;
    float *log_mel;
    float *cepstra;            /* dct_stride floats */
    fftwf_plan plan;
#ifdef WAKECERT_CHECK_SIMD
    float *check;              /* scratch for the C kernel's output, large enough for any stage */
#endif
};

#ifdef WAKECERT_CHECK_SIMD
/* Abort unless |simd - c| <= absolute + relative * |c| elementwise. */
static void check_agreement(const char *kernel, const float *simd, const float *c, int count, double absolute,
                            double relative)
{
    for (int i = 0; i < count; i++) {
        double difference = fabs((double)simd[i] - (double)c[i]);
        if (!(difference <= absolute + relative * fabs((double)c[i]))) {
            fprintf(stderr, "wakecert: WAKECERT_CHECK_SIMD: %s kernel element %d: SIMD %.9g, C %.9g\n", kernel, i,
                    (double)simd[i], (double)c[i]);
            abort();
        }
    }
}
#endif

/* Compute one frame from samples[0 .. window_length] and hand it to on_frame. Cannot fail. */
static void compute_frame(wakecert_mfcc *frontend, const int16_t *samples, wakecert_mfcc_frame_fn on_frame, void *ctx)
{
    const struct wakecert_mfcc_tables *tables = &frontend->tables;
    const struct wakecert_mfcc_kernels *kernels = frontend->kernels;
    kernels->window(samples, tables->window_length, tables->preemphasis, tables->window, frontend->frame);
    fftwf_execute(frontend->plan);
    const float *spectrum = (const float *)frontend->spectrum;
    kernels->power(spectrum, tables->bin_count, frontend->power);
    kernels->mel(frontend->power, &tables->mel, frontend->mel);
    kernels->log(frontend->mel, tables->mel.filter_count, tables->log_floor, frontend->log_mel);
    kernels->dct(frontend->log_mel, tables->mel.filter_count, tables->dct_matrix, tables->dct_stride,
                 frontend->cepstra);
#ifdef WAKECERT_CHECK_SIMD
    /* Tolerances: window 1e-6 of (|x[n]| + a|x[n-1]|) w[n]; power a few roundings (1e-6 relative); mel sums up to ~40 terms in
     * another order (1e-5 relative); log is absolute (2e-6 + 1e-6 relative, the polynomial's error);
     * the DCT's absolute error scales with the sum of |log-mel| (1e-6 of it). */
    if (kernels->window != wakecert_window_c) {
        float *c = frontend->check;
        wakecert_window_c(samples, tables->window_length, tables->preemphasis, tables->window, c);
        /* pre-emphasis can cancel (x[n] ~ x[n-1]), so the window bound scales with the terms, not the result */
        for (int i = 0; i < tables->window_length; i++) {
            double terms = (fabs((double)samples[i + 1]) + tables->preemphasis * fabs((double)samples[i])) *
                           tables->window[i];
            check_agreement("window", frontend->frame + i, c + i, 1, 1e-6 * terms + 1e-30, 0.0);
        }
        wakecert_power_c(spectrum, tables->bin_count, c);
        check_agreement("power", frontend->power, c, tables->bin_count, 1e-30, 1e-6);
        wakecert_mel_c(frontend->power, &tables->mel, c);
        check_agreement("mel", frontend->mel, c, tables->mel.filter_count, 1e-30, 1e-5);
        wakecert_log_c(frontend->mel, tables->mel.filter_count, tables->log_floor, c);
        check_agreement("log", frontend->log_mel, c, tables->mel.filter_count, 2e-6, 1e-6);
        wakecert_dct_c(frontend->log_mel, tables->mel.filter_count, tables->dct_matrix, tables->dct_stride, c);
        double magnitude = 0.0;
        for (int i = 0; i < tables->mel.filter_count; i++)
            magnitude += fabs((double)frontend->log_mel[i]);
        check_agreement("dct", frontend->cepstra, c, tables->cepstrum_count, 1e-6 * magnitude + 1e-12, 0.0);
    }
#endif
    on_frame(ctx, frontend->next_frame_index++, frontend->log_mel, frontend->cepstra);
}

void wakecert_mfcc_push(wakecert_mfcc *frontend, const int16_t *samples, size_t count, wakecert_mfcc_frame_fn on_frame,
                        void *ctx)
{
    const size_t span = (size_t)frontend->config.window_length + 1;
    const size_t hop = (size_t)frontend->config.hop_length;
    while (count > 0) {
        if (frontend->history_fill == frontend->history_capacity) {
            size_t kept = frontend->history_fill - frontend->head;
            memmove(frontend->history, frontend->history + frontend->head, kept * sizeof *frontend->history);
            frontend->history_fill = kept;
            frontend->head = 0;
        }
        size_t take = frontend->history_capacity - frontend->history_fill;
        if (take > count)
            take = count;
        memcpy(frontend->history + frontend->history_fill, samples, take * sizeof *samples);
        frontend->history_fill += take;
        samples += take;
        count -= take;
        while (frontend->history_fill - frontend->head >= span) {
            compute_frame(frontend, frontend->history + frontend->head, on_frame, ctx);
            frontend->head += hop;
        }
    }
}

void wakecert_mfcc_reset(wakecert_mfcc *frontend)
{
    frontend->history[0] = 0; /* the sample before frame 0 */
    frontend->history_fill = 1;
    frontend->head = 0;
    frontend->next_frame_index = 0;
}

int wakecert_mfcc_level(const wakecert_mfcc *frontend)
{
    return frontend->level;
}

void wakecert_mfcc_destroy(wakecert_mfcc *frontend)
{
    if (!frontend)
        return;
    if (frontend->plan) {
        wakecert_fftw_lock();
        fftwf_destroy_plan(frontend->plan);
        wakecert_fftw_unlock();
    }
    fftwf_free(frontend->frame);
    fftwf_free(frontend->spectrum);
    fftwf_free(frontend->power);
    fftwf_free(frontend->mel);
    fftwf_free(frontend->log_mel);
    fftwf_free(frontend->cepstra);
#ifdef WAKECERT_CHECK_SIMD
    fftwf_free(frontend->check);
#endif
    free(frontend->history);
    wakecert_mfcc_tables_free(&frontend->tables);
    free(frontend);
}

/* fftwf_malloc'd zeroed floats; NULL when out of memory. */
static float *zeroed_floats(size_t count)
{
    float *buffer = fftwf_malloc(count * sizeof(float));
    if (buffer)
        memset(buffer, 0, count * sizeof(float));
    return buffer;
}

int wakecert_mfcc_create(const struct wakecert_mfcc_config *config, int level, wakecert_mfcc **out_frontend,
                         char *message, size_t message_size)
{
    *out_frontend = NULL;
    int status = wakecert_mfcc_config_check(config, message, message_size);
    if (status != 0)
        return status;
    wakecert_mfcc *frontend = calloc(1, sizeof *frontend);
    if (!frontend)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory creating the MFCC front end");
    frontend->config = *config;
    int supported = (int)wakecert_cpu_supported_level();
    if (level < 0)
        level = (int)wakecert_cpu_level();
    if (level > supported)
        level = supported;
    frontend->level = level;
    frontend->kernels = wakecert_mfcc_kernels_for(level);

    status = wakecert_mfcc_tables_build(config, &frontend->tables, message, message_size);
    if (status != 0) {
        free(frontend);
        return status;
    }
    const struct wakecert_mfcc_tables *tables = &frontend->tables;
    const size_t padded_filters = (size_t)tables->mel.filter_count + 16;
    frontend->history_capacity = (size_t)config->window_length + 1 + HISTORY_SPARE_HOPS * (size_t)config->hop_length;
    frontend->history = malloc(frontend->history_capacity * sizeof *frontend->history);
    frontend->frame = zeroed_floats((size_t)config->fft_size);
    frontend->spectrum = fftwf_malloc((size_t)tables->bin_count * sizeof(fftwf_complex));
    frontend->power = zeroed_floats((size_t)tables->mel.power_padded_count);
    frontend->mel = zeroed_floats(padded_filters);
    frontend->log_mel = zeroed_floats(padded_filters);
    frontend->cepstra = zeroed_floats((size_t)tables->dct_stride);
#ifdef WAKECERT_CHECK_SIMD
    frontend->check = zeroed_floats((size_t)config->fft_size + padded_filters + (size_t)tables->dct_stride);
#endif
    if (!frontend->history || !frontend->frame || !frontend->spectrum || !frontend->power || !frontend->mel ||
        !frontend->log_mel || !frontend->cepstra
#ifdef WAKECERT_CHECK_SIMD
        || !frontend->check
#endif
    ) {
        wakecert_mfcc_destroy(frontend);
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory creating the MFCC front end");
    }
    wakecert_fftw_lock();
    frontend->plan = fftwf_plan_dft_r2c_1d(config->fft_size, frontend->frame, frontend->spectrum,
                                           FFTW_ESTIMATE | FFTW_PRESERVE_INPUT);
    wakecert_fftw_unlock();
    if (!frontend->plan) {
        wakecert_mfcc_destroy(frontend);
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_INTERNAL,
                                  "FFTW could not plan a %d-point real FFT", config->fft_size);
    }
    wakecert_mfcc_reset(frontend);
    *out_frontend = frontend;
    return WAKECERT_OK;
}
