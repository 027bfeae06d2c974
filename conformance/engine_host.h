/*
 * The child side of process isolation: a process that loads one engine plugin and serves the framed
 * engine protocol (engine_protocol.h) on two file descriptors, so that a crashing, hanging or
 * misbehaving engine takes down only this process. The harness forks it per corpus file.
 */
#ifndef WAKECERT_CONFORMANCE_ENGINE_HOST_H
#define WAKECERT_CONFORMANCE_ENGINE_HOST_H

#include <stdbool.h>
#include <stddef.h>

struct engine_host_options {
    bool sandbox;              /* network namespace + seccomp filter after create() */
    size_t memory_limit_bytes; /* RLIMIT_AS; 0 for none */
};

/** Serve the protocol for the plugin at plugin_path: send HELLO, then answer frames until DESTROY or the
 *  end of input. Never returns: exits the process (0 after DESTROY, 2 if the plugin cannot be loaded). */
void engine_host_serve(const char *plugin_path, int in_fd, int out_fd, const struct engine_host_options *options)
    __attribute__((noreturn));

#endif
