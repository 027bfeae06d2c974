/*
 * Certification bundles, in the manner of graphics-API conformance submissions: one .tar.gz holding
 * what a certifier hands over — results.json, junit.xml, summary.md, report.html, the full trace, the
 * profile exactly as run, the corpus manifest, build information (wakecert version, revision, compiler
 * and flags), a statement to sign, and SHA256SUMS over every member — and the check that anyone can
 * run on it: `wakecert verify-bundle FILE` re-scores the trace under the bundled profile and verifies
 * that every hash matches, that the results are exactly what the trace gives, that the trace covers
 * every file of the bundled corpus manifest (whose hash the results name), that the profile is the
 * shipped one of that name and version and that its mustpass list was run complete.
 */
#ifndef WAKECERT_CONFORMANCE_BUNDLE_H
#define WAKECERT_CONFORMANCE_BUNDLE_H

#include <stddef.h>

/** Pack a finished certification in out_directory (results.json, trace.jsonl, ...) with the profile file
 *  and the corpus manifest (NULL for a labels.csv corpus) into bundle_path, atomically. Returns 0 or a
 *  negative wakecert_error naming the file. */
int bundle_write(const char *out_directory, const char *profile_path, const char *corpus_manifest_path,
                 const char *bundle_path, char *message, size_t message_size);

/** `wakecert verify-bundle FILE [--quiet]`: exit 0 when every check holds, 1 when one fails (each failure
 *  printed), 2 for bad usage or an unreadable bundle. */
int wakecert_verify_bundle_main(int argc, char **argv);

#endif
