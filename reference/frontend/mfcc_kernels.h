/*
 * The five per-frame kernels of the MFCC front end and their run-time dispatch tables.
 *
 * This header is internal to the front end, its tests and its benchmark; it is not part of any
 * vendor-facing interface. mfcc.c strings the kernels together around one FFTW call:
 *
 *   int16 samples -> window (pre-emphasis + Hamming, fused) -> FFTW r2c -> power -> mel -> log -> dct
 *
 * Workload facts that shaped the kernels (defaults, 2-vCPU AMD EPYC Zen 5 VM, gcc 12): the FFTW 512-point
 * r2c (Debian's build: SSE2/AVX codelets, ~4,800 instructions) costs ~280-300 ns per frame on a quiet
 * machine and a plain scalar version of everything else ~1,000 ns; the target is that everything else
 * costs at most 0.3 x the FFT, so the SIMD versions have to make the other stages nearly free:
 *  - window: 400 int16 -> float, one multiply-add for pre-emphasis, one multiply by a table that
 *    already holds Hamming * (1/32768). The FFT buffer's zero tail (400..511) is written once at
 *    creation, never per frame.
 *  - power: 257 bins of FFTW's interleaved complex output, re*re + im*im.
 *  - mel: each FFT bin lies under at most two neighbouring triangles, so the 40 x 257 matrix has only
 *    ~2 x 257 non-zeros (filters 3 to 31 bins wide). Each filter is stored as (first bin, weights)
 *    with its weights padded with zeros to a multiple of 8 (the C and SSE2 kernels use that). Per-filter
 *    bookkeeping (loading a start and a count, a loop, a branch: ~14 instructions a filter), not
 *    arithmetic, turned out to dominate the AVX kernels, so for them the same weights are regrouped
 *    (struct wakecert_mel_blocks): 8 or 16 filters at a time, each group padded to its widest filter,
 *    so one group is a fixed number of steps of 8 or 16 independent multiply-adds with no branch per
 *    filter, then one shuffle-and-add tree reduces the group. The kernel is bound by loads (a weight
 *    vector and an unaligned power vector per multiply-add), so the groups are cut where they waste
 *    the fewest padded steps (3 groups, 64 16-wide multiply-adds for the defaults; 52 would be
 *    needed without padding).
 *    The power buffer is zero-padded past the last bin so that the padded reads are harmless.
 *  - log: natural log of max(energy, floor). The C kernel calls logf; the SIMD kernels use the
 *    Cephes logf polynomial (about 1e-7 relative error on the mantissa part, tested to 2e-6 absolute).
 *  - dct: orthonormal DCT-II as a matrix-vector product; the matrix is stored input-major with the
 *    output dimension padded to a multiple of 16, so a SIMD kernel broadcasts one log-mel value and
 *    multiply-adds a whole column into several independent accumulators. The accumulators must be
 *    named variables, not an array indexed in a loop: at -O2 gcc 12 kept such an array on the stack,
 *    which made the 40-step chain wait on store-to-load forwarding (51 ns instead of ~10).
 *
 * Every table is built once by wakecert_mfcc_tables_build() and shared by all kernel levels; each
 * level's kernels are in their own file (x86/kernels_sse2.c, x86/kernels_avx2.c, x86/kernels_avx512.c)
 * compiled with that instruction set's flags only, and wakecert_mfcc_kernels_for(level) returns the
 * const table of function pointers for a level (a level the build lacks falls back to the next lower).
 */
#ifndef WAKECERT_REFERENCE_MFCC_KERNELS_H
#define WAKECERT_REFERENCE_MFCC_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "mfcc.h"

/* Padding granularity of the per-filter mel weights, the DCT output dimension's padding and the
 * alignment of the constant tables. */
#define WAKECERT_MFCC_MEL_CHUNK 8
#define WAKECERT_MFCC_DCT_STRIDE_MULTIPLE 16
#define WAKECERT_MFCC_TABLE_ALIGNMENT 64

/* The filterbank regrouped for one vector width L (8 for AVX2, 16 for AVX-512): consecutive filters in
 * groups of at most L, each filter's weights cut into chunks of L floats, and every group given as
 * many chunks as its widest filter (zeros beyond a filter's length; a group of fewer than L filters is
 * padded with empty ones). Group g holds filters [start[g], start[g + 1]); its weights start at
 * weights + offset[g] and are stored chunk-major: chunk c of the group's j-th filter (j < L) is
 * weights[offset[g] + (c * L + j) * L ...] and multiplies power[first_bin[g * L + j] + c * L ...].
 * So a kernel keeps L accumulators (lane = bin) in registers, walks the weights contiguously with no
 * per-filter branches or counts, and reduces the L accumulators together at the end of the group.
 * The group boundaries are chosen (by dynamic programming over the filters, which widen with
 * frequency) to minimise the padded multiply-adds plus one reduction per group. */
struct wakecert_mel_blocks {
    int lanes;         /* L */
    int group_count;
    int *start;        /* group_count + 1 entries; start[group_count] = filter_count */
    int *chunks;       /* per group */
    int *offset;       /* per group, in floats; every group starts on a 64-byte boundary */
    int *first_bin;    /* group_count * L: the filters' first bins, 0 for padding filters */
    float *weights;    /* 64-byte aligned */
};

/* The sparse mel filterbank: filter f covers power bins [first_bin[f], first_bin[f] + length[f]) with
 * weights weights[offset[f] ...]; chunk_count[f] = ceil(length[f] / 8) and the weights past
 * length[f] up to chunk_count[f] * 8 are zero. A filter may have length 0 (narrow low filters at
 * small FFT sizes); its energy is then 0 and the log floor applies. The same weights regrouped for
 * 8- and 16-wide vectors are in narrow and wide. */
struct wakecert_mel_bank {
    int filter_count;
    int *first_bin;
    int *length;
    int *chunk_count;
    int *offset;
    float *weights;
    int weight_count;
    struct wakecert_mel_blocks narrow; /* L = 8 */
    struct wakecert_mel_blocks wide;   /* L = 16 */
    int power_padded_count; /* the power buffer must hold this many floats, zero past the bins */
};

/* Everything a frame needs besides the audio; built once per front end. */
struct wakecert_mfcc_tables {
    int window_length;
    int fft_size;
    int bin_count;       /* fft_size / 2 + 1 */
    float preemphasis;
    float log_floor;
    float *window;       /* window_length: Hamming(n) / 32768 (64-byte aligned) */
    struct wakecert_mel_bank mel;
    int cepstrum_count;
    int dct_stride;      /* cepstrum_count rounded up to a multiple of 16 */
    float *dct_matrix;   /* mel.filter_count x dct_stride, input-major, zero past cepstrum_count (64-byte aligned) */
};

/** out[i] = (samples[i + 1] - preemphasis * samples[i]) * window[i] for i < count. samples holds
 *  count + 1 values: samples[0] is the sample before the frame (0 at stream start). Cannot fail. */
typedef void (*wakecert_window_kernel)(const int16_t *samples, int count, float preemphasis, const float *window,
                                       float *out);
/** power[k] = re[k]^2 + im[k]^2 for k < bin_count, spectrum interleaved (re, im); writes nothing past
 *  power[bin_count - 1]. Cannot fail. */
typedef void (*wakecert_power_kernel)(const float *spectrum, int bin_count, float *power);
/** mel[f] = sum over the bank's bins of weight * power, for f < bank->filter_count. power must hold
 *  bank->power_padded_count finite floats. Cannot fail. */
typedef void (*wakecert_mel_kernel)(const float *power, const struct wakecert_mel_bank *bank, float *mel);
/** out[i] = ln(max(in[i], floor)) for i < count; floor must be a positive normal float and in finite.
 *  Reads and writes nothing past index count - 1. Cannot fail. */
typedef void (*wakecert_log_kernel)(const float *in, int count, float floor, float *out);
/** out[c] = sum_i matrix[i * stride + c] * in[i] for c < stride (stride a multiple of 16); out has
 *  room for stride floats. Cannot fail. */
typedef void (*wakecert_dct_kernel)(const float *in, int in_count, const float *matrix, int stride, float *out);

struct wakecert_mfcc_kernels {
    const char *name; /* "c", "sse2", ... : the level whose code this table really holds */
    wakecert_window_kernel window;
    wakecert_power_kernel power;
    wakecert_mel_kernel mel;
    wakecert_log_kernel log;
    wakecert_dct_kernel dct;
};

/* The plain C kernels (kernels_c.c), always built. */
void wakecert_window_c(const int16_t *samples, int count, float preemphasis, const float *window, float *out);
void wakecert_power_c(const float *spectrum, int bin_count, float *power);
void wakecert_mel_c(const float *power, const struct wakecert_mel_bank *bank, float *mel);
void wakecert_log_c(const float *in, int count, float floor, float *out);
void wakecert_dct_c(const float *in, int in_count, const float *matrix, int stride, float *out);

/** The kernel table for a level (enum wakecert_cpu_level); levels the build lacks fall back to the
 *  next lower one, an out-of-range level to C. Never NULL. Does not check what the CPU supports:
 *  callers clamp with wakecert_cpu_supported_level() first. */
const struct wakecert_mfcc_kernels *wakecert_mfcc_kernels_for(int level);

/** Check a configuration; returns 0 or WAKECERT_ERROR_USAGE with a message naming the bad field. */
int wakecert_mfcc_config_check(const struct wakecert_mfcc_config *config, char *message, size_t message_size);

/** Build the window, mel and DCT tables for a checked configuration. Returns 0 or
 *  WAKECERT_ERROR_NO_MEMORY; on failure nothing needs freeing. */
int wakecert_mfcc_tables_build(const struct wakecert_mfcc_config *config, struct wakecert_mfcc_tables *tables,
                               char *message, size_t message_size);

/** Free what wakecert_mfcc_tables_build allocated; a zeroed struct is fine. */
void wakecert_mfcc_tables_free(struct wakecert_mfcc_tables *tables);

/** The process-wide lock around FFTW planning and plan destruction (FFTW's planner is not thread-safe).
 *  Anyone in the process who plans with FFTW (e.g. the benchmark) takes it too. */
void wakecert_fftw_lock(void);
void wakecert_fftw_unlock(void);

/** The HTK mel scale: 2595 * log10(1 + hz / 700), and its inverse. */
double wakecert_hz_to_mel(double hz);
double wakecert_mel_to_hz(double mel);

#endif
