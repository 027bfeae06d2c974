/*
 * wakecert's own error codes (the harness side; the engine ABI has its own in engine.h).
 * Every fallible function returns 0 or one of these negative codes and, where it takes a message
 * buffer, writes a sentence naming the file, line or sample at fault. Codes map onto the command
 * exit codes: usage and input errors exit 2, internal errors exit 3.
 */
#ifndef WAKECERT_COMMON_ERROR_H
#define WAKECERT_COMMON_ERROR_H

#include <stddef.h>

enum wakecert_error {
    WAKECERT_OK = 0,
    WAKECERT_ERROR_USAGE = -1,        /* bad command-line usage */
    WAKECERT_ERROR_IO = -2,           /* a file could not be read or written */
    WAKECERT_ERROR_FORMAT = -3,       /* an input file is malformed (names file and line) */
    WAKECERT_ERROR_UNSUPPORTED = -4,  /* a valid input wakecert does not handle (e.g. a schema version) */
    WAKECERT_ERROR_ENGINE_LOAD = -5,  /* a plugin could not be loaded or has the wrong ABI */
    WAKECERT_ERROR_ENGINE = -6,       /* an engine call failed */
    WAKECERT_ERROR_NO_MEMORY = -7,
    WAKECERT_ERROR_INTERNAL = -8,     /* a bug in wakecert itself */
    WAKECERT_ERROR_INTERRUPTED = -9,  /* SIGINT/SIGTERM arrived */
};

/** A short English description of a wakecert_error code; never NULL. */
const char *wakecert_strerror(int code);

/** The process exit code for an error: 2 for usage/input errors, 3 for internal ones, 130 for interrupts. */
int wakecert_exit_code_for(int code);

/** printf into a caller's message buffer if it is non-NULL; returns `code` so callers can write
 *  `return wakecert_set_error(msg, size, WAKECERT_ERROR_IO, "...", ...)`. */
int wakecert_set_error(char *message, size_t message_size, int code, const char *format, ...)
    __attribute__((format(printf, 4, 5)));

#endif
