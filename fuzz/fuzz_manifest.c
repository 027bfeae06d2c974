/*
 * Fuzz target: corpus manifests (corpora/corpus.c, wakecert_corpus_load on a directory holding
 * manifest.json). The input is the manifest's bytes. Besides memory and UB errors, an accepted
 * manifest must satisfy what the loader promises the run loop: relative paths that stay inside the
 * corpus, a positive length for every file, and every event inside its file with start <= end and a
 * request_end that is -1 or within [end, samples].
 */
#include "fuzz_support.h"

#include "corpus.h"

#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char directory[1024]; /* a copy: fuzz_path's buffer is reused by the next call */
    snprintf(directory, sizeof directory, "%s", fuzz_directory("manifest-corpus"));
    fuzz_write(fuzz_path("manifest-corpus/manifest.json"), data, size);
    struct wakecert_corpus corpus;
    char message[1024];
    if (wakecert_corpus_load(directory, &corpus, message, sizeof message) == 0) {
        FUZZ_ASSERT(strlen(corpus.manifest_sha256) == 64);
        for (size_t i = 0; i < corpus.file_count; i++) {
            const struct wakecert_corpus_file *file = &corpus.files[i];
            FUZZ_ASSERT(file->path && file->path[0] != '/' && !strstr(file->path, ".."));
            FUZZ_ASSERT(file->samples > 0);
            for (size_t j = 0; j < i; j++)
                FUZZ_ASSERT(strcmp(corpus.files[j].path, file->path) != 0);
            for (size_t e = 0; e < file->event_count; e++) {
                const struct wakecert_corpus_event *event = &file->events[e];
                FUZZ_ASSERT(event->start >= 0 && event->start <= event->end && event->end <= file->samples);
                FUZZ_ASSERT(event->request_end == -1 ||
                            (event->request_end >= event->end && event->request_end <= file->samples));
                FUZZ_ASSERT(memchr(event->word, '\0', sizeof event->word));
            }
        }
    } else {
        FUZZ_ASSERT(message[0] != '\0');
    }
    wakecert_corpus_free(&corpus);
    return 0;
}
