/*
 * Fuzz target: audio ingestion through libsndfile (corpora/audio.c). The input is written to a file
 * and read with wakecert_audio_probe (what labels.csv import does) and wakecert_corpus_read_audio (what
 * the run loop does). Any byte string is a candidate WAV, FLAC, AIFF, AU, Ogg ... header. When both
 * accept the file they must agree on its length at 16 kHz, since labels are checked against the
 * probe's number and the engine is fed the reader's samples.
 */
#include "fuzz_support.h"

#include "corpus_internal.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_path("audio.bin");
    fuzz_write(path, data, size);
    char stored_path[1024];
    strcpy(stored_path, path);
    struct wakecert_audio_probe probe;
    char message[1024];
    int probed = wakecert_audio_probe(stored_path, &probe, message, sizeof message);
    struct wakecert_corpus_file file;
    memset(&file, 0, sizeof file);
    file.full_path = stored_path;
    int16_t *samples = NULL;
    int64_t count = 0;
    int read = wakecert_corpus_read_audio(&file, &samples, &count, message, sizeof message);
    if (read == 0) {
        FUZZ_ASSERT(count > 0 && samples);
        long long sum = 0;
        for (int64_t i = 0; i < count; i++)
            sum += samples[i]; /* touch every sample: an overrun shows under ASan/valgrind */
        (void)sum;
        if (probed == 0)
            FUZZ_ASSERT(probe.samples == count);
    } else {
        FUZZ_ASSERT(!samples && strstr(message, stored_path));
    }
    free(samples);
    return 0;
}
