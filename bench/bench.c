/*
 * `wakecert bench`: option parsing, pinning to one core, running the chosen groups and writing the
 * "wakecert-bench/1" JSON document:
 *   {schema, machine: {cpu_model, cores, kernel_level}, revision, compiler, flags,
 *    inputs: {frontend_seconds, stream_seconds, repetitions},
 *    benchmarks: [{name, unit, better ("lower"|"higher"), median, min, max, repetitions (timed ones),
 *                  instructions, instructions_per (when measured by bench/measure)}]}
 * Pinning uses sched_setaffinity on the core that was idlest over the 100 ms before the run (from
 * /proc/stat; the machine is a 2-vCPU VM shared with other work, and a core already running a busy
 * process halves what is measured), so the timed loops are not migrated mid-measurement; a failure to
 * pin is reported and the run continues.
 *
 * Timings on such a machine move by up to 2x from minute to minute, which is why every timed figure
 * carries its spread and why the CI gate compares instruction counts instead: under callgrind
 * (--callgrind, driven by bench/measure) each benchmark runs once with collection switched on around
 * its measured loop only, and the counts repeat exactly from run to run.
 *
 * `wakecert bench compare` and `wakecert bench history` are dispatched from here too (compare.c,
 * history.c), so they work from the standalone wakecert-bench as well as from the main CLI.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <cjson/cJSON.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_internal.h"
#include "cpu.h"
#include "error.h"
#include "json.h"

#ifndef WAKECERT_BENCH_REVISION
#define WAKECERT_BENCH_REVISION "unknown"
#endif
#ifndef WAKECERT_BENCH_FLAGS
#define WAKECERT_BENCH_FLAGS ""
#endif

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

struct bench_result *bench_add(struct bench_results *results, const char *name, const char *unit, double *values,
                               int count)
{
    if (results->count >= BENCH_MAX_RESULTS || count < 1)
        return NULL;
    struct bench_result *result = &results->items[results->count++];
    memset(result, 0, sizeof *result);
    qsort(values, (size_t)count, sizeof *values, compare_doubles);
    snprintf(result->name, sizeof result->name, "%s", name);
    snprintf(result->unit, sizeof result->unit, "%s", unit);
    snprintf(result->better, sizeof result->better, "lower");
    result->min = values[0];
    result->max = values[count - 1];
    result->median = count % 2 ? values[count / 2] : 0.5 * (values[count / 2 - 1] + values[count / 2]);
    result->repetitions = count;
    result->instructions = -1.0;
    return result;
}

struct bench_result *bench_add_higher(struct bench_results *results, const char *name, const char *unit,
                                      double *values, int count)
{
    struct bench_result *result = bench_add(results, name, unit, values, count);
    if (result)
        snprintf(result->better, sizeof result->better, "higher");
    return result;
}

double bench_now_ns(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec * 1e9 + (double)now.tv_nsec;
}

double bench_thread_cpu_seconds(void)
{
    struct timespec now;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return (double)now.tv_sec + (double)now.tv_nsec * 1e-9;
}

void bench_callgrind_part(const char *name, double divisor, const char *per)
{
    static int part = 0;
    CALLGRIND_DUMP_STATS_AT(name);
    printf("callgrind-part %d %s %.17g %s\n", ++part, name, divisor, per);
    fflush(stdout);
}

void bench_inject(const struct bench_options *options, long units)
{
    for (long i = 0; i < units * options->inject_work; i++)
        __asm__ volatile("" : : "r"(i) : "memory");
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: wakecert bench [--only GROUP[,GROUP]] [--engine PLUGIN]... [--json FILE] [--repetitions N]\n"
            "                      [--seconds N] [--stream-seconds N] [--callgrind [--callgrind-seconds N]]\n"
            "       wakecert bench compare BASE.json NEW.json [--max-regression 2%%] [--markdown FILE]\n"
            "       wakecert bench history [--append RESULT.json [--revision REV]] [--plot OUT.png] [--history FILE]\n"
            "groups (default: all):\n"
            "  frontend   MFCC front end per kernel level and per stage, FFTW r2c alone, sphinxbase (ns/frame)\n"
            "  model      the classifier's per-frame inference per kernel level (ns/frame)\n"
            "  gate       the stream gate with scripted wakes, no detector (ns per second of audio)\n"
            "  engine     each engine through the ABI on the fixed stream: CPU s per s of audio, peak heap,\n"
            "             allocations in the per-frame path (the reference, plus every --engine PLUGIN)\n"
            "  harness    hours of audio certified per wall second (in-process, child isolation, with the\n"
            "             engine checks) and the harness's overhead over calling the engine directly\n"
            "  retention  the randomized 4-year, 2000-account retention scenario against the reference store\n"
            "             (wall and CPU seconds; not measured under --callgrind)\n"
            "options:\n"
            "  --engine PLUGIN       also benchmark this engine plugin (.so) in the engine group (repeatable)\n"
            "  --json FILE           write the results as a wakecert-bench/1 JSON document\n"
            "  --repetitions N       timed repetitions per measurement (default 5; medians and spread)\n"
            "  --seconds N           audio per repetition for frontend/model (default 60)\n"
            "  --stream-seconds N    length of the fixed stream for engine/harness (default 600, at most 600)\n"
            "  --callgrind           one instrumented pass per benchmark (run under valgrind by bench/measure)\n"
            "  --callgrind-seconds N audio for the engine/gate/harness instrumented passes (default 20)\n"
            "  --no-run              run nothing: write only the machine and build facts (for bench/measure)\n"
            "exit status: 0 done, 2 bad usage or unwritable output, 3 internal error\n");
}

static int write_json(const char *path, const struct bench_options *options, const struct bench_results *results,
                      char *message, size_t message_size)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "schema", "wakecert-bench/1");
    cJSON *machine = cJSON_AddObjectToObject(root, "machine");
    cJSON_AddStringToObject(machine, "cpu_model", wakecert_cpu_model());
    cJSON_AddNumberToObject(machine, "cores", (double)sysconf(_SC_NPROCESSORS_ONLN));
    cJSON_AddStringToObject(machine, "kernel_level", wakecert_cpu_level_name(wakecert_cpu_level()));
    cJSON_AddStringToObject(root, "revision", WAKECERT_BENCH_REVISION);
    cJSON_AddStringToObject(root, "compiler", "gcc " __VERSION__);
    cJSON_AddStringToObject(root, "flags", WAKECERT_BENCH_FLAGS);
    cJSON *inputs = cJSON_AddObjectToObject(root, "inputs");
    cJSON_AddNumberToObject(inputs, "frontend_seconds", options->seconds);
    cJSON_AddNumberToObject(inputs, "stream_seconds", options->stream_seconds);
    cJSON_AddNumberToObject(inputs, "repetitions", options->repetitions);
    cJSON *list = cJSON_AddArrayToObject(root, "benchmarks");
    for (int i = 0; i < results->count; i++) {
        const struct bench_result *result = &results->items[i];
        cJSON *item = cJSON_CreateObject();
        cJSON_AddStringToObject(item, "name", result->name);
        cJSON_AddStringToObject(item, "unit", result->unit);
        cJSON_AddStringToObject(item, "better", result->better[0] ? result->better : "lower");
        if (result->repetitions > 0) {
            cJSON_AddNumberToObject(item, "median", result->median);
            cJSON_AddNumberToObject(item, "min", result->min);
            cJSON_AddNumberToObject(item, "max", result->max);
            cJSON_AddNumberToObject(item, "repetitions", result->repetitions);
        }
        if (result->instructions >= 0) {
            cJSON_AddNumberToObject(item, "instructions", result->instructions);
            cJSON_AddStringToObject(item, "instructions_per", result->per);
        }
        cJSON_AddItemToArray(list, item);
    }
    int status = wakecert_json_write_file(path, root, message, message_size);
    cJSON_Delete(root);
    return status;
}

/* Idle ticks of every cpuN line of /proc/stat into idle[N] (N < count); returns 0 or -1. */
static int read_idle_ticks(unsigned long long *idle, int count)
{
    FILE *stat = fopen("/proc/stat", "r");
    if (!stat)
        return -1;
    char line[512];
    while (fgets(line, sizeof line, stat)) {
        int cpu;
        unsigned long long user, nice, system, idle_ticks;
        if (sscanf(line, "cpu%d %llu %llu %llu %llu", &cpu, &user, &nice, &system, &idle_ticks) == 5 && cpu >= 0 &&
            cpu < count)
            idle[cpu] = idle_ticks;
    }
    fclose(stat);
    return 0;
}

/* The allowed core that was idlest over the next 100 ms, or the current core if that cannot be read. */
static int idlest_core(void)
{
    enum { MAX_CORES = 256 };
    static unsigned long long before[MAX_CORES], after[MAX_CORES];
    int current = sched_getcpu();
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0 || read_idle_ticks(before, MAX_CORES) != 0)
        return current;
    struct timespec pause = {0, 100000000};
    nanosleep(&pause, NULL);
    if (read_idle_ticks(after, MAX_CORES) != 0)
        return current;
    int best = current;
    unsigned long long best_idle = 0;
    for (int cpu = 0; cpu < MAX_CORES; cpu++) {
        if (!CPU_ISSET(cpu, &allowed))
            continue;
        unsigned long long idle = after[cpu] - before[cpu];
        if (best < 0 || idle > best_idle || (idle == best_idle && cpu == current)) {
            best = cpu;
            best_idle = idle;
        }
    }
    return best;
}


/* Parse a positive number; returns 0 or -1. */
static int parse_positive(const char *text, double *out)
{
    char *end = NULL;
    double value = strtod(text, &end);
    if (!end || *end != '\0' || !(value > 0))
        return -1;
    *out = value;
    return 0;
}

enum { GROUP_FRONTEND, GROUP_MODEL, GROUP_GATE, GROUP_ENGINE, GROUP_HARNESS, GROUP_RETENTION, GROUP_COUNT };
static const char *const group_names[GROUP_COUNT] = {"frontend", "model", "gate", "engine", "harness", "retention"};
static int (*const group_functions[GROUP_COUNT])(const struct bench_options *, struct bench_results *, char *,
                                                 size_t) = {bench_frontend, bench_model,   bench_gate,
                                                            bench_engine,   bench_harness, bench_retention};

/* Mark the groups named in a comma-separated list; returns 0, or -1 naming the unknown one on stderr. */
static int select_groups(const char *list, bool *selected)
{
    char copy[256];
    snprintf(copy, sizeof copy, "%s", list);
    for (char *save = NULL, *name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
        int found = -1;
        for (int g = 0; g < GROUP_COUNT; g++)
            if (strcmp(name, group_names[g]) == 0)
                found = g;
        if (found < 0) {
            fprintf(stderr,
                    "wakecert bench: unknown group '%s' (known: frontend, model, gate, engine, harness, retention)\n",
                    name);
            return -1;
        }
        selected[found] = true;
    }
    return 0;
}

int wakecert_bench_main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "compare") == 0)
        return wakecert_compare_main(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "history") == 0)
        return wakecert_bench_history_main(argc - 1, argv + 1);
    struct bench_options options = {.seconds = 60.0, .repetitions = 5, .callgrind_seconds = 20.0,
                                    .stream_seconds = 600.0};
    const char *inject = getenv("WAKECERT_BENCH_INJECT_REGRESSION");
    if (inject && *inject)
        options.inject_work = strtol(inject, NULL, 10);
    bool selected[GROUP_COUNT] = {false}, any_selected = false, no_run = false;
    const char *json_path = NULL;
    for (int i = 1; i < argc; i++) {
        const char *argument = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        double number = 0;
        if (strcmp(argument, "--help") == 0 || strcmp(argument, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argument, "--callgrind") == 0) {
            options.callgrind = 1;
        } else if (strcmp(argument, "--no-run") == 0) {
            no_run = true;
        } else if (strcmp(argument, "--only") == 0 && value) {
            if (select_groups(value, selected) != 0)
                return 2;
            any_selected = true;
            i++;
        } else if (strcmp(argument, "--engine") == 0 && value) {
            if (options.engine_count == BENCH_MAX_ENGINES) {
                fprintf(stderr, "wakecert bench: at most %d --engine plugins\n", BENCH_MAX_ENGINES);
                return 2;
            }
            options.engines[options.engine_count++] = value;
            i++;
        } else if (strcmp(argument, "--json") == 0 && value) {
            json_path = value;
            i++;
        } else if (strcmp(argument, "--seconds") == 0 && value && parse_positive(value, &number) == 0 && number >= 0.1) {
            options.seconds = number;
            i++;
        } else if (strcmp(argument, "--stream-seconds") == 0 && value && parse_positive(value, &number) == 0 &&
                   number >= 1 && number <= 600) {
            options.stream_seconds = number;
            i++;
        } else if (strcmp(argument, "--callgrind-seconds") == 0 && value && parse_positive(value, &number) == 0 &&
                   number >= 1 && number <= 600) {
            options.callgrind_seconds = number;
            i++;
        } else if (strcmp(argument, "--repetitions") == 0 && value && parse_positive(value, &number) == 0 &&
                   number == (int)number && number <= 1000) {
            options.repetitions = (int)number;
            i++;
        } else {
            fprintf(stderr, "wakecert bench: bad argument '%s'%s\n", argument,
                    value || argument[0] != '-' ? "" : " (missing value?)");
            usage(stderr);
            return 2;
        }
    }
    if (no_run)
        any_selected = true; /* nothing selected: the document holds the machine and build only */
    if (!any_selected)
        for (int g = 0; g < GROUP_COUNT; g++)
            selected[g] = true;

    int cpu = options.callgrind ? sched_getcpu() : idlest_core();
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu >= 0 ? cpu : 0, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0)
        fprintf(stderr, "wakecert bench: could not pin to core %d; timings may be noisier\n", cpu);

    static struct bench_results results;
    results.count = 0;
    char message[1024] = "";
    for (int g = 0; g < GROUP_COUNT; g++) {
        if (!selected[g])
            continue;
        int status = group_functions[g](&options, &results, message, sizeof message);
        if (status != 0) {
            fprintf(stderr, "wakecert bench: %s: %s\n", group_names[g], message);
            return wakecert_exit_code_for(status);
        }
    }
    if (options.callgrind)
        return 0;
    printf("%-52s %14s %14s %14s  %s\n", "benchmark", "median", "min", "max", "unit");
    for (int i = 0; i < results.count; i++) {
        const struct bench_result *result = &results.items[i];
        printf("%-52s %14.6g %14.6g %14.6g  %s\n", result->name, result->median, result->min, result->max,
               result->unit);
    }
    if (json_path) {
        int status = write_json(json_path, &options, &results, message, sizeof message);
        if (status != 0) {
            fprintf(stderr, "wakecert bench: %s\n", message);
            return 2;
        }
    }
    return 0;
}
