/*
 * The benchmark stream: ten minutes of audio that every engine-level benchmark (engine, harness,
 * gate, model) runs on, so that figures from different engines and revisions describe the same work.
 *
 * What is in it, and why: an always-listening engine spends almost all its time on audio that is not
 * its wake word, and its cost per second depends on what the audio holds (a VAD-gated engine idles in
 * silence, a decoder works harder on speech), so the stream is mostly speech — sentences in five
 * espeak-ng voices separated by 0.3-1.5 s pauses — with the wake word "alexa" (from phonemes, as the
 * corpus generator does) followed by a request about every 20 s, so an engine also streams, uploads
 * and closes now and then, and pink noise 15 dB below the speech throughout, so there is no digital
 * silence. Pause lengths, voices and order come from a seeded PCG32 (corpora/mix.c), so the stream
 * is the same bit for bit wherever the same espeak-ng version runs.
 *
 * Synthesizing and resampling ten minutes takes ~10-30 s, so the 600 s master is built once into the
 * cache (<cache>/bench/stream-<key>.raw, raw little-endian int16, written atomically; the key is the
 * generator version below plus espeak-ng's version) with a one-file corpus beside it (stream-<key>-N
 * directories: stream.wav + labels.csv with the wake words labelled) for the harness group. Every
 * shorter stream is the master's beginning. Bump BENCH_STREAM_VERSION whenever the recipe changes:
 * the figures of different stream versions are not comparable.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench_internal.h"
#include "corpus_internal.h"
#include "error.h"
#include "files.h"

#define BENCH_STREAM_VERSION "1"
#define STREAM_MASTER_SECONDS 600
#define RATE 16000

static const char *const sentences[] = {
    "The quick brown fox jumps over the lazy dog.",
    "What is the weather like in the mountains this weekend?",
    "Always listening devices must wake on their name and stay asleep for everything else.",
    "Please remember to buy milk, eggs and a loaf of bread on the way home.",
    "The train to the city leaves at seven fifteen from platform four.",
    "She said the meeting had been moved to Thursday afternoon.",
    "In the kitchen the radio was playing an old song nobody could name.",
    "Turn left at the second light and the bakery is on your right.",
    "Our neighbours are painting their fence a rather bright shade of green.",
    "The children built a castle of cushions in the middle of the living room.",
    "He could not find his keys, so he searched every coat pocket twice.",
    "Rain is expected later tonight, with strong winds along the coast.",
    "Dinner will be ready in about twenty minutes if the oven behaves.",
    "The library closes early on public holidays and Sunday evenings.",
    "A cup of tea and a quiet hour with a book is all I want today.",
    "The football match went to extra time and then to penalties.",
};
static const char *const requests[] = {
    "set a timer for ten minutes", "what time is it", "play some relaxing music", "turn off the lights",
    "what is the weather tomorrow", "add apples to my shopping list",
};
static const char *const voices[] = {"en-us", "en", "en-gb-x-rp", "en-us+f2", "en-us+m3"};
#define SENTENCES (sizeof sentences / sizeof sentences[0])
#define REQUESTS (sizeof requests / sizeof requests[0])
#define VOICES (sizeof voices / sizeof voices[0])

/* Synthesized pieces, memoised per (text, voice): the stream reuses each many times. */
struct piece {
    float *samples;
    int64_t count;
};

struct piece_cache {
    struct piece sentence[SENTENCES][VOICES], request[REQUESTS][VOICES], wake[VOICES];
};

static void piece_cache_free(struct piece_cache *cache)
{
    for (size_t v = 0; v < VOICES; v++) {
        for (size_t s = 0; s < SENTENCES; s++)
            free(cache->sentence[s][v].samples);
        for (size_t r = 0; r < REQUESTS; r++)
            free(cache->request[r][v].samples);
        free(cache->wake[v].samples);
    }
}

/* The piece, synthesized on first use. Returns 0 or a negative wakecert_error. */
static int piece_get(struct piece *piece, const char *voice, const char *text, const char *phonemes,
                     char *message, size_t message_size)
{
    if (piece->samples)
        return 0;
    return wakecert_synth_piece(voice, 165, 50, text, phonemes, &piece->samples, &piece->count, message, message_size);
}

struct label {
    int64_t start, end;
};

/* Build the master stream in memory: float samples in [-1, 1) and the wake word labels. Returns 0 or
 * a negative wakecert_error. */
static int build_master(float **out, int64_t *out_count, struct label **out_labels, size_t *out_label_count,
                        char *message, size_t message_size)
{
    const int64_t total = (int64_t)STREAM_MASTER_SECONDS * RATE;
    float *speech = calloc((size_t)total, sizeof *speech);
    uint8_t *active = calloc((size_t)total, 1);
    float *noise = malloc((size_t)total * sizeof *noise);
    struct label *labels = calloc(STREAM_MASTER_SECONDS / 10 + 1, sizeof *labels);
    struct piece_cache *cache = calloc(1, sizeof *cache);
    size_t label_count = 0;
    int status = 0;
    if (!speech || !active || !noise || !labels || !cache) {
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory for the stream");
        goto done;
    }
    status = wakecert_synth_initialize(message, message_size);
    if (status != 0)
        goto done;
    struct wakecert_prng prng;
    wakecert_prng_seed(&prng, 20240601, 1);
    const char *wake_phonemes = wakecert_wake_word_phonemes("alexa");
    int64_t at = RATE / 2, next_wake = 8 * RATE;
    size_t sentence_index = 0, request_index = 0;
    while (at < total) {
        size_t voice = wakecert_prng_next(&prng) % VOICES;
        struct piece *pieces[2] = {NULL, NULL};
        bool wake = at >= next_wake && wake_phonemes;
        if (wake) {
            status = piece_get(&cache->wake[voice], voices[voice], "alexa", wake_phonemes, message, message_size);
            struct piece *request = &cache->request[request_index % REQUESTS][voice];
            if (status == 0)
                status = piece_get(request, voices[voice], requests[request_index % REQUESTS], NULL, message,
                                   message_size);
            pieces[0] = &cache->wake[voice];
            pieces[1] = request;
            request_index++;
        } else {
            struct piece *sentence = &cache->sentence[sentence_index % SENTENCES][voice];
            status = piece_get(sentence, voices[voice], sentences[sentence_index % SENTENCES], NULL, message,
                               message_size);
            pieces[0] = sentence;
            sentence_index++;
        }
        if (status != 0)
            goto done;
        for (int p = 0; p < 2 && pieces[p]; p++) {
            int64_t n = pieces[p]->count;
            if (at + n > total)
                n = total - at;
            if (n <= 0)
                break;
            memcpy(speech + at, pieces[p]->samples, (size_t)n * sizeof *speech);
            memset(active + at, 1, (size_t)n);
            if (wake && p == 0 && at + pieces[p]->count <= total)
                labels[label_count++] = (struct label){at, at + pieces[p]->count};
            at += n + (p == 0 && wake ? RATE / 5 : 0); /* 200 ms between the wake word and the request */
        }
        if (wake)
            next_wake = at + 20 * RATE;
        at += (int64_t)(0.3 * RATE + 1.2 * RATE * wakecert_prng_uniform(&prng)); /* pause 0.3-1.5 s */
    }
    status = wakecert_noise_generate("pink", 0, &prng, noise, total, message, message_size);
    if (status == 0)
        status = wakecert_mix_at_snr(speech, noise, active, total, 15.0, message, message_size);
    if (status != 0)
        goto done;
    *out = speech;
    *out_count = total;
    *out_labels = labels;
    *out_label_count = label_count;
    speech = NULL;
    labels = NULL;
done:
    if (cache)
        piece_cache_free(cache);
    free(cache);
    free(speech);
    free(active);
    free(noise);
    free(labels);
    return status;
}

/* <cache>/bench/stream-<key> into out (no suffix). Returns 0 or a negative wakecert_error. */
static int stream_stem(char *out, size_t out_size, char *message, size_t message_size)
{
    char cache[1024];
    wakecert_cache_directory(cache, sizeof cache);
    int status = wakecert_synth_initialize(message, message_size);
    if (status != 0)
        return status;
    char key[64];
    snprintf(key, sizeof key, "v%s-espeak%s", BENCH_STREAM_VERSION, wakecert_synth_version());
    for (char *c = key; *c; c++)
        if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || *c == '-'))
            *c = '_';
    int written = snprintf(out, out_size, "%s/bench/stream-%s", cache, key);
    if (written < 0 || (size_t)written >= out_size)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_IO, "cache path too long: %s", cache);
    char directory[1100];
    snprintf(directory, sizeof directory, "%s/bench", cache);
    return wakecert_make_directories(directory, message, message_size);
}

/* Ensure the master (raw + labels) is in the cache; returns 0 or a negative wakecert_error. */
static int ensure_master(const char *stem, char *message, size_t message_size)
{
    char raw_path[1200], labels_path[1200];
    snprintf(raw_path, sizeof raw_path, "%s.raw", stem);
    snprintf(labels_path, sizeof labels_path, "%s.labels", stem);
    struct stat info;
    if (stat(raw_path, &info) == 0 && info.st_size == (off_t)STREAM_MASTER_SECONDS * RATE * 2 &&
        stat(labels_path, &info) == 0)
        return 0;
    fprintf(stderr, "wakecert bench: synthesizing the %d s benchmark stream into %s.raw (once)\n",
            STREAM_MASTER_SECONDS, stem);
    float *samples = NULL;
    int64_t count = 0;
    struct label *labels = NULL;
    size_t label_count = 0;
    int status = build_master(&samples, &count, &labels, &label_count, message, message_size);
    if (status != 0)
        return status;
    int16_t *pcm = malloc((size_t)count * sizeof *pcm);
    char *text = malloc(label_count * 48 + 1);
    if (!pcm || !text) {
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
    } else {
        for (int64_t i = 0; i < count; i++) {
            int16_t value = wakecert_audio_float_to_int16(samples[i]);
            unsigned char *bytes = (unsigned char *)&pcm[i];
            bytes[0] = (unsigned char)((uint16_t)value & 0xff); /* little-endian on every host */
            bytes[1] = (unsigned char)((uint16_t)value >> 8);
        }
        size_t length = 0;
        text[0] = '\0';
        for (size_t i = 0; i < label_count; i++)
            length += (size_t)sprintf(text + length, "%lld %lld\n", (long long)labels[i].start, (long long)labels[i].end);
        status = wakecert_write_file_atomic(labels_path, text, length, message, message_size);
        if (status == 0)
            status = wakecert_write_file_atomic(raw_path, pcm, (size_t)count * sizeof *pcm, message, message_size);
    }
    free(pcm);
    free(text);
    free(samples);
    free(labels);
    return status;
}

int bench_stream_audio(double seconds, int16_t **out, size_t *out_count, char *message, size_t message_size)
{
    if (!(seconds > 0) || seconds > STREAM_MASTER_SECONDS)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_USAGE,
                                  "the benchmark stream is at most %d s long (asked for %g s)", STREAM_MASTER_SECONDS,
                                  seconds);
    char stem[1100], raw_path[1200];
    int status = stream_stem(stem, sizeof stem, message, message_size);
    if (status == 0)
        status = ensure_master(stem, message, message_size);
    if (status != 0)
        return status;
    snprintf(raw_path, sizeof raw_path, "%s.raw", stem);
    char *data = NULL;
    size_t size = 0;
    status = wakecert_read_file(raw_path, &data, &size, message, message_size);
    if (status != 0)
        return status;
    size_t count = (size_t)llround(seconds * RATE);
    if (count > size / 2)
        count = size / 2;
    int16_t *samples = malloc(count * sizeof *samples);
    if (!samples) {
        free(data);
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
    }
    const unsigned char *bytes = (const unsigned char *)data;
    for (size_t i = 0; i < count; i++)
        samples[i] = (int16_t)(uint16_t)(bytes[2 * i] | (bytes[2 * i + 1] << 8));
    free(data);
    *out = samples;
    *out_count = count;
    return 0;
}

int bench_stream_corpus(double seconds, char *directory, size_t directory_size, char *message, size_t message_size)
{
    char stem[1100];
    int status = stream_stem(stem, sizeof stem, message, message_size);
    if (status == 0)
        status = ensure_master(stem, message, message_size);
    if (status != 0)
        return status;
    int written = snprintf(directory, directory_size, "%s-%gs", stem, seconds);
    if (written < 0 || (size_t)written >= directory_size)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_IO, "corpus path too long: %s", stem);
    char wav_path[1300], labels_path[1300], master_labels[1200];
    snprintf(wav_path, sizeof wav_path, "%s/stream.wav", directory);
    snprintf(labels_path, sizeof labels_path, "%s/labels.csv", directory);
    snprintf(master_labels, sizeof master_labels, "%s.labels", stem);
    struct stat info;
    if (stat(labels_path, &info) == 0 && stat(wav_path, &info) == 0)
        return 0;
    status = wakecert_make_directories(directory, message, message_size);
    int16_t *samples = NULL;
    size_t count = 0;
    if (status == 0)
        status = bench_stream_audio(seconds, &samples, &count, message, message_size);
    if (status != 0)
        return status;
    float *floats = malloc(count * sizeof *floats);
    char *labels = NULL;
    size_t labels_size = 0;
    status = floats ? wakecert_read_file(master_labels, &labels, &labels_size, message, message_size)
                    : wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
    char *csv = status == 0 ? malloc(labels_size * 4 + 128) : NULL;
    if (status == 0 && !csv)
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
    if (status == 0) {
        for (size_t i = 0; i < count; i++)
            floats[i] = (float)samples[i] / 32768.0f;
        size_t length = (size_t)sprintf(csv, "file,kind,start_s,end_s,word,condition\n");
        const char *line = labels;
        long long start, end;
        int consumed;
        while (sscanf(line, "%lld %lld\n%n", &start, &end, &consumed) == 2) {
            if ((size_t)end <= count)
                length += (size_t)sprintf(csv + length, "stream.wav,wake,%.4f,%.4f,alexa,noise_15db\n",
                                          (double)start / RATE, (double)end / RATE);
            line += consumed;
        }
        status = wakecert_audio_write_wav16(wav_path, floats, (int64_t)count, message, message_size);
        if (status == 0)
            status = wakecert_write_file_atomic(labels_path, csv, length, message, message_size);
    }
    free(csv);
    free(labels);
    free(floats);
    free(samples);
    return status;
}
