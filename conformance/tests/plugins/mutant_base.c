/*
 * The wrapper every mutant shares (see mutant_base.h). It dlopens the reference plugin whose path is
 * compiled in (or $WAKECERT_REFERENCE_ENGINE), forwards create/process/control/destroy, and routes the
 * reference's callbacks through the mutant's hooks.
 */
#define _GNU_SOURCE
#include "mutant_base.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct wakecert_engine_table *load_reference(char *message, size_t message_size)
{
    const char *path = getenv("WAKECERT_REFERENCE_ENGINE");
    if (!path || !*path)
        path = MUTANT_REFERENCE_PLUGIN;
    void *library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        snprintf(message, message_size, "mutant: cannot load the reference engine %s: %s", path, dlerror());
        return NULL;
    }
    void *symbol = dlsym(library, WAKECERT_ENGINE_ENTRY_SYMBOL);
    if (!symbol) {
        snprintf(message, message_size, "mutant: %s has no entry", path);
        return NULL;
    }
    wakecert_engine_entry_fn entry;
    memcpy(&entry, &symbol, sizeof entry);
    return entry();
}

bool mutant_history(const struct mutant *mutant, int64_t first, size_t count, int16_t *out)
{
    if (first < 0 || first + (int64_t)count > mutant->clock || mutant->clock - first > MUTANT_HISTORY_SAMPLES)
        return false;
    for (size_t i = 0; i < count; i++)
        out[i] = mutant->history[(first + (int64_t)i) % MUTANT_HISTORY_SAMPLES];
    return true;
}

void mutant_upload_history(struct mutant *mutant, int64_t first, int64_t count)
{
    if (first < mutant->unmuted_at) {
        count -= mutant->unmuted_at - first;
        first = mutant->unmuted_at;
    }
    if (count <= 0)
        return;
    int16_t *copy = malloc((size_t)count * sizeof *copy);
    if (copy && mutant_history(mutant, first, (size_t)count, copy))
        mutant->host.audio_uploaded(mutant->host.ctx, copy, (size_t)count, first);
    free(copy);
}

static void wrapped_wake(void *ctx, const char *keyword, float score, int64_t start, int64_t end)
{
    struct mutant *mutant = ctx;
    if (!mutant_hooks.on_wake || mutant_hooks.on_wake(mutant, keyword, score, start, end))
        mutant->host.wake_detected(mutant->host.ctx, keyword, score, start, end);
}

static void wrapped_open(void *ctx, int reason)
{
    struct mutant *mutant = ctx;
    mutant->stream_open = true;
    mutant->stream_reason = reason;
    mutant->first_upload_pending = true;
    mutant->stream_first = -1;
    if (!mutant_hooks.on_open || mutant_hooks.on_open(mutant, reason))
        mutant->host.stream_opened(mutant->host.ctx, reason);
}

static void wrapped_upload(void *ctx, const int16_t *samples, size_t count, int64_t first)
{
    struct mutant *mutant = ctx;
    if (mutant->stream_first < 0)
        mutant->stream_first = first;
    bool forward = !mutant_hooks.on_upload || mutant_hooks.on_upload(mutant, samples, count, first);
    mutant->first_upload_pending = false;
    if (forward)
        mutant->host.audio_uploaded(mutant->host.ctx, samples, count, first);
}

static void wrapped_close(void *ctx, int reason)
{
    struct mutant *mutant = ctx;
    if (!mutant_hooks.on_close || mutant_hooks.on_close(mutant, reason))
        mutant->host.stream_closed(mutant->host.ctx, reason);
    mutant->stream_open = false;
}

static void wrapped_indicator(void *ctx, int state, int tone)
{
    struct mutant *mutant = ctx;
    mutant->indicator = state;
    if (!mutant_hooks.on_indicator || mutant_hooks.on_indicator(mutant, state, tone))
        mutant->host.indicator_changed(mutant->host.ctx, state, tone);
}

static int mutant_create(const struct wakecert_host_callbacks *callbacks, const char *config_json,
                         wakecert_engine **out_engine, char *message, size_t message_size)
{
    const struct wakecert_engine_table *inner = load_reference(message, message_size);
    if (!inner)
        return WAKECERT_ENGINE_ERROR_MODEL;
    struct mutant *mutant = calloc(1, sizeof *mutant);
    if (!mutant)
        return WAKECERT_ENGINE_ERROR_OUT_OF_MEMORY;
    mutant->inner = inner;
    mutant->host = *callbacks;
    struct wakecert_host_callbacks wrapped = {sizeof wrapped, mutant, wrapped_wake, wrapped_open, wrapped_upload,
                                              wrapped_close, wrapped_indicator};
    const char *inner_config = mutant_hooks.config ? mutant_hooks.config(config_json) : config_json;
    int status = inner->create(&wrapped, inner_config, &mutant->inner_engine, message, message_size);
    if (status != 0) {
        free(mutant);
        return status;
    }
    mutant->stream_first = -1;
    if (mutant_hooks.on_create)
        mutant_hooks.on_create(mutant, config_json);
    *out_engine = (wakecert_engine *)mutant;
    return 0;
}

static int mutant_process(wakecert_engine *engine, const int16_t *samples, size_t count)
{
    struct mutant *mutant = (struct mutant *)engine;
    int64_t first = mutant->clock;
    for (size_t i = 0; i < count; i++)
        mutant->history[(first + (int64_t)i) % MUTANT_HISTORY_SAMPLES] = samples[i];
    mutant->clock += (int64_t)count;
    mutant->chunk_count = count;
    int status = mutant->inner->process(mutant->inner_engine, samples, count);
    if (status == 0 && mutant_hooks.after_process)
        mutant_hooks.after_process(mutant, samples, count, first);
    return status;
}

static int mutant_control(wakecert_engine *engine, const struct wakecert_control *control)
{
    struct mutant *mutant = (struct mutant *)engine;
    if (control->kind == WAKECERT_CONTROL_MICROPHONE_OFF)
        mutant->muted = true;
    else if (control->kind == WAKECERT_CONTROL_MICROPHONE_ON && mutant->muted) {
        mutant->muted = false;
        mutant->unmuted_at = mutant->clock;
    }
    if (mutant_hooks.on_control && !mutant_hooks.on_control(mutant, control))
        return 0;
    return mutant->inner->control(mutant->inner_engine, control);
}

static void mutant_destroy(wakecert_engine *engine)
{
    struct mutant *mutant = (struct mutant *)engine;
    if (!mutant)
        return;
    mutant->inner->destroy(mutant->inner_engine);
    if (mutant_hooks.on_destroy)
        mutant_hooks.on_destroy(mutant);
    free(mutant->state);
    free(mutant);
}

static struct wakecert_engine_table mutant_table = {
    .abi_version = WAKECERT_ENGINE_ABI_VERSION,
    .table_size = sizeof(struct wakecert_engine_table),
    .version = "0.1.0-mutant",
    .create = mutant_create,
    .process = mutant_process,
    .control = mutant_control,
    .destroy = mutant_destroy,
};

__attribute__((visibility("default"))) const struct wakecert_engine_table *wakecert_engine_entry(void)
{
    mutant_table.name = mutant_hooks.name;
    return &mutant_table;
}
