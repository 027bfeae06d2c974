/*
 * Splitting a certification into shards that an existing scheduler runs (a Slurm job array, GNU
 * parallel, a CI matrix, or wakecert's own worker processes), and merging them back exactly.
 *
 * Assignment: files go to shards by longest-processing-time-first over their durations, ties broken by
 * the SHA-256 of the path — so it depends only on the corpus, every shard computes the same split on
 * its own, and shards carry near-equal audio. Everything a file's run depends on (its place in the play
 * order, whether it is in the engine-check subset, its --seed shift) is decided for the whole corpus
 * before the split, so a file runs the same in any shard.
 *
 * Merging: each shard's trace.jsonl holds whole file blocks (file_begin .. file_end) tagged with the
 * file's position; the merge orders blocks by (position, pass), sums the pass_end totals, and so
 * rebuilds the trace an unsharded run writes — the same lines in the same order, apart from the
 * timing figures in pass_end. Scoring that trace gives the same results.json.
 */
#ifndef WAKECERT_CONFORMANCE_SHARD_H
#define WAKECERT_CONFORMANCE_SHARD_H

#include "corpus.h"

#include <stdbool.h>
#include <stddef.h>

#define WAKECERT_PARTIAL_SCHEMA "wakecert-partial/1"

/** Parse "K/N" (0 <= K < N). Returns 0 or WAKECERT_ERROR_USAGE with a message. */
int shard_parse(const char *text, int *index, int *count, char *message, size_t message_size);

/** The shard this process should run, from TEST_SHARD_INDEX/TEST_TOTAL_SHARDS or SLURM_ARRAY_TASK_ID with
 *  SLURM_ARRAY_TASK_COUNT (or SLURM_ARRAY_TASK_MIN/MAX). Returns 1 when found, 0 when the environment names
 *  none, or WAKECERT_ERROR_USAGE for inconsistent values. */
int shard_from_environment(int *index, int *count, char *message, size_t message_size);

/** Mark in `selected` (one per corpus file) the files of shard `index` of `count`, choosing only among
 *  files with eligible[i] (all when NULL). Returns the number selected. Cannot fail. */
size_t shard_select(const struct wakecert_corpus *corpus, const bool *eligible, int index, int count, bool *selected);

/** Merge shard traces (each complete, of one run) into one trace at out_path, atomically, in the order
 *  an unsharded run writes. Returns 0, or WAKECERT_ERROR_FORMAT naming the trace at fault (different
 *  run_begin lines, a file block cut short, a file run twice). */
int shard_merge_traces(const char *const *trace_paths, size_t trace_count, const char *out_path, char *message,
                       size_t message_size);

#endif
