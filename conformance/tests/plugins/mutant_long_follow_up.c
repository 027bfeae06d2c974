/*
 * Mutant "long_follow_up": keeps a follow-up stream open three times longer than the cloud's
 * ExpectSpeech timeout. Breaks exactly followup.window_bound.
 */
#include "mutant_base.h"

static bool stretch_timeout(struct mutant *mutant, const struct wakecert_control *control)
{
    if (control->kind != WAKECERT_CONTROL_EXPECT_SPEECH)
        return true;
    struct wakecert_control stretched = *control;
    stretched.timeout_ms = control->timeout_ms * 3;
    mutant->inner->control(mutant->inner_engine, &stretched);
    return false;
}

const struct mutant_hooks mutant_hooks = {
    .name = "mutant-long-follow-up",
    .defect = "keeps the follow-up window open 3x longer than asked",
    .on_control = stretch_timeout,
};
