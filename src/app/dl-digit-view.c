/* dl-digit-view.c — the predicted digit, the probability bars and the
 * network's input image.
 *
 * The children are built in code rather than from a template: two labels
 * and two drawing areas, and the widget stays usable on its own (demo, tests)
 * without the app's GResource. */
#include "dl-digit-view.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

/* The input image is drawn at a whole number of screen pixels per input
 * pixel, IMAGE_ZOOM at the natural size. */
#define IMAGE_ZOOM 5
#define IMAGE_BORDER 1
#define IMAGE_RADIUS 6.0
#define BARS_HEIGHT 120
#define BAR_MAX_WIDTH 22.0
#define DIGIT_SCALE 7.2

struct _DlDigitView {
    GtkWidget parent_instance;

    GtkWidget *grid;
    GtkWidget *digit_label;
    GtkWidget *percent_label;
    GtkWidget *percent_stack; /* percent_label, or "Draw a digit" when empty */
    GtkWidget *image_area;
    GtkWidget *bars_area;

    int digit; /* -1: empty */
    float probs[NN_CLASSES];
    cairo_surface_t *image; /* 28x28 RGB24, white ink on black */
    char *bars_label;       /* the bars' accessible label */
};

G_DEFINE_FINAL_TYPE(DlDigitView, dl_digit_view, GTK_TYPE_WIDGET)

static char *
format_percent(float p)
{
    /* TRANSLATORS: a probability in percent, e.g. "98 %" */
    return g_strdup_printf(_("%d %%"), (int)lroundf(100.0f * p));
}

static void
get_colors(GtkWidget *widget, GdkRGBA *fg, GdkRGBA *accent_bg, GdkRGBA *accent)
{
    GtkStyleContext *context = gtk_widget_get_style_context(widget);

    gtk_style_context_get_color(context, fg);
    if (!gtk_style_context_lookup_color(context, "accent_bg_color", accent_bg))
        gdk_rgba_parse(accent_bg, "#3584e4");
    if (!gtk_style_context_lookup_color(context, "accent_color", accent))
        *accent = *accent_bg;
}

static void
rounded_rectangle(cairo_t *cr, double x, double y, double width, double height, double radius)
{
    radius = MIN(radius, MIN(width, height) / 2.0);
    cairo_new_sub_path(cr);
    cairo_arc(cr, x + width - radius, y + radius, radius, -G_PI / 2.0, 0.0);
    cairo_arc(cr, x + width - radius, y + height - radius, radius, 0.0, G_PI / 2.0);
    cairo_arc(cr, x + radius, y + height - radius, radius, G_PI / 2.0, G_PI);
    cairo_arc(cr, x + radius, y + radius, radius, G_PI, 1.5 * G_PI);
    cairo_close_path(cr);
}

static void
draw_image(GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer user_data)
{
    DlDigitView *self = user_data;
    GdkRGBA fg, accent_bg, accent;
    get_colors(GTK_WIDGET(area), &fg, &accent_bg, &accent);

    /* The largest whole zoom that fits, centred on whole pixels. */
    int zoom = MAX(1, (MIN(width, height) - 2 * IMAGE_BORDER) / NN_IMAGE_SIDE);
    int side = zoom * NN_IMAGE_SIDE;
    double x0 = (width - side) / 2, y0 = (height - side) / 2;

    if (self->digit >= 0) {
        rounded_rectangle(cr, x0 - IMAGE_BORDER, y0 - IMAGE_BORDER, side + 2 * IMAGE_BORDER,
                          side + 2 * IMAGE_BORDER, IMAGE_RADIUS + IMAGE_BORDER);
        cairo_set_source_rgba(cr, fg.red, fg.green, fg.blue, fg.alpha * 0.2);
        cairo_fill(cr);
    }

    /* Empty: a faint square like the bars' tracks, not a black block. */
    rounded_rectangle(cr, x0, y0, side, side, IMAGE_RADIUS);
    if (self->digit < 0) {
        cairo_set_source_rgba(cr, fg.red, fg.green, fg.blue, fg.alpha * 0.08);
        cairo_fill(cr);
        return;
    }
    cairo_clip(cr);
    cairo_translate(cr, x0, y0);
    cairo_scale(cr, zoom, zoom);
    cairo_set_source_surface(cr, self->image, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
    cairo_paint(cr);
}

static void
draw_bars(GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer user_data)
{
    DlDigitView *self = user_data;
    GtkWidget *widget = GTK_WIDGET(area);
    GdkRGBA fg, accent_bg, accent;
    get_colors(widget, &fg, &accent_bg, &accent);

    g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout(widget, "0");
    int text_width, text_height;
    pango_layout_get_pixel_size(layout, &text_width, &text_height);

    double column = width / (double)NN_CLASSES;
    double bar_width = MIN(BAR_MAX_WIDTH, round(column * 0.6));
    double track_height = height - text_height - 6.0;
    if (track_height <= 0.0)
        return;

    for (int k = 0; k < NN_CLASSES; k++) {
        double x = round(k * column + (column - bar_width) / 2.0);
        gboolean winner = k == self->digit;

        /* The track: a faint full-height bar. */
        rounded_rectangle(cr, x, 0.0, bar_width, track_height, 6.0);
        cairo_set_source_rgba(cr, fg.red, fg.green, fg.blue, fg.alpha * 0.08);
        cairo_fill(cr);

        /* The probability, from the bottom; invisible below half a pixel. */
        double bar_height = self->digit < 0 ? 0.0 : self->probs[k] * track_height;
        if (bar_height >= 0.5) {
            rounded_rectangle(cr, x, track_height - bar_height, bar_width, bar_height, 6.0);
            if (winner)
                gdk_cairo_set_source_rgba(cr, &accent_bg);
            else
                cairo_set_source_rgba(cr, fg.red, fg.green, fg.blue, fg.alpha * 0.35);
            cairo_fill(cr);
        }

        char text[2] = { (char)('0' + k), '\0' };
        pango_layout_set_text(layout, text, 1);
        PangoAttrList *attrs = pango_attr_list_new();
        pango_attr_list_insert(attrs, pango_attr_weight_new(winner ? PANGO_WEIGHT_BOLD
                                                                   : PANGO_WEIGHT_NORMAL));
        pango_layout_set_attributes(layout, attrs);
        pango_attr_list_unref(attrs);
        pango_layout_get_pixel_size(layout, &text_width, &text_height);
        cairo_move_to(cr, round(k * column + (column - text_width) / 2.0), height - text_height);
        if (winner)
            gdk_cairo_set_source_rgba(cr, &accent);
        else
            cairo_set_source_rgba(cr, fg.red, fg.green, fg.blue, fg.alpha * 0.6);
        pango_cairo_show_layout(cr, layout);
    }
}

/* "7: 98 %, 1: 1 %, ...": all ten digits, most probable first. */
static char *
probability_summary(const float probs[NN_CLASSES])
{
    int order[NN_CLASSES];
    for (int k = 0; k < NN_CLASSES; k++)
        order[k] = k;
    for (int i = 1; i < NN_CLASSES; i++) /* insertion sort, stable */
        for (int j = i; j > 0 && probs[order[j]] > probs[order[j - 1]]; j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }

    GString *summary = g_string_new(NULL);
    for (int i = 0; i < NN_CLASSES; i++) {
        g_autofree char *percent = format_percent(probs[order[i]]);
        g_string_append_printf(summary, "%s%d: %s", i > 0 ? ", " : "", order[i], percent);
    }
    return g_string_free(summary, FALSE);
}

static void
dl_digit_view_dispose(GObject *object)
{
    DlDigitView *self = DL_DIGIT_VIEW(object);

    g_clear_pointer(&self->grid, gtk_widget_unparent);
    G_OBJECT_CLASS(dl_digit_view_parent_class)->dispose(object);
}

static void
dl_digit_view_finalize(GObject *object)
{
    DlDigitView *self = DL_DIGIT_VIEW(object);

    cairo_surface_destroy(self->image);
    g_free(self->bars_label);
    G_OBJECT_CLASS(dl_digit_view_parent_class)->finalize(object);
}

static void
dl_digit_view_class_init(DlDigitViewClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    object_class->dispose = dl_digit_view_dispose;
    object_class->finalize = dl_digit_view_finalize;

    gtk_widget_class_set_layout_manager_type(widget_class, GTK_TYPE_BIN_LAYOUT);
    gtk_widget_class_set_css_name(widget_class, "dl-digit-view");
    gtk_widget_class_set_accessible_role(widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static GtkWidget *
new_label(const char *css_class)
{
    GtkWidget *label = gtk_label_new(NULL);
    gtk_widget_add_css_class(label, css_class);
    return label;
}

static void
dl_digit_view_init(DlDigitView *self)
{
    self->digit = -1;
    self->image = cairo_image_surface_create(CAIRO_FORMAT_RGB24, NN_IMAGE_SIDE, NN_IMAGE_SIDE);

    /* The digit, large, with its probability under it: 7.2 times the text
     * of the style (72 pt for GTK's default 10 pt), so it follows the
     * window's zoom and presenter mode (style.css). */
    self->digit_label = gtk_label_new(NULL);
    PangoAttrList *attrs = pango_attr_list_new();
    pango_attr_list_insert(attrs, pango_attr_scale_new(DIGIT_SCALE));
    pango_attr_list_insert(attrs, pango_attr_weight_new(PANGO_WEIGHT_BOLD));
    pango_attr_list_insert(attrs, pango_attr_font_features_new("tnum"));
    gtk_label_set_attributes(GTK_LABEL(self->digit_label), attrs);
    pango_attr_list_unref(attrs);
    gtk_accessible_update_property(GTK_ACCESSIBLE(self->digit_label),
                                   GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, _("predicted digit"), -1);

    /* Wide enough for "—" too, so the layout does not move as results come
     * and go (the canvas beside it would move under the pen). */
    gtk_label_set_width_chars(GTK_LABEL(self->digit_label), 2);

    /* Under it, the probability or, when empty, a hint; a homogeneous stack
     * keeps the size of the larger of the two. */
    self->percent_label = new_label("title-3");
    gtk_widget_add_css_class(self->percent_label, "numeric");
    gtk_accessible_update_property(GTK_ACCESSIBLE(self->percent_label),
                                   GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                   _("probability of the predicted digit"), -1);
    GtkWidget *hint = new_label("title-3");
    gtk_label_set_text(GTK_LABEL(hint), _("Draw a digit"));
    gtk_widget_add_css_class(hint, "dim-label");
    self->percent_stack = gtk_stack_new();
    gtk_stack_set_hhomogeneous(GTK_STACK(self->percent_stack), TRUE);
    gtk_stack_set_vhomogeneous(GTK_STACK(self->percent_stack), TRUE);
    gtk_stack_add_named(GTK_STACK(self->percent_stack), self->percent_label, "result");
    gtk_stack_add_named(GTK_STACK(self->percent_stack), hint, "empty");

    GtkWidget *result = gtk_box_new(GTK_ORIENTATION_VERTICAL, 0);
    gtk_widget_set_hexpand(result, TRUE);
    gtk_widget_set_valign(result, GTK_ALIGN_CENTER);
    gtk_box_append(GTK_BOX(result), self->digit_label);
    gtk_box_append(GTK_BOX(result), self->percent_stack);

    /* The network's input, pixel for pixel. */
    self->image_area = g_object_new(GTK_TYPE_DRAWING_AREA, "accessible-role",
                                    GTK_ACCESSIBLE_ROLE_IMG, NULL);
    int image_side = IMAGE_ZOOM * NN_IMAGE_SIDE + 2 * IMAGE_BORDER;
    gtk_drawing_area_set_content_width(GTK_DRAWING_AREA(self->image_area), image_side);
    gtk_drawing_area_set_content_height(GTK_DRAWING_AREA(self->image_area), image_side);
    gtk_widget_set_halign(self->image_area, GTK_ALIGN_CENTER);
    gtk_drawing_area_set_draw_func(GTK_DRAWING_AREA(self->image_area), draw_image, self, NULL);
    gtk_accessible_update_property(GTK_ACCESSIBLE(self->image_area),
                                   GTK_ACCESSIBLE_PROPERTY_LABEL, _("What the network sees"),
                                   GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                   _("The drawing as the 28 × 28 pixel image "
                                     "given to the network"),
                                   -1);

    GtkWidget *caption = new_label("caption");
    gtk_label_set_text(GTK_LABEL(caption), _("What the network sees"));
    gtk_widget_add_css_class(caption, "dim-label");

    GtkWidget *input = gtk_box_new(GTK_ORIENTATION_VERTICAL, 6);
    gtk_widget_set_valign(input, GTK_ALIGN_CENTER);
    gtk_box_append(GTK_BOX(input), self->image_area);
    gtk_box_append(GTK_BOX(input), caption);

    /* The ten probabilities. */
    self->bars_area = g_object_new(GTK_TYPE_DRAWING_AREA, "accessible-role",
                                   GTK_ACCESSIBLE_ROLE_IMG, NULL);
    gtk_drawing_area_set_content_width(GTK_DRAWING_AREA(self->bars_area), 10 * 26);
    gtk_drawing_area_set_content_height(GTK_DRAWING_AREA(self->bars_area), BARS_HEIGHT);
    gtk_widget_set_hexpand(self->bars_area, TRUE);
    gtk_drawing_area_set_draw_func(GTK_DRAWING_AREA(self->bars_area), draw_bars, self, NULL);
    gtk_accessible_update_property(GTK_ACCESSIBLE(self->bars_area),
                                   GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                   _("probability of each digit"), -1);

    self->grid = gtk_grid_new();
    gtk_grid_set_column_spacing(GTK_GRID(self->grid), 24);
    gtk_grid_set_row_spacing(GTK_GRID(self->grid), 18);
    gtk_grid_attach(GTK_GRID(self->grid), result, 0, 0, 1, 1);
    gtk_grid_attach(GTK_GRID(self->grid), input, 1, 0, 1, 1);
    gtk_grid_attach(GTK_GRID(self->grid), self->bars_area, 0, 1, 2, 1);
    gtk_widget_set_parent(self->grid, GTK_WIDGET(self));

    gtk_accessible_update_property(GTK_ACCESSIBLE(self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                   _("Prediction"), -1);

    dl_digit_view_clear(self);
}

GtkWidget *
dl_digit_view_new(void)
{
    return g_object_new(DL_TYPE_DIGIT_VIEW, NULL);
}

static void
set_image(DlDigitView *self, const float *image)
{
    cairo_surface_flush(self->image);
    unsigned char *data = cairo_image_surface_get_data(self->image);
    int stride = cairo_image_surface_get_stride(self->image);
    for (int y = 0; y < NN_IMAGE_SIDE; y++) {
        guint32 *row = (guint32 *)(data + y * stride);
        for (int x = 0; x < NN_IMAGE_SIDE; x++) {
            float v = image != NULL ? image[y * NN_IMAGE_SIDE + x] : 0.0f;
            guint32 gray = (guint32)lroundf(255.0f * CLAMP(v, 0.0f, 1.0f));
            row[x] = gray << 16 | gray << 8 | gray;
        }
    }
    cairo_surface_mark_dirty(self->image);
    gtk_widget_queue_draw(self->image_area);
}

/* Updates the bars' accessible label (taking ownership of label) only when
 * it changes: results arrive once per frame while the user draws. */
static void
set_bars_label(DlDigitView *self, char *label)
{
    if (g_strcmp0(label, self->bars_label) == 0) {
        g_free(label);
        return;
    }
    g_free(self->bars_label);
    self->bars_label = label;
    gtk_accessible_update_property(GTK_ACCESSIBLE(self->bars_area),
                                   GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

void
dl_digit_view_set_result(DlDigitView *self, const float image[NN_IMAGE_PIXELS],
                         const float probs[NN_CLASSES])
{
    g_return_if_fail(DL_IS_DIGIT_VIEW(self));
    g_return_if_fail(image != NULL && probs != NULL);

    int best = 0;
    for (int k = 0; k < NN_CLASSES; k++) {
        self->probs[k] = isfinite(probs[k]) ? CLAMP(probs[k], 0.0f, 1.0f) : 0.0f;
        if (self->probs[k] > self->probs[best])
            best = k;
    }
    self->digit = best;
    set_image(self, image);

    char text[2] = { (char)('0' + best), '\0' };
    gtk_label_set_text(GTK_LABEL(self->digit_label), text);
    g_autofree char *percent = format_percent(self->probs[best]);
    gtk_label_set_text(GTK_LABEL(self->percent_label), percent);
    gtk_stack_set_visible_child_name(GTK_STACK(self->percent_stack), "result");
    gtk_widget_remove_css_class(self->digit_label, "dim-label");

    set_bars_label(self, probability_summary(self->probs));
    gtk_widget_queue_draw(self->bars_area);
}

void
dl_digit_view_clear(DlDigitView *self)
{
    g_return_if_fail(DL_IS_DIGIT_VIEW(self));

    self->digit = -1;
    memset(self->probs, 0, sizeof self->probs);
    set_image(self, NULL);

    gtk_label_set_text(GTK_LABEL(self->digit_label), "—");
    gtk_label_set_text(GTK_LABEL(self->percent_label), "");
    gtk_stack_set_visible_child_name(GTK_STACK(self->percent_stack), "empty");
    gtk_widget_add_css_class(self->digit_label, "dim-label");

    set_bars_label(self, g_strdup(_("No prediction yet")));
    gtk_widget_queue_draw(self->bars_area);
}

int
dl_digit_view_get_digit(DlDigitView *self)
{
    g_return_val_if_fail(DL_IS_DIGIT_VIEW(self), -1);

    return self->digit;
}
