/*
 * Fixtures shared by the corpora tests; see corpora_fixtures.h.
 */
#include "corpora_fixtures.h"

#include <criterion/criterion.h>
#include <ftw.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char fixture_directory[4096];

void fixture_setup(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(fixture_directory, sizeof fixture_directory, "%s/wakecert-corpora-test-XXXXXX", base && *base ? base : "/tmp");
    cr_assert_not_null(mkdtemp(fixture_directory), "mkdtemp failed");
    char cache[4200];
    snprintf(cache, sizeof cache, "%s/cache", fixture_directory);
    setenv("WAKECERT_CACHE_DIR", cache, 1);
    setenv("WAKECERT_DATA_DIR", CORPORA_TEST_DATA_DIR, 1);
}

static int remove_entry(const char *path, const struct stat *info, int flag, struct FTW *walk)
{
    (void)info;
    (void)flag;
    (void)walk;
    return remove(path);
}

void fixture_teardown(void)
{
    if (fixture_directory[0])
        nftw(fixture_directory, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *fixture_path(const char *name)
{
    static char buffers[8][4608];
    static int next = 0;
    char *out = buffers[next++ % 8];
    snprintf(out, sizeof buffers[0], "%s/%s", fixture_directory, name);
    return out;
}

void fixture_write_sine(const char *path, int rate, int channels, int64_t frames, double frequency,
                        const double *amplitude, int format)
{
    SF_INFO info = {.samplerate = rate, .channels = channels, .format = format};
    SNDFILE *sound = sf_open(path, SFM_WRITE, &info);
    cr_assert_not_null(sound, "cannot write %s: %s", path, sf_strerror(NULL));
    float *buffer = malloc((size_t)(frames ? frames : 1) * (size_t)channels * sizeof *buffer);
    cr_assert_not_null(buffer);
    for (int64_t i = 0; i < frames; i++)
        for (int c = 0; c < channels; c++)
            buffer[i * channels + c] = (float)(amplitude[c] * sin(2.0 * 3.14159265358979323846 * frequency * (double)i / rate));
    cr_assert_eq(sf_writef_float(sound, buffer, frames), frames);
    free(buffer);
    sf_close(sound);
}

void fixture_write_text(const char *path, const char *text)
{
    FILE *file = fopen(path, "wb");
    cr_assert_not_null(file, "cannot write %s", path);
    fputs(text, file);
    fclose(file);
}

int16_t *fixture_read_pcm16(const char *path, int64_t *count)
{
    SF_INFO info = {0};
    SNDFILE *sound = sf_open(path, SFM_READ, &info);
    cr_assert_not_null(sound, "cannot read %s", path);
    cr_assert_eq(info.channels, 1);
    int16_t *samples = malloc((size_t)info.frames * sizeof *samples);
    cr_assert_eq(sf_readf_short(sound, samples, info.frames), info.frames);
    sf_close(sound);
    *count = info.frames;
    return samples;
}

const char *fixture_recipe(const char *name)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/corpora/recipes/%s.json", CORPORA_TEST_DATA_DIR, name);
    return path;
}

void fixture_build(const char *recipe_path, const char *out_name)
{
    char message[1024] = "";
    int status = wakecert_corpus_build(recipe_path, fixture_path(out_name), 0, message, sizeof message);
    cr_assert_eq(status, 0, "build of %s failed: %s", recipe_path, message);
}

double fixture_rms_dbfs(const int16_t *samples, int64_t begin, int64_t end)
{
    if (end <= begin)
        return -200.0;
    double sum = 0.0;
    for (int64_t i = begin; i < end; i++)
        sum += (double)samples[i] * samples[i];
    double mean = sum / (double)(end - begin);
    return mean > 0 ? 10.0 * log10(mean / (32768.0 * 32768.0)) : -200.0;
}
