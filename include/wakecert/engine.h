/*
 * wakecert engine ABI, version 1 — the one interface between a wake/stream engine and the harness.
 *
 * A vendor ships a shared object that exports one symbol, `wakecert_engine_entry`, returning a
 * pointer to a static, versioned table of four functions: create, process, control, destroy. The
 * harness owns time: it feeds 16 kHz mono int16 samples in chunks of any size and counts them; the
 * index of a sample is the number of samples fed before it since create (the "sample clock").
 * The engine owns no clock, no file and no network: everything it does is reported through the
 * host callbacks below, synchronously, from inside process() or control(). In certification runs
 * the engine lives in a sandboxed child process, so any other way out (a socket, a file write) is
 * recorded as a violation, not used as a side channel.
 *
 * The shape follows the habits of opus.h and sndfile.h (opaque handles, negative error codes, a
 * version number both sides check) and MLPerf LoadGen's SUT interface (the engine is told nothing
 * about the rules it is scored by; scoring happens afterwards from the recorded trace).
 *
 * Compatibility: within ABI major version 1 the table may only grow at its end (new fields are
 * guarded by `table_size`), callback structs likewise, and the numeric values below never change.
 */
#ifndef WAKECERT_ENGINE_H
#define WAKECERT_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The ABI version this header describes. An engine built against another major version is refused. */
#define WAKECERT_ENGINE_ABI_VERSION 1

/** The one symbol a plugin exports. Its type is wakecert_engine_entry_fn. */
#define WAKECERT_ENGINE_ENTRY_SYMBOL "wakecert_engine_entry"

/** Audio format of every sample crossing this ABI: 16 kHz, mono, signed 16-bit native-endian PCM. */
#define WAKECERT_SAMPLE_RATE 16000

/** Error codes returned by create/process/control. Negative, stable within ABI v1. */
enum wakecert_engine_error {
    WAKECERT_ENGINE_OK = 0,
    WAKECERT_ENGINE_ERROR_INVALID_ARGUMENT = -1, /* a NULL pointer, a bad enum value, count < 0 */
    WAKECERT_ENGINE_ERROR_BAD_CONFIG = -2,       /* the JSON configuration is malformed or refused */
    WAKECERT_ENGINE_ERROR_OUT_OF_MEMORY = -3,
    WAKECERT_ENGINE_ERROR_MODEL = -4,            /* a model or weights file is missing or malformed */
    WAKECERT_ENGINE_ERROR_UNSUPPORTED = -5,      /* an optional control the engine does not implement */
    WAKECERT_ENGINE_ERROR_INTERNAL = -6,
};

/** Why a stream was opened. */
enum wakecert_stream_reason {
    WAKECERT_STREAM_WAKE = 1,      /* the engine detected the wake word */
    WAKECERT_STREAM_BUTTON = 2,    /* the action button was pressed */
    WAKECERT_STREAM_FOLLOW_UP = 3, /* the cloud asked for more speech (ExpectSpeech) */
};

/** Why a stream was closed. */
enum wakecert_close_reason {
    WAKECERT_CLOSE_STOP_CAPTURE = 1,   /* the cloud sent StopCapture */
    WAKECERT_CLOSE_CLOUD_REJECT = 2,   /* the cloud rejected the wake word */
    WAKECERT_CLOSE_MICROPHONE_OFF = 3, /* the microphone was switched off */
    WAKECERT_CLOSE_LOCAL_ENDPOINT = 4, /* the engine ended the stream itself (end of speech, limit) */
    WAKECERT_CLOSE_TIMEOUT = 5,        /* a follow-up window ran out without speech */
    WAKECERT_CLOSE_DESTROY = 6,        /* the engine is being destroyed with a stream open */
};

/** What the device shows the user. */
enum wakecert_indicator_state {
    WAKECERT_INDICATOR_OFF = 0,       /* nothing: idle, not streaming */
    WAKECERT_INDICATOR_LISTENING = 1, /* streaming audio to the cloud (the "blue light") */
    WAKECERT_INDICATOR_MUTED = 2,     /* microphone off (the "red light") */
};

/** Optional audible cue accompanying an indicator change. */
enum wakecert_tone {
    WAKECERT_TONE_NONE = 0,
    WAKECERT_TONE_START = 1, /* start-of-request earcon */
    WAKECERT_TONE_END = 2,   /* end-of-request earcon */
};

/** Controls the harness sends to the engine between process() calls. */
enum wakecert_control_kind {
    WAKECERT_CONTROL_MICROPHONE_OFF = 1, /* the hardware mute switch: from now on nothing may be captured */
    WAKECERT_CONTROL_MICROPHONE_ON = 2,
    WAKECERT_CONTROL_BUTTON = 3,         /* the action button: open a stream without a wake word */
    WAKECERT_CONTROL_CLOUD_REJECT = 4,   /* cloud verification failed: close the stream at once */
    WAKECERT_CONTROL_STOP_CAPTURE = 5,   /* the cloud has heard the end of the request: close at once */
    WAKECERT_CONTROL_EXPECT_SPEECH = 6,  /* follow-up: open a stream and listen for timeout_ms */
};

/** One control event. Fields other than `kind` are meaningful only where the comment says so. */
struct wakecert_control {
    int kind;            /* enum wakecert_control_kind */
    int32_t timeout_ms;  /* EXPECT_SPEECH: how long to keep the follow-up stream open without speech */
};

/*
 * Host callbacks. The harness fills this struct and passes it to create(); the engine keeps a copy.
 * Every callback receives the `ctx` given with the struct. Callbacks may be invoked only from inside
 * process() or control() (never from another thread, never after destroy() began except for the
 * stream_closed/indicator calls destroy itself makes). Buffers passed to a callback belong to the
 * engine and are only borrowed for the duration of the call: the host copies what it keeps.
 * A callback never fails and never re-enters the engine.
 */
struct wakecert_host_callbacks {
    size_t struct_size; /* sizeof(struct wakecert_host_callbacks) as the host knows it */
    void *ctx;

    /* The wake word was detected. start_sample/end_sample bound the spoken wake word on the sample
     * clock (end exclusive); score is engine-defined, higher = more confident. */
    void (*wake_detected)(void *ctx, const char *keyword, float score, int64_t start_sample,
                          int64_t end_sample);

    /* A stream to the cloud was opened (reason: enum wakecert_stream_reason). Uploads may follow. */
    void (*stream_opened)(void *ctx, int reason);

    /* Audio sent to the cloud: `count` samples that the engine claims are the input samples
     * first_sample .. first_sample + count - 1. Legal only while a stream is open. The harness checks
     * the claim against what it fed. */
    void (*audio_uploaded)(void *ctx, const int16_t *samples, size_t count, int64_t first_sample);

    /* The open stream was closed (reason: enum wakecert_close_reason). */
    void (*stream_closed)(void *ctx, int reason);

    /* The user-visible indicator changed (state: enum wakecert_indicator_state; tone: enum
     * wakecert_tone). */
    void (*indicator_changed)(void *ctx, int state, int tone);
};

/** An engine instance, opaque to the host. */
typedef struct wakecert_engine wakecert_engine;

/*
 * The table a plugin's entry symbol returns. It must be static and stay valid until the plugin is
 * unloaded. The host checks abi_version == WAKECERT_ENGINE_ABI_VERSION and table_size before using it.
 */
struct wakecert_engine_table {
    uint32_t abi_version;  /* WAKECERT_ENGINE_ABI_VERSION */
    uint32_t table_size;   /* sizeof(struct wakecert_engine_table) as the engine was compiled */
    const char *name;      /* e.g. "wakecert-reference"; ASCII, no spaces */
    const char *version;   /* the engine's own version string */

    /* Create an instance. config_json is a NUL-terminated JSON object (may be "{}"); the engine must
     * not keep the pointer. On success store the handle in *out_engine and return 0. On failure
     * return a negative enum wakecert_engine_error and, when error_message is non-NULL, write a
     * NUL-terminated explanation of at most error_message_size bytes. Creating may read model files;
     * it must not call any callback. The sample clock of the new instance starts at 0. */
    int (*create)(const struct wakecert_host_callbacks *callbacks, const char *config_json,
                  wakecert_engine **out_engine, char *error_message, size_t error_message_size);

    /* Feed `count` samples (count >= 0; any size, 1 to millions). The sample clock advances by count.
     * The engine may call any callback from inside. The samples buffer belongs to the host. Returns 0
     * or a negative error code (the host then stops feeding this instance). */
    int (*process)(wakecert_engine *engine, const int16_t *samples, size_t count);

    /* Deliver a control event at the current sample clock (between two process() calls). The engine
     * may call callbacks from inside (e.g. stream_closed on STOP_CAPTURE). Returns 0, or
     * WAKECERT_ENGINE_ERROR_UNSUPPORTED for an optional control it lacks (the requirement is then
     * scored NOT_SUPPORTED), or another negative code. */
    int (*control)(wakecert_engine *engine, const struct wakecert_control *control);

    /* Destroy the instance. A stream still open is closed first (stream_closed with
     * WAKECERT_CLOSE_DESTROY) and the indicator turned off. NULL is accepted and ignored. */
    void (*destroy)(wakecert_engine *engine);
};

/** The exported entry point: returns the engine's table, never NULL. */
typedef const struct wakecert_engine_table *(*wakecert_engine_entry_fn)(void);

/*
 * What an engine must never do: keep samples or callbacks' buffers beyond the call, call back from
 * another thread or outside process()/control()/destroy(), open sockets, write files, spawn
 * processes, or report an upload whose samples differ from the input at the indices it claims.
 */

#ifdef __cplusplus
}
#endif

#endif /* WAKECERT_ENGINE_H */
