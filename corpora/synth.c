/*
 * Speech pieces from espeak-ng's library API.
 *
 * The generator never asks a synthesizer for a whole sentence and then guesses where the wake word
 * is: it synthesizes each labelled piece (the wake word, the request, a confusable word) on its own,
 * trims the silence espeak-ng puts around it, and concatenates pieces with gaps it chooses. Labels are
 * then exact by construction: a piece's [start, end) in the file is where its samples were copied.
 *
 * espeak-ng produces 22050 Hz int16 through a callback (synchronous mode, so espeak_Synth returns
 * only when the whole utterance was delivered). We collect it, convert to float, resample to 16 kHz
 * with libsamplerate (deterministic for the same input), and trim by 5 ms frame energy: frames more
 * than 50 dB below the loudest frame at either end are dropped, so quiet consonants survive.
 *
 * Wake words are fed as phonemes, [[a#l'Eks@]] for "alexa": the same string `espeak-ng -x alexa`
 * prints. Feeding phonemes pins the pronunciation even if a dictionary update changes the spelling
 * rules; a test compares the table against espeak_TextToPhonemes so such a change is noticed.
 *
 * espeak-ng keeps global state (one selected voice, one callback), so this file is not thread-safe
 * and the voice, rate and pitch are set again before every piece, so no piece depends on the last.
 */
#include <espeak-ng/speak_lib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus_internal.h"
#include "error.h"

static int espeak_rate = 0; /* espeak-ng's output rate once initialized, 0 before */
static char espeak_version[32] = "unknown";

/* Growable int16 buffer the synthesis callback appends to (passed as espeak's user_data). */
struct collected_audio {
    short *samples;
    size_t count;
    size_t capacity;
    int failed;
};

static int collect_callback(short *wave, int sample_count, espeak_EVENT *events)
{
    if (!events)
        return 0;
    struct collected_audio *audio = events->user_data;
    if (!audio || !wave || sample_count <= 0)
        return 0;
    if (audio->count + (size_t)sample_count > audio->capacity) {
        size_t capacity = audio->capacity ? audio->capacity : 65536;
        while (capacity < audio->count + (size_t)sample_count)
            capacity *= 2;
        short *grown = realloc(audio->samples, capacity * sizeof *grown);
        if (!grown) {
            audio->failed = 1;
            return 1; /* abort synthesis */
        }
        audio->samples = grown;
        audio->capacity = capacity;
    }
    memcpy(audio->samples + audio->count, wave, (size_t)sample_count * sizeof *wave);
    audio->count += (size_t)sample_count;
    return 0;
}

int wakecert_synth_initialize(char *message, size_t message_size)
{
    if (espeak_rate > 0)
        return 0;
    int rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, NULL, espeakINITIALIZE_DONT_EXIT);
    if (rate <= 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_UNSUPPORTED,
                                  "espeak-ng could not be initialized (is espeak-ng-data installed?)");
    espeak_SetSynthCallback(collect_callback);
    const char *data_path = NULL;
    const char *version = espeak_Info(&data_path);
    snprintf(espeak_version, sizeof espeak_version, "%s", version ? version : "unknown");
    espeak_rate = rate;
    return 0;
}

const char *wakecert_synth_version(void)
{
    return espeak_version;
}

static const struct {
    const char *word;
    const char *phonemes;
} wake_word_table[] = {
    {"alexa", "a#l'Eks@"},
    {"amazon", "'ama#z,0n"},
    {"computer", "k@mpj'u:t#3"},
    {"echo", "'EkoU"},
};

const char *wakecert_wake_word_phonemes(const char *word)
{
    for (size_t i = 0; i < sizeof wake_word_table / sizeof wake_word_table[0]; i++)
        if (strcmp(wake_word_table[i].word, word) == 0)
            return wake_word_table[i].phonemes;
    return NULL;
}

void wakecert_trim_silence(const float *x, int64_t count, int64_t *begin, int64_t *end)
{
    const int64_t frame = WAKECERT_CORPUS_RATE / 200; /* 5 ms */
    int64_t frames = (count + frame - 1) / frame;
    double loudest = 0.0;
    for (int64_t f = 0; f < frames; f++) {
        double energy = 0.0;
        int64_t stop = (f + 1) * frame < count ? (f + 1) * frame : count;
        for (int64_t i = f * frame; i < stop; i++)
            energy += (double)x[i] * x[i];
        energy /= (double)(stop - f * frame);
        if (energy > loudest)
            loudest = energy;
    }
    *begin = *end = 0;
    if (loudest <= 0.0)
        return;
    double threshold = loudest * 1e-5; /* -50 dB */
    int64_t first = -1, last = -1;
    for (int64_t f = 0; f < frames; f++) {
        double energy = 0.0;
        int64_t stop = (f + 1) * frame < count ? (f + 1) * frame : count;
        for (int64_t i = f * frame; i < stop; i++)
            energy += (double)x[i] * x[i];
        energy /= (double)(stop - f * frame);
        if (energy >= threshold) {
            if (first < 0)
                first = f;
            last = f;
        }
    }
    *begin = first * frame;
    *end = (last + 1) * frame < count ? (last + 1) * frame : count;
}

static int select_voice(const char *voice, int rate_wpm, int pitch, char *message, size_t message_size)
{
    if (espeak_SetVoiceByName(voice) != EE_OK)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "espeak-ng has no voice \"%s\"",
                                  voice);
    espeak_SetParameter(espeakRATE, rate_wpm, 0);
    espeak_SetParameter(espeakPITCH, pitch, 0);
    espeak_SetParameter(espeakVOLUME, 100, 0);
    espeak_SetParameter(espeakRANGE, 50, 0);
    espeak_SetParameter(espeakPUNCTUATION, espeakPUNCT_NONE, 0);
    espeak_SetParameter(espeakCAPITALS, 0, 0);
    espeak_SetParameter(espeakWORDGAP, 0, 0);
    return 0;
}

int wakecert_synth_piece(const char *voice, int rate_wpm, int pitch, const char *text, const char *phonemes,
                         float **out, int64_t *out_count, char *message, size_t message_size)
{
    *out = NULL;
    *out_count = 0;
    int status = wakecert_synth_initialize(message, message_size);
    if (status != 0)
        return status;
    status = select_voice(voice, rate_wpm, pitch, message, message_size);
    if (status != 0)
        return status;

    char input[1024];
    int written = phonemes ? snprintf(input, sizeof input, "[[%s]]", phonemes) : snprintf(input, sizeof input, "%s", text);
    if (written < 0 || (size_t)written >= sizeof input)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "speech piece too long: \"%.40s...\"",
                                  phonemes ? phonemes : text);
    struct collected_audio audio = {0};
    unsigned int flags = espeakCHARS_UTF8 | (phonemes ? espeakPHONEMES : 0);
    espeak_ERROR synth_status = espeak_Synth(input, strlen(input) + 1, 0, POS_CHARACTER, 0, flags, NULL, &audio);
    espeak_Synchronize();
    if (synth_status != EE_OK || audio.failed) {
        free(audio.samples);
        return wakecert_set_error(message, message_size, audio.failed ? WAKECERT_ERROR_NO_MEMORY : WAKECERT_ERROR_INTERNAL,
                                  "espeak-ng failed to synthesize \"%s\"", input);
    }
    float *raw = malloc((audio.count ? audio.count : 1) * sizeof *raw);
    if (!raw) {
        free(audio.samples);
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
    }
    for (size_t i = 0; i < audio.count; i++)
        raw[i] = (float)(audio.samples[i] / 32768.0);
    size_t raw_count = audio.count;
    free(audio.samples);

    float *resampled = NULL;
    int64_t resampled_count = 0;
    status = wakecert_audio_resample_to_16k(raw, (int64_t)raw_count, espeak_rate, &resampled, &resampled_count, message,
                                            message_size);
    free(raw);
    if (status != 0)
        return status;
    int64_t begin = 0, end = 0;
    wakecert_trim_silence(resampled, resampled_count, &begin, &end);
    if (end <= begin) {
        free(resampled);
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                  "espeak-ng produced no audible speech for \"%s\" in voice %s", input, voice);
    }
    memmove(resampled, resampled + begin, (size_t)(end - begin) * sizeof *resampled);
    *out = resampled;
    *out_count = end - begin;
    return 0;
}

int wakecert_synth_text_to_phonemes(const char *voice, const char *text, char *out, size_t out_size, char *message,
                                    size_t message_size)
{
    int status = wakecert_synth_initialize(message, message_size);
    if (status != 0)
        return status;
    status = select_voice(voice, espeakRATE_NORMAL, 50, message, message_size);
    if (status != 0)
        return status;
    size_t used = 0;
    out[0] = '\0';
    const void *cursor = text;
    while (cursor) {
        const char *phonemes = espeak_TextToPhonemes(&cursor, espeakCHARS_UTF8, 0);
        if (!phonemes)
            break;
        const char *start = phonemes;
        while (*start == ' ')
            start++;
        int written = snprintf(out + used, out_size - used, "%s%s", used ? " " : "", start);
        if (written < 0 || (size_t)written >= out_size - used)
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_USAGE, "phoneme output too long");
        used += (size_t)written;
    }
    return 0;
}
