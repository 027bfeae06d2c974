/*
 * Streaming subsequence DTW wake-word detector (see template_detector.h).
 *
 * Recurrence for template frame i at input frame t, with local distance d(i, t) (Euclidean over
 * c1..c12): the cell continues whichever of the diagonal (i-1, t-1), horizontal (i, t-1: the input
 * lingers on a template frame) or vertical (i-1, t: the template advances without input) neighbour
 * has the lowest cost per step, so paths of different lengths compete fairly. Slope limits keep a
 * path honest: at most MAX_LINGER horizontal steps in a row (the input may be up to three times
 * slower than the template) and no two vertical steps in a row (at most twice as fast); without
 * them a path can sit on one quiet template frame through a long silence and average its cost down. Row 0 may start fresh
 * at every input frame (subsequence matching). Quiet frames take part like any other (the closure of
 * the "k" in "alexa" is silent in the templates too); instead a detection needs speech energy: a
 * slowly decaying peak of the frame energy must be above the energy floor when it fires.
 */
#include "template_detector.h"

#include <math.h>
#include <string.h>

#define UNREACHABLE 1e30f
#define MAX_LINGER 2

int template_detector_init(struct template_detector *detector, const struct template_detector_config *config,
                           const struct wake_template *templates, int template_count)
{
    memset(detector, 0, sizeof *detector);
    if (template_count <= 0 || template_count > TEMPLATE_MAX_COUNT)
        return -1;
    for (int i = 0; i < template_count; i++)
        if (templates[i].frame_count <= 1 || templates[i].frame_count > TEMPLATE_MAX_FRAMES || !templates[i].frames ||
            !(templates[i].cost_scale > 0))
            return -1;
    detector->config = *config;
    detector->template_count = template_count;
    memcpy(detector->templates, templates, (size_t)template_count * sizeof *templates);
    template_detector_reset(detector, 0);
    return 0;
}

void template_detector_reset(struct template_detector *detector, int64_t next_frame)
{
    for (int k = 0; k < TEMPLATE_MAX_COUNT; k++)
        for (int i = 0; i < TEMPLATE_MAX_FRAMES; i++)
            detector->columns[k][i] = (struct dtw_cell){UNREACHABLE, 1, 0, 0, next_frame};
    detector->frame_index = next_frame;
    detector->quiet_until = next_frame;
    detector->candidate = false;
    detector->energy_peak = -1e30f;
}

static float frame_distance(const float *template_frame, const float *cepstra)
{
    float sum = 0;
    for (int d = 0; d < TEMPLATE_FEATURES; d++) {
        float difference = template_frame[d] - cepstra[d + 1];
        sum += difference * difference;
    }
    return sqrtf(sum);
}

static float per_step(const struct dtw_cell *cell)
{
    return cell->cost / (float)cell->length;
}

/* Update one template's column for the new input frame; returns the normalised cost of the full
 * match ending here and its start frame. */
static float update_column(struct dtw_cell *column, const struct wake_template *template_, const float *cepstra,
                           int64_t frame, int64_t *out_start)
{
    struct dtw_cell previous_diagonal = {UNREACHABLE, 1, 0, 0, frame}; /* (i-1, t-1) */
    struct dtw_cell below = {UNREACHABLE, 1, 0, 0, frame};             /* (i-1, t), the cell just computed */
    for (int i = 0; i < template_->frame_count; i++) {
        float distance = frame_distance(template_->frames + (size_t)i * TEMPLATE_FEATURES, cepstra);
        struct dtw_cell left = column[i]; /* (i, t-1) */
        struct dtw_cell best;
        int8_t lingered = 0, skipped = 0;
        if (i == 0) {
            best = (struct dtw_cell){0, 0, 0, 0, frame}; /* a match may start at any input frame */
            if (left.cost < UNREACHABLE && left.lingered < MAX_LINGER && per_step(&left) < distance) {
                best = left;
                lingered = (int8_t)(left.lingered + 1);
            }
        } else {
            best = previous_diagonal;
            if (left.cost < UNREACHABLE && left.lingered < MAX_LINGER && per_step(&left) < per_step(&best)) {
                best = left;
                lingered = (int8_t)(left.lingered + 1);
            }
            if (below.cost < UNREACHABLE && !below.skipped && per_step(&below) < per_step(&best)) {
                best = below;
                lingered = 0;
                skipped = 1;
            }
        }
        struct dtw_cell updated;
        if (best.cost >= UNREACHABLE)
            updated = (struct dtw_cell){UNREACHABLE, 1, 0, 0, frame};
        else
            updated = (struct dtw_cell){best.cost + distance, (int16_t)(best.length + 1), lingered, skipped, best.start};
        previous_diagonal = left;
        column[i] = updated;
        below = updated;
    }
    struct dtw_cell last = column[template_->frame_count - 1];
    *out_start = last.start;
    return last.cost >= UNREACHABLE ? UNREACHABLE : per_step(&last);
}

struct template_detection template_detector_push(struct template_detector *detector, const float *cepstra,
                                                 const float *log_mel, int mel_count)
{
    struct template_detection detection = {0};
    int64_t frame = detector->frame_index++;
    float energy = 0;
    for (int m = 0; m < mel_count; m++)
        energy += log_mel[m];
    energy /= (float)mel_count;
    detector->energy_peak = energy > detector->energy_peak - 0.05f ? energy : detector->energy_peak - 0.05f;

    float best_score = UNREACHABLE;
    int64_t best_start = frame;
    for (int k = 0; k < detector->template_count; k++) {
        int64_t start = frame;
        float score = update_column(detector->columns[k], &detector->templates[k], cepstra, frame, &start) /
                      detector->templates[k].cost_scale;
        if (score < best_score) {
            best_score = score;
            best_start = start;
        }
    }

    if (frame < detector->quiet_until)
        return detection;
    if (detector->candidate) {
        detector->candidate_age++;
        if (best_score < detector->candidate_score) {
            detector->candidate_score = best_score;
            detector->candidate_start = best_start;
            detector->candidate_end = frame;
        }
        if (detector->candidate_age >= detector->config.settle_frames || best_score > detector->config.threshold) {
            detection.fired = true;
            detection.score = 1.0f / (1.0f + detector->candidate_score);
            detection.start_frame = detector->candidate_start;
            detection.end_frame = detector->candidate_end;
            detector->candidate = false;
            detector->quiet_until = frame + detector->config.refractory_frames;
        }
    } else if (best_score < detector->config.threshold && detector->energy_peak >= detector->config.energy_floor) {
        detector->candidate = true;
        detector->candidate_age = 0;
        detector->candidate_score = best_score;
        detector->candidate_start = best_start;
        detector->candidate_end = frame;
    }
    return detection;
}
