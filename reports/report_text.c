/*
 * The growable text buffer (see report_text.h). vsnprintf is called twice only when the first try
 * did not fit, so building a report costs about one pass over its bytes.
 */
#define _POSIX_C_SOURCE 200809L
#include "report_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool reserve(struct report_text *text, size_t extra)
{
    if (text->failed)
        return false;
    if (text->length + extra + 1 <= text->capacity)
        return true;
    size_t capacity = text->capacity ? text->capacity : 4096;
    while (capacity < text->length + extra + 1)
        capacity *= 2;
    char *grown = realloc(text->data, capacity);
    if (!grown) {
        text->failed = true;
        return false;
    }
    text->data = grown;
    text->capacity = capacity;
    return true;
}

void report_text_printf(struct report_text *text, const char *format, ...)
{
    if (!reserve(text, 256))
        return;
    va_list arguments;
    va_start(arguments, format);
    int needed = vsnprintf(text->data + text->length, text->capacity - text->length, format, arguments);
    va_end(arguments);
    if (needed < 0) {
        text->data[text->length] = '\0';
        return;
    }
    if ((size_t)needed >= text->capacity - text->length) {
        if (!reserve(text, (size_t)needed)) {
            text->data[text->length] = '\0';
            return;
        }
        va_start(arguments, format);
        vsnprintf(text->data + text->length, text->capacity - text->length, format, arguments);
        va_end(arguments);
    }
    text->length += (size_t)needed;
}

void report_text_append(struct report_text *text, const char *bytes, size_t length)
{
    if (!reserve(text, length))
        return;
    memcpy(text->data + text->length, bytes, length);
    text->length += length;
    text->data[text->length] = '\0';
}

void report_text_escape_html(struct report_text *text, const char *raw)
{
    if (!raw)
        return;
    for (const char *p = raw; *p; p++) {
        switch (*p) {
        case '&': report_text_append(text, "&amp;", 5); break;
        case '<': report_text_append(text, "&lt;", 4); break;
        case '>': report_text_append(text, "&gt;", 4); break;
        case '"': report_text_append(text, "&quot;", 6); break;
        case '\'': report_text_append(text, "&#39;", 5); break;
        default:
            if ((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t')
                report_text_append(text, " ", 1);
            else
                report_text_append(text, p, 1);
        }
    }
}

void report_text_escape_gnuplot(struct report_text *text, const char *raw)
{
    if (!raw)
        return;
    for (const char *p = raw; *p; p++) {
        if (*p == '\\' || *p == '"') {
            report_text_append(text, "\\", 1);
            report_text_append(text, p, 1);
        } else if ((unsigned char)*p < 0x20)
            report_text_append(text, " ", 1);
        else
            report_text_append(text, p, 1);
    }
}

const char *report_text_string(const struct report_text *text)
{
    return text->data ? text->data : "";
}

void report_text_free(struct report_text *text)
{
    if (!text)
        return;
    free(text->data);
    memset(text, 0, sizeof *text);
}
