/*
 * The streaming MFCC front end (see mfcc.h for the definition and mfcc_kernels.h for the kernels).
 *
 * Streaming design. Frame k covers samples [k * hop, k * hop + window) and its pre-emphasis needs the
 * sample before it (0 for frame 0). Every sample is pre-emphasised and converted to float exactly once,
 * as it is pushed (the emphasis kernel: e[n] = x[n] - a x[n-1], with x[-1] carried over from the
 * previous push in `last_sample`), into a linear float history that holds room for a window plus 16
 * hops; `head` is where the next frame starts. Whenever a window is complete the frame is windowed
 * straight from the history into the FFT buffer and `head` advances by one hop; only when the history
 * is full are the unread samples moved back to the start (one memmove of < window floats every 16
 * frames). The first version kept int16 samples and converted all 400 of a frame (each sample 2.5
 * times) plus a memcpy of every pushed sample; converting once per hop halved that stage's work.
 * Each e[n] depends only on x[n] and x[n-1] and is computed by the same operations wherever it falls
 * in a pushed chunk (the kernels' contract), and each frame is then computed from the same floats by
 * the same code, so the output is bit-identical for any chunking of the input.
 *
 * Per-frame path: two kernels (window, features) through a const table of function pointers chosen
 * at creation (features is the power, mel, log and dct stages: one fused kernel at AVX-512 for the
 * default geometry, the four separate kernels otherwise), and one FFT by a plan made at creation
 * (FFTW_ESTIMATE, under the process-wide planning lock) for this instance's own aligned buffers (the
 * window writes straight into the plan's input); the emphasis kernel runs once per pushed chunk. No
 * allocation, no I/O, no locking per frame.
 *
 * Software pipelining: within a push, frame k's features run between frame k + 1's window and its
 * FFT, so the features kernel reads a spectrum whose stores have long reached the cache (the FFT's
 * narrower stores cannot be forwarded to its 64-byte loads, which otherwise wait for them), the
 * out-of-order core overlaps its dependency chain (mel -> log -> DCT) with the next FFT, and the
 * window's stores are done before the FFT loads them. The FFT writes the two spectrum buffers in turn (fftwf_execute_dft_r2c on the same plan, both buffers 64-byte
 * aligned like the one it was planned for). The frame still pending at the end of a push is finished
 * before the push returns, so every frame is still delivered, in order, by the push that completes it,
 * and each frame is computed by the same operations on the same inputs: bit-identical output.
 * Measured in an interleaved pipeline A/B harness at AVX-512 (blocks of 100 frames, medians of 3000
 * blocks each way): window, FFT, previous features was 5-7 ns a frame faster than window, FFT,
 * features; window, previous features, FFT another 4-5 ns. Through the public API (the old and new
 * mfcc.c linked into one binary, 1500 alternating one-second pushes, each in both link slots), with
 * the AVX-512 DCT and log changes of the same round: 4-7 ns a frame on the loaded machine (FFT 410-460
 * ns). (An earlier trial with the harness of the time had found no difference beyond the noise.)
 *
 * Prefetching the input: a push of many samples emphasises up to a history's worth of them, runs the
 * frames, then emphasises the next part. When the caller's buffer is not in cache (the trainer and the
 * benchmark push seconds of audio from arrays of megabytes) the emphasis waited on each cache line of
 * the next part; each frame now prefetches the next PREFETCH_LINES_PER_FRAME lines of the input not
 * yet emphasised (16 frames x 6 lines cover the 2,400-2,560 samples of the next part), so they arrive
 * while the frames run. Measured with perf record on 60 s pushed in 1 s blocks at AVX-512: emphasis went
 * from 5.9 % to 2.5 % of the time; with the single-conversion emphasis kernel of the same change,
 * `wakecert-bench --only frontend` (frontend.ratio.best_over_fftw) on the quiet machine, four alternating
 * pairs with the previous build: 1.27-1.30x before, 1.24-1.32x after (README, "Performance"). A push of
 * one hop (the harness's 10 ms chunks) has no input left to prefetch.
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

/* Frames between two compactions of the history buffer (16: 11.6 KB of floats at the defaults, which
 * stays in L1 beside the FFT buffers). */
#define HISTORY_SPARE_HOPS 16
/* Cache lines of not yet emphasised input prefetched per frame (see "Prefetching the input"). */
#define PREFETCH_LINES_PER_FRAME 6

struct wakecert_mfcc {
    struct wakecert_mfcc_config config;
    struct wakecert_mfcc_tables tables;
    int level;
    const struct wakecert_mfcc_kernels *kernels;

    float *history;            /* pre-emphasised samples; history[head] is the next frame's first */
    size_t history_capacity;
    size_t history_fill;
    size_t head;
    int16_t last_sample;       /* the last sample pushed (0 at stream start): x[-1] for the next push */
    int64_t next_frame_index;

    float *frame;              /* fft_size floats; [window_length, fft_size) stays zero */
    fftwf_complex *spectrum[2]; /* bin_count complex values each; the FFT writes them in turn */
    int pending;               /* the spectrum (0 or 1) of the transformed frame awaiting its features, or -1 */
    float *power;              /* mel.power_padded_count floats, zero past bin_count */
    float *mel;
    float *log_mel;
    float *cepstra;            /* dct.stride floats */
    fftwf_plan plan;
#ifdef WAKECERT_CHECK_SIMD
    float *check;              /* scratch for the C kernel's output, large enough for any stage and the history */
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

/* Window the pre-emphasised samples[0 .. window_length) into the FFT buffer. Cannot fail. */
static void window_frame(wakecert_mfcc *frontend, const float *samples)
{
    const struct wakecert_mfcc_tables *tables = &frontend->tables;
    frontend->kernels->window(samples, tables->window_length, tables->window, frontend->frame);
#ifdef WAKECERT_CHECK_SIMD
    /* Tolerance: one rounding of the same product (1e-6 relative). */
    if (frontend->kernels->window != wakecert_window_c) {
        wakecert_window_c(samples, tables->window_length, tables->window, frontend->check);
        check_agreement("window", frontend->frame, frontend->check, tables->window_length, 1e-30, 1e-6);
    }
#endif
}

/* Compute the features of the frame in spectrum[from] (the next frame in order) and hand them to
 * on_frame. Cannot fail. */
static void finish_frame(wakecert_mfcc *frontend, int from, wakecert_mfcc_frame_fn on_frame, void *ctx)
{
    const struct wakecert_mfcc_tables *tables = &frontend->tables;
    const struct wakecert_mfcc_kernels *kernels = frontend->kernels;
    const float *spectrum = (const float *)frontend->spectrum[from];
    kernels->features(spectrum, tables, frontend->power, frontend->mel, frontend->log_mel, frontend->cepstra);
#ifdef WAKECERT_CHECK_SIMD
    /* Tolerances: power and mel together (the
     * fused AVX-512 kernel never stores the power spectrum) sum up to ~40 products of a few roundings
     * each in another order (1e-5 relative); log is absolute (2e-6 + 1e-6
     * relative, the polynomial's error); the DCT's absolute error scales with the sum of |log-mel| (1e-6
     * of it; the SIMD kernels sum folded pairs, the C kernel the plain matrix). */
    if (kernels->features != wakecert_features_c) {
        float *c = frontend->check;
        wakecert_power_c(spectrum, tables->bin_count, c);
        wakecert_mel_c(c, &tables->mel, c + tables->mel.power_padded_count);
        check_agreement("features (mel)", frontend->mel, c + tables->mel.power_padded_count,
                        tables->mel.filter_count, 1e-30, 1e-5);
        wakecert_log_c(frontend->mel, tables->mel.filter_count, tables->log_floor, c);
        check_agreement("features (log)", frontend->log_mel, c, tables->mel.filter_count, 2e-6, 1e-6);
        wakecert_dct_c(frontend->log_mel, &tables->dct, c);
        double magnitude = 0.0;
        for (int i = 0; i < tables->mel.filter_count; i++)
            magnitude += fabs((double)frontend->log_mel[i]);
        check_agreement("features (dct)", frontend->cepstra, c, tables->cepstrum_count, 1e-6 * magnitude + 1e-12, 0.0);
    }
#endif
    on_frame(ctx, frontend->next_frame_index++, frontend->log_mel, frontend->cepstra);
}

void wakecert_mfcc_push(wakecert_mfcc *frontend, const int16_t *samples, size_t count, wakecert_mfcc_frame_fn on_frame,
                        void *ctx)
{
    const size_t window = (size_t)frontend->config.window_length;
    const size_t hop = (size_t)frontend->config.hop_length;
    const float preemphasis = frontend->config.preemphasis;
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
        float *into = frontend->history + frontend->history_fill;
        frontend->kernels->emphasis(samples, (int)take, frontend->last_sample, preemphasis, into);
#ifdef WAKECERT_CHECK_SIMD
        /* Tolerance: the SIMD kernels may fuse the multiply-add (one rounding instead of two), so the bound
         * scales with the terms, not the result (x[n] ~ x[n-1] cancels). */
        if (frontend->kernels->emphasis != wakecert_emphasis_c) {
            wakecert_emphasis_c(samples, (int)take, frontend->last_sample, preemphasis, frontend->check);
            for (size_t i = 0; i < take; i++) {
                double before = i > 0 ? (double)samples[i - 1] : (double)frontend->last_sample;
                double terms = fabs((double)samples[i]) + preemphasis * fabs(before);
                check_agreement("emphasis", into + i, frontend->check + i, 1, 1e-6 * terms + 1e-30, 0.0);
            }
        }
#endif
        frontend->last_sample = samples[take - 1];
        frontend->history_fill += take;
        samples += take;
        count -= take;
        const char *prefetch = (const char *)samples, *prefetch_end = (const char *)(samples + count);
        while (frontend->history_fill - frontend->head >= window) {
            for (size_t line = 0; line < PREFETCH_LINES_PER_FRAME && prefetch < prefetch_end; line++, prefetch += 64)
                __builtin_prefetch(prefetch);
            /* this frame's window, the previous frame's features, this frame's FFT (see "Software
             * pipelining") */
            const int spectrum = frontend->pending == 0 ? 1 : 0;
            window_frame(frontend, frontend->history + frontend->head);
            if (frontend->pending >= 0)
                finish_frame(frontend, frontend->pending, on_frame, ctx);
            fftwf_execute_dft_r2c(frontend->plan, frontend->frame, frontend->spectrum[spectrum]);
            frontend->pending = spectrum;
            frontend->head += hop;
        }
    }
    if (frontend->pending >= 0) { /* every frame completed by this push is delivered before it returns */
        finish_frame(frontend, frontend->pending, on_frame, ctx);
        frontend->pending = -1;
    }
}

void wakecert_mfcc_reset(wakecert_mfcc *frontend)
{
    frontend->last_sample = 0; /* the sample before frame 0 */
    frontend->history_fill = 0;
    frontend->head = 0;
    frontend->next_frame_index = 0;
    frontend->pending = -1;
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
    free(frontend->frame);
    free(frontend->spectrum[0]);
    free(frontend->spectrum[1]);
    free(frontend->power);
    free(frontend->mel);
    free(frontend->log_mel);
    free(frontend->cepstra);
#ifdef WAKECERT_CHECK_SIMD
    free(frontend->check);
#endif
    free(frontend->history);
    wakecert_mfcc_tables_free(&frontend->tables);
    free(frontend);
}

/* count zeroed floats on a 64-byte boundary (free with free()), so that every vector load or store of
 * the kernels at a multiple of 16 floats is aligned (the blocked mel layouts rely on it to read the
 * power spectrum in the same aligned vectors the power kernel wrote); NULL when out of memory. */
static float *zeroed_floats(size_t count)
{
    size_t bytes = (count > 0 ? count : 1) * sizeof(float);
    bytes = (bytes + 63) / 64 * 64;
    float *buffer = aligned_alloc(64, bytes);
    if (buffer)
        memset(buffer, 0, bytes);
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
    frontend->history_capacity = (size_t)config->window_length + HISTORY_SPARE_HOPS * (size_t)config->hop_length;
    frontend->history = zeroed_floats(frontend->history_capacity);
    frontend->frame = zeroed_floats((size_t)config->fft_size);
    frontend->spectrum[0] = (fftwf_complex *)zeroed_floats(2 * (size_t)tables->bin_count);
    frontend->spectrum[1] = (fftwf_complex *)zeroed_floats(2 * (size_t)tables->bin_count);
    frontend->power = zeroed_floats((size_t)tables->mel.power_padded_count);
    frontend->mel = zeroed_floats(padded_filters);
    frontend->log_mel = zeroed_floats(padded_filters);
    frontend->cepstra = zeroed_floats((size_t)tables->dct.stride);
#ifdef WAKECERT_CHECK_SIMD
    frontend->check = zeroed_floats((size_t)tables->mel.power_padded_count + (size_t)config->fft_size + padded_filters +
                                    (size_t)tables->dct.stride + frontend->history_capacity);
#endif
    if (!frontend->history || !frontend->frame || !frontend->spectrum[0] || !frontend->spectrum[1] || !frontend->power || !frontend->mel ||
        !frontend->log_mel || !frontend->cepstra
#ifdef WAKECERT_CHECK_SIMD
        || !frontend->check
#endif
    ) {
        wakecert_mfcc_destroy(frontend);
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory creating the MFCC front end");
    }
    wakecert_fftw_lock();
    frontend->plan = fftwf_plan_dft_r2c_1d(config->fft_size, frontend->frame, frontend->spectrum[0],
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
