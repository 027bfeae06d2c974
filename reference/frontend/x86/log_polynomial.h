/*
 * The Cephes single-precision natural logarithm, shared by the SIMD log kernels.
 *
 * x = m * 2^e with m in [sqrt(1/2), sqrt(2)); log(x) = log1p(m - 1) + e * ln 2, the log1p by a
 * degree-8 polynomial (relative error ~1e-7) and ln 2 split in two parts (Q2 + Q1, Q2 exact in few
 * bits) so e * ln 2 adds no rounding error of note. The polynomial is evaluated by Estrin's scheme
 * (pairs of coefficients, then pairs of pairs with m^2, m^4, m^8), not Horner's: its longest chain
 * is 4 multiply-adds instead of 9, and in the front end the log sits on the critical path from the
 * mel energies to the cepstra (two more multiplies, rounding within the tested 2e-6). The vector kernels evaluate exactly this sequence
 * lane by lane; the scalar function below is used for their remainders, so a value's result does not
 * depend on its position. An including file defines WAKECERT_LOG_MULTIPLY_ADD(a, b, c) as a * b + c
 * in the form its vector code uses (fused or not) before including this header.
 * Preconditions: x is a positive, normal, finite float.
 */
#ifndef WAKECERT_REFERENCE_LOG_POLYNOMIAL_H
#define WAKECERT_REFERENCE_LOG_POLYNOMIAL_H

#include <stdint.h>
#include <string.h>

#define WAKECERT_LOG_SQRT_HALF 0.707106781186547524f
#define WAKECERT_LOG_P0 7.0376836292e-2f
#define WAKECERT_LOG_P1 -1.1514610310e-1f
#define WAKECERT_LOG_P2 1.1676998740e-1f
#define WAKECERT_LOG_P3 -1.2420140846e-1f
#define WAKECERT_LOG_P4 1.4249322787e-1f
#define WAKECERT_LOG_P5 -1.6668057665e-1f
#define WAKECERT_LOG_P6 2.0000714765e-1f
#define WAKECERT_LOG_P7 -2.4999993993e-1f
#define WAKECERT_LOG_P8 3.3333331174e-1f
#define WAKECERT_LOG_Q1 -2.12194440e-4f
#define WAKECERT_LOG_Q2 0.693359375f

#ifdef WAKECERT_LOG_MULTIPLY_ADD
/** ln(x) by the polynomial above; same preconditions. Cannot fail. */
static inline float wakecert_log_polynomial(float x)
{
    uint32_t bits;
    memcpy(&bits, &x, sizeof bits);
    float exponent = (float)((int32_t)(bits >> 23) - 126);
    bits = (bits & 0x007fffffu) | 0x3f000000u;
    float m;
    memcpy(&m, &bits, sizeof m);
    if (m < WAKECERT_LOG_SQRT_HALF) {
        exponent -= 1.0f;
        m = (m + m) - 1.0f;
    } else {
        m = (m + 0.0f) - 1.0f;
    }
    float z = m * m;
    /* Estrin's scheme (see the file comment) */
    float z2 = z * z;
    float z4 = z2 * z2;
    float p78 = WAKECERT_LOG_MULTIPLY_ADD(WAKECERT_LOG_P7, m, WAKECERT_LOG_P8);
    float p56 = WAKECERT_LOG_MULTIPLY_ADD(WAKECERT_LOG_P5, m, WAKECERT_LOG_P6);
    float p34 = WAKECERT_LOG_MULTIPLY_ADD(WAKECERT_LOG_P3, m, WAKECERT_LOG_P4);
    float p12 = WAKECERT_LOG_MULTIPLY_ADD(WAKECERT_LOG_P1, m, WAKECERT_LOG_P2);
    float p5678 = WAKECERT_LOG_MULTIPLY_ADD(p56, z, p78);
    float p1234 = WAKECERT_LOG_MULTIPLY_ADD(p12, z, p34);
    float p12345678 = WAKECERT_LOG_MULTIPLY_ADD(p1234, z2, p5678);
    float y = WAKECERT_LOG_MULTIPLY_ADD(WAKECERT_LOG_P0, z4, p12345678);
    y = (y * m) * z;
    y = WAKECERT_LOG_MULTIPLY_ADD(exponent, WAKECERT_LOG_Q1, y);
    y = WAKECERT_LOG_MULTIPLY_ADD(-0.5f, z, y);
    float result = m + y;
    return WAKECERT_LOG_MULTIPLY_ADD(exponent, WAKECERT_LOG_Q2, result);
}
#endif

#endif
