/* Hostile engine: allocates memory without bound 2 s into each file and, like careless code, uses
 * what malloc returns without checking — so it crashes when the memory limit is reached. */
#include "hostile_base.h"
#include "mutant_base.h"

#include <stdlib.h>
#include <string.h>

static void misbehave(struct mutant *mutant, const int16_t *samples, size_t count, int64_t first)
{
    if (mutant->clock < HOSTILE_AFTER_SAMPLES)
        return;
    for (;;) {
        char *block = malloc((size_t)64 << 20);
        memset(block, 1, 4096); /* a failed malloc crashes here */
    }
}

const struct mutant_hooks mutant_hooks = {.name = "hostile-allocate", .defect = "allocates until killed", .after_process = misbehave};
