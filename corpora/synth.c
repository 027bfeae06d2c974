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
 *
 * Also here: voices named "flite:NAME" are synthesized by flite instead (flite_synth.c), and voices
 * named "festival:NAME" by the festival program (festival_synth.c), both resampled and trimmed like
 * espeak-ng's pieces; a per-process
 * piece cache (a piece is a pure function of its inputs, so a repeated one is copied, not re-made); and
 * synthesis servers, small processes forked before a build loads its pools, from which the per-piece
 * children are forked cheaply (see "synthesis servers" below).
 */
#include <espeak-ng/speak_lib.h>
#include <samplerate.h>
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
#include "files.h"

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
        wakecert_write_all(fd, &header, sizeof header);
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
        if (wakecert_write_all(fd, &header, sizeof header) == 0)
            wakecert_write_all(fd, out, used);
        return;
    }
    struct collected_audio audio = {0};
    espeak_ERROR synth_status =
        espeak_Synth(job->input, strlen(job->input) + 1, 0, POS_CHARACTER, 0, job->flags, NULL, &audio);
    espeak_Synchronize();
    if (synth_status != EE_OK || audio.failed) {
        header.status = audio.failed ? CHILD_NO_MEMORY : CHILD_SYNTH_FAILED;
        wakecert_write_all(fd, &header, sizeof header);
        return;
    }
    header.payload_bytes = audio.count * sizeof(short);
    if (wakecert_write_all(fd, &header, sizeof header) == 0)
        wakecert_write_all(fd, audio.samples, header.payload_bytes);
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
    if (wakecert_read_all(fds[0], &header, sizeof header) != 0) {
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
        else if (wakecert_read_all(fds[0], *payload, (size_t)header.payload_bytes) != 0)
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

/* ---- the piece cache ----
 * A piece is a pure function of (synthesizer, voice, rate, pitch, text or phonemes, converter): espeak-ng
 * synthesizes it from a pristine forked state, flite keeps no state. So a process may keep what it
 * synthesized and hand out copies: the result is the same bytes as synthesizing again, only faster.
 * Generated recipes say the same wake word, carrier phrase or request hundreds of times; babble loops
 * its sentences. The cache is off until wakecert_synth_cache_enable; entries are never evicted, only
 * refused once the budget is spent. */
struct cache_entry {
    uint64_t hash;
    char *key;
    float *samples;
    int64_t count;
};
static struct cache_entry *cache_table = NULL;
static size_t cache_capacity = 0; /* power of two, 0 when disabled */
static size_t cache_used = 0;
static int64_t cache_budget = 0;  /* samples still allowed */
static int resample_converter = SRC_SINC_BEST_QUALITY;

/* FNV-1a 64 of a NUL-terminated string. Cannot fail. */
static uint64_t hash_string(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

void wakecert_synth_cache_enable(int64_t max_samples)
{
    if (cache_capacity == 0) {
        cache_table = calloc(1 << 14, sizeof *cache_table);
        if (!cache_table)
            return;
        cache_capacity = 1 << 14;
    }
    cache_budget = max_samples;
}

void wakecert_synth_set_converter(int converter)
{
    resample_converter = converter;
}

/* The cache slot for key: the entry holding it, or the empty slot where it belongs. Requires the cache
 * enabled. Cannot fail. */
static struct cache_entry *cache_slot(const char *key, uint64_t hash)
{
    size_t mask = cache_capacity - 1;
    for (size_t i = (size_t)hash & mask;; i = (i + 1) & mask) {
        struct cache_entry *entry = &cache_table[i];
        if (!entry->key || (entry->hash == hash && strcmp(entry->key, key) == 0))
            return entry;
    }
}

/* Double the table when more than half full. Returns 0, or -1 when out of memory (the cache then just
 * stops growing). */
static int cache_grow(void)
{
    if ((cache_used + 1) * 2 <= cache_capacity)
        return 0;
    struct cache_entry *old = cache_table;
    size_t old_capacity = cache_capacity;
    struct cache_entry *table = calloc(old_capacity * 2, sizeof *table);
    if (!table)
        return -1;
    cache_table = table;
    cache_capacity = old_capacity * 2;
    for (size_t i = 0; i < old_capacity; i++)
        if (old[i].key)
            *cache_slot(old[i].key, old[i].hash) = old[i];
    free(old);
    return 0;
}

void wakecert_keep_phones_pcm16(short *samples, int64_t count, int rate, int64_t begin, int64_t end, int64_t *from,
                                int64_t *to)
{
    if (begin < 0 || begin >= end || end > count) {
        begin = 0;
        end = count;
    }
    /* Keep 5 ms before and 25 ms after the phones, faded in and out (raised cosine): the last vowel's
     * decay runs into the pause, and a hard cut there would be a click. */
    int64_t lead = rate / 200, tail = rate / 40;
    *from = begin - lead > 0 ? begin - lead : 0;
    *to = end + tail < count ? end + tail : count;
    for (int64_t i = *from; i < begin; i++)
        samples[i] = (short)lrint(samples[i] * 0.5 *
                                  (1.0 - cos(3.14159265358979 * (double)(i - *from) / (double)(begin - *from))));
    for (int64_t i = end; i < *to; i++)
        samples[i] = (short)lrint(samples[i] * 0.5 *
                                  (1.0 + cos(3.14159265358979 * (double)(i - end) / (double)(*to - end))));
}

/* Synthesize one piece without the cache (see wakecert_synth_piece). */
/* Trim a synthesized piece (16 kHz, malloc'd, owned from here) to its audible span: *out is the
 * same buffer with the speech moved to its front. Fails (freeing it) when nothing is audible, naming
 * the synthesizer, the text and the voice. */
static int keep_speech(float *samples, int64_t count, const char *synthesizer, const char *text, const char *voice,
                       float **out, int64_t *out_count, char *message, size_t message_size)
{
    int64_t begin = 0, end = 0;
    wakecert_trim_silence(samples, count, &begin, &end);
    if (end <= begin) {
        free(samples);
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                  "%s produced no audible speech for \"%.60s\" in voice %s", synthesizer, text, voice);
    }
    memmove(samples, samples + begin, (size_t)(end - begin) * sizeof *samples);
    *out = samples;
    *out_count = end - begin;
    return 0;
}

static int synth_piece_uncached(const char *voice, int rate_wpm, int pitch, const char *text, const char *phonemes,
                                float **out, int64_t *out_count, char *message, size_t message_size);

int wakecert_synth_piece(const char *voice, int rate_wpm, int pitch, const char *text, const char *phonemes,
                         float **out, int64_t *out_count, char *message, size_t message_size)
{
    *out = NULL;
    *out_count = 0;
    if (cache_capacity == 0)
        return synth_piece_uncached(voice, rate_wpm, pitch, text, phonemes, out, out_count, message, message_size);
    size_t key_size = strlen(voice) + strlen(text) + (phonemes ? strlen(phonemes) : 0) + 64;
    char *key = malloc(key_size);
    if (!key)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
    snprintf(key, key_size, "%s|%d|%d|%d|%s|%s", voice, rate_wpm, pitch, resample_converter, phonemes ? phonemes : "",
             phonemes ? "" : text);
    uint64_t hash = hash_string(key);
    struct cache_entry *entry = cache_slot(key, hash);
    if (entry->key) {
        free(key);
        *out = malloc((size_t)entry->count * sizeof **out);
        if (!*out)
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
        memcpy(*out, entry->samples, (size_t)entry->count * sizeof **out);
        *out_count = entry->count;
        return 0;
    }
    int status = synth_piece_uncached(voice, rate_wpm, pitch, text, phonemes, out, out_count, message, message_size);
    if (status != 0 || *out_count > cache_budget || cache_grow() != 0) {
        free(key);
        return status;
    }
    float *copy = malloc((size_t)*out_count * sizeof *copy);
    if (!copy) {
        free(key);
        return 0;
    }
    memcpy(copy, *out, (size_t)*out_count * sizeof *copy);
    entry = cache_slot(key, hash);
    entry->hash = hash;
    entry->key = key;
    entry->samples = copy;
    entry->count = *out_count;
    cache_used++;
    cache_budget -= *out_count;
    return 0;
}

/* ---- synthesis servers ----
 * Every piece is synthesized in a child forked from a process that has only initialized the
 * synthesizers. Forking a corpus worker for that is expensive once it holds the music pool and the
 * piece cache (a gigabyte of page tables copied per fork: most of the build's time), so the generator
 * starts small server processes first, one per worker, before it loads anything big: a worker sends
 * each piece it needs to its server, which forks the child from its own small address space, does the
 * resampling and trimming too, and answers with the samples. Same code, same bytes, cheap forks.
 * The servers also share what they made through a piece store (a directory of one file per piece,
 * keyed like the cache): a wake word, carrier or request one worker's server synthesized is read by
 * the other's instead of synthesized twice (the flite clustergen voices run at ~30x real time). */
struct server_request {
    int32_t rate;
    int32_t pitch;
    uint32_t voice_length, text_length, phonemes_length; /* phonemes_length 0: none */
};
struct server_response {
    int32_t status;
    int64_t count;            /* samples that follow (status 0) */
    uint32_t message_length;  /* message bytes that follow (status != 0) */
};
#define MAX_SERVERS 8
static int server_requests[MAX_SERVERS], server_responses[MAX_SERVERS];
static pid_t server_pids[MAX_SERVERS];
static int server_count = 0;
static int server_in_use = -1; /* index used by this process, -1: synthesize locally */

static char piece_store[4096] = ""; /* directory the servers share pieces through, "" for none */

/* The store file of a piece key: <store>/<FNV-1a 64 of the key, hex>.piece. */
static void store_path(const char *key, char *out, size_t out_size)
{
    snprintf(out, out_size, "%s/%016llx.piece", piece_store, (unsigned long long)hash_string(key));
}

/* Look a piece up in the shared store: 0 with *out malloc'd if a file for exactly this key is there,
 * -1 otherwise (absent, another key with the same hash, unreadable). */
static int store_load(const char *key, float **out, int64_t *out_count)
{
    char path[4200];
    store_path(key, path, sizeof path);
    FILE *file = fopen(path, "rb");
    if (!file)
        return -1;
    uint32_t key_length = 0;
    int64_t count = 0;
    int status = -1;
    char *stored = NULL;
    if (fread(&key_length, sizeof key_length, 1, file) == 1 && key_length == strlen(key) &&
        (stored = malloc(key_length + 1)) && fread(stored, 1, key_length, file) == key_length &&
        memcmp(stored, key, key_length) == 0 && fread(&count, sizeof count, 1, file) == 1 && count > 0 &&
        count < ((int64_t)1 << 30) && (*out = malloc((size_t)count * sizeof **out))) {
        if (fread(*out, sizeof **out, (size_t)count, file) == (size_t)count) {
            *out_count = count;
            status = 0;
        } else {
            free(*out);
            *out = NULL;
        }
    }
    free(stored);
    fclose(file);
    return status;
}

/* Put a piece into the shared store (temporary name, then rename: a reader sees all of it or nothing;
 * two servers storing the same piece write the same bytes). Best effort. */
static void store_save(const char *key, const float *samples, int64_t count)
{
    char path[4200], temporary[4300];
    store_path(key, path, sizeof path);
    snprintf(temporary, sizeof temporary, "%s.tmp-%ld", path, (long)getpid());
    FILE *file = fopen(temporary, "wb");
    if (!file)
        return;
    uint32_t key_length = (uint32_t)strlen(key);
    int ok = fwrite(&key_length, sizeof key_length, 1, file) == 1 && fwrite(key, 1, key_length, file) == key_length &&
             fwrite(&count, sizeof count, 1, file) == 1 &&
             fwrite(samples, sizeof *samples, (size_t)count, file) == (size_t)count;
    ok = fclose(file) == 0 && ok;
    if (!ok || rename(temporary, path) != 0)
        unlink(temporary);
}

/* The server loop: answer requests on `requests` with `responses` until EOF, then _exit. With a piece
 * store, a piece another server already made is read from there instead of synthesized again. */
static void server_main(int requests, int responses)
{
    for (;;) {
        struct server_request request;
        if (wakecert_read_all(requests, &request, sizeof request) != 0)
            _exit(0);
        if (request.voice_length > 4096 || request.text_length > 65536 || request.phonemes_length > 65536)
            _exit(1);
        char *voice = calloc(1, request.voice_length + 1), *text = calloc(1, request.text_length + 1);
        char *phonemes = calloc(1, request.phonemes_length + 1);
        if (!voice || !text || !phonemes || wakecert_read_all(requests, voice, request.voice_length) != 0 ||
            wakecert_read_all(requests, text, request.text_length) != 0 ||
            wakecert_read_all(requests, phonemes, request.phonemes_length) != 0)
            _exit(1);
        float *samples = NULL;
        int64_t count = 0;
        char message[512] = "";
        struct server_response response = {0, 0, 0};
        char *key = NULL;
        if (piece_store[0]) {
            size_t key_size = request.voice_length + request.text_length + request.phonemes_length + 64;
            key = malloc(key_size);
            if (key)
                snprintf(key, key_size, "%s|%d|%d|%d|%s|%s", voice, request.rate, request.pitch, resample_converter,
                         phonemes, request.phonemes_length ? "" : text);
        }
        if (key && store_load(key, &samples, &count) == 0) {
            response.status = 0;
        } else {
            response.status = synth_piece_uncached(voice, request.rate, request.pitch, text,
                                                   request.phonemes_length ? phonemes : NULL, &samples, &count, message,
                                                   sizeof message);
            if (response.status == 0 && key)
                store_save(key, samples, count);
        }
        free(key);
        if (response.status == 0)
            response.count = count;
        else
            response.message_length = (uint32_t)strlen(message);
        if (wakecert_write_all(responses, &response, sizeof response) != 0 ||
            (response.status == 0 && wakecert_write_all(responses, samples, (size_t)count * sizeof *samples) != 0) ||
            (response.status != 0 && wakecert_write_all(responses, message, response.message_length) != 0))
            _exit(1);
        free(samples);
        free(voice);
        free(text);
        free(phonemes);
    }
}

int wakecert_synth_servers_start(int count, const char *store, char *message, size_t message_size)
{
    int status = wakecert_synth_initialize(message, message_size);
    if (status != 0)
        return status;
    wakecert_synth_servers_stop();
    snprintf(piece_store, sizeof piece_store, "%s", store ? store : "");
    if (count > MAX_SERVERS)
        count = MAX_SERVERS;
    fflush(NULL);
    for (int i = 0; i < count; i++) {
        int requests[2], responses[2];
        if (pipe(requests) != 0)
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_INTERNAL, "pipe: %s", strerror(errno));
        if (pipe(responses) != 0) {
            close(requests[0]);
            close(requests[1]);
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_INTERNAL, "pipe: %s", strerror(errno));
        }
        pid_t pid = fork();
        if (pid < 0) {
            close(requests[0]);
            close(requests[1]);
            close(responses[0]);
            close(responses[1]);
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_INTERNAL, "fork: %s", strerror(errno));
        }
        if (pid == 0) {
            for (int j = 0; j < server_count; j++) { /* earlier servers' pipes are not ours */
                close(server_requests[j]);
                close(server_responses[j]);
            }
            close(requests[1]);
            close(responses[0]);
            server_count = 0;
            server_main(requests[0], responses[1]);
        }
        close(requests[0]);
        close(responses[1]);
        server_requests[server_count] = requests[1];
        server_responses[server_count] = responses[0];
        server_pids[server_count] = pid;
        server_count++;
    }
    server_in_use = server_count > 0 ? 0 : -1;
    return 0;
}

void wakecert_synth_server_use(int index)
{
    server_in_use = index >= 0 && index < server_count ? index : -1;
}

void wakecert_synth_servers_stop(void)
{
    for (int i = 0; i < server_count; i++) {
        close(server_requests[i]);
        close(server_responses[i]);
    }
    for (int i = 0; i < server_count; i++)
        while (waitpid(server_pids[i], NULL, 0) < 0 && errno == EINTR)
            ;
    server_count = 0;
    server_in_use = -1;
    piece_store[0] = '\0';
}

/* Ask this process's server for a piece. Same contract as synth_piece_uncached. */
static int synth_piece_remote(const char *voice, int rate_wpm, int pitch, const char *text, const char *phonemes,
                              float **out, int64_t *out_count, char *message, size_t message_size)
{
    int requests = server_requests[server_in_use], responses = server_responses[server_in_use];
    struct server_request request = {rate_wpm, pitch, (uint32_t)strlen(voice), (uint32_t)strlen(text),
                                      phonemes ? (uint32_t)strlen(phonemes) : 0};
    struct server_response response;
    if (wakecert_write_all(requests, &request, sizeof request) != 0 ||
        wakecert_write_all(requests, voice, request.voice_length) != 0 ||
        wakecert_write_all(requests, text, request.text_length) != 0 ||
        (phonemes && wakecert_write_all(requests, phonemes, request.phonemes_length) != 0) ||
        wakecert_read_all(responses, &response, sizeof response) != 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_INTERNAL,
                                  "the synthesis server died (piece \"%.60s\")", text);
    if (response.status != 0) {
        char inner[512] = "";
        uint32_t length = response.message_length < sizeof inner - 1 ? response.message_length : sizeof inner - 1;
        if (wakecert_read_all(responses, inner, length) != 0)
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_INTERNAL, "the synthesis server died");
        for (uint32_t skipped = length; skipped < response.message_length; skipped++) {
            char c;
            if (wakecert_read_all(responses, &c, 1) != 0)
                break;
        }
        return wakecert_set_error(message, message_size, response.status, "%s", inner);
    }
    if (response.count <= 0 || response.count > ((int64_t)1 << 30))
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_INTERNAL, "the synthesis server sent %lld samples",
                                  (long long)response.count);
    *out = malloc((size_t)response.count * sizeof **out);
    if (!*out)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
    if (wakecert_read_all(responses, *out, (size_t)response.count * sizeof **out) != 0) {
        free(*out);
        *out = NULL;
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_INTERNAL, "the synthesis server died");
    }
    *out_count = response.count;
    return 0;
}

static int synth_piece_uncached(const char *voice, int rate_wpm, int pitch, const char *text, const char *phonemes,
                                float **out, int64_t *out_count, char *message, size_t message_size)
{
    *out = NULL;
    *out_count = 0;
    if (server_in_use >= 0)
        return synth_piece_remote(voice, rate_wpm, pitch, text, phonemes, out, out_count, message, message_size);
    int flite = wakecert_flite_is_voice(voice);
    if (flite || wakecert_festival_is_voice(voice)) {
        float *raw = NULL;
        int64_t raw_count = 0;
        int raw_rate = 0;
        int status = flite ? wakecert_flite_synthesize(voice, rate_wpm, text, &raw, &raw_count, &raw_rate, message,
                                                       message_size)
                           : wakecert_festival_synthesize(voice, rate_wpm, pitch, text, &raw, &raw_count, &raw_rate,
                                                          message, message_size);
        if (status != 0)
            return status;
        float *resampled = raw;
        int64_t resampled_count = raw_count;
        if (raw_rate != WAKECERT_CORPUS_RATE) {
            status = wakecert_audio_resample_to_16k_with(raw, raw_count, raw_rate, resample_converter, &resampled,
                                                         &resampled_count, message, message_size);
            free(raw);
            if (status != 0)
                return status;
        }
        return keep_speech(resampled, resampled_count, flite ? "flite" : "festival", text, voice, out, out_count,
                           message, message_size);
    }
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
    status = wakecert_audio_resample_to_16k_with(raw, (int64_t)raw_count, espeak_rate, resample_converter, &resampled,
                                                 &resampled_count, message, message_size);
    free(raw);
    if (status != 0)
        return status;
    return keep_speech(resampled, resampled_count, "espeak-ng", input, voice, out, out_count, message, message_size);
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
