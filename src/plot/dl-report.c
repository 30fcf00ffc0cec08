/* dl-report.c — the one-page handout of a training run. */
#include "dl-report.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "dl-export-file.h"
#include "draw-private.h"
#include "plot-scale.h"

typedef struct {
    char *name, *value;
} Row;

struct _DlReport {
    char *title, *subtitle;
    GArray *settings, *metrics; /* of Row */
    GPtrArray *notes;           /* of char * */
    DlHistory *history;
    gboolean has_confusion;
    int confusion[DL_DRAW_CLASSES][DL_DRAW_CLASSES];
    char *missing; /* why there is no matrix */
};

static void
row_clear(gpointer data)
{
    Row *row = data;
    g_free(row->name);
    g_free(row->value);
}

DlReport *
dl_report_new(const char *title)
{
    DlReport *r = g_new0(DlReport, 1);
    r->title = g_strdup(title != NULL ? title : _("Training report"));
    r->settings = g_array_new(FALSE, FALSE, sizeof(Row));
    r->metrics = g_array_new(FALSE, FALSE, sizeof(Row));
    g_array_set_clear_func(r->settings, row_clear);
    g_array_set_clear_func(r->metrics, row_clear);
    r->notes = g_ptr_array_new_with_free_func(g_free);
    return r;
}

void
dl_report_free(DlReport *r)
{
    if (r == NULL)
        return;
    g_free(r->title);
    g_free(r->subtitle);
    g_array_unref(r->settings);
    g_array_unref(r->metrics);
    g_ptr_array_unref(r->notes);
    g_clear_object(&r->history);
    g_free(r->missing);
    g_free(r);
}

void
dl_report_set_subtitle(DlReport *r, const char *subtitle)
{
    g_return_if_fail(r != NULL);
    g_free(r->subtitle);
    r->subtitle = g_strdup(subtitle);
}

static void
add_row(GArray *rows, const char *name, const char *format, va_list args)
{
    Row row = { g_strdup(name), g_strdup_vprintf(format, args) };
    g_array_append_val(rows, row);
}

void
dl_report_add_setting(DlReport *r, const char *name, const char *format, ...)
{
    g_return_if_fail(r != NULL && name != NULL && format != NULL);
    va_list args;
    va_start(args, format);
    add_row(r->settings, name, format, args);
    va_end(args);
}

void
dl_report_add_metric(DlReport *r, const char *name, const char *format, ...)
{
    g_return_if_fail(r != NULL && name != NULL && format != NULL);
    va_list args;
    va_start(args, format);
    add_row(r->metrics, name, format, args);
    va_end(args);
}

void
dl_report_add_note(DlReport *r, const char *note)
{
    g_return_if_fail(r != NULL && note != NULL);
    g_ptr_array_add(r->notes, g_strdup(note));
}

void
dl_report_set_confusion(DlReport *r, const int confusion[DL_DRAW_CLASSES][DL_DRAW_CLASSES])
{
    g_return_if_fail(r != NULL && confusion != NULL);
    memcpy(r->confusion, confusion, sizeof r->confusion);
    r->has_confusion = TRUE;
    g_clear_pointer(&r->missing, g_free);
}

void
dl_report_set_confusion_missing(DlReport *r, const char *why)
{
    g_return_if_fail(r != NULL && why != NULL);
    r->has_confusion = FALSE;
    g_free(r->missing);
    r->missing = g_strdup(why);
}

/* ---- what a history and a model say ---- */

static void
format_duration(double seconds, char *buf, size_t size)
{
    if (seconds < 90)
        g_snprintf(buf, size, _("%.0f s"), seconds);
    else if (seconds < 5400)
        g_snprintf(buf, size, _("%.1f min"), seconds / 60);
    else
        g_snprintf(buf, size, _("%.1f h"), seconds / 3600);
}

void
dl_report_add_history(DlReport *r, DlHistory *history)
{
    g_return_if_fail(r != NULL && DL_IS_HISTORY(history));
    g_set_object(&r->history, history);

    guint n;
    const NnEpochStats *e = dl_history_get_epochs(history, &n);
    if (n == 0)
        return;
    const NnEpochStats *last = &e[n - 1];
    char a[PLOT_LABEL_SIZE], b[PLOT_LABEL_SIZE], c[PLOT_LABEL_SIZE];

    /* Settings: the run's length, its learning rates, its time. */
    if (e[0].epoch > 1)
        dl_report_add_setting(r, _("Epochs"), _("%d (epochs %d to %d in this history)"), last->epoch, e[0].epoch,
                              last->epoch);
    else
        dl_report_add_setting(r, _("Epochs"), "%d", last->epoch);
    guint peak = 0;
    double seconds = 0, speed = 0;
    for (guint i = 0; i < n; i++) {
        if (e[i].lr > e[peak].lr)
            peak = i;
        seconds += e[i].seconds;
        speed += e[i].images_per_s;
    }
    plot_format_sci(e[0].lr, 3, a, sizeof a);
    plot_format_sci(e[peak].lr, 3, b, sizeof b);
    plot_format_sci(last->lr, 3, c, sizeof c);
    dl_report_add_setting(r, _("Learning rate"), _("%s at first, %s at its peak (epoch %d), %s at the end"), a, b,
                          e[peak].epoch, c);
    format_duration(seconds, a, sizeof a);
    g_autofree char *images = dl_format_count((guint64)llround(speed / n));
    dl_report_add_setting(r, _("Training time"), _("%s, %s images/s"), a, images);

    /* Metrics: the final epoch is the fair score. */
    gboolean validated = FALSE;
    guint best = 0;
    for (guint i = 0; i < n; i++) {
        if (e[i].val_accuracy != 0.0 || e[i].val_loss != 0.0)
            validated = TRUE;
        if (e[i].val_accuracy > e[best].val_accuracy)
            best = i;
    }
    if (validated) {
        plot_format_percent(100.0 * last->val_accuracy, 2, a, sizeof a);
        dl_report_add_metric(r, _("Validation accuracy"), _("%s, loss %.4f, after the final epoch (%d)"), a,
                             last->val_loss, last->epoch);
    }
    plot_format_percent(100.0 * last->train_accuracy, 2, a, sizeof a);
    dl_report_add_metric(r, _("Training accuracy"),
                         _("%s, loss %.4f: the final epoch’s mean, with augmentation and dropout"), a,
                         last->train_loss);
    if (validated && best != n - 1) {
        plot_format_percent(100.0 * e[best].val_accuracy, 2, a, sizeof a);
        dl_report_add_metric(r, _("Best validation epoch"), _("%s at epoch %d, chosen on the validation set"), a,
                             e[best].epoch);
    }
}

void
dl_report_add_model_settings(DlReport *r, const NnModel *model)
{
    g_return_if_fail(r != NULL && model != NULL);

    /* The whole network as the model file (version 2) describes it. */
    char network[256];
    nn_model_config_describe(nn_model_config(model), network, sizeof network);
    dl_report_add_setting(r, _("Network"), "%s", network);
    g_autofree char *params = dl_format_count(nn_model_param_count(model));
    dl_report_add_setting(r, _("Trainable parameters"), "%s", params);
    int epochs = nn_model_epochs_done(model);
    guint64 steps = nn_model_step(model);
    g_autofree char *step_text = dl_format_count(steps);
    if (epochs > 0 && steps > 0) {
        g_autofree char *per_epoch = dl_format_count((steps + (guint64)epochs / 2) / (guint64)epochs);
        dl_report_add_setting(r, _("Model file"),
                              g_dngettext(NULL, "%d epoch trained, %s optimizer steps (%s per epoch)",
                                          "%d epochs trained, %s optimizer steps (%s per epoch)", epochs),
                              epochs, step_text, per_epoch);
    } else {
        dl_report_add_setting(r, _("Model file"),
                              g_dngettext(NULL, "%d epoch trained, %s optimizer steps",
                                          "%d epochs trained, %s optimizer steps", epochs),
                              epochs, step_text);
    }
}

/* ---- the page ---- */

typedef struct {
    double x, y, w, h;
} Box;

/* A heading and name/value rows in a column of width w; returns the height
 * used. Draws only with cr != NULL (measuring otherwise). */
static double
draw_rows(cairo_t *cr, DrawText *t, const DlDrawStyle *style, const char *heading, GArray *rows, double x,
          double y, double w)
{
    double f = style->font_size, tw, th, y0 = y;
    draw_text_set(t, heading, DRAW_FONT_TITLE, &tw, &th);
    if (cr != NULL) {
        draw_set_color(cr, &style->foreground, 1.0);
        draw_text_show(cr, t, x, y);
    }
    y += th + 0.3 * f;

    /* Names in a column as wide as the widest, at most 45 % of w. */
    double name_w = 0;
    for (guint i = 0; i < rows->len; i++) {
        draw_text_set(t, g_array_index(rows, Row, i).name, DRAW_FONT_LABEL, &tw, &th);
        name_w = MAX(name_w, tw);
    }
    name_w = MIN(name_w, 0.45 * w);
    double value_x = x + name_w + 0.8 * f, value_w = x + w - value_x;
    for (guint i = 0; i < rows->len; i++) {
        const Row *row = &g_array_index(rows, Row, i);
        double nh, vh;
        draw_text_set_wrapped(t, row->name, DRAW_FONT_LABEL, name_w, &tw, &nh);
        if (cr != NULL) {
            draw_set_color(cr, &style->foreground, draw_alpha(style, 0.65));
            draw_text_show(cr, t, x, y);
        }
        draw_text_set_wrapped(t, row->value, DRAW_FONT_LABEL, value_w, &tw, &vh);
        if (cr != NULL) {
            draw_set_color(cr, &style->foreground, 1.0);
            draw_text_show(cr, t, value_x, y);
        }
        y += MAX(nh, vh) + 0.25 * f;
    }
    return y - y0;
}

static void
draw_plot_in(cairo_t *cr, Box b, DlPlotKind kind, DlHistory *history, const DlDrawStyle *style)
{
    cairo_save(cr);
    cairo_translate(cr, b.x, b.y);
    dl_draw_plot(cr, b.w, b.h, kind, history, style, NULL);
    cairo_restore(cr);
}

void
dl_draw_report(cairo_t *cr, double width, double height, const DlReport *r, const DlDrawStyle *page_style)
{
    g_return_if_fail(cr != NULL && r != NULL && page_style != NULL);

    DlDrawStyle style = *page_style;
    style.paint_background = FALSE;
    DlDrawStyle big = style;
    big.font_size = 1.6 * style.font_size;
    double f = style.font_size;
    DrawText t, title;
    draw_text_init(&t, &style);
    draw_text_init(&title, &big);

    cairo_save(cr);
    draw_set_color(cr, &page_style->background, 1.0);
    cairo_rectangle(cr, 0, 0, width, height);
    cairo_fill(cr);

    double margin = round(0.065 * width);
    double x = margin, w = width - 2 * margin, y = margin, tw, th;

    /* Title and subtitle. */
    draw_text_set(&title, r->title, DRAW_FONT_TITLE, &tw, &th);
    draw_set_color(cr, &style.foreground, 1.0);
    draw_text_show(cr, &title, x, y);
    y += th;
    if (r->subtitle != NULL) {
        draw_text_set_wrapped(&t, r->subtitle, DRAW_FONT_LABEL, w, &tw, &th);
        draw_set_color(cr, &style.foreground, draw_alpha(&style, 0.7));
        draw_text_show(cr, &t, x, y);
        y += th;
    }
    y += f;

    /* Settings and metrics side by side. */
    double column = (w - 2 * f) / 2;
    double left_h = draw_rows(cr, &t, &style, _("Settings"), r->settings, x, y, column);
    double right_h = draw_rows(cr, &t, &style, _("Final metrics"), r->metrics, x + column + 2 * f, y, column);
    y += MAX(left_h, right_h) + f;

    /* The notes at the foot of the page, measured first. */
    g_autoptr(GString) notes = g_string_new(NULL);
    for (guint i = 0; i < r->notes->len; i++)
        g_string_append_printf(notes, "%s%s", i > 0 ? " " : "", (const char *)g_ptr_array_index(r->notes, i));
    double notes_h = 0;
    if (notes->len > 0)
        draw_text_set_wrapped(&t, notes->str, DRAW_FONT_NOTE, w, &tw, &notes_h);
    double bottom = height - margin - (notes_h > 0 ? notes_h + f : 0);

    /* Plots and the matrix share what is left. */
    double room = MAX(bottom - y - 3 * f, 10 * f);
    double plots_h = floor(0.31 * room), lr_h = floor(0.19 * room), matrix_h = room - plots_h - lr_h;
    double half = (w - 2 * f) / 2;
    draw_plot_in(cr, (Box){ x, y, half, plots_h }, DL_PLOT_ACCURACY, r->history, &style);
    draw_plot_in(cr, (Box){ x + half + 2 * f, y, half, plots_h }, DL_PLOT_LOSS, r->history, &style);
    y += plots_h + 1.5 * f;
    draw_plot_in(cr, (Box){ x, y, w, lr_h }, DL_PLOT_LEARNING_RATE, r->history, &style);
    y += lr_h + 1.5 * f;

    if (r->has_confusion) {
        cairo_save(cr);
        cairo_translate(cr, x, y);
        dl_draw_confusion(cr, w, matrix_h, r->confusion, &style, -1, -1);
        cairo_restore(cr);
    } else {
        /* Where the matrix would be: a framed message. */
        draw_text_set(&t, _("Confusion matrix"), DRAW_FONT_TITLE, &tw, &th);
        draw_set_color(cr, &style.foreground, 1.0);
        draw_text_show(cr, &t, x, y);
        double box_y = y + th + 0.5 * f, box_h = MIN(matrix_h - th - 0.5 * f, 6 * f);
        cairo_rectangle(cr, x + 0.5, box_y + 0.5, w - 1, box_h - 1);
        draw_set_color(cr, &style.validation, 0.08);
        cairo_fill_preserve(cr);
        draw_set_color(cr, &style.validation, 1.0);
        cairo_set_line_width(cr, 1.0);
        cairo_stroke(cr);
        const char *why = r->missing != NULL ? r->missing : _("The model was not evaluated.");
        draw_text_set_wrapped(&t, why, DRAW_FONT_LABEL, w - 2 * f, &tw, &th);
        draw_set_color(cr, &style.foreground, 1.0);
        draw_text_show(cr, &t, x + f, box_y + (box_h - th) / 2);
    }

    if (notes_h > 0) {
        draw_text_set_wrapped(&t, notes->str, DRAW_FONT_NOTE, w, &tw, &th);
        draw_set_color(cr, &style.foreground, draw_alpha(&style, 0.65));
        draw_text_show(cr, &t, x, height - margin - notes_h);
    }

    cairo_restore(cr);
    draw_text_clear(&t);
    draw_text_clear(&title);
}

typedef struct {
    const DlReport *report;
    DlDrawStyle style;
} Page;

static void
draw_page(cairo_t *cr, double width, double height, gpointer user_data)
{
    const Page *page = user_data;
    dl_draw_report(cr, width, height, page->report, &page->style);
}

gboolean
dl_report_save_pdf(const DlReport *r, const char *path, double width, double height, GError **error)
{
    g_return_val_if_fail(r != NULL && path != NULL, FALSE);

    if (dl_export_format_from_path(path) != DL_EXPORT_FORMAT_PDF) {
        g_autofree char *name = g_filename_display_name(path);
        g_set_error(error, DL_EXPORT_ERROR, DL_EXPORT_ERROR_FORMAT, _("A report is a PDF: name “%s” ….pdf"), name);
        return FALSE;
    }
    /* Print sizes: 8.5 pt text on A4 or Letter. */
    Page page = { .report = r };
    dl_draw_style_init(&page.style, 8.5 * width / DL_REPORT_A4_WIDTH, FALSE, FALSE);
    return dl_export_draw(path, width, height, 1.0, draw_page, &page, error);
}
