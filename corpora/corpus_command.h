/*
 * The `corpus` subcommand of the wakecert command line: build, verify and list corpora. The main
 * `wakecert` executable (cli/) dispatches argv[0] == "corpus" here; the stand-alone `wakecert-corpus`
 * test executable does the same.
 */
#ifndef WAKECERT_CORPORA_CORPUS_COMMAND_H
#define WAKECERT_CORPORA_CORPUS_COMMAND_H

/** Run `corpus build RECIPE|NAME --out DIR [-v]`, `corpus verify DIR`, `corpus list` or `--help`.
 *  argv[0] is "corpus". Returns the process exit code: 0 ok, 1 verify found a mismatch, 2 bad usage or
 *  input (with a message on stderr), 3 internal error. */
int wakecert_corpus_main(int argc, char **argv);

#endif
