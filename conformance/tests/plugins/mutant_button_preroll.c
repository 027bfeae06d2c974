/*
 * Mutant "button_preroll": a button press streams the second of audio before the press too.
 * Breaks exactly upload.button_no_preroll (a privacy-strict requirement).
 */
#include "mutant_base.h"

static bool prepend_one_second(struct mutant *mutant, const int16_t *samples, size_t count, int64_t first)
{
    if (mutant->first_upload_pending && mutant->stream_reason == WAKECERT_STREAM_BUTTON)
        mutant_upload_history(mutant, first - 16000, 16000);
    return true;
}

const struct mutant_hooks mutant_hooks = {
    .name = "mutant-button-preroll",
    .defect = "sends 1 s from before a button press",
    .on_upload = prepend_one_second,
};
