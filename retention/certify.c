/*
 * Retention certification: the oracle, the replay loop and the results (see certify.h).
 *
 * Shape: items live in one array, found by "kind:id" through an open-addressing hash table, so an
 * audit is one pass over the store's listing (mark what is present) and one pass over the array
 * (judge each item). The randomized 4-year scenario has ~10^5 items and ~200 audits; shipped scenarios
 * have a few dozen items and are audited after every event and every clock step (6 h by default), so a
 * deletion is observed within one step of when the store made it.
 *
 * Each store instance gets a fresh directory under $TMPDIR (removed afterwards), so scenarios cannot
 * see each other's data.
 */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE
#include "retention_certify.h"

#include "civil_time.h"
#include "error.h"
#include "scenario.h"
#include "sha256.h"
#include "store_adapter.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define NEVER INT64_MAX
#define EVIDENCE_LIMIT 10

enum item_state { ITEM_ACTIVE = 0, ITEM_SETTLED, ITEM_FAILED };

struct oracle_item {
    char key[SCENARIO_NAME_SIZE + 12]; /* "audio:r1" */
    int kind;
    int account;
    char marketplace[16];
    int64_t created;
    int64_t fixed_deadline;  /* set by deletion commands and "don't save" */
    int64_t policy_deadline; /* set by the retention policy / profile period */
    signed char fixed_reason, policy_reason;
    unsigned char created_policy, dont_save_transcript, state;
    uint32_t tags;           /* extra promises protecting the item (bits of enum retention_requirement) */
    uint32_t seen_epoch;
    int64_t last_present, first_absent;
};

struct oracle_account {
    char name[SCENARIO_NAME_SIZE];
    char marketplace[16];
    struct wakecert_store_settings settings;
    int *recordings; /* item index of each request's audio (its transcript is the next item) */
    size_t recording_count, recording_capacity;
    struct {
        char marketplace[16];
        int audio_item;
    } last[4];
    int last_count;
};

struct string_map {
    char **keys; /* borrowed */
    int *values;
    size_t capacity, count;
};

struct requirement_stats {
    long checks, violations;
    cJSON *evidence;   /* first EVIDENCE_LIMIT violations */
    long omitted;
    char first_failure[256];
    int crashed, declared;
};

struct delivery {
    char skill[SCENARIO_NAME_SIZE], request_id[SCENARIO_NAME_SIZE];
    char content[128];
    size_t audio_size;
};

struct run {
    const struct retention_options *options;
    struct store_handle store;
    const struct scenario *scenario;
    int64_t grace;
    struct oracle_item *items;
    size_t item_count, item_capacity;
    struct oracle_account *accounts;
    size_t account_count, account_capacity;
    struct string_map item_map, account_map;
    uint32_t epoch;
    struct delivery deliveries[8];
    int delivery_count;
    struct requirement_stats stats[REQ_COUNT];
    long events, audits, store_errors, unknown_items, total_items, scenarios;
    double simulated_days;
    char first_store_error[256];
};

/* ---- string map --------------------------------------------------------------------------------- */

static uint64_t hash_string(const char *text)
{
    uint64_t hash = 1469598103934665603ull;
    for (; *text; text++)
        hash = (hash ^ (unsigned char)*text) * 1099511628211ull;
    return hash;
}

/* Look a key up; returns its value or -1. */
static int map_get(const struct string_map *map, const char *key)
{
    if (!map->capacity)
        return -1;
    for (size_t slot = hash_string(key) & (map->capacity - 1);; slot = (slot + 1) & (map->capacity - 1)) {
        if (!map->keys[slot])
            return -1;
        if (strcmp(map->keys[slot], key) == 0)
            return map->values[slot];
    }
}

/* Insert or replace; `key` must outlive the map. Returns 0 or NO_MEMORY. */
static int map_put(struct string_map *map, char *key, int value)
{
    if ((map->count + 1) * 2 > map->capacity) {
        struct string_map grown = {0};
        grown.capacity = map->capacity ? map->capacity * 2 : 1024;
        grown.keys = calloc(grown.capacity, sizeof *grown.keys);
        grown.values = calloc(grown.capacity, sizeof *grown.values);
        if (!grown.keys || !grown.values) {
            free(grown.keys);
            free(grown.values);
            return WAKECERT_ERROR_NO_MEMORY;
        }
        for (size_t i = 0; i < map->capacity; i++)
            if (map->keys[i])
                map_put(&grown, map->keys[i], map->values[i]);
        free(map->keys);
        free(map->values);
        *map = grown;
    }
    size_t slot = hash_string(key) & (map->capacity - 1);
    while (map->keys[slot] && strcmp(map->keys[slot], key) != 0)
        slot = (slot + 1) & (map->capacity - 1);
    if (!map->keys[slot])
        map->count++;
    map->keys[slot] = key;
    map->values[slot] = value;
    return 0;
}

static void map_clear(struct string_map *map)
{
    free(map->keys);
    free(map->values);
    memset(map, 0, sizeof *map);
}

/* ---- the oracle ---------------------------------------------------------------------------------- */

static const char *item_kind_name(int kind)
{
    switch (kind) {
    case WAKECERT_ITEM_AUDIO: return "audio";
    case WAKECERT_ITEM_TRANSCRIPT: return "transcript";
    case WAKECERT_ITEM_VOICE_PROFILE: return "voice";
    case WAKECERT_ITEM_VISUAL_PROFILE: return "visual";
    default: return "action";
    }
}

static const char *rule_text(int requirement)
{
    switch (requirement) {
    case REQ_AUTO_DELETE_3_MONTHS: return "auto-delete recordings older than 3 months";
    case REQ_AUTO_DELETE_18_MONTHS: return "auto-delete recordings older than 18 months";
    case REQ_DONT_SAVE_AUDIO: return "don't save: audio deleted after processing, history deleted when chosen";
    case REQ_DONT_SAVE_TRANSCRIPT_30_DAYS: return "don't save: transcript kept 30 days";
    case REQ_DELETE_ONE: return "deleted one by one";
    case REQ_DELETE_DATE_RANGE: return "deleted by date range";
    case REQ_DELETE_ALL: return "deleted all";
    case REQ_DELETE_BY_VOICE_LAST: return "deleted by voice: last request";
    case REQ_DELETE_BY_VOICE_TODAY: return "deleted by voice: today";
    case REQ_DELETE_BY_VOICE_EVERYTHING: return "deleted by voice: everything";
    case REQ_VOICE_ID_3_YEARS: return "voice ID deleted after 3 years unrecognised (or on request)";
    case REQ_VOICE_ID_DISABLED_BY_DONT_SAVE: return "voice ID deleted by don't save";
    case REQ_VISUAL_ID_18_MONTHS: return "visual ID deleted after 18 months unrecognised (or on request)";
    default: return "kept until deleted";
    }
}

static int64_t item_deadline(const struct oracle_item *item, int *reason)
{
    if (item->fixed_deadline <= item->policy_deadline) {
        *reason = item->fixed_reason;
        return item->fixed_deadline;
    }
    *reason = item->policy_reason;
    return item->policy_deadline;
}

/* Add an item; returns its index or a negative error. */
static int add_item(struct run *run, int kind, const char *id, int account, const char *marketplace, int64_t created)
{
    if (run->item_count == run->item_capacity) {
        size_t capacity = run->item_capacity ? run->item_capacity * 2 : 256;
        struct oracle_item *grown = realloc(run->items, capacity * sizeof *grown);
        if (!grown)
            return WAKECERT_ERROR_NO_MEMORY;
        run->items = grown;
        run->item_capacity = capacity;
        /* Keys moved: rebuild the map, which borrows them. */
        map_clear(&run->item_map);
        for (size_t i = 0; i < run->item_count; i++)
            if (map_put(&run->item_map, run->items[i].key, (int)i) != 0)
                return WAKECERT_ERROR_NO_MEMORY;
    }
    struct oracle_item *item = &run->items[run->item_count];
    memset(item, 0, sizeof *item);
    snprintf(item->key, sizeof item->key, "%s:%s", item_kind_name(kind), id);
    item->kind = kind;
    item->account = account;
    snprintf(item->marketplace, sizeof item->marketplace, "%s", marketplace ? marketplace : "");
    item->created = created;
    item->fixed_deadline = item->policy_deadline = NEVER;
    item->fixed_reason = item->policy_reason = REQ_KEEP_UNTIL_DELETED;
    item->created_policy = (unsigned char)run->accounts[account].settings.retention_policy;
    item->last_present = item->first_absent = NEVER;
    if (map_put(&run->item_map, item->key, (int)run->item_count) != 0)
        return WAKECERT_ERROR_NO_MEMORY;
    run->total_items++;
    return (int)run->item_count++;
}

static struct oracle_item *find_item(struct run *run, int kind, const char *id)
{
    char key[SCENARIO_NAME_SIZE + 12];
    snprintf(key, sizeof key, "%s:%s", item_kind_name(kind), id);
    int index = map_get(&run->item_map, key);
    return index < 0 ? NULL : &run->items[index];
}

/* Set a fixed deadline (a deletion at `now`) unless an earlier one exists. */
static void schedule_deletion(struct oracle_item *item, int64_t now, int reason)
{
    int current;
    if (item_deadline(item, &current) <= now)
        return;
    item->fixed_deadline = now;
    item->fixed_reason = (signed char)reason;
}

static int months_of_policy(int policy)
{
    return policy == WAKECERT_RETENTION_AUTO_3_MONTHS ? 3 : policy == WAKECERT_RETENTION_AUTO_18_MONTHS ? 18 : 0;
}

/* Recompute a recording part's policy deadline after a policy change at `now`. */
static void apply_policy(struct oracle_item *item, int policy, int64_t now)
{
    if (item->policy_deadline <= now || (item->kind == WAKECERT_ITEM_TRANSCRIPT && item->dont_save_transcript))
        return; /* already due (owed), or governed by the fixed 30 days */
    const int months = months_of_policy(policy);
    if (!months) {
        item->policy_deadline = NEVER;
        return;
    }
    int64_t deadline = civil_add_months(item->created, months);
    item->policy_deadline = deadline < now ? now : deadline;
    item->policy_reason = policy == WAKECERT_RETENTION_AUTO_3_MONTHS ? REQ_AUTO_DELETE_3_MONTHS : REQ_AUTO_DELETE_18_MONTHS;
}

/* Whether a voice profile of the account exists at `now` in the oracle. */
static int voice_profile_alive(struct run *run, int account, const char *profile, int64_t now)
{
    struct oracle_item *item = find_item(run, WAKECERT_ITEM_VOICE_PROFILE, profile);
    int reason;
    return item && item->account == account && item_deadline(item, &reason) > now;
}

/* Promises protecting an item from early deletion (bits), at the time of the check. */
static uint32_t protecting(const struct run *run, const struct oracle_item *item)
{
    uint32_t mask = 1u << REQ_NOTHING_DELETED_EARLY;
    if (item->tags)
        return mask | item->tags;
    switch (item->kind) {
    case WAKECERT_ITEM_ACTION: return mask | 1u << REQ_ACTION_RECORDS_KEPT;
    case WAKECERT_ITEM_VOICE_PROFILE: return mask | 1u << REQ_VOICE_ID_3_YEARS;
    case WAKECERT_ITEM_VISUAL_PROFILE: return mask | 1u << REQ_VISUAL_ID_18_MONTHS;
    default: break;
    }
    if (item->kind == WAKECERT_ITEM_TRANSCRIPT && item->dont_save_transcript)
        return mask | 1u << REQ_DONT_SAVE_TRANSCRIPT_30_DAYS;
    switch (run->accounts[item->account].settings.retention_policy) {
    case WAKECERT_RETENTION_AUTO_3_MONTHS: return mask | 1u << REQ_AUTO_DELETE_3_MONTHS;
    case WAKECERT_RETENTION_AUTO_18_MONTHS: return mask | 1u << REQ_AUTO_DELETE_18_MONTHS;
    default: return mask | 1u << REQ_KEEP_UNTIL_DELETED;
    }
}

/* ---- evidence and verdicts ----------------------------------------------------------------------- */

static void add_time(cJSON *object, const char *name, int64_t t)
{
    if (t == NEVER) {
        cJSON_AddNullToObject(object, name);
        return;
    }
    char text[32];
    civil_format_time(t, text, sizeof text);
    cJSON_AddStringToObject(object, name, text);
}

static void record_violation(struct run *run, uint32_t mask, cJSON *evidence, const char *line)
{
    for (int requirement = 0; requirement < REQ_COUNT; requirement++) {
        if (!(mask & (1u << requirement)))
            continue;
        struct requirement_stats *stats = &run->stats[requirement];
        stats->violations++;
        stats->checks++;
        if (!stats->first_failure[0])
            snprintf(stats->first_failure, sizeof stats->first_failure, "%s", line);
        if (!stats->evidence)
            stats->evidence = cJSON_CreateArray();
        if (cJSON_GetArraySize(stats->evidence) < EVIDENCE_LIMIT)
            cJSON_AddItemToArray(stats->evidence, cJSON_Duplicate(evidence, 1));
        else
            stats->omitted++;
    }
    cJSON_Delete(evidence);
}

static void item_violation(struct run *run, struct oracle_item *item, uint32_t mask, int64_t now, int64_t deadline,
                           int reason, const char *expected, const char *observed)
{
    cJSON *evidence = cJSON_CreateObject();
    cJSON_AddStringToObject(evidence, "scenario", run->scenario->name);
    cJSON_AddStringToObject(evidence, "item", item->key);
    cJSON_AddStringToObject(evidence, "account", run->accounts[item->account].name);
    if (item->marketplace[0])
        cJSON_AddStringToObject(evidence, "marketplace", item->marketplace);
    add_time(evidence, "created", item->created);
    cJSON_AddStringToObject(evidence, "policy", store_policy_name(item->created_policy));
    cJSON_AddStringToObject(evidence, "rule", rule_text(reason));
    add_time(evidence, "deadline", deadline);
    cJSON_AddNumberToObject(evidence, "grace_hours", (double)run->grace / 3600.0);
    add_time(evidence, "disappeared", item->first_absent);
    add_time(evidence, "last_seen", item->last_present);
    add_time(evidence, "audit_at", now);
    cJSON_AddStringToObject(evidence, "expected", expected);
    cJSON_AddStringToObject(evidence, "observed", observed);
    char when[32], line[256];
    civil_format_time(now, when, sizeof when);
    snprintf(line, sizeof line, "%.60s: %.76s (%.60s) at %s", run->scenario->name, item->key, observed, when);
    record_violation(run, mask, evidence, line);
    item->state = ITEM_FAILED;
}

/* Judge one item at an audit. */
static void judge(struct run *run, struct oracle_item *item, int present, int64_t now)
{
    if (item->state == ITEM_FAILED)
        return;
    int reason;
    const int64_t deadline = item_deadline(item, &reason);
    char expected[128], deadline_text[32];
    civil_format_time(deadline == NEVER ? 0 : deadline, deadline_text, sizeof deadline_text);
    if (present) {
        item->last_present = now;
        if (item->state == ITEM_SETTLED) {
            snprintf(expected, sizeof expected, "gone since %s", deadline_text);
            item_violation(run, item, 1u << reason, now, deadline, reason, expected, "came back after deletion");
        } else if (deadline != NEVER && now > deadline + run->grace) {
            snprintf(expected, sizeof expected, "gone by %s + %.0f h grace", deadline_text, (double)run->grace / 3600);
            item_violation(run, item, 1u << reason, now, deadline, reason, expected, "still present");
        }
        return;
    }
    if (item->state == ITEM_SETTLED)
        return;
    if (item->first_absent == NEVER)
        item->first_absent = now;
    if (now < deadline) {
        if (deadline == NEVER)
            snprintf(expected, sizeof expected, "kept until deleted");
        else
            snprintf(expected, sizeof expected, "kept until %s", deadline_text);
        item_violation(run, item, protecting(run, item), now, deadline, reason, expected, "deleted early");
        return;
    }
    item->state = ITEM_SETTLED;
    run->stats[reason].checks++;
    const uint32_t mask = protecting(run, item);
    for (int requirement = 0; requirement < REQ_COUNT; requirement++)
        if (mask & (1u << requirement))
            run->stats[requirement].checks++;
}

static void mark_listed(void *ctx, const struct wakecert_store_item *listed)
{
    struct run *run = ctx;
    if (!listed->id)
        return;
    struct oracle_item *item = find_item(run, listed->kind, listed->id);
    if (!item) {
        run->unknown_items++;
        return;
    }
    item->seen_epoch = run->epoch;
}

static void store_error(struct run *run, const struct scenario_event *event, const char *call, int status)
{
    run->store_errors++;
    if (!run->first_store_error[0])
        snprintf(run->first_store_error, sizeof run->first_store_error, "%s: events[%d]: %s returned %s",
                 run->scenario->name, event ? event->index : -1, call, store_error_name(status));
}

/* List the store and judge every item. Returns 0, or ENGINE when the store failed to list. */
static int audit(struct run *run, int64_t now)
{
    run->epoch++;
    run->audits++;
    int status = run->store.table->list_items(run->store.store, now, NULL, mark_listed, run);
    if (status != 0) {
        store_error(run, NULL, "list_items", status);
        return WAKECERT_ERROR_ENGINE;
    }
    for (size_t i = 0; i < run->item_count; i++)
        judge(run, &run->items[i], run->items[i].seen_epoch == run->epoch, now);
    return 0;
}

/* ---- events ----------------------------------------------------------------------------------------- */

static void on_skill_delivery(void *ctx, const char *skill, const char *request_id, const char *content,
                              const uint8_t *audio, size_t audio_size)
{
    struct run *run = ctx;
    if (run->delivery_count >= (int)(sizeof run->deliveries / sizeof run->deliveries[0]))
        return;
    struct delivery *delivery = &run->deliveries[run->delivery_count++];
    snprintf(delivery->skill, sizeof delivery->skill, "%s", skill ? skill : "");
    snprintf(delivery->request_id, sizeof delivery->request_id, "%s", request_id ? request_id : "");
    snprintf(delivery->content, sizeof delivery->content, "%s", content ? content : "");
    delivery->audio_size = audio ? audio_size : 0;
}

static void skill_violation(struct run *run, int requirement, const struct scenario_event *event, const char *expected,
                            const char *observed)
{
    cJSON *evidence = cJSON_CreateObject();
    char item[SCENARIO_NAME_SIZE + 16], line[256], when[32];
    snprintf(item, sizeof item, "request:%s", event->id);
    civil_format_time(event->time, when, sizeof when);
    cJSON_AddStringToObject(evidence, "scenario", run->scenario->name);
    cJSON_AddStringToObject(evidence, "item", item);
    cJSON_AddStringToObject(evidence, "account", event->account);
    cJSON_AddStringToObject(evidence, "skill", event->skill);
    cJSON_AddStringToObject(evidence, "created", when);
    cJSON_AddStringToObject(evidence, "expected", expected);
    cJSON_AddStringToObject(evidence, "observed", observed);
    snprintf(line, sizeof line, "%.60s: %.60s to skill %.40s: %.80s", run->scenario->name, item, event->skill, observed);
    record_violation(run, 1u << requirement, evidence, line);
}

/* Judge what a record_request delivered to skills. */
static void check_deliveries(struct run *run, const struct scenario_event *event, const struct oracle_account *account)
{
    const int has_skill = event->skill[0] != '\0';
    const int permitted = has_skill && (!event->skill_is_kid || account->settings.kid_skills_permission);
    int delivered = 0;
    for (int i = 0; i < run->delivery_count; i++) {
        const struct delivery *delivery = &run->deliveries[i];
        char observed[192];
        delivered++;
        run->stats[REQ_SKILL_CONTENT_NOT_AUDIO].checks++;
        if (delivery->audio_size > 0) {
            snprintf(observed, sizeof observed, "skill received %zu bytes of audio", delivery->audio_size);
            skill_violation(run, REQ_SKILL_CONTENT_NOT_AUDIO, event, "request content only, no audio", observed);
        } else if (!has_skill || strcmp(delivery->content, event->transcript) != 0 ||
                   strcmp(delivery->request_id, event->id) != 0) {
            snprintf(observed, sizeof observed, "skill %s received \"%.80s\" for request %s", delivery->skill,
                     delivery->content, delivery->request_id);
            skill_violation(run, REQ_SKILL_CONTENT_NOT_AUDIO, event, "the request's transcript", observed);
        }
    }
    if (event->skill_is_kid) {
        run->stats[REQ_KID_SKILL_PERMISSION].checks++;
        if (permitted && !delivered)
            skill_violation(run, REQ_KID_SKILL_PERMISSION, event, "delivered (parental permission given)",
                            "not delivered");
        else if (!permitted && delivered)
            skill_violation(run, REQ_KID_SKILL_PERMISSION, event, "not delivered (no parental permission)",
                            "delivered to the kid skill");
    } else if (has_skill && !delivered) {
        run->stats[REQ_SKILL_CONTENT_NOT_AUDIO].checks++;
        skill_violation(run, REQ_SKILL_CONTENT_NOT_AUDIO, event, "request content delivered", "nothing delivered");
    }
}

static int find_account(struct run *run, const struct scenario_event *event, char *message, size_t message_size)
{
    int index = map_get(&run->account_map, event->account);
    if (index < 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                  "%s: events[%d].account: \"%s\" was not created before", run->scenario->path[0] ? run->scenario->path : run->scenario->name,
                                  event->index, event->account);
    return index;
}

/* Apply deletion of recordings selected by `selects` at `now`: those in the marketplace get `reason`;
 * same-selection recordings elsewhere get the marketplace_scope tag. */
static void delete_matching(struct run *run, struct oracle_account *account, const char *marketplace, int64_t now,
                            int reason, int64_t from, int64_t to, uint32_t refused_tag)
{
    for (size_t i = 0; i < account->recording_count; i++) {
        struct oracle_item *audio = &run->items[account->recordings[i]];
        struct oracle_item *transcript = audio + 1;
        if (audio->created < from || audio->created >= to)
            continue;
        if (refused_tag) {
            if (strcmp(audio->marketplace, marketplace) == 0) {
                audio->tags |= refused_tag;
                transcript->tags |= refused_tag;
            }
            continue;
        }
        if (strcmp(audio->marketplace, marketplace) == 0) {
            schedule_deletion(audio, now, reason);
            schedule_deletion(transcript, now, reason);
        } else {
            audio->tags |= 1u << REQ_MARKETPLACE_SCOPE;
            transcript->tags |= 1u << REQ_MARKETPLACE_SCOPE;
        }
    }
}

static int64_t audio_pattern_seed;

static int apply_event(struct run *run, const struct scenario_event *event, char *message, size_t message_size)
{
    const struct wakecert_store_table *table = run->store.table;
    wakecert_store *store = run->store.store;
    const int64_t now = event->time;
    int status = 0;
    run->events++;
    if (event->op == OP_ADVANCE)
        return 0;
    if (event->op == OP_CREATE_ACCOUNT) {
        if (map_get(&run->account_map, event->account) >= 0)
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                      "%s: events[%d].account: \"%s\" already exists", run->scenario->name, event->index,
                                      event->account);
        if (run->account_count == run->account_capacity) {
            size_t capacity = run->account_capacity ? run->account_capacity * 2 : 64;
            struct oracle_account *grown = realloc(run->accounts, capacity * sizeof *grown);
            if (!grown)
                return WAKECERT_ERROR_NO_MEMORY;
            run->accounts = grown;
            run->account_capacity = capacity;
            map_clear(&run->account_map);
            for (size_t i = 0; i < run->account_count; i++)
                map_put(&run->account_map, run->accounts[i].name, (int)i);
        }
        struct oracle_account *account = &run->accounts[run->account_count];
        memset(account, 0, sizeof *account);
        snprintf(account->name, sizeof account->name, "%s", event->account);
        snprintf(account->marketplace, sizeof account->marketplace, "%s", event->marketplace);
        account->settings.struct_size = sizeof account->settings;
        if (map_put(&run->account_map, account->name, (int)run->account_count) != 0)
            return WAKECERT_ERROR_NO_MEMORY;
        run->account_count++;
        status = table->create_account(store, now, event->account, event->marketplace);
        if (status)
            store_error(run, event, "create_account", status);
        return 0;
    }
    const int account_index = find_account(run, event, message, message_size);
    if (account_index < 0)
        return account_index;
    struct oracle_account *account = &run->accounts[account_index];
    const char *marketplace = event->marketplace[0] ? event->marketplace : account->marketplace;
    switch (event->op) {
    case OP_SETTINGS: {
        const int previous = account->settings.retention_policy;
        if (event->set_retention)
            account->settings.retention_policy = event->retention;
        if (event->set_deletion_by_voice)
            account->settings.deletion_by_voice = event->deletion_by_voice;
        if (event->set_follow_up)
            account->settings.follow_up = event->follow_up;
        if (event->set_kid_permission)
            account->settings.kid_skills_permission = event->kid_permission;
        status = table->update_settings(store, now, event->account, &account->settings);
        if (status)
            store_error(run, event, "update_settings", status);
        const int policy = account->settings.retention_policy;
        if (policy == WAKECERT_RETENTION_DONT_SAVE && previous != WAKECERT_RETENTION_DONT_SAVE) {
            for (size_t i = 0; i < account->recording_count; i++) {
                schedule_deletion(&run->items[account->recordings[i]], now, REQ_DONT_SAVE_AUDIO);
                schedule_deletion(&run->items[account->recordings[i] + 1], now, REQ_DONT_SAVE_AUDIO);
            }
            for (size_t i = 0; i < run->item_count; i++)
                if (run->items[i].kind == WAKECERT_ITEM_VOICE_PROFILE && run->items[i].account == account_index)
                    schedule_deletion(&run->items[i], now, REQ_VOICE_ID_DISABLED_BY_DONT_SAVE);
        } else if (policy != WAKECERT_RETENTION_DONT_SAVE) {
            for (size_t i = 0; i < account->recording_count; i++) {
                apply_policy(&run->items[account->recordings[i]], policy, now);
                apply_policy(&run->items[account->recordings[i] + 1], policy, now);
            }
        }
        break;
    }
    case OP_SET_MARKETPLACE:
        snprintf(account->marketplace, sizeof account->marketplace, "%s", event->marketplace);
        break;
    case OP_RECORD: {
        if (find_item(run, WAKECERT_ITEM_AUDIO, event->id))
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: events[%d].id: \"%s\" reused",
                                      run->scenario->name, event->index, event->id);
        uint8_t audio[4096];
        const size_t audio_size = (size_t)event->audio_bytes < sizeof audio ? (size_t)event->audio_bytes : sizeof audio;
        for (size_t i = 0; i < audio_size; i++)
            audio[i] = (uint8_t)(hash_string(event->id) + i * 131 + (uint64_t)audio_pattern_seed);
        struct wakecert_store_request request = {.struct_size = sizeof request};
        request.id = event->id;
        request.account = event->account;
        request.device = event->device;
        request.marketplace = marketplace;
        request.audio = audio;
        request.audio_size = audio_size;
        request.transcript = event->transcript;
        request.kid = event->kid;
        request.skill = event->skill[0] ? event->skill : NULL;
        request.skill_is_kid = event->skill_is_kid;
        request.action_kind = event->action_kind[0] ? event->action_kind : NULL;
        request.action_id = event->action_kind[0] ? event->action_id : NULL;
        run->delivery_count = 0;
        status = table->record_request(store, now, &request);
        if (status)
            store_error(run, event, "record_request", status);
        const int policy = account->settings.retention_policy;
        int audio_index = add_item(run, WAKECERT_ITEM_AUDIO, event->id, account_index, marketplace, now);
        int transcript_index = audio_index < 0 ? audio_index
                                               : add_item(run, WAKECERT_ITEM_TRANSCRIPT, event->id, account_index,
                                                          marketplace, now);
        if (transcript_index < 0)
            return WAKECERT_ERROR_NO_MEMORY;
        struct oracle_item *audio_item = &run->items[audio_index], *transcript_item = &run->items[transcript_index];
        if (policy == WAKECERT_RETENTION_DONT_SAVE) {
            schedule_deletion(audio_item, now, REQ_DONT_SAVE_AUDIO);
            transcript_item->dont_save_transcript = 1;
            transcript_item->fixed_deadline = now + 30 * (int64_t)CIVIL_DAY_SECONDS;
            transcript_item->fixed_reason = REQ_DONT_SAVE_TRANSCRIPT_30_DAYS;
        } else {
            apply_policy(audio_item, policy, now);
            apply_policy(transcript_item, policy, now);
        }
        if (account->recording_count == account->recording_capacity) {
            size_t capacity = account->recording_capacity ? account->recording_capacity * 2 : 8;
            int *grown = realloc(account->recordings, capacity * sizeof *grown);
            if (!grown)
                return WAKECERT_ERROR_NO_MEMORY;
            account->recordings = grown;
            account->recording_capacity = capacity;
        }
        account->recordings[account->recording_count++] = audio_index;
        int slot = 0;
        while (slot < account->last_count && strcmp(account->last[slot].marketplace, marketplace) != 0)
            slot++;
        if (slot < 4) {
            snprintf(account->last[slot].marketplace, sizeof account->last[slot].marketplace, "%s", marketplace);
            account->last[slot].audio_item = audio_index;
            if (slot == account->last_count)
                account->last_count++;
        }
        if (request.action_kind) {
            int action_index = add_item(run, WAKECERT_ITEM_ACTION, event->action_id, account_index, NULL, now);
            if (action_index < 0)
                return action_index;
        }
        check_deliveries(run, event, account);
        break;
    }
    case OP_DELETE_ONE: {
        status = table->delete_recording(store, now, event->account, event->id);
        if (status && status != WAKECERT_STORE_ERROR_NOT_FOUND)
            store_error(run, event, "delete_recording", status);
        struct oracle_item *audio_item = find_item(run, WAKECERT_ITEM_AUDIO, event->id);
        if (audio_item && audio_item->account == account_index) {
            schedule_deletion(audio_item, now, REQ_DELETE_ONE);
            schedule_deletion(audio_item + 1, now, REQ_DELETE_ONE);
        }
        break;
    }
    case OP_DELETE_RANGE:
        status = table->delete_range(store, now, event->account, marketplace, event->from, event->to);
        if (status)
            store_error(run, event, "delete_range", status);
        delete_matching(run, account, marketplace, now, REQ_DELETE_DATE_RANGE, event->from, event->to, 0);
        break;
    case OP_DELETE_ALL:
        status = table->delete_all(store, now, event->account, marketplace);
        if (status)
            store_error(run, event, "delete_all", status);
        delete_matching(run, account, marketplace, now, REQ_DELETE_ALL, INT64_MIN, NEVER, 0);
        break;
    case OP_DELETE_BY_VOICE: {
        const char *speaker = event->profile[0] ? event->profile : NULL;
        const int allowed = account->settings.deletion_by_voice ||
                            (speaker && voice_profile_alive(run, account_index, speaker, now));
        status = table->delete_by_voice(store, now, event->account, marketplace, event->device, event->scope, speaker);
        if (status && !(status == WAKECERT_STORE_ERROR_NOT_ALLOWED && !allowed))
            store_error(run, event, "delete_by_voice", status);
        const uint32_t refused = allowed ? 0 : 1u << REQ_DELETE_BY_VOICE_REQUIRES_ENABLED;
        if (!allowed)
            run->stats[REQ_DELETE_BY_VOICE_REQUIRES_ENABLED].declared = 1;
        if (event->scope == WAKECERT_VOICE_DELETE_EVERYTHING) {
            delete_matching(run, account, marketplace, now, REQ_DELETE_BY_VOICE_EVERYTHING, INT64_MIN, NEVER, refused);
        } else if (event->scope == WAKECERT_VOICE_DELETE_TODAY) {
            delete_matching(run, account, marketplace, now, REQ_DELETE_BY_VOICE_TODAY, civil_day_start(now), now + 1,
                            refused);
        } else {
            for (int slot = 0; slot < account->last_count; slot++) {
                struct oracle_item *audio_item = &run->items[account->last[slot].audio_item];
                const int here = strcmp(account->last[slot].marketplace, marketplace) == 0;
                if (refused) {
                    if (here)
                        audio_item->tags |= refused, (audio_item + 1)->tags |= refused;
                } else if (here) {
                    schedule_deletion(audio_item, now, REQ_DELETE_BY_VOICE_LAST);
                    schedule_deletion(audio_item + 1, now, REQ_DELETE_BY_VOICE_LAST);
                } else {
                    audio_item->tags |= 1u << REQ_MARKETPLACE_SCOPE;
                    (audio_item + 1)->tags |= 1u << REQ_MARKETPLACE_SCOPE;
                }
            }
        }
        break;
    }
    case OP_ENROLL: {
        const int kind = event->profile_kind;
        status = table->enroll_profile(store, now, event->account, kind, event->profile);
        const int refused = kind == WAKECERT_PROFILE_VOICE &&
                            account->settings.retention_policy == WAKECERT_RETENTION_DONT_SAVE;
        if (status && !(refused && status == WAKECERT_STORE_ERROR_NOT_ALLOWED))
            store_error(run, event, "enroll_profile", status);
        if (find_item(run, kind, event->profile))
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                      "%s: events[%d].profile: \"%s\" reused", run->scenario->name, event->index,
                                      event->profile);
        int index = add_item(run, kind, event->profile, account_index, NULL, now);
        if (index < 0)
            return index;
        struct oracle_item *item = &run->items[index];
        if (refused) {
            schedule_deletion(item, now, REQ_VOICE_ID_DISABLED_BY_DONT_SAVE);
        } else {
            item->policy_deadline = civil_add_months(now, kind == WAKECERT_PROFILE_VOICE ? 36 : 18);
            item->policy_reason = kind == WAKECERT_PROFILE_VOICE ? REQ_VOICE_ID_3_YEARS : REQ_VISUAL_ID_18_MONTHS;
        }
        break;
    }
    case OP_RECOGNISE:
    case OP_DELETE_PROFILE: {
        const int kind = event->profile_kind;
        struct oracle_item *item = find_item(run, kind, event->profile);
        int reason;
        const int alive = item && item->account == account_index && item_deadline(item, &reason) > now;
        if (event->op == OP_RECOGNISE)
            status = table->recognise_profile(store, now, event->account, kind, event->profile);
        else
            status = table->delete_profile(store, now, event->account, kind, event->profile);
        if (status && !(status == WAKECERT_STORE_ERROR_NOT_FOUND && !alive))
            store_error(run, event, event->op == OP_RECOGNISE ? "recognise_profile" : "delete_profile", status);
        if (alive && event->op == OP_RECOGNISE)
            item->policy_deadline = civil_add_months(now, kind == WAKECERT_PROFILE_VOICE ? 36 : 18);
        else if (alive)
            schedule_deletion(item, now, kind == WAKECERT_PROFILE_VOICE ? REQ_VOICE_ID_3_YEARS : REQ_VISUAL_ID_18_MONTHS);
        break;
    }
    default:
        break;
    }
    return 0;
}

/* ---- running a scenario ----------------------------------------------------------------------------------- */

static int remove_entry(const char *path, const struct stat *info, int flag, struct FTW *ftw)
{
    (void)info, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

static void reset_oracle(struct run *run)
{
    for (size_t i = 0; i < run->account_count; i++)
        free(run->accounts[i].recordings);
    free(run->accounts);
    free(run->items);
    map_clear(&run->item_map);
    map_clear(&run->account_map);
    run->accounts = NULL;
    run->items = NULL;
    run->account_count = run->account_capacity = run->item_count = run->item_capacity = 0;
}

static int run_scenario(struct run *run, const struct scenario *scenario, const char *directory, char *message,
                        size_t message_size)
{
    run->scenario = scenario;
    run->scenarios++;
    for (int requirement = 0; requirement < REQ_COUNT; requirement++)
        if (scenario->declared & (1u << requirement))
            run->stats[requirement].declared = 1;
    struct wakecert_store_host host = {sizeof host, run, on_skill_delivery};
    int status = store_handle_open(&run->store, &host, directory, run->options->store_config, message, message_size);
    if (status)
        return status;
    int64_t clock = scenario->start;
    int64_t next_audit = scenario->start + scenario->audit_interval;
    for (size_t i = 0; status == 0 && i < scenario->event_count; i++) {
        const struct scenario_event *event = &scenario->events[i];
        while (status == 0 && clock < event->time) {
            clock = event->time - clock > scenario->step_seconds ? clock + scenario->step_seconds : event->time;
            int rc = run->store.table->advance_clock(run->store.store, clock);
            if (rc)
                store_error(run, event, "advance_clock", rc);
            if (scenario->audit_interval <= 0) {
                status = audit(run, clock);
            } else if (clock >= next_audit) {
                status = audit(run, clock);
                while (next_audit <= clock)
                    next_audit += scenario->audit_interval;
            }
        }
        if (status == 0)
            status = apply_event(run, event, message, message_size);
        if (status == 0 && scenario->audit_after_events)
            status = audit(run, clock);
        if (run->store.is_exec && store_exec_died(run->store.store))
            status = WAKECERT_ERROR_ENGINE;
    }
    if (status == 0)
        status = audit(run, clock);
    run->simulated_days += (double)(clock - scenario->start) / CIVIL_DAY_SECONDS;
    if (status == WAKECERT_ERROR_ENGINE) {
        /* The store died or could not list: what the scenario covers cannot be judged. */
        for (int requirement = 0; requirement < REQ_COUNT; requirement++)
            if (scenario->declared & (1u << requirement))
                run->stats[requirement].crashed = 1;
        status = 0;
    } else if (status == 0) {
        /* Items still present at the end were protected throughout: count those checks. */
        for (size_t i = 0; i < run->item_count; i++) {
            if (run->items[i].state != ITEM_ACTIVE)
                continue;
            const uint32_t mask = protecting(run, &run->items[i]);
            for (int requirement = 0; requirement < REQ_COUNT; requirement++)
                if (mask & (1u << requirement))
                    run->stats[requirement].checks++;
        }
    }
    store_handle_close(&run->store);
    reset_oracle(run);
    return status;
}

static void fill_results(struct run *run, struct wakecert_results *results)
{
    for (int requirement = 0; requirement < REQ_COUNT; requirement++) {
        struct requirement_stats *stats = &run->stats[requirement];
        if (!stats->declared && stats->checks == 0)
            continue;
        struct wakecert_requirement_result *result = wakecert_results_add(results, retention_requirement_name(requirement));
        if (!result)
            break;
        result->mustpass = true;
        result->has_measurement = true;
        result->measured = (double)stats->violations;
        result->threshold = 0;
        snprintf(result->comparison, sizeof result->comparison, "<=");
        snprintf(result->unit, sizeof result->unit, "count");
        if (stats->violations) {
            result->status = WAKECERT_STATUS_FAIL;
            snprintf(result->summary, sizeof result->summary, "%ld violation(s) in %ld checks; first: %s",
                     stats->violations, stats->checks, stats->first_failure);
        } else if (stats->crashed) {
            result->status = WAKECERT_STATUS_CRASH;
            snprintf(result->summary, sizeof result->summary, "the store failed during a scenario covering it: %.200s",
                     run->first_store_error);
        } else if (stats->checks == 0) {
            result->status = WAKECERT_STATUS_INTERNAL_ERROR;
            result->has_measurement = false;
            snprintf(result->summary, sizeof result->summary,
                     "declared by a scenario but never exercised: the scenario set is wrong");
        } else {
            result->status = WAKECERT_STATUS_PASS;
            snprintf(result->summary, sizeof result->summary, "%ld checks, no violation", stats->checks);
        }
        cJSON *evidence;
        while (stats->evidence && (evidence = cJSON_DetachItemFromArray(stats->evidence, 0)) != NULL)
            wakecert_requirement_add_evidence(result, evidence, EVIDENCE_LIMIT);
        if (!result->details)
            result->details = cJSON_CreateObject();
        cJSON_AddNumberToObject(result->details, "checks", (double)stats->checks);
        cJSON_AddNumberToObject(result->details, "violations", (double)stats->violations);
        if (stats->omitted)
            cJSON_AddNumberToObject(result->details, "violations_without_evidence", (double)stats->omitted);
    }
}

int retention_certify(const struct retention_options *options, struct wakecert_results *results, char *message,
                      size_t message_size)
{
    memset(results, 0, sizeof *results);
    struct timespec started;
    clock_gettime(CLOCK_MONOTONIC, &started);
    time_t wall = time(NULL);
    struct tm utc;
    gmtime_r(&wall, &utc);
    strftime(results->started_at, sizeof results->started_at, "%Y-%m-%dT%H:%M:%SZ", &utc);
    snprintf(results->kind, sizeof results->kind, "retention");
    snprintf(results->profile, sizeof results->profile, "retention-default");
    snprintf(results->profile_version, sizeof results->profile_version, "1");
    snprintf(results->corpus_name, sizeof results->corpus_name, "%s",
             options->scenario_set_name ? options->scenario_set_name : "scenarios");

    struct run *run = calloc(1, sizeof *run);
    if (!run)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
    run->options = options;
    run->grace = (int64_t)((options->grace_hours > 0 ? options->grace_hours : 0) * 3600);
    int status = store_handle_load(options->store, &run->store, message, message_size);
    char root[4096] = "";
    if (status == 0) {
        const char *tmp = getenv("TMPDIR");
        snprintf(root, sizeof root, "%s/wakecert-retention-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
        if (!mkdtemp(root))
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_IO, "%s: cannot create a store directory",
                                        root);
    }
    char hashes[65 * 64 + 1] = "";
    size_t hash_length = 0;
    const size_t total = options->scenario_count + (options->use_random ? 1 : 0);
    for (size_t i = 0; status == 0 && i < total; i++) {
        struct scenario scenario;
        if (i < options->scenario_count)
            status = scenario_load(options->scenario_paths[i], &scenario, message, message_size);
        else
            status = scenario_generate(options->random_seed, options->random_accounts, &scenario, message, message_size);
        if (status)
            break;
        if (i >= options->scenario_count)
            scenario.declared = 0; /* the randomized scenario reports what it happens to cover */
        if (hash_length + 65 < sizeof hashes) {
            memcpy(hashes + hash_length, scenario.sha256, 64);
            hash_length += 64;
            hashes[hash_length] = '\0';
        }
        char directory[4200];
        snprintf(directory, sizeof directory, "%s/%zu", root, i);
        if (mkdir(directory, 0700) != 0)
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_IO, "%s: cannot create", directory);
        struct timespec scenario_started, scenario_ended;
        clock_gettime(CLOCK_MONOTONIC, &scenario_started);
        if (status == 0)
            status = run_scenario(run, &scenario, directory, message, message_size);
        clock_gettime(CLOCK_MONOTONIC, &scenario_ended);
        if (options->verbose)
            fprintf(stderr, "retention: %s: %zu events, %.2f s\n", scenario.name, scenario.event_count,
                    (double)(scenario_ended.tv_sec - scenario_started.tv_sec) +
                        (double)(scenario_ended.tv_nsec - scenario_started.tv_nsec) / 1e9);
        scenario_free(&scenario);
    }
    if (root[0])
        nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    if (status == 0) {
        snprintf(results->engine_name, sizeof results->engine_name, "%s", run->store.name);
        snprintf(results->engine_version, sizeof results->engine_version, "%s", run->store.version);
        snprintf(results->engine_path, sizeof results->engine_path, "%s", run->store.path[0] ? run->store.path : options->store);
        snprintf(results->engine_sha256, sizeof results->engine_sha256, "%s", run->store.sha256);
        wakecert_sha256_buffer(hashes, hash_length, results->corpus_sha256);
        results->metrics = cJSON_CreateObject();
        cJSON_AddNumberToObject(results->metrics, "scenarios", (double)run->scenarios);
        cJSON_AddNumberToObject(results->metrics, "events", (double)run->events);
        cJSON_AddNumberToObject(results->metrics, "audits", (double)run->audits);
        cJSON_AddNumberToObject(results->metrics, "items", (double)run->total_items);
        cJSON_AddNumberToObject(results->metrics, "simulated_days", run->simulated_days);
        cJSON_AddNumberToObject(results->metrics, "grace_hours", (double)run->grace / 3600.0);
        cJSON_AddNumberToObject(results->metrics, "store_errors", (double)run->store_errors);
        cJSON_AddNumberToObject(results->metrics, "unknown_items_listed", (double)run->unknown_items);
        if (run->first_store_error[0])
            cJSON_AddStringToObject(results->metrics, "first_store_error", run->first_store_error);
        fill_results(run, results);
    }
    for (int requirement = 0; requirement < REQ_COUNT; requirement++)
        cJSON_Delete(run->stats[requirement].evidence);
    reset_oracle(run);
    store_handle_unload(&run->store);
    free(run);
    struct timespec ended;
    clock_gettime(CLOCK_MONOTONIC, &ended);
    results->wall_seconds = (double)(ended.tv_sec - started.tv_sec) + (double)(ended.tv_nsec - started.tv_nsec) / 1e9;
    return status;
}
