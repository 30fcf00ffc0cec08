/* dl-draw-plot.c — the three training plots: accuracy, loss, learning rate;
 * of one run, or of several runs compared (dl_draw_compare()). */
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "draw-private.h"
#include "plot-scale.h"

G_DEFINE_ENUM_TYPE(DlPlotKind, dl_plot_kind,
                   G_DEFINE_ENUM_VALUE(DL_PLOT_ACCURACY, "accuracy"),
                   G_DEFINE_ENUM_VALUE(DL_PLOT_LOSS, "loss"),
                   G_DEFINE_ENUM_VALUE(DL_PLOT_LEARNING_RATE, "learning-rate"))

/* Layout at a 12-unit font; everything scales with style->font_size. */
#define BASE_FONT 12.0
#define TICK_LENGTH 4.0
#define LABEL_GAP 4.0
#define TITLE_GAP 10.0
#define RIGHT_MARGIN 10.0
#define LEGEND_SWATCH 18.0
#define LEGEND_SPACING 14.0
#define PIXELS_PER_X_TICK 56.0
#define PIXELS_PER_Y_TICK 26.0
#define BOX_PADDING 8.0
#define MARKER_RADIUS 3.5
#define PROBE_RADIUS 2.5

typedef struct {
    const char *name;
    const DlPoint *points;
    guint n;
    const DlColor *color;
    double factor;      /* 100 for accuracies, shown in % */
    gboolean markers;   /* per-epoch points: a dot each */
    gboolean per_batch; /* a point per batch: the read-out names the batch */
    gboolean probe;     /* the quick validation: lighter, thinner, small dots */
    gboolean training;  /* a training series (its first epoch may leave the plot) */
    gboolean dashed;    /* comparisons: the training epoch means */
    gboolean current;   /* comparisons: the current run, drawn thicker */
} Series;

#define MAX_SERIES (2 * DL_DRAW_MAX_RUNS)
#define MAX_LEGEND (DL_DRAW_MAX_RUNS + 2)

/* One draw: the inputs, the text and the layout. */
typedef struct {
    cairo_t *cr;
    double width, height;
    DlPlotKind kind;
    DlHistory *history;
    const DlDrawStyle *style;
    DrawText text;
    double u; /* the scale of the layout: font_size / BASE_FONT */

    /* A comparison: the runs, the current one last (drawn on top). */
    const DlPlotRun *runs[DL_DRAW_MAX_RUNS];
    DlColor run_colors[DL_DRAW_MAX_RUNS];
    int n_runs;

    /* One run: training, quick validation (when there is one), validation. */
    Series series[MAX_SERIES];
    int n_series;

    double legend_y; /* the legend's first row: beside the title, or below it when narrow */
    int legend_row[MAX_LEGEND]; /* each legend item's row */
    double left, top, right, bottom; /* the plot area */
    PlotScale x, y;
    PlotTicks x_ticks, y_ticks;
    int n_epochs;
} Plot;

const char *
dl_plot_kind_title(DlPlotKind kind)
{
    switch (kind) {
    case DL_PLOT_LOSS:
        return _("Loss");
    case DL_PLOT_LEARNING_RATE:
        return _("Learning rate");
    case DL_PLOT_ACCURACY:
    default:
        return _("Accuracy");
    }
}

/* A history with per-batch points (live training) or only per-epoch ones
 * (read from CSV). */
static gboolean
has_batches(DlHistory *history)
{
    guint n = 0;
    if (history != NULL)
        dl_history_get_series(history, DL_SERIES_SMOOTH_LOSS, &n);
    return n > 0;
}

const char *
dl_plot_training_note(DlHistory *history)
{
    if (history != NULL && !has_batches(history) && !dl_history_is_empty(history))
        return _("Training: the mean over each epoch, measured while the network learned. "
                 "Augmentation and dropout are on while training, so it sits below validation.");
    return _("Training: smoothed over about the last 50 batches, without a jump between epochs. "
             "Augmentation and dropout are on while training, so it sits below validation.");
}

static const char *
probe_note(void)
{
    return _("Quick validation: a sample of the validation images, checked every few hundred batches; "
             "the whole validation set follows each epoch.");
}

/* ---- series ---- */

/* The series an accuracy or loss plot draws: training first, then validation. */
static void
collect_compare_series(Plot *p)
{
    gboolean accuracy = p->kind == DL_PLOT_ACCURACY;
    double factor = accuracy ? 100.0 : 1.0;
    for (int r = 0; r < p->n_runs; r++) {
        const DlPlotRun *run = p->runs[r];
        Series *train = &p->series[p->n_series++];
        *train = (Series){ .name = run->name, .color = &p->run_colors[r], .factor = factor, .training = TRUE,
                           .dashed = TRUE, .current = run->current };
        train->points = dl_history_get_series(run->history, accuracy ? DL_SERIES_TRAIN_ACCURACY : DL_SERIES_TRAIN_LOSS,
                                              &train->n);
        Series *val = &p->series[p->n_series++];
        *val = (Series){ .name = run->name, .color = &p->run_colors[r], .factor = factor, .markers = TRUE,
                         .current = run->current };
        val->points = dl_history_get_series(run->history, accuracy ? DL_SERIES_VAL_ACCURACY : DL_SERIES_VAL_LOSS,
                                            &val->n);
    }
}

static void
collect_series(Plot *p)
{
    p->n_series = 0;
    if (p->n_runs > 0 && p->kind != DL_PLOT_LEARNING_RATE) {
        collect_compare_series(p);
        return;
    }
    if (p->history == NULL || p->kind == DL_PLOT_LEARNING_RATE)
        return;

    gboolean accuracy = p->kind == DL_PLOT_ACCURACY;
    double factor = accuracy ? 100.0 : 1.0;
    Series *train = &p->series[p->n_series++];
    *train = (Series){ .name = _("Training, smoothed"), .color = &p->style->training, .factor = factor,
                       .per_batch = TRUE, .training = TRUE };
    train->points = dl_history_get_series(p->history, accuracy ? DL_SERIES_SMOOTH_ACCURACY : DL_SERIES_SMOOTH_LOSS,
                                          &train->n);
    if (train->n == 0 && !dl_history_is_empty(p->history)) {
        /* A history loaded from CSV has per-epoch training values only. */
        train->name = _("Training, epoch mean");
        train->points = dl_history_get_series(p->history, accuracy ? DL_SERIES_TRAIN_ACCURACY : DL_SERIES_TRAIN_LOSS,
                                              &train->n);
        train->markers = TRUE;
        train->per_batch = FALSE;
    }
    Series probe = { .name = _("Quick validation"), .color = &p->style->validation, .factor = factor, .markers = TRUE,
                     .per_batch = TRUE, .probe = TRUE };
    probe.points = dl_history_get_series(p->history, accuracy ? DL_SERIES_PROBE_ACCURACY : DL_SERIES_PROBE_LOSS,
                                         &probe.n);
    if (probe.n > 0)
        p->series[p->n_series++] = probe;
    Series *val = &p->series[p->n_series++];
    *val = (Series){ .name = _("Validation"), .color = &p->style->validation, .factor = factor, .markers = TRUE };
    val->points = dl_history_get_series(p->history, accuracy ? DL_SERIES_VAL_ACCURACY : DL_SERIES_VAL_LOSS, &val->n);
}

/* The lowest accuracy that decides the y range. The training accuracy of
 * the first epoch climbs from chance (10 %), and so do its quick
 * validations; once training is past it, that climb may leave the bottom of
 * the plot so the rest can be read. */
static double
accuracy_floor(const Plot *p)
{
    /* A run's quick validations leave with its training curve. */
    const Series *train = p->n_runs == 0 && p->n_series > 0 ? &p->series[0] : NULL;
    gboolean past_first = train != NULL && train->n > 0 && train->points[train->n - 1].x > 1.0;
    double lowest = NAN;
    for (int s = 0; s < p->n_series; s++) {
        const Series *series = &p->series[s];
        double from_x = series->training && series->n > 0 && series->points[series->n - 1].x > 1.0 ? 1.0 : -1.0;
        if (series->probe && past_first)
            from_x = 1.0;
        for (guint i = 0; i < series->n; i++) {
            if (series->points[i].x <= from_x)
                continue;
            double v = p->series[s].points[i].y * p->series[s].factor;
            if (isnan(lowest) || v < lowest)
                lowest = v;
        }
    }
    return lowest;
}

static void
loss_range(const Plot *p, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (int s = 0; s < p->n_series; s++) {
        for (guint i = 0; i < p->series[s].n; i++) {
            double v = p->series[s].points[i].y;
            if (!(v > 0.0) || !isfinite(v))
                continue;
            *lo = fmin(*lo, v);
            *hi = fmax(*hi, v);
        }
    }
    if (!isfinite(*lo)) {
        *lo = 0.01; /* before training: a typical loss range */
        *hi = 3.0;
    }
    plot_log_range(lo, hi);
}

static double
schedule_max(DlHistory *history)
{
    double hi = 0.0;
    if (history != NULL) {
        guint n;
        const DlPoint *curve = dl_history_get_schedule_curve(history, &n);
        for (guint i = 0; i < n; i++)
            hi = fmax(hi, curve[i].y);
        const DlPoint *lr = dl_history_get_series(history, DL_SERIES_LR, &n);
        for (guint i = 0; i < n; i++)
            hi = fmax(hi, lr[i].y);
    }
    return hi > 0.0 ? hi : 1e-3;
}

/* Training has started and not reached the end of the run: the learning
 * rate plot marks where it is. */
static double
plot_schedule_max(const Plot *p)
{
    if (p->n_runs == 0)
        return schedule_max(p->history);
    double hi = 0.0;
    for (int r = 0; r < p->n_runs; r++)
        hi = fmax(hi, schedule_max(p->runs[r]->history));
    return hi;
}

static gboolean
in_progress(DlHistory *history)
{
    return history != NULL && !dl_history_is_empty(history)
           && dl_history_get_position(history) < dl_history_get_n_epochs(history) - 1e-9;
}

/* The quick validation is drawn lighter than the full one. */
static double
probe_alpha(const DlDrawStyle *style)
{
    return style->high_contrast ? 0.8 : 0.55;
}

/* ---- the header: title and legend ---- */

typedef struct {
    const char *name;
    const DlColor *color;
    gboolean line, dot, dashed;
    double alpha; /* 1, lighter for the quick validation */
} LegendItem;

/* The indices of p->runs in their legend order (DlPlotRun.order). */
static void
runs_in_order(const Plot *p, int order[DL_DRAW_MAX_RUNS])
{
    for (int i = 0; i < p->n_runs; i++) {
        int j = i;
        for (; j > 0 && p->runs[order[j - 1]]->order > p->runs[i]->order; j--)
            order[j] = order[j - 1];
        order[j] = i;
    }
}

static int
legend_items(const Plot *p, LegendItem items[MAX_LEGEND])
{
    int n = 0;
    if (p->n_runs > 0) {
        /* The runs in their given order, then what the two line styles are. */
        int order[DL_DRAW_MAX_RUNS];
        runs_in_order(p, order);
        for (int i = 0; i < p->n_runs; i++)
            items[n++] = (LegendItem){ p->runs[order[i]]->name, &p->run_colors[order[i]], TRUE, FALSE, FALSE, 1.0 };
        if (p->kind != DL_PLOT_LEARNING_RATE) {
            items[n++] = (LegendItem){ _("Validation"), &p->style->foreground, TRUE, TRUE, FALSE, 1.0 };
            items[n++] = (LegendItem){ _("Training, epoch mean"), &p->style->foreground, TRUE, FALSE, TRUE, 1.0 };
        }
        return n;
    }
    if (p->kind == DL_PLOT_LEARNING_RATE) {
        items[n++] = (LegendItem){ _("Schedule"), &p->style->schedule, TRUE, FALSE, FALSE, 1.0 };
        if (in_progress(p->history))
            items[n++] = (LegendItem){ _("Now"), &p->style->schedule, FALSE, TRUE, FALSE, 1.0 };
    } else {
        for (int s = 0; s < p->n_series; s++)
            items[n++] = (LegendItem){ p->series[s].name, p->series[s].color, TRUE, p->series[s].markers,
                                       p->series[s].dashed, p->series[s].probe ? probe_alpha(p->style) : 1.0 };
    }
    return n;
}

static double
legend_item_width(Plot *p, const LegendItem *item)
{
    double w;
    draw_text_set(&p->text, item->name, DRAW_FONT_LABEL, &w, NULL);
    return w + p->u * (LABEL_GAP + LEGEND_SWATCH);
}

static double
legend_width(Plot *p, const LegendItem *items, int n)
{
    double total = 0.0;
    for (int i = 0; i < n; i++)
        total += legend_item_width(p, &items[i]) + (i > 0 ? p->u * LEGEND_SPACING : 0.0);
    return total;
}

/* Below the title, the legend wraps onto as many rows as it needs (each
 * right-aligned); returns their number. */
static int
legend_wrap(Plot *p, const LegendItem *items, int n, double room)
{
    int row = 0;
    double used = 0.0;
    for (int i = 0; i < n; i++) {
        double w = legend_item_width(p, &items[i]);
        if (used > 0.0 && used + p->u * LEGEND_SPACING + w > room) {
            row++;
            used = 0.0;
        }
        used += (used > 0.0 ? p->u * LEGEND_SPACING : 0.0) + w;
        p->legend_row[i] = row;
    }
    return n > 0 ? row + 1 : 0;
}

/* ---- layout ---- */

static void
format_y_label(const Plot *p, double value, char *buf, size_t size)
{
    if (p->y.log) {
        plot_format_log_tick(value, buf, size);
    } else if (p->kind == DL_PLOT_ACCURACY) {
        char number[PLOT_LABEL_SIZE];
        plot_format_tick(value, p->y_ticks.step, number, sizeof number);
        g_snprintf(buf, size, "%s %%", number);
    } else {
        plot_format_tick(value, p->y_ticks.step, buf, size);
    }
}

static void
layout_compute(Plot *p)
{
    double u = p->u, w, title_w, title_h, label_h;
    draw_text_set(&p->text, dl_plot_kind_title(p->kind), DRAW_FONT_TITLE, &title_w, &title_h);
    draw_text_set(&p->text, "0", DRAW_FONT_LABEL, &w, &label_h);

    p->n_epochs = MAX(p->history != NULL ? dl_history_get_n_epochs(p->history) : 30, 1);
    if (p->n_runs > 0) {
        p->n_epochs = 1;
        for (int r = 0; r < p->n_runs; r++)
            p->n_epochs = MAX(p->n_epochs, dl_history_get_n_epochs(p->runs[r]->history));
    }

    /* The legend goes beside the title, or on rows of its own. */
    LegendItem items[MAX_LEGEND];
    int n_items = legend_items(p, items);
    double legend_w = legend_width(p, items, n_items);
    double header_h = title_h;
    p->legend_y = 0.0;
    memset(p->legend_row, 0, sizeof p->legend_row);
    if (title_w + u * 2 * LEGEND_SPACING + legend_w > p->width - u * RIGHT_MARGIN) {
        int rows = legend_wrap(p, items, n_items, p->width - u * RIGHT_MARGIN);
        p->legend_y = title_h;
        header_h = title_h + rows * label_h;
    }
    p->top = header_h + u * TITLE_GAP;
    /* tick labels, then the "Epoch" caption */
    p->bottom = p->height - u * (TICK_LENGTH + LABEL_GAP) - 2 * label_h - 2;
    p->bottom = MAX(p->bottom, p->top + 1);

    int max_y_ticks = CLAMP((int)((p->bottom - p->top) / (u * PIXELS_PER_Y_TICK)), 2, 10);
    double lo, hi;
    gboolean log = FALSE;
    switch (p->kind) {
    case DL_PLOT_LOSS:
        loss_range(p, &lo, &hi);
        log = TRUE;
        plot_log_ticks(lo, hi, MAX(max_y_ticks, 2), &p->y_ticks);
        break;
    case DL_PLOT_LEARNING_RATE:
        lo = 0.0;
        hi = plot_schedule_max(p) * 1.08;
        plot_linear_ticks(lo, hi, max_y_ticks, FALSE, &p->y_ticks);
        break;
    case DL_PLOT_ACCURACY:
    default:
        plot_accuracy_range(accuracy_floor(p), &lo, &hi);
        plot_linear_ticks(lo, hi, max_y_ticks, FALSE, &p->y_ticks);
        break;
    }
    p->y = (PlotScale){ lo, hi, p->bottom, p->top, log };

    /* The left margin fits the widest y label. */
    double widest = 0.0;
    for (int i = 0; i < p->y_ticks.n; i++) {
        char label[PLOT_LABEL_SIZE];
        if (!p->y_ticks.ticks[i].major)
            continue;
        format_y_label(p, p->y_ticks.ticks[i].value, label, sizeof label);
        draw_text_set(&p->text, label, DRAW_FONT_LABEL, &w, NULL);
        widest = MAX(widest, w);
    }
    p->left = ceil(widest + u * (LABEL_GAP + TICK_LENGTH));
    p->right = floor(MAX(p->width - u * RIGHT_MARGIN, p->left + 1));
    p->x = (PlotScale){ 0.0, p->n_epochs, p->left, p->right, FALSE };
    int max_x_ticks = CLAMP((int)((p->right - p->left) / (u * PIXELS_PER_X_TICK)), 1, 12);
    plot_linear_ticks(0.0, p->n_epochs, max_x_ticks, TRUE, &p->x_ticks);
}

/* Line widths grow with the layout (exports at a large font) and in high
 * contrast. */
static double
line_width(const Plot *p, double base)
{
    return base * MAX(1.0, p->u) + (p->style->high_contrast ? 0.5 : 0.0);
}

/* ---- drawing ---- */

static void
draw_header(Plot *p)
{
    cairo_t *cr = p->cr;
    const DlDrawStyle *st = p->style;
    double u = p->u, w, title_h, h;
    draw_text_set(&p->text, dl_plot_kind_title(p->kind), DRAW_FONT_TITLE, &w, &title_h);
    draw_set_color(cr, &st->foreground, 1.0);
    draw_text_show(cr, &p->text, 0, 0);

    LegendItem items[MAX_LEGEND];
    int n = legend_items(p, items);
    int rows = n > 0 ? p->legend_row[n - 1] + 1 : 1;
    double row_h = p->legend_y > 0.0 ? (p->top - u * TITLE_GAP - p->legend_y) / rows : title_h;

    /* Right-aligned: laid out from the right edge leftwards. On a row of
     * its own, it may use the right margin too rather than start left of
     * the picture (large text in presenter mode). */
    double x = p->right;
    if (p->legend_y > 0.0)
        x = MIN(p->width, MAX(p->right, legend_width(p, items, n)));
    for (int i = n - 1; i >= 0; i--) {
        if (i < n - 1 && p->legend_row[i] != p->legend_row[i + 1])
            x = p->right;
        double y = p->legend_y + p->legend_row[i] * row_h;
        draw_text_set(&p->text, items[i].name, DRAW_FONT_LABEL, &w, &h);
        x -= w;
        draw_set_color(cr, &st->foreground, draw_alpha(st, 0.8));
        draw_text_show(cr, &p->text, x, y + (row_h - h) / 2.0);
        x -= u * (LABEL_GAP + LEGEND_SWATCH);
        double cy = round(y + row_h / 2.0);
        draw_set_color(cr, items[i].color, items[i].alpha);
        if (items[i].line) {
            cairo_save(cr);
            cairo_set_line_width(cr, line_width(p, items[i].alpha < 1.0 ? 1.25 : 2.0));
            if (items[i].dashed) {
                double dash[2] = { u * 4.0, u * 3.0 };
                cairo_set_dash(cr, dash, 2, 0);
            }
            cairo_move_to(cr, x, cy);
            cairo_line_to(cr, x + u * LEGEND_SWATCH, cy);
            cairo_stroke(cr);
            cairo_restore(cr);
        }
        if (items[i].dot)
            draw_dot(cr, x + u * LEGEND_SWATCH / 2.0, cy,
                     u * (items[i].alpha < 1.0 ? PROBE_RADIUS : items[i].line ? MARKER_RADIUS : 4.5));
        x -= u * LEGEND_SPACING;
    }
}

static void
draw_axes(Plot *p)
{
    cairo_t *cr = p->cr;
    const DlDrawStyle *st = p->style;
    const DlColor *fg = &st->foreground;
    double u = p->u, w, h, label_h;
    /* Whole units, so that plot_snap() keeps them crisp. */
    cairo_set_line_width(cr, MAX(1.0, floor(u + 0.25)));

    /* Horizontal grid lines and y ticks. */
    for (int i = 0; i < p->y_ticks.n; i++) {
        const PlotTick *t = &p->y_ticks.ticks[i];
        double y = plot_snap(plot_scale_to_pixel(&p->y, t->value));
        draw_set_color(cr, fg, draw_alpha(st, t->major ? 0.12 : 0.05));
        cairo_move_to(cr, p->left, y);
        cairo_line_to(cr, p->right, y);
        cairo_stroke(cr);
        draw_set_color(cr, fg, draw_alpha(st, 0.4));
        cairo_move_to(cr, p->left - u * (t->major ? TICK_LENGTH : TICK_LENGTH / 2), y);
        cairo_line_to(cr, p->left, y);
        cairo_stroke(cr);
        if (!t->major)
            continue;
        char label[PLOT_LABEL_SIZE];
        format_y_label(p, t->value, label, sizeof label);
        draw_text_set(&p->text, label, DRAW_FONT_LABEL, &w, &h);
        draw_set_color(cr, fg, draw_alpha(st, 0.7));
        draw_text_show(cr, &p->text, p->left - u * (TICK_LENGTH + LABEL_GAP) - w, y - h / 2.0);
    }

    /* Vertical grid lines and x ticks. */
    for (int i = 0; i < p->x_ticks.n; i++) {
        const PlotTick *t = &p->x_ticks.ticks[i];
        double x = plot_snap(plot_scale_to_pixel(&p->x, t->value));
        draw_set_color(cr, fg, draw_alpha(st, 0.07));
        cairo_move_to(cr, x, p->top);
        cairo_line_to(cr, x, p->bottom);
        cairo_stroke(cr);
        draw_set_color(cr, fg, draw_alpha(st, 0.4));
        cairo_move_to(cr, x, p->bottom);
        cairo_line_to(cr, x, p->bottom + u * TICK_LENGTH);
        cairo_stroke(cr);
        char label[PLOT_LABEL_SIZE];
        plot_format_tick(t->value, p->x_ticks.step, label, sizeof label);
        draw_text_set(&p->text, label, DRAW_FONT_LABEL, &w, &h);
        draw_set_color(cr, fg, draw_alpha(st, 0.7));
        draw_text_show(cr, &p->text, x - w / 2.0, p->bottom + u * (TICK_LENGTH + LABEL_GAP / 2.0));
    }

    /* The axes themselves. */
    draw_set_color(cr, fg, draw_alpha(st, 0.4));
    double left = plot_snap(p->left), bottom = plot_snap(p->bottom);
    cairo_move_to(cr, left, p->top);
    cairo_line_to(cr, left, bottom);
    cairo_line_to(cr, p->right, bottom);
    cairo_stroke(cr);

    /* The x caption, centred under the tick labels. */
    draw_text_set(&p->text, "0", DRAW_FONT_LABEL, &w, &label_h);
    draw_text_set(&p->text, _("Epoch"), DRAW_FONT_LABEL, &w, &h);
    draw_set_color(cr, fg, draw_alpha(st, 0.55));
    draw_text_show(cr, &p->text, (p->left + p->right - w) / 2.0,
                   p->bottom + u * (TICK_LENGTH + LABEL_GAP / 2.0) + label_h + 1);
}

/* Clips to the plot area, with room for markers on its edges. */
static void
clip_to_frame(const Plot *p, double right_to)
{
    double r = p->u * MARKER_RADIUS + 1;
    cairo_rectangle(p->cr, p->left, p->top - r, MIN(right_to, p->right + r) - p->left, p->bottom - p->top + r);
    cairo_clip(p->cr);
}

static int
epoch_of(double x)
{
    /* A batch at x = e + b / batches (b = 1..batches) belongs to epoch e. */
    return (int)ceil(x - 1e-9) - 1;
}

/* A dense series is drawn by pixel column (M4 decimation): of the points
 * falling in one column, the first, the lowest, the highest and the last,
 * in their order. That draws the same pixels as every point would, with at
 * most four vertices per column, so 14 000 batches cost no more than the
 * plot's width. */
typedef struct {
    gboolean open;
    double column;
    double x[4], y[4]; /* first, lowest, highest, last */
    guint lowest_at, highest_at;
} Column;

static void
column_add(Column *c, guint i, double px, double py)
{
    if (!c->open) {
        c->open = TRUE;
        c->column = floor(px);
        for (int k = 0; k < 4; k++) {
            c->x[k] = px;
            c->y[k] = py;
        }
        c->lowest_at = c->highest_at = i;
        return;
    }
    if (py < c->y[1]) {
        c->x[1] = px;
        c->y[1] = py;
        c->lowest_at = i;
    }
    if (py > c->y[2]) {
        c->x[2] = px;
        c->y[2] = py;
        c->highest_at = i;
    }
    c->x[3] = px;
    c->y[3] = py;
}

static void
column_flush(cairo_t *cr, Column *c, gboolean *pen)
{
    if (!c->open)
        return;
    int middle[2] = { 1, 2 };
    if (c->highest_at < c->lowest_at) {
        middle[0] = 2;
        middle[1] = 1;
    }
    const int order[4] = { 0, middle[0], middle[1], 3 };
    double last_x = NAN, last_y = NAN;
    for (int k = 0; k < 4; k++) {
        double x = c->x[order[k]], y = c->y[order[k]];
        if (x == last_x && y == last_y)
            continue;
        if (*pen)
            cairo_line_to(cr, x, y);
        else
            cairo_move_to(cr, x, y);
        *pen = TRUE;
        last_x = x;
        last_y = y;
    }
    c->open = FALSE;
}

/* The series as a polyline; non-positive values on a log axis break it. */
static void
draw_series_line(const Plot *p, const Series *s)
{
    cairo_t *cr = p->cr;
    Column column = { .open = FALSE };
    gboolean pen = FALSE;

    for (guint i = 0; i < s->n; i++) {
        double px = plot_scale_to_pixel(&p->x, s->points[i].x);
        double py = plot_scale_to_pixel(&p->y, s->points[i].y * s->factor);
        if (!isfinite(py) || (column.open && floor(px) != column.column))
            column_flush(cr, &column, &pen);
        if (!isfinite(py))
            pen = FALSE;
        else
            column_add(&column, i, px, py);
    }
    column_flush(cr, &column, &pen);
    cairo_stroke(cr);
}

static void
draw_series(Plot *p)
{
    cairo_t *cr = p->cr;
    cairo_save(cr);
    clip_to_frame(p, p->right + p->u * MARKER_RADIUS + 1);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    for (int s = 0; s < p->n_series; s++) {
        const Series *series = &p->series[s];
        double thick = series->current ? 1.5 : 1.0;
        draw_set_color(cr, series->color, series->probe ? probe_alpha(p->style) : 1.0);
        cairo_set_line_width(cr, line_width(p, (series->probe ? 1.25 : series->markers ? 2.0 : 1.5) * thick));
        /* Round joins on a dense, jagged line cost many times more to
         * stroke than bevels, and look the same at 1.5 px. */
        cairo_set_line_join(cr, series->markers || series->dashed ? CAIRO_LINE_JOIN_ROUND : CAIRO_LINE_JOIN_BEVEL);
        if (series->dashed) {
            double dash[2] = { p->u * 4.0, p->u * 3.0 };
            cairo_set_dash(cr, dash, 2, 0);
        }
        draw_series_line(p, series);
        cairo_set_dash(cr, NULL, 0, 0);
        if (!series->markers)
            continue;
        for (guint i = 0; i < series->n; i++) {
            double px = plot_scale_to_pixel(&p->x, series->points[i].x);
            double py = plot_scale_to_pixel(&p->y, series->points[i].y * series->factor);
            if (isfinite(py))
                draw_dot(cr, px, py, p->u * (series->probe ? PROBE_RADIUS : MARKER_RADIUS * (series->current ? 1.3 : 1.0)));
        }
    }
    cairo_restore(cr);
}

static void
draw_schedule(Plot *p)
{
    if (p->history == NULL)
        return;
    cairo_t *cr = p->cr;
    const DlColor *color = &p->style->schedule;
    guint n;
    const DlPoint *curve = dl_history_get_schedule_curve(p->history, &n);
    if (n == 0)
        return;

    Series s = { .name = _("Schedule"), .points = curve, .n = n, .color = color, .factor = 1.0 };
    gboolean started = !dl_history_is_empty(p->history);
    gboolean running = in_progress(p->history);
    double position = dl_history_get_position(p->history);
    double margin = p->u * MARKER_RADIUS + 1;
    double split = running ? plot_scale_to_pixel(&p->x, position) : p->right + margin;

    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_set_line_width(cr, line_width(p, 2.0));

    /* Done: a solid line over a light fill. */
    cairo_save(cr);
    clip_to_frame(p, split);
    if (started) {
        cairo_move_to(cr, plot_scale_to_pixel(&p->x, curve[0].x), p->bottom);
        for (guint i = 0; i < n; i++)
            cairo_line_to(cr, plot_scale_to_pixel(&p->x, curve[i].x), plot_scale_to_pixel(&p->y, curve[i].y));
        cairo_line_to(cr, plot_scale_to_pixel(&p->x, curve[n - 1].x), p->bottom);
        cairo_close_path(cr);
        draw_set_color(cr, color, 0.15);
        cairo_fill(cr);
    }
    draw_set_color(cr, color, 1.0);
    draw_series_line(p, &s);
    cairo_restore(cr);

    if (!running)
        return;

    /* Ahead: the same curve, faded. */
    cairo_save(cr);
    cairo_rectangle(cr, split, p->top - margin, p->right + margin - split, p->bottom - p->top + margin);
    cairo_clip(cr);
    draw_set_color(cr, color, p->style->high_contrast ? 0.6 : 0.4);
    draw_series_line(p, &s);
    cairo_restore(cr);

    /* The current position: a dot with a halo. */
    double lr = dl_history_lr_at(p->history, MIN(position, p->n_epochs - 1e-9));
    double px = plot_scale_to_pixel(&p->x, position), py = plot_scale_to_pixel(&p->y, lr);
    draw_set_color(cr, color, 0.25);
    draw_dot(cr, px, py, p->u * 8.0);
    draw_set_color(cr, color, 1.0);
    draw_dot(cr, px, py, p->u * 4.5);
}

/* Every run's learning rate, each in its colour, the current one on top. */
static void
draw_compare_schedules(Plot *p)
{
    cairo_t *cr = p->cr;
    cairo_save(cr);
    clip_to_frame(p, p->right + p->u * MARKER_RADIUS + 1);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    for (int r = 0; r < p->n_runs; r++) {
        guint n;
        const DlPoint *curve = dl_history_get_schedule_curve(p->runs[r]->history, &n);
        Series s = { .name = p->runs[r]->name, .points = curve, .n = n, .color = &p->run_colors[r], .factor = 1.0,
                     .current = p->runs[r]->current };
        cairo_set_line_width(cr, line_width(p, p->runs[r]->current ? 3.0 : 2.0));
        draw_set_color(cr, s.color, 1.0);
        draw_series_line(p, &s);
    }
    cairo_restore(cr);
}

static void
draw_empty(Plot *p)
{
    double w, h;
    draw_text_set(&p->text, _("No training yet"), DRAW_FONT_LABEL, &w, &h);
    draw_set_color(p->cr, &p->style->foreground, draw_alpha(p->style, 0.55));
    draw_text_show(p->cr, &p->text, (p->left + p->right - w) / 2.0, (p->top + p->bottom - h) / 2.0);
}

/* ---- hover read-out ---- */

/* Index of the point of s nearest to x (points ascend in x); s->n > 0. */
static guint
nearest_index(const Series *s, double x)
{
    guint lo = 0, hi = s->n; /* first point with .x >= x is in [lo, hi] */
    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        if (s->points[mid].x < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == s->n)
        return s->n - 1;
    if (lo > 0 && x - s->points[lo - 1].x < s->points[lo].x - x)
        return lo - 1;
    return lo;
}

static void
format_value(DlPlotKind kind, double v, char *buf, size_t size)
{
    if (kind == DL_PLOT_ACCURACY)
        plot_format_percent(100.0 * v, 2, buf, size);
    else if (kind == DL_PLOT_LEARNING_RATE || v < 1e-3)
        plot_format_sci(v, 3, buf, size);
    else
        g_snprintf(buf, size, "%.4f", v);
}

/* "After epoch 12", "Epoch 13, batch 160 of 469" or "Epoch 12.34". */
static void
format_position(const Plot *p, double x, gboolean batch_point, char *buf, size_t size)
{
    int batches = p->history != NULL ? dl_history_get_batches_per_epoch(p->history) : 0;
    if (!batch_point || batches <= 0) {
        char number[PLOT_LABEL_SIZE];
        plot_format_epoch(x, number, sizeof number);
        g_snprintf(buf, size, fabs(x - round(x)) < 1e-9 ? _("After epoch %s") : _("Epoch %s"), number);
        return;
    }
    int epoch = epoch_of(x);
    int b = (int)lround((x - epoch) * batches);
    g_snprintf(buf, size, _("Epoch %d, batch %d of %d"), epoch + 1, b, batches);
}

#define MAX_ROWS DL_DRAW_MAX_RUNS

typedef struct {
    char header[96];
    char names[MAX_ROWS][64];
    char values[MAX_ROWS][PLOT_LABEL_SIZE];
    const DlColor *colors[MAX_ROWS];
    int rows;
    const char *note; /* wrapped under the rows, or NULL */
    double guide_x;   /* in pixels */
} Readout;

static void
rounded_rectangle(cairo_t *cr, double x, double y, double w, double h, double radius)
{
    cairo_new_sub_path(cr);
    cairo_arc(cr, x + w - radius, y + radius, radius, -G_PI / 2, 0);
    cairo_arc(cr, x + w - radius, y + h - radius, radius, 0, G_PI / 2);
    cairo_arc(cr, x + radius, y + h - radius, radius, G_PI / 2, G_PI);
    cairo_arc(cr, x + radius, y + radius, radius, G_PI, 3 * G_PI / 2);
    cairo_close_path(cr);
}

static void
draw_readout_box(Plot *p, const DlPlotHover *hover, const Readout *r)
{
    cairo_t *cr = p->cr;
    const DlDrawStyle *st = p->style;
    const DlColor *fg = &st->foreground;
    double u = p->u, pad = u * BOX_PADDING;

    if (hover->text != NULL) {
        GString *line = g_string_new(r->header);
        for (int i = 0; i < r->rows; i++)
            g_string_append_printf(line, "%s%s %s", i == 0 ? ": " : ", ", r->names[i], r->values[i]);
        g_strlcpy(hover->text, line->str, hover->text_size);
        g_string_free(line, TRUE);
    }

    /* The vertical guide. */
    cairo_set_line_width(cr, 1.0);
    draw_set_color(cr, fg, draw_alpha(st, 0.35));
    double gx = plot_snap(r->guide_x);
    cairo_move_to(cr, gx, p->top);
    cairo_line_to(cr, gx, p->bottom);
    cairo_stroke(cr);

    /* Measure: a header, "● name   value" rows with aligned values, a note. */
    double header_w, header_h, name_w = 0, value_w = 0, row_h = 0, w, h;
    draw_text_set(&p->text, r->header, DRAW_FONT_LABEL, &header_w, &header_h);
    for (int i = 0; i < r->rows; i++) {
        draw_text_set(&p->text, r->names[i], DRAW_FONT_LABEL, &w, &h);
        name_w = MAX(name_w, w);
        row_h = MAX(row_h, h);
        draw_text_set(&p->text, r->values[i], DRAW_FONT_LABEL, &w, &h);
        value_w = MAX(value_w, w);
    }
    double dot = u * 10;
    double content_w = MAX(header_w, dot + name_w + u * 12 + value_w);
    double note_w = 0, note_h = 0;
    if (r->note != NULL) {
        double wrap = MIN(MAX(content_w, u * 260), p->width - 2 * pad - 2);
        draw_text_set_wrapped(&p->text, r->note, DRAW_FONT_NOTE, wrap, &note_w, &note_h);
        content_w = MAX(content_w, note_w);
    }
    double box_w = 2 * pad + content_w;
    double box_h = 2 * pad + header_h + r->rows * row_h + (r->rows > 0 ? 2 : 0) + (note_h > 0 ? note_h + u * 4 : 0);

    /* Above and right of the pointer; below or left when there is no room. */
    double bx = hover->x + u * 14, by = hover->y - box_h - u * 10;
    if (bx + box_w > p->width - 1)
        bx = hover->x - u * 14 - box_w;
    if (by < p->top)
        by = hover->y + u * 18;
    bx = CLAMP(bx, 1, MAX(1, p->width - 1 - box_w));
    by = CLAMP(by, 1, MAX(1, p->height - 1 - box_h));
    bx = round(bx);
    by = round(by);

    /* A soft shadow, the box, a hairline border. */
    double radius = u * 6;
    rounded_rectangle(cr, bx + 1.5, by + 1.5, box_w, box_h, radius);
    cairo_set_source_rgba(cr, 0, 0, 0, 0.12);
    cairo_fill(cr);
    rounded_rectangle(cr, bx, by, box_w, box_h, radius);
    draw_set_color(cr, &st->box, 0.97);
    cairo_fill_preserve(cr);
    draw_set_color(cr, fg, draw_alpha(st, 0.15));
    cairo_stroke(cr);

    double x = bx + pad, y = by + pad;
    draw_text_set(&p->text, r->header, DRAW_FONT_LABEL, &w, &h);
    draw_set_color(cr, fg, draw_alpha(st, 0.7));
    draw_text_show(cr, &p->text, x, y);
    y += header_h + 2;
    for (int i = 0; i < r->rows; i++) {
        draw_set_color(cr, r->colors[i], 1.0);
        draw_dot(cr, x + u * 4, y + row_h / 2.0, u * 4);
        draw_text_set(&p->text, r->names[i], DRAW_FONT_LABEL, &w, &h);
        draw_set_color(cr, fg, draw_alpha(st, 0.85));
        draw_text_show(cr, &p->text, x + dot, y);
        draw_text_set(&p->text, r->values[i], DRAW_FONT_LABEL, &w, &h);
        draw_set_color(cr, fg, 1.0);
        draw_text_show(cr, &p->text, bx + box_w - pad - w, y);
        y += row_h;
    }
    if (note_h > 0) {
        y += u * 4;
        draw_text_set_wrapped(&p->text, r->note, DRAW_FONT_NOTE, note_w + 1, &w, &h);
        draw_set_color(cr, fg, draw_alpha(st, 0.7));
        draw_text_show(cr, &p->text, x, y);
    }
}

/* A comparison's read-out: at the epoch nearest the pointer, every run's
 * value of the kind of series nearest it (validation or training), or
 * every run's learning rate. */
static void
draw_compare_readout(Plot *p, const DlPlotHover *hover)
{
    cairo_t *cr = p->cr;
    Readout r = { .rows = 0 };
    double pointer = hover->at_epoch ? hover->epoch : plot_scale_from_pixel(&p->x, hover->x);
    if (p->kind == DL_PLOT_LEARNING_RATE) {
        double x = CLAMP(pointer, 0.0, (double)p->n_epochs);
        g_snprintf(r.header, sizeof r.header, _("Epoch %d"), MIN((int)floor(x), p->n_epochs - 1) + 1);
        int order[DL_DRAW_MAX_RUNS];
        runs_in_order(p, order);
        for (int o = 0; o < p->n_runs && r.rows < MAX_ROWS; o++) {
            int i = order[o];
            DlHistory *h = p->runs[i]->history;
            if (x > dl_history_get_n_epochs(h))
                continue;
            g_strlcpy(r.names[r.rows], p->runs[i]->name, sizeof r.names[0]);
            format_value(p->kind, dl_history_lr_at(h, MIN(x, dl_history_get_n_epochs(h) - 1e-9)), r.values[r.rows],
                         sizeof r.values[0]);
            r.colors[r.rows++] = &p->run_colors[i];
        }
        r.guide_x = plot_scale_to_pixel(&p->x, x);
        if (r.rows > 0)
            draw_readout_box(p, hover, &r);
        return;
    }

    /* The nearest point decides the epoch and the kind; the keyboard reads
     * the validation values at its epoch. */
    int best_series = -1;
    guint best_index = 0;
    double best_distance = INFINITY;
    for (int s = 0; s < p->n_series; s++) {
        const Series *series = &p->series[s];
        if (series->n == 0 || (hover->at_epoch && series->training))
            continue;
        guint i = nearest_index(series, pointer);
        double py = plot_scale_to_pixel(&p->y, series->points[i].y * series->factor);
        if (!isfinite(py))
            continue;
        double d = hover->at_epoch ? fabs(series->points[i].x - pointer)
                                   : hypot(plot_scale_to_pixel(&p->x, series->points[i].x) - hover->x,
                                           CLAMP(py, p->top, p->bottom) - hover->y);
        if (d < best_distance) {
            best_distance = d;
            best_series = s;
            best_index = i;
        }
    }
    if (best_series < 0)
        return;
    double x = p->series[best_series].points[best_index].x;
    gboolean training = p->series[best_series].training;
    char number[PLOT_LABEL_SIZE];
    plot_format_epoch(x, number, sizeof number);
    g_snprintf(r.header, sizeof r.header, training ? _("After epoch %s: training, epoch mean")
                                                   : _("After epoch %s: validation"), number);
    int order[DL_DRAW_MAX_RUNS];
    runs_in_order(p, order);
    for (int o = 0; o < p->n_runs && r.rows < MAX_ROWS; o++) {
        const Series *series = &p->series[2 * order[o] + (training ? 0 : 1)];
        if (series->n == 0)
            continue;
        guint i = nearest_index(series, x);
        if (fabs(series->points[i].x - x) > 1e-9)
            continue;
        g_strlcpy(r.names[r.rows], series->name, sizeof r.names[0]);
        format_value(p->kind, series->points[i].y, r.values[r.rows], sizeof r.values[0]);
        r.colors[r.rows] = series->color;
        double px = plot_scale_to_pixel(&p->x, x), py = plot_scale_to_pixel(&p->y, series->points[i].y * series->factor);
        if (isfinite(py) && py >= p->top - 1 && py <= p->bottom + 1) {
            draw_set_color(cr, &p->style->box, 1.0);
            draw_dot(cr, px, py, p->u * 6);
            draw_set_color(cr, series->color, 1.0);
            draw_dot(cr, px, py, p->u * 4.5);
        }
        r.rows++;
    }
    r.guide_x = plot_scale_to_pixel(&p->x, x);
    draw_readout_box(p, hover, &r);
}

static void
draw_readout_at(Plot *p, const DlPlotHover *hover);

/* The keyboard's read-out is placed as a pointer would be, on the guide at
 * its epoch, a third of the way down. */
static void
draw_readout(Plot *p, const DlPlotHover *hover)
{
    if (hover != NULL && hover->text != NULL && hover->text_size > 0)
        hover->text[0] = '\0';
    if (hover == NULL || !hover->at_epoch) {
        draw_readout_at(p, hover);
        return;
    }
    DlPlotHover at = *hover;
    at.x = plot_scale_to_pixel(&p->x, CLAMP(hover->epoch, 0.0, (double)MAX(p->n_epochs, 1)));
    at.y = p->top + (p->bottom - p->top) / 3;
    draw_readout_at(p, &at);
}

static void
draw_readout_at(Plot *p, const DlPlotHover *hover)
{
    if (hover != NULL && p->n_runs > 0) {
        double slack = p->u * 8;
        if (hover->x >= p->left - slack && hover->x <= p->right + slack && hover->y >= p->top - slack
            && hover->y <= p->bottom + slack)
            draw_compare_readout(p, hover);
        return;
    }
    if (hover == NULL || p->history == NULL)
        return;
    double slack = p->u * 8;
    if (hover->x < p->left - slack || hover->x > p->right + slack || hover->y < p->top - slack
        || hover->y > p->bottom + slack)
        return;

    cairo_t *cr = p->cr;
    Readout r = { .rows = 0 };

    if (p->kind == DL_PLOT_LEARNING_RATE) {
        guint n;
        dl_history_get_schedule_curve(p->history, &n);
        if (n == 0)
            return;
        double x = CLAMP(hover->at_epoch ? hover->epoch : plot_scale_from_pixel(&p->x, hover->x), 0.0,
                         (double)p->n_epochs);
        double lr = dl_history_lr_at(p->history, MIN(x, p->n_epochs - 1e-9));
        int epoch = MIN((int)floor(x), p->n_epochs - 1);
        if (dl_history_get_per_step_lr(p->history))
            format_position(p, x, TRUE, r.header, sizeof r.header);
        else
            g_snprintf(r.header, sizeof r.header, _("Epoch %d"), epoch + 1);
        g_strlcpy(r.names[0], _("Learning rate"), sizeof r.names[0]);
        format_value(p->kind, lr, r.values[0], sizeof r.values[0]);
        r.colors[0] = &p->style->schedule;
        r.rows = 1;
        r.guide_x = plot_scale_to_pixel(&p->x, x);
        draw_readout_box(p, hover, &r);
        draw_set_color(cr, &p->style->schedule, 1.0);
        draw_dot(cr, r.guide_x, plot_scale_to_pixel(&p->y, lr), p->u * 4.5);
        return;
    }

    /* The point nearest to the pointer, over all series; for the keyboard,
     * the epoch's end nearest its epoch. */
    double pointer = hover->at_epoch ? hover->epoch : plot_scale_from_pixel(&p->x, hover->x);
    int best_series = -1;
    guint best_index = 0;
    double best_distance = INFINITY;
    for (int s = 0; s < p->n_series; s++) {
        const Series *series = &p->series[s];
        if (series->n == 0 || (hover->at_epoch && (series->per_batch || series->probe)))
            continue;
        guint i = nearest_index(series, pointer);
        double px = plot_scale_to_pixel(&p->x, series->points[i].x);
        double py = plot_scale_to_pixel(&p->y, series->points[i].y * series->factor);
        if (!isfinite(py))
            continue;
        py = CLAMP(py, p->top, p->bottom);
        double d = hover->at_epoch ? fabs(series->points[i].x - pointer) : hypot(px - hover->x, py - hover->y);
        if (d < best_distance) {
            best_distance = d;
            best_series = s;
            best_index = i;
        }
    }
    if (best_series < 0)
        return;

    double x = p->series[best_series].points[best_index].x;
    /* A batch inside an epoch is named by its batch; an epoch's end (where
     * the validation point is) as "After epoch N". */
    gboolean batch_point = p->series[best_series].per_batch && fabs(x - round(x)) > 1e-9;
    /* Every series with a point at that same x: at an epoch's end the
     * training curve, and the validation point. */
    double marks[MAX_ROWS][2];
    for (int s = 0; s < p->n_series && r.rows < MAX_ROWS; s++) {
        const Series *series = &p->series[s];
        if (series->n == 0)
            continue;
        guint i = nearest_index(series, x);
        if (fabs(series->points[i].x - x) > 1e-9)
            continue;
        double v = series->points[i].y;
        g_strlcpy(r.names[r.rows], series->name, sizeof r.names[0]);
        format_value(p->kind, v, r.values[r.rows], sizeof r.values[0]);
        r.colors[r.rows] = series->color;
        marks[r.rows][0] = plot_scale_to_pixel(&p->x, x);
        marks[r.rows][1] = plot_scale_to_pixel(&p->y, v * series->factor);
        if (s == 0)
            r.note = dl_plot_training_note(p->history);
        else if (series->probe && r.note == NULL)
            r.note = probe_note();
        r.rows++;
    }
    format_position(p, x, batch_point, r.header, sizeof r.header);
    r.guide_x = plot_scale_to_pixel(&p->x, x);

    /* Ring the points read out, under the box (which may cover them). */
    for (int i = 0; i < r.rows; i++) {
        if (!isfinite(marks[i][1]) || marks[i][1] < p->top - 1 || marks[i][1] > p->bottom + 1)
            continue;
        draw_set_color(cr, &p->style->box, 1.0);
        draw_dot(cr, marks[i][0], marks[i][1], p->u * 6);
        draw_set_color(cr, r.colors[i], 1.0);
        draw_dot(cr, marks[i][0], marks[i][1], p->u * 4.5);
    }
    draw_readout_box(p, hover, &r);
}

void
dl_draw_plot(cairo_t *cr, double width, double height, DlPlotKind kind, DlHistory *history,
             const DlDrawStyle *style, const DlPlotHover *hover)
{
    g_return_if_fail(cr != NULL && style != NULL);
    g_return_if_fail(history == NULL || DL_IS_HISTORY(history));
    if (width <= 0 || height <= 0)
        return;

    Plot p = {
        .cr = cr, .width = width, .height = height, .kind = kind, .history = history, .style = style,
        .u = style->font_size / BASE_FONT,
    };
    draw_text_init(&p.text, style);
    collect_series(&p);
    layout_compute(&p);

    cairo_save(cr);
    draw_background(cr, width, height, style);
    draw_header(&p);
    draw_axes(&p);
    if (kind == DL_PLOT_LEARNING_RATE)
        draw_schedule(&p);
    else if (history == NULL || dl_history_is_empty(history))
        draw_empty(&p);
    else
        draw_series(&p);
    draw_readout(&p, hover);
    cairo_restore(cr);
    draw_text_clear(&p.text);
}

void
dl_draw_run_color(const DlDrawStyle *style, int index, DlColor *color)
{
    g_return_if_fail(style != NULL && color != NULL);

    /* libadwaita's palette (blue, orange, green, purple, red, yellow,
     * brown, dark grey): 3 / 4 on light, 2 / 1 on dark; the first is the
     * style's own training colour, the accent. */
    static const guint32 light[] = { 0x1c71d8, 0xe66100, 0x26a269, 0x9141ac, 0xc01c28, 0xe5a50a, 0x865e3c, 0x5e5c64 };
    static const guint32 dark[] = { 0x78aeed, 0xffa348, 0x57e389, 0xdc8add, 0xf66151, 0xf8e45c, 0xcdab8f, 0xc0bfbc };
    static const guint32 light_hc[] = { 0x1a5fb4, 0xc64600, 0x26a269, 0x613583, 0xa51d2d, 0x9c6e03, 0x63452c, 0x3d3846 };
    static const guint32 dark_hc[] = { 0x99c1f1, 0xffbe6f, 0x8ff0a4, 0xf0b0f5, 0xff7b63, 0xf9f06b, 0xdeddda, 0xdeddda };
    index = ((index % DL_DRAW_MAX_COLORS) + DL_DRAW_MAX_COLORS) % DL_DRAW_MAX_COLORS;
    if (index == 0) {
        *color = style->training;
        return;
    }
    guint32 c = (style->dark ? (style->high_contrast ? dark_hc : dark) : (style->high_contrast ? light_hc : light))[index];
    *color = (DlColor){ ((c >> 16) & 0xff) / 255.0, ((c >> 8) & 0xff) / 255.0, (c & 0xff) / 255.0, 1.0 };
}

void
dl_draw_compare(cairo_t *cr, double width, double height, DlPlotKind kind, const DlPlotRun *runs, int n_runs,
                const DlDrawStyle *style, const DlPlotHover *hover)
{
    g_return_if_fail(cr != NULL && style != NULL);
    g_return_if_fail(n_runs >= 0 && n_runs <= DL_DRAW_MAX_RUNS && (n_runs == 0 || runs != NULL));
    if (width <= 0 || height <= 0)
        return;
    if (n_runs == 0) {
        dl_draw_plot(cr, width, height, kind, NULL, style, hover);
        return;
    }

    Plot p = {
        .cr = cr, .width = width, .height = height, .kind = kind, .style = style,
        .u = style->font_size / BASE_FONT,
    };
    /* Colours by position; the current run drawn last, on top. */
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < n_runs; i++)
            if ((runs[i].current != FALSE) == (pass == 1)) {
                p.runs[p.n_runs] = &runs[i];
                dl_draw_run_color(style, i, &p.run_colors[p.n_runs]);
                p.n_runs++;
            }
    draw_text_init(&p.text, style);
    collect_series(&p);
    layout_compute(&p);

    cairo_save(cr);
    draw_background(cr, width, height, style);
    draw_header(&p);
    draw_axes(&p);
    gboolean empty = TRUE;
    for (int i = 0; i < n_runs; i++)
        empty &= dl_history_is_empty(runs[i].history);
    if (kind == DL_PLOT_LEARNING_RATE)
        draw_compare_schedules(&p);
    else if (empty)
        draw_empty(&p);
    else
        draw_series(&p);
    draw_readout(&p, hover);
    cairo_restore(cr);
    draw_text_clear(&p.text);
}

void
dl_draw_plots(cairo_t *cr, double width, double height, DlHistory *history, const DlDrawStyle *style)
{
    g_return_if_fail(cr != NULL && style != NULL);

    static const DlPlotKind kinds[3] = { DL_PLOT_ACCURACY, DL_PLOT_LOSS, DL_PLOT_LEARNING_RATE };
    static const double shares[3] = { 3.0 / 8, 3.0 / 8, 2.0 / 8 };
    double gap = style->font_size, y = 0.0;
    double room = MAX(height - 2 * gap, 0.0);

    cairo_save(cr);
    draw_background(cr, width, height, style);
    DlDrawStyle inner = *style;
    inner.paint_background = FALSE;
    for (int i = 0; i < 3; i++) {
        double h = floor(room * shares[i]);
        cairo_save(cr);
        cairo_translate(cr, 0, y);
        dl_draw_plot(cr, width, h, kinds[i], history, &inner, NULL);
        cairo_restore(cr);
        y += h + gap;
    }
    cairo_restore(cr);
}
