/*
 * Acoustic conditions the generator can put speech in: coloured noise, babble, and a room.
 *
 * Noise: white (Gaussian), pink (-3 dB/octave, Paul Kellet's three-pole filter over white noise, within
 * 0.5 dB of ideal from 10 Hz to Nyquist), brown (-6 dB/octave, a leaky integrator), and babble (several
 * synthetic talkers reading ordinary sentences at once, none containing a wake word or anything close
 * to one). Every noise is returned at unit mean square; mix.c scales it to the recipe's SNR. All
 * randomness is PCG32 seeded from the recipe seed and the file index.
 *
 * Room: a shoebox room impulse response by the image-source method (Allen & Berkley 1979). All six walls
 * share one pressure reflection coefficient beta = sqrt(1 - alpha); images are summed over the first
 * RT60 seconds, each at its nearest sample with gain beta^reflections / distance. Sabine's or Eyring's
 * formula would be the textbook way to get alpha from the RT60, but a shoebox with uniform walls is not
 * a diffuse field (axial and tangential images reflect less often per metre) and its decay comes out
 * ~45% longer than they predict; so alpha is found by bisection until the response's own Schroeder T20
 * equals the requested RT60 — the room has the reverberation time its label claims, as measured. The response is
 * shifted so the direct path lands on sample 0 with gain 1: reverberated speech starts exactly where
 * the dry speech did, so labels keep their onsets (the reverberant tail runs past a label's end).
 * Unspecified source and microphone positions are drawn from the seed, at least 0.5 m from every wall
 * and 1 m apart. Convolution is direct, skipping zero input samples (generated tracks are mostly gaps
 * before the noise floor goes in), which keeps it exact and deterministic without an FFT.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus_internal.h"
#include "error.h"

/* Scale out to mean square 1 (left alone if silent). Cannot fail. */
static void normalize_unit_power(float *out, int64_t count)
{
    double power = wakecert_mean_square(out, NULL, count);
    if (power <= 0)
        return;
    double scale = 1.0 / sqrt(power);
    for (int64_t i = 0; i < count; i++)
        out[i] = (float)(out[i] * scale);
}

/* Sentences babble talkers read: everyday content, no wake word, nothing that sounds like one. */
static const char *const babble_sentences[] = {
    "We should leave early tomorrow to avoid the traffic on the bridge.",
    "The soup needs a little more salt and some fresh pepper.",
    "Did you see how tall the sunflowers grew this year?",
    "My sister is moving to a new flat near the river next month.",
    "The library closes at six on Fridays and opens late on Sundays.",
    "I think the blue jacket looks better than the grey one.",
    "They painted the fence white and planted roses along the path.",
    "Our neighbours went hiking in the mountains for a whole week.",
    "Please bring two chairs from the garden when you come inside.",
    "The bakery on the corner sells the best bread in town.",
    "He forgot his umbrella again, so he got soaked on the way home.",
    "We watched the boats sail past the harbour until it got dark.",
};

static const char *const babble_voices[] = {"en-us", "en", "en-gb-x-rp", "en-us+f2", "en-us+m3", "en-us+f4",
                                            "en-gb-scotland", "en-029"};

/* One talker reading sentences in a loop from a random point, filling `count` samples of out (added). */
static int add_babble_talker(struct wakecert_prng *prng, float *out, int64_t count, char *message, size_t message_size)
{
    size_t voice_count = sizeof babble_voices / sizeof babble_voices[0];
    size_t sentence_count = sizeof babble_sentences / sizeof babble_sentences[0];
    const char *voice = babble_voices[wakecert_prng_next(prng) % voice_count];
    int rate = 150 + (int)(wakecert_prng_next(prng) % 40);
    int pitch = 35 + (int)(wakecert_prng_next(prng) % 30);
    size_t sentence = wakecert_prng_next(prng) % sentence_count;
    /* Start part-way into a sentence so talkers do not all begin with an onset at sample 0. */
    int64_t skip = (int64_t)(wakecert_prng_uniform(prng) * WAKECERT_CORPUS_RATE * 1.5);
    float *talker = calloc((size_t)count, sizeof *talker);
    if (!talker)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
    int64_t position = -skip;
    while (position < count) {
        float *piece = NULL;
        int64_t piece_count = 0;
        int status = wakecert_synth_piece(voice, rate, pitch, babble_sentences[sentence], NULL, &piece, &piece_count,
                                          message, message_size);
        if (status != 0) {
            free(talker);
            return status;
        }
        for (int64_t i = 0; i < piece_count; i++)
            if (position + i >= 0 && position + i < count)
                talker[position + i] = piece[i];
        free(piece);
        position += piece_count + (int64_t)((0.15 + 0.35 * wakecert_prng_uniform(prng)) * WAKECERT_CORPUS_RATE);
        sentence = (sentence + 1) % sentence_count;
    }
    normalize_unit_power(talker, count);
    for (int64_t i = 0; i < count; i++)
        out[i] += talker[i];
    free(talker);
    return 0;
}

int wakecert_noise_generate(const char *type, int talkers, struct wakecert_prng *prng, float *out, int64_t count,
                            char *message, size_t message_size)
{
    if (strcmp(type, "white") == 0) {
        wakecert_noise_white(prng, out, count);
    } else if (strcmp(type, "brown") == 0) {
        /* Leaky integrator of white noise: -6 dB/octave above ~10 Hz. */
        double state = 0.0;
        for (int64_t i = 0; i < count; i++) {
            state = 0.996 * state + wakecert_prng_gaussian(prng);
            out[i] = (float)state;
        }
    } else if (strcmp(type, "pink") == 0) {
        /* Paul Kellet's economy pink filter over white noise (-3 dB/octave, within 0.5 dB). */
        double b0 = 0, b1 = 0, b2 = 0;
        for (int64_t i = 0; i < count; i++) {
            double white = wakecert_prng_gaussian(prng);
            b0 = 0.99765 * b0 + white * 0.0990460;
            b1 = 0.96300 * b1 + white * 0.2965164;
            b2 = 0.57000 * b2 + white * 1.0526913;
            out[i] = (float)(b0 + b1 + b2 + white * 0.1848);
        }
    } else if (strcmp(type, "babble") == 0) {
        if (talkers < 1 || talkers > 16)
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                      "babble needs 1 to 16 talkers, not %d", talkers);
        memset(out, 0, (size_t)count * sizeof *out);
        for (int t = 0; t < talkers; t++) {
            int status = add_babble_talker(prng, out, count, message, message_size);
            if (status != 0)
                return status;
        }
    } else if (strcmp(type, "music") == 0) {
        int status = wakecert_music_bed(prng, out, count, message, message_size);
        if (status != 0)
            return status;
    } else if (strcmp(type, "ambient") == 0) {
        int status = wakecert_ambient_bed(prng, out, count, message, message_size);
        if (status != 0)
            return status;
    } else {
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                  "unknown noise type \"%s\" (white, pink, brown, babble, music, ambient)", type);
    }
    normalize_unit_power(out, count);
    return 0;
}

/* Draw a point in the room at least `margin` from every wall. */
static void random_point(struct wakecert_prng *prng, const double dimensions[3], double margin, double out[3])
{
    for (int axis = 0; axis < 3; axis++)
        out[axis] = margin + wakecert_prng_uniform(prng) * (dimensions[axis] - 2 * margin);
}

/* Euclidean distance between two points. Cannot fail. */
static double distance3(const double a[3], const double b[3])
{
    double dx = a[0] - b[0], dy = a[1] - b[1], dz = a[2] - b[2];
    return sqrt(dx * dx + dy * dy + dz * dz);
}

/* Sum the images of room's source at the microphone into h[0..length) for wall reflection coefficient
 * beta; delays relative to the direct path (`direct` metres), gains relative to it. */
static void image_source_response(const struct wakecert_room *room, double beta, double direct, double *h,
                                  int64_t length)
{
    const double speed_of_sound = 343.0;
    const double *L = room->dimensions, *s = room->source, *m = room->microphone;
    memset(h, 0, (size_t)length * sizeof *h);
    double max_distance = direct + (double)length / WAKECERT_CORPUS_RATE * speed_of_sound;
    int orders[3];
    for (int axis = 0; axis < 3; axis++)
        orders[axis] = (int)ceil(max_distance / (2 * L[axis])) + 1;
    double powers[512];
    powers[0] = 1.0;
    for (int r = 1; r < 512; r++)
        powers[r] = powers[r - 1] * beta;
    for (int qx = 0; qx < 2; qx++)
        for (int jx = -orders[0]; jx <= orders[0]; jx++) {
            double dx = (1 - 2 * qx) * s[0] + 2 * jx * L[0] - m[0];
            int rx = abs(jx - qx) + abs(jx);
            for (int qy = 0; qy < 2; qy++)
                for (int jy = -orders[1]; jy <= orders[1]; jy++) {
                    double dy = (1 - 2 * qy) * s[1] + 2 * jy * L[1] - m[1];
                    int ry = abs(jy - qy) + abs(jy);
                    double dxy = dx * dx + dy * dy;
                    if (dxy > max_distance * max_distance)
                        continue;
                    for (int qz = 0; qz < 2; qz++)
                        for (int jz = -orders[2]; jz <= orders[2]; jz++) {
                            double dz = (1 - 2 * qz) * s[2] + 2 * jz * L[2] - m[2];
                            double d = sqrt(dxy + dz * dz);
                            int64_t index = (int64_t)llround((d - direct) / speed_of_sound * WAKECERT_CORPUS_RATE);
                            if (index < 0 || index >= length)
                                continue;
                            int reflections = rx + ry + abs(jz - qz) + abs(jz);
                            if (reflections < 512)
                                h[index] += powers[reflections] * direct / d;
                        }
                }
        }
}

/* RT60 from the Schroeder backward integral's -5 to -25 dB slope (T20), or -1 if it never falls 25 dB. */
static double schroeder_t20(const double *h, int64_t length)
{
    double total = 0;
    for (int64_t i = 0; i < length; i++)
        total += h[i] * h[i];
    double remaining = total;
    int64_t t5 = -1;
    for (int64_t i = 0; i < length; i++) {
        double level = 10 * log10(remaining / total);
        if (t5 < 0 && level <= -5)
            t5 = i;
        if (level <= -25)
            return t5 >= 0 ? 3.0 * (double)(i - t5) / WAKECERT_CORPUS_RATE : -1;
        remaining -= h[i] * h[i];
    }
    return -1;
}

int wakecert_room_impulse_response(struct wakecert_room *room, struct wakecert_prng *prng, float **out,
                                   int64_t *out_count, char *message, size_t message_size)
{
    *out = NULL;
    *out_count = 0;
    for (int axis = 0; axis < 3; axis++)
        if (!(room->dimensions[axis] >= 1.5 && room->dimensions[axis] <= 50.0))
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                      "room dimensions must be 1.5 to 50 m, not %.2f", room->dimensions[axis]);
    if (!(room->rt60 >= 0.05 && room->rt60 <= 3.0))
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "rt60 must be 0.05 to 3 s, not %.3f",
                                  room->rt60);
    if (room->source[0] < 0) {
        for (int attempt = 0; attempt < 100; attempt++) {
            random_point(prng, room->dimensions, 0.5, room->source);
            random_point(prng, room->dimensions, 0.5, room->microphone);
            if (distance3(room->source, room->microphone) >= 1.0)
                break;
        }
    }
    for (int axis = 0; axis < 3; axis++)
        if (room->source[axis] <= 0 || room->source[axis] >= room->dimensions[axis] || room->microphone[axis] <= 0 ||
            room->microphone[axis] >= room->dimensions[axis])
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                      "source and microphone must be inside the room");

    double direct = distance3(room->source, room->microphone);
    int64_t length = (int64_t)ceil(room->rt60 * WAKECERT_CORPUS_RATE) + 1;
    /* Calibrate over a window 20% longer than the output so truncation does not bend the T20 slope. */
    int64_t window = (int64_t)ceil(1.2 * room->rt60 * WAKECERT_CORPUS_RATE) + 1;
    double *h = malloc((size_t)window * sizeof *h);
    if (!h)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
    /* a = -ln(1 - alpha), the energy lost per reflection in nepers. Start from Eyring's formula
     * (RT60 = 0.161 V / (S a)), then rescale: the decay time is inversely proportional to a. */
    const double *L = room->dimensions;
    double volume = L[0] * L[1] * L[2];
    double surface = 2 * (L[0] * L[1] + L[0] * L[2] + L[1] * L[2]);
    double absorption = 0.161 * volume / (surface * room->rt60);
    for (int iteration = 0; iteration < 8; iteration++) {
        image_source_response(room, exp(-absorption / 2), direct, h, window);
        double measured = schroeder_t20(h, window);
        double ratio = measured > 0 ? measured / room->rt60 : 2.0;
        if (fabs(ratio - 1.0) < 0.005)
            break;
        absorption *= ratio;
        if (absorption > 20.0)
            absorption = 20.0;
    }
    image_source_response(room, exp(-absorption / 2), direct, h, length);
    float *response = malloc((size_t)length * sizeof *response);
    if (!response) {
        free(h);
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
    }
    for (int64_t i = 0; i < length; i++)
        response[i] = (float)h[i];
    free(h);
    *out = response;
    *out_count = length;
    return 0;
}

void wakecert_convolve(const float *x, int64_t count, const float *h, int64_t h_count, float *out)
{
    memset(out, 0, (size_t)count * sizeof *out);
    for (int64_t i = 0; i < count; i++) {
        float value = x[i];
        if (value == 0.0f)
            continue;
        int64_t stop = h_count < count - i ? h_count : count - i;
        float *target = out + i;
        for (int64_t k = 0; k < stop; k++)
            target[k] += value * h[k];
    }
}

/* ---- music and ambient beds (pools.c holds the material) ---- */

/* Add `length` samples of track[from...] (wrapping around the track) times gain into out[at...], with
 * `fade` samples of linear fade in and out. Cannot fail. */
static void add_with_fades(float *out, int64_t at, const float *track, int64_t track_count, int64_t from,
                           int64_t length, double gain, int64_t fade)
{
    if (fade * 2 > length)
        fade = length / 2;
    for (int64_t i = 0; i < length; i++) {
        double envelope = 1.0;
        if (i < fade)
            envelope = (double)i / (double)fade;
        else if (i >= length - fade)
            envelope = (double)(length - i) / (double)fade;
        out[at + i] += (float)(gain * envelope * track[(from + i) % track_count]);
    }
}

int wakecert_music_bed(struct wakecert_prng *prng, float *out, int64_t count, char *message, size_t message_size)
{
    const struct wakecert_pool *pool = wakecert_pool_get("music");
    if (!pool || pool->count == 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                  "music needs a music pool: declare \"sources\": {\"music\": {...}} in the recipe");
    memset(out, 0, (size_t)count * sizeof *out);
    const int64_t fade = WAKECERT_CORPUS_RATE / 20;
    int64_t position = 0;
    while (position < count) {
        size_t track = wakecert_prng_next(prng) % pool->count;
        int64_t track_count = pool->counts[track];
        /* Enter somewhere in the first 80 % of the track and play to its end (or the bed's). */
        int64_t from = (int64_t)(wakecert_prng_uniform(prng) * 0.8 * (double)track_count);
        int64_t length = track_count - from;
        if (length > count - position)
            length = count - position;
        double gain = pow(10.0, (wakecert_prng_uniform(prng) * 8.0 - 4.0) / 20.0);
        add_with_fades(out, position, pool->tracks[track], track_count, from, length, gain, fade);
        position += length;
    }
    normalize_unit_power(out, count);
    return 0;
}

int wakecert_ambient_bed(struct wakecert_prng *prng, float *out, int64_t count, char *message, size_t message_size)
{
    const struct wakecert_pool *pool = wakecert_pool_get("ambient");
    if (!pool || pool->count == 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                  "ambient needs an ambient pool: declare \"sources\": {\"ambient\": {...}} in the recipe");
    /* A quiet brown-noise room tone (-20 dB under the sounds), then two layers of pool sounds, each
     * sound looped for 4-30 s, entering at drawn times, with 0.5 s fades and +-6 dB gain. */
    double state = 0.0;
    for (int64_t i = 0; i < count; i++) {
        state = 0.996 * state + wakecert_prng_gaussian(prng);
        out[i] = (float)state;
    }
    normalize_unit_power(out, count);
    for (int64_t i = 0; i < count; i++)
        out[i] *= 0.1f;
    const int64_t fade = WAKECERT_CORPUS_RATE / 2;
    for (int layer = 0; layer < 2; layer++) {
        int64_t position = -(int64_t)(wakecert_prng_uniform(prng) * 3.0 * WAKECERT_CORPUS_RATE);
        while (position < count) {
            size_t sound = wakecert_prng_next(prng) % pool->count;
            const float *track = pool->tracks[sound];
            int64_t track_count = pool->counts[sound];
            double track_power = wakecert_mean_square(track, NULL, track_count);
            int64_t length = (int64_t)((4.0 + 26.0 * wakecert_prng_uniform(prng)) * WAKECERT_CORPUS_RATE);
            int64_t from = (int64_t)(wakecert_prng_uniform(prng) * (double)track_count);
            double gain = track_power > 0 ? pow(10.0, (wakecert_prng_uniform(prng) * 12.0 - 6.0) / 20.0) /
                                                sqrt(track_power)
                                          : 0.0;
            int64_t start = position < 0 ? 0 : position;
            int64_t end = position + length < count ? position + length : count;
            if (end > start)
                add_with_fades(out, start, track, track_count, from + (start - position), end - start, gain, fade);
            position += length + (int64_t)(wakecert_prng_uniform(prng) * 2.0 * WAKECERT_CORPUS_RATE);
        }
    }
    normalize_unit_power(out, count);
    return 0;
}

/* ---- FFT convolution ---- */

/* In-place iterative radix-2 complex FFT of n (a power of two) points; inverse when `inverse` (not
 * scaled). Cannot fail. */
static void fft(double *re, double *im, size_t n, int inverse)
{
    for (size_t i = 1, j = 0; i < n; i++) {
        size_t bit = n >> 1;
        for (; j & bit; bit >>= 1)
            j ^= bit;
        j ^= bit;
        if (i < j) {
            double t = re[i];
            re[i] = re[j];
            re[j] = t;
            t = im[i];
            im[i] = im[j];
            im[j] = t;
        }
    }
    for (size_t length = 2; length <= n; length <<= 1) {
        double angle = (inverse ? 2.0 : -2.0) * 3.14159265358979323846 / (double)length;
        double step_re = cos(angle), step_im = sin(angle);
        for (size_t i = 0; i < n; i += length) {
            double w_re = 1.0, w_im = 0.0;
            for (size_t k = 0; k < length / 2; k++) {
                size_t a = i + k, b = i + k + length / 2;
                double t_re = re[b] * w_re - im[b] * w_im;
                double t_im = re[b] * w_im + im[b] * w_re;
                re[b] = re[a] - t_re;
                im[b] = im[a] - t_im;
                re[a] += t_re;
                im[a] += t_im;
                double next = w_re * step_re - w_im * step_im;
                w_im = w_re * step_im + w_im * step_re;
                w_re = next;
            }
        }
    }
}

int wakecert_convolve_fft(const float *x, int64_t count, const float *h, int64_t h_count, float *out)
{
    size_t n = 1;
    while ((int64_t)n < 2 * h_count)
        n <<= 1;
    if (n < 4096)
        n = 4096;
    int64_t block = (int64_t)n - h_count + 1;
    double *h_re = calloc(n, sizeof *h_re), *h_im = calloc(n, sizeof *h_im);
    double *re = malloc(n * sizeof *re), *im = malloc(n * sizeof *im);
    if (!h_re || !h_im || !re || !im) {
        free(h_re);
        free(h_im);
        free(re);
        free(im);
        return WAKECERT_ERROR_NO_MEMORY;
    }
    for (int64_t i = 0; i < h_count; i++)
        h_re[i] = h[i];
    fft(h_re, h_im, n, 0);
    memset(out, 0, (size_t)count * sizeof *out);
    for (int64_t start = 0; start < count; start += block) {
        int64_t length = start + block <= count ? block : count - start;
        memset(re, 0, n * sizeof *re);
        memset(im, 0, n * sizeof *im);
        for (int64_t i = 0; i < length; i++)
            re[i] = x[start + i];
        fft(re, im, n, 0);
        for (size_t k = 0; k < n; k++) {
            double r = re[k] * h_re[k] - im[k] * h_im[k];
            im[k] = re[k] * h_im[k] + im[k] * h_re[k];
            re[k] = r;
        }
        fft(re, im, n, 1);
        for (int64_t i = 0; i < (int64_t)n && start + i < count; i++)
            out[start + i] += (float)(re[i] / (double)n);
    }
    free(h_re);
    free(h_im);
    free(re);
    free(im);
    return 0;
}
