/*
 * Fuzz target: the framed exec-engine protocol as the harness reads it (conformance/engine_protocol.c
 * protocol_read_frame, and the event dispatch of conformance/engine_session.c). The input is the
 * byte stream an exec: engine writes on its stdout: a HELLO is not needed (session_open forks, which a
 * fuzzer cannot), so the session is set up as session_open leaves it after the handshake — exec
 * isolation, the request pipe going to /dev/null, the answer pipe reading the input from a file — and
 * then driven the way the run loop drives it: process calls, a batch call (SUBCALL frames), a control
 * and the final destroy, each dispatching event frames to the host callbacks until its RESULT frame.
 * No seam in engine_session.c is needed: the session's fields are public (engine_session.h).
 *
 * The host callbacks here check what the runner relies on: a keyword that is a C string, upload
 * buffers readable for `count` samples (each sample is read, so ASan catches an overrun), and that no
 * event arrives after the session failed.
 */
#define _GNU_SOURCE
#include "fuzz_support.h"

#include "engine_session.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct observed {
    int failed_before;  /* set when a call returned SESSION_FAILED: no callback may follow */
    long events;
    int64_t last_subcall;
    int64_t checksum;   /* every uploaded sample is read into this */
};

static struct observed observed;

static void on_wake(void *ctx, const char *keyword, float score, int64_t start, int64_t end)
{
    struct observed *seen = ctx;
    FUZZ_ASSERT(!seen->failed_before && keyword && strlen(keyword) < (1u << 26));
    (void)score, (void)start, (void)end;
    seen->events++;
}

static void on_open(void *ctx, int reason)
{
    struct observed *seen = ctx;
    FUZZ_ASSERT(!seen->failed_before);
    (void)reason;
    seen->events++;
}

static void on_upload(void *ctx, const int16_t *samples, size_t count, int64_t first)
{
    struct observed *seen = ctx;
    FUZZ_ASSERT(!seen->failed_before && (samples || count == 0));
    for (size_t i = 0; i < count; i++)
        seen->checksum += samples[i];
    (void)first;
    seen->events++;
}

static void on_close(void *ctx, int reason)
{
    on_open(ctx, reason);
}

static void on_indicator(void *ctx, int state, int tone)
{
    (void)tone;
    on_open(ctx, state);
}

static void on_subcall(void *ctx, int64_t done)
{
    struct observed *seen = ctx;
    FUZZ_ASSERT(!seen->failed_before);
    seen->last_subcall = done;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int input = memfd_create("engine-output", MFD_CLOEXEC);
    int sink = open("/dev/null", O_WRONLY | O_CLOEXEC);
    FUZZ_ASSERT(input >= 0 && sink >= 0);
    FUZZ_ASSERT(size == 0 || write(input, data, size) == (ssize_t)size);
    lseek(input, 0, SEEK_SET);

    memset(&observed, 0, sizeof observed);
    struct engine_session session;
    memset(&session, 0, sizeof session);
    session.options.isolation = SESSION_EXEC;
    session.options.call_timeout_ms = 1000;
    struct wakecert_host_callbacks host = {sizeof host, &observed, on_wake, on_open, on_upload, on_close, on_indicator};
    session.host = host;
    session.pid = -1;
    session.to_engine = sink;
    session.from_engine = input;

    int16_t samples[64] = {0};
    for (int call = 0; call < 6 && !session.failure; call++) {
        int status;
        if (call == 2) {
            session.on_subcall = on_subcall;
            status = session_process_batch(&session, samples, 64, 16);
            session.on_subcall = NULL;
        } else if (call == 4) {
            struct wakecert_control control = {WAKECERT_CONTROL_STOP_CAPTURE, 0};
            status = session_control(&session, &control);
        } else {
            status = session_process(&session, samples, 64);
        }
        if (status == SESSION_FAILED) {
            FUZZ_ASSERT(session.failure != SESSION_OK);
            observed.failed_before = 1;
        }
    }
    session_close(&session); /* DESTROY: its events, then the pipes are closed */
    FUZZ_ASSERT(session.to_engine == -1 && session.from_engine == -1 && session.buffer.data == NULL);
    return 0;
}
