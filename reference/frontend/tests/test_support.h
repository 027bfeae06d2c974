/*
 * Shared fixtures of the front end's tests: a seeded random generator (tests must repeat), the
 * committed speech clip, and a frame collector that stores every frame the front end emits so tests
 * can compare whole runs. Nothing here is timed; sizes are kept small so the suite also runs quickly
 * under valgrind memcheck.
 */
#ifndef WAKECERT_FRONTEND_TEST_SUPPORT_H
#define WAKECERT_FRONTEND_TEST_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#include "mfcc.h"

/** xorshift64* state; seed it with any non-zero value. */
struct test_random {
    uint64_t state;
};

/** Next 64 random bits. */
uint64_t test_random_next(struct test_random *random);
/** Uniform in [0, 1). */
double test_random_uniform(struct test_random *random);
/** Uniform integer in [low, high]. */
int test_random_between(struct test_random *random, int low, int high);

/** Load tests/data/speech.wav (16 kHz mono int16). Returns a malloc'd array and its length; aborts
 *  the test (criterion assertion) if the file cannot be read. */
int16_t *test_load_speech(size_t *out_count);

/** Everything a front end emitted: frame_count frames of filter_count log-mel energies followed by
 *  cepstrum_count cepstra. */
struct test_frames {
    int filter_count;
    int cepstrum_count;
    size_t frame_count;
    size_t capacity;
    int64_t expected_next_index; /* frames must arrive numbered 0, 1, 2, ... */
    int out_of_order;            /* set if one did not */
    float *values;
};

/** Start an empty collection. */
void test_frames_init(struct test_frames *frames, int filter_count, int cepstrum_count);
/** A wakecert_mfcc_frame_fn: ctx is a struct test_frames. */
void test_frames_collect(void *ctx, int64_t frame_index, const float *log_mel, const float *cepstra);
void test_frames_free(struct test_frames *frames);
/** Frame k's values (log-mel then cepstra). */
const float *test_frames_at(const struct test_frames *frames, size_t k);

/** Create a front end with config at level (asserting success), push samples in one go, collect. */
void test_run(const struct wakecert_mfcc_config *config, int level, const int16_t *samples, size_t count,
              struct test_frames *frames);

#endif
