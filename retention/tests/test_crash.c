/*
 * Crash safety of the reference store: 200 trials, each a fresh store served in a child process over
 * the exec: protocol (synchronous=full), fed a sequence of committed operations and killed with SIGKILL
 * at a random point (between calls or in the middle of one). The store is reopened in-process and its
 * listing must equal exactly the state after the acknowledged calls, or after one more (the call in
 * flight committed) — no committed item lost, no deleted item back, no half-done call. Audio files on
 * disk must match the listed audio exactly (no orphan and no missing file).
 */
#define _POSIX_C_SOURCE 200809L
#include "store_adapter.h"
#include "store_ref.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define OPS 14
#define IDS 10

/* One operation as a request line and its effect on the model (bit i = recording r<i> present). */
struct op {
    char line[256];
    unsigned (*apply)(unsigned model, int argument);
    int argument;
};

static unsigned add_recording(unsigned model, int id) { return model | 1u << id; }
static unsigned remove_recording(unsigned model, int id) { return model & ~(1u << id); }
static unsigned remove_all(unsigned model, int unused) { (void)unused; return 0; }
static unsigned no_change(unsigned model, int unused) { (void)unused; return model; }

struct listing {
    unsigned audio, transcript;
    int other;
};

static void collect(void *ctx, const struct wakecert_store_item *item)
{
    struct listing *listing = ctx;
    int id = atoi(item->id + 1);
    if (item->kind == WAKECERT_ITEM_AUDIO)
        listing->audio |= 1u << id;
    else if (item->kind == WAKECERT_ITEM_TRANSCRIPT)
        listing->transcript |= 1u << id;
    else
        listing->other++;
}

static int count_files(const char *directory)
{
    DIR *dir = opendir(directory);
    if (!dir)
        return -1;
    int count = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL)
        count += entry->d_name[0] != '.';
    closedir(dir);
    return count;
}

static int build_ops(struct op *ops, unsigned *seed)
{
    int n = 0, next_id = 0;
    snprintf(ops[n].line, sizeof ops[n].line, "{\"op\":\"create_account\",\"now\":1000,\"account\":\"a\",\"marketplace\":\"uk\"}");
    ops[n].apply = no_change;
    n++;
    int64_t now = 2000;
    while (n < OPS) {
        int dice = rand_r(seed) % 10;
        now += 60;
        if (dice < 6 && next_id < IDS) {
            snprintf(ops[n].line, sizeof ops[n].line,
                     "{\"op\":\"record_request\",\"now\":%lld,\"request\":{\"id\":\"r%d\",\"account\":\"a\","
                     "\"marketplace\":\"uk\",\"audio_hex\":\"00112233445566778899aabbccddeeff\",\"transcript\":\"t\"}}",
                     (long long)now, next_id);
            ops[n].apply = add_recording;
            ops[n].argument = next_id++;
        } else if (dice < 9 && next_id > 0) {
            int id = rand_r(seed) % next_id;
            snprintf(ops[n].line, sizeof ops[n].line,
                     "{\"op\":\"delete_recording\",\"now\":%lld,\"account\":\"a\",\"id\":\"r%d\"}", (long long)now, id);
            ops[n].apply = remove_recording;
            ops[n].argument = id;
        } else {
            snprintf(ops[n].line, sizeof ops[n].line,
                     "{\"op\":\"delete_all\",\"now\":%lld,\"account\":\"a\",\"marketplace\":\"uk\"}", (long long)now);
            ops[n].apply = remove_all;
        }
        n++;
    }
    return n;
}

TestSuite(crash, .timeout = 110);

Test(crash, sigkill_at_random_points_loses_nothing_committed_and_resurrects_nothing)
{
    const char *tmp = getenv("TMPDIR");
    unsigned seed = 12345;
    int trials = 0, in_flight_committed = 0, in_flight_lost = 0;
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (int trial = 0; trial < 200; trial++) {
        char directory[512];
        snprintf(directory, sizeof directory, "%s/crash-XXXXXX", tmp ? tmp : "/tmp");
        cr_assert_not_null(mkdtemp(directory));
        struct op ops[OPS];
        const int op_count = build_ops(ops, &seed);
        const int acknowledged = rand_r(&seed) % op_count; /* calls answered before the kill */
        int to_child[2], from_child[2];
        cr_assert_eq(pipe(to_child), 0);
        cr_assert_eq(pipe(from_child), 0);
        pid_t pid = fork();
        cr_assert_geq(pid, 0);
        if (pid == 0) {
            close(to_child[1]);
            close(from_child[0]);
            FILE *in = fdopen(to_child[0], "r"), *out = fdopen(from_child[1], "w");
            store_serve(wakecert_store_reference_table(), NULL, in, out);
            _exit(0);
        }
        close(to_child[0]);
        close(from_child[1]);
        FILE *to = fdopen(to_child[1], "w"), *from = fdopen(from_child[0], "r");
        char reply[4096];
        fprintf(to, "{\"op\":\"open\",\"config\":{\"directory\":\"%s\",\"synchronous\":\"full\"}}\n", directory);
        fflush(to);
        cr_assert_not_null(fgets(reply, sizeof reply, from));
        cr_assert(strstr(reply, "\"ok\":true"), "open: %s", reply);
        unsigned model = 0;
        for (int i = 0; i < acknowledged; i++) {
            fprintf(to, "%s\n", ops[i].line);
            fflush(to);
            cr_assert_not_null(fgets(reply, sizeof reply, from), "trial %d op %d: no reply", trial, i);
            cr_assert(strstr(reply, "\"ok\":true") || strstr(reply, "not_found"), "trial %d op %d: %s", trial, i, reply);
            model = ops[i].apply(model, ops[i].argument);
        }
        /* The call in flight: sent, then killed after a random delay (0 to ~2 ms). */
        fprintf(to, "%s\n", ops[acknowledged].line);
        fflush(to);
        struct timespec delay = {0, (long)(rand_r(&seed) % 2000) * 1000L};
        nanosleep(&delay, NULL);
        kill(pid, SIGKILL);
        int wstatus;
        waitpid(pid, &wstatus, 0);
        fclose(to);
        fclose(from);
        const unsigned after = ops[acknowledged].apply(model, ops[acknowledged].argument);

        const struct wakecert_store_table *table = wakecert_store_reference_table();
        wakecert_store *store;
        char config[600], message[256];
        snprintf(config, sizeof config, "{\"directory\":\"%s\"}", directory);
        cr_assert_eq(table->open(NULL, config, &store, message, sizeof message), 0, "reopen: %s", message);
        struct listing listing = {0};
        cr_assert_eq(table->list_items(store, 1000000, NULL, collect, &listing), 0);
        table->close(store);
        cr_assert(listing.audio == listing.transcript, "trial %d: audio %#x and transcripts %#x disagree", trial,
                  listing.audio, listing.transcript);
        cr_assert(listing.audio == model || listing.audio == after,
                  "trial %d (killed during op %d): store holds %#x, expected %#x (before) or %#x (after)", trial,
                  acknowledged, listing.audio, model, after);
        in_flight_committed += listing.audio == after && after != model;
        in_flight_lost += listing.audio == model && after != model;
        char audio_directory[600];
        snprintf(audio_directory, sizeof audio_directory, "%s/audio", directory);
        cr_assert_eq(count_files(audio_directory), __builtin_popcount(listing.audio),
                     "trial %d: audio files on disk do not match the listing", trial);
        char command[700];
        snprintf(command, sizeof command, "rm -rf '%s'", directory);
        cr_assert_eq(system(command), 0);
        trials++;
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    const double seconds = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
    fprintf(stderr, "crash: %d SIGKILL trials in %.1f s (in-flight call committed %d times, rolled back %d times)\n",
            trials, seconds, in_flight_committed, in_flight_lost);
    cr_expect_eq(trials, 200);
}
