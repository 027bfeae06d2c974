/*
 * The engine-certification commands: `certify` (run + score + outputs), `run` (trace only) and
 * `score` (trace + profile -> results). Each takes argv with argv[0] the command name and returns the
 * process exit code: 0 every mustpass requirement passed (or, for run, the trace was written), 1 some
 * failed, 2 bad usage or bad input, 3 internal error.
 */
#ifndef WAKECERT_CONFORMANCE_CERTIFY_H
#define WAKECERT_CONFORMANCE_CERTIFY_H

int wakecert_certify_main(int argc, char **argv);
int wakecert_run_main(int argc, char **argv);
int wakecert_score_main(int argc, char **argv);
int wakecert_merge_main(int argc, char **argv);

#endif
