/*
 * The classifier's one kernel and its run-time dispatch table.
 *
 * Per 10 ms frame every layer of the network is one affine map of a gathered input vector:
 *   y[o] = bias[o] + sum_i W[i][o] * x[i]     (i < in = kernel * channels_in, o < out)
 * with W stored input-major ("column-major": the `out` weights of input i are contiguous). That
 * layout suits SIMD: broadcast x[i], multiply-add it with a contiguous run of W into accumulators
 * that hold the outputs (32 outputs = four AVX2 registers), no horizontal sums. At the default shape
 * a frame is six such maps (120x32 and five 96x32) plus the 32x2 head, ~19k multiply-adds.
 * An optional ReLU and residual are fused into the store, so a layer is exactly one kernel call.
 *
 * Levels (common/cpu.h): C is always built (model_kernels_c.c); AVX2+FMA lives in
 * x86/model_kernels_avx2.c, compiled with -mavx2 -mfma only there. SSE2 uses the C kernel (gcc
 * vectorises it with SSE2 already), AVX-512 the AVX2 kernel (the maps are too small for 16 lanes
 * to pay). wakecert_model_affine_for(level) picks the entry.
 */
#ifndef WAKECERT_REFERENCE_MODEL_KERNELS_H
#define WAKECERT_REFERENCE_MODEL_KERNELS_H

/** y[o] = act(bias[o] + sum_i w[i*out + o] * x[i]) (+ residual[o] when residual is non-NULL), where
 *  act is ReLU when relu != 0 and the identity otherwise. y must not alias x; residual may alias y.
 *  Preconditions: in >= 1, out >= 1. Cannot fail. */
typedef void (*wakecert_model_affine_fn)(const float *w, const float *bias, const float *x, int in, int out,
                                         int relu, const float *residual, float *y);

void wakecert_model_affine_c(const float *w, const float *bias, const float *x, int in, int out, int relu,
                             const float *residual, float *y);
#ifdef WAKECERT_HAVE_AVX2_KERNELS
void wakecert_model_affine_avx2(const float *w, const float *bias, const float *x, int in, int out, int relu,
                                const float *residual, float *y);
#endif

/** The kernel for a dispatch level (enum wakecert_cpu_level); a level the build lacks falls back to
 *  the next lower one. Cannot fail. */
wakecert_model_affine_fn wakecert_model_affine_for(int level);

/** The level that wakecert_model_affine_for(level) actually runs (e.g. AVX-512 -> AVX2). */
int wakecert_model_effective_level(int level);

#endif
