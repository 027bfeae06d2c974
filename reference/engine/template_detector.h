/*
 * The spine's wake-word detector: streaming subsequence DTW of MFCC frames against a few stored
 * templates of the wake word (an honest, training-free detector; the trained classifier replaces
 * it in a later stage).
 *
 * For every new 10 ms frame it updates one DTW column per template (cost O(template length) per
 * frame, nothing recomputed over the window): each cell keeps its accumulated cost, path length and
 * the input frame its path started at, so a match yields the wake word's start and end frames for
 * the pre-roll. The match score is the path-length-normalised cost divided by the template's own
 * tuned cost scale (clean and noisy templates sit at different distances; lower is better). An energy
 * gate keeps quiet noise from matching. Templates end with 80 ms of the pause that follows a wake
 * word, so a word that merely begins like it ("a lexus", "alexander") does not match as well. When the score falls below the threshold the detector follows
 * it down to its minimum (at most `settle_frames` frames), fires once, and then stays quiet for a
 * refractory period.
 */
#ifndef WAKECERT_REFERENCE_TEMPLATE_DETECTOR_H
#define WAKECERT_REFERENCE_TEMPLATE_DETECTOR_H

#include <stdbool.h>
#include <stdint.h>

#define TEMPLATE_FEATURES 12    /* cepstra c1..c12 (c0 dropped: loudness-invariant) */
#define TEMPLATE_MAX_FRAMES 160 /* 1.6 s */
#define TEMPLATE_MAX_COUNT 8

struct wake_template {
    int frame_count;
    const float *frames; /* frame_count x TEMPLATE_FEATURES */
    float cost_scale;    /* this template's tuned acceptance cost: its costs are divided by it */
};

struct template_detector_config {
    float threshold;          /* fire when cost / template cost_scale falls below this (1 = tuned point) */
    float energy_floor;       /* mean log-mel energy a frame needs to take part in a match */
    int settle_frames;        /* how long to follow the score down before firing */
    int refractory_frames;    /* silence after a detection */
};

struct dtw_cell {
    float cost;         /* accumulated cost */
    int16_t length;     /* path length in steps */
    int8_t lingered;    /* consecutive horizontal steps (input frames on one template frame) ending here */
    int8_t skipped;     /* 1 if the last step was vertical (template frame without an input frame) */
    int64_t start;      /* input frame the path started at */
};

struct template_detector {
    struct template_detector_config config;
    int template_count;
    struct wake_template templates[TEMPLATE_MAX_COUNT];
    struct dtw_cell columns[TEMPLATE_MAX_COUNT][TEMPLATE_MAX_FRAMES]; /* previous input frame's column */
    int64_t frame_index;
    int64_t quiet_until;      /* no detection before this frame (refractory) */
    float energy_peak;        /* frame energy peak, decaying 0.05 per frame */
    bool candidate;           /* a score below threshold is being followed */
    float candidate_score;
    int64_t candidate_start, candidate_end;
    int candidate_age;
};

/** The detection a frame produced, if any. */
struct template_detection {
    bool fired;
    float score;              /* 1 / (1 + scaled cost): 0.5 at the tuned point, higher is more confident */
    int64_t start_frame;      /* first input frame of the matched word */
    int64_t end_frame;        /* last input frame of the matched word */
};

/** Initialise with templates (borrowed, must outlive the detector). Returns 0, or -1 if a template is
 *  empty or longer than TEMPLATE_MAX_FRAMES or there are too many. */
int template_detector_init(struct template_detector *detector, const struct template_detector_config *config,
                           const struct wake_template *templates, int template_count);

/** Forget the past (after the microphone comes back on); frame numbering restarts at `next_frame`. */
void template_detector_reset(struct template_detector *detector, int64_t next_frame);

/** Take one frame (cepstra c0..c12 and the log-mel energies) and report whether the wake word ended
 *  here. No allocation. */
struct template_detection template_detector_push(struct template_detector *detector, const float *cepstra,
                                                 const float *log_mel, int mel_count);

#endif
