/*
 * SHA-256 over libcrypto's EVP interface (see sha256.h).
 */
#include "sha256.h"

#include "error.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

static void to_hex(const unsigned char *digest, unsigned length, char *hex_out)
{
    static const char digits[] = "0123456789abcdef";
    for (unsigned i = 0; i < length; i++) {
        hex_out[2 * i] = digits[digest[i] >> 4];
        hex_out[2 * i + 1] = digits[digest[i] & 15];
    }
    hex_out[2 * length] = '\0';
}

void wakecert_sha256_buffer(const void *data, size_t size, char hex_out[WAKECERT_SHA256_HEX_SIZE])
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned length = 0;
    EVP_Digest(data, size, digest, &length, EVP_sha256(), NULL);
    to_hex(digest, length, hex_out);
}

int wakecert_sha256_file(const char *path, char hex_out[WAKECERT_SHA256_HEX_SIZE], char *message,
                         size_t message_size)
{
    FILE *file = fopen(path, "rb");
    if (!file)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_IO, "%s: cannot open: %s", path,
                                  strerror(errno));
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    EVP_DigestInit_ex(context, EVP_sha256(), NULL);
    unsigned char buffer[1 << 16];
    size_t got;
    while ((got = fread(buffer, 1, sizeof buffer, file)) > 0)
        EVP_DigestUpdate(context, buffer, got);
    int failed = ferror(file);
    fclose(file);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned length = 0;
    EVP_DigestFinal_ex(context, digest, &length);
    EVP_MD_CTX_free(context);
    if (failed)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_IO, "%s: read error", path);
    to_hex(digest, length, hex_out);
    return 0;
}

struct wakecert_sha256 *wakecert_sha256_begin(void)
{
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    if (context)
        EVP_DigestInit_ex(context, EVP_sha256(), NULL);
    return (struct wakecert_sha256 *)context;
}

void wakecert_sha256_update(struct wakecert_sha256 *state, const void *data, size_t size)
{
    EVP_DigestUpdate((EVP_MD_CTX *)state, data, size);
}

void wakecert_sha256_finish(struct wakecert_sha256 *state, char hex_out[WAKECERT_SHA256_HEX_SIZE])
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned length = 0;
    EVP_DigestFinal_ex((EVP_MD_CTX *)state, digest, &length);
    EVP_MD_CTX_free((EVP_MD_CTX *)state);
    to_hex(digest, length, hex_out);
}
