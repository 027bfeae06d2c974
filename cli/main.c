/*
 * wakecert: one binary, one subcommand per job. This file only dispatches; each command lives with
 * the part it belongs to (conformance/certify.c, corpora/, bench/, retention/) and returns the exit
 * code: 0 pass, 1 fail, 2 bad usage or input, 3 internal error.
 */
#include "bench.h"
#include "bundle.h"
#include "certify.h"
#include "corpus_command.h"
#include "files.h"
#include "report_command.h"
#include "retention_command.h"
#include "sweep.h"
#include "train.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "wakecert — conformance and benchmark harness for always-listening voice devices\n"
    "\n"
    "usage: wakecert COMMAND [options]      (wakecert COMMAND --help for each)\n"
    "\n"
    "commands:\n"
    "  certify     run an engine over a corpus, score it under a profile, write results (the main job)\n"
    "  run         run an engine over a corpus and write only the trace\n"
    "  score       score a recorded trace under a profile\n"
    "  merge       merge the shards of a run (certify --shard K/N) into one result\n"
    "  report      regenerate report.html (plots, timelines) from saved results, or compare two runs\n"
    "  verify-bundle  check a certification bundle (hashes, re-scored results, corpus, profile)\n"
    "  corpus      build, verify, list or size up labelled corpora; render the soak stream\n"
    "  bench       benchmarks (front end, model, gate, engine, harness, retention) as wakecert-bench/1 JSON\n"
    "  compare     compare two bench JSON files; exit 1 on a regression (the CI gate)\n"
    "  retention   certify a voice-history store's retention timelines\n"
    "  train       train the reference classifier on a corpus recipe\n"
    "  sweep       run an engine at several sensitivities: DET curve and operating points\n"
    "\n"
    "  wakecert certify            certifies the built-in reference engine on the smoke corpus (avs profile)\n"
    "  --version                   print the version and exit\n"
    "\n"
    "exit status: 0 every mustpass requirement passed, 1 some failed, 2 bad usage or input, 3 internal error\n";

int main(int argc, char **argv)
{
    wakecert_install_interrupt_cleanup(); /* SIGINT/SIGTERM: exit 130/143, no half-written output left */
    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    const char *command = argv[1];
    if (strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0 || strcmp(command, "help") == 0) {
        fputs(usage, stdout);
        return 0;
    }
    if (strcmp(command, "--version") == 0 || strcmp(command, "version") == 0) {
        printf("wakecert %s (%s)\n", WAKECERT_VERSION, WAKECERT_REVISION);
        return 0;
    }
    static const struct {
        const char *name;
        int (*run)(int argc, char **argv);
    } commands[] = {
        {"certify", wakecert_certify_main}, {"run", wakecert_run_main},     {"score", wakecert_score_main},
        {"corpus", wakecert_corpus_main},   {"bench", wakecert_bench_main}, {"retention", wakecert_retention_main},
        {"report", wakecert_report_main},   {"verify-bundle", wakecert_verify_bundle_main},
        {"merge", wakecert_merge_main},     {"compare", wakecert_compare_main},
        {"train", wakecert_train_main},     {"sweep", wakecert_sweep_main},
    };
    /* `wakecert report --bench-history ...` plots the bench history (bench/history.c). */
    if (strcmp(command, "report") == 0)
        for (int i = 2; i < argc; i++)
            if (strcmp(argv[i], "--bench-history") == 0)
                return wakecert_bench_history_main(argc - 1, argv + 1);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(command, commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "wakecert: unknown command \"%s\"\n\n%s", command, usage);
    return 2;
}
