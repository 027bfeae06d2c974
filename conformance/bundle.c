/*
 * Writing and verifying certification bundles (see bundle.h), with libarchive for the tar.gz.
 *
 * The checks in verify are chosen so that each way of cheating named in the issue shows: a tampered
 * results.json no longer equals the re-scored trace; a trimmed trace no longer covers every file of
 * the corpus manifest (or no longer gives the bundled results); a swapped corpus manifest no longer
 * has the hash the results name; an edited profile is no longer the shipped one; SHA256SUMS catches
 * any member changed after packing. (A bundle whose every member, sums included, was rewritten
 * consistently would need a signature to catch; statement.md is where a certifier signs.)
 */
#define _POSIX_C_SOURCE 200809L
#include "bundle.h"
#include "runner.h"

#include "error.h"
#include "files.h"
#include "json.h"
#include "profile.h"
#include "results.h"
#include "scorer.h"
#include "sha256.h"
#include "trace.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef WAKECERT_BUILD_FLAGS
#define WAKECERT_BUILD_FLAGS "unknown"
#endif
#ifndef WAKECERT_COMPILER
#define WAKECERT_COMPILER "unknown"
#endif

struct member {
    const char *name;
    char *data;
    size_t size;
};

static int add_member(struct archive *archive, const struct member *member)
{
    struct archive_entry *entry = archive_entry_new();
    archive_entry_set_pathname(entry, member->name);
    archive_entry_set_size(entry, (la_int64_t)member->size);
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, 0644);
    archive_entry_set_mtime(entry, 0, 0); /* reproducible bundles */
    int status = archive_write_header(archive, entry);
    if (status == ARCHIVE_OK && member->size &&
        archive_write_data(archive, member->data, member->size) != (la_ssize_t)member->size)
        status = ARCHIVE_FATAL;
    archive_entry_free(entry);
    return status == ARCHIVE_OK ? 0 : -1;
}

int bundle_write(const char *out_directory, const char *profile_path, const char *corpus_manifest_path,
                 const char *bundle_path, char *message, size_t message_size)
{
    static const char *const outputs[] = {"results.json", "junit.xml", "summary.md", "report.html", "trace.jsonl"};
    struct member members[16];
    size_t count = 0;
    int status = 0;
    for (size_t i = 0; i < sizeof outputs / sizeof outputs[0] && !status; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", out_directory, outputs[i]);
        members[count].name = outputs[i];
        status = wakecert_read_file(path, &members[count].data, &members[count].size, message, message_size);
        if (!status)
            count++;
    }
    if (!status) {
        members[count].name = "profile.json";
        status = wakecert_read_file(profile_path, &members[count].data, &members[count].size, message, message_size);
        if (!status)
            count++;
    }
    if (!status && corpus_manifest_path) {
        members[count].name = "corpus-manifest.json";
        status = wakecert_read_file(corpus_manifest_path, &members[count].data, &members[count].size, message,
                                    message_size);
        if (!status)
            count++;
    }
    cJSON *results = NULL;
    if (!status)
        status = wakecert_json_parse(members[0].data, "results.json", &results, message, message_size);
    if (!status) {
        cJSON *build = cJSON_CreateObject();
        cJSON_AddStringToObject(build, "wakecert_version", WAKECERT_VERSION);
        cJSON_AddStringToObject(build, "wakecert_revision", WAKECERT_REVISION);
        cJSON_AddStringToObject(build, "compiler", WAKECERT_COMPILER);
        cJSON_AddStringToObject(build, "flags", WAKECERT_BUILD_FLAGS);
        members[count].name = "build-info.json";
        members[count].data = cJSON_Print(build);
        members[count].size = strlen(members[count].data);
        count++;
        cJSON_Delete(build);
        const cJSON *engine = cJSON_GetObjectItem(results, "engine");
        const cJSON *corpus = cJSON_GetObjectItem(results, "corpus");
        const cJSON *profile = cJSON_GetObjectItem(results, "profile");
        char statement[4096];
        snprintf(statement, sizeof statement,
                 "# Certification statement\n\n"
                 "I, the undersigned, state that the results in this bundle were produced by running\n"
                 "wakecert %s (revision %s) unmodified on the engine named below, with the corpus and profile\n"
                 "named below, and that no file in this bundle was edited after the run.\n\n"
                 "- engine: %s %s, sha256 %s\n- corpus: %s, manifest sha256 %s\n- profile: %s %s, sha256 %s\n"
                 "- verdict: %s\n\nName: ____________________  Organisation: ____________________  Date: __________\n"
                 "Signature: ____________________\n",
                 WAKECERT_VERSION, WAKECERT_REVISION, wakecert_json_string(engine, "name"),
                 wakecert_json_string(engine, "version"), wakecert_json_string(engine, "sha256"),
                 wakecert_json_string(corpus, "name"), wakecert_json_string(corpus, "sha256"),
                 wakecert_json_string(profile, "name"), wakecert_json_string(profile, "version"),
                 wakecert_json_string(profile, "sha256"), wakecert_json_string(results, "verdict"));
        members[count].name = "statement.md";
        members[count].data = strdup(statement);
        members[count].size = strlen(statement);
        count++;
        /* SHA256SUMS over every member (sha256sum -c format). */
        size_t capacity = 128 * (count + 1), used = 0;
        char *sums = malloc(capacity);
        for (size_t i = 0; i < count; i++) {
            char hex[WAKECERT_SHA256_HEX_SIZE];
            wakecert_sha256_buffer(members[i].data, members[i].size, hex);
            used += (size_t)snprintf(sums + used, capacity - used, "%s  %s\n", hex, members[i].name);
        }
        members[count].name = "SHA256SUMS";
        members[count].data = sums;
        members[count].size = used;
        count++;
    }
    cJSON_Delete(results);

    struct wakecert_atomic_file file;
    if (!status)
        status = wakecert_atomic_open(&file, bundle_path, message, message_size);
    if (!status) {
        struct archive *archive = archive_write_new();
        archive_write_add_filter_gzip(archive);
        archive_write_set_format_pax_restricted(archive);
        bool failed = archive_write_open_FILE(archive, file.stream) != ARCHIVE_OK;
        for (size_t i = 0; i < count && !failed; i++)
            failed = add_member(archive, &members[i]) != 0;
        failed |= archive_write_close(archive) != ARCHIVE_OK;
        if (failed)
            snprintf(message, message_size, "%s: %s", bundle_path, archive_error_string(archive));
        archive_write_free(archive);
        if (failed) {
            wakecert_atomic_abort(&file);
            status = WAKECERT_ERROR_IO;
        } else
            status = wakecert_atomic_commit(&file, message, message_size);
    }
    for (size_t i = 0; i < count; i++)
        free(members[i].data);
    return status;
}

/* ---- verification ------------------------------------------------------------------------------ */

struct bundle_contents {
    struct member members[16];
    size_t count;
};

static const struct member *find_member(const struct bundle_contents *bundle, const char *name)
{
    for (size_t i = 0; i < bundle->count; i++)
        if (strcmp(bundle->members[i].name, name) == 0)
            return &bundle->members[i];
    return NULL;
}

static int read_bundle(const char *path, struct bundle_contents *bundle, char *message, size_t message_size)
{
    memset(bundle, 0, sizeof *bundle);
    struct archive *archive = archive_read_new();
    archive_read_support_filter_all(archive);
    archive_read_support_format_tar(archive);
    if (archive_read_open_filename(archive, path, 65536) != ARCHIVE_OK) {
        snprintf(message, message_size, "%s: %s", path, archive_error_string(archive));
        archive_read_free(archive);
        return WAKECERT_ERROR_IO;
    }
    struct archive_entry *entry;
    int status = 0;
    while (archive_read_next_header(archive, &entry) == ARCHIVE_OK) {
        if (bundle->count == sizeof bundle->members / sizeof bundle->members[0]) {
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: too many members", path);
            break;
        }
        const char *name = archive_entry_pathname(entry);
        la_int64_t size = archive_entry_size(entry);
        if (size < 0 || size > (la_int64_t)1 << 32) {
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: member %s has a bad size",
                                        path, name ? name : "(unnamed)");
            break;
        }
        struct member *member = &bundle->members[bundle->count];
        member->name = strdup(name ? name : "");
        bundle->count++;
        /* Grow with the data actually read: a header may claim gigabytes the archive does not hold. */
        size_t capacity = size < (1 << 20) ? (size_t)size + 1 : (size_t)1 << 20, used = 0;
        member->data = malloc(capacity);
        while (member->data && used < (size_t)size) {
            if (used + 1 == capacity) {
                size_t bigger = capacity * 2 > (size_t)size + 1 ? (size_t)size + 1 : capacity * 2;
                char *grown = realloc(member->data, bigger);
                if (!grown)
                    break;
                member->data = grown;
                capacity = bigger;
            }
            la_ssize_t got = archive_read_data(archive, member->data + used, capacity - 1 - used);
            if (got <= 0)
                break;
            used += (size_t)got;
        }
        member->size = used;
        if (!member->name || !member->data || used != (size_t)size) {
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: member %s is truncated",
                                        path, member->name ? member->name : "?");
            break;
        }
        member->data[size] = '\0';
    }
    archive_read_free(archive);
    return status;
}

static void free_bundle(struct bundle_contents *bundle)
{
    for (size_t i = 0; i < bundle->count; i++) {
        free((char *)bundle->members[i].name);
        free(bundle->members[i].data);
    }
}

static int failures;
static bool quiet_output;

static void check(bool holds, const char *format, ...) __attribute__((format(printf, 2, 3)));
static void check(bool holds, const char *format, ...)
{
    char text[1024];
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(text, sizeof text, format, arguments);
    va_end(arguments);
    if (!holds)
        failures++;
    if (!holds || !quiet_output)
        printf("%s  %s\n", holds ? "ok  " : "FAIL", text);
}

/* Write a member to a temporary file (trace_read and profile_load read files). */
static int member_to_file(const struct member *member, const char *directory, char *path, size_t path_size)
{
    snprintf(path, path_size, "%s/%s", directory, member->name);
    return wakecert_write_file_atomic(path, member->data, member->size, NULL, 0);
}

static bool same_requirements(const cJSON *bundled, const cJSON *rescored, char *difference, size_t difference_size)
{
    if (strcmp(wakecert_json_string(bundled, "verdict") ? wakecert_json_string(bundled, "verdict") : "",
               wakecert_json_string(rescored, "verdict")) != 0) {
        const char *verdict = wakecert_json_string(bundled, "verdict");
        snprintf(difference, difference_size, "verdict %s, the trace gives %s", verdict ? verdict : "(none)",
                 wakecert_json_string(rescored, "verdict"));
        return false;
    }
    const cJSON *a = cJSON_GetObjectItem(bundled, "requirements"), *b = cJSON_GetObjectItem(rescored, "requirements");
    if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b)) {
        snprintf(difference, difference_size, "%d requirements, the trace gives %d", cJSON_GetArraySize(a),
                 cJSON_GetArraySize(b));
        return false;
    }
    for (int i = 0; i < cJSON_GetArraySize(a); i++)
        if (!cJSON_Compare(cJSON_GetArrayItem(a, i), cJSON_GetArrayItem(b, i), 1)) {
            snprintf(difference, difference_size, "%s differs from what the trace gives",
                     wakecert_json_string(cJSON_GetArrayItem(b, i), "id"));
            return false;
        }
    return true;
}

int wakecert_verify_bundle_main(int argc, char **argv)
{
    const char *path = NULL;
    quiet_output = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: wakecert verify-bundle BUNDLE.tar.gz [--quiet]\n\n"
                   "Checks a certification bundle: every member against SHA256SUMS, the results against the trace\n"
                   "re-scored under the bundled profile, the trace against the bundled corpus manifest, the profile\n"
                   "against the shipped one, and that the mustpass list was run complete.\n"
                   "exit status: 0 every check holds, 1 a check fails, 2 bad usage or an unreadable bundle\n");
            return 0;
        }
        if (strcmp(argv[i], "--quiet") == 0)
            quiet_output = true;
        else if (!path)
            path = argv[i];
        else {
            fprintf(stderr, "wakecert verify-bundle: unexpected argument \"%s\"\n", argv[i]);
            return 2;
        }
    }
    if (!path) {
        fprintf(stderr, "wakecert verify-bundle: which bundle? (wakecert verify-bundle BUNDLE.tar.gz)\n");
        return 2;
    }
    char message[1024];
    struct bundle_contents bundle;
    if (read_bundle(path, &bundle, message, sizeof message) != 0) {
        fprintf(stderr, "wakecert verify-bundle: %s\n", message);
        free_bundle(&bundle);
        return 2;
    }
    failures = 0;
    static const char *const required[] = {"results.json", "trace.jsonl", "junit.xml", "summary.md", "profile.json",
                                           "build-info.json", "statement.md", "SHA256SUMS"};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        check(find_member(&bundle, required[i]) != NULL, "member %s present", required[i]);
    const struct member *sums = find_member(&bundle, "SHA256SUMS");
    const struct member *results_member = find_member(&bundle, "results.json");
    const struct member *trace_member = find_member(&bundle, "trace.jsonl");
    const struct member *profile_member = find_member(&bundle, "profile.json");
    if (failures) {
        free_bundle(&bundle);
        printf("verify-bundle: %d check(s) failed\n", failures);
        return 1;
    }
    /* 1. Every member matches SHA256SUMS, and SHA256SUMS lists every member. */
    size_t listed = 0;
    for (char *line = sums->data; line && *line;) {
        char *end = strchr(line, '\n');
        if (end)
            *end = '\0';
        char hex[65], name[256];
        if (sscanf(line, "%64s  %255s", hex, name) == 2) {
            listed++;
            const struct member *member = find_member(&bundle, name);
            char actual[WAKECERT_SHA256_HEX_SIZE] = "";
            if (member)
                wakecert_sha256_buffer(member->data, member->size, actual);
            check(member && strcmp(actual, hex) == 0, "%s matches its SHA-256 in SHA256SUMS", name);
        }
        line = end ? end + 1 : NULL;
    }
    check(listed + 1 == bundle.count, "SHA256SUMS lists every member (%zu of %zu)", listed, bundle.count - 1);

    char directory[] = "/tmp/wakecert-verify-XXXXXX";
    if (!mkdtemp(directory)) {
        fprintf(stderr, "wakecert verify-bundle: cannot create a temporary directory\n");
        free_bundle(&bundle);
        return 2;
    }
    char trace_path[4200], profile_path[4200];
    member_to_file(trace_member, directory, trace_path, sizeof trace_path);
    member_to_file(profile_member, directory, profile_path, sizeof profile_path);
    cJSON *results = cJSON_Parse(results_member->data);
    struct profile profile = {0};
    struct trace trace = {0};
    bool have_profile = profile_load(profile_path, &profile, message, sizeof message) == 0;
    check(have_profile, "the bundled profile loads%s%s", have_profile ? "" : ": ", have_profile ? "" : message);
    bool have_trace = trace_read(trace_path, &trace, message, sizeof message) == 0;
    check(have_trace, "the bundled trace reads%s%s", have_trace ? "" : ": ", have_trace ? "" : message);
    check(results != NULL, "results.json parses");

    if (have_profile && results) {
        /* 2. The profile is the shipped one of that name and version, byte for byte. */
        struct profile shipped = {0};
        char shipped_message[512];
        bool known = profile_load(profile.name, &shipped, shipped_message, sizeof shipped_message) == 0;
        check(known && strcmp(shipped.sha256, profile.sha256) == 0 && strcmp(shipped.version, profile.version) == 0,
              "profile %s %s is the shipped one, unmodified", profile.name, profile.version);
        profile_free(&shipped);
        const cJSON *named = cJSON_GetObjectItem(results, "profile");
        check(strcmp(wakecert_json_string(named, "sha256") ? wakecert_json_string(named, "sha256") : "", profile.sha256) == 0,
              "results name the bundled profile's hash");
        /* 3. The mustpass list was run complete: every profile requirement has a result. */
        const cJSON *entry;
        size_t missing = 0;
        cJSON_ArrayForEach(entry, profile.requirements)
        {
            const char *id = wakecert_json_string(entry, "id");
            bool found = false;
            const cJSON *result;
            cJSON_ArrayForEach(result, cJSON_GetObjectItem(results, "requirements"))
            {
                const char *result_id = wakecert_json_string(result, "id"); /* may be missing in a bad bundle */
                found |= result_id && strcmp(result_id, id) == 0;
            }
            missing += !found;
        }
        check(missing == 0, "every requirement of the profile has a result (%zu missing)", missing);
    }
    if (have_profile && have_trace && results) {
        /* 4. The results are exactly what the trace gives under the profile. */
        struct wakecert_results rescored = {0};
        bool scored = score_trace(&trace, &profile, &rescored, message, sizeof message) == 0;
        cJSON *tree = scored ? wakecert_results_to_json(&rescored) : NULL;
        char difference[512] = "";
        check(scored && same_requirements(results, tree, difference, sizeof difference),
              "results.json equals the trace re-scored under the profile%s%s", difference[0] ? ": " : "", difference);
        cJSON_Delete(tree);
        wakecert_results_free(&rescored);
        /* 5. The identities agree: engine and corpus hashes in results and trace. */
        const cJSON *engine = cJSON_GetObjectItem(results, "engine");
        const cJSON *corpus = cJSON_GetObjectItem(results, "corpus");
        check(strcmp(wakecert_json_string(engine, "sha256") ? wakecert_json_string(engine, "sha256") : "",
                     trace.engine_sha256) == 0,
              "the engine hash in results.json is the one the trace recorded");
        check(strcmp(wakecert_json_string(corpus, "sha256") ? wakecert_json_string(corpus, "sha256") : "",
                     trace.corpus_sha256) == 0,
              "the corpus hash in results.json is the one the trace recorded");
        /* 6. The corpus manifest is the one named, and the trace covers every file of it. */
        const struct member *manifest_member = find_member(&bundle, "corpus-manifest.json");
        if (manifest_member) {
            char manifest_hash[WAKECERT_SHA256_HEX_SIZE];
            wakecert_sha256_buffer(manifest_member->data, manifest_member->size, manifest_hash);
            check(strcmp(manifest_hash, trace.corpus_sha256) == 0, "the bundled corpus manifest has the hash the run used");
            cJSON *manifest = cJSON_Parse(manifest_member->data);
            size_t files = 0, covered = 0;
            const cJSON *file;
            /* A soak pool is certified as its stream, one item played to its end (its files are not run). */
            if (cJSON_IsObject(cJSON_GetObjectItem(manifest, "stream"))) {
                files = 1;
                for (size_t f = 0; f < trace.file_count && !covered; f++)
                    covered = strcmp(trace.files[f].pass, "main") == 0 &&
                              strcmp(trace.files[f].name, RUN_SOAK_ITEM_NAME) == 0 && trace.files[f].ended &&
                              trace.files[f].processed == trace.files[f].samples && trace.files[f].samples > 0;
            }
            cJSON *manifest_files = files ? NULL : cJSON_GetObjectItem(manifest, "files");
            cJSON_ArrayForEach(file, manifest_files)
            {
                files++;
                const char *name = wakecert_json_string(file, "path");
                double samples = wakecert_json_number(file, "samples", -1);
                for (size_t f = 0; name && f < trace.file_count; f++)
                    if (strcmp(trace.files[f].pass, "main") == 0 && strcmp(trace.files[f].name, name) == 0 &&
                        trace.files[f].ended && (double)trace.files[f].samples == samples) {
                        covered++;
                        break;
                    }
            }
            cJSON_Delete(manifest);
            check(files > 0 && covered == files, "the trace runs every corpus file to its end (%zu of %zu)", covered, files);
        } else
            check(false, "the bundle holds the corpus manifest (corpus-manifest.json)");
    }
    cJSON_Delete(results);
    trace_free(&trace);
    profile_free(&profile);
    unlink(trace_path);
    unlink(profile_path);
    rmdir(directory);
    free_bundle(&bundle);
    printf("verify-bundle: %s (%d check(s) failed)\n", failures ? "FAIL" : "PASS", failures);
    return failures ? 1 : 0;
}
