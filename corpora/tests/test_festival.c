/*
 * Tests of the festival voices (festival_synth.c): each voice says a word audibly and the same samples
 * twice, rate changes the length, the wake words come out with the phones wakecert pins, a small recipe
 * of festival voices builds the same bytes with one or two workers and verifies, and an unknown voice
 * or a missing festival program is reported naming the voice and the text. Needs festival and the
 * three voice packages (ci/bootstrap installs them).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "corpora_fixtures.h"
#include "corpus.h"
#include "corpus_internal.h"
#include "error.h"
#include "files.h"

TestSuite(festival, .init = fixture_setup, .fini = fixture_teardown, .timeout = 120);

static const char *const festival_voice_names[] = {
    "festival:kal_diphone",   "festival:ked_diphone",        "festival:cmu_us_slt_arctic_hts",
    "festival:upc_ca_ona_hts", "festival:lp_diphone",         "festival:suo_fi_lj_diphone",
    "festival:czech_dita"};
#define VOICE_COUNT (sizeof festival_voice_names / sizeof festival_voice_names[0])

/* RMS (full scale 1) of samples. */
static double rms(const float *samples, int64_t count)
{
    double sum = 0;
    for (int64_t i = 0; i < count; i++)
        sum += (double)samples[i] * samples[i];
    return count ? sqrt(sum / (double)count) : 0;
}

/* Every voice: "computer" twice gives the same samples, 0.3-1.5 s of clearly audible speech; faster
 * rate, fewer samples (except ona, which keeps its own pace). */
Test(festival, voice_says_a_word_deterministically)
{
    for (size_t v = 0; v < VOICE_COUNT; v++) {
        float *first = NULL, *second = NULL, *fast = NULL;
        int64_t first_count = 0, second_count = 0, fast_count = 0;
        char message[1024] = "";
        const char *voice = festival_voice_names[v];
        cr_assert_eq(wakecert_synth_piece(voice, 165, 50, "computer", NULL, &first, &first_count, message,
                                          sizeof message), 0, "%s", message);
        cr_assert_eq(wakecert_synth_piece(voice, 165, 50, "computer", NULL, &second, &second_count, message,
                                          sizeof message), 0, "%s", message);
        cr_assert_eq(first_count, second_count, "%s: %lld then %lld samples", voice, (long long)first_count,
                     (long long)second_count);
        cr_assert_eq(memcmp(first, second, (size_t)first_count * sizeof *first), 0, "%s: samples differ", voice);
        cr_assert(first_count > 16000 * 3 / 10 && first_count < 16000 * 3 / 2, "%s: %lld samples", voice,
                  (long long)first_count);
        cr_assert_gt(rms(first, first_count), 0.02, "%s: RMS %.4f", voice, rms(first, first_count));
        cr_assert_eq(wakecert_synth_piece(voice, 240, 50, "computer", NULL, &fast, &fast_count, message,
                                          sizeof message), 0, "%s", message);
        if (strcmp(voice, "festival:upc_ca_ona_hts") == 0) /* speaks at its own pace (festival_synth.c) */
            cr_assert_eq(fast_count, first_count, "%s: 240 wpm %lld samples, 165 wpm %lld", voice,
                         (long long)fast_count, (long long)first_count);
        else
            cr_assert_lt(fast_count, first_count * 9 / 10, "%s: 240 wpm %lld samples, 165 wpm %lld", voice,
                         (long long)fast_count, (long long)first_count);
        free(first);
        free(second);
        free(fast);
    }
}

/* Pitch moves a diphone voice's samples (same length: durations do not depend on F0). */
Test(festival, pitch_changes_a_diphone_voice)
{
    float *low = NULL, *high = NULL;
    int64_t low_count = 0, high_count = 0;
    char message[1024] = "";
    cr_assert_eq(wakecert_festival_synthesize("festival:kal_diphone", 165, 20, "echo", &low, &low_count,
                                              &(int){0}, message, sizeof message), 0, "%s", message);
    cr_assert_eq(wakecert_festival_synthesize("festival:kal_diphone", 165, 80, "echo", &high, &high_count,
                                              &(int){0}, message, sizeof message), 0, "%s", message);
    cr_assert(low_count != high_count || memcmp(low, high, (size_t)low_count * sizeof *low) != 0,
              "pitch 20 and 80 gave the same samples");
    free(low);
    free(high);
}

/* Each voice says each wake word with the phones wakecert pins in festival's lexicon. */
Test(festival, voices_say_the_pinned_wake_word_phones)
{
    static const char *const words[] = {"alexa", "amazon", "computer", "echo"};
    for (size_t v = 0; v < VOICE_COUNT; v++)
        for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
            char phones[256], message[1024] = "";
            cr_assert_eq(wakecert_festival_segments(festival_voice_names[v], words[w], phones, sizeof phones, message,
                                                    sizeof message), 0, "%s", message);
            /* ked's diphones have "er" as er-r: its voice inserts an r segment after every er (postlex). */
            char *er_r = strstr(phones, "er r");
            if (er_r && strcmp(festival_voice_names[v], "festival:ked_diphone") == 0)
                memmove(er_r + 2, er_r + 4, strlen(er_r + 4) + 1);
            cr_assert_str_eq(phones, wakecert_festival_expected_phones(festival_voice_names[v], words[w]),
                             "%s says %s as %s", festival_voice_names[v], words[w], phones);
        }
}

static const char festival_recipe[] =
    "{\"schema\": \"wakecert-recipe/1\", \"name\": \"festival\", \"seed\": 5, \"noise_floor_dbfs\": -60,\n"
    " \"files\": [\n"
    "  {\"path\": \"kal.wav\", \"kind\": \"wake\", \"voice\": \"festival:kal_diphone\", \"rate\": 150, \"pitch\": 40,\n"
    "   \"segments\": [{\"say\": \"Good morning.\"}, {\"gap\": 0.3}, {\"wake\": \"alexa\"}, {\"gap\": 0.2},\n"
    "                  {\"request\": \"what time is it\"}, {\"gap\": 0.5}]},\n"
    "  {\"path\": \"ked.wav\", \"kind\": \"wake\", \"voice\": \"festival:ked_diphone\",\n"
    "   \"segments\": [{\"gap\": 0.3}, {\"wake\": \"computer\"}, {\"gap\": 0.2}, {\"request\": \"stop\"},\n"
    "                  {\"gap\": 0.5}]},\n"
    "  {\"path\": \"slt.wav\", \"kind\": \"wake\", \"voice\": \"festival:cmu_us_slt_arctic_hts\", \"rate\": 180,\n"
    "   \"segments\": [{\"gap\": 0.3}, {\"wake\": \"echo\"}, {\"gap\": 0.2}, {\"request\": \"play some music\"},\n"
    "                  {\"gap\": 0.3}, {\"wake\": \"amazon\"}, {\"gap\": 0.5}]},\n"
    "  {\"path\": \"confusable.wav\", \"kind\": \"confusable\", \"voice\": \"festival:cmu_us_slt_arctic_hts\",\n"
    "   \"segments\": [{\"say\": \"I met\"}, {\"gap\": 0.1},\n"
    "                  {\"confusable\": \"alexis\", \"phonemes\": \"@l'Eksis\"},\n"
    "                  {\"gap\": 0.5}]}]}\n";

/* A recipe of festival voices builds the same bytes with one and two workers, verifies, and labels
 * every wake word and confusable tightly (energy inside, floor just outside). */
Test(festival, recipe_builds_and_verifies)
{
    fixture_write_text(fixture_path("festival.json"), festival_recipe);
    setenv("WAKECERT_CORPUS_JOBS", "1", 1);
    fixture_build(fixture_path("festival.json"), "one");
    setenv("WAKECERT_CORPUS_JOBS", "2", 1);
    fixture_build(fixture_path("festival.json"), "two");
    char message[1024] = "";
    cr_assert_eq(wakecert_corpus_verify(fixture_path("two"), message, sizeof message), 0, "%s", message);
    char *first = NULL, *second = NULL;
    size_t first_size = 0, second_size = 0;
    char path[4300];
    snprintf(path, sizeof path, "%s/manifest.json", fixture_path("one"));
    cr_assert_eq(wakecert_read_file(path, &first, &first_size, message, sizeof message), 0, "%s", message);
    snprintf(path, sizeof path, "%s/manifest.json", fixture_path("two"));
    cr_assert_eq(wakecert_read_file(path, &second, &second_size, message, sizeof message), 0, "%s", message);
    cr_assert(first_size == second_size && memcmp(first, second, first_size) == 0,
              "one and two workers built different corpora");
    cr_assert(strstr(first, ", festival 2."), "the manifest names festival's version");
    free(first);
    free(second);

    struct wakecert_corpus corpus;
    cr_assert_eq(wakecert_corpus_load(fixture_path("two"), &corpus, message, sizeof message), 0, "%s", message);
    cr_assert_eq(corpus.file_count, 4);
    int checked = 0;
    for (size_t i = 0; i < corpus.file_count; i++) {
        const struct wakecert_corpus_file *file = &corpus.files[i];
        int64_t count = 0;
        int16_t *samples = fixture_read_pcm16(file->full_path, &count);
        for (size_t e = 0; e < file->event_count; e++) {
            const struct wakecert_corpus_event *event = &file->events[e];
            if (event->type != WAKECERT_EVENT_WAKE && event->type != WAKECERT_EVENT_CONFUSABLE)
                continue;
            cr_assert_gt(fixture_rms_dbfs(samples, event->start, event->end), -35.0, "%s: %s too quiet", file->path,
                         event->word);
            cr_assert_lt(fixture_rms_dbfs(samples, event->start - 480, event->start), -55.0, "%s: energy before %s",
                         file->path, event->word);
            cr_assert_lt(fixture_rms_dbfs(samples, event->end, event->end + 480), -55.0, "%s: energy after %s",
                         file->path, event->word);
            checked++;
        }
        free(samples);
    }
    cr_assert_eq(checked, 5, "4 wake words and a confusable, checked %d", checked);
    wakecert_corpus_free(&corpus);
}

/* An unknown festival voice in a recipe is refused naming it (and nothing is left behind); a missing
 * festival program is reported naming voice and text. */
Test(festival, bad_voice_and_missing_festival_are_reported)
{
    fixture_write_text(fixture_path("bad.json"),
                       "{\"schema\": \"wakecert-recipe/1\", \"name\": \"b\", \"files\": [{\"path\": \"x.wav\", "
                       "\"kind\": \"wake\", \"voice\": \"festival:nobody\", \"segments\": [{\"wake\": \"alexa\"}]}]}");
    setenv("WAKECERT_CORPUS_JOBS", "2", 1);
    char message[1024] = "";
    cr_assert_lt(wakecert_corpus_build(fixture_path("bad.json"), fixture_path("out"), 0, message, sizeof message), 0);
    cr_assert(strstr(message, "festival has no voice \"festival:nobody\""), "message: %s", message);
    cr_assert(strstr(message, "x.wav"), "message names the file: %s", message);
    struct stat info;
    cr_assert_neq(stat(fixture_path("out"), &info), 0, "out/ left behind");

    const char *saved = getenv("PATH");
    char *path = strdup(saved ? saved : "/usr/bin:/bin");
    setenv("PATH", fixture_directory, 1);
    float *samples = NULL;
    int64_t count = 0;
    int rate = 0;
    int status = wakecert_festival_synthesize("festival:kal_diphone", 165, 50, "hello there", &samples, &count, &rate,
                                              message, sizeof message);
    setenv("PATH", path, 1);
    free(path);
    cr_assert_eq(status, WAKECERT_ERROR_ENGINE, "status %d: %s", status, message);
    cr_assert_null(samples);
    cr_assert(strstr(message, "festival:kal_diphone") && strstr(message, "hello there") &&
                  strstr(message, "cannot run festival"),
              "message: %s", message);
}
