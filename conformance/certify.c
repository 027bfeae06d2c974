/*
 * certify / run / score (see certify.h). The order of work is chosen so that bad input fails fast:
 * the profile and engine are checked before the corpus is built or any audio is run, and nothing is
 * written to --out until there is something whole to write (every file is written atomically).
 */
#define _POSIX_C_SOURCE 200809L
#include "certify.h"

#include "bundle.h"

#include "corpus.h"
#include "engine_loader.h"
#include "error.h"
#include "files.h"
#include "json.h"
#include "profile.h"
#include "report_command.h"
#include "results.h"
#include "runner.h"
#include "scorer.h"
#include "sha256.h"
#include "shard.h"
#include "trace.h"

#include <getopt.h>
#include <signal.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <time.h>
#include <unistd.h>

struct certify_options {
    const char *engine;
    const char *engine_config;
    const char *corpus;
    const char *profile;
    const char *out;
    const char *trace;
    const char *bundle;
    const char *shard;
    int jobs;
    bool resume;
    struct run_options run;
    bool quiet;
    bool soak_hours_given;
};

static const char certify_usage[] =
    "usage: wakecert certify [options]\n"
    "       wakecert run [options]          (the same, writing only trace.jsonl)\n"
    "\n"
    "Run an engine over a labelled corpus, score what it did under a profile, and write\n"
    "results.json, trace.jsonl, junit.xml, summary.md and report.html. With no options: the built-in reference\n"
    "engine on the built-in smoke corpus under the avs profile.\n"
    "\n"
    "options:\n"
    "  --engine PATH|ref|exec:COMMAND\n"
    "                           an engine plugin (.so exporting wakecert_engine_entry), the built-in\n"
    "                           reference (ref, the default), or a program speaking the framed protocol\n"
    "                           on stdin/stdout (conformance/PROTOCOL.md)\n"
    "  --engine-config JSON     configuration given to the engine's create(); @FILE reads it from a file\n"
    "  --corpus NAME|DIR        a shipped recipe name (smoke) or a corpus directory; default smoke\n"
    "  --profile NAME|PATH      avs, privacy-strict, local-only, smoke, or a profile file; default avs\n"
    "  --out DIR                output directory; default ./wakecert-out/<UTC timestamp>\n"
    "  --chunk N                samples per process() call; default 160\n"
    "  --cloud-delay-ms N       cloud latency before StopCapture / reject; default 200\n"
    "  --cloud oracle|model     how the cloud verifies a wake word: the labels (exact, default) or a second\n"
    "                           detector over the uploaded audio (the reference engine, stricter)\n"
    "  --follow-up-timeout-ms N timeout the cloud sends with ExpectSpeech; default 4000\n"
    "  --engine-check-seconds S audio replayed for the engine checks (repeat, chunk sizes 1/512/4000,\n"
    "                           network loss, cloud rejects); default 600; 0 skips them\n"
    "  --in-process             run a plugin inside the harness (debugging only: no isolation, no sandbox)\n"
    "  --no-sandbox             isolate the engine in a child process but without the sandbox\n"
    "  --call-timeout-ms N      an engine call that takes longer is a TIMEOUT; default 10000\n"
    "  --bundle OUT.tar.gz      also pack a certification bundle (check it with wakecert verify-bundle)\n"
    "  -j, --jobs N             run files in N worker processes (default: the number of cores); same results\n"
    "  --shard K/N              run only shard K of N (0 <= K < N), writing a partial result to merge with\n"
    "                           wakecert merge; also read from TEST_SHARD_INDEX/TEST_TOTAL_SHARDS and\n"
    "                           SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT (or _MIN/_MAX)\n"
    "  --resume                 reuse the complete, verified partial results already in --out\n"
    "  --seed N                 play the files in a shuffled order, each shifted by up to 1 s (anti-gaming:\n"
    "                           results must not change); 0, the default, keeps the corpus as it is\n"
    "  --soak-hours H           when --corpus is a soak pool (built from the soak recipe; its manifest has a\n"
    "                           \"stream\"): play H hours of its stream instead of the recipe's full length.\n"
    "                           A soak pool is certified as one negative item, soak_stream, rendered block\n"
    "                           by block (never stored); the engine checks run on its first\n"
    "                           --engine-check-seconds; one process (no -j, no --shard)\n"
    "  --soak-ring-seconds S    stream audio kept to check uploads against (default 3610: the longest\n"
    "                           stream a gate allows, 1 h, plus pre-roll and margin); an upload of older\n"
    "                           samples fails upload.provenance. Smaller values are for tests\n"
    "  --quiet                  no progress, no table\n"
    "  -h, --help               this text\n"
    "\n"
    "exit status: 0 every mustpass requirement passed, 1 some failed, 2 bad usage or input, 3 internal error\n";

static const char score_usage[] =
    "usage: wakecert score --trace FILE [--profile NAME|PATH] [--out DIR] [--quiet]\n"
    "\n"
    "Score a recorded trace.jsonl under a profile (default avs) without running the engine again, and\n"
    "write results.json, junit.xml and summary.md to --out (default: the trace's directory).\n"
    "exit status: 0 pass, 1 fail, 2 bad usage or input, 3 internal error\n";

static int parse_options(int argc, char **argv, struct certify_options *options, const char *usage, bool scoring)
{
    static const struct option long_options[] = {
        {"engine", required_argument, NULL, 'e'},        {"engine-config", required_argument, NULL, 'c'},
        {"corpus", required_argument, NULL, 'C'},        {"profile", required_argument, NULL, 'p'},
        {"out", required_argument, NULL, 'o'},           {"chunk", required_argument, NULL, 'k'},
        {"cloud-delay-ms", required_argument, NULL, 'd'}, {"trace", required_argument, NULL, 't'},
        {"cloud", required_argument, NULL, 'v'},         {"follow-up-timeout-ms", required_argument, NULL, 'f'},
        {"engine-check-seconds", required_argument, NULL, 's'},
        {"in-process", no_argument, NULL, 'i'},          {"no-sandbox", no_argument, NULL, 'n'},
        {"call-timeout-ms", required_argument, NULL, 'T'},  {"bundle", required_argument, NULL, 'b'},
        {"seed", required_argument, NULL, 'S'},           {"shard", required_argument, NULL, 'K'},
        {"jobs", required_argument, NULL, 'j'},          {"resume", no_argument, NULL, 'r'},
        {"quiet", no_argument, NULL, 'q'},               {"help", no_argument, NULL, 'h'},
        {"soak-hours", required_argument, NULL, 'H'},    {"soak-ring-seconds", required_argument, NULL, 'R'},
        {NULL, 0, NULL, 0},
    };
    memset(options, 0, sizeof *options);
    run_options_default(&options->run);
    options->engine = "ref";
    options->corpus = "smoke";
    options->profile = "avs";
    optind = 1;
    opterr = 0;
    int option;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    options->jobs = cores > 0 ? (int)cores : 1;
    while ((option = getopt_long(argc, argv, "hj:", long_options, NULL)) != -1) {
        char *end = NULL;
        switch (option) {
        case 'e': options->engine = optarg; break;
        case 'c': options->engine_config = optarg; break;
        case 'C': options->corpus = optarg; break;
        case 'p': options->profile = optarg; break;
        case 'o': options->out = optarg; break;
        case 't': options->trace = optarg; break;
        case 'q': options->quiet = true; break;
        case 'k':
            options->run.chunk = (int)strtol(optarg, &end, 10);
            if (!end || *end || options->run.chunk <= 0 || options->run.chunk > 16000 * 60) {
                fprintf(stderr, "wakecert %s: --chunk must be a whole number of samples from 1 to 960000, not \"%s\"\n",
                        argv[0], optarg);
                return 2;
            }
            break;
        case 'd':
            options->run.cloud_delay_ms = (int)strtol(optarg, &end, 10);
            if (!end || *end || options->run.cloud_delay_ms < 0) {
                fprintf(stderr, "wakecert %s: --cloud-delay-ms must be a non-negative whole number, not \"%s\"\n",
                        argv[0], optarg);
                return 2;
            }
            break;
        case 'v':
            if (strcmp(optarg, "oracle") == 0)
                options->run.verification = CLOUD_VERIFY_ORACLE;
            else if (strcmp(optarg, "model") == 0)
                options->run.verification = CLOUD_VERIFY_MODEL;
            else {
                fprintf(stderr, "wakecert %s: --cloud must be oracle or model, not \"%s\"\n", argv[0], optarg);
                return 2;
            }
            break;
        case 'f':
            options->run.follow_up_timeout_ms = (int)strtol(optarg, &end, 10);
            if (!end || *end || options->run.follow_up_timeout_ms <= 0) {
                fprintf(stderr, "wakecert %s: --follow-up-timeout-ms must be a positive whole number, not \"%s\"\n",
                        argv[0], optarg);
                return 2;
            }
            break;
        case 's':
            options->run.engine_check_seconds = strtod(optarg, &end);
            if (!end || *end || !(options->run.engine_check_seconds >= 0)) {
                fprintf(stderr, "wakecert %s: --engine-check-seconds must be a non-negative number, not \"%s\"\n",
                        argv[0], optarg);
                return 2;
            }
            options->run.engine_checks = options->run.engine_check_seconds > 0;
            break;
        case 'i': options->run.session.isolation = SESSION_IN_PROCESS; break;
        case 'b': options->bundle = optarg; break;
        case 'K': options->shard = optarg; break;
        case 'r': options->resume = true; break;
        case 'j':
            options->jobs = (int)strtol(optarg, &end, 10);
            if (!end || *end || options->jobs < 1 || options->jobs > 256) {
                fprintf(stderr, "wakecert %s: -j/--jobs must be a whole number from 1 to 256, not \"%s\"\n", argv[0], optarg);
                return 2;
            }
            break;
        case 'S':
            options->run.seed = strtoull(optarg, &end, 10);
            if (!end || *end || optarg[0] == '-') {
                fprintf(stderr, "wakecert %s: --seed must be a non-negative whole number, not \"%s\"\n", argv[0], optarg);
                return 2;
            }
            break;
        case 'n': options->run.session.sandbox = false; break;
        case 'T':
            options->run.session.call_timeout_ms = (int)strtol(optarg, &end, 10);
            if (!end || *end || options->run.session.call_timeout_ms <= 0) {
                fprintf(stderr, "wakecert %s: --call-timeout-ms must be a positive whole number, not \"%s\"\n",
                        argv[0], optarg);
                return 2;
            }
            break;
        case 'H':
            options->run.soak_hours = strtod(optarg, &end);
            if (!end || *end || !(options->run.soak_hours > 0 && options->run.soak_hours <= 10000)) {
                fprintf(stderr, "wakecert %s: --soak-hours must be a number of hours in (0, 10000], not \"%s\"\n",
                        argv[0], optarg);
                return 2;
            }
            options->soak_hours_given = true;
            break;
        case 'R':
            options->run.soak_ring_seconds = strtod(optarg, &end);
            if (!end || *end || !(options->run.soak_ring_seconds >= 1 && options->run.soak_ring_seconds <= 86400)) {
                fprintf(stderr, "wakecert %s: --soak-ring-seconds must be a number of seconds in [1, 86400], not \"%s\"\n",
                        argv[0], optarg);
                return 2;
            }
            break;
        case 'h': fputs(usage, stdout); return 0;
        default:
            fprintf(stderr, "wakecert %s: unknown or incomplete option \"%s\"\n%s", argv[0], argv[optind - 1], usage);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "wakecert %s: unexpected argument \"%s\"\n%s", argv[0], argv[optind], usage);
        return 2;
    }
    if (scoring && !options->trace) {
        fprintf(stderr, "wakecert score: --trace FILE is required\n%s", usage);
        return 2;
    }
    options->run.progress = !options->quiet && isatty(STDERR_FILENO);
    return -1;
}

static void default_out_directory(char *out, size_t out_size, char *started_at, size_t started_size)
{
    time_t now = time(NULL);
    struct tm utc;
    gmtime_r(&now, &utc);
    strftime(started_at, started_size, "%Y-%m-%dT%H:%M:%SZ", &utc);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
    snprintf(out, out_size, "wakecert-out/%s", stamp);
}

/* Read --engine-config: inline JSON or @FILE (wakecert_json_read_argument); "{}" when absent. Returns a
 * malloc'd string or NULL (message set). */
static char *read_engine_config(const char *argument, char *message, size_t message_size)
{
    return argument ? wakecert_json_read_argument(argument, "--engine-config", message, message_size) : strdup("{}");
}

/* An exec: engine: its name and version come from its HELLO; its identity hash covers the command and
 * every file the command names (the script, the interpreter). */
static int load_exec_engine(const char *command, struct run_options *run, struct loaded_engine *engine, char *message,
                            size_t message_size)
{
    static struct wakecert_engine_table exec_table;
    static char name[128], version[64];
    memset(engine, 0, sizeof *engine);
    if (!*command)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_USAGE, "exec: needs a command");
    if (session_probe_exec(command, run->session.sandbox, name, sizeof name, version, sizeof version, message,
                           message_size) != 0)
        return WAKECERT_ERROR_ENGINE_LOAD;
    exec_table.abi_version = WAKECERT_ENGINE_ABI_VERSION;
    exec_table.table_size = sizeof exec_table;
    exec_table.name = name;
    exec_table.version = version;
    engine->table = &exec_table;
    snprintf(engine->path, sizeof engine->path, "exec:%s", command);
    struct wakecert_sha256 *digest = wakecert_sha256_begin();
    wakecert_sha256_update(digest, command, strlen(command));
    char words[4096];
    snprintf(words, sizeof words, "%s", command);
    for (char *cursor = words, *word; (word = strtok(cursor, " \t")); cursor = NULL) {
        char *text = NULL;
        size_t size = 0;
        if (access(word, R_OK) == 0 && wakecert_read_file(word, &text, &size, NULL, 0) == 0) {
            wakecert_sha256_update(digest, text, size);
            free(text);
        }
    }
    wakecert_sha256_finish(digest, engine->sha256);
    run->session.isolation = SESSION_EXEC;
    run->exec_command = command;
    return 0;
}

static int score_and_write(const char *trace_path, const struct profile *profile, const char *out,
                           const struct run_summary *summary, const char *started_at, const char *corpus_directory,
                           bool quiet)
{
    char message[1024];
    struct trace trace;
    int status = trace_read(trace_path, &trace, message, sizeof message);
    if (status) {
        fprintf(stderr, "wakecert: %s\n", message);
        return wakecert_exit_code_for(status);
    }
    struct wakecert_results results = {0};
    status = score_trace(&trace, profile, &results, message, sizeof message);
    trace_free(&trace);
    if (status) {
        fprintf(stderr, "wakecert: %s\n", message);
        wakecert_results_free(&results);
        return wakecert_exit_code_for(status);
    }
    if (started_at)
        snprintf(results.started_at, sizeof results.started_at, "%s", started_at);
    if (summary)
        results.wall_seconds = summary->wall_seconds;
    status = wakecert_results_write(&results, out, message, sizeof message);
    if (status) {
        fprintf(stderr, "wakecert: %s\n", message);
        wakecert_results_free(&results);
        return wakecert_exit_code_for(status); /* a full disk is an input problem (2), not a harness bug (3) */
    }
    /* The report comes last: results are already safe on disk if it cannot be drawn. */
    bool report_written = wakecert_report_write(out, corpus_directory, message, sizeof message) == 0;
    if (!report_written)
        fprintf(stderr, "wakecert: warning: report.html not written: %s\n", message);
    if (!quiet) {
        wakecert_results_print_table(&results, stdout);
        printf("outputs: %s/{results.json,trace.jsonl,junit.xml,summary.md%s}\n", out, report_written ? ",report.html" : "");
    }
    int exit_code = wakecert_results_exit_code(&results);
    wakecert_results_free(&results);
    return exit_code;
}

/* What makes two runs the same run (what a resumed or merged partial must match). */
static cJSON *run_identity(const struct certify_options *options, const struct wakecert_corpus *corpus,
                           const struct loaded_engine *engine, const struct profile *profile)
{
    cJSON *identity = cJSON_CreateObject();
    cJSON_AddStringToObject(identity, "wakecert_revision", WAKECERT_REVISION);
    cJSON_AddStringToObject(identity, "engine", engine->table->name);
    cJSON_AddStringToObject(identity, "engine_sha256", engine->sha256);
    cJSON_AddStringToObject(identity, "engine_config", options->run.engine_config ? options->run.engine_config : "{}");
    cJSON_AddStringToObject(identity, "corpus", corpus->name);
    cJSON_AddStringToObject(identity, "corpus_sha256", corpus->manifest_sha256);
    if (profile) {
        cJSON_AddStringToObject(identity, "profile", profile->name);
        cJSON_AddStringToObject(identity, "profile_sha256", profile->sha256);
    }
    cJSON_AddNumberToObject(identity, "chunk", options->run.chunk);
    cJSON_AddNumberToObject(identity, "cloud_delay_ms", options->run.cloud_delay_ms);
    cJSON_AddNumberToObject(identity, "verification", options->run.verification);
    cJSON_AddNumberToObject(identity, "follow_up_timeout_ms", options->run.follow_up_timeout_ms);
    cJSON_AddNumberToObject(identity, "engine_check_seconds", options->run.engine_checks ? options->run.engine_check_seconds : 0);
    cJSON_AddNumberToObject(identity, "seed", (double)options->run.seed);
    cJSON_AddNumberToObject(identity, "isolation", options->run.session.isolation);
    cJSON_AddBoolToObject(identity, "sandbox", options->run.session.sandbox);
    if (options->run.soak_directory) {
        cJSON_AddNumberToObject(identity, "soak_hours", options->run.soak_hours);
        cJSON_AddNumberToObject(identity, "soak_ring_seconds", options->run.soak_ring_seconds);
    }
    return identity;
}

/* Write partial.json beside a trace: the run identity, which shard, the files run, the trace's hash. */
static int write_partial(const char *partial_path, const char *trace_path, const cJSON *identity, int index, int count,
                         const struct wakecert_corpus *corpus, const bool *selected, char *message, size_t message_size)
{
    char hex[WAKECERT_SHA256_HEX_SIZE];
    int status = wakecert_sha256_file(trace_path, hex, message, message_size);
    if (status)
        return status;
    cJSON *partial = cJSON_CreateObject();
    cJSON_AddStringToObject(partial, "schema", WAKECERT_PARTIAL_SCHEMA);
    cJSON_AddItemToObject(partial, "identity", cJSON_Duplicate(identity, 1));
    cJSON *shard = cJSON_AddObjectToObject(partial, "shard");
    cJSON_AddNumberToObject(shard, "index", index);
    cJSON_AddNumberToObject(shard, "count", count);
    cJSON *files = cJSON_AddArrayToObject(partial, "files");
    for (size_t i = 0; i < corpus->file_count; i++)
        if (!selected || selected[i])
            cJSON_AddItemToArray(files, cJSON_CreateString(corpus->files[i].path));
    cJSON_AddStringToObject(partial, "trace", "trace.jsonl");
    cJSON_AddStringToObject(partial, "trace_sha256", hex);
    status = wakecert_json_write_file(partial_path, partial, message, message_size);
    cJSON_Delete(partial);
    return status;
}

/* A partial already on disk is complete and verified for this run: same identity and shard, and its
 * trace still has the hash it recorded. */
static bool partial_complete(const char *partial_path, const char *trace_path, const cJSON *identity, int index,
                             int count)
{
    cJSON *partial = NULL;
    if (wakecert_json_load_file(partial_path, &partial, NULL, 0) != 0)
        return false;
    const cJSON *shard = cJSON_GetObjectItem(partial, "shard");
    char hex[WAKECERT_SHA256_HEX_SIZE] = "";
    const char *recorded = wakecert_json_string(partial, "trace_sha256");
    bool complete = cJSON_Compare(cJSON_GetObjectItem(partial, "identity"), identity, 1) &&
                    wakecert_json_number(shard, "index", -1) == index && wakecert_json_number(shard, "count", -1) == count &&
                    recorded && wakecert_sha256_file(trace_path, hex, NULL, 0) == 0 && strcmp(hex, recorded) == 0;
    cJSON_Delete(partial);
    return complete;
}

/* Run this shard's files (all of them when unsharded) into out/trace.jsonl, in options->jobs worker
 * processes when there is more than one (each runs its own split and writes its own trace; the traces are
 * then merged in play order, which gives exactly what one process writes). Writes out/partial.json.
 * With --resume, complete and verified partials are kept rather than run again. */
static int run_to_trace(struct certify_options *options, const struct wakecert_corpus *corpus,
                        const struct loaded_engine *engine, const struct profile *profile, int shard_index,
                        int shard_count, const char *out, struct run_summary *summary, char *message,
                        size_t message_size)
{
    char trace_path[4200], partial_path[4200];
    snprintf(trace_path, sizeof trace_path, "%s/trace.jsonl", out);
    snprintf(partial_path, sizeof partial_path, "%s/partial.json", out);
    cJSON *identity = run_identity(options, corpus, engine, profile);
    bool *selected = calloc(corpus->file_count + 1, sizeof *selected);
    int status = selected ? 0 : wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
    if (!status)
        shard_select(corpus, NULL, shard_index, shard_count, selected);
    if (!status && options->resume && partial_complete(partial_path, trace_path, identity, shard_index, shard_count)) {
        if (!options->quiet)
            fprintf(stderr, "wakecert: resuming: %s is complete and verified; not run again\n", trace_path);
        cJSON_Delete(identity);
        free(selected);
        return 0;
    }
    size_t files = 0;
    for (size_t i = 0; i < corpus->file_count; i++)
        files += selected && selected[i];
    int jobs = options->jobs < (int)files ? options->jobs : (int)(files ? files : 1);
    if (!status && jobs <= 1) {
        options->run.selected = selected;
        status = run_corpus(&options->run, corpus, engine, trace_path, summary, message, message_size);
        options->run.selected = NULL;
    } else if (!status) {
        char workers[4200];
        snprintf(workers, sizeof workers, "%s/.workers-%d-of-%d", out, shard_index, shard_count);
        status = wakecert_make_directories(workers, message, message_size);
        const char **paths = calloc((size_t)jobs, sizeof *paths);
        char (*worker_traces)[4300] = calloc((size_t)jobs, sizeof *worker_traces);
        pid_t *pids = calloc((size_t)jobs, sizeof *pids);
        bool **masks = calloc((size_t)jobs, sizeof *masks);
        struct timespec started;
        clock_gettime(CLOCK_MONOTONIC, &started);
        fflush(NULL);
        for (int w = 0; w < jobs && !status; w++) {
            char worker_partial[4300];
            snprintf(worker_traces[w], sizeof worker_traces[w], "%s/trace-%d.jsonl", workers, w);
            snprintf(worker_partial, sizeof worker_partial, "%s/partial-%d.json", workers, w);
            paths[w] = worker_traces[w];
            masks[w] = calloc(corpus->file_count + 1, sizeof **masks);
            shard_select(corpus, selected, w, jobs, masks[w]);
            if (options->resume && partial_complete(worker_partial, worker_traces[w], identity, w, jobs)) {
                pids[w] = 0;
                continue;
            }
            pids[w] = fork();
            if (pids[w] == 0) {
                struct run_options worker = options->run;
                worker.selected = masks[w];
                worker.progress = worker.progress && w == 0;
                struct run_summary ignored;
                char worker_message[1024];
                int worker_status = run_corpus(&worker, corpus, engine, worker_traces[w], &ignored, worker_message,
                                               sizeof worker_message);
                if (!worker_status)
                    worker_status = write_partial(worker_partial, worker_traces[w], identity, w, jobs, corpus, masks[w],
                                                  worker_message, sizeof worker_message);
                if (worker_status)
                    fprintf(stderr, "wakecert: worker %d: %s\n", w, worker_message);
                fflush(NULL);
                _exit(wakecert_exit_code_for(worker_status));
            }
            if (pids[w] < 0)
                status = wakecert_set_error(message, message_size, WAKECERT_ERROR_INTERNAL, "cannot fork a worker");
        }
        int worst = 0;
        for (int w = 0; w < jobs; w++) {
            if (pids[w] <= 0)
                continue;
            int exit_status = 0;
            while (waitpid(pids[w], &exit_status, 0) < 0 && errno == EINTR)
                ;
            int code = WIFEXITED(exit_status) ? WEXITSTATUS(exit_status) : 3;
            if (code > worst)
                worst = code;
        }
        if (!status && worst)
            status = wakecert_set_error(message, message_size, worst == 2 ? WAKECERT_ERROR_ENGINE : WAKECERT_ERROR_INTERNAL,
                                        "a worker process failed (see its message above)");
        if (!status)
            status = shard_merge_traces(paths, (size_t)jobs, trace_path, message, message_size);
        struct timespec finished;
        clock_gettime(CLOCK_MONOTONIC, &finished);
        summary->wall_seconds = (double)(finished.tv_sec - started.tv_sec) + (finished.tv_nsec - started.tv_nsec) / 1e9;
        for (int w = 0; w < jobs; w++)
            free(masks[w]);
        free(masks);
        free(pids);
        free(paths);
        free(worker_traces);
    }
    if (!status)
        status = write_partial(partial_path, trace_path, identity, shard_index, shard_count, corpus, selected, message,
                               message_size);
    cJSON_Delete(identity);
    free(selected);
    return status;
}

static int certify_or_run(int argc, char **argv, bool scoring)
{
    struct certify_options options;
    int early = parse_options(argc, argv, &options, certify_usage, false);
    if (early >= 0)
        return early;
    char message[1024];
    struct profile profile = {0};
    if (scoring) {
        int status = profile_load(options.profile, &profile, message, sizeof message);
        if (status) {
            fprintf(stderr, "wakecert %s: %s\n", argv[0], message);
            return wakecert_exit_code_for(status);
        }
        const cJSON *entry;
        cJSON_ArrayForEach(entry, profile.requirements)
        if (!scorer_knows(wakecert_json_string(entry, "id"))) {
            fprintf(stderr, "wakecert %s: %s: requirement \"%s\" is not one wakecert can score\n", argv[0], profile.path,
                    wakecert_json_string(entry, "id"));
            profile_free(&profile);
            return 2;
        }
    }
    char *engine_config = read_engine_config(options.engine_config, message, sizeof message);
    if (!engine_config) {
        fprintf(stderr, "wakecert %s: engine configuration: %s\n", argv[0], message);
        profile_free(&profile);
        return 2;
    }
    options.run.engine_config = engine_config;
    struct loaded_engine engine;
    int status;
    if (strncmp(options.engine, "exec:", 5) == 0) {
        status = load_exec_engine(options.engine + 5, &options.run, &engine, message, sizeof message);
        if (options.run.session.isolation == SESSION_IN_PROCESS) {
            fprintf(stderr, "wakecert %s: --in-process cannot run an exec: engine\n", argv[0]);
            free(engine_config);
            profile_free(&profile);
            return 2;
        }
    } else
        status = engine_load(options.engine, &engine, message, sizeof message);
    if (status) {
        fprintf(stderr, "wakecert %s: %s\n", argv[0], message);
        free(engine_config);
        profile_free(&profile);
        return 2;
    }
    struct wakecert_corpus corpus = {0};
    status = wakecert_corpus_open(options.corpus, &corpus, !options.quiet, message, sizeof message);
    if (status) {
        fprintf(stderr, "wakecert %s: corpus %s: %s\n", argv[0], options.corpus, message);
        engine_unload(&engine);
        free(engine_config);
        profile_free(&profile);
        return wakecert_exit_code_for(status);
    }
    /* A soak pool (its manifest has a "stream"): certify its stream, one item in one process. */
    int64_t soak_samples = 0;
    if (corpus.directory &&
        wakecert_soak_stream_samples(corpus.directory, options.run.soak_hours, &soak_samples, NULL, 0) == 0) {
        options.run.soak_directory = corpus.directory;
        options.jobs = 1;
        if (options.shard || getenv("TEST_TOTAL_SHARDS") || getenv("SLURM_ARRAY_TASK_ID")) {
            fprintf(stderr, "wakecert %s: corpus %s is a soak pool, played as one stream: it cannot be sharded\n",
                    argv[0], options.corpus);
            wakecert_corpus_free(&corpus);
            engine_unload(&engine);
            free(engine_config);
            profile_free(&profile);
            return 2;
        }
    } else if (options.soak_hours_given) {
        fprintf(stderr, "wakecert %s: --soak-hours needs a soak pool as --corpus (corpus %s has no \"stream\")\n",
                argv[0], options.corpus);
        wakecert_corpus_free(&corpus);
        engine_unload(&engine);
        free(engine_config);
        profile_free(&profile);
        return 2;
    }
    char out[4096], started_at[32];
    default_out_directory(out, sizeof out, started_at, sizeof started_at);
    if (options.out)
        snprintf(out, sizeof out, "%s", options.out);
    char trace_path[4200];
    snprintf(trace_path, sizeof trace_path, "%s/trace.jsonl", out);
    status = wakecert_make_directories(out, message, sizeof message);
    struct run_summary summary = {0};
    int shard_index = 0, shard_count = 1;
    bool sharded = false;
    if (!status && options.shard) {
        status = shard_parse(options.shard, &shard_index, &shard_count, message, sizeof message);
        sharded = status == 0;
    } else if (!status) {
        int found = shard_from_environment(&shard_index, &shard_count, message, sizeof message);
        status = found < 0 ? found : 0;
        sharded = found == 1;
    }
    if (!status) {
        if (!options.quiet) {
            if (options.run.soak_directory)
                fprintf(stderr, "wakecert: %s %s on the soak stream of %s (%.2f h from a pool of %zu files)%s%s",
                        engine.table->name, engine.table->version, corpus.name, (double)soak_samples / 16000.0 / 3600.0,
                        corpus.file_count, scoring ? ", profile " : "", scoring ? profile.name : "");
            else
                fprintf(stderr, "wakecert: %s %s on corpus %s (%zu files)%s%s", engine.table->name,
                        engine.table->version, corpus.name, corpus.file_count, scoring ? ", profile " : "",
                        scoring ? profile.name : "");
        }
        if (!options.quiet && sharded)
            fprintf(stderr, ", shard %d/%d", shard_index, shard_count);
        if (!options.quiet)
            fprintf(stderr, "\n");
        status = run_to_trace(&options, &corpus, &engine, scoring ? &profile : NULL, shard_index, shard_count, out,
                              &summary, message, sizeof message);
    }
    char corpus_directory[4096];
    snprintf(corpus_directory, sizeof corpus_directory, "%s", corpus.directory ? corpus.directory : "");
    wakecert_corpus_free(&corpus);
    engine_unload(&engine);
    free(engine_config);
    if (status) {
        fprintf(stderr, "wakecert %s: %s\n", argv[0], message);
        profile_free(&profile);
        return wakecert_exit_code_for(status);
    }
    int exit_code = 0;
    if (sharded) {
        if (!options.quiet)
            printf("shard %d/%d: %s/{trace.jsonl,partial.json}; merge all shards with: wakecert merge DIR... --out DIR\n",
                   shard_index, shard_count, out);
        profile_free(&profile);
        return 0;
    }
    if (scoring)
        exit_code = score_and_write(trace_path, &profile, out, &summary, started_at,
                                    corpus_directory[0] ? corpus_directory : NULL, options.quiet);
    if (scoring && options.bundle && exit_code <= 1) {
        char manifest[4200];
        snprintf(manifest, sizeof manifest, "%s/manifest.json", corpus_directory);
        if (bundle_write(out, profile.path, access(manifest, R_OK) == 0 ? manifest : NULL, options.bundle, message,
                         sizeof message) != 0) {
            fprintf(stderr, "wakecert %s: bundle: %s\n", argv[0], message);
            exit_code = 3;
        } else if (!options.quiet)
            printf("bundle: %s (check it with: wakecert verify-bundle %s)\n", options.bundle, options.bundle);
    }
    if (!scoring && !options.quiet)
        printf("trace: %s (%.1f s of audio, %.3f s inside the engine)\n", trace_path, summary.audio_seconds,
               summary.engine_seconds);
    profile_free(&profile);
    return exit_code;
}

int wakecert_certify_main(int argc, char **argv)
{
    return certify_or_run(argc, argv, true);
}

int wakecert_run_main(int argc, char **argv)
{
    return certify_or_run(argc, argv, false);
}

int wakecert_score_main(int argc, char **argv)
{
    struct certify_options options;
    int early = parse_options(argc, argv, &options, score_usage, true);
    if (early >= 0)
        return early;
    char message[1024];
    struct profile profile;
    int status = profile_load(options.profile, &profile, message, sizeof message);
    if (status) {
        fprintf(stderr, "wakecert score: %s\n", message);
        return wakecert_exit_code_for(status);
    }
    char out[4096];
    if (options.out)
        snprintf(out, sizeof out, "%s", options.out);
    else {
        snprintf(out, sizeof out, "%s", options.trace);
        char *slash = strrchr(out, '/');
        if (slash)
            *slash = '\0';
        else
            snprintf(out, sizeof out, ".");
    }
    int exit_code = score_and_write(options.trace, &profile, out, NULL, NULL, NULL, options.quiet);
    profile_free(&profile);
    return exit_code;
}

int wakecert_merge_main(int argc, char **argv)
{
    static const char usage[] =
        "usage: wakecert merge DIR... --out DIR [--quiet]\n"
        "\n"
        "Merge the partial results of the shards of one run (each DIR written by wakecert certify --shard K/N)\n"
        "into the results an unsharded run writes: trace.jsonl, results.json, junit.xml, summary.md, report.html.\n"
        "Refuses shards of different runs, and missing, duplicated or corrupted shards.\n"
        "exit status: 0 pass, 1 fail, 2 bad usage or bad shards, 3 internal error\n";
    const char *out = NULL;
    bool quiet = false;
    const char *directories[4096];
    size_t directory_count = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage, stdout);
            return 0;
        } else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
            out = argv[++i];
        else if (strcmp(argv[i], "--quiet") == 0)
            quiet = true;
        else if (argv[i][0] == '-') {
            fprintf(stderr, "wakecert merge: unknown option \"%s\"\n%s", argv[i], usage);
            return 2;
        } else if (directory_count < sizeof directories / sizeof directories[0])
            directories[directory_count++] = argv[i];
    }
    if (!out || directory_count == 0) {
        fprintf(stderr, "wakecert merge: give the shard directories and --out DIR\n%s", usage);
        return 2;
    }
    char message[1024];
    cJSON *identity = NULL;
    int count = -1;
    bool *seen = NULL;
    static char trace_paths[4096][4200];
    const char *paths[4096];
    int status = 0;
    for (size_t d = 0; d < directory_count && !status; d++) {
        char partial_path[4200];
        snprintf(partial_path, sizeof partial_path, "%s/partial.json", directories[d]);
        snprintf(trace_paths[d], sizeof trace_paths[d], "%s/trace.jsonl", directories[d]);
        paths[d] = trace_paths[d];
        cJSON *partial = NULL;
        status = wakecert_json_load_file(partial_path, &partial, message, sizeof message);
        if (status)
            break;
        const char *schema = wakecert_json_string(partial, "schema");
        const cJSON *shard = cJSON_GetObjectItem(partial, "shard");
        int index = (int)wakecert_json_number(shard, "index", -1), shards = (int)wakecert_json_number(shard, "count", -1);
        const char *recorded = wakecert_json_string(partial, "trace_sha256");
        char hex[WAKECERT_SHA256_HEX_SIZE] = "";
        if (!schema || strcmp(schema, WAKECERT_PARTIAL_SCHEMA) != 0 || shards < 1 || index < 0 || index >= shards)
            status = wakecert_set_error(message, sizeof message, WAKECERT_ERROR_FORMAT,
                                        "%s: not a wakecert partial result", partial_path);
        else if (!recorded || wakecert_sha256_file(trace_paths[d], hex, NULL, 0) != 0 || strcmp(hex, recorded) != 0)
            status = wakecert_set_error(message, sizeof message, WAKECERT_ERROR_FORMAT,
                                        "%s: trace.jsonl is missing or changed since the shard finished (re-run the shard)",
                                        directories[d]);
        else if (!identity) {
            identity = cJSON_Duplicate(cJSON_GetObjectItem(partial, "identity"), 1);
            count = shards;
            seen = calloc((size_t)count, sizeof *seen);
        } else if (!cJSON_Compare(identity, cJSON_GetObjectItem(partial, "identity"), 1))
            status = wakecert_set_error(message, sizeof message, WAKECERT_ERROR_FORMAT,
                                        "%s: a shard of another run (engine, corpus, profile, options or wakecert revision "
                                        "differ from %s)",
                                        directories[d], directories[0]);
        else if (shards != count)
            status = wakecert_set_error(message, sizeof message, WAKECERT_ERROR_FORMAT,
                                        "%s: shard of %d, the others are of %d", directories[d], shards, count);
        if (!status && seen[index])
            status = wakecert_set_error(message, sizeof message, WAKECERT_ERROR_FORMAT, "%s: shard %d/%d given twice",
                                        directories[d], index, count);
        if (!status)
            seen[index] = true;
        cJSON_Delete(partial);
    }
    for (int k = 0; !status && k < count; k++)
        if (!seen[k])
            status = wakecert_set_error(message, sizeof message, WAKECERT_ERROR_FORMAT,
                                        "shard %d/%d is missing (give every shard's directory)", k, count);
    struct profile profile = {0};
    const char *profile_name = identity ? wakecert_json_string(identity, "profile") : NULL;
    if (!status && !profile_name)
        status = wakecert_set_error(message, sizeof message, WAKECERT_ERROR_USAGE,
                                    "the shards were made with wakecert run (no profile): use certify --shard");
    if (!status)
        status = profile_load(profile_name, &profile, message, sizeof message);
    if (!status && strcmp(profile.sha256, wakecert_json_string(identity, "profile_sha256")) != 0)
        status = wakecert_set_error(message, sizeof message, WAKECERT_ERROR_FORMAT,
                                    "profile %s changed since the shards ran", profile_name);
    char trace_path[4200];
    snprintf(trace_path, sizeof trace_path, "%s/trace.jsonl", out);
    if (!status)
        status = wakecert_make_directories(out, message, sizeof message);
    if (!status)
        status = shard_merge_traces(paths, directory_count, trace_path, message, sizeof message);
    cJSON_Delete(identity);
    free(seen);
    if (status) {
        fprintf(stderr, "wakecert merge: %s\n", message);
        profile_free(&profile);
        return wakecert_exit_code_for(status);
    }
    int exit_code = score_and_write(trace_path, &profile, out, NULL, NULL, NULL, quiet);
    profile_free(&profile);
    return exit_code;
}
