/*
 * `wakecert compare` on hand-made wakecert-bench/1 documents: one row per case, each a base and a new
 * document, the arguments, and the exit code compare must give — the regression rules of compare.c
 * (instruction counts against the threshold, times against their measured noise, exact single values,
 * missing and new benchmarks, improvement and noise passing) and its bad-input contract (exit 2 with
 * the file named). Also that --markdown writes a table naming the regressed benchmark.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

struct compare_case {
    const char *what;
    const char *base;      /* the "benchmarks" array of BASE, or a whole document when it starts with '!' */
    const char *current;   /* likewise for NEW */
    const char *threshold; /* --max-regression, or NULL for the default 2% */
    int expected;
};

#define INSTR(name, value) "{\"name\":\"" name "\",\"unit\":\"ns/frame\",\"instructions\":" #value "}"
#define TIMED(name, median, min, max) \
    "{\"name\":\"" name "\",\"unit\":\"ns/frame\",\"median\":" #median ",\"min\":" #min ",\"max\":" #max ",\"repetitions\":5}"
#define TIMED_HIGHER(name, median, min, max) \
    "{\"name\":\"" name "\",\"unit\":\"h/s\",\"better\":\"higher\",\"median\":" #median ",\"min\":" #min ",\"max\":" #max ",\"repetitions\":5}"

static struct compare_case cases[] = {
    {"identical", INSTR("a", 1000), INSTR("a", 1000), NULL, 0},
    {"instructions +5% is a regression", INSTR("a", 1000), INSTR("a", 1050), NULL, 1},
    {"instructions +1.5% is within 2%", INSTR("a", 1000), INSTR("a", 1015), NULL, 0},
    {"instructions +1.5% fails at 1%", INSTR("a", 1000), INSTR("a", 1015), "1%", 1},
    {"instructions -30% is an improvement", INSTR("a", 1000), INSTR("a", 700), NULL, 0},
    {"time beyond base max and the spread", TIMED("t", 100, 95, 105), TIMED("t", 130, 125, 135), NULL, 1},
    {"time within the noise", TIMED("t", 100, 80, 140), TIMED("t", 120, 90, 150), NULL, 0},
    {"time above base max but within spread", TIMED("t", 100, 90, 110), TIMED("t", 112, 100, 125), NULL, 0},
    {"time improvement", TIMED("t", 100, 95, 105), TIMED("t", 50, 48, 52), NULL, 0},
    {"higher-is-better throughput falls", TIMED_HIGHER("h", 10, 9.5, 10.5), TIMED_HIGHER("h", 6, 5.8, 6.2), NULL, 1},
    {"higher-is-better throughput rises", TIMED_HIGHER("h", 10, 9.5, 10.5), TIMED_HIGHER("h", 14, 13.8, 14.2), NULL, 0},
    {"benchmark missing from NEW", INSTR("a", 1000) "," INSTR("b", 10), INSTR("a", 1000), NULL, 1},
    {"instruction count missing from NEW", INSTR("a", 1000), TIMED("a", 100, 95, 105), NULL, 1},
    {"new benchmark is informational", INSTR("a", 1000), INSTR("a", 1000) "," INSTR("c", 5), NULL, 0},
    {"exact value from zero", "{\"name\":\"allocs\",\"median\":0,\"min\":0,\"max\":0,\"repetitions\":1}",
     "{\"name\":\"allocs\",\"median\":3,\"min\":3,\"max\":3,\"repetitions\":1}", NULL, 1},
    {"base not JSON", "!{\"schema\": ", INSTR("a", 1), NULL, 2},
    {"new of another schema", INSTR("a", 1), "!{\"schema\":\"other/1\",\"benchmarks\":[]}", NULL, 2},
    {"entry without a name", INSTR("a", 1), "{\"unit\":\"x\"}", NULL, 2},
    {"bad threshold", INSTR("a", 1), INSTR("a", 1), "two", 2},
};

/* Write a document (or the raw text after '!') to a temporary file; returns its malloc'd path. */
static char *write_document(const char *content)
{
    char *path = strdup("/tmp/bench-compare-XXXXXX.json");
    int fd = mkstemps(path, 5);
    cr_assert(fd >= 0);
    FILE *file = fdopen(fd, "w");
    if (content[0] == '!')
        fputs(content + 1, file);
    else
        fprintf(file, "{\"schema\":\"wakecert-bench/1\",\"revision\":\"test\",\"benchmarks\":[%s]}\n", content);
    fclose(file);
    return path;
}

/* Run compare with stdout/stderr silenced; returns its exit code. */
static int run_compare(const char *base, const char *current, const char *threshold, const char *markdown)
{
    char *argv[8] = {"compare", (char *)base, (char *)current, NULL, NULL, NULL, NULL, NULL};
    int argc = 3;
    if (threshold) {
        argv[argc++] = "--max-regression";
        argv[argc++] = (char *)threshold;
    }
    if (markdown) {
        argv[argc++] = "--markdown";
        argv[argc++] = (char *)markdown;
    }
    fflush(stdout);
    fflush(stderr);
    int saved_out = dup(1), saved_err = dup(2);
    FILE *null = fopen("/dev/null", "w");
    dup2(fileno(null), 1);
    dup2(fileno(null), 2);
    int status = wakecert_compare_main(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(saved_out, 1);
    dup2(saved_err, 2);
    close(saved_out);
    close(saved_err);
    fclose(null);
    return status;
}

/* Criterion runs each parameter in a fresh process (a re-executed binary, so addresses of static
 * strings differ): the parameter is the row's index, not a pointer into the table. */
static int case_indices[sizeof cases / sizeof cases[0]];

ParameterizedTestParameters(compare, exit_codes)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        case_indices[i] = (int)i;
    return cr_make_param_array(int, case_indices, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(int *index, compare, exit_codes, .timeout = 10)
{
    const struct compare_case *row = &cases[*index];
    char *base = write_document(row->base), *current = write_document(row->current);
    int status = run_compare(base, current, row->threshold, NULL);
    unlink(base);
    unlink(current);
    free(base);
    free(current);
    cr_expect_eq(status, row->expected, "case \"%s\": exit %d, expected %d", row->what, status, row->expected);
}

Test(compare, markdown_names_the_regression, .timeout = 10)
{
    char *base = write_document(INSTR("frontend.mfcc.avx2", 7000) "," INSTR("gate.stream", 100));
    char *current = write_document(INSTR("frontend.mfcc.avx2", 9000) "," INSTR("gate.stream", 100));
    char markdown[] = "/tmp/bench-compare-md-XXXXXX";
    int fd = mkstemp(markdown);
    cr_assert(fd >= 0);
    close(fd);
    cr_assert_eq(run_compare(base, current, NULL, markdown), 1);
    FILE *file = fopen(markdown, "r");
    cr_assert_not_null(file);
    char text[8192] = "";
    size_t length = fread(text, 1, sizeof text - 1, file);
    text[length] = '\0';
    fclose(file);
    cr_expect(strstr(text, "| `frontend.mfcc.avx2` | instructions | 7000 | 9000 | +28.57% | **REGRESSION** |") != NULL,
              "markdown was:\n%s", text);
    cr_expect(strstr(text, "1 regressions, 0 missing") != NULL, "markdown was:\n%s", text);
    unlink(markdown);
    unlink(base);
    unlink(current);
    free(base);
    free(current);
}

Test(compare, missing_file_exits_2, .timeout = 10)
{
    char *current = write_document(INSTR("a", 1));
    cr_expect_eq(run_compare("/nonexistent/base.json", current, NULL, NULL), 2);
    unlink(current);
    free(current);
}
