/*
 * Tests of the generator blocks ("generate"), the source pools (music from MIDI through fluidsynth,
 * ambient sounds, fortune text), the flite voices, FFT reverb, far-field gain and the soak stream.
 *
 * They build a small recipe that uses every block type and every new source (a few minutes of audio,
 * a few seconds to build) into the per-test scratch directory, whose cache holds the rendered music
 * pool, so the checks run on exactly what the standard and soak recipes are made of, only less of it.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sndfile.h>
#include <sys/stat.h>
#include <time.h>

#include "corpora_fixtures.h"
#include "corpus.h"
#include "corpus_internal.h"
#include "error.h"
#include "files.h"
#include "json.h"
#include "sha256.h"

TestSuite(generate, .init = fixture_setup, .fini = fixture_teardown, .timeout = 120);
TestSuite(soak, .init = fixture_setup, .fini = fixture_teardown, .timeout = 120);

/* Every block type, both synthesizers, every new condition; small. */
static const char small_recipe[] =
    "{\"schema\": \"wakecert-recipe/1\", \"name\": \"small\", \"seed\": 11, \"resampler\": \"medium\",\n"
    " \"format\": \"flac\",\n"
    " \"sources\": {\n"
    "  \"music\": {\"midi\": [\"/usr/share/games/openttd/baseset/openmsx/busy_schedule.mid\"]},\n"
    "  \"ambient\": {\"files\": [\"/usr/share/sonic-pi/samples/ambi_drone.flac\",\n"
    "                          \"/usr/share/sonic-pi/samples/vinyl_hiss.flac\",\n"
    "                          \"/usr/share/gcompris-qt/rcc/watercycle.rcc#/gcompris/src/activities/watercycle/resource/harbor1.wav\"]},\n"
    "  \"text\": {\"files\": [\"/usr/share/games/fortunes/fortunes\"],\n"
    "           \"exclude\": [\"alex\", \"amazon\", \"comput\", \"echo\", \"lexus\", \"elect\", \"relax\"]}},\n"
    " \"files\": [{\"path\": \"explicit.flac\", \"kind\": \"wake\", \"voice\": \"flite:kal16\",\n"
    "            \"segments\": [{\"gap\": 0.5}, {\"wake\": \"alexa\"}, {\"gap\": 0.2}, {\"request\": \"stop\"},\n"
    "                           {\"gap\": 0.5}]}],\n"
    " \"generate\": [\n"
    "  {\"type\": \"wake\", \"prefix\": \"wake\", \"files\": 4, \"per_file\": 3,\n"
    "   \"voices\": [\"en-us\", \"flite:slt\", \"flite:kal16\", \"en-gb-x-rp\"], \"rates\": [150, 180],\n"
    "   \"lead_ins\": [\"\", \"Okay.\"], \"requests\": [\"what time is it\", \"play some music\"]},\n"
    "  {\"type\": \"wake\", \"prefix\": \"wake_music\", \"files\": 1, \"per_file\": 2, \"voices\": [\"en-us\"],\n"
    "   \"condition\": \"music_5db\", \"noise\": {\"type\": \"music\", \"snr_db\": 5}, \"requests\": [\"stop\"]},\n"
    "  {\"type\": \"wake\", \"prefix\": \"wake_far\", \"files\": 1, \"per_file\": 2, \"voices\": [\"en\"],\n"
    "   \"condition\": \"far_field\", \"reverb\": {\"rt60\": [0.4, 0.6], \"rooms\": [[6, 5, 3]]},\n"
    "   \"gain_db\": -20, \"requests\": [\"stop\"]},\n"
    "  {\"type\": \"confusable\", \"prefix\": \"confusable\", \"files\": 2, \"per_file\": 4,\n"
    "   \"voices\": [\"en-us\", \"flite:awb\"], \"words\": [\"alex\", {\"word\": \"relax a\", \"phonemes\": \"rI2l'aks a#\"}],\n"
    "   \"before\": [\"I said\"], \"after\": [\"yesterday.\"]},\n"
    "  {\"type\": \"speech\", \"prefix\": \"speech\", \"files\": 1, \"seconds\": 30, \"talkers\": 2,\n"
    "   \"voices\": [\"en-us\", \"en-gb-x-rp\"], \"text_pool\": true},\n"
    "  {\"type\": \"media\", \"prefix\": \"media\", \"files\": 1, \"seconds\": 30, \"voices\": [\"en-us\"],\n"
    "   \"text_pool\": true, \"wake_every\": 10, \"media_lines\": [[\"She said\", \"play the news.\"]],\n"
    "   \"noise\": {\"type\": \"music\", \"snr_db\": 12}},\n"
    "  {\"type\": \"music\", \"prefix\": \"music\", \"files\": 1, \"seconds\": 40},\n"
    "  {\"type\": \"ambient\", \"prefix\": \"ambient\", \"files\": 1, \"seconds\": 30}],\n"
    " \"stream\": {\"hours\": 0.5, \"seed\": 3, \"kinds\": {\"negative\": 2, \"media\": 1, \"music\": 2, \"ambient\": 1}}\n"
    "}\n";

/* Write the small recipe and build it into fixture_path(out) with `jobs` workers. */
static void build_small(const char *out, const char *jobs)
{
    fixture_write_text(fixture_path("small.json"), small_recipe);
    setenv("WAKECERT_CORPUS_JOBS", jobs, 1);
    fixture_build(fixture_path("small.json"), out);
}

static void load_or_fail(const char *directory, struct wakecert_corpus *corpus)
{
    char message[1024] = "";
    int status = wakecert_corpus_load(directory, corpus, message, sizeof message);
    cr_assert_eq(status, 0, "load %s: %s", directory, message);
}

/* Same generated recipe, same bytes, whatever the worker count (and with the music pool rendered in
 * the first build and read back from the cache in the second). */
Test(generate, same_recipe_gives_same_bytes)
{
    build_small("first", "1");
    build_small("second", "2");
    char *first = NULL, *second = NULL;
    size_t first_size = 0, second_size = 0;
    char message[256];
    char path[4300];
    snprintf(path, sizeof path, "%s/manifest.json", fixture_path("first"));
    cr_assert_eq(wakecert_read_file(path, &first, &first_size, message, sizeof message), 0);
    snprintf(path, sizeof path, "%s/manifest.json", fixture_path("second"));
    cr_assert_eq(wakecert_read_file(path, &second, &second_size, message, sizeof message), 0);
    cr_assert_eq(first_size, second_size);
    cr_assert_eq(memcmp(first, second, first_size), 0, "manifests (with every file's sha256) differ");
    free(first);
    free(second);
    cr_assert_eq(wakecert_corpus_verify(fixture_path("second"), message, sizeof message), 0, "%s", message);
}

/* What the blocks expand to: file counts per kind, events per file, conditions, voices. */
Test(generate, blocks_make_what_they_say)
{
    build_small("small", "2");
    struct wakecert_corpus corpus;
    load_or_fail(fixture_path("small"), &corpus);
    cr_assert_eq(corpus.file_count, 13);
    size_t wakes = 0, confusables = 0, media_wakes = 0, flite_files = 0;
    double music_seconds = 0, ambient_seconds = 0, speech_seconds = 0;
    for (size_t i = 0; i < corpus.file_count; i++) {
        const struct wakecert_corpus_file *file = &corpus.files[i];
        cr_assert(strstr(file->path, ".flac"), "%s: the recipe asks for FLAC", file->path);
        flite_files += strncmp(file->voice, "flite:", 6) == 0;
        for (size_t e = 0; e < file->event_count; e++) {
            wakes += file->events[e].type == WAKECERT_EVENT_WAKE;
            confusables += file->events[e].type == WAKECERT_EVENT_CONFUSABLE;
            media_wakes += file->events[e].type == WAKECERT_EVENT_MEDIA_WAKE;
        }
        double seconds = (double)file->samples / 16000.0;
        if (strcmp(file->kind, "music") == 0)
            music_seconds += seconds;
        if (strcmp(file->kind, "ambient") == 0)
            ambient_seconds += seconds;
        if (strcmp(file->kind, "negative") == 0) {
            speech_seconds += seconds;
            cr_assert(strstr(file->note, "talkers: en-us en-gb-x-rp"), "note: %s", file->note);
        }
        if (strcmp(file->condition, "music_5db") == 0)
            cr_assert_float_eq(file->snr_db, 5.0, 1e-9);
        if (strcmp(file->condition, "far_field") == 0)
            cr_assert(strstr(file->note, "gain -20.00 dB; reverb rt60"), "far-field note: %s", file->note);
    }
    cr_assert_eq(wakes, 1 + 4 * 3 + 2 + 2, "wake events: %zu", wakes);
    cr_assert_eq(confusables, 2 * 4);
    cr_assert_geq(media_wakes, 2, "a media wake about every 10 s of 30: %zu", media_wakes);
    cr_assert_eq(flite_files, 4, "explicit kal16, wake slt + kal16, confusable awb: %zu", flite_files);
    cr_assert(music_seconds > 40.0 && music_seconds < 50.0, "music %.1f s", music_seconds);
    cr_assert(ambient_seconds > 29.0 && ambient_seconds < 32.0, "ambient %.1f s", ambient_seconds);
    cr_assert(speech_seconds > 22.0 && speech_seconds < 40.0, "planned 30 s of speech, got %.1f", speech_seconds);
    wakecert_corpus_free(&corpus);
}

/* Label exactness of generated entries: in every clean generated file each wake word and confusable
 * holds its piece's energy, the 30 ms just outside it are floor only, and its first and last 10 ms are
 * not floor (the label is neither cut nor loose). Both synthesizers. */
Test(generate, labels_bound_the_speech_exactly)
{
    build_small("small", "2");
    struct wakecert_corpus corpus;
    load_or_fail(fixture_path("small"), &corpus);
    int checked = 0, flite_checked = 0;
    for (size_t i = 0; i < corpus.file_count; i++) {
        const struct wakecert_corpus_file *file = &corpus.files[i];
        if (strcmp(file->condition, "clean") != 0 || strcmp(file->kind, "media") == 0)
            continue;
        int64_t count = 0;
        int16_t *samples = fixture_read_pcm16(file->full_path, &count);
        cr_assert_eq(count, file->samples);
        for (size_t e = 0; e < file->event_count; e++) {
            const struct wakecert_corpus_event *event = &file->events[e];
            if (event->type != WAKECERT_EVENT_WAKE && event->type != WAKECERT_EVENT_CONFUSABLE)
                continue;
            const int64_t edge = 480;
            cr_assert_gt(fixture_rms_dbfs(samples, event->start, event->end), -35.0, "%s: %s at %lld too quiet",
                         file->path, event->word, (long long)event->start);
            cr_assert_lt(fixture_rms_dbfs(samples, event->start - edge, event->start), -55.0,
                         "%s: energy just before %s at %lld", file->path, event->word, (long long)event->start);
            cr_assert_lt(fixture_rms_dbfs(samples, event->end, event->end + edge), -55.0,
                         "%s: energy just after %s ending at %lld", file->path, event->word, (long long)event->end);
            cr_assert_gt(fixture_rms_dbfs(samples, event->start, event->start + 160), -58.0,
                         "%s: label of %s at %lld starts before the speech", file->path, event->word,
                         (long long)event->start);
            cr_assert_gt(fixture_rms_dbfs(samples, event->end - 160, event->end), -58.0,
                         "%s: label of %s at %lld ends after the speech", file->path, event->word,
                         (long long)event->start);
            checked++;
            flite_checked += strncmp(file->voice, "flite:", 6) == 0;
        }
        free(samples);
    }
    cr_assert_eq(checked, 1 + 12 + 8, "explicit wake + 12 generated wakes + 8 confusables, checked %d", checked);
    cr_assert_eq(flite_checked, 1 + 3 + 3 + 4, "flite labels checked: %d", flite_checked);
    wakecert_corpus_free(&corpus);
}

/* Music at 5 dB SNR is mixed at exactly that SNR over the speech: rebuild the file without the music
 * and compare powers over the wake words (speech-active samples). */
Test(generate, music_is_mixed_at_the_recipe_snr)
{
    build_small("small", "2");
    /* The same wake_music file with the music 99 dB down: every draw and piece is the same, so the
     * difference of the two files is the music as mixed. */
    char *noisy_recipe = strdup(small_recipe);
    char *at = strstr(noisy_recipe, "\"snr_db\": 5}");
    cr_assert_not_null(at);
    memcpy(at, "\"snr_db\":99}", strlen("\"snr_db\":99}"));
    fixture_write_text(fixture_path("clean.json"), noisy_recipe);
    free(noisy_recipe);
    fixture_build(fixture_path("clean.json"), "clean");
    struct wakecert_corpus noisy, clean;
    load_or_fail(fixture_path("small"), &noisy);
    load_or_fail(fixture_path("clean"), &clean);
    const struct wakecert_corpus_file *with = NULL, *without = NULL;
    for (size_t i = 0; i < noisy.file_count; i++)
        if (strcmp(noisy.files[i].path, "wake_music_000.flac") == 0) {
            with = &noisy.files[i];
            without = &clean.files[i];
        }
    cr_assert_not_null(with);
    cr_assert_str_eq(without->path, with->path);
    cr_assert_eq(with->samples, without->samples);
    int64_t count = 0;
    int16_t *a = fixture_read_pcm16(with->full_path, &count);
    int16_t *b = fixture_read_pcm16(without->full_path, &count);
    double speech = 0, music = 0;
    for (size_t e = 0; e < with->event_count; e++) {
        const struct wakecert_corpus_event *event = &with->events[e];
        if (event->type != WAKECERT_EVENT_WAKE && event->type != WAKECERT_EVENT_REQUEST)
            continue;
        for (int64_t s = event->start; s < event->end; s++) {
            speech += (double)b[s] * b[s];
            music += ((double)a[s] - b[s]) * ((double)a[s] - b[s]);
        }
    }
    double snr = 10.0 * log10(speech / music);
    /* Over the labelled speech only (the mixer measures over every synthesized piece, lead-ins too) and
     * with int16 rounding and the floor in both: within 1.5 dB. */
    cr_assert(fabs(snr - 5.0) < 1.5, "music SNR over the labelled speech %.2f dB, recipe 5 dB", snr);
    free(a);
    free(b);
    wakecert_corpus_free(&noisy);
    wakecert_corpus_free(&clean);
}

/* flite's lexicon pronounces every wake word as the table says (so text input is right for flite). */
Test(generate, flite_pronounces_the_wake_words)
{
    static const char *const voices[] = {"flite:kal16", "flite:slt", "flite:awb", "flite:rms"};
    static const char *const words[] = {"alexa", "amazon", "computer", "echo"};
    for (size_t v = 0; v < 4; v++)
        for (size_t w = 0; w < 4; w++) {
            char phones[256], message[256] = "";
            cr_assert_eq(wakecert_flite_word_phones(voices[v], words[w], phones, sizeof phones, message, sizeof message),
                         0, "%s", message);
            cr_assert_str_eq(phones, wakecert_flite_expected_phones(words[w]), "%s says %s as %s", voices[v],
                             words[w], phones);
        }
}

/* The FFT convolution (generated reverb) equals the direct sum (explicit reverb) to float precision. */
Test(generate, fft_convolution_matches_direct)
{
    struct wakecert_prng prng;
    wakecert_prng_seed(&prng, 5, 1);
    int64_t count = 40000, h_count = 9000;
    float *x = malloc(sizeof(float) * (size_t)count), *h = malloc(sizeof(float) * (size_t)h_count);
    float *direct = malloc(sizeof(float) * (size_t)count), *fast = malloc(sizeof(float) * (size_t)count);
    wakecert_noise_white(&prng, x, count);
    wakecert_noise_white(&prng, h, h_count);
    for (int64_t i = 0; i < h_count; i++)
        h[i] *= (float)exp(-(double)i / 2000.0);
    wakecert_convolve(x, count, h, h_count, direct);
    cr_assert_eq(wakecert_convolve_fft(x, count, h, h_count, fast), 0);
    double worst = 0, scale = 0;
    for (int64_t i = 0; i < count; i++) {
        worst = fmax(worst, fabs((double)direct[i] - fast[i]));
        scale = fmax(scale, fabs((double)direct[i]));
    }
    cr_assert_lt(worst / scale, 1e-5, "FFT and direct convolution differ by %.3g of the peak", worst / scale);
    free(x);
    free(h);
    free(direct);
    free(fast);
}

/* The text pool keeps no sentence with an excluded word (wake words, confusables) in it. */
Test(generate, text_pool_excludes_the_wake_words)
{
    fixture_write_text(fixture_path("text.txt"),
                       "Ask Alexa about it. The weather is fine today, thank you.\n%\n"
                       "My computer is slow. A short one.\nThe river rose quickly after three days of rain!\n%\n");
    char json[4600];
    snprintf(json, sizeof json, "{\"text\": {\"files\": [\"%s\"], \"exclude\": [\"alex\", \"comput\"]}}",
             fixture_path("text.txt"));
    cJSON *sources = cJSON_Parse(json);
    char message[512] = "";
    cr_assert_eq(wakecert_pools_prepare(sources, 1, 0, message, sizeof message), 0, "%s", message);
    size_t count = 0;
    const char *const *sentences = wakecert_text_pool(&count);
    cr_assert_eq(count, 2, "kept %zu sentences", count);
    cr_assert_str_eq(sentences[0], "The weather is fine today, thank you.");
    cr_assert_str_eq(sentences[1], "The river rose quickly after three days of rain!");
    wakecert_pools_free();
    cJSON_Delete(sources);
}

/* An excluded phrase with a space ("l ex": the wake word's sound across a word boundary) matches
 * however many spaces separate the words once indented fortune lines are joined, and only there. */
Test(generate, text_pool_excludes_phrases_across_line_breaks)
{
    fixture_write_text(fixture_path("phrases.txt"),
                       "What good is an obscenity trial\n\texcept to popularize literature?\n%\n"
                       "It was a neurological   exam, nothing more.\n%\n"
                       "The lexicon of the trial is exact and short.\n%\n");
    char json[4600];
    snprintf(json, sizeof json, "{\"text\": {\"files\": [\"%s\"], \"exclude\": [\"l ex\"]}}",
             fixture_path("phrases.txt"));
    cJSON *sources = cJSON_Parse(json);
    char message[512] = "";
    cr_assert_eq(wakecert_pools_prepare(sources, 1, 0, message, sizeof message), 0, "%s", message);
    size_t count = 0;
    const char *const *sentences = wakecert_text_pool(&count);
    cr_assert_eq(count, 1, "kept %zu sentences", count);
    cr_assert_str_eq(sentences[0], "The lexicon of the trial is exact and short.");
    wakecert_pools_free();
    cJSON_Delete(sources);
}

/* Sounds inside gcompris-qt-data's Qt resource bundles come out whole; a missing resource or a file
 * that is no bundle is named in the error. */
Test(generate, rcc_resources_are_extracted)
{
    unsigned char *bytes = NULL;
    size_t size = 0;
    char message[512] = "";
    cr_assert_eq(wakecert_rcc_extract("/usr/share/gcompris-qt/rcc/watercycle.rcc",
                                      "/gcompris/src/activities/watercycle/resource/harbor1.wav", &bytes, &size, message,
                                      sizeof message),
                 0, "%s", message);
    cr_assert_gt(size, 44u);
    cr_assert_eq(memcmp(bytes, "RIFF", 4), 0, "harbor1.wav is not a WAV file");
    cr_assert_eq((size_t)(bytes[4] | bytes[5] << 8 | bytes[6] << 16 | (size_t)bytes[7] << 24) + 8, size,
                 "the RIFF length disagrees with the resource size");
    free(bytes);
    cr_assert_eq(wakecert_rcc_extract("/usr/share/gcompris-qt/rcc/watercycle.rcc", "/gcompris/nothing.wav", &bytes,
                                      &size, message, sizeof message),
                 WAKECERT_ERROR_FORMAT);
    cr_assert(strstr(message, "no resource /gcompris/nothing.wav"), "%s", message);
    cr_assert_null(bytes);
    fixture_write_text(fixture_path("fake.rcc"), "not a bundle at all");
    cr_assert_eq(wakecert_rcc_extract(fixture_path("fake.rcc"), "/a.wav", &bytes, &size, message, sizeof message),
                 WAKECERT_ERROR_FORMAT);
    cr_assert(strstr(message, "not a Qt resource bundle"), "%s", message);
}

/* Malformed blocks and sources are refused with a message naming the block; nothing is left behind. */
Test(generate, bad_blocks_are_reported)
{
    static const struct {
        const char *recipe;
        const char *expected;
    } cases[] = {
        {"{\"schema\": \"wakecert-recipe/1\", \"name\": \"b\", \"generate\": [{\"type\": \"song\", \"prefix\": \"x\", "
         "\"files\": 1}]}",
         "generate[0]: unknown \"type\" song"},
        {"{\"schema\": \"wakecert-recipe/1\", \"name\": \"b\", \"generate\": [{\"type\": \"wake\", \"prefix\": \"x\", "
         "\"files\": 1, \"voices\": [\"en-us\"]}]}",
         "generate[0]: \"requests\" must be a non-empty array"},
        {"{\"schema\": \"wakecert-recipe/1\", \"name\": \"b\", \"generate\": [{\"type\": \"wake\", \"prefix\": \"a/b\", "
         "\"files\": 1}]}",
         "generate[0]: needs \"type\", a plain \"prefix\""},
        {"{\"schema\": \"wakecert-recipe/1\", \"name\": \"b\", \"generate\": [{\"type\": \"music\", \"prefix\": \"m\", "
         "\"files\": 1, \"seconds\": 5}]}",
         "music needs a music pool"},
        {"{\"schema\": \"wakecert-recipe/1\", \"name\": \"b\", \"generate\": [{\"type\": \"speech\", \"prefix\": \"s\", "
         "\"files\": 1, \"voices\": [\"en-us\"], \"text_pool\": true}]}",
         "needs \"sentences\" or \"text_pool\""},
        {"{\"schema\": \"wakecert-recipe/1\", \"name\": \"b\", \"sources\": {\"music\": {\"midi\": [\"/nonexistent.mid\"]}}, "
         "\"generate\": [{\"type\": \"music\", \"prefix\": \"m\", \"files\": 1}]}",
         "/nonexistent.mid"},
        {"{\"schema\": \"wakecert-recipe/1\", \"name\": \"b\", \"generate\": [{\"type\": \"wake\", \"prefix\": \"w\", "
         "\"files\": 1, \"voices\": [\"flite:nobody\"], \"requests\": [\"stop\"]}]}",
         "flite has no voice \"flite:nobody\""},
    };
    setenv("WAKECERT_CORPUS_JOBS", "2", 1);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fixture_write_text(fixture_path("bad.json"), cases[i].recipe);
        char message[1024] = "";
        int status = wakecert_corpus_build(fixture_path("bad.json"), fixture_path("out"), 0, message, sizeof message);
        cr_assert_lt(status, 0, "case %zu built", i);
        cr_assert(strstr(message, cases[i].expected), "case %zu: message \"%s\" lacks \"%s\"", i, message,
                  cases[i].expected);
        struct stat info;
        cr_assert_neq(stat(fixture_path("out"), &info), 0, "case %zu left out/ behind", i);
    }
}

/* The soak stream: deterministic, as long as asked, every block of one known kind, faster than 500x
 * real time. */
Test(soak, stream_is_deterministic_and_exactly_as_long_as_asked)
{
    build_small("pool", "2");
    char digests[2][WAKECERT_SHA256_HEX_SIZE];
    static int16_t block[16000];
    double speed = 0;
    for (int run = 0; run < 2; run++) {
        struct wakecert_soak *soak = NULL;
        char message[1024] = "";
        cr_assert_eq(wakecert_soak_open(fixture_path("pool"), run == 0 ? 0.0 : 0.5, &soak, message, sizeof message), 0,
                     "%s", message);
        cr_assert_eq(wakecert_soak_total_samples(soak), (int64_t)(0.5 * 3600 * 16000));
        struct wakecert_sha256 *hash = wakecert_sha256_begin();
        int64_t total = 0, count;
        const char *kind = NULL;
        struct timespec began, ended;
        clock_gettime(CLOCK_MONOTONIC, &began);
        while ((count = wakecert_soak_read(soak, block, 16000, &kind)) > 0) {
            cr_assert(kind && (strcmp(kind, "negative") == 0 || strcmp(kind, "media") == 0 ||
                               strcmp(kind, "music") == 0 || strcmp(kind, "ambient") == 0),
                      "block of kind %s", kind ? kind : "(null)");
            wakecert_sha256_update(hash, block, (size_t)count * sizeof block[0]);
            total += count;
        }
        clock_gettime(CLOCK_MONOTONIC, &ended);
        wakecert_sha256_finish(hash, digests[run]);
        cr_assert_eq(total, wakecert_soak_total_samples(soak));
        double seconds = (double)(ended.tv_sec - began.tv_sec) + (ended.tv_nsec - began.tv_nsec) / 1e9;
        speed = fmax(speed, (double)total / 16000.0 / seconds);
        wakecert_soak_close(soak);
    }
    cr_assert_str_eq(digests[0], digests[1], "two renders of the stream differ");
    /* Speed is for the log only: `wakecert corpus render-soak DIR` reports it (README); tests never time. */
    fprintf(stderr, "soak stream rendered at up to %.0fx real time\n", speed);
}

/* Recorded music ("files" in sources.music: any sound file libsndfile reads) joins the music pool,
 * converted to 16 kHz mono, and a music block plays it; a music source with neither "midi" nor
 * "files" is refused, naming both. */
Test(generate, recorded_music_files_feed_the_music_pool)
{
    const double amplitude[2] = {0.25, 0.25};
    char tune[4200], recipe[9000];
    snprintf(tune, sizeof tune, "%s", fixture_path("tune.wav"));
    fixture_write_sine(tune, 44100, 2, 44100 * 4, 440.0, amplitude, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    snprintf(recipe, sizeof recipe,
             "{\"schema\": \"wakecert-recipe/1\", \"name\": \"recorded\", \"seed\": 5,\n"
             " \"sources\": {\"music\": {\"files\": [\"%s\"]}}, \"files\": [],\n"
             " \"generate\": [{\"type\": \"music\", \"prefix\": \"music\", \"files\": 1, \"seconds\": 10}]}\n",
             tune);
    fixture_write_text(fixture_path("recorded.json"), recipe);
    fixture_build(fixture_path("recorded.json"), "recorded");
    struct wakecert_corpus corpus;
    load_or_fail(fixture_path("recorded"), &corpus);
    cr_assert_eq(corpus.file_count, 1);
    cr_assert_str_eq(corpus.files[0].kind, "music");
    int64_t count = 0;
    int16_t *samples = fixture_read_pcm16(corpus.files[0].full_path, &count);
    cr_assert_geq(count, 10 * 16000, "%lld samples", (long long)count);
    /* the sine at 0.25 of full scale is -15 dBFS RMS; the piece starts after a 0.2 s gap */
    double level = fixture_rms_dbfs(samples, 16000, 3 * 16000);
    cr_assert(level > -40.0 && level < -3.0, "music at %.1f dBFS", level);
    free(samples);
    wakecert_corpus_free(&corpus);

    fixture_write_text(fixture_path("neither.json"),
                       "{\"schema\": \"wakecert-recipe/1\", \"name\": \"neither\", \"seed\": 5,\n"
                       " \"sources\": {\"music\": {\"soundfont\": \"x.sf2\"}}, \"files\": [],\n"
                       " \"generate\": [{\"type\": \"music\", \"prefix\": \"music\", \"files\": 1, \"seconds\": 10}]}\n");
    char message[1024] = "";
    int status = wakecert_corpus_build(fixture_path("neither.json"), fixture_path("neither"), 0, message, sizeof message);
    cr_assert_lt(status, 0);
    cr_assert(strstr(message, "\"midi\"") && strstr(message, "\"files\""), "%s", message);
}

/* A corpus without a "stream" object is not a soak pool. */
Test(soak, refuses_a_corpus_without_a_stream)
{
    fixture_build(fixture_recipe("smoke"), "smoke");
    struct wakecert_soak *soak = NULL;
    char message[1024] = "";
    cr_assert_eq(wakecert_soak_open(fixture_path("smoke"), 0.0, &soak, message, sizeof message), WAKECERT_ERROR_FORMAT);
    cr_assert_null(soak);
    cr_assert(strstr(message, "no \"stream\""), "%s", message);
}
