/*
 * Fuzz target: trace.jsonl (conformance/trace.c) and everything that consumes a trace after reading
 * it: the scorer under the shipped avs and privacy-strict profiles (conformance/scorer.c) and the
 * report's data functions (reports/report_data.c: detection statistics, DET curve, pre-rolls). This
 * is the path of `wakecert score`, `wakecert report` and `wakecert verify-bundle` on a trace someone
 * handed over. Accepted traces must score with one result per requirement or fail with a message.
 */
#include "fuzz_support.h"

#include "profile.h"
#include "report_data.h"
#include "results.h"
#include "scorer.h"
#include "trace.h"

#include <cjson/cJSON.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct profile profiles[2];
    static int loaded;
    char message[1024];
    if (!loaded) {
        static const char *const names[] = {"avs", "privacy-strict"};
        for (int i = 0; i < 2; i++)
            if (profile_load(names[i], &profiles[i], message, sizeof message) != 0)
                fuzz_fail(__FILE__, __LINE__, message);
        loaded = 1;
    }
    const char *path = fuzz_path("trace.jsonl");
    fuzz_write(path, data, size);
    struct trace trace;
    if (trace_read(path, &trace, message, sizeof message) != 0) {
        FUZZ_ASSERT(message[0] != '\0' && trace.file_count == 0);
        return 0;
    }
    for (int i = 0; i < 2; i++) {
        struct wakecert_results results = {0};
        message[0] = '\0';
        if (score_trace(&trace, &profiles[i], &results, message, sizeof message) == 0) {
            FUZZ_ASSERT(results.requirement_count == (size_t)cJSON_GetArraySize(profiles[i].requirements));
            cJSON *tree = wakecert_results_to_json(&results);
            FUZZ_ASSERT(tree != NULL);
            cJSON_Delete(tree);
        } else {
            FUZZ_ASSERT(message[0] != '\0');
        }
        wakecert_results_free(&results);
    }
    struct report_detection_stats stats;
    if (report_detection_stats(&trace, 0.0, &stats) == 0)
        report_detection_stats_free(&stats);
    struct report_det_point *points = NULL;
    size_t count = 0;
    if (report_det_curve(&trace, &points, &count) == 0)
        free(points);
    struct report_values reported, onset;
    if (report_prerolls(&trace, &reported, &onset) == 0) {
        report_values_free(&reported);
        report_values_free(&onset);
    }
    trace_keep_pass(&trace, "main");
    trace_free(&trace);
    return 0;
}
