/*
 * The TCN's batch forward pass, hand-written backward pass and Adam (see tcn.h).
 *
 * Notation for layer l (dilation d, input width w, C outputs): the input frame t is a[t] (w values),
 * the gathered vector g[t] = (a[t-2d], a[t-d], a[t]) (3w values, zeros before the crop), the
 * pre-activation z[t] = b + W^T g[t], the output h[t] = relu(z[t]) (+ a[t] for l > 0). Backward, with
 * dh[t] given: dz[t] = dh[t] * [z[t] > 0]; db += dz[t]; dW += g[t] dz[t]^T; dg[t] = W dz[t], scattered
 * back into da at t, t-d, t-2d; plus da[t] += dh[t] through the residual.
 *
 * All loops run over contiguous channel vectors (the weights are input-major: W[i][o]), which the
 * compiler vectorises; this file is built with -O3 and reassociation allowed (its results are still
 * a fixed function of its inputs for a given binary, which is all determinism needs).
 */
#include "tcn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int widest(const struct wakecert_model_spec *spec)
{
    return spec->mel_count > spec->channels ? (int)spec->mel_count : (int)spec->channels;
}

int tcn_workspace_init(struct tcn_workspace *ws, const struct wakecert_model_spec *spec, int max_frames)
{
    memset(ws, 0, sizeof *ws);
    ws->max_frames = max_frames;
    size_t n = (size_t)max_frames;
    size_t w = (size_t)widest(spec);
    int ok = 1;
    ws->input = malloc(n * spec->mel_count * sizeof(float));
    ok = ok && ws->input;
    for (uint32_t l = 0; l < spec->layer_count; l++) {
        ws->pre[l] = malloc(n * spec->channels * sizeof(float));
        ws->out[l] = malloc(n * spec->channels * sizeof(float));
        ok = ok && ws->pre[l] && ws->out[l];
    }
    ws->head = malloc(n * spec->output_count * sizeof(float));
    ws->d_out = malloc(n * w * sizeof(float));
    ws->d_in = malloc(n * w * sizeof(float));
    ws->d_pre = malloc(n * w * sizeof(float));
    ws->gather = malloc(3 * w * sizeof(float));
    if (!ok || !ws->head || !ws->d_out || !ws->d_in || !ws->d_pre || !ws->gather) {
        tcn_workspace_free(ws);
        return -1;
    }
    return 0;
}

void tcn_workspace_free(struct tcn_workspace *ws)
{
    if (!ws)
        return;
    free(ws->input);
    for (int l = 0; l < WAKECERT_MODEL_MAX_LAYERS; l++) {
        free(ws->pre[l]);
        free(ws->out[l]);
    }
    free(ws->head);
    free(ws->d_out);
    free(ws->d_in);
    free(ws->d_pre);
    free(ws->gather);
    memset(ws, 0, sizeof *ws);
}

/* g = (a[t-2d], a[t-d], a[t]) with zeros before frame 0. */
static void gather(const float *a, int w, int t, int d, float *g)
{
    for (int j = 0; j < 3; j++) {
        int source = t - (2 - j) * d;
        if (source >= 0)
            memcpy(g + j * w, a + (size_t)source * w, (size_t)w * sizeof(float));
        else
            memset(g + j * w, 0, (size_t)w * sizeof(float));
    }
}

void tcn_forward(const struct wakecert_model_spec *spec, struct tcn_workspace *ws, const float *log_mel, int frames)
{
    const int mel = (int)spec->mel_count, C = (int)spec->channels;
    for (int t = 0; t < frames; t++)
        for (int m = 0; m < mel; m++)
            ws->input[(size_t)t * mel + m] = (log_mel[(size_t)t * mel + m] - spec->mean[m]) * spec->inv_std[m];
    const float *a = ws->input;
    int w = mel;
    for (uint32_t l = 0; l < spec->layer_count; l++) {
        const int d = (int)spec->dilations[l];
        const float *W = spec->layer_weights[l], *b = spec->layer_bias[l];
        for (int t = 0; t < frames; t++) {
            gather(a, w, t, d, ws->gather);
            float *z = ws->pre[l] + (size_t)t * C;
            memcpy(z, b, (size_t)C * sizeof(float));
            for (int i = 0; i < 3 * w; i++) {
                const float gi = ws->gather[i];
                if (gi == 0.0f)
                    continue;
                const float *column = W + (size_t)i * C;
                for (int o = 0; o < C; o++)
                    z[o] += column[o] * gi;
            }
            float *h = ws->out[l] + (size_t)t * C;
            for (int o = 0; o < C; o++)
                h[o] = (z[o] > 0.0f ? z[o] : 0.0f) + (l > 0 ? a[(size_t)t * w + o] : 0.0f);
        }
        a = ws->out[l];
        w = C;
    }
    const int K = (int)spec->output_count;
    for (int t = 0; t < frames; t++)
        for (int k = 0; k < K; k++) {
            float s = spec->head_bias[k];
            for (int c = 0; c < C; c++)
                s += spec->head_weights[(size_t)c * K + k] * a[(size_t)t * C + c];
            ws->head[(size_t)t * K + k] = s;
        }
}

static float softplus(float x)
{
    return x > 0 ? x + log1pf(expf(-x)) : log1pf(expf(x));
}

double tcn_backward(const struct wakecert_model_spec *spec, struct tcn_workspace *ws, int frames,
                    const unsigned char *labels, const float *start_target, float positive_weight, float *grad,
                    int *counted)
{
    const int mel = (int)spec->mel_count, C = (int)spec->channels, K = (int)spec->output_count;
    const int L = (int)spec->layer_count;
    double loss = 0;
    int n = 0;
    float *dh = ws->d_out; /* [frames][C]: gradient w.r.t. the last layer's output */
    memset(dh, 0, (size_t)frames * C * sizeof(float));
    const float *last = ws->out[L - 1];
    size_t head_w = (size_t)(spec->head_weights - spec->weights), head_b = (size_t)(spec->head_bias - spec->weights);
    for (int t = 0; t < frames; t++) {
        if (labels[t] == TCN_IGNORE)
            continue;
        n++;
        const float logit = ws->head[(size_t)t * K], start = ws->head[(size_t)t * K + 1];
        float d_logit, d_start = 0;
        if (labels[t] == TCN_POSITIVE) {
            loss += positive_weight * softplus(-logit);
            d_logit = -positive_weight / (1.0f + expf(logit));
            float e = start - start_target[t];
            const float delta = 0.1f;
            loss += fabsf(e) <= delta ? 0.5f * e * e / delta : fabsf(e) - 0.5f * delta;
            d_start = fabsf(e) <= delta ? e / delta : (e > 0 ? 1.0f : -1.0f);
        } else {
            loss += softplus(logit);
            d_logit = 1.0f / (1.0f + expf(-logit));
        }
        if (!grad)
            continue;
        const float dy[2] = {d_logit, d_start};
        for (int k = 0; k < K && k < 2; k++) {
            grad[head_b + k] += dy[k];
            for (int c = 0; c < C; c++) {
                grad[head_w + (size_t)c * K + k] += last[(size_t)t * C + c] * dy[k];
                dh[(size_t)t * C + c] += spec->head_weights[(size_t)c * K + k] * dy[k];
            }
        }
    }
    if (counted)
        *counted = n;
    if (!grad)
        return loss;
    for (int l = L - 1; l >= 0; l--) {
        const int d = (int)spec->dilations[l];
        const int w = l == 0 ? mel : C;
        const float *a = l == 0 ? ws->input : ws->out[l - 1];
        const float *W = spec->layer_weights[l];
        size_t w_at = (size_t)(W - spec->weights), b_at = (size_t)(spec->layer_bias[l] - spec->weights);
        float *dz = ws->d_pre;
        float *da = ws->d_in;
        for (int t = 0; t < frames; t++) {
            const float *z = ws->pre[l] + (size_t)t * C;
            for (int o = 0; o < C; o++)
                dz[(size_t)t * C + o] = z[o] > 0.0f ? dh[(size_t)t * C + o] : 0.0f;
        }
        /* residual path */
        if (l > 0)
            memcpy(da, dh, (size_t)frames * C * sizeof(float));
        else
            memset(da, 0, (size_t)frames * w * sizeof(float));
        for (int t = 0; t < frames; t++) {
            const float *dzt = dz + (size_t)t * C;
            int any = 0;
            for (int o = 0; o < C; o++)
                any |= dzt[o] != 0.0f;
            if (!any)
                continue;
            for (int o = 0; o < C; o++)
                grad[b_at + o] += dzt[o];
            gather(a, w, t, d, ws->gather);
            for (int j = 0; j < 3; j++) {
                int source = t - (2 - j) * d;
                if (source < 0)
                    continue;
                for (int i = 0; i < w; i++) {
                    const size_t row = (size_t)(j * w + i);
                    const float gi = ws->gather[row];
                    float *gw = grad + w_at + row * C;
                    const float *column = W + row * C;
                    float back = 0;
                    for (int o = 0; o < C; o++) {
                        gw[o] += gi * dzt[o];
                        back += column[o] * dzt[o];
                    }
                    if (l > 0)
                        da[(size_t)source * w + i] += back;
                }
            }
        }
        /* the gradient w.r.t. this layer's input is the previous layer's output gradient */
        if (l > 0) {
            float *swap = ws->d_out;
            ws->d_out = ws->d_in;
            ws->d_in = swap;
            dh = ws->d_out;
        }
    }
    return loss;
}

int tcn_adam_init(struct tcn_adam *adam, size_t count)
{
    adam->count = count;
    adam->step = 0;
    adam->m = calloc(count, sizeof(float));
    adam->v = calloc(count, sizeof(float));
    if (!adam->m || !adam->v) {
        tcn_adam_free(adam);
        return -1;
    }
    return 0;
}

void tcn_adam_free(struct tcn_adam *adam)
{
    free(adam->m);
    free(adam->v);
    adam->m = adam->v = NULL;
}

void tcn_adam_step(struct tcn_adam *adam, float *weights, const float *grad, size_t first, float scale,
                   float learning_rate, float decay, float clip)
{
    double norm = 0;
    for (size_t i = first; i < adam->count; i++)
        norm += (double)(grad[i] * scale) * (grad[i] * scale);
    norm = sqrt(norm);
    if (clip > 0 && norm > clip)
        scale *= (float)(clip / norm);
    adam->step++;
    const float b1 = 0.9f, b2 = 0.999f;
    const float c1 = 1.0f - powf(b1, (float)adam->step), c2 = 1.0f - powf(b2, (float)adam->step);
    for (size_t i = first; i < adam->count; i++) {
        float g = grad[i] * scale;
        adam->m[i] = b1 * adam->m[i] + (1 - b1) * g;
        adam->v[i] = b2 * adam->v[i] + (1 - b2) * g * g;
        float update = (adam->m[i] / c1) / (sqrtf(adam->v[i] / c2) + 1e-8f);
        weights[i] -= learning_rate * (update + decay * weights[i]);
    }
}

/* SplitMix64: a tiny seeded generator for initialisation. */
static unsigned long long splitmix(unsigned long long *state)
{
    unsigned long long z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static float gaussian(unsigned long long *state)
{
    double u1 = ((double)(splitmix(state) >> 11) + 0.5) / 9007199254740992.0;
    double u2 = ((double)(splitmix(state) >> 11) + 0.5) / 9007199254740992.0;
    return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}

void tcn_init_weights(struct wakecert_model_spec *spec, unsigned long long seed)
{
    unsigned long long state = seed * 0x2545f4914f6cdd1dull + 1;
    const int C = (int)spec->channels;
    for (uint32_t l = 0; l < spec->layer_count; l++) {
        int fan_in = 3 * (l == 0 ? (int)spec->mel_count : C);
        /* residual layers start small so the stack begins near the identity */
        float sd = sqrtf(2.0f / (float)fan_in) * (l == 0 ? 1.0f : 0.5f);
        float *W = (float *)spec->layer_weights[l];
        for (int i = 0; i < fan_in * C; i++)
            W[i] = sd * gaussian(&state);
        memset((float *)spec->layer_bias[l], 0, (size_t)C * sizeof(float));
    }
    float *H = (float *)spec->head_weights;
    for (size_t i = 0; i < (size_t)C * spec->output_count; i++)
        H[i] = 0.05f * gaussian(&state);
    float *hb = (float *)spec->head_bias;
    hb[0] = -3.0f; /* positives are rare: start from a low posterior */
    hb[1] = 0.5f;  /* a typical word length in seconds */
}
