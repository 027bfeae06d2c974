/*
 * `wakecert sweep`: run one engine over one corpus at several sensitivities (the engine
 * configuration's "sensitivity" key, merged into any --engine-config given) through the harness
 * (conformance/runner.h, main pass only), and turn each trace into a point of the DET curve: the false
 * reject rate (labelled wake words without a hit, by the README's hit rule) against false wakes per
 * hour (de-duplicated detections that hit no wake word, outside microphone-off windows). Writes
 * DIR/det.csv (one row per sensitivity, overall and per condition), DIR/operating_points.json (the
 * miss rate at 1 false wake per 10 h and at 3 per 24 h, interpolated on the curve, plus latency and
 * index accuracy and engine CPU time per point), DIR/summary.md, and each run's trace.
 */
#ifndef WAKECERT_SWEEP_H
#define WAKECERT_SWEEP_H

#include <stddef.h>
#include <stdint.h>

/** One DET point measured from a trace. */
struct sweep_point {
    double sensitivity;
    int positives, hits;             /* labelled wake words (outside mic-off), hits */
    int false_wakes;
    double audio_hours;
    double false_reject_rate;        /* 1 - hits / positives */
    double false_wakes_per_hour;
    int confusables, confusable_wakes;
    double latency_p50_ms, latency_p95_ms, latency_max_ms;
    int index_within_100ms;          /* hits whose reported start is within 100 ms of the label */
    double engine_seconds;           /* CPU-clock time inside the engine (main pass) */
    /* per condition (up to 16): name, positives, hits */
    int condition_count;
    char condition[16][32];
    int condition_positives[16], condition_hits[16];
};

/** Score the main pass of a trace file into *point (sensitivity left as given). Returns 0 or a
 *  negative wakecert_error with a message. */
int sweep_score_trace(const char *trace_path, struct sweep_point *point, char *message, size_t message_size);

/** The miss rate at a false-wake rate `per_hour` on a DET curve (points in any order): the lowest
 *  false reject rate among points at or under that rate, linearly interpolated between the two points
 *  that bracket it. Returns 1.0 when no point is at or under the rate. Cannot fail. */
double sweep_miss_rate_at(const struct sweep_point *points, size_t count, double per_hour);

/** `wakecert sweep --engine PATH|ref --corpus NAME|DIR --sensitivities a,b,c --out DIR
 *  [--engine-config JSON] [--chunk N] [--quiet]`. Exit: 0 written, 2 bad usage or input, 3 internal. */
int wakecert_sweep_main(int argc, char **argv);

#endif
