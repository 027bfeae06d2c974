/*
 * The reference voice-history store (see store_ref.h and include/wakecert/store.h), over SQLite.
 *
 * Layout on disk, inside the directory the harness gives: `history.db` (SQLite, WAL mode) and
 * `audio/<seq>.pcm`, one file per kept recording. Tables: accounts (with their settings), recordings
 * (one row per request: audio file name, transcript, and when each part expires), last_request (the
 * most recent request per account and marketplace, for "delete what I just said" even when that
 * request's row is already gone), profiles (voice and visual ID with last recognition and expiry) and
 * actions (timers, reminders ... which outlive the recordings).
 *
 * Deadlines are stored, not recomputed: each part has an `expires` time computed in C with exact
 * calendar months (civil_time.h; SQLite's own '+3 months' rolls 30 November over to 2 March) and
 * recomputed, through the SQL function wc_add_months, when the account's policy changes. Every call
 * first sweeps what `now` made due, so deletion happens at the first call at or after the deadline.
 *
 * Durability: every call is one transaction (BEGIN IMMEDIATE ... COMMIT). An audio file is written
 * and fsynced before the transaction that references it commits; a deleted file is unlinked after the
 * transaction that dropped its row commits. A crash between the two leaves only an unreferenced file,
 * which open() removes. So a committed recording always has its audio, and a deleted one never comes
 * back. PRAGMA secure_delete overwrites deleted rows in the database file.
 *
 * Workload: the randomized 4-year scenario makes tens of thousands of calls; each is a handful of
 * indexed statements. "synchronous": "normal" in the configuration trades power-loss durability
 * (not process-crash durability, which WAL keeps) for speed in long simulations.
 */
#define _POSIX_C_SOURCE 200809L
#include "store_ref.h"

#include "civil_time.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STORE_PATH_MAX 4096

struct wakecert_store {
    sqlite3 *db;
    char directory[STORE_PATH_MAX];
    char audio_directory[STORE_PATH_MAX + 16];
    struct wakecert_store_host host;
    unsigned faults;
    int sync_files;
    sqlite3_stmt *sweep_statements[5]; /* prepared once: the sweep runs at every call */
    char **unlink_after_commit; /* audio files whose rows the current transaction drops */
    size_t unlink_count, unlink_capacity;
};

/* ---- small helpers ---------------------------------------------------------------------------- */

/* Prepare a statement; returns NULL on failure (a programming error in our SQL, or out of memory). */
static sqlite3_stmt *prepare(struct wakecert_store *store, const char *sql)
{
    sqlite3_stmt *statement = NULL;
    if (sqlite3_prepare_v2(store->db, sql, -1, &statement, NULL) != SQLITE_OK)
        return NULL;
    return statement;
}

/* Run SQL without results. Returns 0 or WAKECERT_STORE_ERROR_IO. */
static int exec_sql(struct wakecert_store *store, const char *sql)
{
    return sqlite3_exec(store->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : WAKECERT_STORE_ERROR_IO;
}

/* Remember a file to unlink once the transaction commits. Returns 0 or OUT_OF_MEMORY. */
static int queue_unlink(struct wakecert_store *store, const char *file_name)
{
    if (store->unlink_count == store->unlink_capacity) {
        size_t capacity = store->unlink_capacity ? store->unlink_capacity * 2 : 16;
        char **grown = realloc(store->unlink_after_commit, capacity * sizeof *grown);
        if (!grown)
            return WAKECERT_STORE_ERROR_OUT_OF_MEMORY;
        store->unlink_after_commit = grown;
        store->unlink_capacity = capacity;
    }
    char *copy = strdup(file_name);
    if (!copy)
        return WAKECERT_STORE_ERROR_OUT_OF_MEMORY;
    store->unlink_after_commit[store->unlink_count++] = copy;
    return 0;
}

static void audio_path(const struct wakecert_store *store, const char *file_name, char *out, size_t out_size)
{
    snprintf(out, out_size, "%s/%s", store->audio_directory, file_name);
}

/* Forget queued unlinks (transaction rolled back) or perform them (committed). Cannot fail: a file
 * that cannot be removed now is unreferenced and removed by the next open(). */
static void finish_unlinks(struct wakecert_store *store, int committed)
{
    for (size_t i = 0; i < store->unlink_count; i++) {
        if (committed) {
            char path[STORE_PATH_MAX + 128];
            audio_path(store, store->unlink_after_commit[i], path, sizeof path);
            unlink(path);
        }
        free(store->unlink_after_commit[i]);
    }
    store->unlink_count = 0;
}

static int begin(struct wakecert_store *store)
{
    store->unlink_count = 0;
    return exec_sql(store, "BEGIN IMMEDIATE");
}

/* End the call's transaction: commit when status is 0, else roll back. Returns the final status. */
static int end(struct wakecert_store *store, int status)
{
    if (status == 0 && exec_sql(store, "COMMIT") != 0)
        status = WAKECERT_STORE_ERROR_IO;
    if (status != 0)
        exec_sql(store, "ROLLBACK");
    finish_unlinks(store, status == 0);
    return status;
}

/* Step a statement to completion (no rows expected). Returns 0 or IO; finalizes it. */
static int run(sqlite3_stmt *statement)
{
    if (!statement)
        return WAKECERT_STORE_ERROR_INTERNAL;
    int rc = sqlite3_step(statement);
    sqlite3_finalize(statement);
    return rc == SQLITE_DONE ? 0 : WAKECERT_STORE_ERROR_IO;
}

static int64_t add_months_for(const struct wakecert_store *store, int64_t t, int months)
{
    if (store->faults & STORE_FAULT_MONTH_END_OVERFLOW) {
        /* The fault: keep the day number and let it roll into the next month, as mktime would. */
        int64_t year;
        int month, day;
        const int64_t day_number = civil_day_start(t) / CIVIL_DAY_SECONDS;
        civil_date_from_days(day_number, &year, &month, &day);
        const int64_t first = civil_add_months(civil_days_from_date(year, month, 1) * CIVIL_DAY_SECONDS, months);
        return first + (day - 1) * (int64_t)CIVIL_DAY_SECONDS + (t - day_number * CIVIL_DAY_SECONDS);
    }
    return civil_add_months(t, months);
}

/* Months after which a policy deletes recordings, or 0 for none. */
static int policy_months(const struct wakecert_store *store, int policy)
{
    switch (policy) {
    case WAKECERT_RETENTION_AUTO_3_MONTHS: return (store->faults & STORE_FAULT_FOUR_MONTHS) ? 4 : 3;
    case WAKECERT_RETENTION_AUTO_18_MONTHS: return 18;
    default: return 0;
    }
}

static int profile_months(int kind)
{
    return kind == WAKECERT_PROFILE_VOICE ? 36 : 18;
}

/* SQL function wc_add_months(t, n): exact calendar months (with this store's faults). */
static void sql_add_months(sqlite3_context *context, int argc, sqlite3_value **argv)
{
    const struct wakecert_store *store = sqlite3_user_data(context);
    sqlite3_result_int64(context, add_months_for(store, sqlite3_value_int64(argv[0]), sqlite3_value_int(argv[1])));
}

/* ---- the sweep: delete what `now` has made due ------------------------------------------------ */

static int queue_files_of(struct wakecert_store *store, sqlite3_stmt *select)
{
    if (!select)
        return WAKECERT_STORE_ERROR_INTERNAL;
    int status = 0, rc;
    while ((rc = sqlite3_step(select)) == SQLITE_ROW) {
        const unsigned char *file_name = sqlite3_column_text(select, 0);
        if (file_name && (status = queue_unlink(store, (const char *)file_name)) != 0)
            break;
    }
    if (status == 0 && rc != SQLITE_DONE)
        status = WAKECERT_STORE_ERROR_IO;
    sqlite3_finalize(select);
    return status;
}

/* Delete every audio file, transcript and profile whose expiry is <= now, and rows left empty.
 * Runs inside the caller's transaction. Returns 0 or a negative store error. */
static const char *const sweep_sql[5] = {
    "SELECT audio_file FROM recordings WHERE audio_expires <= ?1",
    "UPDATE recordings SET audio_file = NULL, audio_expires = NULL WHERE audio_expires <= ?1",
    "UPDATE recordings SET transcript = NULL, transcript_expires = NULL WHERE transcript_expires <= ?1",
    "DELETE FROM recordings WHERE audio_file IS NULL AND transcript IS NULL AND ?1 IS NOT NULL",
    "DELETE FROM profiles WHERE expires <= ?1",
};

static int sweep(struct wakecert_store *store, int64_t now)
{
    for (int i = 0; i < 5; i++) {
        sqlite3_stmt *statement = store->sweep_statements[i];
        sqlite3_reset(statement);
        sqlite3_bind_int64(statement, 1, now);
        int rc;
        while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
            const unsigned char *file_name = sqlite3_column_text(statement, 0);
            if (file_name && queue_unlink(store, (const char *)file_name) != 0) {
                sqlite3_reset(statement);
                return WAKECERT_STORE_ERROR_OUT_OF_MEMORY;
            }
        }
        sqlite3_reset(statement);
        if (rc != SQLITE_DONE)
            return WAKECERT_STORE_ERROR_IO;
    }
    return 0;
}

/* Begin a call's transaction and sweep. Returns 0 (transaction open) or an error (none open). */
static int begin_at(struct wakecert_store *store, int64_t now)
{
    int status = begin(store);
    if (status)
        return status;
    status = sweep(store, now);
    if (status) {
        end(store, status);
        return status;
    }
    return 0;
}

/* ---- open / close ------------------------------------------------------------------------------ */

static const char *const schema_sql =
    "CREATE TABLE IF NOT EXISTS accounts(account TEXT PRIMARY KEY, marketplace TEXT NOT NULL,"
    "  retention INTEGER NOT NULL DEFAULT 0, deletion_by_voice INTEGER NOT NULL DEFAULT 0,"
    "  follow_up INTEGER NOT NULL DEFAULT 0, kid_permission INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS recordings(seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
    "  account TEXT NOT NULL, device TEXT, marketplace TEXT NOT NULL, created INTEGER NOT NULL,"
    "  kid INTEGER NOT NULL DEFAULT 0, skill TEXT, audio_file TEXT, audio_expires INTEGER,"
    "  transcript TEXT, transcript_expires INTEGER, dont_save INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS recordings_by_account ON recordings(account, marketplace, created);"
    "CREATE INDEX IF NOT EXISTS recordings_audio_expiry ON recordings(audio_expires) WHERE audio_expires IS NOT NULL;"
    "CREATE INDEX IF NOT EXISTS recordings_transcript_expiry ON recordings(transcript_expires)"
    "  WHERE transcript_expires IS NOT NULL;"
    "CREATE INDEX IF NOT EXISTS recordings_empty ON recordings(seq) WHERE audio_file IS NULL AND transcript IS NULL;"
    "CREATE TABLE IF NOT EXISTS last_request(account TEXT NOT NULL, marketplace TEXT NOT NULL, id TEXT NOT NULL,"
    "  PRIMARY KEY(account, marketplace));"
    "CREATE TABLE IF NOT EXISTS profiles(kind INTEGER NOT NULL, id TEXT NOT NULL, account TEXT NOT NULL,"
    "  created INTEGER NOT NULL, last_recognised INTEGER NOT NULL, expires INTEGER NOT NULL, PRIMARY KEY(kind, id));"
    "CREATE INDEX IF NOT EXISTS profiles_expiry ON profiles(expires);"
    "CREATE TABLE IF NOT EXISTS actions(id TEXT PRIMARY KEY, account TEXT NOT NULL, kind TEXT NOT NULL,"
    "  request_id TEXT NOT NULL, created INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS actions_by_request ON actions(request_id);";

/* Remove audio files no row references (left by a crash between a file operation and its commit),
 * and temporary files. Returns 0 or IO. */
static int remove_orphan_files(struct wakecert_store *store)
{
    DIR *directory = opendir(store->audio_directory);
    if (!directory)
        return WAKECERT_STORE_ERROR_IO;
    sqlite3_stmt *lookup = prepare(store, "SELECT 1 FROM recordings WHERE audio_file = ?1");
    if (!lookup) {
        closedir(directory);
        return WAKECERT_STORE_ERROR_INTERNAL;
    }
    struct dirent *entry;
    while ((entry = readdir(directory)) != NULL) {
        if (entry->d_name[0] == '.')
            continue;
        sqlite3_reset(lookup);
        sqlite3_bind_text(lookup, 1, entry->d_name, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(lookup) != SQLITE_ROW) {
            char path[STORE_PATH_MAX + 300];
            snprintf(path, sizeof path, "%s/%s", store->audio_directory, entry->d_name);
            unlink(path);
        }
    }
    sqlite3_finalize(lookup);
    closedir(directory);
    return 0;
}

static void ref_close(wakecert_store *store)
{
    if (!store)
        return;
    for (int i = 0; i < 5; i++)
        sqlite3_finalize(store->sweep_statements[i]);
    sqlite3_close(store->db);
    finish_unlinks(store, 0);
    free(store->unlink_after_commit);
    free(store);
}

static int open_with_faults(const struct wakecert_store_host *host, const char *config_json, unsigned faults,
                            wakecert_store **out_store, char *error_message, size_t error_message_size)
{
#define OPEN_FAIL(code, ...)                                                                                  \
    do {                                                                                                     \
        if (error_message && error_message_size)                                                             \
            snprintf(error_message, error_message_size, __VA_ARGS__);                                        \
        cJSON_Delete(config);                                                                                \
        ref_close(store);                                                                                    \
        return code;                                                                                         \
    } while (0)
    struct wakecert_store *store = NULL;
    cJSON *config = config_json ? cJSON_Parse(config_json) : NULL;
    if (!out_store)
        OPEN_FAIL(WAKECERT_STORE_ERROR_INVALID_ARGUMENT, "out_store is NULL");
    *out_store = NULL;
    if (!cJSON_IsObject(config))
        OPEN_FAIL(WAKECERT_STORE_ERROR_BAD_CONFIG, "configuration is not a JSON object");
    const cJSON *directory = cJSON_GetObjectItemCaseSensitive(config, "directory");
    if (!cJSON_IsString(directory) || strlen(directory->valuestring) > STORE_PATH_MAX - 64)
        OPEN_FAIL(WAKECERT_STORE_ERROR_BAD_CONFIG, "configuration field \"directory\" missing or not a string");
    const cJSON *synchronous = cJSON_GetObjectItemCaseSensitive(config, "synchronous");
    const char *sync_mode = cJSON_IsString(synchronous) ? synchronous->valuestring : "full";
    if (strcmp(sync_mode, "full") != 0 && strcmp(sync_mode, "normal") != 0)
        OPEN_FAIL(WAKECERT_STORE_ERROR_BAD_CONFIG, "configuration field \"synchronous\" must be \"full\" or \"normal\"");
    store = calloc(1, sizeof *store);
    if (!store)
        OPEN_FAIL(WAKECERT_STORE_ERROR_OUT_OF_MEMORY, "out of memory");
    store->faults = faults;
    store->sync_files = strcmp(sync_mode, "full") == 0;
    if (host)
        memcpy(&store->host, host, host->struct_size < sizeof store->host ? host->struct_size : sizeof store->host);
    snprintf(store->directory, sizeof store->directory, "%s", directory->valuestring);
    snprintf(store->audio_directory, sizeof store->audio_directory, "%s/audio", store->directory);
    if (mkdir(store->audio_directory, 0700) != 0 && errno != EEXIST)
        OPEN_FAIL(WAKECERT_STORE_ERROR_IO, "%s: cannot create: %s", store->audio_directory, strerror(errno));
    char database_path[STORE_PATH_MAX + 32];
    snprintf(database_path, sizeof database_path, "%s/history.db", store->directory);
    if (sqlite3_open_v2(database_path, &store->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
        OPEN_FAIL(WAKECERT_STORE_ERROR_IO, "%s: %s", database_path, sqlite3_errmsg(store->db));
    sqlite3_busy_timeout(store->db, 5000);
    char pragmas[256];
    snprintf(pragmas, sizeof pragmas, "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s; PRAGMA secure_delete=ON;",
             sync_mode);
    if (sqlite3_exec(store->db, pragmas, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(store->db, schema_sql, NULL, NULL, NULL) != SQLITE_OK)
        OPEN_FAIL(WAKECERT_STORE_ERROR_IO, "%s: %s", database_path, sqlite3_errmsg(store->db));
    if (sqlite3_create_function(store->db, "wc_add_months", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, store,
                                sql_add_months, NULL, NULL) != SQLITE_OK)
        OPEN_FAIL(WAKECERT_STORE_ERROR_INTERNAL, "%s: cannot register wc_add_months", database_path);
    for (int i = 0; i < 5; i++)
        if (sqlite3_prepare_v3(store->db, sweep_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &store->sweep_statements[i],
                               NULL) != SQLITE_OK)
            OPEN_FAIL(WAKECERT_STORE_ERROR_INTERNAL, "%s: %s", database_path, sqlite3_errmsg(store->db));
    if (remove_orphan_files(store) != 0)
        OPEN_FAIL(WAKECERT_STORE_ERROR_IO, "%s: cannot clean up orphan audio files", store->audio_directory);
    cJSON_Delete(config);
    *out_store = store;
    return 0;
#undef OPEN_FAIL
}

static int ref_open(const struct wakecert_store_host *host, const char *config_json, wakecert_store **out_store,
                    char *error_message, size_t error_message_size)
{
    return open_with_faults(host, config_json, 0, out_store, error_message, error_message_size);
}

/* ---- accounts and settings --------------------------------------------------------------------- */

struct account_row {
    int exists;
    int retention, deletion_by_voice, kid_permission;
};

/* Read an account's settings. Returns 0 (row->exists says whether it exists) or IO. */
static int read_account(struct wakecert_store *store, const char *account, struct account_row *row)
{
    memset(row, 0, sizeof *row);
    sqlite3_stmt *statement =
        prepare(store, "SELECT retention, deletion_by_voice, kid_permission FROM accounts WHERE account = ?1");
    if (!statement)
        return WAKECERT_STORE_ERROR_INTERNAL;
    sqlite3_bind_text(statement, 1, account, -1, SQLITE_STATIC);
    int rc = sqlite3_step(statement);
    if (rc == SQLITE_ROW) {
        row->exists = 1;
        row->retention = sqlite3_column_int(statement, 0);
        row->deletion_by_voice = sqlite3_column_int(statement, 1);
        row->kid_permission = sqlite3_column_int(statement, 2);
    }
    sqlite3_finalize(statement);
    return (rc == SQLITE_ROW || rc == SQLITE_DONE) ? 0 : WAKECERT_STORE_ERROR_IO;
}

static int ref_advance_clock(wakecert_store *store, int64_t now)
{
    if (!store)
        return WAKECERT_STORE_ERROR_INVALID_ARGUMENT;
    int status = begin_at(store, now);
    return status ? status : end(store, 0);
}

static int ref_create_account(wakecert_store *store, int64_t now, const char *account, const char *marketplace)
{
    if (!store || !account || !marketplace)
        return WAKECERT_STORE_ERROR_INVALID_ARGUMENT;
    int status = begin_at(store, now);
    if (status)
        return status;
    struct account_row row;
    status = read_account(store, account, &row);
    if (status == 0 && row.exists)
        status = WAKECERT_STORE_ERROR_EXISTS;
    if (status == 0) {
        sqlite3_stmt *statement = prepare(store, "INSERT INTO accounts(account, marketplace) VALUES(?1, ?2)");
        if (statement) {
            sqlite3_bind_text(statement, 1, account, -1, SQLITE_STATIC);
            sqlite3_bind_text(statement, 2, marketplace, -1, SQLITE_STATIC);
        }
        status = run(statement);
    }
    return end(store, status);
}

/* Delete recordings matching `where` (SQL over table recordings, parameters ?1 = account, ?2 =
 * marketplace or NULL, ?3/?4 = integers). Queues their audio files, and deletes their action records
 * only under the DELETES_ACTIONS fault. *deleted receives the count. Returns 0 or an error. */
static int delete_recordings_where(struct wakecert_store *store, const char *where, const char *account,
                                   const char *marketplace, int64_t a, int64_t b, int *deleted)
{
    char sql[512];
    sqlite3_stmt *statements[3];
    const char *const templates[3] = {
        "SELECT audio_file FROM recordings WHERE %s",
        "DELETE FROM actions WHERE request_id IN (SELECT id FROM recordings WHERE %s)",
        "DELETE FROM recordings WHERE %s",
    };
    for (int i = 0; i < 3; i++) {
        snprintf(sql, sizeof sql, templates[i], where);
        statements[i] = prepare(store, sql);
        if (!statements[i]) {
            for (int j = 0; j < i; j++)
                sqlite3_finalize(statements[j]);
            return WAKECERT_STORE_ERROR_INTERNAL;
        }
        int parameters = sqlite3_bind_parameter_count(statements[i]);
        sqlite3_bind_text(statements[i], 1, account, -1, SQLITE_STATIC);
        if (parameters >= 2)
            sqlite3_bind_text(statements[i], 2, marketplace, -1, SQLITE_STATIC);
        if (parameters >= 3)
            sqlite3_bind_int64(statements[i], 3, a);
        if (parameters >= 4)
            sqlite3_bind_int64(statements[i], 4, b);
    }
    int status = queue_files_of(store, statements[0]);
    if (status == 0 && (store->faults & STORE_FAULT_DELETES_ACTIONS))
        status = run(statements[1]);
    else
        sqlite3_finalize(statements[1]);
    if (status == 0) {
        status = run(statements[2]);
        if (deleted)
            *deleted = sqlite3_changes(store->db);
    } else {
        sqlite3_finalize(statements[2]);
    }
    return status;
}

static int ref_update_settings(wakecert_store *store, int64_t now, const char *account,
                               const struct wakecert_store_settings *settings)
{
    if (!store || !account || !settings || settings->retention_policy < WAKECERT_RETENTION_KEEP ||
        settings->retention_policy > WAKECERT_RETENTION_DONT_SAVE)
        return WAKECERT_STORE_ERROR_INVALID_ARGUMENT;
    int status = begin_at(store, now);
    if (status)
        return status;
    struct account_row row;
    status = read_account(store, account, &row);
    if (status == 0 && !row.exists)
        status = WAKECERT_STORE_ERROR_NOT_FOUND;
    if (status == 0) {
        sqlite3_stmt *statement = prepare(store, "UPDATE accounts SET retention = ?2, deletion_by_voice = ?3, "
                                                 "follow_up = ?4, kid_permission = ?5 WHERE account = ?1");
        if (statement) {
            sqlite3_bind_text(statement, 1, account, -1, SQLITE_STATIC);
            sqlite3_bind_int(statement, 2, settings->retention_policy);
            sqlite3_bind_int(statement, 3, settings->deletion_by_voice != 0);
            sqlite3_bind_int(statement, 4, settings->follow_up != 0);
            sqlite3_bind_int(statement, 5, settings->kid_skills_permission != 0);
        }
        status = run(statement);
    }
    if (status == 0 && settings->retention_policy == WAKECERT_RETENTION_DONT_SAVE &&
        row.retention != WAKECERT_RETENTION_DONT_SAVE) {
        /* Choosing "don't save" deletes the whole voice history and the voice profiles. */
        status = delete_recordings_where(store, "account = ?1", account, NULL, 0, 0, NULL);
        if (status == 0 && !(store->faults & STORE_FAULT_KEEPS_VOICE_ID)) {
            sqlite3_stmt *statement = prepare(store, "DELETE FROM profiles WHERE account = ?1 AND kind = 3");
            if (statement)
                sqlite3_bind_text(statement, 1, account, -1, SQLITE_STATIC);
            status = run(statement);
        }
    } else if (status == 0 && settings->retention_policy != WAKECERT_RETENTION_DONT_SAVE) {
        /* Recompute expiries under the new policy; transcripts made under "don't save" keep their 30 days. */
        const int months = policy_months(store, settings->retention_policy);
        sqlite3_stmt *statement = prepare(
            store, "UPDATE recordings SET "
                   "audio_expires = CASE WHEN audio_file IS NULL THEN NULL WHEN ?2 = 0 THEN NULL "
                   "  ELSE wc_add_months(created, ?2) END, "
                   "transcript_expires = CASE WHEN transcript IS NULL THEN NULL WHEN dont_save THEN transcript_expires "
                   "  WHEN ?2 = 0 THEN NULL ELSE wc_add_months(created, ?2) END "
                   "WHERE account = ?1");
        if (statement) {
            sqlite3_bind_text(statement, 1, account, -1, SQLITE_STATIC);
            sqlite3_bind_int(statement, 2, months);
        }
        status = run(statement);
        if (status == 0)
            status = sweep(store, now); /* recordings already older than the new period go now */
    }
    return end(store, status);
}

/* ---- requests -------------------------------------------------------------------------------------- */

/* Write an audio file durably (fsync of file and directory when sync_files). Returns 0 or IO. */
static int write_audio_file(struct wakecert_store *store, const char *file_name, const uint8_t *audio, size_t size)
{
    char path[STORE_PATH_MAX + 128];
    audio_path(store, file_name, path, sizeof path);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return WAKECERT_STORE_ERROR_IO;
    size_t written = 0;
    while (written < size) {
        ssize_t n = write(fd, audio + written, size - written);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            close(fd);
            unlink(path);
            return WAKECERT_STORE_ERROR_IO;
        }
        written += (size_t)n;
    }
    if (store->sync_files && fsync(fd) != 0) {
        close(fd);
        unlink(path);
        return WAKECERT_STORE_ERROR_IO;
    }
    close(fd);
    if (store->sync_files) {
        int directory_fd = open(store->audio_directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (directory_fd >= 0) {
            fsync(directory_fd);
            close(directory_fd);
        }
    }
    return 0;
}

static int ref_record_request(wakecert_store *store, int64_t now, const struct wakecert_store_request *request)
{
    if (!store || !request || !request->id || !request->account || !request->marketplace || !request->transcript ||
        (request->audio_size && !request->audio) || (request->action_kind && !request->action_id))
        return WAKECERT_STORE_ERROR_INVALID_ARGUMENT;
    int status = begin_at(store, now);
    if (status)
        return status;
    struct account_row row;
    status = read_account(store, request->account, &row);
    if (status == 0 && !row.exists)
        status = WAKECERT_STORE_ERROR_NOT_FOUND;
    const int dont_save = row.retention == WAKECERT_RETENTION_DONT_SAVE;
    if (status == 0) {
        sqlite3_stmt *statement = prepare(store, "SELECT 1 FROM recordings WHERE id = ?1 UNION ALL "
                                                 "SELECT 1 FROM last_request WHERE id = ?1");
        if (!statement) {
            status = WAKECERT_STORE_ERROR_INTERNAL;
        } else {
            sqlite3_bind_text(statement, 1, request->id, -1, SQLITE_STATIC);
            if (sqlite3_step(statement) == SQLITE_ROW)
                status = WAKECERT_STORE_ERROR_EXISTS;
            sqlite3_finalize(statement);
        }
    }
    if (status == 0) {
        const int months = policy_months(store, row.retention);
        const int64_t policy_expiry = months ? add_months_for(store, now, months) : 0;
        const int keep_transcript = !(dont_save && (store->faults & STORE_FAULT_DONT_SAVE_DROPS_TRANSCRIPTS));
        sqlite3_stmt *statement = prepare(
            store, "INSERT INTO recordings(id, account, device, marketplace, created, kid, skill, audio_file,"
                   " audio_expires, transcript, transcript_expires, dont_save) "
                   "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL, NULL, ?8, ?9, ?10)");
        if (statement) {
            sqlite3_bind_text(statement, 1, request->id, -1, SQLITE_STATIC);
            sqlite3_bind_text(statement, 2, request->account, -1, SQLITE_STATIC);
            sqlite3_bind_text(statement, 3, request->device, -1, SQLITE_STATIC);
            sqlite3_bind_text(statement, 4, request->marketplace, -1, SQLITE_STATIC);
            sqlite3_bind_int64(statement, 5, now);
            sqlite3_bind_int(statement, 6, request->kid != 0);
            sqlite3_bind_text(statement, 7, request->skill, -1, SQLITE_STATIC);
            if (keep_transcript)
                sqlite3_bind_text(statement, 8, request->transcript, -1, SQLITE_STATIC);
            if (dont_save)
                sqlite3_bind_int64(statement, 9, now + 30 * (int64_t)CIVIL_DAY_SECONDS);
            else if (months)
                sqlite3_bind_int64(statement, 9, policy_expiry);
            sqlite3_bind_int(statement, 10, dont_save);
        }
        status = run(statement);
        if (status == 0 && !dont_save) {
            /* Keep the audio: write the file first, then reference it, both before the commit. */
            const sqlite3_int64 seq = sqlite3_last_insert_rowid(store->db);
            char file_name[64];
            snprintf(file_name, sizeof file_name, "%lld.pcm", (long long)seq);
            status = write_audio_file(store, file_name, request->audio, request->audio_size);
            if (status == 0) {
                statement = prepare(store, "UPDATE recordings SET audio_file = ?2, audio_expires = ?3 WHERE seq = ?1");
                if (statement) {
                    sqlite3_bind_int64(statement, 1, seq);
                    sqlite3_bind_text(statement, 2, file_name, -1, SQLITE_STATIC);
                    if (months)
                        sqlite3_bind_int64(statement, 3, policy_expiry);
                }
                status = run(statement);
                if (status != 0) {
                    char path[STORE_PATH_MAX + 128];
                    audio_path(store, file_name, path, sizeof path);
                    unlink(path); /* the row is rolled back, so the file must go too */
                }
            }
        }
        if (status == 0)
            status = exec_sql(store, "DELETE FROM recordings WHERE audio_file IS NULL AND transcript IS NULL");
    }
    if (status == 0) {
        sqlite3_stmt *statement =
            prepare(store, "INSERT OR REPLACE INTO last_request(account, marketplace, id) VALUES(?1, ?2, ?3)");
        if (statement) {
            sqlite3_bind_text(statement, 1, request->account, -1, SQLITE_STATIC);
            sqlite3_bind_text(statement, 2, request->marketplace, -1, SQLITE_STATIC);
            sqlite3_bind_text(statement, 3, request->id, -1, SQLITE_STATIC);
        }
        status = run(statement);
    }
    if (status == 0 && request->action_kind) {
        sqlite3_stmt *statement =
            prepare(store, "INSERT INTO actions(id, account, kind, request_id, created) VALUES(?1, ?2, ?3, ?4, ?5)");
        if (statement) {
            sqlite3_bind_text(statement, 1, request->action_id, -1, SQLITE_STATIC);
            sqlite3_bind_text(statement, 2, request->account, -1, SQLITE_STATIC);
            sqlite3_bind_text(statement, 3, request->action_kind, -1, SQLITE_STATIC);
            sqlite3_bind_text(statement, 4, request->id, -1, SQLITE_STATIC);
            sqlite3_bind_int64(statement, 5, now);
        }
        status = run(statement);
        if (status == WAKECERT_STORE_ERROR_IO && sqlite3_errcode(store->db) == SQLITE_CONSTRAINT)
            status = WAKECERT_STORE_ERROR_EXISTS;
    }
    status = end(store, status);
    if (status == 0 && request->skill && store->host.skill_delivery) {
        const int permitted = !request->skill_is_kid || row.kid_permission ||
                              (store->faults & STORE_FAULT_KID_SKILL_UNCHECKED);
        if (permitted) {
            const int with_audio = (store->faults & STORE_FAULT_SKILL_GETS_AUDIO) != 0;
            store->host.skill_delivery(store->host.ctx, request->skill, request->id, request->transcript,
                                       with_audio ? request->audio : NULL, with_audio ? request->audio_size : 0);
        }
    }
    return status;
}

/* ---- deletions ---------------------------------------------------------------------------------------- */

static int ref_delete_recording(wakecert_store *store, int64_t now, const char *account, const char *id)
{
    if (!store || !account || !id)
        return WAKECERT_STORE_ERROR_INVALID_ARGUMENT;
    int status = begin_at(store, now);
    if (status)
        return status;
    int deleted = 0;
    /* ?2 is bound to the id through the marketplace slot. */
    status = delete_recordings_where(store, "account = ?1 AND id = ?2", account, id, 0, 0, &deleted);
    if (status == 0 && deleted == 0)
        status = WAKECERT_STORE_ERROR_NOT_FOUND;
    return end(store, status);
}

static const char *marketplace_clause(const struct wakecert_store *store, const char *with, const char *without)
{
    return (store->faults & STORE_FAULT_CROSS_MARKETPLACE) ? without : with;
}

static int ref_delete_range(wakecert_store *store, int64_t now, const char *account, const char *marketplace,
                            int64_t from, int64_t to)
{
    if (!store || !account || !marketplace)
        return WAKECERT_STORE_ERROR_INVALID_ARGUMENT;
    int status = begin_at(store, now);
    if (status)
        return status;
    status = delete_recordings_where(
        store,
        marketplace_clause(store, "account = ?1 AND marketplace = ?2 AND created >= ?3 AND created < ?4",
                           "account = ?1 AND (?2 IS NOT NULL) AND created >= ?3 AND created < ?4"),
        account, marketplace, from, to, NULL);
    return end(store, status);
}

static int ref_delete_all(wakecert_store *store, int64_t now, const char *account, const char *marketplace)
{
    if (!store || !account || !marketplace)
        return WAKECERT_STORE_ERROR_INVALID_ARGUMENT;
    int status = begin_at(store, now);
    if (status)
        return status;
    status = delete_recordings_where(
        store, marketplace_clause(store, "account = ?1 AND marketplace = ?2", "account = ?1 AND (?2 IS NOT NULL)"),
        account, marketplace, 0, 0, NULL);
    return end(store, status);
}

static int ref_delete_by_voice(wakecert_store *store, int64_t now, const char *account, const char *marketplace,
                               const char *device, int scope, const char *recognised_voice_profile)
{
    if (!store || !account || !marketplace || scope < WAKECERT_VOICE_DELETE_LAST ||
        scope > WAKECERT_VOICE_DELETE_EVERYTHING)
        return WAKECERT_STORE_ERROR_INVALID_ARGUMENT;
    int status = begin_at(store, now);
    if (status)
        return status;
    struct account_row row;
    status = read_account(store, account, &row);
    if (status == 0 && !row.exists)
        status = WAKECERT_STORE_ERROR_NOT_FOUND;
    int allowed = row.deletion_by_voice || (store->faults & STORE_FAULT_VOICE_DELETE_ALWAYS);
    if (status == 0 && !allowed && recognised_voice_profile) {
        sqlite3_stmt *statement = prepare(store, "SELECT 1 FROM profiles WHERE kind = 3 AND id = ?1 AND account = ?2");
        if (statement) {
            sqlite3_bind_text(statement, 1, recognised_voice_profile, -1, SQLITE_STATIC);
            sqlite3_bind_text(statement, 2, account, -1, SQLITE_STATIC);
            allowed = sqlite3_step(statement) == SQLITE_ROW;
            sqlite3_finalize(statement);
        }
    }
    if (status == 0 && !allowed)
        status = WAKECERT_STORE_ERROR_NOT_ALLOWED;
    if (status == 0) {
        switch (scope) {
        case WAKECERT_VOICE_DELETE_LAST:
            status = delete_recordings_where(
                store,
                marketplace_clause(store,
                                   "id = (SELECT id FROM last_request WHERE account = ?1 AND marketplace = ?2)",
                                   "id IN (SELECT id FROM last_request WHERE account = ?1 AND (?2 IS NOT NULL))"),
                account, marketplace, 0, 0, NULL);
            break;
        case WAKECERT_VOICE_DELETE_TODAY:
            status = delete_recordings_where(
                store,
                marketplace_clause(store, "account = ?1 AND marketplace = ?2 AND created >= ?3 AND created <= ?4",
                                   "account = ?1 AND (?2 IS NOT NULL) AND created >= ?3 AND created <= ?4"),
                account, marketplace, civil_day_start(now), now, NULL);
            break;
        default:
            status = delete_recordings_where(
                store, marketplace_clause(store, "account = ?1 AND marketplace = ?2", "account = ?1 AND (?2 IS NOT NULL)"),
                account, marketplace, 0, 0, NULL);
            break;
        }
    }
    (void)device;
    return end(store, status);
}

/* ---- profiles ------------------------------------------------------------------------------------- */

static int ref_enroll_profile(wakecert_store *store, int64_t now, const char *account, int kind, const char *profile)
{
    if (!store || !account || !profile || (kind != WAKECERT_PROFILE_VOICE && kind != WAKECERT_PROFILE_VISUAL))
        return WAKECERT_STORE_ERROR_INVALID_ARGUMENT;
    int status = begin_at(store, now);
    if (status)
        return status;
    struct account_row row;
    status = read_account(store, account, &row);
    if (status == 0 && !row.exists)
        status = WAKECERT_STORE_ERROR_NOT_FOUND;
    if (status == 0 && kind == WAKECERT_PROFILE_VOICE && row.retention == WAKECERT_RETENTION_DONT_SAVE &&
        !(store->faults & STORE_FAULT_KEEPS_VOICE_ID))
        status = WAKECERT_STORE_ERROR_NOT_ALLOWED;
    if (status == 0) {
        sqlite3_stmt *statement = prepare(store, "INSERT INTO profiles(kind, id, account, created, last_recognised, "
                                                 "expires) VALUES(?1, ?2, ?3, ?4, ?4, ?5)");
        if (statement) {
            sqlite3_bind_int(statement, 1, kind);
            sqlite3_bind_text(statement, 2, profile, -1, SQLITE_STATIC);
            sqlite3_bind_text(statement, 3, account, -1, SQLITE_STATIC);
            sqlite3_bind_int64(statement, 4, now);
            sqlite3_bind_int64(statement, 5, add_months_for(store, now, profile_months(kind)));
        }
        status = run(statement);
        if (status == WAKECERT_STORE_ERROR_IO && sqlite3_errcode(store->db) == SQLITE_CONSTRAINT)
            status = WAKECERT_STORE_ERROR_EXISTS;
    }
    return end(store, status);
}

static int ref_recognise_profile(wakecert_store *store, int64_t now, const char *account, int kind,
                                 const char *profile)
{
    if (!store || !account || !profile || (kind != WAKECERT_PROFILE_VOICE && kind != WAKECERT_PROFILE_VISUAL))
        return WAKECERT_STORE_ERROR_INVALID_ARGUMENT;
    int status = begin_at(store, now);
    if (status)
        return status;
    sqlite3_stmt *statement = prepare(store, "UPDATE profiles SET last_recognised = ?4, expires = ?5 "
                                             "WHERE kind = ?1 AND id = ?2 AND account = ?3");
    if (statement) {
        sqlite3_bind_int(statement, 1, kind);
        sqlite3_bind_text(statement, 2, profile, -1, SQLITE_STATIC);
        sqlite3_bind_text(statement, 3, account, -1, SQLITE_STATIC);
        sqlite3_bind_int64(statement, 4, now);
        sqlite3_bind_int64(statement, 5, add_months_for(store, now, profile_months(kind)));
    }
    status = run(statement);
    if (status == 0 && sqlite3_changes(store->db) == 0)
        status = WAKECERT_STORE_ERROR_NOT_FOUND;
    return end(store, status);
}

static int ref_delete_profile(wakecert_store *store, int64_t now, const char *account, int kind, const char *profile)
{
    if (!store || !account || !profile)
        return WAKECERT_STORE_ERROR_INVALID_ARGUMENT;
    int status = begin_at(store, now);
    if (status)
        return status;
    sqlite3_stmt *statement = prepare(store, "DELETE FROM profiles WHERE kind = ?1 AND id = ?2 AND account = ?3");
    if (statement) {
        sqlite3_bind_int(statement, 1, kind);
        sqlite3_bind_text(statement, 2, profile, -1, SQLITE_STATIC);
        sqlite3_bind_text(statement, 3, account, -1, SQLITE_STATIC);
    }
    status = run(statement);
    if (status == 0 && sqlite3_changes(store->db) == 0)
        status = WAKECERT_STORE_ERROR_NOT_FOUND;
    return end(store, status);
}

/* ---- listing ------------------------------------------------------------------------------------------ */

static int ref_list_items(wakecert_store *store, int64_t now, const char *account, wakecert_store_item_fn callback,
                          void *ctx)
{
    if (!store || !callback)
        return WAKECERT_STORE_ERROR_INVALID_ARGUMENT;
    int status = begin_at(store, now);
    if (status)
        return status;
    static const char *const queries[3] = {
        "SELECT id, account, marketplace, created, audio_file, transcript IS NOT NULL FROM recordings "
        "WHERE ?1 IS NULL OR account = ?1",
        "SELECT id, account, kind, created, last_recognised FROM profiles WHERE ?1 IS NULL OR account = ?1",
        "SELECT id, account, created FROM actions WHERE ?1 IS NULL OR account = ?1",
    };
    for (int q = 0; q < 3 && status == 0; q++) {
        sqlite3_stmt *statement = prepare(store, queries[q]);
        if (!statement) {
            status = WAKECERT_STORE_ERROR_INTERNAL;
            break;
        }
        sqlite3_bind_text(statement, 1, account, -1, SQLITE_STATIC);
        int rc;
        while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
            struct wakecert_store_item item = {0};
            item.id = (const char *)sqlite3_column_text(statement, 0);
            item.account = (const char *)sqlite3_column_text(statement, 1);
            if (q == 0) {
                item.marketplace = (const char *)sqlite3_column_text(statement, 2);
                item.created = sqlite3_column_int64(statement, 3);
                const char *file_name = (const char *)sqlite3_column_text(statement, 4);
                if (file_name) {
                    char path[STORE_PATH_MAX + 128];
                    struct stat info;
                    audio_path(store, file_name, path, sizeof path);
                    if (stat(path, &info) == 0) {
                        item.kind = WAKECERT_ITEM_AUDIO;
                        callback(ctx, &item);
                    }
                }
                if (sqlite3_column_int(statement, 5)) {
                    item.kind = WAKECERT_ITEM_TRANSCRIPT;
                    callback(ctx, &item);
                }
            } else if (q == 1) {
                item.kind = sqlite3_column_int(statement, 2);
                item.created = sqlite3_column_int64(statement, 3);
                item.last_recognised = sqlite3_column_int64(statement, 4);
                callback(ctx, &item);
            } else {
                item.kind = WAKECERT_ITEM_ACTION;
                item.created = sqlite3_column_int64(statement, 2);
                callback(ctx, &item);
            }
        }
        if (rc != SQLITE_DONE)
            status = WAKECERT_STORE_ERROR_IO;
        sqlite3_finalize(statement);
    }
    return end(store, status);
}

/* ---- tables --------------------------------------------------------------------------------------- */

static const struct wakecert_store_table reference_table = {
    .abi_version = WAKECERT_STORE_ABI_VERSION,
    .table_size = sizeof(struct wakecert_store_table),
    .name = "wakecert-reference-store",
    .version = "1.0.0",
    .open = ref_open,
    .close = ref_close,
    .advance_clock = ref_advance_clock,
    .create_account = ref_create_account,
    .update_settings = ref_update_settings,
    .record_request = ref_record_request,
    .delete_recording = ref_delete_recording,
    .delete_range = ref_delete_range,
    .delete_all = ref_delete_all,
    .delete_by_voice = ref_delete_by_voice,
    .enroll_profile = ref_enroll_profile,
    .recognise_profile = ref_recognise_profile,
    .delete_profile = ref_delete_profile,
    .list_items = ref_list_items,
};

const struct wakecert_store_table *wakecert_store_reference_table(void)
{
    return &reference_table;
}

static unsigned faulty_table_faults;
static struct wakecert_store_table faulty_table;

static int faulty_open(const struct wakecert_store_host *host, const char *config_json, wakecert_store **out_store,
                       char *error_message, size_t error_message_size)
{
    return open_with_faults(host, config_json, faulty_table_faults, out_store, error_message, error_message_size);
}

const struct wakecert_store_table *store_ref_faulty_table(unsigned faults, const char *name)
{
    faulty_table = reference_table;
    faulty_table.name = name;
    faulty_table.open = faulty_open;
    faulty_table_faults = faults;
    return &faulty_table;
}

unsigned store_ref_fault_from_name(const char *name)
{
    static const struct {
        const char *name;
        unsigned fault;
    } names[] = {
        {"four_months", STORE_FAULT_FOUR_MONTHS},
        {"dont_save_drops_transcripts", STORE_FAULT_DONT_SAVE_DROPS_TRANSCRIPTS},
        {"cross_marketplace", STORE_FAULT_CROSS_MARKETPLACE},
        {"deletes_actions", STORE_FAULT_DELETES_ACTIONS},
        {"keeps_voice_id", STORE_FAULT_KEEPS_VOICE_ID},
        {"month_end_overflow", STORE_FAULT_MONTH_END_OVERFLOW},
        {"voice_delete_always", STORE_FAULT_VOICE_DELETE_ALWAYS},
        {"skill_gets_audio", STORE_FAULT_SKILL_GETS_AUDIO},
        {"kid_skill_unchecked", STORE_FAULT_KID_SKILL_UNCHECKED},
    };
    for (size_t i = 0; name && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i].name, name) == 0)
            return names[i].fault;
    return 0;
}
