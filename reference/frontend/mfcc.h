/*
 * The reference engine's streaming MFCC front end (16 kHz int16 in, log-mel energies and cepstra out).
 *
 * Definition (every number is a field of wakecert_mfcc_config, these are the defaults):
 * pre-emphasis 0.97; 400-sample (25 ms) Hamming window; 160-sample (10 ms) hop; 512-point real FFT
 * (FFTW3 single precision, r2c); power spectrum; 40 triangular mel filters on the HTK mel scale
 * (20-8000 Hz); natural log with a floor; orthonormal DCT-II to 13 cepstra.
 *
 * Frame k covers input samples [k*hop, k*hop + window). Frames are emitted as soon as their last
 * sample arrives, and the output is bit-identical whatever the chunking of the input.
 */
#ifndef WAKECERT_REFERENCE_MFCC_H
#define WAKECERT_REFERENCE_MFCC_H

#include <stddef.h>
#include <stdint.h>

struct wakecert_mfcc_config {
    int sample_rate;          /* 16000 */
    float preemphasis;        /* 0.97 */
    int window_length;        /* 400 samples */
    int hop_length;           /* 160 samples */
    int fft_size;             /* 512 */
    int mel_filter_count;     /* 40 */
    float low_frequency_hz;   /* 20 */
    float high_frequency_hz;  /* 8000 */
    float log_floor;          /* mel energies are clamped to at least this before the log */
    int cepstrum_count;       /* 13 */
};

typedef struct wakecert_mfcc wakecert_mfcc;

/** Called once per complete frame, in order. The arrays belong to the front end and are valid only
 *  during the call: log_mel has mel_filter_count values, cepstra has cepstrum_count values. */
typedef void (*wakecert_mfcc_frame_fn)(void *ctx, int64_t frame_index, const float *log_mel, const float *cepstra);

/** Fill config with the defaults above. Cannot fail. */
void wakecert_mfcc_config_default(struct wakecert_mfcc_config *config);

/** Create a front end. level < 0 uses wakecert_cpu_level() (common/cpu.h); otherwise that kernel level
 *  (clamped to what the CPU supports). Plans the FFT once under a process-wide lock with FFTW_ESTIMATE.
 *  Returns 0, or a negative wakecert_error with a message for an invalid configuration. */
int wakecert_mfcc_create(const struct wakecert_mfcc_config *config, int level, wakecert_mfcc **out_frontend,
                         char *message, size_t message_size);

/** Push any number of samples; calls on_frame for each frame completed. No allocation, no I/O. */
void wakecert_mfcc_push(wakecert_mfcc *frontend, const int16_t *samples, size_t count, wakecert_mfcc_frame_fn on_frame,
                        void *ctx);

/** Forget all buffered audio and restart frame numbering at 0 (e.g. after the microphone comes back on). */
void wakecert_mfcc_reset(wakecert_mfcc *frontend);

/** The kernel level this instance uses. */
int wakecert_mfcc_level(const wakecert_mfcc *frontend);

/** Free a front end; NULL is ignored. */
void wakecert_mfcc_destroy(wakecert_mfcc *frontend);

#endif
