/*
 * File helpers every part shares: whole-file reads, atomic writes (temporary name in the same
 * directory, fsync, rename, fsync of the directory — so an interrupted run never leaves a truncated
 * output), recursive mkdir, and the locations of wakecert's cache and shipped data.
 */
#ifndef WAKECERT_COMMON_FILES_H
#define WAKECERT_COMMON_FILES_H

#include <stddef.h>
#include <stdio.h>

/** Read a whole file into a NUL-terminated malloc'd buffer (*out_size excludes the NUL; may be NULL).
 *  Returns 0, or WAKECERT_ERROR_IO / NO_MEMORY with a message naming the file. */
int wakecert_read_file(const char *path, char **out_data, size_t *out_size, char *message, size_t message_size);

/** Write `size` bytes to `path` atomically. Returns 0 or WAKECERT_ERROR_IO (naming the file);
 *  on failure `path` is untouched and no temporary file is left behind. */
int wakecert_write_file_atomic(const char *path, const void *data, size_t size, char *message, size_t message_size);

/** An output stream written to a temporary file and renamed into place on commit. */
struct wakecert_atomic_file {
    FILE *stream;          /* write to this */
    char final_path[4096];
    char temporary_path[4096];
};

/** Open a temporary sibling of `path` for writing. Returns 0 or WAKECERT_ERROR_IO. */
int wakecert_atomic_open(struct wakecert_atomic_file *file, const char *path, char *message, size_t message_size);
/** Flush, fsync and rename into place. Returns 0 or WAKECERT_ERROR_IO (the temporary is removed). */
int wakecert_atomic_commit(struct wakecert_atomic_file *file, char *message, size_t message_size);
/** Abandon: close and remove the temporary file. Safe to call twice. */
void wakecert_atomic_abort(struct wakecert_atomic_file *file);

/** Install SIGINT and SIGTERM handlers for a command-line program: on either signal every temporary
 *  file of an atomic write still in flight (wakecert_atomic_open .. commit/abort) is unlinked, a line
 *  naming the signal goes to stderr, and the process exits at once with 128 + the signal (130, 143).
 *  Outputs already committed are complete files and stay; nothing half-written is left behind. The
 *  handler only calls unlink, write and _exit (async-signal-safe). Every process forked afterwards
 *  (shard workers, engine hosts, exec engines, gnuplot) gets SIGTERM when its parent dies (Linux
 *  PR_SET_PDEATHSIG), so an interrupted run leaves nothing running either; a forked child that meets
 *  the signal removes its own temporaries and exits quietly. Call once from main(). Cannot fail. */
void wakecert_install_interrupt_cleanup(void);

/** mkdir -p. Returns 0 or WAKECERT_ERROR_IO naming the directory. */
int wakecert_make_directories(const char *path, char *message, size_t message_size);

/** The cache root: $WAKECERT_CACHE_DIR, else $XDG_CACHE_HOME/wakecert, else ~/.cache/wakecert. */
void wakecert_cache_directory(char *out, size_t out_size);

/** The folder holding shipped data (profiles, recipes): $WAKECERT_DATA_DIR, else the source tree
 *  the binary was built from. */
const char *wakecert_data_directory(void);

/** Join two path parts with a '/' into out. Returns 0, or WAKECERT_ERROR_USAGE if it does not fit. */
int wakecert_join_path(char *out, size_t out_size, const char *directory, const char *name);

/** 1 if path names an existing directory, else 0. */
int wakecert_is_directory(const char *path);

/** Write all `size` bytes of buffer to fd, retrying short writes and EINTR. Returns 0, or -1 with
 *  errno set by the failing write. For pipes between processes (synthesis children, exec engines). */
int wakecert_write_all(int fd, const void *buffer, size_t size);

/** Read exactly `size` bytes from fd into buffer, retrying short reads and EINTR. Returns 0, or -1 on
 *  an error or on end of file before `size` bytes. */
int wakecert_read_all(int fd, void *buffer, size_t size);

#endif
