/*
 * The reference engine's plugin entry: libwakecert_ref.so exports wakecert_engine_entry like any
 * vendor's engine and is loaded by the harness the same way — there is no private back door.
 *
 * Per chunk of audio the work is: the stream gate takes the samples (pre-roll ring, live upload),
 * the MFCC front end turns them into 10 ms frames, and the detector scores each frame. A detection is
 * held until the chunk is done and then handed to the gate, which reports the wake and opens the
 * stream from 500 ms before the word's estimated start. Nothing in process() allocates. Detection
 * runs per front-end frame, so decisions do not depend on how the harness chunks the audio.
 *
 * Two detectors: "model" (default), the trained classifier of reference/model (a streaming TCN over
 * log-mel frames, weights shipped for alexa, amazon, computer and echo and embedded in this plugin at
 * build time; see reference/model/detector.h for smoothing, threshold and the 1 s refractory period),
 * and "template", the training-free DTW detector of the spine (alexa only).
 *
 * Configuration (JSON object given to create; every key optional):
 *   "keyword": "alexa"        the wake word (models ship for alexa, amazon, computer, echo)
 *   "detector": "model"       "model" or "template" (default: model when one ships for the keyword)
 *   "model_path": "x.wcm"     load classifier weights from this file instead of the embedded ones;
 *                             a file of another format version or shape is refused at create()
 *                             with WAKECERT_ENGINE_ERROR_MODEL and a message naming the file
 *   "second_model_path": "y.wcm"  run a second network beside the first and average their posteriors
 *                             (model_detector_add_network); it must be trained for the same keyword
 *   "third_model_path": "z.wcm"   a third network (needs "second_model_path"): the mean of three
 *   "fourth_model_path": "w.wcm"  a fourth network (needs "third_model_path"): the mean of four
 *   "sensitivity": 0.5        0 (fewest false wakes) .. 1 (fewest misses)
 *   "settle_ms": 30           model detector: report a wake this long after the decision, the frames
 *                             between voting on the word's start; 0 .. 100 in steps of 10, 0 reports
 *                             at the deciding frame (30 ms less latency, the start from one frame)
 *   "local_only": false       report wakes but never stream audio
 *   "audible_tone": true      start/end tones with the indicator
 *   "preroll_ms": 500         audio sent before the wake word
 *   "max_stream_ms": 10000    end a stream locally if no StopCapture comes
 */
#include "detector.h"
#include "embedded_models.h"
#include "mfcc.h"
#include "model.h"
#include "stream_gate.h"
#include "template_detector.h"
#include "templates.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wakecert/engine.h>

#define REFERENCE_ENGINE_VERSION "0.1.0"

/* The configuration keys of the ensemble's networks after the first, in order: each needs the one
 * before it. As many as the detector takes (MODEL_DETECTOR_MAX_NETWORKS). */
#define EXTRA_NETWORKS (MODEL_DETECTOR_MAX_NETWORKS - 1)
static const char *const extra_network_keys[EXTRA_NETWORKS] = {"second_model_path", "third_model_path",
                                                               "fourth_model_path"};

struct wakecert_engine {
    struct stream_gate gate;
    wakecert_mfcc *frontend;
    struct template_detector detector;
    bool use_model;                 /* the classifier, else the DTW templates */
    struct wakecert_model_spec model_spec;
    struct wakecert_model_spec extra_specs[EXTRA_NETWORKS];  /* the ensemble's other networks, or empty */
    struct model_detector model_detector;
    struct wakecert_mfcc_config frontend_config;
    char keyword[32];
    int64_t frontend_origin;        /* sample index of the front end's frame 0 */
    bool wake_pending;
    bool pending_samples;           /* pending_start/end are set (model) rather than pending's frames */
    int64_t pending_start, pending_end;
    struct template_detection pending;
};

static int fail(char *message, size_t message_size, int code, const char *text)
{
    if (message && message_size)
        snprintf(message, message_size, "%s", text);
    return code;
}

static void on_frame(void *ctx, int64_t frame_index, const float *log_mel, const float *cepstra)
{
    struct wakecert_engine *engine = ctx;
    (void)frame_index;
    if (engine->use_model) {
        struct model_detection found = model_detector_push(&engine->model_detector, log_mel);
        if (found.fired && !engine->wake_pending) {
            /* the reporting frame has seen samples up to frame * hop + window (exclusive) */
            int64_t seen = engine->frontend_origin + found.frame * engine->frontend_config.hop_length +
                           engine->frontend_config.window_length;
            engine->wake_pending = true;
            engine->pending_samples = true;
            engine->pending.score = found.score;
            engine->pending_start = seen - (int64_t)lroundf(found.start_seconds * WAKECERT_SAMPLE_RATE);
            engine->pending_end = seen;
        }
        return;
    }
    struct template_detection detection =
        template_detector_push(&engine->detector, cepstra, log_mel, engine->frontend_config.mel_filter_count);
    if (detection.fired && !engine->wake_pending) {
        engine->wake_pending = true;
        engine->pending = detection;
    }
}

/* Convert the detection's frames to sample indices: a frame's centre stands for it, and the word is
 * taken to begin half a hop before the first matched centre and end half a hop after the last. */
static void deliver_pending_wake(struct wakecert_engine *engine)
{
    if (!engine->wake_pending)
        return;
    engine->wake_pending = false;
    const int hop = engine->frontend_config.hop_length;
    const int centre = engine->frontend_config.window_length / 2;
    int64_t start = engine->frontend_origin + engine->pending.start_frame * hop + centre - hop / 2;
    int64_t end = engine->frontend_origin + engine->pending.end_frame * hop + centre + hop / 2;
    if (engine->pending_samples) {
        start = engine->pending_start;
        end = engine->pending_end;
        engine->pending_samples = false;
    }
    if (start > end)
        start = end;
    if (start < engine->frontend_origin)
        start = engine->frontend_origin;
    if (end > engine->gate.clock)
        end = engine->gate.clock;
    stream_gate_wake(&engine->gate, engine->keyword, engine->pending.score, start, end);
}

static int reference_create(const struct wakecert_host_callbacks *callbacks, const char *config_json,
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
    const cJSON *detector_kind = cJSON_GetObjectItemCaseSensitive(config, "detector");
    const cJSON *model_path = cJSON_GetObjectItemCaseSensitive(config, "model_path");
    const cJSON *settle_ms = cJSON_GetObjectItemCaseSensitive(config, "settle_ms");
    const cJSON *extra_paths[EXTRA_NETWORKS];
    int extra_count = 0; /* the networks after the first that the configuration names */
    for (int n = 0; n < EXTRA_NETWORKS; n++) {
        extra_paths[n] = cJSON_GetObjectItemCaseSensitive(config, extra_network_keys[n]);
        if (extra_paths[n] && extra_count == n)
            extra_count = n + 1;
    }
    char error[512] = "";
    const char *word = cJSON_IsString(keyword) ? keyword->valuestring : "alexa";
    const struct reference_keyword_templates *templates = reference_templates_for(word);
    const struct wakecert_embedded_model *embedded = NULL;
    for (int i = 0; i < wakecert_embedded_model_count; i++)
        if (wakecert_embedded_models[i].keyword && strcmp(wakecert_embedded_models[i].keyword, word) == 0)
            embedded = &wakecert_embedded_models[i];
    /* default: the classifier when a model is at hand for the keyword, else the templates */
    bool use_model = detector_kind ? cJSON_IsString(detector_kind) && strcmp(detector_kind->valuestring, "model") == 0
                                   : (embedded != NULL || model_path != NULL || !templates);
    double sensitivity_value = cJSON_IsNumber(sensitivity) ? sensitivity->valuedouble : 0.5;
    if (keyword && !cJSON_IsString(keyword))
        snprintf(error, sizeof error, "\"keyword\" must be a string");
    else if (detector_kind && (!cJSON_IsString(detector_kind) || (strcmp(detector_kind->valuestring, "model") != 0 &&
                                                                  strcmp(detector_kind->valuestring, "template") != 0)))
        snprintf(error, sizeof error, "\"detector\" must be \"model\" or \"template\"");
    else if (model_path && (!cJSON_IsString(model_path) || !use_model))
        snprintf(error, sizeof error, "\"model_path\" must be a file name, and only goes with the model detector");
    else if (extra_paths[0] && (!cJSON_IsString(extra_paths[0]) || !use_model))
        snprintf(error, sizeof error, "\"second_model_path\" must be a file name, and only goes with the model detector");
    else if (use_model && !model_path && !embedded) {
        char shipped[256] = "";
        for (int i = 0; i < wakecert_embedded_model_count; i++)
            if (wakecert_embedded_models[i].keyword)
                snprintf(shipped + strlen(shipped), sizeof shipped - strlen(shipped), "%s%s", i ? ", " : "",
                         wakecert_embedded_models[i].keyword);
        snprintf(error, sizeof error, "no model for keyword \"%s\" (this engine ships: %s; or give \"model_path\")",
                 word, shipped[0] ? shipped : "none");
    } else if (!use_model && !templates)
        snprintf(error, sizeof error, "no templates for keyword \"%s\" (this engine ships: %s)", word,
                 reference_template_keywords());
    else if (sensitivity && (!cJSON_IsNumber(sensitivity) || sensitivity_value < 0 || sensitivity_value > 1))
        snprintf(error, sizeof error, "\"sensitivity\" must be a number from 0 to 1");
    else if (settle_ms && (!cJSON_IsNumber(settle_ms) || !use_model || !(settle_ms->valuedouble >= 0) ||
                           settle_ms->valuedouble > 10.0 * MODEL_DETECTOR_MAX_SETTLE_FRAMES ||
                           fmod(settle_ms->valuedouble, 10.0) != 0))
        snprintf(error, sizeof error, "\"settle_ms\" must be 0 to %d in steps of 10, and only goes with the model "
                 "detector", 10 * MODEL_DETECTOR_MAX_SETTLE_FRAMES);
    /* the third and fourth networks: each needs the one before it */
    for (int n = 1; n < EXTRA_NETWORKS && !error[0]; n++)
        if (extra_paths[n] && (!cJSON_IsString(extra_paths[n]) || !extra_paths[n - 1]))
            snprintf(error, sizeof error, "\"%s\" must be a file name, and needs \"%s\"", extra_network_keys[n],
                     extra_network_keys[n - 1]);
    struct stream_gate_config gate_config;
    if (!error[0])
        stream_gate_config_from_json(config, &gate_config, error, sizeof error);
    if (error[0]) {
        cJSON_Delete(config);
        return fail(message, message_size, WAKECERT_ENGINE_ERROR_BAD_CONFIG, error);
    }
    struct wakecert_model_spec spec = {0}, extra[EXTRA_NETWORKS] = {{0}};
    if (use_model) {
        int status;
        if (model_path)
            status = wakecert_model_load_file(model_path->valuestring, &spec, error, sizeof error);
        else {
            char name[64];
            snprintf(name, sizeof name, "embedded %s.wcm", embedded->keyword);
            status = wakecert_model_parse(embedded->bytes, embedded->size, name, &spec, error, sizeof error);
        }
        if (status == 0 && strcmp(spec.keyword, word) != 0 && !model_path)
            status = -1, snprintf(error, sizeof error, "embedded %s.wcm: trained for \"%s\"", word, spec.keyword);
        for (int n = 0; n < extra_count && status == 0; n++) {
            const char *path = extra_paths[n]->valuestring;
            status = wakecert_model_load_file(path, &extra[n], error, sizeof error);
            if (status == 0 && strcmp(extra[n].keyword, spec.keyword) != 0)
                status = -1, snprintf(error, sizeof error, "%s (%s): trained for \"%s\", the first model for \"%s\"",
                                      path, extra_network_keys[n], extra[n].keyword, spec.keyword);
            if (status == 0 && (extra[n].mel_count != spec.mel_count || extra[n].output_count != spec.output_count))
                status = -1, snprintf(error, sizeof error, "%s (%s): reads %u mel bands and gives %u outputs, the "
                                      "first model %u and %u", path, extra_network_keys[n], extra[n].mel_count,
                                      extra[n].output_count, spec.mel_count, spec.output_count);
        }
        if (status != 0) {
            cJSON_Delete(config);
            wakecert_model_spec_free(&spec);
            for (int n = 0; n < EXTRA_NETWORKS; n++)
                wakecert_model_spec_free(&extra[n]);
            return fail(message, message_size, WAKECERT_ENGINE_ERROR_MODEL, error);
        }
    }

    struct wakecert_engine *engine = calloc(1, sizeof *engine);
    if (!engine) {
        cJSON_Delete(config);
        wakecert_model_spec_free(&spec);
        for (int n = 0; n < EXTRA_NETWORKS; n++)
            wakecert_model_spec_free(&extra[n]);
        return fail(message, message_size, WAKECERT_ENGINE_ERROR_OUT_OF_MEMORY, "out of memory");
    }
    snprintf(engine->keyword, sizeof engine->keyword, "%s", word);
    int settle_frames = settle_ms ? (int)(settle_ms->valuedouble / 10.0) : -1; /* -1: the detector's default */
    cJSON_Delete(config);
    engine->use_model = use_model;
    engine->model_spec = spec; /* the engine owns them from here (the detector borrows them) */
    for (int n = 0; n < EXTRA_NETWORKS; n++)
        engine->extra_specs[n] = extra[n];

    wakecert_mfcc_config_default(&engine->frontend_config);
    char frontend_error[200] = "";
    int detector_status;
    if (use_model) {
        detector_status = model_detector_init(&engine->model_detector, &engine->model_spec, sensitivity_value, -1);
        /* the shapes were checked above: only memory can fail */
        for (int n = 0; n < extra_count && detector_status == 0; n++)
            detector_status = model_detector_add_network(&engine->model_detector, &engine->extra_specs[n], -1);
        /* the value was checked above */
        if (detector_status == 0 && settle_frames >= 0)
            model_detector_set_settle_frames(&engine->model_detector, settle_frames);
    } else {
        struct template_detector_config detector_config = templates->detector;
        /* Sensitivity scales the acceptance threshold by 0.8x (at 0) to 1.2x (at 1) around the tuned point. */
        detector_config.threshold *= (float)(0.8 + 0.4 * sensitivity_value);
        detector_status = template_detector_init(&engine->detector, &detector_config, templates->templates, templates->count);
    }
    if (detector_status != 0 || stream_gate_init(&engine->gate, &gate_config, callbacks) != 0 ||
        wakecert_mfcc_create(&engine->frontend_config, -1, &engine->frontend, frontend_error, sizeof frontend_error) != 0) {
        int code = frontend_error[0] ? WAKECERT_ENGINE_ERROR_INTERNAL : WAKECERT_ENGINE_ERROR_OUT_OF_MEMORY;
        snprintf(error, sizeof error, "cannot initialise the engine: %s", frontend_error[0] ? frontend_error : "out of memory");
        wakecert_mfcc_destroy(engine->frontend);
        ring_buffer_free(&engine->gate.ring);
        model_detector_free(&engine->model_detector);
        wakecert_model_spec_free(&engine->model_spec);
        for (int n = 0; n < EXTRA_NETWORKS; n++)
            wakecert_model_spec_free(&engine->extra_specs[n]);
        free(engine);
        return fail(message, message_size, code, error);
    }
    *out_engine = engine;
    return WAKECERT_ENGINE_OK;
}

static int reference_process(wakecert_engine *engine, const int16_t *samples, size_t count)
{
    if (!engine || (!samples && count))
        return WAKECERT_ENGINE_ERROR_INVALID_ARGUMENT;
    if (!stream_gate_accept_audio(&engine->gate, samples, count))
        return WAKECERT_ENGINE_OK; /* microphone off: the audio does not exist for us */
    wakecert_mfcc_push(engine->frontend, samples, count, on_frame, engine);
    deliver_pending_wake(engine);
    return WAKECERT_ENGINE_OK;
}

static int reference_control(wakecert_engine *engine, const struct wakecert_control *control)
{
    if (!engine || !control)
        return WAKECERT_ENGINE_ERROR_INVALID_ARGUMENT;
    bool was_muted = engine->gate.state == STREAM_GATE_MUTED;
    int status = stream_gate_control(&engine->gate, control);
    if (status == 0 && was_muted && engine->gate.state != STREAM_GATE_MUTED) {
        /* Microphone back on: start the front end and detector afresh from now. */
        wakecert_mfcc_reset(engine->frontend);
        if (engine->use_model)
            model_detector_reset(&engine->model_detector);
        else
            template_detector_reset(&engine->detector, 0);
        engine->frontend_origin = engine->gate.clock;
        engine->wake_pending = false;
    }
    return status;
}

static void reference_destroy(wakecert_engine *engine)
{
    if (!engine)
        return;
    stream_gate_finish(&engine->gate);
    wakecert_mfcc_destroy(engine->frontend);
    model_detector_free(&engine->model_detector);
    wakecert_model_spec_free(&engine->model_spec);
    for (int n = 0; n < EXTRA_NETWORKS; n++)
        wakecert_model_spec_free(&engine->extra_specs[n]);
    free(engine);
}

static const struct wakecert_engine_table reference_table = {
    .abi_version = WAKECERT_ENGINE_ABI_VERSION,
    .table_size = sizeof(struct wakecert_engine_table),
    .name = "wakecert-reference",
    .version = REFERENCE_ENGINE_VERSION,
    .create = reference_create,
    .process = reference_process,
    .control = reference_control,
    .destroy = reference_destroy,
};

__attribute__((visibility("default"))) const struct wakecert_engine_table *wakecert_engine_entry(void)
{
    return &reference_table;
}
