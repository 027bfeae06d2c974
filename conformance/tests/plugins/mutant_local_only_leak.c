/*
 * Mutant "local_only_leak": accepts the local-only setting but streams to the cloud anyway (it drops
 * the setting before it reaches the engine). Breaks exactly local_only.no_audio_upload.
 */
#include "mutant_base.h"

static const char *ignore_local_only(const char *host_config)
{
    return "{}";
}

const struct mutant_hooks mutant_hooks = {
    .name = "mutant-local-only-leak",
    .defect = "streams audio although configured local-only",
    .config = ignore_local_only,
};
