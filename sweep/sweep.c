/*
 * `wakecert sweep` (see sweep.h). Each sensitivity is one harness run (main pass only: the engine
 * checks are certify's business) into DIR/s<sensitivity>/trace.jsonl, scored here from the trace
 * alone, with the hit rule of the README: a detection is a hit on a labelled wake word if reported at
 * a sample in [start, end + 0.5 s]; a detection within 1 s after the previous one is a duplicate and
 * counts neither way; wake words inside microphone-off windows are not positives, and detections
 * there are not false wakes. (conformance/scorer.c applies the same rule for certification; this
 * copy exists because the sweep needs the raw counts per point, not pass/fail verdicts.)
 *
 * Operating points are read off the measured curve conservatively: the miss rate at R false wakes
 * per hour is the lowest false reject rate among the swept points whose false-wake rate is at or
 * under R (no interpolation, so a claimed point was actually measured). With an hour of negative
 * audio a single false wake is already 1/h, so on small corpora both AVS-style points reduce to "the
 * best point with no false wake at all"; the summary says how much audio stands behind them.
 */
#define _POSIX_C_SOURCE 200809L
#include "sweep.h"

#include "corpus.h"
#include "engine_loader.h"
#include "error.h"
#include "files.h"
#include "json.h"
#include "runner.h"
#include "trace.h"

#include <cjson/cJSON.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HIT_TAIL 8000       /* 0.5 s after the labelled end */
#define DUPLICATE 16000     /* 1 s after a detection */
#define MAX_POINTS 32

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double percentile(double *values, int count, double p)
{
    if (count == 0)
        return 0;
    qsort(values, (size_t)count, sizeof *values, compare_doubles);
    int index = (int)ceil(p * count) - 1;
    return values[index < 0 ? 0 : index >= count ? count - 1 : index];
}

static bool inside_mic_off(const struct trace_file *file, int64_t sample)
{
    for (size_t l = 0; l < file->label_count; l++)
        if (file->labels[l].type == WAKECERT_EVENT_MIC_OFF && sample >= file->labels[l].start &&
            sample < file->labels[l].end)
            return true;
    return false;
}

static int condition_slot(struct sweep_point *point, const char *condition)
{
    for (int c = 0; c < point->condition_count; c++)
        if (strcmp(point->condition[c], condition) == 0)
            return c;
    if (point->condition_count == 16)
        return 15;
    snprintf(point->condition[point->condition_count], sizeof point->condition[0], "%s", condition);
    return point->condition_count++;
}

int sweep_score_trace(const char *trace_path, struct sweep_point *point, char *message, size_t message_size)
{
    struct trace trace;
    int status = trace_read(trace_path, &trace, message, message_size);
    if (status)
        return status;
    trace_keep_pass(&trace, "main");
    double sensitivity = point->sensitivity;
    memset(point, 0, sizeof *point);
    point->sensitivity = sensitivity;
    size_t latency_capacity = 64, latency_count = 0;
    double *latencies = malloc(latency_capacity * sizeof *latencies);
    int64_t samples = 0;
    for (size_t f = 0; f < trace.file_count && latencies; f++) {
        const struct trace_file *file = &trace.files[f];
        samples += file->samples;
        int slot = condition_slot(point, file->condition);
        /* de-duplicated detections */
        int64_t last = INT64_MIN / 2;
        for (size_t e = 0; e < file->event_count; e++) {
            const struct trace_event *event = &file->events[e];
            if (event->type != TRACE_WAKE)
                continue;
            bool duplicate = event->sample - last < DUPLICATE;
            last = event->sample;
            if (duplicate || inside_mic_off(file, event->sample))
                continue;
            bool hit = false, confusable = false;
            for (size_t l = 0; l < file->label_count; l++) {
                const struct wakecert_corpus_event *label = &file->labels[l];
                bool inside = event->sample >= label->start && event->sample <= label->end + HIT_TAIL;
                if (label->type == WAKECERT_EVENT_WAKE && inside && !inside_mic_off(file, label->start))
                    hit = true;
                if (label->type == WAKECERT_EVENT_CONFUSABLE && inside)
                    confusable = true;
            }
            if (!hit)
                point->false_wakes++;
            if (!hit && confusable)
                point->confusable_wakes++;
        }
        for (size_t l = 0; l < file->label_count; l++) {
            const struct wakecert_corpus_event *label = &file->labels[l];
            if (label->type == WAKECERT_EVENT_CONFUSABLE)
                point->confusables++;
            if (label->type != WAKECERT_EVENT_WAKE || inside_mic_off(file, label->start))
                continue;
            point->positives++;
            point->condition_positives[slot]++;
            int64_t previous = INT64_MIN / 2;
            for (size_t e = 0; e < file->event_count; e++) {
                const struct trace_event *event = &file->events[e];
                if (event->type != TRACE_WAKE)
                    continue;
                bool duplicate = event->sample - previous < DUPLICATE;
                previous = event->sample;
                if (duplicate || event->sample < label->start || event->sample > label->end + HIT_TAIL)
                    continue;
                point->hits++;
                point->condition_hits[slot]++;
                if (latency_count == latency_capacity) {
                    latency_capacity *= 2;
                    double *grown = realloc(latencies, latency_capacity * sizeof *grown);
                    if (!grown)
                        break;
                    latencies = grown;
                }
                latencies[latency_count++] = (double)(event->sample - label->end) * 1000.0 / 16000.0;
                if (llabs(event->start - label->start) <= 1600)
                    point->index_within_100ms++;
                break;
            }
        }
    }
    for (size_t p = 0; p < trace.pass_count; p++)
        if (strcmp(trace.passes[p].name, "main") == 0)
            point->engine_seconds = trace.passes[p].engine_seconds;
    trace_free(&trace);
    if (!latencies)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
    point->audio_hours = (double)samples / 16000.0 / 3600.0;
    point->false_reject_rate = point->positives ? 1.0 - (double)point->hits / point->positives : 0;
    point->false_wakes_per_hour = point->audio_hours > 0 ? point->false_wakes / point->audio_hours : 0;
    point->latency_max_ms = latency_count ? percentile(latencies, (int)latency_count, 1.0) : 0;
    point->latency_p95_ms = percentile(latencies, (int)latency_count, 0.95);
    point->latency_p50_ms = percentile(latencies, (int)latency_count, 0.5);
    free(latencies);
    return 0;
}

double sweep_miss_rate_at(const struct sweep_point *points, size_t count, double per_hour)
{
    double best = 1.0;
    for (size_t i = 0; i < count; i++)
        if (points[i].false_wakes_per_hour <= per_hour + 1e-12 && points[i].false_reject_rate < best)
            best = points[i].false_reject_rate;
    return best;
}

static const char sweep_usage[] =
    "usage: wakecert sweep --sensitivities S1,S2,... --out DIR [--engine PATH|ref] [--corpus NAME|DIR]\n"
    "                      [--engine-config JSON|@FILE] [--chunk N] [--quiet]\n"
    "\n"
    "Run an engine over a corpus once per sensitivity (the engine configuration's \"sensitivity\" key)\n"
    "and write the DET curve (false reject rate vs false wakes per hour) and operating points:\n"
    "DIR/det.csv, DIR/conditions.csv, DIR/operating_points.json, DIR/summary.md, DIR/s<S>/trace.jsonl.\n"
    "Defaults: --engine ref, --corpus smoke, --chunk 160.\n"
    "exit status: 0 written, 2 bad usage or input, 3 internal error\n";

static int write_outputs(const char *out, const char *engine_name, const char *corpus_name, struct sweep_point *points,
                         size_t count, char *message, size_t message_size)
{
    /* Every output is written atomically (common/files.h): an interrupted or failed sweep leaves the
     * previous file or none, never half of one. */
    char path[4200];
    struct wakecert_atomic_file det_file, conditions_file;
    snprintf(path, sizeof path, "%s/det.csv", out);
    int status = wakecert_atomic_open(&det_file, path, message, message_size);
    if (status)
        return status;
    snprintf(path, sizeof path, "%s/conditions.csv", out);
    status = wakecert_atomic_open(&conditions_file, path, message, message_size);
    if (status) {
        wakecert_atomic_abort(&det_file);
        return status;
    }
    FILE *det = det_file.stream, *conditions = conditions_file.stream;
    fprintf(det, "sensitivity,positives,hits,false_reject_rate,false_wakes,audio_hours,false_wakes_per_hour,"
                 "confusables,confusable_wakes,latency_p50_ms,latency_p95_ms,latency_max_ms,index_within_100ms_fraction,"
                 "engine_seconds,realtime_factor\n");
    fprintf(conditions, "sensitivity,condition,positives,hits,false_reject_rate\n");
    for (size_t i = 0; i < count; i++) {
        const struct sweep_point *p = &points[i];
        fprintf(det, "%.3f,%d,%d,%.4f,%d,%.4f,%.3f,%d,%d,%.0f,%.0f,%.0f,%.4f,%.3f,%.6f\n", p->sensitivity, p->positives,
                p->hits, p->false_reject_rate, p->false_wakes, p->audio_hours, p->false_wakes_per_hour, p->confusables,
                p->confusable_wakes, p->latency_p50_ms, p->latency_p95_ms, p->latency_max_ms,
                p->hits ? (double)p->index_within_100ms / p->hits : 0, p->engine_seconds,
                p->audio_hours > 0 ? p->engine_seconds / (p->audio_hours * 3600) : 0);
        for (int c = 0; c < p->condition_count; c++)
            if (p->condition_positives[c])
                fprintf(conditions, "%.3f,%s,%d,%d,%.4f\n", p->sensitivity, p->condition[c], p->condition_positives[c],
                        p->condition_hits[c], 1.0 - (double)p->condition_hits[c] / p->condition_positives[c]);
    }
    status = wakecert_atomic_commit(&det_file, message, message_size);
    if (status) {
        wakecert_atomic_abort(&conditions_file);
        return status;
    }
    status = wakecert_atomic_commit(&conditions_file, message, message_size);
    if (status)
        return status;
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "schema", "wakecert-sweep/1");
    cJSON_AddStringToObject(root, "engine", engine_name);
    cJSON_AddStringToObject(root, "corpus", corpus_name);
    cJSON_AddNumberToObject(root, "audio_hours", count ? points[0].audio_hours : 0);
    cJSON_AddNumberToObject(root, "miss_rate_at_1_per_10h", sweep_miss_rate_at(points, count, 0.1));
    cJSON_AddNumberToObject(root, "miss_rate_at_3_per_24h", sweep_miss_rate_at(points, count, 3.0 / 24.0));
    cJSON_AddStringToObject(root, "rule", "lowest false reject rate among measured points at or under the false-wake "
                                          "rate; a single false wake is 1/audio_hours per hour");
    cJSON *array = cJSON_AddArrayToObject(root, "points");
    for (size_t i = 0; i < count; i++) {
        const struct sweep_point *p = &points[i];
        cJSON *item = cJSON_CreateObject();
        cJSON_AddNumberToObject(item, "sensitivity", p->sensitivity);
        cJSON_AddNumberToObject(item, "false_reject_rate", p->false_reject_rate);
        cJSON_AddNumberToObject(item, "false_wakes_per_hour", p->false_wakes_per_hour);
        cJSON_AddNumberToObject(item, "false_wakes", p->false_wakes);
        cJSON_AddNumberToObject(item, "confusable_wakes", p->confusable_wakes);
        cJSON_AddNumberToObject(item, "confusables", p->confusables);
        cJSON_AddNumberToObject(item, "latency_p95_ms", p->latency_p95_ms);
        cJSON_AddNumberToObject(item, "latency_max_ms", p->latency_max_ms);
        cJSON_AddNumberToObject(item, "index_within_100ms_fraction", p->hits ? (double)p->index_within_100ms / p->hits : 0);
        cJSON_AddNumberToObject(item, "realtime_factor", p->audio_hours > 0 ? p->engine_seconds / (p->audio_hours * 3600) : 0);
        cJSON *conds = cJSON_AddObjectToObject(item, "false_reject_rate_by_condition");
        for (int c = 0; c < p->condition_count; c++)
            if (p->condition_positives[c])
                cJSON_AddNumberToObject(conds, p->condition[c],
                                        1.0 - (double)p->condition_hits[c] / p->condition_positives[c]);
        cJSON_AddItemToArray(array, item);
    }
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    snprintf(path, sizeof path, "%s/operating_points.json", out);
    if (!text)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "%s: out of memory", path);
    size_t length = strlen(text);
    char *with_newline = realloc(text, length + 2);
    if (!with_newline) {
        free(text);
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "%s: out of memory", path);
    }
    with_newline[length] = '\n';
    status = wakecert_write_file_atomic(path, with_newline, length + 1, message, message_size);
    free(with_newline);
    if (status)
        return status;
    snprintf(path, sizeof path, "%s/summary.md", out);
    struct wakecert_atomic_file md_file;
    status = wakecert_atomic_open(&md_file, path, message, message_size);
    if (status)
        return status;
    FILE *md = md_file.stream;
    fprintf(md, "# Sensitivity sweep: %s on %s (%.2f h of audio)\n\n", engine_name, corpus_name,
            count ? points[0].audio_hours : 0);
    fprintf(md, "| sensitivity | FRR | false wakes (/h) | confusable wakes | latency p95 / max ms | index ok | RTF |\n"
                "|---|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < count; i++) {
        const struct sweep_point *p = &points[i];
        fprintf(md, "| %g | %.1f%% (%d/%d) | %d (%.2f) | %d/%d | %.0f / %.0f | %.1f%% | %.5f |\n", p->sensitivity,
                100 * p->false_reject_rate, p->positives - p->hits, p->positives, p->false_wakes, p->false_wakes_per_hour,
                p->confusable_wakes, p->confusables, p->latency_p95_ms, p->latency_max_ms,
                p->hits ? 100.0 * p->index_within_100ms / p->hits : 0,
                p->audio_hours > 0 ? p->engine_seconds / (p->audio_hours * 3600) : 0);
    }
    fprintf(md, "\nMiss rate at 1 false wake / 10 h: %.1f%%; at 3 / 24 h: %.1f%% (lowest measured FRR at or under the "
                "rate; one false wake here is %.2f /h).\n", 100 * sweep_miss_rate_at(points, count, 0.1),
            100 * sweep_miss_rate_at(points, count, 0.125), count && points[0].audio_hours > 0 ? 1 / points[0].audio_hours : 0);
    return wakecert_atomic_commit(&md_file, message, message_size);
}

int wakecert_sweep_main(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"engine", required_argument, NULL, 'e'}, {"corpus", required_argument, NULL, 'c'},
        {"sensitivities", required_argument, NULL, 's'}, {"out", required_argument, NULL, 'o'},
        {"engine-config", required_argument, NULL, 'g'}, {"chunk", required_argument, NULL, 'k'},
        {"quiet", no_argument, NULL, 'q'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
    };
    const char *engine_path = "ref", *corpus_name = "smoke", *list = NULL, *out = NULL, *config_text = "{}";
    int chunk = 160;
    bool quiet = false;
    optind = 1;
    opterr = 0;
    int option;
    while ((option = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
        char *end = NULL;
        switch (option) {
        case 'e': engine_path = optarg; break;
        case 'c': corpus_name = optarg; break;
        case 's': list = optarg; break;
        case 'o': out = optarg; break;
        case 'g': config_text = optarg; break;
        case 'q': quiet = true; break;
        case 'h': fputs(sweep_usage, stdout); return 0;
        case 'k':
            chunk = (int)strtol(optarg, &end, 10);
            if (!end || *end || chunk < 1 || chunk > 960000) {
                fprintf(stderr, "wakecert sweep: --chunk must be 1 to 960000, not \"%s\"\n", optarg);
                return 2;
            }
            break;
        default:
            fprintf(stderr, "wakecert sweep: unknown or incomplete option \"%s\"\n%s", argv[optind - 1], sweep_usage);
            return 2;
        }
    }
    if (optind < argc || !list || !out) {
        fprintf(stderr, "wakecert sweep: --sensitivities and --out are required\n%s", sweep_usage);
        return 2;
    }
    double sensitivities[MAX_POINTS];
    size_t count = 0;
    for (const char *p = list; *p;) {
        char *end = NULL;
        double value = strtod(p, &end);
        if (end == p || !(value >= 0 && value <= 1) || count == MAX_POINTS || (*end && *end != ',')) {
            fprintf(stderr, "wakecert sweep: --sensitivities must be up to %d numbers from 0 to 1 separated by commas, "
                    "not \"%s\"\n", MAX_POINTS, list);
            return 2;
        }
        sensitivities[count++] = value;
        p = *end ? end + 1 : end;
    }
    char message[1024];
    /* --engine-config JSON or @FILE, as certify's */
    char *config_json = wakecert_json_read_argument(config_text, "--engine-config", message, sizeof message);
    if (!config_json) {
        fprintf(stderr, "wakecert sweep: %s\n", message);
        return 2;
    }
    cJSON *base = cJSON_Parse(config_json);
    free(config_json);
    if (!cJSON_IsObject(base)) {
        cJSON_Delete(base);
        fprintf(stderr, "wakecert sweep: --engine-config %s is not a JSON object\n", config_text);
        return 2;
    }
    struct loaded_engine engine;
    if (engine_load(engine_path, &engine, message, sizeof message) != 0) {
        fprintf(stderr, "wakecert sweep: %s\n", message);
        cJSON_Delete(base);
        return 2;
    }
    struct wakecert_corpus corpus = {0};
    if (wakecert_corpus_open(corpus_name, &corpus, !quiet, message, sizeof message) != 0) {
        fprintf(stderr, "wakecert sweep: corpus %s: %s\n", corpus_name, message);
        engine_unload(&engine);
        cJSON_Delete(base);
        return 2;
    }
    struct sweep_point points[MAX_POINTS];
    int exit_code = 0;
    if (wakecert_make_directories(out, message, sizeof message) != 0) {
        fprintf(stderr, "wakecert sweep: %s\n", message);
        exit_code = 2;
    }
    for (size_t i = 0; i < count && exit_code == 0; i++) {
        cJSON_DeleteItemFromObjectCaseSensitive(base, "sensitivity");
        cJSON_AddNumberToObject(base, "sensitivity", sensitivities[i]);
        char *config = cJSON_PrintUnformatted(base);
        char directory[4200], trace_path[4300];
        snprintf(directory, sizeof directory, "%s/s%.3f", out, sensitivities[i]);
        snprintf(trace_path, sizeof trace_path, "%s/trace.jsonl", directory);
        struct run_options options;
        run_options_default(&options);
        options.engine_config = config;
        options.chunk = chunk;
        options.engine_checks = false;
        options.engine_check_seconds = 0;
        options.progress = !quiet && isatty(STDERR_FILENO);
        struct run_summary summary;
        int status = wakecert_make_directories(directory, message, sizeof message);
        if (status == 0)
            status = run_corpus(&options, &corpus, &engine, trace_path, &summary, message, sizeof message);
        free(config);
        points[i].sensitivity = sensitivities[i];
        if (status == 0)
            status = sweep_score_trace(trace_path, &points[i], message, sizeof message);
        if (status != 0) {
            fprintf(stderr, "wakecert sweep: sensitivity %.3f: %s\n", sensitivities[i], message);
            exit_code = wakecert_exit_code_for(status);
            break;
        }
        if (!quiet)
            fprintf(stderr, "sweep: %s sensitivity %g: FRR %.1f%% (%d/%d)  false wakes %d (%.2f/h)  confusable wakes "
                    "%d/%d  latency p95 %.0f ms  index ok %d/%d  RTF %.5f\n", engine.table->name, sensitivities[i],
                    100 * points[i].false_reject_rate, points[i].positives - points[i].hits, points[i].positives,
                    points[i].false_wakes, points[i].false_wakes_per_hour, points[i].confusable_wakes, points[i].confusables,
                    points[i].latency_p95_ms, points[i].index_within_100ms, points[i].hits,
                    points[i].audio_hours > 0 ? points[i].engine_seconds / (points[i].audio_hours * 3600) : 0);
    }
    if (exit_code == 0 && write_outputs(out, engine.table->name, corpus.name, points, count, message, sizeof message) != 0) {
        fprintf(stderr, "wakecert sweep: %s\n", message);
        exit_code = 3;
    }
    if (exit_code == 0 && !quiet)
        fprintf(stderr, "sweep: miss rate at 1 false wake/10 h %.1f%%, at 3/24 h %.1f%%; outputs in %s/{det.csv,"
                "conditions.csv,operating_points.json,summary.md}\n", 100 * sweep_miss_rate_at(points, count, 0.1),
                100 * sweep_miss_rate_at(points, count, 0.125), out);
    wakecert_corpus_free(&corpus);
    engine_unload(&engine);
    cJSON_Delete(base);
    return exit_code;
}
