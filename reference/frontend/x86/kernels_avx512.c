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
 * Shapes, for the default 400 / 160 / 257 / 40 / 13 sizes:
 *  - emphasis (per pushed chunk, 160 samples a frame): 16 samples per vector (one 16 x int16 load
 *    widened with vpmovsxwd and converted, one fnmadd); each vector takes the sample before its first
 *    by a lane rotation (valignd) of the previous vector (the first vector: of the previous chunk's last
 *    sample); the last one overlaps the one before instead of a scalar tail.
 *  - window: 400 float multiplies, 16 per vector, two vectors a step, a masked last vector.
 *  - power: 16 bins (32 interleaved floats) per vector, two vectors a step: two in-lane shuffles
 *    separate the real and imaginary parts, im * im + re * re in one fma, one 64-bit permute.
 *  - mel: the AVX2 kernel (wakecert_mel_avx2: 8 filters per group, 8-float chunks). A 16-lane version
 *    of it (16 filters per group, 64-byte chunks at each filter's first bin) was ~11 ns a frame slower:
 *    15 in 16 of its 64-byte loads straddle two cache lines.
 *  - log: a 16-entry table and a degree-4 polynomial (log16: vgetmantps, vgetexpps, two permutes, six
 *    multiply-adds), 16 values per step and a masked last step (40 = 16 + 16 + 8); full vectors are
 *    stored unmasked (and an 8-lane one as a 256-bit store) so the DCT's loads are forwarded.
 *  - power + mel + log (+ dct), what the front end calls per frame (features_avx512): for the default
 *    geometry, generated straight-line code (power_mel_default_avx512.h, see gen_power_mel_avx512.py):
 *    each aligned 16-bin block's power spectrum is computed into a register, without the permute
 *    (the weights are stored in the shuffles' lane order), and multiplied into the accumulator of
 *    every filter with bins in that block, 65 block x filter multiply-adds with aligned weight loads
 *    and no power loads at all; each group of 16 filters (8 for the last) is reduced by a tree whose
 *    first two levels stay within 128-bit quarters, stored, and its log taken. Measured on the
 *    2-vCPU Zen 5 VM against the separate power and AVX2 mel kernels: the pipeline ratio to the FFT
 *    went from 1.37-1.45 to 1.29-1.34 (an interleaved A/B harness during the work, each figure the
 *    ratio of the fastest 100-frame blocks of front end and FFT), and with the table log to 1.26-1.32
 *    (computing the Cephes polynomial cost 18-25 ns a frame in the pipeline, where the next frame's
 *    FFT competes for the same ports, though only ~5 ns in an isolated loop). dct40_avx512 is inlined
 *    after it and takes the logs from registers. Other configurations run the power kernel, the AVX2
 *    mel kernel, the log kernel and the dct kernel.
 *  - dct: the folded table (struct wakecert_dct_table). For 40 inputs and 16-float rows (the default)
 *    from registers (dct40_avx512): three loads, the mirror half by two permutes, (sum, difference)
 *    pairs interleaved by unpacks and each broadcast by a permute, 20 fmas over four accumulators
 *    (isolated 7.4 ns a frame against 11.7-13.9 for the generic version; no difference measurable in
 *    the pipeline). Otherwise 8 pairs per step through a stack array, one 64-bit broadcast load and one
 *    fma per pair.
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

/* The mask of the first n lanes, n in 0..16. */
static inline __mmask16 first_lanes(int n)
{
    return n >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1u);
}

/* The 16 int16 at samples as floats (exact). */
static inline __m512 convert16(const int16_t *samples)
{
    return _mm512_cvtepi32_ps(_mm512_cvtepi16_epi32(_mm256_loadu_si256((const __m256i *)samples)));
}

/* 16 pre-emphasised samples from the 16 int16 at current and the 16 at previous (= current - 1). */
static inline __m512 emphasise16(const int16_t *previous, const int16_t *current, __m512 factor)
{
    return _mm512_fnmadd_ps(factor, convert16(previous), convert16(current));
}

/* (last lane of earlier, lanes 0 .. 14 of later): the 16 samples before `later`'s when `earlier` holds
 * the 16 before those. */
static inline __m512 rotate_in_last(__m512 later, __m512 earlier)
{
    return _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(later), _mm512_castps_si512(earlier), 15));
}

static void emphasis_avx512(const int16_t *samples, int count, int16_t previous, float preemphasis, float *out)
{
    if (count < 16) { /* the same fused operation as a vector lane */
        float before = (float)previous;
        for (int i = 0; i < count; i++) {
            float current = (float)samples[i];
            out[i] = fmaf(-preemphasis, before, current);
            before = current;
        }
        return;
    }
    const __m512 factor = _mm512_set1_ps(preemphasis);
    /* the first 16: the samples before them are `previous` then samples[0..14], one lane rotation of the
     * converted samples */
    __m512 now = convert16(samples);
    _mm512_storeu_ps(out, _mm512_fnmadd_ps(factor, rotate_in_last(now, _mm512_set1_ps((float)previous)), now));
    /* each later vector converts its 16 samples once and takes the sample before them from the previous
     * vector's conversion by the same lane rotation: one load and one conversion per 16 samples, where
     * loading samples[i - 1 ..] again converted every sample twice and half of those loads split a cache
     * line (same values: the conversions are exact) */
    int i = 16;
    for (; i + 32 <= count; i += 32) {
        const __m512 next = convert16(samples + i), after = convert16(samples + i + 16);
        _mm512_storeu_ps(out + i, _mm512_fnmadd_ps(factor, rotate_in_last(next, now), next));
        _mm512_storeu_ps(out + i + 16, _mm512_fnmadd_ps(factor, rotate_in_last(after, next), after));
        now = after;
    }
    if (i + 16 <= count) {
        const __m512 next = convert16(samples + i);
        _mm512_storeu_ps(out + i, _mm512_fnmadd_ps(factor, rotate_in_last(next, now), next));
        i += 16;
    }
    if (i < count) /* the last 16 again, overlapping: every output is a function of its inputs only */
        _mm512_storeu_ps(out + count - 16, emphasise16(samples + count - 17, samples + count - 16, factor));
}

static void window_avx512(const float *emphasised, int count, const float *window, float *out)
{
    int i = 0;
    for (; i + 32 <= count; i += 32) {
        _mm512_storeu_ps(out + i, _mm512_mul_ps(_mm512_loadu_ps(emphasised + i), _mm512_loadu_ps(window + i)));
        _mm512_storeu_ps(out + i + 16, _mm512_mul_ps(_mm512_loadu_ps(emphasised + i + 16), _mm512_loadu_ps(window + i + 16)));
    }
    for (; i + 16 <= count; i += 16)
        _mm512_storeu_ps(out + i, _mm512_mul_ps(_mm512_loadu_ps(emphasised + i), _mm512_loadu_ps(window + i)));
    if (i < count) {
        const __mmask16 lanes = first_lanes(count - i);
        _mm512_mask_storeu_ps(out + i, lanes,
                              _mm512_mul_ps(_mm512_maskz_loadu_ps(lanes, emphasised + i), _mm512_maskz_loadu_ps(lanes, window + i)));
    }
}

/* Bins k .. k+15 of the interleaved spectrum: in-lane shuffles gather the real and imaginary parts
 * (each 128-bit quarter q of `real` holds r(2q) r(2q+1) r(2q+8) r(2q+9)), im * im + re * re in one fma,
 * then one permute of 64-bit pairs restores bin order. The first version separated the parts with two
 * two-source permutes (cross-lane, 3+ cycles each) instead of two in-lane shuffles and one permute. */
static inline __m512 power16(const float *spectrum, int k, __m512i order)
{
    __m512 low = _mm512_loadu_ps(spectrum + 2 * k);       /* r0 i0 ... r7 i7 */
    __m512 high = _mm512_loadu_ps(spectrum + 2 * k + 16); /* r8 i8 ... r15 i15 */
    __m512 real = _mm512_shuffle_ps(low, high, _MM_SHUFFLE(2, 0, 2, 0));
    __m512 imaginary = _mm512_shuffle_ps(low, high, _MM_SHUFFLE(3, 1, 3, 1));
    __m512 power = _mm512_fmadd_ps(imaginary, imaginary, _mm512_mul_ps(real, real)); /* p0 p1 p8 p9 | p2 p3 p10 p11 | ... */
    return _mm512_castpd_ps(_mm512_permutexvar_pd(order, _mm512_castps_pd(power)));
}

static void power_avx512(const float *spectrum, int bin_count, float *power)
{
    /* the shuffled result's 64-bit pairs hold bins (0 1) (8 9) (2 3) (10 11) (4 5) (12 13) (6 7) (14 15) */
    const __m512i order = _mm512_setr_epi64(0, 2, 4, 6, 1, 3, 5, 7);
    int k = 0;
    for (; k + 32 <= bin_count; k += 32) { /* two per step: half the loop overhead */
        _mm512_storeu_ps(power + k, power16(spectrum, k, order));
        _mm512_storeu_ps(power + k + 16, power16(spectrum, k + 16, order));
    }
    if (k + 16 <= bin_count) {
        _mm512_storeu_ps(power + k, power16(spectrum, k, order));
        k += 16;
    }
    for (; k < bin_count; k++) {
        float real = spectrum[2 * k], imaginary = spectrum[2 * k + 1];
        power[k] = fmaf(imaginary, imaginary, real * real);
    }
}

/* ln(x) for 16 positive normal floats (already floored), by a 16-entry table and a degree-4
 * polynomial: x = m 2^e with m in [1, 2) (vgetmantps, vgetexpps), the top 4 bits of m pick c_i =
 * 1 + (i + 1/2) / 16, stored as inv_i = 1 / c_i rounded to float and log_i = -ln(inv_i); then
 * ln x = e ln 2 + log_i + ln(1 + r) with r = m inv_i - 1, |r| < 0.031, and ln(1 + r) = r - r^2/2 +
 * r^3/3 - r^4/4 (truncation < 6e-9). 12 operations, 6 of them multiply-adds, against 26 and 15 for the
 * Cephes polynomial the SSE2 and AVX2 levels use: in the pipeline, where the next frame's FFT competes
 * for the same ports, dropping the log altogether saved ~20 ns a frame. Summed as (e ln 2 + log_i) +
 * ln(1 + r): the first sum is ready long before the polynomial, so the polynomial's chain ends in one
 * add instead of an add and a multiply-add (the logs of the last filters are on the frame's critical
 * path: 1 ns a frame in the interleaved pipeline A/B). Worst error over a sweep of 200,000 values from
 * 1e-38 to 1e38 is 12% of the tests' tolerance (2e-6 + 1e-6 |ln x|; 6% in the other order). */
static inline __m512 log16(__m512 x)
{
    const __m512 inverse = _mm512_setr_ps(9.696969986e-01f, 9.142857194e-01f, 8.648648858e-01f, 8.205128312e-01f,
                                          7.804877758e-01f, 7.441860437e-01f, 7.111111283e-01f, 6.808510423e-01f,
                                          6.530612111e-01f, 6.274510026e-01f, 6.037735939e-01f, 5.818181634e-01f,
                                          5.614035130e-01f, 5.423728824e-01f, 5.245901346e-01f, 5.079365373e-01f);
    const __m512 log_centre = _mm512_setr_ps(3.077162802e-02f, 8.961215615e-02f, 1.451819837e-01f, 1.978257298e-01f,
                                             2.478362024e-01f, 2.954642177e-01f, 3.409265578e-01f, 3.844117224e-01f,
                                             4.260844290e-01f, 4.660896957e-01f, 5.045560002e-01f, 5.415973067e-01f,
                                             5.773153305e-01f, 6.118015647e-01f, 6.451380253e-01f, 6.773987412e-01f);
    const __m512 m = _mm512_getmant_ps(x, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_src);
    const __m512 exponent = _mm512_getexp_ps(x);
    const __m512i index = _mm512_srli_epi32(_mm512_castps_si512(x), 19); /* the permutes use its low 4 bits */
    const __m512 r = _mm512_fmsub_ps(m, _mm512_permutexvar_ps(index, inverse), _mm512_set1_ps(1.0f));
    __m512 q = _mm512_fmadd_ps(r, _mm512_set1_ps(-0.25f), _mm512_set1_ps(0.333333343f));
    q = _mm512_fmadd_ps(q, r, _mm512_set1_ps(-0.5f));
    const __m512 log1p = _mm512_fmadd_ps(_mm512_mul_ps(r, r), q, r);
    return _mm512_add_ps(_mm512_fmadd_ps(exponent, _mm512_set1_ps(0.693147182f), _mm512_permutexvar_ps(index, log_centre)),
                         log1p);
}

static void log_avx512(const float *in, int count, float floor, float *out)
{
    const __m512 floor_vector = _mm512_set1_ps(floor);
    for (int i = 0; i < count; i += 16) {
        const __mmask16 lanes = first_lanes(count - i);
        /* a full vector as two 8-float halves: the AVX2 mel kernel stores 8 energies at a time, and a
         * load is forwarded from a store still in flight only if it lies inside that one store */
        __m512 loaded;
        if (lanes == 0xffff) {
            __m512d low = _mm512_castps_pd(_mm512_castps256_ps512(_mm256_loadu_ps(in + i)));
            loaded = _mm512_castpd_ps(_mm512_insertf64x4(low, _mm256_castps_pd(_mm256_loadu_ps(in + i + 8)), 1));
        } else {
            /* masked-off lanes are 0, floored to `floor`: a valid argument whose result is not stored */
            loaded = _mm512_maskz_loadu_ps(lanes, in + i);
        }
        __m512 result = log16(_mm512_max_ps(loaded, floor_vector));
        /* plain stores where possible: the DCT reads these values right away, and a load is forwarded from
         * a store still in flight only if the store is not masked (and holds the whole load) */
        if (lanes == 0xffff)
            _mm512_storeu_ps(out + i, result);
        else if (lanes == 0xff)
            _mm256_storeu_ps(out + i, _mm512_castps512_ps256(result));
        else
            _mm512_mask_storeu_ps(out + i, lanes, result);
    }
}

/* Bins k .. k+15 as power16 computes them but left in the shuffles' lane order (lane L holds bin
 * k + WAKECERT_MEL_PAIR_LANE_BINS[L]): the fused kernel's weights are stored in that order. */
static inline __m512 power16_shuffled(const float *spectrum, int k)
{
    __m512 low = _mm512_loadu_ps(spectrum + 2 * k);       /* r0 i0 ... r7 i7 */
    __m512 high = _mm512_loadu_ps(spectrum + 2 * k + 16); /* r8 i8 ... r15 i15 */
    __m512 real = _mm512_shuffle_ps(low, high, _MM_SHUFFLE(2, 0, 2, 0));
    __m512 imaginary = _mm512_shuffle_ps(low, high, _MM_SHUFFLE(3, 1, 3, 1));
    return _mm512_fmadd_ps(imaginary, imaginary, _mm512_mul_ps(real, real));
}

/* Per 128-bit quarter, (a0 + a2, a1 + a3, b0 + b2, b1 + b3) and (a0 + a1, a2 + a3, b0 + b1, b2 + b3). */
#define FOLD_PAIRS(a, b) \
    _mm512_add_ps(_mm512_shuffle_ps(a, b, _MM_SHUFFLE(1, 0, 1, 0)), _mm512_shuffle_ps(a, b, _MM_SHUFFLE(3, 2, 3, 2)))
#define FOLD_LANES(a, b) \
    _mm512_add_ps(_mm512_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0)), _mm512_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1)))

/* Lane L of the result is the sum of the 16 lanes of x[m(L)], m(L) = {0, 2, 1, 3}[L / 4] +
 * {0, 8, 4, 12}[L % 4]: four levels of (two shuffles, one add) halve the vectors and their widths,
 * the first two within 128-bit quarters (vshufps), only the last two across them (vshuff32x4, which
 * has one port): 6 lane-crossing shuffles instead of the 24 of folding the halves first. */
static inline __m512 reduce16_tree(__m512 x0, __m512 x1, __m512 x2, __m512 x3, __m512 x4, __m512 x5, __m512 x6,
                                   __m512 x7, __m512 x8, __m512 x9, __m512 x10, __m512 x11, __m512 x12, __m512 x13,
                                   __m512 x14, __m512 x15)
{
    /* 16 -> 8: each quarter of y_j holds two partial sums of x_j's quarter, then two of x_j+8's */
    __m512 y0 = FOLD_PAIRS(x0, x8), y1 = FOLD_PAIRS(x1, x9), y2 = FOLD_PAIRS(x2, x10), y3 = FOLD_PAIRS(x3, x11);
    __m512 y4 = FOLD_PAIRS(x4, x12), y5 = FOLD_PAIRS(x5, x13), y6 = FOLD_PAIRS(x6, x14), y7 = FOLD_PAIRS(x7, x15);
    /* 8 -> 4: lane i of quarter q of z_j is the sum of quarter q of x_{j + {0, 8, 4, 12}[i]} */
    __m512 z0 = FOLD_LANES(y0, y4), z1 = FOLD_LANES(y1, y5), z2 = FOLD_LANES(y2, y6), z3 = FOLD_LANES(y3, y7);
    /* 4 -> 2: w_j's quarters are z_j's quarters 0+2, 1+3, then z_j+2's */
    __m512 w0 = _mm512_add_ps(_mm512_shuffle_f32x4(z0, z2, 0x44), _mm512_shuffle_f32x4(z0, z2, 0xee));
    __m512 w1 = _mm512_add_ps(_mm512_shuffle_f32x4(z1, z3, 0x44), _mm512_shuffle_f32x4(z1, z3, 0xee));
    /* 2 -> 1: the quarters are the whole sums of z0, z2, z1, z3 */
    return _mm512_add_ps(_mm512_shuffle_f32x4(w0, w1, _MM_SHUFFLE(2, 0, 2, 0)),
                         _mm512_shuffle_f32x4(w0, w1, _MM_SHUFFLE(3, 1, 3, 1)));
}

/* Lane j of the result is the sum of the 16 lanes of aj (m is its own inverse, so passing a_m(k) as
 * x_k puts a_L in lane L). */
static inline __m512 wakecert_reduce16(__m512 a0, __m512 a1, __m512 a2, __m512 a3, __m512 a4, __m512 a5, __m512 a6,
                                       __m512 a7, __m512 a8, __m512 a9, __m512 a10, __m512 a11, __m512 a12, __m512 a13,
                                       __m512 a14, __m512 a15)
{
    return reduce16_tree(a0, a8, a4, a12, a2, a10, a6, a14, a1, a9, a5, a13, a3, a11, a7, a15);
}

/* Lane L of the result is the sum of the 16 lanes of x[p(L)], p = {0, 4, 2, 6, 1, 5, 3, 7}: the
 * same levels as reduce16_tree, then the two 256-bit halves added. The third level's two-source
 * permutes leave the quarters in the order the last add needs, so the last level is one in-register
 * half swap and an add (the first version reordered the quarters by one more shuffle and added the
 * extracted upper half: one 3-cycle step more on the last group's chain, 0.5-1 ns a frame in the
 * interleaved pipeline A/B; same sums in the same order). */
static inline __m256 reduce8_tree(__m512 x0, __m512 x1, __m512 x2, __m512 x3, __m512 x4, __m512 x5, __m512 x6,
                                  __m512 x7)
{
    __m512 y0 = FOLD_PAIRS(x0, x4), y1 = FOLD_PAIRS(x1, x5), y2 = FOLD_PAIRS(x2, x6), y3 = FOLD_PAIRS(x3, x7);
    /* lane i of quarter q of z_j: the sum of quarter q of x_{j + {0, 4, 2, 6}[i]} */
    __m512 z0 = FOLD_LANES(y0, y2), z1 = FOLD_LANES(y1, y3);
    /* quarters: z0's 0+2, z1's 0+2, z0's 1+3, z1's 1+3 (two-source permutes), then the halves added */
    __m512 w = _mm512_add_ps(
        _mm512_permutex2var_ps(z0, _mm512_setr_epi32(0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23), z1),
        _mm512_permutex2var_ps(z0, _mm512_setr_epi32(8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31), z1));
    return _mm512_castps512_ps256(_mm512_add_ps(w, _mm512_shuffle_f32x4(w, w, _MM_SHUFFLE(1, 0, 3, 2))));
}

#undef FOLD_PAIRS
#undef FOLD_LANES

/* Lane j of the result is the sum of the 16 lanes of aj (p is its own inverse). */
static inline __m256 wakecert_reduce8(__m512 a0, __m512 a1, __m512 a2, __m512 a3, __m512 a4, __m512 a5, __m512 a6,
                                      __m512 a7)
{
    return reduce8_tree(a0, a4, a2, a6, a1, a5, a3, a7);
}

/* The pair (a_n, b_n) = qword `index` of pairs, in every 64-bit lane. */
static inline __m512 broadcast_qword(__m512 pairs, int index)
{
    return _mm512_castpd_ps(_mm512_permutexvar_pd(_mm512_set1_epi64(index), _mm512_castps_pd(pairs)));
}

/* The DCT for the default 40 inputs and 16-float rows, from registers only: the generic version folds
 * into a stack array and broadcasts each pair back from it, two store-to-load round trips on the
 * frame's critical path (its last stage); here the 40 inputs are three loads (each exactly one of the
 * log's stores, so forwarded; in the fused kernel gcc passes them in registers), the mirror halves come
 * from permutes, and each pair is broadcast by a permute of the interleaved sums and differences. Same
 * folded table and products as dct_avx512 (which calls this for 40 inputs), summed in this order:
 * pairs 8 .. 19 first, which need only x[8 .. 31] (the first two groups of the fused kernel, done
 * while the last group's multiply-adds still run), then pairs 0 .. 7, the only ones that need the last
 * group's x[32 .. 39]; so after the last logs the chain is a permute, an add, an unpack, a broadcast,
 * two multiply-adds and two adds, where folding all 20 pairs after the last logs put all of it and
 * five multiply-adds behind them (2-2.5 ns a frame in the interleaved pipeline A/B). Rejected: storing
 * the pairs and broadcasting them from memory (+6-8 ns), and x[0 .. 7] and x[32 .. 39] unfolded by
 * the plain matrix (16 multiply-adds; 2 ns slower than this). */
static inline void dct40_avx512(const float *in, const float *folded, float *out)
{
    const __m512 x0 = _mm512_loadu_ps(in), x1 = _mm512_loadu_ps(in + 16);
    const __m512 x2 = _mm512_castps256_ps512(_mm256_loadu_ps(in + 32));
#define ROW(n) _mm512_load_ps(folded + 16 * (n))
    /* pairs 8 .. 19 first: they need only x[8 .. 31] (filters 0-31, whose logs the fused kernel has
     * before the last group's multiply-adds are done). Lane L: x[8 + L] and x[31 - L], L < 12. */
    const __m512 early = _mm512_permutex2var_ps(
        x0, _mm512_setr_epi32(8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 0, 0, 0, 0), x1);
    const __m512 early_mirror =
        _mm512_permutexvar_ps(_mm512_setr_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 0, 0, 0, 0), x1);
    const __m512 early_sum = _mm512_add_ps(early, early_mirror), early_difference = _mm512_sub_ps(early, early_mirror);
    /* qword 2q + i of early_low is pair 8 + 4q + i, of early_high pair 8 + 4q + 2 + i (q < 3, i = 0, 1) */
    const __m512 early_low = _mm512_unpacklo_ps(early_sum, early_difference);
    const __m512 early_high = _mm512_unpackhi_ps(early_sum, early_difference);
#define EARLY(n) broadcast_qword(((n) - 8) % 4 < 2 ? early_low : early_high, ((n) - 8) / 4 * 2 + ((n) - 8) % 2)
    __m512 c0 = _mm512_mul_ps(EARLY(8), ROW(8)), c1 = _mm512_mul_ps(EARLY(9), ROW(9));
    __m512 c2 = _mm512_mul_ps(EARLY(10), ROW(10)), c3 = _mm512_mul_ps(EARLY(11), ROW(11));
    c0 = _mm512_fmadd_ps(EARLY(12), ROW(12), c0);
    c1 = _mm512_fmadd_ps(EARLY(13), ROW(13), c1);
    c2 = _mm512_fmadd_ps(EARLY(14), ROW(14), c2);
    c3 = _mm512_fmadd_ps(EARLY(15), ROW(15), c3);
    c0 = _mm512_fmadd_ps(EARLY(16), ROW(16), c0);
    c1 = _mm512_fmadd_ps(EARLY(17), ROW(17), c1);
    c2 = _mm512_fmadd_ps(EARLY(18), ROW(18), c2);
    c3 = _mm512_fmadd_ps(EARLY(19), ROW(19), c3);
#undef EARLY
    /* pairs 0 .. 7: x[0 .. 7] and x[39 .. 32], the last group's logs */
    const __m512 late_mirror = _mm512_permutexvar_ps(_mm512_setr_epi32(7, 6, 5, 4, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0), x2);
    const __m512 late_sum = _mm512_add_ps(x0, late_mirror), late_difference = _mm512_sub_ps(x0, late_mirror);
    /* qword 2q + i of late_low is pair 4q + i, of late_high pair 4q + 2 + i (q < 2) */
    const __m512 late_low = _mm512_unpacklo_ps(late_sum, late_difference);
    const __m512 late_high = _mm512_unpackhi_ps(late_sum, late_difference);
#define LATE(n) broadcast_qword((n) % 4 < 2 ? late_low : late_high, (n) / 4 * 2 + (n) % 2)
    c0 = _mm512_fmadd_ps(LATE(0), ROW(0), c0);
    c1 = _mm512_fmadd_ps(LATE(1), ROW(1), c1);
    c2 = _mm512_fmadd_ps(LATE(2), ROW(2), c2);
    c3 = _mm512_fmadd_ps(LATE(3), ROW(3), c3);
    c0 = _mm512_fmadd_ps(LATE(4), ROW(4), c0);
    c1 = _mm512_fmadd_ps(LATE(5), ROW(5), c1);
    c2 = _mm512_fmadd_ps(LATE(6), ROW(6), c2);
    c3 = _mm512_fmadd_ps(LATE(7), ROW(7), c3);
#undef LATE
#undef ROW
    _mm512_storeu_ps(out, _mm512_add_ps(_mm512_add_ps(c0, c1), _mm512_add_ps(c2, c3)));
}

/* What the generated body does with a group's energies as soon as its last block is done: store them,
 * and their logs (log16 of max(energy, floor), as log_avx512 computes them), so that the log of the
 * low and middle filters overlaps the multiply-adds of the high ones instead of trailing the frame. */
#define WAKECERT_FUSED_GROUP16(first, energies)                                                                 \
    do {                                                                                                        \
        const __m512 group_energies = (energies);                                                               \
        _mm512_storeu_ps(mel + (first), group_energies);                                                        \
        _mm512_storeu_ps(log_mel + (first), log16(_mm512_max_ps(group_energies, _mm512_set1_ps(log_floor))));   \
    } while (0)
#define WAKECERT_FUSED_GROUP8(first, energies)                                                                  \
    do {                                                                                                        \
        const __m256 group_energies = (energies);                                                               \
        _mm256_storeu_ps(mel + (first), group_energies);                                                        \
        _mm256_storeu_ps(log_mel + (first), _mm512_castps512_ps256(log16(                                       \
                             _mm512_max_ps(_mm512_castps256_ps512(group_energies), _mm512_set1_ps(log_floor))))); \
    } while (0)
#define WAKECERT_FUSED_POWER16(spectrum, k) power16_shuffled(spectrum, k)
#define WAKECERT_FUSED_WEIGHT(pair) _mm512_load_ps(weights + 16 * (pair))
#include "power_mel_default_avx512.h"
#undef WAKECERT_FUSED_POWER16
#undef WAKECERT_FUSED_WEIGHT
#undef WAKECERT_FUSED_GROUP16
#undef WAKECERT_FUSED_GROUP8

/* The default geometry's power, mel and log (generated) and the DCT of the logs, inlined into one
 * function: with the pointers restrict the compiler passes the logs from the log's registers to
 * dct40_avx512 instead of through log_mel, so the frame's last stages are one dependency chain in
 * registers (in interleaved A/B runs of the pipeline 3-10 ns a frame against calling dct_avx512). */
static void features_default_avx512(const float *spectrum, const struct wakecert_mfcc_tables *tables,
                                    float *restrict mel, float *restrict log_mel, float *restrict cepstra)
{
    power_mel_log_default_avx512(spectrum, tables->mel.pairs.weights, tables->log_floor, mel, log_mel);
    dct40_avx512(log_mel, tables->dct.folded, cepstra);
}

static void dct_avx512(const float *in, const struct wakecert_dct_table *dct, float *out);

/* The fused kernel when the bank is the default layout (struct wakecert_mel_pairs) and the DCT has
 * 16-float rows, else this level's power kernel, the AVX2 mel kernel and this level's log and dct. */
static void features_avx512(const float *spectrum, const struct wakecert_mfcc_tables *tables, float *power, float *mel,
                            float *log_mel, float *cepstra)
{
    if (tables->mel.pairs.default_layout && tables->dct.stride == 16) {
        features_default_avx512(spectrum, tables, mel, log_mel, cepstra);
        return;
    }
    power_avx512(spectrum, tables->bin_count, power);
    wakecert_mel_avx2(power, &tables->mel, mel);
    log_avx512(mel, tables->mel.filter_count, tables->log_floor, log_mel);
    dct_avx512(log_mel, &tables->dct, cepstra);
}

/* pairs[2n] = in[n] + in[N-1-n], pairs[2n+1] = in[n] - in[N-1-n] for n < ceil(N/2) (see struct
 * wakecert_dct_table); may write up to 14 floats more (pairs past the middle, never read). 8 pairs per
 * step, not 16: the log kernel has just stored `in` 16 (or 8) values at a time, and 8-float loads at
 * multiples of 8 each lie inside one of those stores, so they are forwarded from the stores in flight;
 * the 16-float loads of the first version straddled two stores and waited for them to reach the cache
 * (5-9 ns a frame in the pipeline). */
static void fold_pairs_avx512(const float *in, int in_count, int pair_count, float *pairs)
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
static inline __m512 broadcast_pair(const float *pair)
{
    return _mm512_castsi512_ps(_mm512_broadcastq_epi64(_mm_loadl_epi64((const __m128i *)pair)));
}

static void dct_avx512(const float *in, const struct wakecert_dct_table *dct, float *out)
{
    if (dct->in_count == 40 && dct->stride == 16) {
        dct40_avx512(in, dct->folded, out);
        return;
    }
    float pairs[WAKECERT_MFCC_MAX_FILTERS + 32];
    fold_pairs_avx512(in, dct->in_count, dct->pair_count, pairs);
    const size_t step = (size_t)dct->stride;
    for (int c = 0; c < dct->stride; c += 16) {
        __m512 sum0 = _mm512_setzero_ps(), sum1 = _mm512_setzero_ps(), sum2 = _mm512_setzero_ps(),
               sum3 = _mm512_setzero_ps();
        const float *row = dct->folded + c;
        int n = 0;
        for (; n + 4 <= dct->pair_count; n += 4, row += 4 * step) {
            sum0 = _mm512_fmadd_ps(broadcast_pair(pairs + 2 * n), _mm512_load_ps(row), sum0);
            sum1 = _mm512_fmadd_ps(broadcast_pair(pairs + 2 * n + 2), _mm512_load_ps(row + step), sum1);
            sum2 = _mm512_fmadd_ps(broadcast_pair(pairs + 2 * n + 4), _mm512_load_ps(row + 2 * step), sum2);
            sum3 = _mm512_fmadd_ps(broadcast_pair(pairs + 2 * n + 6), _mm512_load_ps(row + 3 * step), sum3);
        }
        for (; n < dct->pair_count; n++, row += step)
            sum0 = _mm512_fmadd_ps(broadcast_pair(pairs + 2 * n), _mm512_load_ps(row), sum0);
        _mm512_storeu_ps(out + c, _mm512_add_ps(_mm512_add_ps(sum0, sum1), _mm512_add_ps(sum2, sum3)));
    }
}

const struct wakecert_mfcc_kernels wakecert_mfcc_kernels_avx512 = {
    "avx512", emphasis_avx512, window_avx512, power_avx512, wakecert_mel_avx2, features_avx512, log_avx512, dct_avx512,
};
