/*
 * Driving gnuplot: find it, feed it a script through a pipe, collect what it drew.
 *
 * gnuplot is an optional dependency: it is found at run time ($WAKECERT_GNUPLOT, else `gnuplot` on
 * PATH), and when it is missing or fails the report is still written, with tables only. Data goes
 * inline in the script as `$name << EOD` blocks, so nothing but the pictures touches the disk: each
 * render uses one private temporary directory (mkdtemp under $TMPDIR) for gnuplot's SVG, PNG and
 * stderr, and removes it before returning, whatever happened. One gnuplot process draws one plot
 * twice — SVG for the HTML, PNG (pngcairo when this gnuplot has it, else the libgd `png`) for
 * everything else — because a separate process per plot keeps one broken plot from taking the
 * others with it, and gnuplot starts in a few milliseconds.
 */
#ifndef WAKECERT_REPORTS_GNUPLOT_H
#define WAKECERT_REPORTS_GNUPLOT_H

#include <stdbool.h>
#include <stddef.h>

struct gnuplot {
    bool available;
    bool has_pngcairo;
    char path[1024];
    char unavailable_reason[1200]; /* set when !available, e.g. "gnuplot not found on PATH" */
};

/** Locate gnuplot and probe its PNG terminal. Returns 0 when found (g->available), else
 *  WAKECERT_ERROR_UNSUPPORTED with g->unavailable_reason set. Never prints. */
int gnuplot_find(struct gnuplot *g);

/** The picture gnuplot drew: the SVG text (NUL-terminated) and the PNG file's bytes; both malloc'd. */
struct gnuplot_output {
    char *svg;
    unsigned char *png;
    size_t png_size;
};

/** Run `script` (plot commands without terminal/output settings; may define datablocks) once to SVG
 *  and once to PNG at width x height pixels. Returns 0 and fills *out, or WAKECERT_ERROR_UNSUPPORTED
 *  when gnuplot is unavailable, WAKECERT_ERROR_IO when it failed (message holds its first error
 *  line). Leaves no temporary file behind in any case. */
int gnuplot_render(const struct gnuplot *g, const char *script, int width, int height, struct gnuplot_output *out,
                   char *message, size_t message_size);

void gnuplot_output_free(struct gnuplot_output *out);

#endif
