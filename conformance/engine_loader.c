/*
 * Plugin loading (see engine_loader.h). RTLD_LOCAL keeps one engine's symbols from leaking into the
 * next; RTLD_NOW makes a plugin with unresolved symbols fail here, with dlerror's text, rather than
 * later in the middle of a run.
 */
#define _DEFAULT_SOURCE
#include "engine_loader.h"

#include "error.h"
#include "sha256.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef WAKECERT_REFERENCE_PLUGIN
#define WAKECERT_REFERENCE_PLUGIN "libwakecert_ref.so"
#endif

const char *engine_reference_path(void)
{
    const char *explicit_path = getenv("WAKECERT_REFERENCE_ENGINE");
    return explicit_path && *explicit_path ? explicit_path : WAKECERT_REFERENCE_PLUGIN;
}

int engine_load(const char *path, struct loaded_engine *engine, char *message, size_t message_size)
{
    memset(engine, 0, sizeof *engine);
    if (strcmp(path, "ref") == 0 || strcmp(path, "reference") == 0)
        path = engine_reference_path();
    struct stat info;
    if (stat(path, &info) != 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_ENGINE_LOAD, "engine %s: %s", path,
                                  strerror(errno));
    if (!realpath(path, engine->path))
        snprintf(engine->path, sizeof engine->path, "%s", path);
    char hash_error[256];
    if (wakecert_sha256_file(engine->path, engine->sha256, hash_error, sizeof hash_error) != 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_ENGINE_LOAD, "engine %s", hash_error);
    engine->library = dlopen(engine->path, RTLD_NOW | RTLD_LOCAL);
    if (!engine->library)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_ENGINE_LOAD,
                                  "engine %s: cannot load shared object: %s", engine->path, dlerror());
    void *symbol = dlsym(engine->library, WAKECERT_ENGINE_ENTRY_SYMBOL);
    if (!symbol) {
        engine_unload(engine);
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_ENGINE_LOAD,
                                  "engine %s: no symbol %s: not a wakecert engine plugin (see include/wakecert/engine.h)",
                                  path, WAKECERT_ENGINE_ENTRY_SYMBOL);
    }
    wakecert_engine_entry_fn entry;
    memcpy(&entry, &symbol, sizeof entry);
    const struct wakecert_engine_table *table = entry();
    const char *problem = NULL;
    char detail[160] = "";
    if (!table)
        problem = "its entry returned no table";
    else if (table->abi_version != WAKECERT_ENGINE_ABI_VERSION) {
        snprintf(detail, sizeof detail, "it implements engine ABI version %u; this harness speaks version %d",
                 table->abi_version, WAKECERT_ENGINE_ABI_VERSION);
        problem = detail;
    } else if (table->table_size < sizeof(struct wakecert_engine_table)) {
        snprintf(detail, sizeof detail, "its function table is %u bytes, ABI v1 needs %zu", table->table_size,
                 sizeof(struct wakecert_engine_table));
        problem = detail;
    } else if (!table->create || !table->process || !table->control || !table->destroy)
        problem = "its table lacks create, process, control or destroy";
    else if (!table->name || !table->version)
        problem = "its table has no name or version";
    if (problem) {
        engine_unload(engine);
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_ENGINE_LOAD, "engine %s: refused: %s", path,
                                  problem);
    }
    engine->table = table;
    return 0;
}

void engine_unload(struct loaded_engine *engine)
{
    if (engine->library)
        dlclose(engine->library);
    engine->library = NULL;
    engine->table = NULL;
}

static const char *name_in(const char *const *names, size_t count, int value)
{
    return value >= 0 && (size_t)value < count && names[value] ? names[value] : "unknown";
}

static int parse_in(const char *const *names, size_t count, const char *name)
{
    for (size_t i = 0; i < count; i++)
        if (names[i] && strcmp(names[i], name) == 0)
            return (int)i;
    return -1;
}

static const char *const control_names[] = {NULL, "mic_off", "mic_on", "button", "cloud_reject", "stop_capture",
                                            "expect_speech"};
static const char *const stream_reason_names[] = {NULL, "wake", "button", "follow_up"};
static const char *const close_reason_names[] = {NULL, "stop_capture", "cloud_reject", "mic_off", "local_endpoint",
                                                 "timeout", "destroy"};
static const char *const indicator_names[] = {"off", "listening", "muted"};
static const char *const tone_names[] = {"none", "start", "end"};
#define COUNT_OF(array) (sizeof(array) / sizeof((array)[0]))

const char *engine_control_name(int kind) { return name_in(control_names, COUNT_OF(control_names), kind); }
const char *engine_stream_reason_name(int reason) { return name_in(stream_reason_names, COUNT_OF(stream_reason_names), reason); }
const char *engine_close_reason_name(int reason) { return name_in(close_reason_names, COUNT_OF(close_reason_names), reason); }
const char *engine_indicator_name(int state) { return name_in(indicator_names, COUNT_OF(indicator_names), state); }
const char *engine_tone_name(int tone) { return name_in(tone_names, COUNT_OF(tone_names), tone); }
int engine_control_parse(const char *name) { return parse_in(control_names, COUNT_OF(control_names), name); }
int engine_stream_reason_parse(const char *name) { return parse_in(stream_reason_names, COUNT_OF(stream_reason_names), name); }
int engine_close_reason_parse(const char *name) { return parse_in(close_reason_names, COUNT_OF(close_reason_names), name); }
int engine_indicator_parse(const char *name) { return parse_in(indicator_names, COUNT_OF(indicator_names), name); }
