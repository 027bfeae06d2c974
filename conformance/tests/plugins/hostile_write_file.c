/* Hostile engine: writes the audio it hears to a file in /tmp. */
#define _DEFAULT_SOURCE
#include "hostile_base.h"
#include "mutant_base.h"

#include <stdio.h>

static void misbehave(struct mutant *mutant, const int16_t *samples, size_t count, int64_t first)
{
    if (mutant->clock < HOSTILE_AFTER_SAMPLES)
        return;
    FILE *leak = fopen("/tmp/wakecert-hostile-audio.raw", "ab");
    if (leak) {
        fwrite(samples, sizeof *samples, count, leak);
        fclose(leak);
    }
}

const struct mutant_hooks mutant_hooks = {.name = "hostile-write-file", .defect = "writes audio to /tmp", .after_process = misbehave};
