/*
 * The kernels of the MFCC front end and their run-time dispatch tables.
 *
 * This header is internal to the front end, its tests and its benchmark; it is not part of any
 * vendor-facing interface. mfcc.c strings the kernels together around one FFTW call:
 *
 *   per pushed chunk:  int16 samples -> emphasis (pre-emphasis + int16 -> float, once per sample)
 *                      -> float history
 *   per frame:         history -> window -> FFTW r2c -> features (power -> mel -> log -> dct)
 *
 * Workload facts that shaped the kernels (defaults, 2-vCPU AMD EPYC Zen 5 VM, gcc 12): the FFTW 512-point
 * r2c (Debian's build: SSE2/AVX codelets, ~4,800 instructions) costs ~270-290 ns per frame on a quiet
 * machine and a plain scalar version of everything else ~1,000 ns; the target is that everything else
 * costs at most 0.3 x the FFT, so the SIMD versions have to make the other stages nearly free:
 *  - emphasis: e[n] = x[n] - 0.97 x[n-1] as float, computed once per sample as it is pushed (160 per
 *    frame), not once per frame for all 400 samples of the window (each sample 2.5 times) as the first
 *    version did; it also replaces the memcpy of the pushed int16 samples into the history. Each output
 *    depends only on its two inputs and is computed by the same operations in a vector lane and in the
 *    scalar or overlapping-last-vector remainder, so any chunking of the stream gives the same floats.
 *  - window: 400 float multiplies by a table that holds Hamming * (1/32768), into the FFT buffer, whose
 *    zero tail (400..511) is written once at creation, never per frame.
 *  - power: 257 bins of FFTW's interleaved complex output, re*re + im*im (two vectors of bins per loop step).
 *  - mel: each FFT bin lies under at most two neighbouring triangles, so the 40 x 257 matrix has only
 *    ~2 x 257 non-zeros (filters 3 to 31 bins wide). Each filter is stored as (first bin, weights)
 *    with its weights padded with zeros to a multiple of 8 (the C and SSE2 kernels use that). Per-filter
 *    bookkeeping (loading a start and a count, a loop, a branch: ~14 instructions a filter), not
 *    arithmetic, turned out to dominate the AVX kernels, so for them the same weights are regrouped
 *    (struct wakecert_mel_blocks): 8 filters at a time, each group padded to its widest filter, so one
 *    group is a fixed number of steps of 8 independent multiply-adds with no branch per filter, then
 *    one shuffle-and-add tree reduces the group. The first chunk of a group multiplies (no zeroing)
 *    and the filters' first bins come as ready byte offsets. The groups are cut where they waste the
 *    fewest padded steps (5 groups, 88 8-wide multiply-adds for the defaults; 79 per-filter chunks).
 *    It is still the costliest stage (~42 ns isolated). Its power loads start at arbitrary bins and
 *    so often straddle two cache lines, but that is not most of it: with every first bin rounded down
 *    to a multiple of 8 (wrong sums, same work) the stage took 39.3-39.6 ns against ~42. Rejected: a
 *    16-lane layout for AVX-512 (64 16-wide multiply-adds, but 15 in 16 of its loads straddle, and
 *    none can be forwarded from the power kernel's 64-byte stores: ~11 ns slower in the pipeline),
 *    chunks aligned to the vector width (112 padded multiply-adds instead of 64 at 16 lanes, 120
 *    instead of 88 at 8: slower), and walking a group filter by filter instead of chunk by chunk.
 *    The power buffer is zero-padded past the last bin so that the padded reads are harmless.
 *  - features: what the front end calls per frame after the FFT. The C, SSE2 and AVX2 levels run
 *    their power, mel, log and dct kernels in sequence. AVX-512, for the default geometry only (struct
 *    wakecert_mel_pairs, x86/gen_power_mel_avx512.py), is one straight-line kernel: the power spectrum
 *    of each aligned 16-bin block goes into a register and is multiplied into the accumulator of every
 *    filter with bins in that block (65 block x filter multiply-adds, aligned weight loads, no power
 *    loads and no power buffer), 16 filters at a time are reduced by one shuffle tree and their logs
 *    taken, and the DCT, inlined, takes the logs from registers. Power, mel and log alone replaced
 *    power_avx512 + wakecert_mel_avx2 + log_avx512 (~71 ns as isolated stages) by ~34 ns.
 *  - log: natural log of max(energy, floor). The C kernel calls logf; the SSE2 and AVX2 kernels use
 *    the Cephes logf polynomial (about 1e-7 relative error on the mantissa part, tested to 2e-6
 *    absolute), evaluated by Estrin's scheme (longest chain 4 multiply-adds instead of Horner's 9).
 *    The AVX-512 kernel uses a 16-entry table and a degree-4 polynomial (vgetmantps / vgetexpps, 12
 *    operations instead of 26): in the pipeline, not computing the Cephes log at all saved 18-25 ns a
 *    frame though it cost only ~5 ns in an isolated loop (the next frame's FFT wants the same ports),
 *    and the table version recovered most of that.
 *  - dct: orthonormal DCT-II. The C kernel multiplies by the plain matrix (struct wakecert_dct_table);
 *    the AVX kernels use the cosine's symmetry: 20 folded pairs (x_n + x_39-n, x_n - x_39-n) instead of
 *    40 inputs, each broadcast as one 64-bit pair against a 16-float row whose even lanes take the sum
 *    and odd lanes the difference, so the cepstra come out in natural order with half the multiply-
 *    adds. The accumulators must be named variables, not an array indexed in a loop: at -O2 gcc 12 kept
 *    such an array on the stack, which made the chain wait on store-to-load forwarding.
 * Store-to-load forwarding matters between stages too: a load is served from a store still in flight
 * only if one unmasked store holds all of it, so the AVX-512 log stores full vectors unmasked and the
 * DCT folds 8 values at a time (loads inside one log store) rather than 16 (5-9 ns a frame); for the
 * default 40 inputs the AVX-512 DCT loads exactly the log's three stores and folds in registers.
 * Measured and rejected while fusing (interleaved A/B runs of the pipeline, no difference beyond the
 * noise): software-pipelining frames (the next frame's FFT before this frame's features; measured
 * again in the second round with a harness of 3000 interleaved 100-frame blocks, it saved 5-7 ns a
 * frame and is now what mfcc.c does), the
 * unfolded DCT accumulated group by group inside the fused kernel, 256- or 128-bit window stores,
 * 256- or 128-bit spectrum loads (to match FFTW's store sizes), FFTW writing real and imaginary parts
 * to separate arrays (fftwf_plan_guru_split_dft_r2c: the power would need no shuffles, but FFTW plans
 * it with scalar codelets, 504 ns against 269 for the interleaved plan), a reduction tree with fewer
 * lane-crossing shuffles (kept: it is no slower), the emphasis kernel reusing the previous
 * vector by a lane rotation instead of a second load, and (issue 3, second round) one
 * emphasis-and-window pass per frame from an int16 history instead of the per-push emphasis into a
 * float history plus the window: isolated it took 19-23 ns a frame against 26-28 for the two, but in
 * the pipeline A/B it was within 1-2 ns (the window's stores overlap the FFT), and it cost +60 AVX2
 * instructions a frame (callgrind 6,630 -> 6,690). In that pipeline A/B, taking the window and
 * emphasis away altogether saves only ~15 ns a frame over the FFT, taking the features kernel away ~50.
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
/* The largest mel_filter_count a configuration may have (the SIMD DCT kernels keep their folded
 * inputs in a stack array of this size). */
#define WAKECERT_MFCC_MAX_FILTERS 1024

/* The filterbank regrouped for a vector width L (8: the AVX2 kernel, which the AVX-512 level uses
 * too): consecutive filters in groups of at most L, each filter's weights cut into chunks of L
 * floats, and every group given as many chunks as its widest filter (zeros beyond a filter's length;
 * a group of fewer than L filters is padded with empty ones). Group g holds filters [start[g], start[g + 1]); its weights start at
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
    ptrdiff_t *first_byte; /* the same as byte offsets (first_bin * sizeof(float)), ready to add to a pointer */
    float *weights;    /* 64-byte aligned */
};

/* The lane order of the fused AVX-512 power step: lane L of block b holds bin 16 b + this[L] (the order
 * its in-lane shuffles leave the bins in, so no permute is needed; see x86/kernels_avx512.c). */
#define WAKECERT_MEL_PAIR_LANE_BINS {0, 1, 8, 9, 2, 3, 10, 11, 4, 5, 12, 13, 6, 7, 14, 15}

/* The filterbank as (16-bin block, filter) pairs, for the fused AVX-512 power + mel kernel: the bins
 * are cut into aligned blocks of 16, and every filter with bins in block b gets one pair (b, f) whose
 * 16 weights (lane order WAKECERT_MEL_PAIR_LANE_BINS, zero for bins outside the filter) multiply that
 * block's power. Pairs are block-major, filters ascending within a block. Built only when every
 * filter lies below the last whole block (bins < 16 * (bin_count / 16)); otherwise pair_count is 0.
 * default_layout is 1 when the pairs are exactly those of mel_default_pairs.h (the default 16 kHz,
 * 512-point, 40-filter 20-8000 Hz geometry), the only layout the straight-line kernel is generated for
 * (x86/gen_power_mel_avx512.py); any other configuration uses the separate power and mel kernels. */
struct wakecert_mel_pairs {
    int default_layout;
    int pair_count;
    int *block;     /* per pair */
    int *filter;    /* per pair */
    float *weights; /* pair_count x 16, 64-byte aligned */
};

/* The sparse mel filterbank: filter f covers power bins [first_bin[f], first_bin[f] + length[f]) with
 * weights weights[offset[f] ...]; chunk_count[f] = ceil(length[f] / 8) and the weights past
 * length[f] up to chunk_count[f] * 8 are zero. A filter may have length 0 (narrow low filters at
 * small FFT sizes); its energy is then 0 and the log floor applies. The same weights regrouped for
 * 8-wide vectors are in narrow. */
struct wakecert_mel_bank {
    int filter_count;
    int *first_bin;
    int *length;
    int *chunk_count;
    int *offset;
    float *weights;
    int weight_count;
    struct wakecert_mel_blocks narrow; /* L = 8 */
    struct wakecert_mel_pairs pairs;   /* 16-bin blocks, for the fused AVX-512 kernel */
    int power_padded_count; /* the power buffer must hold this many floats, zero past the bins */
};

/* The orthonormal DCT-II, c_k = s_k sum_i x_i cos(pi k (2i + 1) / 2N) (s_0 = sqrt(1/N), s_k = sqrt(2/N)),
 * in two layouts. matrix: N x stride, input-major, zero past out_count (what the C kernel uses).
 * folded: the cosine is symmetric, cos(pi k (2(N-1-i) + 1) / 2N) = (-1)^k cos(pi k (2i + 1) / 2N), so
 * c_k = sum_{n < ceil(N/2)} folded[n][k] * (k even ? x_n + x_{N-1-n} : x_n - x_{N-1-n}): half the
 * multiply-adds. Row n of folded is row n of matrix, except the middle row of an odd N, which is halved
 * (x_m + x_m = 2 x_m; halving is exact) with its odd lanes exactly 0 (cos(pi k / 2) = 0). A SIMD kernel
 * stores the pairs interleaved (a_n, b_n) = (x_n + x_{N-1-n}, x_n - x_{N-1-n}) and broadcasts each pair
 * as one 64-bit value: lane k then holds a_n for even k and b_n for odd k, exactly what folded[n][k]
 * multiplies, so the outputs come out in natural order with no shuffle. */
struct wakecert_dct_table {
    int in_count;   /* N = mel filter count (at most 1024) */
    int out_count;  /* cepstrum count */
    int stride;     /* out_count rounded up to a multiple of 16 */
    int pair_count; /* ceil(N / 2) */
    float *matrix;  /* N x stride (64-byte aligned) */
    float *folded;  /* pair_count x stride (64-byte aligned) */
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
    struct wakecert_dct_table dct;
};

/** out[i] = x[i] - preemphasis * x[i - 1] as float, for i < count, where x = samples and x[-1] =
 *  previous (the last sample of the previous push; 0 at stream start). Each output depends only on its
 *  two inputs (never on i or count: vector lanes and the scalar remainder do the same operations), so
 *  converting a stream in any chunking gives bit-identical floats. count may be 0. Cannot fail. */
typedef void (*wakecert_emphasis_kernel)(const int16_t *samples, int count, int16_t previous, float preemphasis,
                                         float *out);
/** out[i] = emphasised[i] * window[i] for i < count (the window holds Hamming / 32768). Cannot fail. */
typedef void (*wakecert_window_kernel)(const float *emphasised, int count, const float *window, float *out);
/** power[k] = re[k]^2 + im[k]^2 for k < bin_count, spectrum interleaved (re, im); writes nothing past
 *  power[bin_count - 1]. Cannot fail. */
typedef void (*wakecert_power_kernel)(const float *spectrum, int bin_count, float *power);
/** mel[f] = sum over the bank's bins of weight * power, for f < bank->filter_count. power must hold
 *  bank->power_padded_count finite floats. Cannot fail. */
typedef void (*wakecert_mel_kernel)(const float *power, const struct wakecert_mel_bank *bank, float *mel);
/** Everything after the FFT in one call, from the tables->bin_count interleaved (re, im) values of
 *  spectrum: mel[f] for f < tables->mel.filter_count as the power kernel then the mel kernel would give
 *  them (the same products, summed in another order: within 1e-5 relative), log_mel[f] = this level's
 *  log kernel of mel[f] with tables->log_floor, and cepstra = this level's dct kernel of log_mel (both
 *  bit-identical to calling those kernels). power is scratch of tables->mel.power_padded_count floats,
 *  zero past bin_count (a kernel may leave it untouched: the fused AVX-512 kernel keeps the power
 *  spectrum in registers); cepstra has room for tables->dct.stride floats. Writes nothing past
 *  mel[filter_count - 1] and log_mel[filter_count - 1]. Cannot fail. */
typedef void (*wakecert_features_kernel)(const float *spectrum, const struct wakecert_mfcc_tables *tables,
                                         float *power, float *mel, float *log_mel, float *cepstra);
/** out[i] = ln(max(in[i], floor)) for i < count; floor must be a positive normal float and in finite.
 *  Reads and writes nothing past index count - 1. Cannot fail. */
typedef void (*wakecert_log_kernel)(const float *in, int count, float floor, float *out);
/** out[c] = sum_i dct->matrix[i * dct->stride + c] * in[i] for c < dct->stride (the orthonormal
 *  DCT-II; zero past out_count). in holds dct->in_count finite floats, out has room for dct->stride
 *  floats. A kernel may compute it from dct->folded instead of dct->matrix (same sum, grouped by the
 *  cosine's symmetry). Cannot fail. */
typedef void (*wakecert_dct_kernel)(const float *in, const struct wakecert_dct_table *dct, float *out);

struct wakecert_mfcc_kernels {
    const char *name; /* "c", "sse2", ... : the level whose code this table really holds */
    wakecert_emphasis_kernel emphasis;
    wakecert_window_kernel window;
    wakecert_power_kernel power;
    wakecert_mel_kernel mel;
    wakecert_features_kernel features; /* what the front end calls per frame after the FFT */
    wakecert_log_kernel log;
    wakecert_dct_kernel dct;
};

#if defined(WAKECERT_HAVE_AVX2_KERNELS)
/* The AVX2 mel kernel (x86/kernels_avx2.c), shared by the AVX-512 table (see x86/kernels_avx512.c). */
void wakecert_mel_avx2(const float *power, const struct wakecert_mel_bank *bank, float *mel);
#endif

/* The plain C kernels (kernels_c.c), always built. */
void wakecert_emphasis_c(const int16_t *samples, int count, int16_t previous, float preemphasis, float *out);
void wakecert_window_c(const float *emphasised, int count, const float *window, float *out);
void wakecert_power_c(const float *spectrum, int bin_count, float *power);
void wakecert_mel_c(const float *power, const struct wakecert_mel_bank *bank, float *mel);
void wakecert_features_c(const float *spectrum, const struct wakecert_mfcc_tables *tables, float *power, float *mel,
                         float *log_mel, float *cepstra);
void wakecert_log_c(const float *in, int count, float floor, float *out);
void wakecert_dct_c(const float *in, const struct wakecert_dct_table *dct, float *out);

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
