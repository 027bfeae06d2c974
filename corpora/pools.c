/*
 * Source pools: the non-synthesized material generated recipes draw from, prepared once per build in
 * the parent process (so forked workers share it) and cached on disk where preparing it is slow.
 *
 *   music    MIDI files shipped in Debian game packages (openttd-openmsx, planetblupi-music-midi)
 *            rendered to 16 kHz mono with fluidsynth and the General MIDI SoundFont of
 *            fluid-soundfont-gm. Rendering is the slow part (~1 min for an hour of music), so the
 *            rendered tracks are kept under <cache>/pools/music-KEY/ (KEY: sha256 of the MIDI bytes,
 *            the SoundFont's path and size, the fluidsynth version and the render settings), written
 *            into a temporary sibling and renamed, rendered by forked workers in parallel. And/or
 *            recorded music ("files": e.g. the Ogg soundtracks of singularity-music), decoded at
 *            every build: the train recipe's music, kept apart from the evaluation's MIDI tracks.
 *   ambient  sound files (sonic-pi-samples: drones, hums, hiss, machine loops) and recordings inside
 *            gcompris-qt-data's Qt resource bundles ("BUNDLE.rcc#/path": harbour, water, rain, train,
 *            factory, applause, car, helicopter; extracted by our own rcc reader), read and converted
 *            to 16 kHz mono at every build (seconds of audio each; not worth caching).
 *   text     English sentences for long negative speech, from the fortune packages (fortunes-min,
 *            fortune-mod: "%"-separated entries), split into sentences and filtered: ASCII only, 20 to
 *            220 characters, none of the recipe's excluded words (wake words and confusables) anywhere
 *            in it, no duplicates.
 *
 * A recipe declares its sources in "sources" (README.md); a recipe without them (smoke, train, eval,
 * and every recipe written before pools existed) never touches this file, so their output is
 * unchanged. Rendering with fluidsynth is deterministic for the same fluidsynth version, SoundFont and
 * MIDI bytes: the player is driven by the sample clock (player.timing-source = sample), one synthesis
 * thread, float output without dither.
 */
#include <dirent.h>
#include <errno.h>
#include <fluidsynth.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "corpus_internal.h"
#include "error.h"
#include "files.h"
#include "json.h"
#include "sha256.h"

#define MUSIC_MAX_SECONDS 360 /* a track longer than 6 minutes is cut there */

static struct wakecert_pool music_pool, ambient_pool;
static char **text_pool = NULL;
static size_t text_count = 0;

/* Free a pool's tracks and zero it. Cannot fail. */
static void pool_free(struct wakecert_pool *pool)
{
    for (size_t i = 0; i < pool->count; i++) {
        free(pool->tracks[i]);
        free(pool->names[i]);
    }
    free(pool->tracks);
    free(pool->counts);
    free(pool->names);
    memset(pool, 0, sizeof *pool);
}

/* Append a track (takes ownership of samples). Returns 0 or WAKECERT_ERROR_NO_MEMORY. */
static int pool_add(struct wakecert_pool *pool, const char *name, float *samples, int64_t count)
{
    float **tracks = realloc(pool->tracks, (pool->count + 1) * sizeof *tracks);
    if (tracks)
        pool->tracks = tracks;
    int64_t *counts = realloc(pool->counts, (pool->count + 1) * sizeof *counts);
    if (counts)
        pool->counts = counts;
    char **names = realloc(pool->names, (pool->count + 1) * sizeof *names);
    if (names)
        pool->names = names;
    char *copy = strdup(name);
    if (!tracks || !counts || !names || !copy) {
        free(copy);
        free(samples);
        return WAKECERT_ERROR_NO_MEMORY;
    }
    pool->tracks[pool->count] = samples;
    pool->counts[pool->count] = count;
    pool->names[pool->count] = copy;
    pool->count++;
    return 0;
}

/* Read any sound file as 16 kHz mono floats (malloc'd). Returns 0 or a negative code naming it. */
static int read_as_float(const char *path, float **out, int64_t *out_count, char *message, size_t message_size)
{
    struct wakecert_corpus_file file;
    memset(&file, 0, sizeof file);
    file.full_path = (char *)path;
    file.path = (char *)path;
    int16_t *pcm = NULL;
    int64_t count = 0;
    int status = wakecert_corpus_read_audio(&file, &pcm, &count, message, message_size);
    if (status != 0)
        return status;
    float *samples = malloc((size_t)(count ? count : 1) * sizeof *samples);
    if (!samples) {
        free(pcm);
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
    }
    for (int64_t i = 0; i < count; i++)
        samples[i] = (float)(pcm[i] / 32768.0);
    free(pcm);
    *out = samples;
    *out_count = count;
    return 0;
}

/* fluidsynth's log output is not ours to print. */
static void quiet_log(int level, const char *text, void *data)
{
    (void)level;
    (void)text;
    (void)data;
}

/* Render one MIDI file to 16 kHz mono floats (at most MUSIC_MAX_SECONDS, plus a 2 s tail for the
 * release and reverb). Returns 0 or a negative code naming the file. */
static int render_midi(const char *midi, const char *soundfont, float **out, int64_t *out_count, char *message,
                       size_t message_size)
{
    *out = NULL;
    *out_count = 0;
    for (int level = FLUID_PANIC; level <= FLUID_DBG; level++)
        fluid_set_log_function(level, quiet_log, NULL);
    fluid_settings_t *settings = new_fluid_settings();
    if (!settings)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "fluidsynth: no settings");
    fluid_settings_setnum(settings, "synth.sample-rate", WAKECERT_CORPUS_RATE);
    fluid_settings_setstr(settings, "player.timing-source", "sample");
    fluid_settings_setint(settings, "synth.cpu-cores", 1);
    fluid_settings_setint(settings, "synth.lock-memory", 0);
    fluid_synth_t *synth = new_fluid_synth(settings);
    fluid_player_t *player = NULL;
    float *samples = NULL;
    int status = 0;
    if (!synth || fluid_synth_sfload(synth, soundfont, 1) == FLUID_FAILED) {
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_IO,
                                    "%s: fluidsynth cannot load this SoundFont (is fluid-soundfont-gm installed?)",
                                    soundfont);
        goto done;
    }
    player = new_fluid_player(synth);
    if (!player || fluid_player_add(player, midi) != FLUID_OK || fluid_player_play(player) != FLUID_OK) {
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_IO, "%s: fluidsynth cannot play this MIDI file",
                                    midi);
        goto done;
    }
    int64_t limit = (int64_t)(MUSIC_MAX_SECONDS + 2) * WAKECERT_CORPUS_RATE;
    samples = malloc((size_t)limit * sizeof *samples);
    if (!samples) {
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
        goto done;
    }
    enum { BLOCK = 512 };
    float left[BLOCK], right[BLOCK];
    int64_t count = 0, tail = -1;
    while (count + BLOCK <= limit) {
        if (tail < 0 && (fluid_player_get_status(player) != FLUID_PLAYER_PLAYING ||
                         count >= (int64_t)MUSIC_MAX_SECONDS * WAKECERT_CORPUS_RATE)) {
            tail = count + 2 * WAKECERT_CORPUS_RATE;
            fluid_player_stop(player);
            fluid_synth_all_notes_off(synth, -1);
        }
        if (tail >= 0 && count >= tail)
            break;
        if (fluid_synth_write_float(synth, BLOCK, left, 0, 1, right, 0, 1) != FLUID_OK) {
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_INTERNAL, "%s: fluidsynth failed", midi);
            goto done;
        }
        for (int i = 0; i < BLOCK; i++)
            samples[count + i] = 0.5f * (left[i] + right[i]);
        count += BLOCK;
    }
    int64_t begin = 0, end = 0;
    wakecert_trim_silence(samples, count, &begin, &end);
    if (end - begin < WAKECERT_CORPUS_RATE) {
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                    "%s: rendered to less than a second of audio", midi);
        goto done;
    }
    memmove(samples, samples + begin, (size_t)(end - begin) * sizeof *samples);
    *out = samples;
    *out_count = end - begin;
    samples = NULL;
done:
    free(samples);
    if (player)
        delete_fluid_player(player);
    if (synth)
        delete_fluid_synth(synth);
    delete_fluid_settings(settings);
    return status;
}

/* The cache key of a music pool: sha256 over the MIDI bytes, SoundFont path and size, fluidsynth
 * version and render settings; first 16 hex digits into key. Returns 0 or a negative code. */
static int music_key(const cJSON *midi, const char *soundfont, char key[17], char *message, size_t message_size)
{
    struct stat info;
    if (stat(soundfont, &info) != 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_IO,
                                  "%s: no such SoundFont (install fluid-soundfont-gm: ci/bootstrap)", soundfont);
    size_t size = 0, capacity = 4096;
    char *text = malloc(capacity);
    if (!text)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
    size += (size_t)snprintf(text, capacity, "fluidsynth %s|%s|%lld|16000|mono|max %d\n", fluid_version_str(),
                             soundfont, (long long)info.st_size, MUSIC_MAX_SECONDS);
    const cJSON *item;
    cJSON_ArrayForEach(item, midi)
    {
        char digest[WAKECERT_SHA256_HEX_SIZE];
        int status = wakecert_sha256_file(item->valuestring, digest, message, message_size);
        if (status != 0) {
            free(text);
            return status;
        }
        if (size + 4200 > capacity) {
            char *grown = realloc(text, capacity * 2);
            if (!grown) {
                free(text);
                return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
            }
            text = grown;
            capacity *= 2;
        }
        size += (size_t)snprintf(text + size, capacity - size, "%s %s\n", item->valuestring, digest);
    }
    char digest[WAKECERT_SHA256_HEX_SIZE];
    wakecert_sha256_buffer(text, size, digest);
    free(text);
    memcpy(key, digest, 16);
    key[16] = '\0';
    return 0;
}

/* Render every MIDI file into directory/track_NNN.wav with `jobs` forked workers. Returns 0 or the
 * error of the lowest-numbered failing track. */
static int render_music_directory(const cJSON *midi, const char *soundfont, const char *directory, int jobs,
                                  int verbose, char *message, size_t message_size)
{
    int count = cJSON_GetArraySize(midi);
    pid_t workers[8];
    int started = 0;
    fflush(NULL);
    for (int w = 0; w < jobs && w < count; w++) {
        pid_t pid = fork();
        if (pid < 0)
            break;
        if (pid == 0) {
            for (int i = w; i < count; i += jobs) {
                const char *path = cJSON_GetArrayItem(midi, i)->valuestring;
                float *samples = NULL;
                int64_t samples_count = 0;
                char inner[512] = "", wav[4600], error_path[4600];
                snprintf(wav, sizeof wav, "%s/track_%03d.wav", directory, i);
                snprintf(error_path, sizeof error_path, "%s/error_%03d.txt", directory, i);
                int status = render_midi(path, soundfont, &samples, &samples_count, inner, sizeof inner);
                if (status == 0)
                    status = wakecert_audio_write16(wav, samples, samples_count, 0, inner, sizeof inner);
                free(samples);
                if (status != 0) {
                    FILE *error = fopen(error_path, "w");
                    if (error) {
                        fprintf(error, "%d %s", status, inner);
                        fclose(error);
                    }
                    _exit(1);
                }
                if (verbose)
                    fprintf(stderr, "wakecert: music pool: rendered %s (%.0f s)\n", path,
                            (double)samples_count / WAKECERT_CORPUS_RATE);
            }
            _exit(0);
        }
        workers[started++] = pid;
    }
    int failed = started == 0;
    for (int w = 0; w < started; w++) {
        int wait_status = 0;
        while (waitpid(workers[w], &wait_status, 0) < 0 && errno == EINTR)
            ;
        if (!WIFEXITED(wait_status) || WEXITSTATUS(wait_status) != 0)
            failed = 1;
    }
    if (!failed)
        return 0;
    for (int i = 0; i < count; i++) {
        char error_path[4600];
        snprintf(error_path, sizeof error_path, "%s/error_%03d.txt", directory, i);
        FILE *error = fopen(error_path, "r");
        if (!error)
            continue;
        int code = WAKECERT_ERROR_INTERNAL;
        char text[600] = "";
        if (fscanf(error, "%d ", &code) != 1)
            code = WAKECERT_ERROR_INTERNAL;
        size_t got = fread(text, 1, sizeof text - 1, error);
        text[got] = '\0';
        fclose(error);
        return wakecert_set_error(message, message_size, code, "music pool: %s", text);
    }
    return wakecert_set_error(message, message_size, WAKECERT_ERROR_INTERNAL, "music pool: a render worker died");
}

static int read_ambient_source(const char *source, float **out, int64_t *out_count, char *message,
                               size_t message_size);

/* Add every sound file of `files` (a recipe's "files" array under `source`, e.g. "sources.ambient":
 * paths, or "BUNDLE.rcc#/path" resources) to `pool`, converted to 16 kHz mono, named by base name. A
 * file shorter than min_seconds is refused as too short for `what`; one longer than max_seconds (> 0)
 * is cut there. Returns 0 or a negative code with a message naming the source or file. */
static int add_sound_files(struct wakecert_pool *pool, const char *source, const cJSON *files, double min_seconds,
                           double max_seconds, const char *what, char *message, size_t message_size)
{
    if (!cJSON_IsArray(files) || cJSON_GetArraySize(files) == 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                  "%s: \"files\" must be a non-empty array of sound file paths", source);
    const cJSON *item;
    cJSON_ArrayForEach(item, files)
    {
        if (!cJSON_IsString(item))
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                      "%s: \"files\" entries must be paths", source);
        float *samples = NULL;
        int64_t count = 0;
        int status = read_ambient_source(item->valuestring, &samples, &count, message, message_size);
        if (status != 0)
            return status;
        if (count < (int64_t)(min_seconds * WAKECERT_CORPUS_RATE)) {
            free(samples);
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: shorter than %g s, too short for %s",
                                      item->valuestring, min_seconds, what);
        }
        if (max_seconds > 0 && count > (int64_t)(max_seconds * WAKECERT_CORPUS_RATE))
            count = (int64_t)(max_seconds * WAKECERT_CORPUS_RATE);
        const char *base = strrchr(item->valuestring, '/');
        if (pool_add(pool, base ? base + 1 : item->valuestring, samples, count) != 0)
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
    }
    return 0;
}

/* Recorded music (any sound file libsndfile reads, e.g. the Ogg Vorbis soundtracks of Debian game
 * packages) is cut at RECORDED_MUSIC_SECONDS like the rendered tracks; decoding takes seconds, so
 * nothing is cached. */
#define RECORDED_MUSIC_SECONDS 360

/* Prepare the music pool from spec {"midi": [paths], "soundfont": path, "files": [paths]}: MIDI files
 * rendered into the cache once, then loaded, and/or recorded music (add_sound_files); at least one
 * of the two. Returns 0 or a negative code. */
static int prepare_music(const cJSON *spec, int jobs, int verbose, char *message, size_t message_size)
{
    const cJSON *midi = cJSON_GetObjectItemCaseSensitive(spec, "midi");
    const cJSON *recorded = cJSON_GetObjectItemCaseSensitive(spec, "files");
    if (!midi && !recorded)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                  "sources.music: needs \"midi\" (MIDI files to render) or \"files\" (recorded music)");
    if (!midi)
        return add_sound_files(&music_pool, "sources.music", recorded, 1.0, RECORDED_MUSIC_SECONDS, "a music track",
                               message, message_size);
    const char *soundfont = wakecert_json_string(spec, "soundfont");
    if (!soundfont)
        soundfont = "/usr/share/sounds/sf2/FluidR3_GM.sf2";
    if (!cJSON_IsArray(midi) || cJSON_GetArraySize(midi) == 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                  "sources.music: \"midi\" must be a non-empty array of MIDI file paths");
    const cJSON *item;
    cJSON_ArrayForEach(item, midi) if (!cJSON_IsString(item)) return wakecert_set_error(
        message, message_size, WAKECERT_ERROR_FORMAT, "sources.music: \"midi\" entries must be paths");
    char key[17];
    int status = music_key(midi, soundfont, key, message, message_size);
    if (status != 0)
        return status;
    char cache[4096], pools[4200], directory[4300], temporary[4400];
    wakecert_cache_directory(cache, sizeof cache);
    snprintf(pools, sizeof pools, "%s/pools", cache);
    snprintf(directory, sizeof directory, "%s/music-%s", pools, key);
    if (!wakecert_is_directory(directory)) {
        status = wakecert_make_directories(pools, message, message_size);
        if (status != 0)
            return status;
        snprintf(temporary, sizeof temporary, "%s.tmp-%ld", directory, (long)getpid());
        wakecert_remove_flat_directory(temporary);
        status = wakecert_make_directories(temporary, message, message_size);
        if (status != 0)
            return status;
        if (verbose)
            fprintf(stderr, "wakecert: music pool: rendering %d MIDI files with fluidsynth %s into %s\n",
                    cJSON_GetArraySize(midi), fluid_version_str(), directory);
        status = render_music_directory(midi, soundfont, temporary, jobs, verbose, message, message_size);
        if (status == 0 && rename(temporary, directory) != 0 && !wakecert_is_directory(directory))
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_IO, "cannot rename %s: %s", temporary,
                                        strerror(errno));
        wakecert_remove_flat_directory(temporary); /* no-op after a successful rename */
        if (status != 0)
            return status;
    }
    int index = 0;
    cJSON_ArrayForEach(item, midi)
    {
        char wav[4500];
        snprintf(wav, sizeof wav, "%s/track_%03d.wav", directory, index++);
        float *samples = NULL;
        int64_t count = 0;
        status = read_as_float(wav, &samples, &count, message, message_size);
        if (status != 0)
            return status;
        const char *base = strrchr(item->valuestring, '/');
        if (pool_add(&music_pool, base ? base + 1 : item->valuestring, samples, count) != 0)
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
    }
    return recorded ? add_sound_files(&music_pool, "sources.music", recorded, 1.0, RECORDED_MUSIC_SECONDS,
                                      "a music track", message, message_size)
                    : 0;
}

/* Big-endian reads from a byte buffer (bounds are the caller's). */
static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static uint16_t be16(const unsigned char *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* 1 if the resource name at names_offset + offset (u16 length, u32 hash, UTF-16BE characters) equals
 * the ASCII `name` of `length` characters. */
static int rcc_name_is(const unsigned char *data, size_t size, size_t names, uint32_t offset, const char *name,
                       size_t length)
{
    if (names + (size_t)offset + 6 > size)
        return 0;
    const unsigned char *p = data + names + offset;
    size_t count = be16(p);
    if (count != length || names + offset + 6 + 2 * count > size)
        return 0;
    for (size_t i = 0; i < count; i++)
        if (be16(p + 6 + 2 * i) != (unsigned char)name[i])
            return 0;
    return 1;
}

int wakecert_rcc_extract(const char *archive, const char *inner, unsigned char **out, size_t *out_size, char *message,
                         size_t message_size)
{
    /* Qt resource bundle (rcc binary, versions 1-3): "qres", version, tree, data and names offsets
     * (big-endian u32), v3 a flags word. Tree nodes are 14 bytes (v1) or 22 (v2+, with a timestamp):
     * name offset u32, flags u16 (2 directory, 1 zlib, 4 zstd), then a directory's child count and
     * first child index, or a file's locale (u16 u16) and data offset u32. Data: u32 size, bytes. */
    *out = NULL;
    *out_size = 0;
    char *text = NULL;
    size_t size = 0;
    int status = wakecert_read_file(archive, &text, &size, message, message_size);
    if (status != 0)
        return status;
    const unsigned char *data = (const unsigned char *)text;
    if (size < 20 || memcmp(data, "qres", 4) != 0 || be32(data + 4) < 1 || be32(data + 4) > 3) {
        free(text);
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                  "%s: not a Qt resource bundle (rcc version 1-3)", archive);
    }
    uint32_t version = be32(data + 4);
    size_t tree = be32(data + 8), payload = be32(data + 12), names = be32(data + 16);
    size_t node_size = version == 1 ? 14 : 22;
    size_t node = 0; /* the root */
    const char *cursor = inner;
    while (*cursor == '/')
        cursor++;
    status = WAKECERT_ERROR_FORMAT;
    for (int depth = 0; depth < 64; depth++) {
        if (tree + (node + 1) * node_size > size)
            break;
        const unsigned char *entry = data + tree + node * node_size;
        uint16_t flags = be16(entry + 4);
        if (!*cursor) { /* the path ends here: must be a file */
            if (flags & 2)
                break;
            if (flags & 5) {
                free(text);
                return wakecert_set_error(message, message_size, WAKECERT_ERROR_UNSUPPORTED,
                                          "%s#%s: compressed resources are not supported", archive, inner);
            }
            size_t at = payload + be32(entry + 10);
            if (at + 4 > size || at + 4 + be32(data + at) > size)
                break;
            size_t length = be32(data + at);
            *out = malloc(length ? length : 1);
            if (!*out) {
                free(text);
                return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
            }
            memcpy(*out, data + at + 4, length);
            *out_size = length;
            status = 0;
            break;
        }
        if (!(flags & 2))
            break;
        const char *slash = strchr(cursor, '/');
        size_t length = slash ? (size_t)(slash - cursor) : strlen(cursor);
        uint32_t children = be32(entry + 6), first = be32(entry + 10);
        int found = 0;
        for (uint32_t c = 0; c < children && !found; c++) {
            size_t child = (size_t)first + c;
            if (tree + (child + 1) * node_size > size)
                break;
            if (rcc_name_is(data, size, names, be32(data + tree + child * node_size), cursor, length)) {
                node = child;
                found = 1;
            }
        }
        if (!found)
            break;
        cursor += length;
        while (*cursor == '/')
            cursor++;
    }
    free(text);
    if (status != 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: no resource %s", archive, inner);
    return 0;
}

/* Read an ambient source: a sound file, or "BUNDLE.rcc#/path/inside" — a sound inside a Qt resource
 * bundle (gcompris-qt-data keeps its sounds so), extracted to a temporary file next to the cache's
 * pools and read from there. Same contract as read_as_float. */
static int read_ambient_source(const char *source, float **out, int64_t *out_count, char *message, size_t message_size)
{
    const char *hash = strstr(source, ".rcc#");
    if (!hash)
        return read_as_float(source, out, out_count, message, message_size);
    char archive[4096];
    snprintf(archive, sizeof archive, "%.*s", (int)(hash + 4 - source), source);
    unsigned char *bytes = NULL;
    size_t size = 0;
    int status = wakecert_rcc_extract(archive, hash + 5, &bytes, &size, message, message_size);
    if (status != 0)
        return status;
    char cache[4096], pools[4200], temporary[4400];
    wakecert_cache_directory(cache, sizeof cache);
    snprintf(pools, sizeof pools, "%s/pools", cache);
    const char *extension = strrchr(hash + 5, '.');
    snprintf(temporary, sizeof temporary, "%s/.rcc-%ld%s", pools, (long)getpid(), extension ? extension : "");
    status = wakecert_make_directories(pools, message, message_size);
    if (status == 0)
        status = wakecert_write_file_atomic(temporary, bytes, size, message, message_size);
    free(bytes);
    if (status == 0) {
        status = read_as_float(temporary, out, out_count, message, message_size);
        if (status != 0) /* name the resource, not the temporary file */
            status = wakecert_set_error(message, message_size, status, "%s: not audio libsndfile reads", source);
    }
    unlink(temporary);
    return status;
}

/* Prepare the ambient pool from spec {"files": [paths or BUNDLE.rcc#/path]}. Returns 0 or a negative code. */
static int prepare_ambient(const cJSON *spec, char *message, size_t message_size)
{
    return add_sound_files(&ambient_pool, "sources.ambient", cJSON_GetObjectItemCaseSensitive(spec, "files"), 0.1, 0,
                           "an ambient bed", message, message_size);
}

/* 1 if text contains any of the excluded words: a case-insensitive substring, where a space in the
 * word matches any run of spaces in the text (fortune lines keep their indentation, so "trial" and
 * "except" can be several spaces apart once the lines are joined). */
static int contains_excluded(const char *text, const cJSON *exclude)
{
    const cJSON *item;
    cJSON_ArrayForEach(item, exclude)
    {
        if (!cJSON_IsString(item) || !*item->valuestring)
            continue;
        const char *word = item->valuestring;
        for (const char *p = text; *p; p++) {
            const char *t = p, *w = word;
            while (*w && *t) {
                if (*w == ' ' && *t == ' ') {
                    while (*t == ' ')
                        t++;
                    w++;
                } else if ((*t | 0x20) == (*w | 0x20)) {
                    t++;
                    w++;
                } else {
                    break;
                }
            }
            if (!*w)
                return 1;
        }
    }
    return 0;
}

/* Add one candidate sentence (trimmed) to the text pool if it passes the filters. Returns 0 or
 * WAKECERT_ERROR_NO_MEMORY. */
static int offer_sentence(char *sentence, const cJSON *exclude)
{
    while (*sentence == ' ')
        sentence++;
    size_t length = strlen(sentence);
    while (length && sentence[length - 1] == ' ')
        sentence[--length] = '\0';
    if (length < 20 || length > 220)
        return 0;
    int letters = 0;
    for (const char *p = sentence; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c >= 0x80 || c < 0x20 || c == '_' || c == '|' || c == '<' || c == '>' || c == '[' || c == ']' ||
            c == '{' || c == '}' || c == '\\' || c == '@' || c == '#' || c == '=' || c == '*')
            return 0;
        letters += (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
    }
    if (letters < (int)length / 2 || strstr(sentence, "--") || contains_excluded(sentence, exclude))
        return 0;
    for (size_t i = 0; i < text_count; i++) /* duplicates: fortunes repeat a few sayings */
        if (strcmp(text_pool[i], sentence) == 0)
            return 0;
    char **grown = realloc(text_pool, (text_count + 1) * sizeof *grown);
    if (!grown)
        return WAKECERT_ERROR_NO_MEMORY;
    text_pool = grown;
    text_pool[text_count] = strdup(sentence);
    if (!text_pool[text_count])
        return WAKECERT_ERROR_NO_MEMORY;
    text_count++;
    return 0;
}

/* Prepare the text pool from spec {"files": [fortune files], "exclude": [words]}. */
static int prepare_text(const cJSON *spec, char *message, size_t message_size)
{
    const cJSON *files = cJSON_GetObjectItemCaseSensitive(spec, "files");
    const cJSON *exclude = cJSON_GetObjectItemCaseSensitive(spec, "exclude");
    if (!cJSON_IsArray(files) || cJSON_GetArraySize(files) == 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                  "sources.text: \"files\" must be a non-empty array of text file paths");
    const cJSON *item;
    cJSON_ArrayForEach(item, files)
    {
        char *data = NULL;
        size_t size = 0;
        if (!cJSON_IsString(item))
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "sources.text: paths expected");
        int status = wakecert_read_file(item->valuestring, &data, &size, message, message_size);
        if (status != 0)
            return status;
        /* Entries are separated by lines holding only "%"; lines of an entry are joined with spaces and
         * the entry is cut into sentences after '.', '?' or '!' followed by a space or the end. */
        char *entry = malloc(size + 2);
        if (!entry) {
            free(data);
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
        }
        size_t entry_length = 0;
        char *line = data;
        while (line && *line) {
            char *next = strchr(line, '\n');
            if (next)
                *next++ = '\0';
            int separator = strcmp(line, "%") == 0;
            if (!separator) {
                for (char *p = line; *p; p++)
                    entry[entry_length++] = *p == '\t' ? ' ' : *p;
                entry[entry_length++] = ' ';
            }
            if (separator || !next || !*next) {
                entry[entry_length] = '\0';
                char *start = entry;
                for (char *p = entry; *p; p++) {
                    if ((*p == '.' || *p == '?' || *p == '!') && (p[1] == ' ' || p[1] == '\0')) {
                        char saved = p[1];
                        p[1] = '\0';
                        status = offer_sentence(start, exclude);
                        p[1] = saved;
                        start = p + 1;
                        if (status != 0)
                            break;
                    }
                }
                entry_length = 0;
            }
            line = next;
            if (status != 0)
                break;
        }
        free(entry);
        free(data);
        if (status != 0)
            return wakecert_set_error(message, message_size, status, "out of memory");
    }
    if (text_count == 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                  "sources.text: no usable sentence in the listed files");
    return 0;
}

int wakecert_pools_prepare(const cJSON *sources, int jobs, int verbose, char *message, size_t message_size)
{
    wakecert_pools_free();
    if (!sources)
        return 0;
    if (!cJSON_IsObject(sources))
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "\"sources\" must be an object");
    const cJSON *music = cJSON_GetObjectItemCaseSensitive(sources, "music");
    const cJSON *ambient = cJSON_GetObjectItemCaseSensitive(sources, "ambient");
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(sources, "text");
    int status = 0;
    if (music)
        status = prepare_music(music, jobs, verbose, message, message_size);
    if (status == 0 && ambient)
        status = prepare_ambient(ambient, message, message_size);
    if (status == 0 && text)
        status = prepare_text(text, message, message_size);
    if (status != 0)
        wakecert_pools_free();
    else if (verbose)
        fprintf(stderr, "wakecert: sources: %zu music tracks (%.0f s), %zu ambient sounds (%.0f s), %zu sentences\n",
                music_pool.count, wakecert_pool_seconds(&music_pool), ambient_pool.count,
                wakecert_pool_seconds(&ambient_pool), text_count);
    return status;
}

void wakecert_pools_free(void)
{
    pool_free(&music_pool);
    pool_free(&ambient_pool);
    for (size_t i = 0; i < text_count; i++)
        free(text_pool[i]);
    free(text_pool);
    text_pool = NULL;
    text_count = 0;
}

const struct wakecert_pool *wakecert_pool_get(const char *name)
{
    if (strcmp(name, "music") == 0)
        return &music_pool;
    if (strcmp(name, "ambient") == 0)
        return &ambient_pool;
    return NULL;
}

double wakecert_pool_seconds(const struct wakecert_pool *pool)
{
    double seconds = 0.0;
    for (size_t i = 0; i < pool->count; i++)
        seconds += (double)pool->counts[i] / WAKECERT_CORPUS_RATE;
    return seconds;
}

const char *const *wakecert_text_pool(size_t *count)
{
    *count = text_count;
    return (const char *const *)text_pool;
}

const char *wakecert_fluidsynth_version(void)
{
    return fluid_version_str();
}
