/*
 * Scoring: trace + profile -> results. Every requirement is measured from the trace alone (engine
 * events, the controls the harness delivered, each file's labels), so the same trace can be re-scored
 * under another profile. How each id is measured is written down in conformance/REQUIREMENTS.md; the
 * hit rule for wake words is:
 *   a detection counts as a hit on a labelled wake word if it is reported at a sample in
 *   [wake word start, wake word end + 0.5 s]; detections reported within 1 s after a previous
 *   detection are duplicates and count once (not as hits, not as false wakes).
 */
#ifndef WAKECERT_CONFORMANCE_SCORER_H
#define WAKECERT_CONFORMANCE_SCORER_H

#include "profile.h"
#include "results.h"
#include "trace.h"

#include <stddef.h>

#define SCORER_HIT_AFTER_END_SAMPLES (WAKECERT_SAMPLE_RATE / 2)   /* 0.5 s */
#define SCORER_DUPLICATE_WINDOW_SAMPLES WAKECERT_SAMPLE_RATE      /* 1 s */

/** Score a trace under a profile into results (run identity, one entry per profile requirement,
 *  metrics). Returns 0, or WAKECERT_ERROR_FORMAT when the profile names an id wakecert does not know or
 *  a threshold is malformed (message names the profile and id). */
int score_trace(const struct trace *trace, const struct profile *profile, struct wakecert_results *results,
                char *message, size_t message_size);

/** 1 if wakecert can score this requirement id, else 0. */
int scorer_knows(const char *id);

/** The ids wakecert scores, NULL-terminated. */
const char *const *scorer_ids(void);

#endif
