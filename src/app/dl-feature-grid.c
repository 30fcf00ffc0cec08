/* dl-feature-grid.c — a layer's maps as greyscale tiles; see dl-feature-grid.h. */
#include "dl-feature-grid.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "dl-activation-style.h"
#include "dl-tile-cursor.h"

#define GAP 4
#define DEFAULT_TILE_SIZE 48
/* The natural width: this many tiles to a row (fewer if there are fewer). */
#define NATURAL_COLUMNS 16

struct _DlFeatureGrid {
    GtkWidget parent_instance;

    DlFeatureGridKind kind;
    char *name, *title;
    int channels, height, width;
    float *data;        /* channels * height * width */
    float *tile_min, *tile_max;
    float min, max;     /* of all */
    double total;
    float lo, hi;       /* drawn black and white */
    int tile_size;

    cairo_surface_t *image;   /* the tiles as drawn; NULL: to redo */
    int image_width, image_scale;
    DlTileCursor cursor;      /* the tile the pointer or the keyboard is on */
    char *description;
};

G_DEFINE_FINAL_TYPE(DlFeatureGrid, dl_feature_grid, GTK_TYPE_WIDGET)

enum {
    SIGNAL_TILE_CHANGED,
    N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- geometry --------------------------------------------------------------------------- */

static int
zoom(DlFeatureGrid *self)
{
    int side = MAX(self->width, self->height);
    return side > 0 ? MAX(1, (int)lround((double)self->tile_size / side)) : 1;
}

static int
columns_for(DlFeatureGrid *self, int width)
{
    int tile = zoom(self) * self->width;
    return CLAMP((width + GAP) / (tile + GAP), 1, MAX(self->channels, 1));
}

static void
tile_rect(DlFeatureGrid *self, int index, GdkRectangle *rect)
{
    int z = zoom(self), columns = columns_for(self, gtk_widget_get_width(GTK_WIDGET(self)));

    rect->width = z * self->width;
    rect->height = z * self->height;
    rect->x = (index % columns) * (rect->width + GAP);
    rect->y = (index / columns) * (rect->height + GAP);
}

static int
tile_at(DlFeatureGrid *self, double x, double y)
{
    if (self->channels == 0)
        return -1;
    int z = zoom(self), columns = columns_for(self, gtk_widget_get_width(GTK_WIDGET(self)));
    int tw = z * self->width, th = z * self->height;
    if (x < 0 || y < 0)
        return -1;
    int col = (int)x / (tw + GAP), row = (int)y / (th + GAP);
    if (col >= columns || (int)x - col * (tw + GAP) >= tw || (int)y - row * (th + GAP) >= th)
        return -1;
    int index = row * columns + col;
    return index < self->channels ? index : -1;
}

static GtkSizeRequestMode
dl_feature_grid_get_request_mode(GtkWidget *widget)
{
    return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
dl_feature_grid_measure(GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum, int *natural,
                        int *minimum_baseline, int *natural_baseline)
{
    DlFeatureGrid *self = DL_FEATURE_GRID(widget);
    int z = zoom(self), tw = z * self->width, th = z * self->height;

    if (self->channels == 0) {
        *minimum = *natural = 0;
        return;
    }
    if (orientation == GTK_ORIENTATION_HORIZONTAL) {
        int n = MIN(self->channels, NATURAL_COLUMNS);
        *minimum = tw;
        *natural = n * tw + (n - 1) * GAP;
    } else {
        int columns = for_size < 0 ? MIN(self->channels, NATURAL_COLUMNS) : columns_for(self, for_size);
        int rows = (self->channels + columns - 1) / columns;
        *minimum = *natural = rows * th + (rows - 1) * GAP;
    }
}

/* ---- drawing ---------------------------------------------------------------------------- */

/* One image of all the tiles and their frames, in device pixels (so it is
 * drawn 1:1, sharp), made again when the values, the range, the width, the
 * scale factor or the style change: a frame costs one copy, not a Cairo
 * paint per tile. (An image in a Cairo node, not a GdkTexture: GTK 4.8's
 * Cairo renderer converts a texture anew at every frame.) */
static void
build_image(DlFeatureGrid *self, int width, int scale)
{
    int z = zoom(self) * scale, gap = GAP * scale, columns = columns_for(self, width);
    int rows = (self->channels + columns - 1) / columns;
    int tw = z * self->width, th = z * self->height;
    int w = columns * (tw + gap) - gap + 2 * scale, h = rows * (th + gap) - gap + 2 * scale;
    GdkRGBA fg, accent;
    dl_activation_style_colors(GTK_WIDGET(self), &fg, &accent);
    /* The frame: the text colour at 18 %, premultiplied BGRA. */
    guint32 a = (guint32)lroundf(255.0f * 0.18f * fg.alpha);
    guint32 frame = a << 24 | (guint32)lroundf(a * fg.red) << 16 | (guint32)lroundf(a * fg.green) << 8 |
                    (guint32)lroundf(a * fg.blue);

    self->image = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
    int stride = cairo_image_surface_get_stride(self->image) / 4;
    guint32 *pixels = (guint32 *)cairo_image_surface_get_data(self->image); /* cleared */
    guint32 *row_grey = g_new(guint32, (size_t)self->width);
    for (int c = 0; c < self->channels; c++) {
        int x0 = scale + (c % columns) * (tw + gap), y0 = scale + (c / columns) * (th + gap);
        for (int y = -scale; y < th + scale; y++) { /* the frame, scale pixels wide */
            guint32 *out = pixels + (size_t)(y0 + y) * stride + x0;
            if (y < 0 || y >= th) {
                for (int x = -scale; x < tw + scale; x++)
                    out[x] = frame;
                continue;
            }
            for (int x = 1; x <= scale; x++)
                out[-x] = out[tw + x - 1] = frame;
        }
        const float *map = self->data + (size_t)c * self->height * self->width;
        for (int my = 0; my < self->height; my++) {
            for (int mx = 0; mx < self->width; mx++) {
                guint32 g = dl_activation_grey(map[(size_t)my * self->width + mx], self->lo, self->hi);
                row_grey[mx] = 0xff000000u | g << 16 | g << 8 | g;
            }
            guint32 *out = pixels + (size_t)(y0 + my * z) * stride + x0;
            for (int mx = 0; mx < self->width; mx++)
                for (int k = 0; k < z; k++)
                    out[mx * z + k] = row_grey[mx];
            for (int k = 1; k < z; k++)
                memcpy(out + (size_t)k * stride, out, (size_t)tw * sizeof *out);
        }
    }
    g_free(row_grey);
    cairo_surface_mark_dirty(self->image);
    cairo_surface_set_device_scale(self->image, scale, scale);
    self->image_width = width;
    self->image_scale = scale;
}

static void
dl_feature_grid_snapshot(GtkWidget *widget, GtkSnapshot *snapshot)
{
    DlFeatureGrid *self = DL_FEATURE_GRID(widget);
    int width = gtk_widget_get_width(widget), scale = gtk_widget_get_scale_factor(widget);

    if (self->channels == 0 || width <= 0)
        return;
    if (self->image != NULL &&
        (columns_for(self, self->image_width) != columns_for(self, width) || self->image_scale != scale))
        g_clear_pointer(&self->image, cairo_surface_destroy);
    if (self->image == NULL)
        build_image(self, width, scale);
    float iw = cairo_image_surface_get_width(self->image) / (float)scale;
    float ih = cairo_image_surface_get_height(self->image) / (float)scale;
    cairo_t *cr = gtk_snapshot_append_cairo(snapshot, &GRAPHENE_RECT_INIT(-1, -1, iw, ih));
    cairo_set_source_surface(cr, self->image, -1, -1);
    cairo_paint(cr);
    cairo_destroy(cr);

    if (self->cursor.current >= 0) {
        GdkRGBA fg, accent;
        GdkRectangle r;
        dl_activation_style_colors(widget, &fg, &accent);
        tile_rect(self, self->cursor.current, &r);
        GskRoundedRect ring;
        gsk_rounded_rect_init_from_rect(&ring, &GRAPHENE_RECT_INIT(r.x - 3, r.y - 3, r.width + 6, r.height + 6), 2);
        gtk_snapshot_append_border(snapshot, &ring, (float[4]){ 3, 3, 3, 3 },
                                   (GdkRGBA[4]){ accent, accent, accent, accent });
    }
}

/* ---- words -------------------------------------------------------------------------------- */

char *
dl_feature_grid_describe_tile(DlFeatureGrid *self, int index)
{
    g_return_val_if_fail(DL_IS_FEATURE_GRID(self), NULL);
    g_return_val_if_fail(index >= 0 && index < self->channels, NULL);

    g_autofree char *lo = dl_activation_format_value(self->tile_min[index]);
    g_autofree char *hi = dl_activation_format_value(self->tile_max[index]);
    if (self->kind == DL_FEATURE_GRID_FILTERS)
        /* TRANSLATORS: a filter of a convolution layer: "conv1, filter 3 of 32: weights -0.41 to 0.38" */
        return g_strdup_printf(_("%s, filter %d of %d: weights %s to %s"), self->name, index + 1, self->channels, lo,
                               hi);
    if (self->channels == 1)
        /* TRANSLATORS: a layer with one map: "input: values 0 to 1" */
        return g_strdup_printf(_("%s: values %s to %s"), self->name, lo, hi);
    /* TRANSLATORS: a feature map of a layer: "conv2, map 17 of 32: values 0 to 3.52" */
    return g_strdup_printf(_("%s, map %d of %d: values %s to %s"), self->name, index + 1, self->channels, lo, hi);
}

static void
update_description(DlFeatureGrid *self)
{
    g_autofree char *text = NULL;

    if (self->cursor.current >= 0) {
        text = dl_feature_grid_describe_tile(self, self->cursor.current);
    } else if (self->channels == 0) {
        text = g_strdup_printf(_("%s: nothing to show"), self->name != NULL ? self->name : "");
    } else {
        g_autofree char *lo = dl_activation_format_value(self->min), *hi = dl_activation_format_value(self->max);
        if (self->kind == DL_FEATURE_GRID_FILTERS)
            /* TRANSLATORS: "conv1: 32 filters of 3 × 3, weights -0.52 to 0.61, total 1.234" */
            text = g_strdup_printf(g_dngettext(NULL, "%s: %d filter of %d × %d, weights %s to %s, total %.3f",
                                               "%s: %d filters of %d × %d, weights %s to %s, total %.3f",
                                               self->channels),
                                   self->name, self->channels, self->height, self->width, lo, hi, self->total);
        else
            /* TRANSLATORS: "conv1: 32 maps of 28 × 28, values 0 to 3.52, total 1234.567" */
            text = g_strdup_printf(g_dngettext(NULL, "%s: %d map of %d × %d, values %s to %s, total %.3f",
                                               "%s: %d maps of %d × %d, values %s to %s, total %.3f", self->channels),
                                   self->name, self->channels, self->height, self->width, lo, hi, self->total);
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
    return tile_at(DL_FEATURE_GRID(widget), x, y);
}

static int
cursor_columns(GtkWidget *widget)
{
    return columns_for(DL_FEATURE_GRID(widget), gtk_widget_get_width(widget));
}

static void
cursor_tile_rect(GtkWidget *widget, int index, GdkRectangle *rect)
{
    tile_rect(DL_FEATURE_GRID(widget), index, rect);
}

static char *
cursor_describe(GtkWidget *widget, int index)
{
    return dl_feature_grid_describe_tile(DL_FEATURE_GRID(widget), index);
}

static void
cursor_changed(GtkWidget *widget)
{
    DlFeatureGrid *self = DL_FEATURE_GRID(widget);

    update_description(self);
    gtk_widget_queue_draw(widget);
    g_signal_emit(self, signals[SIGNAL_TILE_CHANGED], 0, self->cursor.current);
}

static const DlTileCursorClass cursor_class = {
    cursor_tile_at, cursor_columns, cursor_tile_rect, cursor_describe, cursor_changed,
};

/* ---- API ------------------------------------------------------------------------------------- */

void
dl_feature_grid_set_maps(DlFeatureGrid *self, const char *name, const char *title, int channels, int height,
                         int width, const float *data)
{
    g_return_if_fail(DL_IS_FEATURE_GRID(self));
    g_return_if_fail(channels >= 0 && (channels == 0 || (height > 0 && width > 0 && data != NULL)));

    gboolean resized = channels != self->channels || height != self->height || width != self->width;
    if (title != NULL && g_strcmp0(title, self->title) != 0) {
        g_free(self->title);
        self->title = g_strdup(title);
        gtk_accessible_update_property(GTK_ACCESSIBLE(self), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
    }
    g_free(self->name);
    self->name = g_strdup(name);
    size_t size = (size_t)channels * height * width;
    if (resized) {
        g_free(self->data);
        g_free(self->tile_min);
        g_free(self->tile_max);
        self->data = g_new(float, MAX(size, 1));
        self->tile_min = g_new(float, MAX(channels, 1));
        self->tile_max = g_new(float, MAX(channels, 1));
        self->channels = channels;
        self->height = channels > 0 ? height : 0;
        self->width = channels > 0 ? width : 0;
    }
    if (size > 0)
        memcpy(self->data, data, size * sizeof(float));

    size_t plane = (size_t)self->height * self->width;
    self->total = 0.0;
    self->min = self->max = channels > 0 ? data[0] : 0.0f;
    for (int c = 0; c < channels; c++) {
        const float *v = self->data + c * plane;
        float lo = v[0], hi = v[0];
        for (size_t i = 0; i < plane; i++) {
            lo = MIN(lo, v[i]);
            hi = MAX(hi, v[i]);
            self->total += v[i];
        }
        self->tile_min[c] = lo;
        self->tile_max[c] = hi;
        self->min = MIN(self->min, lo);
        self->max = MAX(self->max, hi);
    }
    g_clear_pointer(&self->image, cairo_surface_destroy);
    dl_tile_cursor_set_count(&self->cursor, channels);
    update_description(self);
    if (resized)
        gtk_widget_queue_resize(GTK_WIDGET(self));
    gtk_widget_queue_draw(GTK_WIDGET(self));
}

void
dl_feature_grid_get_extremes(DlFeatureGrid *self, float *min, float *max)
{
    g_return_if_fail(DL_IS_FEATURE_GRID(self));

    if (min != NULL)
        *min = self->min;
    if (max != NULL)
        *max = self->max;
}

void
dl_feature_grid_set_range(DlFeatureGrid *self, float lo, float hi)
{
    g_return_if_fail(DL_IS_FEATURE_GRID(self));

    if (!(hi > lo))
        hi = lo + 1e-6f;
    if (lo == self->lo && hi == self->hi)
        return;
    self->lo = lo;
    self->hi = hi;
    g_clear_pointer(&self->image, cairo_surface_destroy);
    gtk_widget_queue_draw(GTK_WIDGET(self));
}

void
dl_feature_grid_set_tile_size(DlFeatureGrid *self, int pixels)
{
    g_return_if_fail(DL_IS_FEATURE_GRID(self));

    pixels = MAX(pixels, 1);
    if (pixels == self->tile_size)
        return;
    self->tile_size = pixels;
    gtk_widget_queue_resize(GTK_WIDGET(self));
}

int
dl_feature_grid_get_current_tile(DlFeatureGrid *self)
{
    g_return_val_if_fail(DL_IS_FEATURE_GRID(self), -1);

    return self->cursor.current;
}

/* ---- GObject ---------------------------------------------------------------------------------- */

static void
on_style_changed(DlFeatureGrid *self)
{
    g_clear_pointer(&self->image, cairo_surface_destroy); /* the frames' colour */
    gtk_widget_queue_draw(GTK_WIDGET(self));
}

static void
dl_feature_grid_dispose(GObject *object)
{
    DlFeatureGrid *self = DL_FEATURE_GRID(object);

    g_signal_handlers_disconnect_by_data(adw_style_manager_get_default(), self);
    g_clear_pointer(&self->image, cairo_surface_destroy);
    G_OBJECT_CLASS(dl_feature_grid_parent_class)->dispose(object);
}

static void
dl_feature_grid_finalize(GObject *object)
{
    DlFeatureGrid *self = DL_FEATURE_GRID(object);

    g_free(self->name);
    g_free(self->title);
    g_free(self->data);
    g_free(self->tile_min);
    g_free(self->tile_max);
    g_free(self->description);
    G_OBJECT_CLASS(dl_feature_grid_parent_class)->finalize(object);
}

static void
dl_feature_grid_class_init(DlFeatureGridClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    object_class->dispose = dl_feature_grid_dispose;
    object_class->finalize = dl_feature_grid_finalize;
    widget_class->get_request_mode = dl_feature_grid_get_request_mode;
    widget_class->measure = dl_feature_grid_measure;
    widget_class->snapshot = dl_feature_grid_snapshot;

    /**
     * DlFeatureGrid::tile-changed:
     * @index: the tile under the pointer or the keyboard's, -1 for none
     */
    signals[SIGNAL_TILE_CHANGED] = g_signal_new("tile-changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                                NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT);

    gtk_widget_class_set_css_name(widget_class, "feature-grid");
    gtk_widget_class_set_accessible_role(widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
dl_feature_grid_init(DlFeatureGrid *self)
{
    self->tile_size = DEFAULT_TILE_SIZE;
    self->lo = 0.0f;
    self->hi = 1.0f;
    dl_tile_cursor_init(&self->cursor, GTK_WIDGET(self), &cursor_class);

    AdwStyleManager *manager = adw_style_manager_get_default();
    g_signal_connect_swapped(manager, "notify::dark", G_CALLBACK(on_style_changed), self);
    g_signal_connect_swapped(manager, "notify::high-contrast", G_CALLBACK(on_style_changed), self);
    update_description(self);
}

GtkWidget *
dl_feature_grid_new(DlFeatureGridKind kind)
{
    DlFeatureGrid *self = g_object_new(DL_TYPE_FEATURE_GRID, NULL);

    self->kind = kind;
    return GTK_WIDGET(self);
}
