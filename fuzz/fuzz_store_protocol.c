/*
 * Fuzz target: the retention store's JSON-lines protocol, server side (retention/store_adapter.c,
 * store_serve — what `wakecert retention serve` runs on its stdin). The input is the request stream.
 * Requests go to the SQLite reference store, wrapped so that its "directory" is always this process's
 * scratch folder (the fuzzer must not create stores wherever a request points) and emptied before
 * each input, so every input starts from a fresh store. Contract checked: every request line gets
 * exactly one reply line, each a JSON object with a boolean "ok".
 */
#define _GNU_SOURCE
#include "fuzz_support.h"

#include "store_adapter.h"
#include "store_ref.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct wakecert_store_table wrapped;
static char store_directory[1024];

/* The reference store's open, with "directory" forced to the scratch store folder and the fast
 * synchronous mode (durability is not under test here). Same contract as the table's open. */
static int open_in_scratch(const struct wakecert_store_host *host, const char *config_json, wakecert_store **out_store,
                           char *message, size_t message_size)
{
    cJSON *config = cJSON_Parse(config_json ? config_json : "");
    if (!cJSON_IsObject(config)) {
        cJSON_Delete(config);
        config = cJSON_CreateObject();
    }
    cJSON_DeleteItemFromObjectCaseSensitive(config, "directory");
    cJSON_AddStringToObject(config, "directory", store_directory);
    cJSON_DeleteItemFromObjectCaseSensitive(config, "synchronous");
    cJSON_AddStringToObject(config, "synchronous", "normal");
    char *text = cJSON_PrintUnformatted(config);
    cJSON_Delete(config);
    int status = wakecert_store_reference_table()->open(host, text, out_store, message, message_size);
    free(text);
    return status;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!store_directory[0]) {
        wrapped = *wakecert_store_reference_table();
        wrapped.open = open_in_scratch;
        snprintf(store_directory, sizeof store_directory, "%s", fuzz_directory("store"));
    }
    fuzz_empty_directory(store_directory); /* a fresh store for every input */
    FILE *in = fmemopen(size ? (void *)data : (void *)"", size, "r");
    char *replies = NULL;
    size_t replies_size = 0;
    FILE *out = open_memstream(&replies, &replies_size);
    FUZZ_ASSERT(in && out);
    store_serve(&wrapped, NULL, in, out);
    fclose(in);
    fclose(out);
    /* Each reply is one line holding a JSON object with a boolean "ok". */
    for (char *line = replies; line && *line;) {
        char *end = strchr(line, '\n');
        FUZZ_ASSERT(end != NULL);
        *end = '\0';
        cJSON *reply = cJSON_Parse(line);
        FUZZ_ASSERT(cJSON_IsObject(reply) && cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(reply, "ok")));
        cJSON_Delete(reply);
        line = end + 1;
    }
    free(replies);
    return 0;
}
