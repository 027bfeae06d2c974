/*
 * The whole streaming front end: against golden vectors made by an independent numpy/scipy
 * implementation (make_golden.py, committed with its output), bit-identical output whatever the
 * chunking (random chunk sizes, one sample at a time), edge cases (silence hits the log floor,
 * full-scale clipping), reset, frame timing, level clamping and configuration errors.
 *
 * Golden tolerance: every log-mel energy and cepstrum within 1e-3 relative or 1e-4 absolute of the
 * float64 reference, at every kernel level this CPU supports.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "error.h"
#include "test_support.h"

TestSuite(frontend_mfcc, .timeout = 60);

static int top_level(void)
{
    return (int)wakecert_cpu_supported_level();
}

Test(frontend_mfcc, matches_golden_vectors_at_every_level)
{
    size_t count;
    int16_t *speech = test_load_speech(&count);
    FILE *golden = fopen(WAKECERT_FRONTEND_TEST_DATA "/speech_golden.txt", "r");
    cr_assert_not_null(golden, "cannot open speech_golden.txt");
    char line[256];
    cr_assert_not_null(fgets(line, sizeof line, golden)); /* comment */
    int frames = 0, filters = 0, cepstra = 0;
    cr_assert_eq(fscanf(golden, "%d %d %d", &frames, &filters, &cepstra), 3);
    int width = filters + cepstra;
    double *want = malloc((size_t)frames * (size_t)width * sizeof *want);
    for (int i = 0; i < frames * width; i++)
        cr_assert_eq(fscanf(golden, "%lf", &want[i]), 1, "golden value %d unreadable", i);
    fclose(golden);

    struct wakecert_mfcc_config config;
    wakecert_mfcc_config_default(&config);
    cr_assert_eq(filters, config.mel_filter_count);
    cr_assert_eq(cepstra, config.cepstrum_count);
    for (int level = 0; level <= top_level(); level++) {
        struct test_frames got;
        test_run(&config, level, speech, count, &got);
        cr_assert_eq(got.frame_count, (size_t)frames, "level %d: %zu frames, golden has %d", level, got.frame_count,
                     frames);
        double worst = 0;
        int worst_frame = 0, worst_index = 0;
        for (int k = 0; k < frames; k++) {
            const float *row = test_frames_at(&got, (size_t)k);
            for (int i = 0; i < width; i++) {
                double reference = want[k * width + i];
                double bound = fmax(1e-4, 1e-3 * fabs(reference));
                double ratio = fabs(row[i] - reference) / bound;
                if (!(ratio <= worst)) {
                    worst = isnan(ratio) ? INFINITY : ratio;
                    worst_frame = k;
                    worst_index = i;
                }
            }
        }
        cr_expect_leq(worst, 1.0, "level %s: frame %d value %d (%s) is %.3g x the tolerance from golden %.9g",
                      wakecert_cpu_level_name(level), worst_frame, worst_index,
                      worst_index < filters ? "log-mel" : "cepstrum", worst, want[worst_frame * width + worst_index]);
        test_frames_free(&got);
    }
    free(want);
    free(speech);
}

/* Push in random chunk sizes (including 0 and 1); the output must be bit-identical to one push. */
Test(frontend_mfcc, chunking_is_bit_identical)
{
    size_t count;
    int16_t *speech = test_load_speech(&count);
    struct test_random random = {2024};
    struct wakecert_mfcc_config config;
    wakecert_mfcc_config_default(&config);
    for (int level = 0; level <= top_level(); level++) {
        struct test_frames whole;
        test_run(&config, level, speech, count, &whole);
        for (int trial = 0; trial < 4; trial++) {
            wakecert_mfcc *frontend = NULL;
            cr_assert_eq(wakecert_mfcc_create(&config, level, &frontend, NULL, 0), 0);
            struct test_frames chunked;
            test_frames_init(&chunked, config.mel_filter_count, config.cepstrum_count);
            int largest = trial == 0 ? 1 : trial == 1 ? 10 : trial == 2 ? 400 : 7000;
            for (size_t at = 0; at < count;) {
                size_t chunk = (size_t)test_random_between(&random, 0, largest);
                if (chunk > count - at)
                    chunk = count - at;
                wakecert_mfcc_push(frontend, speech + at, chunk, test_frames_collect, &chunked);
                at += chunk;
            }
            wakecert_mfcc_destroy(frontend);
            cr_assert_eq(chunked.frame_count, whole.frame_count, "level %d trial %d: frame count differs", level, trial);
            cr_expect_eq(chunked.out_of_order, 0);
            size_t bytes = whole.frame_count * (size_t)(config.mel_filter_count + config.cepstrum_count) * sizeof(float);
            cr_expect(memcmp(chunked.values, whole.values, bytes) == 0,
                      "level %d, chunks up to %d samples: output not bit-identical", level, largest);
            test_frames_free(&chunked);
        }
        test_frames_free(&whole);
    }
    free(speech);
}

/* Pushing one sample at a time over a stream long enough to wrap the history buffer several times. */
Test(frontend_mfcc, single_samples_over_a_long_stream)
{
    enum { COUNT = 16000 };
    int16_t *samples = malloc(COUNT * sizeof *samples);
    struct test_random random = {31};
    for (int i = 0; i < COUNT; i++)
        samples[i] = (int16_t)(8000.0 * sin(i * 0.05) + test_random_between(&random, -500, 500));
    struct wakecert_mfcc_config config;
    wakecert_mfcc_config_default(&config);
    int level = top_level();
    struct test_frames whole, single;
    test_run(&config, level, samples, COUNT, &whole);
    cr_assert_eq(whole.frame_count, (size_t)((COUNT - 400) / 160 + 1));
    wakecert_mfcc *frontend = NULL;
    cr_assert_eq(wakecert_mfcc_create(&config, level, &frontend, NULL, 0), 0);
    test_frames_init(&single, config.mel_filter_count, config.cepstrum_count);
    for (int i = 0; i < COUNT; i++)
        wakecert_mfcc_push(frontend, samples + i, 1, test_frames_collect, &single);
    wakecert_mfcc_destroy(frontend);
    cr_assert_eq(single.frame_count, whole.frame_count);
    cr_expect(memcmp(single.values, whole.values, whole.frame_count * 53 * sizeof(float)) == 0,
              "one sample at a time differs from one push");
    test_frames_free(&whole);
    test_frames_free(&single);
    free(samples);
}

/* Frames come out as soon as their last sample arrives: 400 samples make frame 0, 560 frame 1. */
Test(frontend_mfcc, frames_emitted_on_their_last_sample)
{
    int16_t samples[720] = {0};
    struct wakecert_mfcc_config config;
    wakecert_mfcc_config_default(&config);
    wakecert_mfcc *frontend = NULL;
    cr_assert_eq(wakecert_mfcc_create(&config, -1, &frontend, NULL, 0), 0);
    struct test_frames frames;
    test_frames_init(&frames, 40, 13);
    wakecert_mfcc_push(frontend, samples, 399, test_frames_collect, &frames);
    cr_expect_eq(frames.frame_count, 0u);
    wakecert_mfcc_push(frontend, samples, 1, test_frames_collect, &frames);
    cr_expect_eq(frames.frame_count, 1u);
    wakecert_mfcc_push(frontend, samples, 159, test_frames_collect, &frames);
    cr_expect_eq(frames.frame_count, 1u);
    wakecert_mfcc_push(frontend, samples, 1, test_frames_collect, &frames);
    cr_expect_eq(frames.frame_count, 2u);
    wakecert_mfcc_destroy(frontend);
    test_frames_free(&frames);
}

/* The front end runs frame k's features after frame k + 1's FFT (software pipelining, mfcc.c): a push
 * that completes several frames, at every level, must still deliver all of them, in order, before it
 * returns, with the values of frames delivered one push per sample; after a reset nothing is pending. */
Test(frontend_mfcc, pipelined_frames_are_all_delivered_by_their_push)
{
    enum { COUNT = 400 + 160 * 20 + 77 };
    int16_t samples[COUNT];
    struct test_random random = {777};
    for (int i = 0; i < COUNT; i++)
        samples[i] = (int16_t)test_random_between(&random, -20000, 20000);
    struct wakecert_mfcc_config config;
    wakecert_mfcc_config_default(&config);
    for (int level = 0; level <= (int)wakecert_cpu_supported_level(); level++) {
        wakecert_mfcc *frontend = NULL;
        cr_assert_eq(wakecert_mfcc_create(&config, level, &frontend, NULL, 0), 0);
        struct test_frames one_by_one, chunked;
        test_frames_init(&one_by_one, 40, 13);
        test_frames_init(&chunked, 40, 13);
        for (int i = 0; i < COUNT; i++)
            wakecert_mfcc_push(frontend, samples + i, 1, test_frames_collect, &one_by_one);
        wakecert_mfcc_reset(frontend);
        const size_t splits[] = {400 + 160 * 3, 160 * 7 + 5, 160 * 10 - 5 + 77};
        size_t at = 0;
        for (size_t s = 0; s < sizeof splits / sizeof splits[0]; s++) {
            wakecert_mfcc_push(frontend, samples + at, splits[s], test_frames_collect, &chunked);
            at += splits[s];
            cr_expect_eq(chunked.frame_count, (at - 400) / 160 + 1, "level %d: %zu frames after %zu samples", level,
                         chunked.frame_count, at);
        }
        cr_assert_eq(at, (size_t)COUNT);
        cr_expect_eq(one_by_one.frame_count, 21u);
        cr_expect_eq(chunked.frame_count, one_by_one.frame_count);
        cr_expect(!one_by_one.out_of_order && !chunked.out_of_order, "level %d: frames out of order", level);
        for (size_t k = 0; k < chunked.frame_count && k < one_by_one.frame_count; k++)
            cr_expect(memcmp(test_frames_at(&chunked, k), test_frames_at(&one_by_one, k), 53 * sizeof(float)) == 0,
                      "level %d: frame %zu differs between chunkings", level, k);
        test_frames_free(&one_by_one);
        test_frames_free(&chunked);
        wakecert_mfcc_destroy(frontend);
    }
}

/* Digital silence: every mel energy is 0, so every log-mel is ln(floor) and the cepstra are those of
 * a constant: c0 = sqrt(40) ln(floor), the rest 0. */
Test(frontend_mfcc, silence_hits_the_log_floor)
{
    int16_t *silence = calloc(4000, sizeof *silence);
    struct wakecert_mfcc_config config;
    wakecert_mfcc_config_default(&config);
    const double floor_log = log((double)config.log_floor);
    for (int level = 0; level <= top_level(); level++) {
        struct test_frames frames;
        test_run(&config, level, silence, 4000, &frames);
        cr_assert_eq(frames.frame_count, 23u);
        for (size_t k = 0; k < frames.frame_count; k++) {
            const float *row = test_frames_at(&frames, k);
            for (int i = 0; i < 40; i++)
                cr_expect_float_eq(row[i], floor_log, 2e-6 + 1e-6 * fabs(floor_log), "level %d frame %zu log-mel %d = %g",
                                   level, k, i, (double)row[i]);
            cr_expect_float_eq(row[40], sqrt(40.0) * floor_log, 1e-4, "level %d c0 = %g", level, (double)row[40]);
            for (int c = 1; c < 13; c++)
                cr_expect_float_eq(row[40 + c], 0.0, 1e-4, "level %d c%d = %g", level, c, (double)row[40 + c]);
        }
        test_frames_free(&frames);
    }
    free(silence);
}

/* Full-scale clipping (a square wave at +-32767/-32768 and a DC rail): finite output, and every level
 * agrees with the C level within the golden tolerance. */
Test(frontend_mfcc, full_scale_clipping)
{
    enum { COUNT = 3200 };
    int16_t *clipped = malloc(COUNT * sizeof *clipped);
    for (int i = 0; i < COUNT; i++)
        clipped[i] = i < 1600 ? (int16_t)((i / 8) % 2 ? 32767 : -32768) : (int16_t)32767;
    struct wakecert_mfcc_config config;
    wakecert_mfcc_config_default(&config);
    struct test_frames reference;
    test_run(&config, WAKECERT_CPU_C, clipped, COUNT, &reference);
    for (size_t i = 0; i < reference.frame_count * 53; i++)
        cr_assert(isfinite(reference.values[i]), "value %zu is not finite", i);
    for (int level = 1; level <= top_level(); level++) {
        struct test_frames frames;
        test_run(&config, level, clipped, COUNT, &frames);
        cr_assert_eq(frames.frame_count, reference.frame_count);
        for (size_t i = 0; i < reference.frame_count * 53; i++) {
            double want = reference.values[i];
            cr_expect_float_eq(frames.values[i], want, fmax(1e-4, 1e-3 * fabs(want)), "level %d value %zu: %g vs C %g",
                               level, i, (double)frames.values[i], want);
        }
        test_frames_free(&frames);
    }
    test_frames_free(&reference);
    free(clipped);
}

Test(frontend_mfcc, reset_restarts_the_stream)
{
    size_t count;
    int16_t *speech = test_load_speech(&count);
    struct wakecert_mfcc_config config;
    wakecert_mfcc_config_default(&config);
    struct test_frames fresh, again;
    test_run(&config, -1, speech, count, &fresh);
    wakecert_mfcc *frontend = NULL;
    cr_assert_eq(wakecert_mfcc_create(&config, -1, &frontend, NULL, 0), 0);
    test_frames_init(&again, 40, 13);
    wakecert_mfcc_push(frontend, speech + 1234, 777, test_frames_collect, &again); /* unrelated audio */
    wakecert_mfcc_reset(frontend);
    test_frames_free(&again);
    test_frames_init(&again, 40, 13);
    wakecert_mfcc_push(frontend, speech, count, test_frames_collect, &again);
    wakecert_mfcc_destroy(frontend);
    cr_assert_eq(again.frame_count, fresh.frame_count);
    cr_expect_eq(again.out_of_order, 0, "frame numbering did not restart at 0");
    cr_expect(memcmp(again.values, fresh.values, fresh.frame_count * 53 * sizeof(float)) == 0);
    test_frames_free(&fresh);
    test_frames_free(&again);
    free(speech);
}

Test(frontend_mfcc, level_is_clamped_and_reported)
{
    struct wakecert_mfcc_config config;
    wakecert_mfcc_config_default(&config);
    wakecert_mfcc *frontend = NULL;
    cr_assert_eq(wakecert_mfcc_create(&config, 99, &frontend, NULL, 0), 0);
    cr_expect_eq(wakecert_mfcc_level(frontend), top_level());
    wakecert_mfcc_destroy(frontend);
    cr_assert_eq(wakecert_mfcc_create(&config, WAKECERT_CPU_C, &frontend, NULL, 0), 0);
    cr_expect_eq(wakecert_mfcc_level(frontend), WAKECERT_CPU_C);
    wakecert_mfcc_destroy(frontend);
    cr_assert_eq(wakecert_mfcc_create(&config, -1, &frontend, NULL, 0), 0);
    cr_expect_eq(wakecert_mfcc_level(frontend), (int)wakecert_cpu_level());
    wakecert_mfcc_destroy(frontend);
    wakecert_mfcc_destroy(NULL);
}

/* Each row breaks one field; creation must fail with WAKECERT_ERROR_USAGE and name the field. */
struct bad_config {
    const char *field;
    void (*apply)(struct wakecert_mfcc_config *config);
};
static void bad_rate(struct wakecert_mfcc_config *c) { c->sample_rate = 0; }
static void bad_preemphasis(struct wakecert_mfcc_config *c) { c->preemphasis = 1.5f; }
static void bad_fft(struct wakecert_mfcc_config *c) { c->fft_size = 511; }
static void bad_window(struct wakecert_mfcc_config *c) { c->window_length = 600; }
static void bad_hop(struct wakecert_mfcc_config *c) { c->hop_length = 0; }
static void bad_filters(struct wakecert_mfcc_config *c) { c->mel_filter_count = 0; }
static void bad_range(struct wakecert_mfcc_config *c) { c->high_frequency_hz = 9000.0f; }
static void bad_floor(struct wakecert_mfcc_config *c) { c->log_floor = 0.0f; }
static void bad_cepstra(struct wakecert_mfcc_config *c) { c->cepstrum_count = 41; }

Test(frontend_mfcc, invalid_configurations_are_refused)
{
    static const struct bad_config rows[] = {
        {"sample_rate", bad_rate}, {"preemphasis", bad_preemphasis}, {"fft_size", bad_fft},
        {"window_length", bad_window}, {"hop_length", bad_hop}, {"mel_filter_count", bad_filters},
        {"frequency range", bad_range}, {"log_floor", bad_floor}, {"cepstrum_count", bad_cepstra},
    };
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        struct wakecert_mfcc_config config;
        wakecert_mfcc_config_default(&config);
        rows[r].apply(&config);
        wakecert_mfcc *frontend = (wakecert_mfcc *)&config; /* must be overwritten with NULL */
        char message[256] = "";
        int status = wakecert_mfcc_create(&config, -1, &frontend, message, sizeof message);
        cr_expect_eq(status, WAKECERT_ERROR_USAGE, "row %s: status %d", rows[r].field, status);
        cr_expect_null(frontend, "row %s: handle not cleared", rows[r].field);
        cr_expect(strstr(message, rows[r].field) != NULL, "row %s: message \"%s\" does not name it", rows[r].field,
                  message);
    }
}

/* A non-default configuration (every number is a parameter): all levels agree with C. */
Test(frontend_mfcc, other_configuration_agrees_across_levels)
{
    size_t count;
    int16_t *speech = test_load_speech(&count);
    struct wakecert_mfcc_config config;
    wakecert_mfcc_config_default(&config);
    config.fft_size = 1024;
    config.window_length = 700;
    config.hop_length = 123;
    config.mel_filter_count = 61;
    config.cepstrum_count = 23;
    config.preemphasis = 0.5f;
    config.low_frequency_hz = 60.0f;
    config.high_frequency_hz = 7600.0f;
    struct test_frames reference;
    test_run(&config, WAKECERT_CPU_C, speech, count, &reference);
    cr_assert_eq(reference.frame_count, (count - 700) / 123 + 1);
    for (int level = 1; level <= top_level(); level++) {
        struct test_frames frames;
        test_run(&config, level, speech, count, &frames);
        cr_assert_eq(frames.frame_count, reference.frame_count);
        for (size_t i = 0; i < reference.frame_count * 84; i++) {
            double want = reference.values[i];
            cr_expect_float_eq(frames.values[i], want, fmax(1e-4, 1e-3 * fabs(want)), "level %d value %zu", level, i);
        }
        test_frames_free(&frames);
    }
    test_frames_free(&reference);
    free(speech);
}
