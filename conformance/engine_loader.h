/*
 * Loading an engine plugin through the public ABI (include/wakecert/engine.h) with dlopen, and
 * refusing it clearly when it is not one: missing file, missing entry symbol, another ABI version,
 * a table too short or with missing functions. The reference engine is loaded exactly this way.
 */
#ifndef WAKECERT_CONFORMANCE_ENGINE_LOADER_H
#define WAKECERT_CONFORMANCE_ENGINE_LOADER_H

#include <stddef.h>
#include <wakecert/engine.h>

struct loaded_engine {
    void *library;                              /* dlopen handle */
    const struct wakecert_engine_table *table;
    char path[1024];                            /* resolved path of the shared object */
    char sha256[65];                            /* of the shared object file */
};

/** Load the plugin at `path` ("ref" means the built-in reference engine). Returns 0, or
 *  WAKECERT_ERROR_ENGINE_LOAD with a message saying exactly what is wrong with which file. */
int engine_load(const char *path, struct loaded_engine *engine, char *message, size_t message_size);

/** Unload; safe on a zeroed or already unloaded struct. */
void engine_unload(struct loaded_engine *engine);

/** The path of the built-in reference plugin: $WAKECERT_REFERENCE_ENGINE or the one built beside. */
const char *engine_reference_path(void);

/** Human-readable name for a control kind / stream reason / close reason / indicator state / tone. */
const char *engine_control_name(int kind);
const char *engine_stream_reason_name(int reason);
const char *engine_close_reason_name(int reason);
const char *engine_indicator_name(int state);
const char *engine_tone_name(int tone);
/** Inverse lookups; return -1 for unknown names. */
int engine_control_parse(const char *name);
int engine_stream_reason_parse(const char *name);
int engine_close_reason_parse(const char *name);
int engine_indicator_parse(const char *name);

#endif
