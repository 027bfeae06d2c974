/*
 * A growable text buffer for building gnuplot scripts and HTML in memory, with the escaping both
 * need. Reports are small (a few hundred KB of inline SVG at most), so one contiguous buffer that
 * doubles is simplest; an allocation failure is remembered in the buffer (`failed`) and reported once
 * by whoever finishes it, so that building code is not cluttered with a check after every append.
 */
#ifndef WAKECERT_REPORTS_REPORT_TEXT_H
#define WAKECERT_REPORTS_REPORT_TEXT_H

#include <stdbool.h>
#include <stddef.h>

struct report_text {
    char *data;      /* NUL-terminated (or NULL while empty) */
    size_t length;
    size_t capacity;
    bool failed;     /* an allocation failed; the content is incomplete */
};

/** Append formatted text. Cannot fail visibly: on no memory sets text->failed and appends nothing. */
void report_text_printf(struct report_text *text, const char *format, ...) __attribute__((format(printf, 2, 3)));

/** Append `length` bytes verbatim (same failure contract as report_text_printf). */
void report_text_append(struct report_text *text, const char *bytes, size_t length);

/** Append text with & < > " ' replaced by entities and control characters by spaces (HTML/XML). */
void report_text_escape_html(struct report_text *text, const char *raw);

/** Append text as the inside of a gnuplot double-quoted string (\\ and \" escaped, newlines dropped). */
void report_text_escape_gnuplot(struct report_text *text, const char *raw);

/** The content so far ("" when empty); valid until the next append. */
const char *report_text_string(const struct report_text *text);

/** Free the buffer and reset it to empty. NULL-safe. */
void report_text_free(struct report_text *text);

#endif
