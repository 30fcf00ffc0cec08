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

#include "dl-verdict-text.h"

/* The input image is drawn at a whole number of screen pixels per input
 * pixel, IMAGE_ZOOM at the natural size. */
#define IMAGE_ZOOM 5
#define IMAGE_BORDER 1
#define IMAGE_RADIUS 6.0
#define BARS_HEIGHT 136
#define BAR_MAX_WIDTH 22.0
/* The numbers over the bars, relative to the widget's font. */
#define BAR_NUMBER_SCALE 0.8
#define DIGIT_SCALE 7.2

struct _DlDigitView {
    GtkWidget parent_instance;

    GtkWidget *grid;
    GtkWidget *verdict_stack; /* "digit" (sure or empty), "unsure", "not-digit" */
    GtkWidget *digit_label;
    GtkWidget *percent_label;
    GtkWidget *percent_stack; /* percent_label, or "Draw a digit" when empty */
    GtkWidget *unsure_label;  /* "Maybe a 7" */
    GtkWidget *second_label;  /* "— or a 1" */
    GtkWidget *unsure_numbers; /* "7: 62 % · 1: 31 %" */
    GtkWidget *not_digit_detail;
    GtkWidget *image_area;
    GtkWidget *bars_area;

    int digit; /* -1: empty */
    NnVerdict verdict;
    float probs[NN_CLASSES];
    cairo_surface_t *image; /* 28x28 RGB24, white ink on black */
    char *bars_label;       /* the bars' accessible label */
    char *description;      /* the verdict in words: the view's accessible description */
};

G_DEFINE_FINAL_TYPE(DlDigitView, dl_digit_view, GTK_TYPE_WIDGET)

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

/* Unsure answers are drawn in the warning colour, never the accent. */
static void
get_unsure_colors(GtkWidget *widget, GdkRGBA *bg, GdkRGBA *fg)
{
    GtkStyleContext *context = gtk_widget_get_style_context(widget);

    if (!gtk_style_context_lookup_color(context, "warning_bg_color", bg))
        gdk_rgba_parse(bg, "#e5a50a");
    if (!gtk_style_context_lookup_color(context, "warning_color", fg))
        gdk_rgba_parse(fg, "#9c6e03");
}

/* How bar k stands out: 2 the sure answer, 1 one of an unsure pair, 0 not. */
static int
bar_emphasis(DlDigitView *self, int k)
{
    if (self->digit < 0)
        return 0;
    switch (self->verdict.kind) {
    case NN_VERDICT_SURE:
        return k == self->verdict.digit ? 2 : 0;
    case NN_VERDICT_UNSURE:
        return k == self->verdict.digit || k == self->verdict.second ? 1 : 0;
    case NN_VERDICT_NOT_DIGIT:
    default:
        return 0;
    }
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
show_text(cairo_t *cr, PangoLayout *layout, const char *text, double scale, gboolean bold, double cx, double y,
          const GdkRGBA *color)
{
    int text_width, text_height;

    pango_layout_set_text(layout, text, -1);
    PangoAttrList *attrs = pango_attr_list_new();
    pango_attr_list_insert(attrs, pango_attr_weight_new(bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL));
    pango_attr_list_insert(attrs, pango_attr_scale_new(scale));
    pango_attr_list_insert(attrs, pango_attr_font_features_new("tnum"));
    pango_layout_set_attributes(layout, attrs);
    pango_attr_list_unref(attrs);
    pango_layout_get_pixel_size(layout, &text_width, &text_height);
    cairo_move_to(cr, round(cx - text_width / 2.0), y);
    gdk_cairo_set_source_rgba(cr, color);
    pango_cairo_show_layout(cr, layout);
}

/* Ten bars: over each its probability in percent (rounded honestly), under
 * it the digit. The sure answer is in the accent colour, an unsure pair in
 * the warning colour; not a digit has no bar that stands out. */
static void
draw_bars(GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer user_data)
{
    DlDigitView *self = user_data;
    GtkWidget *widget = GTK_WIDGET(area);
    GdkRGBA fg, accent_bg, accent, unsure_bg, unsure;
    get_colors(widget, &fg, &accent_bg, &accent);
    get_unsure_colors(widget, &unsure_bg, &unsure);
    GdkRGBA dim = fg, faint = fg;
    dim.alpha *= 0.6;
    faint.alpha *= 0.35;

    g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout(widget, "0");
    int text_width, text_height;
    pango_layout_get_pixel_size(layout, &text_width, &text_height);
    double number_height = ceil(text_height * BAR_NUMBER_SCALE);

    double column = width / (double)NN_CLASSES;
    double bar_width = MIN(BAR_MAX_WIDTH, round(column * 0.6));
    double track_top = number_height + 3.0;
    double track_height = height - text_height - 6.0 - track_top;
    if (track_height <= 0.0)
        return;

    for (int k = 0; k < NN_CLASSES; k++) {
        double x = round(k * column + (column - bar_width) / 2.0), cx = k * column + column / 2.0;
        int emphasis = bar_emphasis(self, k);
        const GdkRGBA *strong = emphasis == 2 ? &accent : emphasis == 1 ? &unsure : &dim;

        /* The track: a faint full-height bar. */
        rounded_rectangle(cr, x, track_top, bar_width, track_height, 6.0);
        cairo_set_source_rgba(cr, fg.red, fg.green, fg.blue, fg.alpha * 0.08);
        cairo_fill(cr);

        if (self->digit >= 0) {
            /* The probability, from the bottom; invisible below half a pixel. */
            double bar_height = self->probs[k] * track_height;
            if (bar_height >= 0.5) {
                rounded_rectangle(cr, x, track_top + track_height - bar_height, bar_width, bar_height, 6.0);
                gdk_cairo_set_source_rgba(cr, emphasis == 2 ? &accent_bg : emphasis == 1 ? &unsure_bg : &faint);
                cairo_fill(cr);
            }
            g_autofree char *number = dl_format_probability_short(self->probs[k]);
            show_text(cr, layout, number, BAR_NUMBER_SCALE, emphasis > 0, cx, 0.0, strong);
        }

        char digit[2] = { (char)('0' + k), '\0' };
        show_text(cr, layout, digit, 1.0, emphasis > 0, cx, height - text_height, strong);
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
        g_autofree char *percent = dl_format_probability(probs[order[i]]);
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
    g_free(self->description);
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
    gtk_widget_set_valign(result, GTK_ALIGN_CENTER);
    gtk_box_append(GTK_BOX(result), self->digit_label);
    gtk_box_append(GTK_BOX(result), self->percent_stack);

    /* Unsure: a question in the warning colour, never the sure answer's
     * large bold digit: "Maybe a 7", "— or a 1", both probabilities. */
    self->unsure_label = new_label("title-1");
    self->second_label = new_label("title-3");
    self->unsure_numbers = new_label("numeric");
    GtkWidget *unsure = gtk_box_new(GTK_ORIENTATION_VERTICAL, 2);
    gtk_widget_set_valign(unsure, GTK_ALIGN_CENTER);
    gtk_widget_add_css_class(unsure, "verdict-unsure");
    gtk_box_append(GTK_BOX(unsure), self->unsure_label);
    gtk_box_append(GTK_BOX(unsure), self->second_label);
    gtk_box_append(GTK_BOX(unsure), self->unsure_numbers);
    gtk_widget_set_margin_top(self->unsure_numbers, 6);
    gtk_widget_add_css_class(self->unsure_numbers, "dim-label");
    gtk_widget_add_css_class(self->unsure_label, "warning");
    gtk_widget_add_css_class(self->second_label, "warning");
    PangoAttrList *light = pango_attr_list_new();
    pango_attr_list_insert(light, pango_attr_weight_new(PANGO_WEIGHT_NORMAL));
    gtk_label_set_attributes(GTK_LABEL(self->unsure_label), light);
    gtk_label_set_attributes(GTK_LABEL(self->second_label), light);
    pango_attr_list_unref(light);

    /* Not a digit: said plainly, no digit shown large. */
    GtkWidget *not_digit_label = new_label("title-1");
    gtk_label_set_text(GTK_LABEL(not_digit_label), _("Not a digit"));
    gtk_label_set_wrap(GTK_LABEL(not_digit_label), TRUE);
    gtk_label_set_justify(GTK_LABEL(not_digit_label), GTK_JUSTIFY_CENTER);
    gtk_widget_add_css_class(not_digit_label, "dim-label");
    self->not_digit_detail = new_label("dim-label");
    gtk_label_set_text(GTK_LABEL(self->not_digit_detail), _("It looks like none of the ten digits"));
    gtk_label_set_wrap(GTK_LABEL(self->not_digit_detail), TRUE);
    gtk_label_set_max_width_chars(GTK_LABEL(self->not_digit_detail), 14);
    gtk_label_set_justify(GTK_LABEL(self->not_digit_detail), GTK_JUSTIFY_CENTER);
    GtkWidget *not_digit = gtk_box_new(GTK_ORIENTATION_VERTICAL, 6);
    gtk_widget_set_valign(not_digit, GTK_ALIGN_CENTER);
    gtk_box_append(GTK_BOX(not_digit), not_digit_label);
    gtk_box_append(GTK_BOX(not_digit), self->not_digit_detail);

    /* One place for the three looks; homogeneous, so the canvas beside
     * does not move as the verdict changes under the pen. */
    self->verdict_stack = gtk_stack_new();
    gtk_stack_set_hhomogeneous(GTK_STACK(self->verdict_stack), TRUE);
    gtk_stack_set_vhomogeneous(GTK_STACK(self->verdict_stack), TRUE);
    gtk_widget_set_hexpand(self->verdict_stack, TRUE);
    gtk_widget_set_valign(self->verdict_stack, GTK_ALIGN_CENTER);
    gtk_stack_add_named(GTK_STACK(self->verdict_stack), result, "digit");
    gtk_stack_add_named(GTK_STACK(self->verdict_stack), unsure, "unsure");
    gtk_stack_add_named(GTK_STACK(self->verdict_stack), not_digit, "not-digit");

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
    gtk_grid_attach(GTK_GRID(self->grid), self->verdict_stack, 0, 0, 1, 1);
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

/* The verdict in words as the view's description (taking ownership). */
static void
set_description(DlDigitView *self, char *description)
{
    if (g_strcmp0(description, self->description) == 0) {
        g_free(description);
        return;
    }
    g_free(self->description);
    self->description = description;
    gtk_accessible_update_property(GTK_ACCESSIBLE(self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description, -1);
}

static void
show_verdict(DlDigitView *self)
{
    const NnVerdict *v = &self->verdict;
    g_autofree char *p1 = dl_format_probability(v->p1);
    g_autofree char *p2 = dl_format_probability(v->p2);

    switch (v->kind) {
    case NN_VERDICT_SURE: {
        char text[2] = { (char)('0' + v->digit), '\0' };
        gtk_label_set_text(GTK_LABEL(self->digit_label), text);
        gtk_label_set_text(GTK_LABEL(self->percent_label), p1);
        gtk_stack_set_visible_child_name(GTK_STACK(self->percent_stack), "result");
        gtk_widget_remove_css_class(self->digit_label, "dim-label");
        gtk_stack_set_visible_child_name(GTK_STACK(self->verdict_stack), "digit");
        break;
    }
    case NN_VERDICT_UNSURE: {
        /* TRANSLATORS: an unsure verdict, first line: the most probable digit */
        g_autofree char *first = g_strdup_printf(_("Maybe a %d"), v->digit);
        /* TRANSLATORS: an unsure verdict, second line: the next most probable digit */
        g_autofree char *second = g_strdup_printf(_("— or a %d"), v->second);
        /* TRANSLATORS: the two digits of an unsure verdict with their probabilities */
        g_autofree char *numbers = g_strdup_printf(_("%d: %s · %d: %s"), v->digit, p1, v->second, p2);
        gtk_label_set_text(GTK_LABEL(self->unsure_label), first);
        gtk_label_set_text(GTK_LABEL(self->second_label), second);
        gtk_label_set_text(GTK_LABEL(self->unsure_numbers), numbers);
        gtk_label_set_text(GTK_LABEL(self->digit_label), "—");
        gtk_stack_set_visible_child_name(GTK_STACK(self->verdict_stack), "unsure");
        break;
    }
    case NN_VERDICT_NOT_DIGIT:
    default:
        gtk_label_set_text(GTK_LABEL(self->digit_label), "—");
        gtk_label_set_text(GTK_LABEL(self->not_digit_detail), v->too_small ? _("Too small to read: draw it larger")
                                                                            : _("It looks like none of the ten digits"));
        gtk_stack_set_visible_child_name(GTK_STACK(self->verdict_stack), "not-digit");
        break;
    }
    set_description(self, dl_verdict_describe(v));
}

void
dl_digit_view_set_result(DlDigitView *self, const float image[NN_IMAGE_PIXELS],
                         const float probs[NN_CLASSES], const NnVerdict *verdict)
{
    g_return_if_fail(DL_IS_DIGIT_VIEW(self));
    g_return_if_fail(image != NULL && probs != NULL && verdict != NULL);

    dl_probabilities_for_display(probs, self->probs);
    self->verdict = *verdict;
    self->verdict.digit = CLAMP(verdict->digit, 0, NN_CLASSES - 1);
    self->verdict.second = CLAMP(verdict->second, 0, NN_CLASSES - 1);
    self->verdict.p1 = self->probs[self->verdict.digit];
    self->verdict.p2 = self->probs[self->verdict.second];
    self->digit = self->verdict.digit;
    set_image(self, image);
    show_verdict(self);

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
    gtk_stack_set_visible_child_name(GTK_STACK(self->verdict_stack), "digit");
    gtk_widget_add_css_class(self->digit_label, "dim-label");

    set_bars_label(self, g_strdup(_("No prediction yet")));
    set_description(self, g_strdup(_("No prediction yet")));
    gtk_widget_queue_draw(self->bars_area);
}

int
dl_digit_view_get_digit(DlDigitView *self)
{
    g_return_val_if_fail(DL_IS_DIGIT_VIEW(self), -1);

    return self->digit;
}

gboolean
dl_digit_view_get_verdict(DlDigitView *self, NnVerdict *verdict)
{
    g_return_val_if_fail(DL_IS_DIGIT_VIEW(self), FALSE);

    if (self->digit < 0)
        return FALSE;
    if (verdict != NULL)
        *verdict = self->verdict;
    return TRUE;
}
