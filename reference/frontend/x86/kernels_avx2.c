/*
 * AVX2 + FMA versions of the front end's kernels (contracts in ../mfcc_kernels.h).
 *
 * Only this file is compiled with -mavx2 -mfma; it is reached through wakecert_mfcc_kernels_avx2 when
 * the CPU reports AVX2 and FMA. Shapes, for the default 400 / 257 / 40 / 13 sizes:
 *  - window: 8 samples per step: two unaligned int16 loads (the frame and the frame shifted by one for
 *    pre-emphasis), widen, convert, one fnmadd and one multiply; 50 steps.
 *  - power: 8 bins (16 interleaved floats) per step: square both halves, hadd pairs, and a 64-bit lane
 *    permute to restore bin order; 32 steps plus bin 256.
 *  - mel: the bank regrouped for 8 lanes (struct wakecert_mel_blocks): per group of up to 8 filters, as
 *    many steps as its widest filter has 8-float chunks (FMAs on padding included, a few more than the
 *    79 per-filter chunks, but with no per-filter loop: 586 instructions, from 1,123), 8 named
 *    accumulators, one hadd tree per group, a masked store for a group of fewer than 8.
 *  - log: the Cephes logf polynomial, 8 values at a time (the remainder through the scalar version of
 *    the same polynomial, so results do not depend on where a value sits).
 *  - dct: input-major: broadcast one log-mel value, FMA it with a column; four independent accumulator
 *    sets so the FMA latency (4 cycles) does not serialise the 40 steps. They are eight named
 *    variables: the first version kept them in an array indexed by a loop, which gcc -O2 left on the
 *    stack, so every FMA waited for a store-to-load forward (696 instructions, ~50 ns; now ~130).
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

static void window_avx2(const int16_t *samples, int count, float preemphasis, const float *window, float *out)
{
    const __m256 factor = _mm256_set1_ps(preemphasis);
    int i = 0;
    for (; i + 8 <= count; i += 8) {
        __m128i previous16 = _mm_loadu_si128((const __m128i *)(samples + i));
        __m128i current16 = _mm_loadu_si128((const __m128i *)(samples + i + 1));
        __m256 previous = _mm256_cvtepi32_ps(_mm256_cvtepi16_epi32(previous16));
        __m256 current = _mm256_cvtepi32_ps(_mm256_cvtepi16_epi32(current16));
        __m256 emphasised = _mm256_fnmadd_ps(factor, previous, current);
        _mm256_storeu_ps(out + i, _mm256_mul_ps(emphasised, _mm256_loadu_ps(window + i)));
    }
    for (; i < count; i++)
        out[i] = ((float)samples[i + 1] - preemphasis * (float)samples[i]) * window[i];
}

static void power_avx2(const float *spectrum, int bin_count, float *power)
{
    int k = 0;
    for (; k + 8 <= bin_count; k += 8) {
        __m256 low = _mm256_loadu_ps(spectrum + 2 * k);      /* r0 i0 r1 i1 | r2 i2 r3 i3 */
        __m256 high = _mm256_loadu_ps(spectrum + 2 * k + 8); /* r4 i4 r5 i5 | r6 i6 r7 i7 */
        __m256 sums = _mm256_hadd_ps(_mm256_mul_ps(low, low), _mm256_mul_ps(high, high)); /* p0 p1 p4 p5 | p2 p3 p6 p7 */
        __m256d ordered = _mm256_permute4x64_pd(_mm256_castps_pd(sums), _MM_SHUFFLE(3, 1, 2, 0));
        _mm256_storeu_ps(power + k, _mm256_castpd_ps(ordered));
    }
    for (; k < bin_count; k++) {
        float real = spectrum[2 * k], imaginary = spectrum[2 * k + 1];
        power[k] = real * real + imaginary * imaginary;
    }
}

/* Element j of the result is the sum of the 8 lanes of vj. */
static inline __m256 reduce8(__m256 v0, __m256 v1, __m256 v2, __m256 v3, __m256 v4, __m256 v5, __m256 v6, __m256 v7)
{
    __m256 abcd = _mm256_hadd_ps(_mm256_hadd_ps(v0, v1), _mm256_hadd_ps(v2, v3)); /* 0 1 2 3 (low halves) | 0 1 2 3 (high) */
    __m256 efgh = _mm256_hadd_ps(_mm256_hadd_ps(v4, v5), _mm256_hadd_ps(v6, v7));
    return _mm256_add_ps(_mm256_permute2f128_ps(abcd, efgh, 0x20), _mm256_permute2f128_ps(abcd, efgh, 0x31));
}

static void mel_avx2(const float *power, const struct wakecert_mel_bank *bank, float *mel)
{
    const struct wakecert_mel_blocks *blocks = &bank->narrow;
    const float *weights = blocks->weights;
    const __m256i lane_index = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    for (int g = 0; g < blocks->group_count; g++) {
        const int *first = blocks->first_bin + 8 * g;
        __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
        const float *w = weights + blocks->offset[g];
        for (int c = 0; c < blocks->chunks[g]; c++, w += 8 * 8) {
            const float *bins = power + 8 * c;
#define STEP(j) s##j = _mm256_fmadd_ps(_mm256_load_ps(w + 8 * (j)), _mm256_loadu_ps(bins + first[j]), s##j)
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
        __m256 y = _mm256_set1_ps(WAKECERT_LOG_P0);
        y = _mm256_fmadd_ps(y, m, _mm256_set1_ps(WAKECERT_LOG_P1));
        y = _mm256_fmadd_ps(y, m, _mm256_set1_ps(WAKECERT_LOG_P2));
        y = _mm256_fmadd_ps(y, m, _mm256_set1_ps(WAKECERT_LOG_P3));
        y = _mm256_fmadd_ps(y, m, _mm256_set1_ps(WAKECERT_LOG_P4));
        y = _mm256_fmadd_ps(y, m, _mm256_set1_ps(WAKECERT_LOG_P5));
        y = _mm256_fmadd_ps(y, m, _mm256_set1_ps(WAKECERT_LOG_P6));
        y = _mm256_fmadd_ps(y, m, _mm256_set1_ps(WAKECERT_LOG_P7));
        y = _mm256_fmadd_ps(y, m, _mm256_set1_ps(WAKECERT_LOG_P8));
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

static void dct_avx2(const float *in, int in_count, const float *matrix, int stride, float *out)
{
    for (int c = 0; c < stride; c += 16) {
        /* four independent chains of 16 outputs (two vectors each), named so they stay in registers */
        __m256 low0 = _mm256_setzero_ps(), low1 = low0, low2 = low0, low3 = low0;
        __m256 high0 = low0, high1 = low0, high2 = low0, high3 = low0;
        const float *column = matrix + c;
        const size_t step = (size_t)stride;
        int i = 0;
        for (; i + 4 <= in_count; i += 4, column += 4 * step) {
            __m256 value0 = _mm256_broadcast_ss(in + i), value1 = _mm256_broadcast_ss(in + i + 1);
            __m256 value2 = _mm256_broadcast_ss(in + i + 2), value3 = _mm256_broadcast_ss(in + i + 3);
            low0 = _mm256_fmadd_ps(value0, _mm256_loadu_ps(column), low0);
            high0 = _mm256_fmadd_ps(value0, _mm256_loadu_ps(column + 8), high0);
            low1 = _mm256_fmadd_ps(value1, _mm256_loadu_ps(column + step), low1);
            high1 = _mm256_fmadd_ps(value1, _mm256_loadu_ps(column + step + 8), high1);
            low2 = _mm256_fmadd_ps(value2, _mm256_loadu_ps(column + 2 * step), low2);
            high2 = _mm256_fmadd_ps(value2, _mm256_loadu_ps(column + 2 * step + 8), high2);
            low3 = _mm256_fmadd_ps(value3, _mm256_loadu_ps(column + 3 * step), low3);
            high3 = _mm256_fmadd_ps(value3, _mm256_loadu_ps(column + 3 * step + 8), high3);
        }
        for (; i < in_count; i++, column += step) {
            __m256 value = _mm256_broadcast_ss(in + i);
            low0 = _mm256_fmadd_ps(value, _mm256_loadu_ps(column), low0);
            high0 = _mm256_fmadd_ps(value, _mm256_loadu_ps(column + 8), high0);
        }
        _mm256_storeu_ps(out + c, _mm256_add_ps(_mm256_add_ps(low0, low1), _mm256_add_ps(low2, low3)));
        _mm256_storeu_ps(out + c + 8, _mm256_add_ps(_mm256_add_ps(high0, high1), _mm256_add_ps(high2, high3)));
    }
}

const struct wakecert_mfcc_kernels wakecert_mfcc_kernels_avx2 = {
    "avx2", window_avx2, power_avx2, mel_avx2, log_avx2, dct_avx2,
};
