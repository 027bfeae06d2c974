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
 * Determinism: espeak-ng keeps synthesis state in function-level statics (pitch flutter index,
 * wave phase, noise) that espeak_Initialize does not reset, so the same piece synthesized twice in one
 * process comes out different. We therefore never synthesize in the calling process: it only
 * initializes espeak-ng (loading its data once), and every piece is synthesized in a forked child,
 * which starts from that same pristine state, and sends its samples back through a pipe. A piece thus
 * depends only on its own text, voice, rate and pitch — not on what was synthesized before it, nor on
 * which process builds the corpus. A fork costs well under a millisecond here; the smoke corpus has
 * ~50 pieces. espeak-ng keeps global state, so this file is not thread-safe.
 */
#include <espeak-ng/speak_lib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* espeak-ng synthesis callback: append the samples to the collected_audio passed as user_data.
 * Returns 1 (abort) when out of memory, else 0. */
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

/* Select voice, rate and pitch (and fixed volume, range, no punctuation or capital cues) for
 * the next synthesis. Returns 0 or WAKECERT_ERROR_FORMAT for an unknown voice. */
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

/* Write all of buffer to fd; 0 or -1. */
static int write_all(int fd, const void *buffer, size_t size)
{
    const char *cursor = buffer;
    while (size) {
        ssize_t written = write(fd, cursor, size);
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0)
            return -1;
        cursor += written;
        size -= (size_t)written;
    }
    return 0;
}

/* Read exactly size bytes from fd; 0 or -1 (EOF or error first). */
static int read_all(int fd, void *buffer, size_t size)
{
    char *cursor = buffer;
    while (size) {
        ssize_t got = read(fd, cursor, size);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return -1;
        cursor += got;
        size -= (size_t)got;
    }
    return 0;
}

/* What a synthesis child reports before its payload. */
enum child_status { CHILD_OK = 0, CHILD_NO_VOICE = 1, CHILD_SYNTH_FAILED = 2, CHILD_NO_MEMORY = 3 };
struct child_header {
    int32_t status;
    uint64_t payload_bytes;
};

/* The work a child does: synthesize (`text_to_phonemes` 0) or translate to phonemes (1). */
struct child_job {
    const char *voice;
    int rate_wpm;
    int pitch;
    const char *input;
    unsigned int flags;
    int text_to_phonemes;
};

/* The body of a synthesis child: do `job` and write a child_header and payload to fd. */
static void child_main(const struct child_job *job, int fd)
{
    struct child_header header = {CHILD_OK, 0};
    if (select_voice(job->voice, job->rate_wpm, job->pitch, NULL, 0) != 0) {
        header.status = CHILD_NO_VOICE;
        write_all(fd, &header, sizeof header);
        return;
    }
    if (job->text_to_phonemes) {
        char out[1024];
        size_t used = 0;
        out[0] = '\0';
        const void *cursor = job->input;
        while (cursor) {
            const char *phonemes = espeak_TextToPhonemes(&cursor, espeakCHARS_UTF8, 0);
            if (!phonemes)
                break;
            while (*phonemes == ' ')
                phonemes++;
            int written = snprintf(out + used, sizeof out - used, "%s%s", used ? " " : "", phonemes);
            if (written < 0 || (size_t)written >= sizeof out - used)
                break;
            used += (size_t)written;
        }
        header.payload_bytes = used;
        if (write_all(fd, &header, sizeof header) == 0)
            write_all(fd, out, used);
        return;
    }
    struct collected_audio audio = {0};
    espeak_ERROR synth_status =
        espeak_Synth(job->input, strlen(job->input) + 1, 0, POS_CHARACTER, 0, job->flags, NULL, &audio);
    espeak_Synchronize();
    if (synth_status != EE_OK || audio.failed) {
        header.status = audio.failed ? CHILD_NO_MEMORY : CHILD_SYNTH_FAILED;
        write_all(fd, &header, sizeof header);
        return;
    }
    header.payload_bytes = audio.count * sizeof(short);
    if (write_all(fd, &header, sizeof header) == 0)
        write_all(fd, audio.samples, header.payload_bytes);
}

/* Run job in a forked child from this process's pristine espeak-ng state; *payload is malloc'd
 * (NUL-terminated as a courtesy). Returns 0 or a negative code with a message. */
static int run_child(const struct child_job *job, char **payload, size_t *payload_size, char *message,
                     size_t message_size)
{
    *payload = NULL;
    *payload_size = 0;
    int fds[2];
    if (pipe(fds) != 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_INTERNAL, "pipe: %s", strerror(errno));
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_INTERNAL, "fork: %s", strerror(errno));
    }
    if (pid == 0) {
        close(fds[0]);
        srand(1); /* in case the synthesizer draws from rand() */
        child_main(job, fds[1]);
        close(fds[1]);
        _exit(0);
    }
    close(fds[1]);
    struct child_header header;
    int status = 0;
    if (read_all(fds[0], &header, sizeof header) != 0) {
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_INTERNAL,
                                    "espeak-ng synthesis process died for \"%s\"", job->input);
    } else if (header.status == CHILD_NO_VOICE) {
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "espeak-ng has no voice \"%s\"",
                                    job->voice);
    } else if (header.status != CHILD_OK) {
        status = wakecert_set_error(message, message_size,
                                    header.status == CHILD_NO_MEMORY ? WAKECERT_ERROR_NO_MEMORY : WAKECERT_ERROR_INTERNAL,
                                    "espeak-ng failed to synthesize \"%s\"", job->input);
    } else if (header.payload_bytes > ((uint64_t)1 << 31)) {
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_INTERNAL, "espeak-ng output too large");
    } else {
        *payload = malloc((size_t)header.payload_bytes + 1);
        if (!*payload)
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
        else if (read_all(fds[0], *payload, (size_t)header.payload_bytes) != 0)
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_INTERNAL,
                                        "espeak-ng synthesis process died for \"%s\"", job->input);
        else {
            (*payload)[header.payload_bytes] = '\0';
            *payload_size = (size_t)header.payload_bytes;
        }
    }
    close(fds[0]);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    if (status != 0) {
        free(*payload);
        *payload = NULL;
        *payload_size = 0;
    }
    return status;
}

int wakecert_synth_piece(const char *voice, int rate_wpm, int pitch, const char *text, const char *phonemes,
                         float **out, int64_t *out_count, char *message, size_t message_size)
{
    *out = NULL;
    *out_count = 0;
    int status = wakecert_synth_initialize(message, message_size);
    if (status != 0)
        return status;
    char input[1024];
    int written = phonemes ? snprintf(input, sizeof input, "[[%s]]", phonemes) : snprintf(input, sizeof input, "%s", text);
    if (written < 0 || (size_t)written >= sizeof input)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "speech piece too long: \"%.40s...\"",
                                  phonemes ? phonemes : text);
    struct child_job job = {voice, rate_wpm, pitch, input, espeakCHARS_UTF8 | (phonemes ? espeakPHONEMES : 0u), 0};
    char *payload = NULL;
    size_t payload_size = 0;
    status = run_child(&job, &payload, &payload_size, message, message_size);
    if (status != 0)
        return status;
    size_t raw_count = payload_size / sizeof(short);
    float *raw = malloc((raw_count ? raw_count : 1) * sizeof *raw);
    if (!raw) {
        free(payload);
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
    }
    const short *pcm = (const short *)(void *)payload;
    for (size_t i = 0; i < raw_count; i++)
        raw[i] = (float)(pcm[i] / 32768.0);
    free(payload);

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
    struct child_job job = {voice, espeakRATE_NORMAL, 50, text, 0, 1};
    char *payload = NULL;
    size_t payload_size = 0;
    status = run_child(&job, &payload, &payload_size, message, message_size);
    if (status != 0)
        return status;
    if (payload_size >= out_size) {
        free(payload);
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_USAGE, "phoneme output too long");
    }
    memcpy(out, payload, payload_size + 1);
    free(payload);
    return 0;
}
