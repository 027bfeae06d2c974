/*
 * gnuplot through popen (see gnuplot.h). The command line is built by the shell, so every path in it
 * is single-quoted; gnuplot's stderr goes to a file in the private temporary directory and its first
 * line becomes the error message. SIGPIPE is ignored while writing the script, so a gnuplot that dies
 * early turns into an error code here rather than killing the harness.
 */
#define _POSIX_C_SOURCE 200809L
#include "gnuplot.h"

#include "error.h"
#include "files.h"
#include "report_text.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Append `raw` single-quoted for /bin/sh. */
static void shell_quote(struct report_text *text, const char *raw)
{
    report_text_append(text, "'", 1);
    for (const char *p = raw; *p; p++) {
        if (*p == '\'')
            report_text_append(text, "'\\''", 4);
        else
            report_text_append(text, p, 1);
    }
    report_text_append(text, "'", 1);
}

static bool is_executable_file(const char *path)
{
    struct stat info;
    return stat(path, &info) == 0 && S_ISREG(info.st_mode) && access(path, X_OK) == 0;
}

static bool search_path(const char *name, char *out, size_t out_size)
{
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    while (*path) {
        size_t length = strcspn(path, ":");
        snprintf(out, out_size, "%.*s/%s", (int)length, length ? path : ".", name);
        if (is_executable_file(out))
            return true;
        path += length;
        if (*path == ':')
            path++;
    }
    return false;
}

int gnuplot_find(struct gnuplot *g)
{
    memset(g, 0, sizeof *g);
    const char *forced = getenv("WAKECERT_GNUPLOT");
    if (forced && *forced) {
        if (!is_executable_file(forced)) {
            snprintf(g->unavailable_reason, sizeof g->unavailable_reason,
                     "WAKECERT_GNUPLOT=%s is not an executable file", forced);
            return WAKECERT_ERROR_UNSUPPORTED;
        }
        snprintf(g->path, sizeof g->path, "%s", forced);
    } else if (!search_path("gnuplot", g->path, sizeof g->path)) {
        snprintf(g->unavailable_reason, sizeof g->unavailable_reason,
                 "gnuplot was not found on PATH (install the Debian package gnuplot-nox, or set WAKECERT_GNUPLOT)");
        return WAKECERT_ERROR_UNSUPPORTED;
    }
    /* Probe pngcairo: gnuplot complains on stderr about a terminal it does not have. */
    struct report_text command = {0};
    shell_quote(&command, g->path);
    report_text_printf(&command, " -e 'set terminal pngcairo' 2>&1 </dev/null");
    FILE *probe = command.failed ? NULL : popen(report_text_string(&command), "r");
    report_text_free(&command);
    if (!probe) {
        snprintf(g->unavailable_reason, sizeof g->unavailable_reason, "%s could not be started", g->path);
        return WAKECERT_ERROR_UNSUPPORTED;
    }
    char line[512];
    bool complained = false;
    while (fgets(line, sizeof line, probe))
        complained = true;
    int status = pclose(probe);
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) == 127 || WEXITSTATUS(status) == 126) {
        snprintf(g->unavailable_reason, sizeof g->unavailable_reason, "%s could not be run", g->path);
        return WAKECERT_ERROR_UNSUPPORTED;
    }
    g->has_pngcairo = !complained && WEXITSTATUS(status) == 0;
    g->available = true;
    return 0;
}

static void remove_quietly(const char *directory, const char *name)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", directory, name);
    unlink(path);
}

/* Read a whole file into a malloc'd buffer; NULL when missing or empty. */
static unsigned char *slurp(const char *directory, const char *name, size_t *size)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", directory, name);
    char *data = NULL;
    size_t length = 0;
    if (wakecert_read_file(path, &data, &length, NULL, 0) != 0)
        return NULL;
    if (length == 0) {
        free(data);
        return NULL;
    }
    if (size)
        *size = length;
    return (unsigned char *)data;
}

int gnuplot_render(const struct gnuplot *g, const char *script, int width, int height, struct gnuplot_output *out,
                   char *message, size_t message_size)
{
    memset(out, 0, sizeof *out);
    if (!g->available)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_UNSUPPORTED, "%s", g->unavailable_reason);
    const char *tmp = getenv("TMPDIR");
    char directory[4096];
    snprintf(directory, sizeof directory, "%s/wakecert-plot-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(directory))
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_IO,
                                  "cannot create a temporary directory for gnuplot in %s", tmp && *tmp ? tmp : "/tmp");

    struct report_text command = {0}, input = {0};
    char stderr_path[4200];
    snprintf(stderr_path, sizeof stderr_path, "%s/stderr.txt", directory);
    report_text_printf(&command, "exec ");
    shell_quote(&command, g->path);
    report_text_printf(&command, " >/dev/null 2>");
    shell_quote(&command, stderr_path);

    /* Paths inside the gnuplot script are in single quotes; mkdtemp names contain no quote unless
     * TMPDIR does, which gnuplot could not take anyway. */
    report_text_printf(&input, "set encoding utf8\n"
                               "set terminal svg size %d,%d dynamic noenhanced font 'sans,11' background rgb 'white'\n"
                               "set output '%s/plot.svg'\n%s\nunset output\n",
                       width, height, directory, script);
    report_text_printf(&input, "reset\nset terminal %s size %d,%d noenhanced font 'sans,%d' background rgb 'white'\n"
                               "set output '%s/plot.png'\n%s\nunset output\nexit\n",
                       g->has_pngcairo ? "pngcairo" : "png", width, height, g->has_pngcairo ? 10 : 9, directory,
                       script);
    int status = 0;
    if (command.failed || input.failed)
        status = wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "gnuplot script: out of memory");
    int exit_status = -1;
    if (!status) {
        struct sigaction ignore = {0}, previous;
        ignore.sa_handler = SIG_IGN;
        sigaction(SIGPIPE, &ignore, &previous);
        FILE *pipe = popen(report_text_string(&command), "w");
        if (!pipe)
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_IO, "cannot start %s", g->path);
        else {
            fwrite(input.data, 1, input.length, pipe);
            exit_status = pclose(pipe);
        }
        sigaction(SIGPIPE, &previous, NULL);
    }
    if (!status) {
        size_t error_size = 0;
        char *errors = (char *)slurp(directory, "stderr.txt", &error_size);
        out->svg = (char *)slurp(directory, "plot.svg", NULL);
        out->png = slurp(directory, "plot.png", &out->png_size);
        bool exited_cleanly = exit_status != -1 && WIFEXITED(exit_status) && WEXITSTATUS(exit_status) == 0;
        if (!exited_cleanly || !out->svg || !out->png) { /* warnings alone do not fail a plot */
            char first_error[600] = "no output";
            if (errors) {
                /* gnuplot's message is the last non-empty line ("line N: ..."); keep it short. */
                char *line = strtok(errors, "\n");
                while (line) {
                    if (strspn(line, " \t^") != strlen(line))
                        snprintf(first_error, sizeof first_error, "%s", line);
                    line = strtok(NULL, "\n");
                }
            }
            status = wakecert_set_error(message, message_size, WAKECERT_ERROR_IO, "gnuplot (%s) failed: %s", g->path,
                                        first_error);
            gnuplot_output_free(out);
        }
        free(errors);
    }
    report_text_free(&command);
    report_text_free(&input);
    remove_quietly(directory, "plot.svg");
    remove_quietly(directory, "plot.png");
    remove_quietly(directory, "stderr.txt");
    rmdir(directory);
    return status;
}

void gnuplot_output_free(struct gnuplot_output *out)
{
    if (!out)
        return;
    free(out->svg);
    free(out->png);
    memset(out, 0, sizeof *out);
}
