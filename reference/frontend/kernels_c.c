/*
 * The plain C versions of the front end's kernels (see mfcc_kernels.h for the contracts).
 *
 * These are always built, are what WAKECERT_ARCH=c runs, and are the yardstick the SIMD versions are
 * checked against (WAKECERT_CHECK_SIMD and the unit tests). They are written for clarity rather than
 * speed, in the straightforward order of operations, single precision throughout (the DCT uses the
 * plain matrix, not the folded one the SIMD kernels use). This file is
 * compiled without any instruction-set flags and in ISO C mode, so gcc does not contract a * b + c
 * into a fused multiply-add: the results are the same on every x86-64.
 */
#include <math.h>

#include "mfcc_kernels.h"

void wakecert_emphasis_c(const int16_t *samples, int count, int16_t previous, float preemphasis, float *out)
{
    float before = (float)previous;
    for (int i = 0; i < count; i++) {
        float current = (float)samples[i];
        out[i] = current - preemphasis * before;
        before = current;
    }
}

void wakecert_window_c(const float *emphasised, int count, const float *window, float *out)
{
    for (int i = 0; i < count; i++)
        out[i] = emphasised[i] * window[i];
}

void wakecert_power_c(const float *spectrum, int bin_count, float *power)
{
    for (int k = 0; k < bin_count; k++) {
        float real = spectrum[2 * k];
        float imaginary = spectrum[2 * k + 1];
        power[k] = real * real + imaginary * imaginary;
    }
}

void wakecert_mel_c(const float *power, const struct wakecert_mel_bank *bank, float *mel)
{
    for (int f = 0; f < bank->filter_count; f++) {
        const float *weights = bank->weights + bank->offset[f];
        const float *bins = power + bank->first_bin[f];
        float sum = 0.0f;
        for (int i = 0; i < bank->length[f]; i++)
            sum += weights[i] * bins[i];
        mel[f] = sum;
    }
}

void wakecert_log_c(const float *in, int count, float floor, float *out)
{
    for (int i = 0; i < count; i++)
        out[i] = logf(in[i] > floor ? in[i] : floor);
}

void wakecert_dct_c(const float *in, const struct wakecert_dct_table *dct, float *out)
{
    for (int c = 0; c < dct->stride; c++) {
        float sum = 0.0f;
        for (int i = 0; i < dct->in_count; i++)
            sum += dct->matrix[i * dct->stride + c] * in[i];
        out[c] = sum;
    }
}

void wakecert_features_c(const float *spectrum, const struct wakecert_mfcc_tables *tables, float *power, float *mel,
                         float *log_mel, float *cepstra)
{
    wakecert_power_c(spectrum, tables->bin_count, power);
    wakecert_mel_c(power, &tables->mel, mel);
    wakecert_log_c(mel, tables->mel.filter_count, tables->log_floor, log_mel);
    wakecert_dct_c(log_mel, &tables->dct, cepstra);
}
