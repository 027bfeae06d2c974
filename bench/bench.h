/*
 * wakecert's benchmark commands, a library so the main CLI and the standalone `wakecert-bench`
 * executable share them.
 *
 * Benchmarks are measurements, never pass/fail tests: they run pinned to one core, repeat each
 * measurement (medians of at least 5 repetitions by default) and write a "wakecert-bench/1" JSON
 * document with the machine's CPU model, so figures from different machines are never confused.
 * Instruction counts, which repeat exactly and are what CI gates on, come from bench/measure
 * (valgrind callgrind around each measured loop), merged into the same document. `compare` turns two
 * documents into a verdict; `history` keeps one line per recorded revision and plots it.
 */
#ifndef WAKECERT_BENCH_H
#define WAKECERT_BENCH_H

/** `wakecert bench ...` with argv[0] "bench": run benchmark groups (see --help), or, when argv[1] is
 *  "compare" or "history", those commands. Prints a table to stdout. Returns the process exit code:
 *  0 on success, 2 on bad usage or unwritable output, 3 on an internal error. */
int wakecert_bench_main(int argc, char **argv);

/** `wakecert compare BASE.json NEW.json [--max-regression P%] [--markdown FILE]` with argv[0] the
 *  command name. Prints one row per benchmark and metric (instructions, time) with its delta.
 *  Returns 0 when nothing regressed (improvements and changes within noise are fine), 1 when an
 *  instruction count rose more than P% (default 2%), a time rose beyond its measured noise, or a
 *  benchmark or metric of BASE is missing from NEW; 2 on bad usage or an unreadable or malformed
 *  document (the message names the file). */
int wakecert_compare_main(int argc, char **argv);

/** `wakecert bench history [--history FILE] [--append RESULT.json [--revision REV]] [--plot OUT.png]
 *  [--metric instructions|median]` with argv[0] the command name: append one JSON line per recorded
 *  revision to the history (default bench/history/bench.jsonl in the source tree), and/or plot every
 *  benchmark's figure over the recorded revisions with gnuplot into one PNG. Also the body of
 *  `wakecert report --bench-history` (which passes its remaining arguments). Returns 0, 2 on bad
 *  usage or unreadable input, 3 when gnuplot is missing or fails, or the output cannot be written. */
int wakecert_bench_history_main(int argc, char **argv);

#endif
