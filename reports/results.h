/*
 * The results of a certification run and the files written from them: results.json (schema
 * wakecert-results/1), junit.xml (one testcase per requirement, failures carrying evidence) and
 * summary.md (verdict, failing ids with one line of evidence, key metrics). Engine certification and
 * retention certification both fill this model, so their outputs look alike.
 */
#ifndef WAKECERT_REPORTS_RESULTS_H
#define WAKECERT_REPORTS_RESULTS_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#define WAKECERT_RESULTS_SCHEMA "wakecert-results/1"

/** One status per requirement (Khronos CTS vocabulary). */
enum wakecert_status {
    WAKECERT_STATUS_PASS = 0,
    WAKECERT_STATUS_FAIL,
    WAKECERT_STATUS_NOT_SUPPORTED,
    WAKECERT_STATUS_CRASH,
    WAKECERT_STATUS_TIMEOUT,
    WAKECERT_STATUS_INTERNAL_ERROR,
    WAKECERT_STATUS_WAIVED,
};

const char *wakecert_status_name(enum wakecert_status status);

/** One requirement's outcome. */
struct wakecert_requirement_result {
    char id[64];              /* e.g. "upload.preroll_bounds" */
    enum wakecert_status status;
    bool mustpass;
    bool has_measurement;     /* false when nothing could be measured (e.g. no positives) */
    double measured;          /* the headline measured value */
    double threshold;         /* the profile's bound */
    char comparison[4];       /* "<=", ">=", "==" : how measured is compared with threshold */
    char unit[24];            /* "samples", "ms", "per_hour", "ratio", "count" ... */
    char summary[256];        /* one line: what was measured, or the first failure */
    cJSON *evidence;          /* array of objects {file, time_s, sample_start, sample_end, expected, observed}; owned */
    cJSON *details;           /* object of extra measurements (per condition, p50/p95 ...); owned; may be NULL */
};

/** A whole run. The arrays are owned by the struct (free with wakecert_results_free). */
struct wakecert_results {
    char kind[16];            /* "engine" or "retention" */
    char profile[64];
    char profile_version[32];
    char profile_sha256[65];
    char engine_name[128];    /* or store name */
    char engine_version[64];
    char engine_path[1024];
    char engine_sha256[65];
    char corpus_name[64];     /* or scenario set */
    char corpus_sha256[65];
    char started_at[32];      /* ISO 8601 UTC (a timing field) */
    double wall_seconds;      /* timing field */
    cJSON *metrics;           /* object: totals (hours of audio, files, positives ...); owned; may be NULL */
    struct wakecert_requirement_result *requirements;
    size_t requirement_count;
    size_t requirement_capacity;
};

/** Append a requirement (zeroed, with evidence = empty array) and return it, or NULL on no memory. */
struct wakecert_requirement_result *wakecert_results_add(struct wakecert_results *results, const char *id);

/** Append one evidence object to a requirement; keeps at most `limit` (older ones kept), counting the rest
 *  in details.evidence_omitted. Takes ownership of `evidence`. */
void wakecert_requirement_add_evidence(struct wakecert_requirement_result *requirement, cJSON *evidence, size_t limit);

/** The overall verdict: PASS if every mustpass requirement is PASS or WAIVED; FAIL otherwise. */
enum wakecert_status wakecert_results_verdict(const struct wakecert_results *results);

/** Process exit code for the verdict: 0 when PASS, 1 otherwise. */
int wakecert_results_exit_code(const struct wakecert_results *results);

/** results.json as a cJSON tree (caller frees). */
cJSON *wakecert_results_to_json(const struct wakecert_results *results);

/** Write results.json, junit.xml and summary.md into directory, each atomically. Returns 0 or a
 *  negative wakecert_error naming the file. */
int wakecert_results_write(const struct wakecert_results *results, const char *directory, char *message,
                           size_t message_size);

/** Print the verdict table (id, status, measured, threshold) to stream. */
void wakecert_results_print_table(const struct wakecert_results *results, void *stream);

void wakecert_results_free(struct wakecert_results *results);

#endif
