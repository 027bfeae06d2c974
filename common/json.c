/*
 * JSON helpers (see json.h).
 */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include "json.h"

#include "error.h"
#include "files.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int wakecert_json_parse(const char *text, const char *source, cJSON **out, char *message, size_t message_size)
{
    const char *error_position = NULL;
    *out = cJSON_ParseWithOpts(text, &error_position, 1);
    if (*out)
        return 0;
    int line = 1, column = 1;
    if (error_position) {
        for (const char *cursor = text; cursor < error_position && *cursor; cursor++) {
            if (*cursor == '\n')
                line++, column = 1;
            else
                column++;
        }
    }
    return wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s:%d:%d: JSON syntax error", source,
                              line, column);
}

int wakecert_json_load_file(const char *path, cJSON **out, char *message, size_t message_size)
{
    char *text = NULL;
    *out = NULL;
    int status = wakecert_read_file(path, &text, NULL, message, message_size);
    if (status)
        return status;
    status = wakecert_json_parse(text, path, out, message, message_size);
    free(text);
    return status;
}

char *wakecert_json_read_argument(const char *argument, const char *option, char *message, size_t message_size)
{
    char *text = NULL;
    if (argument[0] == '@') {
        if (wakecert_read_file(argument + 1, &text, NULL, message, message_size) != 0)
            return NULL;
    } else if (!(text = strdup(argument))) {
        wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "%s: out of memory", option);
        return NULL;
    }
    cJSON *parsed = NULL;
    if (wakecert_json_parse(text, argument[0] == '@' ? argument + 1 : option, &parsed, message, message_size) != 0) {
        free(text);
        return NULL;
    }
    cJSON_Delete(parsed);
    return text;
}

int wakecert_json_write_file(const char *path, const cJSON *tree, char *message, size_t message_size)
{
    char *text = cJSON_Print(tree);
    if (!text)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "%s: out of memory", path);
    size_t length = strlen(text);
    char *with_newline = malloc(length + 2);
    if (!with_newline) {
        cJSON_free(text);
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "%s: out of memory", path);
    }
    memcpy(with_newline, text, length);
    with_newline[length] = '\n';
    cJSON_free(text);
    int status = wakecert_write_file_atomic(path, with_newline, length + 1, message, message_size);
    free(with_newline);
    return status;
}

const char *wakecert_json_string(const cJSON *object, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, name);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

double wakecert_json_number(const cJSON *object, const char *name, double fallback)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, name);
    return cJSON_IsNumber(item) ? item->valuedouble : fallback;
}

long long wakecert_json_int64(const cJSON *object, const char *name, long long fallback)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, name);
    if (!cJSON_IsNumber(item))
        return fallback;
    const double limit = 9007199254740992.0; /* 2^53: see the header for why this bound */
    double value = item->valuedouble;
    if (value != value)
        return fallback;
    if (value >= limit)
        return (long long)limit;
    if (value <= -limit)
        return -(long long)limit;
    return (long long)value;
}
