/* dl-preprocess-strip.c — the preprocessing, step by step; see dl-preprocess-strip.h. */
#include "dl-preprocess-strip.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "dl-activation-style.h"
#include "dl-types.h"

enum { STEP_RAW, STEP_BOX, STEP_SCALED, STEP_CENTRED, N_STEPS };

struct _DlPreprocessStrip {
    GtkWidget parent_instance;

    gboolean shown;
    gboolean test_image;
    cairo_surface_t *surfaces[N_STEPS];
    float box[4];                    /* in raw's pixels */
    int scaled_x, scaled_y, scaled_width, scaled_height;
    int shift_x, shift_y;
    float center_x, center_y;
    char *description;

    GtkDrawingArea *areas[N_STEPS];
    GtkLabel *details[N_STEPS];
    GtkLabel *raw_title;
    GtkLabel *note;
};

G_DEFINE_FINAL_TYPE(DlPreprocessStrip, dl_preprocess_strip, GTK_TYPE_WIDGET)

static cairo_surface_t *
grey_surface(const float *values, int width, int height)
{
    cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, MAX(width, 1), MAX(height, 1));
    unsigned char *pixels = cairo_image_surface_get_data(surface);
    int stride = cairo_image_surface_get_stride(surface);

    for (int y = 0; y < height; y++) {
        guint32 *row = (guint32 *)(pixels + (size_t)y * stride);
        for (int x = 0; x < width; x++) {
            guint32 g = dl_activation_grey(values[(size_t)y * width + x], 0.0f, 1.0f);
            row[x] = g << 16 | g << 8 | g;
        }
    }
    cairo_surface_mark_dirty(surface);
    return surface;
}

/* ---- drawing ---------------------------------------------------------------------------- */

/* Paints surface to fit the area, centred, keeping its aspect ratio; leaves
 * cr scaled to the surface's pixels. Smooth for the big rasters, one block
 * per pixel for the 20 × 20 and 28 × 28 images; fit_side > 0 fits a square
 * of that many pixels instead of the surface (the 20 × 20 step is drawn at
 * the 28 × 28's scale, so that their pixels are the same size). */
static void
paint_fitted(cairo_t *cr, cairo_surface_t *surface, int width, int height, gboolean smooth, int fit_side)
{
    int sw = cairo_image_surface_get_width(surface), sh = cairo_image_surface_get_height(surface);
    int fw = fit_side > 0 ? fit_side : sw, fh = fit_side > 0 ? fit_side : sh;
    double scale = MIN(width / (double)fw, height / (double)fh);

    if (!smooth && scale >= 1.0)
        scale = floor(scale);
    cairo_translate(cr, round((width - sw * scale) / 2), round((height - sh * scale) / 2));
    cairo_scale(cr, scale, scale);
    cairo_rectangle(cr, 0, 0, sw, sh);
    cairo_clip(cr);
    cairo_set_source_surface(cr, surface, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr), smooth ? CAIRO_FILTER_GOOD : CAIRO_FILTER_NEAREST);
    cairo_paint(cr);
}

static void
stroke_pixels(cairo_t *cr, double line_width)
{
    double ux = line_width, uy = line_width;
    cairo_device_to_user_distance(cr, &ux, &uy);
    cairo_set_line_width(cr, fabs(ux));
    cairo_stroke(cr);
}

static void
draw_step(GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer user_data)
{
    DlPreprocessStrip *self = user_data;
    int step = GPOINTER_TO_INT(g_object_get_data(G_OBJECT(area), "step"));
    GdkRGBA fg, accent;

    dl_activation_style_colors(GTK_WIDGET(area), &fg, &accent);
    if (!self->shown) {
        cairo_rectangle(cr, 0, 0, width, height);
        cairo_set_source_rgba(cr, fg.red, fg.green, fg.blue, 0.08);
        cairo_fill(cr);
        return;
    }
    paint_fitted(cr, self->surfaces[step], width, height, (step == STEP_RAW || step == STEP_BOX) && !self->test_image,
                 step == STEP_SCALED ? NN_IMAGE_SIDE : 0);
    gdk_cairo_set_source_rgba(cr, &accent);
    switch (step) {
    case STEP_RAW: /* the box it is cut to */
        cairo_rectangle(cr, self->box[0], self->box[1], self->box[2], self->box[3]);
        stroke_pixels(cr, 2);
        break;
    case STEP_CENTRED: { /* the centre of mass, and where the box landed */
        double arm = 2.5, cx = self->center_x + 0.5, cy = self->center_y + 0.5;
        cairo_move_to(cr, cx - arm, cy);
        cairo_line_to(cr, cx + arm, cy);
        cairo_move_to(cr, cx, cy - arm);
        cairo_line_to(cr, cx, cy + arm);
        stroke_pixels(cr, 2);
        cairo_rectangle(cr, self->scaled_x + self->shift_x, self->scaled_y + self->shift_y, self->scaled_width,
                        self->scaled_height);
        cairo_set_source_rgba(cr, accent.red, accent.green, accent.blue, 0.6);
        stroke_pixels(cr, 1);
        break;
    }
    default:
        break;
    }
}

/* ---- API ----------------------------------------------------------------------------------- */

static void
set_description(DlPreprocessStrip *self, const char *text)
{
    g_free(self->description);
    self->description = g_strdup(text);
    gtk_accessible_update_property(GTK_ACCESSIBLE(self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
}

void
dl_preprocess_strip_set_steps(DlPreprocessStrip *self, const NnPreprocessSteps *steps, gboolean test_image)
{
    g_return_if_fail(DL_IS_PREPROCESS_STRIP(self));

    for (int i = 0; i < N_STEPS; i++) {
        g_clear_pointer(&self->surfaces[i], cairo_surface_destroy);
        gtk_widget_queue_draw(GTK_WIDGET(self->areas[i]));
    }
    self->shown = steps != NULL;
    if (steps == NULL) {
        for (int i = 0; i < N_STEPS; i++)
            gtk_label_set_text(self->details[i], "");
        gtk_label_set_text(self->note, "");
        set_description(self, _("preprocess: nothing drawn"));
        return;
    }
    self->test_image = test_image;
    self->surfaces[STEP_RAW] = grey_surface(steps->raw, steps->raw_width, steps->raw_height);
    self->surfaces[STEP_BOX] = grey_surface(steps->crop, steps->crop_width, steps->crop_height);
    self->surfaces[STEP_SCALED] = grey_surface(steps->scaled, NN_MNIST_BOX, NN_MNIST_BOX);
    self->surfaces[STEP_CENTRED] = grey_surface(steps->image, NN_IMAGE_SIDE, NN_IMAGE_SIDE);
    memcpy(self->box, steps->box, sizeof self->box);
    self->scaled_x = steps->scaled_x;
    self->scaled_y = steps->scaled_y;
    self->scaled_width = steps->scaled_width;
    self->scaled_height = steps->scaled_height;
    self->shift_x = steps->shift_x;
    self->shift_y = steps->shift_y;
    self->center_x = steps->center_x;
    self->center_y = steps->center_y;

    g_autofree char *scaled = g_strdup_printf(_("%d × %d pixels: the long side is 20"), steps->scaled_width,
                                              steps->scaled_height);
    const char *centred = _("Moved so that its centre of mass (+) is the middle: the network’s input");
    gtk_label_set_text(self->details[STEP_SCALED], scaled);
    gtk_label_set_text(self->details[STEP_CENTRED], centred);

    g_autofree char *description = NULL;
    if (test_image) {
        gboolean unchanged = steps->raw_width == NN_IMAGE_SIDE && steps->raw_height == NN_IMAGE_SIDE &&
                             memcmp(steps->raw, steps->image, sizeof steps->image) == 0;
        g_autofree char *box = g_strdup_printf(_("Its ink fills %.0f × %.0f of its pixels"), steps->box[2],
                                               steps->box[3]);
        gtk_label_set_text(self->raw_title, _("1. The test image"));
        gtk_label_set_text(self->details[STEP_RAW], _("As MNIST has it"));
        gtk_label_set_text(self->details[STEP_BOX], box);
        gtk_label_set_text(self->note,
                           unchanged ? _("MNIST’s images were made this way, so a test image is already "
                                         "normalised: the steps give it back unchanged, and the network gets it "
                                         "as it is.")
                                     : _("MNIST’s images were made this way, so the network gets a test image as "
                                         "it is; redone here, the steps would change this one slightly."));
        description = g_strdup_printf(_("preprocess: test image, already normalised, %s; ink %.0f × %.0f, "
                                        "scaled %d × %d"),
                                      unchanged ? _("unchanged by the steps") : _("changed slightly by the steps"),
                                      steps->box[2], steps->box[3], steps->scaled_width, steps->scaled_height);
    } else {
        gtk_label_set_text(self->raw_title, _("1. The drawing"));
        gtk_label_set_text(self->details[STEP_RAW], _("As drawn, on the whole canvas"));
        gtk_label_set_text(self->details[STEP_BOX], _("Cut to the ink, the pen’s width included"));
        gtk_label_set_text(self->note, _("This is why a digit drawn small, large or in a corner is still read: "
                                         "the network only ever sees it cut out, scaled and centred, the way "
                                         "MNIST’s digits were made."));
        description = g_strdup_printf(_("preprocess: drawing, ink box at %.0f, %.0f (%.0f × %.0f of %d × %d), "
                                        "scaled %d × %d, centre of mass %.1f, %.1f"),
                                      steps->box[0], steps->box[1], steps->box[2], steps->box[3], steps->raw_width,
                                      steps->raw_height, steps->scaled_width, steps->scaled_height,
                                      steps->center_x, steps->center_y);
    }
    set_description(self, description);
}

/* ---- GObject --------------------------------------------------------------------------------- */

static void
dl_preprocess_strip_dispose(GObject *object)
{
    DlPreprocessStrip *self = DL_PREPROCESS_STRIP(object);

    for (int i = 0; i < N_STEPS; i++)
        g_clear_pointer(&self->surfaces[i], cairo_surface_destroy);
    gtk_widget_dispose_template(GTK_WIDGET(self), DL_TYPE_PREPROCESS_STRIP);
    GtkWidget *child;
    while ((child = gtk_widget_get_first_child(GTK_WIDGET(self))) != NULL)
        gtk_widget_unparent(child);
    G_OBJECT_CLASS(dl_preprocess_strip_parent_class)->dispose(object);
}

static void
dl_preprocess_strip_finalize(GObject *object)
{
    g_free(DL_PREPROCESS_STRIP(object)->description);
    G_OBJECT_CLASS(dl_preprocess_strip_parent_class)->finalize(object);
}

static void
dl_preprocess_strip_class_init(DlPreprocessStripClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    object_class->dispose = dl_preprocess_strip_dispose;
    object_class->finalize = dl_preprocess_strip_finalize;

    gtk_widget_class_set_layout_manager_type(widget_class, GTK_TYPE_BIN_LAYOUT);
    gtk_widget_class_set_css_name(widget_class, "preprocess-strip");
    gtk_widget_class_set_accessible_role(widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
    gtk_widget_class_set_template_from_resource(widget_class, DL_RESOURCE_PATH "/ui/dl-preprocess-strip.ui");
    /* Each step's drawing area and detail label, "raw_area", "raw_detail", ... */
    static const char *const steps[N_STEPS] = { "raw", "box", "scaled", "centred" };
    static char names[N_STEPS][2][16];
    for (int i = 0; i < N_STEPS; i++) {
        g_snprintf(names[i][0], sizeof names[i][0], "%s_area", steps[i]);
        g_snprintf(names[i][1], sizeof names[i][1], "%s_detail", steps[i]);
        gtk_widget_class_bind_template_child_full(widget_class, names[i][0], FALSE,
                                                  G_STRUCT_OFFSET(DlPreprocessStrip, areas) + i * sizeof(GtkDrawingArea *));
        gtk_widget_class_bind_template_child_full(widget_class, names[i][1], FALSE,
                                                  G_STRUCT_OFFSET(DlPreprocessStrip, details) + i * sizeof(GtkLabel *));
    }
    gtk_widget_class_bind_template_child(widget_class, DlPreprocessStrip, raw_title);
    gtk_widget_class_bind_template_child(widget_class, DlPreprocessStrip, note);
}

static void
dl_preprocess_strip_init(DlPreprocessStrip *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));

    for (int i = 0; i < N_STEPS; i++) {
        g_object_set_data(G_OBJECT(self->areas[i]), "step", GINT_TO_POINTER(i));
        gtk_drawing_area_set_draw_func(self->areas[i], draw_step, self, NULL);
    }
    dl_preprocess_strip_set_steps(self, NULL, FALSE);
}
