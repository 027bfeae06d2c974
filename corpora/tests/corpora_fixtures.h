/*
 * Shared fixtures of the corpora tests: a private temporary directory per test (also used as
 * WAKECERT_CACHE_DIR, so tests never touch the user's cache), small generated sound files, text files,
 * and a tiny audio reader. Fixture audio is generated in the test itself — nothing binary is committed.
 */
#ifndef WAKECERT_CORPORA_TESTS_FIXTURES_H
#define WAKECERT_CORPORA_TESTS_FIXTURES_H

#include <stddef.h>
#include <stdint.h>

#include "corpus.h"

/* The per-test scratch directory (created by fixture_setup, removed by fixture_teardown). */
extern char fixture_directory[4096];

/** Criterion .init: make a fresh scratch directory, point WAKECERT_CACHE_DIR into it and
 *  WAKECERT_DATA_DIR at the source tree (so "smoke" resolves to the recipe under test). */
void fixture_setup(void);
/** Criterion .fini: remove the scratch directory recursively. */
void fixture_teardown(void);

/** fixture_directory + "/" + name into a static rotating buffer (valid for a few calls). */
const char *fixture_path(const char *name);

/** Write a sound file: `frames` frames of a `frequency` Hz sine per channel with amplitude
 *  amplitude[channel] (full scale 1), at `rate`, in `format` (SF_FORMAT_WAV|SF_FORMAT_PCM_16 etc.).
 *  Aborts the test on failure. */
void fixture_write_sine(const char *path, int rate, int channels, int64_t frames, double frequency,
                        const double *amplitude, int format);

/** Write text to a file; aborts the test on failure. */
void fixture_write_text(const char *path, const char *text);

/** Read a mono 16-bit file's samples exactly (malloc'd); aborts on failure. */
int16_t *fixture_read_pcm16(const char *path, int64_t *count);

/** Path of the shipped recipe directory in the source tree. */
const char *fixture_recipe(const char *name);

/** Build recipe `recipe_path` into fixture_path(out_name); aborts with the generator's message on failure. */
void fixture_build(const char *recipe_path, const char *out_name);

/** RMS in dBFS of samples[begin, end) (int16 full scale); -200 for an empty or silent range. */
double fixture_rms_dbfs(const int16_t *samples, int64_t begin, int64_t end);

#endif
