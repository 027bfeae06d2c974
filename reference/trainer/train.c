/*
 * The trainer (see train.h for what it does and its determinism). The workload that shaped it:
 *
 * - Audio: the `train` recipe is ~35 min of 16 kHz speech (4 wake words x 16 voices x 6 utterances in
 *   carrier speech, confusables, ordinary sentences), held in memory as int16 (~70 MB) with
 *   reverberant copies of the wake and confusable files made once at load (FFT convolution with room
 *   responses from the corpus library's image-source model).
 * - Crops: 3 s (300 frames). The first 126 frames only warm the network's receptive field up and
 *   carry no loss, so every loss frame sees as much context as the streaming engine does — except
 *   in "cold" crops (20%), which stand for the start of a stream (engine created, microphone back
 *   on): there every frame carries loss, so the network learns not to fire on an empty history. Per frame
 *   the label is POSITIVE from 80 ms to 280 ms after the end of the target word, IGNORE over the
 *   word's second half up to 80 ms after it and from 280 to 480 ms after it, NEGATIVE elsewhere.
 *   Positive frames also regress the seconds since the word began (the detector's start estimate).
 *   Why 80 ms after the end and not at it: the confusables that begin like the wake word ("a lexus",
 *   "alexis", "alexander") are the wake word up to its last vowel; what tells them apart comes after
 *   it (a fricative, another syllable). A network taught to fire by the end of the vowel cannot have
 *   heard that yet (version 1 of the trainer did, and "a lexus" woke it at 0.997); a network taught
 *   to fire 80 ms later has, at the cost of ~80 ms more detection latency.
 * - Each epoch: every training positive `positive_repeats` times, `negative_crops` random crops of
 *   any file, `hard_crops` crops around confusables and the other wake words (two thirds of them the
 *   ones the model scored highest when last seen: hard-negative mining at no extra cost, since the
 *   scores come from the training forward passes), and `mined_crops` crops for false-alarm mining at
 *   fixed positions every 1.5 s of the training clips without a target word (two thirds the positions
 *   that scored highest when last seen, one third uniform). Each crop gets a random gain (-10..+6 dB, or one
 *   crop in four -32..-10 dB for far-field talkers), a random position of its anchor (time shift), half
 *   of them a speed change of up to +-12% (tempo and pitch, by resampling), and, 70% of the time, noise
 *   at 0-20 dB SNR: white, pink, brown, babble made of three training talkers, synthetic music, or
 *   (only when the corpus has files of kind "music") the corpus's recorded music, each equally likely
 *   (with --music-share F, music, synthetic or recorded, for the share F of them and the four noises for
 *   the rest: a model that hears music more often, see reference/models/README.md);
 *   with --vocal-tract-warp, after the front end, half of them a vocal tract length perturbation of
 *   the log-mel spectra (formants moved by a factor of up to 1.22 either way: train_warp_vocal_tract).
 *   A crop costs ~35 MFLOP forward and backward at C = 32.
 * - Minibatches of 16 crops are split over --threads pthreads, each with its own front end and
 *   workspace and gradient buffer; the buffers are summed in thread order (deterministic).
 * - Validation: the files of every 8th voice (by sorted voice name) are never trained on; their
 *   crops (clean and with 10 dB noise) measure loss, detection and false alarms each epoch, and
 *   their whole files, streamed through the model as the engine runs it, set the shipped threshold
 *   at the end (calibrate_threshold).
 */
#define _POSIX_C_SOURCE 200809L
#include "train.h"

#include "corpus_internal.h"
#include "cpu.h"
#include "detector.h"
#include "mfcc.h"
#include "sha256.h"
#include "tcn.h"

#include <fftw3.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CROP_FRAMES 300
#define WARMUP_FRAMES 126
#define HOP 160
#define WINDOW 400
#define CROP_SAMPLES ((CROP_FRAMES - 1) * HOP + WINDOW)
#define BATCH 16
#define NOISE_BANK_SECONDS 40
#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#define NOISE_TYPES 5
#define MUSIC_NOISE 4
/* Speed perturbation (tempo and pitch together, by resampling): half the crops play at a speed drawn
 * from [1 - SPEED_SPREAD, 1 + SPEED_SPREAD], so the network meets voices higher, lower, faster and
 * slower than the few synthetic speakers it is trained on. */
#define SPEED_SPREAD 0.12
/* Vocal tract length perturbation (--vocal-tract-warp; off by default, so the shipped models still
 * reproduce): half the training crops have their spectra stretched or squeezed along frequency by a
 * factor drawn log-uniformly from [1 / VTLP_MAX_WARP, VTLP_MAX_WARP], as a longer or shorter vocal tract
 * moves every formant (see train_warp_vocal_tract). Why: on `standard` the shipped alexa model misses
 * 0.7 % of the espeak-ng voices' wake words in clean speech but 17 of 20 of flite's held-out female
 * voice (slt), and all of its 70 in noise, music and rooms: the training voices of the second
 * synthesizer (flite awb and rms) are both male. Speed perturbation moves the formants too, but only by
 * +-12 % and always with tempo and pitch. Alone it took slt's clean misses from 17 to 9 of 20 for no
 * fewer misses overall (reference/models/README.md). */
#define VTLP_PROBABILITY 0.5
#define VTLP_MAX_WARP 1.22
#define MAX_THREADS 16
/* The least threshold shipped at sensitivity 0.5: two held-out voices are far too little audio to
 * show a false-wake rate of 3 per 24 h, so the calibration only ever makes the detector stricter than
 * this; "sensitivity" loosens it for users who prefer fewer misses. */
/* The operating point's bounds (the posterior threshold at sensitivity 0.5). The floor was 0.99 in
 * trainer version 1; at 0.99 the version-2 alexa model woke once on TV-style (band-limited) speech in
 * the standard corpus at 0.991, and 0.995 keeps every wake word of that corpus detected. */
#define THRESHOLD_FLOOR 0.995f
#define THRESHOLD_CEILING 0.998f
/* Frame labels around a target word, in samples after its end (see the top of the file). */
#define POSITIVE_FROM_SAMPLES 1280
#define POSITIVE_UNTIL_SAMPLES 4480
#define IGNORE_UNTIL_SAMPLES 7680

enum anchor_kind { ANCHOR_POSITIVE = 0, ANCHOR_HARD = 1, ANCHOR_RANDOM = 2, ANCHOR_SPEECH = 3 };
/* Fixed positions, this far apart, in every training clip without a target word: the pool that
 * false-alarm mining draws from (see `mined_crops`). */
#define SPEECH_ANCHOR_SPACING 24000

struct word { int64_t start, end; };

struct clip {
    int16_t *samples;
    int64_t count;
    bool validation;
    bool owned;                 /* samples are ours (reverb copies share nothing) */
    bool music;                 /* a file of kind "music": a negative, and material for the recorded-music bank */
    struct word *targets;       /* target-keyword wake words */
    size_t target_count;
};

struct anchor {
    int clip;
    int64_t end;                /* sample the anchor word ends at (random anchors: any sample) */
    int kind;
    float hardness;             /* last max posterior seen (hard anchors) */
};

struct trainer {
    const struct train_options *options;
    struct wakecert_model_spec *spec;
    struct clip *clips;
    size_t clip_count;
    struct anchor *anchors;
    size_t anchor_count;
    float *noise_bank[NOISE_TYPES]; /* white, pink, brown, babble, music; NOISE_BANK_SECONDS each, unit power */
    int64_t noise_count;
    float *recorded_music;          /* the training music files' samples end to end, each at unit power; or NULL */
    int64_t recorded_music_count;
};

static int failf(char *message, size_t message_size, const char *format, ...)
{
    if (message && message_size) {
        va_list args;
        va_start(args, format);
        vsnprintf(message, message_size, format, args);
        va_end(args);
    }
    return -1;
}

void train_options_default(struct train_options *options)
{
    *options = (struct train_options){
        .keyword = "alexa", .seed = 1, .threads = 1, .epochs = 40, .channels = 32, .layers = 6,
        .positive_repeats = 3, .negative_crops = 600, .hard_crops = 450, .mined_crops = 300, .learning_rate = 0.002f,
        .reverb = 1,
        .progress = 1, .command_line = "",
    };
}

/* ---- audio preparation ---- */

/* Convolve x with h by FFT into a new int16 clip of x's length (the tail is dropped), scaled back to
 * x's peak. Returns NULL when out of memory. */
static int16_t *reverberate(const int16_t *x, int64_t count, const float *h, int64_t h_count)
{
    int64_t n = 1;
    while (n < count + h_count)
        n *= 2;
    float *a = fftwf_alloc_real((size_t)n), *b = fftwf_alloc_real((size_t)n);
    fftwf_complex *A = fftwf_alloc_complex((size_t)n / 2 + 1), *B = fftwf_alloc_complex((size_t)n / 2 + 1);
    int16_t *out = malloc((size_t)count * sizeof *out);
    if (!a || !b || !A || !B || !out) {
        fftwf_free(a), fftwf_free(b), fftwf_free(A), fftwf_free(B), free(out);
        return NULL;
    }
    fftwf_plan pa = fftwf_plan_dft_r2c_1d((int)n, a, A, FFTW_ESTIMATE);
    fftwf_plan pb = fftwf_plan_dft_r2c_1d((int)n, b, B, FFTW_ESTIMATE);
    fftwf_plan pi = fftwf_plan_dft_c2r_1d((int)n, A, a, FFTW_ESTIMATE);
    float peak = 1;
    for (int64_t i = 0; i < n; i++) {
        a[i] = i < count ? x[i] : 0.0f;
        b[i] = i < h_count ? h[i] : 0.0f;
        if (i < count && fabsf(a[i]) > peak)
            peak = fabsf(a[i]);
    }
    fftwf_execute(pa);
    fftwf_execute(pb);
    for (int64_t k = 0; k < n / 2 + 1; k++) {
        float re = A[k][0] * B[k][0] - A[k][1] * B[k][1], im = A[k][0] * B[k][1] + A[k][1] * B[k][0];
        A[k][0] = re;
        A[k][1] = im;
    }
    fftwf_execute(pi);
    float wet_peak = 1e-9f;
    for (int64_t i = 0; i < count; i++)
        if (fabsf(a[i]) > wet_peak)
            wet_peak = fabsf(a[i]);
    float scale = peak / wet_peak;
    for (int64_t i = 0; i < count; i++)
        out[i] = (int16_t)lrintf(fmaxf(-32768.0f, fminf(32767.0f, a[i] * scale)));
    fftwf_destroy_plan(pa), fftwf_destroy_plan(pb), fftwf_destroy_plan(pi);
    fftwf_free(a), fftwf_free(b), fftwf_free(A), fftwf_free(B);
    return out;
}

static int add_clip(struct trainer *t, const struct clip *clip, size_t *capacity)
{
    if (t->clip_count == *capacity) {
        *capacity = *capacity ? *capacity * 2 : 256;
        struct clip *grown = realloc(t->clips, *capacity * sizeof *grown);
        if (!grown)
            return -1;
        t->clips = grown;
    }
    t->clips[t->clip_count++] = *clip;
    return 0;
}

static int add_anchor(struct trainer *t, int clip, int64_t end, int kind, size_t *capacity)
{
    if (t->anchor_count == *capacity) {
        *capacity = *capacity ? *capacity * 2 : 1024;
        struct anchor *grown = realloc(t->anchors, *capacity * sizeof *grown);
        if (!grown)
            return -1;
        t->anchors = grown;
    }
    t->anchors[t->anchor_count++] = (struct anchor){clip, end, kind, 0.5f};
    return 0;
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Load every file, mark validation voices, add reverberant copies, collect anchors. */
static int load_audio(struct trainer *t, const struct wakecert_corpus *corpus, struct train_report *report,
                      char *message, size_t message_size)
{
    const struct train_options *o = t->options;
    /* validation voices: every 8th distinct voice name in sorted order (at least one when >= 2 voices) */
    const char **voices = calloc(corpus->file_count + 1, sizeof *voices);
    if (!voices)
        return failf(message, message_size, "out of memory");
    size_t voice_count = 0;
    for (size_t f = 0; f < corpus->file_count; f++) {
        if (!corpus->files[f].voice[0])
            continue; /* music and other voice-less files are never held out */
        bool seen = false;
        for (size_t v = 0; v < voice_count; v++)
            seen = seen || strcmp(voices[v], corpus->files[f].voice) == 0;
        if (!seen)
            voices[voice_count++] = corpus->files[f].voice;
    }
    qsort(voices, voice_count, sizeof *voices, compare_strings);
    size_t clip_capacity = 0, anchor_capacity = 0;
    struct wakecert_prng prng;
    wakecert_prng_seed(&prng, o->seed, 77);
    for (size_t f = 0; f < corpus->file_count; f++) {
        const struct wakecert_corpus_file *file = &corpus->files[f];
        bool validation = false;
        for (size_t v = 0; v < voice_count; v++)
            if (strcmp(voices[v], file->voice) == 0)
                validation = voice_count >= 2 && (v % 8 == 7 || (voice_count < 8 && v == voice_count - 1));
        struct clip clip = {.validation = validation, .owned = true, .music = strcmp(file->kind, "music") == 0};
        int status = wakecert_corpus_read_audio(file, &clip.samples, &clip.count, message, message_size);
        if (status != 0) {
            free(voices);
            return -1;
        }
        size_t targets = 0;
        for (size_t e = 0; e < file->event_count; e++)
            targets += file->events[e].type == WAKECERT_EVENT_WAKE && strcmp(file->events[e].word, o->keyword) == 0;
        clip.targets = calloc(targets + 1, sizeof *clip.targets);
        if (!clip.targets || add_clip(t, &clip, &clip_capacity) != 0) {
            free(voices);
            return failf(message, message_size, "out of memory");
        }
        int copies = 1;
        bool speechy = targets > 0 || strcmp(file->kind, "confusable") == 0 ||
                       (file->event_count && file->events[0].type == WAKECERT_EVENT_WAKE);
        if (o->reverb && speechy)
            copies = 2;
        for (int copy = 0; copy < copies; copy++) {
            int index = (int)t->clip_count - 1;
            if (copy == 1) {
                struct wakecert_room room = {{3.0 + 4.0 * wakecert_prng_uniform(&prng), 3.0 + 3.0 * wakecert_prng_uniform(&prng),
                                              2.5 + 0.5 * wakecert_prng_uniform(&prng)},
                                             {-1, -1, -1}, {-1, -1, -1}, 0.2 + 0.5 * wakecert_prng_uniform(&prng)};
                float *response = NULL;
                int64_t response_count = 0;
                char inner[256];
                if (wakecert_room_impulse_response(&room, &prng, &response, &response_count, inner, sizeof inner) != 0)
                    continue; /* an unusable draw: no copy for this file */
                struct clip wet = t->clips[index];
                wet.samples = reverberate(t->clips[index].samples, t->clips[index].count, response, response_count);
                free(response);
                wet.targets = calloc(targets + 1, sizeof *wet.targets);
                if (!wet.samples || !wet.targets || add_clip(t, &wet, &clip_capacity) != 0) {
                    free(voices);
                    return failf(message, message_size, "out of memory");
                }
                index = (int)t->clip_count - 1;
            }
            struct clip *c = &t->clips[index];
            for (size_t e = 0; e < file->event_count; e++) {
                const struct wakecert_corpus_event *event = &file->events[e];
                int status2 = 0;
                if (event->type == WAKECERT_EVENT_WAKE && strcmp(event->word, o->keyword) == 0) {
                    c->targets[c->target_count++] = (struct word){event->start, event->end};
                    status2 = add_anchor(t, index, event->end, ANCHOR_POSITIVE, &anchor_capacity);
                    if (!c->validation && copy == 0)
                        report->train_positives++;
                } else if (event->type == WAKECERT_EVENT_WAKE || event->type == WAKECERT_EVENT_CONFUSABLE ||
                           event->type == WAKECERT_EVENT_MEDIA_WAKE) {
                    status2 = add_anchor(t, index, event->end, ANCHOR_HARD, &anchor_capacity);
                    if (!c->validation && copy == 0)
                        report->train_hard_negatives++;
                }
                if (status2 != 0) {
                    free(voices);
                    return failf(message, message_size, "out of memory");
                }
            }
        }
    }
    free(voices);
    report->files = (int)corpus->file_count;
    if (report->train_positives == 0)
        return failf(message, message_size, "corpus %s has no training wake words \"%s\" (outside the validation voices)",
                     corpus->name, o->keyword);
    return 0;
}

/* One note of the synthetic music: a harmonic tone added into out[0, length). */
static void add_note(float *out, int64_t length, double frequency, double amplitude, int harmonics,
                     double rolloff, double decay_seconds, double attack_seconds)
{
    for (int h = 1; h <= harmonics && frequency * h < 7600.0; h++) {
        double step = 2.0 * M_PI * frequency * h / 16000.0, level = amplitude / pow(h, rolloff);
        /* phasor rotation: one complex multiply per sample instead of a sin() */
        double re = 1.0, im = 0.0, c = cos(step), s = sin(step);
        double fall = exp(-1.0 / (decay_seconds * 16000.0 / (1.0 + 0.3 * (h - 1))));
        double envelope = 1.0;
        int64_t attack = (int64_t)(attack_seconds * 16000.0) + 1;
        for (int64_t i = 0; i < length; i++) {
            double rise = i < attack ? (double)i / (double)attack : 1.0;
            out[i] += (float)(level * envelope * rise * im);
            double next_re = re * c - im * s;
            im = re * s + im * c;
            re = next_re;
            envelope *= fall;
        }
    }
}

/* Synthetic music for augmentation, unit power: phrases in a random key and tempo, each beat a bass
 * note, a chord and a melody note of harmonic tones (plucked or sustained), with a kick and hi-hat.
 * Made here rather than taken from the corpora's MIDI pool so no evaluation music is heard in
 * training; it gives the network what music has and noise lacks: steady harmonics and onsets. */
static void synthesize_music(struct wakecert_prng *prng, float *out, int64_t count)
{
    static const int major[7] = {0, 2, 4, 5, 7, 9, 11}, minor[7] = {0, 2, 3, 5, 7, 8, 10};
    int64_t at = 0;
    while (at < count) {
        int64_t phrase_end = at + (int64_t)((6.0 + 6.0 * wakecert_prng_uniform(prng)) * 16000.0);
        const int *scale = wakecert_prng_uniform(prng) < 0.5 ? major : minor;
        int key = 36 + (int)(wakecert_prng_next(prng) % 12);   /* MIDI note of the bass's tonic */
        int64_t beat = (int64_t)((0.25 + 0.35 * wakecert_prng_uniform(prng)) * 16000.0);
        double pluck = wakecert_prng_uniform(prng) < 0.5 ? 0.25 + 0.5 * wakecert_prng_uniform(prng) : 3.0;
        double rolloff = 0.8 + 1.2 * wakecert_prng_uniform(prng);
        bool drums = wakecert_prng_uniform(prng) < 0.6;
        for (int b = 0; at < phrase_end && at < count; b++, at += beat) {
            int64_t length = count - at < 2 * beat ? count - at : 2 * beat;
            int degree = (int)(wakecert_prng_next(prng) % 7);
            #define NOTE_HZ(midi) (440.0 * pow(2.0, ((midi) - 69) / 12.0))
            if (b % 2 == 0)
                add_note(out + at, length, NOTE_HZ(key + scale[degree]), 0.5, 8, rolloff, pluck, 0.005);
            for (int n = 0; n < 3 && b % 4 == 0; n++) {
                int chord = degree + 2 * n;
                add_note(out + at, length, NOTE_HZ(key + 24 + scale[chord % 7] + 12 * (chord / 7)), 0.2, 6, rolloff,
                         pluck, 0.02);
            }
            int melody = (int)(wakecert_prng_next(prng) % 14);
            add_note(out + at, length, NOTE_HZ(key + 36 + scale[melody % 7] + 12 * (melody / 7)), 0.3, 5, rolloff,
                     pluck, 0.01);
            #undef NOTE_HZ
            for (int64_t i = 0; drums && i < length && i < 4000; i++) {
                double decay = exp(-(double)i / 400.0);
                if (b % 2 == 0)   /* kick: a falling 50-100 Hz sine */
                    out[at + i] += (float)(0.8 * exp(-(double)i / 1500.0) * sin(2.0 * M_PI * (50.0 + 50.0 * exp(-(double)i / 800.0)) * (double)i / 16000.0));
                else              /* hi-hat: bright noise burst */
                    out[at + i] += (float)(0.15 * decay * wakecert_prng_gaussian(prng));
            }
        }
    }
    double power = wakecert_mean_square(out, NULL, count);
    for (int64_t i = 0; i < count && power > 0; i++)
        out[i] = (float)(out[i] / sqrt(power));
}

/* White, pink, brown noise from the corpus library; music synthesized above; babble from three training talkers' negative
 * speech summed (training voices only, so no evaluation voice leaks in). When the corpus holds files of kind
 * "music" (the train recipe's recorded music: soundtracks the evaluation corpora never play), they become
 * a sixth noise type, end to end, each file scaled to unit power (make_recorded_music_bank); corpora
 * without them train exactly as before. */
static int make_noise_bank(struct trainer *t, char *message, size_t message_size)
{
    t->noise_count = (int64_t)NOISE_BANK_SECONDS * 16000;
    static const char *const types[3] = {"white", "pink", "brown"};
    struct wakecert_prng prng;
    wakecert_prng_seed(&prng, t->options->seed, 99);
    for (int k = 0; k < NOISE_TYPES; k++) {
        t->noise_bank[k] = calloc((size_t)t->noise_count, sizeof(float));
        if (!t->noise_bank[k])
            return failf(message, message_size, "out of memory");
    }
    for (int k = 0; k < 3; k++) {
        char inner[256];
        if (wakecert_noise_generate(types[k], 0, &prng, t->noise_bank[k], t->noise_count, inner, sizeof inner) != 0)
            return failf(message, message_size, "noise bank: %s", inner);
    }
    synthesize_music(&prng, t->noise_bank[MUSIC_NOISE], t->noise_count);
    /* babble: pieces of training clips without target words, 3 talkers at once */
    int candidates = 0;
    for (size_t c = 0; c < t->clip_count; c++)
        candidates += !t->clips[c].validation && t->clips[c].target_count == 0 && t->clips[c].owned && !t->clips[c].music;
    if (candidates == 0)
        return 0;
    for (int talker = 0; talker < 3; talker++) {
        int64_t filled = 0;
        while (filled < t->noise_count) {
            int pick = (int)(wakecert_prng_next(&prng) % (uint32_t)candidates);
            const struct clip *clip = NULL;
            for (size_t c = 0; c < t->clip_count; c++)
                if (!t->clips[c].validation && t->clips[c].target_count == 0 && !t->clips[c].music && pick-- == 0) {
                    clip = &t->clips[c];
                    break;
                }
            for (int64_t i = 0; i < clip->count && filled < t->noise_count; i++)
                t->noise_bank[3][filled++] += clip->samples[i] / 32768.0f;
        }
    }
    double power = wakecert_mean_square(t->noise_bank[3], NULL, t->noise_count);
    for (int64_t i = 0; i < t->noise_count && power > 0; i++)
        t->noise_bank[3][i] = (float)(t->noise_bank[3][i] / sqrt(power));
    return 0;
}

/* The recorded-music bank (see make_noise_bank): every training music clip end to end, each scaled to
 * unit power. Leaves t->recorded_music NULL when the corpus has no music files or too little of them for
 * a crop. Returns 0, or -1 with a message when out of memory. */
static int make_recorded_music_bank(struct trainer *t, char *message, size_t message_size)
{
    int64_t total = 0;
    for (size_t c = 0; c < t->clip_count; c++)
        if (t->clips[c].music && !t->clips[c].validation)
            total += t->clips[c].count;
    if (total <= CROP_SAMPLES)
        return 0;
    t->recorded_music = malloc((size_t)total * sizeof *t->recorded_music);
    if (!t->recorded_music)
        return failf(message, message_size, "out of memory for %.0f s of recorded music", (double)total / 16000.0);
    int64_t at = 0;
    for (size_t c = 0; c < t->clip_count; c++) {
        const struct clip *clip = &t->clips[c];
        if (!clip->music || clip->validation)
            continue;
        double power = 0;
        for (int64_t i = 0; i < clip->count; i++)
            power += ((double)clip->samples[i] / 32768.0) * ((double)clip->samples[i] / 32768.0);
        power = clip->count ? power / (double)clip->count : 0;
        const double scale = power > 0 ? 1.0 / sqrt(power) : 0;
        for (int64_t i = 0; i < clip->count; i++)
            t->recorded_music[at++] = (float)(clip->samples[i] / 32768.0 * scale);
    }
    t->recorded_music_count = total;
    return 0;
}

/* ---- crops ---- */

struct crop_job {
    int anchor;
    uint64_t stream;         /* PCG stream of this crop's randomness */
    int noise_mode;          /* -1 random, 0 none, 1 10 dB white/pink/brown (validation) */
};

struct crop_data {
    float log_mel[CROP_FRAMES * WAKECERT_MODEL_MEL];
    int frames;
    unsigned char labels[CROP_FRAMES];
    float start_target[CROP_FRAMES];
    int16_t audio[CROP_SAMPLES];
    float mix[CROP_SAMPLES];
};

static void keep_log_mel(void *ctx, int64_t frame_index, const float *log_mel, const float *cepstra)
{
    struct crop_data *crop = ctx;
    (void)cepstra;
    (void)frame_index;
    if (crop->frames < CROP_FRAMES)
        memcpy(crop->log_mel + (size_t)crop->frames++ * WAKECERT_MODEL_MEL, log_mel, WAKECERT_MODEL_MEL * sizeof(float));
}

/* See train.h. Band b (centre f_b on the HTK mel scale of the default front end's band edges) takes the
 * log-mel energy found at f_b / warp, interpolated linearly between the two nearest bands' centres in
 * mel and clamped at the ends: an approximation of warping the power spectrum before the filterbank
 * (Jaitly and Hinton's VTLP), made on the features so the front end stays exactly the engine's. */
void train_warp_vocal_tract(float *log_mel_frames, int frame_count, double warp)
{
    const int bands = WAKECERT_MODEL_MEL;
    struct wakecert_mfcc_config config;
    wakecert_mfcc_config_default(&config);
    const double low = 2595.0 * log10(1.0 + config.low_frequency_hz / 700.0),
                 high = 2595.0 * log10(1.0 + config.high_frequency_hz / 700.0);
    const double spacing = (high - low) / (bands + 1);
    float source_at[WAKECERT_MODEL_MEL];
    for (int b = 0; b < bands; b++) {
        double centre_hz = 700.0 * (pow(10.0, (low + (b + 1) * spacing) / 2595.0) - 1.0);
        double source_mel = 2595.0 * log10(1.0 + centre_hz / warp / 700.0);
        double position = (source_mel - low) / spacing - 1.0;
        source_at[b] = (float)fmin(fmax(position, 0.0), (double)(bands - 1));
    }
    float frame_copy[WAKECERT_MODEL_MEL];
    for (int f = 0; f < frame_count; f++) {
        float *log_mel = log_mel_frames + (size_t)f * bands;
        memcpy(frame_copy, log_mel, sizeof frame_copy);
        for (int b = 0; b < bands; b++) {
            int below = (int)source_at[b];
            int above = below + 1 < bands ? below + 1 : below;
            float fraction = source_at[b] - (float)below;
            log_mel[b] = frame_copy[below] + fraction * (frame_copy[above] - frame_copy[below]);
        }
    }
}

/* Cut, augment and featurise one crop; fill labels. Deterministic in (trainer, job). */
static void make_crop(const struct trainer *t, const struct crop_job *job, wakecert_mfcc *frontend,
                      struct crop_data *crop)
{
    struct wakecert_prng prng;
    wakecert_prng_seed(&prng, t->options->seed, job->stream);
    const struct anchor *anchor = &t->anchors[job->anchor];
    const struct clip *clip = &t->clips[anchor->clip];
    int64_t end = anchor->end;
    if (anchor->kind == ANCHOR_RANDOM)
        end = (int64_t)(wakecert_prng_uniform(&prng) * (double)clip->count);
    /* the anchor's end lands on a frame in [150, 280) of the crop, at any sample phase; a "cold"
     * crop (20%) is the start of a stream instead — the network's history is empty (zeros, as in the
     * engine after create or microphone-on) and every frame carries loss, anchors from frame 25 on */
    bool cold = wakecert_prng_uniform(&prng) < 0.2;
    int frame = cold ? 25 + (int)(wakecert_prng_next(&prng) % 255) : 150 + (int)(wakecert_prng_next(&prng) % 130);
    int warmup = cold ? 0 : WARMUP_FRAMES;
    /* where the anchor's end falls in the crop (output samples), and the playback speed: crop sample i
     * plays source sample end + (i - anchor_at) * speed (linear interpolation between samples) */
    double anchor_at = (double)((int64_t)frame * HOP + WINDOW - (int64_t)(wakecert_prng_next(&prng) % HOP));
    double speed = wakecert_prng_uniform(&prng) < 0.5 ? 1.0 - SPEED_SPREAD + 2.0 * SPEED_SPREAD * wakecert_prng_uniform(&prng) : 1.0;
    /* gain: three crops in four within -10..+6 dB, the fourth -32..-10 dB (far-field talkers) */
    double gain_db = wakecert_prng_uniform(&prng) < 0.75 ? -10.0 + 16.0 * wakecert_prng_uniform(&prng)
                                                         : -32.0 + 22.0 * wakecert_prng_uniform(&prng);
    float gain = powf(10.0f, (float)gain_db / 20.0f);
    double speech_power = 0;
    for (int i = 0; i < CROP_SAMPLES; i++) {
        double source = (double)end + ((double)i - anchor_at) * speed;
        double floor_source = floor(source);
        int64_t at = (int64_t)floor_source;
        double fraction = source - floor_source;
        float a = at >= 0 && at < clip->count ? clip->samples[at] / 32768.0f : 0.0f;
        float b = fraction > 0 && at + 1 >= 0 && at + 1 < clip->count ? clip->samples[at + 1] / 32768.0f : 0.0f;
        crop->mix[i] = (a + (float)fraction * (b - a)) * gain;
    }
    /* speech power: mean square of the 10 ms blocks above a tenth of the loudest block */
    double blocks[CROP_SAMPLES / HOP], loudest = 0;
    for (int b = 0; b < CROP_SAMPLES / HOP; b++) {
        double s = 0;
        for (int i = 0; i < HOP; i++)
            s += (double)crop->mix[b * HOP + i] * crop->mix[b * HOP + i];
        blocks[b] = s / HOP;
        loudest = blocks[b] > loudest ? blocks[b] : loudest;
    }
    int loud = 0;
    for (int b = 0; b < CROP_SAMPLES / HOP; b++)
        if (blocks[b] >= 0.1 * loudest) {
            speech_power += blocks[b];
            loud++;
        }
    speech_power = loud ? speech_power / loud : 0;
    int noise_type = -1;
    double snr_db = 0;
    if (job->noise_mode < 0 && wakecert_prng_uniform(&prng) < 0.7) {
        /* with recorded music, a sixth type (index NOISE_TYPES): the draw only changes when it exists */
        if (t->options->music_share > 0) {
            /* --music-share: music (synthetic, or recorded when the corpus has it) for that share of the
             * noisy crops, the other types evenly for the rest; a draw the default never makes */
            const bool music = wakecert_prng_uniform(&prng) < t->options->music_share;
            const uint32_t draw = wakecert_prng_next(&prng);
            if (music)
                noise_type = t->recorded_music && draw % 2 ? NOISE_TYPES : MUSIC_NOISE;
            else
                noise_type = (int)(draw % (NOISE_TYPES - 1)); /* white, pink, brown, babble */
        } else
            noise_type = (int)(wakecert_prng_next(&prng) % (uint32_t)(NOISE_TYPES + (t->recorded_music ? 1 : 0)));
        snr_db = 20.0 * wakecert_prng_uniform(&prng);
    } else if (job->noise_mode == 1) {
        noise_type = (int)(job->stream % 3);
        snr_db = 10.0;
    }
    if (noise_type >= 0 && speech_power > 0) {
        float scale = (float)sqrt(speech_power / pow(10.0, snr_db / 10.0));
        const bool recorded = noise_type == NOISE_TYPES;
        const float *bank = recorded ? t->recorded_music : t->noise_bank[noise_type];
        const int64_t bank_count = recorded ? t->recorded_music_count : t->noise_count;
        int64_t offset = (int64_t)(wakecert_prng_uniform(&prng) * (double)(bank_count - CROP_SAMPLES));
        for (int i = 0; i < CROP_SAMPLES; i++)
            crop->mix[i] += scale * bank[offset + i];
    }
    for (int i = 0; i < CROP_SAMPLES; i++) {
        float v = crop->mix[i] * 32768.0f + 30.0f * (float)wakecert_prng_gaussian(&prng) * 0.03f;
        crop->audio[i] = (int16_t)lrintf(fmaxf(-32768.0f, fminf(32767.0f, v)));
    }
    crop->frames = 0;
    wakecert_mfcc_reset(frontend);
    wakecert_mfcc_push(frontend, crop->audio, CROP_SAMPLES, keep_log_mel, crop);
    if (t->options->vocal_tract_warp && job->noise_mode < 0 && /* training crops only */
        wakecert_prng_uniform(&prng) < VTLP_PROBABILITY)
        train_warp_vocal_tract(crop->log_mel, crop->frames, exp(log(VTLP_MAX_WARP) * (2.0 * wakecert_prng_uniform(&prng) - 1.0)));
    /* labels, in the crop's own (played) samples: a word's bounds map through the speed */
    for (int f = 0; f < CROP_FRAMES; f++) {
        double seen = (double)((int64_t)f * HOP + WINDOW); /* first sample the frame has not heard */
        unsigned char label = f < warmup ? TCN_IGNORE : TCN_NEGATIVE;
        crop->start_target[f] = 0;
        for (size_t w = 0; w < clip->target_count && f >= warmup; w++) {
            const struct word *word = &clip->targets[w];
            double word_start = anchor_at + (double)(word->start - end) / speed;
            double word_end = anchor_at + (double)(word->end - end) / speed;
            if (word_start < 0 && seen >= word_start && seen <= word_end + IGNORE_UNTIL_SAMPLES)
                label = TCN_IGNORE; /* a word cut by the stream's start: neither taught nor punished */
            else if (seen >= word_end + POSITIVE_FROM_SAMPLES && seen <= word_end + POSITIVE_UNTIL_SAMPLES) {
                label = TCN_POSITIVE;
                crop->start_target[f] = (float)(seen - word_start) / 16000.0f;
            } else if (label != TCN_POSITIVE &&
                       ((seen >= word_start + (word_end - word_start) / 2 && seen < word_end + POSITIVE_FROM_SAMPLES) ||
                        (seen > word_end + POSITIVE_UNTIL_SAMPLES && seen <= word_end + IGNORE_UNTIL_SAMPLES)))
                label = TCN_IGNORE;
        }
        crop->labels[f] = label;
    }
}

/* ---- threads ---- */

struct worker {
    const struct trainer *t;
    const struct crop_job *jobs;
    int job_count, first, stride;
    bool compute_grad;
    float positive_weight;
    wakecert_mfcc *frontend;
    struct tcn_workspace ws;
    struct crop_data *crop;
    float *grad;
    double loss;
    long counted;
    float *max_posterior;   /* per job: max posterior over non-positive labelled frames */
    float *max_positive;    /* per job: max smoothed posterior over positive frames (-1 if none) */
};

static void *worker_run(void *arg)
{
    struct worker *w = arg;
    const struct wakecert_model_spec *spec = w->t->spec;
    for (int j = w->first; j < w->job_count; j += w->stride) {
        make_crop(w->t, &w->jobs[j], w->frontend, w->crop);
        tcn_forward(spec, &w->ws, w->crop->log_mel, w->crop->frames);
        int counted = 0;
        w->loss += tcn_backward(spec, &w->ws, w->crop->frames, w->crop->labels, w->crop->start_target,
                                w->positive_weight, w->compute_grad ? w->grad : NULL, &counted);
        w->counted += counted;
        float worst = 0, best_positive = -1;
        float history[32] = {0};
        int smoothing = (int)spec->smoothing_frames;
        for (int f = 0; f < w->crop->frames; f++) {
            history[f % smoothing] = 1.0f / (1.0f + expf(-w->ws.head[(size_t)f * spec->output_count]));
            float smooth = 0;
            for (int k = 0; k < smoothing; k++)
                smooth += history[k];
            smooth /= (float)smoothing;
            if (w->crop->labels[f] == TCN_NEGATIVE && smooth > worst)
                worst = smooth;
            if (w->crop->labels[f] == TCN_POSITIVE && smooth > best_positive)
                best_positive = smooth;
        }
        w->max_posterior[j] = worst;
        w->max_positive[j] = best_positive;
    }
    return NULL;
}

/* Run jobs over the workers (gradient summed into grad when non-NULL). Returns the loss sum and the
 * labelled frame count. */
static double run_jobs(struct trainer *t, struct worker *workers, int threads, const struct crop_job *jobs, int count,
                       float *grad, float *max_posterior, float *max_positive, long *counted)
{
    pthread_t ids[MAX_THREADS];
    size_t n = t->spec->weight_count;
    for (int k = 0; k < threads; k++) {
        struct worker *w = &workers[k];
        w->jobs = jobs;
        w->job_count = count;
        w->first = k;
        w->stride = threads;
        w->compute_grad = grad != NULL;
        w->loss = 0;
        w->counted = 0;
        w->max_posterior = max_posterior;
        w->max_positive = max_positive;
        if (grad)
            memset(w->grad, 0, n * sizeof(float));
    }
    for (int k = 1; k < threads; k++)
        if (pthread_create(&ids[k], NULL, worker_run, &workers[k]) != 0)
            worker_run(&workers[k]), ids[k] = 0;
    worker_run(&workers[0]);
    double loss = 0;
    *counted = 0;
    for (int k = 0; k < threads; k++) {
        if (k > 0 && ids[k])
            pthread_join(ids[k], NULL);
        loss += workers[k].loss;
        *counted += workers[k].counted;
    }
    if (grad) {
        memset(grad, 0, n * sizeof(float));
        for (int k = 0; k < threads; k++)
            for (size_t i = 0; i < n; i++)
                grad[i] += workers[k].grad[i];
    }
    return loss;
}

static void shuffle(struct crop_job *jobs, int count, struct wakecert_prng *prng)
{
    for (int i = count - 1; i > 0; i--) {
        int j = (int)(wakecert_prng_next(prng) % (uint32_t)(i + 1));
        struct crop_job swap = jobs[i];
        jobs[i] = jobs[j];
        jobs[j] = swap;
    }
}

struct hard_ref { int anchor; float hardness; };

static int compare_hard(const void *a, const void *b)
{
    const struct hard_ref *x = a, *y = b;
    if (x->hardness != y->hardness)
        return x->hardness > y->hardness ? -1 : 1;
    return x->anchor - y->anchor;
}

/* ---- calibration on whole validation files ---- */

struct stream_scan {
    wakecert_model *model;
    const struct wakecert_model_spec *spec;
    float history[32];
    long frames;
    float *smooth;          /* per frame */
    long capacity;
};

static void scan_frame(void *ctx, int64_t frame_index, const float *log_mel, const float *cepstra)
{
    struct stream_scan *s = ctx;
    (void)frame_index, (void)cepstra;
    float out[WAKECERT_MODEL_OUTPUTS];
    wakecert_model_push(s->model, log_mel, out);
    int n = (int)s->spec->smoothing_frames;
    s->history[s->frames % n] = 1.0f / (1.0f + expf(-out[0]));
    float sum = 0;
    for (int k = 0; k < n; k++)
        sum += s->history[k];
    if (s->frames < s->capacity)
        s->smooth[s->frames] = sum / (float)n;
    s->frames++;
}

/* The threshold at sensitivity 0.5, chosen the way a false-wake budget is met in certification: the
 * validation voices' whole files (wake words in carrier speech, confusables, ordinary sentences, and
 * their reverberant copies) are streamed through the engine's own model, exactly as the engine runs it
 * (zero history at the file's start, the detector's startup frames skipped). The highest smoothed posterior
 * anywhere outside the target words' hit windows ([start, end + 0.5 s]) is the strongest false wake
 * the model would make on held-out voices; the threshold is set half a logit above it, kept within
 * [THRESHOLD_FLOOR, THRESHOLD_CEILING]. The report counts the validation wake words whose windows reach it. */
static void calibrate_threshold(struct trainer *t, struct train_report *report)
{
    struct wakecert_model_spec *spec = t->spec;
    struct wakecert_mfcc_config config;
    wakecert_mfcc_config_default(&config);
    wakecert_mfcc *frontend = NULL;
    char inner[200];
    struct stream_scan scan = {.spec = spec};
    scan.model = wakecert_model_create(spec, WAKECERT_CPU_C);
    float worst = 0;
    if (!scan.model || wakecert_mfcc_create(&config, WAKECERT_CPU_C, &frontend, inner, sizeof inner) != 0) {
        wakecert_model_destroy(scan.model);
        spec->threshold = report->threshold = THRESHOLD_CEILING;
        return;
    }
    float *peaks = calloc(t->clip_count * 4 + 1, sizeof *peaks);
    int peak_count = 0;
    for (size_t c = 0; c < t->clip_count; c++) {
        const struct clip *clip = &t->clips[c];
        if (!clip->validation || !clip->owned)
            continue;
        long frames = (long)(clip->count / HOP) + 2;
        float *smooth = malloc((size_t)frames * sizeof *smooth);
        if (!smooth)
            continue;
        scan.smooth = smooth;
        scan.capacity = frames;
        scan.frames = 0;
        memset(scan.history, 0, sizeof scan.history);
        wakecert_model_reset(scan.model);
        wakecert_mfcc_reset(frontend);
        wakecert_mfcc_push(frontend, clip->samples, (size_t)clip->count, scan_frame, &scan);
        for (long f = MODEL_DETECTOR_STARTUP_FRAMES; f < scan.frames && f < frames; f++) {
            int64_t seen = (int64_t)f * HOP + WINDOW;
            bool in_window = false;
            for (size_t w = 0; w < clip->target_count; w++)
                in_window = in_window || (seen >= clip->targets[w].start && seen <= clip->targets[w].end + 8000 + WINDOW);
            if (!in_window && smooth[f] > worst)
                worst = smooth[f];
        }
        for (size_t w = 0; w < clip->target_count && peaks; w++) {
            float best = 0;
            for (long f = MODEL_DETECTOR_STARTUP_FRAMES; f < scan.frames && f < frames; f++) {
                int64_t seen = (int64_t)f * HOP + WINDOW;
                if (seen >= clip->targets[w].start && seen <= clip->targets[w].end + 8000 && smooth[f] > best)
                    best = smooth[f];
            }
            peaks[peak_count++] = best;
        }
        free(smooth);
    }
    double logit = log((worst > 1e-6f ? worst : 1e-6f) / (1.0 - (worst < 0.999999f ? worst : 0.999999f))) + 0.5;
    float chosen = (float)(1.0 / (1.0 + exp(-logit)));
    chosen = chosen < THRESHOLD_FLOOR ? THRESHOLD_FLOOR : chosen > THRESHOLD_CEILING ? THRESHOLD_CEILING : chosen;
    spec->threshold = report->threshold = chosen;
    report->validation_worst_negative = worst;
    report->validation_positives = peak_count;
    report->validation_detected = 0;
    for (int p = 0; p < peak_count; p++)
        report->validation_detected += peaks[p] >= chosen;
    free(peaks);
    wakecert_mfcc_destroy(frontend);
    wakecert_model_destroy(scan.model);
}

/* ---- the whole run ---- */

static void init_spec(struct wakecert_model_spec *spec, const struct train_options *o)
{
    memset(spec, 0, sizeof *spec);
    spec->mel_count = WAKECERT_MODEL_MEL;
    spec->channels = (uint32_t)o->channels;
    spec->layer_count = (uint32_t)o->layers;
    spec->kernel_size = 3;
    for (int l = 0; l < o->layers; l++)
        spec->dilations[l] = 1u << l;
    spec->output_count = WAKECERT_MODEL_OUTPUTS;
    spec->threshold = 0.5f;
    spec->sensitivity_span = 3.0f;
    spec->smoothing_frames = 3;
    spec->refractory_frames = 100;
    snprintf(spec->keyword, sizeof spec->keyword, "%s", o->keyword);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void free_trainer(struct trainer *t)
{
    for (size_t c = 0; c < t->clip_count; c++) {
        free(t->clips[c].samples);
        free(t->clips[c].targets);
    }
    free(t->clips);
    free(t->anchors);
    for (int k = 0; k < NOISE_TYPES; k++)
        free(t->noise_bank[k]);
    free(t->recorded_music);
}

int train_model(const struct train_options *options, const struct wakecert_corpus *corpus,
                struct wakecert_model_spec *spec, struct train_report *report, char *message, size_t message_size)
{
    memset(report, 0, sizeof *report);
    memset(spec, 0, sizeof *spec);
    if (options->threads < 1 || options->threads > MAX_THREADS || options->channels < 8 || options->channels % 8 ||
        options->channels > WAKECERT_MODEL_MAX_CHANNELS || options->layers < 1 ||
        options->layers > WAKECERT_MODEL_MAX_LAYERS || options->epochs < 1)
        return failf(message, message_size, "bad options: threads 1-%d, channels a multiple of 8 up to %d, layers 1-%d, "
                     "epochs >= 1", MAX_THREADS, WAKECERT_MODEL_MAX_CHANNELS, WAKECERT_MODEL_MAX_LAYERS);
    double began = now_seconds();
    char synth_message[256];
    (void)wakecert_synth_initialize(synth_message, sizeof synth_message); /* only for its version string */
    struct trainer t = {.options = options, .spec = spec};
    init_spec(spec, options);
    spec->weight_count = wakecert_model_weight_count(spec->mel_count, spec->channels, spec->layer_count,
                                                     spec->kernel_size, spec->output_count);
    spec->weights = calloc(spec->weight_count, sizeof(float));
    if (!spec->weights)
        return failf(message, message_size, "out of memory");
    wakecert_model_bind(spec);
    float *mean = spec->weights, *inv_std = spec->weights + spec->mel_count;
    for (uint32_t m = 0; m < spec->mel_count; m++)
        mean[m] = 0, inv_std[m] = 1;
    tcn_init_weights(spec, options->seed);
    if (options->progress)
        fprintf(stderr, "train: loading %zu files of corpus %s\n", corpus->file_count, corpus->name);
    if (load_audio(&t, corpus, report, message, message_size) != 0 || make_noise_bank(&t, message, message_size) != 0 ||
        make_recorded_music_bank(&t, message, message_size) != 0) {
        free_trainer(&t);
        wakecert_model_spec_free(spec);
        return -1;
    }
    report->recorded_music_seconds = (double)t.recorded_music_count / 16000.0;
    if (options->progress && t.recorded_music)
        fprintf(stderr, "train: recorded music: %.0f s from the corpus's music files, a sixth noise type\n",
                (double)t.recorded_music_count / 16000.0);
    /* random anchors: a pool of training and validation positions (positions drawn per crop); speech
     * anchors: fixed positions in training clips without a target word, for false-alarm mining */
    size_t anchor_capacity = t.anchor_count;
    int speech_anchors = 0;
    for (size_t c = 0; c < t.clip_count; c++) {
        int failed = t.clips[c].owned && add_anchor(&t, (int)c, 0, ANCHOR_RANDOM, &anchor_capacity) != 0;
        bool minable = t.clips[c].owned && !t.clips[c].validation && t.clips[c].target_count == 0;
        for (int64_t end = SPEECH_ANCHOR_SPACING; minable && !failed && end < t.clips[c].count; end += SPEECH_ANCHOR_SPACING) {
            failed = add_anchor(&t, (int)c, end, ANCHOR_SPEECH, &anchor_capacity) != 0;
            t.anchors[t.anchor_count - 1].hardness = 0.0f; /* unseen: found by the uniform third, then mined */
            speech_anchors++;
        }
        if (failed) {
            free_trainer(&t);
            wakecert_model_spec_free(spec);
            return failf(message, message_size, "out of memory");
        }
    }
    int threads = options->threads;
    struct worker workers[MAX_THREADS];
    memset(workers, 0, sizeof workers);
    int setup_failed = 0;
    for (int k = 0; k < threads; k++) {
        struct wakecert_mfcc_config config;
        wakecert_mfcc_config_default(&config);
        char inner[200];
        workers[k].t = &t;
        workers[k].positive_weight = 5.0f; /* positive frames are ~4% of labelled frames */
        workers[k].crop = malloc(sizeof *workers[k].crop);
        workers[k].grad = malloc(spec->weight_count * sizeof(float));
        if (wakecert_mfcc_create(&config, -1, &workers[k].frontend, inner, sizeof inner) != 0 || !workers[k].crop ||
            !workers[k].grad || tcn_workspace_init(&workers[k].ws, spec, CROP_FRAMES) != 0)
            setup_failed = 1;
    }
    /* job lists */
    int train_positive = 0, validation_count = 0;
    int *hard = malloc(t.anchor_count * sizeof *hard), *random_pool = malloc(t.anchor_count * sizeof *random_pool);
    int *speech = malloc(t.anchor_count * sizeof *speech);
    int hard_count = 0, random_count = 0, speech_count = 0;
    struct crop_job *validation = malloc(4 * t.anchor_count * sizeof *validation);
    size_t epoch_capacity = t.anchor_count * (size_t)options->positive_repeats + (size_t)options->negative_crops +
                            (size_t)options->hard_crops + (size_t)options->mined_crops + 16;
    struct crop_job *jobs = malloc(epoch_capacity * sizeof *jobs);
    float *grad = malloc(spec->weight_count * sizeof(float));
    size_t max_jobs = epoch_capacity > 4 * t.anchor_count ? epoch_capacity : 4 * t.anchor_count;
    float *max_posterior = malloc(max_jobs * sizeof(float)), *max_positive = malloc(max_jobs * sizeof(float));
    struct hard_ref *refs = malloc(t.anchor_count * sizeof *refs);
    struct tcn_adam adam = {0};
    if (setup_failed || !hard || !random_pool || !speech || !validation || !jobs || !grad || !max_posterior || !max_positive ||
        !refs || tcn_adam_init(&adam, spec->weight_count) != 0) {
        failf(message, message_size, "out of memory (or the front end could not be created)");
        goto fail;
    }
    for (size_t a = 0; a < t.anchor_count; a++) {
        const struct anchor *anchor = &t.anchors[a];
        bool val = t.clips[anchor->clip].validation;
        if (val) {
            if (t.clips[anchor->clip].owned || anchor->kind != ANCHOR_RANDOM) {
                validation[validation_count++] = (struct crop_job){(int)a, 1000000000ull + a, 0};
                validation[validation_count++] = (struct crop_job){(int)a, 2000000000ull + a, 1};
            }
            continue;
        }
        if (anchor->kind == ANCHOR_POSITIVE)
            train_positive++;
        else if (anchor->kind == ANCHOR_HARD)
            hard[hard_count++] = (int)a;
        else if (anchor->kind == ANCHOR_SPEECH)
            speech[speech_count++] = (int)a;
        else
            random_pool[random_count++] = (int)a;
    }
    /* normalisation: per-band mean and 1/std over clean crops of random positions */
    {
        int sample_jobs = random_count < 64 ? random_count : 64;
        double sum[WAKECERT_MODEL_MEL] = {0}, square[WAKECERT_MODEL_MEL] = {0};
        long frames = 0;
        for (int j = 0; j < sample_jobs; j++) {
            struct crop_job job = {random_pool[(j * 7919) % random_count], 3000000000ull + (uint64_t)j, 0};
            make_crop(&t, &job, workers[0].frontend, workers[0].crop);
            for (int f = 0; f < workers[0].crop->frames; f++, frames++)
                for (int m = 0; m < WAKECERT_MODEL_MEL; m++) {
                    double v = workers[0].crop->log_mel[f * WAKECERT_MODEL_MEL + m];
                    sum[m] += v;
                    square[m] += v * v;
                }
        }
        for (int m = 0; m < WAKECERT_MODEL_MEL && frames > 0; m++) {
            double mu = sum[m] / (double)frames, var = square[m] / (double)frames - mu * mu;
            mean[m] = (float)mu;
            inv_std[m] = (float)(1.0 / sqrt(var > 1e-6 ? var : 1e-6));
        }
    }
    if (options->progress)
        fprintf(stderr, "train: keyword %s: %d training positives (%d with reverb copies), %d hard negatives, %d "
                "positions for false-alarm mining, %d validation crops, %u weights, %d thread%s\n", options->keyword,
                report->train_positives, train_positive, hard_count, speech_count, validation_count,
                (unsigned)spec->weight_count, threads, threads == 1 ? "" : "s");
    struct wakecert_prng plan;
    wakecert_prng_seed(&plan, options->seed, 5);
    size_t first_trainable = 2 * spec->mel_count;
    long total_steps = 0;
    for (int epoch = 0; epoch < options->epochs; epoch++) {
        double epoch_began = now_seconds();
        int count = 0;
        for (size_t a = 0; a < t.anchor_count; a++)
            if (!t.clips[t.anchors[a].clip].validation && t.anchors[a].kind == ANCHOR_POSITIVE)
                for (int r = 0; r < options->positive_repeats; r++)
                    jobs[count++] = (struct crop_job){(int)a, 0, -1};
        for (int n = 0; n < options->negative_crops && random_count; n++)
            jobs[count++] = (struct crop_job){random_pool[wakecert_prng_next(&plan) % (uint32_t)random_count], 0, -1};
        if (hard_count) {
            for (int h = 0; h < hard_count; h++)
                refs[h] = (struct hard_ref){hard[h], t.anchors[hard[h]].hardness};
            qsort(refs, (size_t)hard_count, sizeof *refs, compare_hard);
            int mined = 2 * options->hard_crops / 3 < hard_count ? 2 * options->hard_crops / 3 : hard_count;
            for (int h = 0; h < mined; h++)
                jobs[count++] = (struct crop_job){refs[h].anchor, 0, -1};
            for (int h = mined; h < options->hard_crops; h++)
                jobs[count++] = (struct crop_job){hard[wakecert_prng_next(&plan) % (uint32_t)hard_count], 0, -1};
        }
        /* false-alarm mining: two thirds the speech positions scored highest when last seen, one third
         * uniform (which is how a position is first seen) */
        if (speech_count && options->mined_crops > 0) {
            for (int h = 0; h < speech_count; h++)
                refs[h] = (struct hard_ref){speech[h], t.anchors[speech[h]].hardness};
            qsort(refs, (size_t)speech_count, sizeof *refs, compare_hard);
            int mined = 2 * options->mined_crops / 3 < speech_count ? 2 * options->mined_crops / 3 : speech_count;
            for (int h = 0; h < mined; h++)
                jobs[count++] = (struct crop_job){refs[h].anchor, 0, -1};
            for (int h = mined; h < options->mined_crops; h++)
                jobs[count++] = (struct crop_job){speech[wakecert_prng_next(&plan) % (uint32_t)speech_count], 0, -1};
        }
        shuffle(jobs, count, &plan);
        for (int j = 0; j < count; j++)
            jobs[j].stream = ((uint64_t)epoch << 32) + (uint64_t)j + 1;
        double epoch_loss = 0;
        long epoch_frames = 0;
        int batches = (count + BATCH - 1) / BATCH;
        for (int b = 0; b < batches; b++) {
            int first = b * BATCH, n = count - first < BATCH ? count - first : BATCH;
            long counted = 0;
            double loss = run_jobs(&t, workers, threads, jobs + first, n, grad, max_posterior + first,
                                   max_positive + first, &counted);
            epoch_loss += loss;
            epoch_frames += counted;
            double progress = (double)(epoch * batches + b + 1) / (double)(options->epochs * batches);
            float rate = options->learning_rate * (0.05f + 0.95f * 0.5f * (1.0f + cosf(3.14159265f * (float)progress)));
            if (counted > 0)
                tcn_adam_step(&adam, spec->weights, grad, first_trainable, 1.0f / (float)counted, rate, 1e-4f, 1.0f);
            total_steps++;
            for (int j = first; j < first + n; j++)
                if (t.anchors[jobs[j].anchor].kind == ANCHOR_HARD || t.anchors[jobs[j].anchor].kind == ANCHOR_SPEECH)
                    t.anchors[jobs[j].anchor].hardness = max_posterior[j];
            if (options->progress >= 2 && isatty(STDERR_FILENO))
                fprintf(stderr, "\rtrain: epoch %d/%d  batch %d/%d  loss %.4f   ", epoch + 1, options->epochs, b + 1,
                        batches, epoch_frames ? epoch_loss / (double)epoch_frames : 0.0);
        }
        double mean_loss = epoch_frames ? epoch_loss / (double)epoch_frames : 0;
        if (epoch == 0)
            report->first_epoch_loss = mean_loss;
        report->last_epoch_loss = mean_loss;
        /* validation */
        long val_frames = 0;
        double val_loss = validation_count ? run_jobs(&t, workers, threads, validation, validation_count, NULL,
                                                      max_posterior, max_positive, &val_frames) : 0;
        int positives = 0, detected = 0, negatives = 0, alarms = 0;
        for (int j = 0; j < validation_count; j++) {
            if (t.anchors[validation[j].anchor].kind == ANCHOR_POSITIVE) {
                positives++;
                detected += max_positive[j] >= 0.5f;
            }
            negatives++;
            alarms += max_posterior[j] >= 0.5f;
        }
        report->validation_loss = val_frames ? val_loss / (double)val_frames : 0;
        if (options->progress) {
            if (options->progress >= 2 && isatty(STDERR_FILENO))
                fputc('\r', stderr);
            fprintf(stderr, "train: epoch %2d/%d  loss %.4f  validation loss %.4f  detected %d/%d  false alarms %d/%d "
                    "crops (at 0.5)  %.1f s\n", epoch + 1, options->epochs, mean_loss, report->validation_loss, detected,
                    positives, alarms, negatives, now_seconds() - epoch_began);
        }
    }
    /* calibrate the threshold at sensitivity 0.5 (see calibrate_threshold) */
    calibrate_threshold(&t, report);
    report->seconds = now_seconds() - began;
    {
        char provenance[2048];
        snprintf(provenance, sizeof provenance,
                 "format: wakecert model %u\nkeyword: %s\nrecipe: %s\ncorpus_manifest_sha256: %s\nseed: %llu\n"
                 "threads: %d\ntrainer: %s\nespeak-ng: %s\nshape: tcn %u layers x %u channels, kernel 3, dilations 1..%u, "
                 "40 log-mel in, 2 out\nepochs: %d\nsteps: %ld\ntrain_positives: %d\nhard_negatives: %d\n"
                 "validation: %d/%d wake words reach threshold %.4f (strongest held-out false wake %.4f)\nfinal_loss: %.4f\n"
                 "validation_loss: %.4f\ncommand: %s\n",
                 WAKECERT_MODEL_FORMAT_VERSION, options->keyword, corpus->name, corpus->manifest_sha256, options->seed,
                 threads, WAKECERT_TRAINER_VERSION, wakecert_synth_version(), spec->layer_count, spec->channels,
                 spec->dilations[spec->layer_count - 1], options->epochs, total_steps, report->train_positives,
                 report->train_hard_negatives, report->validation_detected, report->validation_positives,
                 report->threshold, report->validation_worst_negative,
                 report->last_epoch_loss, report->validation_loss, options->command_line ? options->command_line : "");
        spec->provenance = strdup(provenance);
    }
    for (int k = 0; k < threads; k++) {
        wakecert_mfcc_destroy(workers[k].frontend);
        tcn_workspace_free(&workers[k].ws);
        free(workers[k].crop);
        free(workers[k].grad);
    }
    free(hard), free(random_pool), free(speech), free(validation), free(jobs), free(grad), free(max_posterior), free(max_positive);
    free(refs);
    tcn_adam_free(&adam);
    free_trainer(&t);
    if (!spec->provenance) {
        wakecert_model_spec_free(spec);
        return failf(message, message_size, "out of memory");
    }
    return 0;
fail:
    for (int k = 0; k < threads; k++) {
        wakecert_mfcc_destroy(workers[k].frontend);
        tcn_workspace_free(&workers[k].ws);
        free(workers[k].crop);
        free(workers[k].grad);
    }
    free(hard), free(random_pool), free(speech), free(validation), free(jobs), free(grad), free(max_posterior), free(max_positive);
    free(refs);
    tcn_adam_free(&adam);
    free_trainer(&t);
    wakecert_model_spec_free(spec);
    return -1;
}

/* ---- scoring a clip with the streaming model ---- */

struct score_state {
    wakecert_model *model;
    const struct wakecert_model_spec *spec;
    float history[32];
    long frames;
    float best;
};

static void score_frame(void *ctx, int64_t frame_index, const float *log_mel, const float *cepstra)
{
    struct score_state *s = ctx;
    (void)frame_index;
    (void)cepstra;
    float out[WAKECERT_MODEL_OUTPUTS];
    wakecert_model_push(s->model, log_mel, out);
    int smoothing = (int)s->spec->smoothing_frames;
    s->history[s->frames++ % smoothing] = 1.0f / (1.0f + expf(-out[0]));
    float smooth = 0;
    for (int k = 0; k < smoothing; k++)
        smooth += s->history[k];
    smooth /= (float)smoothing;
    if (smooth > s->best)
        s->best = smooth;
}

float train_score_audio(const struct wakecert_model_spec *spec, const int16_t *samples, int64_t count)
{
    struct score_state s = {.spec = spec, .best = 0};
    s.model = wakecert_model_create(spec, -1);
    struct wakecert_mfcc_config config;
    wakecert_mfcc_config_default(&config);
    wakecert_mfcc *frontend = NULL;
    char inner[200];
    if (!s.model || wakecert_mfcc_create(&config, -1, &frontend, inner, sizeof inner) != 0) {
        wakecert_model_destroy(s.model);
        return -1;
    }
    wakecert_mfcc_push(frontend, samples, (size_t)count, score_frame, &s);
    wakecert_mfcc_destroy(frontend);
    wakecert_model_destroy(s.model);
    return s.best;
}

/* ---- the command ---- */

static const char train_usage[] =
    "usage: wakecert train --corpus NAME|DIR --out FILE [--keyword WORD] [--seed N] [--threads N]\n"
    "                      [--epochs N] [--channels N] [--vocal-tract-warp] [--music-share F] [--quiet]\n"
    "\n"
    "Train the reference classifier for one wake word on a generated training corpus (the shipped\n"
    "recipe \"train\", or a corpus directory) and write a weights file (format version 1) plus FILE.txt\n"
    "with its provenance and this command. Deterministic for a given seed, thread count and corpus.\n"
    "\n"
    "  --corpus NAME|DIR   training corpus (default train)\n"
    "  --out FILE          weights file to write (required)\n"
    "  --keyword WORD      the wake word to learn: alexa, amazon, computer, echo (default alexa)\n"
    "  --seed N            random seed (default 1)\n"
    "  --threads N         worker threads, 1-16 (default 1)\n"
    "  --epochs N          passes over the training plan (default 40)\n"
    "  --channels N        channels per layer, a multiple of 8 (default 32)\n"
    "  --vocal-tract-warp  augment half the crops by moving their formants up to 1.22x either way\n"
    "                      (off by default; the shipped models were trained without it)\n"
    "  --music-share F     of the crops given noise (70 %), the share F (0-1) given music, synthetic or\n"
    "                      the corpus's recorded music; default: every noise type equally likely\n"
    "  --quiet             no progress lines\n"
    "exit status: 0 written, 1 training failed, 2 bad usage or input\n";

int wakecert_train_main(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"corpus", required_argument, NULL, 'c'}, {"out", required_argument, NULL, 'o'},
        {"keyword", required_argument, NULL, 'k'}, {"seed", required_argument, NULL, 's'},
        {"threads", required_argument, NULL, 't'}, {"epochs", required_argument, NULL, 'e'},
        {"channels", required_argument, NULL, 'C'}, {"quiet", no_argument, NULL, 'q'},
        {"vocal-tract-warp", no_argument, NULL, 'w'}, {"music-share", required_argument, NULL, 'm'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
    };
    struct train_options options;
    train_options_default(&options);
    options.progress = 2;
    const char *corpus_name = "train", *out = NULL;
    optind = 1;
    opterr = 0;
    int option;
    while ((option = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
        char *end = NULL;
        long value = 0;
        switch (option) {
        case 'c': corpus_name = optarg; break;
        case 'o': out = optarg; break;
        case 'k': options.keyword = optarg; break;
        case 'q': options.progress = 0; break;
        case 'w': options.vocal_tract_warp = 1; break;
        case 'h': fputs(train_usage, stdout); return 0;
        case 'm': {
            double share = strtod(optarg, &end);
            if (!end || *end || !(share >= 0 && share <= 1)) {
                fprintf(stderr, "wakecert train: --music-share must be a number from 0 to 1, not \"%s\"\n", optarg);
                return 2;
            }
            options.music_share = (float)share;
            break;
        }
        case 's':
            options.seed = strtoull(optarg, &end, 10);
            if (!end || *end) {
                fprintf(stderr, "wakecert train: --seed must be a whole number, not \"%s\"\n", optarg);
                return 2;
            }
            break;
        case 't': case 'e': case 'C':
            value = strtol(optarg, &end, 10);
            if (!end || *end || value < 1 || value > 100000) {
                fprintf(stderr, "wakecert train: %s must be a positive whole number, not \"%s\"\n", argv[optind - 1], optarg);
                return 2;
            }
            if (option == 't')
                options.threads = (int)value;
            else if (option == 'e')
                options.epochs = (int)value;
            else
                options.channels = (int)value;
            break;
        default:
            fprintf(stderr, "wakecert train: unknown or incomplete option \"%s\"\n%s", argv[optind - 1], train_usage);
            return 2;
        }
    }
    if (optind < argc || !out) {
        fprintf(stderr, "wakecert train: %s\n%s", out ? "unexpected argument" : "--out FILE is required", train_usage);
        return 2;
    }
    char command[1024] = "wakecert train";
    for (int i = 1; i < argc; i++) {
        size_t used = strlen(command);
        snprintf(command + used, sizeof command - used, " %s", argv[i]);
    }
    options.command_line = command;
    char message[1024];
    struct wakecert_corpus corpus = {0};
    if (wakecert_corpus_open(corpus_name, &corpus, options.progress > 0, message, sizeof message) != 0) {
        fprintf(stderr, "wakecert train: corpus %s: %s\n", corpus_name, message);
        return 2;
    }
    struct wakecert_model_spec spec;
    struct train_report report;
    int status = train_model(&options, &corpus, &spec, &report, message, sizeof message);
    wakecert_corpus_free(&corpus);
    if (status != 0) {
        fprintf(stderr, "wakecert train: %s\n", message);
        return 1;
    }
    status = wakecert_model_save_file(out, &spec, message, sizeof message);
    if (status == 0) {
        char text_path[4200];
        snprintf(text_path, sizeof text_path, "%s.txt", out);
        FILE *text = fopen(text_path, "w");
        if (text) {
            fprintf(text, "%sreproduce (from the repository root, with the build in ./build):\n  build/%s\n"
                    "(a --corpus directory must be a build of the recipe named above with this manifest sha256)\n",
                    spec.provenance, command);
            fclose(text);
        }
        fprintf(stderr, "wakecert train: wrote %s (%zu weights) in %.1f s; threshold %.4f (strongest held-out false "
                "wake %.4f); %d/%d validation wake words reach it\n", out, spec.weight_count, report.seconds,
                report.threshold, report.validation_worst_negative, report.validation_detected,
                report.validation_positives);
    } else
        fprintf(stderr, "wakecert train: %s\n", message);
    wakecert_model_spec_free(&spec);
    return status == 0 ? 0 : 1;
}
