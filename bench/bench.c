/*
 * `wakecert bench`: option parsing, pinning to one core, running the chosen groups and writing the
 * "wakecert-bench/1" JSON document:
 *   {schema, machine: {cpu_model, cores, kernel_level}, revision, compiler, flags,
 *    benchmarks: [{name, unit, median, min, max, repetitions, instructions (when measured)}]}
 * Pinning uses sched_setaffinity on the core that was idlest over the 100 ms before the run (from
 * /proc/stat; the machine is a 2-vCPU VM shared with other work, and a core already running a busy
 * process halves what is measured), so the timed loops are not migrated mid-measurement; a failure to
 * pin is reported and the run continues.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <cjson/cJSON.h>
#include <sched.h>
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

void bench_add(struct bench_results *results, const char *name, const char *unit, double *values, int count)
{
    if (results->count >= BENCH_MAX_RESULTS || count < 1)
        return;
    struct bench_result *result = &results->items[results->count++];
    qsort(values, (size_t)count, sizeof *values, compare_doubles);
    snprintf(result->name, sizeof result->name, "%s", name);
    snprintf(result->unit, sizeof result->unit, "%s", unit);
    result->min = values[0];
    result->max = values[count - 1];
    result->median = count % 2 ? values[count / 2] : 0.5 * (values[count / 2 - 1] + values[count / 2]);
    result->repetitions = count;
    result->instructions = -1.0;
}

double bench_now_ns(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec * 1e9 + (double)now.tv_nsec;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: wakecert bench [--only GROUP] [--json FILE] [--seconds N] [--repetitions N] [--callgrind]\n"
                 "  --only GROUP       run one group: frontend (the only group so far; the default runs all)\n"
                 "  --json FILE        also write the results as a wakecert-bench/1 JSON document\n"
                 "  --seconds N        seconds of audio per repetition (default 60, at least 0.1)\n"
                 "  --repetitions N    repetitions per measurement (default 5)\n"
                 "  --callgrind        one pass of the front end with callgrind collection toggled around it\n"
                 "                     (used by bench/callgrind-frontend; prints the frame count)\n");
}

static int write_json(const char *path, const struct bench_results *results, char *message, size_t message_size)
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
    cJSON *list = cJSON_AddArrayToObject(root, "benchmarks");
    for (int i = 0; i < results->count; i++) {
        const struct bench_result *result = &results->items[i];
        cJSON *item = cJSON_CreateObject();
        cJSON_AddStringToObject(item, "name", result->name);
        cJSON_AddStringToObject(item, "unit", result->unit);
        cJSON_AddNumberToObject(item, "median", result->median);
        cJSON_AddNumberToObject(item, "min", result->min);
        cJSON_AddNumberToObject(item, "max", result->max);
        cJSON_AddNumberToObject(item, "repetitions", result->repetitions);
        if (result->instructions >= 0)
            cJSON_AddNumberToObject(item, "instructions", result->instructions);
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

int wakecert_bench_main(int argc, char **argv)
{
    struct bench_options options = {60.0, 5, 0};
    const char *only = NULL, *json_path = NULL;
    for (int i = 1; i < argc; i++) {
        const char *argument = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        double number = 0;
        if (strcmp(argument, "--help") == 0 || strcmp(argument, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argument, "--callgrind") == 0) {
            options.callgrind = 1;
        } else if (strcmp(argument, "--only") == 0 && value) {
            only = value;
            i++;
        } else if (strcmp(argument, "--json") == 0 && value) {
            json_path = value;
            i++;
        } else if (strcmp(argument, "--seconds") == 0 && value && parse_positive(value, &number) == 0 && number >= 0.1) {
            options.seconds = number;
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
    if (only && strcmp(only, "frontend") != 0) {
        fprintf(stderr, "wakecert bench: unknown group '%s' (known: frontend)\n", only);
        return 2;
    }

    int cpu = options.callgrind ? sched_getcpu() : idlest_core();
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu >= 0 ? cpu : 0, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0)
        fprintf(stderr, "wakecert bench: could not pin to core %d; timings may be noisier\n", cpu);

    static struct bench_results results;
    results.count = 0;
    char message[512] = "";
    int status = bench_frontend(&options, &results, message, sizeof message);
    if (status != 0) {
        fprintf(stderr, "wakecert bench: %s\n", message);
        return wakecert_exit_code_for(status);
    }
    if (options.callgrind)
        return 0;
    printf("%-44s %12s %12s %12s  %s\n", "benchmark", "median", "min", "max", "unit");
    for (int i = 0; i < results.count; i++) {
        const struct bench_result *result = &results.items[i];
        printf("%-44s %12.2f %12.2f %12.2f  %s\n", result->name, result->median, result->min, result->max,
               result->unit);
    }
    if (json_path) {
        status = write_json(json_path, &results, message, sizeof message);
        if (status != 0) {
            fprintf(stderr, "wakecert bench: %s\n", message);
            return 2;
        }
    }
    return 0;
}
