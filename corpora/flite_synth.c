/*
 * Speech pieces from flite's library API (CMU Flite 2.2, Debian's flite1-dev): a second, unrelated
 * synthesizer so the standard corpus is not one engine's idea of English. Four US English voices:
 * kal16 (diphone, male), slt (clustergen, female), awb (clustergen, Scottish male), rms (clustergen,
 * male). Recipes name them "flite:kal16", "flite:slt", "flite:awb", "flite:rms".
 *
 * flite returns 16 kHz int16 PCM in memory for these voices, so no resampling is needed (another rate
 * would be resampled by the caller). The utterance is cut to its phones (flite's own segment times,
 * without the leading and trailing "pau", keeping 5 ms before and a 25 ms faded decay after) before the
 * caller's energy trim, so labels are tight. Rate maps to flite's duration_stretch (165 words per minute is
 * 1.0); pitch is not used (the clustergen voices have no simple F0 control), so a recipe's pitch has no
 * effect on flite voices — documented in README.md.
 *
 * Wake words go in as text: flite's CMU lexicon has them ("alexa" -> ax0 l eh1 k s ax0); a test checks
 * the lexicon's phones for each wake word against wakecert_flite_expected_phones, so a lexicon change
 * that would mispronounce one is caught. flite does carry state from one utterance to the next, so
 * like espeak-ng (synth.c) every piece is synthesized in a forked child of a process that has only
 * registered the voices; the determinism test builds twice with different worker counts.
 */
#include <flite/flite.h>
#include <flite/cst_lexicon.h>
#include <flite/flite_version.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "corpus_internal.h"
#include "error.h"
#include "files.h"

cst_voice *register_cmu_us_kal16(const char *voxdir);
cst_voice *register_cmu_us_slt(const char *voxdir);
cst_voice *register_cmu_us_awb(const char *voxdir);
cst_voice *register_cmu_us_rms(const char *voxdir);

static struct {
    const char *name;
    cst_voice *(*registrar)(const char *);
    cst_voice *voice;
} flite_voices[] = {
    {"kal16", register_cmu_us_kal16, NULL},
    {"slt", register_cmu_us_slt, NULL},
    {"awb", register_cmu_us_awb, NULL},
    {"rms", register_cmu_us_rms, NULL},
};

static int flite_ready = 0;

/* The registered voice called `name` (without the "flite:" prefix), registering it on first use;
 * NULL if flite has no such voice. */
static cst_voice *flite_voice(const char *name)
{
    if (!flite_ready) {
        flite_init();
        flite_ready = 1;
    }
    for (size_t i = 0; i < sizeof flite_voices / sizeof flite_voices[0]; i++)
        if (strcmp(flite_voices[i].name, name) == 0) {
            if (!flite_voices[i].voice)
                flite_voices[i].voice = flite_voices[i].registrar(NULL);
            return flite_voices[i].voice;
        }
    return NULL;
}

int wakecert_flite_is_voice(const char *voice)
{
    return strncmp(voice, "flite:", 6) == 0;
}

const char *wakecert_flite_version(void)
{
    return FLITE_PROJECT_VERSION;
}

int wakecert_flite_synthesize(const char *voice, int rate_wpm, const char *text, float **out, int64_t *out_count,
                              int *out_rate, char *message, size_t message_size)
{
    *out = NULL;
    *out_count = 0;
    *out_rate = 0;
    /* The voice is registered here, in the calling process, and the synthesis runs in a forked child:
     * flite carries state from one utterance to the next (the same text came out a few hundred samples
     * longer after other utterances), so every piece starts from the same never-synthesized state. */
    cst_voice *v = wakecert_flite_is_voice(voice) ? flite_voice(voice + 6) : NULL;
    if (!v)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                  "flite has no voice \"%s\" (flite:kal16, flite:slt, flite:awb, flite:rms)", voice);
    int fds[2];
    if (pipe(fds) != 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_INTERNAL, "pipe: %s", strerror(errno));
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_INTERNAL, "fork: %s", strerror(errno));
    }
    if (pid == 0) {
        close(fds[0]);
        feat_set_float(v->features, "duration_stretch", 165.0f / (float)rate_wpm);
        cst_utterance *utterance = flite_synth_text(text, v);
        cst_wave *wave = utterance ? utt_wave(utterance) : NULL;
        int32_t header[2] = {0, 0};
        int64_t begin = 0;
        if (wave && wave->num_samples > 0 && wave->num_channels == 1) {
            /* flite pads an utterance with "pau" segments holding low-level noise only ~50 dB under
             * the speech, which the energy trim would keep inside the label: cut at the segment
             * boundaries flite itself reports (end of the leading pause, start of the trailing one). */
            int64_t end = wave->num_samples;
            cst_relation *segments = utt_relation(utterance, "Segment");
            const cst_item *first = segments ? relation_head(segments) : NULL;
            const cst_item *last = segments ? relation_tail(segments) : NULL;
            if (first && strcmp(item_name(first), "pau") == 0)
                begin = (int64_t)(item_feat_float(first, "end") * (float)wave->sample_rate);
            if (last && last != first && strcmp(item_name(last), "pau") == 0 && item_prev(last))
                end = (int64_t)(item_feat_float(item_prev(last), "end") * (float)wave->sample_rate);
            wakecert_keep_phones_pcm16(wave->samples, wave->num_samples, wave->sample_rate, begin, end, &begin, &end);
            header[0] = wave->sample_rate;
            header[1] = (int32_t)(end - begin);
        }
        if (wakecert_write_all(fds[1], header, sizeof header) == 0 && header[1] > 0)
            wakecert_write_all(fds[1], wave->samples + begin, (size_t)header[1] * sizeof(short));
        close(fds[1]);
        _exit(0);
    }
    close(fds[1]);
    int32_t header[2];
    int status = 0;
    short *pcm = NULL;
    if (wakecert_read_all(fds[0], header, sizeof header) != 0)
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_INTERNAL,
                                    "flite synthesis process died for \"%.60s\"", text);
    else if (header[1] <= 0 || header[0] <= 0)
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                    "flite produced no mono audio for \"%.60s\" in voice %s", text, voice);
    else if (!(pcm = malloc((size_t)header[1] * sizeof *pcm)) ||
             !(*out = malloc((size_t)header[1] * sizeof **out)))
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
    else if (wakecert_read_all(fds[0], pcm, (size_t)header[1] * sizeof *pcm) != 0)
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_INTERNAL,
                                    "flite synthesis process died for \"%.60s\"", text);
    close(fds[0]);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    if (status != 0) {
        free(pcm);
        free(*out);
        *out = NULL;
        return status;
    }
    for (int32_t i = 0; i < header[1]; i++)
        (*out)[i] = (float)(pcm[i] / 32768.0);
    free(pcm);
    *out_count = header[1];
    *out_rate = header[0];
    return 0;
}

int wakecert_flite_word_phones(const char *voice, const char *word, char *out, size_t out_size, char *message,
                               size_t message_size)
{
    cst_voice *v = wakecert_flite_is_voice(voice) ? flite_voice(voice + 6) : NULL;
    if (!v)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "flite has no voice \"%s\"", voice);
    const cst_lexicon *lexicon = val_lexicon(feat_val(v->features, "lexicon"));
    cst_val *phones = lex_lookup(lexicon, word, NULL, NULL);
    size_t used = 0;
    out[0] = '\0';
    for (const cst_val *p = phones; p; p = val_cdr(p)) {
        int written = snprintf(out + used, out_size - used, "%s%s", used ? " " : "", val_string(val_car(p)));
        if (written < 0 || (size_t)written >= out_size - used) {
            delete_val(phones);
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_USAGE, "phone string too long");
        }
        used += (size_t)written;
    }
    delete_val(phones);
    return 0;
}

static const struct {
    const char *word;
    const char *phones;
} flite_expected[] = {
    {"alexa", "ax0 l eh1 k s ax0"},
    {"amazon", "ae1 m ax0 z aa1 n"},
    {"computer", "k ax0 m p y uw1 t er0"},
    {"echo", "eh1 k ow0"},
};

const char *wakecert_flite_expected_phones(const char *word)
{
    for (size_t i = 0; i < sizeof flite_expected / sizeof flite_expected[0]; i++)
        if (strcmp(flite_expected[i].word, word) == 0)
            return flite_expected[i].phones;
    return NULL;
}
