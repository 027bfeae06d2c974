/*
 * AVX-512F versions of the front end's kernels (contracts in ../mfcc_kernels.h).
 *
 * Only this file is compiled with -mavx512f (plus -mavx2 -mfma, which every AVX-512 CPU wakecert
 * dispatches to also has: common/cpu.c requires all three for the avx512 level). It is reached through
 * wakecert_mfcc_kernels_avx512 only when the CPU and the OS report AVX-512F. valgrind (3.19) cannot
 * execute AVX-512 and its emulated CPU does not report it, so under valgrind the dispatch table stops
 * at AVX2 by itself and this code is never entered; the unit tests cover it natively.
 * Only AVX-512F instructions are used (no BW/DQ/VL): masks come from compares and from (1 << n) - 1.
 *
 * Shapes, for the default 400 / 257 / 40 / 13 sizes:
 *  - window: 16 samples per step (two unaligned 16 x int16 loads widened with vpmovsxwd, one fnmadd,
 *    one multiply); 25 steps, no remainder.
 *  - power: 16 bins (32 interleaved floats) per step: two two-source permutes separate the real and
 *    imaginary parts, then im * im + re * re in one fma; 16 steps plus bin 256.
 *  - mel: the bank regrouped for 16 lanes (struct wakecert_mel_blocks): per group of up to 16 filters,
 *    as many steps as its widest filter has 16-float chunks (1, 1, 2 for the defaults), each step 16
 *    independent fmas into 16 named accumulators, then a 46-instruction shuffle tree reduces the group
 *    and a masked store writes its filters. It is bound by loads (a weight vector and a power vector
 *    that usually straddles two cache lines per fma), not by arithmetic.
 *  - log: the Cephes logf polynomial of log_polynomial.h, 16 values per step and a masked last step
 *    (40 = 16 + 16 + 8), so no value goes through different code because of where it sits.
 *  - dct: the input-major matrix of 16-float columns is exactly one vector per log-mel value: 40
 *    broadcast-fma steps spread over four named accumulators (fma latency 4 cycles).
 * Accumulators are always named variables or function arguments: an array of vectors indexed in a
 * loop is kept on the stack by gcc -O2, which turns an fma chain into a store-forwarding chain.
 */
#ifndef __AVX512F__
#error "kernels_avx512.c must be compiled with -mavx512f -mavx2 -mfma"
#endif
#ifndef __FMA__
#error "kernels_avx512.c must be compiled with -mavx512f -mavx2 -mfma"
#endif

#include <immintrin.h>
#include <math.h>

#include "../mfcc_kernels.h"
#define WAKECERT_LOG_MULTIPLY_ADD(a, b, c) fmaf(a, b, c)
#include "log_polynomial.h"

/* The mask of the first n lanes, n in 0..16. */
static inline __mmask16 first_lanes(int n)
{
    return n >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1u);
}

static void window_avx512(const int16_t *samples, int count, float preemphasis, const float *window, float *out)
{
    const __m512 factor = _mm512_set1_ps(preemphasis);
    int i = 0;
    for (; i + 16 <= count; i += 16) {
        __m256i previous16 = _mm256_loadu_si256((const __m256i *)(samples + i));
        __m256i current16 = _mm256_loadu_si256((const __m256i *)(samples + i + 1));
        __m512 previous = _mm512_cvtepi32_ps(_mm512_cvtepi16_epi32(previous16));
        __m512 current = _mm512_cvtepi32_ps(_mm512_cvtepi16_epi32(current16));
        __m512 emphasised = _mm512_fnmadd_ps(factor, previous, current);
        _mm512_storeu_ps(out + i, _mm512_mul_ps(emphasised, _mm512_loadu_ps(window + i)));
    }
    /* samples holds only count + 1 values, and a masked 16-bit load needs AVX512BW: scalar tail,
     * the same operations as a lane */
    for (; i < count; i++)
        out[i] = fmaf(-preemphasis, (float)samples[i], (float)samples[i + 1]) * window[i];
}

static void power_avx512(const float *spectrum, int bin_count, float *power)
{
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    int k = 0;
    for (; k + 16 <= bin_count; k += 16) {
        __m512 low = _mm512_loadu_ps(spectrum + 2 * k);       /* r0 i0 ... r7 i7 */
        __m512 high = _mm512_loadu_ps(spectrum + 2 * k + 16); /* r8 i8 ... r15 i15 */
        __m512 real = _mm512_permutex2var_ps(low, even, high);
        __m512 imaginary = _mm512_permutex2var_ps(low, odd, high);
        _mm512_storeu_ps(power + k, _mm512_fmadd_ps(imaginary, imaginary, _mm512_mul_ps(real, real)));
    }
    for (; k < bin_count; k++) {
        float real = spectrum[2 * k], imaginary = spectrum[2 * k + 1];
        power[k] = fmaf(imaginary, imaginary, real * real);
    }
}

/* a's four 128-bit quarters (q0 q1 q2 q3) and b's: returns (a.q0 + a.q2, a.q1 + a.q3, b.q0 + b.q2,
 * b.q1 + b.q3), whose lanes still sum to sum(a) (first half) and sum(b) (second half). */
static inline __m512 fold_halves(__m512 a, __m512 b)
{
    return _mm512_add_ps(_mm512_shuffle_f32x4(a, b, _MM_SHUFFLE(1, 0, 1, 0)),
                         _mm512_shuffle_f32x4(a, b, _MM_SHUFFLE(3, 2, 3, 2)));
}

/* x = (A0 A1 B0 B1), y = (C0 C1 D0 D1) in quarters: returns (A0 + A1, B0 + B1, C0 + C1, D0 + D1). */
static inline __m512 fold_quarters(__m512 x, __m512 y)
{
    return _mm512_add_ps(_mm512_shuffle_f32x4(x, y, _MM_SHUFFLE(2, 0, 2, 0)),
                         _mm512_shuffle_f32x4(x, y, _MM_SHUFFLE(3, 1, 3, 1)));
}

/* Within every 128-bit quarter: (x0 + x1, x2 + x3, y0 + y1, y2 + y3). */
static inline __m512 fold_pairs(__m512 x, __m512 y)
{
    return _mm512_add_ps(_mm512_shuffle_ps(x, y, _MM_SHUFFLE(2, 0, 2, 0)), _mm512_shuffle_ps(x, y, _MM_SHUFFLE(3, 1, 3, 1)));
}

/* Element j of the result is the sum of the 16 lanes of vj. After the three folds, position 4q + r
 * holds the sum of v(4r + q), so one permute restores the order. */
static inline __m512 reduce16(__m512 v0, __m512 v1, __m512 v2, __m512 v3, __m512 v4, __m512 v5, __m512 v6, __m512 v7,
                              __m512 v8, __m512 v9, __m512 v10, __m512 v11, __m512 v12, __m512 v13, __m512 v14,
                              __m512 v15)
{
    __m512 q0 = fold_quarters(fold_halves(v0, v1), fold_halves(v2, v3));     /* v0..v3, 4 lanes each */
    __m512 q1 = fold_quarters(fold_halves(v4, v5), fold_halves(v6, v7));     /* v4..v7 */
    __m512 q2 = fold_quarters(fold_halves(v8, v9), fold_halves(v10, v11));   /* v8..v11 */
    __m512 q3 = fold_quarters(fold_halves(v12, v13), fold_halves(v14, v15)); /* v12..v15 */
    __m512 sums = fold_pairs(fold_pairs(q0, q1), fold_pairs(q2, q3));
    const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    return _mm512_permutexvar_ps(order, sums);
}

static void mel_avx512(const float *power, const struct wakecert_mel_bank *bank, float *mel)
{
    const struct wakecert_mel_blocks *blocks = &bank->wide;
    const float *weights = blocks->weights;
    for (int g = 0; g < blocks->group_count; g++) {
        const int *first = blocks->first_bin + 16 * g;
        __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0, s8 = s0, s9 = s0,
               s10 = s0, s11 = s0, s12 = s0, s13 = s0, s14 = s0, s15 = s0;
        const float *w = weights + blocks->offset[g];
        for (int c = 0; c < blocks->chunks[g]; c++, w += 16 * 16) {
            const float *bins = power + 16 * c;
#define STEP(j) s##j = _mm512_fmadd_ps(_mm512_load_ps(w + 16 * (j)), _mm512_loadu_ps(bins + first[j]), s##j)
            STEP(0); STEP(1); STEP(2); STEP(3); STEP(4); STEP(5); STEP(6); STEP(7);
            STEP(8); STEP(9); STEP(10); STEP(11); STEP(12); STEP(13); STEP(14); STEP(15);
#undef STEP
        }
        __m512 sums = reduce16(s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, s13, s14, s15);
        const int start = blocks->start[g];
        _mm512_mask_storeu_ps(mel + start, first_lanes(blocks->start[g + 1] - start), sums);
    }
}

static void log_avx512(const float *in, int count, float floor, float *out)
{
    const __m512 floor_vector = _mm512_set1_ps(floor);
    const __m512 one = _mm512_set1_ps(1.0f);
    const __m512 half = _mm512_set1_ps(0.5f);
    const __m512 sqrt_half = _mm512_set1_ps(WAKECERT_LOG_SQRT_HALF);
    const __m512i mantissa_mask = _mm512_set1_epi32(0x007fffff);
    const __m512i half_exponent = _mm512_set1_epi32(0x3f000000); /* exponent field of 0.5 */
    const __m512i bias = _mm512_set1_epi32(126);
    for (int i = 0; i < count; i += 16) {
        const __mmask16 lanes = first_lanes(count - i);
        __m512 x = _mm512_max_ps(_mm512_maskz_loadu_ps(lanes, in + i), floor_vector);
        __m512i bits = _mm512_castps_si512(x);
        /* x = m * 2^e with m in [0.5, 1) */
        __m512 exponent = _mm512_cvtepi32_ps(_mm512_sub_epi32(_mm512_srli_epi32(bits, 23), bias));
        __m512 m = _mm512_castsi512_ps(_mm512_or_si512(_mm512_and_si512(bits, mantissa_mask), half_exponent));
        /* if m < sqrt(1/2): e -= 1, m = 2m - 1; else m = m - 1 (as in wakecert_log_polynomial) */
        __mmask16 small = _mm512_cmp_ps_mask(m, sqrt_half, _CMP_LT_OQ);
        exponent = _mm512_mask_sub_ps(exponent, small, exponent, one);
        m = _mm512_sub_ps(_mm512_mask_add_ps(m, small, m, m), one);
        __m512 z = _mm512_mul_ps(m, m);
        __m512 y = _mm512_set1_ps(WAKECERT_LOG_P0);
        y = _mm512_fmadd_ps(y, m, _mm512_set1_ps(WAKECERT_LOG_P1));
        y = _mm512_fmadd_ps(y, m, _mm512_set1_ps(WAKECERT_LOG_P2));
        y = _mm512_fmadd_ps(y, m, _mm512_set1_ps(WAKECERT_LOG_P3));
        y = _mm512_fmadd_ps(y, m, _mm512_set1_ps(WAKECERT_LOG_P4));
        y = _mm512_fmadd_ps(y, m, _mm512_set1_ps(WAKECERT_LOG_P5));
        y = _mm512_fmadd_ps(y, m, _mm512_set1_ps(WAKECERT_LOG_P6));
        y = _mm512_fmadd_ps(y, m, _mm512_set1_ps(WAKECERT_LOG_P7));
        y = _mm512_fmadd_ps(y, m, _mm512_set1_ps(WAKECERT_LOG_P8));
        y = _mm512_mul_ps(_mm512_mul_ps(y, m), z);
        y = _mm512_fmadd_ps(exponent, _mm512_set1_ps(WAKECERT_LOG_Q1), y);
        y = _mm512_fnmadd_ps(half, z, y);
        __m512 result = _mm512_add_ps(m, y);
        result = _mm512_fmadd_ps(exponent, _mm512_set1_ps(WAKECERT_LOG_Q2), result);
        _mm512_mask_storeu_ps(out + i, lanes, result);
    }
}

static void dct_avx512(const float *in, int in_count, const float *matrix, int stride, float *out)
{
    for (int c = 0; c < stride; c += 16) {
        __m512 sum0 = _mm512_setzero_ps(), sum1 = _mm512_setzero_ps(), sum2 = _mm512_setzero_ps(),
               sum3 = _mm512_setzero_ps();
        const float *column = matrix + c;
        int i = 0;
        for (; i + 4 <= in_count; i += 4, column += 4 * (size_t)stride) {
            sum0 = _mm512_fmadd_ps(_mm512_set1_ps(in[i + 0]), _mm512_loadu_ps(column), sum0);
            sum1 = _mm512_fmadd_ps(_mm512_set1_ps(in[i + 1]), _mm512_loadu_ps(column + stride), sum1);
            sum2 = _mm512_fmadd_ps(_mm512_set1_ps(in[i + 2]), _mm512_loadu_ps(column + 2 * (size_t)stride), sum2);
            sum3 = _mm512_fmadd_ps(_mm512_set1_ps(in[i + 3]), _mm512_loadu_ps(column + 3 * (size_t)stride), sum3);
        }
        for (; i < in_count; i++, column += stride)
            sum0 = _mm512_fmadd_ps(_mm512_set1_ps(in[i]), _mm512_loadu_ps(column), sum0);
        _mm512_storeu_ps(out + c, _mm512_add_ps(_mm512_add_ps(sum0, sum1), _mm512_add_ps(sum2, sum3)));
    }
}

const struct wakecert_mfcc_kernels wakecert_mfcc_kernels_avx512 = {
    "avx512", window_avx512, power_avx512, mel_avx512, log_avx512, dct_avx512,
};
