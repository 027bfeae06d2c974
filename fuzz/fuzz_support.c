/*
 * Fuzz helpers (see fuzz_support.h). Deliberately dull: plain POSIX file calls, aborting on any
 * failure, because a failure here is a broken fuzzing setup and must not look like a parser result.
 */
#define _XOPEN_SOURCE 700
#include "fuzz_support.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char scratch[512];

static int remove_entry(const char *path, const struct stat *info, int flag, struct FTW *walk)
{
    (void)info, (void)flag, (void)walk;
    remove(path);
    return 0;
}

static const char *emptied_root;

static int remove_below_root(const char *path, const struct stat *info, int flag, struct FTW *walk)
{
    (void)info, (void)flag;
    if (walk->level > 0 && remove(path) != 0) {
        fprintf(stderr, "fuzz: cannot remove %s under %s\n", path, emptied_root);
        abort();
    }
    return 0;
}

void fuzz_empty_directory(const char *path)
{
    emptied_root = path;
    if (nftw(path, remove_below_root, 16, FTW_DEPTH | FTW_PHYS) != 0)
        abort();
}

/* atexit: remove the scratch directory and everything in it. */
static void remove_scratch(void)
{
    if (scratch[0])
        nftw(scratch, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void fuzz_fail(const char *file, int line, const char *condition)
{
    fprintf(stderr, "%s:%d: contract broken: %s\n", file, line, condition);
    abort();
}

const char *fuzz_scratch(void)
{
    if (!scratch[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(scratch, sizeof scratch, "%s/wakecert-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(scratch)) {
            fprintf(stderr, "fuzz: cannot create %s: %s\n", scratch, strerror(errno));
            abort();
        }
        atexit(remove_scratch);
    }
    return scratch;
}

const char *fuzz_path(const char *name)
{
    static char path[1024];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", fuzz_scratch(), name) >= sizeof path)
        abort();
    return path;
}

const char *fuzz_directory(const char *name)
{
    const char *path = fuzz_path(name);
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        abort();
    return path;
}

void fuzz_write(const char *path, const void *data, size_t size)
{
    FILE *file = fopen(path, "wb");
    if (!file || (size && fwrite(data, 1, size, file) != size) || fclose(file) != 0) {
        fprintf(stderr, "fuzz: cannot write %s\n", path);
        abort();
    }
}

static void put16(unsigned char *p, unsigned v) { p[0] = (unsigned char)v, p[1] = (unsigned char)(v >> 8); }
static void put32(unsigned char *p, unsigned long v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

void fuzz_write_wav(const char *path, int rate, int channels, int frames)
{
    size_t data_size = (size_t)frames * (size_t)channels * 2;
    unsigned char *bytes = calloc(1, 44 + data_size);
    if (!bytes)
        abort();
    memcpy(bytes, "RIFF", 4);
    put32(bytes + 4, (unsigned long)(36 + data_size));
    memcpy(bytes + 8, "WAVEfmt ", 8);
    put32(bytes + 16, 16);
    put16(bytes + 20, 1);
    put16(bytes + 22, (unsigned)channels);
    put32(bytes + 24, (unsigned long)rate);
    put32(bytes + 28, (unsigned long)rate * (unsigned long)channels * 2);
    put16(bytes + 32, (unsigned)channels * 2);
    put16(bytes + 34, 16);
    memcpy(bytes + 36, "data", 4);
    put32(bytes + 40, (unsigned long)data_size);
    for (size_t i = 0; i < (size_t)frames * (size_t)channels; i++)
        put16(bytes + 44 + 2 * i, (unsigned)(uint16_t)(int16_t)(1000.0 * sin((double)i * 0.1)));
    fuzz_write(path, bytes, 44 + data_size);
    free(bytes);
}
