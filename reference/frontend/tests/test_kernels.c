/*
 * Every kernel at every level this CPU supports (c, sse2, avx2, ...) against a double-precision
 * reference computed here from the definition, on random data and on frames of the committed speech
 * clip, at the default sizes and at odd sizes that exercise the SIMD remainders.
 *
 * Tolerances (stated per kernel, |got - want| <= bound):
 *  emphasis 1e-6 * (|x[n]| + 0.97 |x[n-1]|)                 (one or two roundings), and bit-identical
 *                                                           whatever the split into calls
 *  emphasis then window
 *          1e-6 * (|x[n]| + 0.97 |x[n-1]|) * w[n] / 32768   (two or three roundings of a float product)
 *  power   1e-6 * want                                      (sum of two positive squares)
 *  mel     1e-5 * want + 1e-35                              (up to ~40 positive terms, any order)
 *  features: mel as mel (from the spectrum: the power's roundings are inside that bound), log_mel and
 *          cepstra bit-identical to the level's log kernel of that mel and dct kernel of that log_mel
 *  log     2e-6 + 1e-6 * |want|                             (Cephes polynomial / logf, float result)
 *  dct     1e-6 * sum |in|                                  (40 terms of mixed sign; the SIMD kernels
 *                                                           sum folded pairs, see struct wakecert_dct_table)
 * The regrouped mel banks of the AVX kernels (8-lane groups, 16-bin block x filter pairs) are checked
 * weight by weight against the per-filter bank.
 * The last test injects a fault into a kernel's output and checks the comparison catches it.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "mfcc_kernels.h"
#include "test_support.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

TestSuite(frontend_kernels, .timeout = 60);

/* Largest |got - want| / bound over count values; <= 1 means within tolerance. */
struct excess {
    double worst;
    int index;
};

static void excess_update(struct excess *excess, int index, double got, double want, double bound)
{
    double ratio = fabs(got - want) / bound;
    if (!(ratio <= excess->worst)) { /* also catches NaN */
        excess->worst = isnan(ratio) ? INFINITY : ratio;
        excess->index = index;
    }
}

/* The configurations the kernels are exercised at: defaults, and odd sizes for the remainders. */
static void odd_config(struct wakecert_mfcc_config *config)
{
    wakecert_mfcc_config_default(config);
    config->fft_size = 254;
    config->window_length = 251;
    config->hop_length = 97;
    config->mel_filter_count = 23;
    config->cepstrum_count = 19;
    config->low_frequency_hz = 100.0f;
    config->high_frequency_hz = 7000.0f;
}

static void build(const struct wakecert_mfcc_config *config, struct wakecert_mfcc_tables *tables)
{
    char message[256] = "";
    cr_assert_eq(wakecert_mfcc_config_check(config, message, sizeof message), 0, "%s", message);
    cr_assert_eq(wakecert_mfcc_tables_build(config, tables, message, sizeof message), 0, "%s", message);
}

static int top_level(void)
{
    return (int)wakecert_cpu_supported_level();
}

/* The emphasis kernel over samples[1 .. n] (samples[0] the sample before), then the window kernel,
 * against the definition in double. */
static void check_window(const struct wakecert_mfcc_tables *tables, const struct wakecert_mfcc_kernels *kernels,
                         const int16_t *samples, const char *what)
{
    int n = tables->window_length;
    float *emphasised = calloc((size_t)n, sizeof(float));
    float *out = calloc((size_t)n, sizeof(float));
    kernels->emphasis(samples + 1, n, samples[0], tables->preemphasis, emphasised);
    kernels->window(emphasised, n, tables->window, out);
    struct excess excess = {0, -1}, emphasis_excess = {0, -1};
    for (int i = 0; i < n; i++) {
        double w = (0.54 - 0.46 * cos(2.0 * M_PI * i / (n - 1))) / 32768.0;
        double terms = fabs((double)samples[i + 1]) + 0.97 * fabs((double)samples[i]);
        double want = (double)samples[i + 1] - 0.97 * samples[i];
        excess_update(&emphasis_excess, i, emphasised[i], want, 1e-6 * terms + 1e-30);
        excess_update(&excess, i, out[i], want * w, 1e-6 * terms * w + 1e-30);
    }
    cr_expect_leq(emphasis_excess.worst, 1.0, "%s emphasis (%s, n=%d): element %d off by %.3g x tolerance",
                  kernels->name, what, n, emphasis_excess.index, emphasis_excess.worst);
    cr_expect_leq(excess.worst, 1.0, "%s window (%s, n=%d): element %d off by %.3g x tolerance", kernels->name, what, n,
                  excess.index, excess.worst);
    free(emphasised);
    free(out);
}

Test(frontend_kernels, window_random_and_speech)
{
    size_t speech_count;
    int16_t *speech = test_load_speech(&speech_count);
    struct test_random random = {12345};
    int16_t samples[1024];
    for (int c = 0; c < 2; c++) {
        struct wakecert_mfcc_config config;
        if (c == 0)
            wakecert_mfcc_config_default(&config);
        else
            odd_config(&config);
        struct wakecert_mfcc_tables tables;
        build(&config, &tables);
        for (int level = 0; level <= top_level(); level++) {
            const struct wakecert_mfcc_kernels *kernels = wakecert_mfcc_kernels_for(level);
            for (int trial = 0; trial < 4; trial++) {
                for (int i = 0; i <= config.window_length; i++)
                    samples[i] = (int16_t)test_random_between(&random, -32768, 32767);
                check_window(&tables, kernels, samples, "random");
            }
            samples[0] = 32767; /* full scale both ways */
            for (int i = 1; i <= config.window_length; i++)
                samples[i] = (int16_t)(i % 2 ? -32768 : 32767);
            check_window(&tables, kernels, samples, "clipped");
            for (size_t start = 0; start + (size_t)config.window_length + 1 <= speech_count; start += 800)
                check_window(&tables, kernels, speech + start, "speech");
        }
        wakecert_mfcc_tables_free(&tables);
    }
    free(speech);
}

/* The emphasis kernel converts a stream in whatever pieces it is pushed: every count from 0 to 70
 * (the vector widths' remainders and the overlapping last vector), and random splits of a long
 * stream, must give exactly the floats of one call over the whole stream, and match the definition. */
Test(frontend_kernels, emphasis_is_bit_identical_whatever_the_split)
{
    struct test_random random = {31337};
    enum { COUNT = 3000 };
    static int16_t samples[COUNT];
    static float whole[COUNT], split[COUNT];
    for (int i = 0; i < COUNT; i++)
        samples[i] = (int16_t)test_random_between(&random, -32768, 32767);
    samples[10] = -32768;
    samples[11] = 32767;
    const float a = 0.97f;
    for (int level = 0; level <= top_level(); level++) {
        const struct wakecert_mfcc_kernels *kernels = wakecert_mfcc_kernels_for(level);
        kernels->emphasis(samples, COUNT, 1234, a, whole);
        struct excess excess = {0, -1};
        for (int i = 0; i < COUNT; i++) {
            double before = i > 0 ? samples[i - 1] : 1234.0;
            double want = (double)samples[i] - 0.97 * before;
            excess_update(&excess, i, whole[i], want, 1e-6 * (fabs((double)samples[i]) + 0.97 * fabs(before)) + 1e-30);
        }
        cr_expect_leq(excess.worst, 1.0, "%s emphasis: element %d off by %.3g x tolerance", kernels->name, excess.index,
                      excess.worst);
        for (int count = 0; count <= 70; count++) { /* one call of each small size, from an offset */
            memset(split, 0, sizeof split);
            kernels->emphasis(samples + 5, count, samples[4], a, split);
            cr_expect(memcmp(split, whole + 5, (size_t)count * sizeof(float)) == 0, "%s emphasis of %d samples differs",
                      kernels->name, count);
            cr_expect(split[count] == 0.0f, "%s emphasis of %d samples wrote past the end", kernels->name, count);
        }
        for (int trial = 0; trial < 20; trial++) {
            memset(split, 0, sizeof split);
            int at = 0;
            while (at < COUNT) {
                int take = test_random_between(&random, 1, trial < 10 ? 40 : 400);
                if (take > COUNT - at)
                    take = COUNT - at;
                kernels->emphasis(samples + at, take, at > 0 ? samples[at - 1] : 1234, a, split + at);
                at += take;
            }
            cr_expect(memcmp(split, whole, sizeof whole) == 0, "%s emphasis: split trial %d not bit-identical",
                      kernels->name, trial);
        }
    }
}

Test(frontend_kernels, power_random)
{
    struct test_random random = {777};
    float spectrum[2 * 300];
    float power[300];
    for (int level = 0; level <= top_level(); level++) {
        const struct wakecert_mfcc_kernels *kernels = wakecert_mfcc_kernels_for(level);
        for (int bins = 1; bins <= 300; bins += 37) { /* 257 and many remainders */
            for (int i = 0; i < 2 * bins; i++)
                spectrum[i] = (float)((test_random_uniform(&random) - 0.5) * pow(10.0, test_random_between(&random, -6, 3)));
            kernels->power(spectrum, bins, power);
            struct excess excess = {0, -1};
            for (int k = 0; k < bins; k++) {
                double want = (double)spectrum[2 * k] * spectrum[2 * k] + (double)spectrum[2 * k + 1] * spectrum[2 * k + 1];
                excess_update(&excess, k, power[k], want, 1e-6 * want + 1e-38);
            }
            cr_expect_leq(excess.worst, 1.0, "%s power (%d bins): bin %d off by %.3g x tolerance", kernels->name, bins,
                          excess.index, excess.worst);
        }
    }
}

/* The triangle weight of bin k for filter f, from the definition (independent of the bank). */
static double triangle(const struct wakecert_mfcc_config *config, int f, int k)
{
    double low = wakecert_hz_to_mel(config->low_frequency_hz), high = wakecert_hz_to_mel(config->high_frequency_hz);
    double step = (high - low) / (config->mel_filter_count + 1);
    double left = low + step * f, centre = low + step * (f + 1), right = low + step * (f + 2);
    double mel = 2595.0 * log10(1.0 + (double)k * config->sample_rate / config->fft_size / 700.0);
    double rising = (mel - left) / (centre - left), falling = (right - mel) / (right - centre);
    double weight = rising < falling ? rising : falling;
    return weight > 0.0 ? weight : 0.0;
}

Test(frontend_kernels, mel_random_and_speech)
{
    struct test_random random = {4242};
    size_t speech_count;
    int16_t *speech = test_load_speech(&speech_count);
    for (int c = 0; c < 2; c++) {
        struct wakecert_mfcc_config config;
        if (c == 0)
            wakecert_mfcc_config_default(&config);
        else
            odd_config(&config);
        struct wakecert_mfcc_tables tables;
        build(&config, &tables);
        const int bins = tables.bin_count, filters = config.mel_filter_count;
        float *power = calloc((size_t)tables.mel.power_padded_count, sizeof(float));
        float *frame = calloc((size_t)config.fft_size, sizeof(float));
        float *spectrum = calloc((size_t)config.fft_size + 2, sizeof(float));
        float mel[64];
        for (int trial = 0; trial < 6; trial++) {
            if (trial < 3) { /* random, 25 decades of dynamic range */
                for (int k = 0; k < bins; k++)
                    power[k] = (float)exp(test_random_uniform(&random) * 58.0 - 46.0);
            } else { /* a speech frame's power spectrum, by a plain DFT in double */
                const int16_t *x = speech + 1600 * (trial - 3);
                wakecert_emphasis_c(x + 1, config.window_length, x[0], config.preemphasis, frame);
                wakecert_window_c(frame, config.window_length, tables.window, frame);
                for (int k = 0; k < bins; k++) {
                    double re = 0, im = 0;
                    for (int n = 0; n < config.window_length; n++) {
                        re += frame[n] * cos(2 * M_PI * k * n / config.fft_size);
                        im -= frame[n] * sin(2 * M_PI * k * n / config.fft_size);
                    }
                    power[k] = (float)(re * re + im * im);
                }
            }
            for (int level = 0; level <= top_level(); level++) {
                const struct wakecert_mfcc_kernels *kernels = wakecert_mfcc_kernels_for(level);
                kernels->mel(power, &tables.mel, mel);
                struct excess excess = {0, -1};
                for (int f = 0; f < filters; f++) {
                    double want = 0;
                    for (int k = 0; k < bins; k++)
                        want += triangle(&config, f, k) * power[k];
                    excess_update(&excess, f, mel[f], want, 1e-5 * want + 1e-35);
                }
                cr_expect_leq(excess.worst, 1.0, "%s mel (trial %d, %d filters): filter %d off by %.3g x tolerance",
                              kernels->name, trial, filters, excess.index, excess.worst);
            }
        }
        free(power);
        free(frame);
        free(spectrum);
        wakecert_mfcc_tables_free(&tables);
    }
    free(speech);
}

/* The regrouped banks the AVX kernels read (struct wakecert_mel_blocks) against the plain per-filter
 * bank: every filter in exactly one group of at most L, every weight where the layout says, zeros
 * elsewhere, every padded read inside power_padded_count; at the default, odd and large sizes. */
Test(frontend_kernels, mel_blocks_match_the_per_filter_bank)
{
    for (int c = 0; c < 3; c++) {
        struct wakecert_mfcc_config config;
        if (c == 1) {
            odd_config(&config);
        } else {
            wakecert_mfcc_config_default(&config);
            if (c == 2) {
                config.fft_size = 1024;
                config.window_length = 700;
                config.mel_filter_count = 61;
                config.cepstrum_count = 23;
            }
        }
        struct wakecert_mfcc_tables tables;
        build(&config, &tables);
        const struct wakecert_mel_bank *bank = &tables.mel;
        const struct wakecert_mel_blocks *layouts[1] = {&bank->narrow};
        for (int w = 0; w < 1; w++) {
            const struct wakecert_mel_blocks *blocks = layouts[w];
            const int lanes = blocks->lanes;
            cr_assert_eq(lanes, 8);
            cr_assert_eq(blocks->start[0], 0);
            cr_assert_eq(blocks->start[blocks->group_count], bank->filter_count);
            int nonzero = 0;
            for (int g = 0; g < blocks->group_count; g++) {
                const int size = blocks->start[g + 1] - blocks->start[g];
                cr_assert(size >= 1 && size <= lanes, "L=%d group %d holds %d filters", lanes, g, size);
                cr_expect_eq(blocks->offset[g] % 16, 0, "L=%d group %d not 64-byte aligned", lanes, g);
                const float *group = blocks->weights + blocks->offset[g];
                for (int j = 0; j < lanes; j++) {
                    const int f = blocks->start[g] + j;
                    const int first = blocks->first_bin[g * lanes + j];
                    cr_expect_eq(blocks->first_byte[g * lanes + j], (ptrdiff_t)first * (ptrdiff_t)sizeof(float),
                                 "L=%d group %d lane %d: byte offset disagrees with the first bin", lanes, g, j);
                    cr_expect_leq(first + blocks->chunks[g] * lanes, bank->power_padded_count,
                                  "L=%d group %d lane %d reads past the padded power buffer", lanes, g, j);
                    for (int i = 0; i < blocks->chunks[g] * lanes; i++) {
                        float got = group[(i / lanes * lanes + j) * lanes + i % lanes];
                        float want = j < size && i < bank->length[f] ? bank->weights[bank->offset[f] + i] : 0.0f;
                        if (j < size)
                            cr_expect_eq(first, bank->first_bin[f]);
                        cr_expect(got == want, "L=%d filter %d weight %d: %g, per-filter bank %g", lanes, f, i,
                                  (double)got, (double)want);
                        nonzero += got != 0.0f;
                    }
                }
            }
            int bank_nonzero = 0;
            for (int i = 0; i < bank->weight_count; i++)
                bank_nonzero += bank->weights[i] != 0.0f;
            cr_expect_eq(nonzero, bank_nonzero, "L=%d: %d non-zero weights, the bank has %d", lanes, nonzero,
                         bank_nonzero);
        }
        wakecert_mfcc_tables_free(&tables);
    }
}

/* The features kernel of every level (power, mel, log and dct: the AVX-512 one straight-line for the
 * default geometry, the others the separate kernels in sequence) on interleaved spectra: random ones
 * with 18 decades of dynamic range and speech frames' FFTs, at the default and odd sizes. mel against
 * the definition in double (tolerance as for mel), log_mel and cepstra bit-identical to the level's
 * log kernel of that mel and dct kernel of that log_mel. */
Test(frontend_kernels, features_random_and_speech)
{
    struct test_random random = {9091};
    size_t speech_count;
    int16_t *speech = test_load_speech(&speech_count);
    for (int c = 0; c < 2; c++) {
        struct wakecert_mfcc_config config;
        if (c == 0)
            wakecert_mfcc_config_default(&config);
        else
            odd_config(&config);
        struct wakecert_mfcc_tables tables;
        build(&config, &tables);
        const int bins = tables.bin_count, filters = config.mel_filter_count;
        float *spectrum = calloc(2 * (size_t)bins, sizeof(float));
        float *power = calloc((size_t)tables.mel.power_padded_count, sizeof(float));
        float *frame = calloc((size_t)config.fft_size, sizeof(float));
        float mel[64], log_mel[64], log_again[64], cepstra[64], cepstra_again[64];
        for (int trial = 0; trial < 6; trial++) {
            if (trial < 3) {
                for (int i = 0; i < 2 * bins; i++)
                    spectrum[i] = (float)((test_random_uniform(&random) - 0.5) *
                                          exp(test_random_uniform(&random) * 41.0 - 23.0));
            } else { /* a speech frame's spectrum, by a plain DFT in double */
                const int16_t *x = speech + 2400 * (trial - 3) + 800;
                wakecert_emphasis_c(x + 1, config.window_length, x[0], config.preemphasis, frame);
                wakecert_window_c(frame, config.window_length, tables.window, frame);
                for (int k = 0; k < bins; k++) {
                    double re = 0, im = 0;
                    for (int n = 0; n < config.window_length; n++) {
                        re += frame[n] * cos(2 * M_PI * k * n / config.fft_size);
                        im -= frame[n] * sin(2 * M_PI * k * n / config.fft_size);
                    }
                    spectrum[2 * k] = (float)re;
                    spectrum[2 * k + 1] = (float)im;
                }
            }
            for (int level = 0; level <= top_level(); level++) {
                const struct wakecert_mfcc_kernels *kernels = wakecert_mfcc_kernels_for(level);
                memset(mel, 0, sizeof mel);
                kernels->features(spectrum, &tables, power, mel, log_mel, cepstra);
                struct excess excess = {0, -1};
                for (int f = 0; f < filters; f++) {
                    double want = 0;
                    for (int k = 0; k < bins; k++) {
                        double re = spectrum[2 * k], im = spectrum[2 * k + 1];
                        want += triangle(&config, f, k) * (re * re + im * im);
                    }
                    excess_update(&excess, f, mel[f], want, 1e-5 * want + 1e-35);
                }
                cr_expect_leq(excess.worst, 1.0,
                              "%s features (trial %d, %d filters): filter %d off by %.3g x tolerance",
                              kernels->name, trial, filters, excess.index, excess.worst);
                kernels->log(mel, filters, tables.log_floor, log_again);
                cr_expect(memcmp(log_mel, log_again, (size_t)filters * sizeof(float)) == 0,
                          "%s features (trial %d): log_mel differs from the log kernel's", kernels->name, trial);
                kernels->dct(log_mel, &tables.dct, cepstra_again);
                cr_expect(memcmp(cepstra, cepstra_again, (size_t)config.cepstrum_count * sizeof(float)) == 0,
                          "%s features (trial %d): cepstra differ from the dct kernel's", kernels->name, trial);
            }
        }
        free(spectrum);
        free(power);
        free(frame);
        wakecert_mfcc_tables_free(&tables);
    }
    free(speech);
}

/* The block x filter pairs of the fused AVX-512 kernel (struct wakecert_mel_pairs) against the
 * per-filter bank: block-major, filters ascending, every weight in its lane (WAKECERT_MEL_PAIR_LANE_BINS)
 * and zeros elsewhere, every non-zero weight exactly once; the default configuration must be
 * recognised as the generated layout (or the fast kernel would silently never run) and the odd one not. */
Test(frontend_kernels, mel_pairs_match_the_per_filter_bank)
{
    static const int lane_bin[16] = WAKECERT_MEL_PAIR_LANE_BINS;
    for (int c = 0; c < 2; c++) {
        struct wakecert_mfcc_config config;
        if (c == 0)
            wakecert_mfcc_config_default(&config);
        else
            odd_config(&config);
        struct wakecert_mfcc_tables tables;
        build(&config, &tables);
        const struct wakecert_mel_bank *bank = &tables.mel;
        const struct wakecert_mel_pairs *pairs = &bank->pairs;
        cr_expect_eq(pairs->default_layout, c == 0, "config %d: default_layout %d", c, pairs->default_layout);
        cr_expect_gt(pairs->pair_count, 0);
        int nonzero = 0;
        for (int i = 0; i < pairs->pair_count; i++) {
            const int b = pairs->block[i], f = pairs->filter[i];
            if (i > 0)
                cr_expect(b > pairs->block[i - 1] || (b == pairs->block[i - 1] && f > pairs->filter[i - 1]),
                          "pair %d out of order", i);
            for (int lane = 0; lane < 16; lane++) {
                const int k = 16 * b + lane_bin[lane], at = k - bank->first_bin[f];
                const float want = at >= 0 && at < bank->length[f] ? bank->weights[bank->offset[f] + at] : 0.0f;
                const float got = pairs->weights[16 * i + lane];
                cr_expect(got == want, "pair %d (block %d, filter %d) lane %d: %g, per-filter bank %g", i, b, f, lane,
                          (double)got, (double)want);
                nonzero += got != 0.0f;
            }
        }
        int bank_nonzero = 0;
        for (int i = 0; i < bank->weight_count; i++)
            bank_nonzero += bank->weights[i] != 0.0f;
        cr_expect_eq(nonzero, bank_nonzero, "%d non-zero pair weights, the bank has %d", nonzero, bank_nonzero);
        wakecert_mfcc_tables_free(&tables);
    }
}

Test(frontend_kernels, log_across_range)
{
    struct test_random random = {99};
    enum { COUNT = 203 };
    float in[COUNT], out[COUNT];
    const float floor = 1e-10f;
    for (int level = 0; level <= top_level(); level++) {
        const struct wakecert_mfcc_kernels *kernels = wakecert_mfcc_kernels_for(level);
        struct excess excess = {0, -1};
        for (int trial = 0; trial < 50; trial++) {
            for (int i = 0; i < COUNT; i++)
                in[i] = (float)exp(test_random_uniform(&random) * 80.0 - 30.0); /* 1e-13 .. 1e22 */
            in[0] = 0.0f;       /* below the floor */
            in[1] = floor;      /* at the floor */
            in[2] = 1.0f;       /* log 1 = 0 */
            in[3] = 0.70710677f; /* the polynomial's branch point */
            in[4] = 1.6e5f;     /* the largest energy full-scale audio gives */
            int count = trial == 0 ? COUNT : test_random_between(&random, 1, COUNT);
            kernels->log(in, count, floor, out);
            for (int i = 0; i < count; i++) {
                double want = log(in[i] > floor ? (double)in[i] : (double)floor);
                excess_update(&excess, i, out[i], want, 2e-6 + 1e-6 * fabs(want));
            }
        }
        cr_expect_leq(excess.worst, 1.0, "%s log: element %d off by %.3g x tolerance", kernels->name, excess.index,
                      excess.worst);
    }
}

/* At the defaults (40 -> 13), the odd sizes (23 -> 19: an odd count, whose folded middle row is
 * halved, and two 16-wide output blocks), a small bank (7 -> 5: no full vector of pairs) and a large
 * one (61 -> 23). */
Test(frontend_kernels, dct_random)
{
    struct test_random random = {5};
    for (int c = 0; c < 4; c++) {
        struct wakecert_mfcc_config config;
        if (c == 1) {
            odd_config(&config);
        } else {
            wakecert_mfcc_config_default(&config);
            if (c == 2) {
                config.mel_filter_count = 7;
                config.cepstrum_count = 5;
            } else if (c == 3) {
                config.fft_size = 1024;
                config.window_length = 700;
                config.mel_filter_count = 61;
                config.cepstrum_count = 23;
            }
        }
        struct wakecert_mfcc_tables tables;
        build(&config, &tables);
        const int m = config.mel_filter_count;
        float in[64], out[64];
        cr_assert_eq(tables.dct.pair_count, (m + 1) / 2);
        for (int trial = 0; trial < 20; trial++) {
            double magnitude = 0;
            for (int i = 0; i < m; i++) {
                in[i] = (float)(test_random_uniform(&random) * 30.0 - 25.0);
                magnitude += fabs(in[i]);
            }
            for (int level = 0; level <= top_level(); level++) {
                const struct wakecert_mfcc_kernels *kernels = wakecert_mfcc_kernels_for(level);
                memset(out, 0x7f, sizeof out);
                kernels->dct(in, &tables.dct, out);
                struct excess excess = {0, -1};
                for (int k = 0; k < config.cepstrum_count; k++) {
                    double want = 0;
                    for (int i = 0; i < m; i++)
                        want += in[i] * cos(M_PI * k * (2 * i + 1) / (2.0 * m));
                    want *= k == 0 ? sqrt(1.0 / m) : sqrt(2.0 / m);
                    excess_update(&excess, k, out[k], want, 1e-6 * magnitude);
                }
                for (int k = config.cepstrum_count; k < tables.dct.stride; k++)
                    cr_expect(out[k] == 0.0f, "%s dct: padding output %d is %g, not 0", kernels->name, k, (double)out[k]);
                cr_expect_leq(excess.worst, 1.0, "%s dct (%d -> %d): coefficient %d off by %.3g x tolerance",
                              kernels->name, m, config.cepstrum_count, excess.index, excess.worst);
            }
        }
        wakecert_mfcc_tables_free(&tables);
    }
}

Test(frontend_kernels, dispatch_table_names_levels)
{
    static const char *const expected[] = {"c", "sse2", "avx2", "avx512"};
    for (int level = 0; level <= top_level(); level++) {
        const char *name = wakecert_mfcc_kernels_for(level)->name;
        if (level == WAKECERT_CPU_AVX512) /* AVX-512 kernels are optional; the table falls back to AVX2 */
            cr_expect(strcmp(name, "avx512") == 0 || strcmp(name, "avx2") == 0, "level %d runs %s", level, name);
        else
            cr_expect_str_eq(name, expected[level], "level %d runs %s", level, name);
    }
    cr_expect_str_eq(wakecert_mfcc_kernels_for(-1)->name, "c");
    cr_expect_str_eq(wakecert_mfcc_kernels_for(99)->name, "c");
}

/* The comparison above must be able to fail: perturb one mel energy by 1e-4 relative (10x the
 * tolerance) and check the excess measure reports it. */
Test(frontend_kernels, injected_fault_is_caught)
{
    struct wakecert_mfcc_config config;
    wakecert_mfcc_config_default(&config);
    struct wakecert_mfcc_tables tables;
    build(&config, &tables);
    float *power = calloc((size_t)tables.mel.power_padded_count, sizeof(float));
    for (int k = 0; k < tables.bin_count; k++)
        power[k] = 1.0f + (float)k;
    float mel[40];
    const struct wakecert_mfcc_kernels *kernels = wakecert_mfcc_kernels_for(top_level());
    kernels->mel(power, &tables.mel, mel);
    mel[17] *= 1.0001f;
    struct excess excess = {0, -1};
    for (int f = 0; f < 40; f++) {
        double want = 0;
        for (int k = 0; k < tables.bin_count; k++)
            want += triangle(&config, f, k) * power[k];
        excess_update(&excess, f, mel[f], want, 1e-5 * want + 1e-35);
    }
    cr_expect_gt(excess.worst, 1.0, "a 1e-4 error went unnoticed");
    cr_expect_eq(excess.index, 17);
    free(power);
    wakecert_mfcc_tables_free(&tables);
}
