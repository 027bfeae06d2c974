/*
 * A peer engine: CMU PocketSphinx keyword spotting (Debian's pocketsphinx 5prealpha with the
 * pocketsphinx-en-us acoustic model and dictionary) behind the wakecert engine ABI, built as
 * libwakecert_pocketsphinx.so and run by the harness exactly like any vendor's engine — the yardstick
 * the reference classifier is compared against ("the engines people use today").
 *
 * Streaming: the reference engine's stream gate (reference/engine/stream_gate.h, library
 * wakecert_gate) owns pre-roll, uploads, the indicator and controls, so this engine behaves like a
 * device and differs from the reference only in its detector. Audio goes to the decoder in fixed
 * 10 ms blocks (160 samples, buffered across process() calls) and the keyword search is polled after
 * every block, so decisions do not depend on the harness's chunk size. On a detection the keyword's
 * frames (ps_seg_iter, 100 frames/s from the utterance start) give the word's start and end samples
 * when they lie inside the audio seen (else: end now, start 0.55 s earlier);
 * the utterance is then restarted, which also clears the search. PocketSphinx reports a keyword
 * once per utterance, so restarting is its refractory period.
 *
 * Configuration (JSON object; every key optional):
 *   "keyword": "alexa"       any word of the CMU dictionary (alexa, amazon, computer, echo ...)
 *   "sensitivity": 0.5       0..1, mapped to the keyword threshold 10^-(10 + 40 * sensitivity)
 *                            (1e-10 strict .. 1e-50 permissive; 1e-30 at 0.5)
 *   "kws_threshold": 1e-30   the raw threshold, overriding sensitivity
 *   "local_only", "audible_tone", "preroll_ms", "max_stream_ms" as the reference engine
 *   "model_dir": path        acoustic model + dictionary folder (default the Debian package's)
 * Logging of the decoder is switched off (err_set_logfp(NULL)): an engine must not write files.
 */
#include "stream_gate.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <pocketsphinx.h>
#include <sphinxbase/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wakecert/engine.h>

#define POCKETSPHINX_ENGINE_VERSION "0.1.0 (pocketsphinx 5prealpha)"
#define DEFAULT_MODEL_DIR "/usr/share/pocketsphinx/model/en-us"
#define BLOCK 160

struct wakecert_engine {
    struct stream_gate gate;
    ps_decoder_t *decoder;
    cmd_ln_t *config;
    char keyword[64];
    int16_t block[BLOCK];
    int block_fill;
    int64_t utterance_origin;     /* sample index of the decoder's frame 0 */
    int64_t fed;                  /* samples given to the decoder since the origin */
    bool wake_pending;
    int64_t pending_start, pending_end;
};

static int fail(char *message, size_t message_size, int code, const char *text)
{
    if (message && message_size)
        snprintf(message, message_size, "%s", text);
    return code;
}

/* Restart the utterance at the current position (clears the keyword search). */
static void restart(struct wakecert_engine *engine, int64_t origin)
{
    ps_end_utt(engine->decoder);
    ps_start_utt(engine->decoder);
    engine->utterance_origin = origin;
    engine->fed = 0;
}

/* Feed one 10 ms block and poll the search. */
static void feed_block(struct wakecert_engine *engine)
{
    ps_process_raw(engine->decoder, engine->block, BLOCK, FALSE, FALSE);
    engine->fed += BLOCK;
    int32 score = 0;
    const char *hypothesis = ps_get_hyp(engine->decoder, &score);
    if (!hypothesis || !*hypothesis)
        return;
    int64_t now = engine->utterance_origin + engine->fed;
    /* Without usable segment frames: the word is taken to end now and to have lasted a typical 0.55 s. */
    int64_t start = now - 8800, end = now;
    ps_seg_t *segment = ps_seg_iter(engine->decoder);
    if (segment) {
        int first = 0, last = 0;
        ps_seg_frames(segment, &first, &last);
        int64_t seg_start = engine->utterance_origin + (int64_t)first * BLOCK;
        int64_t seg_end = engine->utterance_origin + (int64_t)(last + 1) * BLOCK;
        /* 5prealpha's keyword search sometimes reports frames past the audio it has seen: only a
         * segment inside the utterance so far is believed. */
        if (seg_start >= engine->utterance_origin && seg_start < seg_end && seg_end <= now) {
            start = seg_start;
            end = seg_end;
        }
        ps_seg_free(segment);
    }
    if (!engine->wake_pending) {
        engine->wake_pending = true;
        engine->pending_start = start < engine->utterance_origin ? engine->utterance_origin : start;
        engine->pending_end = end > now ? now : end;
    }
    restart(engine, now);
}

static int pocketsphinx_create(const struct wakecert_host_callbacks *callbacks, const char *config_json,
                               wakecert_engine **out_engine, char *message, size_t message_size)
{
    if (!callbacks || !out_engine || !callbacks->wake_detected || !callbacks->stream_opened ||
        !callbacks->audio_uploaded || !callbacks->stream_closed || !callbacks->indicator_changed)
        return fail(message, message_size, WAKECERT_ENGINE_ERROR_INVALID_ARGUMENT, "missing host callbacks");
    *out_engine = NULL;
    cJSON *config = cJSON_Parse(config_json && *config_json ? config_json : "{}");
    if (!cJSON_IsObject(config)) {
        cJSON_Delete(config);
        return fail(message, message_size, WAKECERT_ENGINE_ERROR_BAD_CONFIG, "configuration is not a JSON object");
    }
    const cJSON *keyword = cJSON_GetObjectItemCaseSensitive(config, "keyword");
    const cJSON *sensitivity = cJSON_GetObjectItemCaseSensitive(config, "sensitivity");
    const cJSON *threshold = cJSON_GetObjectItemCaseSensitive(config, "kws_threshold");
    const cJSON *model_dir = cJSON_GetObjectItemCaseSensitive(config, "model_dir");
    char error[2600] = "";
    double s = cJSON_IsNumber(sensitivity) ? sensitivity->valuedouble : 0.5;
    if ((keyword && !cJSON_IsString(keyword)) || (model_dir && !cJSON_IsString(model_dir)))
        snprintf(error, sizeof error, "\"keyword\" and \"model_dir\" must be strings");
    else if (sensitivity && (!cJSON_IsNumber(sensitivity) || s < 0 || s > 1))
        snprintf(error, sizeof error, "\"sensitivity\" must be a number from 0 to 1");
    else if (threshold && (!cJSON_IsNumber(threshold) || !(threshold->valuedouble > 0 && threshold->valuedouble < 1)))
        snprintf(error, sizeof error, "\"kws_threshold\" must be a number between 0 and 1");
    struct stream_gate_config gate_config;
    if (!error[0])
        stream_gate_config_from_json(config, &gate_config, error, sizeof error);
    if (error[0]) {
        cJSON_Delete(config);
        return fail(message, message_size, WAKECERT_ENGINE_ERROR_BAD_CONFIG, error);
    }
    struct wakecert_engine *engine = calloc(1, sizeof *engine);
    if (!engine) {
        cJSON_Delete(config);
        return fail(message, message_size, WAKECERT_ENGINE_ERROR_OUT_OF_MEMORY, "out of memory");
    }
    snprintf(engine->keyword, sizeof engine->keyword, "%s", cJSON_IsString(keyword) ? keyword->valuestring : "alexa");
    char hmm[1024], dict[1024], kws_threshold[32];
    const char *directory = cJSON_IsString(model_dir) ? model_dir->valuestring : DEFAULT_MODEL_DIR;
    snprintf(hmm, sizeof hmm, "%s/en-us", directory);
    snprintf(dict, sizeof dict, "%s/cmudict-en-us.dict", directory);
    double kws = cJSON_IsNumber(threshold) ? threshold->valuedouble : pow(10.0, -(10.0 + 40.0 * s));
    snprintf(kws_threshold, sizeof kws_threshold, "%.3e", kws);
    cJSON_Delete(config);

    err_set_logfp(NULL);
    engine->config = cmd_ln_init(NULL, ps_args(), TRUE, "-hmm", hmm, "-dict", dict, "-keyphrase", engine->keyword,
                                 "-kws_threshold", kws_threshold, NULL);
    if (!engine->config) {
        free(engine);
        snprintf(error, sizeof error, "cannot configure pocketsphinx (model folder %s)", directory);
        return fail(message, message_size, WAKECERT_ENGINE_ERROR_MODEL, error);
    }
    engine->decoder = ps_init(engine->config);
    if (!engine->decoder) {
        cmd_ln_free_r(engine->config);
        free(engine);
        snprintf(error, sizeof error, "pocketsphinx could not load %s and %s, or \"%s\" is not in the dictionary", hmm,
                 dict, cJSON_IsString(keyword) ? "the keyword" : "alexa");
        return fail(message, message_size, WAKECERT_ENGINE_ERROR_MODEL, error);
    }
    if (stream_gate_init(&engine->gate, &gate_config, callbacks) != 0) {
        ps_free(engine->decoder);
        cmd_ln_free_r(engine->config);
        free(engine);
        return fail(message, message_size, WAKECERT_ENGINE_ERROR_OUT_OF_MEMORY, "out of memory");
    }
    ps_start_utt(engine->decoder);
    *out_engine = engine;
    return WAKECERT_ENGINE_OK;
}

static int pocketsphinx_process(wakecert_engine *engine, const int16_t *samples, size_t count)
{
    if (!engine || (!samples && count))
        return WAKECERT_ENGINE_ERROR_INVALID_ARGUMENT;
    if (!stream_gate_accept_audio(&engine->gate, samples, count))
        return WAKECERT_ENGINE_OK; /* microphone off */
    while (count > 0) {
        size_t take = (size_t)(BLOCK - engine->block_fill) < count ? (size_t)(BLOCK - engine->block_fill) : count;
        memcpy(engine->block + engine->block_fill, samples, take * sizeof *samples);
        engine->block_fill += (int)take;
        samples += take;
        count -= take;
        if (engine->block_fill == BLOCK) {
            engine->block_fill = 0;
            feed_block(engine);
        }
    }
    if (engine->wake_pending) {
        engine->wake_pending = false;
        stream_gate_wake(&engine->gate, engine->keyword, 1.0f, engine->pending_start, engine->pending_end);
    }
    return WAKECERT_ENGINE_OK;
}

static int pocketsphinx_control(wakecert_engine *engine, const struct wakecert_control *control)
{
    if (!engine || !control)
        return WAKECERT_ENGINE_ERROR_INVALID_ARGUMENT;
    bool was_muted = engine->gate.state == STREAM_GATE_MUTED;
    int status = stream_gate_control(&engine->gate, control);
    if (status == 0 && was_muted && engine->gate.state != STREAM_GATE_MUTED) {
        engine->block_fill = 0;
        engine->wake_pending = false;
        restart(engine, engine->gate.clock);
    }
    return status;
}

static void pocketsphinx_destroy(wakecert_engine *engine)
{
    if (!engine)
        return;
    stream_gate_finish(&engine->gate);
    ps_end_utt(engine->decoder);
    ps_free(engine->decoder);
    cmd_ln_free_r(engine->config);
    free(engine);
}

static const struct wakecert_engine_table pocketsphinx_table = {
    .abi_version = WAKECERT_ENGINE_ABI_VERSION,
    .table_size = sizeof(struct wakecert_engine_table),
    .name = "pocketsphinx-kws",
    .version = POCKETSPHINX_ENGINE_VERSION,
    .create = pocketsphinx_create,
    .process = pocketsphinx_process,
    .control = pocketsphinx_control,
    .destroy = pocketsphinx_destroy,
};

__attribute__((visibility("default"))) const struct wakecert_engine_table *wakecert_engine_entry(void)
{
    return &pocketsphinx_table;
}
