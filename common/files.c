/*
 * File helpers (see files.h). Atomic writes follow the classic pattern: write a temporary file in
 * the destination's directory (so rename is atomic on one file system), fsync it, rename it over the
 * destination, then fsync the directory so the rename itself survives a crash.
 *
 * Interrupts: every temporary file between open and commit/abort is listed in a small fixed table
 * (a slot's path is written before the slot is marked live, and the mark is cleared only after the
 * rename or unlink), so a SIGINT/SIGTERM handler can remove them without locks or allocation. At
 * most WAKECERT_TEMPORARY_SLOTS writes are in flight at once in practice (the harness writes one output
 * at a time); a write beyond that is still atomic, just not cleaned up by an interrupt.
 */
#define _GNU_SOURCE /* prctl(PR_SET_PDEATHSIG) */
#include "files.h"

#include "error.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef WAKECERT_BUILD_SOURCE_DIR
#define WAKECERT_BUILD_SOURCE_DIR "."
#endif

int wakecert_read_file(const char *path, char **out_data, size_t *out_size, char *message, size_t message_size)
{
    *out_data = NULL;
    FILE *file = fopen(path, "rb");
    if (!file)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_IO, "%s: cannot open: %s", path,
                                  strerror(errno));
    size_t capacity = 1 << 16, size = 0;
    char *data = malloc(capacity + 1);
    if (!data) {
        fclose(file);
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "%s: out of memory", path);
    }
    for (;;) {
        size_t got = fread(data + size, 1, capacity - size, file);
        size += got;
        if (size < capacity)
            break;
        char *bigger = realloc(data, 2 * capacity + 1);
        if (!bigger) {
            free(data);
            fclose(file);
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "%s: out of memory", path);
        }
        data = bigger;
        capacity *= 2;
    }
    int failed = ferror(file);
    fclose(file);
    if (failed) {
        free(data);
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_IO, "%s: read error", path);
    }
    data[size] = '\0';
    *out_data = data;
    if (out_size)
        *out_size = size;
    return 0;
}

#define WAKECERT_TEMPORARY_SLOTS 16

static struct {
    volatile sig_atomic_t live;
    char path[4096];
} temporary_slots[WAKECERT_TEMPORARY_SLOTS];

/* Record a temporary path; returns its slot or -1 when the table is full. */
static int temporary_register(const char *path)
{
    for (int i = 0; i < WAKECERT_TEMPORARY_SLOTS; i++)
        if (!temporary_slots[i].live) {
            snprintf(temporary_slots[i].path, sizeof temporary_slots[i].path, "%s", path);
            temporary_slots[i].live = 1;
            return i;
        }
    return -1;
}

/* Forget a temporary path once it is renamed or removed. Cannot fail. */
static void temporary_forget(const char *path)
{
    for (int i = 0; i < WAKECERT_TEMPORARY_SLOTS; i++)
        if (temporary_slots[i].live && strcmp(temporary_slots[i].path, path) == 0)
            temporary_slots[i].live = 0;
}

static pid_t interrupt_owner; /* the process that installed the handlers (the one that reports) */
static pid_t fork_parent;     /* set in each child just before fork returns there */

static void interrupt_handler(int signal_number)
{
    for (int i = 0; i < WAKECERT_TEMPORARY_SLOTS; i++)
        if (temporary_slots[i].live)
            unlink(temporary_slots[i].path);
    if (getpid() != interrupt_owner)
        _exit(128 + signal_number); /* a worker or engine child: its parent reports */
    static const char interrupted[] = "wakecert: interrupted (SIGINT); unfinished outputs removed\n";
    static const char terminated[] = "wakecert: terminated (SIGTERM); unfinished outputs removed\n";
    if (signal_number == SIGINT)
        (void)!write(STDERR_FILENO, interrupted, sizeof interrupted - 1);
    else
        (void)!write(STDERR_FILENO, terminated, sizeof terminated - 1);
    _exit(128 + signal_number);
}

static void remember_parent(void)
{
    fork_parent = getpid();
}

/* In every child forked after installation: die with SIGTERM when the parent dies, so an interrupted
 * harness does not leave workers, engine hosts or exec engines running and writing on their own. */
static void follow_parent(void)
{
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != fork_parent)
        _exit(128 + SIGTERM); /* the parent died before prctl took effect */
}

void wakecert_install_interrupt_cleanup(void)
{
    interrupt_owner = getpid();
    pthread_atfork(remember_parent, NULL, follow_parent);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = interrupt_handler;
    sigemptyset(&action.sa_mask);
    sigaddset(&action.sa_mask, SIGINT);
    sigaddset(&action.sa_mask, SIGTERM);
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
}

static void sync_parent_directory(const char *path)
{
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", path);
    int directory = open(dirname(copy), O_RDONLY | O_DIRECTORY);
    if (directory >= 0) {
        fsync(directory);
        close(directory);
    }
}

int wakecert_atomic_open(struct wakecert_atomic_file *file, const char *path, char *message, size_t message_size)
{
    memset(file, 0, sizeof *file);
    if (snprintf(file->final_path, sizeof file->final_path, "%s", path) >= (int)sizeof file->final_path)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_USAGE, "%s: path too long", path);
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", path);
    char base_copy[4096];
    snprintf(base_copy, sizeof base_copy, "%s", path);
    snprintf(file->temporary_path, sizeof file->temporary_path, "%s/.%s.tmp-XXXXXX", dirname(copy),
             basename(base_copy));
    int descriptor = mkstemp(file->temporary_path);
    if (descriptor < 0) {
        file->temporary_path[0] = '\0';
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_IO, "%s: cannot create temporary file: %s",
                                  path, strerror(errno));
    }
    temporary_register(file->temporary_path);
    fchmod(descriptor, 0644);
    file->stream = fdopen(descriptor, "wb");
    if (!file->stream) {
        close(descriptor);
        unlink(file->temporary_path);
        temporary_forget(file->temporary_path);
        file->temporary_path[0] = '\0';
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_IO, "%s: %s", path, strerror(errno));
    }
    return 0;
}

int wakecert_atomic_commit(struct wakecert_atomic_file *file, char *message, size_t message_size)
{
    if (!file->stream)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_INTERNAL, "%s: not open", file->final_path);
    int failed = fflush(file->stream) != 0 || ferror(file->stream) || fsync(fileno(file->stream)) != 0;
    int saved_errno = errno;
    if (fclose(file->stream) != 0)
        failed = 1, saved_errno = errno;
    file->stream = NULL;
    if (!failed && rename(file->temporary_path, file->final_path) != 0)
        failed = 1, saved_errno = errno;
    if (failed) {
        unlink(file->temporary_path);
        temporary_forget(file->temporary_path);
        file->temporary_path[0] = '\0';
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_IO, "%s: write failed: %s",
                                  file->final_path, strerror(saved_errno));
    }
    temporary_forget(file->temporary_path);
    file->temporary_path[0] = '\0';
    sync_parent_directory(file->final_path);
    return 0;
}

void wakecert_atomic_abort(struct wakecert_atomic_file *file)
{
    if (file->stream) {
        fclose(file->stream);
        file->stream = NULL;
    }
    if (file->temporary_path[0]) {
        unlink(file->temporary_path);
        temporary_forget(file->temporary_path);
        file->temporary_path[0] = '\0';
    }
}

int wakecert_write_file_atomic(const char *path, const void *data, size_t size, char *message, size_t message_size)
{
    struct wakecert_atomic_file file;
    int status = wakecert_atomic_open(&file, path, message, message_size);
    if (status)
        return status;
    if (size > 0 && fwrite(data, 1, size, file.stream) != size) {
        int saved_errno = errno;
        wakecert_atomic_abort(&file);
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_IO, "%s: write failed: %s", path,
                                  strerror(saved_errno));
    }
    return wakecert_atomic_commit(&file, message, message_size);
}

int wakecert_make_directories(const char *path, char *message, size_t message_size)
{
    char buffer[4096];
    if (snprintf(buffer, sizeof buffer, "%s", path) >= (int)sizeof buffer)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_USAGE, "%s: path too long", path);
    for (char *cursor = buffer + 1; *cursor; cursor++) {
        if (*cursor != '/')
            continue;
        *cursor = '\0';
        if (mkdir(buffer, 0755) != 0 && errno != EEXIST)
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_IO, "%s: cannot create directory: %s",
                                      buffer, strerror(errno));
        *cursor = '/';
    }
    if (mkdir(buffer, 0755) != 0 && errno != EEXIST)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_IO, "%s: cannot create directory: %s",
                                  buffer, strerror(errno));
    if (!wakecert_is_directory(buffer))
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_IO, "%s: exists and is not a directory",
                                  buffer);
    return 0;
}

void wakecert_cache_directory(char *out, size_t out_size)
{
    const char *explicit_directory = getenv("WAKECERT_CACHE_DIR");
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    if (explicit_directory && *explicit_directory)
        snprintf(out, out_size, "%s", explicit_directory);
    else if (xdg && *xdg)
        snprintf(out, out_size, "%s/wakecert", xdg);
    else if (home && *home)
        snprintf(out, out_size, "%s/.cache/wakecert", home);
    else
        snprintf(out, out_size, "/tmp/wakecert-cache");
}

const char *wakecert_data_directory(void)
{
    const char *explicit_directory = getenv("WAKECERT_DATA_DIR");
    if (explicit_directory && *explicit_directory)
        return explicit_directory;
    return WAKECERT_BUILD_SOURCE_DIR;
}

int wakecert_join_path(char *out, size_t out_size, const char *directory, const char *name)
{
    int written = snprintf(out, out_size, "%s/%s", directory, name);
    if (written < 0 || (size_t)written >= out_size)
        return WAKECERT_ERROR_USAGE;
    return 0;
}

int wakecert_is_directory(const char *path)
{
    struct stat info;
    return stat(path, &info) == 0 && S_ISDIR(info.st_mode);
}

int wakecert_write_all(int fd, const void *buffer, size_t size)
{
    const char *cursor = buffer;
    while (size) {
        ssize_t written = write(fd, cursor, size);
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0)
            return -1;
        cursor += written;
        size -= (size_t)written;
    }
    return 0;
}

int wakecert_read_all(int fd, void *buffer, size_t size)
{
    char *cursor = buffer;
    while (size) {
        ssize_t got = read(fd, cursor, size);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return -1;
        cursor += got;
        size -= (size_t)got;
    }
    return 0;
}
