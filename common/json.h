/*
 * JSON helpers over cJSON: load a file with an error message naming the file, line and column, and
 * typed getters that report what was wrong with which field. Also the writer used for every JSON
 * output (printed with stable key order and number formatting, so results repeat byte for byte).
 */
#ifndef WAKECERT_COMMON_JSON_H
#define WAKECERT_COMMON_JSON_H

#include <cjson/cJSON.h>
#include <stddef.h>

/** Parse a JSON file. Returns 0 and a tree the caller frees with cJSON_Delete, or WAKECERT_ERROR_IO /
 *  WAKECERT_ERROR_FORMAT with a message such as "profile.json:12:5: JSON syntax error". */
int wakecert_json_load_file(const char *path, cJSON **out, char *message, size_t message_size);

/** Parse a JSON text; `source` names it in messages. Same contract as wakecert_json_load_file. */
int wakecert_json_parse(const char *text, const char *source, cJSON **out, char *message, size_t message_size);

/** A command-line option's JSON argument, given inline or as @FILE (then the file's content): a malloc'd
 *  copy of the text, checked to parse. NULL with a message naming the file (line and column) or, for
 *  inline text, `option` (WAKECERT_ERROR_IO / WAKECERT_ERROR_FORMAT cases of wakecert_json_parse). */
char *wakecert_json_read_argument(const char *argument, const char *option, char *message, size_t message_size);

/** Write a tree to path atomically, pretty-printed with a trailing newline. Returns 0 or WAKECERT_ERROR_IO. */
int wakecert_json_write_file(const char *path, const cJSON *tree, char *message, size_t message_size);

/** The string member `name` of object, or NULL if absent or not a string. */
const char *wakecert_json_string(const cJSON *object, const char *name);

/** The number member `name` of object, or `fallback` if absent or not a number. */
double wakecert_json_number(const cJSON *object, const char *name, double fallback);

/** The number member `name` of object as an integer: truncated toward zero and clamped to
 *  [-2^53, 2^53], or `fallback` if absent or not a number. For fields read from files a user or an
 *  engine wrote, where a plain (int64_t) cast of 1e300 would be undefined behaviour. The bound is the
 *  largest range a double holds exactly (2^53 samples is 17,000 years at 16 kHz) and leaves room for
 *  callers to add or subtract hundreds of such values, and the sentinels INT64_MIN/2 and INT64_MAX/2,
 *  without overflow. Cannot fail. */
long long wakecert_json_int64(const cJSON *object, const char *name, long long fallback);

#endif
