/*
 * AVX2 + FMA versions of the front end's kernels (contracts in ../mfcc_kernels.h).
 *
 * Only this file is compiled with -mavx2 -mfma; it is reached through wakecert_mfcc_kernels_avx2 when
 * the CPU reports AVX2 and FMA. Shapes, for the default 400 / 257 / 40 / 13 sizes:
 *  - window: 8 samples per step: two unaligned int16 loads (the frame and the frame shifted by one for
 *    pre-emphasis), widen, convert, one fnmadd and one multiply; 50 steps.
 *  - power: 8 bins (16 interleaved floats) per step: square both halves, hadd pairs, and a 64-bit lane
 *    permute to restore bin order; 32 steps plus bin 256.
 *  - mel: per filter, whole 8-wide FMAs over its zero-padded weights (~84 for 40 filters), 8 filters'
 *    accumulators reduced together by a hadd tree into one vector.
 *  - log: the Cephes logf polynomial, 8 values at a time (the remainder through the scalar version of
 *    the same polynomial, so results do not depend on where a value sits).
 *  - dct: input-major: broadcast one log-mel value, FMA it with a column; four independent accumulator
 *    sets so the FMA latency (4 cycles) does not serialise the 40 steps.
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

/* Sum each of 8 vectors horizontally; element j of the result is the sum of vectors[j]. */
static inline __m256 reduce8(const __m256 vectors[8])
{
    __m256 ab = _mm256_hadd_ps(vectors[0], vectors[1]);
    __m256 cd = _mm256_hadd_ps(vectors[2], vectors[3]);
    __m256 ef = _mm256_hadd_ps(vectors[4], vectors[5]);
    __m256 gh = _mm256_hadd_ps(vectors[6], vectors[7]);
    __m256 abcd = _mm256_hadd_ps(ab, cd); /* a b c d (low halves) | a b c d (high halves) */
    __m256 efgh = _mm256_hadd_ps(ef, gh);
    __m256 low = _mm256_permute2f128_ps(abcd, efgh, 0x20);
    __m256 high = _mm256_permute2f128_ps(abcd, efgh, 0x31);
    return _mm256_add_ps(low, high);
}

/* One filter's 8-lane partial sums over its zero-padded chunks. */
static inline __m256 filter_partial_sums(const float *power, const struct wakecert_mel_bank *bank, int f)
{
    const float *bins = power + bank->first_bin[f];
    const float *weights = bank->weights + bank->offset[f];
    const int chunks = bank->chunk_count[f];
    __m256 sum = _mm256_setzero_ps(), other = _mm256_setzero_ps();
    int c = 0;
    for (; c + 2 <= chunks; c += 2) { /* two chains, so wide filters are not FMA-latency bound */
        sum = _mm256_fmadd_ps(_mm256_loadu_ps(weights + 8 * c), _mm256_loadu_ps(bins + 8 * c), sum);
        other = _mm256_fmadd_ps(_mm256_loadu_ps(weights + 8 * c + 8), _mm256_loadu_ps(bins + 8 * c + 8), other);
    }
    if (c < chunks)
        sum = _mm256_fmadd_ps(_mm256_loadu_ps(weights + 8 * c), _mm256_loadu_ps(bins + 8 * c), sum);
    return _mm256_add_ps(sum, other);
}

static void mel_avx2(const float *power, const struct wakecert_mel_bank *bank, float *mel)
{
    int group = 0;
    for (; group + 8 <= bank->filter_count; group += 8) {
        const __m256 sums[8] = {
            filter_partial_sums(power, bank, group + 0), filter_partial_sums(power, bank, group + 1),
            filter_partial_sums(power, bank, group + 2), filter_partial_sums(power, bank, group + 3),
            filter_partial_sums(power, bank, group + 4), filter_partial_sums(power, bank, group + 5),
            filter_partial_sums(power, bank, group + 6), filter_partial_sums(power, bank, group + 7),
        };
        _mm256_storeu_ps(mel + group, reduce8(sums));
    }
    if (group < bank->filter_count) {
        __m256 sums[8];
        for (int j = 0; j < 8; j++)
            sums[j] = group + j < bank->filter_count ? filter_partial_sums(power, bank, group + j) : _mm256_setzero_ps();
        float lanes[8];
        _mm256_storeu_ps(lanes, reduce8(sums));
        for (int j = 0; group + j < bank->filter_count; j++)
            mel[group + j] = lanes[j];
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
        __m256 low[4], high[4];
        for (int a = 0; a < 4; a++) {
            low[a] = _mm256_setzero_ps();
            high[a] = _mm256_setzero_ps();
        }
        int i = 0;
        for (; i + 4 <= in_count; i += 4) {
            for (int a = 0; a < 4; a++) {
                const float *column = matrix + (size_t)(i + a) * stride + c;
                __m256 value = _mm256_broadcast_ss(in + i + a);
                low[a] = _mm256_fmadd_ps(value, _mm256_loadu_ps(column), low[a]);
                high[a] = _mm256_fmadd_ps(value, _mm256_loadu_ps(column + 8), high[a]);
            }
        }
        for (; i < in_count; i++) {
            const float *column = matrix + (size_t)i * stride + c;
            __m256 value = _mm256_broadcast_ss(in + i);
            low[0] = _mm256_fmadd_ps(value, _mm256_loadu_ps(column), low[0]);
            high[0] = _mm256_fmadd_ps(value, _mm256_loadu_ps(column + 8), high[0]);
        }
        _mm256_storeu_ps(out + c, _mm256_add_ps(_mm256_add_ps(low[0], low[1]), _mm256_add_ps(low[2], low[3])));
        _mm256_storeu_ps(out + c + 8, _mm256_add_ps(_mm256_add_ps(high[0], high[1]), _mm256_add_ps(high[2], high[3])));
    }
}

const struct wakecert_mfcc_kernels wakecert_mfcc_kernels_avx2 = {
    "avx2", window_avx2, power_avx2, mel_avx2, log_avx2, dct_avx2,
};
