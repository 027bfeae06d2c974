/*
 * AVX2 + FMA version of the classifier kernel (contract in ../model_kernels.h). Only this file is
 * compiled with -mavx2 -mfma. The outputs are processed 32 at a time in four named accumulators
 * (named, not an array, so gcc keeps them in registers): per input, one broadcast and four FMAs with
 * the contiguous weight column; then 8 at a time; a tail of fewer than 8 outputs goes through masked
 * loads and stores. Summation order per output equals the C kernel's except for FMA's single
 * rounding, so results agree to a few ulps of the accumulated magnitude.
 */
#ifndef __AVX2__
#error "model_kernels_avx2.c must be compiled with -mavx2 -mfma"
#endif
#ifndef __FMA__
#error "model_kernels_avx2.c must be compiled with -mavx2 -mfma"
#endif

#include "../model_kernels.h"

#include <immintrin.h>

static inline __m256 finish(__m256 v, int relu, const float *residual, __m256i mask, int masked)
{
    if (relu)
        v = _mm256_max_ps(v, _mm256_setzero_ps());
    if (residual)
        v = _mm256_add_ps(v, masked ? _mm256_maskload_ps(residual, mask) : _mm256_loadu_ps(residual));
    return v;
}

void wakecert_model_affine_avx2(const float *w, const float *bias, const float *x, int in, int out, int relu,
                                const float *residual, float *y)
{
    int o = 0;
    for (; o + 32 <= out; o += 32) {
        __m256 a0 = _mm256_loadu_ps(bias + o), a1 = _mm256_loadu_ps(bias + o + 8);
        __m256 a2 = _mm256_loadu_ps(bias + o + 16), a3 = _mm256_loadu_ps(bias + o + 24);
        const float *column = w + o;
        for (int i = 0; i < in; i++, column += out) {
            __m256 xi = _mm256_broadcast_ss(x + i);
            a0 = _mm256_fmadd_ps(_mm256_loadu_ps(column), xi, a0);
            a1 = _mm256_fmadd_ps(_mm256_loadu_ps(column + 8), xi, a1);
            a2 = _mm256_fmadd_ps(_mm256_loadu_ps(column + 16), xi, a2);
            a3 = _mm256_fmadd_ps(_mm256_loadu_ps(column + 24), xi, a3);
        }
        __m256i none = _mm256_setzero_si256();
        _mm256_storeu_ps(y + o, finish(a0, relu, residual ? residual + o : NULL, none, 0));
        _mm256_storeu_ps(y + o + 8, finish(a1, relu, residual ? residual + o + 8 : NULL, none, 0));
        _mm256_storeu_ps(y + o + 16, finish(a2, relu, residual ? residual + o + 16 : NULL, none, 0));
        _mm256_storeu_ps(y + o + 24, finish(a3, relu, residual ? residual + o + 24 : NULL, none, 0));
    }
    for (; o < out; o += 8) {
        int n = out - o < 8 ? out - o : 8;
        __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        int masked = n < 8;
        __m256 a = masked ? _mm256_maskload_ps(bias + o, mask) : _mm256_loadu_ps(bias + o);
        const float *column = w + o;
        for (int i = 0; i < in; i++, column += out) {
            __m256 wc = masked ? _mm256_maskload_ps(column, mask) : _mm256_loadu_ps(column);
            a = _mm256_fmadd_ps(wc, _mm256_broadcast_ss(x + i), a);
        }
        a = finish(a, relu, residual ? residual + o : NULL, mask, masked);
        if (masked)
            _mm256_maskstore_ps(y + o, mask, a);
        else
            _mm256_storeu_ps(y + o, a);
    }
}
