/* Hostile engine: calls abort() 2 s into each file (SIGABRT). */
#include "hostile_base.h"
#include "mutant_base.h"

#include <stdlib.h>

static void misbehave(struct mutant *mutant, const int16_t *samples, size_t count, int64_t first)
{
    if (mutant->clock >= HOSTILE_AFTER_SAMPLES)
        abort();
}

const struct mutant_hooks mutant_hooks = {.name = "hostile-abort", .defect = "aborts", .after_process = misbehave};
