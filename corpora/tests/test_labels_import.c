/*
 * Tests of importing a folder with labels.csv: the happy path (kinds, events, rounding, identity,
 * conversion notes) and a table with one row per error the importer promises to report, each with the
 * line number and message expected. Fixture audio is generated here: a.wav (2 s, 16 kHz mono),
 * b.wav (3 s), c.flac (1 s), stereo44.wav (1 s, 44.1 kHz stereo), empty.wav, text.wav (not audio).
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <math.h>
#include <sndfile.h>
#include <string.h>
#include <sys/stat.h>

#include "corpora_fixtures.h"
#include "corpus.h"
#include "error.h"

static void import_setup(void)
{
    fixture_setup();
    cr_assert_eq(mkdir(fixture_path("in"), 0755), 0);
    const double mono[1] = {0.3}, stereo[2] = {0.3, 0.1};
    fixture_write_sine(fixture_path("in/a.wav"), 16000, 1, 32000, 300.0, mono, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    fixture_write_sine(fixture_path("in/b.wav"), 16000, 1, 48000, 300.0, mono, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    fixture_write_sine(fixture_path("in/c.flac"), 16000, 1, 16000, 300.0, mono, SF_FORMAT_FLAC | SF_FORMAT_PCM_16);
    fixture_write_sine(fixture_path("in/stereo44.wav"), 44100, 2, 44100, 300.0, stereo,
                       SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    fixture_write_sine(fixture_path("in/empty.wav"), 16000, 1, 0, 300.0, mono, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    fixture_write_text(fixture_path("in/text.wav"), "RIFF? no, just text\n");
}

TestSuite(import, .init = import_setup, .fini = fixture_teardown, .timeout = 30);

#define HEADER "file,kind,start_s,end_s,word,condition\n"

Test(import, labels_become_a_corpus)
{
    fixture_write_text(fixture_path("in/labels.csv"),
                       HEADER "a.wav,wake,1.00004,1.5,alexa,clean\r\n"
                              "a.wav,confusable,0.25,0.5,alex,clean\n"
                              "\n"
                              "b.wav,negative,,,,tv\n"
                              "c.flac,media,0.1,0.4,alexa,\n"
                              "stereo44.wav,music,,,,\n");
    struct wakecert_corpus corpus;
    char message[1024] = "";
    cr_assert_eq(wakecert_corpus_load(fixture_path("in"), &corpus, message, sizeof message), 0, "%s", message);
    cr_assert_str_eq(corpus.name, "in");
    cr_assert_eq(corpus.file_count, 4);
    const struct wakecert_corpus_file *a = &corpus.files[0], *b = &corpus.files[1], *c = &corpus.files[2],
                                      *s = &corpus.files[3];
    cr_assert_str_eq(a->path, "a.wav");
    cr_assert_str_eq(a->kind, "wake");
    cr_assert_str_eq(a->condition, "clean");
    cr_assert_eq(a->samples, 32000);
    cr_assert_eq(strlen(a->sha256), 64);
    cr_assert(isnan(a->snr_db));
    cr_assert_eq(a->event_count, 2);
    /* Sorted by start: the confusable (0.25 s) first. 1.00004 s * 16000 = 16000.64 -> 16001. */
    cr_assert_eq(a->events[0].type, WAKECERT_EVENT_CONFUSABLE);
    cr_assert_eq(a->events[0].start, 4000);
    cr_assert_eq(a->events[0].end, 8000);
    cr_assert_eq(a->events[1].type, WAKECERT_EVENT_WAKE);
    cr_assert_eq(a->events[1].start, 16001);
    cr_assert_eq(a->events[1].end, 24000);
    cr_assert_eq(a->events[1].request_end, -1);
    cr_assert_str_eq(a->events[1].word, "alexa");
    cr_assert_str_eq(b->kind, "negative");
    cr_assert_str_eq(b->condition, "tv");
    cr_assert_eq(b->event_count, 0);
    cr_assert_str_eq(c->kind, "media");
    cr_assert_eq(c->event_count, 1);
    cr_assert_eq(c->events[0].type, WAKECERT_EVENT_MEDIA_WAKE);
    cr_assert_str_eq(s->kind, "music");
    cr_assert_eq(s->samples, 16000);
    cr_assert(strstr(s->note, "resampled from 44100 Hz stereo") != NULL, "note: %s", s->note);

    int16_t *samples = NULL;
    int64_t count = 0;
    cr_assert_eq(wakecert_corpus_read_audio(s, &samples, &count, message, sizeof message), 0, "%s", message);
    cr_assert_eq(count, s->samples, "read_audio and the label check agree on the length");
    free(samples);

    /* Identity: changes when a label changes, and when an audio file changes. */
    char first[65];
    memcpy(first, corpus.manifest_sha256, 65);
    cr_assert_eq(strlen(first), 64);
    wakecert_corpus_free(&corpus);
    fixture_write_text(fixture_path("in/labels.csv"),
                       HEADER "a.wav,wake,1.00004,1.5,alexa,clean\r\n"
                              "a.wav,confusable,0.25,0.5,alex,clean\n"
                              "\n"
                              "b.wav,negative,,,,tv\n"
                              "c.flac,media,0.1,0.4,alexa,\n"
                              "stereo44.wav,music,,,,\n");
    cr_assert_eq(wakecert_corpus_load(fixture_path("in"), &corpus, message, sizeof message), 0, "%s", message);
    cr_assert_str_eq(corpus.manifest_sha256, first, "same labels and audio, same identity");
    wakecert_corpus_free(&corpus);
    const double louder[1] = {0.5};
    fixture_write_sine(fixture_path("in/b.wav"), 16000, 1, 48000, 300.0, louder, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    cr_assert_eq(wakecert_corpus_load(fixture_path("in"), &corpus, message, sizeof message), 0, "%s", message);
    cr_assert_str_neq(corpus.manifest_sha256, first, "changed audio must change the identity");
    wakecert_corpus_free(&corpus);
}

struct import_error_row {
    const char *labels;
    const char *expected;
};

/* Criterion re-executes the test binary per test, so parameters must not hold pointers:
 * they are indices into this table. */
static const struct import_error_row every_error_names_its_line_rows[] = {
        {"file,kind,start,end,word,condition\n", "labels.csv:1: header must be exactly"},
        {"", "labels.csv:1: empty file (no header)"},
        {HEADER, "no rows after the header"},
        {HEADER "a.wav,wake,1.0,1.5,alexa\n", "labels.csv:2: expected 6 columns"},
        {HEADER "a.wav,wake,1.0,1.5,alexa,clean,extra\n", "labels.csv:2: expected 6 columns"},
        {HEADER "a.wav,wake,abc,1.5,alexa,clean\n", "labels.csv:2: start_s \"abc\" is not a number"},
        {HEADER "a.wav,wake,1.0,1.5s,alexa,clean\n", "labels.csv:2: end_s \"1.5s\" is not a number"},
        {HEADER "a.wav,speech,1.0,1.5,alexa,clean\n", "labels.csv:2: unknown kind \"speech\""},
        {HEADER "a.wav,wake,1.0,1.5,alexa,clean\nnope.wav,wake,1.0,1.5,alexa,clean\n",
         "labels.csv:3: audio file \"nope.wav\" not found"},
        {HEADER "a.wav,wake,-0.5,1.5,alexa,clean\n", "labels.csv:2: negative time"},
        {HEADER "a.wav,wake,0.9,0.5,alexa,clean\n", "labels.csv:2: end_s 0.5 is not after start_s 0.9"},
        {HEADER "a.wav,wake,0.9,0.9,alexa,clean\n", "labels.csv:2: end_s 0.9 is not after start_s 0.9"},
        {HEADER "a.wav,wake,1.5,2.5,alexa,clean\n", "labels.csv:2: label ends at 2.5 s, past the end of \"a.wav\""},
        {HEADER "a.wav,wake,0.2,0.8,alexa,clean\na.wav,wake,0.6,1.0,alexa,clean\n",
         "labels.csv:3: wake label [0.6, 1.0] s overlaps the wake label on line 2"},
        {HEADER "a.wav,confusable,0.2,0.8,alex,clean\na.wav,confusable,0.2,0.8,alex,clean\n",
         "labels.csv:3: duplicate of line 2"},
        {HEADER "b.wav,negative,,,,clean\nb.wav,negative,,,,clean\n", "labels.csv:3: duplicate of line 2"},
        {HEADER "a.wav,wake,,,alexa,clean\n", "labels.csv:2: a wake row needs start_s and end_s"},
        {HEADER "a.wav,confusable,,,alex,clean\n", "labels.csv:2: a confusable row needs start_s and end_s"},
        {HEADER "a.wav,wake,0.5,,alexa,clean\n", "labels.csv:2: give both start_s and end_s, or neither"},
        {HEADER "a.wav,wake,0.2,0.8,alexa,clean\na.wav,wake,1.0,1.4,alexa,noisy\n",
         "labels.csv:3: condition \"noisy\" conflicts with \"clean\""},
        {HEADER "b.wav,negative,,,,\nb.wav,music,,,,\n", "labels.csv:3: \"b.wav\" is labelled music here but negative"},
        {HEADER "text.wav,negative,,,,\n", "labels.csv:2: "},
        {HEADER "text.wav,negative,,,,\n", "text.wav: not a readable audio file"},
        {HEADER "empty.wav,negative,,,,\n", "labels.csv:2: "},
        {HEADER "empty.wav,negative,,,,\n", "empty.wav: no samples"},
        {HEADER "../a.wav,negative,,,,\n", "labels.csv:2: file \"../a.wav\" must be a path relative"},
        {HEADER ",negative,,,,\n", "labels.csv:2: empty file name"},
};

ParameterizedTestParameters(import, every_error_names_its_line)
{
    static size_t indices[sizeof every_error_names_its_line_rows / sizeof every_error_names_its_line_rows[0]];
    for (size_t i = 0; i < sizeof indices / sizeof indices[0]; i++)
        indices[i] = i;
    return cr_make_param_array(size_t, indices, sizeof indices / sizeof indices[0]);
}

ParameterizedTest(size_t *index, import, every_error_names_its_line)
{
    const struct import_error_row *row = &every_error_names_its_line_rows[*index];
    fixture_write_text(fixture_path("in/labels.csv"), row->labels);
    struct wakecert_corpus corpus;
    memset(&corpus, 0x5a, sizeof corpus); /* load must not depend on the caller clearing it */
    char message[1024] = "";
    int status = wakecert_corpus_load(fixture_path("in"), &corpus, message, sizeof message);
    cr_assert_eq(status, WAKECERT_ERROR_FORMAT, "labels accepted (status %d): %s", status, row->labels);
    cr_assert(strstr(message, row->expected) != NULL, "expected \"%s\" in \"%s\"", row->expected, message);
    cr_assert_eq(corpus.file_count, 0, "corpus not left empty");
    cr_assert_null(corpus.files);
    cr_assert_null(corpus.directory);
    wakecert_corpus_free(&corpus);
}

Test(import, not_a_corpus)
{
    struct wakecert_corpus corpus;
    char message[1024] = "";
    cr_assert_eq(wakecert_corpus_load(fixture_path("in"), &corpus, message, sizeof message), WAKECERT_ERROR_FORMAT);
    cr_assert(strstr(message, "no manifest.json and no labels.csv") != NULL, "%s", message);
    cr_assert_eq(wakecert_corpus_load(fixture_path("nowhere"), &corpus, message, sizeof message), WAKECERT_ERROR_IO);
    cr_assert(strstr(message, "nowhere: not a directory") != NULL, "%s", message);
}
