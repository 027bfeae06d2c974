/*
 * One engine instance for one corpus file, wherever it runs: in the harness's own process (a direct
 * plugin call, `--in-process`, for debugging), in a sandboxed child process that loads the plugin
 * (the default), or in a program that speaks the framed protocol (`--engine exec:COMMAND`). The run
 * loop sees the same four calls and the same host callbacks in every case.
 *
 * When the engine in a child crashes (any signal), hangs (no answer within the call timeout), breaks
 * the protocol or makes a forbidden system call, the call returns SESSION_FAILED and `failure` says
 * which, with the signal or the system call; the harness records it and goes on with the next file.
 */
#ifndef WAKECERT_CONFORMANCE_ENGINE_SESSION_H
#define WAKECERT_CONFORMANCE_ENGINE_SESSION_H

#include "engine_loader.h"
#include "engine_protocol.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum session_isolation {
    SESSION_IN_PROCESS = 0,
    SESSION_CHILD = 1,   /* a forked child loads the plugin (sandboxed unless disabled) */
    SESSION_EXEC = 2,    /* a program speaking the protocol on stdin/stdout */
};

enum session_failure {
    SESSION_OK = 0,
    SESSION_CRASH = 1,     /* killed by a signal, or exited in the middle of a call */
    SESSION_TIMEOUT = 2,   /* no answer within the call timeout */
    SESSION_VIOLATION = 3, /* a system call the sandbox forbids */
    SESSION_PROTOCOL = 4,  /* a malformed or unexpected frame */
};

#define SESSION_FAILED (-1000) /* returned by the calls below when `failure` is set */

struct session_options {
    int isolation;             /* enum session_isolation */
    bool sandbox;              /* for SESSION_CHILD and SESSION_EXEC */
    int call_timeout_ms;       /* per process/control call */
    size_t memory_limit_bytes; /* child RLIMIT_AS */
};

struct engine_session {
    struct session_options options;
    const struct loaded_engine *engine;   /* plugin (in-process and child) */
    const char *command;                  /* exec: the shell command */
    struct wakecert_host_callbacks host;
    wakecert_engine *instance;            /* in-process */
    pid_t pid;
    int to_engine, from_engine;
    struct protocol_buffer buffer;
    /* outcome */
    int failure;                          /* enum session_failure */
    int signal;                           /* CRASH: the signal, or 0 for an exit */
    int exit_status;                      /* CRASH by exit: the status */
    char detail[160];                     /* VIOLATION: the system call; PROTOCOL: what was wrong */
    double cpu_seconds;                   /* child CPU time (user + system), after session_close */
    long peak_rss_kb;                     /* child peak RSS, after session_close */
    char name[128], version[64];          /* from HELLO (exec engines) */
    /* During session_process_batch: told, before the events of each inner call, how many samples of
     * the batch were done when that call ended (so events get the right sample clock). */
    void (*on_subcall)(void *ctx, int64_t samples_done);
};

/** Start the engine and create an instance with config_json. Returns 0; an engine error code (< 0,
 *  the engine refused: message holds its text); or SESSION_FAILED (see failure). */
int session_open(struct engine_session *session, const struct session_options *options,
                 const struct loaded_engine *engine, const char *command, const struct wakecert_host_callbacks *host,
                 const char *config_json, char *message, size_t message_size);

/** process()/control() through the session; events arrive on the host callbacks before they return.
 *  Return the engine's status, or SESSION_FAILED. */
int session_process(struct engine_session *session, const int16_t *samples, size_t count);
int session_control(struct engine_session *session, const struct wakecert_control *control);

/** process() the samples in successive calls of `chunk` samples (as a run with that chunk size would),
 *  in one round trip for isolated engines. on_subcall is called before each call's events. Returns the
 *  first non-zero status (the batch stops there) or SESSION_FAILED. */
int session_process_batch(struct engine_session *session, const int16_t *samples, size_t count, size_t chunk);

/** Destroy the instance (its last events arrive on the callbacks), end the child and collect its CPU time
 *  and memory. Safe after a failure. */
void session_close(struct engine_session *session);

/** Read the HELLO of an exec engine without creating an instance (for its name and version): starts the
 *  program, reads HELLO, ends it. Returns 0 or -1 with a message. */
int session_probe_exec(const char *command, bool sandbox, char *name, size_t name_size, char *version,
                       size_t version_size, char *message, size_t message_size);

#endif
