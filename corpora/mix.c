/*
 * Seeded noise and the SNR mixer.
 *
 * Corpora must rebuild to the same bytes from the same recipe, so noise never comes from rand() (whose
 * sequence differs between C libraries) but from PCG32 (O'Neill 2014): 64-bit state, a fixed
 * multiplier, and a stream selector so each file of a corpus gets its own independent sequence from
 * one recipe seed. Gaussian deviates use Box-Muller with one value per call, so the stream position
 * depends only on how many samples were drawn.
 *
 * SNR is defined over the speech-active part of a file (the union of the synthesized speech pieces),
 * not the whole file: a file that is mostly pause would otherwise get much quieter noise than its
 * label claims. The mixer measures both powers over exactly those samples, so the stated SNR is exact
 * up to float rounding, and the test measures it back independently.
 */
#include <math.h>
#include <stdint.h>

#include "corpus_internal.h"
#include "error.h"

void wakecert_prng_seed(struct wakecert_prng *prng, uint64_t seed, uint64_t stream)
{
    prng->state = 0;
    prng->increment = (stream << 1u) | 1u;
    (void)wakecert_prng_next(prng);
    prng->state += seed;
    (void)wakecert_prng_next(prng);
}

uint32_t wakecert_prng_next(struct wakecert_prng *prng)
{
    uint64_t old = prng->state;
    prng->state = old * 6364136223846793005ULL + prng->increment;
    uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
    uint32_t rotation = (uint32_t)(old >> 59u);
    return (xorshifted >> rotation) | (xorshifted << ((-rotation) & 31u));
}

double wakecert_prng_uniform(struct wakecert_prng *prng)
{
    return ((double)wakecert_prng_next(prng) + 0.5) / 4294967296.0;
}

double wakecert_prng_gaussian(struct wakecert_prng *prng)
{
    double u1 = wakecert_prng_uniform(prng);
    double u2 = wakecert_prng_uniform(prng);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586476925 * u2);
}

void wakecert_noise_white(struct wakecert_prng *prng, float *out, int64_t count)
{
    for (int64_t i = 0; i < count; i++)
        out[i] = (float)wakecert_prng_gaussian(prng);
}

double wakecert_mean_square(const float *x, const uint8_t *mask, int64_t count)
{
    double sum = 0.0;
    int64_t used = 0;
    for (int64_t i = 0; i < count; i++) {
        if (mask && !mask[i])
            continue;
        sum += (double)x[i] * x[i];
        used++;
    }
    return used ? sum / (double)used : 0.0;
}

int wakecert_mix_at_snr(float *signal, const float *noise, const uint8_t *active, int64_t count, double snr_db,
                        char *message, size_t message_size)
{
    double signal_power = wakecert_mean_square(signal, active, count);
    double noise_power = wakecert_mean_square(noise, active, count);
    if (signal_power <= 0.0 || noise_power <= 0.0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                  "cannot mix at %.1f dB SNR: no speech-active samples or silent noise", snr_db);
    double gain = sqrt(signal_power / (noise_power * pow(10.0, snr_db / 10.0)));
    for (int64_t i = 0; i < count; i++)
        signal[i] += (float)(gain * noise[i]);
    return 0;
}
