/*
 * Corpus directories: loading manifest.json, verifying files against it, and resolving a corpus
 * name to a cached build of the shipped recipe.
 *
 * A manifest is trusted only after it is checked: schema version, every required field with the right
 * type, kinds and event types from the known sets, and every event inside its file. A mistake is
 * reported as "DIR/manifest.json: files[3].events[1]: end 40000 is past the file's 32000 samples" so
 * a hand-edited manifest is easy to fix. Loading does not open the audio (verify does), so it costs
 * one small JSON parse plus one sha256 of the manifest bytes — the corpus identity recorded in results.
 *
 * Name resolution: an existing directory is loaded as it is. Otherwise NAME maps to the shipped recipe
 * <data dir>/corpora/recipes/NAME.json, built once into
 * <cache>/corpora/NAME-<first 16 hex of sha256(recipe bytes + generator version + espeak-ng version)>.
 * The key changes whenever anything that could change the audio changes, so a stale cache is never
 * reused and an unchanged one is never rebuilt. Builds are atomic (generator.c), so two processes
 * racing to build the same corpus both end up loading one complete directory.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "corpus_internal.h"
#include "error.h"
#include "files.h"
#include "json.h"
#include "sha256.h"

static const char *const event_type_names[] = {
    [WAKECERT_EVENT_WAKE] = "wake",         [WAKECERT_EVENT_CONFUSABLE] = "confusable",
    [WAKECERT_EVENT_MEDIA_WAKE] = "media_wake", [WAKECERT_EVENT_MIC_OFF] = "mic_off",
    [WAKECERT_EVENT_BUTTON] = "button",     [WAKECERT_EVENT_FOLLOW_UP] = "follow_up",
    [WAKECERT_EVENT_REQUEST] = "request",
};

const char *wakecert_event_type_name(int type)
{
    if (type < WAKECERT_EVENT_WAKE || type > WAKECERT_EVENT_REQUEST)
        return NULL;
    return event_type_names[type];
}

int wakecert_event_type_from_name(const char *name)
{
    for (int type = WAKECERT_EVENT_WAKE; type <= WAKECERT_EVENT_REQUEST; type++)
        if (strcmp(event_type_names[type], name) == 0)
            return type;
    return 0;
}

int wakecert_kind_is_known(const char *kind)
{
    static const char *const kinds[] = {"wake", "confusable", "negative", "music", "ambient", "media"};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kinds[i], kind) == 0)
            return 1;
    return 0;
}

int wakecert_utf8_valid(const char *text)
{
    const unsigned char *p = (const unsigned char *)text;
    while (*p) {
        unsigned char c = *p;
        size_t length = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
        if (length == 0)
            return 0;
        unsigned long code = length == 1 ? c : length == 2 ? c & 0x1Fu : length == 3 ? c & 0x0Fu : c & 0x07u;
        for (size_t i = 1; i < length; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return 0;
            code = code << 6 | (p[i] & 0x3Fu);
        }
        static const unsigned long minimum[] = {0, 0, 0x80, 0x800, 0x10000};
        if (code < minimum[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
            return 0;
        p += length;
    }
    return 1;
}

void wakecert_corpus_free(struct wakecert_corpus *corpus)
{
    if (!corpus)
        return;
    for (size_t i = 0; i < corpus->file_count; i++) {
        free(corpus->files[i].path);
        free(corpus->files[i].full_path);
        free(corpus->files[i].events);
    }
    free(corpus->files);
    free(corpus->directory);
    memset(corpus, 0, sizeof *corpus);
}

/* Copy a string into a fixed field; returns 0, or -1 if it does not fit. */
static int copy_field(char *field, size_t field_size, const char *value)
{
    size_t length = strlen(value);
    if (length >= field_size)
        return -1;
    memcpy(field, value, length + 1);
    return 0;
}

/* Read an integer-valued JSON number member. Returns 1 if present and integral, 0 if absent, -1 if
 * present but not an integral number. */
static int json_integer(const cJSON *object, const char *name, int64_t *out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, name);
    if (!item || cJSON_IsNull(item))
        return 0;
    if (!cJSON_IsNumber(item))
        return -1;
    double value = item->valuedouble;
    if (!isfinite(value) || value != floor(value) || fabs(value) > 9.0e15)
        return -1;
    *out = (int64_t)value;
    return 1;
}

/* Parse one manifest event; `where` is "DIR/manifest.json: files[i].events[j]". */
static int parse_event(const cJSON *item, int64_t samples, const char *where, struct wakecert_corpus_event *event,
                       char *message, size_t message_size)
{
    memset(event, 0, sizeof *event);
    event->request_end = -1;
    if (!cJSON_IsObject(item))
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: not an object", where);
    const char *type_name = wakecert_json_string(item, "type");
    if (!type_name)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: missing \"type\"", where);
    event->type = wakecert_event_type_from_name(type_name);
    if (!event->type)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                  "%s: unknown type \"%s\" (expected wake, request, confusable, media_wake, mic_off, "
                                  "button or follow_up)",
                                  where, type_name);
    int has = json_integer(item, "start", &event->start);
    if (has <= 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: %s \"start\" (a sample index)",
                                  where, has < 0 ? "non-integer" : "missing");
    has = json_integer(item, "end", &event->end);
    if (has < 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: non-integer \"end\"", where);
    if (has == 0) {
        if (event->type != WAKECERT_EVENT_BUTTON)
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: missing \"end\"", where);
        event->end = event->start;
    }
    has = json_integer(item, "request_end", &event->request_end);
    if (has < 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: non-integer \"request_end\"", where);
    if (has == 0)
        event->request_end = -1;
    if (event->start < 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: negative start %lld", where,
                                  (long long)event->start);
    if (event->end < event->start)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: end %lld is before start %lld",
                                  where, (long long)event->end, (long long)event->start);
    if (event->end > samples)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                  "%s: end %lld is past the file's %lld samples", where, (long long)event->end,
                                  (long long)samples);
    if (event->request_end != -1) {
        if (event->type != WAKECERT_EVENT_WAKE && event->type != WAKECERT_EVENT_BUTTON)
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                      "%s: \"request_end\" only applies to wake and button events", where);
        if (event->request_end < event->end || event->request_end > samples)
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                      "%s: request_end %lld is outside [end %lld, %lld samples]", where,
                                      (long long)event->request_end, (long long)event->end, (long long)samples);
    }
    const char *word = wakecert_json_string(item, "word");
    int needs_word = event->type == WAKECERT_EVENT_WAKE || event->type == WAKECERT_EVENT_CONFUSABLE ||
                     event->type == WAKECERT_EVENT_MEDIA_WAKE;
    if (needs_word && !word)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: missing \"word\"", where);
    if (word && copy_field(event->word, sizeof event->word, word) != 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: word longer than %zu bytes", where,
                                  sizeof event->word - 1);
    /* A follow-up may be empty: the cloud asks for more and the user says nothing. */
    if ((event->type == WAKECERT_EVENT_WAKE || event->type == WAKECERT_EVENT_CONFUSABLE ||
         event->type == WAKECERT_EVENT_MEDIA_WAKE || event->type == WAKECERT_EVENT_REQUEST) &&
        event->end == event->start)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: empty range (start == end)", where);
    return 0;
}

/* Parse files[index] of a manifest into *file. */
static int parse_file(const cJSON *item, const char *directory, const char *manifest_name, size_t index,
                      struct wakecert_corpus_file *file, char *message, size_t message_size)
{
    char where[512];
    snprintf(where, sizeof where, "%.300s: files[%zu]", manifest_name, index);
    if (!cJSON_IsObject(item))
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: not an object", where);
    const char *path = wakecert_json_string(item, "path");
    if (!path || !*path)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: missing \"path\"", where);
    if (path[0] == '/' || strstr(path, ".."))
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                  "%s: path \"%s\" must be relative and stay inside the corpus", where, path);
    if (!wakecert_utf8_valid(path))
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: path is not valid UTF-8", where);
    snprintf(where, sizeof where, "%.300s: files[%zu] (%.150s)", manifest_name, index, path);
    file->path = strdup(path);
    size_t full_size = strlen(directory) + strlen(path) + 2;
    file->full_path = malloc(full_size);
    if (!file->path || !file->full_path)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
    snprintf(file->full_path, full_size, "%s/%s", directory, path);

    const char *sha = wakecert_json_string(item, "sha256");
    if (!sha || strlen(sha) != 64 || strspn(sha, "0123456789abcdef") != 64)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                  "%s: \"sha256\" missing or not 64 lowercase hex digits", where);
    memcpy(file->sha256, sha, 65);
    int has = json_integer(item, "samples", &file->samples);
    if (has <= 0 || file->samples <= 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                  "%s: \"samples\" missing or not a positive integer", where);
    const char *kind = wakecert_json_string(item, "kind");
    if (!kind)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: missing \"kind\"", where);
    if (!wakecert_kind_is_known(kind))
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                  "%s: unknown kind \"%s\" (expected wake, confusable, negative, music, ambient or media)",
                                  where, kind);
    copy_field(file->kind, sizeof file->kind, kind);
    const char *condition = wakecert_json_string(item, "condition");
    if (!condition)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: missing \"condition\"", where);
    if (copy_field(file->condition, sizeof file->condition, condition) != 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: condition too long", where);
    const cJSON *snr = cJSON_GetObjectItemCaseSensitive(item, "snr_db");
    if (!snr || cJSON_IsNull(snr))
        file->snr_db = NAN;
    else if (cJSON_IsNumber(snr))
        file->snr_db = snr->valuedouble;
    else
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: \"snr_db\" must be a number or null",
                                  where);
    const char *voice = wakecert_json_string(item, "voice");
    if (voice && copy_field(file->voice, sizeof file->voice, voice) != 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: voice too long", where);
    const char *note = wakecert_json_string(item, "note");
    if (note)
        snprintf(file->note, sizeof file->note, "%s", note);

    const cJSON *events = cJSON_GetObjectItemCaseSensitive(item, "events");
    if (!cJSON_IsArray(events))
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: missing \"events\" array", where);
    size_t count = (size_t)cJSON_GetArraySize(events);
    file->events = calloc(count ? count : 1, sizeof *file->events);
    if (!file->events)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
    size_t event_index = 0;
    const cJSON *event_item;
    cJSON_ArrayForEach(event_item, events)
    {
        char event_where[600];
        snprintf(event_where, sizeof event_where, "%.400s: files[%zu].events[%zu]", manifest_name, index, event_index);
        int status = parse_event(event_item, file->samples, event_where, &file->events[event_index], message,
                                 message_size);
        if (status != 0)
            return status;
        event_index++;
        file->event_count = event_index;
    }
    return 0;
}

/* Parse DIR/manifest.json into *corpus (which the caller frees on failure). Returns 0 or a
 * negative code with a message naming the manifest and field. */
static int load_manifest(const char *directory, struct wakecert_corpus *corpus, char *message, size_t message_size)
{
    char manifest_path[4096];
    if (wakecert_join_path(manifest_path, sizeof manifest_path, directory, "manifest.json") != 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_USAGE, "%s: path too long", directory);
    cJSON *root = NULL;
    int status = wakecert_json_load_file(manifest_path, &root, message, message_size);
    if (status != 0)
        return status;
    const char *schema = wakecert_json_string(root, "schema");
    if (!schema) {
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: missing \"schema\"",
                                    manifest_path);
        goto done;
    }
    if (strcmp(schema, WAKECERT_CORPUS_SCHEMA) != 0) {
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_UNSUPPORTED,
                                    "%s: schema \"%s\" is not supported (this wakecert reads \"%s\")", manifest_path,
                                    schema, WAKECERT_CORPUS_SCHEMA);
        goto done;
    }
    double rate = wakecert_json_number(root, "sample_rate", WAKECERT_CORPUS_RATE);
    if (rate != WAKECERT_CORPUS_RATE) {
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_UNSUPPORTED,
                                    "%s: sample_rate %g (manifests describe 16000 Hz audio)", manifest_path, rate);
        goto done;
    }
    const char *name = wakecert_json_string(root, "name");
    if (!name || !*name || copy_field(corpus->name, sizeof corpus->name, name) != 0) {
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                    "%s: \"name\" missing or longer than %zu bytes", manifest_path,
                                    sizeof corpus->name - 1);
        goto done;
    }
    const cJSON *files = cJSON_GetObjectItemCaseSensitive(root, "files");
    if (!cJSON_IsArray(files)) {
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: missing \"files\" array",
                                    manifest_path);
        goto done;
    }
    size_t count = (size_t)cJSON_GetArraySize(files);
    corpus->files = calloc(count ? count : 1, sizeof *corpus->files);
    if (!corpus->files) {
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
        goto done;
    }
    size_t index = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, files)
    {
        corpus->file_count = index + 1; /* so a half-parsed file is freed too */
        status = parse_file(item, directory, manifest_path, index, &corpus->files[index], message, message_size);
        if (status != 0)
            goto done;
        for (size_t earlier = 0; earlier < index; earlier++)
            if (strcmp(corpus->files[earlier].path, corpus->files[index].path) == 0) {
                status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                            "%s: files[%zu]: path \"%s\" duplicates files[%zu]", manifest_path, index,
                                            corpus->files[index].path, earlier);
                goto done;
            }
        index++;
    }
    status = wakecert_sha256_file(manifest_path, corpus->manifest_sha256, message, message_size);
done:
    cJSON_Delete(root);
    return status;
}

int wakecert_corpus_load(const char *directory, struct wakecert_corpus *corpus, char *message, size_t message_size)
{
    memset(corpus, 0, sizeof *corpus);
    if (!wakecert_is_directory(directory))
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_IO, "%s: not a directory", directory);
    char path[4096];
    int status;
    if (wakecert_join_path(path, sizeof path, directory, "manifest.json") != 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_USAGE, "%s: path too long", directory);
    if (access(path, F_OK) == 0) {
        status = load_manifest(directory, corpus, message, message_size);
    } else {
        wakecert_join_path(path, sizeof path, directory, "labels.csv");
        if (access(path, F_OK) != 0)
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                      "%s: not a corpus (no manifest.json and no labels.csv)", directory);
        status = wakecert_corpus_import_labels(directory, corpus, message, message_size);
    }
    if (status == 0) {
        corpus->directory = strdup(directory);
        if (!corpus->directory)
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
    }
    if (status != 0)
        wakecert_corpus_free(corpus);
    return status;
}

int wakecert_corpus_verify(const char *directory, char *message, size_t message_size)
{
    char path[4096];
    if (wakecert_join_path(path, sizeof path, directory, "manifest.json") != 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_USAGE, "%s: path too long", directory);
    struct wakecert_corpus corpus;
    int status = wakecert_corpus_load(directory, &corpus, message, message_size);
    if (status != 0)
        return status;
    if (access(path, F_OK) != 0) {
        /* An imported labels.csv folder has nothing recorded to verify against; loading checked it. */
        wakecert_corpus_free(&corpus);
        return 0;
    }
    for (size_t i = 0; i < corpus.file_count && status == 0; i++) {
        const struct wakecert_corpus_file *file = &corpus.files[i];
        if (access(file->full_path, F_OK) != 0) {
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: missing (listed in %s)",
                                        file->full_path, path);
            break;
        }
        char digest[WAKECERT_SHA256_HEX_SIZE];
        status = wakecert_sha256_file(file->full_path, digest, message, message_size);
        if (status != 0)
            break;
        if (strcmp(digest, file->sha256) != 0) {
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                        "%s: sha256 %s does not match the manifest's %s", file->full_path, digest,
                                        file->sha256);
            break;
        }
        struct wakecert_audio_probe probe;
        status = wakecert_audio_probe(file->full_path, &probe, message, message_size);
        if (status != 0) {
            status = WAKECERT_ERROR_FORMAT;
            break;
        }
        if (probe.samples != file->samples) {
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                        "%s: %lld samples at 16 kHz, the manifest says %lld", file->full_path,
                                        (long long)probe.samples, (long long)file->samples);
            break;
        }
    }
    if (status == 0)
        wakecert_set_error(message, message_size, 0, "%s: %zu files match manifest.json", directory, corpus.file_count);
    wakecert_corpus_free(&corpus);
    return status;
}

int wakecert_remove_flat_directory(const char *path)
{
    DIR *dir = opendir(path);
    if (!dir)
        return errno == ENOENT ? 0 : WAKECERT_ERROR_IO;
    struct dirent *entry;
    char child[4096];
    int status = 0;
    while ((entry = readdir(dir)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
            continue;
        if (wakecert_join_path(child, sizeof child, path, entry->d_name) != 0 || unlink(child) != 0)
            status = WAKECERT_ERROR_IO;
    }
    closedir(dir);
    if (rmdir(path) != 0)
        status = WAKECERT_ERROR_IO;
    return status;
}

int wakecert_recipe_cache_key(const char *recipe_path, char key_out[17], char *message, size_t message_size)
{
    char *recipe = NULL;
    size_t recipe_size = 0;
    int status = wakecert_read_file(recipe_path, &recipe, &recipe_size, message, message_size);
    if (status != 0)
        return status;
    status = wakecert_synth_initialize(message, message_size);
    if (status != 0) {
        free(recipe);
        return status;
    }
    char suffix[192];
    int suffix_size = snprintf(suffix, sizeof suffix, "\n--wakecert-corpus %s espeak-ng %s\n",
                               WAKECERT_CORPUS_GENERATOR_VERSION, wakecert_synth_version());
    /* Recipes with generator blocks or sources may use flite and fluidsynth: their versions are part of
     * the key too. (Only for those, so older recipes keep their cache directories.) */
    if (strstr(recipe, "\"generate\"") || strstr(recipe, "\"sources\""))
        suffix_size = snprintf(suffix, sizeof suffix, "\n--wakecert-corpus %s espeak-ng %s flite %s fluidsynth %s\n",
                               WAKECERT_CORPUS_GENERATOR_VERSION, wakecert_synth_version(), wakecert_flite_version(),
                               wakecert_fluidsynth_version());
    /* Recipes naming festival voices key on festival's version too (only those: others keep their keys). */
    if (strstr(recipe, "\"festival:") && suffix_size > 0 && (size_t)suffix_size < sizeof suffix)
        suffix_size += snprintf(suffix + suffix_size - 1, sizeof suffix - (size_t)suffix_size + 1, " festival %s\n",
                                wakecert_festival_version()) - 1;
    char *keyed = malloc(recipe_size + (size_t)suffix_size);
    if (!keyed) {
        free(recipe);
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
    }
    memcpy(keyed, recipe, recipe_size);
    memcpy(keyed + recipe_size, suffix, (size_t)suffix_size);
    char digest[WAKECERT_SHA256_HEX_SIZE];
    wakecert_sha256_buffer(keyed, recipe_size + (size_t)suffix_size, digest);
    free(keyed);
    free(recipe);
    memcpy(key_out, digest, 16);
    key_out[16] = '\0';
    return 0;
}

/* 1 if s names a corpus recipe by name only (letters, digits, '-', '_'). */
static int is_plain_name(const char *s)
{
    if (!*s)
        return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
              *p == '_'))
            return 0;
    return 1;
}

int wakecert_corpus_open(const char *name_or_directory, struct wakecert_corpus *corpus, int verbose, char *message,
                         size_t message_size)
{
    memset(corpus, 0, sizeof *corpus);
    if (wakecert_is_directory(name_or_directory))
        return wakecert_corpus_load(name_or_directory, corpus, message, message_size);

    char recipe_path[4096];
    char name[64];
    size_t length = strlen(name_or_directory);
    struct stat info;
    if (length > 5 && strcmp(name_or_directory + length - 5, ".json") == 0 && stat(name_or_directory, &info) == 0 &&
        S_ISREG(info.st_mode)) {
        /* A recipe file given by path: its name is the file name without .json. */
        snprintf(recipe_path, sizeof recipe_path, "%s", name_or_directory);
        const char *base = strrchr(name_or_directory, '/');
        base = base ? base + 1 : name_or_directory;
        snprintf(name, sizeof name, "%.*s", (int)(strlen(base) - 5), base);
    } else if (is_plain_name(name_or_directory) && length < sizeof name) {
        snprintf(name, sizeof name, "%s", name_or_directory);
        snprintf(recipe_path, sizeof recipe_path, "%s/corpora/recipes/%s.json", wakecert_data_directory(), name);
        if (access(recipe_path, R_OK) != 0)
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_USAGE,
                                      "corpus \"%s\": not a directory, and no shipped recipe %s "
                                      "(`wakecert corpus list` shows the recipes)",
                                      name_or_directory, recipe_path);
    } else {
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_USAGE,
                                  "corpus \"%s\": no such directory, and not a recipe name or .json recipe file",
                                  name_or_directory);
    }

    char key[17];
    int status = wakecert_recipe_cache_key(recipe_path, key, message, message_size);
    if (status != 0)
        return status;
    char cache[4096];
    wakecert_cache_directory(cache, sizeof cache);
    char corpora_cache[4096 + 16];
    snprintf(corpora_cache, sizeof corpora_cache, "%s/corpora", cache);
    char target[4096 + 128];
    snprintf(target, sizeof target, "%s/%s-%s", corpora_cache, name, key);
    char manifest[sizeof target + 32];
    snprintf(manifest, sizeof manifest, "%s/manifest.json", target);
    if (access(manifest, F_OK) == 0) {
        if (verbose)
            fprintf(stderr, "wakecert: corpus %s: using cached build %s\n", name, target);
        return wakecert_corpus_load(target, corpus, message, message_size);
    }
    status = wakecert_make_directories(corpora_cache, message, message_size);
    if (status != 0)
        return status;
    if (verbose)
        fprintf(stderr, "wakecert: corpus %s: building %s from %s\n", name, target, recipe_path);
    status = wakecert_corpus_build(recipe_path, target, verbose, message, message_size);
    if (status != 0 && access(manifest, F_OK) != 0)
        return status;
    /* status != 0 with a manifest present: another process finished the same build first. */
    return wakecert_corpus_load(target, corpus, message, message_size);
}
