/*
 * The classifier's detector (see detector.h for the rules). Everything here is per frame and
 * constant time; the only allocation is the network instance at init.
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

int model_detector_add_second(struct model_detector *detector, const struct wakecert_model_spec *second, int level)
{
    if (second->mel_count != detector->spec->mel_count || second->output_count != detector->spec->output_count)
        return -2;
    detector->second_model = wakecert_model_create(second, level);
    if (!detector->second_model)
        return -1;
    model_detector_reset(detector);
    return 0;
}

void model_detector_reset(struct model_detector *detector)
{
    wakecert_model_reset(detector->model);
    if (detector->second_model)
        wakecert_model_reset(detector->second_model);
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
    if (detector->second_model) {
        float second[WAKECERT_MODEL_OUTPUTS];
        wakecert_model_push(detector->second_model, log_mel, second);
        posterior = 0.5f * (posterior + 1.0f / (1.0f + expf(-second[0])));
        out[1] = 0.5f * (out[1] + second[1]);
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
    wakecert_model_destroy(detector->second_model);
    detector->model = NULL;
    detector->second_model = NULL;
}
