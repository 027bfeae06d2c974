/*
 * The plain C classifier kernel (contract in model_kernels.h) and the dispatch table. This version is
 * the reference every SIMD variant is tested against; it accumulates input by input over contiguous
 * columns, which gcc vectorises with SSE2 at -O2.
 */
#include "model_kernels.h"

#include "cpu.h"

void wakecert_model_affine_c(const float *w, const float *bias, const float *x, int in, int out, int relu,
                             const float *residual, float *y)
{
    float acc[256];
    for (int start = 0; start < out; start += 256) {
        int n = out - start < 256 ? out - start : 256;
        for (int o = 0; o < n; o++)
            acc[o] = bias[start + o];
        for (int i = 0; i < in; i++) {
            const float xi = x[i];
            const float *column = w + (long)i * out + start;
            for (int o = 0; o < n; o++)
                acc[o] += column[o] * xi;
        }
        for (int o = 0; o < n; o++) {
            float v = acc[o];
            if (relu && v < 0.0f)
                v = 0.0f;
            if (residual)
                v += residual[start + o];
            y[start + o] = v;
        }
    }
}

int wakecert_model_effective_level(int level)
{
#ifdef WAKECERT_HAVE_AVX2_KERNELS
    if (level >= WAKECERT_CPU_AVX2)
        return WAKECERT_CPU_AVX2;
#endif
    return WAKECERT_CPU_C;
}

wakecert_model_affine_fn wakecert_model_affine_for(int level)
{
#ifdef WAKECERT_HAVE_AVX2_KERNELS
    if (wakecert_model_effective_level(level) == WAKECERT_CPU_AVX2)
        return wakecert_model_affine_avx2;
#endif
    (void)level;
    return wakecert_model_affine_c;
}
