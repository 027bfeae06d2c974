/*
 * SSE2 versions of the front end's kernels (contracts in ../mfcc_kernels.h).
 *
 * Only this file is compiled with -msse2 (which every x86-64 has; the flag is stated anyway so the
 * file also builds for 32-bit x86). SSE2 lacks a fused multiply-add, horizontal adds (SSE3) and
 * int16 -> int32 widening (SSE4.1), so: int16 samples are widened by unpacking against themselves
 * and shifting arithmetically; power spectra separate real and imaginary squares with shuffles; the
 * mel reduction transposes 4 accumulators and adds them. Shapes otherwise follow kernels_avx2.c with
 * 4-wide vectors: emphasis 20 steps of 8 samples per hop, window 50 steps of 8, power 64, mel ~168
 * multiply-adds, log 10 vectors, DCT 4 columns of 4 with two accumulator sets over the plain matrix
 * (not the folded one: this level is a fallback, kept simple).
 */
#ifndef __SSE2__
#error "kernels_sse2.c must be compiled with -msse2"
#endif

#include <emmintrin.h>

#include "../mfcc_kernels.h"
#define WAKECERT_LOG_MULTIPLY_ADD(a, b, c) ((a) * (b) + (c))
#include "log_polynomial.h"

/* Widen 4 int16 (low half of packed) to float. */
static inline __m128 widen_low(__m128i packed)
{
    return _mm_cvtepi32_ps(_mm_srai_epi32(_mm_unpacklo_epi16(packed, packed), 16));
}

static inline __m128 widen_high(__m128i packed)
{
    return _mm_cvtepi32_ps(_mm_srai_epi32(_mm_unpackhi_epi16(packed, packed), 16));
}

static void emphasis_sse2(const int16_t *samples, int count, int16_t previous, float preemphasis, float *out)
{
    if (count < 8) { /* the same two roundings (multiply, subtract) as a vector lane */
        float before = (float)previous;
        for (int i = 0; i < count; i++) {
            float current = (float)samples[i];
            out[i] = current - preemphasis * before;
            before = current;
        }
        return;
    }
    const __m128 factor = _mm_set1_ps(preemphasis);
    /* the first 8: the samples before them are `previous` then samples[0..6] */
    __m128i current = _mm_loadu_si128((const __m128i *)samples);
    __m128i before = _mm_insert_epi16(_mm_slli_si128(current, 2), previous, 0);
    _mm_storeu_ps(out, _mm_sub_ps(widen_low(current), _mm_mul_ps(factor, widen_low(before))));
    _mm_storeu_ps(out + 4, _mm_sub_ps(widen_high(current), _mm_mul_ps(factor, widen_high(before))));
    for (int i = 8;; i += 8) {
        if (i + 8 > count) {
            if (i == count)
                break;
            i = count - 8; /* the last 8 again, overlapping: every output is a function of its inputs only */
        }
        before = _mm_loadu_si128((const __m128i *)(samples + i - 1));
        current = _mm_loadu_si128((const __m128i *)(samples + i));
        _mm_storeu_ps(out + i, _mm_sub_ps(widen_low(current), _mm_mul_ps(factor, widen_low(before))));
        _mm_storeu_ps(out + i + 4, _mm_sub_ps(widen_high(current), _mm_mul_ps(factor, widen_high(before))));
        if (i + 8 == count)
            break;
    }
}

static void window_sse2(const float *emphasised, int count, const float *window, float *out)
{
    int i = 0;
    for (; i + 8 <= count; i += 8) {
        _mm_storeu_ps(out + i, _mm_mul_ps(_mm_loadu_ps(emphasised + i), _mm_loadu_ps(window + i)));
        _mm_storeu_ps(out + i + 4, _mm_mul_ps(_mm_loadu_ps(emphasised + i + 4), _mm_loadu_ps(window + i + 4)));
    }
    for (; i < count; i++)
        out[i] = emphasised[i] * window[i];
}

static void power_sse2(const float *spectrum, int bin_count, float *power)
{
    int k = 0;
    for (; k + 4 <= bin_count; k += 4) {
        __m128 low = _mm_loadu_ps(spectrum + 2 * k);      /* r0 i0 r1 i1 */
        __m128 high = _mm_loadu_ps(spectrum + 2 * k + 4); /* r2 i2 r3 i3 */
        low = _mm_mul_ps(low, low);
        high = _mm_mul_ps(high, high);
        __m128 real = _mm_shuffle_ps(low, high, _MM_SHUFFLE(2, 0, 2, 0));
        __m128 imaginary = _mm_shuffle_ps(low, high, _MM_SHUFFLE(3, 1, 3, 1));
        _mm_storeu_ps(power + k, _mm_add_ps(real, imaginary));
    }
    for (; k < bin_count; k++) {
        float real = spectrum[2 * k], imaginary = spectrum[2 * k + 1];
        power[k] = real * real + imaginary * imaginary;
    }
}

static void mel_sse2(const float *power, const struct wakecert_mel_bank *bank, float *mel)
{
    for (int group = 0; group < bank->filter_count; group += 4) {
        __m128 sums[4];
        for (int j = 0; j < 4; j++) {
            int f = group + j;
            __m128 low = _mm_setzero_ps(), high = _mm_setzero_ps();
            if (f < bank->filter_count) {
                const float *bins = power + bank->first_bin[f];
                const float *weights = bank->weights + bank->offset[f];
                for (int c = 0; c < bank->chunk_count[f]; c++) {
                    low = _mm_add_ps(low, _mm_mul_ps(_mm_loadu_ps(weights + 8 * c), _mm_loadu_ps(bins + 8 * c)));
                    high = _mm_add_ps(high, _mm_mul_ps(_mm_loadu_ps(weights + 8 * c + 4), _mm_loadu_ps(bins + 8 * c + 4)));
                }
            }
            sums[j] = _mm_add_ps(low, high);
        }
        _MM_TRANSPOSE4_PS(sums[0], sums[1], sums[2], sums[3]);
        __m128 reduced = _mm_add_ps(_mm_add_ps(sums[0], sums[1]), _mm_add_ps(sums[2], sums[3]));
        if (group + 4 <= bank->filter_count) {
            _mm_storeu_ps(mel + group, reduced);
        } else {
            float lanes[4];
            _mm_storeu_ps(lanes, reduced);
            for (int j = 0; group + j < bank->filter_count; j++)
                mel[group + j] = lanes[j];
        }
    }
}

static inline __m128 multiply_add(__m128 a, __m128 b, __m128 c)
{
    return _mm_add_ps(_mm_mul_ps(a, b), c);
}

static void log_sse2(const float *in, int count, float floor, float *out)
{
    const __m128 floor_vector = _mm_set1_ps(floor);
    const __m128 one = _mm_set1_ps(1.0f);
    const __m128 minus_half = _mm_set1_ps(-0.5f);
    const __m128 sqrt_half = _mm_set1_ps(WAKECERT_LOG_SQRT_HALF);
    const __m128i mantissa_mask = _mm_set1_epi32(0x007fffff);
    const __m128i half_exponent = _mm_set1_epi32(0x3f000000);
    const __m128i bias = _mm_set1_epi32(126);
    int i = 0;
    for (; i + 4 <= count; i += 4) {
        __m128 x = _mm_max_ps(_mm_loadu_ps(in + i), floor_vector);
        __m128i bits = _mm_castps_si128(x);
        __m128 exponent = _mm_cvtepi32_ps(_mm_sub_epi32(_mm_srli_epi32(bits, 23), bias));
        __m128 m = _mm_castsi128_ps(_mm_or_si128(_mm_and_si128(bits, mantissa_mask), half_exponent));
        __m128 small = _mm_cmplt_ps(m, sqrt_half);
        exponent = _mm_sub_ps(exponent, _mm_and_ps(small, one));
        m = _mm_sub_ps(_mm_add_ps(m, _mm_and_ps(small, m)), one);
        __m128 z = _mm_mul_ps(m, m);
        /* Estrin's scheme, the same sequence as wakecert_log_polynomial */
        __m128 z2 = _mm_mul_ps(z, z);
        __m128 z4 = _mm_mul_ps(z2, z2);
        __m128 p78 = multiply_add(_mm_set1_ps(WAKECERT_LOG_P7), m, _mm_set1_ps(WAKECERT_LOG_P8));
        __m128 p56 = multiply_add(_mm_set1_ps(WAKECERT_LOG_P5), m, _mm_set1_ps(WAKECERT_LOG_P6));
        __m128 p34 = multiply_add(_mm_set1_ps(WAKECERT_LOG_P3), m, _mm_set1_ps(WAKECERT_LOG_P4));
        __m128 p12 = multiply_add(_mm_set1_ps(WAKECERT_LOG_P1), m, _mm_set1_ps(WAKECERT_LOG_P2));
        __m128 p5678 = multiply_add(p56, z, p78);
        __m128 p1234 = multiply_add(p12, z, p34);
        __m128 y = multiply_add(_mm_set1_ps(WAKECERT_LOG_P0), z4, multiply_add(p1234, z2, p5678));
        y = _mm_mul_ps(_mm_mul_ps(y, m), z);
        y = multiply_add(exponent, _mm_set1_ps(WAKECERT_LOG_Q1), y);
        y = multiply_add(minus_half, z, y);
        __m128 result = _mm_add_ps(m, y);
        result = multiply_add(exponent, _mm_set1_ps(WAKECERT_LOG_Q2), result);
        _mm_storeu_ps(out + i, result);
    }
    for (; i < count; i++)
        out[i] = wakecert_log_polynomial(in[i] > floor ? in[i] : floor);
}

static void dct_sse2(const float *in, const struct wakecert_dct_table *dct, float *out)
{
    const int in_count = dct->in_count, stride = dct->stride;
    const float *matrix = dct->matrix;
    const size_t step = (size_t)stride;
    for (int c = 0; c < stride; c += 16) {
        /* two chains (even and odd inputs) of 16 outputs, four vectors each; named variables, since an
         * array indexed in a loop stays on the stack at -O2 */
        __m128 even0 = _mm_setzero_ps(), even1 = even0, even2 = even0, even3 = even0;
        __m128 odd0 = even0, odd1 = even0, odd2 = even0, odd3 = even0;
        const float *column = matrix + c;
        int i = 0;
        for (; i + 2 <= in_count; i += 2, column += 2 * step) {
            __m128 value_even = _mm_set1_ps(in[i]);
            __m128 value_odd = _mm_set1_ps(in[i + 1]);
            even0 = multiply_add(value_even, _mm_loadu_ps(column), even0);
            even1 = multiply_add(value_even, _mm_loadu_ps(column + 4), even1);
            even2 = multiply_add(value_even, _mm_loadu_ps(column + 8), even2);
            even3 = multiply_add(value_even, _mm_loadu_ps(column + 12), even3);
            odd0 = multiply_add(value_odd, _mm_loadu_ps(column + step), odd0);
            odd1 = multiply_add(value_odd, _mm_loadu_ps(column + step + 4), odd1);
            odd2 = multiply_add(value_odd, _mm_loadu_ps(column + step + 8), odd2);
            odd3 = multiply_add(value_odd, _mm_loadu_ps(column + step + 12), odd3);
        }
        if (i < in_count) {
            __m128 value = _mm_set1_ps(in[i]);
            even0 = multiply_add(value, _mm_loadu_ps(column), even0);
            even1 = multiply_add(value, _mm_loadu_ps(column + 4), even1);
            even2 = multiply_add(value, _mm_loadu_ps(column + 8), even2);
            even3 = multiply_add(value, _mm_loadu_ps(column + 12), even3);
        }
        _mm_storeu_ps(out + c, _mm_add_ps(even0, odd0));
        _mm_storeu_ps(out + c + 4, _mm_add_ps(even1, odd1));
        _mm_storeu_ps(out + c + 8, _mm_add_ps(even2, odd2));
        _mm_storeu_ps(out + c + 12, _mm_add_ps(even3, odd3));
    }
}

/* This level's power, mel, log and dct kernels one after the other (the fused kernel is AVX-512 only). */
static void features_sse2(const float *spectrum, const struct wakecert_mfcc_tables *tables, float *power, float *mel,
                          float *log_mel, float *cepstra)
{
    power_sse2(spectrum, tables->bin_count, power);
    mel_sse2(power, &tables->mel, mel);
    log_sse2(mel, tables->mel.filter_count, tables->log_floor, log_mel);
    dct_sse2(log_mel, &tables->dct, cepstra);
}

const struct wakecert_mfcc_kernels wakecert_mfcc_kernels_sse2 = {
    "sse2", emphasis_sse2, window_sse2, power_sse2, mel_sse2, features_sse2, log_sse2, dct_sse2,
};
