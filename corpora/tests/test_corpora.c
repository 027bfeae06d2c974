/*
 * Tests of the corpus generator, the mixer, audio reading, manifest loading/verification and the
 * `corpus` command. Import of labels.csv folders has its own file (test_labels_import.c).
 *
 * The generator tests build the real shipped smoke recipe (under a second each) into a per-test
 * scratch directory, so what is checked here is exactly what the harness scores.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "corpora_fixtures.h"
#include "corpus.h"
#include "corpus_command.h"
#include "corpus_internal.h"
#include "error.h"
#include "files.h"
#include "sha256.h"

TestSuite(generator, .init = fixture_setup, .fini = fixture_teardown, .timeout = 60);
TestSuite(mixer, .init = fixture_setup, .fini = fixture_teardown, .timeout = 30);
TestSuite(audio, .init = fixture_setup, .fini = fixture_teardown, .timeout = 30);
TestSuite(manifest, .init = fixture_setup, .fini = fixture_teardown, .timeout = 30);
TestSuite(command, .init = fixture_setup, .fini = fixture_teardown, .timeout = 60);

static void load_or_fail(const char *directory, struct wakecert_corpus *corpus)
{
    char message[1024] = "";
    int status = wakecert_corpus_load(directory, corpus, message, sizeof message);
    cr_assert_eq(status, 0, "load %s: %s", directory, message);
}

static const struct wakecert_corpus_file *find_file(const struct wakecert_corpus *corpus, const char *path)
{
    for (size_t i = 0; i < corpus->file_count; i++)
        if (strcmp(corpus->files[i].path, path) == 0)
            return &corpus->files[i];
    cr_assert_fail("corpus has no file %s", path);
    return NULL;
}

/* ---------------------------------------------------------------- generator */

/* Same recipe, same bytes: in one process (espeak-ng state must not leak from one build into the
 * next) and whatever the number of worker processes. */
Test(generator, same_recipe_gives_same_bytes)
{
    setenv("WAKECERT_CORPUS_JOBS", "1", 1);
    fixture_build(fixture_recipe("smoke"), "first");
    setenv("WAKECERT_CORPUS_JOBS", "3", 1);
    fixture_build(fixture_recipe("smoke"), "second");
    struct wakecert_corpus first, second;
    load_or_fail(fixture_path("first"), &first);
    load_or_fail(fixture_path("second"), &second);
    cr_assert_str_eq(first.manifest_sha256, second.manifest_sha256);
    cr_assert_eq(first.file_count, 14);
    cr_assert_eq(second.file_count, first.file_count);
    for (size_t i = 0; i < first.file_count; i++) {
        char digest[WAKECERT_SHA256_HEX_SIZE];
        cr_assert_eq(wakecert_sha256_file(second.files[i].full_path, digest, NULL, 0), 0);
        cr_assert_str_eq(digest, first.files[i].sha256, "%s differs between builds", first.files[i].path);
    }
    /* No temporary sibling left behind. */
    struct stat info;
    char leftover[4200];
    snprintf(leftover, sizeof leftover, "%s.tmp-%ld", fixture_path("first"), (long)getpid());
    cr_assert_neq(stat(leftover, &info), 0, "temporary build directory left behind");
    wakecert_corpus_free(&first);
    wakecert_corpus_free(&second);
}

Test(generator, smoke_has_the_roles_the_harness_scores)
{
    fixture_build(fixture_recipe("smoke"), "smoke");
    struct wakecert_corpus corpus;
    load_or_fail(fixture_path("smoke"), &corpus);
    cr_assert_str_eq(corpus.name, "smoke");
    int wake_clean = 0, negative = 0, confusable = 0;
    double total_seconds = 0;
    for (size_t i = 0; i < corpus.file_count; i++) {
        const struct wakecert_corpus_file *file = &corpus.files[i];
        total_seconds += (double)file->samples / 16000.0;
        wake_clean += strcmp(file->kind, "wake") == 0 && strcmp(file->condition, "clean") == 0;
        negative += strcmp(file->kind, "negative") == 0;
        confusable += strcmp(file->kind, "confusable") == 0;
        if (strcmp(file->kind, "negative") == 0) {
            cr_assert_eq(file->event_count, 0);
            cr_assert(file->samples >= 12 * 16000 && file->samples <= 16 * 16000, "%s: %lld samples", file->path,
                      (long long)file->samples);
        }
    }
    cr_assert_eq(wake_clean, 9, "4 plain + early + mic-off + button + follow-up spoken and silent");
    cr_assert_eq(negative, 3);
    cr_assert_eq(confusable, 1);
    cr_assert(total_seconds > 80 && total_seconds < 150, "total %.1f s", total_seconds);

    const struct wakecert_corpus_file *noisy = find_file(&corpus, "wake_noise_10db.wav");
    cr_assert_str_eq(noisy->condition, "noise_10db");
    cr_assert_float_eq(noisy->snr_db, 10.0, 1e-9);

    const struct wakecert_corpus_file *early = find_file(&corpus, "wake_early.wav");
    cr_assert_eq(early->events[0].type, WAKECERT_EVENT_WAKE);
    cr_assert_lt(early->events[0].start, 8000, "wake word must start within the first 500 ms");

    const struct wakecert_corpus_file *muted = find_file(&corpus, "wake_mic_off.wav");
    cr_assert_eq(muted->event_count, 5);
    const struct wakecert_corpus_event *mic_off = &muted->events[0];
    cr_assert_eq(mic_off->type, WAKECERT_EVENT_MIC_OFF);
    cr_assert_eq(mic_off->start, 24000);
    cr_assert_eq(muted->events[1].type, WAKECERT_EVENT_WAKE);
    cr_assert(muted->events[1].start > mic_off->start && muted->events[1].request_end < mic_off->end,
              "first wake and its request lie inside the mic-off window");
    cr_assert_eq(mic_off->end - muted->events[1].request_end, 16000, "mic back on 1.0 s after the speech");
    cr_assert_eq(muted->events[3].type, WAKECERT_EVENT_WAKE);
    cr_assert_eq(muted->events[3].start - mic_off->end, 16000, "second wake 1.0 s after mic on");

    const struct wakecert_corpus_file *button = find_file(&corpus, "wake_button.wav");
    cr_assert_eq(button->events[0].type, WAKECERT_EVENT_BUTTON);
    cr_assert_eq(button->events[0].start, button->events[0].end);
    cr_assert_eq(button->events[1].type, WAKECERT_EVENT_REQUEST);
    cr_assert_eq(button->events[1].start - button->events[0].start, 4800, "request 0.3 s after the press");
    cr_assert_eq(button->events[0].request_end, button->events[1].end);

    /* Follow-ups: spoken 0.8 s after the request; or an empty label (the user stays silent). */
    const struct wakecert_corpus_file *spoken = find_file(&corpus, "wake_follow_up.wav");
    const struct wakecert_corpus_file *silent = find_file(&corpus, "wake_follow_up_silent.wav");
    cr_assert_eq(spoken->event_count, 3);
    cr_assert_eq(spoken->events[2].type, WAKECERT_EVENT_FOLLOW_UP);
    cr_assert_eq(spoken->events[2].start - spoken->events[1].end, 12800, "follow-up 0.8 s after the request");
    cr_assert_gt(spoken->events[2].end, spoken->events[2].start);
    cr_assert_eq(silent->events[2].type, WAKECERT_EVENT_FOLLOW_UP);
    cr_assert_eq(silent->events[2].start, silent->events[2].end, "a silent follow-up is an empty label");
    cr_assert_geq(silent->samples - silent->events[2].start, 6 * 16000, "6 s of silence for the timeout to show");

    for (size_t i = 0; i < corpus.file_count; i++) {
        const struct wakecert_corpus_file *file = &corpus.files[i];
        for (size_t e = 0; e < file->event_count; e++) {
            const struct wakecert_corpus_event *event = &file->events[e];
            if (event->type != WAKECERT_EVENT_WAKE)
                continue;
            cr_assert_str_eq(event->word, "alexa");
            cr_assert_gt(event->request_end, event->end, "%s: wake without request_end", file->path);
            int64_t gap = e + 1 < file->event_count ? file->events[e + 1].start - event->end : -1;
            cr_assert(gap >= 2400 && gap <= 4800, "%s: wake-to-request gap %lld samples", file->path, (long long)gap);
            if (strcmp(file->path, "wake_early.wav") != 0 && strcmp(file->path, "wake_mic_off.wav") != 0)
                cr_assert(event->start >= 16000 && event->start <= 32000, "%s: lead-in %lld samples", file->path,
                          (long long)event->start);
            if (e + 2 == file->event_count) /* the last wake (and its request) */
                cr_assert_eq(file->samples - event->request_end, 16000, "%s: 1.0 s tail", file->path);
        }
    }
    wakecert_corpus_free(&corpus);
}

/* Every labelled word holds its piece's energy, and the audio just outside the label is floor only. */
Test(generator, labels_bound_the_speech_exactly)
{
    fixture_build(fixture_recipe("smoke"), "smoke");
    struct wakecert_corpus corpus;
    load_or_fail(fixture_path("smoke"), &corpus);
    int checked = 0;
    for (size_t i = 0; i < corpus.file_count; i++) {
        const struct wakecert_corpus_file *file = &corpus.files[i];
        if (strcmp(file->condition, "clean") != 0)
            continue;
        int64_t count = 0;
        int16_t *samples = fixture_read_pcm16(file->full_path, &count);
        cr_assert_eq(count, file->samples);
        for (size_t e = 0; e < file->event_count; e++) {
            const struct wakecert_corpus_event *event = &file->events[e];
            if (event->type != WAKECERT_EVENT_WAKE && event->type != WAKECERT_EVENT_CONFUSABLE)
                continue;
            const int64_t edge = 480; /* 30 ms */
            double inside = fixture_rms_dbfs(samples, event->start, event->end);
            double before = fixture_rms_dbfs(samples, event->start - edge, event->start);
            double after = fixture_rms_dbfs(samples, event->end, event->end + edge);
            cr_assert_gt(inside, -35.0, "%s: %s at %lld is too quiet (%.1f dBFS)", file->path, event->word,
                         (long long)event->start, inside);
            cr_assert_lt(before, -55.0, "%s: energy just before %s at %lld: %.1f dBFS", file->path, event->word,
                         (long long)event->start, before);
            cr_assert_lt(after, -55.0, "%s: energy just after %s ending at %lld: %.1f dBFS", file->path, event->word,
                         (long long)event->end, after);
            /* And the word's first and last 10 ms are not floor: the label is not loose either. */
            cr_assert_gt(fixture_rms_dbfs(samples, event->start, event->start + 160), -58.0,
                         "%s: label of %s starts before the speech", file->path, event->word);
            cr_assert_gt(fixture_rms_dbfs(samples, event->end - 160, event->end), -58.0,
                         "%s: label of %s ends after the speech", file->path, event->word);
            checked++;
        }
        /* The noise floor: no 10 ms stretch is digital silence. */
        for (int64_t start = 0; start + 160 <= count; start += 160)
            cr_assert_gt(fixture_rms_dbfs(samples, start, start + 160), -75.0, "%s: digital silence at %lld",
                         file->path, (long long)start);
        free(samples);
    }
    cr_assert_eq(checked, 13, "9 wake words in clean files + 4 confusables, checked %d", checked);
    wakecert_corpus_free(&corpus);
}

/* The phonemes fed for each wake word are what espeak-ng itself says for the spelling: a package
 * update that changes the pronunciation rules breaks this test instead of silently the corpus. */
struct phoneme_row {
    const char *voice;
    const char *word;
};

/* Criterion re-executes the test binary per test, so parameters must not hold pointers:
 * they are indices into this table. */
static const struct phoneme_row wake_word_phonemes_match_espeak_rows[] = {
        {"en-us", "alexa"}, {"en", "alexa"}, {"en-us+m3", "alexa"}, {"en-us", "amazon"},
        {"en-us", "computer"}, {"en-us", "echo"},
};

ParameterizedTestParameters(generator, wake_word_phonemes_match_espeak)
{
    static size_t indices[sizeof wake_word_phonemes_match_espeak_rows / sizeof wake_word_phonemes_match_espeak_rows[0]];
    for (size_t i = 0; i < sizeof indices / sizeof indices[0]; i++)
        indices[i] = i;
    return cr_make_param_array(size_t, indices, sizeof indices / sizeof indices[0]);
}

ParameterizedTest(size_t *index, generator, wake_word_phonemes_match_espeak)
{
    const struct phoneme_row *row = &wake_word_phonemes_match_espeak_rows[*index];
    char phonemes[256], message[256] = "";
    cr_assert_eq(wakecert_synth_text_to_phonemes(row->voice, row->word, phonemes, sizeof phonemes, message,
                                                 sizeof message),
                 0, "%s", message);
    const char *fed = wakecert_wake_word_phonemes(row->word);
    cr_assert_not_null(fed, "no table entry for %s", row->word);
    cr_assert_str_eq(phonemes, fed, "voice %s: espeak-ng says [[%s]] for \"%s\", the generator feeds [[%s]]",
                     row->voice, phonemes, row->word, fed);
}

Test(generator, trim_finds_the_loud_part)
{
    float x[16000] = {0};
    for (int i = 4000; i < 9000; i++)
        x[i] = 0.3f * (float)sin(i * 0.2);
    x[100] = 1e-6f; /* far below -50 dB of the loudest frame: trimmed */
    int64_t begin = -1, end = -1;
    wakecert_trim_silence(x, 16000, &begin, &end);
    cr_assert_eq(begin, 4000);
    cr_assert_eq(end, 9040, "end rounds up to the 5 ms frame holding the last loud sample");
    float silent[800] = {0};
    wakecert_trim_silence(silent, 800, &begin, &end);
    cr_assert_eq(begin, end);
}

Test(generator, open_builds_once_then_reuses_the_cache)
{
    struct wakecert_corpus corpus;
    char message[1024] = "";
    cr_assert_eq(wakecert_corpus_open("smoke", &corpus, 0, message, sizeof message), 0, "%s", message);
    char cache_root[4096];
    wakecert_cache_directory(cache_root, sizeof cache_root);
    cr_assert(strncmp(corpus.directory, cache_root, strlen(cache_root)) == 0, "built into %s", corpus.directory);
    cr_assert(strstr(corpus.directory, "/corpora/smoke-") != NULL, "%s", corpus.directory);
    char manifest[4200];
    snprintf(manifest, sizeof manifest, "%s/manifest.json", corpus.directory);
    struct stat first, second;
    cr_assert_eq(stat(manifest, &first), 0);
    char first_hash[65];
    memcpy(first_hash, corpus.manifest_sha256, 65);
    wakecert_corpus_free(&corpus);
    wakecert_corpus_free(&corpus); /* idempotent */

    cr_assert_eq(wakecert_corpus_open("smoke", &corpus, 0, message, sizeof message), 0, "%s", message);
    cr_assert_eq(stat(manifest, &second), 0);
    cr_assert_eq(first.st_ino, second.st_ino, "second open rebuilt the corpus");
    cr_assert_eq(first.st_mtim.tv_nsec, second.st_mtim.tv_nsec);
    cr_assert_str_eq(corpus.manifest_sha256, first_hash);
    wakecert_corpus_free(&corpus);

    cr_assert_lt(wakecert_corpus_open("no-such-recipe", &corpus, 0, message, sizeof message), 0);
    cr_assert(strstr(message, "no-such-recipe") != NULL, "%s", message);
    cr_assert_eq(corpus.file_count, 0);
}

struct recipe_error_row {
    const char *recipe;
    const char *expected;
};

/* Criterion re-executes the test binary per test, so parameters must not hold pointers:
 * they are indices into this table. */
static const struct recipe_error_row bad_recipes_are_reported_rows[] = {
        {"{\"schema\":\"wakecert-recipe/9\",\"name\":\"x\",\"files\":[]}", "\"schema\" must be"},
        {"{\"schema\":\"wakecert-recipe/1\",\"name\":\"x\"}", "missing \"files\""},
        {"{\"schema\":\"wakecert-recipe/1\",\"name\":\"x\",\"files\":[{\"path\":\"a.wav\",\"kind\":\"speech\","
         "\"segments\":[{\"gap\":1}]}]}",
         "files[0] (a.wav): \"kind\" missing or unknown"},
        {"{\"schema\":\"wakecert-recipe/1\",\"name\":\"x\",\"files\":[{\"path\":\"a.wav\",\"kind\":\"wake\","
         "\"segments\":[{\"gap\":1},{\"sing\":\"la\"}]}]}",
         "files[0] (a.wav): segments[1]: expected one of"},
        {"{\"schema\":\"wakecert-recipe/1\",\"name\":\"x\",\"files\":[{\"path\":\"a.wav\",\"kind\":\"wake\","
         "\"segments\":[{\"gap\":1},{\"pad_to\":0.5}]}]}",
         "segments[1]: pad_to 0.500 s, but the file is already 1.000 s long"},
        {"{\"schema\":\"wakecert-recipe/1\",\"name\":\"x\",\"files\":[{\"path\":\"a.wav\",\"kind\":\"wake\","
         "\"segments\":[{\"wake\":\"hal\"}]}]}",
         "no phoneme string for wake word \"hal\""},
        {"{\"schema\":\"wakecert-recipe/1\",\"name\":\"x\",\"files\":[{\"path\":\"a.wav\",\"kind\":\"wake\","
         "\"voice\":\"xx-nonexistent\",\"segments\":[{\"say\":\"hello\"}]}]}",
         "espeak-ng has no voice \"xx-nonexistent\""},
        {"{\"schema\":\"wakecert-recipe/1\",\"name\":\"x\",\"files\":[{\"path\":\"a.wav\",\"kind\":\"wake\","
         "\"segments\":[{\"mic_on\":true}]}]}",
         "mic_on without a preceding mic_off"},
        {"{\"schema\":\"wakecert-recipe/1\",\"name\":\"x\",\"files\":[{\"path\":\"a.wav\",\"kind\":\"negative\","
         "\"noise\":{\"type\":\"purple\",\"snr_db\":5},\"segments\":[{\"say\":\"hello\"}]}]}",
         "unknown noise type \"purple\""},
        {"{\"schema\":\"wakecert-recipe/1\",\"name\":\"x\",\"files\":[{\"path\":\"a.wav\",\"kind\":\"negative\","
         "\"segments\":[{\"gap\":0.1}]},{\"path\":\"a.wav\",\"kind\":\"negative\",\"segments\":[{\"gap\":0.1}]}]}",
         "path \"a.wav\" duplicates files[0]"},
        /* Several files: built by worker processes; the failing file's message still comes through. */
        {"{\"schema\":\"wakecert-recipe/1\",\"name\":\"x\",\"files\":[{\"path\":\"a.wav\",\"kind\":\"negative\","
         "\"segments\":[{\"gap\":0.1}]},{\"path\":\"b.wav\",\"kind\":\"negative\",\"segments\":[{\"gap\":0.1}]},"
         "{\"path\":\"c.wav\",\"kind\":\"negative\",\"segments\":[{\"gap\":0.1},{\"pad_to\":0.05}]}]}",
         "files[2] (c.wav): segments[1]: pad_to 0.050 s"},
        {"{\"schema\":\"wakecert-recipe/1\",\"name\":\"x\",\"seed\":-3,\"files\":[{\"path\":\"a.wav\","
         "\"kind\":\"negative\",\"segments\":[{\"gap\":0.1}]}]}",
         "\"seed\" must be an integer"},
        {"{\"schema\":\"wakecert-recipe/1\",\"name\":\"x\",\"files\":[{\"path\":\"a.wav\",\"kind\":\"negative\","
         "\"rate\":1000,\"segments\":[{\"gap\":0.1}]}]}",
         "rate must be 80-450"},
        {"{\"schema\":\"wakecert-recipe/1\",\"name\":\"x\",\"files\":[{\"path\":\"a.wav\",\"kind\":\"wake\","
         "\"reverb\":{\"rt60\":0.5,\"room\":[1,1,1]},\"segments\":[{\"say\":\"hello\"}]}]}",
         "room dimensions must be 1.5 to 50 m"},
        {"{\"schema\":\"wakecert-recipe/1\",\"name\":\"x\",\"files\":[{\"path\":\"a.wav\",\"kind\":\"wake\","
         "\"reverb\":{\"rt60\":0.5,\"source\":[1,1,1]},\"segments\":[{\"say\":\"hello\"}]}]}",
         "give both reverb source and microphone"},
};

ParameterizedTestParameters(generator, bad_recipes_are_reported)
{
    static size_t indices[sizeof bad_recipes_are_reported_rows / sizeof bad_recipes_are_reported_rows[0]];
    for (size_t i = 0; i < sizeof indices / sizeof indices[0]; i++)
        indices[i] = i;
    return cr_make_param_array(size_t, indices, sizeof indices / sizeof indices[0]);
}

ParameterizedTest(size_t *index, generator, bad_recipes_are_reported)
{
    const struct recipe_error_row *row = &bad_recipes_are_reported_rows[*index];
    setenv("WAKECERT_CORPUS_JOBS", "2", 1);
    fixture_write_text(fixture_path("bad.json"), row->recipe);
    char message[1024] = "";
    int status = wakecert_corpus_build(fixture_path("bad.json"), fixture_path("out"), 0, message, sizeof message);
    cr_assert_lt(status, 0, "recipe %s was accepted", row->recipe);
    cr_assert(strstr(message, row->expected) != NULL, "expected \"%s\" in \"%s\"", row->expected, message);
    struct stat info;
    cr_assert_neq(stat(fixture_path("out"), &info), 0, "a failed build left %s behind", fixture_path("out"));
    char leftover[4200];
    snprintf(leftover, sizeof leftover, "%s.tmp-%ld", fixture_path("out"), (long)getpid());
    cr_assert_neq(stat(leftover, &info), 0, "a failed build left its temporary directory behind");
}

Test(generator, refuses_to_overwrite_a_non_empty_directory)
{
    fixture_build(fixture_recipe("smoke"), "smoke");
    char message[1024] = "";
    int status = wakecert_corpus_build(fixture_recipe("smoke"), fixture_path("smoke"), 0, message, sizeof message);
    cr_assert_eq(status, WAKECERT_ERROR_USAGE);
    cr_assert(strstr(message, "already exists") != NULL, "%s", message);
}

/* ---------------------------------------------------------------- mixer */

Test(mixer, pcg32_matches_the_reference_stream)
{
    /* pcg32-demo (pcg-c-basic) with seed 42, sequence 54. */
    static const uint32_t expected[] = {0xa15c02b7, 0x7b47f409, 0xba1d3330, 0x83d2f293, 0xbfa4784b, 0xcbed606e};
    struct wakecert_prng prng;
    wakecert_prng_seed(&prng, 42, 54);
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++)
        cr_assert_eq(wakecert_prng_next(&prng), expected[i], "output %zu", i);
}

Test(mixer, white_noise_has_unit_variance_and_repeats)
{
    enum { count = 200000 };
    static float a[count], b[count];
    struct wakecert_prng prng;
    wakecert_prng_seed(&prng, 7, 1);
    wakecert_noise_white(&prng, a, count);
    wakecert_prng_seed(&prng, 7, 1);
    wakecert_noise_white(&prng, b, count);
    cr_assert_eq(memcmp(a, b, sizeof a), 0, "same seed, different noise");
    double mean = 0;
    for (int i = 0; i < count; i++)
        mean += a[i];
    mean /= count;
    cr_assert_lt(fabs(mean), 0.01);
    cr_assert_float_eq(wakecert_mean_square(a, NULL, count), 1.0, 0.01);
}

ParameterizedTestParameters(mixer, snr_is_exact_over_the_active_part)
{
    static double snrs[] = {20.0, 10.0, 5.0, 0.0, -5.0};
    return cr_make_param_array(double, snrs, sizeof snrs / sizeof snrs[0]);
}

ParameterizedTest(double *snr, mixer, snr_is_exact_over_the_active_part)
{
    enum { count = 48000 };
    static float signal[count], clean[count], noise[count];
    static uint8_t active[count];
    for (int i = 0; i < count; i++) {
        active[i] = (i / 4000) % 2; /* speech in alternate quarter seconds */
        signal[i] = active[i] ? 0.3f * (float)sin(i * 0.05) : 0.0f;
        clean[i] = signal[i];
    }
    struct wakecert_prng prng;
    wakecert_prng_seed(&prng, 3, 3);
    wakecert_noise_white(&prng, noise, count);
    char message[256] = "";
    cr_assert_eq(wakecert_mix_at_snr(signal, noise, active, count, *snr, message, sizeof message), 0, "%s", message);
    double signal_power = 0, noise_power = 0;
    int used = 0;
    for (int i = 0; i < count; i++) {
        if (!active[i])
            continue;
        signal_power += (double)clean[i] * clean[i];
        double added = (double)signal[i] - clean[i];
        noise_power += added * added;
        used++;
    }
    double measured = 10 * log10(signal_power / noise_power);
    cr_assert_float_eq(measured, *snr, 0.5, "asked %.1f dB, measured %.3f dB", *snr, measured);
    cr_assert_float_eq(measured, *snr, 0.01, "float rounding only: measured %.4f dB", measured);
    (void)used;
}

Test(mixer, refuses_silence)
{
    float signal[100] = {0}, noise[100];
    for (int i = 0; i < 100; i++)
        noise[i] = 1.0f;
    char message[256] = "";
    cr_assert_eq(wakecert_mix_at_snr(signal, noise, NULL, 100, 10, message, sizeof message), WAKECERT_ERROR_FORMAT);
    cr_assert(strstr(message, "10.0 dB") != NULL, "%s", message);
}

/* The generator's noisy files: build the same speech with and without noise and measure the SNR of
 * the difference over the labelled speech (the recipe has only labelled speech pieces). */
struct generated_snr_row {
    const char *type;
    double snr_db;
};

static const struct generated_snr_row generated_snr_rows[] = {
    {"white", 10.0}, {"white", 20.0}, {"pink", 5.0}, {"brown", 0.0}, {"babble", 5.0},
};

ParameterizedTestParameters(mixer, generated_file_has_the_recipe_snr)
{
    static size_t indices[sizeof generated_snr_rows / sizeof generated_snr_rows[0]];
    for (size_t i = 0; i < sizeof indices / sizeof indices[0]; i++)
        indices[i] = i;
    return cr_make_param_array(size_t, indices, sizeof indices / sizeof indices[0]);
}

ParameterizedTest(size_t *index, mixer, generated_file_has_the_recipe_snr)
{
    const struct generated_snr_row *row = &generated_snr_rows[*index];
    char recipe[2048];
    snprintf(recipe, sizeof recipe,
             "{\"schema\":\"wakecert-recipe/1\",\"name\":\"snr\",\"seed\":5,\"files\":["
             "{\"path\":\"clean.wav\",\"kind\":\"wake\",\"voice\":\"en-us\",\"segments\":[{\"gap\":0.5},"
             "{\"wake\":\"alexa\"},{\"gap\":0.2},{\"request\":\"play some music\"},{\"gap\":0.5}]},"
             "{\"path\":\"noisy.wav\",\"kind\":\"wake\",\"condition\":\"%s_%gdb\",\"voice\":\"en-us\","
             "\"noise\":{\"type\":\"%s\",\"snr_db\":%g},\"segments\":[{\"gap\":0.5},{\"wake\":\"alexa\"},"
             "{\"gap\":0.2},{\"request\":\"play some music\"},{\"gap\":0.5}]}]}",
             row->type, row->snr_db, row->type, row->snr_db);
    fixture_write_text(fixture_path("snr.json"), recipe);
    fixture_build(fixture_path("snr.json"), "snr");
    struct wakecert_corpus corpus;
    load_or_fail(fixture_path("snr"), &corpus);
    int64_t clean_count = 0, noisy_count = 0;
    int16_t *clean = fixture_read_pcm16(corpus.files[0].full_path, &clean_count);
    int16_t *noisy = fixture_read_pcm16(corpus.files[1].full_path, &noisy_count);
    cr_assert_eq(clean_count, noisy_count);
    double speech = 0, added = 0;
    for (size_t e = 0; e < corpus.files[1].event_count; e++) {
        const struct wakecert_corpus_event *event = &corpus.files[1].events[e];
        if (event->type != WAKECERT_EVENT_WAKE && event->type != WAKECERT_EVENT_REQUEST)
            continue;
        for (int64_t i = event->start; i < event->end; i++) {
            speech += (double)clean[i] * clean[i];
            double difference = (double)noisy[i] - clean[i];
            added += difference * difference;
        }
    }
    double measured = 10 * log10(speech / added);
    cr_assert_float_eq(measured, row->snr_db, 0.5, "%s noise: asked %.1f dB, measured %.2f dB", row->type,
                       row->snr_db, measured);
    cr_assert_float_eq(corpus.files[1].snr_db, row->snr_db, 1e-9);
    cr_assert(isnan(corpus.files[0].snr_db));
    free(clean);
    free(noisy);
    wakecert_corpus_free(&corpus);
}

/* Power spectral density of x near `frequency` (Hann-windowed DFT bin averaged over 1024-sample blocks). */
static double band_power(const float *x, int64_t count, double frequency)
{
    const int block = 1024;
    double total = 0;
    int blocks = 0;
    for (int64_t start = 0; start + block <= count; start += block, blocks++) {
        double re = 0, im = 0;
        for (int n = 0; n < block; n++) {
            double window = 0.5 - 0.5 * cos(2 * 3.14159265358979323846 * n / block);
            double phase = 2 * 3.14159265358979323846 * frequency * n / 16000.0;
            re += window * x[start + n] * cos(phase);
            im -= window * x[start + n] * sin(phase);
        }
        total += re * re + im * im;
    }
    return total / blocks;
}

struct colour_row {
    const char *type;
    double db_per_octave; /* expected slope */
};

static const struct colour_row colour_rows[] = {{"white", 0.0}, {"pink", -3.0}, {"brown", -6.0}};

ParameterizedTestParameters(mixer, noise_colours_have_their_slopes)
{
    static size_t indices[3] = {0, 1, 2};
    return cr_make_param_array(size_t, indices, 3);
}

ParameterizedTest(size_t *index, mixer, noise_colours_have_their_slopes)
{
    const struct colour_row *row = &colour_rows[*index];
    enum { count = 16000 * 8 };
    static float noise[count];
    struct wakecert_prng prng;
    wakecert_prng_seed(&prng, 11, 2);
    char message[256] = "";
    cr_assert_eq(wakecert_noise_generate(row->type, 0, &prng, noise, count, message, sizeof message), 0, "%s", message);
    cr_assert_float_eq(wakecert_mean_square(noise, NULL, count), 1.0, 1e-3, "unit power");
    /* 250 Hz to 4000 Hz is four octaves. */
    double slope = 10 * log10(band_power(noise, count, 4000.0) / band_power(noise, count, 250.0)) / 4.0;
    cr_assert_float_eq(slope, row->db_per_octave, 0.6, "%s: %.2f dB/octave", row->type, slope);
}

Test(mixer, babble_is_speech_like_and_repeatable)
{
    enum { count = 16000 * 3 };
    static float first[count], second[count];
    struct wakecert_prng prng;
    char message[256] = "";
    wakecert_prng_seed(&prng, 9, 1);
    cr_assert_eq(wakecert_noise_generate("babble", 3, &prng, first, count, message, sizeof message), 0, "%s", message);
    wakecert_prng_seed(&prng, 9, 1);
    cr_assert_eq(wakecert_noise_generate("babble", 3, &prng, second, count, message, sizeof message), 0, "%s", message);
    cr_assert_eq(memcmp(first, second, sizeof first), 0, "same seed, different babble");
    cr_assert_float_eq(wakecert_mean_square(first, NULL, count), 1.0, 1e-3);
    /* Speech has most of its energy below 1 kHz: unlike white noise. */
    cr_assert_gt(band_power(first, count, 500.0), 10 * band_power(first, count, 6000.0));
    cr_assert_lt(wakecert_noise_generate("babble", 0, &prng, first, count, message, sizeof message), 0);
    cr_assert(strstr(message, "1 to 16 talkers") != NULL, "%s", message);
}

/* RT60 of an impulse response by Schroeder backward integration, from the -5 to -25 dB slope (T20). */
static double schroeder_rt60(const float *h, int64_t count)
{
    double *energy = malloc((size_t)count * sizeof *energy);
    double sum = 0;
    for (int64_t i = count; i-- > 0;) {
        sum += (double)h[i] * h[i];
        energy[i] = sum;
    }
    int64_t t5 = -1, t25 = -1;
    for (int64_t i = 0; i < count; i++) {
        double level = 10 * log10(energy[i] / energy[0]);
        if (t5 < 0 && level <= -5)
            t5 = i;
        if (t25 < 0 && level <= -25) {
            t25 = i;
            break;
        }
    }
    free(energy);
    return t25 > t5 && t5 >= 0 ? 3.0 * (double)(t25 - t5) / 16000.0 : -1;
}

ParameterizedTestParameters(mixer, room_response_has_its_rt60)
{
    static double rt60s[] = {0.3, 0.6, 0.9};
    return cr_make_param_array(double, rt60s, 3);
}

ParameterizedTest(double *rt60, mixer, room_response_has_its_rt60)
{
    struct wakecert_room room = {{6.0, 4.5, 3.0}, {-1, -1, -1}, {-1, -1, -1}, *rt60};
    struct wakecert_prng prng;
    wakecert_prng_seed(&prng, 21, 4);
    float *h = NULL;
    int64_t count = 0;
    char message[256] = "";
    cr_assert_eq(wakecert_room_impulse_response(&room, &prng, &h, &count, message, sizeof message), 0, "%s", message);
    cr_assert_float_eq(h[0], 1.0, 1e-6, "direct path at sample 0 with gain 1");
    for (int axis = 0; axis < 3; axis++) {
        cr_assert(room.source[axis] >= 0.5 && room.source[axis] <= room.dimensions[axis] - 0.5);
        cr_assert(room.microphone[axis] >= 0.5 && room.microphone[axis] <= room.dimensions[axis] - 0.5);
    }
    double measured = schroeder_rt60(h, count);
    cr_assert_float_eq(measured, *rt60, *rt60 * 0.25, "asked RT60 %.2f s, Schroeder T20 gives %.3f s", *rt60, measured);
    free(h);

    struct wakecert_room bad = {{1.0, 4.5, 3.0}, {-1, -1, -1}, {-1, -1, -1}, 0.5};
    cr_assert_eq(wakecert_room_impulse_response(&bad, &prng, &h, &count, message, sizeof message),
                 WAKECERT_ERROR_FORMAT);
}

Test(mixer, convolution_matches_a_naive_sum)
{
    float x[50], h[7], out[50];
    struct wakecert_prng prng;
    wakecert_prng_seed(&prng, 1, 1);
    for (int i = 0; i < 50; i++)
        x[i] = (i % 5 == 0) ? 0.0f : (float)wakecert_prng_gaussian(&prng);
    for (int k = 0; k < 7; k++)
        h[k] = (float)wakecert_prng_gaussian(&prng);
    wakecert_convolve(x, 50, h, 7, out);
    for (int n = 0; n < 50; n++) {
        double expected = 0;
        for (int k = 0; k < 7 && k <= n; k++)
            expected += (double)x[n - k] * h[k];
        cr_assert_float_eq(out[n], expected, 1e-4, "sample %d", n);
    }
}

Test(generator, reverb_keeps_label_onsets)
{
    const char *recipe =
        "{\"schema\":\"wakecert-recipe/1\",\"name\":\"rev\",\"seed\":8,\"files\":["
        "{\"path\":\"r.wav\",\"kind\":\"wake\",\"condition\":\"reverb_0.6\",\"voice\":\"en-us\","
        "\"reverb\":{\"rt60\":0.6,\"room\":[5,4,3]},\"segments\":[{\"gap\":1.0},"
        "{\"wake\":\"alexa\"},{\"gap\":0.2},{\"request\":\"play some music\"},{\"gap\":1.0}]}]}";
    fixture_write_text(fixture_path("rev.json"), recipe);
    fixture_build(fixture_path("rev.json"), "rev");
    struct wakecert_corpus corpus;
    load_or_fail(fixture_path("rev"), &corpus);
    const struct wakecert_corpus_file *file = &corpus.files[0];
    cr_assert(strstr(file->note, "reverb rt60 0.60 s, room 5.0x4.0x3.0 m") != NULL, "note: %s", file->note);
    int64_t count = 0;
    int16_t *samples = fixture_read_pcm16(file->full_path, &count);
    const struct wakecert_corpus_event *wake = &file->events[0];
    cr_assert_lt(fixture_rms_dbfs(samples, wake->start - 480, wake->start), -55.0, "energy before the onset");
    cr_assert_gt(fixture_rms_dbfs(samples, wake->start, wake->start + 160), -58.0, "onset at the label");
    /* The reverberant tail runs on after the request ends. */
    int64_t end = file->events[1].end;
    cr_assert_gt(fixture_rms_dbfs(samples, end, end + 800), -50.0, "no reverberant tail after the speech");
    free(samples);
    wakecert_corpus_free(&corpus);
}

/* ---------------------------------------------------------------- audio */

static struct wakecert_corpus_file file_at(const char *path)
{
    struct wakecert_corpus_file file = {0};
    file.path = (char *)path;
    file.full_path = (char *)path;
    return file;
}

Test(audio, resamples_44k_stereo_to_16k_mono)
{
    const double amplitude[2] = {0.6, 0.2}; /* average 0.4 */
    fixture_write_sine(fixture_path("stereo.wav"), 44100, 2, 44100 * 2, 440.0, amplitude,
                       SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    struct wakecert_audio_probe probe;
    char message[512] = "";
    cr_assert_eq(wakecert_audio_probe(fixture_path("stereo.wav"), &probe, message, sizeof message), 0, "%s", message);
    cr_assert_eq(probe.samples, 32000);
    cr_assert(strstr(probe.note, "resampled from 44100 Hz stereo") != NULL, "note: %s", probe.note);

    struct wakecert_corpus_file file = file_at(fixture_path("stereo.wav"));
    int16_t *samples = NULL;
    int64_t count = 0;
    cr_assert_eq(wakecert_corpus_read_audio(&file, &samples, &count, message, sizeof message), 0, "%s", message);
    cr_assert_eq(count, 32000);
    /* Away from the edges: a 440 Hz sine of amplitude 0.4. */
    double rms = fixture_rms_dbfs(samples, 1600, 30400);
    cr_assert_float_eq(rms, 20 * log10(0.4 / sqrt(2.0)), 0.1, "rms %.2f dBFS", rms);
    int crossings = 0;
    for (int64_t i = 1600; i < 17600; i++)
        crossings += (samples[i - 1] < 0) != (samples[i] < 0);
    cr_assert(crossings >= 878 && crossings <= 882, "%d zero crossings in 1 s (440 Hz -> 880)", crossings);
    free(samples);
}

Test(audio, reads_16k_mono_bit_exact_and_flac)
{
    const double amplitude[1] = {0.5};
    fixture_write_sine(fixture_path("mono.wav"), 16000, 1, 8000, 1000.0, amplitude, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    fixture_write_sine(fixture_path("mono.flac"), 16000, 1, 8000, 1000.0, amplitude, SF_FORMAT_FLAC | SF_FORMAT_PCM_16);
    int64_t expected_count = 0;
    int16_t *expected = fixture_read_pcm16(fixture_path("mono.wav"), &expected_count);
    const char *names[] = {"mono.wav", "mono.flac"};
    for (int n = 0; n < 2; n++) {
        struct wakecert_corpus_file file = file_at(fixture_path(names[n]));
        int16_t *samples = NULL;
        int64_t count = 0;
        char message[512] = "";
        cr_assert_eq(wakecert_corpus_read_audio(&file, &samples, &count, message, sizeof message), 0, "%s", message);
        cr_assert_eq(count, expected_count);
        cr_assert_eq(memcmp(samples, expected, (size_t)count * sizeof *samples), 0, "%s not bit-exact", names[n]);
        free(samples);
    }
    free(expected);
}

Test(audio, errors_name_the_file)
{
    fixture_write_text(fixture_path("text.wav"), "this is not audio\n");
    const double amplitude[1] = {0.5};
    fixture_write_sine(fixture_path("empty.wav"), 16000, 1, 0, 1000.0, amplitude, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    struct {
        const char *name;
        const char *expected;
    } rows[] = {
        {"text.wav", "text.wav: not a readable audio file"},
        {"empty.wav", "empty.wav: no samples"},
        {"missing.wav", "missing.wav: not a readable audio file"},
    };
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        struct wakecert_corpus_file file = file_at(fixture_path(rows[r].name));
        int16_t *samples = (int16_t *)1;
        int64_t count = 7;
        char message[512] = "";
        cr_assert_lt(wakecert_corpus_read_audio(&file, &samples, &count, message, sizeof message), 0, "%s",
                     rows[r].name);
        cr_assert(strstr(message, rows[r].expected) != NULL, "expected \"%s\" in \"%s\"", rows[r].expected, message);
        cr_assert_null(samples);
        cr_assert_eq(count, 0);
    }
}

/* ---------------------------------------------------------------- manifest */

static const char valid_manifest[] =
    "{\"schema\":\"wakecert-corpus/1\",\"name\":\"hand\",\"sample_rate\":16000,\"files\":["
    "{\"path\":\"a.wav\",\"sha256\":\"0000000000000000000000000000000000000000000000000000000000000000\","
    "\"samples\":32000,\"duration_s\":2,\"kind\":\"wake\",\"condition\":\"clean\",\"snr_db\":null,\"voice\":\"v\","
    "\"events\":[{\"type\":\"wake\",\"word\":\"alexa\",\"start\":100,\"end\":8000,\"request_end\":20000},"
    "{\"type\":\"button\",\"start\":25000},{\"type\":\"mic_off\",\"start\":26000,\"end\":32000}]},"
    "{\"path\":\"b.wav\",\"sha256\":\"1111111111111111111111111111111111111111111111111111111111111111\","
    "\"samples\":16000,\"kind\":\"negative\",\"condition\":\"noise_5db\",\"snr_db\":5,\"events\":[]}]}";

Test(manifest, loads_every_field)
{
    cr_assert_eq(mkdir(fixture_path("m"), 0755), 0);
    fixture_write_text(fixture_path("m/manifest.json"), valid_manifest);
    struct wakecert_corpus corpus;
    load_or_fail(fixture_path("m"), &corpus);
    cr_assert_str_eq(corpus.name, "hand");
    cr_assert_eq(corpus.file_count, 2);
    char expected_hash[65];
    wakecert_sha256_buffer(valid_manifest, strlen(valid_manifest), expected_hash);
    cr_assert_str_eq(corpus.manifest_sha256, expected_hash);
    const struct wakecert_corpus_file *a = &corpus.files[0];
    cr_assert_str_eq(a->full_path, fixture_path("m/a.wav"));
    cr_assert_eq(a->samples, 32000);
    cr_assert(isnan(a->snr_db));
    cr_assert_eq(a->event_count, 3);
    cr_assert_eq(a->events[0].type, WAKECERT_EVENT_WAKE);
    cr_assert_eq(a->events[0].request_end, 20000);
    cr_assert_str_eq(a->events[0].word, "alexa");
    cr_assert_eq(a->events[1].type, WAKECERT_EVENT_BUTTON);
    cr_assert_eq(a->events[1].end, 25000);
    cr_assert_eq(a->events[1].request_end, -1);
    cr_assert_eq(a->events[2].end, 32000);
    cr_assert_float_eq(corpus.files[1].snr_db, 5.0, 1e-12);
    cr_assert_str_eq(corpus.files[1].condition, "noise_5db");
    wakecert_corpus_free(&corpus);
}

struct manifest_error_row {
    const char *find;    /* substring of valid_manifest to replace */
    const char *replace; /* its replacement */
    const char *expected;
};

/* Criterion re-executes the test binary per test, so parameters must not hold pointers:
 * they are indices into this table. */
static const struct manifest_error_row errors_name_the_field_rows[] = {
        {"wakecert-corpus/1", "wakecert-corpus/2", "schema \"wakecert-corpus/2\" is not supported"},
        {"\"files\":[", "\"filez\":[", "missing \"files\" array"},
        {"\"end\":8000", "\"end\":40000", "files[0].events[0]: end 40000 is past the file's 32000 samples"},
        {"\"start\":100", "\"start\":9000", "files[0].events[0]: end 8000 is before start 9000"},
        {"\"start\":100", "\"start\":-5", "files[0].events[0]: negative start -5"},
        {"\"start\":100", "\"start\":1.5", "files[0].events[0]: non-integer \"start\""},
        {"\"type\":\"button\"", "\"type\":\"sneeze\"", "files[0].events[1]: unknown type \"sneeze\""},
        {"\"request_end\":20000", "\"request_end\":50", "files[0].events[0]: request_end 50 is outside"},
        {"\"word\":\"alexa\",", "", "files[0].events[0]: missing \"word\""},
        {"\"kind\":\"negative\"", "\"kind\":\"speech\"", "files[1] (b.wav): unknown kind \"speech\""},
        {"\"sha256\":\"1111", "\"sha256\":\"11", "files[1] (b.wav): \"sha256\" missing or not 64"},
        {"\"samples\":16000", "\"samples\":0", "files[1] (b.wav): \"samples\" missing or not a positive integer"},
        {"\"path\":\"b.wav\"", "\"path\":\"a.wav\"", "files[1]: path \"a.wav\" duplicates files[0]"},
        {"\"path\":\"b.wav\"", "\"path\":\"../b.wav\"", "must be relative and stay inside the corpus"},
        {"\"condition\":\"clean\",", "", "files[0] (a.wav): missing \"condition\""},
        {"\"events\":[]", "\"events\":[}", "manifest.json:1:"},
};

ParameterizedTestParameters(manifest, errors_name_the_field)
{
    static size_t indices[sizeof errors_name_the_field_rows / sizeof errors_name_the_field_rows[0]];
    for (size_t i = 0; i < sizeof indices / sizeof indices[0]; i++)
        indices[i] = i;
    return cr_make_param_array(size_t, indices, sizeof indices / sizeof indices[0]);
}

ParameterizedTest(size_t *index, manifest, errors_name_the_field)
{
    const struct manifest_error_row *row = &errors_name_the_field_rows[*index];
    char text[4096];
    const char *at = strstr(valid_manifest, row->find);
    cr_assert_not_null(at, "fixture has no \"%s\"", row->find);
    snprintf(text, sizeof text, "%.*s%s%s", (int)(at - valid_manifest), valid_manifest, row->replace,
             at + strlen(row->find));
    cr_assert_eq(mkdir(fixture_path("m"), 0755), 0);
    fixture_write_text(fixture_path("m/manifest.json"), text);
    struct wakecert_corpus corpus;
    char message[1024] = "";
    int status = wakecert_corpus_load(fixture_path("m"), &corpus, message, sizeof message);
    cr_assert_lt(status, 0, "accepted: %s", text);
    cr_assert(strstr(message, row->expected) != NULL, "expected \"%s\" in \"%s\"", row->expected, message);
    cr_assert(strstr(message, "manifest.json") != NULL, "message does not name the manifest: %s", message);
    cr_assert_eq(corpus.file_count, 0);
    cr_assert_null(corpus.files);
    cr_assert_null(corpus.directory);
    wakecert_corpus_free(&corpus);
}

Test(manifest, verify_catches_changed_missing_and_resized_files)
{
    fixture_build(fixture_recipe("smoke"), "smoke");
    char message[1024] = "";
    cr_assert_eq(wakecert_corpus_verify(fixture_path("smoke"), message, sizeof message), 0, "%s", message);

    /* Flip one byte of audio. */
    FILE *file = fopen(fixture_path("smoke/wake_002.wav"), "r+b");
    cr_assert_not_null(file);
    fseek(file, 5000, SEEK_SET);
    int byte = fgetc(file);
    fseek(file, 5000, SEEK_SET);
    fputc(byte ^ 1, file);
    fclose(file);
    cr_assert_eq(wakecert_corpus_verify(fixture_path("smoke"), message, sizeof message), WAKECERT_ERROR_FORMAT);
    cr_assert(strstr(message, "wake_002.wav: sha256") != NULL, "%s", message);

    remove(fixture_path("smoke/wake_002.wav"));
    cr_assert_eq(wakecert_corpus_verify(fixture_path("smoke"), message, sizeof message), WAKECERT_ERROR_FORMAT);
    cr_assert(strstr(message, "wake_002.wav: missing") != NULL, "%s", message);
}

/* ---------------------------------------------------------------- command */

static int run(int argc, const char **argv)
{
    return wakecert_corpus_main(argc, (char **)argv);
}

Test(command, exit_codes)
{
    const char *help[] = {"corpus", "--help"};
    cr_assert_eq(run(2, help), 0);
    const char *build_help[] = {"corpus", "build", "--help"};
    cr_assert_eq(run(3, build_help), 0);
    const char *none[] = {"corpus"};
    cr_assert_eq(run(1, none), 2);
    const char *unknown[] = {"corpus", "frobnicate"};
    cr_assert_eq(run(2, unknown), 2);
    const char *no_out[] = {"corpus", "build", "smoke"};
    cr_assert_eq(run(3, no_out), 2);
    const char *no_recipe[] = {"corpus", "build", "nonexistent-recipe", "--out", fixture_path("x")};
    cr_assert_eq(run(5, no_recipe), 2);
    const char *list[] = {"corpus", "list"};
    cr_assert_eq(run(2, list), 0);

    const char *build[] = {"corpus", "build", "smoke", "--out", fixture_path("built")};
    cr_assert_eq(run(5, build), 0);
    const char *verify[] = {"corpus", "verify", fixture_path("built")};
    cr_assert_eq(run(3, verify), 0);
    FILE *file = fopen(fixture_path("built/negative_001.wav"), "ab");
    cr_assert_not_null(file);
    fputc(0, file);
    fclose(file);
    cr_assert_eq(run(3, verify), 1, "a changed file must exit 1");
    const char *verify_missing[] = {"corpus", "verify", fixture_path("nowhere")};
    cr_assert_eq(run(3, verify_missing), 2);
    /* A manifest that does not parse is bad input (2), not a mismatch (1). */
    fixture_write_text(fixture_path("built/manifest.json"), "{\"schema\": ");
    cr_assert_eq(run(3, verify), 2);
}

Test(command, open_accepts_directories_and_recipe_paths)
{
    struct wakecert_corpus corpus;
    char message[1024] = "";
    fixture_write_text(fixture_path("tiny.json"),
                       "{\"schema\":\"wakecert-recipe/1\",\"name\":\"tiny\",\"files\":[{\"path\":\"n.wav\","
                       "\"kind\":\"negative\",\"segments\":[{\"say\":\"hello there\"}]}]}");
    cr_assert_eq(wakecert_corpus_open(fixture_path("tiny.json"), &corpus, 0, message, sizeof message), 0, "%s",
                 message);
    cr_assert_str_eq(corpus.name, "tiny");
    cr_assert(strstr(corpus.directory, "/corpora/tiny-") != NULL, "%s", corpus.directory);
    char directory[4096];
    snprintf(directory, sizeof directory, "%s", corpus.directory);
    wakecert_corpus_free(&corpus);
    cr_assert_eq(wakecert_corpus_open(directory, &corpus, 0, message, sizeof message), 0, "%s", message);
    cr_assert_str_eq(corpus.directory, directory);
    cr_assert_eq(corpus.file_count, 1);
    wakecert_corpus_free(&corpus);
}
