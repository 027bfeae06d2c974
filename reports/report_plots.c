/*
 * The plots (see report_plots.h). Each plot is a function that writes a gnuplot script from the trace
 * and results.json, or says it does not apply; report_plots_draw renders them one gnuplot process
 * each. Scripts carry their data inline (`$name << EOD`), strings quoted with report_text's gnuplot
 * escaping, and numbers printed with %.9g, so a script is a complete record of its picture.
 *
 * Conventions shared by the pictures, so they read alike: one colour per meaning (green = labelled
 * truth / hits, orange = false wakes, blue = streaming, red = microphone off or a failure, magenta
 * dashes = the profile's bounds), bounds and percentile marks drawn as lines with a key entry, and
 * every series titled with its count so an empty-looking plot explains itself.
 *
 * The stream timeline is the picture that explains a failure: lanes from top to bottom are the
 * audio (waveform, when the corpus is at hand), the labels (wake words, requests, confusables),
 * the engine's wake detections (with scores and reported word bounds), streams and the samples each
 * upload claims, the indicator, and the controls (microphone-off windows, button, StopCapture,
 * cloud reject, ExpectSpeech). Evidence of failing requirements is drawn as red dashed lines.
 */
#define _POSIX_C_SOURCE 200809L
#include "report_plots.h"

#include "corpus.h"
#include "engine_loader.h"
#include "error.h"
#include "files.h"
#include "json.h"
#include "report_data.h"
#include "report_text.h"
#include "wakecert/engine.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COLOR_TRUTH "#1b9e77"
#define COLOR_FALSE "#d95f02"
#define COLOR_STREAM "#3b6fd8"
#define COLOR_MUTED "#c62828"
#define COLOR_BOUND "#c2185b"
#define COLOR_MARK "#555555"

/* ---- shared helpers ----------------------------------------------------------------------------- */

static const cJSON *find_requirement(const cJSON *results, const char *id)
{
    const cJSON *entry;
    cJSON_ArrayForEach(entry, cJSON_GetObjectItemCaseSensitive(results, "requirements"))
    {
        const char *entry_id = wakecert_json_string(entry, "id");
        if (entry_id && strcmp(entry_id, id) == 0)
            return entry;
    }
    return NULL;
}

static const char *profile_name(const cJSON *results)
{
    const char *name = wakecert_json_string(cJSON_GetObjectItemCaseSensitive(results, "profile"), "name");
    return name && *name ? name : "profile";
}

static void quoted(struct report_text *script, const char *raw)
{
    report_text_append(script, "\"", 1);
    report_text_escape_gnuplot(script, raw);
    report_text_append(script, "\"", 1);
}

static void begin_block(struct report_text *script, const char *name)
{
    report_text_printf(script, "$%s << EOD\n", name);
}

static void end_block(struct report_text *script)
{
    report_text_printf(script, "EOD\n");
}

/* A vertical line at x across the whole graph, with a key entry through a NaN series. */
static void vertical_mark(struct report_text *script, struct report_text *clauses, double x, const char *color,
                          int dash, const char *title)
{
    report_text_printf(script, "set arrow from %.9g, graph 0 to %.9g, graph 1 nohead lc rgb '%s' lw 1.5 dt %d front\n", x,
                       x, color, dash);
    report_text_printf(clauses, "%sNaN with lines lc rgb '%s' lw 1.5 dt %d title ", clauses->length ? ", " : "", color,
                       dash);
    quoted(clauses, title);
}

static void horizontal_mark(struct report_text *script, struct report_text *clauses, double y, const char *color,
                            int dash, const char *title)
{
    report_text_printf(script, "set arrow from graph 0, first %.9g to graph 1, first %.9g nohead lc rgb '%s' lw 1.5 dt %d front\n",
                       y, y, color, dash);
    report_text_printf(clauses, "%sNaN with lines lc rgb '%s' lw 1.5 dt %d title ", clauses->length ? ", " : "", color,
                       dash);
    quoted(clauses, title);
}

static void common_style(struct report_text *script, const char *title)
{
    report_text_printf(script, "set title ");
    quoted(script, title);
    report_text_printf(script, "\nset grid lc rgb '#dddddd'\nset border lc rgb '#444444'\n"
                               "set key outside top center horizontal maxrows 3 samplen 2 spacing 1.1\n"
                               "set tics nomirror\n");
}

/* ---- score distributions ------------------------------------------------------------------------ */

static void histogram_series(struct report_text *script, struct report_text *clauses, const char *block,
                             const struct report_values *values, const char *color, const char *title)
{
    begin_block(script, block);
    for (size_t i = 0; i < values->count; i++)
        report_text_printf(script, "%.9g\n", values->values[i]);
    end_block(script);
    char full_title[200];
    snprintf(full_title, sizeof full_title, "%s (n=%zu)", title, values->count);
    report_text_printf(clauses, "%s$%s using (bin($1)):(1.0) smooth frequency with boxes lc rgb '%s' title ",
                       clauses->length ? ", " : "", block, color);
    quoted(clauses, full_title);
}

static bool script_scores(const struct report_detection_stats *stats, struct report_text *script, struct report_plot *plot)
{
    if (stats->positive_scores.count + stats->negative_scores.count == 0)
        return false;
    snprintf(plot->title, sizeof plot->title, "Wake score distribution");
    snprintf(plot->caption, sizeof plot->caption,
             "Scores the engine reported with each wake: positives hit a labelled wake word, negatives are false "
             "wakes (duplicates within 1 s and wakes while the microphone was off are left out). Separated "
             "distributions mean a threshold exists that keeps both error rates low.");
    double low = INFINITY, high = -INFINITY;
    const struct report_values *all[2] = {&stats->positive_scores, &stats->negative_scores};
    for (int s = 0; s < 2; s++)
        for (size_t i = 0; i < all[s]->count; i++) {
            low = fmin(low, all[s]->values[i]);
            high = fmax(high, all[s]->values[i]);
        }
    double width = (high - low) / 20;
    if (!(width > 0))
        width = 0.02;
    common_style(script, plot->title);
    report_text_printf(script, "binwidth = %.9g\nbin(x) = binwidth * floor(x / binwidth) + binwidth / 2\n"
                               "set boxwidth binwidth\nset style fill transparent solid 0.55 border\n"
                               "set xlabel 'wake score'\nset ylabel 'detections'\nset yrange [0:*]\n"
                               "set xrange [%.9g:%.9g]\n",
                       width, low - width, high + 2 * width);
    struct report_text clauses = {0};
    if (stats->positive_scores.count)
        histogram_series(script, &clauses, "positives", &stats->positive_scores, COLOR_TRUTH,
                         "positives: hit a wake word");
    if (stats->negative_scores.count)
        histogram_series(script, &clauses, "negatives", &stats->negative_scores, COLOR_FALSE,
                         "negatives: false wakes");
    report_text_printf(script, "plot %s\n", report_text_string(&clauses));
    report_text_free(&clauses);
    return true;
}

/* ---- detection latency CDF ---------------------------------------------------------------------- */

static double percentile_of_sorted(const struct report_values *sorted, double fraction)
{
    size_t index = (size_t)ceil(fraction * (double)sorted->count);
    index = index ? index - 1 : 0;
    if (index >= sorted->count)
        index = sorted->count - 1;
    return sorted->values[index];
}

static bool script_latency(const cJSON *results, const struct report_detection_stats *stats, struct report_text *script,
                           struct report_plot *plot)
{
    const struct report_values *latencies = &stats->latencies_ms;
    if (latencies->count == 0)
        return false;
    snprintf(plot->title, sizeof plot->title, "Detection latency (wake word end to detection)");
    double p50 = percentile_of_sorted(latencies, 0.50), p95 = percentile_of_sorted(latencies, 0.95),
           max = latencies->values[latencies->count - 1];
    const cJSON *requirement = find_requirement(results, "wake.detection_latency");
    double bound = requirement ? wakecert_json_number(requirement, "threshold", NAN) : NAN;
    snprintf(plot->caption, sizeof plot->caption,
             "Cumulative share of the %zu detected wake words detected within a given time after the word ended "
             "(p50 %.0f ms, p95 %.0f ms, max %.0f ms)%s.",
             latencies->count, p50, p95, max, isfinite(bound) ? "; the dashed line is the profile's bound" : "");
    common_style(script, plot->title);
    double right = fmax(max, isfinite(bound) ? bound : max);
    double left = fmin(0, latencies->values[0]);
    report_text_printf(script, "set xlabel 'latency after the wake word ends (ms)'\nset ylabel 'share of detections'\n"
                               "set yrange [0:1.05]\nset xrange [%.9g:%.9g]\n",
                       left - 0.02 * (right - left + 1), right * 1.08 + 1);
    begin_block(script, "latency");
    report_text_printf(script, "%.9g 0\n", latencies->values[0]);
    for (size_t i = 0; i < latencies->count; i++)
        report_text_printf(script, "%.9g %.9g\n", latencies->values[i], (double)(i + 1) / (double)latencies->count);
    end_block(script);
    struct report_text clauses = {0};
    char title[160];
    snprintf(title, sizeof title, "detections (n=%zu)", latencies->count);
    report_text_printf(&clauses, "$latency using 1:2 with steps lw 2 lc rgb '%s' title ", COLOR_TRUTH);
    quoted(&clauses, title);
    snprintf(title, sizeof title, "p50 %.0f ms", p50);
    vertical_mark(script, &clauses, p50, COLOR_MARK, 3, title);
    snprintf(title, sizeof title, "p95 %.0f ms", p95);
    vertical_mark(script, &clauses, p95, COLOR_MARK, 4, title);
    snprintf(title, sizeof title, "max %.0f ms", max);
    vertical_mark(script, &clauses, max, COLOR_FALSE, 1, title);
    if (isfinite(bound)) {
        snprintf(title, sizeof title, "%s bound %.0f ms", profile_name(results), bound);
        vertical_mark(script, &clauses, bound, COLOR_BOUND, 2, title);
    }
    report_text_printf(script, "plot %s\n", report_text_string(&clauses));
    report_text_free(&clauses);
    return true;
}

/* ---- pre-roll ----------------------------------------------------------------------------------- */

static bool script_preroll(const cJSON *results, const struct trace *trace, struct report_text *script,
                           struct report_plot *plot, int *status)
{
    struct report_values reported, true_onset;
    *status = report_prerolls(trace, &reported, &true_onset);
    if (*status || reported.count == 0) {
        report_values_free(&reported);
        report_values_free(&true_onset);
        return false;
    }
    snprintf(plot->title, sizeof plot->title, "Pre-roll: audio uploaded before the wake word");
    const cJSON *requirement = find_requirement(results, "upload.preroll_bounds");
    const cJSON *details = requirement ? cJSON_GetObjectItemCaseSensitive(requirement, "details") : NULL;
    double nominal = wakecert_json_number(details, "nominal_preroll_ms", NAN);
    double tolerance = requirement ? wakecert_json_number(requirement, "threshold", NAN) : NAN;
    double true_bound = wakecert_json_number(details, "true_onset_preroll_bound_ms", NAN);
    snprintf(plot->caption, sizeof plot->caption,
             "For each stream a wake opened: how much audio the first upload holds before the wake word start the "
             "engine reported (top row) and before the labelled, true onset (bottom row), in ms, over %zu streams. "
             "The profile bounds the first against its nominal pre-roll%s.",
             reported.count, isfinite(true_bound) ? " and the second against a maximum" : "");
    common_style(script, plot->title);
    report_text_printf(script, "set xlabel 'pre-roll (ms)'\nset ytics ('reported wake start' 1, 'true onset' 0)\n"
                               "set yrange [-0.6:1.6]\nset offsets graph 0.05, graph 0.05, 0, 0\n");
    struct report_text clauses = {0};
    char title[200];
    begin_block(script, "reported");
    for (size_t i = 0; i < reported.count; i++)
        report_text_printf(script, "%.9g %.9g\n", reported.values[i], 1 + 0.25 * (((double)(i % 7) / 6.0) - 0.5));
    end_block(script);
    snprintf(title, sizeof title, "reported start - first uploaded sample (n=%zu)", reported.count);
    report_text_printf(&clauses, "$reported using 1:2 with points pt 7 ps 1.2 lc rgb '%s' title ", COLOR_STREAM);
    quoted(&clauses, title);
    if (true_onset.count) {
        begin_block(script, "trueonset");
        for (size_t i = 0; i < true_onset.count; i++)
            report_text_printf(script, "%.9g %.9g\n", true_onset.values[i], 0.25 * (((double)(i % 7) / 6.0) - 0.5));
        end_block(script);
        snprintf(title, sizeof title, "true onset - first uploaded sample (n=%zu)", true_onset.count);
        report_text_printf(&clauses, ", $trueonset using 1:2 with points pt 9 ps 1.2 lc rgb '%s' title ", COLOR_TRUTH);
        quoted(&clauses, title);
    }
    if (isfinite(nominal) && isfinite(tolerance)) {
        snprintf(title, sizeof title, "%s: %.0f ms +/- %.0f ms", profile_name(results), nominal, tolerance);
        vertical_mark(script, &clauses, nominal - tolerance, COLOR_BOUND, 2, title);
        report_text_printf(script, "set arrow from %.9g, graph 0 to %.9g, graph 1 nohead lc rgb '%s' lw 1.5 dt 2 front\n",
                           nominal + tolerance, nominal + tolerance, COLOR_BOUND);
    }
    if (isfinite(true_bound)) {
        snprintf(title, sizeof title, "true-onset bound %.0f ms", true_bound);
        vertical_mark(script, &clauses, true_bound, COLOR_MUTED, 4, title);
    }
    report_text_printf(script, "plot %s\n", report_text_string(&clauses));
    report_text_free(&clauses);
    report_values_free(&reported);
    report_values_free(&true_onset);
    return true;
}

/* ---- bar charts from results.json details ------------------------------------------------------- */

static bool script_false_wakes_by_kind(const cJSON *results, struct report_text *script, struct report_plot *plot)
{
    const cJSON *requirement = find_requirement(results, "wake.false_wakes_per_hour");
    const cJSON *by_kind = requirement ? cJSON_GetObjectItemCaseSensitive(
                                             cJSON_GetObjectItemCaseSensitive(requirement, "details"), "by_kind")
                                       : NULL;
    if (cJSON_GetArraySize(by_kind) == 0)
        return false;
    double bound = wakecert_json_number(requirement, "threshold", NAN);
    snprintf(plot->title, sizeof plot->title, "False wakes per hour by kind of audio");
    snprintf(plot->caption, sizeof plot->caption,
             "False wakes (detections with no labelled wake word) per hour of each kind of audio; bars are labelled "
             "with the count and the hours behind them. The dashed line is the profile's bound, which applies to "
             "the whole corpus.");
    common_style(script, plot->title);
    report_text_printf(script, "set style fill solid 0.75 noborder\nset boxwidth 0.6\nset ylabel 'false wakes per hour'\n"
                               "set yrange [0:*]\nset xrange [-0.6:%d.6]\nset offsets 0, 0, graph 0.15, 0\n",
                       cJSON_GetArraySize(by_kind) - 1);
    begin_block(script, "kinds");
    const cJSON *entry;
    cJSON_ArrayForEach(entry, by_kind)
    {
        quoted(script, entry->string);
        report_text_printf(script, " %.9g %.9g %.9g\n", wakecert_json_number(entry, "per_hour", 0),
                           wakecert_json_number(entry, "false_wakes", 0), wakecert_json_number(entry, "hours", 0));
    }
    end_block(script);
    struct report_text clauses = {0};
    report_text_printf(&clauses,
                       "$kinds using 0:2:xtic(1) with boxes lc rgb '%s' title 'false wakes per hour', "
                       "$kinds using 0:2:(sprintf('%%d in %%.3g h', $3, $4)) with labels offset 0,0.8 notitle",
                       COLOR_FALSE);
    if (isfinite(bound)) {
        char title[120];
        snprintf(title, sizeof title, "%s bound %.3g per hour", profile_name(results), bound);
        horizontal_mark(script, &clauses, bound, COLOR_BOUND, 2, title);
    }
    report_text_printf(script, "plot %s\n", report_text_string(&clauses));
    report_text_free(&clauses);
    return true;
}

static bool script_false_rejects_by_condition(const cJSON *results, struct report_text *script, struct report_plot *plot)
{
    const cJSON *requirement = find_requirement(results, "wake.false_reject_rate");
    const cJSON *by_condition =
        requirement ? cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(requirement, "details"),
                                                       "by_condition")
                    : NULL;
    if (cJSON_GetArraySize(by_condition) == 0)
        return false;
    snprintf(plot->title, sizeof plot->title, "False reject rate by condition");
    snprintf(plot->caption, sizeof plot->caption,
             "Share of labelled wake words the engine missed, per recording condition, labelled with misses / "
             "positives; the short dashes are the profile's bound for each condition's group (the conditions that "
             "share a bound are judged together, as one rate).");
    common_style(script, plot->title);
    report_text_printf(script, "set style fill solid 0.75 noborder\nset boxwidth 0.6\nset ylabel 'false reject rate'\n"
                               "set yrange [0:*]\nset xrange [-0.6:%d.6]\nset offsets 0, 0, graph 0.15, 0\n",
                       cJSON_GetArraySize(by_condition) - 1);
    begin_block(script, "conditions");
    const cJSON *entry;
    cJSON_ArrayForEach(entry, by_condition)
    {
        quoted(script, entry->string);
        report_text_printf(script, " %.9g %.9g %.9g %.9g\n", wakecert_json_number(entry, "rate", 0),
                           wakecert_json_number(entry, "misses", 0), wakecert_json_number(entry, "positives", 0),
                           wakecert_json_number(entry, "threshold", NAN));
    }
    end_block(script);
    report_text_printf(script,
                       "plot $conditions using 0:2:xtic(1) with boxes lc rgb '%s' title 'false reject rate', "
                       "$conditions using 0:2:(sprintf('%%d / %%d', $3, $4)) with labels offset 0,0.8 notitle, "
                       "$conditions using 0:5:(0.35) with xerrorbars pt 0 lw 2 lc rgb '%s' title '%s bound per condition'\n",
                       COLOR_MUTED, COLOR_BOUND, profile_name(results));
    return true;
}

/* ---- DET curve ---------------------------------------------------------------------------------- */

static bool script_det(const cJSON *results, const struct trace *trace, struct report_text *script,
                       struct report_plot *plot, int *status)
{
    struct report_det_point *points = NULL;
    size_t count = 0;
    *status = report_det_curve(trace, &points, &count);
    if (*status || count < 2) {
        free(points);
        return false;
    }
    const cJSON *fw_requirement = find_requirement(results, "wake.false_wakes_per_hour");
    const cJSON *fr_requirement = find_requirement(results, "wake.false_reject_rate");
    double fw_bound = fw_requirement ? wakecert_json_number(fw_requirement, "threshold", NAN) : NAN;
    double fr_bound = fr_requirement ? wakecert_json_number(fr_requirement, "threshold", NAN) : NAN;
    /* Zero false wakes cannot sit on a log axis: draw them at a floor a decade below anything shown. */
    double smallest = isfinite(fw_bound) && fw_bound > 0 ? fw_bound : INFINITY;
    for (size_t i = 0; i < count; i++)
        if (points[i].false_wakes_per_hour > 0)
            smallest = fmin(smallest, points[i].false_wakes_per_hour);
    double floor_value = isfinite(smallest) ? smallest / 10 : 0.01;
    snprintf(plot->title, sizeof plot->title, "DET curve: false rejects against false wakes");
    snprintf(plot->caption, sizeof plot->caption,
             "Each point drops the detections scoring below a threshold and re-scores the run: false reject rate "
             "against false wakes per hour (log scale; zero is drawn at %.3g). The large marker is the engine as it "
             "ran; dashed lines are the profile's bounds, so the operating point must sit in the lower left box.",
             floor_value);
    common_style(script, plot->title);
    report_text_printf(script, "set logscale x 10\nset xlabel 'false wakes per hour (log)'\nset ylabel 'false reject rate'\n"
                               "set yrange [-0.02:1.05]\nset format x '%%g'\n");
    begin_block(script, "det");
    for (size_t i = 0; i < count; i++)
        report_text_printf(script, "%.9g %.9g %.9g\n", fmax(points[i].false_wakes_per_hour, floor_value),
                           points[i].false_reject_rate, isfinite(points[i].threshold) ? points[i].threshold : -1);
    end_block(script);
    begin_block(script, "operating");
    report_text_printf(script, "%.9g %.9g\n", fmax(points[0].false_wakes_per_hour, floor_value), points[0].false_reject_rate);
    end_block(script);
    struct report_text clauses = {0};
    char title[160];
    snprintf(title, sizeof title, "score threshold swept (%zu points)", count);
    report_text_printf(&clauses, "$det using 1:2 with linespoints pt 7 ps 0.6 lw 2 lc rgb '%s' title ", COLOR_STREAM);
    quoted(&clauses, title);
    snprintf(title, sizeof title, "operating point (FRR %.3g, %.3g FW/h)", points[0].false_reject_rate,
             points[0].false_wakes_per_hour);
    report_text_printf(&clauses, ", $operating using 1:2 with points pt 5 ps 2 lc rgb '%s' title ", COLOR_FALSE);
    quoted(&clauses, title);
    if (isfinite(fw_bound) && fw_bound > 0) {
        snprintf(title, sizeof title, "%s false wakes bound %.3g/h", profile_name(results), fw_bound);
        vertical_mark(script, &clauses, fw_bound, COLOR_BOUND, 2, title);
    }
    if (isfinite(fr_bound)) {
        snprintf(title, sizeof title, "%s false reject bound %.3g", profile_name(results), fr_bound);
        horizontal_mark(script, &clauses, fr_bound, COLOR_BOUND, 4, title);
    }
    report_text_printf(script, "plot %s\n", report_text_string(&clauses));
    report_text_free(&clauses);
    free(points);
    return true;
}

/* ---- stream timeline ---------------------------------------------------------------------------- */

enum lane { LANE_CONTROLS = 0, LANE_INDICATOR = 1, LANE_UPLOADS = 2, LANE_WAKE = 3, LANE_LABELS = 4, LANE_AUDIO = 5 };

/* A rectangle series: rows "x1 x2 y1 y2 [text]" drawn with boxxyerror. */
struct box_series {
    struct report_text rows;
    size_t count;
};

static void box(struct box_series *series, double x1, double x2, double y, double half_height, const char *text)
{
    report_text_printf(&series->rows, "%.9g %.9g %.9g %.9g ", x1, x2 < x1 ? x1 : x2, y - half_height, y + half_height);
    quoted(&series->rows, text ? text : "");
    report_text_printf(&series->rows, "\n");
    series->count++;
}

static void emit_boxes(struct report_text *script, struct report_text *clauses, struct box_series *series,
                       const char *block, const char *fill, const char *color, const char *title, bool labels)
{
    if (series->count == 0)
        return;
    begin_block(script, block);
    report_text_append(script, report_text_string(&series->rows), series->rows.length);
    end_block(script);
    report_text_printf(clauses, "%s$%s using (($1+$2)/2):(($3+$4)/2):1:2:3:4 with boxxyerror fs %s lc rgb '%s' title ",
                       clauses->length ? ", " : "", block, fill, color);
    quoted(clauses, title);
    if (labels)
        report_text_printf(clauses, ", $%s using (($1+$2)/2):4:5 with labels offset 0,0.55 font ',9' notitle", block);
}

/* Min/max envelope of the file's audio in `bins` columns, or 0 bins when the corpus lacks the file. */
static size_t waveform_envelope(const struct wakecert_corpus *corpus, const struct trace_file *file, double *minimum,
                                double *maximum, size_t bins)
{
    if (!corpus)
        return 0;
    const struct wakecert_corpus_file *match = NULL;
    for (size_t i = 0; i < corpus->file_count && !match; i++)
        if (strcmp(corpus->files[i].path, file->name) == 0)
            match = &corpus->files[i];
    if (!match)
        return 0;
    int16_t *samples = NULL;
    int64_t count = 0;
    if (wakecert_corpus_read_audio(match, &samples, &count, NULL, 0) != 0 || count <= 0) {
        free(samples);
        return 0;
    }
    if (file->samples > 0 && count != file->samples) { /* not the audio the run heard */
        free(samples);
        return 0;
    }
    for (size_t b = 0; b < bins; b++) {
        int64_t from = (int64_t)((double)count * (double)b / (double)bins);
        int64_t to = (int64_t)((double)count * (double)(b + 1) / (double)bins);
        int low = 0, high = 0;
        for (int64_t s = from; s < to; s++) {
            low = samples[s] < low ? samples[s] : low;
            high = samples[s] > high ? samples[s] : high;
        }
        minimum[b] = low / 32768.0;
        maximum[b] = high / 32768.0;
    }
    free(samples);
    /* Normalised to the file's peak: the lane shows where the sound is, not how loud it was. */
    double peak = 1.0 / 32768.0;
    for (size_t b = 0; b < bins; b++)
        peak = fmax(peak, fmax(-minimum[b], maximum[b]));
    for (size_t b = 0; b < bins; b++) {
        minimum[b] /= peak;
        maximum[b] /= peak;
    }
    return bins;
}

static const char *label_name(int type)
{
    switch (type) {
    case WAKECERT_EVENT_WAKE: return "wake word";
    case WAKECERT_EVENT_CONFUSABLE: return "confusable";
    case WAKECERT_EVENT_MEDIA_WAKE: return "media wake word";
    case WAKECERT_EVENT_FOLLOW_UP: return "follow-up";
    case WAKECERT_EVENT_REQUEST: return "request";
    default: return "label";
    }
}

static const char *control_short_name(int code)
{
    switch (code) {
    case WAKECERT_CONTROL_BUTTON: return "button";
    case WAKECERT_CONTROL_CLOUD_REJECT: return "reject";
    case WAKECERT_CONTROL_STOP_CAPTURE: return "StopCapture";
    case WAKECERT_CONTROL_EXPECT_SPEECH: return "ExpectSpeech";
    case WAKECERT_CONTROL_MICROPHONE_OFF: return "mic off";
    case WAKECERT_CONTROL_MICROPHONE_ON: return "mic on";
    default: return "control";
    }
}

/* Evidence of failing requirements on this file: "time id" pairs. */
struct evidence_mark {
    double time_s;
    char id[64];
};

static bool script_timeline(const struct trace_file *file, const struct wakecert_corpus *corpus,
                            const struct evidence_mark *marks, size_t mark_count, struct report_text *script,
                            struct report_plot *plot)
{
    const double rate = WAKECERT_SAMPLE_RATE;
    int64_t end_sample = file->ended ? file->processed : file->samples;
    if (end_sample < file->samples)
        end_sample = file->samples;
    double duration = (double)end_sample / rate;
    if (!(duration > 0))
        duration = 1;
    snprintf(plot->title, sizeof plot->title, "Timeline of %s", file->name);
    snprintf(plot->caption, sizeof plot->caption,
             "%s: %.2f s of %s audio (%s). Lanes from the top: audio, labels, the engine's wake detections "
             "(score; thin box = the word bounds it reported), streams and the samples each upload claims, the "
             "indicator, and the controls the harness delivered.%s",
             file->name, duration, file->kind, file->condition,
             mark_count ? " Red dashed lines mark evidence of failing requirements." : "");
    common_style(script, plot->title);
    report_text_printf(script, "set xlabel 'time (s)'\nset xrange [0:%.9g]\nset yrange [-0.7:5.9]\n"
                               "set ytics ('controls' 0, 'indicator' 1, 'uploads' 2, 'wake' 3, 'labels' 4, 'audio' 5)\n"
                               "set grid noytics xtics\nset key maxrows 4\n",
                       duration);
    struct report_text clauses = {0};

    /* Audio. */
    enum { BINS = 900 };
    double *minimum = malloc(BINS * sizeof *minimum), *maximum = malloc(BINS * sizeof *maximum);
    size_t bins = minimum && maximum ? waveform_envelope(corpus, file, minimum, maximum, BINS) : 0;
    if (bins) {
        begin_block(script, "audio");
        for (size_t b = 0; b < bins; b++)
            report_text_printf(script, "%.6g %.6g %.6g\n", duration * ((double)b + 0.5) / (double)bins,
                               LANE_AUDIO + 0.45 * minimum[b], LANE_AUDIO + 0.45 * maximum[b]);
        end_block(script);
        report_text_printf(&clauses, "$audio using 1:2:3 with filledcurves lc rgb '#8a8a8a' title 'waveform'");
    } else
        report_text_printf(script, "set label 'waveform not shown (pass the corpus directory)' at graph 0.01, first %d "
                                   "font ',9' tc rgb '#777777'\n",
                           LANE_AUDIO);
    free(minimum);
    free(maximum);

    /* Labels. */
    struct box_series wake_words = {0}, requests = {0}, other_labels = {0};
    for (size_t l = 0; l < file->label_count; l++) {
        const struct wakecert_corpus_event *label = &file->labels[l];
        double start = (double)label->start / rate, end = (double)label->end / rate;
        if (label->type == WAKECERT_EVENT_WAKE)
            box(&wake_words, start, end, LANE_LABELS, 0.3, label->word[0] ? label->word : "wake word");
        else if (label->type == WAKECERT_EVENT_REQUEST || label->type == WAKECERT_EVENT_FOLLOW_UP)
            box(&requests, start, end, LANE_LABELS, 0.18, label_name(label->type));
        else if (label->type == WAKECERT_EVENT_CONFUSABLE || label->type == WAKECERT_EVENT_MEDIA_WAKE)
            box(&other_labels, start, end, LANE_LABELS, 0.3, label->word[0] ? label->word : label_name(label->type));
        /* mic_off and button labels are shown as delivered, in the controls lane. */
    }
    emit_boxes(script, &clauses, &wake_words, "wakewords", "solid 0.8 noborder", COLOR_TRUTH, "wake word (label)", true);
    emit_boxes(script, &clauses, &requests, "requests", "solid 0.35 noborder", COLOR_TRUTH, "request (label)", false);
    emit_boxes(script, &clauses, &other_labels, "confusables", "solid 0.7 noborder", "#e6ab02",
               "confusable / media wake word (label)", true);

    /* Engine: detections, streams, uploads, indicator. Controls. */
    struct box_series reported_words = {0}, streams = {0}, uploads = {0}, listening = {0}, muted = {0}, mutes = {0};
    struct report_text detections = {0}, controls = {0};
    size_t detection_count = 0, control_count = 0;
    int indicator = WAKECERT_INDICATOR_OFF;
    double indicator_since = 0, stream_since = -1, mute_since = -1;
    for (size_t i = 0; i <= file->event_count; i++) {
        const struct trace_event *event = i < file->event_count ? &file->events[i] : NULL;
        double now = event ? (double)event->sample / rate : duration;
        if (!event || event->type == TRACE_INDICATOR) {
            if (indicator == WAKECERT_INDICATOR_LISTENING)
                box(&listening, indicator_since, now, LANE_INDICATOR, 0.25, "");
            else if (indicator == WAKECERT_INDICATOR_MUTED)
                box(&muted, indicator_since, now, LANE_INDICATOR, 0.25, "");
            if (event) {
                indicator = event->code;
                indicator_since = now;
            }
        }
        if (!event) {
            if (stream_since >= 0)
                box(&streams, stream_since, now, LANE_UPLOADS, 0.38, "");
            if (mute_since >= 0)
                box(&mutes, mute_since, now, LANE_CONTROLS, 0.3, "");
            break;
        }
        switch (event->type) {
        case TRACE_WAKE:
            report_text_printf(&detections, "%.9g %.9g\n", now, (double)event->score);
            detection_count++;
            box(&reported_words, (double)event->start / rate, (double)event->end / rate, LANE_WAKE, 0.12, "");
            break;
        case TRACE_STREAM_OPEN:
            stream_since = now;
            break;
        case TRACE_STREAM_CLOSE:
            if (stream_since >= 0)
                box(&streams, stream_since, now, LANE_UPLOADS, 0.38, "");
            stream_since = -1;
            break;
        case TRACE_UPLOAD:
            box(&uploads, (double)event->first / rate, (double)(event->first + event->count) / rate, LANE_UPLOADS, 0.22,
                "");
            break;
        case TRACE_CONTROL:
            if (event->code == WAKECERT_CONTROL_MICROPHONE_OFF && mute_since < 0)
                mute_since = now;
            else if (event->code == WAKECERT_CONTROL_MICROPHONE_ON && mute_since >= 0) {
                box(&mutes, mute_since, now, LANE_CONTROLS, 0.3, "");
                mute_since = -1;
            } else {
                report_text_printf(&controls, "%.9g %d ", now, LANE_CONTROLS);
                quoted(&controls, control_short_name(event->code));
                report_text_printf(&controls, "\n");
                control_count++;
            }
            break;
        case TRACE_ENGINE_ERROR:
            report_text_printf(&controls, "%.9g %d \"engine error\"\n", now, LANE_CONTROLS);
            control_count++;
            break;
        default:
            break;
        }
    }
    emit_boxes(script, &clauses, &reported_words, "reportedwords", "empty border", COLOR_FALSE,
               "wake word bounds the engine reported", false);
    if (detection_count) {
        begin_block(script, "detections");
        report_text_append(script, report_text_string(&detections), detections.length);
        end_block(script);
        report_text_printf(&clauses, "%s$detections using 1:(%d) with points pt 7 ps 1.3 lc rgb '%s' title 'wake detection', "
                                     "$detections using 1:(%d):(sprintf('%%.2f', $2)) with labels offset 0,0.9 font ',9' notitle",
                           clauses.length ? ", " : "", LANE_WAKE, COLOR_FALSE, LANE_WAKE);
    }
    emit_boxes(script, &clauses, &streams, "streams", "empty border", COLOR_STREAM, "stream open", false);
    emit_boxes(script, &clauses, &uploads, "uploads", "solid 0.6 noborder", COLOR_STREAM, "uploaded (claimed samples)",
               false);
    emit_boxes(script, &clauses, &listening, "listening", "solid 0.8 noborder", COLOR_STREAM, "indicator: listening",
               false);
    emit_boxes(script, &clauses, &muted, "mutedlight", "solid 0.8 noborder", COLOR_MUTED, "indicator: muted", false);
    emit_boxes(script, &clauses, &mutes, "micoff", "pattern 4 border", COLOR_MUTED, "microphone off", false);
    if (control_count) {
        begin_block(script, "controls");
        report_text_append(script, report_text_string(&controls), controls.length);
        end_block(script);
        report_text_printf(&clauses, "%s$controls using 1:2 with points pt 9 ps 1.4 lc rgb '#333333' title 'control', "
                                     "$controls using 1:2:3 with labels offset 0,0.8 font ',9' notitle",
                           clauses.length ? ", " : "");
    }
    for (size_t m = 0; m < mark_count; m++) {
        report_text_printf(script, "set arrow from %.9g, graph 0 to %.9g, graph 1 nohead lc rgb '%s' lw 1.5 dt 2 front\n",
                           marks[m].time_s, marks[m].time_s, COLOR_MUTED);
        report_text_printf(script, "set label ");
        quoted(script, marks[m].id);
        report_text_printf(script, " at %.9g, graph 0.97 right offset -0.3,%g font ',9' tc rgb '%s' front\n",
                           marks[m].time_s, -1.0 * (double)(m % 3), COLOR_MUTED);
    }
    if (mark_count)
        report_text_printf(&clauses, "%sNaN with lines lc rgb '%s' lw 1.5 dt 2 title 'evidence of a failing requirement'",
                           clauses.length ? ", " : "", COLOR_MUTED);
    if (clauses.length == 0)
        report_text_printf(&clauses, "NaN notitle");
    report_text_printf(script, "plot %s\n", report_text_string(&clauses));
    struct box_series *all[] = {&wake_words, &requests, &other_labels, &reported_words, &streams,
                                &uploads,    &listening, &muted,       &mutes};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        report_text_free(&all[i]->rows);
    report_text_free(&detections);
    report_text_free(&controls);
    report_text_free(&clauses);
    return true;
}

/* ---- drawing ------------------------------------------------------------------------------------ */

static struct report_plot *add_plot(struct report_plots *plots, const char *name)
{
    if (plots->count == plots->capacity) {
        size_t capacity = plots->capacity ? 2 * plots->capacity : 16;
        struct report_plot *grown = realloc(plots->items, capacity * sizeof *grown);
        if (!grown)
            return NULL;
        plots->items = grown;
        plots->capacity = capacity;
    }
    struct report_plot *plot = &plots->items[plots->count++];
    memset(plot, 0, sizeof *plot);
    snprintf(plot->name, sizeof plot->name, "%s", name);
    return plot;
}

/* Replace every occurrence of `from` with `to` in text (a new malloc'd string; NULL on no memory). */
static char *replace_all(const char *text, const char *from, const char *to)
{
    struct report_text out = {0};
    size_t from_length = strlen(from);
    const char *cursor = text, *hit;
    while ((hit = strstr(cursor, from))) {
        report_text_append(&out, cursor, (size_t)(hit - cursor));
        report_text_printf(&out, "%s", to);
        cursor = hit + from_length;
    }
    report_text_printf(&out, "%s", cursor);
    if (out.failed) {
        report_text_free(&out);
        return NULL;
    }
    char *result = out.data;
    return result ? result : calloc(1, 1);
}

/* gnuplot's SVG made fit to inline: the XML prolog dropped, and element ids prefixed so that several
 * plots in one page do not share ids (gnuplot names its point symbols gpPt0... in every file). */
static char *inline_svg(const char *svg, size_t index)
{
    const char *root = strstr(svg, "<svg");
    if (!root)
        return NULL;
    char prefix[32];
    const char *patterns[][2] = {{"id='", "id='%s"}, {"id=\"", "id=\"%s"}, {"href='#", "href='#%s"},
                                 {"href=\"#", "href=\"#%s"}, {"url(#", "url(#%s"}};
    snprintf(prefix, sizeof prefix, "p%zu-", index);
    char *current = strdup(root);
    for (size_t p = 0; current && p < sizeof patterns / sizeof patterns[0]; p++) {
        char replacement[64];
        snprintf(replacement, sizeof replacement, patterns[p][1], prefix);
        char *next = replace_all(current, patterns[p][0], replacement);
        free(current);
        current = next;
    }
    return current;
}

static void safe_file_stem(char *out, size_t out_size, size_t index, const char *name)
{
    size_t used = (size_t)snprintf(out, out_size, "timeline-%02zu-", index);
    for (const char *p = name; *p && used + 1 < out_size; p++) {
        char c = *p;
        bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
                    c == '_';
        out[used++] = keep ? c : '_';
    }
    out[used] = '\0';
}

/* Render one script into plot (svg in memory, png on disk). Returns 0, or an error code only for
 * failures that must stop the report (no memory, unwritable plots directory). */
static int render(const struct gnuplot *g, const char *script, int width, int height, const char *out_directory,
                  struct report_plot *plot, size_t index, char *message, size_t message_size)
{
    struct gnuplot_output output;
    char error[400];
    int status = gnuplot_render(g, script, width, height, &output, error, sizeof error);
    if (status) {
        snprintf(plot->error, sizeof plot->error, "%s", error);
        return 0;
    }
    plot->svg = inline_svg(output.svg, index);
    if (!plot->svg)
        snprintf(plot->error, sizeof plot->error, "gnuplot's SVG output has no <svg> element");
    if (out_directory) {
        char path[4200];
        snprintf(plot->png, sizeof plot->png, "plots/%s.png", plot->name);
        snprintf(path, sizeof path, "%s/%s", out_directory, plot->png);
        status = wakecert_write_file_atomic(path, output.png, output.png_size, message, message_size);
        if (status)
            plot->png[0] = '\0';
    }
    gnuplot_output_free(&output);
    return status;
}

static bool evidence_names_file(const cJSON *results, const char *file, bool failing_only)
{
    const cJSON *entry;
    cJSON_ArrayForEach(entry, cJSON_GetObjectItemCaseSensitive(results, "requirements"))
    {
        const char *status = wakecert_json_string(entry, "status");
        if (failing_only && (!status || strcmp(status, "PASS") == 0 || strcmp(status, "WAIVED") == 0 ||
                             strcmp(status, "NOT_SUPPORTED") == 0))
            continue;
        const cJSON *item;
        cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(entry, "evidence"))
        {
            const char *name = wakecert_json_string(item, "file");
            if (name && strcmp(name, file) == 0)
                return true;
        }
    }
    return false;
}

static size_t collect_marks(const cJSON *results, const char *file, struct evidence_mark *marks, size_t limit)
{
    size_t count = 0;
    const cJSON *entry;
    cJSON_ArrayForEach(entry, cJSON_GetObjectItemCaseSensitive(results, "requirements"))
    {
        const char *status = wakecert_json_string(entry, "status");
        if (!status || strcmp(status, "PASS") == 0 || strcmp(status, "WAIVED") == 0 || strcmp(status, "NOT_SUPPORTED") == 0)
            continue;
        const cJSON *item;
        cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(entry, "evidence"))
        {
            const char *name = wakecert_json_string(item, "file");
            double time_s = wakecert_json_number(item, "time_s", NAN);
            if (count < limit && name && strcmp(name, file) == 0 && isfinite(time_s)) {
                marks[count].time_s = time_s;
                snprintf(marks[count].id, sizeof marks[count].id, "%s", wakecert_json_string(entry, "id"));
                count++;
            }
        }
    }
    return count;
}

int report_plots_draw(const cJSON *results, const struct trace *trace, const char *corpus_directory,
                      const char *out_directory, struct report_plots *plots, char *message, size_t message_size)
{
    memset(plots, 0, sizeof *plots);
    struct gnuplot g;
    if (gnuplot_find(&g) != 0) {
        snprintf(plots->gnuplot_note, sizeof plots->gnuplot_note, "%s", g.unavailable_reason);
        return 0;
    }
    plots->gnuplot_available = true;
    int status = 0;
    if (out_directory) {
        char directory[4200];
        snprintf(directory, sizeof directory, "%s/plots", out_directory);
        status = wakecert_make_directories(directory, message, message_size);
        if (status)
            return status;
    }

    struct report_detection_stats stats = {0};
    if (trace && report_detection_stats(trace, -INFINITY, &stats) != 0)
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY, "report: out of memory");

    /* The summary plots, in the order the report shows them. */
    enum { SCORES, LATENCY, PREROLL, KINDS, CONDITIONS, DET, SUMMARY_PLOTS };
    static const char *const names[SUMMARY_PLOTS] = {"scores", "latency_cdf", "preroll", "false_wakes_by_kind",
                                                     "false_rejects_by_condition", "det"};
    for (int which = 0; which < SUMMARY_PLOTS && !status; which++) {
        struct report_text script = {0};
        struct report_plot candidate = {0};
        snprintf(candidate.name, sizeof candidate.name, "%s", names[which]);
        bool applies = false;
        switch (which) {
        case SCORES: applies = trace && script_scores(&stats, &script, &candidate); break;
        case LATENCY: applies = trace && script_latency(results, &stats, &script, &candidate); break;
        case PREROLL: applies = trace && script_preroll(results, trace, &script, &candidate, &status); break;
        case KINDS: applies = script_false_wakes_by_kind(results, &script, &candidate); break;
        case CONDITIONS: applies = script_false_rejects_by_condition(results, &script, &candidate); break;
        case DET: applies = trace && script_det(results, trace, &script, &candidate, &status); break;
        }
        if (applies && script.failed)
            status = WAKECERT_ERROR_NO_MEMORY;
        if (applies && !status) {
            struct report_plot *plot = add_plot(plots, names[which]);
            if (!plot)
                status = WAKECERT_ERROR_NO_MEMORY;
            else {
                *plot = candidate;
                status = render(&g, report_text_string(&script), 900, 480, out_directory, plot, plots->count,
                                message, message_size);
            }
        }
        report_text_free(&script);
    }
    report_detection_stats_free(&stats);

    /* Timelines: every file failing evidence names (up to a limit), then a few passing ones. */
    struct wakecert_corpus corpus = {0};
    bool have_corpus = false;
    if (trace && corpus_directory && !status) {
        char ignored[512];
        have_corpus = wakecert_corpus_load(corpus_directory, &corpus, ignored, sizeof ignored) == 0;
        if (!have_corpus)
            fprintf(stderr, "wakecert report: corpus %s not loaded (%s); timelines drawn without waveforms\n",
                    corpus_directory, ignored);
    }
    size_t failing_drawn = 0, passing_drawn = 0;
    char seen_kinds[REPORT_TIMELINE_PASSING_LIMIT][16] = {{0}};
    bool *drawn = trace ? calloc(trace->file_count + 1, sizeof *drawn) : NULL;
    if (trace && !drawn)
        status = WAKECERT_ERROR_NO_MEMORY;
    /* Passing examples are taken busiest first (most events), so they show the engine at work. */
    size_t *busiest = trace ? calloc(trace->file_count + 1, sizeof *busiest) : NULL;
    if (trace && !busiest)
        status = WAKECERT_ERROR_NO_MEMORY;
    for (size_t i = 0; busiest && i < trace->file_count; i++) {
        size_t j = i;
        for (; j > 0 && trace->files[busiest[j - 1]].event_count < trace->files[i].event_count; j--)
            busiest[j] = busiest[j - 1];
        busiest[j] = i;
    }
    /* pass 0: failing files; pass 1: one passing file per kind of audio; pass 2: fill up with any. */
    for (int pass = 0; trace && pass < 3 && !status; pass++) {
        for (size_t position = 0; position < trace->file_count && !status; position++) {
            size_t f = pass == 0 ? position : busiest[position];
            const struct trace_file *file = &trace->files[f];
            bool failing = evidence_names_file(results, file->name, true);
            if (drawn[f] || (pass == 0 && (!failing || failing_drawn >= REPORT_TIMELINE_FAILING_LIMIT)))
                continue;
            if (pass >= 1) {
                /* Passing examples: one per kind of audio, files that exercised the engine first. */
                if (failing || passing_drawn >= REPORT_TIMELINE_PASSING_LIMIT ||
                    evidence_names_file(results, file->name, false))
                    continue;
                bool kind_seen = false;
                for (size_t k = 0; k < passing_drawn; k++)
                    kind_seen |= strcmp(seen_kinds[k], file->kind) == 0;
                if (kind_seen && pass == 1)
                    continue;
                snprintf(seen_kinds[passing_drawn], sizeof seen_kinds[0], "%s", file->kind);
            }
            drawn[f] = true;
            struct evidence_mark marks[24];
            size_t mark_count = failing ? collect_marks(results, file->name, marks, 24) : 0;
            char stem[96];
            safe_file_stem(stem, sizeof stem, f, file->name);
            struct report_text script = {0};
            struct report_plot candidate = {0};
            snprintf(candidate.name, sizeof candidate.name, "%s", stem);
            script_timeline(file, have_corpus ? &corpus : NULL, marks, mark_count, &script, &candidate);
            snprintf(candidate.file, sizeof candidate.file, "%s", file->name);
            candidate.failing = failing;
            struct report_plot *plot = script.failed ? NULL : add_plot(plots, stem);
            if (!plot)
                status = WAKECERT_ERROR_NO_MEMORY;
            else {
                *plot = candidate;
                status = render(&g, report_text_string(&script), 1000, 420, out_directory, plot, plots->count, message,
                                message_size);
            }
            report_text_free(&script);
            if (pass == 0)
                failing_drawn++;
            else
                passing_drawn++;
        }
    }
    free(drawn);
    free(busiest);
    wakecert_corpus_free(&corpus);
    if (status == WAKECERT_ERROR_NO_MEMORY)
        wakecert_set_error(message, message_size, status, "report plots: out of memory");
    return status;
}

const struct report_plot *report_plots_find(const struct report_plots *plots, const char *name)
{
    for (size_t i = 0; i < plots->count; i++)
        if (strcmp(plots->items[i].name, name) == 0)
            return &plots->items[i];
    return NULL;
}

const struct report_plot *report_plots_timeline_of(const struct report_plots *plots, const char *file)
{
    for (size_t i = 0; file && i < plots->count; i++)
        if (plots->items[i].file[0] && strcmp(plots->items[i].file, file) == 0)
            return &plots->items[i];
    return NULL;
}

void report_plots_free(struct report_plots *plots)
{
    if (!plots)
        return;
    for (size_t i = 0; i < plots->count; i++)
        free(plots->items[i].svg);
    free(plots->items);
    memset(plots, 0, sizeof *plots);
}

/* ---- hooks for later issues --------------------------------------------------------------------- */

int report_plot_gantt(struct report_text *script, const char *title, const char *const *row_labels,
                      const double *start_days, const double *end_days, size_t count)
{
    common_style(script, title);
    report_text_printf(script, "set xlabel 'days'\nset yrange [-0.7:%zu.7]\nset style fill solid 0.7 noborder\nset ytics (",
                       count ? count - 1 : 0);
    for (size_t i = 0; i < count; i++) {
        report_text_printf(script, "%s", i ? ", " : "");
        quoted(script, row_labels[i]);
        report_text_printf(script, " %zu", i);
    }
    report_text_printf(script, ")\n");
    begin_block(script, "gantt");
    for (size_t i = 0; i < count; i++)
        report_text_printf(script, "%.9g %.9g %zu\n", start_days[i], end_days[i], i);
    end_block(script);
    report_text_printf(script, "plot $gantt using (($1+$2)/2):3:1:2:($3-0.3):($3+0.3) with boxxyerror lc rgb '%s' notitle\n",
                       COLOR_STREAM);
    return script->failed ? WAKECERT_ERROR_NO_MEMORY : 0;
}

int report_plot_series(struct report_text *script, const char *title, const char *x_label, const char *y_label,
                       const double *x, const double *y, size_t count)
{
    common_style(script, title);
    report_text_printf(script, "set xlabel ");
    quoted(script, x_label);
    report_text_printf(script, "\nset ylabel ");
    quoted(script, y_label);
    report_text_printf(script, "\n");
    begin_block(script, "series");
    for (size_t i = 0; i < count; i++)
        report_text_printf(script, "%.9g %.9g\n", x[i], y[i]);
    end_block(script);
    report_text_printf(script, "plot $series using 1:2 with linespoints pt 7 lc rgb '%s' notitle\n", COLOR_STREAM);
    return script->failed ? WAKECERT_ERROR_NO_MEMORY : 0;
}
