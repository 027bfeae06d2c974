/*
 * Fuzz target: a saved results.json as `wakecert report` reads it (reports/report_command.c loads it,
 * reports/report_html.c renders it). The input is the results.json bytes; when it parses and has a
 * "requirements" array (report_command's own check), the HTML page is built from it, alone and
 * compared with itself (--compare), without plots (gnuplot is a separate process and not the parser
 * under test). The page must come out non-empty or be marked failed (out of memory).
 */
#include "fuzz_support.h"

#include "json.h"
#include "report_html.h"
#include "report_text.h"

#include <cjson/cJSON.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_path("results.json");
    fuzz_write(path, data, size);
    cJSON *results = NULL;
    char message[1024];
    if (wakecert_json_load_file(path, &results, message, sizeof message) != 0) {
        FUZZ_ASSERT(results == NULL && strstr(message, "results.json"));
        return 0;
    }
    if (cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(results, "requirements"))) {
        for (int compare = 0; compare < 2; compare++) {
            struct report_html_input input = {results, compare ? results : NULL, compare ? "other.json" : NULL, NULL,
                                              {"a note with <markup> & \"quotes\"", NULL}};
            struct report_text html = {0};
            report_html_build(&input, &html);
            FUZZ_ASSERT(html.failed || (html.length > 0 && strlen(report_text_string(&html)) == html.length));
            report_text_free(&html);
        }
    }
    cJSON_Delete(results);
    return 0;
}
