/*
 * The stream gate's settings read from an engine's JSON configuration. Every engine built on the gate
 * (the reference engine, the PocketSphinx adapter) accepts the same four keys with the same ranges and
 * the same messages, so they are read in one place.
 */
#include "stream_gate.h"

#include <math.h>
#include <stdio.h>

int stream_gate_config_from_json(const cJSON *config, struct stream_gate_config *out, char *error, size_t error_size)
{
    stream_gate_config_default(out);
    const cJSON *local_only = cJSON_GetObjectItemCaseSensitive(config, "local_only");
    const cJSON *audible_tone = cJSON_GetObjectItemCaseSensitive(config, "audible_tone");
    const cJSON *preroll_ms = cJSON_GetObjectItemCaseSensitive(config, "preroll_ms");
    const cJSON *max_stream_ms = cJSON_GetObjectItemCaseSensitive(config, "max_stream_ms");
    if ((local_only && !cJSON_IsBool(local_only)) || (audible_tone && !cJSON_IsBool(audible_tone))) {
        snprintf(error, error_size, "\"local_only\" and \"audible_tone\" must be true or false");
        return -1;
    }
    if ((preroll_ms && (!cJSON_IsNumber(preroll_ms) || !(preroll_ms->valuedouble >= 0 && preroll_ms->valuedouble <= 2000))) ||
        (max_stream_ms && (!cJSON_IsNumber(max_stream_ms) ||
                           !(max_stream_ms->valuedouble >= 1000 && max_stream_ms->valuedouble <= 3600e3)))) {
        snprintf(error, error_size, "\"preroll_ms\" must be 0..2000 and \"max_stream_ms\" 1000..3600000");
        return -1;
    }
    if (preroll_ms)
        out->preroll_samples = (int64_t)lround(preroll_ms->valuedouble * WAKECERT_SAMPLE_RATE / 1000.0);
    if (max_stream_ms)
        out->max_stream_samples = (int64_t)lround(max_stream_ms->valuedouble * WAKECERT_SAMPLE_RATE / 1000.0);
    out->local_only = cJSON_IsTrue(local_only);
    out->audible_tone = audible_tone ? cJSON_IsTrue(audible_tone) : true;
    return 0;
}
