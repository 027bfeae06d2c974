/*
 * Profile loading (see profile.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "profile.h"

#include "error.h"
#include "files.h"
#include "json.h"
#include "sha256.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int profile_load(const char *name_or_path, struct profile *profile, char *message, size_t message_size)
{
    memset(profile, 0, sizeof *profile);
    if (strchr(name_or_path, '/') || strstr(name_or_path, ".json"))
        snprintf(profile->path, sizeof profile->path, "%s", name_or_path);
    else
        snprintf(profile->path, sizeof profile->path, "%s/conformance/profiles/%s.json", wakecert_data_directory(),
                 name_or_path);
    if (access(profile->path, R_OK) != 0 && !strchr(name_or_path, '/'))
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_USAGE,
                                  "no profile named \"%s\" (looked for %s); shipped: avs, privacy-strict, local-only, smoke",
                                  name_or_path, profile->path);
    int status = wakecert_json_load_file(profile->path, &profile->tree, message, message_size);
    if (status)
        return status;
    wakecert_sha256_file(profile->path, profile->sha256, NULL, 0);
    const char *schema = wakecert_json_string(profile->tree, "schema");
    const char *name = wakecert_json_string(profile->tree, "name");
    const char *version = wakecert_json_string(profile->tree, "version");
    const cJSON *requirements = cJSON_GetObjectItemCaseSensitive(profile->tree, "requirements");
    if (!schema || strcmp(schema, WAKECERT_PROFILE_SCHEMA) != 0)
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                    "%s: schema is \"%s\", expected \"%s\"", profile->path, schema ? schema : "(none)",
                                    WAKECERT_PROFILE_SCHEMA);
    else if (!name || !version)
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: \"name\" and \"version\" are required",
                                    profile->path);
    else if (!cJSON_IsArray(requirements) || cJSON_GetArraySize(requirements) == 0)
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                    "%s: \"requirements\" must be a non-empty array", profile->path);
    for (int i = 0; status == 0 && i < cJSON_GetArraySize(requirements); i++) {
        const cJSON *entry = cJSON_GetArrayItem(requirements, i);
        const char *id = wakecert_json_string(entry, "id");
        if (!id)
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT, "%s: requirements[%d] has no \"id\"",
                                        profile->path, i);
        for (int j = 0; status == 0 && j < i; j++)
            if (strcmp(id, wakecert_json_string(cJSON_GetArrayItem(requirements, j), "id")) == 0)
                status = wakecert_set_error(message, message_size, WAKECERT_ERROR_FORMAT,
                                            "%s: requirements[%d]: \"%s\" is listed twice", profile->path, i, id);
    }
    if (status) {
        profile_free(profile);
        return status;
    }
    snprintf(profile->name, sizeof profile->name, "%s", name);
    snprintf(profile->version, sizeof profile->version, "%s", version);
    profile->requirements = requirements;
    return 0;
}

void profile_free(struct profile *profile)
{
    cJSON_Delete(profile->tree);
    profile->tree = NULL;
    profile->requirements = NULL;
}
