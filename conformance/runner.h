/*
 * The harness run loop: feeds a corpus, file by file, to an engine loaded through the ABI, delivers
 * the controls the corpus timeline holds, plays the cloud, and writes trace.jsonl.
 *
 * The harness owns time. Each file gets a fresh engine instance whose sample clock starts at 0; audio
 * goes in chunks of `chunk` samples, cut shorter exactly where a control is due, so a control lands
 * on the sample the timeline names. The cloud simulator answers each stream: for a wake-opened stream
 * it checks whether a labelled wake word lies within the first 1.5 s of uploaded audio (oracle mode)
 * and sends StopCapture at the labelled end of the request plus `cloud_delay_ms`, or a verification
 * reject after `cloud_delay_ms` if there is none; for a button stream it sends StopCapture at the
 * button's labelled request end. Every upload is checked against the samples the harness fed.
 */
#ifndef WAKECERT_CONFORMANCE_RUNNER_H
#define WAKECERT_CONFORMANCE_RUNNER_H

#include "corpus.h"
#include "engine_loader.h"

#include <stdbool.h>
#include <stddef.h>

struct run_options {
    const char *engine_config;   /* JSON given to create ("{}" if NULL) */
    int chunk;                   /* samples per process() call, default 160 */
    int cloud_delay_ms;          /* cloud latency for StopCapture and rejects, default 200 */
    int verification_window_ms;  /* oracle: the wake word must lie in this much of the stream's start, default 1500 */
    bool progress;               /* progress lines on stderr */
};

struct run_summary {
    size_t files;
    double audio_seconds;
    double engine_cpu_seconds;   /* thread CPU time spent inside engine calls */
    double wall_seconds;
    size_t engine_errors;
};

void run_options_default(struct run_options *options);

/** Run every file of the corpus through the engine and write the trace to trace_path atomically.
 *  Returns 0 (engine misbehaviour is recorded in the trace, not an error), or a negative wakecert_error:
 *  WAKECERT_ERROR_ENGINE if the engine refuses to be created (message carries its explanation),
 *  IO/FORMAT for corpus or output problems. */
int run_corpus(const struct run_options *options, const struct wakecert_corpus *corpus,
               const struct loaded_engine *engine, const char *trace_path, struct run_summary *summary,
               char *message, size_t message_size);

#endif
