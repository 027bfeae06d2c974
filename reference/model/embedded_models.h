/*
 * The weights files shipped in reference/models/ (NAME.wcm, NAME the keyword), compiled into the
 * plugin as byte arrays by embed_models.cmake so the engine finds its model without a file path.
 * They are parsed and checked by wakecert_model_parse exactly like a file given by "model_path".
 */
#ifndef WAKECERT_REFERENCE_EMBEDDED_MODELS_H
#define WAKECERT_REFERENCE_EMBEDDED_MODELS_H

#include <stddef.h>

struct wakecert_embedded_model {
    const char *keyword;
    const unsigned char *bytes;
    size_t size;
};

extern const struct wakecert_embedded_model wakecert_embedded_models[];
extern const int wakecert_embedded_model_count;

#endif
