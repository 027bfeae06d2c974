/*
 * The engine host process (see engine_host.h). The plugin's callbacks become event frames written
 * straight to the harness; each request is answered with one RESULT frame after the plugin returns.
 * The sandbox goes on after create(), so the engine may read its own model files while starting.
 */
#define _GNU_SOURCE
#include "engine_host.h"

#include "engine_loader.h"
#include "engine_protocol.h"
#include "sandbox.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static int host_out_fd = -1;
static int64_t batch_done = -1;      /* in a BATCH: samples done when the current call ends; -1 otherwise */
static int64_t batch_announced = -1; /* the last SUBCALL value sent */

static void send_or_exit(int type, const void *first, size_t first_size, const void *second, size_t second_size);

/* Before an event inside a BATCH, tell the harness which call it belongs to (once per call). */
static void announce_subcall(void)
{
    if (batch_done < 0 || batch_done == batch_announced)
        return;
    unsigned char payload[8];
    protocol_put_i64(payload, batch_done);
    batch_announced = batch_done;
    send_or_exit(FRAME_SUBCALL, payload, 8, NULL, 0);
}

static void send_or_exit(int type, const void *first, size_t first_size, const void *second, size_t second_size)
{
    if (protocol_write_frame2(host_out_fd, type, first, first_size, second, second_size) != 0)
        _exit(3); /* the harness is gone */
}

static void host_wake(void *ctx, const char *keyword, float score, int64_t start, int64_t end)
{
    announce_subcall();
    char text[256];
    cJSON *object = cJSON_CreateObject();
    cJSON_AddStringToObject(object, "keyword", keyword ? keyword : "");
    cJSON_AddNumberToObject(object, "score", score);
    cJSON_AddNumberToObject(object, "start", (double)start);
    cJSON_AddNumberToObject(object, "end", (double)end);
    if (!cJSON_PrintPreallocated(object, text, sizeof text, 0))
        snprintf(text, sizeof text, "{}");
    cJSON_Delete(object);
    send_or_exit(FRAME_WAKE, text, strlen(text), NULL, 0);
}

static void host_open(void *ctx, int reason)
{
    announce_subcall();
    unsigned char payload[4];
    protocol_put_i32(payload, reason);
    send_or_exit(FRAME_OPEN, payload, 4, NULL, 0);
}

static void host_upload(void *ctx, const int16_t *samples, size_t count, int64_t first)
{
    announce_subcall();
    unsigned char index[8];
    protocol_put_i64(index, first);
    send_or_exit(FRAME_UPLOAD, index, 8, samples, count * sizeof *samples);
}

static void host_close(void *ctx, int reason)
{
    announce_subcall();
    unsigned char payload[4];
    protocol_put_i32(payload, reason);
    send_or_exit(FRAME_CLOSE, payload, 4, NULL, 0);
}

static void host_indicator(void *ctx, int state, int tone)
{
    announce_subcall();
    unsigned char payload[8];
    protocol_put_i32(payload, state);
    protocol_put_i32(payload + 4, tone);
    send_or_exit(FRAME_INDICATOR, payload, 8, NULL, 0);
}

static void send_result(int status, const char *text)
{
    unsigned char code[4];
    protocol_put_i32(code, status);
    send_or_exit(FRAME_RESULT, code, 4, text, text ? strlen(text) : 0);
}

void engine_host_serve(const char *plugin_path, int in_fd, int out_fd, const struct engine_host_options *options)
{
    host_out_fd = out_fd;
    if (options->memory_limit_bytes) {
        rlim_t bytes = sandbox_address_space_limit(options->memory_limit_bytes);
        struct rlimit limit = {bytes, bytes};
        setrlimit(RLIMIT_AS, &limit);
    }
    if (options->sandbox)
        sandbox_enter_network_namespace(); /* best effort; seccomp blocks sockets regardless */
    struct loaded_engine engine;
    char message[1024];
    if (engine_load(plugin_path, &engine, message, sizeof message) != 0) {
        fprintf(stderr, "wakecert engine host: %s\n", message);
        _exit(2);
    }
    char hello[512];
    snprintf(hello, sizeof hello, "{\"abi\": %u, \"name\": \"%s\", \"version\": \"%s\"}", engine.table->abi_version,
             engine.table->name, engine.table->version);
    send_or_exit(FRAME_HELLO, hello, strlen(hello), NULL, 0);

    struct wakecert_host_callbacks callbacks = {sizeof callbacks, NULL, host_wake, host_open, host_upload, host_close,
                                                host_indicator};
    wakecert_engine *instance = NULL;
    struct protocol_buffer buffer = {0};
    for (;;) {
        int type;
        size_t size;
        int status = protocol_read_frame(in_fd, &buffer, &type, &size, -1);
        if (status != 0)
            _exit(status == 1 ? 0 : 3);
        switch (type) {
        case FRAME_CREATE: {
            message[0] = '\0';
            int created = engine.table->create(&callbacks, (const char *)buffer.data, &instance, message, sizeof message);
            if (created == 0 && options->sandbox && sandbox_apply_plugin_filter(out_fd) != 0) {
                send_result(-6, "the sandbox could not be installed (libseccomp)");
                _exit(4);
            }
            send_result(created, created ? message : NULL);
            break;
        }
        case FRAME_PROCESS:
            if (!instance) {
                send_result(-1, "process before create");
                break;
            }
            send_result(engine.table->process(instance, (const int16_t *)buffer.data, size / sizeof(int16_t)), NULL);
            break;
        case FRAME_BATCH: {
            if (!instance || size < 4 || (size - 4) % 2 || protocol_get_i32(buffer.data) <= 0) {
                send_result(-1, "bad batch");
                break;
            }
            size_t chunk = (size_t)protocol_get_i32(buffer.data);
            const int16_t *samples = (const int16_t *)(buffer.data + 4);
            size_t total = (size - 4) / 2, done = 0;
            int result = 0;
            batch_announced = -1;
            while (done < total && result == 0) {
                size_t count = total - done < chunk ? total - done : chunk;
                batch_done = (int64_t)(done + count);
                result = engine.table->process(instance, samples + done, count);
                done += count;
            }
            if (result != 0) {
                batch_done = (int64_t)done;
                announce_subcall();
            }
            batch_done = -1;
            send_result(result, NULL);
            break;
        }
        case FRAME_CONTROL: {
            if (!instance || size < 8) {
                send_result(-1, "bad control");
                break;
            }
            struct wakecert_control control = {protocol_get_i32(buffer.data), protocol_get_i32(buffer.data + 4)};
            send_result(engine.table->control(instance, &control), NULL);
            break;
        }
        case FRAME_DESTROY:
            if (instance)
                engine.table->destroy(instance);
            send_result(0, NULL);
            _exit(0);
        default:
            send_result(-1, "unknown frame");
            break;
        }
    }
}
