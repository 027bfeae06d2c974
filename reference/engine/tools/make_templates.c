/*
 * make_templates: the recipe that reproduces reference/engine/templates_data.c.
 *
 * It speaks the wake word with the corpus generator's synthesizer (espeak-ng, phoneme input, so the
 * pronunciation is fixed; 16 kHz, silence trimmed) in a few voices that no evaluation corpus uses,
 * places it between 0.5 s margins on the corpora's -60 dBFS noise floor (clean, and again with white
 * noise at 10 dB SNR, so noisy speech has templates of its own), runs the reference MFCC front
 * end, keeps the frames centred on the word and 80 ms of the pause after it, and prints C source with
 * their c1..c12 and the
 * detector's operating point. Usage:
 *   make_templates --threshold T --noisy-threshold N --energy-floor E > reference/engine/templates_data.c
 * Deterministic for a given espeak-ng version (recorded in the output).
 */
#define _POSIX_C_SOURCE 200809L
#include "mfcc.h"
#include "template_detector.h"

#include "corpus_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct template_voice {
    const char *voice;
    int rate_wpm;
    int pitch;
};

/* Voices the evaluation corpora do not use (corpora/README.md lists theirs). */
static const struct template_voice template_voices[] = {
    {"en-029", 165, 50},
    {"en-gb-scotland", 160, 45},
    {"en-us+f4", 170, 55},
    {"en-gb-x-gbclan+m2", 155, 40},
};

static const struct {
    const char *keyword;
    const char *phonemes;
} template_keywords[] = {
    {"alexa", "a#l'Eks@"},
};

/* Frames of the pause after the word kept at the end of each template (see template_detector.h). */
#define TRAILING_PAUSE_FRAMES 8

struct frame_sink {
    float frames[TEMPLATE_MAX_FRAMES * 4][TEMPLATE_FEATURES];
    float energy[TEMPLATE_MAX_FRAMES * 4];
    int count;
};

static void keep_frame(void *ctx, int64_t frame_index, const float *log_mel, const float *cepstra)
{
    struct frame_sink *sink = ctx;
    (void)frame_index;
    if (sink->count >= TEMPLATE_MAX_FRAMES * 4)
        return;
    float energy = 0;
    for (int m = 0; m < 40; m++)
        energy += log_mel[m];
    sink->energy[sink->count] = energy / 40;
    memcpy(sink->frames[sink->count], cepstra + 1, TEMPLATE_FEATURES * sizeof(float));
    sink->count++;
}

/* Synthesize `text` (from `phonemes` when given) in one voice, place it between 0.5 s margins on the
 * corpora's -60 dBFS floor (with white noise at 10 dB SNR over it when `noisy`), and print the c1..c12
 * of the frames centred on it as the C array `array`. Returns 0, or -1 after a message on stderr. */
static int emit_template(const char *array, const struct template_voice *voice, const char *text, const char *phonemes,
                         int noisy, size_t seed_stream, const struct wakecert_mfcc_config *config)
{
    char message[256];
        float *piece = NULL;
        int64_t piece_count = 0;
        if (wakecert_synth_piece(voice->voice, voice->rate_wpm, voice->pitch, text, phonemes, &piece, &piece_count,
                                 message, sizeof message) != 0) {
            fprintf(stderr, "make_templates: %s\n", message);
            return -1;
        }
        /* The word between 0.5 s of lead and tail, on the same -60 dBFS noise floor the corpora have;
         * in the noisy condition with white noise at 10 dB SNR over the word as well. */
        const int64_t margin = 8000;
        int64_t count = piece_count + 2 * margin;
        float *signal = calloc((size_t)count, sizeof *signal);
        float *noise = calloc((size_t)count, sizeof *noise);
        uint8_t *active = calloc((size_t)count, 1);
        int16_t *pcm = calloc((size_t)count, sizeof *pcm);
        for (int64_t i = 0; i < piece_count; i++) {
            signal[margin + i] = piece[i];
            active[margin + i] = 1;
        }
        struct wakecert_prng prng;
        wakecert_prng_seed(&prng, 20261121, seed_stream);
        if (noisy) {
            wakecert_noise_white(&prng, noise, count);
            if (wakecert_mix_at_snr(signal, noise, active, count, 10.0, message, sizeof message) != 0) {
                fprintf(stderr, "make_templates: %s\n", message);
                return -1;
            }
        }
        wakecert_noise_white(&prng, noise, count);
        for (int64_t i = 0; i < count; i++)
            pcm[i] = wakecert_audio_float_to_int16(signal[i] + 0.001f * noise[i]);
        free(piece);
        free(signal);
        free(noise);
        free(active);
        wakecert_mfcc *frontend = NULL;
        if (wakecert_mfcc_create(config, 0, &frontend, message, sizeof message) != 0) {
            fprintf(stderr, "make_templates: %s\n", message);
            return -1;
        }
        static struct frame_sink sink;
        sink.count = 0;
        wakecert_mfcc_push(frontend, pcm, (size_t)count, keep_frame, &sink);
        wakecert_mfcc_destroy(frontend);
        /* The frames whose centres lie on the word, and the pause after it (its bounds are exact: it was placed there). */
        int first = (int)((margin - config->window_length / 2 + config->hop_length - 1) / config->hop_length);
        int last = (int)((margin + piece_count - config->window_length / 2) / config->hop_length) + TRAILING_PAUSE_FRAMES;
        if (last >= sink.count)
            last = sink.count - 1;
        int frames = last - first + 1;
        if (frames > TEMPLATE_MAX_FRAMES || frames < 10) {
            fprintf(stderr, "make_templates: %s in %s gives %d frames\n", text, voice->voice, frames);
            return -1;
        }
        printf("/* %s, %s, %s, %d frames */\nstatic const float %s[%d * TEMPLATE_FEATURES] = {\n", text, voice->voice,
               noisy ? "white noise 10 dB" : "clean", frames, array, frames);
        for (int f = first; f <= last; f++) {
            printf("   ");
            for (int d = 0; d < TEMPLATE_FEATURES; d++)
                printf(" %.6ef,", sink.frames[f][d]);
            printf("\n");
        }
        printf("};\n\n");
        free(pcm);
    return 0;
}

int main(int argc, char **argv)
{
    double threshold = 0, noisy_threshold = 0, energy_floor = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--threshold") == 0 && i + 1 < argc)
            threshold = atof(argv[++i]);
        else if (strcmp(argv[i], "--noisy-threshold") == 0 && i + 1 < argc)
            noisy_threshold = atof(argv[++i]);
        else if (strcmp(argv[i], "--energy-floor") == 0 && i + 1 < argc)
            energy_floor = atof(argv[++i]);
        else {
            fprintf(stderr, "usage: make_templates --threshold T --noisy-threshold N --energy-floor E > templates_data.c\n");
            return 2;
        }
    }
    if (threshold <= 0 || noisy_threshold <= 0) {
        fprintf(stderr, "make_templates: --threshold and --noisy-threshold are required\n");
        return 2;
    }
    char message[256];
    if (wakecert_synth_initialize(message, sizeof message) != 0) {
        fprintf(stderr, "make_templates: %s\n", message);
        return 3;
    }
    const char *espeak_version = wakecert_synth_version();

    struct wakecert_mfcc_config config;
    wakecert_mfcc_config_default(&config);
    printf("/*\n * Generated by reference/engine/tools/make_templates.c — do not edit.\n");
    printf(" * Command: make_templates --threshold %g --noisy-threshold %g --energy-floor %g\n", threshold, noisy_threshold,
           energy_floor);
    printf(" * espeak-ng %s; voices:", espeak_version);
    for (size_t v = 0; v < sizeof template_voices / sizeof template_voices[0]; v++)
        printf(" %s@%dwpm", template_voices[v].voice, template_voices[v].rate_wpm);
    printf("\n */\n#include \"templates.h\"\n\n");

    for (size_t k = 0; k < sizeof template_keywords / sizeof template_keywords[0]; k++) {
        const char *keyword = template_keywords[k].keyword;
        char entries[8192] = "";
        size_t used = 0;
        for (size_t v = 0; v < sizeof template_voices / sizeof template_voices[0]; v++)
            for (int noisy = 0; noisy < 2; noisy++) {
                char array[64];
                snprintf(array, sizeof array, "%s_%zu_%d", keyword, v, noisy);
                if (emit_template(array, &template_voices[v], keyword, template_keywords[k].phonemes, noisy,
                                  2 * v + (size_t)noisy, &config) != 0)
                    return 3;
                used += (size_t)snprintf(entries + used, sizeof entries - used,
                                         "    {sizeof %s / sizeof(float) / TEMPLATE_FEATURES, %s, %.4ff},\n", array,
                                         array, noisy ? noisy_threshold : threshold);
            }
        printf("static const struct wake_template %s_templates[] = {\n%s};\n\n", keyword, entries);
    }
    printf("const struct reference_keyword_templates reference_shipped_templates[] = {\n");
    for (size_t k = 0; k < sizeof template_keywords / sizeof template_keywords[0]; k++)
        printf("    {\"%s\", {1.0f, %.4ff, 15, 100}, %s_templates, (int)(sizeof %s_templates / sizeof %s_templates[0])},\n",
               template_keywords[k].keyword, energy_floor, template_keywords[k].keyword,
               template_keywords[k].keyword, template_keywords[k].keyword);
    printf("};\nconst int reference_shipped_template_count = %zu;\n",
           sizeof template_keywords / sizeof template_keywords[0]);
    printf("const char reference_shipped_keyword_list[] = \"");
    for (size_t k = 0; k < sizeof template_keywords / sizeof template_keywords[0]; k++)
        printf("%s%s", k ? ", " : "", template_keywords[k].keyword);
    printf("\";\n");
    return 0;
}
