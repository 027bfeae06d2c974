/*
 * libwakecert_bench_scripted.so: an engine plugin with no detector, for measuring everything around
 * one. It is the reference engine's stream gate (pre-roll ring, uploads, controls, indicator) driven
 * by a script instead of a model: a wake word is "heard" every 8 s of its sample clock, reported as
 * [clock - 600 ms, clock - 100 ms), and the gate opens a stream with its 500 ms pre-roll exactly as in
 * the reference. The harness then plays the cloud as usual (verifying against the labels, rejecting
 * or stopping the stream), so a run exercises the whole harness path — feeding, controls, upload
 * checks, the trace — at a cost that does not depend on any detector. The bench uses it for the
 * detector-free instruction counts the CI gate keeps while the reference detector is being replaced.
 * Configuration is ignored.
 */
#include <stdlib.h>
#include <wakecert/engine.h>

#include "stream_gate.h"

#define PERIOD (8 * WAKECERT_SAMPLE_RATE)

struct wakecert_engine {
    struct stream_gate gate;
};

static int scripted_create(const struct wakecert_host_callbacks *callbacks, const char *config_json,
                           wakecert_engine **out_engine, char *error_message, size_t error_message_size)
{
    (void)config_json, (void)error_message, (void)error_message_size;
    if (!callbacks || !out_engine)
        return WAKECERT_ENGINE_ERROR_INVALID_ARGUMENT;
    struct wakecert_engine *engine = calloc(1, sizeof *engine);
    struct stream_gate_config config;
    stream_gate_config_default(&config);
    if (!engine || stream_gate_init(&engine->gate, &config, callbacks) != 0) {
        free(engine);
        return WAKECERT_ENGINE_ERROR_OUT_OF_MEMORY;
    }
    *out_engine = engine;
    return WAKECERT_ENGINE_OK;
}

static int scripted_process(wakecert_engine *engine, const int16_t *samples, size_t count)
{
    if (!engine || (!samples && count))
        return WAKECERT_ENGINE_ERROR_INVALID_ARGUMENT;
    int64_t before = engine->gate.clock;
    bool listening = stream_gate_accept_audio(&engine->gate, samples, count);
    int64_t after = engine->gate.clock;
    if (listening && after / PERIOD > before / PERIOD)
        stream_gate_wake(&engine->gate, "alexa", 0.9f, after - WAKECERT_SAMPLE_RATE * 6 / 10,
                         after - WAKECERT_SAMPLE_RATE / 10);
    return WAKECERT_ENGINE_OK;
}

static int scripted_control(wakecert_engine *engine, const struct wakecert_control *control)
{
    if (!engine || !control)
        return WAKECERT_ENGINE_ERROR_INVALID_ARGUMENT;
    return stream_gate_control(&engine->gate, control);
}

static void scripted_destroy(wakecert_engine *engine)
{
    if (!engine)
        return;
    stream_gate_finish(&engine->gate);
    free(engine);
}

static const struct wakecert_engine_table table = {
    .abi_version = WAKECERT_ENGINE_ABI_VERSION,
    .table_size = sizeof(struct wakecert_engine_table),
    .name = "wakecert-bench-scripted",
    .version = "1",
    .create = scripted_create,
    .process = scripted_process,
    .control = scripted_control,
    .destroy = scripted_destroy,
};

__attribute__((visibility("default"))) const struct wakecert_engine_table *wakecert_engine_entry(void)
{
    return &table;
}
