/*
 * SHA-256 digests as lowercase hex, over OpenSSL's libcrypto (a well-kept implementation; we only
 * wrap it). Used for corpus files, manifests, engines and uploaded audio in the trace.
 */
#ifndef WAKECERT_COMMON_SHA256_H
#define WAKECERT_COMMON_SHA256_H

#include <stddef.h>

#define WAKECERT_SHA256_HEX_SIZE 65 /* 64 hex digits + NUL */

/** Digest of a memory buffer into hex_out (65 bytes). Cannot fail. */
void wakecert_sha256_buffer(const void *data, size_t size, char hex_out[WAKECERT_SHA256_HEX_SIZE]);

/** Digest of a whole file. Returns 0, or WAKECERT_ERROR_IO with a message naming the file. */
int wakecert_sha256_file(const char *path, char hex_out[WAKECERT_SHA256_HEX_SIZE], char *message,
                         size_t message_size);

/** Incremental digest: begin, update any number of times, finish (which frees the state).
 *  begin returns NULL only when out of memory. */
struct wakecert_sha256;
struct wakecert_sha256 *wakecert_sha256_begin(void);
void wakecert_sha256_update(struct wakecert_sha256 *state, const void *data, size_t size);
void wakecert_sha256_finish(struct wakecert_sha256 *state, char hex_out[WAKECERT_SHA256_HEX_SIZE]);

#endif
