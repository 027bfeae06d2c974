/*
 * Sound-file input and output for corpora.
 *
 * Everything the harness feeds an engine is 16 kHz mono int16, so this file's one job on input is to
 * turn whatever libsndfile can open (WAV, FLAC, ...) into exactly that. A 16 kHz mono file is read
 * straight as int16 so its samples reach the engine bit for bit (upload provenance is checked against
 * them); anything else is read as float, downmixed by averaging the channels, resampled with
 * libsamplerate's best sinc converter, and rounded. The converted length is defined as
 * llround(frames * 16000 / rate) — the importer computes the same number from the header, so label
 * checks and the audio delivered always agree.
 *
 * On output the generator writes 16-bit PCM WAV with libsndfile; a plain PCM WAV has no timestamp or
 * other varying chunk, so the same samples always give the same bytes (and sha256).
 */
#include <math.h>
#include <samplerate.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus_internal.h"
#include "error.h"

int16_t wakecert_audio_float_to_int16(float value)
{
    double scaled = (double)value * 32768.0;
    if (scaled >= 32767.0)
        return 32767;
    if (scaled <= -32768.0)
        return -32768;
    return (int16_t)lrint(scaled);
}

/* libsndfile reads a WAV whose header claims more data than the file holds as the shorter file it is,
 * noting "data : CLAIMED (should be ACTUAL)" in its log. That is a truncated copy (an interrupted
 * download or recording) and is refused. The placeholders streaming writers leave in the header (0,
 * or 0xFFFFFFFF and near it) are not claims and pass. Returns 0 or WAKECERT_ERROR_FORMAT naming the file. */
static int check_not_truncated(SNDFILE *sound, const char *path, char *message, size_t message_size)
{
    char log[8192] = "";
    sf_command(sound, SFC_GET_LOG_INFO, log, sizeof log);
    const char *line = strstr(log, "\ndata : ");
    long long claimed = 0, actual = 0;
    if (!line || sscanf(line, "\ndata : %lld (should be %lld)", &claimed, &actual) != 2)
        return 0;
    if (claimed <= actual || claimed == 0 || claimed >= 0xFFFFFF00LL)
        return 0;
    return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                              "%s: truncated: the header announces %lld bytes of audio, the file holds %lld", path,
                              claimed, actual);
}

int wakecert_audio_rate_supported(int rate)
{
    return rate >= WAKECERT_AUDIO_MIN_RATE && rate <= WAKECERT_AUDIO_MAX_RATE;
}

int wakecert_audio_probe(const char *path, struct wakecert_audio_probe *probe, char *message, size_t message_size)
{
    memset(probe, 0, sizeof *probe);
    SF_INFO info;
    memset(&info, 0, sizeof info);
    SNDFILE *sound = sf_open(path, SFM_READ, &info);
    if (!sound)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_IO, "%s: not a readable audio file (%s)",
                                  path, sf_strerror(NULL));
    int truncated = check_not_truncated(sound, path, message, message_size);
    sf_close(sound);
    if (truncated)
        return truncated;
    if (info.frames <= 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: no samples", path);
    if (!wakecert_audio_rate_supported(info.samplerate) || info.channels <= 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                  "%s: sample rate %d Hz (%d channels) is outside what wakecert converts (%d-%d Hz)",
                                  path, info.samplerate, info.channels, WAKECERT_AUDIO_MIN_RATE, WAKECERT_AUDIO_MAX_RATE);
    probe->frames = info.frames;
    probe->sample_rate = info.samplerate;
    probe->channels = info.channels;
    probe->samples = info.samplerate == WAKECERT_CORPUS_RATE
                         ? info.frames
                         : (int64_t)llround((double)info.frames * WAKECERT_CORPUS_RATE / info.samplerate);
    if (probe->samples <= 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: no samples", path);
    const char *layout = info.channels == 1 ? "mono" : info.channels == 2 ? "stereo" : "multichannel";
    if (info.samplerate != WAKECERT_CORPUS_RATE && info.channels != 1)
        snprintf(probe->note, sizeof probe->note, "resampled from %d Hz %s (%d channels averaged)", info.samplerate,
                 layout, info.channels);
    else if (info.samplerate != WAKECERT_CORPUS_RATE)
        snprintf(probe->note, sizeof probe->note, "resampled from %d Hz mono", info.samplerate);
    else if (info.channels != 1)
        snprintf(probe->note, sizeof probe->note, "downmixed from %d channels by averaging", info.channels);
    return 0;
}

int wakecert_audio_resample_to_16k(const float *in, int64_t in_frames, double in_rate, float **out, int64_t *out_count,
                                   char *message, size_t message_size)
{
    return wakecert_audio_resample_to_16k_with(in, in_frames, in_rate, SRC_SINC_BEST_QUALITY, out, out_count, message,
                                               message_size);
}

int wakecert_audio_resample_to_16k_with(const float *in, int64_t in_frames, double in_rate, int converter, float **out,
                                        int64_t *out_count, char *message, size_t message_size)
{
    *out = NULL;
    *out_count = 0;
    double ratio = WAKECERT_CORPUS_RATE / in_rate;
    int64_t wanted = (int64_t)llround((double)in_frames * ratio);
    int64_t capacity = wanted + 64;
    float *buffer = calloc((size_t)capacity, sizeof *buffer);
    if (!buffer)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory resampling");
    if (in_frames > 0) {
        SRC_DATA data;
        memset(&data, 0, sizeof data);
        data.data_in = in;
        data.input_frames = (long)in_frames;
        data.data_out = buffer;
        data.output_frames = (long)capacity;
        data.src_ratio = ratio;
        int status = src_simple(&data, converter, 1);
        if (status != 0) {
            free(buffer);
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_INTERNAL, "libsamplerate: %s",
                                      src_strerror(status));
        }
        /* Samples past what the converter generated stay zero (calloc): the defined length wins. */
    }
    *out = buffer;
    *out_count = wanted;
    return 0;
}

/* Read up to `frames` frames (of `channels` interleaved values; shorts when `as_short`, else floats)
 * into a buffer grown as data actually arrives, so a header that claims more than the file holds
 * costs no more memory than the file. Returns 0 with *out and *got set, or WAKECERT_ERROR_NO_MEMORY. */
static int read_frames(SNDFILE *sound, sf_count_t frames, int channels, int as_short, void **out, sf_count_t *got)
{
    size_t value_size = as_short ? sizeof(int16_t) : sizeof(float);
    sf_count_t first = 65536 / channels > 0 ? 65536 / channels : 1;
    sf_count_t capacity = frames < first ? frames : first, done = 0;
    unsigned char *buffer = malloc((size_t)capacity * (size_t)channels * value_size);
    if (!buffer)
        return WAKECERT_ERROR_NO_MEMORY;
    while (done < frames) {
        if (done == capacity) {
            sf_count_t bigger = capacity > frames / 2 ? frames : 2 * capacity;
            unsigned char *grown = realloc(buffer, (size_t)bigger * (size_t)channels * value_size);
            if (!grown) {
                free(buffer);
                return WAKECERT_ERROR_NO_MEMORY;
            }
            buffer = grown;
            capacity = bigger;
        }
        unsigned char *at = buffer + (size_t)done * (size_t)channels * value_size;
        sf_count_t read = as_short ? sf_readf_short(sound, (short *)(void *)at, capacity - done)
                                   : sf_readf_float(sound, (float *)(void *)at, capacity - done);
        if (read <= 0)
            break;
        done += read;
    }
    *out = buffer;
    *got = done;
    return 0;
}

int wakecert_corpus_read_audio(const struct wakecert_corpus_file *file, int16_t **out_samples, int64_t *out_count,
                               char *message, size_t message_size)
{
    *out_samples = NULL;
    *out_count = 0;
    const char *path = file->full_path ? file->full_path : file->path;
    if (!path)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_USAGE, "corpus file has no path");
    SF_INFO info;
    memset(&info, 0, sizeof info);
    SNDFILE *sound = sf_open(path, SFM_READ, &info);
    if (!sound)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_IO, "%s: not a readable audio file (%s)",
                                  path, sf_strerror(NULL));
    int truncated = check_not_truncated(sound, path, message, message_size);
    if (truncated) {
        sf_close(sound);
        return truncated;
    }
    if (info.frames <= 0) {
        sf_close(sound);
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: no samples", path);
    }
    if (!wakecert_audio_rate_supported(info.samplerate) || info.channels <= 0) {
        sf_close(sound);
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                  "%s: sample rate %d Hz (%d channels) is outside what wakecert converts (%d-%d Hz)",
                                  path, info.samplerate, info.channels, WAKECERT_AUDIO_MIN_RATE, WAKECERT_AUDIO_MAX_RATE);
    }
    /* Floating-point files go through the float path even at 16 kHz mono, so NaN and infinity are
     * caught and out-of-range values clip instead of wrapping in libsndfile's own conversion. */
    int subtype = info.format & SF_FORMAT_SUBMASK;
    int is_float = subtype == SF_FORMAT_FLOAT || subtype == SF_FORMAT_DOUBLE;
    if (info.samplerate == WAKECERT_CORPUS_RATE && info.channels == 1 && !is_float) {
        void *data = NULL;
        sf_count_t got = 0;
        int status = read_frames(sound, info.frames, 1, 1, &data, &got);
        sf_close(sound);
        if (status != 0)
            return wakecert_set_error(message, message_size, status, "%s: out of memory", path);
        if (got != info.frames) {
            free(data);
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                      "%s: read %lld of %lld samples (truncated file?)", path, (long long)got,
                                      (long long)info.frames);
        }
        if (file->samples > 0 && info.frames != file->samples) {
            free(data);
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                      "%s: %lld samples, but the corpus says %lld (file changed after labelling?)", path,
                                      (long long)info.frames, (long long)file->samples);
        }
        *out_samples = data;
        *out_count = info.frames;
        return 0;
    }

    /* Any other layout: float, downmix, resample, round. */
    sf_command(sound, SFC_SET_NORM_FLOAT, NULL, SF_TRUE);
    void *data = NULL;
    sf_count_t got = 0;
    int status = read_frames(sound, info.frames, info.channels, 0, &data, &got);
    sf_close(sound);
    if (status != 0)
        return wakecert_set_error(message, message_size, status, "%s: out of memory", path);
    float *interleaved = data;
    if (got != info.frames) {
        free(interleaved);
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                  "%s: read %lld of %lld frames (truncated file?)", path, (long long)got,
                                  (long long)info.frames);
    }
    for (size_t i = 0; i < (size_t)got * (size_t)info.channels; i++)
        if (!isfinite(interleaved[i])) {
            size_t frame = i / (size_t)info.channels;
            free(interleaved);
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                      "%s: frame %zu (%.3f s) holds %s, not a sample value", path, frame,
                                      (double)frame / info.samplerate, "NaN or infinity");
        }
    float *mono = malloc((size_t)info.frames * sizeof *mono);
    if (!mono) {
        free(interleaved);
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "%s: out of memory", path);
    }
    for (sf_count_t frame = 0; frame < info.frames; frame++) {
        double sum = 0.0;
        for (int channel = 0; channel < info.channels; channel++)
            sum += interleaved[(size_t)frame * (size_t)info.channels + (size_t)channel];
        mono[frame] = (float)(sum / info.channels);
    }
    free(interleaved);

    float *converted = mono;
    int64_t converted_count = info.frames;
    if (info.samplerate != WAKECERT_CORPUS_RATE) {
        char inner[256] = "";
        status = wakecert_audio_resample_to_16k(mono, info.frames, info.samplerate, &converted, &converted_count,
                                                inner, sizeof inner);
        free(mono);
        if (status != 0)
            return wakecert_set_error(message, message_size, status, "%s: %s", path, inner);
    }
    if (converted_count <= 0) {
        free(converted);
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                  "%s: no samples left at 16 kHz (%lld frames at %d Hz is too short)", path,
                                  (long long)info.frames, info.samplerate);
    }
    int16_t *samples = malloc((size_t)converted_count * sizeof *samples);
    if (!samples) {
        free(converted);
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "%s: out of memory", path);
    }
    for (int64_t i = 0; i < converted_count; i++)
        samples[i] = wakecert_audio_float_to_int16(converted[i]);
    free(converted);
    if (file->samples > 0 && converted_count != file->samples) {
        free(samples);
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                  "%s: %lld samples at 16 kHz, but the corpus says %lld (file changed after labelling?)",
                                  path, (long long)converted_count, (long long)file->samples);
    }
    *out_samples = samples;
    *out_count = converted_count;
    return 0;
}

int wakecert_audio_write_wav16(const char *path, const float *samples, int64_t count, char *message,
                               size_t message_size)
{
    return wakecert_audio_write16(path, samples, count, 0, message, message_size);
}

int wakecert_audio_write16(const char *path, const float *samples, int64_t count, int flac, char *message,
                           size_t message_size)
{
    SF_INFO info;
    memset(&info, 0, sizeof info);
    info.samplerate = WAKECERT_CORPUS_RATE;
    info.channels = 1;
    info.format = flac ? SF_FORMAT_FLAC | SF_FORMAT_PCM_16 : SF_FORMAT_WAV | SF_FORMAT_PCM_16;
    int16_t *pcm = malloc((size_t)(count > 0 ? count : 1) * sizeof *pcm);
    if (!pcm)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "%s: out of memory", path);
    for (int64_t i = 0; i < count; i++)
        pcm[i] = wakecert_audio_float_to_int16(samples[i]);
    SNDFILE *sound = sf_open(path, SFM_WRITE, &info);
    if (!sound) {
        free(pcm);
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_IO, "%s: cannot create (%s)", path,
                                  sf_strerror(NULL));
    }
    sf_count_t written = sf_writef_short(sound, pcm, count);
    free(pcm);
    int close_status = sf_close(sound);
    if (written != count || close_status != 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_IO, "%s: short write", path);
    return 0;
}
