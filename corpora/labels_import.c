/*
 * Importing a folder of the user's own recordings described by labels.csv.
 *
 * The format is deliberately small so it can be written by hand or by a spreadsheet:
 *
 *     file,kind,start_s,end_s,word,condition
 *     kitchen_01.wav,wake,1.250,1.810,alexa,clean
 *     kitchen_01.wav,confusable,4.020,4.400,alex,clean
 *     tv_news.flac,negative,,,,tv
 *
 * One row per label; a file's kind is "wake" if any of its rows is a wake row, else the kind its rows
 * share. Times are seconds, converted to 16 kHz sample indices by rounding. No quoting: fields hold
 * no commas. Every mistake is reported with the line it is on ("labels.csv:7: ..."), and the first
 * one stops the import — a benchmark over half-understood labels is worse than none.
 *
 * Checks: the exact header; six columns; a UTF-8 file name; a known kind; numeric, non-negative,
 * ordered times under 10^8 s; times on every wake, confusable and media-with-word row; the audio file
 * exists and is readable with at least one sample; no label past the end of its file; no two
 * overlapping wake labels in one file; no duplicated row; one condition per file; no mixing of
 * non-wake kinds in one file.
 *
 * Identity: an imported corpus has no manifest, so its manifest_sha256 is the sha256 of the labels.csv
 * bytes followed by "\n<path> <sha256>" for each audio file in order: any change to labels or audio
 * changes it, exactly as a manifest's hash would.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus_internal.h"
#include "error.h"
#include "files.h"
#include "sha256.h"

#define LABELS_HEADER "file,kind,start_s,end_s,word,condition"

/* One parsed row, kept for the duplicate and overlap checks. */
struct label_row {
    int line;
    size_t file_index;
    char kind[16];
    int64_t start; /* -1 when the row has no times */
    int64_t end;
    char word[32];
};

/* Parse a time field. Returns 1 with *seconds set, 0 if empty, -1 if not a number. */
static int parse_seconds(const char *field, double *seconds)
{
    if (!*field)
        return 0;
    char *end = NULL;
    double value = strtod(field, &end);
    if (end == field || *end != '\0' || !isfinite(value))
        return -1;
    *seconds = value;
    return 1;
}

/* Split line in place into at most `max` comma-separated fields; returns the count found. */
static int split_fields(char *line, char **fields, int max)
{
    int count = 0;
    char *cursor = line;
    for (;;) {
        if (count < max)
            fields[count] = cursor;
        count++;
        char *comma = strchr(cursor, ',');
        if (!comma)
            break;
        *comma = '\0';
        cursor = comma + 1;
    }
    return count;
}

/* Trim spaces at both ends of a field, in place. */
static char *trim(char *field)
{
    while (*field == ' ' || *field == '\t')
        field++;
    size_t length = strlen(field);
    while (length && (field[length - 1] == ' ' || field[length - 1] == '\t'))
        field[--length] = '\0';
    return field;
}

/* Append an event to a file. Returns 0 or WAKECERT_ERROR_NO_MEMORY. */
static int add_event(struct wakecert_corpus_file *file, int type, int64_t start, int64_t end, const char *word)
{
    struct wakecert_corpus_event *events = realloc(file->events, (file->event_count + 1) * sizeof *events);
    if (!events)
        return WAKECERT_ERROR_NO_MEMORY;
    file->events = events;
    struct wakecert_corpus_event *event = &events[file->event_count++];
    memset(event, 0, sizeof *event);
    event->type = type;
    event->start = start;
    event->end = end;
    event->request_end = -1;
    snprintf(event->word, sizeof event->word, "%s", word);
    return 0;
}

/* qsort comparator: events by start, then type. */
static int compare_events(const void *a, const void *b)
{
    const struct wakecert_corpus_event *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return x->type - y->type;
}

/* Find or add the corpus file for `path`; returns its index or a negative code. Probes the audio. */
static int64_t file_for_path(struct wakecert_corpus *corpus, const char *directory, const char *path,
                             const char *labels_name, int line, char *message, size_t message_size)
{
    for (size_t i = 0; i < corpus->file_count; i++)
        if (strcmp(corpus->files[i].path, path) == 0)
            return (int64_t)i;
    if (path[0] == '/' || strstr(path, ".."))
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                  "%s:%d: file \"%s\" must be a path relative to the corpus folder", labels_name, line,
                                  path);
    if (!wakecert_utf8_valid(path))
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                  "%s:%d: file name is not valid UTF-8 (outputs must be UTF-8; rename the file)",
                                  labels_name, line);
    char full[4096];
    if (wakecert_join_path(full, sizeof full, directory, path) != 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s:%d: path too long", labels_name,
                                  line);
    FILE *exists = fopen(full, "rb");
    if (!exists)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s:%d: audio file \"%s\" not found",
                                  labels_name, line, path);
    fclose(exists);
    struct wakecert_audio_probe probe;
    char inner[512] = "";
    int status = wakecert_audio_probe(full, &probe, inner, sizeof inner);
    if (status != 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s:%d: %s", labels_name, line, inner);
    struct wakecert_corpus_file *files = realloc(corpus->files, (corpus->file_count + 1) * sizeof *files);
    if (!files)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
    corpus->files = files;
    struct wakecert_corpus_file *file = &files[corpus->file_count++];
    memset(file, 0, sizeof *file);
    file->path = strdup(path);
    file->full_path = strdup(full);
    if (!file->path || !file->full_path)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
    file->samples = probe.samples;
    file->snr_db = NAN;
    snprintf(file->note, sizeof file->note, "%s", probe.note);
    status = wakecert_sha256_file(full, file->sha256, message, message_size);
    if (status != 0)
        return status;
    return (int64_t)(corpus->file_count - 1);
}

/* Parse the rows of labels.csv (`text`, split in place) into corpus files and events, and the
 * rows into *rows_out (caller frees, also on failure). Returns 0 or the first error with its line. */
static int import_rows(const char *directory, const char *labels_name, char *text, struct wakecert_corpus *corpus,
                       struct label_row **rows_out, size_t *row_count_out, char *message, size_t message_size)
{
    struct label_row *rows = NULL;
    size_t row_count = 0;
    int line_number = 0;
    int status = 0;
    char *cursor = text;
    while (*cursor) {
        char *line = cursor;
        char *newline = strchr(cursor, '\n');
        if (newline) {
            *newline = '\0';
            cursor = newline + 1;
        } else {
            cursor += strlen(cursor);
        }
        line_number++;
        size_t length = strlen(line);
        if (length && line[length - 1] == '\r')
            line[--length] = '\0';
        if (line_number == 1) {
            const char *header = line;
            if (strncmp(header, "\xEF\xBB\xBF", 3) == 0)
                header += 3; /* a spreadsheet's byte-order mark */
            if (strcmp(header, LABELS_HEADER) != 0) {
                status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                            "%s:1: header must be exactly \"%s\"", labels_name, LABELS_HEADER);
                break;
            }
            continue;
        }
        if (!*trim(line))
            continue; /* blank lines are allowed */
        char *fields[6];
        int count = split_fields(line, fields, 6);
        if (count != 6) {
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                        "%s:%d: expected 6 columns (%s), found %d", labels_name, line_number,
                                        LABELS_HEADER, count);
            break;
        }
        for (int i = 0; i < 6; i++)
            fields[i] = trim(fields[i]);
        const char *path = fields[0], *kind = fields[1], *word = fields[4], *condition = fields[5];
        if (!*path) {
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s:%d: empty file name",
                                        labels_name, line_number);
            break;
        }
        if (!wakecert_kind_is_known(kind)) {
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                        "%s:%d: unknown kind \"%s\" (expected wake, confusable, negative, music, "
                                        "ambient or media)",
                                        labels_name, line_number, kind);
            break;
        }
        if (strlen(word) >= sizeof rows[0].word || strlen(condition) >= sizeof corpus->files[0].condition) {
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s:%d: word or condition too long",
                                        labels_name, line_number);
            break;
        }
        double start_s = 0, end_s = 0;
        int has_start = parse_seconds(fields[2], &start_s);
        int has_end = parse_seconds(fields[3], &end_s);
        if (has_start < 0 || has_end < 0) {
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                        "%s:%d: %s \"%s\" is not a number of seconds", labels_name, line_number,
                                        has_start < 0 ? "start_s" : "end_s", has_start < 0 ? fields[2] : fields[3]);
            break;
        }
        if (has_start != has_end) {
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                        "%s:%d: give both start_s and end_s, or neither", labels_name, line_number);
            break;
        }
        int needs_times = strcmp(kind, "wake") == 0 || strcmp(kind, "confusable") == 0 ||
                          (strcmp(kind, "media") == 0 && *word);
        if (needs_times && !has_start) {
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                        "%s:%d: a %s row needs start_s and end_s", labels_name, line_number, kind);
            break;
        }
        if (has_start && (start_s > 1e8 || end_s > 1e8)) {
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                        "%s:%d: time %s s is past any recording (more than three years)", labels_name,
                                        line_number, start_s > 1e8 ? fields[2] : fields[3]);
            break;
        }
        if (has_start && (start_s < 0 || end_s < 0)) {
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s:%d: negative time",
                                        labels_name, line_number);
            break;
        }
        int64_t start = has_start ? (int64_t)llround(start_s * WAKECERT_CORPUS_RATE) : -1;
        int64_t end = has_start ? (int64_t)llround(end_s * WAKECERT_CORPUS_RATE) : -1;
        if (has_start && end <= start) {
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                        "%s:%d: end_s %s is not after start_s %s (reversed or empty label)",
                                        labels_name, line_number, fields[3], fields[2]);
            break;
        }
        int64_t file_index = file_for_path(corpus, directory, path, labels_name, line_number, message, message_size);
        if (file_index < 0) {
            status = (int)file_index;
            break;
        }
        struct wakecert_corpus_file *file = &corpus->files[file_index];
        if (has_start && end > file->samples) {
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                        "%s:%d: label ends at %s s, past the end of \"%s\" (%.3f s)", labels_name,
                                        line_number, fields[3], path, (double)file->samples / WAKECERT_CORPUS_RATE);
            break;
        }
        const char *file_condition = *condition ? condition : "clean";
        if (!file->condition[0]) {
            snprintf(file->condition, sizeof file->condition, "%s", file_condition);
        } else if (strcmp(file->condition, file_condition) != 0) {
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                        "%s:%d: condition \"%s\" conflicts with \"%s\" given earlier for \"%s\"",
                                        labels_name, line_number, file_condition, file->condition, path);
            break;
        }
        for (size_t r = 0; r < row_count && status == 0; r++) {
            const struct label_row *other = &rows[r];
            if (other->file_index != (size_t)file_index)
                continue;
            if (strcmp(other->kind, kind) == 0 && other->start == start && other->end == end &&
                strcmp(other->word, word) == 0)
                status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                            "%s:%d: duplicate of line %d", labels_name, line_number, other->line);
            else if (strcmp(kind, "wake") == 0 && strcmp(other->kind, "wake") == 0 && start < other->end &&
                     other->start < end)
                status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                            "%s:%d: wake label [%s, %s] s overlaps the wake label on line %d",
                                            labels_name, line_number, fields[2], fields[3], other->line);
        }
        if (status != 0)
            break;
        struct label_row *grown = realloc(rows, (row_count + 1) * sizeof *rows);
        if (!grown) {
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
            break;
        }
        rows = grown;
        struct label_row *row = &rows[row_count++];
        row->line = line_number;
        row->file_index = (size_t)file_index;
        snprintf(row->kind, sizeof row->kind, "%s", kind);
        row->start = start;
        row->end = end;
        snprintf(row->word, sizeof row->word, "%s", word);

        int type = 0;
        if (strcmp(kind, "wake") == 0)
            type = WAKECERT_EVENT_WAKE;
        else if (strcmp(kind, "confusable") == 0)
            type = WAKECERT_EVENT_CONFUSABLE;
        else if (strcmp(kind, "media") == 0 && *word)
            type = WAKECERT_EVENT_MEDIA_WAKE;
        if (type && add_event(file, type, start, end, word) != 0) {
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
            break;
        }
    }
    if (status == 0 && line_number == 0)
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s:1: empty file (no header)",
                                    labels_name);
    *rows_out = rows;
    *row_count_out = row_count;
    return status;
}

int wakecert_corpus_import_labels(const char *directory, struct wakecert_corpus *corpus, char *message,
                                  size_t message_size)
{
    char labels_path[4096];
    if (wakecert_join_path(labels_path, sizeof labels_path, directory, "labels.csv") != 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_USAGE, "%s: path too long", directory);
    char *text = NULL;
    size_t size = 0;
    int status = wakecert_read_file(labels_path, &text, &size, message, message_size);
    if (status != 0)
        return status;
    if (memchr(text, '\0', size)) {
        free(text);
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: not a text file", labels_path);
    }

    char *scratch = malloc(size + 1); /* import_rows splits its text in place; `text` stays pristine */
    if (!scratch) {
        free(text);
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
    }
    memcpy(scratch, text, size + 1);
    struct label_row *rows = NULL;
    size_t row_count = 0;
    status = import_rows(directory, labels_path, scratch, corpus, &rows, &row_count, message, message_size);
    free(scratch);

    /* Each file's kind: wake if any wake row, else the one kind its rows share. */
    for (size_t i = 0; status == 0 && i < corpus->file_count; i++) {
        struct wakecert_corpus_file *file = &corpus->files[i];
        const struct label_row *first = NULL;
        int has_wake = 0;
        for (size_t r = 0; r < row_count; r++) {
            if (rows[r].file_index != i)
                continue;
            if (strcmp(rows[r].kind, "wake") == 0)
                has_wake = 1;
            if (!first)
                first = &rows[r];
        }
        for (size_t r = 0; !has_wake && r < row_count; r++)
            if (rows[r].file_index == i && strcmp(rows[r].kind, first->kind) != 0)
                status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                            "%s:%d: \"%s\" is labelled %s here but %s on line %d (only wake rows may "
                                            "be mixed with other kinds)",
                                            labels_path, rows[r].line, file->path, rows[r].kind, first->kind,
                                            first->line);
        snprintf(file->kind, sizeof file->kind, "%s", has_wake ? "wake" : first->kind);
        if (file->event_count > 1)
            qsort(file->events, file->event_count, sizeof *file->events, compare_events);
    }
    free(rows);
    if (status == 0 && corpus->file_count == 0)
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: no rows after the header",
                                    labels_path);

    if (status == 0) {
        /* Identity: labels bytes, then each file's path and digest. */
        size_t identity_size = size + corpus->file_count * (64 + 4096);
        char *identity = malloc(identity_size);
        if (!identity) {
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "out of memory");
        } else {
            memcpy(identity, text, size);
            size_t used = size;
            for (size_t i = 0; i < corpus->file_count; i++)
                used += (size_t)snprintf(identity + used, identity_size - used, "\n%s %s", corpus->files[i].path,
                                         corpus->files[i].sha256);
            wakecert_sha256_buffer(identity, used, corpus->manifest_sha256);
            free(identity);
        }
        char copy[4096];
        snprintf(copy, sizeof copy, "%s", directory);
        size_t length = strlen(copy);
        while (length > 1 && copy[length - 1] == '/')
            copy[--length] = '\0';
        const char *base = strrchr(copy, '/');
        snprintf(corpus->name, sizeof corpus->name, "%.63s", base ? base + 1 : copy);
    }
    free(text);
    return status;
}
