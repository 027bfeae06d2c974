/*
 * Engine sessions (see engine_session.h). A child is forked per file: the harness is single-threaded,
 * so forking without exec is safe, and the child starts with the plugin already resolvable. Each call
 * is one request frame; the parent then dispatches event frames to the host callbacks until the
 * RESULT frame, with a poll() timeout per read. A dead child shows as end-of-stream on the pipe; the
 * parent then reaps it with wait4 to learn the signal, and kills it first on a timeout.
 */
#define _GNU_SOURCE
#include "engine_session.h"

#include "engine_host.h"
#include "json.h"
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <wordexp.h>

static void set_failure(struct engine_session *session, int failure, const char *detail)
{
    if (session->failure)
        return;
    session->failure = failure;
    if (detail)
        snprintf(session->detail, sizeof session->detail, "%s", detail);
}

/* An engine's own status, kept apart from SESSION_FAILED: an engine that returns that very number
 * (-1000) must not look like a crashed session with no failure recorded, so it becomes
 * WAKECERT_ENGINE_ERROR_INTERNAL. Every other status passes through. Cannot fail. */
static int engine_status(int status)
{
    return status == SESSION_FAILED ? WAKECERT_ENGINE_ERROR_INTERNAL : status;
}

/* Reap the child (killing it first if asked) and record CPU time, memory and how it ended. */
static void reap(struct engine_session *session, bool kill_first)
{
    if (session->pid <= 0)
        return;
    if (kill_first)
        kill(session->pid, SIGKILL);
    int status = 0;
    struct rusage usage;
    memset(&usage, 0, sizeof usage);
    pid_t reaped;
    do
        reaped = wait4(session->pid, &status, 0, &usage);
    while (reaped < 0 && errno == EINTR);
    if (reaped == session->pid) {
        session->cpu_seconds = (double)usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
                               (double)usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
        session->peak_rss_kb = usage.ru_maxrss;
        if (WIFSIGNALED(status) && !kill_first) {
            if (WTERMSIG(status) == SIGSYS)
                set_failure(session, SESSION_VIOLATION, "a forbidden system call (killed by SIGSYS)");
            session->signal = WTERMSIG(status);
            set_failure(session, SESSION_CRASH, NULL);
        } else if (WIFEXITED(status) && !kill_first && session->failure == SESSION_CRASH)
            session->exit_status = WEXITSTATUS(status);
    }
    session->pid = -1;
}

static void close_pipes(struct engine_session *session)
{
    if (session->to_engine >= 0)
        close(session->to_engine);
    if (session->from_engine >= 0)
        close(session->from_engine);
    session->to_engine = session->from_engine = -1;
}

/* The child has gone or broken the protocol mid-call: find out how, and mark the session failed. */
static int fail_call(struct engine_session *session, int read_status)
{
    if (read_status == -2) {
        set_failure(session, SESSION_TIMEOUT, NULL);
        close_pipes(session);
        reap(session, true);
        return SESSION_FAILED;
    }
    close_pipes(session);
    reap(session, false);
    set_failure(session, SESSION_CRASH, NULL); /* exited in the middle of a call */
    return SESSION_FAILED;
}

/* Read frames, dispatching events, until RESULT. Returns the engine's status or SESSION_FAILED. */
static int await_result(struct engine_session *session, char *message, size_t message_size)
{
    for (;;) {
        int type;
        size_t size;
        int status = protocol_read_frame(session->from_engine, &session->buffer, &type, &size,
                                         session->options.call_timeout_ms);
        if (status != 0)
            return fail_call(session, status);
        const unsigned char *payload = session->buffer.data;
        switch (type) {
        case FRAME_RESULT: {
            if (size < 4) {
                set_failure(session, SESSION_PROTOCOL, "RESULT frame shorter than 4 bytes");
                return fail_call(session, -1);
            }
            int result = engine_status(protocol_get_i32(payload));
            if (message && message_size)
                snprintf(message, message_size, "%.*s", (int)(size - 4), (const char *)payload + 4);
            return result;
        }
        case FRAME_SUBCALL:
            if (size < 8) {
                set_failure(session, SESSION_PROTOCOL, "SUBCALL frame shorter than 8 bytes");
                return fail_call(session, -1);
            }
            if (session->on_subcall)
                session->on_subcall(session->host.ctx, protocol_get_i64(payload));
            break;
        case FRAME_WAKE: {
            cJSON *object = cJSON_ParseWithLength((const char *)payload, size);
            const char *keyword = object ? wakecert_json_string(object, "keyword") : NULL;
            if (!object) {
                set_failure(session, SESSION_PROTOCOL, "WAKE frame is not JSON");
                return fail_call(session, -1);
            }
            session->host.wake_detected(session->host.ctx, keyword ? keyword : "",
                                        (float)wakecert_json_number(object, "score", 0),
                                        (int64_t)wakecert_json_int64(object, "start", 0),
                                        (int64_t)wakecert_json_int64(object, "end", 0));
            cJSON_Delete(object);
            break;
        }
        case FRAME_OPEN:
        case FRAME_CLOSE:
            if (size < 4) {
                set_failure(session, SESSION_PROTOCOL, "OPEN/CLOSE frame shorter than 4 bytes");
                return fail_call(session, -1);
            }
            if (type == FRAME_OPEN)
                session->host.stream_opened(session->host.ctx, protocol_get_i32(payload));
            else
                session->host.stream_closed(session->host.ctx, protocol_get_i32(payload));
            break;
        case FRAME_UPLOAD:
            if (size < 8 || (size - 8) % 2) {
                set_failure(session, SESSION_PROTOCOL, "UPLOAD frame is not an index and whole samples");
                return fail_call(session, -1);
            }
            session->host.audio_uploaded(session->host.ctx, (const int16_t *)(payload + 8), (size - 8) / 2,
                                         protocol_get_i64(payload));
            break;
        case FRAME_INDICATOR:
            if (size < 8) {
                set_failure(session, SESSION_PROTOCOL, "INDICATOR frame shorter than 8 bytes");
                return fail_call(session, -1);
            }
            session->host.indicator_changed(session->host.ctx, protocol_get_i32(payload), protocol_get_i32(payload + 4));
            break;
        case FRAME_VIOLATION: {
            cJSON *object = cJSON_ParseWithLength((const char *)payload, size);
            char name[64];
            sandbox_syscall_name(object ? (int)wakecert_json_int64(object, "number", -1) : -1, name, sizeof name);
            cJSON_Delete(object);
            set_failure(session, SESSION_VIOLATION, name);
            close_pipes(session);
            reap(session, false);
            return SESSION_FAILED;
        }
        default:
            set_failure(session, SESSION_PROTOCOL, "unknown frame type");
            return fail_call(session, -1);
        }
    }
}

static int request(struct engine_session *session, int type, const void *payload, size_t size, char *message,
                   size_t message_size)
{
    if (session->failure)
        return SESSION_FAILED;
    if (protocol_write_frame(session->to_engine, type, payload, size) != 0)
        return fail_call(session, -1);
    return await_result(session, message, message_size);
}

/* Fork the engine: a child serving the plugin, or the exec command with its stdin/stdout on pipes. */
static int spawn(struct engine_session *session, char *message, size_t message_size)
{
    int down[2], up[2];
    if (pipe2(down, O_CLOEXEC) != 0 || pipe2(up, O_CLOEXEC) != 0)
        return snprintf(message, message_size, "cannot create pipes: %s", strerror(errno)), -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(down[0]), close(down[1]), close(up[0]), close(up[1]);
        return snprintf(message, message_size, "cannot fork: %s", strerror(errno)), -1;
    }
    if (pid == 0) {
        signal(SIGPIPE, SIG_DFL);
        signal(SIGINT, SIG_DFL); /* the harness's interrupt cleanup (common/files.h) is its own, not the engine's */
        signal(SIGTERM, SIG_DFL);
        if (session->options.isolation == SESSION_CHILD) {
            struct engine_host_options host_options = {session->options.sandbox, session->options.memory_limit_bytes};
            engine_host_serve(session->engine->path, down[0], up[1], &host_options);
        }
        dup2(down[0], STDIN_FILENO);
        dup2(up[1], STDOUT_FILENO);
        if (session->options.memory_limit_bytes) {
            rlim_t bytes = sandbox_address_space_limit(session->options.memory_limit_bytes);
            struct rlimit limit = {bytes, bytes};
            setrlimit(RLIMIT_AS, &limit);
        }
        setenv("PYTHONDONTWRITEBYTECODE", "1", 1);
        /* Split the command like a shell would (quotes, no substitutions) but exec it directly: a shell
         * would fork, which the sandbox forbids. */
        wordexp_t words;
        if (wordexp(session->command, &words, WRDE_NOCMD) != 0 || words.we_wordc == 0) {
            fprintf(stderr, "wakecert: cannot parse the exec: command \"%s\"\n", session->command);
            _exit(127);
        }
        if (session->options.sandbox) {
            sandbox_enter_network_namespace();
            sandbox_apply_exec_filter();
        }
        execvp(words.we_wordv[0], words.we_wordv);
        fprintf(stderr, "wakecert: cannot run %s: %s\n", words.we_wordv[0], strerror(errno));
        _exit(127);
    }
    close(down[0]);
    close(up[1]);
    session->pid = pid;
    session->to_engine = down[1];
    session->from_engine = up[0];
    return 0;
}

int session_open(struct engine_session *session, const struct session_options *options,
                 const struct loaded_engine *engine, const char *command, const struct wakecert_host_callbacks *host,
                 const char *config_json, char *message, size_t message_size)
{
    memset(session, 0, sizeof *session);
    session->options = *options;
    session->engine = engine;
    session->command = command;
    session->host = *host;
    session->pid = -1;
    session->to_engine = session->from_engine = -1;
    if (options->isolation == SESSION_IN_PROCESS)
        return engine_status(engine->table->create(host, config_json, &session->instance, message, message_size));
    if (spawn(session, message, message_size) != 0) {
        set_failure(session, SESSION_PROTOCOL, message);
        return SESSION_FAILED;
    }
    int type;
    size_t size;
    int status = protocol_read_frame(session->from_engine, &session->buffer, &type, &size,
                                     options->call_timeout_ms > 0 ? options->call_timeout_ms * 3 : -1);
    if (status != 0 || type != FRAME_HELLO) {
        if (status == 0)
            set_failure(session, SESSION_PROTOCOL, "the engine did not start with a HELLO frame");
        fail_call(session, status == 0 ? -1 : status);
        snprintf(message, message_size, "the engine did not start (%s)",
                 session->failure == SESSION_TIMEOUT ? "no HELLO within the timeout" : "it exited or broke the protocol");
        return SESSION_FAILED;
    }
    cJSON *hello = cJSON_ParseWithLength((const char *)session->buffer.data, size);
    snprintf(session->name, sizeof session->name, "%s", hello && wakecert_json_string(hello, "name") ? wakecert_json_string(hello, "name") : "");
    snprintf(session->version, sizeof session->version, "%s",
             hello && wakecert_json_string(hello, "version") ? wakecert_json_string(hello, "version") : "");
    double abi = hello ? wakecert_json_number(hello, "abi", -1) : -1;
    cJSON_Delete(hello);
    if (abi != WAKECERT_ENGINE_ABI_VERSION) {
        set_failure(session, SESSION_PROTOCOL, "HELLO names another ABI version");
        fail_call(session, -1);
        snprintf(message, message_size, "the engine speaks ABI %g; this harness speaks %d", abi, WAKECERT_ENGINE_ABI_VERSION);
        return SESSION_FAILED;
    }
    const char *config = config_json ? config_json : "{}";
    return request(session, FRAME_CREATE, config, strlen(config), message, message_size);
}

int session_process(struct engine_session *session, const int16_t *samples, size_t count)
{
    if (session->options.isolation == SESSION_IN_PROCESS)
        return engine_status(session->engine->table->process(session->instance, samples, count));
    return request(session, FRAME_PROCESS, samples, count * sizeof *samples, NULL, 0);
}

int session_process_batch(struct engine_session *session, const int16_t *samples, size_t count, size_t chunk)
{
    if (session->options.isolation == SESSION_IN_PROCESS) {
        int status = 0;
        for (size_t done = 0; done < count && status == 0;) {
            size_t piece = count - done < chunk ? count - done : chunk;
            if (session->on_subcall)
                session->on_subcall(session->host.ctx, (int64_t)(done + piece));
            status = engine_status(session->engine->table->process(session->instance, samples + done, piece));
            done += piece;
        }
        return status;
    }
    if (session->failure)
        return SESSION_FAILED;
    unsigned char header[4];
    protocol_put_i32(header, (int32_t)chunk);
    if (protocol_write_frame2(session->to_engine, FRAME_BATCH, header, 4, samples, count * sizeof *samples) != 0)
        return fail_call(session, -1);
    return await_result(session, NULL, 0);
}

int session_control(struct engine_session *session, const struct wakecert_control *control)
{
    if (session->options.isolation == SESSION_IN_PROCESS)
        return engine_status(session->engine->table->control(session->instance, control));
    unsigned char payload[8];
    protocol_put_i32(payload, control->kind);
    protocol_put_i32(payload + 4, control->timeout_ms);
    return request(session, FRAME_CONTROL, payload, sizeof payload, NULL, 0);
}

void session_close(struct engine_session *session)
{
    if (session->options.isolation == SESSION_IN_PROCESS) {
        if (session->instance)
            session->engine->table->destroy(session->instance);
        session->instance = NULL;
        return;
    }
    if (!session->failure)
        request(session, FRAME_DESTROY, NULL, 0, NULL, 0);
    close_pipes(session);
    reap(session, session->failure == SESSION_TIMEOUT);
    protocol_buffer_free(&session->buffer);
}

int session_probe_exec(const char *command, bool sandbox, char *name, size_t name_size, char *version,
                       size_t version_size, char *message, size_t message_size)
{
    struct engine_session session;
    memset(&session, 0, sizeof session);
    session.options.isolation = SESSION_EXEC;
    session.options.sandbox = sandbox;
    session.options.call_timeout_ms = 30000;
    session.command = command;
    session.pid = -1;
    session.to_engine = session.from_engine = -1;
    if (spawn(&session, message, message_size) != 0)
        return -1;
    int type;
    size_t size;
    int status = protocol_read_frame(session.from_engine, &session.buffer, &type, &size, 30000);
    int result = -1;
    if (status == 0 && type == FRAME_HELLO) {
        cJSON *hello = cJSON_ParseWithLength((const char *)session.buffer.data, size);
        const char *found_name = hello ? wakecert_json_string(hello, "name") : NULL;
        const char *found_version = hello ? wakecert_json_string(hello, "version") : NULL;
        double abi = hello ? wakecert_json_number(hello, "abi", -1) : -1;
        if (found_name && found_version && abi == WAKECERT_ENGINE_ABI_VERSION) {
            snprintf(name, name_size, "%s", found_name);
            snprintf(version, version_size, "%s", found_version);
            result = 0;
        } else
            snprintf(message, message_size, "exec engine \"%s\": its HELLO lacks name/version or names ABI %g, not %d",
                     command, abi, WAKECERT_ENGINE_ABI_VERSION);
        cJSON_Delete(hello);
    } else
        snprintf(message, message_size, "exec engine \"%s\" did not send a HELLO frame (did it start?)", command);
    close_pipes(&session);
    reap(&session, true);
    protocol_buffer_free(&session.buffer);
    return result;
}
