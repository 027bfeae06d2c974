/*
 * Scenario files and the randomized scenario generator (see scenario.h).
 *
 * Parsing is strict: an unknown op, an unknown field, a time that goes backwards or a missing account
 * is an error naming the file, the event index and the field, because a typo in a timeline would
 * otherwise silently test less than it claims. The generator draws from a splitmix64/xorshift stream
 * so the same seed gives the same events on every machine; it builds each account's life in time
 * order, then merges all accounts by time (stable, so equal times keep generation order).
 */
#define _POSIX_C_SOURCE 200809L
#include "scenario.h"

#include "civil_time.h"
#include "error.h"
#include "json.h"
#include "sha256.h"

#include <wakecert/store.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const requirement_names[REQ_COUNT] = {
    "retention.keep_until_deleted",
    "retention.auto_delete_3_months",
    "retention.auto_delete_18_months",
    "retention.dont_save_audio",
    "retention.dont_save_transcript_30_days",
    "retention.delete_one",
    "retention.delete_date_range",
    "retention.delete_all",
    "retention.delete_by_voice_last",
    "retention.delete_by_voice_today",
    "retention.delete_by_voice_everything",
    "retention.delete_by_voice_requires_enabled",
    "retention.voice_id_3_years",
    "retention.voice_id_disabled_by_dont_save",
    "retention.visual_id_18_months",
    "retention.marketplace_scope",
    "retention.action_records_kept",
    "retention.nothing_deleted_early",
    "retention.skill_content_not_audio",
    "retention.kid_skill_permission",
};

const char *retention_requirement_name(int requirement)
{
    return requirement >= 0 && requirement < REQ_COUNT ? requirement_names[requirement] : NULL;
}

int retention_requirement_from_name(const char *name)
{
    for (int i = 0; name && i < REQ_COUNT; i++)
        if (strcmp(requirement_names[i], name) == 0)
            return i;
    return -1;
}

void scenario_free(struct scenario *scenario)
{
    if (!scenario)
        return;
    free(scenario->events);
    memset(scenario, 0, sizeof *scenario);
}

/* Append a zeroed event; returns it or NULL when out of memory. */
static struct scenario_event *append_event(struct scenario *scenario)
{
    if (scenario->event_count == scenario->event_capacity) {
        size_t capacity = scenario->event_capacity ? scenario->event_capacity * 2 : 64;
        struct scenario_event *grown = realloc(scenario->events, capacity * sizeof *grown);
        if (!grown)
            return NULL;
        scenario->events = grown;
        scenario->event_capacity = capacity;
    }
    struct scenario_event *event = &scenario->events[scenario->event_count++];
    memset(event, 0, sizeof *event);
    event->audio_bytes = 3200;
    event->index = (int)scenario->event_count - 1;
    return event;
}

/* ---- parsing ------------------------------------------------------------------------------------ */

static const struct {
    const char *name;
    int op;
} op_names[] = {
    {"create_account", OP_CREATE_ACCOUNT}, {"settings", OP_SETTINGS},         {"set_marketplace", OP_SET_MARKETPLACE},
    {"record", OP_RECORD},                 {"delete_one", OP_DELETE_ONE},     {"delete_range", OP_DELETE_RANGE},
    {"delete_all", OP_DELETE_ALL},         {"delete_by_voice", OP_DELETE_BY_VOICE}, {"enroll", OP_ENROLL},
    {"recognise", OP_RECOGNISE},           {"delete_profile", OP_DELETE_PROFILE}, {"advance", OP_ADVANCE},
};

static const char *const known_fields[] = {
    "at", "after", "op", "account", "marketplace", "id", "device", "transcript", "kid", "skill", "kid_skill",
    "action", "audio_bytes", "kind", "profile", "speaker", "scope", "from", "to", "retention",
    "deletion_by_voice", "follow_up", "kid_skills_permission", "comment", NULL,
};

int retention_policy_from_name(const char *name);
int retention_policy_from_name(const char *name)
{
    if (!name)
        return -1;
    if (strcmp(name, "keep") == 0) return WAKECERT_RETENTION_KEEP;
    if (strcmp(name, "3_months") == 0) return WAKECERT_RETENTION_AUTO_3_MONTHS;
    if (strcmp(name, "18_months") == 0) return WAKECERT_RETENTION_AUTO_18_MONTHS;
    if (strcmp(name, "dont_save") == 0) return WAKECERT_RETENTION_DONT_SAVE;
    return -1;
}

/* Copy a string field into a fixed buffer. Returns 0, 1 if absent (and not required), or FORMAT. */
static int get_string(const cJSON *object, const char *field, char *out, size_t out_size, int required,
                      const char *path, int index, char *message, size_t message_size)
{
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(object, field);
    if (!value) {
        if (required)
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                      "%s: events[%d].%s: required field missing", path, index, field);
        return 1;
    }
    if (!cJSON_IsString(value) || strlen(value->valuestring) >= out_size || value->valuestring[0] == '\0')
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                  "%s: events[%d].%s: must be a non-empty string shorter than %zu bytes", path,
                                  index, field, out_size);
    memcpy(out, value->valuestring, strlen(value->valuestring) + 1);
    return 0;
}

/* Read a boolean field into (*set, *value). Returns 0 or FORMAT. */
static int get_bool(const cJSON *object, const char *field, int *set, int *value, const char *path, int index,
                    char *message, size_t message_size)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, field);
    if (!item)
        return 0;
    if (!cJSON_IsBool(item))
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: events[%d].%s: must be true or false",
                                  path, index, field);
    if (set)
        *set = 1;
    *value = cJSON_IsTrue(item);
    return 0;
}

static int get_time(const cJSON *object, const char *field, int64_t *out, const char *path, int index,
                    char *message, size_t message_size)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, field);
    if (!cJSON_IsString(item) || civil_parse_time(item->valuestring, out) != 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                  "%s: events[%d].%s: must be a UTC time like \"2023-01-31T10:00:00Z\"", path, index,
                                  field);
    return 0;
}

#define CHECK(expr)                                                                                         \
    do {                                                                                                    \
        int check_status_ = (expr);                                                                         \
        if (check_status_ < 0)                                                                              \
            return check_status_;                                                                           \
    } while (0)

/* Parse one event object into `event` (whose time the caller sets). Returns 0 or FORMAT. */
static int parse_event(const cJSON *object, struct scenario_event *event, const char *path, int index,
                       char *message, size_t message_size)
{
    for (const cJSON *field = object->child; field; field = field->next) {
        int known = 0;
        for (int i = 0; known_fields[i]; i++)
            known |= strcmp(known_fields[i], field->string) == 0;
        if (!known)
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: events[%d].%s: unknown field",
                                      path, index, field->string);
    }
    const char *op = wakecert_json_string(object, "op");
    event->op = 0;
    for (size_t i = 0; op && i < sizeof op_names / sizeof op_names[0]; i++)
        if (strcmp(op_names[i].name, op) == 0)
            event->op = op_names[i].op;
    if (!event->op)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                  "%s: events[%d].op: missing or unknown operation \"%s\"", path, index, op ? op : "");
    if (event->op == OP_ADVANCE)
        return 0;
    CHECK(get_string(object, "account", event->account, sizeof event->account, 1, path, index, message, message_size));
    CHECK(get_string(object, "marketplace", event->marketplace, sizeof event->marketplace, event->op == OP_CREATE_ACCOUNT ||
                                                                                              event->op == OP_SET_MARKETPLACE,
                     path, index, message, message_size));
    CHECK(get_string(object, "device", event->device, sizeof event->device, 0, path, index, message, message_size));
    if (!event->device[0])
        strcpy(event->device, "echo-1");
    switch (event->op) {
    case OP_SETTINGS: {
        const cJSON *retention = cJSON_GetObjectItemCaseSensitive(object, "retention");
        if (retention) {
            event->set_retention = 1;
            event->retention = retention_policy_from_name(cJSON_IsString(retention) ? retention->valuestring : NULL);
            if (event->retention < 0)
                return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                          "%s: events[%d].retention: must be \"keep\", \"3_months\", \"18_months\" or "
                                          "\"dont_save\"",
                                          path, index);
        }
        CHECK(get_bool(object, "deletion_by_voice", &event->set_deletion_by_voice, &event->deletion_by_voice, path, index,
                       message, message_size));
        CHECK(get_bool(object, "follow_up", &event->set_follow_up, &event->follow_up, path, index, message, message_size));
        CHECK(get_bool(object, "kid_skills_permission", &event->set_kid_permission, &event->kid_permission, path, index,
                       message, message_size));
        break;
    }
    case OP_RECORD: {
        CHECK(get_string(object, "id", event->id, sizeof event->id, 1, path, index, message, message_size));
        if (get_string(object, "transcript", event->transcript, sizeof event->transcript, 0, path, index, message,
                       message_size) < 0)
            return WAKECERT_ERROR_FORMAT;
        if (!event->transcript[0])
            snprintf(event->transcript, sizeof event->transcript, "request %s", event->id);
        CHECK(get_bool(object, "kid", NULL, &event->kid, path, index, message, message_size));
        CHECK(get_string(object, "skill", event->skill, sizeof event->skill, 0, path, index, message, message_size));
        CHECK(get_bool(object, "kid_skill", NULL, &event->skill_is_kid, path, index, message, message_size));
        const cJSON *audio_bytes = cJSON_GetObjectItemCaseSensitive(object, "audio_bytes");
        if (audio_bytes) {
            if (!cJSON_IsNumber(audio_bytes) || audio_bytes->valuedouble < 1 || audio_bytes->valuedouble > 1 << 20)
                return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                          "%s: events[%d].audio_bytes: must be a number from 1 to 1048576", path, index);
            event->audio_bytes = (int)audio_bytes->valuedouble;
        }
        const cJSON *action = cJSON_GetObjectItemCaseSensitive(object, "action");
        if (action) {
            if (!cJSON_IsObject(action))
                return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                          "%s: events[%d].action: must be an object {\"kind\", \"id\"}", path, index);
            int rc1 = get_string(action, "kind", event->action_kind, sizeof event->action_kind, 1, path, index, message,
                                 message_size);
            int rc2 = rc1 < 0 ? rc1
                              : get_string(action, "id", event->action_id, sizeof event->action_id, 1, path, index, message,
                                           message_size);
            if (rc1 < 0 || rc2 < 0)
                return WAKECERT_ERROR_FORMAT;
        }
        break;
    }
    case OP_DELETE_ONE:
        CHECK(get_string(object, "id", event->id, sizeof event->id, 1, path, index, message, message_size));
        break;
    case OP_DELETE_RANGE:
        CHECK(get_time(object, "from", &event->from, path, index, message, message_size));
        CHECK(get_time(object, "to", &event->to, path, index, message, message_size));
        if (event->to < event->from)
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: events[%d].to: before \"from\"",
                                      path, index);
        break;
    case OP_DELETE_BY_VOICE: {
        const char *scope = wakecert_json_string(object, "scope");
        event->scope = !scope                           ? 0
                       : strcmp(scope, "last") == 0       ? WAKECERT_VOICE_DELETE_LAST
                       : strcmp(scope, "today") == 0      ? WAKECERT_VOICE_DELETE_TODAY
                       : strcmp(scope, "everything") == 0 ? WAKECERT_VOICE_DELETE_EVERYTHING
                                                          : 0;
        if (!event->scope)
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                      "%s: events[%d].scope: must be \"last\", \"today\" or \"everything\"", path, index);
        CHECK(get_string(object, "speaker", event->profile, sizeof event->profile, 0, path, index, message, message_size));
        break;
    }
    case OP_ENROLL:
    case OP_RECOGNISE:
    case OP_DELETE_PROFILE: {
        const char *kind = wakecert_json_string(object, "kind");
        event->profile_kind = !kind                        ? 0
                              : strcmp(kind, "voice") == 0  ? WAKECERT_PROFILE_VOICE
                              : strcmp(kind, "visual") == 0 ? WAKECERT_PROFILE_VISUAL
                                                            : 0;
        if (!event->profile_kind)
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                      "%s: events[%d].kind: must be \"voice\" or \"visual\"", path, index);
        CHECK(get_string(object, "profile", event->profile, sizeof event->profile, 1, path, index, message, message_size));
        break;
    }
    default:
        break;
    }
    return 0;
}

int scenario_load(const char *path, struct scenario *out, char *message, size_t message_size)
{
    memset(out, 0, sizeof *out);
    cJSON *root = NULL;
    int status = wakecert_json_load_file(path, &root, message, message_size);
    if (status)
        return status;
    status = wakecert_sha256_file(path, out->sha256, message, message_size);
    snprintf(out->path, sizeof out->path, "%s", path);
    const char *schema = wakecert_json_string(root, "schema");
    const char *name = wakecert_json_string(root, "name");
    const char *start = wakecert_json_string(root, "start");
    const cJSON *events = cJSON_GetObjectItemCaseSensitive(root, "events");
    const cJSON *requirements = cJSON_GetObjectItemCaseSensitive(root, "requirements");
    if (status == 0 && (!schema || strcmp(schema, "wakecert-retention-scenario/1") != 0))
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                    "%s: schema: must be \"wakecert-retention-scenario/1\"", path);
    else if (status == 0 && (!name || strlen(name) >= sizeof out->name))
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: name: missing or too long", path);
    else if (status == 0 && (!start || civil_parse_time(start, &out->start) != 0))
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                    "%s: start: missing or not a UTC time like \"2023-01-31T10:00:00Z\"", path);
    else if (status == 0 && !cJSON_IsArray(events))
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: events: missing or not an array",
                                    path);
    else if (status == 0 && !cJSON_IsArray(requirements))
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                    "%s: requirements: missing or not an array of retention.* ids", path);
    if (status == 0) {
        snprintf(out->name, sizeof out->name, "%s", name);
        const double step_hours = wakecert_json_number(root, "step_hours", 6);
        if (step_hours <= 0 || step_hours > 24 * 31)
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                        "%s: step_hours: must be a number of hours in (0, 744]", path);
        out->step_seconds = (int64_t)(step_hours * 3600);
        out->audit_interval = 0;
        out->audit_after_events = 1;
        int index = 0;
        for (const cJSON *item = requirements->child; status == 0 && item; item = item->next, index++) {
            int requirement = retention_requirement_from_name(cJSON_IsString(item) ? item->valuestring : NULL);
            if (requirement < 0)
                status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                            "%s: requirements[%d]: not a known retention requirement id", path, index);
            else
                out->declared |= 1u << requirement;
        }
    }
    int64_t previous = out->start;
    int index = 0;
    for (const cJSON *object = status == 0 ? events->child : NULL; status == 0 && object; object = object->next, index++) {
        struct scenario_event *event = append_event(out);
        if (!event) {
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "%s: out of memory", path);
            break;
        }
        event->index = index;
        if (!cJSON_IsObject(object)) {
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: events[%d]: not an object",
                                        path, index);
            break;
        }
        const char *at = wakecert_json_string(object, "at");
        const char *after = wakecert_json_string(object, "after");
        event->time = previous;
        if (at && after)
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                        "%s: events[%d]: give \"at\" or \"after\", not both", path, index);
        else if (at && civil_parse_time(at, &event->time) != 0)
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                        "%s: events[%d].at: not a UTC time like \"2023-01-31T10:00:00Z\"", path, index);
        else if (after && civil_apply_duration(after, previous, &event->time) != 0)
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                        "%s: events[%d].after: not a duration like \"30d\", \"6h\", \"3M\", \"1Y\"", path,
                                        index);
        else if (event->time < previous)
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                        "%s: events[%d].at: earlier than the event before it", path, index);
        if (status == 0)
            status = parse_event(object, event, path, index, message, message_size);
        previous = event->time;
    }
    cJSON_Delete(root);
    if (status)
        scenario_free(out);
    return status;
}

static int compare_paths(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int scenario_list_directory(const char *directory, char ***out_paths, char *message, size_t message_size)
{
    *out_paths = NULL;
    DIR *dir = opendir(directory);
    if (!dir)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_IO, "%s: cannot open scenario directory",
                                  directory);
    char **paths = NULL;
    int count = 0, capacity = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        size_t length = strlen(entry->d_name);
        if (length < 6 || strcmp(entry->d_name + length - 5, ".json") != 0)
            continue;
        if (count == capacity) {
            capacity = capacity ? capacity * 2 : 32;
            char **grown = realloc(paths, (size_t)capacity * sizeof *grown);
            if (!grown)
                break;
            paths = grown;
        }
        size_t size = strlen(directory) + length + 2;
        paths[count] = malloc(size);
        if (!paths[count])
            break;
        snprintf(paths[count], size, "%s/%s", directory, entry->d_name);
        count++;
    }
    closedir(dir);
    if (count > 1)
        qsort(paths, (size_t)count, sizeof *paths, compare_paths);
    *out_paths = paths;
    return count;
}

/* ---- the randomized scenario ----------------------------------------------------------------------- */

struct rng {
    uint64_t state;
};

static uint64_t rng_next(struct rng *rng)
{
    uint64_t z = (rng->state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform integer in [0, bound). */
static int64_t rng_below(struct rng *rng, int64_t bound)
{
    return bound <= 1 ? 0 : (int64_t)(rng_next(rng) % (uint64_t)bound);
}

static int compare_events(const void *a, const void *b)
{
    const struct scenario_event *x = a, *y = b;
    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

int scenario_generate(uint64_t seed, int accounts, struct scenario *out, char *message, size_t message_size)
{
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "random-seed-%llu-accounts-%d", (unsigned long long)seed, accounts);
    char parameters[128];
    snprintf(parameters, sizeof parameters, "wakecert-retention-random/1 seed=%llu accounts=%d",
             (unsigned long long)seed, accounts);
    wakecert_sha256_buffer(parameters, strlen(parameters), out->sha256);
    civil_parse_time("2021-01-01T00:00:00Z", &out->start);
    const int64_t end = civil_add_months(out->start, 48);
    out->step_seconds = CIVIL_DAY_SECONDS;
    out->audit_interval = 14 * CIVIL_DAY_SECONDS;
    out->audit_after_events = 0;
    out->declared = (1u << REQ_COUNT) - 1;
    struct rng rng = {seed * 0x2545F4914F6CDD1Dull + 1};
    static const char *const marketplaces[] = {"uk", "us", "de"};
    static const char *const skills[] = {"weather", "taxi", "quiz"};
    long request_counter = 0, profile_counter = 0, action_counter = 0;
#define NEW_EVENT(at_time)                                                                                  \
    struct scenario_event *event = append_event(out);                                                      \
    if (!event)                                                                                            \
        goto no_memory;                                                                                    \
    event->time = (at_time);                                                                               \
    snprintf(event->account, sizeof event->account, "acct%d", account);                                   \
    strcpy(event->device, "echo-1")
    for (int account = 0; account < accounts; account++) {
        int64_t now = out->start + rng_below(&rng, 30 * CIVIL_DAY_SECONDS);
        int market = (int)rng_below(&rng, 3);
        int policy = WAKECERT_RETENTION_KEEP;
        long first_request = request_counter;
        char voice_profile[SCENARIO_NAME_SIZE] = "";
        char visual_profile[SCENARIO_NAME_SIZE] = "";
        {
            NEW_EVENT(now);
            event->op = OP_CREATE_ACCOUNT;
            strcpy(event->marketplace, marketplaces[market]);
        }
        while (1) {
            /* One request every ~2 to 12 weeks; other things happen in between. */
            now += CIVIL_DAY_SECONDS * (1 + rng_below(&rng, 84)) + rng_below(&rng, CIVIL_DAY_SECONDS);
            if (now >= end)
                break;
            const int64_t dice = rng_below(&rng, 100);
            if (dice < 62) {
                NEW_EVENT(now);
                event->op = OP_RECORD;
                snprintf(event->id, sizeof event->id, "r%ld", request_counter++);
                snprintf(event->transcript, sizeof event->transcript, "request %s", event->id);
                event->audio_bytes = 64 + (int)rng_below(&rng, 512);
                event->kid = rng_below(&rng, 10) == 0;
                if (rng_below(&rng, 6) == 0) {
                    strcpy(event->skill, skills[rng_below(&rng, 3)]);
                    event->skill_is_kid = strcmp(event->skill, "quiz") == 0;
                }
                if (rng_below(&rng, 5) == 0) {
                    strcpy(event->action_kind, rng_below(&rng, 2) ? "timer" : "reminder");
                    snprintf(event->action_id, sizeof event->action_id, "act%ld", action_counter++);
                }
            } else if (dice < 70) {
                NEW_EVENT(now);
                event->op = OP_SETTINGS;
                const int64_t which = rng_below(&rng, 4);
                if (which == 0 || which == 1) {
                    event->set_retention = 1;
                    policy = (int)rng_below(&rng, 4);
                    event->retention = policy;
                } else if (which == 2) {
                    event->set_deletion_by_voice = 1;
                    event->deletion_by_voice = (int)rng_below(&rng, 2);
                } else {
                    event->set_kid_permission = 1;
                    event->kid_permission = (int)rng_below(&rng, 2);
                }
            } else if (dice < 74 && request_counter > first_request) {
                NEW_EVENT(now);
                event->op = OP_DELETE_ONE;
                snprintf(event->id, sizeof event->id, "r%ld",
                         first_request + (long)rng_below(&rng, request_counter - first_request));
            } else if (dice < 77) {
                NEW_EVENT(now);
                event->op = OP_DELETE_RANGE;
                event->from = now - rng_below(&rng, 365 * CIVIL_DAY_SECONDS);
                event->to = event->from + rng_below(&rng, 90 * CIVIL_DAY_SECONDS);
                strcpy(event->marketplace, marketplaces[market]);
            } else if (dice < 78) {
                NEW_EVENT(now);
                event->op = OP_DELETE_ALL;
                strcpy(event->marketplace, marketplaces[market]);
            } else if (dice < 84) {
                NEW_EVENT(now);
                event->op = OP_DELETE_BY_VOICE;
                event->scope = 1 + (int)rng_below(&rng, 3);
                if (voice_profile[0] && rng_below(&rng, 2))
                    strcpy(event->profile, voice_profile);
            } else if (dice < 88) {
                NEW_EVENT(now);
                event->op = OP_ENROLL;
                event->profile_kind = rng_below(&rng, 2) ? WAKECERT_PROFILE_VOICE : WAKECERT_PROFILE_VISUAL;
                snprintf(event->profile, sizeof event->profile, "p%ld", profile_counter++);
                strcpy(event->profile_kind == WAKECERT_PROFILE_VOICE ? voice_profile : visual_profile, event->profile);
            } else if (dice < 96 && (voice_profile[0] || visual_profile[0])) {
                NEW_EVENT(now);
                event->op = OP_RECOGNISE;
                const int voice = voice_profile[0] && (!visual_profile[0] || rng_below(&rng, 2));
                event->profile_kind = voice ? WAKECERT_PROFILE_VOICE : WAKECERT_PROFILE_VISUAL;
                strcpy(event->profile, voice ? voice_profile : visual_profile);
            } else if (dice < 97 && voice_profile[0]) {
                NEW_EVENT(now);
                event->op = OP_DELETE_PROFILE;
                event->profile_kind = WAKECERT_PROFILE_VOICE;
                strcpy(event->profile, voice_profile);
                voice_profile[0] = '\0';
            } else if (dice >= 98) {
                NEW_EVENT(now);
                event->op = OP_SET_MARKETPLACE;
                market = (market + 1) % 3;
                strcpy(event->marketplace, marketplaces[market]);
            }
        }
    }
#undef NEW_EVENT
    for (size_t i = 0; i < out->event_count; i++)
        out->events[i].index = (int)i;
    qsort(out->events, out->event_count, sizeof *out->events, compare_events);
    for (size_t i = 0; i < out->event_count; i++)
        out->events[i].index = (int)i;
    {
        struct scenario_event *last = append_event(out);
        if (!last)
            goto no_memory;
        last->op = OP_ADVANCE;
        last->time = end;
    }
    return 0;
no_memory:
    scenario_free(out);
    return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "random scenario: out of memory");
}
