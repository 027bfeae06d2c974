/*
 * `wakecert corpus ...`: the command-line face of corpora/.
 *
 *   corpus build RECIPE|NAME --out DIR [--verbose]   build a recipe (a .json path, or the name of a
 *                                                    shipped recipe) into DIR, atomically
 *   corpus verify DIR                                 check every file against DIR/manifest.json
 *   corpus list                                       the shipped recipes, one line each
 *   corpus stats DIR                                  counts, hours per kind, size on disk
 *   corpus render-soak DIR [--hours H] [--out F.wav]  render a soak pool's stream, report its speed
 *
 * Exit codes follow the rest of wakecert: 0 ok, 1 verification found a mismatch (the corpus is not
 * what its manifest says), 2 bad usage or input, 3 internal error. Messages go to stderr and name the
 * file at fault; normal output (list, verify's summary) goes to stdout.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "corpus.h"
#include "corpus_command.h"
#include "corpus_internal.h"
#include "error.h"
#include "files.h"
#include "json.h"
#include "sha256.h"

static const char usage_text[] =
    "usage: wakecert corpus build RECIPE|NAME --out DIR [--jobs N] [--verbose]\n"
    "       wakecert corpus verify DIR\n"
    "       wakecert corpus list\n"
    "       wakecert corpus stats DIR\n"
    "       wakecert corpus render-soak DIR [--hours H] [--out FILE.wav]\n"
    "\n"
    "  build   synthesize a corpus from a recipe (a .json file, or the name of a shipped recipe such as\n"
    "          \"smoke\") into DIR; DIR must not exist or be empty. The same recipe gives the same bytes.\n"
    "          --jobs N: worker processes (default: one per CPU, at most 8; $WAKECERT_CORPUS_JOBS).\n"
    "          On a terminal a progress line is shown; at the end the counts, hours and size on disk.\n"
    "  stats   what a corpus directory holds: files, wake/confusable/media-wake events, hours per kind,\n"
    "          size on disk.\n"
    "  render-soak  render the stream of a soak pool (built from the soak recipe) as fast as possible and\n"
    "          report the speed (x real time) and the stream's sha256; --hours overrides its length,\n"
    "          --out writes the first hour to a WAV file to listen to.\n"
    "  verify  check every file of DIR against DIR/manifest.json (presence, sha256, length).\n"
    "          Exit 0 if all match, 1 on the first mismatch.\n"
    "  list    the shipped recipes (in <data dir>/corpora/recipes) with their descriptions.\n";

/* 1 if arg asks for help (--help, -h, help). */
static int is_help(const char *arg)
{
    return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0 || strcmp(arg, "help") == 0;
}

/* Print a usage error (format takes one %s) and the hint; returns exit code 2. */
static int usage_error(const char *format, const char *detail)
{
    fprintf(stderr, "wakecert corpus: ");
    fprintf(stderr, format, detail);
    fprintf(stderr, "\n(run `wakecert corpus --help` for usage)\n");
    return 2;
}

/* A recipe argument: an existing file path, else the shipped recipe of that name. */
static void resolve_recipe(const char *argument, char *out, size_t out_size)
{
    if (access(argument, R_OK) == 0 || strchr(argument, '/') || strstr(argument, ".json"))
        snprintf(out, out_size, "%s", argument);
    else
        snprintf(out, out_size, "%s/corpora/recipes/%s.json", wakecert_data_directory(), argument);
}

/* Print what a corpus directory holds: files and events by kind, hours by kind, size on disk.
 * Returns the exit code (0, or that of a manifest that does not load). */
static int print_stats(const char *directory)
{
    struct wakecert_corpus corpus;
    char message[1024] = "";
    int status = wakecert_corpus_load(directory, &corpus, message, sizeof message);
    if (status != 0) {
        fprintf(stderr, "wakecert corpus: %s\n", message);
        return wakecert_exit_code_for(status);
    }
    static const char *const kinds[] = {"wake", "confusable", "negative", "media", "music", "ambient"};
    size_t files[6] = {0}, wakes = 0, confusables = 0, media_wakes = 0, muted = 0;
    double seconds[6] = {0};
    long long bytes = 0;
    for (size_t i = 0; i < corpus.file_count; i++) {
        const struct wakecert_corpus_file *file = &corpus.files[i];
        for (int k = 0; k < 6; k++)
            if (strcmp(file->kind, kinds[k]) == 0) {
                files[k]++;
                seconds[k] += (double)file->samples / 16000.0;
            }
        for (size_t e = 0; e < file->event_count; e++) {
            const struct wakecert_corpus_event *event = &file->events[e];
            wakes += event->type == WAKECERT_EVENT_WAKE;
            confusables += event->type == WAKECERT_EVENT_CONFUSABLE;
            media_wakes += event->type == WAKECERT_EVENT_MEDIA_WAKE;
            muted += event->type == WAKECERT_EVENT_MIC_OFF;
        }
        struct stat info;
        if (stat(file->full_path, &info) == 0)
            bytes += (long long)info.st_size;
    }
    printf("corpus %s: %zu files, %.2f h of audio, %.1f MB on disk (%s)\n", corpus.name, corpus.file_count,
           (seconds[0] + seconds[1] + seconds[2] + seconds[3] + seconds[4] + seconds[5]) / 3600.0, bytes / 1e6,
           directory);
    printf("  wake-word positives: %zu wake events in %zu wake files (%zu mic-off windows), %.2f h\n", wakes, files[0],
           muted, seconds[0] / 3600.0);
    printf("  confusables: %zu confusable events in %zu files, %.2f h\n", confusables, files[1], seconds[1] / 3600.0);
    printf("  negative audio: %.2f h (speech %.2f h in %zu files, media %.2f h in %zu files with %zu media wakes, "
           "music %.2f h in %zu files, ambient %.2f h in %zu files)\n",
           (seconds[2] + seconds[3] + seconds[4] + seconds[5]) / 3600.0, seconds[2] / 3600.0, files[2],
           seconds[3] / 3600.0, files[3], media_wakes, seconds[4] / 3600.0, files[4], seconds[5] / 3600.0, files[5]);
    wakecert_corpus_free(&corpus);
    return 0;
}

/* `corpus stats`: argv[0] is "stats". Returns the exit code. */
static int command_stats(int argc, char **argv)
{
    if (argc == 2 && is_help(argv[1])) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (argc != 2 || argv[1][0] == '-')
        return usage_error("stats: give one corpus directory%s", "");
    return print_stats(argv[1]);
}

/* `corpus render-soak`: argv[0] is "render-soak". Renders the whole stream in 1 s blocks, hashing it,
 * and reports the speed. Returns the exit code. */
static int command_render_soak(int argc, char **argv)
{
    const char *directory = NULL, *out = NULL;
    double hours = 0.0;
    for (int i = 1; i < argc; i++) {
        if (is_help(argv[i])) {
            fputs(usage_text, stdout);
            return 0;
        } else if (strcmp(argv[i], "--hours") == 0 && i + 1 < argc) {
            hours = atof(argv[++i]);
            if (!(hours > 0))
                return usage_error("render-soak: --hours needs a positive number, not %s", argv[i]);
        } else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
            out = argv[++i];
        } else if (argv[i][0] == '-') {
            return usage_error("render-soak: unknown option %s", argv[i]);
        } else if (!directory) {
            directory = argv[i];
        } else {
            return usage_error("render-soak: unexpected argument %s", argv[i]);
        }
    }
    if (!directory)
        return usage_error("render-soak: which soak pool directory?%s", "");
    char message[1024] = "";
    struct wakecert_soak *soak = NULL;
    struct timespec began, opened, ended;
    clock_gettime(CLOCK_MONOTONIC, &began);
    int status = wakecert_soak_open(directory, hours, &soak, message, sizeof message);
    if (status != 0) {
        fprintf(stderr, "wakecert corpus render-soak: %s\n", message);
        return wakecert_exit_code_for(status);
    }
    clock_gettime(CLOCK_MONOTONIC, &opened);
    float *first_hour = NULL;
    int64_t first_hour_count = 0;
    if (out && !(first_hour = malloc(sizeof(float) * 3600 * 16000))) {
        wakecert_soak_close(soak);
        fprintf(stderr, "wakecert corpus render-soak: out of memory\n");
        return 3;
    }
    static int16_t block[16000];
    struct wakecert_sha256 *hash = wakecert_sha256_begin();
    if (!hash) {
        free(first_hour);
        wakecert_soak_close(soak);
        fprintf(stderr, "wakecert corpus render-soak: out of memory\n");
        return 3;
    }
    double kind_seconds[8] = {0};
    static const char *const kinds[8] = {"negative", "media", "music", "ambient", "confusable", "wake", "", ""};
    int64_t total = 0, count;
    const char *kind = NULL;
    int tty = isatty(STDERR_FILENO);
    while ((count = wakecert_soak_read(soak, block, 16000, &kind)) > 0) {
        wakecert_sha256_update(hash, block, (size_t)count * sizeof block[0]);
        for (int k = 0; k < 6; k++)
            if (kind && strcmp(kind, kinds[k]) == 0)
                kind_seconds[k] += (double)count / 16000.0;
        for (int64_t i = 0; first_hour && i < count && first_hour_count < 3600 * 16000; i++)
            first_hour[first_hour_count++] = (float)(block[i] / 32768.0);
        total += count;
        if (tty && total % (16000LL * 3600 * 5) < count)
            fprintf(stderr, "\rwakecert: soak: %.0f of %.0f h rendered", (double)total / 16000.0 / 3600.0,
                    (double)wakecert_soak_total_samples(soak) / 16000.0 / 3600.0);
    }
    if (tty)
        fputc('\n', stderr);
    clock_gettime(CLOCK_MONOTONIC, &ended);
    char digest[WAKECERT_SHA256_HEX_SIZE];
    wakecert_sha256_finish(hash, digest);
    double load = (double)(opened.tv_sec - began.tv_sec) + (opened.tv_nsec - began.tv_nsec) / 1e9;
    double render = (double)(ended.tv_sec - opened.tv_sec) + (ended.tv_nsec - opened.tv_nsec) / 1e9;
    double audio = (double)total / 16000.0;
    printf("soak stream: %.1f h of audio from a %.2f h pool, rendered in %.2f s (%.0fx real time; pool load %.2f s)\n",
           audio / 3600.0, wakecert_soak_pool_seconds(soak) / 3600.0, render, render > 0 ? audio / render : 0.0, load);
    printf("  by kind: speech %.1f h, media %.1f h, music %.1f h, ambient %.1f h\n", kind_seconds[0] / 3600.0,
           kind_seconds[1] / 3600.0, kind_seconds[2] / 3600.0, kind_seconds[3] / 3600.0);
    printf("  sha256 of the stream's samples: %s\n", digest);
    wakecert_soak_close(soak);
    if (first_hour) {
        status = wakecert_audio_write_wav16(out, first_hour, first_hour_count, message, sizeof message);
        free(first_hour);
        if (status != 0) {
            fprintf(stderr, "wakecert corpus render-soak: %s\n", message);
            return wakecert_exit_code_for(status);
        }
        printf("  first %.0f s written to %s\n", (double)first_hour_count / 16000.0, out);
    }
    return 0;
}

/* `corpus build`: argv[0] is "build". Returns the exit code. */
static int command_build(int argc, char **argv)
{
    const char *recipe = NULL, *out = NULL;
    int verbose = 0;
    for (int i = 1; i < argc; i++) {
        if (is_help(argv[i])) {
            fputs(usage_text, stdout);
            return 0;
        } else if (strcmp(argv[i], "--out") == 0 || strcmp(argv[i], "-o") == 0) {
            if (i + 1 >= argc)
                return usage_error("%s needs a directory", argv[i]);
            out = argv[++i];
        } else if (strncmp(argv[i], "--out=", 6) == 0) {
            out = argv[i] + 6;
        } else if (strcmp(argv[i], "--verbose") == 0 || strcmp(argv[i], "-v") == 0) {
            verbose = 1;
        } else if (strcmp(argv[i], "--jobs") == 0 || strcmp(argv[i], "-j") == 0) {
            if (i + 1 >= argc || atoi(argv[i + 1]) < 1 || atoi(argv[i + 1]) > 8)
                return usage_error("%s needs a worker count from 1 to 8", argv[i]);
            setenv("WAKECERT_CORPUS_JOBS", argv[++i], 1);
        } else if (argv[i][0] == '-') {
            return usage_error("build: unknown option %s", argv[i]);
        } else if (!recipe) {
            recipe = argv[i];
        } else {
            return usage_error("build: unexpected argument %s", argv[i]);
        }
    }
    if (!recipe)
        return usage_error("build: which recipe?%s", "");
    if (!out)
        return usage_error("build: --out DIR is required%s", "");
    char recipe_path[4096];
    resolve_recipe(recipe, recipe_path, sizeof recipe_path);
    if (access(recipe_path, R_OK) != 0)
        return usage_error("build: no recipe %s (`wakecert corpus list` shows the shipped ones)", recipe_path);
    char message[1024] = "";
    struct timespec began, ended;
    clock_gettime(CLOCK_MONOTONIC, &began);
    /* On a terminal, progress is shown even without --verbose (a standard build takes minutes). */
    int status = wakecert_corpus_build(recipe_path, out, verbose || isatty(STDERR_FILENO), message, sizeof message);
    if (status != 0) {
        fprintf(stderr, "wakecert corpus build: %s\n", message);
        return wakecert_exit_code_for(status);
    }
    clock_gettime(CLOCK_MONOTONIC, &ended);
    printf("built %s in %.1f s\n", out, (double)(ended.tv_sec - began.tv_sec) + (ended.tv_nsec - began.tv_nsec) / 1e9);
    return print_stats(out);
}

/* `corpus verify`: argv[0] is "verify". Returns the exit code (1 on a mismatch). */
static int command_verify(int argc, char **argv)
{
    const char *directory = NULL;
    for (int i = 1; i < argc; i++) {
        if (is_help(argv[i])) {
            fputs(usage_text, stdout);
            return 0;
        } else if (argv[i][0] == '-') {
            return usage_error("verify: unknown option %s", argv[i]);
        } else if (!directory) {
            directory = argv[i];
        } else {
            return usage_error("verify: unexpected argument %s", argv[i]);
        }
    }
    if (!directory)
        return usage_error("verify: which directory?%s", "");
    char message[1024] = "";
    /* A manifest that does not load is bad input (2); files that disagree with it are a mismatch (1). */
    struct wakecert_corpus corpus;
    int status = wakecert_corpus_load(directory, &corpus, message, sizeof message);
    if (status != 0) {
        fprintf(stderr, "wakecert corpus verify: %s\n", message);
        return wakecert_exit_code_for(status);
    }
    wakecert_corpus_free(&corpus);
    status = wakecert_corpus_verify(directory, message, sizeof message);
    if (status == WAKECERT_ERROR_FORMAT) {
        fprintf(stderr, "wakecert corpus verify: MISMATCH: %s\n", message);
        return 1;
    }
    if (status != 0) {
        fprintf(stderr, "wakecert corpus verify: %s\n", message);
        return wakecert_exit_code_for(status);
    }
    printf("%s\n", message);
    return 0;
}

/* qsort comparator for an array of C strings. */
static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* `corpus list`: one line per shipped recipe. Returns the exit code. */
static int command_list(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (is_help(argv[i])) {
            fputs(usage_text, stdout);
            return 0;
        }
        return usage_error("list: unexpected argument %s", argv[i]);
    }
    char directory[4096];
    snprintf(directory, sizeof directory, "%s/corpora/recipes", wakecert_data_directory());
    DIR *dir = opendir(directory);
    if (!dir) {
        fprintf(stderr, "wakecert corpus list: cannot open %s\n", directory);
        return 2;
    }
    char *names[256];
    size_t count = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL && count < 256) {
        size_t length = strlen(entry->d_name);
        if (length > 5 && strcmp(entry->d_name + length - 5, ".json") == 0)
            names[count++] = strdup(entry->d_name);
    }
    closedir(dir);
    qsort(names, count, sizeof names[0], compare_names);
    int status = 0;
    for (size_t i = 0; i < count; i++) {
        char path[4096 + 300];
        snprintf(path, sizeof path, "%s/%s", directory, names[i]);
        cJSON *recipe = NULL;
        char message[512] = "";
        if (wakecert_json_load_file(path, &recipe, message, sizeof message) != 0) {
            fprintf(stderr, "wakecert corpus list: %s\n", message);
            status = 2;
        } else {
            const cJSON *files = cJSON_GetObjectItemCaseSensitive(recipe, "files");
            const cJSON *generate = cJSON_GetObjectItemCaseSensitive(recipe, "generate");
            int generated = 0;
            const cJSON *block;
            cJSON_ArrayForEach(block, generate) generated += (int)wakecert_json_number(block, "files", 0);
            const char *description = wakecert_json_string(recipe, "description");
            printf("%-12.*s %4d files  %s\n", (int)(strlen(names[i]) - 5), names[i],
                   cJSON_GetArraySize(files) + generated, description ? description : "");
            cJSON_Delete(recipe);
        }
        free(names[i]);
    }
    return status;
}

int wakecert_corpus_main(int argc, char **argv)
{
    if (argc < 2 || is_help(argv[1])) {
        fputs(usage_text, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "build") == 0)
        return command_build(argc - 1, argv + 1);
    if (strcmp(argv[1], "verify") == 0)
        return command_verify(argc - 1, argv + 1);
    if (strcmp(argv[1], "list") == 0)
        return command_list(argc - 1, argv + 1);
    if (strcmp(argv[1], "stats") == 0)
        return command_stats(argc - 1, argv + 1);
    if (strcmp(argv[1], "render-soak") == 0)
        return command_render_soak(argc - 1, argv + 1);
    return usage_error("unknown subcommand %s (build, verify, list, stats, render-soak)", argv[1]);
}
