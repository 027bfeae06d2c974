/*
 * The fuzz targets as plain programs: `fuzz_replay_TARGET DIR|FILE...` calls the target's
 * LLVMFuzzerTestOneInput once per file (directories are read one level deep, in name order) and
 * exits 0 when every input returned. A crash, a sanitizer report or a FUZZ_ASSERT abort ends the
 * process abnormally, which ctest reports as a failure. This is how the committed regression inputs
 * (fuzz/regressions/TARGET/) and the seeds are replayed in the ordinary gcc build, without libFuzzer.
 */
#define _XOPEN_SOURCE 700
#include "fuzz_support.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Feed one file to the target. Returns 1 if it was read and fed, 0 if it could not be read. */
static int replay_file(const char *path)
{
    FILE *file = fopen(path, "rb");
    if (!file) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return 0;
    }
    size_t capacity = 4096, size = 0;
    unsigned char *data = malloc(capacity);
    for (;;) {
        if (!data)
            abort();
        size += fread(data + size, 1, capacity - size, file);
        if (size < capacity)
            break;
        capacity *= 2;
        data = realloc(data, capacity);
    }
    fclose(file);
    /* An exact-size copy, so ASan sees reads one past the input as the overflows they are. */
    unsigned char *exact = malloc(size ? size : 1);
    if (!exact)
        abort();
    memcpy(exact, data, size);
    free(data);
    LLVMFuzzerTestOneInput(exact, size);
    free(exact);
    return 1;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

int main(int argc, char **argv)
{
    size_t replayed = 0, unreadable = 0;
    for (int i = 1; i < argc; i++) {
        struct stat info;
        if (stat(argv[i], &info) != 0) {
            fprintf(stderr, "replay: %s: no such file or directory\n", argv[i]);
            return 2;
        }
        if (!S_ISDIR(info.st_mode)) {
            replay_file(argv[i]) ? replayed++ : unreadable++;
            continue;
        }
        struct dirent **entries = NULL;
        int count = scandir(argv[i], &entries, NULL, by_name);
        for (int e = 0; e < count; e++) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[i], entries[e]->d_name);
            if (entries[e]->d_name[0] != '.' && stat(path, &info) == 0 && S_ISREG(info.st_mode))
                replay_file(path) ? replayed++ : unreadable++;
            free(entries[e]);
        }
        free(entries);
    }
    printf("replayed %zu input(s)\n", replayed);
    return unreadable ? 1 : 0;
}
