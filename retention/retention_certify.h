/*
 * Retention certification: replay scenarios into a store and into the oracle in lock step, audit the
 * store against the oracle as the virtual clock advances, and fill the shared results model
 * (reports/results.h, kind "retention") with one entry per requirement id and evidence per violation.
 *
 * The oracle is the specification in executable form. For every item (a recording's audio, its
 * transcript, a voice or visual profile, an action record) it keeps the time from which the item may
 * be gone and by which it must be gone (the same instant, D; "must" allows a grace period), and why
 * (which promise set D). Events move D: a deletion command sets it to now, a policy change recomputes
 * it, a recognition restarts a profile's period. An audit lists the store and, item by item: present
 * after D + grace fails the promise that set D; absent before D fails "nothing deleted early" and the
 * promise that protected the item (its retention policy, "action records kept", "marketplace scope" when
 * another marketplace's deletion took it, "requires enabled" when a refused voice deletion did).
 */
#ifndef WAKECERT_RETENTION_RETENTION_CERTIFY_H
#define WAKECERT_RETENTION_RETENTION_CERTIFY_H

#include "results.h"

#include <stddef.h>
#include <stdint.h>

struct retention_options {
    const char *store;              /* "ref", a plugin path, or "exec:CMD" */
    char **scenario_paths;          /* scenario files to run (may be empty when use_random) */
    size_t scenario_count;
    int use_random;                 /* also run the randomized scenario */
    uint64_t random_seed;
    int random_accounts;
    double grace_hours;             /* default 24 */
    const char *store_config;       /* NULL or extra configuration members, e.g. "\"synchronous\":\"normal\"" */
    const char *scenario_set_name;  /* results corpus_name ("all", a file name ...) */
    int verbose;                    /* progress lines on stderr */
};

/** Run the certification. Fills *results (caller frees with wakecert_results_free) and returns 0, or a
 *  negative wakecert_error (bad scenario file: FORMAT/IO naming file and field; store that cannot be
 *  loaded or opened: ENGINE_LOAD/ENGINE; our own failure: INTERNAL) with a message. */
int retention_certify(const struct retention_options *options, struct wakecert_results *results, char *message,
                      size_t message_size);

#endif
