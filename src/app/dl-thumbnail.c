/* dl-thumbnail.c — a test image in a gallery; see dl-thumbnail.h. */
#include "dl-thumbnail.h"

#include <glib/gi18n.h>

#include "dl-draw.h"
#include "dl-types.h"
#include "dl-verdict-text.h"

struct _DlThumbnail {
    GtkWidget parent_instance;

    DlTestImage *image;

    GtkDrawingArea *image_area;
    GtkLabel *digits_label;
    GtkProgressBar *bar;
};

G_DEFINE_FINAL_TYPE(DlThumbnail, dl_thumbnail, GTK_TYPE_WIDGET)

enum {
    PROP_0,
    PROP_IMAGE,
    N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
draw_image(GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer user_data)
{
    DlThumbnail *self = user_data;

    if (self->image == NULL)
        return;
    const guint8 *pixels = dl_test_image_get_pixels(self->image);
    dl_draw_digit_image(cr, width, height, pixels);
}

void
dl_thumbnail_set_image(DlThumbnail *self, DlTestImage *image)
{
    g_return_if_fail(DL_IS_THUMBNAIL(self));
    g_return_if_fail(image == NULL || DL_IS_TEST_IMAGE(image));

    if (!g_set_object(&self->image, image))
        return;
    gtk_widget_queue_draw(GTK_WIDGET(self->image_area));
    if (image == NULL) {
        gtk_label_set_text(self->digits_label, "");
        gtk_progress_bar_set_fraction(self->bar, 0);
        gtk_widget_set_tooltip_text(GTK_WIDGET(self), NULL);
        gtk_accessible_reset_property(GTK_ACCESSIBLE(self), GTK_ACCESSIBLE_PROPERTY_LABEL);
        g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_IMAGE]);
        return;
    }

    int label = dl_test_image_get_label(image), read = dl_test_image_get_predicted(image);
    float confidence = dl_test_image_get_confidence(image);
    g_autofree char *markup = label == read ? g_strdup_printf("%d → %d", label, read)
                                            : g_strdup_printf("%d → <span weight='bold'>%d</span>", label, read);
    gtk_label_set_markup(self->digits_label, markup);
    if (label == read)
        gtk_widget_remove_css_class(GTK_WIDGET(self->digits_label), "error");
    else
        gtk_widget_add_css_class(GTK_WIDGET(self->digits_label), "error");
    gtk_progress_bar_set_fraction(self->bar, CLAMP(confidence, 0.0f, 1.0f));

    g_autofree char *name = dl_test_image_describe(dl_test_image_get_index(image), label);
    g_autofree char *p = dl_format_probability(confidence);
    /* TRANSLATORS: a gallery image: "MNIST test image #12, labelled 4", the digit read and its probability
     * ("98 %", "> 99 %") */
    g_autofree char *text = g_strdup_printf(_("%s, read as %d (%s)"), name, read, p);
    gtk_widget_set_tooltip_text(GTK_WIDGET(self), text);
    gtk_accessible_update_property(GTK_ACCESSIBLE(self), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
    g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_IMAGE]);
}

DlTestImage *
dl_thumbnail_get_image(DlThumbnail *self)
{
    g_return_val_if_fail(DL_IS_THUMBNAIL(self), NULL);

    return self->image;
}

static void
dl_thumbnail_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
    switch (prop_id) {
    case PROP_IMAGE:
        g_value_set_object(value, DL_THUMBNAIL(object)->image);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void
dl_thumbnail_set_property(GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
    switch (prop_id) {
    case PROP_IMAGE:
        dl_thumbnail_set_image(DL_THUMBNAIL(object), g_value_get_object(value));
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void
dl_thumbnail_dispose(GObject *object)
{
    DlThumbnail *self = DL_THUMBNAIL(object);

    gtk_widget_dispose_template(GTK_WIDGET(self), DL_TYPE_THUMBNAIL);
    GtkWidget *child;
    while ((child = gtk_widget_get_first_child(GTK_WIDGET(self))) != NULL)
        gtk_widget_unparent(child);
    g_clear_object(&self->image);
    G_OBJECT_CLASS(dl_thumbnail_parent_class)->dispose(object);
}

static void
dl_thumbnail_class_init(DlThumbnailClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    object_class->dispose = dl_thumbnail_dispose;
    object_class->get_property = dl_thumbnail_get_property;
    object_class->set_property = dl_thumbnail_set_property;

    properties[PROP_IMAGE] = g_param_spec_object("image", NULL, NULL, DL_TYPE_TEST_IMAGE,
                                                 G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
    g_object_class_install_properties(object_class, N_PROPS, properties);

    gtk_widget_class_set_layout_manager_type(widget_class, GTK_TYPE_BIN_LAYOUT);
    gtk_widget_class_set_css_name(widget_class, "thumbnail");
    gtk_widget_class_set_accessible_role(widget_class, GTK_ACCESSIBLE_ROLE_IMG);
    gtk_widget_class_set_template_from_resource(widget_class, DL_RESOURCE_PATH "/ui/dl-thumbnail.ui");
    gtk_widget_class_bind_template_child(widget_class, DlThumbnail, image_area);
    gtk_widget_class_bind_template_child(widget_class, DlThumbnail, digits_label);
    gtk_widget_class_bind_template_child(widget_class, DlThumbnail, bar);
}

static void
dl_thumbnail_init(DlThumbnail *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    gtk_drawing_area_set_draw_func(self->image_area, draw_image, self, NULL);
}
