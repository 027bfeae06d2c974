/*
 * wakecert-check-words: does an independent recogniser hear the labelled wake words as the wake word?
 *
 * A corpus's labels are exact by construction, but only if the synthesizer said the word the label
 * names: a voice that mangles "alexa" makes every false reject on it the corpus's fault, not the
 * engine's. This tool cuts each labelled wake word (with a margin) out of a corpus and runs PocketSphinx
 * keyword spotting for that word over the cut alone; as a control it does the same for every labelled
 * confusable with the wake word it is confused with (a check that "hears" alexa in "alexis" says little).
 * Results per voice, so a voice the recogniser never hears stands out. PocketSphinx is a weak detector
 * (the README's comparison), so a low figure is a question about a voice, not a verdict; --min-fraction
 * makes it a gate.
 *
 * Shaped as its own program in peers/pocketsphinx (not a `wakecert corpus` subcommand) so the corpus
 * library does not depend on PocketSphinx.
 */
#define _POSIX_C_SOURCE 200809L
#include "corpus.h"

#include <getopt.h>
#include <pocketsphinx.h>
#include <sphinxbase/err.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wakecert/engine.h>

#define DEFAULT_MODEL_DIR "/usr/share/pocketsphinx/model/en-us"
#define MAX_KEYWORDS 8
#define MAX_VOICES 64

struct keyword_decoder {
    char word[32];
    cmd_ln_t *config;
    ps_decoder_t *decoder;
};

struct voice_counts {
    char voice[48];
    int words, heard, confusables, confused;
};

static const char usage[] =
    "usage: wakecert-check-words CORPUS_DIR [--confusable-keyword WORD] [--margin-ms MS] [--threshold T]\n"
    "                            [--model-dir DIR] [--min-fraction F]\n"
    "For each labelled wake word of the corpus, PocketSphinx keyword spotting for that word runs over the\n"
    "labelled span plus MS (default 300) on each side; each labelled confusable is checked the same way\n"
    "against --confusable-keyword (default alexa). Prints a table per voice. Exit 0; 1 if fewer than F of\n"
    "the wake words are heard (--min-fraction); 2 on bad usage or input.\n";

/* The decoder spotting `word` (made on first use, kept in decoders[]), or NULL with a message. */
static ps_decoder_t *decoder_for(struct keyword_decoder *decoders, int *count, const char *word, const char *model_dir,
                                 double threshold)
{
    for (int i = 0; i < *count; i++)
        if (strcmp(decoders[i].word, word) == 0)
            return decoders[i].decoder;
    if (*count == MAX_KEYWORDS) {
        fprintf(stderr, "wakecert-check-words: more than %d different wake words\n", MAX_KEYWORDS);
        return NULL;
    }
    char hmm[1024], dict[1024], kws_threshold[32];
    snprintf(hmm, sizeof hmm, "%s/en-us", model_dir);
    snprintf(dict, sizeof dict, "%s/cmudict-en-us.dict", model_dir);
    snprintf(kws_threshold, sizeof kws_threshold, "%.3e", threshold);
    struct keyword_decoder *entry = &decoders[*count];
    snprintf(entry->word, sizeof entry->word, "%s", word);
    entry->config = cmd_ln_init(NULL, ps_args(), TRUE, "-hmm", hmm, "-dict", dict, "-keyphrase", word, "-kws_threshold",
                                kws_threshold, NULL);
    entry->decoder = entry->config ? ps_init(entry->config) : NULL;
    if (!entry->decoder) {
        fprintf(stderr, "wakecert-check-words: pocketsphinx could not load %s and %s, or \"%s\" is not in the dictionary\n",
                hmm, dict, word);
        if (entry->config)
            cmd_ln_free_r(entry->config);
        return NULL;
    }
    (*count)++;
    return entry->decoder;
}

/* Whether the decoder spots its keyword in samples[from, to) (clamped to the file), as one utterance. */
static bool spotted(ps_decoder_t *decoder, const int16_t *samples, int64_t count, int64_t from, int64_t to)
{
    if (from < 0)
        from = 0;
    if (to > count)
        to = count;
    if (to <= from)
        return false;
    ps_start_utt(decoder);
    ps_process_raw(decoder, samples + from, (size_t)(to - from), FALSE, TRUE);
    ps_end_utt(decoder);
    int32 score = 0;
    const char *hypothesis = ps_get_hyp(decoder, &score);
    return hypothesis && *hypothesis;
}

static struct voice_counts *counts_for(struct voice_counts *voices, int *count, const char *voice)
{
    const char *name = voice[0] ? voice : "(unnamed)";
    for (int i = 0; i < *count; i++)
        if (strcmp(voices[i].voice, name) == 0)
            return &voices[i];
    if (*count == MAX_VOICES)
        return &voices[MAX_VOICES - 1];
    struct voice_counts *entry = &voices[(*count)++];
    memset(entry, 0, sizeof *entry);
    snprintf(entry->voice, sizeof entry->voice, "%s", name);
    return entry;
}

int main(int argc, char **argv)
{
    const char *confusable_keyword = "alexa", *model_dir = DEFAULT_MODEL_DIR;
    double margin_ms = 300, threshold = 1e-30, min_fraction = -1;
    static const struct option options[] = {{"confusable-keyword", required_argument, NULL, 'k'},
                                            {"margin-ms", required_argument, NULL, 'm'},
                                            {"threshold", required_argument, NULL, 't'},
                                            {"model-dir", required_argument, NULL, 'd'},
                                            {"min-fraction", required_argument, NULL, 'f'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    int option;
    while ((option = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        char *end = NULL;
        switch (option) {
        case 'k': confusable_keyword = optarg; break;
        case 'd': model_dir = optarg; break;
        case 'm': margin_ms = strtod(optarg, &end); break;
        case 't': threshold = strtod(optarg, &end); break;
        case 'f': min_fraction = strtod(optarg, &end); break;
        case 'h': fputs(usage, stdout); return 0;
        default: fputs(usage, stderr); return 2;
        }
        if (end && (*end || end == optarg)) {
            fprintf(stderr, "wakecert-check-words: \"%s\" is not a number\n%s", optarg, usage);
            return 2;
        }
    }
    if (optind + 1 != argc || !(margin_ms >= 0 && margin_ms <= 5000) || !(threshold > 0 && threshold < 1) ||
        min_fraction > 1) {
        fputs(usage, stderr);
        return 2;
    }
    char message[1024];
    struct wakecert_corpus corpus;
    if (wakecert_corpus_load(argv[optind], &corpus, message, sizeof message) != 0) {
        fprintf(stderr, "wakecert-check-words: %s\n", message);
        return 2;
    }
    err_set_logfp(NULL);
    struct keyword_decoder decoders[MAX_KEYWORDS];
    int decoder_count = 0, voice_count = 0, status = 0;
    struct voice_counts voices[MAX_VOICES];
    int64_t margin = (int64_t)(margin_ms * WAKECERT_SAMPLE_RATE / 1000.0);
    for (size_t f = 0; f < corpus.file_count && status == 0; f++) {
        const struct wakecert_corpus_file *file = &corpus.files[f];
        bool relevant = false;
        for (size_t e = 0; e < file->event_count; e++)
            relevant |= file->events[e].type == WAKECERT_EVENT_WAKE || file->events[e].type == WAKECERT_EVENT_CONFUSABLE;
        if (!relevant)
            continue;
        int16_t *samples = NULL;
        int64_t count = 0;
        if (wakecert_corpus_read_audio(file, &samples, &count, message, sizeof message) != 0) {
            fprintf(stderr, "wakecert-check-words: %s\n", message);
            status = 2;
            break;
        }
        struct voice_counts *voice = counts_for(voices, &voice_count, file->voice);
        for (size_t e = 0; e < file->event_count && status == 0; e++) {
            const struct wakecert_corpus_event *event = &file->events[e];
            bool wake = event->type == WAKECERT_EVENT_WAKE;
            if (!wake && event->type != WAKECERT_EVENT_CONFUSABLE)
                continue;
            const char *keyword = wake ? (event->word[0] ? event->word : "alexa") : confusable_keyword;
            ps_decoder_t *decoder = decoder_for(decoders, &decoder_count, keyword, model_dir, threshold);
            if (!decoder) {
                status = 2;
                break;
            }
            bool heard = spotted(decoder, samples, count, event->start - margin, event->end + margin);
            if (wake) {
                voice->words++;
                voice->heard += heard;
            } else {
                voice->confusables++;
                voice->confused += heard;
            }
        }
        free(samples);
    }
    if (status == 0) {
        struct voice_counts total = {.voice = "all voices"};
        printf("| voice | wake words heard as the wake word | confusables heard as %s |\n|---|---|---|\n",
               confusable_keyword);
        for (int v = 0; v <= voice_count; v++) {
            const struct voice_counts *row = v < voice_count ? &voices[v] : &total;
            if (v < voice_count) {
                total.words += row->words, total.heard += row->heard;
                total.confusables += row->confusables, total.confused += row->confused;
            }
            printf("| %s%s%s | %d/%d | %d/%d |\n", v < voice_count ? "" : "**", row->voice, v < voice_count ? "" : "**",
                   row->heard, row->words, row->confused, row->confusables);
        }
        if (min_fraction >= 0 && total.words > 0 && (double)total.heard / total.words < min_fraction) {
            fprintf(stderr, "wakecert-check-words: %d of %d wake words heard, below --min-fraction %g\n", total.heard,
                    total.words, min_fraction);
            status = 1;
        }
    }
    for (int i = 0; i < decoder_count; i++) {
        ps_free(decoders[i].decoder);
        cmd_ln_free_r(decoders[i].config);
    }
    wakecert_corpus_free(&corpus);
    return status;
}
