/*
 * The harness run loop: feeds a corpus, file by file, to an engine loaded through the ABI, delivers
 * the controls the corpus timeline holds, plays the cloud, and writes trace.jsonl.
 *
 * The harness owns time. Each file gets a fresh engine instance whose sample clock starts at 0; audio
 * goes in chunks of `chunk` samples, cut shorter exactly where a control is due, so a control lands
 * on the sample the timeline names. Every upload is checked against the samples the harness fed.
 *
 * The cloud simulator answers each stream. For a wake-opened stream it verifies the wake word —
 * in oracle mode by checking that a labelled wake word lies within the first 1.5 s of uploaded audio,
 * in verifier mode by running a second detector (the reference engine at a stricter operating point)
 * over the uploaded audio — and then sends StopCapture at the labelled end of the request plus
 * `cloud_delay_ms`, or a verification reject after `cloud_delay_ms`. A button stream gets StopCapture
 * at the button's labelled request end. When a follow-up is labelled after a request, StopCapture is
 * followed by ExpectSpeech (timeout `follow_up_timeout_ms`), and the follow-up stream gets StopCapture
 * at the end of the follow-up speech — or nothing, when the label says the user stays silent.
 *
 * A certification runs several passes over the audio (each file's trace lines carry the pass name):
 *   main          every file, the chosen chunk size, the cloud as above;
 *   repeat        the engine-check subset again, identically (engine.determinism);
 *   doubled       each subset file played twice back to back in one engine instance: the second time
 *                 must go like the first (engine.determinism; catches engines that cache what they heard);
 *   chunk_N       the subset with chunk sizes 1, 512 and 4000 (engine.chunking_invariance);
 *   network_loss  the subset with a cloud that never answers, each file followed by 20 s of digital
 *                 silence so a stream left open shows (stream.local_endpoint);
 *   cloud_reject  the subset with a cloud that rejects every wake stream (stream.cloud_reject_close).
 * The engine-check subset is the first files of the corpus up to `engine_check_seconds` of audio.
 *
 * A soak pool (`soak_directory`, a corpus whose manifest has a "stream") is played as ONE negative item,
 * "soak_stream": its stream (corpora/soak.c) rendered block by block (1 s) and fed in chunks as any file,
 * never stored whole. Provenance needs the samples an upload claims: the harness keeps the last
 * `soak_ring_seconds` of fed audio in a ring (default 3610 s: the longest stream any gate configuration
 * allows, 1 h, plus the longest pre-roll, 2 s, plus margin); an upload reaching further back is not
 * audio any rule lets an engine send, and is recorded as not matching the input
 * ("mismatch_reason": older than the ring), naming the sample range. The engine checks run on the
 * stream's first `engine_check_seconds` (the head, rendered again into memory), not on its hours:
 * determinism and chunking invariance compare the main pass only up to the head's end.
 */
#ifndef WAKECERT_CONFORMANCE_RUNNER_H
#define WAKECERT_CONFORMANCE_RUNNER_H

#include "corpus.h"
#include "engine_loader.h"
#include "engine_session.h"

#include <stdbool.h>
#include <stddef.h>

enum cloud_verification {
    CLOUD_VERIFY_ORACLE = 0,    /* labels decide (deterministic, exact) */
    CLOUD_VERIFY_MODEL = 1,     /* a second detector over the uploaded audio decides */
};

struct run_options {
    const char *engine_config;   /* JSON given to create ("{}" if NULL) */
    int chunk;                   /* samples per process() call, default 160 */
    int cloud_delay_ms;          /* cloud latency for StopCapture and rejects, default 200 */
    int verification_window_ms;  /* the wake word must lie in this much of the stream's start, default 1500 */
    int follow_up_timeout_ms;    /* timeout sent with ExpectSpeech, default 4000 */
    int verification;            /* enum cloud_verification, default oracle */
    double engine_check_seconds; /* audio in the engine-check subset, default 600 */
    bool engine_checks;          /* run the extra passes, default true */
    bool progress;               /* progress lines on stderr */
    struct session_options session; /* where the engine runs: a sandboxed child by default */
    const char *exec_command;    /* for SESSION_EXEC: the program speaking the protocol */
    uint64_t seed;               /* 0: corpus order, no shift; else files reordered and shifted by up to 1 s */
    const bool *selected;        /* per corpus file: run it (NULL: all) — how shards and workers split a run */
    const char *soak_directory;  /* a soak pool: play its stream as the one item "soak_stream" (NULL: the files) */
    double soak_hours;           /* the stream's length; <= 0: the pool manifest's stream.hours */
    double soak_ring_seconds;    /* fed stream audio kept for provenance, default RUN_SOAK_RING_SECONDS */
};

/* The fed audio kept for checking a stream's uploads: 1 h (the longest stream a gate allows) + 2 s (the
 * longest pre-roll) + 8 s margin. 57.8 M samples, 115.5 MB. */
#define RUN_SOAK_RING_SECONDS 3610.0
#define RUN_SOAK_ITEM_NAME "soak_stream"

struct run_summary {
    size_t files;                /* files in the main pass */
    double audio_seconds;        /* audio in the main pass */
    double engine_seconds;   /* time inside engine calls (monotonic clock), main pass */
    double wall_seconds;
    size_t engine_errors;
};

void run_options_default(struct run_options *options);

/** Run every file of the corpus through the engine (all passes) and write the trace to trace_path
 *  atomically.
 *  Returns 0 (engine misbehaviour is recorded in the trace, not an error), or a negative wakecert_error:
 *  WAKECERT_ERROR_ENGINE if the engine refuses to be created (message carries its explanation),
 *  IO/FORMAT for corpus or output problems. */
int run_corpus(const struct run_options *options, const struct wakecert_corpus *corpus,
               const struct loaded_engine *engine, const char *trace_path, struct run_summary *summary,
               char *message, size_t message_size);

#endif
