/*
 * The numbers behind the plots, measured from the trace with the scorer's own rules (scorer.h):
 * a detection hits a labelled wake word if reported in [start, end + 0.5 s]; one reported within
 * 1 s after the previous detection is a duplicate (neither hit nor false wake); detections inside a
 * microphone-off window are not false wakes (mic.off_no_capture judges them) and wake words inside
 * one are not positives. The scorer keeps its analysis private, so the rules are restated here in a
 * few lines; test_report.c checks that the counts agree with the committed results.json.
 *
 * Every function returns malloc'd arrays the caller frees, or an error code on no memory.
 */
#ifndef WAKECERT_REPORTS_REPORT_DATA_H
#define WAKECERT_REPORTS_REPORT_DATA_H

#include "trace.h"

#include <stddef.h>

/** A list of doubles. */
struct report_values {
    double *values;
    size_t count;
};

struct report_detection_stats {
    struct report_values positive_scores;  /* scores of detections that hit a wake word */
    struct report_values negative_scores;  /* scores of false wakes */
    struct report_values latencies_ms;     /* hit sample - wake word end, per hit, sorted ascending */
    size_t positives;                      /* labelled wake words outside microphone-off windows */
    size_t misses;
    size_t false_wakes;
    double hours;                          /* audio processed */
};

/** Detection statistics over the whole trace, counting only wake events with score >= min_score
 *  (use -INFINITY for all). Returns 0 or WAKECERT_ERROR_NO_MEMORY (stats then empty). */
int report_detection_stats(const struct trace *trace, double min_score, struct report_detection_stats *stats);
void report_detection_stats_free(struct report_detection_stats *stats);

/** One point of the DET curve: detections below `threshold` dropped. */
struct report_det_point {
    double threshold;
    double false_reject_rate;
    double false_wakes_per_hour;
};

/** The DET curve: one point per distinct wake score (ascending threshold), the first being the
 *  operating point (every detection kept). *count 0 when the trace has no wake events or no
 *  positives. Returns 0 or WAKECERT_ERROR_NO_MEMORY. */
int report_det_curve(const struct trace *trace, struct report_det_point **points, size_t *count);

/** Pre-roll of each wake-opened stream that uploaded: reported wake start minus first uploaded
 *  sample, and labelled wake word onset minus first uploaded sample (streams whose wake word the
 *  labels place, as the scorer does), in ms. Returns 0 or WAKECERT_ERROR_NO_MEMORY. */
int report_prerolls(const struct trace *trace, struct report_values *reported_ms, struct report_values *true_onset_ms);

void report_values_free(struct report_values *values);

/** The file record named `name`, or NULL. */
const struct trace_file *report_find_file(const struct trace *trace, const char *name);

#endif
