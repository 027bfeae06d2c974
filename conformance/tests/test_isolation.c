/*
 * Certifying engines we did not write: each hostile engine (plugins/hostile_*.c) is certified in the
 * default sandboxed child process and must be reported with the right status — CRASH naming the
 * signal, TIMEOUT, or sandbox.no_side_channel FAIL naming the system call — while the harness itself
 * exits normally (1) with every output written. The Python example engine, speaking the framed
 * protocol, passes the smoke certification.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli_support.h"
#include "files.h"
#include "json.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void setup(void)
{
    work_directory_setup("isolation");
}

TestSuite(isolation, .init = setup, .fini = work_directory_teardown, .timeout = 300);

/* Certify; returns the exit status (asserting the harness exited normally) and the results. */
static int certify(const char *label, const char *engine, const char *extra, cJSON **results)
{
    char arguments[4096];
    snprintf(arguments, sizeof arguments, "certify --quiet --engine '%s' --call-timeout-ms 2000 %s --out '%s/%s'", engine,
             extra, work_directory, label);
    int exit_code = run_wakecert(label, arguments);
    const char *outputs[] = {"results.json", "trace.jsonl", "junit.xml", "summary.md", "report.html"};
    for (size_t i = 0; i < sizeof outputs / sizeof outputs[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s/%s", work_directory, label, outputs[i]);
        cr_expect_eq(access(path, R_OK), 0, "%s: %s was not written", label, outputs[i]);
    }
    *results = load_results(label);
    return exit_code;
}

/* Some requirement carries `status` and its evidence mentions `text`. */
static void expect_status_with(const cJSON *results, const char *status, const char *text, const char *label)
{
    const cJSON *entry;
    bool found = false;
    cJSON_ArrayForEach(entry, cJSON_GetObjectItem(results, "requirements"))
    {
        if (strcmp(wakecert_json_string(entry, "status"), status) != 0)
            continue;
        char *printed = cJSON_PrintUnformatted(cJSON_GetObjectItem(entry, "evidence"));
        found |= printed && strstr(printed, text) != NULL;
        cJSON_free(printed);
    }
    cr_expect(found, "%s: no requirement is %s with evidence mentioning \"%s\"", label, status, text);
}

static void hostile_path(char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s/libhostile_%s.so", HOSTILE_DIRECTORY, name);
}

Test(isolation, crashing_engines_are_reported_as_crash_with_the_signal)
{
    static const struct {
        const char *name, *signal;
    } crashes[] = {{"segfault", "Segmentation fault"}, {"abort", "Aborted"}, {"allocate", "evidence"}};
    for (size_t i = 0; i < sizeof crashes / sizeof crashes[0]; i++) {
        char engine[1024];
        hostile_path(engine, sizeof engine, crashes[i].name);
        cJSON *results = NULL;
        cr_expect_eq(certify(crashes[i].name, engine, "--engine-check-seconds 0", &results), 1, "%s", crashes[i].name);
        cr_expect_str_eq(wakecert_json_string(results, "verdict"), "FAIL");
#ifdef __SANITIZE_ADDRESS__
        /* Under AddressSanitizer the engine's fault is caught by ASan, whose report needs system calls
         * the sandbox forbids: the engine then shows as CRASH or as a sandbox violation, never PASS. */
        const char *sandbox_status = wakecert_json_string(requirement(results, "sandbox.no_side_channel"), "status");
        if (strcmp(sandbox_status, "FAIL") != 0)
            expect_status_with(results, "CRASH", "the engine crashed", crashes[i].name);
#else
        if (strcmp(crashes[i].name, "allocate") == 0)
            expect_status_with(results, "CRASH", "the engine crashed", crashes[i].name); /* at the memory limit */
        else
            expect_status_with(results, "CRASH", crashes[i].signal, crashes[i].name);
#endif
        cJSON_Delete(results);
    }
}

Test(isolation, hanging_engine_is_reported_as_timeout)
{
    char engine[1024];
    hostile_path(engine, sizeof engine, "hang");
    cJSON *results = NULL;
    cr_expect_eq(certify("hang", engine, "--engine-check-seconds 0", &results), 1);
    expect_status_with(results, "TIMEOUT", "no answer within the call timeout", "hang");
    cJSON_Delete(results);
}

Test(isolation, side_channels_are_caught_by_the_sandbox_with_the_call_named)
{
    static const struct {
        const char *name, *call;
    } leaks[] = {{"udp_send", "socket"}, {"write_file", "openat"}, {"fork", "clone"}};
    for (size_t i = 0; i < sizeof leaks / sizeof leaks[0]; i++) {
        char engine[1024];
        hostile_path(engine, sizeof engine, leaks[i].name);
        cJSON *results = NULL;
        cr_expect_eq(certify(leaks[i].name, engine, "--engine-check-seconds 0", &results), 1, "%s", leaks[i].name);
        const cJSON *sandbox = requirement(results, "sandbox.no_side_channel");
        cr_expect_str_eq(wakecert_json_string(sandbox, "status"), "FAIL", "%s", leaks[i].name);
        char *printed = cJSON_PrintUnformatted(cJSON_GetObjectItem(sandbox, "evidence"));
        cr_expect(printed && strstr(printed, leaks[i].call), "%s: evidence %s lacks %s", leaks[i].name, printed,
                  leaks[i].call);
        cJSON_free(printed);
        cJSON_Delete(results);
    }
    cr_expect_neq(access("/tmp/wakecert-hostile-audio.raw", F_OK), 0, "the sandbox let a file be written");
}

Test(isolation, reference_in_the_sandbox_passes_and_reports_child_cpu_time)
{
    cJSON *results = NULL;
    cr_expect_eq(certify("reference", "ref", "--engine-check-seconds 20", &results), 0);
    const cJSON *sandbox = requirement(results, "sandbox.no_side_channel");
    cr_expect_str_eq(wakecert_json_string(sandbox, "status"), "PASS");
    cr_expect_eq(wakecert_json_number(sandbox, "measured", -1), 0);
    const cJSON *realtime = requirement(results, "perf.realtime_factor");
    cr_expect(wakecert_json_number(realtime, "measured", -1) > 0, "the child's CPU time is measured");
    cJSON_Delete(results);
    cr_expect_eq(certify("in_process", "ref", "--in-process --engine-check-seconds 20", &results), 1,
                 "in-process runs cannot vouch for the sandbox");
    cr_expect_str_eq(wakecert_json_string(requirement(results, "sandbox.no_side_channel"), "status"), "FAIL");
    cJSON_Delete(results);
}

Test(isolation, python_example_engine_passes_the_smoke_certification)
{
    char engine[1024];
    snprintf(engine, sizeof engine, "exec:/usr/bin/python3 %s", PYTHON_ENGINE);
    cJSON *results = NULL;
    int exit_code = certify("python", engine, "--profile smoke --engine-check-seconds 10", &results);
    cr_expect_eq(exit_code, 0, "the Python example failed smoke: see %s/python.log", work_directory);
    const cJSON *entry;
    cJSON_ArrayForEach(entry, cJSON_GetObjectItem(results, "requirements"))
    if (cJSON_IsTrue(cJSON_GetObjectItem(entry, "mustpass")))
        cr_expect_str_eq(wakecert_json_string(entry, "status"), "PASS", "%s: %s", wakecert_json_string(entry, "id"),
                         wakecert_json_string(entry, "summary"));
    cr_expect_str_eq(wakecert_json_string(cJSON_GetObjectItem(results, "engine"), "name"), "python-example");
    cJSON_Delete(results);
}
