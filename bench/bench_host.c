/*
 * The host an engine under benchmark talks to: callbacks that only count what the engine reports
 * (wakes, streams, uploads, indicator changes), so that what is measured is the engine and not the
 * host. Shared by the engine and gate groups and by wakecert-bench-alloc, which must not pull in the
 * rest of the bench (it replaces malloc; see alloc_count.c).
 */
#include <string.h>

#include "bench_internal.h"

static void on_wake(void *ctx, const char *keyword, float score, int64_t start, int64_t end)
{
    (void)keyword, (void)score, (void)start, (void)end;
    ((struct bench_host_counts *)ctx)->wakes++;
}

static void on_stream_opened(void *ctx, int reason)
{
    (void)reason;
    ((struct bench_host_counts *)ctx)->streams_opened++;
}

static void on_upload(void *ctx, const int16_t *samples, size_t count, int64_t first)
{
    (void)samples, (void)first;
    struct bench_host_counts *counts = ctx;
    counts->uploads++;
    counts->uploaded_samples += (long long)count;
}

static void on_stream_closed(void *ctx, int reason)
{
    (void)reason;
    ((struct bench_host_counts *)ctx)->streams_closed++;
}

static void on_indicator(void *ctx, int state, int tone)
{
    (void)state, (void)tone;
    ((struct bench_host_counts *)ctx)->indicator_changes++;
}

void bench_host_callbacks(struct bench_host_counts *counts, struct wakecert_host_callbacks *out)
{
    memset(out, 0, sizeof *out);
    out->struct_size = sizeof *out;
    out->ctx = counts;
    out->wake_detected = on_wake;
    out->stream_opened = on_stream_opened;
    out->audio_uploaded = on_upload;
    out->stream_closed = on_stream_closed;
    out->indicator_changed = on_indicator;
}

