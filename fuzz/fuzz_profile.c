/*
 * Fuzz target: profiles (conformance/profile.c) and the thresholds the scorer reads from them
 * (conformance/scorer.c). The input is a profile.json; when profile_load accepts it, the trace of a real
 * two-file smoke run (embedded below) is scored under it, so every threshold of every requirement id is
 * read with whatever type and value the fuzzer puts there. A score must either succeed with one result
 * per profile requirement or fail with a message.
 */
#include "fuzz_support.h"

#include "profile.h"
#include "results.h"
#include "scorer.h"
#include "trace.h"

#include <cjson/cJSON.h>
#include <string.h>

/* The first two files of `wakecert certify --in-process --profile smoke --engine-check-seconds 0`. */
static const char smoke_trace[] =
    "{\"event\":\"run_begin\",\"engine\":\"wakecert-reference\",\"engine_version\":\"0.1.0\",\"engine_sha256\":\"b082dee97d8aff016b71a0f93a3d43e3ae3e52327bfda930f8b9eb1d16458ad7\",\"engine_path\":\"/work/build-main/reference/engine/libwakecert_ref.so\",\"engine_config\":\"{}\",\"corpus\":\"smoke\",\"corpus_sha256\":\"98e85dd9e88c6b5b609b20f1f151023d877188926eaeaa0328eab2df58fd1a23\",\"chunk\":160,\"cloud_delay_ms\":200,\"verification_window_ms\":1500,\"follow_up_timeout_ms\":4000,\"seed\":0,\"verification\":\"oracle\",\"isolation\":\"in-process\",\"sandbox\":false,\"passes\":[\"main\"]}\n"
    "{\"event\":\"file_begin\",\"file\":\"wake_000.wav\",\"pass\":\"main\",\"position\":0,\"samples\":73520,\"kind\":\"wake\",\"condition\":\"clean\",\"sha256\":\"30a41e51ef36def1fb1b21f798c465cda88d0826856c1b42a2457b4fa3d79ae7\",\"labels\":[{\"type\":\"wake\",\"start\":24000,\"end\":32320,\"request_end\":57520,\"word\":\"alexa\"},{\"type\":\"request\",\"start\":35520,\"end\":57520}]}\n"
    "{\"event\":\"wake\",\"file\":\"wake_000.wav\",\"pass\":\"main\",\"sample\":32320,\"keyword\":\"alexa\",\"score\":0.999699,\"start\":24901,\"end\":32240}\n"
    "{\"event\":\"indicator\",\"file\":\"wake_000.wav\",\"pass\":\"main\",\"sample\":32320,\"state\":\"listening\",\"tone\":\"start\"}\n"
    "{\"event\":\"stream_open\",\"file\":\"wake_000.wav\",\"pass\":\"main\",\"sample\":32320,\"reason\":\"wake\"}\n"
    "{\"event\":\"upload\",\"file\":\"wake_000.wav\",\"pass\":\"main\",\"sample\":32320,\"first\":16901,\"count\":43819,\"sha256\":\"c449f25ea987c3166bf648718bf86f8a5823bb12141b5c91e6ef51bc66ee14d4\",\"matches_input\":true}\n"
    "{\"event\":\"control\",\"file\":\"wake_000.wav\",\"pass\":\"main\",\"sample\":60720,\"control\":\"stop_capture\",\"origin\":\"cloud\"}\n"
    "{\"event\":\"stream_close\",\"file\":\"wake_000.wav\",\"pass\":\"main\",\"sample\":60720,\"reason\":\"stop_capture\"}\n"
    "{\"event\":\"indicator\",\"file\":\"wake_000.wav\",\"pass\":\"main\",\"sample\":60720,\"state\":\"off\",\"tone\":\"end\"}\n"
    "{\"event\":\"file_end\",\"file\":\"wake_000.wav\",\"pass\":\"main\",\"sample\":73520}\n"
    "{\"event\":\"file_begin\",\"file\":\"wake_001.wav\",\"pass\":\"main\",\"position\":1,\"samples\":71280,\"kind\":\"wake\",\"condition\":\"clean\",\"sha256\":\"63bf73f45ebdbe65b5f002e41b4f66efda9c718976bb86e9467bc4e3398be067\",\"labels\":[{\"type\":\"wake\",\"start\":19200,\"end\":26880,\"request_end\":55280,\"word\":\"alexa\"},{\"type\":\"request\",\"start\":30880,\"end\":55280}]}\n"
    "{\"event\":\"wake\",\"file\":\"wake_001.wav\",\"pass\":\"main\",\"sample\":27040,\"keyword\":\"alexa\",\"score\":0.999782,\"start\":19490,\"end\":26960}\n"
    "{\"event\":\"indicator\",\"file\":\"wake_001.wav\",\"pass\":\"main\",\"sample\":27040,\"state\":\"listening\",\"tone\":\"start\"}\n"
    "{\"event\":\"stream_open\",\"file\":\"wake_001.wav\",\"pass\":\"main\",\"sample\":27040,\"reason\":\"wake\"}\n"
    "{\"event\":\"upload\",\"file\":\"wake_001.wav\",\"pass\":\"main\",\"sample\":27040,\"first\":11490,\"count\":46990,\"sha256\":\"d2e028d11c0181ab550c04b45974f6a00ba30389e09f9e91ab35b5ed21e2a133\",\"matches_input\":true}\n"
    "{\"event\":\"control\",\"file\":\"wake_001.wav\",\"pass\":\"main\",\"sample\":58480,\"control\":\"stop_capture\",\"origin\":\"cloud\"}\n"
    "{\"event\":\"stream_close\",\"file\":\"wake_001.wav\",\"pass\":\"main\",\"sample\":58480,\"reason\":\"stop_capture\"}\n"
    "{\"event\":\"indicator\",\"file\":\"wake_001.wav\",\"pass\":\"main\",\"sample\":58480,\"state\":\"off\",\"tone\":\"end\"}\n"
    "{\"event\":\"file_end\",\"file\":\"wake_001.wav\",\"pass\":\"main\",\"sample\":71280}\n"
    "{\"event\":\"pass_end\",\"pass\":\"main\",\"files\":2,\"audio_seconds\":9.05,\"engine_seconds\":0.1,\"peak_rss_kb\":1000}\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct trace trace;
    static int have_trace;
    char message[1024];
    if (!have_trace) {
        fuzz_write(fuzz_path("smoke-trace.jsonl"), smoke_trace, sizeof smoke_trace - 1);
        if (trace_read(fuzz_path("smoke-trace.jsonl"), &trace, message, sizeof message) != 0)
            fuzz_fail(__FILE__, __LINE__, message);
        have_trace = 1;
    }
    const char *path = fuzz_path("profile.json");
    fuzz_write(path, data, size);
    struct profile profile;
    if (profile_load(path, &profile, message, sizeof message) != 0) {
        FUZZ_ASSERT(message[0] != '\0' && !profile.tree);
        return 0;
    }
    FUZZ_ASSERT(cJSON_IsArray(profile.requirements) && cJSON_GetArraySize(profile.requirements) > 0);
    const cJSON *entry;
    cJSON_ArrayForEach(entry, profile.requirements)
    FUZZ_ASSERT(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(entry, "id")));
    struct wakecert_results results = {0};
    message[0] = '\0';
    if (score_trace(&trace, &profile, &results, message, sizeof message) == 0) {
        cJSON *tree = wakecert_results_to_json(&results);
        FUZZ_ASSERT(tree != NULL);
        char *text = cJSON_PrintUnformatted(tree);
        FUZZ_ASSERT(text != NULL);
        cJSON_free(text);
        cJSON_Delete(tree);
    } else {
        FUZZ_ASSERT(message[0] != '\0');
    }
    wakecert_results_free(&results);
    profile_free(&profile);
    return 0;
}
