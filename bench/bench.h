/*
 * wakecert's benchmark entry point (`wakecert bench`), a library so the main CLI and the standalone
 * `wakecert-bench` executable share it.
 *
 * Benchmarks are measurements, never pass/fail tests: they run pinned to one core, repeat each
 * measurement (medians of at least 5 repetitions by default) and write a "wakecert-bench/1" JSON
 * document with the machine's CPU model, so figures from different machines are never confused.
 * Instruction counts, which repeat exactly, come from bench/callgrind-frontend (valgrind callgrind).
 */
#ifndef WAKECERT_BENCH_H
#define WAKECERT_BENCH_H

/** Run benchmarks. argv[0] is "bench"; options: --only GROUP (frontend), --json FILE, --seconds N
 *  (audio length, default 60), --repetitions N (default 5), --callgrind (one instrumented pass for
 *  bench/callgrind-frontend), --help. Prints a table to stdout. Returns the process exit code: 0 on
 *  success, 2 on bad usage or unwritable output, 3 on an internal error. */
int wakecert_bench_main(int argc, char **argv);

#endif
