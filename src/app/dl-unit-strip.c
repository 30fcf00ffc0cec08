/* dl-unit-strip.c — units as a strip of grey cells; see dl-unit-strip.h. */
#include "dl-unit-strip.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "dl-activation-style.h"
#include "dl-tile-cursor.h"

/* Units: cells of at least MIN_CELL pixels (else they wrap into rows), at
 * most MAX_CELL, UNIT_HEIGHT high. */
#define MIN_CELL 4
#define MAX_CELL 16
#define UNIT_HEIGHT 28
#define ROW_GAP 4
/* Outputs: square cells of at most OUTPUT_CELL pixels, OUTPUT_GAP apart. */
#define OUTPUT_CELL 48
#define OUTPUT_GAP 8

struct _DlUnitStrip {
    GtkWidget parent_instance;

    DlUnitStripKind kind;
    char *name, *title;
    int count;
    float *values;
    float min, max;
    double total;
    float lo, hi;

    DlTileCursor cursor; /* the cell the pointer or the keyboard is on */
    char *description;
};

G_DEFINE_FINAL_TYPE(DlUnitStrip, dl_unit_strip, GTK_TYPE_WIDGET)

enum {
    SIGNAL_UNIT_CHANGED,
    N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- geometry ---------------------------------------------------------------------------- */

typedef struct {
    int per_row;          /* cells in a row */
    double cell, height;  /* a cell's width and its square's or bar's height */
    double row_height;    /* with the labels below (outputs) */
    double gap;
} Layout;

static int
label_height(DlUnitStrip *self)
{
    g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout(GTK_WIDGET(self), "0\n0 %");
    int h;
    pango_layout_get_pixel_size(layout, NULL, &h);
    return h + 4;
}

static Layout
layout_for(DlUnitStrip *self, int width)
{
    Layout l = { 0 };
    int n = MAX(self->count, 1);

    if (self->kind == DL_UNIT_STRIP_OUTPUTS) {
        l.gap = OUTPUT_GAP;
        l.per_row = n;
        l.cell = MIN(OUTPUT_CELL, floor((width - (n - 1) * l.gap) / (double)n));
        l.cell = MAX(l.cell, 16);
        l.height = l.cell;
        l.row_height = l.cell + label_height(self);
        return l;
    }
    l.gap = 0;
    l.per_row = n;
    l.cell = floor(width / (double)n);
    if (l.cell < MIN_CELL) {
        l.per_row = MAX(width / MIN_CELL, 1);
        l.cell = MIN_CELL;
    }
    l.cell = MIN(l.cell, MAX_CELL);
    l.height = UNIT_HEIGHT;
    l.row_height = UNIT_HEIGHT + ROW_GAP;
    return l;
}

static void
cell_rect(DlUnitStrip *self, const Layout *l, int index, graphene_rect_t *rect)
{
    int row = index / l->per_row, col = index % l->per_row;

    graphene_rect_init(rect, col * (l->cell + l->gap), row * l->row_height, l->cell, l->height);
}

static int
cell_at(DlUnitStrip *self, double x, double y)
{
    Layout l = layout_for(self, gtk_widget_get_width(GTK_WIDGET(self)));

    if (self->count == 0 || x < 0 || y < 0)
        return -1;
    int col = (int)(x / (l.cell + l.gap)), row = (int)(y / l.row_height);
    if (col >= l.per_row || x - col * (l.cell + l.gap) >= l.cell || y - row * l.row_height >= l.row_height)
        return -1;
    int index = row * l.per_row + col;
    return index < self->count ? index : -1;
}

static GtkSizeRequestMode
dl_unit_strip_get_request_mode(GtkWidget *widget)
{
    return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
dl_unit_strip_measure(GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum, int *natural,
                      int *minimum_baseline, int *natural_baseline)
{
    DlUnitStrip *self = DL_UNIT_STRIP(widget);
    int n = MAX(self->count, 1);

    if (orientation == GTK_ORIENTATION_HORIZONTAL) {
        if (self->kind == DL_UNIT_STRIP_OUTPUTS) {
            *minimum = n * 16 + (n - 1) * OUTPUT_GAP;
            *natural = n * OUTPUT_CELL + (n - 1) * OUTPUT_GAP;
        } else {
            *minimum = MIN_CELL * MIN(n, 32);
            *natural = MIN(n * 6, 768);
        }
        return;
    }
    Layout l = layout_for(self, for_size < 0 ? n * OUTPUT_CELL : for_size);
    int rows = (n + l.per_row - 1) / l.per_row;
    *minimum = *natural = (int)ceil(rows * l.row_height - (self->kind == DL_UNIT_STRIP_UNITS ? ROW_GAP : 0));
}

/* ---- drawing -------------------------------------------------------------------------- */

static void
dl_unit_strip_snapshot(GtkWidget *widget, GtkSnapshot *snapshot)
{
    DlUnitStrip *self = DL_UNIT_STRIP(widget);
    int width = gtk_widget_get_width(widget), height = gtk_widget_get_height(widget);

    if (self->count == 0 || width <= 0 || height <= 0)
        return;
    Layout l = layout_for(self, width);
    GdkRGBA fg, accent;
    dl_activation_style_colors(widget, &fg, &accent);
    gboolean outputs = self->kind == DL_UNIT_STRIP_OUTPUTS;
    float lo = outputs ? 0.0f : self->lo, hi = outputs ? 1.0f : self->hi;
    int best = 0;
    for (int i = 1; i < self->count; i++)
        if (self->values[i] > self->values[best])
            best = i;

    for (int i = 0; i < self->count; i++) {
        graphene_rect_t r;
        cell_rect(self, &l, i, &r);
        float g = dl_activation_grey(self->values[i], lo, hi) / 255.0f;
        gtk_snapshot_append_color(snapshot, &(GdkRGBA){ g, g, g, 1.0f }, &r);
    }
    cairo_t *cr = gtk_snapshot_append_cairo(snapshot, &GRAPHENE_RECT_INIT(0, 0, width, height));
    cairo_set_line_width(cr, 1);
    if (outputs) {
        for (int i = 0; i < self->count; i++) {
            graphene_rect_t r;
            cell_rect(self, &l, i, &r);
            cairo_rectangle(cr, r.origin.x - 0.5, r.origin.y - 0.5, r.size.width + 1, r.size.height + 1);
            cairo_set_source_rgba(cr, fg.red, fg.green, fg.blue, 0.18);
            cairo_stroke(cr);
            g_autofree char *text = g_strdup_printf("%d\n%d %%", i, (int)lroundf(100.0f * self->values[i]));
            g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout(widget, text);
            pango_layout_set_alignment(layout, PANGO_ALIGN_CENTER);
            if (i == best) {
                g_autoptr(PangoAttrList) attrs = pango_attr_list_new();
                pango_attr_list_insert(attrs, pango_attr_weight_new(PANGO_WEIGHT_BOLD));
                pango_layout_set_attributes(layout, attrs);
            }
            int tw, th;
            pango_layout_get_pixel_size(layout, &tw, &th);
            cairo_move_to(cr, r.origin.x + (r.size.width - tw) / 2, r.origin.y + r.size.height + 2);
            cairo_set_source_rgba(cr, fg.red, fg.green, fg.blue, i == best ? fg.alpha : 0.7 * fg.alpha);
            pango_cairo_show_layout(cr, layout);
        }
    } else {
        int rows = (self->count + l.per_row - 1) / l.per_row;
        for (int row = 0; row < rows; row++) {
            int n = MIN(l.per_row, self->count - row * l.per_row);
            cairo_rectangle(cr, -0.5, row * l.row_height - 0.5, n * l.cell + 1, l.height + 1);
        }
        cairo_set_source_rgba(cr, fg.red, fg.green, fg.blue, 0.18);
        cairo_stroke(cr);
    }
    if (self->cursor.current >= 0) {
        graphene_rect_t r;
        cell_rect(self, &l, self->cursor.current, &r);
        cairo_rectangle(cr, r.origin.x - 1.5, r.origin.y - 1.5, r.size.width + 3, r.size.height + 3);
        gdk_cairo_set_source_rgba(cr, &accent);
        cairo_set_line_width(cr, 3);
        cairo_stroke(cr);
    }
    cairo_destroy(cr);
}

/* ---- words ------------------------------------------------------------------------------ */

char *
dl_unit_strip_describe_unit(DlUnitStrip *self, int index)
{
    g_return_val_if_fail(DL_IS_UNIT_STRIP(self), NULL);
    g_return_val_if_fail(index >= 0 && index < self->count, NULL);

    if (self->kind == DL_UNIT_STRIP_OUTPUTS)
        /* TRANSLATORS: an output of the network: "digit 7: 98.2 %" */
        return g_strdup_printf(_("digit %d: %.1f %%"), index, 100.0 * self->values[index]);
    g_autofree char *value = dl_activation_format_value(self->values[index]);
    /* TRANSLATORS: a unit of a dense layer: "dense1, unit 17 of 128: 2.31" */
    return g_strdup_printf(_("%s, unit %d of %d: %s"), self->name, index + 1, self->count, value);
}

static void
update_description(DlUnitStrip *self)
{
    g_autofree char *text = NULL;

    if (self->cursor.current >= 0) {
        text = dl_unit_strip_describe_unit(self, self->cursor.current);
    } else if (self->count == 0) {
        text = g_strdup_printf(_("%s: nothing to show"), self->name != NULL ? self->name : "");
    } else if (self->kind == DL_UNIT_STRIP_OUTPUTS) {
        int first = 0, second = self->count > 1 ? 1 : 0;
        for (int i = 0; i < self->count; i++) {
            if (self->values[i] > self->values[first]) {
                second = first;
                first = i;
            } else if (i != first && (second == first || self->values[i] > self->values[second])) {
                second = i;
            }
        }
        /* TRANSLATORS: the two most probable digits: "probs: 7 at 98 %, then 1 at 1 %" */
        text = g_strdup_printf(_("%s: %d at %d %%, then %d at %d %%"), self->name, first,
                               (int)lroundf(100.0f * self->values[first]), second,
                               (int)lroundf(100.0f * self->values[second]));
    } else {
        int silent = 0;
        for (int i = 0; i < self->count; i++)
            silent += self->values[i] <= 0.0f;
        g_autofree char *lo = dl_activation_format_value(self->min), *hi = dl_activation_format_value(self->max);
        /* TRANSLATORS: "dense1: 128 units, values 0 to 5.21, 37 silent, total 123.456" */
        text = g_strdup_printf(g_dngettext(NULL, "%s: %d unit, values %s to %s, %d silent, total %.3f",
                                           "%s: %d units, values %s to %s, %d silent, total %.3f", self->count),
                               self->name, self->count, lo, hi, silent, self->total);
    }
    if (g_strcmp0(text, self->description) == 0)
        return;
    g_free(self->description);
    self->description = g_steal_pointer(&text);
    gtk_accessible_update_property(GTK_ACCESSIBLE(self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, self->description, -1);
}

/* ---- the tile cursor ------------------------------------------------------------------ */

static int
cursor_tile_at(GtkWidget *widget, double x, double y)
{
    return cell_at(DL_UNIT_STRIP(widget), x, y);
}

static int
cursor_columns(GtkWidget *widget)
{
    return layout_for(DL_UNIT_STRIP(widget), gtk_widget_get_width(widget)).per_row;
}

static void
cursor_tile_rect(GtkWidget *widget, int index, GdkRectangle *rect)
{
    DlUnitStrip *self = DL_UNIT_STRIP(widget);
    Layout l = layout_for(self, gtk_widget_get_width(widget));
    graphene_rect_t r;

    cell_rect(self, &l, index, &r);
    *rect = (GdkRectangle){ (int)r.origin.x, (int)r.origin.y, (int)ceil(r.size.width), (int)ceil(r.size.height) };
}

static char *
cursor_describe(GtkWidget *widget, int index)
{
    return dl_unit_strip_describe_unit(DL_UNIT_STRIP(widget), index);
}

static void
cursor_changed(GtkWidget *widget)
{
    DlUnitStrip *self = DL_UNIT_STRIP(widget);

    update_description(self);
    gtk_widget_queue_draw(widget);
    g_signal_emit(self, signals[SIGNAL_UNIT_CHANGED], 0, self->cursor.current);
}

static const DlTileCursorClass cursor_class = {
    cursor_tile_at, cursor_columns, cursor_tile_rect, cursor_describe, cursor_changed,
};

/* ---- API ---------------------------------------------------------------------------------- */

void
dl_unit_strip_set_units(DlUnitStrip *self, const char *name, const char *title, int count, const float *values)
{
    g_return_if_fail(DL_IS_UNIT_STRIP(self));
    g_return_if_fail(count >= 0 && (count == 0 || values != NULL));

    if (title != NULL && g_strcmp0(title, self->title) != 0) {
        g_free(self->title);
        self->title = g_strdup(title);
        gtk_accessible_update_property(GTK_ACCESSIBLE(self), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
    }
    g_free(self->name);
    self->name = g_strdup(name);
    gboolean resized = count != self->count;
    if (resized) {
        g_free(self->values);
        self->values = g_new(float, MAX(count, 1));
        self->count = count;
    }
    if (count > 0)
        memcpy(self->values, values, (size_t)count * sizeof(float));
    self->total = 0.0;
    self->min = self->max = count > 0 ? values[0] : 0.0f;
    for (int i = 0; i < count; i++) {
        self->min = MIN(self->min, values[i]);
        self->max = MAX(self->max, values[i]);
        self->total += values[i];
    }
    dl_tile_cursor_set_count(&self->cursor, count);
    update_description(self);
    if (resized)
        gtk_widget_queue_resize(GTK_WIDGET(self));
    gtk_widget_queue_draw(GTK_WIDGET(self));
}

void
dl_unit_strip_get_extremes(DlUnitStrip *self, float *min, float *max)
{
    g_return_if_fail(DL_IS_UNIT_STRIP(self));

    if (min != NULL)
        *min = self->min;
    if (max != NULL)
        *max = self->max;
}

void
dl_unit_strip_set_range(DlUnitStrip *self, float lo, float hi)
{
    g_return_if_fail(DL_IS_UNIT_STRIP(self));

    if (!(hi > lo))
        hi = lo + 1e-6f;
    if (lo == self->lo && hi == self->hi)
        return;
    self->lo = lo;
    self->hi = hi;
    gtk_widget_queue_draw(GTK_WIDGET(self));
}

int
dl_unit_strip_get_current_unit(DlUnitStrip *self)
{
    g_return_val_if_fail(DL_IS_UNIT_STRIP(self), -1);

    return self->cursor.current;
}

/* ---- GObject --------------------------------------------------------------------------------- */

static void
on_style_changed(DlUnitStrip *self)
{
    gtk_widget_queue_draw(GTK_WIDGET(self));
}

static void
dl_unit_strip_dispose(GObject *object)
{
    g_signal_handlers_disconnect_by_data(adw_style_manager_get_default(), object);
    G_OBJECT_CLASS(dl_unit_strip_parent_class)->dispose(object);
}

static void
dl_unit_strip_finalize(GObject *object)
{
    DlUnitStrip *self = DL_UNIT_STRIP(object);

    g_free(self->name);
    g_free(self->title);
    g_free(self->values);
    g_free(self->description);
    G_OBJECT_CLASS(dl_unit_strip_parent_class)->finalize(object);
}

static void
dl_unit_strip_class_init(DlUnitStripClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    object_class->dispose = dl_unit_strip_dispose;
    object_class->finalize = dl_unit_strip_finalize;
    widget_class->get_request_mode = dl_unit_strip_get_request_mode;
    widget_class->measure = dl_unit_strip_measure;
    widget_class->snapshot = dl_unit_strip_snapshot;

    /**
     * DlUnitStrip::unit-changed:
     * @index: the cell under the pointer or the keyboard's, -1 for none
     */
    signals[SIGNAL_UNIT_CHANGED] = g_signal_new("unit-changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                                NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT);

    gtk_widget_class_set_css_name(widget_class, "unit-strip");
    gtk_widget_class_set_accessible_role(widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
dl_unit_strip_init(DlUnitStrip *self)
{
    self->lo = 0.0f;
    self->hi = 1.0f;
    dl_tile_cursor_init(&self->cursor, GTK_WIDGET(self), &cursor_class);

    AdwStyleManager *manager = adw_style_manager_get_default();
    g_signal_connect_swapped(manager, "notify::dark", G_CALLBACK(on_style_changed), self);
    g_signal_connect_swapped(manager, "notify::high-contrast", G_CALLBACK(on_style_changed), self);
    update_description(self);
}

GtkWidget *
dl_unit_strip_new(DlUnitStripKind kind)
{
    DlUnitStrip *self = g_object_new(DL_TYPE_UNIT_STRIP, NULL);

    self->kind = kind;
    return GTK_WIDGET(self);
}
