/*
 * Mutant "ignores_reject": ignores the cloud's verification reject and keeps streaming until its own
 * limit. Breaks exactly stream.cloud_reject_close.
 */
#include "mutant_base.h"

static bool drop_reject(struct mutant *mutant, const struct wakecert_control *control)
{
    return control->kind != WAKECERT_CONTROL_CLOUD_REJECT;
}

const struct mutant_hooks mutant_hooks = {
    .name = "mutant-ignores-reject",
    .defect = "ignores the cloud's wake word rejection",
    .on_control = drop_reject,
};
