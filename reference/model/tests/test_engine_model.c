/*
 * The reference engine finds and checks its model through the ABI: the shipped keywords create,
 * "model_path" loads a file, and a missing file, a file of another format version or of another
 * shape is refused by create() with WAKECERT_ENGINE_ERROR_MODEL and a message naming the file and
 * what is wrong; an unknown keyword or detector is a configuration error.
 */
#define _POSIX_C_SOURCE 200809L
#include "embedded_models.h"
#include "engine_loader.h"
#include "model.h"

#include <criterion/criterion.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void on_wake(void *c, const char *k, float s, int64_t a, int64_t b) { (void)c, (void)k, (void)s, (void)a, (void)b; }
static void on_open(void *c, int r) { (void)c, (void)r; }
static void on_upload(void *c, const int16_t *s, size_t n, int64_t f) { (void)c, (void)s, (void)n, (void)f; }
static void on_close(void *c, int r) { (void)c, (void)r; }
static void on_indicator(void *c, int s, int t) { (void)c, (void)s, (void)t; }

static int create_with(const struct loaded_engine *engine, const char *config, char *message, size_t size)
{
    struct wakecert_host_callbacks callbacks = {sizeof callbacks, NULL, on_wake, on_open, on_upload, on_close, on_indicator};
    wakecert_engine *instance = NULL;
    message[0] = '\0';
    int status = engine->table->create(&callbacks, config, &instance, message, size);
    if (status == 0)
        engine->table->destroy(instance);
    return status;
}

static void write_variant(const char *path, const struct wakecert_embedded_model *m, size_t offset, uint32_t value)
{
    unsigned char *bytes = malloc(m->size);
    memcpy(bytes, m->bytes, m->size);
    if (offset) {
        memcpy(bytes + offset, &value, 4);
        uint32_t crc = wakecert_model_crc32(bytes, m->size - 4);
        memcpy(bytes + m->size - 4, &crc, 4);
    }
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(bytes, 1, m->size, f), m->size);
    fclose(f);
    free(bytes);
}

Test(model_engine, finds_checks_and_refuses_models)
{
    struct loaded_engine engine;
    char message[1024];
    cr_assert_eq(engine_load("ref", &engine, message, sizeof message), 0, "%s", message);
    cr_assert_gt(wakecert_embedded_model_count, 0, "no model shipped in reference/models");
    for (int i = 0; i < wakecert_embedded_model_count; i++) {
        char config[128];
        snprintf(config, sizeof config, "{\"keyword\": \"%s\"}", wakecert_embedded_models[i].keyword);
        cr_assert_eq(create_with(&engine, config, message, sizeof message), 0, "%s: %s", config, message);
    }
    cr_assert_eq(create_with(&engine, "{\"detector\": \"template\"}", message, sizeof message), 0, "%s", message);
    cr_assert_eq(create_with(&engine, "{\"keyword\": \"klingon\"}", message, sizeof message),
                 WAKECERT_ENGINE_ERROR_BAD_CONFIG);
    cr_assert(strstr(message, "klingon") && strstr(message, "ships"), "%s", message);
    cr_assert_eq(create_with(&engine, "{\"detector\": \"neural\"}", message, sizeof message),
                 WAKECERT_ENGINE_ERROR_BAD_CONFIG);
    cr_assert_eq(create_with(&engine, "{\"model_path\": \"/nonexistent/m.wcm\"}", message, sizeof message),
                 WAKECERT_ENGINE_ERROR_MODEL);
    cr_assert(strstr(message, "/nonexistent/m.wcm"), "%s", message);

    const struct wakecert_embedded_model *shipped = &wakecert_embedded_models[0];
    char path[64], config[160];
    snprintf(path, sizeof path, "/tmp/wakecert-engine-model-%ld.wcm", (long)getpid());
    snprintf(config, sizeof config, "{\"model_path\": \"%s\", \"keyword\": \"%s\"}", path, shipped->keyword);
    struct { size_t offset; uint32_t value; const char *expected; } rows[] = {
        {0, 0, NULL},                   /* the shipped file, unchanged: accepted */
        {8, 7, "format version 7"},     /* another format version */
        {16, 48, "weights, the shape"}, /* 48 channels: the weights no longer fit the shape */
        {12, 80, "80 mel bands"},       /* another front end */
    };
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        write_variant(path, shipped, rows[r].offset, rows[r].value);
        int status = create_with(&engine, config, message, sizeof message);
        if (!rows[r].expected) {
            cr_assert_eq(status, 0, "row %zu: %s", r, message);
            continue;
        }
        cr_assert_eq(status, WAKECERT_ENGINE_ERROR_MODEL, "row %zu: status %d", r, status);
        cr_assert(strstr(message, path) && strstr(message, rows[r].expected), "row %zu: \"%s\" should name %s and say \"%s\"",
                  r, message, path, rows[r].expected);
    }
    remove(path);
    engine_unload(&engine);
}

/* "second_model_path": the same keyword's weights file makes a pair; a missing file, a file trained
 * for another keyword, or the key with the template detector is refused, naming what is wrong.
 * "third_model_path" and "fourth_model_path" likewise make three and four. */
Test(model_engine, second_third_and_fourth_model_paths_make_an_ensemble_or_are_refused)
{
    struct loaded_engine engine;
    char message[1024];
    cr_assert_eq(engine_load("ref", &engine, message, sizeof message), 0, "%s", message);
    cr_assert_geq(wakecert_embedded_model_count, 2);
    const struct wakecert_embedded_model *first = &wakecert_embedded_models[0], *other = &wakecert_embedded_models[1];
    char same[64], different[64], config[512];
    snprintf(same, sizeof same, "/tmp/wakecert-second-%ld-a.wcm", (long)getpid());
    snprintf(different, sizeof different, "/tmp/wakecert-second-%ld-b.wcm", (long)getpid());
    write_variant(same, first, 0, 0);
    write_variant(different, other, 0, 0);
    snprintf(config, sizeof config, "{\"keyword\": \"%s\", \"second_model_path\": \"%s\"}", first->keyword, same);
    cr_assert_eq(create_with(&engine, config, message, sizeof message), 0, "%s: %s", config, message);
    snprintf(config, sizeof config, "{\"keyword\": \"%s\", \"second_model_path\": \"%s\"}", first->keyword,
             different);
    cr_assert_eq(create_with(&engine, config, message, sizeof message), WAKECERT_ENGINE_ERROR_MODEL);
    cr_assert(strstr(message, different) && strstr(message, "trained for"), "%s", message);
    snprintf(config, sizeof config, "{\"second_model_path\": \"/nonexistent/second.wcm\"}");
    cr_assert_eq(create_with(&engine, config, message, sizeof message), WAKECERT_ENGINE_ERROR_MODEL);
    cr_assert(strstr(message, "/nonexistent/second.wcm"), "%s", message);
    snprintf(config, sizeof config, "{\"detector\": \"template\", \"second_model_path\": \"%s\"}", same);
    cr_assert_eq(create_with(&engine, config, message, sizeof message), WAKECERT_ENGINE_ERROR_BAD_CONFIG);
    cr_assert(strstr(message, "second_model_path"), "%s", message);
    /* "third_model_path": a third network beside the two, refused without the second or for another
     * keyword, naming the key */
    snprintf(config, sizeof config, "{\"keyword\": \"%s\", \"second_model_path\": \"%s\", \"third_model_path\": \"%s\"}",
             first->keyword, same, same);
    cr_assert_eq(create_with(&engine, config, message, sizeof message), 0, "%s: %s", config, message);
    snprintf(config, sizeof config, "{\"keyword\": \"%s\", \"third_model_path\": \"%s\"}", first->keyword, same);
    cr_assert_eq(create_with(&engine, config, message, sizeof message), WAKECERT_ENGINE_ERROR_BAD_CONFIG);
    cr_assert(strstr(message, "third_model_path") && strstr(message, "second_model_path"), "%s", message);
    snprintf(config, sizeof config, "{\"keyword\": \"%s\", \"second_model_path\": \"%s\", \"third_model_path\": \"%s\"}",
             first->keyword, same, different);
    cr_assert_eq(create_with(&engine, config, message, sizeof message), WAKECERT_ENGINE_ERROR_MODEL);
    cr_assert(strstr(message, different) && strstr(message, "third_model_path") && strstr(message, "trained for"), "%s",
              message);
    /* "fourth_model_path": a fourth network, refused without the third or when it is not a file name */
    snprintf(config, sizeof config, "{\"keyword\": \"%s\", \"second_model_path\": \"%s\", \"third_model_path\": \"%s\", "
             "\"fourth_model_path\": \"%s\"}", first->keyword, same, same, same);
    cr_assert_eq(create_with(&engine, config, message, sizeof message), 0, "%s: %s", config, message);
    snprintf(config, sizeof config, "{\"keyword\": \"%s\", \"second_model_path\": \"%s\", \"fourth_model_path\": \"%s\"}",
             first->keyword, same, same);
    cr_assert_eq(create_with(&engine, config, message, sizeof message), WAKECERT_ENGINE_ERROR_BAD_CONFIG);
    cr_assert(strstr(message, "fourth_model_path") && strstr(message, "third_model_path"), "%s", message);
    snprintf(config, sizeof config, "{\"keyword\": \"%s\", \"second_model_path\": \"%s\", \"third_model_path\": \"%s\", "
             "\"fourth_model_path\": 4}", first->keyword, same, same);
    cr_assert_eq(create_with(&engine, config, message, sizeof message), WAKECERT_ENGINE_ERROR_BAD_CONFIG);
    cr_assert(strstr(message, "fourth_model_path"), "%s", message);
    remove(same);
    remove(different);
    engine_unload(&engine);
}

/* Every engine configuration committed in reference/configs/ (the ones the README certifies with) names
 * weights files that exist and keys the engine accepts: the engine is created from each, with the
 * repository root as the working directory as the README's commands assume. */
Test(model_engine, the_committed_configurations_create_the_engine)
{
    struct loaded_engine engine;
    char message[1024];
    cr_assert_eq(engine_load("ref", &engine, message, sizeof message), 0, "%s", message);
    cr_assert_eq(chdir(WAKECERT_SOURCE_DIR), 0, "cannot enter %s", WAKECERT_SOURCE_DIR);
    glob_t found;
    cr_assert_eq(glob("reference/configs/*.json", 0, NULL, &found), 0, "no configuration in %s/reference/configs",
                 WAKECERT_SOURCE_DIR);
    cr_assert_geq(found.gl_pathc, 2);
    for (size_t i = 0; i < found.gl_pathc; i++) {
        FILE *file = fopen(found.gl_pathv[i], "rb");
        cr_assert_not_null(file, "%s", found.gl_pathv[i]);
        static char config[4096];
        size_t length = fread(config, 1, sizeof config - 1, file);
        fclose(file);
        config[length] = '\0';
        cr_assert_eq(create_with(&engine, config, message, sizeof message), 0, "%s: %s", found.gl_pathv[i], message);
    }
    globfree(&found);
    engine_unload(&engine);
}

/* "settle_ms": how long after the decision the model detector reports a wake (detector.h); 0 to 100
 * in steps of 10 is taken, anything else, or the key with the template detector, is refused naming
 * the key. */
Test(model_engine, settle_ms_is_taken_in_steps_of_ten_or_refused)
{
    struct loaded_engine engine;
    char message[1024];
    cr_assert_eq(engine_load("ref", &engine, message, sizeof message), 0, "%s", message);
    const char *taken[] = {"{\"settle_ms\": 0}", "{\"settle_ms\": 30}", "{\"settle_ms\": 100}",
                           "{\"settle_ms\": 0, \"keyword\": \"computer\"}"};
    for (size_t i = 0; i < sizeof taken / sizeof taken[0]; i++)
        cr_assert_eq(create_with(&engine, taken[i], message, sizeof message), 0, "%s: %s", taken[i], message);
    const char *refused[] = {"{\"settle_ms\": 15}", "{\"settle_ms\": -10}", "{\"settle_ms\": 110}",
                             "{\"settle_ms\": \"0\"}", "{\"settle_ms\": 0, \"detector\": \"template\"}"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        cr_assert_eq(create_with(&engine, refused[i], message, sizeof message), WAKECERT_ENGINE_ERROR_BAD_CONFIG,
                     "%s was taken", refused[i]);
        cr_assert(strstr(message, "settle_ms"), "%s: \"%s\" does not name the key", refused[i], message);
    }
    engine_unload(&engine);
}
