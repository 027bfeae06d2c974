/*
 * The trainer learns: on a tiny generated corpus (tests/tiny-train.json: three voices saying
 * "alexa" in carrier speech, plus ordinary speech), a few epochs of a small network must lower the
 * training loss, and on the held-out voice the wake file must score above the negative file when
 * run through the streaming model (which also checks that what the trainer optimises is what the
 * engine runs). Training twice with the same seed must give identical weights (determinism).
 */
#define _POSIX_C_SOURCE 200809L
#include "corpus.h"
#include "files.h"
#include "model.h"
#include "train.h"

#include <cjson/cJSON.h>

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char corpus_dir[256];
static struct wakecert_corpus corpus;

static void build_corpus(void)
{
    snprintf(corpus_dir, sizeof corpus_dir, "/tmp/wakecert-trainer-test-%ld", (long)getpid());
    char message[1024];
    int status = wakecert_corpus_build(WAKECERT_TEST_DATA "/tiny-train.json", corpus_dir, 0, message, sizeof message);
    cr_assert_eq(status, 0, "building the tiny corpus: %s", message);
    cr_assert_eq(wakecert_corpus_load(corpus_dir, &corpus, message, sizeof message), 0, "%s", message);
}

/* Delete a built corpus (its files, manifest and directory) and free it. */
static void delete_corpus(const char *directory, struct wakecert_corpus *built)
{
    for (size_t f = 0; f < built->file_count; f++)
        remove(built->files[f].full_path);
    char manifest[400];
    snprintf(manifest, sizeof manifest, "%s/manifest.json", directory);
    remove(manifest);
    rmdir(directory);
    wakecert_corpus_free(built);
}

static void remove_corpus(void)
{
    delete_corpus(corpus_dir, &corpus);
}

TestSuite(trainer, .init = build_corpus, .fini = remove_corpus, .timeout = 120);

static void tiny_options(struct train_options *options)
{
    train_options_default(options);
    options->epochs = 8;
    options->channels = 8;
    options->layers = 6;
    options->positive_repeats = 6;
    options->negative_crops = 24;
    options->hard_crops = 8;
    options->mined_crops = 8;
    options->learning_rate = 0.01f;
    options->reverb = 0;
    options->progress = 0;
    options->threads = 2;
}

static float score_file(const struct wakecert_model_spec *spec, const char *name)
{
    for (size_t f = 0; f < corpus.file_count; f++)
        if (strcmp(corpus.files[f].path, name) == 0) {
            int16_t *samples;
            int64_t count;
            char message[512];
            cr_assert_eq(wakecert_corpus_read_audio(&corpus.files[f], &samples, &count, message, sizeof message), 0);
            float score = train_score_audio(spec, samples, count);
            free(samples);
            return score;
        }
    cr_assert_fail("no file %s", name);
    return -1;
}

Test(trainer, loss_falls_and_held_out_positive_beats_negative)
{
    struct train_options options;
    tiny_options(&options);
    struct wakecert_model_spec spec, again;
    struct train_report report, report_again;
    char message[1024];
    cr_assert_eq(train_model(&options, &corpus, &spec, &report, message, sizeof message), 0, "%s", message);
    cr_assert_lt(report.last_epoch_loss, 0.7 * report.first_epoch_loss, "loss %.4f -> %.4f", report.first_epoch_loss,
                 report.last_epoch_loss);
    cr_assert_eq(report.train_positives, 6);
    cr_assert_eq(report.recorded_music_seconds, 0.0, "the tiny corpus has no music files");
    float positive = score_file(&spec, "wake_en-us_m1_1.wav");
    float negative = score_file(&spec, "negative_en-us_m1.wav");
    cr_assert_gt(positive, negative, "held-out positive %.3f, held-out negative %.3f", positive, negative);
    cr_assert(strstr(spec.provenance, corpus.manifest_sha256), "provenance lacks the corpus sha256:\n%s", spec.provenance);

    cr_assert_eq(train_model(&options, &corpus, &again, &report_again, message, sizeof message), 0, "%s", message);
    cr_assert_eq(memcmp(spec.weights, again.weights, spec.weight_count * sizeof(float)), 0,
                 "same seed and threads gave different weights");
    wakecert_model_spec_free(&spec);
    wakecert_model_spec_free(&again);
}

/* A corpus with files of kind "music" (recorded music, sources.music "files") gives the trainer its
 * recorded-music noise bank; the voice-less music files are never a validation voice, so the same six
 * wake words train, and the model still learns; with music_share 1 (--music-share) every noisy crop is
 * music instead, which must change what is learnt and still learn. The music: a drum loop of sonic-pi-samples. */
Test(trainer, music_files_become_the_recorded_music_bank)
{
    char *text = NULL;
    size_t size = 0;
    char message[1024];
    cr_assert_eq(wakecert_read_file(WAKECERT_TEST_DATA "/tiny-train.json", &text, &size, message, sizeof message), 0,
                 "%s", message);
    cJSON *recipe = cJSON_Parse(text);
    free(text);
    cr_assert_not_null(recipe);
    cJSON *files = cJSON_CreateArray();
    cJSON_AddItemToArray(files, cJSON_CreateString("/usr/share/sonic-pi/samples/loop_amen_full.flac"));
    cJSON *music = cJSON_CreateObject();
    cJSON_AddItemToObject(music, "files", files);
    cJSON *sources = cJSON_AddObjectToObject(recipe, "sources");
    cJSON_AddItemToObject(sources, "music", music);
    cJSON *block = cJSON_Parse("{\"type\": \"music\", \"prefix\": \"music\", \"files\": 2, \"seconds\": 12}");
    cJSON *generate = cJSON_AddArrayToObject(recipe, "generate");
    cJSON_AddItemToArray(generate, block);
    char recipe_path[300], music_dir[300];
    snprintf(recipe_path, sizeof recipe_path, "%s-music.json", corpus_dir);
    snprintf(music_dir, sizeof music_dir, "%s-music", corpus_dir);
    char *printed = cJSON_Print(recipe);
    cJSON_Delete(recipe);
    cr_assert_eq(wakecert_write_file_atomic(recipe_path, printed, strlen(printed), message, sizeof message), 0, "%s",
                 message);
    free(printed);
    cr_assert_eq(wakecert_corpus_build(recipe_path, music_dir, 0, message, sizeof message), 0, "%s", message);
    remove(recipe_path);
    struct wakecert_corpus with_music;
    cr_assert_eq(wakecert_corpus_load(music_dir, &with_music, message, sizeof message), 0, "%s", message);

    struct train_options options;
    tiny_options(&options);
    struct wakecert_model_spec spec;
    struct train_report report;
    int status = train_model(&options, &with_music, &spec, &report, message, sizeof message);
    /* --music-share 1: every noisy crop gets music; the same seed then trains other weights, and learns */
    struct train_options music_options = options;
    music_options.music_share = 1.0f;
    struct wakecert_model_spec music_spec = {0};
    struct train_report music_report;
    int music_status = status == 0 ? train_model(&music_options, &with_music, &music_spec, &music_report, message,
                                                 sizeof message)
                                   : -1;
    delete_corpus(music_dir, &with_music);
    cr_assert_eq(status, 0, "%s", message);
    cr_assert_geq(report.recorded_music_seconds, 24.0, "recorded music bank of %.1f s", report.recorded_music_seconds);
    cr_assert_eq(report.train_positives, 6);
    cr_assert_lt(report.last_epoch_loss, 0.7 * report.first_epoch_loss, "loss %.4f -> %.4f", report.first_epoch_loss,
                 report.last_epoch_loss);
    cr_assert_eq(music_status, 0, "with --music-share 1: %s", message);
    cr_assert_eq(music_spec.weight_count, spec.weight_count);
    cr_assert_neq(memcmp(spec.weights, music_spec.weights, spec.weight_count * sizeof(float)), 0,
                  "--music-share 1 trained the same weights as the default noise draw");
    cr_assert_lt(music_report.last_epoch_loss, 0.7 * music_report.first_epoch_loss, "with --music-share 1: loss %.4f -> %.4f",
                 music_report.first_epoch_loss, music_report.last_epoch_loss);
    wakecert_model_spec_free(&spec);
    wakecert_model_spec_free(&music_spec);
}

/* The vocal tract length perturbation: identity at 1, a formant-like peak moves up for a warp above 1
 * and down below it, and nothing leaves the frame's range. */
Test(trainer, vocal_tract_warp_moves_a_spectral_peak)
{
    float frames[3 * WAKECERT_MODEL_MEL];
    for (int f = 0; f < 3; f++)
        for (int b = 0; b < WAKECERT_MODEL_MEL; b++)
            frames[f * WAKECERT_MODEL_MEL + b] = b == 20 ? 10.0f : (b == 19 || b == 21 ? 5.0f : 1.0f);
    float same[3 * WAKECERT_MODEL_MEL];
    memcpy(same, frames, sizeof same);
    train_warp_vocal_tract(same, 3, 1.0);
    for (int i = 0; i < 3 * WAKECERT_MODEL_MEL; i++)
        cr_assert_float_eq(same[i], frames[i], 1e-4, "warp 1 moved element %d: %g -> %g", i, frames[i], same[i]);
    for (int direction = 0; direction < 2; direction++) {
        float warped[3 * WAKECERT_MODEL_MEL];
        memcpy(warped, frames, sizeof warped);
        train_warp_vocal_tract(warped, 3, direction == 0 ? 1.2 : 1.0 / 1.2);
        for (int f = 0; f < 3; f++) {
            int peak = 0;
            for (int b = 0; b < WAKECERT_MODEL_MEL; b++) {
                float value = warped[f * WAKECERT_MODEL_MEL + b];
                cr_assert(value >= 1.0f && value <= 10.0f, "frame %d band %d: %g outside [1, 10]", f, b, value);
                if (value > warped[f * WAKECERT_MODEL_MEL + peak])
                    peak = b;
            }
            /* band 20 is centred near 1.6 kHz; 1.2x that is ~2 bands higher on the mel scale */
            if (direction == 0)
                cr_assert(peak >= 21 && peak <= 24, "warp 1.2: peak at band %d, expected 21-24", peak);
            else
                cr_assert(peak >= 16 && peak <= 19, "warp 1/1.2: peak at band %d, expected 16-19", peak);
        }
    }
}
