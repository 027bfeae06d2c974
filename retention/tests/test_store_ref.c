/*
 * The reference store directly through its table: deletion really removes rows and audio files, data
 * survives a reopen, "don't save" never writes audio, refused operations return their codes.
 */
#define _POSIX_C_SOURCE 200809L
#include "store_ref.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int count_files(const char *directory)
{
    DIR *dir = opendir(directory);
    cr_assert_not_null(dir, "%s", directory);
    int count = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL)
        count += entry->d_name[0] != '.';
    closedir(dir);
    return count;
}

struct listing {
    char keys[64][48];
    int count;
};

static void collect(void *ctx, const struct wakecert_store_item *item)
{
    struct listing *listing = ctx;
    if (listing->count < 64)
        snprintf(listing->keys[listing->count++], 48, "%d:%s", item->kind, item->id);
}

static int listed(struct listing *listing, int kind, const char *id)
{
    char key[48];
    snprintf(key, sizeof key, "%d:%s", kind, id);
    for (int i = 0; i < listing->count; i++)
        if (strcmp(listing->keys[i], key) == 0)
            return 1;
    return 0;
}

static char directory[256], audio_directory[300], config[400];

static void make_directory(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(directory, sizeof directory, "%s/store-test-XXXXXX", tmp ? tmp : "/tmp");
    cr_assert_not_null(mkdtemp(directory));
    snprintf(audio_directory, sizeof audio_directory, "%s/audio", directory);
    snprintf(config, sizeof config, "{\"directory\":\"%s\"}", directory);
}

TestSuite(store_ref, .init = make_directory, .timeout = 30);

Test(store_ref, deletion_removes_rows_and_files_and_survives_reopen)
{
    const struct wakecert_store_table *table = wakecert_store_reference_table();
    wakecert_store *store;
    char message[256];
    cr_assert_eq(table->open(NULL, config, &store, message, sizeof message), 0, "%s", message);
    cr_assert_eq(table->create_account(store, 1000, "a1", "uk"), 0);
    cr_assert_eq(table->create_account(store, 1000, "a1", "uk"), WAKECERT_STORE_ERROR_EXISTS);
    const uint8_t audio[4] = {1, 2, 3, 4};
    struct wakecert_store_request request = {.struct_size = sizeof request, .account = "a1", .marketplace = "uk",
                                             .audio = audio, .audio_size = 4, .transcript = "hello"};
    request.id = "r1";
    cr_assert_eq(table->record_request(store, 2000, &request), 0);
    request.id = "r2";
    request.action_kind = "timer";
    request.action_id = "t1";
    cr_assert_eq(table->record_request(store, 3000, &request), 0);
    cr_expect_eq(count_files(audio_directory), 2);
    cr_assert_eq(table->delete_recording(store, 4000, "a1", "r2"), 0);
    cr_expect_eq(table->delete_recording(store, 4000, "a1", "r2"), WAKECERT_STORE_ERROR_NOT_FOUND);
    cr_expect_eq(count_files(audio_directory), 1, "the deleted recording's audio file must be gone");
    cr_expect_eq(table->delete_by_voice(store, 5000, "a1", "uk", "echo", WAKECERT_VOICE_DELETE_EVERYTHING, NULL),
                 WAKECERT_STORE_ERROR_NOT_ALLOWED);
    table->close(store);

    cr_assert_eq(table->open(NULL, config, &store, message, sizeof message), 0, "%s", message);
    struct listing listing = {0};
    cr_assert_eq(table->list_items(store, 6000, NULL, collect, &listing), 0);
    cr_expect(listed(&listing, WAKECERT_ITEM_AUDIO, "r1"));
    cr_expect(listed(&listing, WAKECERT_ITEM_TRANSCRIPT, "r1"));
    cr_expect(!listed(&listing, WAKECERT_ITEM_AUDIO, "r2"));
    cr_expect(!listed(&listing, WAKECERT_ITEM_TRANSCRIPT, "r2"));
    cr_expect(listed(&listing, WAKECERT_ITEM_ACTION, "t1"), "action records outlive their recording");
    struct wakecert_store_settings settings = {sizeof settings, WAKECERT_RETENTION_DONT_SAVE, 0, 0, 0};
    cr_assert_eq(table->update_settings(store, 7000, "a1", &settings), 0);
    cr_expect_eq(count_files(audio_directory), 0, "don't save deletes every audio file");
    request.id = "r3";
    request.action_kind = NULL;
    cr_assert_eq(table->record_request(store, 8000, &request), 0);
    cr_expect_eq(count_files(audio_directory), 0, "don't save never keeps audio");
    cr_expect_eq(table->enroll_profile(store, 8000, "a1", WAKECERT_PROFILE_VOICE, "p1"), WAKECERT_STORE_ERROR_NOT_ALLOWED);
    table->close(store);
}

Test(store_ref, bad_configuration_is_refused_with_a_message)
{
    const struct wakecert_store_table *table = wakecert_store_reference_table();
    wakecert_store *store = NULL;
    char message[256] = "";
    cr_expect_eq(table->open(NULL, "{}", &store, message, sizeof message), WAKECERT_STORE_ERROR_BAD_CONFIG);
    cr_expect(strstr(message, "directory") != NULL, "message: %s", message);
    cr_expect_null(store);
}
