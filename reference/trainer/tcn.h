/*
 * Training-side math of the reference classifier (reference/model/model.h): the same causal dilated
 * TCN run over a whole crop of frames at once, its backward pass written out by hand, and Adam.
 *
 * The parameters live in the flat weight vector of a struct wakecert_model_spec, in the file's order,
 * so the trainer saves exactly what it optimised; the gradient is a vector of the same length (the
 * normalisation entries, mean and inv_std, are fixed and get zero gradient).
 *
 * A crop's forward pass keeps every layer's pre-activation and output ([frames][channels] arrays in a
 * per-thread workspace) for the backward pass. Frames before the crop's start are zeros, exactly like
 * the streaming rings at start-up, so the streaming model and this pass agree (a test checks it).
 *
 * Loss per frame (the frame's label from the trainer): positives and negatives get a weighted binary
 * cross-entropy on the logit; positives also a Huber loss (delta 0.1 s) on the start regression;
 * "don't care" frames (the middle of the word, just after the positive window) contribute nothing.
 */
#ifndef WAKECERT_TRAINER_TCN_H
#define WAKECERT_TRAINER_TCN_H

#include "model.h"

#include <stddef.h>

enum tcn_label {
    TCN_IGNORE = 0,
    TCN_NEGATIVE = 1,
    TCN_POSITIVE = 2,
};

/** Per-thread scratch for one crop of up to max_frames frames. */
struct tcn_workspace {
    int max_frames;
    float *input;                                   /* [frames][mel] normalised */
    float *pre[WAKECERT_MODEL_MAX_LAYERS];          /* [frames][C] pre-activation */
    float *out[WAKECERT_MODEL_MAX_LAYERS];          /* [frames][C] layer output */
    float *head;                                    /* [frames][2] */
    float *d_out, *d_in, *d_pre;                    /* [frames][max(C, mel)] */
    float *gather;                                  /* [3 * max(C, mel)] */
};

/** Allocate a workspace for the spec's shape. Returns 0 or -1 when out of memory. */
int tcn_workspace_init(struct tcn_workspace *ws, const struct wakecert_model_spec *spec, int max_frames);

/** Free a workspace. NULL-safe, idempotent. */
void tcn_workspace_free(struct tcn_workspace *ws);

/** Forward pass over `frames` log-mel frames (frames x mel, not normalised). Fills ws and writes the
 *  head outputs to ws->head. Precondition: frames <= ws->max_frames. Cannot fail. */
void tcn_forward(const struct wakecert_model_spec *spec, struct tcn_workspace *ws, const float *log_mel, int frames);

/** Loss of the last forward pass and, when grad is non-NULL, its gradient added into grad (length
 *  spec->weight_count). labels[t] is an enum tcn_label, start_target[t] the seconds since the word's
 *  start at positive frames. Returns the summed loss; *counted receives the number of labelled frames.
 *  Cannot fail. */
double tcn_backward(const struct wakecert_model_spec *spec, struct tcn_workspace *ws, int frames,
                    const unsigned char *labels, const float *start_target, float positive_weight, float *grad,
                    int *counted);

/** Adam state over the weight vector. */
struct tcn_adam {
    size_t count;
    float *m, *v;
    long step;
};

/** Allocate zeroed moments. Returns 0 or -1. */
int tcn_adam_init(struct tcn_adam *adam, size_t count);
void tcn_adam_free(struct tcn_adam *adam);

/** One Adam step (beta 0.9 / 0.999, eps 1e-8) on weights[first..count) with grad scaled by `scale`,
 *  and decoupled weight decay `decay`; gradients are clipped to a global norm of `clip` first. Cannot
 *  fail. */
void tcn_adam_step(struct tcn_adam *adam, float *weights, const float *grad, size_t first, float scale,
                   float learning_rate, float decay, float clip);

/** Initialise the trainable weights (He-normal for the convolutions, small for the head) from a
 *  seeded generator; mean/inv_std are left as they are. Cannot fail. */
void tcn_init_weights(struct wakecert_model_spec *spec, unsigned long long seed);

#endif
