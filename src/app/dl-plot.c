/* dl-plot.c — one live training plot, drawn with Cairo in snapshot. */
#include "dl-plot.h"

#include <glib/gi18n.h>
#include <math.h>

#include "plot-scale.h"

/* Layout, in logical pixels. */
enum {
    MIN_WIDTH = 320,
    MIN_HEIGHT = 180,
    NAT_WIDTH = 480,
    NAT_HEIGHT = 240,
    TICK_LENGTH = 4,
    LABEL_GAP = 4,
    TITLE_GAP = 10,
    RIGHT_MARGIN = 10,
    LEGEND_SWATCH = 18,
    LEGEND_SPACING = 14,
    PIXELS_PER_X_TICK = 56,
    PIXELS_PER_Y_TICK = 26,
    BOX_PADDING = 8,
};

#define MARKER_RADIUS 3.5

struct _DlPlot {
    GtkWidget parent_instance;

    DlHistory *history;
    gulong changed_id;
    DlPlotKind kind;
    char *summary;

    gboolean hovering;
    double pointer_x, pointer_y;
};

G_DEFINE_FINAL_TYPE(DlPlot, dl_plot, GTK_TYPE_WIDGET)

G_DEFINE_ENUM_TYPE(DlPlotKind, dl_plot_kind,
                   G_DEFINE_ENUM_VALUE(DL_PLOT_ACCURACY, "accuracy"),
                   G_DEFINE_ENUM_VALUE(DL_PLOT_LOSS, "loss"),
                   G_DEFINE_ENUM_VALUE(DL_PLOT_LEARNING_RATE, "learning-rate"))

enum {
    PROP_0,
    PROP_HISTORY,
    PROP_KIND,
    N_PROPS,
};

static GParamSpec *properties[N_PROPS];

/* ---- what is drawn ---- */

typedef struct {
    GdkRGBA fg;       /* text and axes, from the CSS colour */
    GdkRGBA train;    /* training series: the accent colour */
    GdkRGBA val;      /* validation series: orange */
    GdkRGBA schedule; /* learning rate: purple */
    GdkRGBA box;      /* the hover read-out's background */
} Palette;

typedef struct {
    const char *name;
    const DlPoint *points;
    guint n;
    const GdkRGBA *color;
    double factor;          /* 100 for accuracies, shown in % */
    gboolean markers;       /* per-epoch points: a dot each */
    gboolean epoch_pieces;  /* running means restart each epoch: one piece per epoch */
} Series;

typedef struct {
    double left, top, right, bottom; /* the plot area */
    PlotScale x, y;
    PlotTicks x_ticks, y_ticks;
    int n_epochs;
} Frame;

/* The text layouts of one draw, with their attributes. */
typedef struct {
    PangoLayout *layout;
    PangoAttrList *small; /* tick labels, legend: smaller, tabular figures */
    PangoAttrList *bold;  /* the title */
} Text;

static const char *
kind_title(DlPlotKind kind)
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

static const char *
kind_accessible_label(DlPlotKind kind)
{
    switch (kind) {
    case DL_PLOT_LOSS:
        return _("Loss plot");
    case DL_PLOT_LEARNING_RATE:
        return _("Learning rate plot");
    case DL_PLOT_ACCURACY:
    default:
        return _("Accuracy plot");
    }
}

static double
luminance(const GdkRGBA *c)
{
    return 0.2126 * c->red + 0.7152 * c->green + 0.0722 * c->blue;
}

static void
set_rgba(GdkRGBA *c, guint32 rgb)
{
    c->red = ((rgb >> 16) & 0xff) / 255.0f;
    c->green = ((rgb >> 8) & 0xff) / 255.0f;
    c->blue = (rgb & 0xff) / 255.0f;
    c->alpha = 1.0f;
}

/* The colours of the current style. The text colour decides light or dark,
 * so the plot follows AdwStyleManager, high contrast and any theme; named
 * colours of libadwaita are used when the theme defines them. */
G_GNUC_BEGIN_IGNORE_DEPRECATIONS
static void
palette_init(GtkWidget *widget, Palette *p)
{
    GtkStyleContext *context = gtk_widget_get_style_context(widget);
    gtk_style_context_get_color(context, &p->fg);
    gboolean dark = luminance(&p->fg) > 0.5;

    if (!gtk_style_context_lookup_color(context, "accent_color", &p->train))
        set_rgba(&p->train, dark ? 0x78aeed : 0x1c71d8);
    /* libadwaita's palette: orange 4 / 2, purple 3 / 2. */
    if (!gtk_style_context_lookup_color(context, dark ? "orange_2" : "orange_4", &p->val))
        set_rgba(&p->val, dark ? 0xffa348 : 0xe66100);
    if (!gtk_style_context_lookup_color(context, dark ? "purple_2" : "purple_3", &p->schedule))
        set_rgba(&p->schedule, dark ? 0xdc8add : 0x9141ac);
    if (!gtk_style_context_lookup_color(context, "popover_bg_color", &p->box))
        set_rgba(&p->box, dark ? 0x383838 : 0xffffff);
}
G_GNUC_END_IGNORE_DEPRECATIONS

static void
set_source(cairo_t *cr, const GdkRGBA *c, double alpha)
{
    cairo_set_source_rgba(cr, c->red, c->green, c->blue, c->alpha * alpha);
}

/* ---- text ---- */

static void
text_init(GtkWidget *widget, Text *t)
{
    t->layout = gtk_widget_create_pango_layout(widget, NULL);
    t->small = pango_attr_list_new();
    pango_attr_list_insert(t->small, pango_attr_scale_new(PANGO_SCALE_SMALL));
    pango_attr_list_insert(t->small, pango_attr_font_features_new("tnum=1"));
    t->bold = pango_attr_list_new();
    pango_attr_list_insert(t->bold, pango_attr_weight_new(PANGO_WEIGHT_BOLD));
}

static void
text_clear(Text *t)
{
    g_clear_object(&t->layout);
    g_clear_pointer(&t->small, pango_attr_list_unref);
    g_clear_pointer(&t->bold, pango_attr_list_unref);
}

/* Sets the layout's text and attributes; returns its logical size. */
static void
text_set(Text *t, const char *s, PangoAttrList *attrs, int *width, int *height)
{
    pango_layout_set_text(t->layout, s, -1);
    pango_layout_set_attributes(t->layout, attrs);
    pango_layout_get_pixel_size(t->layout, width, height);
}

static void
text_show(cairo_t *cr, Text *t, double x, double y)
{
    cairo_move_to(cr, round(x), round(y));
    pango_cairo_show_layout(cr, t->layout);
}

/* ---- series ---- */

/* The series an accuracy or loss plot draws: training first, then validation. */
static int
collect_series(DlPlot *self, const Palette *pal, Series series[2])
{
    if (self->history == NULL || self->kind == DL_PLOT_LEARNING_RATE)
        return 0;

    gboolean accuracy = self->kind == DL_PLOT_ACCURACY;
    guint n_batch;
    const DlPoint *batch = dl_history_get_series(self->history,
                                                 accuracy ? DL_SERIES_BATCH_ACCURACY : DL_SERIES_BATCH_LOSS,
                                                 &n_batch);
    int n = 0;
    series[n] = (Series){ _("Training"), batch, n_batch, &pal->train, accuracy ? 100.0 : 1.0, FALSE, TRUE };
    if (n_batch == 0 && !dl_history_is_empty(self->history)) {
        /* A history loaded from CSV has per-epoch training values only. */
        series[n].points = dl_history_get_series(self->history,
                                                 accuracy ? DL_SERIES_TRAIN_ACCURACY : DL_SERIES_TRAIN_LOSS,
                                                 &series[n].n);
        series[n].markers = TRUE;
        series[n].epoch_pieces = FALSE;
    }
    n++;
    series[n] = (Series){ _("Validation"), NULL, 0, &pal->val, accuracy ? 100.0 : 1.0, TRUE, FALSE };
    series[n].points = dl_history_get_series(self->history,
                                             accuracy ? DL_SERIES_VAL_ACCURACY : DL_SERIES_VAL_LOSS,
                                             &series[n].n);
    n++;
    return n;
}

/* The lowest accuracy that decides the y range. The running accuracy of the
 * first epoch climbs from chance (10 %); once training is past it, that
 * climb may leave the bottom of the plot so the rest can be read. */
static double
accuracy_floor(const Series *series, int n_series)
{
    double from_x = -1.0;
    const Series *train = &series[0];
    if (n_series > 0 && train->n > 0 && train->points[train->n - 1].x > 1.0)
        from_x = 1.0;

    double lowest = NAN;
    for (int s = 0; s < n_series; s++) {
        gboolean is_train = s == 0;
        for (guint i = 0; i < series[s].n; i++) {
            if (is_train && series[s].points[i].x <= from_x)
                continue;
            double v = series[s].points[i].y * series[s].factor;
            if (isnan(lowest) || v < lowest)
                lowest = v;
        }
    }
    return lowest;
}

static void
loss_range(const Series *series, int n_series, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (int s = 0; s < n_series; s++) {
        for (guint i = 0; i < series[s].n; i++) {
            double v = series[s].points[i].y;
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

/* ---- layout ---- */

static int
n_epochs_shown(DlPlot *self)
{
    int n = self->history != NULL ? dl_history_get_n_epochs(self->history) : 30;
    return MAX(n, 1);
}

static void
format_y_label(DlPlot *self, const Frame *f, double value, char *buf, size_t size)
{
    if (f->y.log) {
        plot_format_log_tick(value, buf, size);
    } else if (self->kind == DL_PLOT_ACCURACY) {
        char number[PLOT_LABEL_SIZE];
        plot_format_tick(value, f->y_ticks.step, number, sizeof number);
        g_snprintf(buf, size, "%s %%", number);
    } else {
        plot_format_tick(value, f->y_ticks.step, buf, size);
    }
}

static void
frame_compute(DlPlot *self, Text *text, const Series *series, int n_series, int width, int height,
              Frame *f)
{
    int title_w, title_h, label_w, label_h;
    text_set(text, kind_title(self->kind), text->bold, &title_w, &title_h);
    text_set(text, _("Epoch"), text->small, &label_w, &label_h);

    f->n_epochs = n_epochs_shown(self);
    f->top = title_h + TITLE_GAP;
    /* tick labels, then the "Epoch" caption */
    f->bottom = height - (TICK_LENGTH + LABEL_GAP + label_h) - label_h - 2;
    f->bottom = MAX(f->bottom, f->top + 1);

    /* y range and ticks */
    int max_y_ticks = CLAMP((int)((f->bottom - f->top) / PIXELS_PER_Y_TICK), 2, 10);
    double lo, hi;
    gboolean log = FALSE;
    switch (self->kind) {
    case DL_PLOT_LOSS:
        loss_range(series, n_series, &lo, &hi);
        log = TRUE;
        plot_log_ticks(lo, hi, MAX(max_y_ticks, 2), &f->y_ticks);
        break;
    case DL_PLOT_LEARNING_RATE:
        lo = 0.0;
        hi = schedule_max(self->history) * 1.08;
        plot_linear_ticks(lo, hi, max_y_ticks, FALSE, &f->y_ticks);
        break;
    case DL_PLOT_ACCURACY:
    default:
        plot_accuracy_range(accuracy_floor(series, n_series), &lo, &hi);
        plot_linear_ticks(lo, hi, max_y_ticks, FALSE, &f->y_ticks);
        break;
    }

    f->y = (PlotScale){ lo, hi, f->bottom, f->top, log };

    /* The left margin fits the widest y label. */
    int widest = 0;
    for (int i = 0; i < f->y_ticks.n; i++) {
        char label[PLOT_LABEL_SIZE];
        if (!f->y_ticks.ticks[i].major)
            continue;
        format_y_label(self, f, f->y_ticks.ticks[i].value, label, sizeof label);
        int w, h;
        text_set(text, label, text->small, &w, &h);
        widest = MAX(widest, w);
    }
    f->left = widest + LABEL_GAP + TICK_LENGTH;
    f->right = MAX(width - RIGHT_MARGIN, f->left + 1);
    f->y.p0 = f->bottom;
    f->y.p1 = f->top;
    f->x = (PlotScale){ 0.0, f->n_epochs, f->left, f->right, FALSE };
    int max_x_ticks = CLAMP((int)((f->right - f->left) / PIXELS_PER_X_TICK), 1, 12);
    plot_linear_ticks(0.0, f->n_epochs, max_x_ticks, TRUE, &f->x_ticks);
}

/* ---- drawing ---- */

static void
draw_axes(DlPlot *self, cairo_t *cr, Text *text, const Frame *f, const Palette *pal)
{
    cairo_set_line_width(cr, 1.0);

    /* Horizontal grid lines and y ticks. */
    for (int i = 0; i < f->y_ticks.n; i++) {
        const PlotTick *t = &f->y_ticks.ticks[i];
        double y = plot_snap(plot_scale_to_pixel(&f->y, t->value));
        set_source(cr, &pal->fg, t->major ? 0.12 : 0.05);
        cairo_move_to(cr, f->left, y);
        cairo_line_to(cr, f->right, y);
        cairo_stroke(cr);
        set_source(cr, &pal->fg, 0.4);
        cairo_move_to(cr, f->left - (t->major ? TICK_LENGTH : TICK_LENGTH / 2), y);
        cairo_line_to(cr, f->left, y);
        cairo_stroke(cr);
        if (!t->major)
            continue;
        char label[PLOT_LABEL_SIZE];
        int w, h;
        format_y_label(self, f, t->value, label, sizeof label);
        text_set(text, label, text->small, &w, &h);
        set_source(cr, &pal->fg, 0.7);
        text_show(cr, text, f->left - TICK_LENGTH - LABEL_GAP - w, y - h / 2.0);
    }

    /* Vertical grid lines and x ticks. */
    for (int i = 0; i < f->x_ticks.n; i++) {
        const PlotTick *t = &f->x_ticks.ticks[i];
        double x = plot_snap(plot_scale_to_pixel(&f->x, t->value));
        set_source(cr, &pal->fg, 0.07);
        cairo_move_to(cr, x, f->top);
        cairo_line_to(cr, x, f->bottom);
        cairo_stroke(cr);
        set_source(cr, &pal->fg, 0.4);
        cairo_move_to(cr, x, f->bottom);
        cairo_line_to(cr, x, f->bottom + TICK_LENGTH);
        cairo_stroke(cr);
        char label[PLOT_LABEL_SIZE];
        int w, h;
        plot_format_tick(t->value, f->x_ticks.step, label, sizeof label);
        text_set(text, label, text->small, &w, &h);
        set_source(cr, &pal->fg, 0.7);
        text_show(cr, text, x - w / 2.0, f->bottom + TICK_LENGTH + LABEL_GAP / 2.0);
    }

    /* The axes themselves. */
    set_source(cr, &pal->fg, 0.4);
    double left = plot_snap(f->left), bottom = plot_snap(f->bottom);
    cairo_move_to(cr, left, f->top);
    cairo_line_to(cr, left, bottom);
    cairo_line_to(cr, f->right, bottom);
    cairo_stroke(cr);

    /* The x caption, centred under the tick labels. */
    int w, h, label_h;
    text_set(text, "0", text->small, &w, &label_h);
    text_set(text, _("Epoch"), text->small, &w, &h);
    set_source(cr, &pal->fg, 0.55);
    text_show(cr, text, (f->left + f->right - w) / 2.0,
              f->bottom + TICK_LENGTH + LABEL_GAP / 2.0 + label_h + 1);
}

/* Clips to the plot area, with room for markers on its edges. */
static void
clip_to_frame(cairo_t *cr, const Frame *f, double right_to)
{
    cairo_rectangle(cr, f->left, f->top - MARKER_RADIUS - 1,
                    MIN(right_to, f->right + MARKER_RADIUS + 1) - f->left,
                    f->bottom - f->top + MARKER_RADIUS + 1);
    cairo_clip(cr);
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

/* The series as a polyline. Non-positive values on a log axis break it, and
 * so does a new epoch for running means, which restart each epoch. */
static void
draw_series_line(cairo_t *cr, const Frame *f, const Series *s)
{
    Column column = { .open = FALSE };
    gboolean pen = FALSE;
    int last_epoch = G_MININT;

    for (guint i = 0; i < s->n; i++) {
        double px = plot_scale_to_pixel(&f->x, s->points[i].x);
        double py = plot_scale_to_pixel(&f->y, s->points[i].y * s->factor);
        int epoch = s->epoch_pieces ? epoch_of(s->points[i].x) : 0;
        if (!isfinite(py) || epoch != last_epoch || (column.open && floor(px) != column.column))
            column_flush(cr, &column, &pen);
        if (!isfinite(py) || epoch != last_epoch)
            pen = FALSE;
        last_epoch = epoch;
        if (isfinite(py))
            column_add(&column, i, px, py);
    }
    column_flush(cr, &column, &pen);
    cairo_stroke(cr);
}

static void
draw_marker(cairo_t *cr, double x, double y, double radius)
{
    cairo_new_sub_path(cr);
    cairo_arc(cr, x, y, radius, 0, 2 * G_PI);
    cairo_fill(cr);
}

static void
draw_series(cairo_t *cr, const Frame *f, const Series *series, int n_series)
{
    cairo_save(cr);
    clip_to_frame(cr, f, f->right + MARKER_RADIUS + 1);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    for (int s = 0; s < n_series; s++) {
        set_source(cr, series[s].color, 1.0);
        cairo_set_line_width(cr, series[s].markers ? 2.0 : 1.5);
        /* Round joins on a dense, jagged line cost many times more to
         * stroke than bevels, and look the same at 1.5 px. */
        cairo_set_line_join(cr, series[s].markers ? CAIRO_LINE_JOIN_ROUND : CAIRO_LINE_JOIN_BEVEL);
        draw_series_line(cr, f, &series[s]);
        if (!series[s].markers)
            continue;
        for (guint i = 0; i < series[s].n; i++) {
            double px = plot_scale_to_pixel(&f->x, series[s].points[i].x);
            double py = plot_scale_to_pixel(&f->y, series[s].points[i].y * series[s].factor);
            if (isfinite(py))
                draw_marker(cr, px, py, MARKER_RADIUS);
        }
    }
    cairo_restore(cr);
}

static void
draw_schedule(DlPlot *self, cairo_t *cr, const Frame *f, const Palette *pal)
{
    if (self->history == NULL)
        return;
    guint n;
    const DlPoint *curve = dl_history_get_schedule_curve(self->history, &n);
    if (n == 0)
        return;

    Series s = { _("Schedule"), curve, n, &pal->schedule, 1.0, FALSE, FALSE };
    gboolean started = !dl_history_is_empty(self->history);
    double position = dl_history_get_position(self->history);
    double split = started ? plot_scale_to_pixel(&f->x, position) : f->right + MARKER_RADIUS + 1;

    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_set_line_width(cr, 2.0);

    /* Done: a solid line over a light fill. */
    cairo_save(cr);
    clip_to_frame(cr, f, split);
    if (started) {
        cairo_move_to(cr, plot_scale_to_pixel(&f->x, curve[0].x), f->bottom);
        for (guint i = 0; i < n; i++)
            cairo_line_to(cr, plot_scale_to_pixel(&f->x, curve[i].x), plot_scale_to_pixel(&f->y, curve[i].y));
        cairo_line_to(cr, plot_scale_to_pixel(&f->x, curve[n - 1].x), f->bottom);
        cairo_close_path(cr);
        set_source(cr, &pal->schedule, 0.15);
        cairo_fill(cr);
    }
    set_source(cr, &pal->schedule, 1.0);
    draw_series_line(cr, f, &s);
    cairo_restore(cr);

    if (!started)
        return;

    /* Ahead: the same curve, faded. */
    cairo_save(cr);
    cairo_rectangle(cr, split, f->top - MARKER_RADIUS - 1, f->right + MARKER_RADIUS + 1 - split,
                    f->bottom - f->top + MARKER_RADIUS + 1);
    cairo_clip(cr);
    set_source(cr, &pal->schedule, 0.4);
    draw_series_line(cr, f, &s);
    cairo_restore(cr);

    /* The current position: a dot with a halo. */
    double lr = dl_history_lr_at(self->history, MIN(position, f->n_epochs - 1e-9));
    double px = plot_scale_to_pixel(&f->x, position), py = plot_scale_to_pixel(&f->y, lr);
    set_source(cr, &pal->schedule, 0.25);
    draw_marker(cr, px, py, 8.0);
    set_source(cr, &pal->schedule, 1.0);
    draw_marker(cr, px, py, 4.5);
}

typedef struct {
    const char *name;
    const GdkRGBA *color;
    gboolean line, dot;
} LegendItem;

/* The title on the left, the legend on the right of the top row. */
static void
draw_header(DlPlot *self, cairo_t *cr, Text *text, const Frame *f, const Palette *pal,
            const Series *series, int n_series)
{
    int w, h, title_h;
    text_set(text, kind_title(self->kind), text->bold, &w, &title_h);
    set_source(cr, &pal->fg, 1.0);
    text_show(cr, text, 0, 0);

    LegendItem items[2];
    int n = 0;
    if (self->kind == DL_PLOT_LEARNING_RATE) {
        items[n++] = (LegendItem){ _("Schedule"), &pal->schedule, TRUE, FALSE };
        if (self->history != NULL && !dl_history_is_empty(self->history))
            items[n++] = (LegendItem){ _("Now"), &pal->schedule, FALSE, TRUE };
    } else {
        for (int s = 0; s < n_series; s++)
            items[n++] = (LegendItem){ series[s].name, series[s].color, TRUE, series[s].markers };
    }

    /* Right-aligned: lay out from the right edge leftwards. */
    double x = f->right;
    for (int i = n - 1; i >= 0; i--) {
        text_set(text, items[i].name, text->small, &w, &h);
        x -= w;
        double y = (title_h - h) / 2.0;
        set_source(cr, &pal->fg, 0.8);
        text_show(cr, text, x, y);
        x -= LABEL_GAP + LEGEND_SWATCH;
        double cy = round(title_h / 2.0);
        set_source(cr, items[i].color, 1.0);
        if (items[i].line) {
            cairo_set_line_width(cr, 2.0);
            cairo_move_to(cr, x, cy);
            cairo_line_to(cr, x + LEGEND_SWATCH, cy);
            cairo_stroke(cr);
        }
        if (items[i].dot)
            draw_marker(cr, x + LEGEND_SWATCH / 2.0, cy, items[i].line ? MARKER_RADIUS : 4.5);
        x -= LEGEND_SPACING;
    }
}

static void
draw_empty(cairo_t *cr, Text *text, const Frame *f, const Palette *pal)
{
    int w, h;
    text_set(text, _("No training yet"), NULL, &w, &h);
    set_source(cr, &pal->fg, 0.55);
    text_show(cr, text, (f->left + f->right - w) / 2.0, (f->top + f->bottom - h) / 2.0);
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
format_position(DlPlot *self, double x, gboolean batch_point, char *buf, size_t size)
{
    int batches = self->history != NULL ? dl_history_get_batches_per_epoch(self->history) : 0;
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

typedef struct {
    char header[96];
    char names[3][64];
    char values[3][PLOT_LABEL_SIZE];
    const GdkRGBA *colors[3];
    int rows;
    double guide_x; /* in pixels */
} Readout;

static void
draw_readout_box(DlPlot *self, cairo_t *cr, Text *text, const Frame *f, const Palette *pal,
                 const Readout *r, int width)
{
    /* The vertical guide. */
    cairo_set_line_width(cr, 1.0);
    set_source(cr, &pal->fg, 0.35);
    double gx = plot_snap(r->guide_x);
    cairo_move_to(cr, gx, f->top);
    cairo_line_to(cr, gx, f->bottom);
    cairo_stroke(cr);

    /* Measure: a header, then "● name   value" rows with aligned values. */
    int header_w, header_h, name_w = 0, value_w = 0, row_h = 0, w, h;
    text_set(text, r->header, text->small, &header_w, &header_h);
    for (int i = 0; i < r->rows; i++) {
        text_set(text, r->names[i], text->small, &w, &h);
        name_w = MAX(name_w, w);
        row_h = MAX(row_h, h);
        text_set(text, r->values[i], text->small, &w, &h);
        value_w = MAX(value_w, w);
    }
    int dot = 10;
    double box_w = 2 * BOX_PADDING + MAX(header_w, dot + name_w + 12 + value_w);
    double box_h = 2 * BOX_PADDING + header_h + r->rows * row_h + (r->rows > 0 ? 2 : 0);

    /* Above and right of the pointer; below or left when there is no room. */
    double bx = self->pointer_x + 14, by = self->pointer_y - box_h - 10;
    if (bx + box_w > width - 1)
        bx = self->pointer_x - 14 - box_w;
    if (by < f->top)
        by = self->pointer_y + 18;
    bx = CLAMP(bx, 1, MAX(1, width - 1 - box_w));
    by = CLAMP(by, f->top, MAX(f->top, f->bottom - box_h));
    bx = round(bx);
    by = round(by);

    /* A soft shadow, the box, a hairline border. */
    const double radius = 6;
    for (int pass = 0; pass < 2; pass++) {
        double o = pass == 0 ? 1.5 : 0;
        cairo_new_sub_path(cr);
        cairo_arc(cr, bx + o + box_w - radius, by + o + radius, radius, -G_PI / 2, 0);
        cairo_arc(cr, bx + o + box_w - radius, by + o + box_h - radius, radius, 0, G_PI / 2);
        cairo_arc(cr, bx + o + radius, by + o + box_h - radius, radius, G_PI / 2, G_PI);
        cairo_arc(cr, bx + o + radius, by + o + radius, radius, G_PI, 3 * G_PI / 2);
        cairo_close_path(cr);
        if (pass == 0) {
            cairo_set_source_rgba(cr, 0, 0, 0, 0.12);
            cairo_fill(cr);
        } else {
            set_source(cr, &pal->box, 0.97);
            cairo_fill_preserve(cr);
            set_source(cr, &pal->fg, 0.15);
            cairo_stroke(cr);
        }
    }

    double x = bx + BOX_PADDING, y = by + BOX_PADDING;
    text_set(text, r->header, text->small, &w, &h);
    set_source(cr, &pal->fg, 0.7);
    text_show(cr, text, x, y);
    y += header_h + 2;
    for (int i = 0; i < r->rows; i++) {
        set_source(cr, r->colors[i], 1.0);
        draw_marker(cr, x + 4, y + row_h / 2.0, 4);
        text_set(text, r->names[i], text->small, &w, &h);
        set_source(cr, &pal->fg, 0.85);
        text_show(cr, text, x + dot, y);
        text_set(text, r->values[i], text->small, &w, &h);
        set_source(cr, &pal->fg, 1.0);
        text_show(cr, text, bx + box_w - BOX_PADDING - w, y);
        y += row_h;
    }
}

static void
draw_readout(DlPlot *self, cairo_t *cr, Text *text, const Frame *f, const Palette *pal,
             const Series *series, int n_series, int width)
{
    if (!self->hovering || self->history == NULL)
        return;
    if (self->pointer_x < f->left - 8 || self->pointer_x > f->right + 8
        || self->pointer_y < f->top - 8 || self->pointer_y > f->bottom + 8)
        return;

    Readout r = { .rows = 0 };

    if (self->kind == DL_PLOT_LEARNING_RATE) {
        guint n;
        dl_history_get_schedule_curve(self->history, &n);
        if (n == 0)
            return;
        double x = CLAMP(plot_scale_from_pixel(&f->x, self->pointer_x), 0.0, (double)f->n_epochs);
        double lr = dl_history_lr_at(self->history, MIN(x, f->n_epochs - 1e-9));
        gboolean per_step = dl_history_get_per_step_lr(self->history);
        int epoch = MIN((int)floor(x), f->n_epochs - 1);
        if (per_step)
            format_position(self, x, TRUE, r.header, sizeof r.header);
        else
            g_snprintf(r.header, sizeof r.header, _("Epoch %d"), epoch + 1);
        g_strlcpy(r.names[0], _("Learning rate"), sizeof r.names[0]);
        format_value(self->kind, lr, r.values[0], sizeof r.values[0]);
        r.colors[0] = &pal->schedule;
        r.rows = 1;
        r.guide_x = plot_scale_to_pixel(&f->x, x);
        draw_readout_box(self, cr, text, f, pal, &r, width);
        set_source(cr, &pal->schedule, 1.0);
        draw_marker(cr, r.guide_x, plot_scale_to_pixel(&f->y, lr), 4.5);
        return;
    }

    /* The point nearest to the pointer, over all series. */
    double pointer = plot_scale_from_pixel(&f->x, self->pointer_x);
    int best_series = -1;
    guint best_index = 0;
    double best_distance = INFINITY;
    for (int s = 0; s < n_series; s++) {
        if (series[s].n == 0)
            continue;
        guint i = nearest_index(&series[s], pointer);
        double px = plot_scale_to_pixel(&f->x, series[s].points[i].x);
        double py = plot_scale_to_pixel(&f->y, series[s].points[i].y * series[s].factor);
        if (!isfinite(py))
            continue;
        py = CLAMP(py, f->top, f->bottom);
        double d = hypot(px - self->pointer_x, py - self->pointer_y);
        if (d < best_distance) {
            best_distance = d;
            best_series = s;
            best_index = i;
        }
    }
    if (best_series < 0)
        return;

    double x = series[best_series].points[best_index].x;
    /* A batch inside an epoch is named by its batch; an epoch's end (where
     * the validation point is) as "After epoch N". */
    gboolean batch_point = series[best_series].epoch_pieces && fabs(x - round(x)) > 1e-9;
    /* Every series with a point at that same x: at an epoch's end the
     * training curve, and the validation point. */
    double marks[3][2];
    for (int s = 0; s < n_series && r.rows < 3; s++) {
        if (series[s].n == 0)
            continue;
        guint i = nearest_index(&series[s], x);
        if (fabs(series[s].points[i].x - x) > 1e-9)
            continue;
        double v = series[s].points[i].y;
        g_strlcpy(r.names[r.rows], series[s].name, sizeof r.names[0]);
        format_value(self->kind, v, r.values[r.rows], sizeof r.values[0]);
        r.colors[r.rows] = series[s].color;
        marks[r.rows][0] = plot_scale_to_pixel(&f->x, x);
        marks[r.rows][1] = plot_scale_to_pixel(&f->y, v * series[s].factor);
        r.rows++;
    }
    format_position(self, x, batch_point, r.header, sizeof r.header);
    r.guide_x = plot_scale_to_pixel(&f->x, x);
    draw_readout_box(self, cr, text, f, pal, &r, width);

    /* Ring the points read out. */
    for (int i = 0; i < r.rows; i++) {
        if (!isfinite(marks[i][1]) || marks[i][1] < f->top - 1 || marks[i][1] > f->bottom + 1)
            continue;
        set_source(cr, &pal->box, 1.0);
        draw_marker(cr, marks[i][0], marks[i][1], 6);
        set_source(cr, r.colors[i], 1.0);
        draw_marker(cr, marks[i][0], marks[i][1], 4.5);
    }
}

static void
dl_plot_snapshot(GtkWidget *widget, GtkSnapshot *snapshot)
{
    DlPlot *self = DL_PLOT(widget);
    int width = gtk_widget_get_width(widget), height = gtk_widget_get_height(widget);
    if (width <= 0 || height <= 0)
        return;

    Palette pal;
    palette_init(widget, &pal);
    Series series[2];
    int n_series = collect_series(self, &pal, series);
    Text text;
    text_init(widget, &text);
    Frame f;
    frame_compute(self, &text, series, n_series, width, height, &f);

    cairo_t *cr = gtk_snapshot_append_cairo(snapshot, &GRAPHENE_RECT_INIT(0, 0, width, height));
    draw_header(self, cr, &text, &f, &pal, series, n_series);
    draw_axes(self, cr, &text, &f, &pal);
    if (self->kind == DL_PLOT_LEARNING_RATE) {
        draw_schedule(self, cr, &f, &pal);
    } else if (self->history == NULL || dl_history_is_empty(self->history)) {
        draw_empty(cr, &text, &f, &pal);
    } else {
        draw_series(cr, &f, series, n_series);
    }
    draw_readout(self, cr, &text, &f, &pal, series, n_series, width);
    cairo_destroy(cr);
    text_clear(&text);
}

/* ---- the accessible description ---- */

static char *
describe(DlPlot *self)
{
    DlHistory *h = self->history;
    if (h == NULL)
        return g_strdup(_("No training yet"));

    char a[PLOT_LABEL_SIZE], b[PLOT_LABEL_SIZE];
    guint n_epochs;
    const NnEpochStats *epochs = dl_history_get_epochs(h, &n_epochs);
    const NnEpochStats *last = n_epochs > 0 ? &epochs[n_epochs - 1] : NULL;
    const NnBatchProgress *batch = dl_history_get_last_batch(h);
    gboolean validated = last != NULL && (last->val_loss != 0.0 || last->val_accuracy != 0.0);

    switch (self->kind) {
    case DL_PLOT_ACCURACY:
        if (validated) {
            plot_format_percent(100.0 * last->val_accuracy, 1, a, sizeof a);
            plot_format_percent(100.0 * last->train_accuracy, 1, b, sizeof b);
            return g_strdup_printf(_("Validation accuracy %s after epoch %d; training accuracy %s"),
                                   a, last->epoch, b);
        }
        if (batch != NULL) {
            plot_format_percent(100.0 * batch->accuracy, 1, a, sizeof a);
            return g_strdup_printf(_("Training accuracy %s during epoch %d"), a, batch->epoch + 1);
        }
        if (last != NULL) {
            plot_format_percent(100.0 * last->train_accuracy, 1, a, sizeof a);
            return g_strdup_printf(_("Training accuracy %s after epoch %d"), a, last->epoch);
        }
        return g_strdup(_("No training yet"));

    case DL_PLOT_LOSS:
        if (validated) {
            format_value(DL_PLOT_LOSS, last->val_loss, a, sizeof a);
            format_value(DL_PLOT_LOSS, last->train_loss, b, sizeof b);
            return g_strdup_printf(_("Validation loss %s after epoch %d; training loss %s"), a, last->epoch, b);
        }
        if (batch != NULL) {
            format_value(DL_PLOT_LOSS, batch->loss, a, sizeof a);
            return g_strdup_printf(_("Training loss %s during epoch %d"), a, batch->epoch + 1);
        }
        if (last != NULL) {
            format_value(DL_PLOT_LOSS, last->train_loss, a, sizeof a);
            return g_strdup_printf(_("Training loss %s after epoch %d"), a, last->epoch);
        }
        return g_strdup(_("No training yet"));

    case DL_PLOT_LEARNING_RATE:
    default:
        if (batch != NULL) {
            plot_format_sci(batch->lr, 3, a, sizeof a);
            return g_strdup_printf(_("Learning rate %s in epoch %d of %d"), a, batch->epoch + 1,
                                   dl_history_get_n_epochs(h));
        }
        if (last != NULL) {
            plot_format_sci(last->lr, 3, a, sizeof a);
            return g_strdup_printf(_("Learning rate %s in epoch %d of %d"), a, last->epoch,
                                   dl_history_get_n_epochs(h));
        }
        if (dl_history_has_schedule(h)) {
            const NnSchedule *s = dl_history_get_schedule(h);
            char lo[PLOT_LABEL_SIZE], warm[PLOT_LABEL_SIZE];
            plot_format_sci(s->lr_min, 3, lo, sizeof lo);
            plot_format_sci(s->lr_max, 3, a, sizeof a);
            plot_format_epoch(s->warmup, warm, sizeof warm);
            return g_strdup_printf(_("Schedule over %d epochs: warmup from %s to %s in %s epochs, "
                                     "then cosine decay to %s"),
                                   dl_history_get_n_epochs(h), lo, a, warm, lo);
        }
        return g_strdup(_("No training yet"));
    }
}

static void
update_accessible(DlPlot *self)
{
    g_autofree char *summary = describe(self);
    if (g_strcmp0(summary, self->summary) == 0)
        return;
    g_free(self->summary);
    self->summary = g_steal_pointer(&summary);
    gtk_accessible_update_property(GTK_ACCESSIBLE(self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                   self->summary, -1);
}

static void
on_history_changed(DlPlot *self, DlHistory *history)
{
    (void)history;
    update_accessible(self);
    gtk_widget_queue_draw(GTK_WIDGET(self));
}

/* ---- input ---- */

static void
on_motion(GtkEventControllerMotion *controller, double x, double y, DlPlot *self)
{
    (void)controller;
    self->hovering = TRUE;
    self->pointer_x = x;
    self->pointer_y = y;
    gtk_widget_queue_draw(GTK_WIDGET(self));
}

static void
on_leave(GtkEventControllerMotion *controller, DlPlot *self)
{
    (void)controller;
    self->hovering = FALSE;
    gtk_widget_queue_draw(GTK_WIDGET(self));
}

/* ---- GObject ---- */

static void
dl_plot_measure(GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum,
                int *natural, int *minimum_baseline, int *natural_baseline)
{
    (void)widget;
    (void)for_size;
    gboolean horizontal = orientation == GTK_ORIENTATION_HORIZONTAL;
    *minimum = horizontal ? MIN_WIDTH : MIN_HEIGHT;
    *natural = horizontal ? NAT_WIDTH : NAT_HEIGHT;
    *minimum_baseline = *natural_baseline = -1;
}

static void
dl_plot_css_changed(GtkWidget *widget, GtkCssStyleChange *change)
{
    GTK_WIDGET_CLASS(dl_plot_parent_class)->css_changed(widget, change);
    /* The colours come from the style: light, dark, high contrast. */
    gtk_widget_queue_draw(widget);
}

static void
dl_plot_dispose(GObject *object)
{
    DlPlot *self = DL_PLOT(object);

    if (self->history != NULL)
        g_clear_signal_handler(&self->changed_id, self->history);
    g_clear_object(&self->history);

    G_OBJECT_CLASS(dl_plot_parent_class)->dispose(object);
}

static void
dl_plot_finalize(GObject *object)
{
    DlPlot *self = DL_PLOT(object);

    g_clear_pointer(&self->summary, g_free);

    G_OBJECT_CLASS(dl_plot_parent_class)->finalize(object);
}

static void
dl_plot_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
    DlPlot *self = DL_PLOT(object);

    switch (prop_id) {
    case PROP_HISTORY:
        g_value_set_object(value, self->history);
        break;
    case PROP_KIND:
        g_value_set_enum(value, self->kind);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void
dl_plot_set_property(GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
    DlPlot *self = DL_PLOT(object);

    switch (prop_id) {
    case PROP_HISTORY:
        dl_plot_set_history(self, g_value_get_object(value));
        break;
    case PROP_KIND:
        dl_plot_set_kind(self, g_value_get_enum(value));
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void
dl_plot_class_init(DlPlotClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    object_class->dispose = dl_plot_dispose;
    object_class->finalize = dl_plot_finalize;
    object_class->get_property = dl_plot_get_property;
    object_class->set_property = dl_plot_set_property;

    widget_class->measure = dl_plot_measure;
    widget_class->snapshot = dl_plot_snapshot;
    widget_class->css_changed = dl_plot_css_changed;

    properties[PROP_HISTORY] =
        g_param_spec_object("history", NULL, NULL, DL_TYPE_HISTORY,
                            G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
    properties[PROP_KIND] =
        g_param_spec_enum("kind", NULL, NULL, DL_TYPE_PLOT_KIND, DL_PLOT_ACCURACY,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
    g_object_class_install_properties(object_class, N_PROPS, properties);

    gtk_widget_class_set_css_name(widget_class, "plot");
    gtk_widget_class_set_accessible_role(widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
dl_plot_init(DlPlot *self)
{
    self->kind = DL_PLOT_ACCURACY;
    gtk_widget_set_hexpand(GTK_WIDGET(self), TRUE);

    GtkEventController *motion = gtk_event_controller_motion_new();
    g_signal_connect(motion, "enter", G_CALLBACK(on_motion), self);
    g_signal_connect(motion, "motion", G_CALLBACK(on_motion), self);
    g_signal_connect(motion, "leave", G_CALLBACK(on_leave), self);
    gtk_widget_add_controller(GTK_WIDGET(self), motion);

    gtk_accessible_update_property(GTK_ACCESSIBLE(self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                   kind_accessible_label(self->kind), -1);
    update_accessible(self);
}

GtkWidget *
dl_plot_new(DlPlotKind kind, DlHistory *history)
{
    return g_object_new(DL_TYPE_PLOT, "kind", kind, "history", history, NULL);
}

DlHistory *
dl_plot_get_history(DlPlot *self)
{
    g_return_val_if_fail(DL_IS_PLOT(self), NULL);

    return self->history;
}

void
dl_plot_set_history(DlPlot *self, DlHistory *history)
{
    g_return_if_fail(DL_IS_PLOT(self));
    g_return_if_fail(history == NULL || DL_IS_HISTORY(history));

    if (self->history == history)
        return;
    if (self->history != NULL)
        g_clear_signal_handler(&self->changed_id, self->history);
    g_set_object(&self->history, history);
    if (history != NULL)
        self->changed_id = g_signal_connect_swapped(history, "changed", G_CALLBACK(on_history_changed), self);

    update_accessible(self);
    gtk_widget_queue_draw(GTK_WIDGET(self));
    g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_HISTORY]);
}

DlPlotKind
dl_plot_get_kind(DlPlot *self)
{
    g_return_val_if_fail(DL_IS_PLOT(self), DL_PLOT_ACCURACY);

    return self->kind;
}

void
dl_plot_set_kind(DlPlot *self, DlPlotKind kind)
{
    g_return_if_fail(DL_IS_PLOT(self));
    g_return_if_fail(kind <= DL_PLOT_LEARNING_RATE);

    if (self->kind == kind)
        return;
    self->kind = kind;
    gtk_accessible_update_property(GTK_ACCESSIBLE(self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                   kind_accessible_label(kind), -1);
    update_accessible(self);
    gtk_widget_queue_draw(GTK_WIDGET(self));
    g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_KIND]);
}

const char *
dl_plot_get_summary(DlPlot *self)
{
    g_return_val_if_fail(DL_IS_PLOT(self), NULL);

    return self->summary;
}
