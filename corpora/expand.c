/*
 * Generator blocks: compact recipe entries that expand, deterministically and in C, into the explicit
 * file entries the generator renders (README.md, "Generator blocks").
 *
 * A corpus with a thousand wake words and hours of negatives would be a JSON list of thousands of
 * files — too big to review or commit. A recipe's "generate" array instead holds blocks such as
 * {"type": "wake", "files": 30, "per_file": 10, "voices": [...], "requests": [...], "noise": {...}};
 * each block becomes `files` file entries (objects with path, kind, condition, voice, rate, segments,
 * noise/reverb/gain_db) appended after the recipe's explicit "files", with the same segment language
 * explicit files use. So labels stay exact by construction (every labelled piece is its own
 * synthesized segment) and everything downstream (conditions, manifest, workers) is shared.
 *
 * Determinism: every choice for file j of block b comes from PCG32 seeded with the recipe seed and the
 * stream 2^40 + b * 2^20 + j — independent of other blocks' sizes and of the explicit files, so adding
 * a block never changes the files of another. Text-pool sentences (sources.text) are drawn the same
 * way; their order is the pool's order (file order of the fortune files).
 *
 * Durations of long-form speech files are planned from the text (about 16 characters per second at
 * 165 words per minute), since nothing is synthesized at expansion time; a file comes out within a
 * few percent of its "seconds".
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus_internal.h"
#include "error.h"
#include "json.h"

/* What one block expansion needs. */
struct block {
    const cJSON *spec;
    size_t number;        /* index in "generate" */
    uint64_t seed;
    const char *where;    /* "recipe: generate[b]" */
    const char *extension;
};

/* Uniform double in [lo, hi). Cannot fail. */
static double draw(struct wakecert_prng *prng, double lo, double hi)
{
    return lo + (hi - lo) * wakecert_prng_uniform(prng);
}

/* A number that may be given as x or [lo, hi]: drawn uniformly in the range, rounded to 0.01. Absent:
 * fallback. Returns 0 or WAKECERT_ERROR_FORMAT. */
static int draw_number(const cJSON *spec, const char *name, double fallback_lo, double fallback_hi,
                       struct wakecert_prng *prng, double *out, const char *where, char *message, size_t message_size)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(spec, name);
    double lo = fallback_lo, hi = fallback_hi;
    if (cJSON_IsNumber(item)) {
        lo = hi = item->valuedouble;
    } else if (cJSON_IsArray(item) && cJSON_GetArraySize(item) == 2 && cJSON_IsNumber(cJSON_GetArrayItem(item, 0)) &&
               cJSON_IsNumber(cJSON_GetArrayItem(item, 1))) {
        lo = cJSON_GetArrayItem(item, 0)->valuedouble;
        hi = cJSON_GetArrayItem(item, 1)->valuedouble;
    } else if (item) {
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                  "%s: \"%s\" must be a number or [low, high]", where, name);
    }
    if (hi < lo)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: \"%s\": high below low", where,
                                  name);
    *out = round(draw(prng, lo, hi) * 100.0) / 100.0;
    return 0;
}

/* The array `name` of spec, required non-empty when `required`. Returns it, or NULL (message set when
 * required or malformed). */
static const cJSON *list(const cJSON *spec, const char *name, int required, const char *where, int *status,
                         char *message, size_t message_size)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(spec, name);
    if (!item && !required)
        return NULL;
    if (!cJSON_IsArray(item) || cJSON_GetArraySize(item) == 0) {
        *status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                     "%s: \"%s\" must be a non-empty array", where, name);
        return NULL;
    }
    return item;
}

/* A drawn element of a non-empty array. Cannot fail. */
static const cJSON *pick(const cJSON *array, struct wakecert_prng *prng)
{
    return cJSON_GetArrayItem(array, (int)(wakecert_prng_next(prng) % (uint32_t)cJSON_GetArraySize(array)));
}

/* A drawn string of an array of strings; "" if the drawn element is not a string. */
static const char *pick_string(const cJSON *array, struct wakecert_prng *prng)
{
    const cJSON *item = pick(array, prng);
    return cJSON_IsString(item) ? item->valuestring : "";
}

/* A drawn integer of an array of numbers, or fallback when array is NULL. */
static int pick_int(const cJSON *array, struct wakecert_prng *prng, int fallback)
{
    if (!array)
        return fallback;
    const cJSON *item = pick(array, prng);
    return cJSON_IsNumber(item) ? (int)item->valuedouble : fallback;
}

/* Add {key: seconds} to segments. */
static void add_time(cJSON *segments, const char *key, double seconds)
{
    cJSON *segment = cJSON_CreateObject();
    cJSON_AddNumberToObject(segment, key, round(seconds * 1000.0) / 1000.0);
    cJSON_AddItemToArray(segments, segment);
}

/* Add {key: text} (plus optional rate/voice/phonemes/media) to segments. */
static void add_speech(cJSON *segments, const char *key, const char *text, const char *voice, int rate,
                       const char *phonemes, int media)
{
    cJSON *segment = cJSON_CreateObject();
    cJSON_AddStringToObject(segment, key, text);
    if (voice)
        cJSON_AddStringToObject(segment, "voice", voice);
    if (rate > 0)
        cJSON_AddNumberToObject(segment, "rate", rate);
    if (phonemes)
        cJSON_AddStringToObject(segment, "phonemes", phonemes);
    if (media)
        cJSON_AddTrueToObject(segment, "media");
    cJSON_AddItemToArray(segments, segment);
}

/* Copy the block's conditions onto a file entry, drawn for this file: noise (type cycling through
 * "types" by file number), reverb (rt60 drawn in range, room cycling through "rooms", FFT convolution),
 * gain_db. Returns 0 or WAKECERT_ERROR_FORMAT. */
static int add_conditions(const struct block *block, size_t j, struct wakecert_prng *prng, cJSON *entry, char *note,
                          size_t note_size, char *message, size_t message_size)
{
    const cJSON *noise = cJSON_GetObjectItemCaseSensitive(block->spec, "noise");
    if (noise) {
        const cJSON *types = cJSON_GetObjectItemCaseSensitive(noise, "types");
        const char *type = wakecert_json_string(noise, "type");
        const cJSON *snr = cJSON_GetObjectItemCaseSensitive(noise, "snr_db");
        if (cJSON_IsArray(types) && cJSON_GetArraySize(types) > 0) {
            const cJSON *chosen = cJSON_GetArrayItem(types, (int)(j % (size_t)cJSON_GetArraySize(types)));
            type = cJSON_IsString(chosen) ? chosen->valuestring : NULL;
        }
        if (!type || !cJSON_IsNumber(snr))
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                      "%s: \"noise\" needs \"type\" or \"types\" and a numeric \"snr_db\"", block->where);
        cJSON *object = cJSON_AddObjectToObject(entry, "noise");
        cJSON_AddStringToObject(object, "type", type);
        snprintf(note + strlen(note), note_size - strlen(note), "%snoise %s", note[0] ? "; " : "", type);
        cJSON_AddNumberToObject(object, "snr_db", snr->valuedouble);
        const cJSON *talkers = cJSON_GetObjectItemCaseSensitive(noise, "talkers");
        if (cJSON_IsNumber(talkers))
            cJSON_AddNumberToObject(object, "talkers", talkers->valuedouble);
    }
    const cJSON *reverb = cJSON_GetObjectItemCaseSensitive(block->spec, "reverb");
    if (reverb) {
        double rt60 = 0.5;
        int status = draw_number(reverb, "rt60", 0.5, 0.5, prng, &rt60, block->where, message, message_size);
        if (status != 0)
            return status;
        cJSON *object = cJSON_AddObjectToObject(entry, "reverb");
        cJSON_AddNumberToObject(object, "rt60", rt60);
        const cJSON *rooms = cJSON_GetObjectItemCaseSensitive(reverb, "rooms");
        if (cJSON_IsArray(rooms) && cJSON_GetArraySize(rooms) > 0)
            cJSON_AddItemToObject(object, "room",
                                  cJSON_Duplicate(cJSON_GetArrayItem(rooms, (int)(j % (size_t)cJSON_GetArraySize(rooms))),
                                                  1));
        cJSON_AddTrueToObject(object, "fast");
    }
    if (cJSON_GetObjectItemCaseSensitive(block->spec, "gain_db")) {
        double gain = 0;
        int status = draw_number(block->spec, "gain_db", 0, 0, prng, &gain, block->where, message, message_size);
        if (status != 0)
            return status;
        cJSON_AddNumberToObject(entry, "gain_db", gain);
        snprintf(note + strlen(note), note_size - strlen(note), "%sgain %.2f dB", note[0] ? "; " : "", gain);
    }
    return 0;
}

/* Append one utterance "[lead-in] wake [request]" for a wake block. */
static void wake_utterance(const cJSON *spec, const cJSON *lead_ins, const cJSON *requests, const cJSON *words,
                           const cJSON *rates, int first_early, struct wakecert_prng *prng, cJSON *segments)
{
    const char *lead_in = lead_ins && !first_early ? pick_string(lead_ins, prng) : "";
    int rate = pick_int(rates, prng, 0);
    if (*lead_in) {
        add_speech(segments, "say", lead_in, NULL, rate, NULL, 0);
        add_time(segments, "gap", draw(prng, 0.25, 0.6));
    }
    add_speech(segments, "wake", words ? pick_string(words, prng) : "alexa", NULL, rate, NULL, 0);
    add_time(segments, "gap", draw(prng, 0.15, 0.35));
    add_speech(segments, "request", pick_string(requests, prng), NULL, rate, NULL, 0);
    double tail_lo = 2.0, tail_hi = 3.0;
    const cJSON *tail = cJSON_GetObjectItemCaseSensitive(spec, "tail");
    if (cJSON_IsArray(tail) && cJSON_GetArraySize(tail) == 2) {
        tail_lo = cJSON_GetArrayItem(tail, 0)->valuedouble;
        tail_hi = cJSON_GetArrayItem(tail, 1)->valuedouble;
    }
    add_time(segments, "gap", draw(prng, tail_lo, tail_hi));
}

/* Append a sentence and the pause after it (long-form speech). Returns the planned seconds. */
static double speech_sentence(cJSON *segments, const char *sentence, const char *voice, int rate, int media,
                              struct wakecert_prng *prng, double gap_lo, double gap_hi)
{
    add_speech(segments, "say", sentence, voice, rate, NULL, media);
    double gap = draw(prng, gap_lo, gap_hi);
    add_time(segments, "gap", gap);
    return (double)strlen(sentence) / 16.0 * 165.0 / (double)(rate > 0 ? rate : 165) + gap;
}

/* Expand one block into `files` entries appended to out. Returns 0 or a negative code naming the block. */
static int expand_block(const struct block *block, cJSON *out, char *message, size_t message_size)
{
    const cJSON *spec = block->spec;
    const char *type = wakecert_json_string(spec, "type");
    const char *prefix = wakecert_json_string(spec, "prefix");
    double files_value = wakecert_json_number(spec, "files", -1);
    if (!type || !prefix || !*prefix || strchr(prefix, '/') || prefix[0] == '.' || files_value < 1 ||
        files_value > 100000 || files_value != floor(files_value))
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                  "%s: needs \"type\", a plain \"prefix\" and \"files\" (1-100000)", block->where);
    static const char *const types[][2] = {{"wake", "wake"},     {"confusable", "confusable"}, {"speech", "negative"},
                                           {"media", "media"},   {"music", "music"},           {"ambient", "ambient"}};
    const char *kind = NULL;
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++)
        if (strcmp(type, types[t][0]) == 0)
            kind = types[t][1];
    if (!kind)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                  "%s: unknown \"type\" %s (wake, confusable, speech, media, music, ambient)", block->where,
                                  type);
    const char *kind_override = wakecert_json_string(spec, "kind");
    if (kind_override)
        kind = kind_override;
    const char *condition = wakecert_json_string(spec, "condition");
    int status = 0;
    int needs_voices = strcmp(type, "music") != 0 && strcmp(type, "ambient") != 0;
    const cJSON *voices = list(spec, "voices", needs_voices, block->where, &status, message, message_size);
    const cJSON *rates = list(spec, "rates", 0, block->where, &status, message, message_size);
    const cJSON *pitches = list(spec, "pitches", 0, block->where, &status, message, message_size);
    if (status != 0)
        return status;
    int per_file = (int)wakecert_json_number(spec, "per_file", strcmp(type, "wake") == 0 ? 10 : 12);
    double seconds = wakecert_json_number(spec, "seconds", 600);
    if (per_file < 1 || per_file > 1000 || seconds < 1 || seconds > 3600)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                  "%s: \"per_file\" must be 1-1000 and \"seconds\" 1-3600", block->where);

    for (size_t j = 0; j < (size_t)files_value; j++) {
        struct wakecert_prng prng;
        wakecert_prng_seed(&prng, block->seed, ((uint64_t)1 << 40) + ((uint64_t)block->number << 20) + j);
        cJSON *entry = cJSON_CreateObject();
        cJSON_AddItemToArray(out, entry);
        char path[256];
        snprintf(path, sizeof path, "%s_%03zu.%s", prefix, j, block->extension);
        cJSON_AddStringToObject(entry, "path", path);
        cJSON_AddStringToObject(entry, "kind", kind);
        cJSON_AddStringToObject(entry, "condition", condition ? condition : "clean");
        const char *voice = NULL;
        if (voices) {
            const cJSON *chosen = cJSON_GetArrayItem(voices, (int)(j % (size_t)cJSON_GetArraySize(voices)));
            if (!cJSON_IsString(chosen))
                return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                          "%s: \"voices\" must hold strings", block->where);
            voice = chosen->valuestring;
            cJSON_AddStringToObject(entry, "voice", voice);
        }
        int file_rate = pick_int(rates, &prng, 165);
        cJSON_AddNumberToObject(entry, "rate", file_rate);
        cJSON_AddNumberToObject(entry, "pitch", pick_int(pitches, &prng, 50));
        char condition_note[128] = ""; /* noise type, gain: the manifest's note says what was applied */
        status = add_conditions(block, j, &prng, entry, condition_note, sizeof condition_note, message, message_size);
        if (status != 0)
            return status;
        cJSON *segments = cJSON_AddArrayToObject(entry, "segments");

        if (strcmp(type, "wake") == 0) {
            const cJSON *requests = list(spec, "requests", 1, block->where, &status, message, message_size);
            const cJSON *lead_ins = list(spec, "lead_ins", 0, block->where, &status, message, message_size);
            const cJSON *words = list(spec, "words", 0, block->where, &status, message, message_size);
            if (status != 0)
                return status;
            int early = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(spec, "early"));
            add_time(segments, "gap", early ? draw(&prng, 0.1, 0.3) : draw(&prng, 0.5, 1.0));
            for (int u = 0; u < per_file; u++)
                wake_utterance(spec, lead_ins, requests, words, rates, early && u == 0, &prng, segments);
        } else if (strcmp(type, "confusable") == 0) {
            const cJSON *words = list(spec, "words", 1, block->where, &status, message, message_size);
            const cJSON *before = list(spec, "before", 1, block->where, &status, message, message_size);
            const cJSON *after = list(spec, "after", 1, block->where, &status, message, message_size);
            if (status != 0)
                return status;
            add_time(segments, "gap", draw(&prng, 0.4, 0.8));
            for (int u = 0; u < per_file; u++) {
                const cJSON *word = pick(words, &prng);
                const char *text = cJSON_IsString(word) ? word->valuestring : wakecert_json_string(word, "word");
                const char *phonemes = cJSON_IsObject(word) ? wakecert_json_string(word, "phonemes") : NULL;
                if (!text || !*text)
                    return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                              "%s: \"words\" entries are strings or {\"word\", \"phonemes\"}",
                                              block->where);
                if (voice && (wakecert_flite_is_voice(voice) || wakecert_festival_is_voice(voice)))
                    phonemes = NULL; /* espeak-ng phonemes mean nothing to flite or festival; they read the text */
                int rate = pick_int(rates, &prng, 0);
                add_speech(segments, "say", pick_string(before, &prng), NULL, rate, NULL, 0);
                add_time(segments, "gap", draw(&prng, 0.05, 0.12));
                add_speech(segments, "confusable", text, NULL, rate, phonemes, 0);
                add_time(segments, "gap", draw(&prng, 0.05, 0.12));
                add_speech(segments, "say", pick_string(after, &prng), NULL, rate, NULL, 0);
                add_time(segments, "gap", draw(&prng, 0.6, 1.2));
            }
        } else if (strcmp(type, "speech") == 0 || strcmp(type, "media") == 0) {
            int media = strcmp(type, "media") == 0;
            const cJSON *sentences = list(spec, "sentences", 0, block->where, &status, message, message_size);
            const cJSON *media_lines = media ? list(spec, "media_lines", 1, block->where, &status, message, message_size)
                                             : NULL;
            if (status != 0)
                return status;
            size_t pool_count = 0;
            const char *const *pool = NULL;
            if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(spec, "text_pool")))
                pool = wakecert_text_pool(&pool_count);
            size_t inline_count = sentences ? (size_t)cJSON_GetArraySize(sentences) : 0;
            if (pool_count + inline_count == 0)
                return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                          "%s: needs \"sentences\" or \"text_pool\": true with sources.text declared",
                                          block->where);
            int talkers = (int)wakecert_json_number(spec, "talkers", 1);
            if (talkers < 1 || talkers > 8)
                return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: \"talkers\" must be 1-8",
                                          block->where);
            const char *talker_voice[8];
            int talker_rate[8];
            char note[128] = "";
            snprintf(note, sizeof note, "%s%stalkers:", condition_note, condition_note[0] ? "; " : "");
            for (int t = 0; t < talkers; t++) {
                const cJSON *v = cJSON_GetArrayItem(voices, (int)((j + (size_t)t * 3) % (size_t)cJSON_GetArraySize(voices)));
                talker_voice[t] = cJSON_IsString(v) ? v->valuestring : "en-us";
                talker_rate[t] = pick_int(rates, &prng, 165);
                size_t used = strlen(note);
                snprintf(note + used, sizeof note - used, " %s", talker_voice[t]);
            }
            snprintf(condition_note, sizeof condition_note, "%s", note);
            double wake_every = wakecert_json_number(spec, "wake_every", 60.0);
            double planned = draw(&prng, 0.3, 0.8), next_wake = draw(&prng, 0.3, 1.0) * wake_every;
            add_time(segments, "gap", planned);
            int talker = 0;
            while (planned < seconds) {
                if (media && planned >= next_wake) {
                    const cJSON *line = pick(media_lines, &prng);
                    const char *line_before = cJSON_GetArraySize(line) == 2 ? cJSON_GetArrayItem(line, 0)->valuestring : NULL;
                    const char *line_after = cJSON_GetArraySize(line) == 2 ? cJSON_GetArrayItem(line, 1)->valuestring : NULL;
                    if (!line_before || !line_after)
                        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                                  "%s: \"media_lines\" entries are [before, after] strings", block->where);
                    add_speech(segments, "say", line_before, talker_voice[talker], talker_rate[talker], NULL, 1);
                    add_time(segments, "gap", 0.08);
                    add_speech(segments, "media_wake", "alexa", talker_voice[talker], talker_rate[talker], NULL, 1);
                    add_time(segments, "gap", 0.08);
                    planned += 0.8 + speech_sentence(segments, line_after, talker_voice[talker], talker_rate[talker], 1,
                                                     &prng, 0.4, 0.9) +
                               (double)strlen(line_before) / 16.0;
                    next_wake = planned + draw(&prng, 0.6, 1.4) * wake_every;
                    continue;
                }
                size_t choice = wakecert_prng_next(&prng) % (uint32_t)(pool_count + inline_count);
                const char *sentence = choice < pool_count ? pool[choice]
                                                           : cJSON_GetArrayItem(sentences, (int)(choice - pool_count))->valuestring;
                if (!sentence || !*sentence)
                    return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                              "%s: \"sentences\" must hold non-empty strings", block->where);
                planned += speech_sentence(segments, sentence, talker_voice[talker], talker_rate[talker], media, &prng,
                                           talkers > 1 ? 0.25 : 0.3, talkers > 1 ? 0.8 : 1.0);
                if (talkers > 1 && wakecert_prng_uniform(&prng) < 0.6)
                    talker = (talker + 1 + (int)(wakecert_prng_next(&prng) % (uint32_t)(talkers - 1))) % talkers;
            }
        } else { /* music, ambient: pool audio in pieces, with short pauses between pieces of music */
            double planned = 0.0;
            add_time(segments, "gap", 0.2);
            while (planned < seconds) {
                double piece = draw(&prng, 60.0, 240.0);
                if (piece > seconds - planned)
                    piece = seconds - planned < 5.0 ? 5.0 : seconds - planned;
                add_time(segments, type, piece);
                double pause = strcmp(type, "music") == 0 ? draw(&prng, 1.0, 4.0) : 0.0;
                if (pause > 0)
                    add_time(segments, "gap", pause);
                planned += piece + pause;
            }
        }
        if (condition_note[0])
            cJSON_AddStringToObject(entry, "note", condition_note);
    }
    return 0;
}

int wakecert_recipe_expand(const cJSON *recipe, const char *recipe_name, uint64_t seed, cJSON **out, char *message,
                           size_t message_size)
{
    *out = cJSON_CreateArray();
    if (!*out)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
    const cJSON *files = cJSON_GetObjectItemCaseSensitive(recipe, "files");
    const cJSON *generate = cJSON_GetObjectItemCaseSensitive(recipe, "generate");
    if (files && !cJSON_IsArray(files))
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: \"files\" must be an array",
                                  recipe_name);
    if (generate && !cJSON_IsArray(generate))
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: \"generate\" must be an array",
                                  recipe_name);
    const cJSON *item;
    cJSON_ArrayForEach(item, files) cJSON_AddItemToArray(*out, cJSON_CreateObjectReference(item->child));
    /* cJSON_CreateObjectReference shares the child list; the array's references are never freed deeply. */
    const char *format = wakecert_json_string(recipe, "format");
    if (format && strcmp(format, "wav") != 0 && strcmp(format, "flac") != 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                  "%s: \"format\" must be \"wav\" or \"flac\"", recipe_name);
    size_t number = 0;
    cJSON_ArrayForEach(item, generate)
    {
        char where[256];
        snprintf(where, sizeof where, "%s: generate[%zu]", recipe_name, number);
        if (!cJSON_IsObject(item))
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: not an object", where);
        struct block block = {item, number, seed, where, format ? format : "wav"};
        int status = expand_block(&block, *out, message, message_size);
        if (status != 0)
            return status;
        number++;
    }
    return 0;
}
