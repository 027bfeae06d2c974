/*
 * Store adapters (see store_adapter.h): the plugin loader, the exec: JSON-lines client and the
 * JSON-lines server.
 *
 * The protocol (README.md, "The exec: protocol") is one JSON object per line each way, strictly
 * request then reply, so a client needs no framing beyond newlines and a store in any language needs
 * only a JSON library and a loop. Audio bytes travel as hex ("audio_hex"): twice the size of base64 but
 * trivial to get right in every language, and test audio is small. Skill deliveries that happen inside
 * record_request come back in that request's reply ("skill_deliveries") and the client replays them to
 * the host callback, so the callback contract is the same for all three kinds of store.
 */
#define _POSIX_C_SOURCE 200809L
#include "store_adapter.h"

#include "error.h"
#include "json.h"
#include "sha256.h"
#include "store_ref.h"

#include <cjson/cJSON.h>
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *store_error_name(int code)
{
    switch (code) {
    case WAKECERT_STORE_OK: return "ok";
    case WAKECERT_STORE_ERROR_INVALID_ARGUMENT: return "invalid_argument";
    case WAKECERT_STORE_ERROR_BAD_CONFIG: return "bad_config";
    case WAKECERT_STORE_ERROR_OUT_OF_MEMORY: return "out_of_memory";
    case WAKECERT_STORE_ERROR_IO: return "io";
    case WAKECERT_STORE_ERROR_NOT_FOUND: return "not_found";
    case WAKECERT_STORE_ERROR_NOT_ALLOWED: return "not_allowed";
    case WAKECERT_STORE_ERROR_EXISTS: return "exists";
    case WAKECERT_STORE_ERROR_UNSUPPORTED: return "unsupported";
    case WAKECERT_STORE_ERROR_INTERNAL: return "internal";
    default: return "error";
    }
}

static int store_error_from_name(const char *name)
{
    for (int code = 0; code >= WAKECERT_STORE_ERROR_INTERNAL; code--)
        if (name && strcmp(store_error_name(code), name) == 0)
            return code;
    return WAKECERT_STORE_ERROR_INTERNAL;
}

const char *store_policy_name(int policy)
{
    static const char *const names[] = {"keep", "3_months", "18_months", "dont_save"};
    return policy >= 0 && policy <= 3 ? names[policy] : "unknown";
}

int retention_policy_from_name(const char *name); /* scenario.c */

static const char *scope_name(int scope)
{
    return scope == WAKECERT_VOICE_DELETE_LAST ? "last" : scope == WAKECERT_VOICE_DELETE_TODAY ? "today" : "everything";
}

static const char *kind_name(int kind)
{
    switch (kind) {
    case WAKECERT_ITEM_AUDIO: return "audio";
    case WAKECERT_ITEM_TRANSCRIPT: return "transcript";
    case WAKECERT_ITEM_VOICE_PROFILE: return "voice";
    case WAKECERT_ITEM_VISUAL_PROFILE: return "visual";
    case WAKECERT_ITEM_ACTION: return "action";
    default: return "unknown";
    }
}

static int kind_from_name(const char *name)
{
    for (int kind = WAKECERT_ITEM_AUDIO; kind <= WAKECERT_ITEM_ACTION; kind++)
        if (name && strcmp(kind_name(kind), name) == 0)
            return kind;
    return 0;
}

static char *hex_encode(const uint8_t *data, size_t size)
{
    static const char digits[] = "0123456789abcdef";
    char *text = malloc(2 * size + 1);
    if (!text)
        return NULL;
    for (size_t i = 0; i < size; i++) {
        text[2 * i] = digits[data[i] >> 4];
        text[2 * i + 1] = digits[data[i] & 15];
    }
    text[2 * size] = '\0';
    return text;
}

/* Decode hex into a malloc'd buffer; returns NULL (and *size 0) for NULL, "" or malformed text. */
static uint8_t *hex_decode(const char *text, size_t *size)
{
    *size = 0;
    size_t length = text ? strlen(text) : 0;
    if (length == 0 || length % 2)
        return NULL;
    uint8_t *data = malloc(length / 2);
    if (!data)
        return NULL;
    for (size_t i = 0; i < length / 2; i++) {
        unsigned value;
        if (sscanf(text + 2 * i, "%2x", &value) != 1) {
            free(data);
            return NULL;
        }
        data[i] = (uint8_t)value;
    }
    *size = length / 2;
    return data;
}

/* ---- exec: client ------------------------------------------------------------------------------ */

struct wakecert_store {
    pid_t pid;
    FILE *to_child, *from_child;
    int died;
    struct wakecert_store_host host;
    char name[128], version[64];
};

int store_exec_died(wakecert_store *store)
{
    return store ? store->died : 1;
}

/* Send `request` (consumed) and read one reply into *out_reply. Returns 0 (reply parsed and "ok"),
 * the store's error code from a {"ok":false} reply (reply still returned), or INTERNAL when the child
 * died or replied garbage. */
static int exec_call(struct wakecert_store *store, cJSON *request, cJSON **out_reply)
{
    *out_reply = NULL;
    char *line = request ? cJSON_PrintUnformatted(request) : NULL;
    cJSON_Delete(request);
    if (!line)
        return WAKECERT_STORE_ERROR_OUT_OF_MEMORY;
    if (store->died || fprintf(store->to_child, "%s\n", line) < 0 || fflush(store->to_child) != 0) {
        free(line);
        store->died = 1;
        return WAKECERT_STORE_ERROR_INTERNAL;
    }
    free(line);
    char *reply_line = NULL;
    size_t capacity = 0;
    if (getline(&reply_line, &capacity, store->from_child) < 0) {
        free(reply_line);
        store->died = 1;
        return WAKECERT_STORE_ERROR_INTERNAL;
    }
    cJSON *reply = cJSON_Parse(reply_line);
    free(reply_line);
    if (!cJSON_IsObject(reply)) {
        cJSON_Delete(reply);
        return WAKECERT_STORE_ERROR_INTERNAL;
    }
    *out_reply = reply;
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "ok")))
        return 0;
    const cJSON *error = cJSON_GetObjectItemCaseSensitive(reply, "error");
    return store_error_from_name(cJSON_IsString(error) ? error->valuestring : NULL);
}

/* A call whose reply carries nothing but ok/error. */
static int exec_simple(struct wakecert_store *store, cJSON *request)
{
    cJSON *reply = NULL;
    int status = exec_call(store, request, &reply);
    cJSON_Delete(reply);
    return status;
}

static cJSON *exec_request(const char *op, int64_t now, const char *account)
{
    cJSON *request = cJSON_CreateObject();
    cJSON_AddStringToObject(request, "op", op);
    cJSON_AddNumberToObject(request, "now", (double)now);
    if (account)
        cJSON_AddStringToObject(request, "account", account);
    return request;
}

static void exec_close(wakecert_store *store)
{
    if (!store)
        return;
    if (!store->died) {
        cJSON *request = cJSON_CreateObject();
        cJSON_AddStringToObject(request, "op", "close");
        exec_simple(store, request);
    }
    if (store->to_child)
        fclose(store->to_child);
    if (store->from_child)
        fclose(store->from_child);
    if (store->pid > 0) {
        int wstatus;
        if (waitpid(store->pid, &wstatus, WNOHANG) == 0) {
            nanosleep(&(struct timespec){0, 100000000}, NULL);
            if (waitpid(store->pid, &wstatus, WNOHANG) == 0) {
                kill(store->pid, SIGKILL);
                waitpid(store->pid, &wstatus, 0);
            }
        }
    }
    free(store);
}

static int exec_open(const struct wakecert_store_host *host, const char *config_json, wakecert_store **out_store,
                     char *error_message, size_t error_message_size)
{
    *out_store = NULL;
    cJSON *config = cJSON_Parse(config_json ? config_json : "");
    const cJSON *command = cJSON_GetObjectItemCaseSensitive(config, "command");
    if (!cJSON_IsString(command)) {
        cJSON_Delete(config);
        snprintf(error_message, error_message_size, "exec: configuration lacks \"command\"");
        return WAKECERT_STORE_ERROR_BAD_CONFIG;
    }
    struct wakecert_store *store = calloc(1, sizeof *store);
    int to_child[2], from_child[2];
    int pipes_ok = store && pipe(to_child) == 0;
    if (pipes_ok && pipe(from_child) != 0) {
        close(to_child[0]);
        close(to_child[1]);
        pipes_ok = 0;
    }
    if (!pipes_ok) {
        free(store);
        cJSON_Delete(config);
        snprintf(error_message, error_message_size, "exec: cannot create pipes: %s", strerror(errno));
        return WAKECERT_STORE_ERROR_IO;
    }
    if (host)
        memcpy(&store->host, host, host->struct_size < sizeof store->host ? host->struct_size : sizeof store->host);
    signal(SIGPIPE, SIG_IGN);
    fflush(NULL);
    store->pid = fork();
    if (store->pid == 0) {
        dup2(to_child[0], STDIN_FILENO);
        dup2(from_child[1], STDOUT_FILENO);
        close(to_child[0]);
        close(to_child[1]);
        close(from_child[0]);
        close(from_child[1]);
        execl("/bin/sh", "sh", "-c", command->valuestring, (char *)NULL);
        _exit(127);
    }
    close(to_child[0]);
    close(from_child[1]);
    store->to_child = fdopen(to_child[1], "w");
    store->from_child = fdopen(from_child[0], "r");
    if (store->pid < 0 || !store->to_child || !store->from_child) {
        snprintf(error_message, error_message_size, "exec: cannot start \"%s\"", command->valuestring);
        store->died = 1;
        exec_close(store);
        cJSON_Delete(config);
        return WAKECERT_STORE_ERROR_IO;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(config, "command");
    cJSON *request = cJSON_CreateObject();
    cJSON_AddStringToObject(request, "op", "open");
    cJSON_AddItemToObject(request, "config", config);
    cJSON *reply = NULL;
    int status = exec_call(store, request, &reply);
    if (status != 0) {
        const cJSON *text = cJSON_GetObjectItemCaseSensitive(reply, "message");
        snprintf(error_message, error_message_size, "exec: open failed: %s",
                 cJSON_IsString(text) ? text->valuestring : "no valid reply (did the command start?)");
        cJSON_Delete(reply);
        exec_close(store);
        return status;
    }
    const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(reply, "name"));
    const char *version = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(reply, "version"));
    snprintf(store->name, sizeof store->name, "%s", name ? name : "exec-store");
    snprintf(store->version, sizeof store->version, "%s", version ? version : "unknown");
    cJSON_Delete(reply);
    *out_store = store;
    return 0;
}

static int exec_advance_clock(wakecert_store *store, int64_t now)
{
    return exec_simple(store, exec_request("advance_clock", now, NULL));
}

static int exec_create_account(wakecert_store *store, int64_t now, const char *account, const char *marketplace)
{
    cJSON *request = exec_request("create_account", now, account);
    cJSON_AddStringToObject(request, "marketplace", marketplace);
    return exec_simple(store, request);
}

static int exec_update_settings(wakecert_store *store, int64_t now, const char *account,
                                const struct wakecert_store_settings *settings)
{
    cJSON *request = exec_request("update_settings", now, account);
    cJSON *object = cJSON_AddObjectToObject(request, "settings");
    cJSON_AddStringToObject(object, "retention", store_policy_name(settings->retention_policy));
    cJSON_AddBoolToObject(object, "deletion_by_voice", settings->deletion_by_voice);
    cJSON_AddBoolToObject(object, "follow_up", settings->follow_up);
    cJSON_AddBoolToObject(object, "kid_skills_permission", settings->kid_skills_permission);
    return exec_simple(store, request);
}

static int exec_record_request(wakecert_store *store, int64_t now, const struct wakecert_store_request *r)
{
    cJSON *request = exec_request("record_request", now, NULL);
    cJSON *object = cJSON_AddObjectToObject(request, "request");
    cJSON_AddStringToObject(object, "id", r->id);
    cJSON_AddStringToObject(object, "account", r->account);
    cJSON_AddStringToObject(object, "device", r->device ? r->device : "");
    cJSON_AddStringToObject(object, "marketplace", r->marketplace);
    char *hex = hex_encode(r->audio ? r->audio : (const uint8_t *)"", r->audio_size);
    cJSON_AddStringToObject(object, "audio_hex", hex ? hex : "");
    free(hex);
    cJSON_AddStringToObject(object, "transcript", r->transcript);
    cJSON_AddBoolToObject(object, "kid", r->kid);
    if (r->skill) {
        cJSON_AddStringToObject(object, "skill", r->skill);
        cJSON_AddBoolToObject(object, "skill_is_kid", r->skill_is_kid);
    }
    if (r->action_kind) {
        cJSON_AddStringToObject(object, "action_kind", r->action_kind);
        cJSON_AddStringToObject(object, "action_id", r->action_id);
    }
    cJSON *reply = NULL;
    int status = exec_call(store, request, &reply);
    const cJSON *deliveries = cJSON_GetObjectItemCaseSensitive(reply, "skill_deliveries");
    const cJSON *delivery;
    cJSON_ArrayForEach(delivery, deliveries)
    {
        size_t audio_size = 0;
        uint8_t *audio = hex_decode(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(delivery, "audio_hex")), &audio_size);
        const char *skill = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(delivery, "skill"));
        const char *request_id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(delivery, "request_id"));
        const char *content = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(delivery, "content"));
        if (store->host.skill_delivery)
            store->host.skill_delivery(store->host.ctx, skill ? skill : "", request_id ? request_id : "",
                                       content ? content : "", audio, audio_size);
        free(audio);
    }
    cJSON_Delete(reply);
    return status;
}

static int exec_delete_recording(wakecert_store *store, int64_t now, const char *account, const char *id)
{
    cJSON *request = exec_request("delete_recording", now, account);
    cJSON_AddStringToObject(request, "id", id);
    return exec_simple(store, request);
}

static int exec_delete_range(wakecert_store *store, int64_t now, const char *account, const char *marketplace,
                             int64_t from, int64_t to)
{
    cJSON *request = exec_request("delete_range", now, account);
    cJSON_AddStringToObject(request, "marketplace", marketplace);
    cJSON_AddNumberToObject(request, "from", (double)from);
    cJSON_AddNumberToObject(request, "to", (double)to);
    return exec_simple(store, request);
}

static int exec_delete_all(wakecert_store *store, int64_t now, const char *account, const char *marketplace)
{
    cJSON *request = exec_request("delete_all", now, account);
    cJSON_AddStringToObject(request, "marketplace", marketplace);
    return exec_simple(store, request);
}

static int exec_delete_by_voice(wakecert_store *store, int64_t now, const char *account, const char *marketplace,
                                const char *device, int scope, const char *recognised_voice_profile)
{
    cJSON *request = exec_request("delete_by_voice", now, account);
    cJSON_AddStringToObject(request, "marketplace", marketplace);
    cJSON_AddStringToObject(request, "device", device ? device : "");
    cJSON_AddStringToObject(request, "scope", scope_name(scope));
    if (recognised_voice_profile)
        cJSON_AddStringToObject(request, "recognised_voice_profile", recognised_voice_profile);
    else
        cJSON_AddNullToObject(request, "recognised_voice_profile");
    return exec_simple(store, request);
}

static int exec_profile_call(wakecert_store *store, const char *op, int64_t now, const char *account, int kind,
                             const char *profile)
{
    cJSON *request = exec_request(op, now, account);
    cJSON_AddStringToObject(request, "kind", kind_name(kind));
    cJSON_AddStringToObject(request, "profile", profile);
    return exec_simple(store, request);
}

static int exec_enroll_profile(wakecert_store *store, int64_t now, const char *account, int kind, const char *profile)
{
    return exec_profile_call(store, "enroll_profile", now, account, kind, profile);
}

static int exec_recognise_profile(wakecert_store *store, int64_t now, const char *account, int kind,
                                  const char *profile)
{
    return exec_profile_call(store, "recognise_profile", now, account, kind, profile);
}

static int exec_delete_profile(wakecert_store *store, int64_t now, const char *account, int kind, const char *profile)
{
    return exec_profile_call(store, "delete_profile", now, account, kind, profile);
}

static int exec_list_items(wakecert_store *store, int64_t now, const char *account, wakecert_store_item_fn callback,
                           void *ctx)
{
    cJSON *request = exec_request("list_items", now, NULL);
    if (account)
        cJSON_AddStringToObject(request, "account", account);
    else
        cJSON_AddNullToObject(request, "account");
    cJSON *reply = NULL;
    int status = exec_call(store, request, &reply);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(reply, "items");
    if (status == 0 && !cJSON_IsArray(items))
        status = WAKECERT_STORE_ERROR_INTERNAL;
    const cJSON *object;
    const cJSON *listed = status == 0 ? items : NULL;
    cJSON_ArrayForEach(object, listed)
    {
        struct wakecert_store_item item = {0};
        item.kind = kind_from_name(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(object, "kind")));
        item.id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(object, "id"));
        item.account = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(object, "account"));
        item.marketplace = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(object, "marketplace"));
        item.created = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(object, "created"));
        const cJSON *recognised = cJSON_GetObjectItemCaseSensitive(object, "last_recognised");
        item.last_recognised = cJSON_IsNumber(recognised) ? (int64_t)recognised->valuedouble : 0;
        if (item.kind && item.id)
            callback(ctx, &item);
    }
    cJSON_Delete(reply);
    return status;
}

static const struct wakecert_store_table exec_table = {
    .abi_version = WAKECERT_STORE_ABI_VERSION,
    .table_size = sizeof(struct wakecert_store_table),
    .name = "exec",
    .version = "1",
    .open = exec_open,
    .close = exec_close,
    .advance_clock = exec_advance_clock,
    .create_account = exec_create_account,
    .update_settings = exec_update_settings,
    .record_request = exec_record_request,
    .delete_recording = exec_delete_recording,
    .delete_range = exec_delete_range,
    .delete_all = exec_delete_all,
    .delete_by_voice = exec_delete_by_voice,
    .enroll_profile = exec_enroll_profile,
    .recognise_profile = exec_recognise_profile,
    .delete_profile = exec_delete_profile,
    .list_items = exec_list_items,
};

const struct wakecert_store_table *store_exec_client_table(void)
{
    return &exec_table;
}

/* ---- loading --------------------------------------------------------------------------------------- */

int store_handle_load(const char *spec, struct store_handle *out, char *message, size_t message_size)
{
    memset(out, 0, sizeof *out);
    if (!spec || !spec[0])
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_USAGE, "--store: missing value");
    snprintf(out->spec, sizeof out->spec, "%s", spec);
    if (strcmp(spec, "ref") == 0) {
        out->table = wakecert_store_reference_table();
    } else if (strncmp(spec, "exec:", 5) == 0) {
        if (!spec[5])
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_USAGE, "--store exec: needs a command");
        out->table = store_exec_client_table();
        out->is_exec = 1;
    } else {
        out->library = dlopen(spec, RTLD_NOW | RTLD_LOCAL);
        if (!out->library)
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_ENGINE_LOAD, "%s: cannot load: %s", spec,
                                      dlerror());
        wakecert_store_entry_fn entry;
        *(void **)&entry = dlsym(out->library, WAKECERT_STORE_ENTRY_SYMBOL);
        if (!entry) {
            store_handle_unload(out);
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_ENGINE_LOAD, "%s: no symbol %s", spec,
                                      WAKECERT_STORE_ENTRY_SYMBOL);
        }
        out->table = entry();
        if (!out->table || out->table->abi_version != WAKECERT_STORE_ABI_VERSION ||
            out->table->table_size < sizeof(struct wakecert_store_table)) {
            const unsigned version = out->table ? out->table->abi_version : 0;
            store_handle_unload(out);
            return wakecert_set_error(message, message_size, WAKECERT_ERROR_ENGINE_LOAD,
                                      "%s: store ABI version %u (table size mismatch or NULL table); this harness "
                                      "speaks version %d",
                                      spec, version, WAKECERT_STORE_ABI_VERSION);
        }
        snprintf(out->path, sizeof out->path, "%s", spec);
        char ignored[256];
        wakecert_sha256_file(spec, out->sha256, ignored, sizeof ignored);
    }
    snprintf(out->name, sizeof out->name, "%s", out->table->name ? out->table->name : "unnamed");
    snprintf(out->version, sizeof out->version, "%s", out->table->version ? out->table->version : "unknown");
    return 0;
}

int store_handle_open(struct store_handle *handle, const struct wakecert_store_host *host, const char *directory,
                      const char *extra_json, char *message, size_t message_size)
{
    cJSON *config = cJSON_CreateObject();
    cJSON_AddStringToObject(config, "directory", directory);
    if (handle->is_exec)
        cJSON_AddStringToObject(config, "command", handle->spec + 5);
    if (extra_json && extra_json[0]) {
        char wrapped[1024];
        snprintf(wrapped, sizeof wrapped, "{%s}", extra_json);
        cJSON *extra = cJSON_Parse(wrapped);
        for (cJSON *field = extra ? extra->child : NULL; field; field = field->next)
            cJSON_AddItemReferenceToObject(config, field->string, field);
        char *text = cJSON_PrintUnformatted(config);
        cJSON_Delete(config);
        config = cJSON_Parse(text);
        free(text);
        cJSON_Delete(extra);
    }
    char *config_text = cJSON_PrintUnformatted(config);
    cJSON_Delete(config);
    char store_message[512] = "";
    int status = handle->table->open(host, config_text, &handle->store, store_message, sizeof store_message);
    free(config_text);
    if (status != 0) {
        handle->store = NULL;
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_ENGINE, "store %s: open failed (%s): %s",
                                  handle->spec, store_error_name(status), store_message);
    }
    if (handle->is_exec) {
        snprintf(handle->name, sizeof handle->name, "%s", handle->store->name);
        snprintf(handle->version, sizeof handle->version, "%s", handle->store->version);
    }
    return 0;
}

void store_handle_close(struct store_handle *handle)
{
    if (handle->store && handle->table)
        handle->table->close(handle->store);
    handle->store = NULL;
}

void store_handle_unload(struct store_handle *handle)
{
    store_handle_close(handle);
    if (handle->library)
        dlclose(handle->library);
    handle->library = NULL;
    handle->table = NULL;
}

/* ---- the server -------------------------------------------------------------------------------------- */

struct serve_state {
    cJSON *deliveries; /* collects skill deliveries during one record_request */
};

static void serve_skill_delivery(void *ctx, const char *skill, const char *request_id, const char *content,
                                 const uint8_t *audio, size_t audio_size)
{
    struct serve_state *state = ctx;
    cJSON *delivery = cJSON_CreateObject();
    cJSON_AddStringToObject(delivery, "skill", skill);
    cJSON_AddStringToObject(delivery, "request_id", request_id);
    cJSON_AddStringToObject(delivery, "content", content ? content : "");
    char *hex = hex_encode(audio ? audio : (const uint8_t *)"", audio ? audio_size : 0);
    cJSON_AddStringToObject(delivery, "audio_hex", hex ? hex : "");
    free(hex);
    cJSON_AddItemToArray(state->deliveries, delivery);
}

static void serve_list_item(void *ctx, const struct wakecert_store_item *item)
{
    cJSON *object = cJSON_CreateObject();
    cJSON_AddStringToObject(object, "kind", kind_name(item->kind));
    cJSON_AddStringToObject(object, "id", item->id);
    cJSON_AddStringToObject(object, "account", item->account ? item->account : "");
    if (item->marketplace)
        cJSON_AddStringToObject(object, "marketplace", item->marketplace);
    cJSON_AddNumberToObject(object, "created", (double)item->created);
    if (item->kind == WAKECERT_ITEM_VOICE_PROFILE || item->kind == WAKECERT_ITEM_VISUAL_PROFILE)
        cJSON_AddNumberToObject(object, "last_recognised", (double)item->last_recognised);
    cJSON_AddItemToArray((cJSON *)ctx, object);
}

static const char *field_string(const cJSON *object, const char *name)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(object, name));
}

static int64_t field_time(const cJSON *object, const char *name)
{
    return (int64_t)wakecert_json_int64(object, name, 0); /* absent, NaN or 1e300: no undefined cast */
}

static int field_bool(const cJSON *object, const char *name)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(object, name));
}

static void write_reply(FILE *out, cJSON *reply)
{
    char *text = cJSON_PrintUnformatted(reply);
    fprintf(out, "%s\n", text ? text : "{\"ok\":false,\"error\":\"out_of_memory\"}");
    fflush(out);
    free(text);
    cJSON_Delete(reply);
}

int store_serve(const struct wakecert_store_table *table, const char *extra_json, FILE *in, FILE *out)
{
    struct serve_state state = {0};
    struct wakecert_store_host host = {sizeof host, &state, serve_skill_delivery};
    wakecert_store *store = NULL;
    char *line = NULL;
    size_t capacity = 0;
    int result = 0;
    while (getline(&line, &capacity, in) >= 0) {
        cJSON *request = cJSON_Parse(line);
        cJSON *reply = cJSON_CreateObject();
        const char *op = field_string(request, "op");
        const int64_t now = field_time(request, "now");
        const char *account = field_string(request, "account");
        int status = WAKECERT_STORE_OK;
        char message[512] = "";
        if (!op) {
            status = WAKECERT_STORE_ERROR_INVALID_ARGUMENT;
            snprintf(message, sizeof message, "request is not a JSON object with \"op\"");
        } else if (strcmp(op, "open") == 0) {
            cJSON *config = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(request, "config"), 1);
            if (!cJSON_IsObject(config)) {
                cJSON_Delete(config);
                config = cJSON_CreateObject();
            }
            if (extra_json && extra_json[0]) {
                char wrapped[1024];
                snprintf(wrapped, sizeof wrapped, "{%s}", extra_json);
                cJSON *extra = cJSON_Parse(wrapped);
                for (cJSON *field = extra ? extra->child : NULL; field; field = field->next)
                    if (!cJSON_GetObjectItemCaseSensitive(config, field->string))
                        cJSON_AddItemToObject(config, field->string, cJSON_Duplicate(field, 1));
                cJSON_Delete(extra);
            }
            char *config_text = cJSON_PrintUnformatted(config);
            cJSON_Delete(config);
            if (store)
                status = WAKECERT_STORE_ERROR_INVALID_ARGUMENT, snprintf(message, sizeof message, "already open");
            else
                status = table->open(&host, config_text, &store, message, sizeof message);
            free(config_text);
            if (status == 0) {
                cJSON_AddStringToObject(reply, "name", table->name);
                cJSON_AddStringToObject(reply, "version", table->version);
            }
        } else if (strcmp(op, "close") == 0) {
            table->close(store);
            store = NULL;
            cJSON_AddBoolToObject(reply, "ok", 1);
            write_reply(out, reply);
            cJSON_Delete(request);
            break;
        } else if (!store) {
            status = WAKECERT_STORE_ERROR_INVALID_ARGUMENT;
            snprintf(message, sizeof message, "the first request must be \"open\"");
        } else if (strcmp(op, "advance_clock") == 0) {
            status = table->advance_clock(store, now);
        } else if (strcmp(op, "create_account") == 0) {
            status = table->create_account(store, now, account, field_string(request, "marketplace"));
        } else if (strcmp(op, "update_settings") == 0) {
            const cJSON *object = cJSON_GetObjectItemCaseSensitive(request, "settings");
            struct wakecert_store_settings settings = {sizeof settings, 0, 0, 0, 0};
            settings.retention_policy = retention_policy_from_name(field_string(object, "retention"));
            settings.deletion_by_voice = field_bool(object, "deletion_by_voice");
            settings.follow_up = field_bool(object, "follow_up");
            settings.kid_skills_permission = field_bool(object, "kid_skills_permission");
            status = table->update_settings(store, now, account, &settings);
        } else if (strcmp(op, "record_request") == 0) {
            const cJSON *object = cJSON_GetObjectItemCaseSensitive(request, "request");
            struct wakecert_store_request r = {.struct_size = sizeof r};
            r.id = field_string(object, "id");
            r.account = field_string(object, "account");
            r.device = field_string(object, "device");
            r.marketplace = field_string(object, "marketplace");
            uint8_t *audio = hex_decode(field_string(object, "audio_hex"), &r.audio_size);
            r.audio = audio;
            r.transcript = field_string(object, "transcript");
            r.kid = field_bool(object, "kid");
            r.skill = field_string(object, "skill");
            r.skill_is_kid = field_bool(object, "skill_is_kid");
            r.action_kind = field_string(object, "action_kind");
            r.action_id = field_string(object, "action_id");
            state.deliveries = cJSON_AddArrayToObject(reply, "skill_deliveries");
            status = table->record_request(store, now, &r);
            state.deliveries = NULL;
            free(audio);
        } else if (strcmp(op, "delete_recording") == 0) {
            status = table->delete_recording(store, now, account, field_string(request, "id"));
        } else if (strcmp(op, "delete_range") == 0) {
            status = table->delete_range(store, now, account, field_string(request, "marketplace"),
                                         field_time(request, "from"), field_time(request, "to"));
        } else if (strcmp(op, "delete_all") == 0) {
            status = table->delete_all(store, now, account, field_string(request, "marketplace"));
        } else if (strcmp(op, "delete_by_voice") == 0) {
            const char *scope = field_string(request, "scope");
            int scope_value = !scope ? 0
                              : strcmp(scope, "last") == 0 ? WAKECERT_VOICE_DELETE_LAST
                              : strcmp(scope, "today") == 0 ? WAKECERT_VOICE_DELETE_TODAY
                              : strcmp(scope, "everything") == 0 ? WAKECERT_VOICE_DELETE_EVERYTHING
                                                                 : 0;
            status = table->delete_by_voice(store, now, account, field_string(request, "marketplace"),
                                            field_string(request, "device"), scope_value,
                                            field_string(request, "recognised_voice_profile"));
        } else if (strcmp(op, "enroll_profile") == 0 || strcmp(op, "recognise_profile") == 0 ||
                   strcmp(op, "delete_profile") == 0) {
            const int kind = kind_from_name(field_string(request, "kind"));
            const char *profile = field_string(request, "profile");
            status = op[0] == 'e'   ? table->enroll_profile(store, now, account, kind, profile)
                     : op[0] == 'r' ? table->recognise_profile(store, now, account, kind, profile)
                                    : table->delete_profile(store, now, account, kind, profile);
        } else if (strcmp(op, "list_items") == 0) {
            cJSON *items = cJSON_AddArrayToObject(reply, "items");
            status = table->list_items(store, now, account, serve_list_item, items);
        } else {
            status = WAKECERT_STORE_ERROR_UNSUPPORTED;
            snprintf(message, sizeof message, "unknown op \"%s\"", op);
        }
        cJSON_AddBoolToObject(reply, "ok", status == 0);
        if (status != 0) {
            cJSON_AddStringToObject(reply, "error", store_error_name(status));
            cJSON_AddNumberToObject(reply, "code", status);
            cJSON_AddStringToObject(reply, "message", message[0] ? message : store_error_name(status));
        }
        write_reply(out, reply);
        cJSON_Delete(request);
    }
    free(line);
    if (store)
        table->close(store);
    return result;
}
