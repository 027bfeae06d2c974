/*
 * The classifier's detector (see detector.h for the rules). Everything here is per frame and
 * constant time; the only allocations are the network instances, at init and add_network.
 */
#include "detector.h"

#include <math.h>
#include <string.h>

float model_detector_threshold(const struct wakecert_model_spec *spec, double sensitivity)
{
    double th = spec->threshold;
    double logit = log(th / (1.0 - th)) + spec->sensitivity_span * (1.0 - 2.0 * sensitivity);
    return (float)(1.0 / (1.0 + exp(-logit)));
}

int model_detector_init(struct model_detector *detector, const struct wakecert_model_spec *spec, double sensitivity,
                        int level)
{
    memset(detector, 0, sizeof *detector);
    detector->spec = spec;
    detector->model = wakecert_model_create(spec, level);
    if (!detector->model)
        return -1;
    detector->threshold = model_detector_threshold(spec, sensitivity);
    detector->smoothing_frames = (int)spec->smoothing_frames;
    detector->settle_frames = 3;
    detector->refractory_frames = (int)spec->refractory_frames;
    model_detector_reset(detector);
    return 0;
}

int model_detector_add_network(struct model_detector *detector, const struct wakecert_model_spec *spec, int level)
{
    if (detector->extra_count >= MODEL_DETECTOR_MAX_NETWORKS - 1)
        return -3;
    if (spec->mel_count != detector->spec->mel_count || spec->output_count != detector->spec->output_count)
        return -2;
    wakecert_model *model = wakecert_model_create(spec, level);
    if (!model)
        return -1;
    detector->extra_models[detector->extra_count++] = model;
    model_detector_reset(detector);
    return 0;
}

int model_detector_set_settle_frames(struct model_detector *detector, int settle_frames)
{
    if (settle_frames < 0 || settle_frames > MODEL_DETECTOR_MAX_SETTLE_FRAMES)
        return -1;
    detector->settle_frames = settle_frames;
    model_detector_reset(detector);
    return 0;
}

void model_detector_reset(struct model_detector *detector)
{
    wakecert_model_reset(detector->model);
    for (int n = 0; n < detector->extra_count; n++)
        wakecert_model_reset(detector->extra_models[n]);
    memset(detector->history, 0, sizeof detector->history);
    detector->frame = 0;
    detector->quiet_until = 0;
    detector->candidate = false;
}

struct model_detection model_detector_push(struct model_detector *detector, const float *log_mel)
{
    struct model_detection detection = {0};
    float out[WAKECERT_MODEL_OUTPUTS];
    wakecert_model_push(detector->model, log_mel, out);
    float posterior = 1.0f / (1.0f + expf(-out[0]));
    if (detector->extra_count) {
        /* the mean over the networks, summed in order (for two: exactly 0.5 * (a + b)) */
        float start_sum = out[1];
        for (int n = 0; n < detector->extra_count; n++) {
            float extra[WAKECERT_MODEL_OUTPUTS];
            wakecert_model_push(detector->extra_models[n], log_mel, extra);
            posterior += 1.0f / (1.0f + expf(-extra[0]));
            start_sum += extra[1];
        }
        const float networks = (float)(detector->extra_count + 1);
        posterior /= networks;
        out[1] = start_sum / networks;
    }
    int64_t frame = detector->frame++;
    detector->history[frame % detector->smoothing_frames] = posterior;
    float smooth = 0;
    for (int k = 0; k < detector->smoothing_frames; k++)
        smooth += detector->history[k];
    smooth /= (float)detector->smoothing_frames;
    if (frame < detector->quiet_until || frame < MODEL_DETECTOR_STARTUP_FRAMES)
        return detection;
    if (detector->candidate) {
        /* decided at the crossing; the next settle_frames frames only vote on the start */
        detector->candidate_age++;
        if (smooth > detector->candidate_score)
            detector->candidate_score = smooth;
        detector->start_frame_sum += (double)frame - 100.0 * out[1];
        detector->start_votes++;
        if (detector->candidate_age >= detector->settle_frames) {
            detection.fired = true;
            detection.score = detector->candidate_score;
            detection.frame = frame;
            detection.start_seconds = (float)(((double)frame - detector->start_frame_sum / detector->start_votes) / 100.0);
            detector->candidate = false;
            detector->quiet_until = frame + detector->refractory_frames;
        }
    } else if (smooth >= detector->threshold) {
        if (detector->settle_frames == 0) {
            /* decided and reported at the crossing: the crossing frame's own estimate is the start */
            detection.fired = true;
            detection.score = smooth;
            detection.frame = frame;
            detection.start_seconds = out[1];
            detector->quiet_until = frame + detector->refractory_frames;
            return detection;
        }
        detector->candidate = true;
        detector->candidate_age = 0;
        detector->candidate_score = smooth;
        detector->candidate_frame = frame;
        detector->start_frame_sum = (double)frame - 100.0 * out[1];
        detector->start_votes = 1;
    }
    return detection;
}

void model_detector_free(struct model_detector *detector)
{
    wakecert_model_destroy(detector->model);
    for (int n = 0; n < detector->extra_count; n++) {
        wakecert_model_destroy(detector->extra_models[n]);
        detector->extra_models[n] = NULL;
    }
    detector->extra_count = 0;
    detector->model = NULL;
}
