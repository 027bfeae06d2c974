/*
 * Shared fixtures of the front end's tests (see test_support.h).
 */
#include "test_support.h"

#include <criterion/criterion.h>
#include <sndfile.h>
#include <stdlib.h>
#include <string.h>

#ifndef WAKECERT_FRONTEND_TEST_DATA
#error "WAKECERT_FRONTEND_TEST_DATA must name the tests/data folder"
#endif

uint64_t test_random_next(struct test_random *random)
{
    random->state ^= random->state >> 12;
    random->state ^= random->state << 25;
    random->state ^= random->state >> 27;
    return random->state * 0x2545F4914F6CDD1DULL;
}

double test_random_uniform(struct test_random *random)
{
    return (double)(test_random_next(random) >> 11) / 9007199254740992.0;
}

int test_random_between(struct test_random *random, int low, int high)
{
    return low + (int)(test_random_next(random) % (uint64_t)(high - low + 1));
}

int16_t *test_load_speech(size_t *out_count)
{
    const char *path = WAKECERT_FRONTEND_TEST_DATA "/speech.wav";
    SF_INFO info;
    memset(&info, 0, sizeof info);
    SNDFILE *file = sf_open(path, SFM_READ, &info);
    cr_assert_not_null(file, "cannot open %s: %s", path, sf_strerror(NULL));
    cr_assert_eq(info.samplerate, 16000, "%s is not 16 kHz", path);
    cr_assert_eq(info.channels, 1, "%s is not mono", path);
    int16_t *samples = malloc((size_t)info.frames * sizeof *samples);
    cr_assert_not_null(samples);
    sf_count_t read = sf_read_short(file, samples, info.frames);
    sf_close(file);
    cr_assert_eq(read, info.frames, "short read from %s", path);
    *out_count = (size_t)info.frames;
    return samples;
}

void test_frames_init(struct test_frames *frames, int filter_count, int cepstrum_count)
{
    memset(frames, 0, sizeof *frames);
    frames->filter_count = filter_count;
    frames->cepstrum_count = cepstrum_count;
}

void test_frames_collect(void *ctx, int64_t frame_index, const float *log_mel, const float *cepstra)
{
    struct test_frames *frames = ctx;
    if (frame_index != frames->expected_next_index)
        frames->out_of_order = 1;
    frames->expected_next_index = frame_index + 1;
    size_t width = (size_t)(frames->filter_count + frames->cepstrum_count);
    if (frames->frame_count == frames->capacity) {
        frames->capacity = frames->capacity ? 2 * frames->capacity : 64;
        frames->values = realloc(frames->values, frames->capacity * width * sizeof(float));
        cr_assert_not_null(frames->values);
    }
    float *row = frames->values + frames->frame_count * width;
    memcpy(row, log_mel, (size_t)frames->filter_count * sizeof(float));
    memcpy(row + frames->filter_count, cepstra, (size_t)frames->cepstrum_count * sizeof(float));
    frames->frame_count++;
}

void test_frames_free(struct test_frames *frames)
{
    free(frames->values);
    memset(frames, 0, sizeof *frames);
}

const float *test_frames_at(const struct test_frames *frames, size_t k)
{
    return frames->values + k * (size_t)(frames->filter_count + frames->cepstrum_count);
}

void test_run(const struct wakecert_mfcc_config *config, int level, const int16_t *samples, size_t count,
              struct test_frames *frames)
{
    wakecert_mfcc *frontend = NULL;
    char message[256] = "";
    int status = wakecert_mfcc_create(config, level, &frontend, message, sizeof message);
    cr_assert_eq(status, 0, "wakecert_mfcc_create failed: %s", message);
    test_frames_init(frames, config->mel_filter_count, config->cepstrum_count);
    wakecert_mfcc_push(frontend, samples, count, test_frames_collect, frames);
    wakecert_mfcc_destroy(frontend);
    cr_assert_eq(frames->out_of_order, 0, "frames arrived out of order");
}
