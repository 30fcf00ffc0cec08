/* dl-inside-page.c — the Inside page; see dl-inside-page.h. */
#include "dl-inside-page.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "dl-activation-style.h"
#include "dl-canvas.h"
#include "dl-feature-grid.h"
#include "dl-preprocess-strip.h"
#include "dl-test-image.h"
#include "dl-unit-strip.h"
#include "dl-verdict-text.h"
#include "evaluate.h"
#include "preprocess.h"

/* About how wide tiles are: a layer's maps, the input, the filters. */
#define MAP_TILE 48
#define INPUT_TILE 112
#define FILTER_TILE 36

/* One output of nn_model_trace() on the page. */
typedef struct {
    NnActivationKind kind;
    char name[16];
    int channels, height, width;
    GtkWidget *view;  /* DlFeatureGrid or DlUnitStrip */
    GtkLabel *range;  /* "0 to 3.52" */
} LayerRow;

struct _DlInsidePage {
    GtkWidget parent_instance;

    DlSession *session;
    GPtrArray *rows;          /* of LayerRow, in network order */
    gboolean network_scale;   /* white: the network's largest value, else each layer's */
    gboolean input_dirty, model_dirty;
    guint tick_id;
    gboolean has_input;
    char *description;

    GtkStack *stack;
    GtkLabel *title_label;
    GtkLabel *model_label;
    GtkDrawingArea *legend_area;
    GtkLabel *legend_label;
    GtkLabel *detail_label;
    GtkLabel *preprocess_title;
    DlPreprocessStrip *preprocess_strip;
    GtkLabel *empty_label;
    GtkWidget *layers_section;
    GtkBox *layers_box;
    GtkWidget *filters_section;
    GtkLabel *filters_title;
    GtkLabel *filters_epoch;
    GtkLabel *filters_legend;
    GtkBox *filters_box;
    DlFeatureGrid *filters;
};

G_DEFINE_FINAL_TYPE(DlInsidePage, dl_inside_page, GTK_TYPE_WIDGET)

enum {
    PROP_0,
    PROP_SCALE,
    N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void queue_update(DlInsidePage *self);

/* ---- words -------------------------------------------------------------------------------- */

static const char *
detail_hint(void)
{
    return _("Point at a tile, or Tab to a layer and use the arrow keys, to read its values.");
}

static void
set_description(DlInsidePage *self, const char *text)
{
    g_autofree char *full = g_strdup_printf(_("Inside: %s"), text);

    if (g_strcmp0(full, self->description) == 0)
        return;
    g_free(self->description);
    self->description = g_steal_pointer(&full);
    gtk_accessible_update_property(GTK_ACCESSIBLE(self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, self->description, -1);
}

/* The layer's title and what it does, in words. */
static void
describe_layer(const NnActivation *a, gboolean batch_norm, char **title, char **subtitle)
{
    int n = 0;

    switch (a->kind) {
    case NN_ACT_INPUT:
        *title = g_strdup_printf(_("The input: %d × %d pixels"), a->height, a->width);
        *subtitle = g_strdup(_("What the network is given: ink is 1 (white), paper 0 (black)"));
        break;
    case NN_ACT_CONV:
        sscanf(a->name, "conv%d", &n);
        *title = g_strdup_printf(g_dngettext(NULL, "Convolution %d: %d map of %d × %d",
                                             "Convolution %d: %d maps of %d × %d", a->channels),
                                 n, a->channels, a->height, a->width);
        *subtitle = g_strdup(batch_norm ? _("Each map is one 3 × 3 filter slid over the maps above, then batch "
                                            "normalisation and ReLU (negative values become 0)")
                                        : _("Each map is one 3 × 3 filter slid over the maps above, plus a bias, "
                                            "then ReLU (negative values become 0)"));
        break;
    case NN_ACT_POOL:
        sscanf(a->name, "pool%d", &n);
        *title = g_strdup_printf(g_dngettext(NULL, "Max-pooling %d: %d map of %d × %d",
                                             "Max-pooling %d: %d maps of %d × %d", a->channels),
                                 n, a->channels, a->height, a->width);
        *subtitle = g_strdup(_("The maps above at half the size: each pixel is the largest of 2 × 2"));
        break;
    case NN_ACT_DENSE:
        *title = g_strdup_printf(g_dngettext(NULL, "Dense layer: %d unit", "Dense layer: %d units", a->channels),
                                 a->channels);
        *subtitle = g_strdup(batch_norm ? _("Each unit weighs every pooled value, then batch normalisation and ReLU")
                                        : _("Each unit weighs every pooled value, plus a bias, then ReLU"));
        break;
    case NN_ACT_PROBS:
    default:
        *title = g_strdup(_("Output: the ten digits"));
        *subtitle = g_strdup(_("Softmax turns the last layer's values into probabilities that add up to 100 %"));
        break;
    }
}

/* ---- the detail line ---------------------------------------------------------------------- */

static void
on_tile_changed(DlInsidePage *self, int index, GtkWidget *view)
{
    g_autofree char *text = NULL;

    if (index >= 0)
        text = DL_IS_FEATURE_GRID(view) ? dl_feature_grid_describe_tile(DL_FEATURE_GRID(view), index)
                                        : dl_unit_strip_describe_unit(DL_UNIT_STRIP(view), index);
    gtk_label_set_text(self->detail_label, text != NULL ? text : detail_hint());
}

/* ---- the layers ------------------------------------------------------------------------------ */

static void
clear_rows(DlInsidePage *self)
{
    GtkWidget *child;

    while ((child = gtk_widget_get_first_child(GTK_WIDGET(self->layers_box))) != NULL)
        gtk_box_remove(self->layers_box, child);
    g_ptr_array_set_size(self->rows, 0);
}

static gboolean
rows_match(DlInsidePage *self, NnModel *model, int count)
{
    guint shown = 0;

    for (int i = 0; i < count; i++) {
        const NnActivation *a = nn_model_activation(model, i);
        if (a->kind == NN_ACT_LOGITS)
            continue;
        if (shown >= self->rows->len)
            return FALSE;
        LayerRow *row = g_ptr_array_index(self->rows, shown++);
        if (row->kind != a->kind || strcmp(row->name, a->name) != 0 || row->channels != a->channels ||
            row->height != a->height || row->width != a->width)
            return FALSE;
    }
    return shown == self->rows->len;
}

static void
build_rows(DlInsidePage *self, NnModel *model, int count)
{
    gboolean batch_norm = nn_model_config(model)->batch_norm;

    clear_rows(self);
    for (int i = 0; i < count; i++) {
        const NnActivation *a = nn_model_activation(model, i);
        if (a->kind == NN_ACT_LOGITS)
            continue; /* the outputs show their probabilities */
        LayerRow *row = g_new0(LayerRow, 1);
        row->kind = a->kind;
        g_strlcpy(row->name, a->name, sizeof row->name);
        row->channels = a->channels;
        row->height = a->height;
        row->width = a->width;

        g_autofree char *title = NULL, *subtitle = NULL;
        describe_layer(a, batch_norm, &title, &subtitle);
        GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 6);
        GtkWidget *header = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 12);
        GtkWidget *titles = gtk_box_new(GTK_ORIENTATION_VERTICAL, 0);
        GtkWidget *title_label = gtk_label_new(title);
        GtkWidget *subtitle_label = gtk_label_new(subtitle);
        gtk_label_set_xalign(GTK_LABEL(title_label), 0);
        gtk_label_set_wrap(GTK_LABEL(title_label), TRUE);
        gtk_widget_add_css_class(title_label, "caption-heading");
        gtk_label_set_xalign(GTK_LABEL(subtitle_label), 0);
        gtk_label_set_wrap(GTK_LABEL(subtitle_label), TRUE);
        gtk_widget_add_css_class(subtitle_label, "caption");
        gtk_widget_add_css_class(subtitle_label, "dim-label");
        gtk_widget_set_hexpand(titles, TRUE);
        gtk_box_append(GTK_BOX(titles), title_label);
        gtk_box_append(GTK_BOX(titles), subtitle_label);
        row->range = GTK_LABEL(gtk_label_new(NULL));
        gtk_widget_add_css_class(GTK_WIDGET(row->range), "caption");
        gtk_widget_add_css_class(GTK_WIDGET(row->range), "numeric");
        gtk_widget_add_css_class(GTK_WIDGET(row->range), "dim-label");
        gtk_widget_set_valign(GTK_WIDGET(row->range), GTK_ALIGN_START);
        gtk_box_append(GTK_BOX(header), titles);
        gtk_box_append(GTK_BOX(header), GTK_WIDGET(row->range));
        gtk_box_append(GTK_BOX(box), header);

        if (a->kind == NN_ACT_DENSE || a->kind == NN_ACT_PROBS) {
            row->view = dl_unit_strip_new(a->kind == NN_ACT_PROBS ? DL_UNIT_STRIP_OUTPUTS : DL_UNIT_STRIP_UNITS);
            g_signal_connect_swapped(row->view, "unit-changed", G_CALLBACK(on_tile_changed), self);
            gtk_widget_set_halign(row->view, a->kind == NN_ACT_PROBS ? GTK_ALIGN_START : GTK_ALIGN_FILL);
        } else {
            row->view = dl_feature_grid_new(DL_FEATURE_GRID_MAPS);
            dl_feature_grid_set_tile_size(DL_FEATURE_GRID(row->view), a->kind == NN_ACT_INPUT ? INPUT_TILE : MAP_TILE);
            g_signal_connect_swapped(row->view, "tile-changed", G_CALLBACK(on_tile_changed), self);
        }
        gtk_accessible_update_relation(GTK_ACCESSIBLE(row->view), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                       title_label, NULL, -1);
        gtk_box_append(GTK_BOX(box), row->view);
        gtk_box_append(self->layers_box, box);
        g_ptr_array_add(self->rows, row);
    }
}

/* Grey levels and the legend: black is 0, white each layer's largest value
 * or the network's. */
static void
apply_scale(DlInsidePage *self)
{
    float network = 0.0f;

    for (guint i = 0; i < self->rows->len; i++) {
        LayerRow *row = g_ptr_array_index(self->rows, i);
        float max = 0.0f;
        if (row->kind == NN_ACT_CONV || row->kind == NN_ACT_POOL)
            dl_feature_grid_get_extremes(DL_FEATURE_GRID(row->view), NULL, &max);
        else if (row->kind == NN_ACT_DENSE)
            dl_unit_strip_get_extremes(DL_UNIT_STRIP(row->view), NULL, &max);
        network = MAX(network, max);
    }
    for (guint i = 0; i < self->rows->len; i++) {
        LayerRow *row = g_ptr_array_index(self->rows, i);
        float min = 0.0f, max = 0.0f;
        if (DL_IS_FEATURE_GRID(row->view))
            dl_feature_grid_get_extremes(DL_FEATURE_GRID(row->view), &min, &max);
        else
            dl_unit_strip_get_extremes(DL_UNIT_STRIP(row->view), &min, &max);
        float lo = MIN(min, 0.0f), hi = self->network_scale ? network : max;
        g_autofree char *lo_text = dl_activation_format_value(min), *hi_text = dl_activation_format_value(max);
        g_autofree char *range = NULL;
        switch (row->kind) {
        case NN_ACT_INPUT:
            dl_feature_grid_set_range(DL_FEATURE_GRID(row->view), 0.0f, 1.0f);
            range = g_strdup(_("0 (black) to 1 (white)"));
            break;
        case NN_ACT_PROBS:
            range = g_strdup(_("0 (black) to 100 % (white)"));
            break;
        case NN_ACT_DENSE:
            dl_unit_strip_set_range(DL_UNIT_STRIP(row->view), lo, hi);
            /* TRANSLATORS: the values of a layer, e.g. "values 0 to 3.52" */
            range = g_strdup_printf(_("values %s to %s"), lo_text, hi_text);
            break;
        default:
            dl_feature_grid_set_range(DL_FEATURE_GRID(row->view), lo, hi);
            range = g_strdup_printf(_("values %s to %s"), lo_text, hi_text);
            break;
        }
        gtk_label_set_text(row->range, range);
    }

    g_autofree char *network_text = dl_activation_format_value(network);
    g_autofree char *legend = NULL;
    if (self->network_scale)
        legend = g_strdup_printf(_("Black is 0, a silent unit. White is %s, the largest value anywhere in the "
                                   "network: one scale for every layer, so layers can be compared. The input and "
                                   "the outputs go from 0 to 1."),
                                 network_text);
    else
        legend = g_strdup(_("Black is 0, a silent unit. White is the largest value in each layer (given beside "
                            "it), so every layer shows its pattern. The input and the outputs go from 0 to 1."));
    gtk_label_set_text(self->legend_label, legend);
}

static void
draw_legend(GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer user_data)
{
    GdkRGBA fg, accent;
    cairo_pattern_t *gradient = cairo_pattern_create_linear(0, 0, width, 0);

    dl_activation_style_colors(GTK_WIDGET(area), &fg, &accent);
    cairo_pattern_add_color_stop_rgb(gradient, 0, 0, 0, 0);
    cairo_pattern_add_color_stop_rgb(gradient, 1, 1, 1, 1);
    cairo_rectangle(cr, 0.5, 0.5, width - 1, height - 1);
    cairo_set_source(cr, gradient);
    cairo_fill_preserve(cr);
    cairo_set_source_rgba(cr, fg.red, fg.green, fg.blue, 0.3);
    cairo_set_line_width(cr, 1);
    cairo_stroke(cr);
    cairo_pattern_destroy(gradient);
}

/* ---- the first layer's filters ---------------------------------------------------------------- */

static void
update_filters(DlInsidePage *self, NnModel *model)
{
    const NnTensor *t = nn_model_find_tensor(model, "conv1.weight");

    if (t == NULL || t->ndim != 4) {
        gtk_widget_set_visible(self->filters_section, FALSE);
        return;
    }
    int filters = t->dims[0] * t->dims[1], kh = t->dims[2], kw = t->dims[3];
    /* Labelled by the section's title. */
    dl_feature_grid_set_maps(self->filters, "conv1", NULL, filters, kh, kw, t->data);
    float min, max;
    dl_feature_grid_get_extremes(self->filters, &min, &max);
    float m = MAX(MAX(-min, max), 1e-6f);
    dl_feature_grid_set_range(self->filters, -m, m);

    g_autofree char *title = g_strdup_printf(g_dngettext(NULL, "The First Layer’s Filter: %d of %d × %d",
                                                         "The First Layer’s Filters: %d of %d × %d", filters),
                                             filters, kh, kw);
    g_autofree char *lo = dl_activation_format_value(min), *hi = dl_activation_format_value(max);
    g_autofree char *legend = g_strdup_printf(
        _("The patterns the first convolution looks for, one per map of Convolution 1: a map is bright where the "
          "input looks like its filter's white part. Mid-grey is a weight of 0, white the most positive weight "
          "(%s), black the most negative (%s). They change after every epoch while a model trains."),
        hi, lo);
    g_autofree char *epoch = g_strdup_printf(_("Model of epoch %d"), nn_model_epochs_done(model));
    gtk_label_set_text(self->filters_title, title);
    gtk_label_set_text(self->filters_legend, legend);
    gtk_label_set_text(self->filters_epoch, epoch);
    gtk_widget_set_visible(self->filters_section, TRUE);
}

/* ---- the input ---------------------------------------------------------------------------------- */

/* The steps and the name of the session's input; FALSE: nothing drawn. */
static gboolean
prepare_input(DlInsidePage *self, NnPreprocessSteps *steps, char **name, GError **error)
{
    NnError err = { 0 };
    NnStatus status;

    if (dl_session_get_input_kind(self->session) == DL_INPUT_TEST_IMAGE) {
        DlTestSet *test_set = dl_session_get_test_set(self->session);
        int index = dl_session_get_input_index(self->session);
        float image[NN_IMAGE_PIXELS];
        dl_test_set_get_image(test_set, index, image);
        *name = dl_test_image_describe((guint)index, dl_test_set_get_label(test_set, index));
        status = nn_ink_to_image_steps(image, NN_IMAGE_SIDE, NN_IMAGE_SIDE, steps, &err);
        if (status == NN_ERR_EMPTY) { /* a blank test image: the network gets it as it is */
            memset(steps, 0, sizeof *steps);
            memcpy(steps->image, image, sizeof image);
            return TRUE;
        }
    } else {
        size_t n_strokes;
        const NnStroke *strokes = dl_stroke_set_as_nn_strokes(dl_session_get_drawing(self->session), &n_strokes);
        const float frame[4] = { 0.0f, 0.0f, DL_CANVAS_SIZE, DL_CANVAS_SIZE };
        *name = g_strdup(_("your drawing"));
        status = nn_strokes_to_image_steps(strokes, n_strokes, frame, steps, &err);
        if (status == NN_ERR_EMPTY)
            return FALSE;
    }
    if (status != NN_OK) {
        g_set_error(error, DL_RECOGNIZER_ERROR, DL_RECOGNIZER_ERROR_ENGINE, "%s", err.message);
        return FALSE;
    }
    return TRUE;
}

static void
update_now(DlInsidePage *self)
{
    NnModel *model = dl_recognizer_get_model(dl_session_get_recognizer(self->session));

    if (model == NULL) {
        gtk_stack_set_visible_child_name(self->stack, "no-model");
        set_description(self, _("no model"));
        clear_rows(self);
        self->input_dirty = self->model_dirty = FALSE;
        return;
    }
    gtk_stack_set_visible_child_name(self->stack, "inside");
    if (self->model_dirty) {
        update_filters(self, model);
        g_autofree char *sentence = NULL;
        dl_session_describe_model(self->session, &sentence, NULL);
        gtk_label_set_text(self->model_label, sentence);
    }
    self->input_dirty = self->model_dirty = FALSE;

    NnPreprocessSteps steps = { 0 };
    g_autofree char *name = NULL;
    g_autoptr(GError) error = NULL;
    gboolean test_image = dl_session_get_input_kind(self->session) == DL_INPUT_TEST_IMAGE;
    self->has_input = prepare_input(self, &steps, &name, &error);
    int count = 0;
    NnError err = { 0 };
    if (self->has_input && nn_model_trace(model, steps.image, &count, &err) != NN_OK) {
        g_set_error(&error, DL_RECOGNIZER_ERROR, DL_RECOGNIZER_ERROR_ENGINE, "%s", err.message);
        self->has_input = FALSE;
    }
    gtk_widget_set_visible(self->layers_section, self->has_input);
    gtk_widget_set_visible(GTK_WIDGET(self->empty_label), !self->has_input);
    if (!self->has_input) {
        nn_preprocess_steps_clear(&steps);
        dl_preprocess_strip_set_steps(self->preprocess_strip, NULL, FALSE);
        if (error != NULL) {
            g_autofree char *text = g_strdup_printf(_("Could not look inside the network: %s"), error->message);
            gtk_label_set_text(self->title_label, text);
            set_description(self, text);
        } else {
            gtk_label_set_text(self->title_label, _("Your drawing: nothing drawn yet"));
            set_description(self, _("your drawing, nothing drawn yet"));
        }
        return;
    }
    dl_preprocess_strip_set_steps(self->preprocess_strip, steps.raw != NULL ? &steps : NULL, test_image);
    gtk_label_set_text(self->preprocess_title,
                       test_image ? _("From the Test Image to the Input") : _("From the Drawing to the Input"));
    nn_preprocess_steps_clear(&steps);

    if (!rows_match(self, model, count))
        build_rows(self, model, count);
    int digit = 0;
    float probability = 0.0f;
    for (int i = 0, shown = 0; i < count; i++) {
        const NnActivation *a = nn_model_activation(model, i);
        if (a->kind == NN_ACT_LOGITS)
            continue;
        LayerRow *row = g_ptr_array_index(self->rows, shown++);
        if (DL_IS_FEATURE_GRID(row->view))
            dl_feature_grid_set_maps(DL_FEATURE_GRID(row->view), a->name, NULL, a->channels, a->height, a->width,
                                     a->data);
        else
            dl_unit_strip_set_units(DL_UNIT_STRIP(row->view), a->name, NULL, a->channels, a->data);
        if (a->kind == NN_ACT_PROBS) {
            digit = nn_argmax(a->data, a->channels);
            probability = a->data[digit];
        }
    }
    apply_scale(self);

    /* "> 99 %" rather than a rounded "100 %", as the prediction says */
    g_autofree char *p = dl_format_probability(probability);
    /* TRANSLATORS: what the Inside page shows: "MNIST test image #12, labelled 4, read as 4 (98 %)" */
    g_autofree char *text = g_strdup_printf(_("%s, read as %d (%s)"), name, digit, p);
    g_autofree char *title = test_image ? g_strdup(text)
                                        /* TRANSLATORS: the title of the Inside page for the drawing */
                                        : g_strdup_printf(_("Your drawing, read as %d (%s)"), digit, p);
    gtk_label_set_text(self->title_label, title);
    set_description(self, text);
}

/* ---- when to update ------------------------------------------------------------------------------ */

static gboolean
update_tick(GtkWidget *widget, GdkFrameClock *clock, gpointer user_data)
{
    DlInsidePage *self = DL_INSIDE_PAGE(widget);

    self->tick_id = 0;
    if (gtk_widget_get_mapped(widget))
        update_now(self);
    return G_SOURCE_REMOVE;
}

/* At the next frame while the page is shown, else when it is shown again. */
static void
queue_update(DlInsidePage *self)
{
    if (self->session == NULL || self->tick_id != 0 || !gtk_widget_get_mapped(GTK_WIDGET(self)))
        return;
    self->tick_id = gtk_widget_add_tick_callback(GTK_WIDGET(self), update_tick, NULL, NULL);
}

static void
on_input_changed(DlInsidePage *self)
{
    self->input_dirty = TRUE;
    queue_update(self);
}

static void
on_drawing_changed(DlInsidePage *self)
{
    if (dl_session_get_input_kind(self->session) == DL_INPUT_DRAWING)
        on_input_changed(self);
}

static void
on_model_changed(DlInsidePage *self)
{
    self->model_dirty = TRUE;
    queue_update(self);
}

static void
dl_inside_page_map(GtkWidget *widget)
{
    DlInsidePage *self = DL_INSIDE_PAGE(widget);

    GTK_WIDGET_CLASS(dl_inside_page_parent_class)->map(widget);
    if (self->input_dirty || self->model_dirty)
        queue_update(self);
}

static void
dl_inside_page_unmap(GtkWidget *widget)
{
    DlInsidePage *self = DL_INSIDE_PAGE(widget);

    if (self->tick_id != 0) {
        gtk_widget_remove_tick_callback(widget, self->tick_id);
        self->tick_id = 0;
    }
    GTK_WIDGET_CLASS(dl_inside_page_parent_class)->unmap(widget);
}

void
dl_inside_page_set_session(DlInsidePage *self, DlSession *session)
{
    g_return_if_fail(DL_IS_INSIDE_PAGE(self));
    g_return_if_fail(DL_IS_SESSION(session));
    g_return_if_fail(self->session == NULL);

    self->session = g_object_ref(session);
    g_signal_connect_object(session, "model-changed", G_CALLBACK(on_model_changed), self, G_CONNECT_SWAPPED);
    g_signal_connect_object(session, "input-changed", G_CALLBACK(on_input_changed), self, G_CONNECT_SWAPPED);
    g_signal_connect_object(session, "drawing-changed", G_CALLBACK(on_drawing_changed), self, G_CONNECT_SWAPPED);
    self->input_dirty = self->model_dirty = TRUE;
    queue_update(self);
}

/* ---- the scale ------------------------------------------------------------------------------------ */

static void
set_network_scale(DlInsidePage *self, gboolean network)
{
    if (network == self->network_scale)
        return;
    self->network_scale = network;
    apply_scale(self);
    g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_SCALE]);
}

static void
dl_inside_page_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
    DlInsidePage *self = DL_INSIDE_PAGE(object);

    switch (prop_id) {
    case PROP_SCALE:
        g_value_set_string(value, self->network_scale ? "network" : "layer");
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void
dl_inside_page_set_property(GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
    DlInsidePage *self = DL_INSIDE_PAGE(object);

    switch (prop_id) {
    case PROP_SCALE:
        set_network_scale(self, g_strcmp0(g_value_get_string(value), "network") == 0);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

/* ---- GObject -------------------------------------------------------------------------------------- */

static void
dl_inside_page_dispose(GObject *object)
{
    DlInsidePage *self = DL_INSIDE_PAGE(object);

    if (self->tick_id != 0) {
        gtk_widget_remove_tick_callback(GTK_WIDGET(self), self->tick_id);
        self->tick_id = 0;
    }
    g_clear_pointer(&self->rows, g_ptr_array_unref);
    gtk_widget_dispose_template(GTK_WIDGET(self), DL_TYPE_INSIDE_PAGE);
    GtkWidget *child;
    while ((child = gtk_widget_get_first_child(GTK_WIDGET(self))) != NULL)
        gtk_widget_unparent(child);
    g_clear_object(&self->session);

    G_OBJECT_CLASS(dl_inside_page_parent_class)->dispose(object);
}

static void
dl_inside_page_finalize(GObject *object)
{
    g_free(DL_INSIDE_PAGE(object)->description);
    G_OBJECT_CLASS(dl_inside_page_parent_class)->finalize(object);
}

static void
dl_inside_page_class_init(DlInsidePageClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    object_class->dispose = dl_inside_page_dispose;
    object_class->finalize = dl_inside_page_finalize;
    object_class->get_property = dl_inside_page_get_property;
    object_class->set_property = dl_inside_page_set_property;
    widget_class->map = dl_inside_page_map;
    widget_class->unmap = dl_inside_page_unmap;

    /* "layer" or "network": the value drawn white. */
    properties[PROP_SCALE] = g_param_spec_string("scale", NULL, NULL, "layer",
                                                 G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
    g_object_class_install_properties(object_class, N_PROPS, properties);

    g_type_ensure(DL_TYPE_PREPROCESS_STRIP);

    gtk_widget_class_set_layout_manager_type(widget_class, GTK_TYPE_BIN_LAYOUT);
    gtk_widget_class_set_css_name(widget_class, "inside-page");
    gtk_widget_class_set_accessible_role(widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
    gtk_widget_class_set_template_from_resource(widget_class, DL_RESOURCE_PATH "/ui/dl-inside-page.ui");
    gtk_widget_class_bind_template_child(widget_class, DlInsidePage, stack);
    gtk_widget_class_bind_template_child(widget_class, DlInsidePage, title_label);
    gtk_widget_class_bind_template_child(widget_class, DlInsidePage, model_label);
    gtk_widget_class_bind_template_child(widget_class, DlInsidePage, legend_area);
    gtk_widget_class_bind_template_child(widget_class, DlInsidePage, legend_label);
    gtk_widget_class_bind_template_child(widget_class, DlInsidePage, detail_label);
    gtk_widget_class_bind_template_child(widget_class, DlInsidePage, preprocess_title);
    gtk_widget_class_bind_template_child(widget_class, DlInsidePage, preprocess_strip);
    gtk_widget_class_bind_template_child(widget_class, DlInsidePage, empty_label);
    gtk_widget_class_bind_template_child(widget_class, DlInsidePage, layers_section);
    gtk_widget_class_bind_template_child(widget_class, DlInsidePage, layers_box);
    gtk_widget_class_bind_template_child(widget_class, DlInsidePage, filters_section);
    gtk_widget_class_bind_template_child(widget_class, DlInsidePage, filters_title);
    gtk_widget_class_bind_template_child(widget_class, DlInsidePage, filters_epoch);
    gtk_widget_class_bind_template_child(widget_class, DlInsidePage, filters_legend);
    gtk_widget_class_bind_template_child(widget_class, DlInsidePage, filters_box);

    gtk_widget_class_install_property_action(widget_class, "inside.scale", "scale");
}

static void
dl_inside_page_init(DlInsidePage *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));

    self->rows = g_ptr_array_new_with_free_func(g_free);
    self->filters = DL_FEATURE_GRID(dl_feature_grid_new(DL_FEATURE_GRID_FILTERS));
    dl_feature_grid_set_tile_size(self->filters, FILTER_TILE);
    g_signal_connect_swapped(self->filters, "tile-changed", G_CALLBACK(on_tile_changed), self);
    gtk_box_append(self->filters_box, GTK_WIDGET(self->filters));
    gtk_accessible_update_relation(GTK_ACCESSIBLE(self->filters), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                   self->filters_title, NULL, -1);
    gtk_drawing_area_set_draw_func(self->legend_area, draw_legend, NULL, NULL);
    gtk_label_set_text(self->detail_label, detail_hint());
    set_description(self, _("no model"));
}
