/*
 * What the benchmark groups share: the options, the result list that becomes the JSON document, and
 * timing helpers. Internal to bench/.
 */
#ifndef WAKECERT_BENCH_INTERNAL_H
#define WAKECERT_BENCH_INTERNAL_H

#include <stddef.h>

struct bench_options {
    double seconds;     /* audio length per repetition */
    int repetitions;
    int callgrind;      /* one instrumented pass of the front end only */
};

#define BENCH_MAX_RESULTS 64

struct bench_result {
    char name[96];
    char unit[24];
    double median, min, max;
    int repetitions;
    double instructions; /* < 0 when not measured */
};

struct bench_results {
    struct bench_result items[BENCH_MAX_RESULTS];
    int count;
};

/** Add a result from `count` repeated measurements (sorted in place). Ignored past BENCH_MAX_RESULTS. */
void bench_add(struct bench_results *results, const char *name, const char *unit, double *values, int count);

/** Monotonic time in nanoseconds. */
double bench_now_ns(void);

/** The frontend group. Returns 0 or a negative wakecert_error with a message. */
int bench_frontend(const struct bench_options *options, struct bench_results *results, char *message,
                   size_t message_size);

#endif
