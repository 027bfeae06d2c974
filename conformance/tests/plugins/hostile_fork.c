/* Hostile engine: forks a child process (which could carry audio anywhere). */
#define _DEFAULT_SOURCE
#include "hostile_base.h"
#include "mutant_base.h"

#include <sys/wait.h>
#include <unistd.h>

static void misbehave(struct mutant *mutant, const int16_t *samples, size_t count, int64_t first)
{
    if (mutant->clock < HOSTILE_AFTER_SAMPLES)
        return;
    pid_t child = fork();
    if (child == 0)
        _exit(0);
    if (child > 0)
        waitpid(child, NULL, 0);
}

const struct mutant_hooks mutant_hooks = {.name = "hostile-fork", .defect = "forks a process", .after_process = misbehave};
