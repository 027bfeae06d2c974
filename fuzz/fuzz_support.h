/*
 * Shared helpers of the fuzz targets (fuzz/fuzz_*.c).
 *
 * Every parser wakecert has reads files, not buffers, so each target writes its input to a file in a
 * private scratch directory and hands the path to the real entry point; the scratch directory is made
 * once per process (under $TMPDIR) and removed at exit. The same target sources are linked two ways:
 * with libFuzzer (clang, -fsanitize=fuzzer) for fuzzing, and with replay_main.c into a plain executable
 * that feeds every file of the given directories once — the regression replay ctest runs in every
 * build, gcc included. Nothing here may call exit() or keep state between inputs beyond the fixtures
 * made on the first call.
 */
#ifndef WAKECERT_FUZZ_SUPPORT_H
#define WAKECERT_FUZZ_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

/** The libFuzzer entry point each target defines. Returns 0 (libFuzzer's contract). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/** The process's scratch directory (created on the first call, removed recursively at exit). Aborts if
 *  it cannot be created: a fuzz run without a place to write is a broken setup, not a finding. */
const char *fuzz_scratch(void);

/** scratch/NAME in a static buffer (valid until the next call). Cannot fail (aborts if too long). */
const char *fuzz_path(const char *name);

/** Write bytes to path (truncating). Aborts on failure. */
void fuzz_write(const char *path, const void *data, size_t size);

/** Write a small valid 16-bit PCM WAV: `frames` frames of a quiet deterministic tone. Aborts on failure. */
void fuzz_write_wav(const char *path, int rate, int channels, int frames);

/** Make directory scratch/NAME (and return its path in a static buffer, as fuzz_path). Aborts on failure. */
const char *fuzz_directory(const char *name);

/** Remove everything inside directory `path` (recursively), keeping the directory. Aborts on failure. */
void fuzz_empty_directory(const char *path);

/** Abort with a message when a parser's accepted output breaks its documented contract. The fuzzer
 *  reports an abort as a crash, so semantic bugs are found along with memory errors. */
#define FUZZ_ASSERT(condition)                                                                               \
    do {                                                                                                     \
        if (!(condition))                                                                                    \
            fuzz_fail(__FILE__, __LINE__, #condition);                                                       \
    } while (0)
void fuzz_fail(const char *file, int line, const char *condition) __attribute__((noreturn));

#endif
