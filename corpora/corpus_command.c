/*
 * `wakecert corpus ...`: the command-line face of corpora/.
 *
 *   corpus build RECIPE|NAME --out DIR [--verbose]   build a recipe (a .json path, or the name of a
 *                                                    shipped recipe) into DIR, atomically
 *   corpus verify DIR                                 check every file against DIR/manifest.json
 *   corpus list                                       the shipped recipes, one line each
 *
 * Exit codes follow the rest of wakecert: 0 ok, 1 verification found a mismatch (the corpus is not
 * what its manifest says), 2 bad usage or input, 3 internal error. Messages go to stderr and name the
 * file at fault; normal output (list, verify's summary) goes to stdout.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "corpus.h"
#include "corpus_command.h"
#include "corpus_internal.h"
#include "error.h"
#include "files.h"
#include "json.h"

static const char usage_text[] =
    "usage: wakecert corpus build RECIPE|NAME --out DIR [--verbose]\n"
    "       wakecert corpus verify DIR\n"
    "       wakecert corpus list\n"
    "\n"
    "  build   synthesize a corpus from a recipe (a .json file, or the name of a shipped recipe such as\n"
    "          \"smoke\") into DIR; DIR must not exist or be empty. The same recipe gives the same bytes.\n"
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
    int status = wakecert_corpus_build(recipe_path, out, verbose, message, sizeof message);
    if (status != 0) {
        fprintf(stderr, "wakecert corpus build: %s\n", message);
        return wakecert_exit_code_for(status);
    }
    printf("built %s\n", out);
    return 0;
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
            const char *description = wakecert_json_string(recipe, "description");
            printf("%-12.*s %3d files  %s\n", (int)(strlen(names[i]) - 5), names[i], cJSON_GetArraySize(files),
                   description ? description : "");
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
    return usage_error("unknown subcommand %s (build, verify, list)", argv[1]);
}
