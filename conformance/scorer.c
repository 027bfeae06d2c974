/*
 * The scorer (see scorer.h and REQUIREMENTS.md). Each requirement is one function over an analysis of
 * the trace that is computed once: per file, the streams (open/close, trigger, first claimed sample),
 * the microphone-off windows as delivered, and the de-duplicated detections matched to labels.
 * Functions fill a wakecert_requirement_result: status, headline measurement, threshold, evidence.
 */
#define _POSIX_C_SOURCE 200809L
#include "scorer.h"

#include "engine_loader.h"
#include "error.h"
#include "json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EVIDENCE_LIMIT 20
#define SCORER_DOUBLED_TOLERANCE_SAMPLES (WAKECERT_SAMPLE_RATE / 10) /* 100 ms */
#define SAMPLES_PER_MS (WAKECERT_SAMPLE_RATE / 1000.0)

/* ---- analysis of one file ---------------------------------------------------------------------- */

struct stream_record {
    size_t open_event;        /* index of the stream_open event */
    int64_t open_sample;
    int reason;
    bool triggered;           /* a wake / button / expect_speech preceded it as its reason requires */
    int64_t trigger_sample;   /* when the button was pressed / ExpectSpeech came, or -1 */
    const struct trace_event *wake;  /* the wake event that opened it (reason wake) */
    int64_t first_claimed;    /* first sample index of its first upload, or -1 */
    int64_t close_sample;     /* or the end of the file when never closed */
    bool closed;
    int close_reason;
    int64_t available_from;   /* oldest sample the engine could hold (0 or the last microphone-on) */
};

struct mute_window {
    int64_t start, end;       /* microphone off at start, on at end (or file end) */
};

struct detection {
    const struct trace_event *event;
    bool duplicate;
    bool muted;               /* reported inside a microphone-off window */
    int label;                /* index of the wake label it hit, or -1 */
};

struct file_analysis {
    const struct trace_file *file;
    struct stream_record *streams;
    size_t stream_count;
    struct mute_window *mutes;
    size_t mute_count;
    struct detection *detections;
    size_t detection_count;
    int *label_hit;           /* per label: index of the detection that hit it, or -1 */
};

struct analysis {
    const struct trace *trace;
    struct file_analysis *files;
    size_t file_count;
};

static bool inside_mute(const struct file_analysis *analysis, int64_t sample)
{
    for (size_t i = 0; i < analysis->mute_count; i++)
        if (sample >= analysis->mutes[i].start && sample < analysis->mutes[i].end)
            return true;
    return false;
}

static int64_t file_end_sample(const struct trace_file *file)
{
    return file->ended ? file->processed : file->samples;
}

static int analyse_file(const struct trace_file *file, struct file_analysis *out)
{
    memset(out, 0, sizeof *out);
    out->file = file;
    size_t n = file->event_count;
    out->streams = calloc(n + 1, sizeof *out->streams);
    out->mutes = calloc(n + 1, sizeof *out->mutes);
    out->detections = calloc(n + 1, sizeof *out->detections);
    out->label_hit = calloc(file->label_count + 1, sizeof *out->label_hit);
    if (!out->streams || !out->mutes || !out->detections || !out->label_hit)
        return -1;

    /* Streams, mute windows, triggers. */
    struct stream_record *open = NULL;
    const struct trace_event *last_wake = NULL;
    int64_t last_button = -1, last_expect = -1, available_from = 0;
    struct mute_window *muted = NULL;
    for (size_t i = 0; i < n; i++) {
        const struct trace_event *event = &file->events[i];
        switch (event->type) {
        case TRACE_CONTROL:
            if (event->code == WAKECERT_CONTROL_MICROPHONE_OFF && !muted) {
                muted = &out->mutes[out->mute_count++];
                muted->start = event->sample;
                muted->end = file_end_sample(file);
            } else if (event->code == WAKECERT_CONTROL_MICROPHONE_ON && muted) {
                muted->end = event->sample;
                muted = NULL;
                available_from = event->sample;
            } else if (event->code == WAKECERT_CONTROL_BUTTON)
                last_button = event->sample;
            else if (event->code == WAKECERT_CONTROL_EXPECT_SPEECH)
                last_expect = event->sample;
            break;
        case TRACE_WAKE:
            last_wake = event;
            break;
        case TRACE_STREAM_OPEN: {
            struct stream_record *stream = &out->streams[out->stream_count++];
            stream->open_event = i;
            stream->open_sample = event->sample;
            stream->reason = event->code;
            stream->first_claimed = -1;
            stream->close_sample = file_end_sample(file);
            stream->available_from = available_from;
            stream->trigger_sample = -1;
            if (event->code == WAKECERT_STREAM_WAKE) {
                stream->triggered = last_wake != NULL;
                stream->wake = last_wake;
            } else if (event->code == WAKECERT_STREAM_BUTTON) {
                stream->triggered = last_button >= 0;
                stream->trigger_sample = last_button;
            } else if (event->code == WAKECERT_STREAM_FOLLOW_UP) {
                stream->triggered = last_expect >= 0;
                stream->trigger_sample = last_expect;
            }
            last_wake = NULL;
            last_button = last_expect = -1;
            open = stream;
            break;
        }
        case TRACE_UPLOAD:
            if (open && open->first_claimed < 0)
                open->first_claimed = event->first;
            break;
        case TRACE_STREAM_CLOSE:
            if (open) {
                open->closed = true;
                open->close_sample = event->sample;
                open->close_reason = event->code;
                open = NULL;
            }
            break;
        default:
            break;
        }
    }

    /* Detections, de-duplicated, matched to wake labels. */
    int64_t previous = INT64_MIN / 2;
    for (size_t i = 0; i < n; i++) {
        const struct trace_event *event = &file->events[i];
        if (event->type != TRACE_WAKE)
            continue;
        struct detection *detection = &out->detections[out->detection_count++];
        detection->event = event;
        detection->label = -1;
        detection->duplicate = event->sample - previous <= SCORER_DUPLICATE_WINDOW_SAMPLES;
        detection->muted = inside_mute(out, event->sample);
        previous = event->sample;
    }
    for (size_t l = 0; l < file->label_count; l++) {
        out->label_hit[l] = -1;
        const struct wakecert_corpus_event *label = &file->labels[l];
        if (label->type != WAKECERT_EVENT_WAKE)
            continue;
        for (size_t d = 0; d < out->detection_count; d++) {
            struct detection *detection = &out->detections[d];
            int64_t when = detection->event->sample;
            if (detection->duplicate || detection->label >= 0 || when < label->start ||
                when > label->end + SCORER_HIT_AFTER_END_SAMPLES)
                continue;
            detection->label = (int)l;
            out->label_hit[l] = (int)d;
            break;
        }
    }
    return 0;
}

static void free_analysis(struct analysis *analysis)
{
    for (size_t i = 0; i < analysis->file_count; i++) {
        free(analysis->files[i].streams);
        free(analysis->files[i].mutes);
        free(analysis->files[i].detections);
        free(analysis->files[i].label_hit);
    }
    free(analysis->files);
}

/* ---- helpers ------------------------------------------------------------------------------------ */

static cJSON *evidence(const char *file, int64_t sample, int64_t range_start, int64_t range_end, const char *expected,
                       const char *observed)
{
    cJSON *object = cJSON_CreateObject();
    cJSON_AddStringToObject(object, "file", file);
    cJSON_AddNumberToObject(object, "time_s", round((double)sample / WAKECERT_SAMPLE_RATE * 1000) / 1000);
    if (range_start >= 0) {
        cJSON_AddNumberToObject(object, "sample_start", (double)range_start);
        cJSON_AddNumberToObject(object, "sample_end", (double)range_end);
    }
    if (expected)
        cJSON_AddStringToObject(object, "expected", expected);
    if (observed)
        cJSON_AddStringToObject(object, "observed", observed);
    return object;
}

static void set_unit(struct wakecert_requirement_result *result, const char *unit, const char *comparison)
{
    snprintf(result->unit, sizeof result->unit, "%s", unit);
    snprintf(result->comparison, sizeof result->comparison, "%s", comparison);
}

static void judge(struct wakecert_requirement_result *result)
{
    if (!result->has_measurement)
        return;
    bool ok = strcmp(result->comparison, ">=") == 0 ? result->measured >= result->threshold - 1e-12
                                                     : result->measured <= result->threshold + 1e-12;
    result->status = ok ? WAKECERT_STATUS_PASS : WAKECERT_STATUS_FAIL;
}

static int compare_doubles(const void *a, const void *b)
{
    double left = *(const double *)a, right = *(const double *)b;
    return left < right ? -1 : left > right;
}

static double percentile(double *values, size_t count, double fraction)
{
    if (count == 0)
        return NAN;
    qsort(values, count, sizeof *values, compare_doubles);
    size_t index = (size_t)ceil(fraction * (double)count) - 1;
    if (index >= count)
        index = count - 1;
    return values[index];
}

static int threshold_number(const cJSON *parameters, const char *name, double fallback, double *out, char *message,
                            size_t message_size, const char *id)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(parameters, name);
    *out = fallback; /* also on error, so no caller ever reads an unset bound */
    if (!item || cJSON_IsNull(item))
        return 0;
    if (!cJSON_IsNumber(item) || !isfinite(item->valuedouble) || item->valuedouble < 0 || item->valuedouble > 1e12)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                  "profile requirement %s: \"%s\" must be a number from 0 to 1e12", id, name);
    *out = item->valuedouble;
    return 0;
}

typedef int (*score_function)(const struct analysis *analysis, const cJSON *parameters,
                              struct wakecert_requirement_result *result, char *message, size_t message_size);

/* The engine checks replay audio; a run that skipped them (--engine-check-seconds 0) cannot vouch for
 * what they measure, so the requirement fails with that reason rather than passing unmeasured. */
static int engine_checks_skipped(struct wakecert_requirement_result *result)
{
    result->status = WAKECERT_STATUS_FAIL;
    snprintf(result->summary, sizeof result->summary,
             "not measured: the run skipped the engine-check passes (--engine-check-seconds 0)");
    wakecert_requirement_add_evidence(result, evidence("(run)", 0, -1, -1, "the engine-check passes", result->summary),
                                      EVIDENCE_LIMIT);
    return 0;
}

/* ---- upload.zero_without_wake ------------------------------------------------------------------- */

static int score_zero_without_wake(const struct analysis *analysis, const cJSON *parameters,
                                   struct wakecert_requirement_result *result, char *message, size_t message_size)
{
    int64_t leaked = 0;
    for (size_t f = 0; f < analysis->file_count; f++) {
        const struct file_analysis *file = &analysis->files[f];
        const struct stream_record *open = NULL;
        size_t next_stream = 0;
        for (size_t i = 0; i < file->file->event_count; i++) {
            const struct trace_event *event = &file->file->events[i];
            if (event->type == TRACE_STREAM_OPEN && next_stream < file->stream_count)
                open = &file->streams[next_stream++];
            else if (event->type == TRACE_STREAM_CLOSE)
                open = NULL;
            if (event->type != TRACE_UPLOAD)
                continue;
            char observed[160];
            if (!open) {
                leaked += event->count;
                snprintf(observed, sizeof observed, "%lld samples uploaded with no stream open", (long long)event->count);
                wakecert_requirement_add_evidence(result,
                    evidence(file->file->name, event->sample, event->first, event->first + event->count,
                             "no upload unless a wake word, button press or follow-up opened a stream", observed),
                    EVIDENCE_LIMIT);
            } else if (!open->triggered) {
                leaked += event->count;
                snprintf(observed, sizeof observed, "a %s stream opened with no %s before it",
                         engine_stream_reason_name(open->reason),
                         open->reason == WAKECERT_STREAM_WAKE ? "wake detection" : "control asking for it");
                wakecert_requirement_add_evidence(result,
                    evidence(file->file->name, event->sample, event->first, event->first + event->count,
                             "streams open only on a wake detection, button press or ExpectSpeech", observed),
                    EVIDENCE_LIMIT);
            } else if (event->first < open->first_claimed) {
                int64_t before = open->first_claimed - event->first;
                if (before > event->count)
                    before = event->count;
                leaked += before;
                snprintf(observed, sizeof observed, "%lld samples from before the stream's start (sample %lld) re-sent",
                         (long long)before, (long long)open->first_claimed);
                wakecert_requirement_add_evidence(result,
                    evidence(file->file->name, event->sample, event->first, event->first + event->count,
                             "uploads stay within the stream's own audio", observed),
                    EVIDENCE_LIMIT);
            }
        }
    }
    double bound = 0;
    int status = threshold_number(parameters, "max_samples", 0, &bound, message, message_size, result->id);
    result->has_measurement = true;
    result->measured = (double)leaked;
    result->threshold = bound;
    set_unit(result, "samples", "<=");
    snprintf(result->summary, sizeof result->summary, "%lld samples uploaded outside a stream a wake, button or follow-up opened",
             (long long)leaked);
    judge(result);
    return status;
}

/* ---- upload.preroll_bounds ---------------------------------------------------------------------- */

static int score_preroll_bounds(const struct analysis *analysis, const cJSON *parameters,
                                struct wakecert_requirement_result *result, char *message, size_t message_size)
{
    double nominal_ms, tolerance_ms, true_onset_max_ms;
    int status = threshold_number(parameters, "reported_preroll_ms", 500, &nominal_ms, message, message_size, result->id);
    if (!status)
        status = threshold_number(parameters, "tolerance_ms", 10, &tolerance_ms, message, message_size, result->id);
    if (!status)
        status = threshold_number(parameters, "max_true_onset_preroll_ms", -1, &true_onset_max_ms, message, message_size,
                                  result->id);
    if (status)
        return status;
    const cJSON *true_onset_item = cJSON_GetObjectItemCaseSensitive(parameters, "max_true_onset_preroll_ms");
    bool check_true_onset = cJSON_IsNumber(true_onset_item);
    int64_t nominal = (int64_t)llround(nominal_ms * SAMPLES_PER_MS);
    double worst_deviation_ms = 0, worst_true_ms = -INFINITY, min_reported_ms = INFINITY, max_reported_ms = -INFINITY;
    size_t measured_streams = 0, true_onset_streams = 0;
    bool failed = false;
    for (size_t f = 0; f < analysis->file_count; f++) {
        const struct file_analysis *file = &analysis->files[f];
        for (size_t s = 0; s < file->stream_count; s++) {
            const struct stream_record *stream = &file->streams[s];
            if (stream->reason != WAKECERT_STREAM_WAKE || !stream->wake || stream->first_claimed < 0)
                continue;
            measured_streams++;
            int64_t reported_start = stream->wake->start;
            int64_t expected_first = reported_start - nominal;
            if (expected_first < stream->available_from)
                expected_first = stream->available_from;
            double deviation_ms = fabs((double)(stream->first_claimed - expected_first)) / SAMPLES_PER_MS;
            double reported_ms = (double)(reported_start - stream->first_claimed) / SAMPLES_PER_MS;
            if (reported_ms < min_reported_ms)
                min_reported_ms = reported_ms;
            if (reported_ms > max_reported_ms)
                max_reported_ms = reported_ms;
            if (deviation_ms > worst_deviation_ms)
                worst_deviation_ms = deviation_ms;
            if (deviation_ms > tolerance_ms) {
                failed = true;
                char expected[160], observed[160];
                snprintf(expected, sizeof expected, "upload starts at sample %lld (%.0f ms before the reported wake start %lld)",
                         (long long)expected_first, (double)(reported_start - expected_first) / SAMPLES_PER_MS,
                         (long long)reported_start);
                snprintf(observed, sizeof observed, "upload starts at sample %lld: %.1f ms of pre-roll", (long long)stream->first_claimed,
                         reported_ms);
                wakecert_requirement_add_evidence(result,
                    evidence(file->file->name, stream->open_sample, stream->first_claimed, reported_start, expected, observed),
                    EVIDENCE_LIMIT);
            }
            /* Against the true onset: the labelled wake word the stream is about. */
            for (size_t l = 0; l < file->file->label_count; l++) {
                const struct wakecert_corpus_event *label = &file->file->labels[l];
                if (label->type != WAKECERT_EVENT_WAKE || label->end <= stream->first_claimed ||
                    label->start > stream->open_sample)
                    continue;
                double true_ms = (double)(label->start - stream->first_claimed) / SAMPLES_PER_MS;
                true_onset_streams++;
                if (true_ms > worst_true_ms)
                    worst_true_ms = true_ms;
                if (check_true_onset && true_ms > true_onset_max_ms) {
                    failed = true;
                    char expected[160], observed[160];
                    snprintf(expected, sizeof expected, "at most %.0f ms of audio before the labelled wake word onset (sample %lld)",
                             true_onset_max_ms, (long long)label->start);
                    snprintf(observed, sizeof observed, "%.1f ms before the true onset were uploaded", true_ms);
                    wakecert_requirement_add_evidence(result,
                        evidence(file->file->name, stream->open_sample, stream->first_claimed, label->start, expected, observed),
                        EVIDENCE_LIMIT);
                }
                break;
            }
        }
    }
    set_unit(result, "ms", "<=");
    result->threshold = tolerance_ms;
    result->details = cJSON_CreateObject();
    cJSON_AddNumberToObject(result->details, "streams", (double)measured_streams);
    cJSON_AddNumberToObject(result->details, "nominal_preroll_ms", nominal_ms);
    if (measured_streams) {
        cJSON_AddNumberToObject(result->details, "reported_preroll_min_ms", min_reported_ms);
        cJSON_AddNumberToObject(result->details, "reported_preroll_max_ms", max_reported_ms);
    }
    if (true_onset_streams)
        cJSON_AddNumberToObject(result->details, "true_onset_preroll_max_ms", worst_true_ms);
    if (check_true_onset)
        cJSON_AddNumberToObject(result->details, "true_onset_preroll_bound_ms", true_onset_max_ms);
    if (measured_streams == 0) {
        snprintf(result->summary, sizeof result->summary, "no wake-opened stream with uploads: nothing to measure");
        return 0;
    }
    result->has_measurement = true;
    result->measured = worst_deviation_ms;
    snprintf(result->summary, sizeof result->summary,
             "pre-roll %.1f..%.1f ms against the reported start over %zu streams (worst deviation %.1f ms)%s",
             min_reported_ms, max_reported_ms, measured_streams, worst_deviation_ms,
             check_true_onset && worst_true_ms > true_onset_max_ms ? "; too much before the true onset" : "");
    result->status = failed ? WAKECERT_STATUS_FAIL : WAKECERT_STATUS_PASS;
    return 0;
}

/* ---- upload.provenance -------------------------------------------------------------------------- */

static int score_provenance(const struct analysis *analysis, const cJSON *parameters,
                            struct wakecert_requirement_result *result, char *message, size_t message_size)
{
    size_t uploads = 0, forged = 0;
    for (size_t f = 0; f < analysis->file_count; f++) {
        const struct trace_file *file = analysis->files[f].file;
        for (size_t i = 0; i < file->event_count; i++) {
            const struct trace_event *event = &file->events[i];
            if (event->type != TRACE_UPLOAD)
                continue;
            uploads++;
            if (event->matches_input)
                continue;
            forged++;
            char observed[240];
            if (event->detail[0])
                snprintf(observed, sizeof observed,
                         "samples [%lld, %lld) claimed at clock %lld: sample %lld is %s, audio no rule lets an "
                         "engine upload that late", (long long)event->first, (long long)(event->first + event->count),
                         (long long)event->sample, (long long)event->first_mismatch, event->detail);
            else
                snprintf(observed, sizeof observed,
                         "sample %lld differs from the input at that index (or was not yet fed: clock %lld)",
                         (long long)event->first_mismatch, (long long)event->sample);
            wakecert_requirement_add_evidence(result,
                evidence(file->name, event->sample, event->first, event->first + event->count,
                         "uploaded samples equal the input samples they claim to be", observed),
                EVIDENCE_LIMIT);
        }
    }
    result->has_measurement = true;
    result->measured = (double)forged;
    result->threshold = 0;
    set_unit(result, "uploads", "<=");
    snprintf(result->summary, sizeof result->summary, "%zu of %zu uploads differ from the input they claim", forged, uploads);
    judge(result);
    return 0;
}

/* ---- stream.stop_capture_close, stream.cloud_reject_close ------------------------------------- */

/* After each `control_kind` delivered to an open stream, the stream must close within bound_ms.
 * Measured over the files of every pass named in `passes` (NULL-terminated). */
static int score_close_on_control(const struct analysis *analysis, const cJSON *parameters,
                                  struct wakecert_requirement_result *result, char *message, size_t message_size,
                                  int control_kind, const char *const *passes, const char *what)
{
    double bound_ms;
    int status = threshold_number(parameters, "max_delay_ms", 10, &bound_ms, message, message_size, result->id);
    if (status)
        return status;
    size_t controls = 0;
    double worst_ms = 0;
    const struct trace *trace = analysis->trace;
    for (size_t f = 0; f < trace->file_count; f++) {
        const struct trace_file *file = &trace->files[f];
        bool wanted = false;
        for (const char *const *pass = passes; *pass; pass++)
            wanted |= strcmp(file->pass, *pass) == 0;
        if (!wanted)
            continue;
        bool open = false;
        for (size_t i = 0; i < file->event_count; i++) {
            const struct trace_event *event = &file->events[i];
            if (event->type == TRACE_STREAM_OPEN)
                open = true;
            else if (event->type == TRACE_STREAM_CLOSE)
                open = false;
            if (event->type != TRACE_CONTROL || event->code != control_kind || !open)
                continue;
            controls++;
            int64_t closed_at = file_end_sample(file);
            int64_t uploaded_after = 0;
            for (size_t j = i + 1; j < file->event_count; j++) {
                if (file->events[j].type == TRACE_UPLOAD)
                    uploaded_after += file->events[j].count;
                if (file->events[j].type == TRACE_STREAM_CLOSE) {
                    closed_at = file->events[j].sample;
                    break;
                }
            }
            double delay_ms = (double)(closed_at - event->sample) / SAMPLES_PER_MS;
            if (delay_ms > worst_ms)
                worst_ms = delay_ms;
            if (delay_ms > bound_ms) {
                char observed[200], expected[120], located[160];
                snprintf(observed, sizeof observed, "stream closed %.0f ms later (sample %lld), %lld more samples uploaded",
                         delay_ms, (long long)closed_at, (long long)uploaded_after);
                snprintf(expected, sizeof expected, "the stream closes at once on %s", what);
                snprintf(located, sizeof located, "%s (pass %s)", file->name, file->pass);
                wakecert_requirement_add_evidence(result,
                    evidence(located, event->sample, event->sample, closed_at, expected, observed), EVIDENCE_LIMIT);
            }
        }
    }
    set_unit(result, "ms", "<=");
    result->threshold = bound_ms;
    if (controls == 0) {
        snprintf(result->summary, sizeof result->summary, "no %s was sent to an open stream: nothing to measure", what);
        return 0;
    }
    result->has_measurement = true;
    result->measured = worst_ms;
    snprintf(result->summary, sizeof result->summary, "worst close delay after %s %.0f ms over %zu of them", what,
             worst_ms, controls);
    judge(result);
    return 0;
}

static int score_stop_capture_close(const struct analysis *analysis, const cJSON *parameters,
                                    struct wakecert_requirement_result *result, char *message, size_t message_size)
{
    static const char *const passes[] = {"main", NULL};
    return score_close_on_control(analysis, parameters, result, message, message_size, WAKECERT_CONTROL_STOP_CAPTURE,
                                  passes, "StopCapture");
}

static int score_cloud_reject_close(const struct analysis *analysis, const cJSON *parameters,
                                    struct wakecert_requirement_result *result, char *message, size_t message_size)
{
    static const char *const passes[] = {"main", "cloud_reject", NULL};
    return score_close_on_control(analysis, parameters, result, message, message_size, WAKECERT_CONTROL_CLOUD_REJECT,
                                  passes, "a cloud rejection");
}

/* ---- indicator.on_while_streaming --------------------------------------------------------------- */

static int score_indicator(const struct analysis *analysis, const cJSON *parameters,
                           struct wakecert_requirement_result *result, char *message, size_t message_size)
{
    double bound_ms;
    int status = threshold_number(parameters, "max_dark_ms", 0, &bound_ms, message, message_size, result->id);
    if (status)
        return status;
    size_t streams = 0;
    double worst_ms = 0;
    for (size_t f = 0; f < analysis->file_count; f++) {
        const struct trace_file *file = analysis->files[f].file;
        int indicator = WAKECERT_INDICATOR_OFF;
        bool open = false;
        int64_t dark_since = -1, dark_total = 0, open_sample = 0;
        for (size_t i = 0; i <= file->event_count; i++) {
            const struct trace_event *event = i < file->event_count ? &file->events[i] : NULL;
            bool closes = !event || event->type == TRACE_STREAM_CLOSE;
            int64_t now = event ? event->sample : file_end_sample(file);
            if (event && event->type == TRACE_INDICATOR) {
                indicator = event->code;
                if (open && indicator == WAKECERT_INDICATOR_LISTENING && dark_since >= 0) {
                    dark_total += now - dark_since;
                    dark_since = -1;
                } else if (open && indicator != WAKECERT_INDICATOR_LISTENING && dark_since < 0)
                    dark_since = now;
            } else if (event && event->type == TRACE_STREAM_OPEN) {
                open = true;
                streams++;
                open_sample = now;
                dark_total = 0;
                dark_since = indicator == WAKECERT_INDICATOR_LISTENING ? -1 : now;
            } else if (closes && open) {
                if (dark_since >= 0)
                    dark_total += now - dark_since;
                open = false;
                dark_since = -1;
                double dark_ms = (double)dark_total / SAMPLES_PER_MS;
                if (dark_ms > worst_ms)
                    worst_ms = dark_ms;
                if (dark_ms > bound_ms) {
                    char observed[160];
                    snprintf(observed, sizeof observed, "the indicator was not on for %.0f ms of this stream", dark_ms);
                    wakecert_requirement_add_evidence(result,
                        evidence(file->name, open_sample, open_sample, now,
                                 "the indicator shows listening for the whole stream", observed),
                        EVIDENCE_LIMIT);
                }
            }
        }
    }
    set_unit(result, "ms", "<=");
    result->threshold = bound_ms;
    result->has_measurement = true;
    result->measured = worst_ms;
    snprintf(result->summary, sizeof result->summary, "longest time streaming with the indicator off: %.0f ms over %zu streams",
             worst_ms, streams);
    judge(result);
    return 0;
}

/* ---- mic.off_no_capture ------------------------------------------------------------------------- */

static int score_mic_off(const struct analysis *analysis, const cJSON *parameters,
                         struct wakecert_requirement_result *result, char *message, size_t message_size)
{
    size_t violations = 0, windows = 0;
    for (size_t f = 0; f < analysis->file_count; f++) {
        const struct file_analysis *file = &analysis->files[f];
        const struct trace_file *trace_file = file->file;
        windows += file->mute_count;
        bool muted = false, indicator_muted = false;
        int indicator = WAKECERT_INDICATOR_OFF;
        for (size_t i = 0; i < trace_file->event_count; i++) {
            const struct trace_event *event = &trace_file->events[i];
            const char *what = NULL;
            char observed[200] = "";
            if (event->type == TRACE_CONTROL && event->code == WAKECERT_CONTROL_MICROPHONE_OFF) {
                muted = true;
                indicator_muted = false;
                continue;
            }
            if (event->type == TRACE_CONTROL && event->code == WAKECERT_CONTROL_MICROPHONE_ON) {
                if (muted && !indicator_muted) {
                    what = "the muted indicator shown for the whole microphone-off window";
                    snprintf(observed, sizeof observed, "the indicator never showed muted");
                }
                muted = false;
            } else if (event->type == TRACE_INDICATOR) {
                indicator = event->code;
                if (muted && indicator == WAKECERT_INDICATOR_MUTED)
                    indicator_muted = true;
                else if (muted && indicator_muted) {
                    what = "the muted indicator shown for the whole microphone-off window";
                    snprintf(observed, sizeof observed, "indicator changed to %s while muted", engine_indicator_name(indicator));
                }
            } else if (muted && event->type == TRACE_WAKE) {
                what = "no wake detection while the microphone is off";
                snprintf(observed, sizeof observed, "wake \"%s\" reported", event->keyword);
            } else if (muted && event->type == TRACE_STREAM_OPEN) {
                what = "no stream while the microphone is off";
                snprintf(observed, sizeof observed, "a %s stream opened", engine_stream_reason_name(event->code));
            } else if (event->type == TRACE_UPLOAD) {
                if (muted) {
                    what = "no upload while the microphone is off";
                    snprintf(observed, sizeof observed, "%lld samples uploaded", (long long)event->count);
                } else {
                    for (size_t w = 0; w < file->mute_count; w++) {
                        int64_t overlap_start = event->first > file->mutes[w].start ? event->first : file->mutes[w].start;
                        int64_t overlap_end = event->first + event->count < file->mutes[w].end ? event->first + event->count
                                                                                               : file->mutes[w].end;
                        if (overlap_end > overlap_start) {
                            what = "audio from a microphone-off window is never uploaded";
                            snprintf(observed, sizeof observed, "%lld samples from the window %lld-%lld uploaded",
                                     (long long)(overlap_end - overlap_start), (long long)file->mutes[w].start,
                                     (long long)file->mutes[w].end);
                            break;
                        }
                    }
                }
            }
            if (what) {
                violations++;
                wakecert_requirement_add_evidence(result,
                    evidence(trace_file->name, event->sample, event->type == TRACE_UPLOAD ? event->first : -1,
                             event->type == TRACE_UPLOAD ? event->first + event->count : -1, what, observed),
                    EVIDENCE_LIMIT);
            }
        }
    }
    set_unit(result, "violations", "<=");
    result->threshold = 0;
    if (windows == 0) {
        snprintf(result->summary, sizeof result->summary, "the corpus has no microphone-off window: nothing to measure");
        return 0;
    }
    result->has_measurement = true;
    result->measured = (double)violations;
    snprintf(result->summary, sizeof result->summary, "%zu violations over %zu microphone-off windows", violations, windows);
    judge(result);
    return 0;
}

/* ---- wake.false_reject_rate --------------------------------------------------------------------- */

/* The profile key that bounds a condition's false reject rate: its exact name if the profile lists it,
 * else its family (the part before the first '_': "noise" for "noise_10db") if listed, else "default".
 * Writes the key to key[key_size] and returns its bound (0.1 when the profile has no "default"). */
static double condition_threshold(const cJSON *by_condition, const char *condition, char *key, size_t key_size)
{
    const cJSON *exact = cJSON_GetObjectItemCaseSensitive(by_condition, condition);
    if (cJSON_IsNumber(exact)) {
        snprintf(key, key_size, "%.31s", condition);
        return exact->valuedouble;
    }
    char family[32];
    size_t length = strcspn(condition, "_");
    if (length >= sizeof family)
        length = sizeof family - 1;
    memcpy(family, condition, length);
    family[length] = '\0';
    const cJSON *by_family = cJSON_GetObjectItemCaseSensitive(by_condition, family);
    if (cJSON_IsNumber(by_family)) {
        snprintf(key, key_size, "%s", family);
        return by_family->valuedouble;
    }
    snprintf(key, key_size, "default");
    const cJSON *fallback = cJSON_GetObjectItemCaseSensitive(by_condition, "default");
    return cJSON_IsNumber(fallback) ? fallback->valuedouble : 0.1;
}

/* Wake words and misses per voice of the manifest, and per condition within each voice. */
enum { MAX_VOICES = 64, MAX_VOICE_CONDITIONS = 24 };
struct voice_count {
    char name[48];
    size_t positives, misses;
    size_t condition_count;
    struct {
        char name[32];
        size_t positives, misses;
    } conditions[MAX_VOICE_CONDITIONS];
};

/* Count one labelled wake word of `voice` ("" counts as "(unnamed)") in `condition`. When more than
 * MAX_VOICES voices come, the last slot is renamed "(other)" and pools its voice with every later one;
 * past MAX_VOICE_CONDITIONS conditions a voice's later ones go into its last; so every wake word is
 * counted once. Cannot fail. */
static void count_voice_condition(struct voice_count *voices, size_t *voice_count, const char *voice,
                                  const char *condition, bool missed)
{
    const char *name = voice[0] ? voice : "(unnamed)";
    size_t v = 0;
    while (v < *voice_count && strcmp(voices[v].name, name) != 0)
        v++;
    if (v == *voice_count) {
        if (v == MAX_VOICES) {
            v = MAX_VOICES - 1;
            snprintf(voices[v].name, sizeof voices[v].name, "(other)");
        } else {
            memset(&voices[v], 0, sizeof voices[v]);
            snprintf(voices[v].name, sizeof voices[v].name, "%s", name);
            (*voice_count)++;
        }
    }
    struct voice_count *entry = &voices[v];
    size_t c = 0;
    while (c < entry->condition_count && strcmp(entry->conditions[c].name, condition) != 0)
        c++;
    if (c == entry->condition_count) {
        if (c == MAX_VOICE_CONDITIONS) {
            c = MAX_VOICE_CONDITIONS - 1;
        } else {
            snprintf(entry->conditions[c].name, sizeof entry->conditions[c].name, "%s", condition);
            entry->conditions[c].positives = entry->conditions[c].misses = 0;
            entry->condition_count++;
        }
    }
    entry->positives++;
    entry->conditions[c].positives++;
    entry->misses += missed;
    entry->conditions[c].misses += missed;
}

/* details.by_voice: {voice: {positives, misses, rate, by_condition: {condition: {positives, misses}}}}
 * in the order the voices were first met (the manifest's file order). Cannot fail (cJSON allocation
 * failures leave members out). */
static void add_voice_details(cJSON *details, const struct voice_count *voices, size_t voice_count)
{
    cJSON *by_voice = cJSON_AddObjectToObject(details, "by_voice");
    for (size_t v = 0; v < voice_count; v++) {
        cJSON *entry = cJSON_AddObjectToObject(by_voice, voices[v].name);
        cJSON_AddNumberToObject(entry, "positives", (double)voices[v].positives);
        cJSON_AddNumberToObject(entry, "misses", (double)voices[v].misses);
        cJSON_AddNumberToObject(entry, "rate", (double)voices[v].misses / (double)voices[v].positives);
        cJSON *per_condition = cJSON_AddObjectToObject(entry, "by_condition");
        for (size_t c = 0; c < voices[v].condition_count; c++) {
            cJSON *condition = cJSON_AddObjectToObject(per_condition, voices[v].conditions[c].name);
            cJSON_AddNumberToObject(condition, "positives", (double)voices[v].conditions[c].positives);
            cJSON_AddNumberToObject(condition, "misses", (double)voices[v].conditions[c].misses);
        }
    }
}

/* False reject rate per group of conditions. AVS states its bounds per category of condition
 * ("stationary noise <= 20 %"), measured over that category's whole test set, so the conditions whose
 * bound comes from the same profile key are pooled into one rate: a corpus's single 0 dB babble file
 * is one positive of the "default" group, not a condition of its own whose one miss is a 100 % rate.
 * A profile that wants a condition judged alone lists it by its full name. Per-condition counts are
 * kept in the details (by_condition) and the groups' in by_group, and per voice of the manifest
 * (by_voice: each voice's positives and misses, overall and per condition) — what tells a vendor that
 * its misses are one speaker's, not one condition's. Voices are informational: no bound applies. */
static int score_false_reject_rate(const struct analysis *analysis, const cJSON *parameters,
                                   struct wakecert_requirement_result *result, char *message, size_t message_size)
{
    const cJSON *by_condition = cJSON_GetObjectItemCaseSensitive(parameters, "max_rate_by_condition");
    if (by_condition && !cJSON_IsObject(by_condition))
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                  "profile requirement %s: \"max_rate_by_condition\" must be an object", result->id);
    enum { MAX_CONDITIONS = 64 };
    struct condition_count {
        char name[32];
        size_t positives, misses;
    } conditions[MAX_CONDITIONS], groups[MAX_CONDITIONS];
    size_t condition_count = 0, positives = 0, misses = 0, voice_count = 0;
    struct voice_count *voices = calloc(MAX_VOICES, sizeof *voices); /* ~78 KB: off the stack */
    if (!voices)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory scoring %s",
                                  result->id);
    for (size_t f = 0; f < analysis->file_count; f++) {
        const struct file_analysis *file = &analysis->files[f];
        for (size_t l = 0; l < file->file->label_count; l++) {
            const struct wakecert_corpus_event *label = &file->file->labels[l];
            if (label->type != WAKECERT_EVENT_WAKE || inside_mute(file, label->start))
                continue;
            size_t c = 0;
            while (c < condition_count && strcmp(conditions[c].name, file->file->condition) != 0)
                c++;
            if (c == condition_count && condition_count < MAX_CONDITIONS) {
                snprintf(conditions[c].name, sizeof conditions[c].name, "%s", file->file->condition);
                conditions[c].positives = conditions[c].misses = 0;
                condition_count++;
            }
            if (c == MAX_CONDITIONS)
                c = MAX_CONDITIONS - 1;
            const bool missed = file->label_hit[l] < 0;
            count_voice_condition(voices, &voice_count, file->file->voice, file->file->condition, missed);
            positives++;
            conditions[c].positives++;
            if (!missed)
                continue;
            misses++;
            conditions[c].misses++;
            char expected[160];
            snprintf(expected, sizeof expected, "a detection between %.3f s and %.3f s",
                     (double)label->start / WAKECERT_SAMPLE_RATE,
                     (double)(label->end + SCORER_HIT_AFTER_END_SAMPLES) / WAKECERT_SAMPLE_RATE);
            wakecert_requirement_add_evidence(result,
                evidence(file->file->name, label->start, label->start, label->end, expected, "no detection (missed wake word)"),
                EVIDENCE_LIMIT);
        }
    }
    set_unit(result, "ratio", "<=");
    result->details = cJSON_CreateObject();
    cJSON *per_condition = cJSON_AddObjectToObject(result->details, "by_condition");
    size_t group_count = 0;
    double group_bound[MAX_CONDITIONS];
    for (size_t c = 0; c < condition_count; c++) {
        char key[32];
        double bound = condition_threshold(by_condition, conditions[c].name, key, sizeof key);
        cJSON *entry = cJSON_AddObjectToObject(per_condition, conditions[c].name);
        cJSON_AddNumberToObject(entry, "positives", (double)conditions[c].positives);
        cJSON_AddNumberToObject(entry, "misses", (double)conditions[c].misses);
        cJSON_AddNumberToObject(entry, "rate", (double)conditions[c].misses / (double)conditions[c].positives);
        cJSON_AddNumberToObject(entry, "threshold", bound);
        cJSON_AddStringToObject(entry, "group", key);
        size_t g = 0;
        while (g < group_count && strcmp(groups[g].name, key) != 0)
            g++;
        if (g == group_count) {
            snprintf(groups[g].name, sizeof groups[g].name, "%s", key);
            groups[g].positives = groups[g].misses = 0;
            group_bound[g] = bound;
            group_count++;
        }
        groups[g].positives += conditions[c].positives;
        groups[g].misses += conditions[c].misses;
    }
    cJSON *per_group = cJSON_AddObjectToObject(result->details, "by_group");
    double worst_margin = -INFINITY;
    bool failed = false;
    const char *worst_group = "";
    for (size_t g = 0; g < group_count; g++) {
        double rate = (double)groups[g].misses / (double)groups[g].positives;
        cJSON *entry = cJSON_AddObjectToObject(per_group, groups[g].name);
        cJSON_AddNumberToObject(entry, "positives", (double)groups[g].positives);
        cJSON_AddNumberToObject(entry, "misses", (double)groups[g].misses);
        cJSON_AddNumberToObject(entry, "rate", rate);
        cJSON_AddNumberToObject(entry, "threshold", group_bound[g]);
        failed |= rate > group_bound[g] + 1e-12;
        if (rate - group_bound[g] > worst_margin) {
            worst_margin = rate - group_bound[g];
            result->measured = rate;
            result->threshold = group_bound[g];
            worst_group = groups[g].name;
        }
    }
    add_voice_details(result->details, voices, voice_count);
    free(voices);
    cJSON_AddNumberToObject(result->details, "positives", (double)positives);
    cJSON_AddNumberToObject(result->details, "misses", (double)misses);
    if (positives == 0) {
        snprintf(result->summary, sizeof result->summary, "no labelled wake words: nothing to measure");
        return 0;
    }
    result->has_measurement = true;
    result->status = failed ? WAKECERT_STATUS_FAIL : WAKECERT_STATUS_PASS;
    snprintf(result->summary, sizeof result->summary,
             "%zu of %zu wake words missed (%.1f%%); worst group against its bound: \"%.31s\"", misses, positives,
             100.0 * (double)misses / (double)positives, worst_group);
    return 0;
}

/* ---- wake.false_wakes_per_hour ------------------------------------------------------------------ */

static int score_false_wakes_per_hour(const struct analysis *analysis, const cJSON *parameters,
                                      struct wakecert_requirement_result *result, char *message, size_t message_size)
{
    double bound;
    int status = threshold_number(parameters, "max_per_hour", 3.0 / 24.0, &bound, message, message_size, result->id);
    if (status)
        return status;
    struct kind_count {
        char name[16];
        double hours;
        size_t false_wakes;
    } kinds[16];
    size_t kind_count = 0, false_wakes = 0;
    double hours = 0;
    for (size_t f = 0; f < analysis->file_count; f++) {
        const struct file_analysis *file = &analysis->files[f];
        size_t k = 0;
        while (k < kind_count && strcmp(kinds[k].name, file->file->kind) != 0)
            k++;
        if (k == kind_count && kind_count < 16) {
            snprintf(kinds[k].name, sizeof kinds[k].name, "%s", file->file->kind);
            kinds[k].hours = 0;
            kinds[k].false_wakes = 0;
            kind_count++;
        }
        if (k == 16)
            k = 15;
        double file_hours = (double)file_end_sample(file->file) / WAKECERT_SAMPLE_RATE / 3600.0;
        kinds[k].hours += file_hours;
        hours += file_hours;
        for (size_t d = 0; d < file->detection_count; d++) {
            const struct detection *detection = &file->detections[d];
            if (detection->duplicate || detection->label >= 0 || detection->muted)
                continue;
            false_wakes++;
            kinds[k].false_wakes++;
            char observed[160];
            snprintf(observed, sizeof observed, "wake \"%s\" (score %.3f) at sample %lld with no wake word there",
                     detection->event->keyword, detection->event->score, (long long)detection->event->sample);
            wakecert_requirement_add_evidence(result,
                evidence(file->file->name, detection->event->sample, detection->event->start, detection->event->end,
                         "no detection outside a labelled wake word", observed),
                EVIDENCE_LIMIT);
        }
    }
    set_unit(result, "per_hour", "<=");
    result->threshold = bound;
    result->details = cJSON_CreateObject();
    cJSON_AddNumberToObject(result->details, "false_wakes", (double)false_wakes);
    cJSON_AddNumberToObject(result->details, "hours", hours);
    cJSON *per_kind = cJSON_AddObjectToObject(result->details, "by_kind");
    for (size_t k = 0; k < kind_count; k++) {
        cJSON *entry = cJSON_AddObjectToObject(per_kind, kinds[k].name);
        cJSON_AddNumberToObject(entry, "false_wakes", (double)kinds[k].false_wakes);
        cJSON_AddNumberToObject(entry, "hours", kinds[k].hours);
        cJSON_AddNumberToObject(entry, "per_hour", kinds[k].hours > 0 ? (double)kinds[k].false_wakes / kinds[k].hours : 0);
    }
    /* A stream (the soak) reports the kind of audio each block was of: false wakes per hour per kind. */
    for (size_t f = 0; f < analysis->file_count; f++) {
        const struct file_analysis *file = &analysis->files[f];
        if (file->file->stream_kind_count == 0)
            continue;
        cJSON *stream = cJSON_AddObjectToObject(result->details, "stream_by_kind");
        for (size_t k = 0; k < file->file->stream_kind_count; k++) {
            size_t wakes = 0;
            for (size_t d = 0; d < file->detection_count; d++) {
                const struct detection *detection = &file->detections[d];
                if (!detection->duplicate && detection->label < 0 && !detection->muted &&
                    strcmp(detection->event->detail, file->file->stream_kinds[k].kind) == 0)
                    wakes++;
            }
            double kind_hours = file->file->stream_kinds[k].hours;
            cJSON *entry = cJSON_AddObjectToObject(stream, file->file->stream_kinds[k].kind);
            cJSON_AddNumberToObject(entry, "false_wakes", (double)wakes);
            cJSON_AddNumberToObject(entry, "hours", kind_hours);
            cJSON_AddNumberToObject(entry, "per_hour", kind_hours > 0 ? (double)wakes / kind_hours : 0);
        }
        break; /* one stream per run */
    }
    if (hours <= 0) {
        snprintf(result->summary, sizeof result->summary, "no audio: nothing to measure");
        return 0;
    }
    result->has_measurement = true;
    result->measured = (double)false_wakes / hours;
    snprintf(result->summary, sizeof result->summary, "%zu false wakes in %.3f h of audio", false_wakes, hours);
    judge(result);
    return 0;
}

/* ---- wake.detection_latency --------------------------------------------------------------------- */

static int score_detection_latency(const struct analysis *analysis, const cJSON *parameters,
                                   struct wakecert_requirement_result *result, char *message, size_t message_size)
{
    double bound_ms, p95_bound_ms;
    int status = threshold_number(parameters, "max_ms", 1000, &bound_ms, message, message_size, result->id);
    if (!status)
        status = threshold_number(parameters, "max_p95_ms", INFINITY, &p95_bound_ms, message, message_size, result->id);
    if (status)
        return status;
    size_t capacity = 16, count = 0;
    double *latencies = malloc(capacity * sizeof *latencies);
    for (size_t f = 0; f < analysis->file_count && latencies; f++) {
        const struct file_analysis *file = &analysis->files[f];
        for (size_t l = 0; l < file->file->label_count; l++) {
            if (file->label_hit[l] < 0)
                continue;
            const struct wakecert_corpus_event *label = &file->file->labels[l];
            const struct trace_event *hit = file->detections[file->label_hit[l]].event;
            double latency_ms = (double)(hit->sample - label->end) / SAMPLES_PER_MS;
            if (count == capacity) {
                double *grown = realloc(latencies, 2 * capacity * sizeof *latencies);
                if (!grown)
                    break;
                latencies = grown;
                capacity *= 2;
            }
            latencies[count++] = latency_ms;
            if (latency_ms > bound_ms) {
                char observed[120];
                snprintf(observed, sizeof observed, "detected %.0f ms after the wake word ended", latency_ms);
                char expected[120];
                snprintf(expected, sizeof expected, "detection within %.0f ms of the wake word's end", bound_ms);
                wakecert_requirement_add_evidence(result,
                    evidence(file->file->name, hit->sample, label->start, label->end, expected, observed), EVIDENCE_LIMIT);
            }
        }
    }
    set_unit(result, "ms", "<=");
    result->threshold = bound_ms;
    if (!latencies || count == 0) {
        free(latencies);
        snprintf(result->summary, sizeof result->summary, "no detected wake words: nothing to measure");
        return 0;
    }
    double p50 = percentile(latencies, count, 0.50), p95 = percentile(latencies, count, 0.95),
           max = latencies[count - 1], min = latencies[0];
    free(latencies);
    result->details = cJSON_CreateObject();
    cJSON_AddNumberToObject(result->details, "detections", (double)count);
    cJSON_AddNumberToObject(result->details, "min_ms", min);
    cJSON_AddNumberToObject(result->details, "p50_ms", p50);
    cJSON_AddNumberToObject(result->details, "p95_ms", p95);
    cJSON_AddNumberToObject(result->details, "max_ms", max);
    result->has_measurement = true;
    result->measured = max;
    snprintf(result->summary, sizeof result->summary, "latency after the wake word's end: p50 %.0f ms, p95 %.0f ms, max %.0f ms",
             p50, p95, max);
    judge(result);
    if (isfinite(p95_bound_ms) && p95 > p95_bound_ms)
        result->status = WAKECERT_STATUS_FAIL;
    return 0;
}

/* ---- wake.index_accuracy ----------------------------------------------------------------------- */

static int score_index_accuracy(const struct analysis *analysis, const cJSON *parameters,
                                struct wakecert_requirement_result *result, char *message, size_t message_size)
{
    double max_error_ms, min_fraction;
    int status = threshold_number(parameters, "max_error_ms", 100, &max_error_ms, message, message_size, result->id);
    if (!status)
        status = threshold_number(parameters, "min_fraction", 0.95, &min_fraction, message, message_size, result->id);
    if (status)
        return status;
    size_t hits = 0, accurate = 0;
    double worst_ms = 0;
    for (size_t f = 0; f < analysis->file_count; f++) {
        const struct file_analysis *file = &analysis->files[f];
        for (size_t l = 0; l < file->file->label_count; l++) {
            if (file->label_hit[l] < 0)
                continue;
            const struct wakecert_corpus_event *label = &file->file->labels[l];
            const struct trace_event *hit = file->detections[file->label_hit[l]].event;
            double error_ms = fabs((double)(hit->start - label->start)) / SAMPLES_PER_MS;
            hits++;
            if (error_ms > worst_ms)
                worst_ms = error_ms;
            if (error_ms <= max_error_ms) {
                accurate++;
                continue;
            }
            char expected[120], observed[120];
            snprintf(expected, sizeof expected, "reported start within %.0f ms of the labelled start %lld", max_error_ms,
                     (long long)label->start);
            snprintf(observed, sizeof observed, "reported start %lld, %.0f ms off", (long long)hit->start, error_ms);
            wakecert_requirement_add_evidence(result,
                evidence(file->file->name, hit->sample, label->start, label->end, expected, observed), EVIDENCE_LIMIT);
        }
    }
    set_unit(result, "fraction", ">=");
    result->threshold = min_fraction;
    result->details = cJSON_CreateObject();
    cJSON_AddNumberToObject(result->details, "detections", (double)hits);
    cJSON_AddNumberToObject(result->details, "max_error_ms", max_error_ms);
    cJSON_AddNumberToObject(result->details, "worst_error_ms", worst_ms);
    if (hits == 0) {
        snprintf(result->summary, sizeof result->summary, "no detected wake words: nothing to measure");
        return 0;
    }
    result->has_measurement = true;
    result->measured = (double)accurate / (double)hits;
    snprintf(result->summary, sizeof result->summary,
             "%zu of %zu reported wake starts within %.0f ms of the label (worst %.0f ms)", accurate, hits, max_error_ms,
             worst_ms);
    judge(result);
    return 0;
}

/* ---- wake.confusable_rejection, wake.media_suppression ------------------------------------------ */

/* Detections reported in [label start, label end + 0.5 s] of labels of `label_type`. */
static int score_label_wakes(const struct analysis *analysis, struct wakecert_requirement_result *result, int label_type,
                             double per, const char *what, size_t *out_labels, size_t *out_woken)
{
    size_t labels = 0, woken = 0;
    for (size_t f = 0; f < analysis->file_count; f++) {
        const struct file_analysis *file = &analysis->files[f];
        for (size_t l = 0; l < file->file->label_count; l++) {
            const struct wakecert_corpus_event *label = &file->file->labels[l];
            if (label->type != label_type || inside_mute(file, label->start))
                continue;
            labels++;
            for (size_t d = 0; d < file->detection_count; d++) {
                const struct trace_event *event = file->detections[d].event;
                if (file->detections[d].duplicate || event->sample < label->start ||
                    event->sample > label->end + SCORER_HIT_AFTER_END_SAMPLES)
                    continue;
                woken++;
                char observed[160];
                snprintf(observed, sizeof observed, "woke on %s \"%s\" (score %.3f)", what, label->word, event->score);
                wakecert_requirement_add_evidence(result,
                    evidence(file->file->name, event->sample, label->start, label->end, "no wake", observed),
                    EVIDENCE_LIMIT);
                break;
            }
        }
    }
    *out_labels = labels;
    *out_woken = woken;
    if (labels) {
        result->has_measurement = true;
        result->measured = per * (double)woken / (double)labels;
    }
    return 0;
}

static int score_confusable_rejection(const struct analysis *analysis, const cJSON *parameters,
                                      struct wakecert_requirement_result *result, char *message, size_t message_size)
{
    double bound;
    int status = threshold_number(parameters, "max_per_1000", 1, &bound, message, message_size, result->id);
    if (status)
        return status;
    size_t labels, woken;
    score_label_wakes(analysis, result, WAKECERT_EVENT_CONFUSABLE, 1000.0, "the confusable", &labels, &woken);
    set_unit(result, "per_1000", "<=");
    result->threshold = bound;
    if (!labels) {
        snprintf(result->summary, sizeof result->summary, "the corpus has no confusable words: nothing to measure");
        return 0;
    }
    snprintf(result->summary, sizeof result->summary, "%zu wakes on %zu confusable utterances", woken, labels);
    judge(result);
    return 0;
}

static int score_media_suppression(const struct analysis *analysis, const cJSON *parameters,
                                   struct wakecert_requirement_result *result, char *message, size_t message_size)
{
    double bound;
    int status = threshold_number(parameters, "max_rate", 0.1, &bound, message, message_size, result->id);
    if (status)
        return status;
    size_t labels, woken;
    score_label_wakes(analysis, result, WAKECERT_EVENT_MEDIA_WAKE, 1.0, "media speech", &labels, &woken);
    set_unit(result, "ratio", "<=");
    result->threshold = bound;
    if (!labels) {
        snprintf(result->summary, sizeof result->summary, "the corpus has no wake words in media audio: nothing to measure");
        return 0;
    }
    snprintf(result->summary, sizeof result->summary, "acted on %zu of %zu wake words spoken by TV or radio", woken, labels);
    judge(result);
    return 0;
}

/* ---- upload.button_no_preroll ------------------------------------------------------------------- */

static int score_button_no_preroll(const struct analysis *analysis, const cJSON *parameters,
                                   struct wakecert_requirement_result *result, char *message, size_t message_size)
{
    double bound_ms;
    int status = threshold_number(parameters, "max_ms", 0, &bound_ms, message, message_size, result->id);
    if (status)
        return status;
    size_t streams = 0;
    double worst_ms = 0;
    for (size_t f = 0; f < analysis->file_count; f++) {
        const struct file_analysis *file = &analysis->files[f];
        for (size_t s = 0; s < file->stream_count; s++) {
            const struct stream_record *stream = &file->streams[s];
            if (stream->reason != WAKECERT_STREAM_BUTTON || stream->first_claimed < 0 || stream->trigger_sample < 0)
                continue;
            streams++;
            double before_ms = (double)(stream->trigger_sample - stream->first_claimed) / SAMPLES_PER_MS;
            if (before_ms < 0)
                before_ms = 0;
            if (before_ms > worst_ms)
                worst_ms = before_ms;
            if (before_ms > bound_ms) {
                char expected[120], observed[120];
                snprintf(expected, sizeof expected, "nothing from before the button press at sample %lld",
                         (long long)stream->trigger_sample);
                snprintf(observed, sizeof observed, "%.0f ms of audio from before the press uploaded", before_ms);
                wakecert_requirement_add_evidence(result,
                    evidence(file->file->name, stream->open_sample, stream->first_claimed, stream->trigger_sample, expected,
                             observed),
                    EVIDENCE_LIMIT);
            }
        }
    }
    set_unit(result, "ms", "<=");
    result->threshold = bound_ms;
    if (!streams) {
        snprintf(result->summary, sizeof result->summary, "no button-opened stream uploaded audio: nothing to measure");
        return 0;
    }
    result->has_measurement = true;
    result->measured = worst_ms;
    snprintf(result->summary, sizeof result->summary, "at most %.0f ms from before the press over %zu button streams",
             worst_ms, streams);
    judge(result);
    return 0;
}

/* ---- stream.local_endpoint ---------------------------------------------------------------------- */

static int score_local_endpoint(const struct analysis *analysis, const cJSON *parameters,
                                struct wakecert_requirement_result *result, char *message, size_t message_size)
{
    double bound_ms;
    int status = threshold_number(parameters, "max_stream_ms", 15000, &bound_ms, message, message_size, result->id);
    if (status)
        return status;
    const struct trace *trace = analysis->trace;
    size_t streams = 0;
    double worst_ms = 0;
    for (size_t f = 0; f < trace->file_count; f++) {
        const struct trace_file *file = &trace->files[f];
        if (strcmp(file->pass, "network_loss") != 0)
            continue;
        int64_t opened = -1;
        for (size_t i = 0; i <= file->event_count; i++) {
            const struct trace_event *event = i < file->event_count ? &file->events[i] : NULL;
            if (event && event->type == TRACE_STREAM_OPEN) {
                opened = event->sample;
                streams++;
                continue;
            }
            if (opened < 0 || (event && event->type != TRACE_STREAM_CLOSE))
                continue;
            int64_t closed = event ? event->sample : file_end_sample(file);
            double duration_ms = (double)(closed - opened) / SAMPLES_PER_MS;
            if (duration_ms > worst_ms)
                worst_ms = duration_ms;
            if (duration_ms > bound_ms) {
                char observed[160], expected[120];
                snprintf(expected, sizeof expected, "with no answer from the cloud, the stream ends within %.0f ms", bound_ms);
                snprintf(observed, sizeof observed, "%s after %.0f ms", event ? "closed" : "still open at the end of the file",
                         duration_ms);
                wakecert_requirement_add_evidence(result,
                    evidence(file->name, opened, opened, closed, expected, observed), EVIDENCE_LIMIT);
            }
            opened = -1;
        }
    }
    set_unit(result, "ms", "<=");
    result->threshold = bound_ms;
    bool ran = false;
    for (size_t f = 0; f < trace->file_count && !ran; f++)
        ran = strcmp(trace->files[f].pass, "network_loss") == 0;
    if (!ran)
        return engine_checks_skipped(result);
    if (!streams) {
        snprintf(result->summary, sizeof result->summary, "no stream opened in the network-loss pass: nothing to measure");
        return 0;
    }
    result->has_measurement = true;
    result->measured = worst_ms;
    snprintf(result->summary, sizeof result->summary,
             "with the network gone, the longest of %zu streams lasted %.0f ms", streams, worst_ms);
    judge(result);
    return 0;
}

/* ---- followup.window_bound ---------------------------------------------------------------------- */

static int score_follow_up_window(const struct analysis *analysis, const cJSON *parameters,
                                  struct wakecert_requirement_result *result, char *message, size_t message_size)
{
    double tolerance_ms;
    int status = threshold_number(parameters, "tolerance_ms", 10, &tolerance_ms, message, message_size, result->id);
    if (status)
        return status;
    size_t windows = 0;
    double worst_ms = 0;
    for (size_t f = 0; f < analysis->file_count; f++) {
        const struct trace_file *file = analysis->files[f].file;
        for (size_t i = 0; i < file->event_count; i++) {
            const struct trace_event *expect = &file->events[i];
            if (expect->type != TRACE_CONTROL || expect->code != WAKECERT_CONTROL_EXPECT_SPEECH)
                continue;
            int64_t deadline = expect->sample + (int64_t)expect->timeout_ms * WAKECERT_SAMPLE_RATE / 1000;
            /* The follow-up stream: the next stream_open; ends at its close or at a StopCapture. */
            int64_t opened = -1, ended = -1, first_claimed = -1;
            bool stopped = false;
            for (size_t j = i + 1; j < file->event_count; j++) {
                const struct trace_event *event = &file->events[j];
                if (opened < 0 && event->type == TRACE_STREAM_OPEN) {
                    if (event->code != WAKECERT_STREAM_FOLLOW_UP)
                        break;
                    opened = event->sample;
                } else if (opened >= 0 && first_claimed < 0 && event->type == TRACE_UPLOAD)
                    first_claimed = event->first;
                else if (opened >= 0 && event->type == TRACE_CONTROL && event->code == WAKECERT_CONTROL_STOP_CAPTURE)
                    stopped = true;
                else if (opened >= 0 && event->type == TRACE_STREAM_CLOSE) {
                    ended = event->sample;
                    break;
                }
            }
            if (opened < 0)
                continue; /* the engine did not take up the follow-up: nothing streamed */
            windows++;
            if (ended < 0)
                ended = file_end_sample(file);
            double overrun_ms = stopped ? 0 : (double)(ended - deadline) / SAMPLES_PER_MS;
            double early_ms = first_claimed >= 0 && first_claimed < expect->sample
                                  ? (double)(expect->sample - first_claimed) / SAMPLES_PER_MS
                                  : 0;
            double excess = overrun_ms > early_ms ? overrun_ms : early_ms;
            if (excess > worst_ms)
                worst_ms = excess;
            if (excess > tolerance_ms) {
                char expected[160], observed[160];
                snprintf(expected, sizeof expected, "the follow-up stream holds audio from the ExpectSpeech (sample %lld) "
                         "to at most its %d ms timeout", (long long)expect->sample, expect->timeout_ms);
                if (early_ms > overrun_ms)
                    snprintf(observed, sizeof observed, "%.0f ms from before the ExpectSpeech uploaded", early_ms);
                else
                    snprintf(observed, sizeof observed, "the stream stayed open %.0f ms past the timeout", overrun_ms);
                wakecert_requirement_add_evidence(result,
                    evidence(file->name, expect->sample, expect->sample, ended, expected, observed), EVIDENCE_LIMIT);
            }
        }
    }
    set_unit(result, "ms", "<=");
    result->threshold = tolerance_ms;
    if (!windows) {
        snprintf(result->summary, sizeof result->summary, "no follow-up stream was opened: nothing to measure");
        return 0;
    }
    result->has_measurement = true;
    result->measured = worst_ms;
    snprintf(result->summary, sizeof result->summary, "worst excess over %zu follow-up windows: %.0f ms", windows, worst_ms);
    judge(result);
    return 0;
}

/* ---- local_only.no_audio_upload ----------------------------------------------------------------- */

static int score_local_only(const struct analysis *analysis, const cJSON *parameters,
                            struct wakecert_requirement_result *result, char *message, size_t message_size)
{
    int64_t uploaded = 0;
    size_t streams = 0, detections = 0, positives = 0;
    for (size_t f = 0; f < analysis->file_count; f++) {
        const struct file_analysis *file = &analysis->files[f];
        streams += file->stream_count;
        for (size_t d = 0; d < file->detection_count; d++)
            detections += !file->detections[d].duplicate;
        for (size_t l = 0; l < file->file->label_count; l++)
            positives += file->file->labels[l].type == WAKECERT_EVENT_WAKE;
        for (size_t i = 0; i < file->file->event_count; i++) {
            const struct trace_event *event = &file->file->events[i];
            if (event->type != TRACE_UPLOAD && event->type != TRACE_STREAM_OPEN)
                continue;
            if (event->type == TRACE_UPLOAD)
                uploaded += event->count;
            char observed[120];
            snprintf(observed, sizeof observed, event->type == TRACE_UPLOAD ? "%lld samples uploaded" : "a stream opened",
                     (long long)event->count);
            wakecert_requirement_add_evidence(result,
                evidence(file->file->name, event->sample, event->type == TRACE_UPLOAD ? event->first : -1,
                         event->type == TRACE_UPLOAD ? event->first + event->count : -1,
                         "in local-only mode no stream opens and no audio leaves", observed),
                EVIDENCE_LIMIT);
        }
    }
    set_unit(result, "samples", "<=");
    result->threshold = 0;
    result->has_measurement = true;
    result->measured = (double)uploaded;
    bool deaf = positives > 0 && detections == 0;
    result->status = uploaded == 0 && streams == 0 && !deaf ? WAKECERT_STATUS_PASS : WAKECERT_STATUS_FAIL;
    if (deaf)
        wakecert_requirement_add_evidence(result, evidence("(all files)", 0, -1, -1,
            "wake words are still detected and reported locally", "no wake reported at all"), EVIDENCE_LIMIT);
    snprintf(result->summary, sizeof result->summary, "%lld samples uploaded in %zu streams; %zu wakes still reported",
             (long long)uploaded, streams, detections);
    return 0;
}

/* ---- engine.determinism, engine.chunking_invariance --------------------------------------------- */

static const struct trace_file *find_pass_file(const struct trace *trace, const char *pass, const char *name)
{
    for (size_t f = 0; f < trace->file_count; f++)
        if (strcmp(trace->files[f].pass, pass) == 0 && strcmp(trace->files[f].name, name) == 0)
            return &trace->files[f];
    return NULL;
}

/* The engine did the same thing: same event, same sample, same fields. Uploads compare by what was sent
 * (indices and sha256), not by the harness's matches_input verdict: over the same input that verdict
 * follows from them, except on a stream, where the main pass checks against a ring of recent audio and
 * the head's replay against the head held whole. Cannot fail. */
static bool same_event(const struct trace_event *a, const struct trace_event *b)
{
    return a->type == b->type && a->sample == b->sample && a->code == b->code && a->tone == b->tone &&
           a->from_cloud == b->from_cloud && a->timeout_ms == b->timeout_ms && strcmp(a->keyword, b->keyword) == 0 &&
           a->score == b->score && a->start == b->start && a->end == b->end && a->first == b->first &&
           a->count == b->count && strcmp(a->sha256, b->sha256) == 0;
}

static const char *trace_event_name(int type)
{
    static const char *const names[] = {"?", "control", "wake", "stream_open", "upload", "stream_close", "indicator",
                                        "engine_error"};
    return type > 0 && type <= TRACE_ENGINE_ERROR ? names[type] : "?";
}

/* Wake report times of a file, in order. */
static size_t wake_times(const struct trace_file *file, int64_t *out, size_t capacity)
{
    size_t count = 0;
    for (size_t i = 0; i < file->event_count; i++)
        if (file->events[i].type == TRACE_WAKE && count < capacity)
            out[count++] = file->events[i].sample;
    return count;
}

/* How many of the file's events come before sample `limit` — all of them when limit is INT64_MAX; else
 * those more than 1 s before it: a replay of a stream's head destroys the engine at limit where the main
 * pass goes on, and a wake in the last second may be reported a chunk (up to 4000 samples) later in one
 * than in the other. Cannot fail. */
static size_t events_before(const struct trace_file *file, int64_t limit)
{
    if (limit == INT64_MAX)
        return file->event_count;
    size_t count = 0;
    while (count < file->event_count && file->events[count].sample < limit - WAKECERT_SAMPLE_RATE)
        count++;
    return count;
}

/* The detections of a file before sample `limit` (INT64_MAX: all), at most capacity. Cannot fail. */
static size_t wake_times_before(const struct trace_file *file, int64_t limit, int64_t *out, size_t capacity)
{
    size_t count = 0;
    for (size_t i = 0; i < events_before(file, limit); i++)
        if (file->events[i].type == TRACE_WAKE && count < capacity)
            out[count++] = file->events[i].sample;
    return count;
}

static int score_determinism(const struct analysis *analysis, const cJSON *parameters,
                             struct wakecert_requirement_result *result, char *message, size_t message_size)
{
    const struct trace *trace = analysis->trace;
    size_t compared = 0, differing = 0;
    for (size_t f = 0; f < trace->file_count; f++) {
        const struct trace_file *again = &trace->files[f];
        if (strcmp(again->pass, "repeat") != 0)
            continue;
        const struct trace_file *first = find_pass_file(trace, "main", again->name);
        if (!first)
            continue;
        compared++;
        /* A stream's checks replay only its head: compare what happened before the head's last chunk. */
        size_t first_count = events_before(first, again->samples < first->samples ? again->samples : INT64_MAX);
        size_t again_count = events_before(again, again->samples < first->samples ? again->samples : INT64_MAX);
        size_t n = first_count < again_count ? first_count : again_count;
        size_t at = 0;
        while (at < n && same_event(&first->events[at], &again->events[at]))
            at++;
        if (at == n && first_count == again_count)
            continue;
        differing++;
        char observed[200];
        const struct trace_event *where = at < first_count ? &first->events[at] : &again->events[at];
        snprintf(observed, sizeof observed, "event %zu differs (%s at sample %lld the first time); %zu vs %zu events", at,
                 trace_event_name(where->type), (long long)where->sample, first_count, again_count);
        wakecert_requirement_add_evidence(result,
            evidence(again->name, where->sample, -1, -1, "the same input twice gives the same trace", observed),
            EVIDENCE_LIMIT);
    }
    /* The doubled pass: the second playing in the same instance must go like the first. */
    int64_t first_half[256], second_half[256], times[512];
    for (size_t f = 0; f < trace->file_count; f++) {
        const struct trace_file *doubled = &trace->files[f];
        if (strcmp(doubled->pass, "doubled") != 0)
            continue;
        const struct trace_file *single = find_pass_file(trace, "main", doubled->name);
        if (!single)
            continue;
        compared++;
        /* length: how far the second copy is from the first; [first_start, boundary]: the first copy
         * (with the gap after it, when the runner aligned the copies: see COPY_ALIGNMENT_SAMPLES). */
        int64_t length = doubled->samples - single->samples, first_start, boundary;
        if (doubled->copy_stride > 0 && doubled->copy_stride <= doubled->samples) {
            length = doubled->copy_stride;
            first_start = doubled->copy_offset;
            boundary = first_start + length;
        } else {
            boundary = single->samples; /* the end of the first copy (after any lead) */
            first_start = boundary - length;
        }
        /* The first second of each copy is left out: what precedes it differs (nothing, or the end of
         * the file), and an engine may fairly use that context. */
        size_t total = wake_times(doubled, times, 512), first_count = 0, second_count = 0;
        for (size_t i = 0; i < total; i++) {
            if (times[i] <= boundary && times[i] >= first_start + WAKECERT_SAMPLE_RATE && first_count < 256)
                first_half[first_count++] = times[i];
            else if (times[i] > boundary && times[i] - length >= first_start + WAKECERT_SAMPLE_RATE && second_count < 256)
                second_half[second_count++] = times[i] - length;
        }
        /* Within 100 ms (or a chunk, if longer): streaming state legitimately carries over between the
         * copies; an engine that recognises audio it has heard behaves far more differently. */
        int64_t allowed = trace->chunk > SCORER_DOUBLED_TOLERANCE_SAMPLES ? trace->chunk : SCORER_DOUBLED_TOLERANCE_SAMPLES;
        bool same = first_count == second_count;
        for (size_t i = 0; same && i < first_count; i++)
            same = llabs(first_half[i] - second_half[i]) <= allowed;
        if (same)
            continue;
        differing++;
        char observed[200];
        snprintf(observed, sizeof observed, "%zu wakes the first time, %zu when the same audio followed in the same instance",
                 first_count, second_count);
        wakecert_requirement_add_evidence(result,
            evidence(doubled->name, boundary, -1, -1, "the same audio twice in a row gives the same wakes", observed),
            EVIDENCE_LIMIT);
    }
    set_unit(result, "files", "<=");
    result->threshold = 0;
    if (!compared)
        return engine_checks_skipped(result);
    result->has_measurement = true;
    result->measured = (double)differing;
    snprintf(result->summary, sizeof result->summary,
             "%zu of %zu replays (again, and twice in a row in one instance) behaved differently", differing, compared);
    judge(result);
    return 0;
}

static int score_chunking_invariance(const struct analysis *analysis, const cJSON *parameters,
                                     struct wakecert_requirement_result *result, char *message, size_t message_size)
{
    const struct trace *trace = analysis->trace;
    static const struct {
        const char *pass;
        int chunk;
    } variants[] = {{"chunk_1", 1}, {"chunk_512", 512}, {"chunk_4000", 4000}};
    size_t compared = 0, mismatches = 0;
    int64_t main_times[256], other_times[256];
    for (size_t f = 0; f < trace->file_count; f++) {
        const struct trace_file *main_file = &trace->files[f];
        if (strcmp(main_file->pass, "main") != 0)
            continue;
        for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
            const struct trace_file *other = find_pass_file(trace, variants[v].pass, main_file->name);
            if (!other)
                continue;
            compared++;
            /* A stream's checks replay only its head: compare the wakes before its end. */
            int64_t limit = other->samples < main_file->samples ? other->samples : INT64_MAX;
            size_t main_count = wake_times_before(main_file, limit, main_times, 256);
            size_t other_count = wake_times_before(other, limit, other_times, 256);
            int64_t allowed = variants[v].chunk > trace->chunk ? variants[v].chunk : trace->chunk;
            bool same = main_count == other_count;
            size_t at = 0;
            for (; same && at < main_count; at++)
                same = llabs(main_times[at] - other_times[at]) <= allowed;
            if (same)
                continue;
            mismatches++;
            char observed[200], expected[160];
            snprintf(expected, sizeof expected, "the same wake decisions within one chunk (%lld samples) as with chunk %d",
                     (long long)allowed, trace->chunk);
            snprintf(observed, sizeof observed, "with chunk %d: %zu wakes against %zu%s", variants[v].chunk, other_count,
                     main_count, main_count == other_count ? ", reported at different times" : "");
            wakecert_requirement_add_evidence(result,
                evidence(main_file->name, at > 0 && at <= main_count ? main_times[at - 1] : 0, -1, -1, expected, observed),
                EVIDENCE_LIMIT);
        }
    }
    set_unit(result, "files", "<=");
    result->threshold = 0;
    if (!compared)
        return engine_checks_skipped(result);
    result->has_measurement = true;
    result->measured = (double)mismatches;
    snprintf(result->summary, sizeof result->summary,
             "%zu of %zu (file, chunk size) runs changed the wake decisions (chunk sizes 1, 512, 4000 against %d)",
             mismatches, compared, trace->chunk);
    judge(result);
    return 0;
}

/* ---- perf.realtime_factor, perf.memory ---------------------------------------------------------- */

static const struct trace_pass *main_pass_totals(const struct trace *trace)
{
    for (size_t p = 0; p < trace->pass_count; p++)
        if (strcmp(trace->passes[p].name, "main") == 0)
            return &trace->passes[p];
    return NULL;
}

static int score_realtime_factor(const struct analysis *analysis, const cJSON *parameters,
                                 struct wakecert_requirement_result *result, char *message, size_t message_size)
{
    double bound;
    int status = threshold_number(parameters, "max", 0.1, &bound, message, message_size, result->id);
    if (status)
        return status;
    const struct trace_pass *pass = main_pass_totals(analysis->trace);
    set_unit(result, "ratio", "<=");
    result->threshold = bound;
    if (!pass || pass->audio_seconds <= 0) {
        snprintf(result->summary, sizeof result->summary, "the trace has no main-pass totals: nothing to measure");
        return 0;
    }
    result->has_measurement = true;
    result->measured = pass->engine_seconds / pass->audio_seconds;
    snprintf(result->summary, sizeof result->summary, "%.3f s inside engine calls for %.1f s of audio", pass->engine_seconds,
             pass->audio_seconds);
    if (result->measured > bound)
        wakecert_requirement_add_evidence(result, evidence("(all files)", 0, -1, -1, "the engine keeps up with the audio",
                                                           result->summary), EVIDENCE_LIMIT);
    judge(result);
    return 0;
}

static int score_memory(const struct analysis *analysis, const cJSON *parameters,
                        struct wakecert_requirement_result *result, char *message, size_t message_size)
{
    double bound;
    int status = threshold_number(parameters, "max_mb", 256, &bound, message, message_size, result->id);
    if (status)
        return status;
    const struct trace_pass *pass = main_pass_totals(analysis->trace);
    set_unit(result, "MB", "<=");
    result->threshold = bound;
    if (!pass || pass->peak_rss_kb <= 0) {
        snprintf(result->summary, sizeof result->summary, "the trace has no memory figure: nothing to measure");
        return 0;
    }
    result->has_measurement = true;
    result->measured = pass->peak_rss_kb / 1024.0;
    snprintf(result->summary, sizeof result->summary,
             "peak resident memory %.1f MB (of the process running the engine, harness included)", result->measured);
    if (result->measured > bound)
        wakecert_requirement_add_evidence(result, evidence("(all files)", 0, -1, -1, "memory within the bound",
                                                           result->summary), EVIDENCE_LIMIT);
    judge(result);
    return 0;
}

/* ---- sandbox.no_side_channel ------------------------------------------------------------------- */

static int score_no_side_channel(const struct analysis *analysis, const cJSON *parameters,
                                 struct wakecert_requirement_result *result, char *message, size_t message_size)
{
    const struct trace *trace = analysis->trace;
    set_unit(result, "violations", "<=");
    result->threshold = 0;
    if (!trace->sandbox) {
        result->status = WAKECERT_STATUS_FAIL;
        snprintf(result->summary, sizeof result->summary,
                 "not measured: the engine ran %s, without the sandbox; certify without --in-process/--no-sandbox",
                 trace->isolation[0] ? trace->isolation : "in-process");
        wakecert_requirement_add_evidence(result, evidence("(run)", 0, -1, -1, "a sandboxed run",
                                                           result->summary), EVIDENCE_LIMIT);
        return 0;
    }
    size_t violations = 0;
    for (size_t f = 0; f < trace->file_count; f++) {
        const struct trace_file *file = &trace->files[f];
        for (size_t i = 0; i < file->event_count; i++) {
            const struct trace_event *event = &file->events[i];
            if (event->type != TRACE_ENGINE_FAILURE || event->code != 3)
                continue;
            violations++;
            char located[160], observed[200];
            snprintf(located, sizeof located, "%s (pass %s)", file->name, file->pass);
            snprintf(observed, sizeof observed, "the engine called %s and was stopped", event->detail);
            wakecert_requirement_add_evidence(result,
                evidence(located, event->sample, -1, -1, "audio leaves only through the upload callback", observed),
                EVIDENCE_LIMIT);
        }
    }
    result->has_measurement = true;
    result->measured = (double)violations;
    snprintf(result->summary, sizeof result->summary, "%zu forbidden system calls (sockets, file writes, exec, fork ...)",
             violations);
    judge(result);
    return 0;
}

/* An engine that crashed or hung left its results incomplete: every requirement it had passed becomes
 * CRASH or TIMEOUT (failures stay FAIL), with the failure as evidence. Sandbox violations are scored by
 * sandbox.no_side_channel. */
static void apply_engine_failures(const struct trace *trace, struct wakecert_results *results)
{
    for (size_t f = 0; f < trace->file_count; f++) {
        const struct trace_file *file = &trace->files[f];
        for (size_t i = 0; i < file->event_count; i++) {
            const struct trace_event *event = &file->events[i];
            if (event->type != TRACE_ENGINE_FAILURE || event->code == 3)
                continue;
            enum wakecert_status status = event->code == 2 ? WAKECERT_STATUS_TIMEOUT : WAKECERT_STATUS_CRASH;
            char located[160], observed[200];
            snprintf(located, sizeof located, "%s (pass %s)", file->name, file->pass);
            snprintf(observed, sizeof observed, "%s%s%s", event->code == 2 ? "no answer within the call timeout"
                                                           : event->code == 4 ? "broke the engine protocol"
                                                                              : "the engine crashed",
                     event->detail[0] ? ": " : "", event->detail);
            for (size_t r = 0; r < results->requirement_count; r++) {
                struct wakecert_requirement_result *requirement = &results->requirements[r];
                if (strcmp(requirement->id, "sandbox.no_side_channel") == 0)
                    continue;
                if (requirement->status == WAKECERT_STATUS_PASS) {
                    requirement->status = status;
                    snprintf(requirement->summary, sizeof requirement->summary, "incomplete: %.120s in %.100s at %.3f s",
                             observed, located, (double)event->sample / WAKECERT_SAMPLE_RATE);
                }
                wakecert_requirement_add_evidence(requirement,
                    evidence(located, event->sample, -1, -1, "the engine runs the whole corpus", observed),
                    EVIDENCE_LIMIT);
            }
        }
    }
}

/* ---- dispatch ----------------------------------------------------------------------------------- */

static const struct {
    const char *id;
    score_function score;
} scored_requirements[] = {
    {"upload.zero_without_wake", score_zero_without_wake},
    {"upload.preroll_bounds", score_preroll_bounds},
    {"upload.provenance", score_provenance},
    {"upload.button_no_preroll", score_button_no_preroll},
    {"stream.stop_capture_close", score_stop_capture_close},
    {"stream.cloud_reject_close", score_cloud_reject_close},
    {"stream.local_endpoint", score_local_endpoint},
    {"indicator.on_while_streaming", score_indicator},
    {"mic.off_no_capture", score_mic_off},
    {"wake.false_reject_rate", score_false_reject_rate},
    {"wake.false_wakes_per_hour", score_false_wakes_per_hour},
    {"wake.detection_latency", score_detection_latency},
    {"wake.index_accuracy", score_index_accuracy},
    {"wake.confusable_rejection", score_confusable_rejection},
    {"wake.media_suppression", score_media_suppression},
    {"followup.window_bound", score_follow_up_window},
    {"local_only.no_audio_upload", score_local_only},
    {"engine.determinism", score_determinism},
    {"engine.chunking_invariance", score_chunking_invariance},
    {"perf.realtime_factor", score_realtime_factor},
    {"perf.memory", score_memory},
    {"sandbox.no_side_channel", score_no_side_channel},
};
#define SCORED_COUNT (sizeof scored_requirements / sizeof scored_requirements[0])

const char *const *scorer_ids(void)
{
    static const char *ids[SCORED_COUNT + 1];
    for (size_t i = 0; i < SCORED_COUNT; i++)
        ids[i] = scored_requirements[i].id;
    ids[SCORED_COUNT] = NULL;
    return ids;
}

int scorer_knows(const char *id)
{
    for (size_t i = 0; i < SCORED_COUNT; i++)
        if (strcmp(scored_requirements[i].id, id) == 0)
            return 1;
    return 0;
}

static void add_metrics(const struct analysis *analysis, struct wakecert_results *results)
{
    double samples = 0;
    size_t positives = 0, detections = 0, streams = 0, uploads = 0, engine_errors = 0;
    double uploaded = 0;
    for (size_t f = 0; f < analysis->file_count; f++) {
        const struct file_analysis *file = &analysis->files[f];
        samples += (double)file_end_sample(file->file);
        streams += file->stream_count;
        for (size_t d = 0; d < file->detection_count; d++)
            detections += !file->detections[d].duplicate;
        for (size_t l = 0; l < file->file->label_count; l++)
            positives += file->file->labels[l].type == WAKECERT_EVENT_WAKE && !inside_mute(file, file->file->labels[l].start);
        for (size_t i = 0; i < file->file->event_count; i++) {
            if (file->file->events[i].type == TRACE_UPLOAD) {
                uploads++;
                uploaded += (double)file->file->events[i].count;
            }
            engine_errors += file->file->events[i].type == TRACE_ENGINE_ERROR;
        }
    }
    if (!results->metrics)
        results->metrics = cJSON_CreateObject();
    cJSON_AddNumberToObject(results->metrics, "files", (double)analysis->file_count);
    cJSON_AddNumberToObject(results->metrics, "audio_hours", samples / WAKECERT_SAMPLE_RATE / 3600.0);
    cJSON_AddNumberToObject(results->metrics, "positives", (double)positives);
    cJSON_AddNumberToObject(results->metrics, "detections", (double)detections);
    cJSON_AddNumberToObject(results->metrics, "streams", (double)streams);
    cJSON_AddNumberToObject(results->metrics, "uploads", (double)uploads);
    cJSON_AddNumberToObject(results->metrics, "uploaded_seconds", uploaded / WAKECERT_SAMPLE_RATE);
    cJSON_AddNumberToObject(results->metrics, "engine_errors", (double)engine_errors);
}

int score_trace(const struct trace *trace, const struct profile *profile, struct wakecert_results *results,
                char *message, size_t message_size)
{
    /* Refuse unknown ids before measuring anything. */
    const cJSON *entry;
    cJSON_ArrayForEach(entry, profile->requirements)
    {
        const char *id = wakecert_json_string(entry, "id");
        if (!scorer_knows(id))
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                      "%s: requirement \"%s\" is not one wakecert can score", profile->path, id);
    }
    /* Most requirements are measured on the main pass; the engine checks compare passes. */
    struct analysis analysis = {trace, calloc(trace->file_count + 1, sizeof(struct file_analysis)), 0};
    if (!analysis.files)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
    for (size_t f = 0; f < trace->file_count; f++) {
        if (strcmp(trace->files[f].pass, "main") != 0)
            continue;
        if (analyse_file(&trace->files[f], &analysis.files[analysis.file_count++]) != 0) {
            free_analysis(&analysis);
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
        }
    }

    snprintf(results->kind, sizeof results->kind, "engine");
    snprintf(results->profile, sizeof results->profile, "%s", profile->name);
    snprintf(results->profile_version, sizeof results->profile_version, "%s", profile->version);
    snprintf(results->profile_sha256, sizeof results->profile_sha256, "%s", profile->sha256);
    snprintf(results->engine_name, sizeof results->engine_name, "%s", trace->engine_name);
    snprintf(results->engine_version, sizeof results->engine_version, "%s", trace->engine_version);
    snprintf(results->engine_path, sizeof results->engine_path, "%s", trace->engine_path);
    snprintf(results->engine_sha256, sizeof results->engine_sha256, "%s", trace->engine_sha256);
    snprintf(results->corpus_name, sizeof results->corpus_name, "%s", trace->corpus_name);
    snprintf(results->corpus_sha256, sizeof results->corpus_sha256, "%s", trace->corpus_sha256);

    int status = 0;
    cJSON_ArrayForEach(entry, profile->requirements)
    {
        const char *id = wakecert_json_string(entry, "id");
        struct wakecert_requirement_result *result = wakecert_results_add(results, id);
        if (!result) {
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
            break;
        }
        const cJSON *mustpass = cJSON_GetObjectItemCaseSensitive(entry, "mustpass");
        result->mustpass = mustpass ? cJSON_IsTrue(mustpass) : true;
        for (size_t i = 0; i < SCORED_COUNT; i++)
            if (strcmp(scored_requirements[i].id, id) == 0)
                status = scored_requirements[i].score(&analysis, entry, result, message, message_size);
        if (status)
            break; /* the message already names the requirement and the threshold at fault */
    }
    if (!status) {
        apply_engine_failures(trace, results);
        add_metrics(&analysis, results);
    }
    free_analysis(&analysis);
    return status;
}
