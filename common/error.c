/*
 * Error codes and messages shared by every part of the harness (see error.h).
 */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

const char *wakecert_strerror(int code)
{
    switch (code) {
    case WAKECERT_OK: return "success";
    case WAKECERT_ERROR_USAGE: return "bad usage";
    case WAKECERT_ERROR_IO: return "input/output error";
    case WAKECERT_ERROR_FORMAT: return "malformed input";
    case WAKECERT_ERROR_UNSUPPORTED: return "unsupported input";
    case WAKECERT_ERROR_ENGINE_LOAD: return "engine could not be loaded";
    case WAKECERT_ERROR_ENGINE: return "engine call failed";
    case WAKECERT_ERROR_NO_MEMORY: return "out of memory";
    case WAKECERT_ERROR_INTERNAL: return "internal error";
    case WAKECERT_ERROR_INTERRUPTED: return "interrupted";
    default: return "unknown error";
    }
}

int wakecert_exit_code_for(int code)
{
    switch (code) {
    case WAKECERT_OK: return 0;
    case WAKECERT_ERROR_INTERRUPTED: return 130;
    case WAKECERT_ERROR_NO_MEMORY:
    case WAKECERT_ERROR_INTERNAL: return 3;
    default: return 2;
    }
}

int wakecert_set_error(char *message, size_t message_size, int code, const char *format, ...)
{
    if (message && message_size > 0) {
        va_list args;
        va_start(args, format);
        vsnprintf(message, message_size, format, args);
        va_end(args);
    }
    return code;
}
