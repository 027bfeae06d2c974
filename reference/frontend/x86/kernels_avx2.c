/*
 * AVX2 + FMA versions of the front end's kernels (contracts in ../mfcc_kernels.h).
 *
 * Only this file is compiled with -mavx2 -mfma; it is reached through wakecert_mfcc_kernels_avx2 when
 * the CPU reports AVX2 and FMA. Shapes, for the default 400 / 160 / 257 / 40 / 13 sizes (instruction
 * counts per frame from callgrind, before -> after the rework that added the emphasis kernel):
 *  - emphasis (per pushed chunk, 160 samples a frame): 8 samples per vector, two unaligned int16 loads
 *    (the samples and the samples shifted by one), widen, convert, one fnmadd; the first vector takes
 *    the previous chunk's last sample by a lane insert, the last one overlaps the one before instead of
 *    a scalar tail. ~163 instructions a frame, and it replaces a memcpy of every sample (~320).
 *  - window: 400 float multiplies, 4 vectors a step (~250, from ~520 when it converted 400 int16 and
 *    applied pre-emphasis per frame).
 *  - power: 8 bins (16 interleaved floats) per vector, two vectors a step: square both halves, hadd
 *    pairs, a 64-bit lane permute to restore bin order; the last bin by SSE scalar operations
 *    (a plain loop there was auto-vectorised with ~30 instructions of set-up): ~325, from 363.
 *  - mel (wakecert_mel_avx2, also the AVX-512 level's): the bank regrouped for 8 lanes (struct
 *    wakecert_mel_blocks): per group of up to 8 filters, as
 *    many steps as its widest filter has 8-float chunks, the first step 8 multiplies (no zeroing), the
 *    rest 8 fmas into 8 named accumulators, one hadd tree per group, a masked store for a group of
 *    fewer than 8; the first bins come as byte offsets ready to add: 515, from 587 (1,123 with the
 *    per-filter loop).
 *  - log: the Cephes logf polynomial (Estrin's scheme, log_polynomial.h), 8 values at a time (the
 *    remainder through the scalar version of the same sequence, so results do not depend on where a
 *    value sits): ~220.
 *  - dct: the folded table (struct wakecert_dct_table): 8 pairs (x_n + x_N-1-n, x_n - x_N-1-n) per
 *    step, interleaved and stored, then per pair one 64-bit broadcast and two fmas (16 outputs) into
 *    four independent accumulator sets so the FMA latency does not serialise the 20 steps: ~220, from
 *    241 with the 40-step plain matrix (most of what is left is the function's set-up). The
 *    accumulators are eight named variables: an array indexed by a loop was kept on the stack by gcc
 *    -O2, so every FMA waited for a store-to-load forward.
 * The C kernels stay the reference; WAKECERT_CHECK_SIMD compares every call against them.
 */
#ifndef __AVX2__
#error "kernels_avx2.c must be compiled with -mavx2 -mfma"
#endif
#ifndef __FMA__
#error "kernels_avx2.c must be compiled with -mavx2 -mfma"
#endif

#include <immintrin.h>
#include <math.h>

#include "../mfcc_kernels.h"
#define WAKECERT_LOG_MULTIPLY_ADD(a, b, c) fmaf(a, b, c)
#include "log_polynomial.h"

static void emphasis_avx2(const int16_t *samples, int count, int16_t previous, float preemphasis, float *out)
{
    if (count < 8) { /* the same fused operation as a vector lane */
        float before = (float)previous;
        for (int i = 0; i < count; i++) {
            float current = (float)samples[i];
            out[i] = fmaf(-preemphasis, before, current);
            before = current;
        }
        return;
    }
    const __m256 factor = _mm256_set1_ps(preemphasis);
    /* the first 8: the samples before them are `previous` then samples[0..6] */
    __m128i current16 = _mm_loadu_si128((const __m128i *)samples);
    __m128i previous16 = _mm_insert_epi16(_mm_slli_si128(current16, 2), previous, 0);
    _mm256_storeu_ps(out, _mm256_fnmadd_ps(factor, _mm256_cvtepi32_ps(_mm256_cvtepi16_epi32(previous16)),
                                           _mm256_cvtepi32_ps(_mm256_cvtepi16_epi32(current16))));
    const int16_t *in = samples + 8;
    float *to = out + 8;
    const float *end = out + count;
#define EMPHASISE8(at)                                                                                          \
    _mm256_storeu_ps(to + (at), _mm256_fnmadd_ps(factor,                                                         \
                                                 _mm256_cvtepi32_ps(_mm256_cvtepi16_epi32(                       \
                                                     _mm_loadu_si128((const __m128i *)(in + (at) - 1)))),      \
                                                 _mm256_cvtepi32_ps(_mm256_cvtepi16_epi32(                       \
                                                     _mm_loadu_si128((const __m128i *)(in + (at)))))))
    for (; to + 16 <= end; in += 16, to += 16) {
        EMPHASISE8(0);
        EMPHASISE8(8);
    }
    if (to + 8 <= end) {
        EMPHASISE8(0);
        in += 8;
        to += 8;
    }
    if (to < end) { /* the last 8 again, overlapping: every output is a function of its inputs only */
        in -= 8 - (end - to);
        to = (float *)end - 8;
        EMPHASISE8(0);
    }
#undef EMPHASISE8
}

static void window_avx2(const float *emphasised, int count, const float *window, float *out)
{
    int i = 0;
    for (; i + 32 <= count; i += 32) {
        _mm256_storeu_ps(out + i, _mm256_mul_ps(_mm256_loadu_ps(emphasised + i), _mm256_loadu_ps(window + i)));
        _mm256_storeu_ps(out + i + 8, _mm256_mul_ps(_mm256_loadu_ps(emphasised + i + 8), _mm256_loadu_ps(window + i + 8)));
        _mm256_storeu_ps(out + i + 16, _mm256_mul_ps(_mm256_loadu_ps(emphasised + i + 16), _mm256_loadu_ps(window + i + 16)));
        _mm256_storeu_ps(out + i + 24, _mm256_mul_ps(_mm256_loadu_ps(emphasised + i + 24), _mm256_loadu_ps(window + i + 24)));
    }
    for (; i + 8 <= count; i += 8)
        _mm256_storeu_ps(out + i, _mm256_mul_ps(_mm256_loadu_ps(emphasised + i), _mm256_loadu_ps(window + i)));
    for (; i < count; i++)
        out[i] = emphasised[i] * window[i];
}

/* Bins k .. k+7 of the interleaved spectrum: square both halves, hadd pairs (p0 p1 p4 p5 | p2 p3 p6 p7),
 * and a 64-bit lane permute to restore bin order. */
static inline __m256 power8(const float *spectrum, int k)
{
    __m256 low = _mm256_loadu_ps(spectrum + 2 * k);      /* r0 i0 r1 i1 | r2 i2 r3 i3 */
    __m256 high = _mm256_loadu_ps(spectrum + 2 * k + 8); /* r4 i4 r5 i5 | r6 i6 r7 i7 */
    __m256 sums = _mm256_hadd_ps(_mm256_mul_ps(low, low), _mm256_mul_ps(high, high));
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(sums), _MM_SHUFFLE(3, 1, 2, 0)));
}

static void power_avx2(const float *spectrum, int bin_count, float *power)
{
    int k = 0;
    for (; k + 16 <= bin_count; k += 16) { /* two per step: half the loop overhead */
        _mm256_storeu_ps(power + k, power8(spectrum, k));
        _mm256_storeu_ps(power + k + 8, power8(spectrum, k + 8));
    }
    if (k + 8 <= bin_count) {
        _mm256_storeu_ps(power + k, power8(spectrum, k));
        k += 8;
    }
    for (; k < bin_count; k++) { /* re * re + im * im, as a lane computes it (a plain loop here gcc would vectorise, at
                                    ~30 instructions of set-up for the one bin the defaults leave) */
        __m128 pair = _mm_loadl_pi(_mm_setzero_ps(), (const __m64 *)(spectrum + 2 * k));
        pair = _mm_mul_ps(pair, pair);
        _mm_store_ss(power + k, _mm_add_ss(pair, _mm_movehdup_ps(pair)));
    }
}

/* Element j of the result is the sum of the 8 lanes of vj. */
static inline __m256 reduce8(__m256 v0, __m256 v1, __m256 v2, __m256 v3, __m256 v4, __m256 v5, __m256 v6, __m256 v7)
{
    __m256 abcd = _mm256_hadd_ps(_mm256_hadd_ps(v0, v1), _mm256_hadd_ps(v2, v3)); /* 0 1 2 3 (low halves) | 0 1 2 3 (high) */
    __m256 efgh = _mm256_hadd_ps(_mm256_hadd_ps(v4, v5), _mm256_hadd_ps(v6, v7));
    return _mm256_add_ps(_mm256_permute2f128_ps(abcd, efgh, 0x20), _mm256_permute2f128_ps(abcd, efgh, 0x31));
}

void wakecert_mel_avx2(const float *power, const struct wakecert_mel_bank *bank, float *mel)
{
    const struct wakecert_mel_blocks *blocks = &bank->narrow;
    const float *weights = blocks->weights;
    const __m256i lane_index = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const ptrdiff_t *first = blocks->first_byte;
    for (int g = 0; g < blocks->group_count; g++, first += 8) {
        const int chunks = blocks->chunks[g];
        const float *w = weights + blocks->offset[g];
        /* the 8 filters' first bins; chunk c of filter j multiplies bins_j + 8c */
        const char *bins0 = (const char *)power + first[0], *bins1 = (const char *)power + first[1];
        const char *bins2 = (const char *)power + first[2], *bins3 = (const char *)power + first[3];
        const char *bins4 = (const char *)power + first[4], *bins5 = (const char *)power + first[5];
        const char *bins6 = (const char *)power + first[6], *bins7 = (const char *)power + first[7];
        __m256 s0, s1, s2, s3, s4, s5, s6, s7;
        if (chunks == 0) {
            s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = _mm256_setzero_ps();
        } else { /* chunk 0 multiplies, so the accumulators need no zeroing */
#define FIRST(j) s##j = _mm256_mul_ps(_mm256_load_ps(w + 8 * (j)), _mm256_loadu_ps((const float *)bins##j))
            FIRST(0); FIRST(1); FIRST(2); FIRST(3); FIRST(4); FIRST(5); FIRST(6); FIRST(7);
#undef FIRST
        }
        w += 8 * 8;
        for (ptrdiff_t c = 32; c < 32 * (ptrdiff_t)chunks; c += 32, w += 8 * 8) {
#define STEP(j) s##j = _mm256_fmadd_ps(_mm256_load_ps(w + 8 * (j)), _mm256_loadu_ps((const float *)(bins##j + c)), s##j)
            STEP(0); STEP(1); STEP(2); STEP(3); STEP(4); STEP(5); STEP(6); STEP(7);
#undef STEP
        }
        __m256 sums = reduce8(s0, s1, s2, s3, s4, s5, s6, s7);
        const int start = blocks->start[g], count = blocks->start[g + 1] - start;
        if (count == 8)
            _mm256_storeu_ps(mel + start, sums);
        else
            _mm256_maskstore_ps(mel + start, _mm256_cmpgt_epi32(_mm256_set1_epi32(count), lane_index), sums);
    }
}

static void log_avx2(const float *in, int count, float floor, float *out)
{
    const __m256 floor_vector = _mm256_set1_ps(floor);
    const __m256 one = _mm256_set1_ps(1.0f);
    const __m256 half = _mm256_set1_ps(0.5f);
    const __m256 sqrt_half = _mm256_set1_ps(WAKECERT_LOG_SQRT_HALF);
    const __m256i mantissa_mask = _mm256_set1_epi32(0x007fffff);
    const __m256i half_exponent = _mm256_set1_epi32(0x3f000000); /* exponent field of 0.5 */
    const __m256i bias = _mm256_set1_epi32(126);
    int i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256 x = _mm256_max_ps(_mm256_loadu_ps(in + i), floor_vector);
        __m256i bits = _mm256_castps_si256(x);
        /* x = m * 2^e with m in [0.5, 1) */
        __m256 exponent = _mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_srli_epi32(bits, 23), bias));
        __m256 m = _mm256_castsi256_ps(_mm256_or_si256(_mm256_and_si256(bits, mantissa_mask), half_exponent));
        /* if m < sqrt(1/2): e -= 1, m = 2m - 1; else m = m - 1 */
        __m256 small = _mm256_cmp_ps(m, sqrt_half, _CMP_LT_OQ);
        exponent = _mm256_sub_ps(exponent, _mm256_and_ps(small, one));
        m = _mm256_sub_ps(_mm256_add_ps(m, _mm256_and_ps(small, m)), one);
        __m256 z = _mm256_mul_ps(m, m);
        /* Estrin's scheme, the same sequence as wakecert_log_polynomial */
        __m256 z2 = _mm256_mul_ps(z, z);
        __m256 z4 = _mm256_mul_ps(z2, z2);
        __m256 p78 = _mm256_fmadd_ps(_mm256_set1_ps(WAKECERT_LOG_P7), m, _mm256_set1_ps(WAKECERT_LOG_P8));
        __m256 p56 = _mm256_fmadd_ps(_mm256_set1_ps(WAKECERT_LOG_P5), m, _mm256_set1_ps(WAKECERT_LOG_P6));
        __m256 p34 = _mm256_fmadd_ps(_mm256_set1_ps(WAKECERT_LOG_P3), m, _mm256_set1_ps(WAKECERT_LOG_P4));
        __m256 p12 = _mm256_fmadd_ps(_mm256_set1_ps(WAKECERT_LOG_P1), m, _mm256_set1_ps(WAKECERT_LOG_P2));
        __m256 p5678 = _mm256_fmadd_ps(p56, z, p78);
        __m256 p1234 = _mm256_fmadd_ps(p12, z, p34);
        __m256 y = _mm256_fmadd_ps(_mm256_set1_ps(WAKECERT_LOG_P0), z4, _mm256_fmadd_ps(p1234, z2, p5678));
        y = _mm256_mul_ps(_mm256_mul_ps(y, m), z);
        y = _mm256_fmadd_ps(exponent, _mm256_set1_ps(WAKECERT_LOG_Q1), y);
        y = _mm256_fnmadd_ps(half, z, y);
        __m256 result = _mm256_add_ps(m, y);
        result = _mm256_fmadd_ps(exponent, _mm256_set1_ps(WAKECERT_LOG_Q2), result);
        _mm256_storeu_ps(out + i, result);
    }
    for (; i < count; i++)
        out[i] = wakecert_log_polynomial(in[i] > floor ? in[i] : floor);
}

/* pairs[2n] = in[n] + in[N-1-n], pairs[2n+1] = in[n] - in[N-1-n] for n < ceil(N/2) (see struct
 * wakecert_dct_table); may write up to 14 floats more (pairs past the middle, never read). */
static void fold_pairs_avx2(const float *in, int in_count, int pair_count, float *pairs)
{
    const __m256i reverse = _mm256_setr_epi32(7, 6, 5, 4, 3, 2, 1, 0);
    int n = 0;
    for (; n < pair_count && n + 8 <= in_count; n += 8) {
        __m256 low = _mm256_loadu_ps(in + n);                                                   /* x[n .. n+7] */
        __m256 high = _mm256_permutevar8x32_ps(_mm256_loadu_ps(in + in_count - 8 - n), reverse); /* x[N-1-n ..] */
        __m256 sum = _mm256_add_ps(low, high), difference = _mm256_sub_ps(low, high);
        __m256 first = _mm256_unpacklo_ps(sum, difference), second = _mm256_unpackhi_ps(sum, difference);
        _mm256_storeu_ps(pairs + 2 * n, _mm256_permute2f128_ps(first, second, 0x20));
        _mm256_storeu_ps(pairs + 2 * n + 8, _mm256_permute2f128_ps(first, second, 0x31));
    }
    for (; n < pair_count; n++) {
        pairs[2 * n] = in[n] + in[in_count - 1 - n];
        pairs[2 * n + 1] = in[n] - in[in_count - 1 - n];
    }
}

/* The pair (a_n, b_n) at pairs + 2n in every 64-bit lane. */
static inline __m256 broadcast_pair(const float *pair)
{
    return _mm256_castsi256_ps(_mm256_broadcastq_epi64(_mm_loadl_epi64((const __m128i *)pair)));
}

static void dct_avx2(const float *in, const struct wakecert_dct_table *dct, float *out)
{
    float pairs[WAKECERT_MFCC_MAX_FILTERS + 16];
    fold_pairs_avx2(in, dct->in_count, dct->pair_count, pairs);
    const size_t step = (size_t)dct->stride;
    for (int c = 0; c < dct->stride; c += 16) {
        /* four independent chains of 16 outputs (two vectors each), named so they stay in registers */
        __m256 low0 = _mm256_setzero_ps(), low1 = low0, low2 = low0, low3 = low0;
        __m256 high0 = low0, high1 = low0, high2 = low0, high3 = low0;
        const float *row = dct->folded + c;
        int n = 0;
        for (; n + 4 <= dct->pair_count; n += 4, row += 4 * step) {
            __m256 value0 = broadcast_pair(pairs + 2 * n), value1 = broadcast_pair(pairs + 2 * n + 2);
            __m256 value2 = broadcast_pair(pairs + 2 * n + 4), value3 = broadcast_pair(pairs + 2 * n + 6);
            low0 = _mm256_fmadd_ps(value0, _mm256_load_ps(row), low0);
            high0 = _mm256_fmadd_ps(value0, _mm256_load_ps(row + 8), high0);
            low1 = _mm256_fmadd_ps(value1, _mm256_load_ps(row + step), low1);
            high1 = _mm256_fmadd_ps(value1, _mm256_load_ps(row + step + 8), high1);
            low2 = _mm256_fmadd_ps(value2, _mm256_load_ps(row + 2 * step), low2);
            high2 = _mm256_fmadd_ps(value2, _mm256_load_ps(row + 2 * step + 8), high2);
            low3 = _mm256_fmadd_ps(value3, _mm256_load_ps(row + 3 * step), low3);
            high3 = _mm256_fmadd_ps(value3, _mm256_load_ps(row + 3 * step + 8), high3);
        }
        for (; n < dct->pair_count; n++, row += step) {
            __m256 value = broadcast_pair(pairs + 2 * n);
            low0 = _mm256_fmadd_ps(value, _mm256_load_ps(row), low0);
            high0 = _mm256_fmadd_ps(value, _mm256_load_ps(row + 8), high0);
        }
        _mm256_storeu_ps(out + c, _mm256_add_ps(_mm256_add_ps(low0, low1), _mm256_add_ps(low2, low3)));
        _mm256_storeu_ps(out + c + 8, _mm256_add_ps(_mm256_add_ps(high0, high1), _mm256_add_ps(high2, high3)));
    }
}

/* This level's power, mel, log and dct kernels one after the other (the fused kernel is AVX-512 only). */
static void features_avx2(const float *spectrum, const struct wakecert_mfcc_tables *tables, float *power, float *mel,
                          float *log_mel, float *cepstra)
{
    power_avx2(spectrum, tables->bin_count, power);
    wakecert_mel_avx2(power, &tables->mel, mel);
    log_avx2(mel, tables->mel.filter_count, tables->log_floor, log_mel);
    dct_avx2(log_mel, &tables->dct, cepstra);
}

const struct wakecert_mfcc_kernels wakecert_mfcc_kernels_avx2 = {
    "avx2", emphasis_avx2, window_avx2, power_avx2, wakecert_mel_avx2, features_avx2, log_avx2, dct_avx2,
};
