/*
 * The sandbox an engine runs in during certification: a fresh network namespace (no interface but a
 * down loopback: nothing to connect to) and a seccomp-bpf filter built with libseccomp.
 *
 * Why this shape: the product exists to catch engines that send audio somewhere other than the upload
 * callback. Inside the sandbox the only ways out are the protocol pipe back to the harness and
 * stderr. For a plugin the filter is an allow-list installed after create() (so the engine may read
 * its model files at start-up): memory, time, futexes, reading, writing to the protocol pipe and
 * stderr, opening files read-only, threads; anything else — sockets, connect/sendto, opening a file for
 * writing, unlink/rename, exec, fork, ptrace — traps. The SIGSYS handler reports the system call number
 * on the protocol pipe ('V' frame) and exits, so the harness records sandbox.no_side_channel as FAIL
 * with the call named rather than seeing a silent death. For `exec:` engines the filter is a deny-list
 * installed before exec (an interpreter needs many calls to start); a denied call kills the process
 * with SIGSYS, which the harness also records as a violation.
 */
#ifndef WAKECERT_CONFORMANCE_SANDBOX_H
#define WAKECERT_CONFORMANCE_SANDBOX_H

#include <stddef.h>

/** Move the calling process into a new, empty network namespace. Returns 0, or -1 when the kernel or
 *  the privileges do not allow it (the caller carries on; the seccomp filter still blocks sockets). */
int sandbox_enter_network_namespace(void);

/** Install the plugin allow-list. report_fd is the protocol pipe (the only fd, besides stderr, that may be
 *  written). Returns 0, or -1 if libseccomp is unavailable or the filter cannot be loaded. */
int sandbox_apply_plugin_filter(int report_fd);

/** Install the exec deny-list (before execve). Returns 0 or -1. */
int sandbox_apply_exec_filter(void);

/** The name of system call `number` on this architecture ("socket"), or "syscall N". Not async-signal-safe. */
void sandbox_syscall_name(int number, char *out, unsigned long out_size);

/** 1 if this build has libseccomp, else 0. */
int sandbox_available(void);

/** The RLIMIT_AS value that gives an engine process `bytes` of address space: `bytes` itself, except in
 *  an AddressSanitizer build, where it is what the (forked) process has mapped already plus `bytes`
 *  (ASan's shadow reservation would otherwise make its next mmap fail). Cannot fail. */
unsigned long long sandbox_address_space_limit(size_t bytes);

#endif
