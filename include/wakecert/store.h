/*
 * wakecert voice-history store ABI, version 1 — the interface between a vendor's store of voice
 * recordings, transcripts, voice/visual ID profiles and action records, and the retention harness.
 *
 * A vendor ships a shared object exporting one symbol, `wakecert_store_entry`, returning a pointer to
 * a static, versioned table of functions. (A store written in another language speaks the same
 * operations as JSON lines over a pipe instead; see retention/README.md, "The exec: protocol".)
 *
 * The harness owns time. The store has no clock of its own: every call carries `now`, seconds since
 * 1970-01-01T00:00:00Z on the harness's virtual clock, never decreasing from one call to the next.
 * advance_clock() tells the store that time moved without any other event, so that it can delete
 * what has come due (auto-deletion after 3 or 18 months, transcripts kept 30 days under "don't
 * save", voice ID unrecognised for 3 years, visual ID for 18 months). Calendar months are exact and
 * UTC: a recording made on 30 November is due on 28 February (29 in a leap year), not on 2 March.
 *
 * The harness then lists the store (list_items) and compares what is there with what its oracle says
 * must exist and must be gone. A store passes when every item is gone by its deadline plus a grace
 * period and no item disappears before it may go. What a store keeps is only observable through
 * list_items, so a store must list everything it holds: an item it keeps but does not list is
 * invisible to certification and is a lie to its users.
 *
 * Durability contract: when a call returns 0 its effect is committed — a SIGKILL right after must not
 * lose it, and a deletion that returned must never come back after a restart. A call that returns an
 * error had no effect. Deletion means deletion: the rows and the audio files are gone, not flagged.
 *
 * Shape: like engine.h (opaque handles, negative error codes stable within the major version, a
 * version number both sides check, a host callback struct with a `void *ctx`). Strings are
 * NUL-terminated UTF-8 owned by the caller and valid only during the call; a store copies what it
 * keeps. Every function may be called only from one thread at a time per store.
 *
 * Compatibility: within ABI major version 1 the table and the structs may only grow at their end
 * (guarded by table_size / struct_size), and the numeric values below never change.
 */
#ifndef WAKECERT_STORE_H
#define WAKECERT_STORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The ABI version this header describes. A store built against another major version is refused. */
#define WAKECERT_STORE_ABI_VERSION 1

/** The one symbol a plugin exports. Its type is wakecert_store_entry_fn. */
#define WAKECERT_STORE_ENTRY_SYMBOL "wakecert_store_entry"

/** Error codes returned by the table's functions. Negative, stable within ABI v1. */
enum wakecert_store_error {
    WAKECERT_STORE_OK = 0,
    WAKECERT_STORE_ERROR_INVALID_ARGUMENT = -1, /* a NULL where a value is required, a bad enum value */
    WAKECERT_STORE_ERROR_BAD_CONFIG = -2,       /* the JSON configuration is malformed or refused */
    WAKECERT_STORE_ERROR_OUT_OF_MEMORY = -3,
    WAKECERT_STORE_ERROR_IO = -4,               /* durable storage failed; the call had no effect */
    WAKECERT_STORE_ERROR_NOT_FOUND = -5,        /* no such account, recording or profile */
    WAKECERT_STORE_ERROR_NOT_ALLOWED = -6,      /* refused by the account's settings (see each call) */
    WAKECERT_STORE_ERROR_EXISTS = -7,           /* the id is already used */
    WAKECERT_STORE_ERROR_UNSUPPORTED = -8,      /* an operation this store does not implement */
    WAKECERT_STORE_ERROR_INTERNAL = -9,
};

/** An account's retention setting for voice recordings (Settings > Alexa Privacy). */
enum wakecert_retention_policy {
    WAKECERT_RETENTION_KEEP = 0,            /* keep until the user deletes them */
    WAKECERT_RETENTION_AUTO_3_MONTHS = 1,   /* delete recordings older than 3 calendar months */
    WAKECERT_RETENTION_AUTO_18_MONTHS = 2,  /* delete recordings older than 18 calendar months */
    WAKECERT_RETENTION_DONT_SAVE = 3,       /* delete audio once processed; transcripts after 30 days;
                                               choosing it deletes every existing recording and transcript
                                               and every voice ID profile of the account */
};

/** What list_items reports. A recording is two items, its audio and its transcript, with the same id. */
enum wakecert_store_item_kind {
    WAKECERT_ITEM_AUDIO = 1,
    WAKECERT_ITEM_TRANSCRIPT = 2,
    WAKECERT_ITEM_VOICE_PROFILE = 3,  /* voice ID */
    WAKECERT_ITEM_VISUAL_PROFILE = 4, /* visual ID (the face model and its images) */
    WAKECERT_ITEM_ACTION = 5,         /* a record of an action taken (timer, reminder, order ...) */
};

/** Profile kinds for enroll/recognise/delete_profile (same numbers as the item kinds). */
enum wakecert_profile_kind {
    WAKECERT_PROFILE_VOICE = 3,
    WAKECERT_PROFILE_VISUAL = 4,
};

/** What a deletion by voice covers. */
enum wakecert_voice_deletion_scope {
    WAKECERT_VOICE_DELETE_LAST = 1,       /* "delete what I just said": the account's most recent request
                                             in that marketplace (whether or not parts of it are gone) */
    WAKECERT_VOICE_DELETE_TODAY = 2,      /* "delete everything I said today": requests made since 00:00 UTC
                                             of the day of `now` in that marketplace */
    WAKECERT_VOICE_DELETE_EVERYTHING = 3, /* "delete everything I said": all in that marketplace */
};

/** Per-account settings. Every field is always given (the harness merges partial changes). */
struct wakecert_store_settings {
    size_t struct_size;          /* sizeof(struct wakecert_store_settings) as the caller knows it */
    int retention_policy;        /* enum wakecert_retention_policy */
    int deletion_by_voice;       /* 1: "delete ... by voice" is enabled in the privacy settings */
    int follow_up;               /* 1: follow-up mode (stored, no retention effect) */
    int kid_skills_permission;   /* 1: a parent has given permission to use kid skills */
};

/** One request to the assistant, as the cloud received it. */
struct wakecert_store_request {
    size_t struct_size;          /* sizeof(struct wakecert_store_request) as the caller knows it */
    const char *id;              /* unique request id (also the id of its audio and transcript items) */
    const char *account;
    const char *device;
    const char *marketplace;     /* e.g. "uk", "us": deletions are scoped to one marketplace */
    const uint8_t *audio;        /* the recorded audio (opaque bytes), audio_size may be 0 */
    size_t audio_size;
    const char *transcript;      /* the text transcript, never NULL (may be "") */
    int kid;                     /* 1: spoken by a child / in a kid profile */
    const char *skill;           /* NULL, or the id of the third-party skill that handles the request */
    int skill_is_kid;            /* 1: that skill is directed to children */
    const char *action_kind;     /* NULL, or "timer", "reminder", "alarm", "order", "list" ... */
    const char *action_id;       /* the action record's id when action_kind is not NULL */
};

/** One item as list_items reports it. Pointers are valid only during the callback. */
struct wakecert_store_item {
    int kind;                    /* enum wakecert_store_item_kind */
    const char *id;              /* request id, profile id or action id */
    const char *account;
    const char *marketplace;     /* recordings; NULL otherwise */
    int64_t created;             /* seconds since the epoch (request time, enrolment time ...) */
    int64_t last_recognised;     /* profiles: last recognition (or enrolment); 0 otherwise */
};

/*
 * Host callbacks. The harness fills this struct and passes it to open(); the store keeps a copy.
 * Callbacks are invoked only from inside a table function, never from another thread. Buffers passed
 * belong to the store and are borrowed for the duration of the call.
 */
struct wakecert_store_host {
    size_t struct_size; /* sizeof(struct wakecert_store_host) as the host knows it */
    void *ctx;

    /* The store hands a request to a third-party skill (from inside record_request). `content` is what
     * the skill receives (the request's content: its transcript); `audio`/`audio_size` is any audio it
     * receives — which must be none: skills receive content, never voice recordings. A kid skill may
     * receive a request only when the account's kid_skills_permission is set. */
    void (*skill_delivery)(void *ctx, const char *skill, const char *request_id, const char *content,
                           const uint8_t *audio, size_t audio_size);
};

/** A store instance, opaque to the host. */
typedef struct wakecert_store wakecert_store;

/** list_items callback: called once per item; `ctx` is the pointer given to list_items. */
typedef void (*wakecert_store_item_fn)(void *ctx, const struct wakecert_store_item *item);

/*
 * The table a plugin's entry symbol returns: static, valid until the plugin is unloaded. The host
 * checks abi_version == WAKECERT_STORE_ABI_VERSION and table_size before using it. Every function
 * returning int returns 0 or a negative enum wakecert_store_error, and every one of them first
 * performs, as advance_clock would, whatever deletion `now` has made due.
 */
struct wakecert_store_table {
    uint32_t abi_version; /* WAKECERT_STORE_ABI_VERSION */
    uint32_t table_size;  /* sizeof(struct wakecert_store_table) as the store was compiled */
    const char *name;     /* e.g. "wakecert-reference-store"; ASCII, no spaces */
    const char *version;

    /* Open (creating if needed) the store. config_json is a JSON object; the harness always gives
     * "directory": a folder the store owns for its files (it exists, and is empty on first use). An
     * existing store in that folder is reopened with everything committed before. On failure return a
     * negative code and write a NUL-terminated explanation into error_message (when non-NULL). */
    int (*open)(const struct wakecert_store_host *host, const char *config_json, wakecert_store **out_store,
                char *error_message, size_t error_message_size);

    /* Close the store (everything is already committed). NULL is accepted and ignored. */
    void (*close)(wakecert_store *store);

    /* Time moved to `now`: delete whatever is due. */
    int (*advance_clock)(wakecert_store *store, int64_t now);

    /* Create an account with its default marketplace and default settings (keep, deletion by voice off,
     * follow-up off, no kid permission). EXISTS if it already exists. */
    int (*create_account)(wakecert_store *store, int64_t now, const char *account, const char *marketplace);

    /* Replace an account's settings. Choosing DONT_SAVE deletes, in the same transaction, every
     * recording (audio and transcript) and every voice profile of the account. Switching to an
     * automatic policy makes recordings already older than its period due at once. NOT_FOUND for an
     * unknown account. */
    int (*update_settings)(wakecert_store *store, int64_t now, const char *account,
                           const struct wakecert_store_settings *settings);

    /* Record and process a request. Under DONT_SAVE the audio is deleted when processing ends (it is
     * never listed) and the transcript is kept for exactly 30 days. When request->skill is set, the
     * request's content is delivered through host->skill_delivery (never its audio), unless the skill
     * is a kid skill and the account lacks kid_skills_permission (then nothing is delivered and the
     * call still returns 0). An action record is created when action_kind is set; it survives any
     * deletion of recordings. NOT_FOUND for an unknown account, EXISTS for a reused id. */
    int (*record_request)(wakecert_store *store, int64_t now, const struct wakecert_store_request *request);

    /* Delete one recording (audio and transcript; its action record stays). NOT_FOUND if no such
     * recording of this account exists any more. */
    int (*delete_recording)(wakecert_store *store, int64_t now, const char *account, const char *id);

    /* Delete the account's recordings in `marketplace` made at from <= time < to. */
    int (*delete_range)(wakecert_store *store, int64_t now, const char *account, const char *marketplace,
                        int64_t from, int64_t to);

    /* Delete all the account's recordings in `marketplace` (other marketplaces keep theirs). */
    int (*delete_all)(wakecert_store *store, int64_t now, const char *account, const char *marketplace);

    /* Deletion by voice, spoken on `device` in `marketplace` (scope: enum wakecert_voice_deletion_scope).
     * Allowed only when the account's deletion_by_voice is set, or when recognised_voice_profile names a
     * voice profile of this account that exists (a recognised household member). Otherwise return
     * NOT_ALLOWED and delete nothing. */
    int (*delete_by_voice)(wakecert_store *store, int64_t now, const char *account, const char *marketplace,
                           const char *device, int scope, const char *recognised_voice_profile);

    /* Enrol a voice or visual profile (kind: enum wakecert_profile_kind); its last recognition is now.
     * NOT_ALLOWED for a voice profile while the account is on DONT_SAVE (voice profiles do not work
     * then). EXISTS for a reused id. */
    int (*enroll_profile)(wakecert_store *store, int64_t now, const char *account, int kind, const char *profile);

    /* The profile was recognised now (restarting its 3-year / 18-month period). NOT_FOUND if gone. */
    int (*recognise_profile)(wakecert_store *store, int64_t now, const char *account, int kind,
                             const char *profile);

    /* The user withdrew consent ("Delete my voice"): delete the profile. NOT_FOUND if gone. */
    int (*delete_profile)(wakecert_store *store, int64_t now, const char *account, int kind, const char *profile);

    /* Call `callback` once for every item the store holds for `account` (NULL: every account), in any
     * order. Lists what is really kept: audio whose file exists, transcripts, profiles, action records. */
    int (*list_items)(wakecert_store *store, int64_t now, const char *account, wakecert_store_item_fn callback,
                      void *ctx);
};

/** The exported entry point: returns the store's table, never NULL. */
typedef const struct wakecert_store_table *(*wakecert_store_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* WAKECERT_STORE_H */
