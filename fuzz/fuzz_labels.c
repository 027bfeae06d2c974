/*
 * Fuzz target: labels.csv import (corpora/labels_import.c). The input is the labels.csv bytes; the
 * corpus folder also holds three small WAV files the rows can name (a.wav 16 kHz mono 1 s, b.wav
 * 44.1 kHz stereo 0.5 s, c.wav 8 kHz mono 0.25 s), so rows reach the audio probe, the length checks
 * and the overlap checks. An accepted import must give: files with a known kind and a positive length,
 * events sorted by start, each inside its file with start < end, and no two overlapping wake events in
 * one file.
 */
#include "fuzz_support.h"

#include "corpus.h"

#include <stdio.h>
#include <string.h>

/* The corpus folder with its three WAV files, made on the first call. Returns its path. */
static const char *make_fixture(void)
{
    static char directory[1024];
    if (!directory[0]) {
        fuzz_directory("labels-corpus");
        fuzz_write_wav(fuzz_path("labels-corpus/a.wav"), 16000, 1, 16000);
        fuzz_write_wav(fuzz_path("labels-corpus/b.wav"), 44100, 2, 22050);
        fuzz_write_wav(fuzz_path("labels-corpus/c.wav"), 8000, 1, 2000);
        snprintf(directory, sizeof directory, "%s", fuzz_path("labels-corpus"));
    }
    return directory;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *directory = make_fixture();
    char labels[1100];
    strcpy(labels, directory);
    strcat(labels, "/labels.csv");
    fuzz_write(labels, data, size);
    struct wakecert_corpus corpus;
    char message[1024];
    if (wakecert_corpus_load(directory, &corpus, message, sizeof message) == 0) {
        FUZZ_ASSERT(corpus.file_count > 0 && strlen(corpus.manifest_sha256) == 64);
        for (size_t i = 0; i < corpus.file_count; i++) {
            const struct wakecert_corpus_file *file = &corpus.files[i];
            FUZZ_ASSERT(file->samples > 0 && file->kind[0] && file->condition[0]);
            for (size_t e = 0; e < file->event_count; e++) {
                const struct wakecert_corpus_event *event = &file->events[e];
                FUZZ_ASSERT(event->start >= 0 && event->start < event->end && event->end <= file->samples);
                if (e > 0)
                    FUZZ_ASSERT(file->events[e - 1].start <= event->start);
                for (size_t o = 0; o < e; o++)
                    if (event->type == WAKECERT_EVENT_WAKE && file->events[o].type == WAKECERT_EVENT_WAKE)
                        FUZZ_ASSERT(file->events[o].end <= event->start || event->end <= file->events[o].start);
            }
        }
    } else {
        FUZZ_ASSERT(message[0] != '\0');
    }
    wakecert_corpus_free(&corpus);
    return 0;
}
