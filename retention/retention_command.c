/*
 * The retention command line (see retention_command.h). Parsing is by hand, option by option, so every
 * message can say which option was wrong; every subcommand answers --help.
 */
#define _POSIX_C_SOURCE 200809L
#include "retention_command.h"

#include "retention_certify.h"
#include "error.h"
#include "files.h"
#include "results.h"
#include "scenario.h"
#include "store_adapter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage_text[] =
    "usage: wakecert retention certify --store ref|PATH.so|exec:CMD [--scenario FILE|DIR|all]\n"
    "                                  [--random-seed N [--random-accounts N]] [--grace-hours H]\n"
    "                                  [--out DIR] [--synchronous full|normal] [--verbose]\n"
    "       wakecert retention serve --store ref|PATH.so\n"
    "\n"
    "certify  replay retention scenarios into a voice-history store, audit it against the oracle and\n"
    "         write results.json, junit.xml and summary.md (default --out ./wakecert-out/retention-<UTC time>).\n"
    "         --scenario all (the default unless only --random-seed is given) runs the shipped scenarios;\n"
    "         --random-seed adds the randomized 4-year scenario (--random-accounts, default 2000).\n"
    "         Grace: an item is on time if gone by its deadline + H hours (default 24).\n"
    "serve    serve a store table over the exec: JSON-lines protocol on stdin/stdout\n"
    "         (so `--store 'exec:wakecert retention serve --store ref'` runs the reference as a subprocess).\n"
    "\n"
    "exit: 0 all pass, 1 some requirement fails, 2 bad usage or input, 3 internal error.\n";

static int usage_error(const char *format, const char *detail)
{
    fprintf(stderr, "wakecert retention: ");
    fprintf(stderr, format, detail);
    fprintf(stderr, "\n(see wakecert retention --help)\n");
    return 2;
}

static int parse_number(const char *text, double low, double high, double *out)
{
    char *end = NULL;
    double value = text ? strtod(text, &end) : 0;
    if (!text || end == text || *end || value < low || value > high)
        return -1;
    *out = value;
    return 0;
}

static int serve_main(int argc, char **argv)
{
    const char *store_spec = "ref";
    const char *synchronous = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage_text, stdout);
            return 0;
        } else if (strcmp(argv[i], "--store") == 0 && i + 1 < argc) {
            store_spec = argv[++i];
        } else if (strcmp(argv[i], "--synchronous") == 0 && i + 1 < argc) {
            synchronous = argv[++i];
        } else {
            return usage_error("serve: unknown or incomplete option %s", argv[i]);
        }
    }
    if (strncmp(store_spec, "exec:", 5) == 0)
        return usage_error("serve: --store %s: serving an exec: store is pointless", store_spec);
    struct store_handle handle;
    char message[1024];
    int status = store_handle_load(store_spec, &handle, message, sizeof message);
    if (status) {
        fprintf(stderr, "wakecert retention serve: %s\n", message);
        return wakecert_exit_code_for(status);
    }
    char extra[128] = "";
    if (synchronous)
        snprintf(extra, sizeof extra, "\"synchronous\":\"%s\"", synchronous);
    status = store_serve(handle.table, extra, stdin, stdout);
    store_handle_unload(&handle);
    return status ? 3 : 0;
}

static void free_paths(char **paths, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(paths[i]);
    free(paths);
}

static int certify_main(int argc, char **argv)
{
    struct retention_options options = {0};
    options.grace_hours = 24;
    options.random_accounts = 2000;
    const char *scenario = NULL, *out = NULL, *synchronous = NULL;
    for (int i = 1; i < argc; i++) {
        const char *option = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        double number;
        if (strcmp(option, "--help") == 0 || strcmp(option, "-h") == 0) {
            fputs(usage_text, stdout);
            return 0;
        } else if (strcmp(option, "--verbose") == 0) {
            options.verbose = 1;
            continue;
        }
        if (!value)
            return usage_error("certify: %s needs a value", option);
        i++;
        if (strcmp(option, "--store") == 0) {
            options.store = value;
        } else if (strcmp(option, "--scenario") == 0) {
            scenario = value;
        } else if (strcmp(option, "--out") == 0) {
            out = value;
        } else if (strcmp(option, "--synchronous") == 0) {
            if (strcmp(value, "full") && strcmp(value, "normal"))
                return usage_error("certify: --synchronous %s: must be full or normal", value);
            synchronous = value;
        } else if (strcmp(option, "--random-seed") == 0) {
            if (parse_number(value, 0, 1e18, &number))
                return usage_error("certify: --random-seed %s: not a non-negative integer", value);
            options.use_random = 1;
            options.random_seed = (uint64_t)number;
        } else if (strcmp(option, "--random-accounts") == 0) {
            if (parse_number(value, 1, 1000000, &number))
                return usage_error("certify: --random-accounts %s: not a number from 1 to 1000000", value);
            options.random_accounts = (int)number;
        } else if (strcmp(option, "--grace-hours") == 0) {
            if (parse_number(value, 0, 24 * 366, &number))
                return usage_error("certify: --grace-hours %s: not a number of hours from 0 to 8784", value);
            options.grace_hours = number;
        } else {
            return usage_error("certify: unknown option %s", option);
        }
    }
    if (!options.store)
        return usage_error("certify: --store is required (%s)", "ref, PATH.so or exec:CMD");
    char **paths = NULL;
    size_t count = 0;
    char message[2048] = "";
    if (!scenario && !options.use_random)
        scenario = "all";
    if (scenario) {
        char directory[4096];
        if (strcmp(scenario, "all") == 0) {
            snprintf(directory, sizeof directory, "%s/retention/scenarios", wakecert_data_directory());
            scenario = directory;
        }
        if (wakecert_is_directory(scenario)) {
            int found = scenario_list_directory(scenario, &paths, message, sizeof message);
            if (found <= 0) {
                fprintf(stderr, "wakecert retention: %s\n", found < 0 ? message : "no *.json scenarios found");
                if (found == 0)
                    fprintf(stderr, "  in %s\n", scenario);
                return 2;
            }
            count = (size_t)found;
            options.scenario_set_name = "all";
        } else {
            paths = malloc(sizeof *paths);
            paths[0] = strdup(scenario);
            count = 1;
            const char *base = strrchr(scenario, '/');
            options.scenario_set_name = base ? base + 1 : scenario;
        }
    } else {
        options.scenario_set_name = "random";
    }
    options.scenario_paths = paths;
    options.scenario_count = count;
    char extra[128] = "";
    if (synchronous) {
        snprintf(extra, sizeof extra, "\"synchronous\":\"%s\"", synchronous);
        options.store_config = extra;
    }
    char default_out[256];
    if (!out) {
        time_t now = time(NULL);
        struct tm utc;
        gmtime_r(&now, &utc);
        strftime(default_out, sizeof default_out, "wakecert-out/retention-%Y%m%dT%H%M%SZ", &utc);
        out = default_out;
    }
    struct wakecert_results results;
    int status = retention_certify(&options, &results, message, sizeof message);
    free_paths(paths, count);
    if (status) {
        fprintf(stderr, "wakecert retention: %s\n", message);
        wakecert_results_free(&results);
        return wakecert_exit_code_for(status);
    }
    status = wakecert_make_directories(out, message, sizeof message);
    if (status == 0)
        status = wakecert_results_write(&results, out, message, sizeof message);
    wakecert_results_print_table(&results, stdout);
    if (status) {
        fprintf(stderr, "wakecert retention: %s\n", message);
        wakecert_results_free(&results);
        return wakecert_exit_code_for(status);
    }
    printf("results: %s/results.json (%.2f s)\n", out, results.wall_seconds);
    int code = wakecert_results_exit_code(&results);
    for (size_t i = 0; i < results.requirement_count; i++)
        if (results.requirements[i].status == WAKECERT_STATUS_INTERNAL_ERROR)
            code = 3;
    wakecert_results_free(&results);
    return code;
}

int wakecert_retention_main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        fputs(usage_text, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "certify") == 0)
        return certify_main(argc - 1, argv + 1);
    if (strcmp(argv[1], "serve") == 0)
        return serve_main(argc - 1, argv + 1);
    return usage_error("unknown subcommand \"%s\" (certify, serve)", argv[1]);
}
