/*
 * Private interfaces between the files of corpora/ (and its tests). Nothing here is part of the API
 * the harness compiles against; corpus.h is.
 *
 * The pieces: audio.c reads and writes sound files and resamples with libsamplerate; mix.c holds the
 * seeded noise generators and the SNR mixer; synth.c wraps espeak-ng's library API into "give me this
 * text (or these phonemes) in this voice as trimmed 16 kHz float samples"; generator.c turns a recipe
 * into a corpus directory; labels_import.c turns a folder with labels.csv into a corpus struct;
 * corpus.c loads manifests, verifies, resolves names to cached builds.
 */
#ifndef WAKECERT_CORPORA_CORPUS_INTERNAL_H
#define WAKECERT_CORPORA_CORPUS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "corpus.h"

#define WAKECERT_CORPUS_RATE 16000
/* Bump whenever the generator's output for an unchanged recipe would change: it is part of the
 * cache key and of the manifest's "generator" string. */
#define WAKECERT_CORPUS_GENERATOR_VERSION "2"
#define WAKECERT_RECIPE_SCHEMA "wakecert-recipe/1"

/* ---- audio.c ---- */

/** Facts about a sound file as wakecert_corpus_read_audio will deliver it. */
struct wakecert_audio_probe {
    int64_t frames;      /* frames at the file's own rate */
    int sample_rate;
    int channels;
    int64_t samples;     /* length after conversion to 16 kHz mono (llround(frames * 16000 / rate)) */
    char note[128];      /* "" for 16 kHz mono, else "resampled from 44100 Hz stereo" etc. */
};

/* The sample rates wakecert converts: telephone audio up to studio rates. Outside this range the
 * resampler's ratio limit (256) or the memory a 16 kHz copy needs stops being reasonable, and such a
 * header is far more likely corrupt than real. */
#define WAKECERT_AUDIO_MIN_RATE 4000
#define WAKECERT_AUDIO_MAX_RATE 384000

/** 1 if `rate` (Hz) is within [WAKECERT_AUDIO_MIN_RATE, WAKECERT_AUDIO_MAX_RATE], else 0. Cannot fail. */
int wakecert_audio_rate_supported(int rate);

/** Open a sound file's header. Returns 0, WAKECERT_ERROR_IO if it cannot be opened or is not audio,
 *  WAKECERT_ERROR_FORMAT for zero samples or a sample rate outside the supported range; the message
 *  names the file. */
int wakecert_audio_probe(const char *path, struct wakecert_audio_probe *probe, char *message, size_t message_size);

/** Resample `in` (in_frames at in_rate) to 16 kHz with SRC_SINC_BEST_QUALITY into a malloc'd buffer of
 *  exactly llround(in_frames * 16000 / in_rate) samples (the converter's last few are padded or cut).
 *  Returns 0, WAKECERT_ERROR_NO_MEMORY or WAKECERT_ERROR_INTERNAL (libsamplerate failed). */
int wakecert_audio_resample_to_16k(const float *in, int64_t in_frames, double in_rate, float **out, int64_t *out_count,
                                   char *message, size_t message_size);

/** The same with libsamplerate converter `converter` (SRC_SINC_BEST_QUALITY, SRC_SINC_MEDIUM_QUALITY ...). */
int wakecert_audio_resample_to_16k_with(const float *in, int64_t in_frames, double in_rate, int converter, float **out,
                                        int64_t *out_count, char *message, size_t message_size);

/** Write mono float samples (full scale +-1) as 16 kHz 16-bit PCM, WAV or (flac != 0) FLAC, rounding
 *  and clipping. Returns 0 or WAKECERT_ERROR_IO naming the file. */
int wakecert_audio_write16(const char *path, const float *samples, int64_t count, int flac, char *message,
                           size_t message_size);

/** Write mono float samples (full scale +-1) as 16 kHz 16-bit PCM WAV, rounding and clipping.
 *  Returns 0 or WAKECERT_ERROR_IO naming the file. */
int wakecert_audio_write_wav16(const char *path, const float *samples, int64_t count, char *message,
                               size_t message_size);

/** Convert one float sample (full scale +-1) to int16 with rounding and clipping. Cannot fail. */
int16_t wakecert_audio_float_to_int16(float value);

/* ---- mix.c ---- */

/** A seeded PCG32 generator: the same seed gives the same stream on every platform (rand() does not). */
struct wakecert_prng {
    uint64_t state;
    uint64_t increment;
};

/** Seed a generator; `stream` selects an independent sequence for the same seed. Cannot fail. */
void wakecert_prng_seed(struct wakecert_prng *prng, uint64_t seed, uint64_t stream);
/** Next 32 uniformly distributed bits. Cannot fail. */
uint32_t wakecert_prng_next(struct wakecert_prng *prng);
/** Uniform double in (0, 1) — never exactly 0, so it is safe under log(). Cannot fail. */
double wakecert_prng_uniform(struct wakecert_prng *prng);
/** Standard normal deviate (Box-Muller, both values used in turn is NOT done: one per call, so the
 *  stream depends only on the count of calls). Cannot fail. */
double wakecert_prng_gaussian(struct wakecert_prng *prng);

/** Fill `out` with unit-variance Gaussian white noise. Cannot fail. */
void wakecert_noise_white(struct wakecert_prng *prng, float *out, int64_t count);

/** Mean square of x over the samples whose mask byte is non-zero (all samples if mask is NULL);
 *  0 if there are none. Cannot fail. */
double wakecert_mean_square(const float *x, const uint8_t *mask, int64_t count);

/** Add `noise` to `signal` scaled so that, measured over the active samples (mask != 0), the ratio of
 *  the signal's power to the added noise's power is snr_db. Returns 0, or WAKECERT_ERROR_FORMAT when
 *  there are no active samples or the signal or noise is silent there. */
int wakecert_mix_at_snr(float *signal, const float *noise, const uint8_t *active, int64_t count, double snr_db,
                        char *message, size_t message_size);

/* ---- conditions.c ---- */

/** Fill `out` with `count` samples of unit-mean-square noise of a type: "white", "pink", "brown",
 *  "music" or "ambient" (from the pools, see pools.c) or "babble" (`talkers` synthetic talkers, 1-16; ignored otherwise). Returns 0 or WAKECERT_ERROR_FORMAT
 *  (unknown type, bad talker count) or a synthesis error. */
int wakecert_noise_generate(const char *type, int talkers, struct wakecert_prng *prng, float *out, int64_t count,
                            char *message, size_t message_size);

/** A shoebox room for the image-source model. Metres and seconds. */
struct wakecert_room {
    double dimensions[3];
    double source[3];     /* source[0] < 0: draw source and microphone from the generator */
    double microphone[3];
    double rt60;
};

/** Room impulse response at 16 kHz, direct path at sample 0 with gain 1, rt60 seconds long (malloc'd).
 *  Draws positions into *room when unspecified. Returns 0 or WAKECERT_ERROR_FORMAT (a room outside
 *  1.5-50 m, rt60 outside 0.05-3 s, positions outside the room) or WAKECERT_ERROR_NO_MEMORY. */
int wakecert_room_impulse_response(struct wakecert_room *room, struct wakecert_prng *prng, float **out,
                                   int64_t *out_count, char *message, size_t message_size);

/** out[0..count) = (x * h)[0..count) (the tail past count is dropped). out must not alias x. Cannot fail. */
void wakecert_convolve(const float *x, int64_t count, const float *h, int64_t h_count, float *out);

/* ---- synth.c ---- */

/** Initialize espeak-ng once per process (synchronous output, our own callback). Returns 0 or
 *  WAKECERT_ERROR_UNSUPPORTED if the library or its data cannot be initialized. Not thread-safe:
 *  espeak-ng keeps global state, so synthesis happens on one thread. */
int wakecert_synth_initialize(char *message, size_t message_size);

/** espeak-ng's version string (e.g. "1.51"); "unknown" before initialization. Cannot fail. */
const char *wakecert_synth_version(void);

/** Synthesize `text` (or, when `phonemes` is non-NULL, the phoneme string fed as [[phonemes]]) with
 *  the named voice ("en-us", "en-us+m3"), rate in words per minute and pitch 0-100, resample to
 *  16 kHz and trim leading and trailing silence by energy. *out is malloc'd. Returns 0,
 *  WAKECERT_ERROR_FORMAT (unknown voice, nothing audible produced) or another negative code. */
int wakecert_synth_piece(const char *voice, int rate_wpm, int pitch, const char *text, const char *phonemes,
                         float **out, int64_t *out_count, char *message, size_t message_size);

/** Keep synthesized pieces in memory (up to max_samples in all) and answer repeated requests from
 *  there: same bytes, no synthesis. Call before forking workers so they share what the parent made.
 *  Best effort (an allocation failure just leaves the cache off). */
void wakecert_synth_cache_enable(int64_t max_samples);

/** Start `count` synthesis servers (small processes forked now, before anything big is loaded; see
 *  synth.c) and use server 0 in this process. `store`: an existing directory through which the servers
 *  share synthesized pieces (the caller removes it after wakecert_synth_servers_stop), or NULL.
 *  Returns 0 or a negative code. */
int wakecert_synth_servers_start(int count, const char *store, char *message, size_t message_size);
/** Use server `index` for this process's pieces from now on (a forked worker picks its own); -1 or an
 *  index not started: synthesize locally. Cannot fail. */
void wakecert_synth_server_use(int index);
/** Stop every server (close their pipes, wait for them). Cannot fail; safe when none runs. */
void wakecert_synth_servers_stop(void);

/** The libsamplerate converter pieces are resampled with (default SRC_SINC_BEST_QUALITY; recipes may
 *  choose "resampler": "medium" for SRC_SINC_MEDIUM_QUALITY). Part of the cache key. Cannot fail. */
void wakecert_synth_set_converter(int converter);

/** espeak-ng's own text-to-phoneme conversion (ASCII mnemonics with stress marks, as `espeak-ng -x`
 *  prints them) of `text` in `voice`. Returns 0 or a negative code. */
int wakecert_synth_text_to_phonemes(const char *voice, const char *text, char *out, size_t out_size, char *message,
                                    size_t message_size);

/** The phoneme string the generator feeds for a wake word ("alexa" -> "a#l'Eks@"), or NULL if the
 *  word is not in the table. Cannot fail. */
const char *wakecert_wake_word_phonemes(const char *word);

/** Cut a synthesized int16 utterance to its phones, for synthesizers that pad with pause segments holding
 *  low-level noise (flite, festival): [begin, end) are the samples between the synthesizer's own leading
 *  and trailing pause segments (bounds outside [0, count] or empty mean the whole wave). Keeps 5 ms before
 *  and 25 ms after, fades them in and out (raised cosine, in place) and returns the kept span in
 *  [*from, *to). Cannot fail. */
void wakecert_keep_phones_pcm16(short *samples, int64_t count, int rate, int64_t begin, int64_t end, int64_t *from,
                                int64_t *to);

/** Find [*begin, *end) of `x` after removing leading and trailing frames quieter than 50 dB below the
 *  loudest 5 ms frame. *begin == *end when x is silent. Cannot fail. */
void wakecert_trim_silence(const float *x, int64_t count, int64_t *begin, int64_t *end);

/* ---- flite_synth.c ---- */

/** 1 if `voice` names a flite voice ("flite:kal16", "flite:slt", "flite:awb", "flite:rms"). */
int wakecert_flite_is_voice(const char *voice);
/** flite's version string ("2.2"). Cannot fail. */
const char *wakecert_flite_version(void);
/** Synthesize text with a flite voice at rate_wpm (duration_stretch 165 / rate) into malloc'd floats
 *  at *out_rate Hz (untrimmed). Returns 0 or WAKECERT_ERROR_FORMAT (unknown voice, no audio) or
 *  WAKECERT_ERROR_NO_MEMORY. */
int wakecert_flite_synthesize(const char *voice, int rate_wpm, const char *text, float **out, int64_t *out_count,
                              int *out_rate, char *message, size_t message_size);
/** The phones flite's lexicon gives `word` in `voice`, space-separated with stress digits
 *  ("ax0 l eh1 k s ax0"). Returns 0 or a negative code. */
int wakecert_flite_word_phones(const char *voice, const char *word, char *out, size_t out_size, char *message,
                               size_t message_size);
/** The phones a wake word must have in flite's lexicon, or NULL if not a table word. Cannot fail. */
const char *wakecert_flite_expected_phones(const char *word);

/* ---- festival_synth.c ---- */

/** 1 if `voice` starts with "festival:" (known to wakecert or not: synthesis then names the voice). */
int wakecert_festival_is_voice(const char *voice);
/** festival's version ("2.5.0", from `festival --version`, asked once), or "not-installed". Cannot fail. */
const char *wakecert_festival_version(void);
/** Synthesize text with a festival voice ("festival:kal_diphone", "festival:ked_diphone",
 *  "festival:cmu_us_slt_arctic_hts") at rate_wpm and pitch (0-100; diphone voices only) by running the
 *  festival program in a child, into malloc'd floats at *out_rate Hz (16000 or 32000, untrimmed).
 *  Deterministic. Returns 0, WAKECERT_ERROR_FORMAT (unknown voice, unreadable wave), WAKECERT_ERROR_ENGINE
 *  (festival missing or failed; the message names voice and text and quotes festival), IO or NO_MEMORY. */
int wakecert_festival_synthesize(const char *voice, int rate_wpm, int pitch, const char *text, float **out,
                                 int64_t *out_count, int *out_rate, char *message, size_t message_size);
/** The phones (CMU, no stress, pauses dropped, space-separated: "ax l eh k s ax") festival synthesizes
 *  for `text` in `voice`, with the wake-word lexicon entries wakecert adds. Returns 0 or as above. */
int wakecert_festival_segments(const char *voice, const char *text, char *out, size_t out_size, char *message,
                               size_t message_size);
/** The phones wakecert pins for a wake word in festival voice `voice` ("festival:NAME"), in that
 *  voice's phone set ("ax l eh k s ax"), or NULL for an unknown voice or word. Cannot fail. */
const char *wakecert_festival_expected_phones(const char *voice, const char *word);

/* ---- expand.c ---- */

struct cJSON;
/** Expand a recipe into the list of file entries to build: its explicit "files" (as references, in
 *  order) followed by the entries of each "generate" block (README.md, "Generator blocks"). *out is
 *  a new array the caller frees with cJSON_Delete (also on failure). Text-pool sentences must be
 *  prepared first (wakecert_pools_prepare). Returns 0 or WAKECERT_ERROR_FORMAT naming the block. */
int wakecert_recipe_expand(const struct cJSON *recipe, const char *recipe_name, uint64_t seed, struct cJSON **out,
                           char *message, size_t message_size);

/* ---- pools.c ---- */

/** A pool of 16 kHz mono tracks (music rendered from MIDI, ambient sounds). */
struct wakecert_pool {
    float **tracks;
    int64_t *counts;
    char **names;
    size_t count;
};

/** Prepare the pools a recipe's "sources" object declares (music, ambient, text; see README.md):
 *  render/load into this process's memory, before workers are forked. NULL sources: nothing (and any
 *  earlier pools are freed). Music renders use up to `jobs` processes and are cached under
 *  <cache>/pools. Returns 0 or a negative code naming the source at fault. */
int wakecert_pools_prepare(const struct cJSON *sources, int jobs, int verbose, char *message, size_t message_size);
/** Free every pool. Cannot fail. */
void wakecert_pools_free(void);
/** The pool called "music" or "ambient" (possibly empty), NULL for another name. Cannot fail. */
const struct wakecert_pool *wakecert_pool_get(const char *name);
/** Total seconds of audio in a pool. Cannot fail. */
double wakecert_pool_seconds(const struct wakecert_pool *pool);
/** The filtered sentences of the text pool (count 0 when none was declared). Cannot fail. */
const char *const *wakecert_text_pool(size_t *count);
/** The bytes of resource `inner` ("/gcompris/src/.../harbor1.wav") of a Qt resource bundle (.rcc,
 *  format versions 1-3), malloc'd. Returns 0, WAKECERT_ERROR_FORMAT (not a bundle, no such resource,
 *  truncated), WAKECERT_ERROR_UNSUPPORTED (a zlib/zstd-compressed resource) or an IO error, naming
 *  the bundle. */
int wakecert_rcc_extract(const char *archive, const char *inner, unsigned char **out, size_t *out_size, char *message,
                         size_t message_size);
/** fluidsynth's version string. Cannot fail. */
const char *wakecert_fluidsynth_version(void);

/** Fill out[0..count) with music from the music pool: tracks chosen and entered at offsets drawn from
 *  prng, each at a drawn gain (+-4 dB), joined with 50 ms fades. Returns 0 or WAKECERT_ERROR_FORMAT
 *  when the pool is empty. (conditions.c) */
int wakecert_music_bed(struct wakecert_prng *prng, float *out, int64_t count, char *message, size_t message_size);
/** Fill out[0..count) with an ambient bed: quiet brown noise plus ambient-pool sounds looped and
 *  layered at drawn times and gains with fades. Returns 0 or WAKECERT_ERROR_FORMAT when the pool is
 *  empty. (conditions.c) */
int wakecert_ambient_bed(struct wakecert_prng *prng, float *out, int64_t count, char *message, size_t message_size);
/** out[0..count) = (x * h)[0..count) by FFT overlap-add (double precision, our own radix-2 FFT, so the
 *  result is the same on every machine). out must not alias x. Returns 0 or WAKECERT_ERROR_NO_MEMORY. */
int wakecert_convolve_fft(const float *x, int64_t count, const float *h, int64_t h_count, float *out);

/* ---- labels_import.c ---- */

/** Import a directory of audio files described by labels.csv (see README.md). Same contract as
 *  wakecert_corpus_load. */
int wakecert_corpus_import_labels(const char *directory, struct wakecert_corpus *corpus, char *message,
                                  size_t message_size);

/* ---- corpus.c ---- */

/** Name of an event type as written in manifests ("wake", "mic_off", ...), or NULL. Cannot fail. */
const char *wakecert_event_type_name(int type);
/** Event type for a manifest name, or 0 if unknown. Cannot fail. */
int wakecert_event_type_from_name(const char *name);
/** 1 if kind is one of wake, confusable, negative, music, ambient, media. Cannot fail. */
int wakecert_kind_is_known(const char *kind);

/** 1 if `text` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF), else 0.
 *  File names must be: they are written into trace.jsonl, results.json and junit.xml, which must stay
 *  valid UTF-8 for every reader. Cannot fail. */
int wakecert_utf8_valid(const char *text);

/** Remove a flat directory (its regular files, then itself). Best effort; returns 0 or WAKECERT_ERROR_IO. */
int wakecert_remove_flat_directory(const char *path);

/** The cache key of a recipe: first 16 hex digits of sha256(recipe bytes + generator version +
 *  espeak-ng version). Returns 0 or a negative code (recipe unreadable, espeak-ng unavailable). */
int wakecert_recipe_cache_key(const char *recipe_path, char key_out[17], char *message, size_t message_size);

#endif
