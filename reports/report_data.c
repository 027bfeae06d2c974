/*
 * Plot data from the trace (see report_data.h). The DET sweep re-runs the per-file matching once per
 * distinct score; traces hold at most a few thousand detections, so the quadratic cost is
 * milliseconds and a cleverer incremental sweep would only add ways to disagree with the scorer.
 */
#define _POSIX_C_SOURCE 200809L
#include "report_data.h"

#include "error.h"
#include "scorer.h"
#include "wakecert/engine.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static int push(struct report_values *values, double value)
{
    if ((values->count & (values->count - 1)) == 0) { /* grow at 0, 1, 2, 4, 8 ... */
        size_t capacity = values->count ? 2 * values->count : 1;
        double *grown = realloc(values->values, capacity * sizeof *grown);
        if (!grown)
            return WAKECERT_ERROR_NO_MEMORY;
        values->values = grown;
    }
    values->values[values->count++] = value;
    return 0;
}

void report_values_free(struct report_values *values)
{
    free(values->values);
    values->values = NULL;
    values->count = 0;
}

static int compare_doubles(const void *a, const void *b)
{
    double left = *(const double *)a, right = *(const double *)b;
    return left < right ? -1 : left > right;
}

static int64_t processed_samples(const struct trace_file *file)
{
    return file->ended ? file->processed : file->samples;
}

/* Microphone-off windows as delivered: [off, on) or [off, end of file). */
static bool inside_mute(const struct trace_file *file, int64_t sample)
{
    int64_t off = -1;
    for (size_t i = 0; i < file->event_count; i++) {
        const struct trace_event *event = &file->events[i];
        if (event->type != TRACE_CONTROL)
            continue;
        if (event->code == WAKECERT_CONTROL_MICROPHONE_OFF && off < 0)
            off = event->sample;
        else if (event->code == WAKECERT_CONTROL_MICROPHONE_ON && off >= 0) {
            if (sample >= off && sample < event->sample)
                return true;
            off = -1;
        }
    }
    return off >= 0 && sample >= off && sample < processed_samples(file);
}

/* Per file: which kept detections are duplicates, and which label each hits (scorer.c's matching). */
struct matched_file {
    const struct trace_event **detections;
    bool *duplicate;
    int *label_of;      /* per detection: label index or -1 */
    int *hit_of;        /* per label: detection index or -1 */
    size_t detection_count;
};

static void matched_free(struct matched_file *matched)
{
    free(matched->detections);
    free(matched->duplicate);
    free(matched->label_of);
    free(matched->hit_of);
    memset(matched, 0, sizeof *matched);
}

static int match_file(const struct trace_file *file, double min_score, struct matched_file *matched)
{
    memset(matched, 0, sizeof *matched);
    size_t n = file->event_count + 1;
    matched->detections = calloc(n, sizeof *matched->detections);
    matched->duplicate = calloc(n, sizeof *matched->duplicate);
    matched->label_of = calloc(n, sizeof *matched->label_of);
    matched->hit_of = calloc(file->label_count + 1, sizeof *matched->hit_of);
    if (!matched->detections || !matched->duplicate || !matched->label_of || !matched->hit_of) {
        matched_free(matched);
        return WAKECERT_ERROR_NO_MEMORY;
    }
    int64_t previous = INT64_MIN / 2;
    for (size_t i = 0; i < file->event_count; i++) {
        const struct trace_event *event = &file->events[i];
        if (event->type != TRACE_WAKE || event->score < min_score)
            continue;
        size_t d = matched->detection_count++;
        matched->detections[d] = event;
        matched->duplicate[d] = event->sample - previous <= SCORER_DUPLICATE_WINDOW_SAMPLES;
        matched->label_of[d] = -1;
        previous = event->sample;
    }
    for (size_t l = 0; l < file->label_count; l++) {
        matched->hit_of[l] = -1;
        const struct wakecert_corpus_event *label = &file->labels[l];
        if (label->type != WAKECERT_EVENT_WAKE)
            continue;
        for (size_t d = 0; d < matched->detection_count; d++) {
            int64_t when = matched->detections[d]->sample;
            if (matched->duplicate[d] || matched->label_of[d] >= 0 || when < label->start ||
                when > label->end + SCORER_HIT_AFTER_END_SAMPLES)
                continue;
            matched->label_of[d] = (int)l;
            matched->hit_of[l] = (int)d;
            break;
        }
    }
    return 0;
}

void report_detection_stats_free(struct report_detection_stats *stats)
{
    report_values_free(&stats->positive_scores);
    report_values_free(&stats->negative_scores);
    report_values_free(&stats->latencies_ms);
    memset(stats, 0, sizeof *stats);
}

int report_detection_stats(const struct trace *trace, double min_score, struct report_detection_stats *stats)
{
    memset(stats, 0, sizeof *stats);
    int status = 0;
    for (size_t f = 0; f < trace->file_count && !status; f++) {
        const struct trace_file *file = &trace->files[f];
        struct matched_file matched;
        status = match_file(file, min_score, &matched);
        if (status)
            break;
        stats->hours += (double)processed_samples(file) / WAKECERT_SAMPLE_RATE / 3600.0;
        for (size_t d = 0; d < matched.detection_count && !status; d++) {
            const struct trace_event *event = matched.detections[d];
            if (matched.duplicate[d])
                continue;
            if (matched.label_of[d] >= 0) {
                const struct wakecert_corpus_event *label = &file->labels[matched.label_of[d]];
                status = push(&stats->positive_scores, event->score);
                if (!status)
                    status = push(&stats->latencies_ms,
                                  (double)(event->sample - label->end) * 1000.0 / WAKECERT_SAMPLE_RATE);
            } else if (!inside_mute(file, event->sample)) {
                stats->false_wakes++;
                status = push(&stats->negative_scores, event->score);
            }
        }
        for (size_t l = 0; l < file->label_count; l++) {
            if (file->labels[l].type != WAKECERT_EVENT_WAKE || inside_mute(file, file->labels[l].start))
                continue;
            stats->positives++;
            stats->misses += matched.hit_of[l] < 0;
        }
        matched_free(&matched);
    }
    if (status) {
        report_detection_stats_free(stats);
        return status;
    }
    if (stats->latencies_ms.count)
        qsort(stats->latencies_ms.values, stats->latencies_ms.count, sizeof(double), compare_doubles);
    return 0;
}

int report_det_curve(const struct trace *trace, struct report_det_point **points, size_t *count)
{
    *points = NULL;
    *count = 0;
    struct report_values scores = {0};
    for (size_t f = 0; f < trace->file_count; f++)
        for (size_t i = 0; i < trace->files[f].event_count; i++)
            if (trace->files[f].events[i].type == TRACE_WAKE && push(&scores, trace->files[f].events[i].score)) {
                report_values_free(&scores);
                return WAKECERT_ERROR_NO_MEMORY;
            }
    if (scores.count == 0)
        return 0;
    qsort(scores.values, scores.count, sizeof(double), compare_doubles);
    struct report_det_point *curve = calloc(scores.count + 1, sizeof *curve);
    if (!curve) {
        report_values_free(&scores);
        return WAKECERT_ERROR_NO_MEMORY;
    }
    size_t made = 0;
    for (size_t i = 0; i <= scores.count; i++) {
        /* i == 0: the operating point (everything kept); then each distinct score, and past the top. */
        double threshold = i == 0 ? -INFINITY : scores.values[i - 1];
        if (i > 1 && scores.values[i - 1] == scores.values[i - 2])
            continue;
        if (i == 1 && scores.values[0] <= -INFINITY)
            continue;
        struct report_detection_stats stats;
        if (report_detection_stats(trace, threshold, &stats) != 0) {
            free(curve);
            report_values_free(&scores);
            return WAKECERT_ERROR_NO_MEMORY;
        }
        if (stats.positives == 0) {
            report_detection_stats_free(&stats);
            free(curve);
            report_values_free(&scores);
            return 0;
        }
        /* threshold == lowest score keeps everything, like the operating point: skip the repeat. */
        if (i == 1) {
            report_detection_stats_free(&stats);
            continue;
        }
        curve[made].threshold = threshold;
        curve[made].false_reject_rate = (double)stats.misses / (double)stats.positives;
        curve[made].false_wakes_per_hour = stats.hours > 0 ? (double)stats.false_wakes / stats.hours : 0;
        made++;
        report_detection_stats_free(&stats);
    }
    /* One point past the highest score: everything dropped (false reject rate 1). */
    curve[made].threshold = nextafter(scores.values[scores.count - 1], INFINITY);
    curve[made].false_reject_rate = 1;
    curve[made].false_wakes_per_hour = 0;
    made++;
    report_values_free(&scores);
    *points = curve;
    *count = made;
    return 0;
}

int report_prerolls(const struct trace *trace, struct report_values *reported_ms, struct report_values *true_onset_ms)
{
    memset(reported_ms, 0, sizeof *reported_ms);
    memset(true_onset_ms, 0, sizeof *true_onset_ms);
    const double samples_per_ms = WAKECERT_SAMPLE_RATE / 1000.0;
    for (size_t f = 0; f < trace->file_count; f++) {
        const struct trace_file *file = &trace->files[f];
        const struct trace_event *last_wake = NULL, *stream_wake = NULL;
        int64_t open_sample = -1;
        bool open = false, measured = false;
        for (size_t i = 0; i < file->event_count; i++) {
            const struct trace_event *event = &file->events[i];
            if (event->type == TRACE_WAKE)
                last_wake = event;
            else if (event->type == TRACE_STREAM_OPEN) {
                open = true;
                measured = false;
                open_sample = event->sample;
                stream_wake = event->code == WAKECERT_STREAM_WAKE ? last_wake : NULL;
                last_wake = NULL;
            } else if (event->type == TRACE_STREAM_CLOSE)
                open = false;
            else if (event->type == TRACE_UPLOAD && open && !measured && stream_wake) {
                measured = true;
                int64_t first = event->first;
                if (push(reported_ms, (double)(stream_wake->start - first) / samples_per_ms))
                    goto no_memory;
                for (size_t l = 0; l < file->label_count; l++) {
                    const struct wakecert_corpus_event *label = &file->labels[l];
                    if (label->type != WAKECERT_EVENT_WAKE || label->end <= first || label->start > open_sample)
                        continue;
                    if (push(true_onset_ms, (double)(label->start - first) / samples_per_ms))
                        goto no_memory;
                    break;
                }
            }
        }
    }
    return 0;
no_memory:
    report_values_free(reported_ms);
    report_values_free(true_onset_ms);
    return WAKECERT_ERROR_NO_MEMORY;
}

const struct trace_file *report_find_file(const struct trace *trace, const char *name)
{
    for (size_t f = 0; name && f < trace->file_count; f++)
        if (strcmp(trace->files[f].name, name) == 0)
            return &trace->files[f];
    return NULL;
}
