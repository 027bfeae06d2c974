/* Hostile engine: never returns from process() 2 s into each file. */
#include "hostile_base.h"
#include "mutant_base.h"

static void misbehave(struct mutant *mutant, const int16_t *samples, size_t count, int64_t first)
{
    if (mutant->clock >= HOSTILE_AFTER_SAMPLES)
        for (volatile unsigned long spin = 0;; spin++)
            ;
}

const struct mutant_hooks mutant_hooks = {.name = "hostile-hang", .defect = "loops forever", .after_process = misbehave};
