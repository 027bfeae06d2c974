/*
 * The engine sandbox (see sandbox.h).
 */
#define _GNU_SOURCE
#include "sandbox.h"

#include "engine_protocol.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifdef WAKECERT_HAVE_SECCOMP
#include <seccomp.h>
#endif

int sandbox_available(void)
{
#ifdef WAKECERT_HAVE_SECCOMP
    return 1;
#else
    return 0;
#endif
}

int sandbox_enter_network_namespace(void)
{
    return unshare(CLONE_NEWNET) == 0 ? 0 : -1;
}

void sandbox_syscall_name(int number, char *out, unsigned long out_size)
{
#ifdef WAKECERT_HAVE_SECCOMP
    char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, number);
    if (name) {
        snprintf(out, out_size, "%s", name);
        free(name);
        return;
    }
#endif
    snprintf(out, out_size, "syscall %d", number);
}

#ifdef WAKECERT_HAVE_SECCOMP
static int violation_fd = -1;

/* SIGSYS: report the forbidden call on the protocol pipe and leave. Only async-signal-safe calls. */
static void report_violation(int signal_number, siginfo_t *info, void *context)
{
    (void)signal_number;
    (void)context;
    char payload[64];
    int number = info->si_syscall;
    /* A tiny JSON object without printf: {"number": N} */
    char digits[16];
    int length = 0;
    unsigned value = number < 0 ? 0u : (unsigned)number;
    do {
        digits[length++] = (char)('0' + value % 10);
        value /= 10;
    } while (value && length < (int)sizeof digits);
    int used = 0;
    const char *prefix = "{\"number\": ";
    while (*prefix)
        payload[used++] = *prefix++;
    while (length > 0)
        payload[used++] = digits[--length];
    payload[used++] = '}';
    unsigned char header[5];
    protocol_put_i32(header, used);
    header[4] = FRAME_VIOLATION;
    if (violation_fd >= 0) {
        ssize_t ignored = write(violation_fd, header, 5);
        ignored = write(violation_fd, payload, (size_t)used);
        (void)ignored;
    }
    _exit(99);
}

static int allow(scmp_filter_ctx filter, int number)
{
    return seccomp_rule_add(filter, SCMP_ACT_ALLOW, number, 0);
}
#endif

int sandbox_apply_plugin_filter(int report_fd)
{
#ifdef WAKECERT_HAVE_SECCOMP
    violation_fd = report_fd;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = report_violation;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGSYS, &action, NULL) != 0)
        return -1;
    scmp_filter_ctx filter = seccomp_init(SCMP_ACT_TRAP);
    if (!filter)
        return -1;
    static const int allowed[] = {
        SCMP_SYS(read), SCMP_SYS(readv), SCMP_SYS(pread64), SCMP_SYS(close), SCMP_SYS(fstat), SCMP_SYS(newfstatat),
        SCMP_SYS(lseek), SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap), SCMP_SYS(mprotect), SCMP_SYS(brk),
        SCMP_SYS(madvise), SCMP_SYS(futex), SCMP_SYS(clock_gettime), SCMP_SYS(clock_getres), SCMP_SYS(gettimeofday),
        SCMP_SYS(clock_nanosleep), SCMP_SYS(nanosleep), SCMP_SYS(exit), SCMP_SYS(exit_group), SCMP_SYS(rt_sigreturn),
        SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigaction), SCMP_SYS(sigaltstack), SCMP_SYS(getpid), SCMP_SYS(gettid),
        SCMP_SYS(tgkill), SCMP_SYS(getrandom), SCMP_SYS(sched_yield), SCMP_SYS(sched_getaffinity),
        SCMP_SYS(set_robust_list), SCMP_SYS(rseq), SCMP_SYS(prlimit64), SCMP_SYS(getrusage),
    };
    int failed = 0;
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
        failed |= allow(filter, allowed[i]) != 0;
    /* Writing: only the protocol pipe and stderr. */
    failed |= seccomp_rule_add(filter, SCMP_ACT_ALLOW, SCMP_SYS(write), 1, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)report_fd));
    failed |= seccomp_rule_add(filter, SCMP_ACT_ALLOW, SCMP_SYS(write), 1, SCMP_A0(SCMP_CMP_EQ, 2));
    failed |= seccomp_rule_add(filter, SCMP_ACT_ALLOW, SCMP_SYS(writev), 1, SCMP_A0(SCMP_CMP_EQ, 2));
    /* Opening: read-only, no creation or truncation. */
    failed |= seccomp_rule_add(filter, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
                               SCMP_A2(SCMP_CMP_MASKED_EQ, O_ACCMODE | O_CREAT | O_TRUNC, O_RDONLY));
    /* Threads yes (clone with CLONE_THREAD), processes no; clone3 reports ENOSYS so libc falls back to clone. */
    failed |= seccomp_rule_add(filter, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                               SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
    failed |= seccomp_rule_add(filter, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
    if (!failed)
        failed = seccomp_load(filter) != 0;
    seccomp_release(filter);
    return failed ? -1 : 0;
#else
    (void)report_fd;
    return -1;
#endif
}

int sandbox_apply_exec_filter(void)
{
#ifdef WAKECERT_HAVE_SECCOMP
    scmp_filter_ctx filter = seccomp_init(SCMP_ACT_ALLOW);
    if (!filter)
        return -1;
    static const int denied[] = {
        SCMP_SYS(socket),  SCMP_SYS(socketpair), SCMP_SYS(connect), SCMP_SYS(sendto), SCMP_SYS(sendmsg),
        SCMP_SYS(sendmmsg), SCMP_SYS(bind),      SCMP_SYS(listen),  SCMP_SYS(accept), SCMP_SYS(accept4),
        SCMP_SYS(ptrace),  SCMP_SYS(fork),       SCMP_SYS(vfork),   SCMP_SYS(unlink), SCMP_SYS(unlinkat),
        SCMP_SYS(rename),  SCMP_SYS(renameat),   SCMP_SYS(renameat2), SCMP_SYS(creat), SCMP_SYS(truncate),
    };
    int failed = 0;
    for (size_t i = 0; i < sizeof denied / sizeof denied[0]; i++)
        failed |= seccomp_rule_add(filter, SCMP_ACT_TRAP, denied[i], 0) != 0;
    failed |= seccomp_rule_add(filter, SCMP_ACT_TRAP, SCMP_SYS(openat), 1,
                               SCMP_A2(SCMP_CMP_MASKED_EQ, O_WRONLY, O_WRONLY));
    failed |= seccomp_rule_add(filter, SCMP_ACT_TRAP, SCMP_SYS(openat), 1, SCMP_A2(SCMP_CMP_MASKED_EQ, O_RDWR, O_RDWR));
    failed |= seccomp_rule_add(filter, SCMP_ACT_TRAP, SCMP_SYS(clone), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0));
    failed |= seccomp_rule_add(filter, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
    if (!failed)
        failed = seccomp_load(filter) != 0;
    seccomp_release(filter);
    return failed ? -1 : 0;
#else
    return -1;
#endif
}

#if defined(__SANITIZE_ADDRESS__)
#define WAKECERT_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WAKECERT_UNDER_ASAN 1
#endif
#endif
#ifndef WAKECERT_UNDER_ASAN
#define WAKECERT_UNDER_ASAN 0
#endif

/* The RLIMIT_AS value that gives the engine `bytes` of address space. In an AddressSanitizer build the
 * forked host already has terabytes reserved for ASan's shadow memory, and a plain limit makes its next
 * mmap fail ("Failed to mmap") before the engine runs; there the limit is what is mapped at fork time
 * plus `bytes`, so the engine is still bounded by what it adds. Cannot fail. */
unsigned long long sandbox_address_space_limit(size_t bytes)
{
    if (!WAKECERT_UNDER_ASAN)
        return (unsigned long long)bytes;
    unsigned long pages = 0;
    FILE *statm = fopen("/proc/self/statm", "r");
    if (statm) {
        if (fscanf(statm, "%lu", &pages) != 1)
            pages = 0;
        fclose(statm);
    }
    return (unsigned long long)pages * (unsigned long long)sysconf(_SC_PAGESIZE) + (unsigned long long)bytes;
}
