/*
 * The corpus generator: a recipe (JSON, schema wakecert-recipe/1, see README.md) in, a corpus
 * directory (16-bit WAV or FLAC files + manifest.json) out.
 *
 * A recipe file is a list of files, each a list of segments played one after another: silence
 * ("gap", "pad_to"), plain speech ("say"), and labelled speech ("wake", "request", "confusable",
 * "media_wake", "follow_up") plus instantaneous controls ("mic_off", "mic_on", "button"). Every
 * speech segment is synthesized on its own (synth.c), so the label of a labelled segment is simply
 * where its samples were placed: exact by construction.
 *
 * After the segments, per file: optional room reverberation (conditions.c; the direct path stays on the
 * label); speech is scaled to a -6 dBFS peak; optional noise (white, pink, brown, babble, music, ambient)
 * is mixed at the recipe's SNR, measured over the speech-active samples only (mix.c); an optional
 * far-field gain_db lowers the whole scene; a -60 dBFS seeded noise floor is
 * added so no stretch is digital silence (log-energy features of engines never see -inf); and the file
 * is scaled down if anything would clip. Every random draw comes from PCG32 seeded from the recipe seed
 * and the file index, so a rebuild gives the same bytes.
 *
 * Parallelism: files are built by forked worker processes (one per CPU, at most 8; --jobs or
 * $WAKECERT_CORPUS_JOBS to override) that take the next file from a counter in shared memory, largest
 * estimated file first, and report its events, length and sha256 through a record file. A file's bytes
 * depend only on the recipe and its index (every piece is synthesized from the same pristine
 * synthesizer state, every noise is seeded by the file index), so the corpus is the same whatever the
 * number of workers and whichever worker built which file; tests build with 1, 2 and 3 and compare.
 * Pieces are synthesized by small synthesis servers started before anything big is loaded (synth.c),
 * and each worker caches the pieces it made (wake words, carriers and requests repeat).
 *
 * Recipes may also hold generator blocks ("generate", expanded by expand.c into file entries appended
 * after the explicit ones) and declare sources (pools.c: music rendered from MIDI, ambient sounds,
 * fortune text), prepared here before the workers are forked so they share them.
 *
 * Atomicity: everything is written into a temporary sibling directory (OUT.tmp-PID) which is renamed
 * to OUT only when the manifest is complete. An interrupted build leaves no OUT at all.
 *
 * Workload: the smoke recipe is ~93 s of audio from ~50 espeak-ng calls and builds in about a second
 * (resampling 22050 -> 16000 Hz with libsamplerate's best sinc converter is most of it); the standard
 * recipe (15 h: 1109 wake words, 3120 confusables, 10.5 h of negatives, FLAC) in about 4 minutes of
 * wall time on 2 shared cores (~250 s of CPU), see README.md.
 */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#endif
#include <errno.h>
#include <math.h>
#include <samplerate.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "corpus_internal.h"
#include "error.h"
#include "files.h"
#include "json.h"
#include "sha256.h"

/* One file's timeline while it is being assembled. */
struct track {
    float *samples;
    uint8_t *active; /* 1 where synthesized speech was placed */
    int64_t count;
    int64_t capacity;
    struct wakecert_corpus_event *events;
    size_t event_count;
    size_t event_capacity;
};

/* Make room for `extra` more samples. Returns 0 or WAKECERT_ERROR_NO_MEMORY. */
static int track_reserve(struct track *track, int64_t extra)
{
    if (track->count + extra <= track->capacity)
        return 0;
    int64_t capacity = track->capacity ? track->capacity : WAKECERT_CORPUS_RATE * 8;
    while (capacity < track->count + extra)
        capacity *= 2;
    float *samples = realloc(track->samples, (size_t)capacity * sizeof *samples);
    if (!samples)
        return WAKECERT_ERROR_NO_MEMORY;
    track->samples = samples;
    uint8_t *active = realloc(track->active, (size_t)capacity);
    if (!active)
        return WAKECERT_ERROR_NO_MEMORY;
    track->active = active;
    track->capacity = capacity;
    return 0;
}

/* Append count samples (silence if piece is NULL), marked speech-active or not. Returns 0 or
 * WAKECERT_ERROR_NO_MEMORY. */
static int track_append(struct track *track, const float *piece, int64_t count, int active)
{
    if (track_reserve(track, count) != 0)
        return WAKECERT_ERROR_NO_MEMORY;
    for (int64_t i = 0; i < count; i++) {
        track->samples[track->count + i] = piece ? piece[i] : 0.0f;
        track->active[track->count + i] = (uint8_t)active;
    }
    track->count += count;
    return 0;
}

/* Append an event (request_end -1); returns it, or NULL when out of memory. */
static struct wakecert_corpus_event *track_add_event(struct track *track, int type, int64_t start, int64_t end,
                                                     const char *word)
{
    if (track->event_count == track->event_capacity) {
        size_t capacity = track->event_capacity ? track->event_capacity * 2 : 8;
        struct wakecert_corpus_event *events = realloc(track->events, capacity * sizeof *events);
        if (!events)
            return NULL;
        track->events = events;
        track->event_capacity = capacity;
    }
    struct wakecert_corpus_event *event = &track->events[track->event_count++];
    memset(event, 0, sizeof *event);
    event->type = type;
    event->start = start;
    event->end = end;
    event->request_end = -1;
    if (word)
        snprintf(event->word, sizeof event->word, "%s", word);
    return event;
}

/* Free a track's buffers and zero it. NULL-safe fields; cannot fail. */
static void track_free(struct track *track)
{
    free(track->samples);
    free(track->active);
    free(track->events);
    memset(track, 0, sizeof *track);
}

/* Settings of speech in one file (a segment may override voice, rate and pitch). */
struct voice_settings {
    const char *voice;
    int rate;
    int pitch;
};

/* Seconds to 16 kHz samples, rounded. Cannot fail. */
static int64_t seconds_to_samples(double seconds)
{
    return (int64_t)llround(seconds * WAKECERT_CORPUS_RATE);
}

/* A 2nd-order Butterworth section (RBJ cookbook) run over x in place: high-pass when `high_pass`. */
static void biquad(float *x, int64_t count, double cutoff_hz, int high_pass)
{
    double w0 = 2.0 * 3.14159265358979323846 * cutoff_hz / WAKECERT_CORPUS_RATE;
    double cosine = cos(w0), alpha = sin(w0) / (2.0 * 0.70710678118654752);
    double b0 = high_pass ? (1 + cosine) / 2 : (1 - cosine) / 2;
    double b1 = high_pass ? -(1 + cosine) : 1 - cosine;
    double b2 = b0, a0 = 1 + alpha, a1 = -2 * cosine, a2 = 1 - alpha;
    double x1 = 0, x2 = 0, y1 = 0, y2 = 0;
    for (int64_t i = 0; i < count; i++) {
        double y = (b0 * x[i] + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2) / a0;
        x2 = x1;
        x1 = x[i];
        y2 = y1;
        y1 = y;
        x[i] = (float)y;
    }
}

/* Make a piece sound like it comes out of a TV loudspeaker: band-limit to 200-4000 Hz. */
static void media_filter(float *x, int64_t count)
{
    biquad(x, count, 200.0, 1);
    biquad(x, count, 200.0, 1);
    biquad(x, count, 4000.0, 0);
    biquad(x, count, 4000.0, 0);
}

/* The speech segment keys and the event each creates (0: none). */
static const struct {
    const char *key;
    int event_type;
} speech_keys[] = {
    {"say", 0},
    {"wake", WAKECERT_EVENT_WAKE},
    {"request", WAKECERT_EVENT_REQUEST},
    {"confusable", WAKECERT_EVENT_CONFUSABLE},
    {"media_wake", WAKECERT_EVENT_MEDIA_WAKE},
    {"follow_up", WAKECERT_EVENT_FOLLOW_UP},
};

/* Render one segment onto the track. `where` names it in messages. */
static int render_segment(const cJSON *segment, const struct voice_settings *file_voice, struct track *track,
                          int64_t *mic_off_event, struct wakecert_prng *prng, const char *where, char *message,
                          size_t message_size)
{
    if (!cJSON_IsObject(segment))
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: not an object", where);
    static const char *const pool_keys[] = {"music", "ambient"};
    for (size_t k = 0; k < 2; k++) {
        /* {"music": s} / {"ambient": s}: s seconds of pool audio (not speech: no label, not speech-active). */
        const cJSON *pool_seconds = cJSON_GetObjectItemCaseSensitive(segment, pool_keys[k]);
        if (!pool_seconds)
            continue;
        if (!cJSON_IsNumber(pool_seconds) || pool_seconds->valuedouble < 0.1 || pool_seconds->valuedouble > 3600)
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                      "%s: \"%s\" must be seconds in [0.1, 3600]", where, pool_keys[k]);
        int64_t count = seconds_to_samples(pool_seconds->valuedouble);
        float *bed = malloc((size_t)count * sizeof *bed);
        if (!bed)
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
        char inner[256] = "";
        int status = k == 0 ? wakecert_music_bed(prng, bed, count, inner, sizeof inner)
                            : wakecert_ambient_bed(prng, bed, count, inner, sizeof inner);
        if (status == 0)
            status = track_append(track, bed, count, 0);
        free(bed);
        if (status != 0)
            return wakecert_set_error(message, message_size, status, "%s: %s", where, inner[0] ? inner : "out of memory");
        return 0;
    }
    const cJSON *gap = cJSON_GetObjectItemCaseSensitive(segment, "gap");
    const cJSON *pad_to = cJSON_GetObjectItemCaseSensitive(segment, "pad_to");
    if (gap) {
        if (!cJSON_IsNumber(gap) || gap->valuedouble < 0 || gap->valuedouble > 600)
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                      "%s: \"gap\" must be seconds in [0, 600]", where);
        return track_append(track, NULL, seconds_to_samples(gap->valuedouble), 0);
    }
    if (pad_to) {
        if (!cJSON_IsNumber(pad_to) || pad_to->valuedouble < 0 || pad_to->valuedouble > 3600)
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                      "%s: \"pad_to\" must be seconds in [0, 3600]", where);
        int64_t target = seconds_to_samples(pad_to->valuedouble);
        if (target < track->count)
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                      "%s: pad_to %.3f s, but the file is already %.3f s long (shorten the speech "
                                      "before it)",
                                      where, pad_to->valuedouble, (double)track->count / WAKECERT_CORPUS_RATE);
        return track_append(track, NULL, target - track->count, 0);
    }
    if (cJSON_GetObjectItemCaseSensitive(segment, "mic_off")) {
        if (*mic_off_event >= 0)
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                      "%s: mic_off while the microphone is already off", where);
        if (!track_add_event(track, WAKECERT_EVENT_MIC_OFF, track->count, track->count, NULL))
            return WAKECERT_ERROR_NO_MEMORY;
        *mic_off_event = (int64_t)track->event_count - 1;
        return 0;
    }
    if (cJSON_GetObjectItemCaseSensitive(segment, "mic_on")) {
        if (*mic_off_event < 0)
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                      "%s: mic_on without a preceding mic_off", where);
        track->events[*mic_off_event].end = track->count;
        *mic_off_event = -1;
        return 0;
    }
    if (cJSON_GetObjectItemCaseSensitive(segment, "button")) {
        if (!track_add_event(track, WAKECERT_EVENT_BUTTON, track->count, track->count, NULL))
            return WAKECERT_ERROR_NO_MEMORY;
        return 0;
    }
    if (cJSON_GetObjectItemCaseSensitive(segment, "follow_up_silence")) {
        /* The cloud will ask for a follow-up here and the user says nothing: an empty follow-up label. */
        if (!track_add_event(track, WAKECERT_EVENT_FOLLOW_UP, track->count, track->count, NULL))
            return WAKECERT_ERROR_NO_MEMORY;
        return 0;
    }

    for (size_t k = 0; k < sizeof speech_keys / sizeof speech_keys[0]; k++) {
        const char *text = wakecert_json_string(segment, speech_keys[k].key);
        if (!text)
            continue;
        if (!*text)
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: empty \"%s\"", where,
                                      speech_keys[k].key);
        int type = speech_keys[k].event_type;
        struct voice_settings voice = *file_voice;
        const char *segment_voice = wakecert_json_string(segment, "voice");
        if (segment_voice)
            voice.voice = segment_voice;
        voice.rate = (int)wakecert_json_number(segment, "rate", voice.rate);
        voice.pitch = (int)wakecert_json_number(segment, "pitch", voice.pitch);
        if (voice.rate < 80 || voice.rate > 450 || voice.pitch < 0 || voice.pitch > 100)
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                      "%s: rate must be 80-450 words per minute and pitch 0-100", where);
        const char *phonemes = wakecert_json_string(segment, "phonemes");
        if (wakecert_flite_is_voice(voice.voice) || wakecert_festival_is_voice(voice.voice))
            phonemes = NULL; /* flite and festival read the text: flite's lexicon's wake-word phones are checked
                                by a test, festival gets wakecert's wake-word lexicon entries */
        else if (!phonemes && (type == WAKECERT_EVENT_WAKE || type == WAKECERT_EVENT_MEDIA_WAKE)) {
            phonemes = wakecert_wake_word_phonemes(text);
            if (!phonemes)
                return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                          "%s: no phoneme string for wake word \"%s\" (add \"phonemes\")", where, text);
        }
        if ((type == WAKECERT_EVENT_WAKE || type == WAKECERT_EVENT_CONFUSABLE || type == WAKECERT_EVENT_MEDIA_WAKE) &&
            strlen(text) >= sizeof track->events[0].word)
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: word \"%s\" too long", where,
                                      text);
        float *piece = NULL;
        int64_t piece_count = 0;
        char inner[512] = "";
        int status = wakecert_synth_piece(voice.voice, voice.rate, voice.pitch, text, phonemes, &piece, &piece_count,
                                          inner, sizeof inner);
        if (status != 0)
            return wakecert_set_error(message, message_size, status, "%s: %s", where, inner);
        const cJSON *media = cJSON_GetObjectItemCaseSensitive(segment, "media");
        if (cJSON_IsTrue(media) || type == WAKECERT_EVENT_MEDIA_WAKE)
            media_filter(piece, piece_count);
        int64_t start = track->count;
        status = track_append(track, piece, piece_count, 1);
        free(piece);
        if (status != 0)
            return wakecert_set_error(message, message_size, status, "out of memory");
        int64_t end = track->count;
        if (type == 0)
            return 0;
        int labelled_word = type == WAKECERT_EVENT_WAKE || type == WAKECERT_EVENT_CONFUSABLE ||
                            type == WAKECERT_EVENT_MEDIA_WAKE;
        if (!track_add_event(track, type, start, end, labelled_word ? text : NULL))
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
        if (type == WAKECERT_EVENT_REQUEST) {
            /* The request answers the latest wake word or button press still waiting for one. */
            for (size_t e = track->event_count - 1; e-- > 0;) {
                struct wakecert_corpus_event *owner = &track->events[e];
                if ((owner->type == WAKECERT_EVENT_WAKE || owner->type == WAKECERT_EVENT_BUTTON) &&
                    owner->request_end < 0) {
                    owner->request_end = end;
                    break;
                }
            }
        }
        return 0;
    }
    return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                              "%s: expected one of gap, pad_to, say, wake, request, confusable, media_wake, follow_up, "
                              "mic_off, mic_on, button, follow_up_silence, music, ambient",
                              where);
}

/* Apply the file's "reverb" spec to the track (in place). */
static int apply_reverb(const cJSON *spec, uint64_t seed, size_t index, struct track *track, char *note,
                        size_t note_size, const char *where, char *message, size_t message_size)
{
    struct wakecert_room room = {{5.0, 4.0, 2.8}, {-1, -1, -1}, {-1, -1, -1}, 0.5};
    room.rt60 = wakecert_json_number(spec, "rt60", room.rt60);
    const cJSON *dimensions = cJSON_GetObjectItemCaseSensitive(spec, "room");
    const cJSON *source = cJSON_GetObjectItemCaseSensitive(spec, "source");
    const cJSON *microphone = cJSON_GetObjectItemCaseSensitive(spec, "microphone");
    const cJSON *vectors[3] = {dimensions, source, microphone};
    double *targets[3] = {room.dimensions, room.source, room.microphone};
    for (int v = 0; v < 3; v++) {
        if (!vectors[v])
            continue;
        if (!cJSON_IsArray(vectors[v]) || cJSON_GetArraySize(vectors[v]) != 3)
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                      "%s: reverb room, source and microphone are [x, y, z] in metres", where);
        for (int axis = 0; axis < 3; axis++) {
            const cJSON *item = cJSON_GetArrayItem(vectors[v], axis);
            if (!cJSON_IsNumber(item))
                return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                          "%s: reverb room, source and microphone are [x, y, z] in metres", where);
            targets[v][axis] = item->valuedouble;
        }
    }
    if ((source == NULL) != (microphone == NULL))
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                  "%s: give both reverb source and microphone, or neither", where);
    struct wakecert_prng prng;
    wakecert_prng_seed(&prng, seed, index * 4 + 3);
    float *response = NULL;
    int64_t response_count = 0;
    char inner[256] = "";
    int status = wakecert_room_impulse_response(&room, &prng, &response, &response_count, inner, sizeof inner);
    if (status != 0)
        return wakecert_set_error(message, message_size, status, "%s: %s", where, inner);
    float *wet = malloc((size_t)track->count * sizeof *wet);
    if (!wet) {
        free(response);
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
    }
    /* "fast": FFT overlap-add (generated entries; long files). Otherwise the direct sum, which recipes
     * written before it (eval, standard's explicit files) were built with: their bytes stay the same. */
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(spec, "fast"))) {
        if (wakecert_convolve_fft(track->samples, track->count, response, response_count, wet) != 0) {
            free(response);
            free(wet);
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
        }
    } else {
        wakecert_convolve(track->samples, track->count, response, response_count, wet);
    }
    free(response);
    free(track->samples);
    track->samples = wet;
    /* Appended to a note the entry already has (generated entries: noise type, gain); explicit files
     * have none, so theirs is exactly this. */
    size_t used = strlen(note);
    snprintf(note + used, note_size - used,
             "%sreverb rt60 %.2f s, room %.1fx%.1fx%.1f m, source (%.2f %.2f %.2f), mic (%.2f %.2f %.2f)",
             used ? "; " : "",
             room.rt60, room.dimensions[0], room.dimensions[1], room.dimensions[2], room.source[0], room.source[1],
             room.source[2], room.microphone[0], room.microphone[1], room.microphone[2]);
    return 0;
}

/* Everything about one built file the manifest needs. */
struct built_file {
    const char *path;
    const char *kind;
    const char *condition;
    const char *voice;
    double snr_db;
    char note[128];
    char sha256[WAKECERT_SHA256_HEX_SIZE];
    struct track track;
};

/* Read and check a file's own fields (path, kind, condition, voice, rate, pitch) into *built and
 * *voice; `where` receives "recipe: files[i] (path)". Returns 0 or WAKECERT_ERROR_FORMAT. */
static int describe_file(const cJSON *item, size_t index, const cJSON *recipe, const char *recipe_name,
                         struct built_file *built, struct voice_settings *voice, char *where, size_t where_size,
                         char *message, size_t message_size)
{
    snprintf(where, where_size, "%s: files[%zu]", recipe_name, index);
    if (!cJSON_IsObject(item))
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: not an object", where);
    built->path = wakecert_json_string(item, "path");
    built->kind = wakecert_json_string(item, "kind");
    built->condition = wakecert_json_string(item, "condition");
    if (!built->condition)
        built->condition = "clean";
    if (!built->path || !*built->path || strchr(built->path, '/') || built->path[0] == '.')
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                  "%s: \"path\" missing or not a plain file name", where);
    snprintf(where, where_size, "%s: files[%zu] (%s)", recipe_name, index, built->path);
    if (!built->kind || !wakecert_kind_is_known(built->kind))
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                  "%s: \"kind\" missing or unknown (wake, confusable, negative, music, ambient, media)",
                                  where);
    voice->voice = wakecert_json_string(item, "voice");
    voice->rate = (int)wakecert_json_number(item, "rate", wakecert_json_number(recipe, "rate", 165));
    voice->pitch = (int)wakecert_json_number(item, "pitch", wakecert_json_number(recipe, "pitch", 50));
    if (!voice->voice)
        voice->voice = wakecert_json_string(recipe, "voice");
    if (!voice->voice)
        voice->voice = "en-us";
    if (voice->rate < 80 || voice->rate > 450 || voice->pitch < 0 || voice->pitch > 100)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                  "%s: rate must be 80-450 words per minute and pitch 0-100", where);
    built->voice = voice->voice;
    built->snr_db = NAN;
    return 0;
}

/* Render files[index] into temporary_directory and fill *built (events, length, sha256, note, SNR).
 * Returns 0 or a negative code with a message naming the recipe, file and segment. */
static int build_file(const cJSON *item, size_t index, const cJSON *recipe, const char *recipe_name,
                      const char *temporary_directory, uint64_t seed, double floor_dbfs, struct built_file *built,
                      char *message, size_t message_size)
{
    char where[256];
    struct voice_settings voice;
    int described = describe_file(item, index, recipe, recipe_name, built, &voice, where, sizeof where, message,
                                  message_size);
    if (described != 0)
        return described;

    const cJSON *segments = cJSON_GetObjectItemCaseSensitive(item, "segments");
    if (!cJSON_IsArray(segments) || cJSON_GetArraySize(segments) == 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: missing \"segments\" array", where);
    int64_t mic_off_event = -1;
    size_t segment_index = 0;
    const cJSON *segment;
    struct wakecert_prng segment_prng; /* music/ambient segments; stream index * 4 was unused before them */
    wakecert_prng_seed(&segment_prng, seed, index * 4);
    const char *entry_note = wakecert_json_string(item, "note");
    if (entry_note)
        snprintf(built->note, sizeof built->note, "%s", entry_note);
    cJSON_ArrayForEach(segment, segments)
    {
        char segment_where[320];
        snprintf(segment_where, sizeof segment_where, "%s: segments[%zu]", where, segment_index++);
        int status = render_segment(segment, &voice, &built->track, &mic_off_event, &segment_prng, segment_where,
                                    message, message_size);
        if (status != 0)
            return status;
    }
    struct track *track = &built->track;
    if (mic_off_event >= 0)
        track->events[mic_off_event].end = track->count; /* never switched back on: off to the end */
    if (track->count == 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: no audio", where);

    const cJSON *reverb = cJSON_GetObjectItemCaseSensitive(item, "reverb");
    if (reverb) {
        int status = apply_reverb(reverb, seed, index, track, built->note, sizeof built->note, where, message,
                                  message_size);
        if (status != 0)
            return status;
    }

    /* Speech to a -6 dBFS peak. */
    float peak = 0.0f;
    for (int64_t i = 0; i < track->count; i++)
        peak = fabsf(track->samples[i]) > peak ? fabsf(track->samples[i]) : peak;
    if (peak > 0.0f)
        for (int64_t i = 0; i < track->count; i++)
            track->samples[i] *= 0.5f / peak;

    float *noise = malloc((size_t)track->count * sizeof *noise);
    if (!noise)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
    const cJSON *noise_spec = cJSON_GetObjectItemCaseSensitive(item, "noise");
    if (noise_spec) {
        const char *type = wakecert_json_string(noise_spec, "type");
        const cJSON *snr = cJSON_GetObjectItemCaseSensitive(noise_spec, "snr_db");
        if (!type || !cJSON_IsNumber(snr)) {
            free(noise);
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                      "%s: \"noise\" needs \"type\" (white, pink, brown, babble) and numeric \"snr_db\"",
                                      where);
        }
        struct wakecert_prng prng;
        wakecert_prng_seed(&prng, seed, index * 4 + 1);
        char inner[512] = "";
        int talkers = (int)wakecert_json_number(noise_spec, "talkers", 4);
        int status = wakecert_noise_generate(type, talkers, &prng, noise, track->count, inner, sizeof inner);
        if (status == 0)
            status = wakecert_mix_at_snr(track->samples, noise, track->active, track->count, snr->valuedouble, inner,
                                         sizeof inner);
        if (status != 0) {
            free(noise);
            return wakecert_set_error(message, message_size, status, "%s: %s", where, inner);
        }
        built->snr_db = snr->valuedouble;
    }
    /* Far-field gain: the whole scene (speech and noise) quieter by gain_db; the floor stays. */
    const cJSON *gain = cJSON_GetObjectItemCaseSensitive(item, "gain_db");
    if (gain) {
        if (!cJSON_IsNumber(gain) || gain->valuedouble < -60 || gain->valuedouble > 0) {
            free(noise);
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                      "%s: \"gain_db\" must be a number from -60 to 0", where);
        }
        float factor = (float)pow(10.0, gain->valuedouble / 20.0);
        for (int64_t i = 0; i < track->count; i++)
            track->samples[i] *= factor;
    }
    /* The noise floor: every file, so no stretch is digital silence. */
    struct wakecert_prng floor_prng;
    wakecert_prng_seed(&floor_prng, seed, index * 4 + 2);
    wakecert_noise_white(&floor_prng, noise, track->count);
    double floor_rms = pow(10.0, floor_dbfs / 20.0);
    for (int64_t i = 0; i < track->count; i++)
        track->samples[i] += (float)(floor_rms * noise[i]);
    free(noise);
    peak = 0.0f;
    for (int64_t i = 0; i < track->count; i++)
        peak = fabsf(track->samples[i]) > peak ? fabsf(track->samples[i]) : peak;
    if (peak > 0.97f)
        for (int64_t i = 0; i < track->count; i++)
            track->samples[i] *= 0.97f / peak;

    char path[4096];
    if (wakecert_join_path(path, sizeof path, temporary_directory, built->path) != 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_USAGE, "%s: path too long", where);
    size_t path_length = strlen(built->path);
    int flac = path_length > 5 && strcmp(built->path + path_length - 5, ".flac") == 0;
    int status = wakecert_audio_write16(path, track->samples, track->count, flac, message, message_size);
    if (status != 0)
        return status;
    return wakecert_sha256_file(path, built->sha256, message, message_size);
}

/* One event as a manifest JSON object (end omitted for button presses). */
static cJSON *manifest_event(const struct wakecert_corpus_event *event)
{
    cJSON *object = cJSON_CreateObject();
    cJSON_AddStringToObject(object, "type", wakecert_event_type_name(event->type));
    if (event->word[0])
        cJSON_AddStringToObject(object, "word", event->word);
    cJSON_AddNumberToObject(object, "start", (double)event->start);
    if (event->type != WAKECERT_EVENT_BUTTON)
        cJSON_AddNumberToObject(object, "end", (double)event->end);
    if (event->request_end >= 0)
        cJSON_AddNumberToObject(object, "request_end", (double)event->request_end);
    return object;
}

/* Which synthesizer versions the manifest's "generator" names besides espeak-ng's. */
enum {
    MANIFEST_EXTENDED = 1, /* generator blocks or sources: flite and fluidsynth */
    MANIFEST_FESTIVAL = 2, /* a "festival:" voice appears in the recipe */
};

/* Write temporary_directory/manifest.json for the built files; `extended` is a set of MANIFEST_ flags.
 * Returns 0 or WAKECERT_ERROR_IO. */
static int write_manifest(const char *temporary_directory, const char *name, const char *recipe_sha256, int extended,
                          const cJSON *stream, const struct built_file *files, size_t count, char *message, size_t message_size)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "schema", WAKECERT_CORPUS_SCHEMA);
    cJSON_AddStringToObject(root, "name", name);
    cJSON_AddStringToObject(root, "recipe_sha256", recipe_sha256);
    char generator[192];
    char festival[64] = ""; /* only recipes naming festival voices mention festival (older manifests unchanged) */
    if (extended & MANIFEST_FESTIVAL)
        snprintf(festival, sizeof festival, ", festival %s", wakecert_festival_version());
    if (extended & MANIFEST_EXTENDED) /* recipes with generator blocks or sources may use flite and fluidsynth too */
        snprintf(generator, sizeof generator, "wakecert-corpus %s (espeak-ng %s, flite %s, fluidsynth %s%s)",
                 WAKECERT_CORPUS_GENERATOR_VERSION, wakecert_synth_version(), wakecert_flite_version(),
                 wakecert_fluidsynth_version(), festival);
    else
        snprintf(generator, sizeof generator, "wakecert-corpus %s (espeak-ng %s%s)", WAKECERT_CORPUS_GENERATOR_VERSION,
                 wakecert_synth_version(), festival);
    cJSON_AddStringToObject(root, "generator", generator);
    cJSON_AddNumberToObject(root, "sample_rate", WAKECERT_CORPUS_RATE);
    if (stream) /* a soak pool: how to render the stream from these files (soak.c) */
        cJSON_AddItemToObject(root, "stream", cJSON_Duplicate(stream, 1));
    cJSON *array = cJSON_AddArrayToObject(root, "files");
    for (size_t i = 0; i < count; i++) {
        const struct built_file *file = &files[i];
        cJSON *object = cJSON_CreateObject();
        cJSON_AddStringToObject(object, "path", file->path);
        cJSON_AddStringToObject(object, "sha256", file->sha256);
        cJSON_AddNumberToObject(object, "samples", (double)file->track.count);
        cJSON_AddNumberToObject(object, "duration_s", (double)file->track.count / WAKECERT_CORPUS_RATE);
        cJSON_AddStringToObject(object, "kind", file->kind);
        cJSON_AddStringToObject(object, "condition", file->condition);
        if (isnan(file->snr_db))
            cJSON_AddNullToObject(object, "snr_db");
        else
            cJSON_AddNumberToObject(object, "snr_db", file->snr_db);
        cJSON_AddStringToObject(object, "voice", file->voice);
        if (file->note[0])
            cJSON_AddStringToObject(object, "note", file->note);
        cJSON *events = cJSON_AddArrayToObject(object, "events");
        for (size_t e = 0; e < file->track.event_count; e++)
            cJSON_AddItemToArray(events, manifest_event(&file->track.events[e]));
        cJSON_AddItemToArray(array, object);
    }
    char path[4096];
    wakecert_join_path(path, sizeof path, temporary_directory, "manifest.json");
    int status = wakecert_json_write_file(path, root, message, message_size);
    cJSON_Delete(root);
    return status;
}

/* Counters the workers share through a MAP_SHARED page: the next position in plan->order to build,
 * and how many files / seconds are done (for the progress line). */
struct shared_progress {
    _Atomic size_t next;
    _Atomic size_t done;
    _Atomic int64_t samples_done;
    struct timespec began;
};

/* What every file of one build shares. */
struct build_plan {
    const cJSON *recipe;
    const cJSON *files;
    const char *recipe_path;
    const char *name;
    const char *temporary;
    uint64_t seed;
    double floor_dbfs;
    int verbose;
    size_t count;
    size_t *order;            /* build order (largest first), a permutation of 0..count-1 */
    struct shared_progress *progress; /* shared between workers (MAP_SHARED), or NULL */
};

/* A rough cost of building a file, in seconds of audio: its gaps, pads, pool segments and about two
 * seconds per speech segment, doubled when babble noise is mixed. Only orders the work (largest
 * first, so the last file to finish is a small one); never affects the output. */
static double estimated_cost(const cJSON *item)
{
    double seconds = 0.0;
    const cJSON *segment;
    cJSON_ArrayForEach(segment, cJSON_GetObjectItemCaseSensitive(item, "segments"))
    {
        const cJSON *child = segment->child;
        if (!child)
            continue;
        if (cJSON_IsNumber(child) && (strcmp(child->string, "gap") == 0 || strcmp(child->string, "music") == 0 ||
                                      strcmp(child->string, "ambient") == 0))
            seconds += child->valuedouble;
        else if (cJSON_IsString(child))
            seconds += 2.0;
    }
    const char *noise = wakecert_json_string(cJSON_GetObjectItemCaseSensitive(item, "noise"), "type");
    if (noise && strcmp(noise, "babble") == 0)
        seconds *= 2.0;
    return seconds;
}

static const double *sort_cost; /* the costs compare_cost orders by (set just before qsort) */

/* qsort comparator: larger estimated cost first, then lower index (a total order). */
static int compare_cost(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    if (sort_cost[i] != sort_cost[j])
        return sort_cost[i] > sort_cost[j] ? -1 : 1;
    return i < j ? -1 : i > j;
}

/* Build files[index] of the plan into *built, with a progress line when verbose. */
static int build_one(const struct build_plan *plan, size_t index, struct built_file *built, char *message,
                     size_t message_size)
{
    int status = build_file(cJSON_GetArrayItem(plan->files, (int)index), index, plan->recipe, plan->recipe_path,
                            plan->temporary, plan->seed, plan->floor_dbfs, built, message, message_size);
    if (status != 0 || !plan->verbose)
        return status;
    if (plan->progress && isatty(STDERR_FILENO)) {
        /* On a terminal: one progress line, rewritten in place. */
        size_t done = atomic_fetch_add(&plan->progress->done, 1) + 1;
        int64_t samples = atomic_fetch_add(&plan->progress->samples_done, built->track.count) + built->track.count;
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        double elapsed = (double)(now.tv_sec - plan->progress->began.tv_sec) +
                         (now.tv_nsec - plan->progress->began.tv_nsec) / 1e9;
        fprintf(stderr, "\rwakecert: corpus %s: %zu/%zu files (%3.0f%%), %.2f h of audio, %.0f s elapsed   ", plan->name,
                done, plan->count, 100.0 * (double)done / (double)plan->count,
                (double)samples / WAKECERT_CORPUS_RATE / 3600.0, elapsed);
        if (done == plan->count)
            fputc('\n', stderr);
        fflush(stderr);
    } else {
        fprintf(stderr, "wakecert: corpus %s: [%zu/%zu] %s %.2f s (%s, %s)\n", plan->name, index + 1, plan->count,
                built->path, (double)built->track.count / WAKECERT_CORPUS_RATE, built->kind, built->condition);
    }
    return status;
}

/* How many worker processes build files: $WAKECERT_CORPUS_JOBS, else the online CPUs; at most 8 and at
 * most the file count. Every file's bytes depend only on the recipe and its index, so any count gives
 * the same corpus. */
static int build_jobs(size_t file_count)
{
    long jobs = sysconf(_SC_NPROCESSORS_ONLN);
    const char *forced = getenv("WAKECERT_CORPUS_JOBS");
    if (forced && *forced)
        jobs = strtol(forced, NULL, 10);
    if (jobs < 1)
        jobs = 1;
    if (jobs > 8)
        jobs = 8;
    if ((size_t)jobs > file_count)
        jobs = (long)file_count;
    return (int)jobs;
}

/* What a worker reports per file, followed by event_count struct wakecert_corpus_event. */
struct worker_record {
    uint64_t index;
    int64_t status;
    int64_t samples;
    double snr_db;
    uint64_t event_count;
    char sha256[WAKECERT_SHA256_HEX_SIZE];
    char note[128];
    char message[512];
};

/* A worker: take the next file of plan->order from the shared counter until none is left, and append
 * a record for each to record_path; stop at the first error (recorded too). Which worker builds which
 * file depends on timing, but a file's bytes do not. Runs in a forked child; never returns. */
static void worker_main(const struct build_plan *plan, int worker, const char *record_path)
{
    wakecert_synth_server_use(worker);
    FILE *records = fopen(record_path, "wb");
    if (!records)
        _exit(3);
    for (;;) {
        size_t position = atomic_fetch_add(&plan->progress->next, 1);
        if (position >= plan->count)
            break;
        size_t index = plan->order[position];
        struct built_file built;
        memset(&built, 0, sizeof built);
        struct worker_record record;
        memset(&record, 0, sizeof record);
        record.index = index;
        record.status = build_one(plan, index, &built, record.message, sizeof record.message);
        record.samples = built.track.count;
        record.snr_db = built.snr_db;
        record.event_count = record.status == 0 ? built.track.event_count : 0;
        memcpy(record.sha256, built.sha256, sizeof record.sha256);
        memcpy(record.note, built.note, sizeof record.note);
        fwrite(&record, sizeof record, 1, records);
        if (record.event_count)
            fwrite(built.track.events, sizeof *built.track.events, (size_t)record.event_count, records);
        track_free(&built.track);
        if (record.status != 0)
            break;
    }
    int failed = fflush(records) != 0 || ferror(records);
    fclose(records);
    _exit(failed ? 3 : 0);
}

/* Build all files of the plan in `jobs` forked workers and collect their records into built[]. On
 * failure reports the error of the lowest-numbered failing file (so the message does not depend on
 * timing). Returns 0 or a negative code. */
static int build_in_workers(const struct build_plan *plan, int jobs, struct built_file *built, char *message,
                            size_t message_size)
{
    pid_t workers[8];
    char record_paths[8][4200];
    int started = 0;
    int status = 0;
    fflush(NULL); /* nothing buffered is written twice by the children */
    for (int w = 0; w < jobs; w++) {
        snprintf(record_paths[w], sizeof record_paths[w], "%s/.worker-%d", plan->temporary, w);
        pid_t pid = fork();
        if (pid < 0) {
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_INTERNAL, "fork: %s", strerror(errno));
            break;
        }
        if (pid == 0)
            worker_main(plan, w, record_paths[w]);
        workers[w] = pid;
        started++;
    }
    int worker_failed = 0;
    for (int w = 0; w < started; w++) {
        int wait_status = 0;
        while (waitpid(workers[w], &wait_status, 0) < 0 && errno == EINTR)
            ;
        if (!WIFEXITED(wait_status) || WEXITSTATUS(wait_status) != 0)
            worker_failed = 1;
    }
    if (status != 0)
        goto cleanup;

    int64_t first_error_index = -1;
    char first_error[512] = "";
    int first_error_status = 0;
    size_t received = 0;
    for (int w = 0; w < started; w++) {
        FILE *records = fopen(record_paths[w], "rb");
        if (!records)
            continue;
        struct worker_record record;
        while (fread(&record, sizeof record, 1, records) == 1) {
            if (record.index >= plan->count) {
                worker_failed = 1;
                break;
            }
            if (record.status != 0) {
                if (first_error_index < 0 || (int64_t)record.index < first_error_index) {
                    first_error_index = (int64_t)record.index;
                    first_error_status = (int)record.status;
                    snprintf(first_error, sizeof first_error, "%s", record.message);
                }
                continue;
            }
            struct built_file *file = &built[record.index];
            file->track.count = record.samples;
            file->snr_db = record.snr_db;
            memcpy(file->sha256, record.sha256, sizeof file->sha256);
            memcpy(file->note, record.note, sizeof file->note);
            file->track.events = calloc(record.event_count ? record.event_count : 1, sizeof *file->track.events);
            if (!file->track.events ||
                fread(file->track.events, sizeof *file->track.events, (size_t)record.event_count, records) !=
                    record.event_count) {
                worker_failed = 1;
                break;
            }
            file->track.event_count = (size_t)record.event_count;
            file->track.event_capacity = (size_t)record.event_count;
            received++;
        }
        fclose(records);
    }
    if (first_error_index >= 0)
        status = wakecert_set_error(message, message_size, first_error_status, "%s", first_error);
    else if (worker_failed || received != plan->count)
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_INTERNAL,
                                    "a corpus build worker died (%zu of %zu files built)", received, plan->count);
cleanup:
    for (int w = 0; w < started; w++)
        unlink(record_paths[w]);
    return status;
}

int wakecert_corpus_build(const char *recipe_path, const char *out_argument, int verbose, char *message,
                          size_t message_size)
{
    /* "out/" and "out" are the same directory; the temporary must be a sibling, not a child. */
    char out_directory[4096];
    if (snprintf(out_directory, sizeof out_directory, "%s", out_argument) >= (int)sizeof out_directory - 32)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_USAGE, "output path too long");
    size_t out_length = strlen(out_directory);
    while (out_length > 1 && out_directory[out_length - 1] == '/')
        out_directory[--out_length] = '\0';
    if (out_length == 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_USAGE, "empty output directory");
    struct timespec began;
    clock_gettime(CLOCK_MONOTONIC, &began);
    char *recipe_text = NULL;
    size_t recipe_size = 0;
    int status = wakecert_read_file(recipe_path, &recipe_text, &recipe_size, message, message_size);
    if (status != 0)
        return status;
    char recipe_sha256[WAKECERT_SHA256_HEX_SIZE];
    wakecert_sha256_buffer(recipe_text, recipe_size, recipe_sha256);
    int uses_festival = strstr(recipe_text, "\"festival:") != NULL; /* its version goes into the manifest */
    cJSON *recipe = NULL;
    status = wakecert_json_parse(recipe_text, recipe_path, &recipe, message, message_size);
    free(recipe_text);
    if (status != 0)
        return status;

    struct built_file *built = NULL;
    size_t built_count = 0;
    char temporary[4096 + 32];
    int made_temporary = 0;
    const char *schema = wakecert_json_string(recipe, "schema");
    const char *name = wakecert_json_string(recipe, "name");
    cJSON *expanded = NULL;
    const cJSON *files = NULL;
    size_t *order = NULL;
    struct shared_progress *progress = NULL;
    const cJSON *sources = cJSON_GetObjectItemCaseSensitive(recipe, "sources");
    int jobs = 1;
    char piece_store[4096 + 64];
    int made_piece_store = 0;
    if (!schema || strcmp(schema, WAKECERT_RECIPE_SCHEMA) != 0) {
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_UNSUPPORTED,
                                    "%s: \"schema\" must be \"%s\"", recipe_path, WAKECERT_RECIPE_SCHEMA);
        goto done;
    }
    if (!name || !*name || strlen(name) >= sizeof((struct wakecert_corpus *)0)->name) {
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: \"name\" missing or too long",
                                    recipe_path);
        goto done;
    }
    double seed_value = wakecert_json_number(recipe, "seed", 1);
    if (!(seed_value >= 0 && seed_value <= 9007199254740992.0) || seed_value != floor(seed_value)) {
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                    "%s: \"seed\" must be an integer from 0 to 2^53", recipe_path);
        goto done;
    }
    uint64_t seed = (uint64_t)seed_value;
    double floor_dbfs = wakecert_json_number(recipe, "noise_floor_dbfs", -60.0);
    status = wakecert_synth_initialize(message, message_size);
    if (status != 0)
        goto done;
    const char *resampler = wakecert_json_string(recipe, "resampler");
    if (resampler && strcmp(resampler, "best") != 0 && strcmp(resampler, "medium") != 0) {
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                    "%s: \"resampler\" must be \"best\" or \"medium\"", recipe_path);
        goto done;
    }
    wakecert_synth_set_converter(resampler && strcmp(resampler, "medium") == 0 ? SRC_SINC_MEDIUM_QUALITY
                                                                                : SRC_SINC_BEST_QUALITY);
    /* Synthesis servers before anything big is in memory (synth.c); then sources (generator blocks
     * draw sentences from the text pool). */
    jobs = build_jobs(1000000);
    /* The servers' shared piece store: a flat sibling directory, removed at the end. */
    snprintf(piece_store, sizeof piece_store, "%s.pieces-%ld", out_directory, (long)getpid());
    wakecert_remove_flat_directory(piece_store);
    status = wakecert_make_directories(piece_store, message, message_size);
    if (status != 0)
        goto done;
    made_piece_store = 1;
    status = wakecert_synth_servers_start(jobs, piece_store, message, message_size);
    if (status != 0)
        goto done;
    status = wakecert_pools_prepare(sources, jobs, verbose, message, message_size);
    if (status != 0)
        goto done;
    status = wakecert_recipe_expand(recipe, recipe_path, seed, &expanded, message, message_size);
    if (status != 0)
        goto done;
    files = expanded;
    if (cJSON_GetArraySize(files) == 0) {
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                    "%s: missing \"files\" array (and no \"generate\" blocks)", recipe_path);
        goto done;
    }
    jobs = build_jobs((size_t)cJSON_GetArraySize(files));
    /* Repeated pieces (wake words, carriers, requests) are synthesized once per process; 600 M samples
     * (2.4 GB) at most. Forked workers inherit nothing yet, each fills its own. */
    wakecert_synth_cache_enable((int64_t)600 * 1000 * 1000 / 4);

    if (wakecert_is_directory(out_directory) && rmdir(out_directory) != 0) {
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_USAGE,
                                    "%s already exists and is not empty; remove it or choose another --out",
                                    out_directory);
        goto done;
    } else if (!wakecert_is_directory(out_directory) && access(out_directory, F_OK) == 0) {
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_USAGE, "%s exists and is not a directory",
                                    out_directory);
        goto done;
    }
    snprintf(temporary, sizeof temporary, "%s.tmp-%ld", out_directory, (long)getpid());
    wakecert_remove_flat_directory(temporary); /* leftover of a crashed build with our pid */
    status = wakecert_make_directories(temporary, message, message_size);
    if (status != 0)
        goto done;
    made_temporary = 1;

    size_t count = (size_t)cJSON_GetArraySize(files);
    order = malloc(count * sizeof *order);
    double *cost = malloc(count * sizeof *cost);
    if (!order || !cost) {
        free(cost);
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < count; i++) {
        order[i] = i;
        cost[i] = estimated_cost(cJSON_GetArrayItem(files, (int)i));
    }
    sort_cost = cost;
    qsort(order, count, sizeof *order, compare_cost);
    free(cost);
    built = calloc(count, sizeof *built);
    if (!built) {
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
        goto done;
    }
    /* Check every file's own fields and paths before any synthesis. */
    for (size_t i = 0; i < count; i++) {
        struct voice_settings voice;
        char where[256];
        status = describe_file(cJSON_GetArrayItem(files, (int)i), i, recipe, recipe_path, &built[i], &voice, where,
                               sizeof where, message, message_size);
        built_count = i + 1;
        if (status != 0)
            goto done;
        for (size_t earlier = 0; earlier < i; earlier++)
            if (strcmp(built[earlier].path, built[i].path) == 0) {
                status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                            "%s: files[%zu]: path \"%s\" duplicates files[%zu]", recipe_path, i,
                                            built[i].path, earlier);
                goto done;
            }
    }
    progress = mmap(NULL, sizeof *progress, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (progress == MAP_FAILED) {
        progress = NULL;
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_INTERNAL, "mmap: %s", strerror(errno));
        goto done;
    }
    atomic_init(&progress->next, 0);
    atomic_init(&progress->done, 0);
    atomic_init(&progress->samples_done, 0);
    progress->began = began;
    struct build_plan plan = {recipe, files, recipe_path, name, temporary, seed, floor_dbfs, verbose, count, order,
                              progress};
    if (jobs <= 1) {
        for (size_t i = 0; i < count; i++) {
            status = build_one(&plan, i, &built[i], message, message_size);
            if (status != 0)
                goto done;
        }
    } else {
        status = build_in_workers(&plan, jobs, built, message, message_size);
        if (status != 0)
            goto done;
    }
    status = write_manifest(temporary, name, recipe_sha256,
                            (sources || cJSON_GetObjectItemCaseSensitive(recipe, "generate") ? MANIFEST_EXTENDED : 0) |
                                (uses_festival ? MANIFEST_FESTIVAL : 0),
                            cJSON_GetObjectItemCaseSensitive(recipe, "stream"), built, built_count,
                            message,
                            message_size);
    if (status != 0)
        goto done;
    if (rename(temporary, out_directory) != 0) {
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_IO, "cannot rename %s to %s: %s", temporary,
                                    out_directory, strerror(errno));
        goto done;
    }
    made_temporary = 0;
    if (verbose) {
        struct timespec ended;
        clock_gettime(CLOCK_MONOTONIC, &ended);
        double seconds = (double)(ended.tv_sec - began.tv_sec) + (ended.tv_nsec - began.tv_nsec) / 1e9;
        double audio = 0.0;
        for (size_t i = 0; i < built_count; i++)
            audio += (double)built[i].track.count / WAKECERT_CORPUS_RATE;
        fprintf(stderr, "wakecert: corpus %s: %zu files, %.1f s of audio built in %.1f s with %d worker%s into %s\n",
                name, built_count, audio, seconds, jobs, jobs == 1 ? "" : "s", out_directory);
    }
done:
    if (made_temporary)
        wakecert_remove_flat_directory(temporary);
    for (size_t i = 0; i < built_count; i++)
        track_free(&built[i].track);
    free(built);
    free(order);
    if (progress)
        munmap(progress, sizeof *progress);
    cJSON_Delete(expanded);
    cJSON_Delete(recipe);
    wakecert_pools_free();
    wakecert_synth_servers_stop();
    if (made_piece_store)
        wakecert_remove_flat_directory(piece_store);
    return status;
}
