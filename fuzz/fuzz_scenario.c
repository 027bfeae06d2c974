/*
 * Fuzz target: retention scenario files (retention/scenario.c, scenario_load). The input is the
 * scenario JSON. An accepted scenario must hold what the retention harness relies on: events in time
 * order (the clock never goes back), each with a known operation, and strings that are C strings.
 */
#include "fuzz_support.h"

#include "scenario.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_path("scenario.json");
    fuzz_write(path, data, size);
    struct scenario scenario;
    char message[1024];
    memset(&scenario, 0, sizeof scenario);
    if (scenario_load(path, &scenario, message, sizeof message) == 0) {
        for (size_t i = 0; i < scenario.event_count; i++) {
            const struct scenario_event *event = &scenario.events[i];
            FUZZ_ASSERT(event->op >= OP_CREATE_ACCOUNT && event->op <= OP_ADVANCE);
            FUZZ_ASSERT(memchr(event->account, '\0', sizeof event->account) &&
                        memchr(event->transcript, '\0', sizeof event->transcript));
            if (i > 0)
                FUZZ_ASSERT(scenario.events[i - 1].time <= event->time);
        }
    } else {
        FUZZ_ASSERT(message[0] != '\0');
    }
    scenario_free(&scenario);
    return 0;
}
