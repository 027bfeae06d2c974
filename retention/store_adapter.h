/*
 * How the harness reaches a store: the in-process reference (`ref`), a plugin loaded with dlopen
 * (`PATH.so`, exporting wakecert_store_entry), or a subprocess speaking JSON lines (`exec:CMD`).
 *
 * All three end up as the same thing, a struct wakecert_store_table plus a handle, so the harness has
 * one code path. The exec: client is itself written as a store table whose functions turn each call
 * into one request line and parse one reply line; store_serve() is the inverse (it serves any table
 * over stdin/stdout), which is how the reference store runs as a subprocess (`retention serve`).
 */
#ifndef WAKECERT_RETENTION_STORE_ADAPTER_H
#define WAKECERT_RETENTION_STORE_ADAPTER_H

#include <wakecert/store.h>

#include <stdio.h>

struct store_handle {
    const struct wakecert_store_table *table;
    wakecert_store *store;   /* NULL until store_handle_open */
    void *library;           /* dlopen handle, or NULL */
    char spec[1024];         /* what the user gave: "ref", a path, "exec:CMD" */
    char name[128];          /* the store's name (for exec: what it said in its "open" reply) */
    char version[64];
    char path[1024];         /* plugin path ("" for ref and exec) */
    char sha256[65];         /* of the plugin file ("" for ref and exec) */
    int is_exec;
};

/** Resolve a --store spec. Returns 0, or WAKECERT_ERROR_ENGINE_LOAD / USAGE with a message naming the
 *  file (missing, no entry symbol, ABI version or table size mismatch). */
int store_handle_load(const char *spec, struct store_handle *out, char *message, size_t message_size);

/** Open a store instance in `directory` (which exists). extra_json is NULL or a JSON object's members
 *  text to add to the configuration (e.g. "\"synchronous\":\"normal\""). Returns 0 or
 *  WAKECERT_ERROR_ENGINE with the store's own message. */
int store_handle_open(struct store_handle *handle, const struct wakecert_store_host *host, const char *directory,
                      const char *extra_json, char *message, size_t message_size);

/** Close the open instance, if any. Cannot fail. */
void store_handle_close(struct store_handle *handle);

/** Close and unload. Cannot fail; safe on a zeroed handle. */
void store_handle_unload(struct store_handle *handle);

/** The exec: client table. Its open() needs "command" in the configuration (store_handle_open adds
 *  it): a shell command started with /bin/sh -c, whose stdin/stdout carry the protocol. */
const struct wakecert_store_table *store_exec_client_table(void);

/** 1 if the exec: subprocess behind this store died (EOF or a broken pipe), else 0. */
int store_exec_died(wakecert_store *store);

/** Serve `table` over the JSON-lines protocol: read requests from `in`, write replies to `out`, until
 *  "close" or end of input. The first request must be "open". extra_json as for store_handle_open is
 *  merged into the open request's configuration. Returns 0 at a clean end, or a negative
 *  wakecert_error when the input is not the protocol (a reply with the reason is written first). */
int store_serve(const struct wakecert_store_table *table, const char *extra_json, FILE *in, FILE *out);

/** "not_allowed", "not_found" ... for a store error code; "error" for an unknown one. */
const char *store_error_name(int code);

/** The policy's protocol name: "keep", "3_months", "18_months", "dont_save". */
const char *store_policy_name(int policy);

#endif
