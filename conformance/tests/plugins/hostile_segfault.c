/* Hostile engine: dereferences a null pointer 2 s into each file (SIGSEGV). */
#include "hostile_base.h"
#include "mutant_base.h"

static void misbehave(struct mutant *mutant, const int16_t *samples, size_t count, int64_t first)
{
    if (mutant->clock >= HOSTILE_AFTER_SAMPLES) {
        volatile int *nowhere = NULL;
        *nowhere = 1;
    }
}

const struct mutant_hooks mutant_hooks = {.name = "hostile-segfault", .defect = "crashes (SIGSEGV)", .after_process = misbehave};
