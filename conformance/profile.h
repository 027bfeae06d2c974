/*
 * Profiles: which requirements a certification checks, with what thresholds, and which must pass.
 * A profile is JSON (schema wakecert-profile/1) shipped in conformance/profiles/NAME.json:
 *   {"schema": "wakecert-profile/1", "name": "avs", "version": "1.0.0", "description": "...",
 *    "requirements": [{"id": "upload.preroll_bounds", "mustpass": true, ...thresholds...}, ...]}
 * The thresholds each id takes are listed in conformance/REQUIREMENTS.md.
 */
#ifndef WAKECERT_CONFORMANCE_PROFILE_H
#define WAKECERT_CONFORMANCE_PROFILE_H

#include <cjson/cJSON.h>
#include <stddef.h>

#define WAKECERT_PROFILE_SCHEMA "wakecert-profile/1"

struct profile {
    char name[64];
    char version[32];
    char sha256[65];
    char path[1024];
    cJSON *tree;               /* the whole document */
    const cJSON *requirements; /* the array inside tree */
};

/** Load a profile by name (conformance/profiles/NAME.json under the data directory) or by path.
 *  Validates the schema, that every entry has an id, and that ids are not repeated. Returns 0 or
 *  WAKECERT_ERROR_IO / FORMAT / USAGE with a message naming the file and entry. */
int profile_load(const char *name_or_path, struct profile *profile, char *message, size_t message_size);

void profile_free(struct profile *profile);

#endif
