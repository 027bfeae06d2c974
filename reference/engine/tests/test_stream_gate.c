/*
 * The stream gate's states and transitions, observed only through the host callbacks (as the harness
 * would see them): pre-roll exactly 8000 samples before the reported start, no upload while idle or
 * muted, indicator before stream and upload, close at once on StopCapture / rejection, local endpoint,
 * follow-up timeout, button without pre-roll, local-only mode. Invariants are checked after each step.
 */
#include "stream_gate.h"

#include <criterion/criterion.h>
#include <string.h>

struct recorded {
    int wakes, opens, closes, last_open_reason, last_close_reason;
    int indicator;
    int64_t first_uploaded, next_expected, uploaded;
    bool upload_without_indicator, upload_gap, upload_mismatch;
    const int16_t *input; /* the whole input, to check provenance */
};

static void on_wake(void *ctx, const char *keyword, float score, int64_t start, int64_t end)
{
    struct recorded *r = ctx;
    r->wakes++;
}
static void on_open(void *ctx, int reason)
{
    struct recorded *r = ctx;
    r->opens++;
    r->last_open_reason = reason;
    r->first_uploaded = -1;
}
static void on_upload(void *ctx, const int16_t *samples, size_t count, int64_t first)
{
    struct recorded *r = ctx;
    if (r->indicator != WAKECERT_INDICATOR_LISTENING)
        r->upload_without_indicator = true;
    if (r->first_uploaded < 0)
        r->first_uploaded = first;
    else if (first != r->next_expected)
        r->upload_gap = true;
    for (size_t i = 0; i < count; i++)
        if (samples[i] != r->input[first + (int64_t)i])
            r->upload_mismatch = true;
    r->next_expected = first + (int64_t)count;
    r->uploaded += (int64_t)count;
}
static void on_close(void *ctx, int reason)
{
    struct recorded *r = ctx;
    r->closes++;
    r->last_close_reason = reason;
}
static void on_indicator(void *ctx, int state, int tone)
{
    struct recorded *r = ctx;
    r->indicator = state;
}

enum { input_length = 16000 * 40 };
static int16_t input[input_length];
static struct recorded record;
static struct stream_gate gate;

static void setup_gate(bool local_only)
{
    for (int i = 0; i < input_length; i++)
        input[i] = (int16_t)(i * 31 + 7);
    memset(&record, 0, sizeof record);
    record.input = input;
    record.first_uploaded = -1;
    struct wakecert_host_callbacks host = {sizeof host, &record, on_wake, on_open, on_upload, on_close, on_indicator};
    struct stream_gate_config config;
    stream_gate_config_default(&config);
    config.local_only = local_only;
    cr_assert_eq(stream_gate_init(&gate, &config, &host), 0);
}

static void feed(int64_t until)
{
    while (gate.clock < until) {
        int64_t count = until - gate.clock < 160 ? until - gate.clock : 160;
        stream_gate_accept_audio(&gate, input + gate.clock, (size_t)count);
        char description[200];
        stream_gate_describe(&gate, description, sizeof description);
        cr_assert(stream_gate_invariants(&gate), "invariants broken: %s", description);
    }
}

static void control(int kind, int timeout_ms)
{
    struct wakecert_control event = {kind, timeout_ms};
    cr_assert_eq(stream_gate_control(&gate, &event), 0);
    cr_assert(stream_gate_invariants(&gate));
}

static void teardown_gate(void)
{
    stream_gate_finish(&gate);
}

TestSuite(stream_gate, .fini = teardown_gate);

Test(stream_gate, idle_uploads_nothing)
{
    setup_gate(false);
    feed(16000 * 20);
    cr_assert_eq(record.uploaded, 0);
    cr_assert_eq(record.opens, 0);
    cr_assert_eq(record.indicator, WAKECERT_INDICATOR_OFF);
}

Test(stream_gate, wake_opens_with_exact_preroll_and_stop_capture_closes_at_once)
{
    setup_gate(false);
    feed(40000);
    stream_gate_wake(&gate, "alexa", 0.9f, 30000, 38000);
    cr_assert_eq(record.wakes, 1);
    cr_assert_eq(record.opens, 1);
    cr_assert_eq(record.last_open_reason, WAKECERT_STREAM_WAKE);
    cr_assert_eq(record.first_uploaded, 30000 - 8000, "pre-roll must start 8000 samples before the wake start");
    cr_assert_eq(record.uploaded, 40000 - 22000, "everything held up to now is sent at once");
    feed(48000);
    cr_assert_eq(record.uploaded, 48000 - 22000);
    control(WAKECERT_CONTROL_STOP_CAPTURE, 0);
    cr_assert_eq(record.closes, 1);
    cr_assert_eq(record.last_close_reason, WAKECERT_CLOSE_STOP_CAPTURE);
    cr_assert_eq(record.indicator, WAKECERT_INDICATOR_OFF);
    feed(60000);
    cr_assert_eq(record.uploaded, 48000 - 22000, "nothing after StopCapture");
    cr_assert(!record.upload_without_indicator && !record.upload_gap && !record.upload_mismatch);
}

Test(stream_gate, preroll_is_clamped_when_less_audio_precedes)
{
    setup_gate(false);
    feed(9000);
    stream_gate_wake(&gate, "alexa", 0.9f, 3200, 8000);
    cr_assert_eq(record.first_uploaded, 0);
}

Test(stream_gate, cloud_reject_closes)
{
    setup_gate(false);
    feed(40000);
    stream_gate_wake(&gate, "alexa", 0.9f, 30000, 38000);
    control(WAKECERT_CONTROL_CLOUD_REJECT, 0);
    cr_assert_eq(record.last_close_reason, WAKECERT_CLOSE_CLOUD_REJECT);
    int64_t uploaded = record.uploaded;
    feed(80000);
    cr_assert_eq(record.uploaded, uploaded);
}

Test(stream_gate, microphone_off_closes_forgets_and_ignores)
{
    setup_gate(false);
    feed(40000);
    stream_gate_wake(&gate, "alexa", 0.9f, 30000, 38000);
    control(WAKECERT_CONTROL_MICROPHONE_OFF, 0);
    cr_assert_eq(record.last_close_reason, WAKECERT_CLOSE_MICROPHONE_OFF);
    cr_assert_eq(record.indicator, WAKECERT_INDICATOR_MUTED);
    int64_t uploaded = record.uploaded;
    feed(100000);
    stream_gate_wake(&gate, "alexa", 0.9f, 90000, 98000);
    control(WAKECERT_CONTROL_BUTTON, 0);
    cr_assert_eq(record.uploaded, uploaded, "nothing captured while muted");
    cr_assert_eq(record.wakes, 1, "no wake reported while muted");
    control(WAKECERT_CONTROL_MICROPHONE_ON, 0);
    cr_assert_eq(record.indicator, WAKECERT_INDICATOR_OFF);
    feed(104000);
    stream_gate_wake(&gate, "alexa", 0.9f, 102000, 103000);
    cr_assert_eq(record.first_uploaded, 100000, "pre-roll never reaches back into the muted window");
}

Test(stream_gate, button_opens_without_preroll)
{
    setup_gate(false);
    feed(50000);
    control(WAKECERT_CONTROL_BUTTON, 0);
    cr_assert_eq(record.last_open_reason, WAKECERT_STREAM_BUTTON);
    feed(60000);
    cr_assert_eq(record.first_uploaded, 50000);
    cr_assert_eq(record.uploaded, 10000);
}

Test(stream_gate, stream_ends_locally_at_the_limit)
{
    setup_gate(false);
    feed(40000);
    stream_gate_wake(&gate, "alexa", 0.9f, 30000, 38000);
    feed(40000 + 10 * 16000 + 5000);
    cr_assert_eq(record.closes, 1);
    cr_assert_eq(record.last_close_reason, WAKECERT_CLOSE_LOCAL_ENDPOINT);
    cr_assert_eq(record.next_expected, 40000 + 10 * 16000, "uploads stop exactly at the limit");
}

Test(stream_gate, follow_up_times_out)
{
    setup_gate(false);
    feed(16000);
    control(WAKECERT_CONTROL_EXPECT_SPEECH, 2000);
    cr_assert_eq(record.last_open_reason, WAKECERT_STREAM_FOLLOW_UP);
    feed(16000 * 4);
    cr_assert_eq(record.last_close_reason, WAKECERT_CLOSE_TIMEOUT);
    cr_assert_eq(record.uploaded, 32000);
}

Test(stream_gate, local_only_reports_wakes_but_never_streams)
{
    setup_gate(true);
    feed(40000);
    stream_gate_wake(&gate, "alexa", 0.9f, 30000, 38000);
    control(WAKECERT_CONTROL_BUTTON, 0);
    control(WAKECERT_CONTROL_EXPECT_SPEECH, 2000);
    feed(80000);
    cr_assert_eq(record.wakes, 1);
    cr_assert_eq(record.opens, 0);
    cr_assert_eq(record.uploaded, 0);
}

Test(stream_gate, invariants_catch_a_broken_state)
{
    setup_gate(false);
    feed(40000);
    stream_gate_wake(&gate, "alexa", 0.9f, 30000, 38000);
    cr_assert(stream_gate_invariants(&gate));
    gate.indicator = WAKECERT_INDICATOR_OFF; /* streaming with the light off: must be caught */
    cr_assert_not(stream_gate_invariants(&gate));
    gate.indicator = WAKECERT_INDICATOR_LISTENING;
}
