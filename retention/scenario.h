/*
 * Retention scenarios: a timeline of what happens to accounts (set-up, settings changes, requests,
 * deletions, profile enrolments and recognitions) on a virtual UTC clock, read from a JSON file
 * (schema wakecert-retention-scenario/1, described in README.md) or generated at random from a seed.
 *
 * A parsed scenario is a flat array of events sorted by time, each with every field it may need in
 * fixed-size buffers: the harness replays it twice in lock step (into the store and into the oracle),
 * and the randomized 4-year scenario holds some 10^5 events, so a plain array beats a tree of cJSON.
 * Also here: the catalogue of requirement ids, one per retention promise.
 */
#ifndef WAKECERT_RETENTION_SCENARIO_H
#define WAKECERT_RETENTION_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

/** The retention requirement ids (stable; README.md explains each). */
enum retention_requirement {
    REQ_KEEP_UNTIL_DELETED,
    REQ_AUTO_DELETE_3_MONTHS,
    REQ_AUTO_DELETE_18_MONTHS,
    REQ_DONT_SAVE_AUDIO,
    REQ_DONT_SAVE_TRANSCRIPT_30_DAYS,
    REQ_DELETE_ONE,
    REQ_DELETE_DATE_RANGE,
    REQ_DELETE_ALL,
    REQ_DELETE_BY_VOICE_LAST,
    REQ_DELETE_BY_VOICE_TODAY,
    REQ_DELETE_BY_VOICE_EVERYTHING,
    REQ_DELETE_BY_VOICE_REQUIRES_ENABLED,
    REQ_VOICE_ID_3_YEARS,
    REQ_VOICE_ID_DISABLED_BY_DONT_SAVE,
    REQ_VISUAL_ID_18_MONTHS,
    REQ_MARKETPLACE_SCOPE,
    REQ_ACTION_RECORDS_KEPT,
    REQ_NOTHING_DELETED_EARLY,
    REQ_SKILL_CONTENT_NOT_AUDIO,
    REQ_KID_SKILL_PERMISSION,
    REQ_COUNT
};

/** "retention.keep_until_deleted" ...; NULL for an out-of-range value. */
const char *retention_requirement_name(int requirement);
/** The enum value of an id, or -1. */
int retention_requirement_from_name(const char *name);

enum scenario_op {
    OP_CREATE_ACCOUNT = 1,
    OP_SETTINGS,
    OP_SET_MARKETPLACE,
    OP_RECORD,
    OP_DELETE_ONE,
    OP_DELETE_RANGE,
    OP_DELETE_ALL,
    OP_DELETE_BY_VOICE,
    OP_ENROLL,
    OP_RECOGNISE,
    OP_DELETE_PROFILE,
    OP_ADVANCE,
};

#define SCENARIO_NAME_SIZE 64

struct scenario_event {
    int op;                 /* enum scenario_op */
    int64_t time;           /* virtual clock, seconds since the epoch */
    int index;              /* position in the file's "events" array, for messages */
    char account[SCENARIO_NAME_SIZE];
    char id[SCENARIO_NAME_SIZE];          /* request id (record, delete_one) */
    char marketplace[16];                 /* "" = the account's current marketplace */
    char device[32];
    char transcript[96];
    char skill[SCENARIO_NAME_SIZE];       /* "" = no skill */
    char action_kind[16];                 /* "" = no action record */
    char action_id[SCENARIO_NAME_SIZE];
    char profile[SCENARIO_NAME_SIZE];     /* enroll/recognise/delete_profile; delete_by_voice: the speaker */
    int kid, skill_is_kid, audio_bytes;
    int profile_kind;                     /* WAKECERT_PROFILE_VOICE / VISUAL */
    int scope;                            /* enum wakecert_voice_deletion_scope */
    int64_t from, to;                     /* delete_range */
    int set_retention, retention;         /* settings: which fields change, and to what */
    int set_deletion_by_voice, deletion_by_voice;
    int set_follow_up, follow_up;
    int set_kid_permission, kid_permission;
};

struct scenario {
    char name[128];
    char path[1024];          /* "" for a generated scenario */
    char sha256[65];          /* of the file, or of the generator's parameters */
    int64_t start;
    int64_t step_seconds;     /* the clock advances in steps no longer than this between events */
    int64_t audit_interval;   /* audit whenever the clock passes start + k * audit_interval (0 = every step) */
    int audit_after_events;   /* 1: also audit after every event */
    unsigned declared;        /* bit per enum retention_requirement the file says it covers */
    struct scenario_event *events;
    size_t event_count, event_capacity;
};

/** Load and validate a scenario file. Returns 0, or WAKECERT_ERROR_IO / FORMAT with a message naming
 *  the file and the event index and field at fault ("x.json: events[3].at: not a UTC time"). */
int scenario_load(const char *path, struct scenario *out, char *message, size_t message_size);

/** Generate the randomized scenario: `accounts` accounts over 4 years from 2021-01-01, every kind of
 *  event, deterministic for a seed. Returns 0 or WAKECERT_ERROR_NO_MEMORY. */
int scenario_generate(uint64_t seed, int accounts, struct scenario *out, char *message, size_t message_size);

void scenario_free(struct scenario *scenario);

/** The names of the shipped scenarios directory's *.json files, sorted; returns a count (or a negative
 *  wakecert_error) and a malloc'd array of malloc'd full paths. */
int scenario_list_directory(const char *directory, char ***out_paths, char *message, size_t message_size);

#endif
