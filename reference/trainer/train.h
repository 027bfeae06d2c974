/*
 * The reference classifier's trainer (`wakecert train`): reads a generated training corpus, cuts
 * labelled crops around wake words, confusables and ordinary speech, augments them (gain, time
 * shift, coloured noise and talker babble at random SNRs, room reverberation), trains the TCN of
 * reference/model/model.h by hand-written backprop with Adam, mines hard negatives as it goes,
 * checks itself on voices held out for validation, and writes a versioned weights file with its
 * provenance (and, beside it, OUT.txt with the provenance and the exact command).
 *
 * Determinism: every random choice comes from PCG32 streams derived from --seed (the epoch plan from
 * one stream, each crop's augmentation from its own), and the per-thread gradients of a minibatch
 * are summed in thread order, so the same seed, thread count, corpus and binary give the same bytes.
 */
#ifndef WAKECERT_TRAINER_TRAIN_H
#define WAKECERT_TRAINER_TRAIN_H

#include "corpus.h"
#include "model.h"

#include <stddef.h>
#include <stdint.h>

#define WAKECERT_TRAINER_VERSION "wakecert-train 3"

struct train_options {
    const char *keyword;      /* the wake word to learn ("alexa") */
    unsigned long long seed;  /* 1 */
    int threads;              /* 1..16 */
    int epochs;               /* 40 */
    int channels;             /* 32 (multiple of 8) */
    int layers;               /* 6: dilations 1, 2, 4, ... */
    int positive_repeats;     /* crops per positive per epoch, 3 */
    int negative_crops;       /* random negative crops per epoch, 600 */
    int hard_crops;           /* hard-negative crops per epoch (2/3 mined, 1/3 uniform), 450 */
    int mined_crops;          /* false-alarm mining crops per epoch (2/3 mined, 1/3 uniform), 300 */
    float learning_rate;      /* 0.002, cosine-decayed to 5% */
    int reverb;               /* add reverberant copies of the wake and confusable files, 1 */
    int vocal_tract_warp;     /* vocal tract length perturbation of half the crops, 0 (train_warp_vocal_tract) */
    float music_share;        /* of the noisy crops, the share mixed with music (synthetic or recorded, evenly);
                                 0: every noise type equally likely (the default, as the shipped models) */
    int progress;             /* progress on stderr: 0 none, 1 per epoch, 2 also within epochs */
    const char *command_line; /* recorded in the provenance */
};

/** What training measured. */
struct train_report {
    double first_epoch_loss, last_epoch_loss;   /* mean loss per labelled frame */
    double validation_loss;
    int validation_positives, validation_detected;   /* validation wake words reaching the threshold */
    float validation_worst_negative;                 /* highest smoothed posterior off the wake words */
    float threshold;
    double seconds;
    int train_positives, train_hard_negatives, files;
    double recorded_music_seconds;                   /* the recorded-music noise bank (0: the corpus has no music files) */
};

/** Defaults above. Cannot fail. */
void train_options_default(struct train_options *options);

/** Train on `corpus` and fill *spec (free with wakecert_model_spec_free) and *report. The corpus'
 *  manifest sha256 and name go into the provenance. Returns 0, or -1 with a message (no positives for
 *  the keyword, out of memory, unreadable audio, bad options). */
int train_model(const struct train_options *options, const struct wakecert_corpus *corpus,
                struct wakecert_model_spec *spec, struct train_report *report, char *message, size_t message_size);

/** Run the streaming model over audio (16 kHz int16) and return the largest smoothed posterior (mean
 *  of the last spec->smoothing_frames posteriors). Returns -1 on allocation failure. */
float train_score_audio(const struct wakecert_model_spec *spec, const int16_t *samples, int64_t count);

/** The trainer's vocal tract length perturbation: move frame_count frames of log-mel energies
 *  (WAKECERT_MODEL_MEL bands each, the default front end's 40 HTK-mel bands over 20-8000 Hz) along
 *  frequency in place, as if every formant were multiplied by warp (which must be positive; > 1: a
 *  shorter vocal tract, higher formants). warp 1 leaves every value within rounding of where it was; each output is a linear
 *  interpolation of two neighbouring input bands, so no value leaves the frame's range. Cannot fail. */
void train_warp_vocal_tract(float *log_mel_frames, int frame_count, double warp);

/** `wakecert train --corpus NAME|DIR --out FILE [--keyword K] [--seed N] [--threads N] [--epochs N]
 *  [--channels N] [--vocal-tract-warp] [--music-share F] [--quiet]`. Exit codes: 0 written, 1 training failed, 2 bad usage or input. */
int wakecert_train_main(int argc, char **argv);

#endif
