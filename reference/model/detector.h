/*
 * The classifier's detector: turns the network's per-frame outputs into wake decisions.
 *
 * Per 10 ms frame: the posterior p = sigmoid(logit); the smoothed posterior is the mean of the last
 * `smoothing_frames` posteriors (3 = 30 ms, so a single-frame blip cannot fire). The decision is
 * made when the smoothed posterior first reaches the threshold, and reported `settle_frames` (3 =
 * 30 ms by default; 0 to MODEL_DETECTOR_MAX_SETTLE_FRAMES through model_detector_set_settle_frames,
 * the engine's "settle_ms") later: those frames only vote on the word's start. With 0 the wake is
 * reported at the crossing frame itself, 30 ms sooner, and that frame's estimate alone is the start.
 * Deciding at the crossing, not at the posterior's peak, matters: a confident posterior saturates
 * near 1, its peak is anywhere on a flat top, and the same audio at another frame phase would be
 * reported frames apart. The word's start is the mean of every candidate frame's own estimate (the frame minus the network's start regression,
 * seconds since the word began); its end is the reporting frame's end. After a report the detector
 * is quiet for `refractory_frames` (100 = 1 s, matching the harness's duplicate window: one spoken
 * word, one wake).
 *
 * No detection is made in the first MODEL_DETECTOR_STARTUP_FRAMES frames after a reset (25 frames,
 * 0.275 s of audio): no wake word fits in that little audio, and the network's history is still empty.
 *
 * Sensitivity (the engine's "sensitivity" key, 0..1) moves the threshold in logit space around the
 * operating point the trainer calibrated (threshold at 0.5): logit(th) = logit(th_0.5) +
 * span * (1 - 2 * sensitivity), span from the weights file (3 by default: sensitivity 0 -> th 0.95 for
 * th_0.5 = 0.5, sensitivity 1 -> 0.05).
 * More networks (model_detector_add_network, the engine's "second_model_path" .. "fourth_model_path")
 * make an ensemble of up to MODEL_DETECTOR_MAX_NETWORKS: per frame the posterior is the mean of the
 * networks' posteriors and the start regression the mean of theirs; everything else (smoothing,
 * threshold from the first model's operating point, settle, refractory) is unchanged. Networks trained
 * differently make different mistakes: on `standard` the four of reference/configs/alexa-ensemble.json
 * miss 8.8 % of the wake words with one false wake (a confusable) in 15 h, where the shipped single
 * alexa model at its zero-false-wake sensitivity misses 15.5 % (top-level README, "The alexa ensemble").
 */
#ifndef WAKECERT_REFERENCE_MODEL_DETECTOR_H
#define WAKECERT_REFERENCE_MODEL_DETECTOR_H

#include "model.h"

#include <stdbool.h>
#include <stdint.h>

#define MODEL_DETECTOR_STARTUP_FRAMES 25
#define MODEL_DETECTOR_MAX_NETWORKS 4
#define MODEL_DETECTOR_MAX_SETTLE_FRAMES 10

struct model_detector {
    wakecert_model *model;
    const struct wakecert_model_spec *spec;
    wakecert_model *extra_models[MODEL_DETECTOR_MAX_NETWORKS - 1];  /* the ensemble's other networks */
    int extra_count;               /* how many of extra_models are set (their specs borrowed by the caller) */
    float threshold;
    int smoothing_frames, settle_frames, refractory_frames;
    float history[32];
    int64_t frame;             /* index of the next frame */
    int64_t quiet_until;
    bool candidate;
    int candidate_age;
    float candidate_score;
    double start_frame_sum;     /* sum over the candidate's frames of (frame - 100 * start regression) */
    int start_votes;
    int64_t candidate_frame;
};

struct model_detection {
    bool fired;
    float score;               /* the largest smoothed posterior of the candidate */
    int64_t frame;             /* the reporting frame */
    float start_seconds;       /* the word began this long before the reporting frame's last sample */
};

/** The threshold for a sensitivity in [0, 1] (see above). Cannot fail. */
float model_detector_threshold(const struct wakecert_model_spec *spec, double sensitivity);

/** Set up over a parsed spec (borrowed). level as for wakecert_model_create. Returns 0 or -1 when
 *  out of memory. */
int model_detector_init(struct model_detector *detector, const struct wakecert_model_spec *spec, double sensitivity,
                        int level);

/** Add a network over `spec` (borrowed; must outlive the detector) to the ensemble (see above), at the
 *  same kernel level rule as init; call after init. Returns 0; -1 when out of memory; -2 when `spec`
 *  reads another number of mel bands or gives another number of outputs than the first network; -3
 *  when the detector already runs MODEL_DETECTOR_MAX_NETWORKS networks (the detector is unchanged on
 *  any error). */
int model_detector_add_network(struct model_detector *detector, const struct wakecert_model_spec *spec, int level);

/** Report wakes `settle_frames` frames after the crossing (0 = at it; see above); resets the
 *  detector. Returns 0, or -1 (detector unchanged) when settle_frames is outside
 *  0..MODEL_DETECTOR_MAX_SETTLE_FRAMES. */
int model_detector_set_settle_frames(struct model_detector *detector, int settle_frames);

/** Forget the past: zero the network state; frame numbering restarts at 0. Cannot fail. */
void model_detector_reset(struct model_detector *detector);

/** Take one frame of log-mel energies; report whether the wake word was detected at this frame.
 *  No allocation. */
struct model_detection model_detector_push(struct model_detector *detector, const float *log_mel);

/** Free what init allocated; safe on a zeroed struct. */
void model_detector_free(struct model_detector *detector);

#endif
