/*
 * Speech pieces from the Festival Speech Synthesis System (Debian's festival 2.5 with festvox-kallpc16k,
 * festvox-kdlpc16k, festvox-us-slt-hts, festvox-ca-ona-hts, festvox-italp16k, festvox-suopuhe-lj and
 * festvox-czech-dita): a third synthesizer, so wake words are also said by residual-excited LPC diphones
 * and by HMM (HTS) voices, not only by espeak-ng's formants and flite. Recipes name the voices
 * "festival:kal_diphone" (male), "festival:ked_diphone" (male), "festival:cmu_us_slt_arctic_hts"
 * (female), "festival:upc_ca_ona_hts" (female, Catalan), "festival:lp_diphone" (female, Italian),
 * "festival:suo_fi_lj_diphone" (female, Finnish) and "festival:czech_dita" (female, Czech): the names
 * festival itself gives them, after "festival:". The four non-English female voices are there for
 * training: they are the female voices of other synthesizers in Debian that the evaluation corpora do
 * not use (flite's and festival's English female voice are the same speaker, slt, held out for
 * `standard`). They read English text by their own language's rules — accented carrier speech — and
 * say the wake words as pinned below.
 *
 * festival has no library on Debian that C can link, so every piece is one run of the `festival`
 * program in a child process: a private temporary directory (mkdtemp) holds a Scheme script and the
 * RIFF wave festival writes; the script selects the voice, pins the wake words' pronunciation, applies
 * rate and pitch and synthesizes the text. One fresh process per piece also makes a piece a pure
 * function of its inputs (festival keeps no state between runs; HOME points into the private
 * directory, so no ~/.festivalrc is read). The script also writes festival's segment times: the
 * piece is cut at the end of the leading "pau" and the end of the last phone (5 ms before, a 25 ms faded
 * decay after; the helper flite uses), because kal_diphone's trailing pause holds breath-like noise only
 * ~45 dB under the speech that the energy trim would keep inside the label. The diphone voices write
 * 16 kHz, the HTS voice 32 kHz; the caller resamples and trims (synth.c).
 *
 * Rate: 165 words per minute is the voice's own pace. The diphone voices scale festival's
 * Duration_Stretch parameter by 165 / rate; the HTS voices ignore Duration_Stretch, so slt gets
 * hts_engine's speed option "-r" = rate / 165 and ona keeps its own pace (see festival_voices). Pitch
 * (0-100, 50 = the voice's own) scales the diphone voices' intonation targets (int_lr_params
 * target_f0_mean and target_f0_std) by 2^((pitch - 50) / 100), half an octave either way at the ends;
 * the HTS voices predict their own F0 and ignore pitch, and so do the Italian, Finnish and Czech diphone
 * voices (their intonation modules do not read int_lr_params).
 *
 * Wake words: the script adds each wake word to festival's lexicon with the phones of the table below
 * (CMU phone set for the English voices, festival's own CMU lexicon has the same entries today; the
 * UPC Catalan phone set for ona, the Italian, Finnish and Czech sets for the other three — the nearest
 * sounds of each language to the English word, Finnish with s for z), so a lexicon change
 * cannot alter how a wake word is said; a test reads back the segments festival synthesized for each word.
 * Recipes' "phonemes" are espeak-ng notation and are ignored for festival voices, as for flite.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "corpus_internal.h"
#include "error.h"
#include "files.h"

/* The phone sets of the voices wakecert knows (the pinned wake words' columns below). */
enum festival_phone_set {
    FESTIVAL_PHONES_CMU = 0,
    FESTIVAL_PHONES_UPC_CATALAN = 1,
    FESTIVAL_PHONES_ITALIAN = 2,
    FESTIVAL_PHONES_FINNISH = 3,
    FESTIVAL_PHONES_CZECH = 4,
    FESTIVAL_PHONE_SETS
};

/* The voices wakecert knows: festival's name (voice_NAME selects it), whether it is an HTS voice
 * (rate through hts_engine's "-r", no pitch control) rather than a diphone voice, whether it ignores
 * the rate too, and its phone set. ona's voice file takes "-r" only for the leading pause (its phones
 * keep their durations, and festival's segment times, which cut the piece, stop matching the audio),
 * so it speaks at its own pace whatever the recipe's rate; the trainer's speed perturbation varies it. */
static const struct {
    const char *name;
    int hts;
    int fixed_rate;
    enum festival_phone_set phone_set;
} festival_voices[] = {
    {"kal_diphone", 0, 0, FESTIVAL_PHONES_CMU},
    {"ked_diphone", 0, 0, FESTIVAL_PHONES_CMU},
    {"cmu_us_slt_arctic_hts", 1, 0, FESTIVAL_PHONES_CMU},
    {"upc_ca_ona_hts", 1, 1, FESTIVAL_PHONES_UPC_CATALAN},
    {"lp_diphone", 0, 0, FESTIVAL_PHONES_ITALIAN},
    {"suo_fi_lj_diphone", 0, 0, FESTIVAL_PHONES_FINNISH},
    {"czech_dita", 0, 0, FESTIVAL_PHONES_CZECH},
};

/* Wake words as festival lexicon entries, per phone set: syllables of phones with stress (1) or none
 * (0), and the same phones as festival's Segment relation names them. In the Catalan set a stressed
 * vowel carries its stress in its name (E1: open e, stressed). */
static const struct {
    const char *word;
    struct {
        const char *syllables; /* the third element of a lex.add.entry entry */
        const char *phones;
    } sets[FESTIVAL_PHONE_SETS];
} festival_wake_words[] = {
    {"alexa", {{"(((ax) 0) ((l eh k) 1) ((s ax) 0))", "ax l eh k s ax"},
               {"(((ax) 0) ((l E1 k) 1) ((s ax) 0))", "ax l E1 k s ax"},
               {"(((a) 0) ((l e k) 1) ((s a) 0))", "a l e k s a"},
               {"(((a) 0) ((l e k) 1) ((s a) 0))", "a l e k s a"},
               {"(((a) 0) ((l e k) 1) ((s a) 0))", "a l e k s a"}}},
    {"amazon", {{"(((ae) 1) ((m ax) 0) ((z aa n) 1))", "ae m ax z aa n"},
                {"(((a1) 1) ((m ax) 0) ((z o1 n) 1))", "a1 m ax z o1 n"},
                {"(((a) 1) ((m a) 0) ((z o n) 1))", "a m a z o n"},
                {"(((a) 1) ((m a) 0) ((s o n) 1))", "a m a s o n"},
                {"(((a) 1) ((m a) 0) ((z o n) 1))", "a m a z o n"}}},
    {"computer", {{"(((k ax m) 0) ((p y uw) 1) ((t er) 0))", "k ax m p y uw t er"},
                  {"(((k ax m) 0) ((p j u1) 1) ((t ax r) 0))", "k ax m p j u1 t ax r"},
                  {"(((k o m) 0) ((p j u) 1) ((t e r) 0))", "k o m p j u t e r"},
                  {"(((k o m) 0) ((p j u) 1) ((t e r) 0))", "k o m p j u t e r"},
                  {"(((k o m) 0) ((p j u) 1) ((t e r) 0))", "k o m p j u t e r"}}},
    {"echo", {{"(((eh) 1) ((k ow) 0))", "eh k ow"},
              {"(((E1) 1) ((k o) 0))", "E1 k o"},
              {"(((e) 1) ((k o) 0))", "e k o"},
              {"(((e) 1) ((k o) 0))", "e k o"},
              {"(((e) 1) ((k o) 0))", "e k o"}}},
};

#define FESTIVAL_PREFIX "festival:"
#define FESTIVAL_VOICE_LIST \
    "festival:kal_diphone, festival:ked_diphone, festival:cmu_us_slt_arctic_hts, festival:upc_ca_ona_hts, " \
    "festival:lp_diphone, festival:suo_fi_lj_diphone, festival:czech_dita"

int wakecert_festival_is_voice(const char *voice)
{
    return strncmp(voice, FESTIVAL_PREFIX, strlen(FESTIVAL_PREFIX)) == 0;
}

/* Index of `voice` ("festival:NAME") in festival_voices, or -1 if wakecert does not know it. */
static int festival_voice_index(const char *voice)
{
    if (!wakecert_festival_is_voice(voice))
        return -1;
    const char *name = voice + strlen(FESTIVAL_PREFIX);
    for (size_t i = 0; i < sizeof festival_voices / sizeof festival_voices[0]; i++)
        if (strcmp(festival_voices[i].name, name) == 0)
            return (int)i;
    return -1;
}

const char *wakecert_festival_expected_phones(const char *voice, const char *word)
{
    int index = festival_voice_index(voice);
    if (index < 0)
        return NULL;
    for (size_t i = 0; i < sizeof festival_wake_words / sizeof festival_wake_words[0]; i++)
        if (strcmp(festival_wake_words[i].word, word) == 0)
            return festival_wake_words[i].sets[festival_voices[index].phone_set].phones;
    return NULL;
}

/* A growable text buffer for building the script; `failed` is set once an append ran out of memory. */
struct text_buffer {
    char *data;
    size_t length, capacity;
    int failed;
};

/* Append printf-formatted text to buffer (sets buffer->failed when out of memory). */
static void append(struct text_buffer *buffer, const char *format, ...) __attribute__((format(printf, 2, 3)));
static void append(struct text_buffer *buffer, const char *format, ...)
{
    if (buffer->failed)
        return;
    va_list arguments;
    va_start(arguments, format);
    int needed = vsnprintf(NULL, 0, format, arguments);
    va_end(arguments);
    if (needed < 0 || buffer->length + (size_t)needed + 1 > buffer->capacity) {
        size_t capacity = (buffer->capacity ? buffer->capacity * 2 : 1024) + (needed > 0 ? (size_t)needed : 0);
        char *grown = needed < 0 ? NULL : realloc(buffer->data, capacity);
        if (!grown) {
            buffer->failed = 1;
            return;
        }
        buffer->data = grown;
        buffer->capacity = capacity;
    }
    va_start(arguments, format);
    vsnprintf(buffer->data + buffer->length, buffer->capacity - buffer->length, format, arguments);
    va_end(arguments);
    buffer->length += (size_t)needed;
}

/* Append `text` as a Scheme string literal (quoted, with " and \ escaped). */
static void append_scheme_string(struct text_buffer *buffer, const char *text)
{
    append(buffer, "\"");
    for (const char *c = text; *c; c++)
        append(buffer, "%s%c", (*c == '"' || *c == '\\') ? "\\" : "", *c);
    append(buffer, "\"");
}

/* Build the Scheme script that says `text` in voice `index` at rate/pitch into wave_path (RIFF) and writes
 * the synthesized segments to segments_path, a line "NAME END_SECONDS" each. Returns the malloc'd script
 * or NULL when out of memory. */
static char *festival_script(int index, int rate_wpm, int pitch, const char *text, const char *wave_path,
                             const char *segments_path)
{
    struct text_buffer script = {0};
    append(&script, "(voice_%s)\n", festival_voices[index].name);
    for (size_t i = 0; i < sizeof festival_wake_words / sizeof festival_wake_words[0]; i++)
        append(&script, "(lex.add.entry '(\"%s\" nil %s))\n", festival_wake_words[i].word,
               festival_wake_words[i].sets[festival_voices[index].phone_set].syllables);
    if (festival_voices[index].hts) { /* no pitch control; ona not even rate (see festival_voices) */
        if (!festival_voices[index].fixed_rate)
            append(&script, "(set! hts_engine_params (append hts_engine_params (list (list \"-r\" %.6f))))\n",
                   (double)rate_wpm / 165.0);
    } else {
        append(&script, "(Parameter.set 'Duration_Stretch (* (Parameter.get 'Duration_Stretch) %.6f))\n",
               165.0 / (double)rate_wpm);
        append(&script,
               "(set! int_lr_params (mapcar (lambda (p) (if (or (eq? (car p) 'target_f0_mean)"
               " (eq? (car p) 'target_f0_std)) (list (car p) (* %.6f (car (cdr p)))) p)) int_lr_params))\n",
               pow(2.0, (pitch - 50) / 100.0));
    }
    append(&script, "(set! wakecert_utterance (utt.synth (Utterance Text ");
    append_scheme_string(&script, text);
    append(&script, ")))\n(utt.save.wave wakecert_utterance ");
    append_scheme_string(&script, wave_path);
    append(&script, " 'riff)\n");
    append(&script, "(set! wakecert_segments (fopen ");
    append_scheme_string(&script, segments_path);
    append(&script, " \"w\"))\n(mapcar (lambda (s) (format wakecert_segments \"%%s %%f\\n\" (item.name s)"
                    " (item.feat s \"end\"))) (utt.relation.items wakecert_utterance 'Segment))\n"
                    "(fclose wakecert_segments)\n");
    if (script.failed) {
        free(script.data);
        return NULL;
    }
    return script.data;
}

/* The files of one festival run, all inside a private mkdtemp directory. */
struct festival_run {
    char directory[4096];
    char script[4200], wave[4200], segments[4200];
};

/* Remove the run's files and directory (festival writes nothing else there). Cannot fail. */
static void festival_run_remove(struct festival_run *run)
{
    unlink(run->script);
    unlink(run->wave);
    unlink(run->segments);
    rmdir(run->directory);
}

/* Run `festival --batch script` in a child with HOME set to the run's directory, stdin from /dev/null,
 * stdout and stderr into a pipe. Returns 0 when festival exited 0; otherwise WAKECERT_ERROR_ENGINE with a
 * message naming the voice and the text and quoting the end of festival's output (or saying festival
 * is not installed). */
static int festival_execute(const struct festival_run *run, const char *voice, const char *text, char *message,
                            size_t message_size)
{
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
        FILE *null_input = freopen("/dev/null", "r", stdin);
        (void)null_input;
        dup2(fds[1], STDOUT_FILENO);
        dup2(fds[1], STDERR_FILENO);
        if (fds[1] != STDOUT_FILENO && fds[1] != STDERR_FILENO)
            close(fds[1]);
        setenv("HOME", run->directory, 1);
        execlp("festival", "festival", "--batch", run->script, (char *)NULL);
        fprintf(stderr, "cannot run festival: %s (install it with ci/bootstrap)", strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    /* Keep the last part of festival's output: its error, if any, is at the end. */
    char output[1024];
    size_t kept = 0;
    char chunk[512];
    for (;;) {
        ssize_t got = read(fds[0], chunk, sizeof chunk);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        for (ssize_t i = 0; i < got; i++) {
            if (kept == sizeof output - 1) {
                memmove(output, output + sizeof output / 2, kept - sizeof output / 2);
                kept -= sizeof output / 2;
            }
            output[kept++] = chunk[i] == '\n' ? ' ' : chunk[i];
        }
    }
    output[kept] = '\0';
    close(fds[0]);
    int wait_status = 0;
    while (waitpid(pid, &wait_status, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0)
        return 0;
    while (kept > 0 && output[kept - 1] == ' ')
        output[--kept] = '\0';
    return wakecert_set_error(message, message_size, WAKECERT_ERROR_ENGINE,
                              "festival failed (exit %d) saying \"%.60s\" in voice %s: %s",
                              WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status), text,
                              voice, kept ? output : "(no output)");
}

/* Make the private directory of a run and write its script. Returns 0, or WAKECERT_ERROR_IO /
 * NO_MEMORY (the directory is removed again). */
static int festival_prepare(struct festival_run *run, int index, int rate_wpm, int pitch, const char *text,
                            char *message, size_t message_size)
{
    const char *temporary = getenv("TMPDIR");
    snprintf(run->directory, sizeof run->directory, "%s/wakecert-festival-XXXXXX",
             temporary && *temporary ? temporary : "/tmp");
    if (!mkdtemp(run->directory))
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_IO, "cannot make a folder like %s: %s",
                                  run->directory, strerror(errno));
    snprintf(run->script, sizeof run->script, "%s/say.scm", run->directory);
    snprintf(run->wave, sizeof run->wave, "%s/say.wav", run->directory);
    snprintf(run->segments, sizeof run->segments, "%s/segments.txt", run->directory);
    char *script = festival_script(index, rate_wpm, pitch, text, run->wave, run->segments);
    if (!script) {
        festival_run_remove(run);
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
    }
    /* A plain write: the script lives only as long as this run (no need for an atomic, fsynced one). */
    FILE *stream = fopen(run->script, "w");
    int written = stream && fputs(script, stream) >= 0;
    if (stream && fclose(stream) != 0)
        written = 0;
    free(script);
    if (!written) {
        festival_run_remove(run);
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_IO, "cannot write %s: %s", run->script,
                                  strerror(errno));
    }
    return 0;
}

/* Little-endian reads from a byte buffer. */
static uint32_t read_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint16_t read_u16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

/* Decode a mono 16-bit PCM RIFF wave (as festival writes it) into malloc'd int16 samples. Returns 0 or
 * WAKECERT_ERROR_FORMAT (naming voice and text) / NO_MEMORY. */
static int decode_riff(const unsigned char *data, size_t size, const char *voice, const char *text, short **out,
                       int64_t *out_count, int *out_rate, char *message, size_t message_size)
{
    int rate = 0, channels = 0, bits = 0, format = 0;
    if (size < 12 || memcmp(data, "RIFF", 4) != 0 || memcmp(data + 8, "WAVE", 4) != 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                  "festival wrote no RIFF wave for \"%.60s\" in voice %s", text, voice);
    for (size_t at = 12; at + 8 <= size;) {
        uint32_t chunk_size = read_u32(data + at + 4);
        const unsigned char *body = data + at + 8;
        size_t available = size - at - 8 < chunk_size ? size - at - 8 : chunk_size;
        if (memcmp(data + at, "fmt ", 4) == 0 && available >= 16) {
            format = read_u16(body);
            channels = read_u16(body + 2);
            rate = (int)read_u32(body + 4);
            bits = read_u16(body + 14);
        } else if (memcmp(data + at, "data", 4) == 0) {
            if (format != 1 || channels != 1 || bits != 16 || rate <= 0 || available < 2)
                break;
            int64_t count = (int64_t)(available / 2);
            *out = malloc((size_t)count * sizeof **out);
            if (!*out)
                return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
            for (int64_t i = 0; i < count; i++)
                (*out)[i] = (short)(int16_t)read_u16(body + 2 * i);
            *out_count = count;
            *out_rate = rate;
            return 0;
        }
        at += 8 + (size_t)chunk_size + (chunk_size & 1);
    }
    return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                              "festival's wave for \"%.60s\" in voice %s is not mono 16-bit PCM", text, voice);
}

/* Whether a segment name is a pause: "pau" in the English and Catalan phone sets, "#" (and "_", a
 * short pause between words) in the Italian, Finnish and Czech ones. */
static int is_pause(const char *name)
{
    return strcmp(name, "pau") == 0 || strcmp(name, "#") == 0 || strcmp(name, "_") == 0;
}

/* The span of the phones in a segments file ("NAME END_SECONDS" lines): from the end of the leading
 * pauses to the end of the last segment that is not a pause, in samples at `rate`; [0, count) when
 * there are no such pauses. Cannot fail (an unreadable line ends the list). */
static void phone_span(char *segments, int rate, int64_t count, int64_t *begin, int64_t *end)
{
    *begin = 0;
    *end = count;
    double leading_end = 0, last_phone_end = 0;
    int leading = 1, phones = 0, trailing_pause = 0;
    for (char *line = strtok(segments, "\n"); line; line = strtok(NULL, "\n")) {
        char name[32];
        double seconds;
        if (sscanf(line, "%31s %lf", name, &seconds) != 2)
            break;
        if (is_pause(name)) {
            if (leading)
                leading_end = seconds;
            trailing_pause = 1;
        } else {
            leading = 0;
            phones++;
            last_phone_end = seconds;
            trailing_pause = 0;
        }
    }
    if (phones == 0)
        return;
    *begin = (int64_t)(leading_end * rate);
    if (trailing_pause)
        *end = (int64_t)(last_phone_end * rate);
}

int wakecert_festival_synthesize(const char *voice, int rate_wpm, int pitch, const char *text, float **out,
                                 int64_t *out_count, int *out_rate, char *message, size_t message_size)
{
    *out = NULL;
    *out_count = 0;
    *out_rate = 0;
    int index = festival_voice_index(voice);
    if (index < 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                  "festival has no voice \"%s\" known to wakecert (" FESTIVAL_VOICE_LIST ")", voice);
    struct festival_run run;
    int status = festival_prepare(&run, index, rate_wpm, pitch, text, message, message_size);
    if (status != 0)
        return status;
    status = festival_execute(&run, voice, text, message, message_size);
    char *wave = NULL, *segments = NULL;
    size_t wave_size = 0, segments_size = 0;
    char inner[256];
    if (status == 0 && (wakecert_read_file(run.wave, &wave, &wave_size, inner, sizeof inner) != 0 ||
                        wakecert_read_file(run.segments, &segments, &segments_size, inner, sizeof inner) != 0))
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_ENGINE,
                                    "festival wrote no wave or segments for \"%.60s\" in voice %s", text, voice);
    festival_run_remove(&run);
    short *pcm = NULL;
    int64_t count = 0;
    if (status == 0)
        status = decode_riff((const unsigned char *)wave, wave_size, voice, text, &pcm, &count, out_rate, message,
                             message_size);
    free(wave);
    if (status == 0) {
        /* festival's pauses hold breath-like noise ~45 dB under the speech (kal_diphone), which the energy
         * trim would keep inside the label: cut at festival's own segment times, as for flite. */
        int64_t begin = 0, end = count;
        phone_span(segments, *out_rate, count, &begin, &end);
        wakecert_keep_phones_pcm16(pcm, count, *out_rate, begin, end, &begin, &end);
        *out = malloc((size_t)(end - begin) * sizeof **out);
        if (!*out)
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
        else {
            for (int64_t i = begin; i < end; i++)
                (*out)[i - begin] = (float)(pcm[i] / 32768.0);
            *out_count = end - begin;
        }
    }
    free(pcm);
    free(segments);
    if (status != 0)
        *out_rate = 0;
    return status;
}

int wakecert_festival_segments(const char *voice, const char *text, char *out, size_t out_size, char *message,
                               size_t message_size)
{
    out[0] = '\0';
    int index = festival_voice_index(voice);
    if (index < 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                  "festival has no voice \"%s\" known to wakecert (" FESTIVAL_VOICE_LIST ")", voice);
    struct festival_run run;
    int status = festival_prepare(&run, index, 165, 50, text, message, message_size);
    if (status != 0)
        return status;
    status = festival_execute(&run, voice, text, message, message_size);
    char *segments = NULL;
    size_t segments_size = 0;
    if (status == 0)
        status = wakecert_read_file(run.segments, &segments, &segments_size, message, message_size);
    festival_run_remove(&run);
    if (status != 0)
        return status;
    /* "pau 0.22\nax 0.26\n..." -> "ax l eh k s ax": names only, pauses dropped (is_pause). */
    size_t used = 0;
    for (char *line = strtok(segments, "\n"); line; line = strtok(NULL, "\n")) {
        char name[32];
        if (sscanf(line, "%31s", name) != 1 || is_pause(name))
            continue;
        int written = snprintf(out + used, out_size - used, "%s%s", used ? " " : "", name);
        if (written < 0 || (size_t)written >= out_size - used) {
            free(segments);
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_USAGE, "segment list too long");
        }
        used += (size_t)written;
    }
    free(segments);
    return 0;
}

const char *wakecert_festival_version(void)
{
    static char version[64] = "";
    if (version[0])
        return version;
    snprintf(version, sizeof version, "not-installed");
    FILE *pipe_stream = popen("festival --version 2>/dev/null", "r");
    if (!pipe_stream)
        return version;
    char line[256] = "";
    if (fgets(line, sizeof line, pipe_stream)) {
        /* "festival: Festival Speech Synthesis System: 2.5.0:release December 2017" -> "2.5.0" */
        const char *field = strstr(line, "System: ");
        if (field) {
            field += strlen("System: ");
            size_t length = strcspn(field, ": \n");
            if (length > 0 && length < sizeof version)
                snprintf(version, sizeof version, "%.*s", (int)length, field);
        }
    }
    pclose(pipe_stream);
    return version;
}
