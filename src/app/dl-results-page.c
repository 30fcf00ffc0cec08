/* dl-results-page.c — the Results page; see dl-results-page.h. */
#include "dl-results-page.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "dl-confusion-view.h"
#include "dl-format.h"
#include "dl-gallery-model.h"
#include "dl-thumbnail.h"

/* From this width on, the gallery goes beside the matrix, else below it. */
#define WIDE_WIDTH 1100

struct _DlResultsPage {
    GtkWidget parent_instance;

    DlSession *session;
    DlEvaluation *evaluation;  /* shown */
    int gallery_row, gallery_col; /* the cell in the gallery; -1 -1: all mistakes */
    gboolean wide;
    guint layout_idle;
    gboolean gallery_dirty; /* a new evaluation came while the page was hidden */

    GtkStack *stack;
    AdwStatusPage *failed_page;
    GtkSpinner *loading_spinner;
    GtkLabel *loading_label;
    GtkBox *results_box;
    GtkSeparator *separator;
    GtkLabel *model_label;
    GtkSpinner *updating_spinner;
    GtkLabel *updating_label;
    DlConfusionView *confusion_view;
    GtkLabel *gallery_title;
    GtkLabel *gallery_count;
    GtkStack *gallery_stack;
    GtkGridView *grid_view;
    GtkLabel *empty_label;
};

G_DEFINE_FINAL_TYPE(DlResultsPage, dl_results_page, GTK_TYPE_WIDGET)

/* ---- the gallery --------------------------------------------------------------- */

static void
show_gallery(DlResultsPage *self, int row, int col)
{
    self->gallery_dirty = FALSE;
    self->gallery_row = row;
    self->gallery_col = col;
    gtk_widget_action_set_enabled(GTK_WIDGET(self), "results.show-mistakes", row >= 0);
    if (self->evaluation == NULL) {
        gtk_grid_view_set_model(self->grid_view, NULL);
        return;
    }

    g_autoptr(DlGalleryModel) model = row >= 0 ? dl_gallery_model_new_cell(self->evaluation, row, col)
                                               : dl_gallery_model_new_mistakes(self->evaluation);
    guint n = g_list_model_get_n_items(G_LIST_MODEL(model));
    g_autofree char *title = NULL, *empty = NULL;
    if (row < 0) {
        title = g_strdup(_("All mistakes, the most confident first"));
        empty = g_strdup(_("No mistakes: the model reads every test image correctly."));
    } else {
        /* TRANSLATORS: the gallery of one cell of the confusion matrix */
        title = g_strdup_printf(_("Labelled %d, read as %d"), row, col);
        empty = g_strdup_printf(_("No test image labelled %d was read as %d."), row, col);
    }
    /* TRANSLATORS: the number of images in the gallery */
    g_autofree char *number = dl_format_count(n);
    g_autofree char *count = g_strdup_printf(g_dngettext(NULL, "%s image", "%s images", n), number);
    gtk_label_set_text(self->gallery_title, title);
    gtk_label_set_text(self->gallery_count, count);
    gtk_label_set_text(self->empty_label, empty);
    gtk_stack_set_visible_child_name(self->gallery_stack, n > 0 ? "grid" : "empty");

    g_autoptr(GtkNoSelection) selection = gtk_no_selection_new(G_LIST_MODEL(g_steal_pointer(&model)));
    gtk_grid_view_set_model(self->grid_view, GTK_SELECTION_MODEL(selection));
}

static void
on_cell_activated(DlResultsPage *self, int row, int col, DlConfusionView *view)
{
    show_gallery(self, row, col);
}

static void
show_mistakes_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    show_gallery(DL_RESULTS_PAGE(widget), -1, -1);
}

static void
on_image_activated(DlResultsPage *self, guint position, GtkGridView *view)
{
    GListModel *model = G_LIST_MODEL(gtk_grid_view_get_model(view));
    g_autoptr(DlTestImage) image = model != NULL ? g_list_model_get_item(model, position) : NULL;

    if (image == NULL || self->session == NULL || dl_session_get_test_set(self->session) == NULL)
        return;
    dl_session_set_input_test_image(self->session, (int)dl_test_image_get_index(image));
    gtk_widget_activate_action(GTK_WIDGET(self), "win.show-prediction", NULL);
}

/* ---- the session ----------------------------------------------------------------- */

static void
update(DlResultsPage *self)
{
    DlEvaluation *evaluation = dl_session_get_evaluation(self->session);
    gboolean evaluating = dl_session_get_evaluating(self->session);
    const char *page = "results";

    if (evaluation != self->evaluation) {
        g_clear_pointer(&self->evaluation, dl_evaluation_unref);
        self->evaluation = evaluation != NULL ? dl_evaluation_ref(evaluation) : NULL;
        dl_confusion_view_set_evaluation(self->confusion_view, evaluation);
        /* The same cell, new images. Not while hidden: a gallery of
         * thousands of images (the mistakes of a model early in training)
         * takes the list view a good part of a second to take in. */
        if (gtk_widget_get_mapped(GTK_WIDGET(self)))
            show_gallery(self, self->gallery_row, self->gallery_col);
        else
            self->gallery_dirty = TRUE;
    }

    if (evaluation == NULL) {
        switch (dl_session_get_test_set_state(self->session)) {
        case DL_TEST_SET_MISSING:
            page = "missing";
            break;
        case DL_TEST_SET_FAILED:
            page = "failed";
            adw_status_page_set_description(self->failed_page, dl_session_get_test_set_error(self->session));
            break;
        case DL_TEST_SET_LOADING:
            page = "loading";
            gtk_label_set_text(self->loading_label, _("Loading the test images…"));
            break;
        case DL_TEST_SET_READY:
        default:
            if (!dl_session_has_model(self->session)) {
                page = "no-model";
            } else {
                page = "loading";
                g_autofree char *count = dl_format_count(dl_test_set_get_count(dl_session_get_test_set(self->session)));
                g_autofree char *text = g_strdup_printf(_("Testing the model on %s images…"), count);
                gtk_label_set_text(self->loading_label, text);
            }
            break;
        }
    } else {
        /* TRANSLATORS: the model whose results are shown, e.g. "Bundled model" */
        g_autofree char *text = g_strdup_printf(_("Results of: %s"), dl_session_get_evaluation_model(self->session));
        gtk_label_set_text(self->model_label, text);
    }
    gtk_spinner_set_spinning(self->loading_spinner, g_str_equal(page, "loading"));
    gtk_widget_set_visible(GTK_WIDGET(self->updating_spinner), evaluating && evaluation != NULL);
    gtk_widget_set_visible(GTK_WIDGET(self->updating_label), evaluating && evaluation != NULL);
    gtk_spinner_set_spinning(self->updating_spinner, evaluating && evaluation != NULL);
    gtk_stack_set_visible_child_name(self->stack, page);
}

void
dl_results_page_set_session(DlResultsPage *self, DlSession *session)
{
    g_return_if_fail(DL_IS_RESULTS_PAGE(self));
    g_return_if_fail(DL_IS_SESSION(session));
    g_return_if_fail(self->session == NULL);

    self->session = g_object_ref(session);
    const char *signals[] = { "notify::evaluation", "notify::evaluating", "notify::test-set-state",
                              "notify::has-model" };
    for (guint i = 0; i < G_N_ELEMENTS(signals); i++)
        g_signal_connect_object(session, signals[i], G_CALLBACK(update), self, G_CONNECT_SWAPPED);
    update(self);
}

/* ---- layout ---------------------------------------------------------------------- */

static void
apply_layout(DlResultsPage *self)
{
    GtkOrientation orientation = self->wide ? GTK_ORIENTATION_HORIZONTAL : GTK_ORIENTATION_VERTICAL;

    gtk_orientable_set_orientation(GTK_ORIENTABLE(self->results_box), orientation);
    gtk_orientable_set_orientation(GTK_ORIENTABLE(self->separator),
                                   self->wide ? GTK_ORIENTATION_VERTICAL : GTK_ORIENTATION_HORIZONTAL);
}

static gboolean
layout_idle(gpointer data)
{
    DlResultsPage *self = data;

    self->layout_idle = 0;
    apply_layout(self);
    return G_SOURCE_REMOVE;
}

/* No layout manager: a widget with one never gets size_allocate, and this
 * one needs its width to choose its layout. */
static void
dl_results_page_measure(GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum, int *natural,
                        int *minimum_baseline, int *natural_baseline)
{
    gtk_widget_measure(GTK_WIDGET(DL_RESULTS_PAGE(widget)->stack), orientation, for_size, minimum, natural,
                       minimum_baseline, natural_baseline);
}

static void
dl_results_page_size_allocate(GtkWidget *widget, int width, int height, int baseline)
{
    DlResultsPage *self = DL_RESULTS_PAGE(widget);

    gtk_widget_allocate(GTK_WIDGET(self->stack), width, height, baseline, NULL);

    /* Changing the layout while allocating is not allowed: do it right after. */
    gboolean wide = width >= WIDE_WIDTH;
    if (wide != self->wide) {
        self->wide = wide;
        if (self->layout_idle == 0)
            self->layout_idle = g_idle_add_full(G_PRIORITY_HIGH_IDLE, layout_idle, self, NULL);
    }
}

static void
dl_results_page_map(GtkWidget *widget)
{
    DlResultsPage *self = DL_RESULTS_PAGE(widget);

    GTK_WIDGET_CLASS(dl_results_page_parent_class)->map(widget);
    if (self->gallery_dirty)
        show_gallery(self, self->gallery_row, self->gallery_col);
}

/* ---- GObject ------------------------------------------------------------------------ */

static void
dl_results_page_dispose(GObject *object)
{
    DlResultsPage *self = DL_RESULTS_PAGE(object);

    g_clear_handle_id(&self->layout_idle, g_source_remove);
    gtk_widget_dispose_template(GTK_WIDGET(self), DL_TYPE_RESULTS_PAGE);
    GtkWidget *child;
    while ((child = gtk_widget_get_first_child(GTK_WIDGET(self))) != NULL)
        gtk_widget_unparent(child);
    g_clear_object(&self->session);
    g_clear_pointer(&self->evaluation, dl_evaluation_unref);

    G_OBJECT_CLASS(dl_results_page_parent_class)->dispose(object);
}

static void
dl_results_page_class_init(DlResultsPageClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    object_class->dispose = dl_results_page_dispose;
    widget_class->measure = dl_results_page_measure;
    widget_class->size_allocate = dl_results_page_size_allocate;
    widget_class->map = dl_results_page_map;

    g_type_ensure(DL_TYPE_CONFUSION_VIEW);
    g_type_ensure(DL_TYPE_THUMBNAIL);

    gtk_widget_class_set_css_name(widget_class, "results-page");
    gtk_widget_class_set_template_from_resource(widget_class, DL_RESOURCE_PATH "/ui/dl-results-page.ui");
    gtk_widget_class_bind_template_child(widget_class, DlResultsPage, stack);
    gtk_widget_class_bind_template_child(widget_class, DlResultsPage, failed_page);
    gtk_widget_class_bind_template_child(widget_class, DlResultsPage, loading_spinner);
    gtk_widget_class_bind_template_child(widget_class, DlResultsPage, loading_label);
    gtk_widget_class_bind_template_child(widget_class, DlResultsPage, results_box);
    gtk_widget_class_bind_template_child(widget_class, DlResultsPage, separator);
    gtk_widget_class_bind_template_child(widget_class, DlResultsPage, model_label);
    gtk_widget_class_bind_template_child(widget_class, DlResultsPage, updating_spinner);
    gtk_widget_class_bind_template_child(widget_class, DlResultsPage, updating_label);
    gtk_widget_class_bind_template_child(widget_class, DlResultsPage, confusion_view);
    gtk_widget_class_bind_template_child(widget_class, DlResultsPage, gallery_title);
    gtk_widget_class_bind_template_child(widget_class, DlResultsPage, gallery_count);
    gtk_widget_class_bind_template_child(widget_class, DlResultsPage, gallery_stack);
    gtk_widget_class_bind_template_child(widget_class, DlResultsPage, grid_view);
    gtk_widget_class_bind_template_child(widget_class, DlResultsPage, empty_label);

    gtk_widget_class_install_action(widget_class, "results.show-mistakes", NULL, show_mistakes_action);
}

static void
dl_results_page_init(DlResultsPage *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));

    self->gallery_row = self->gallery_col = -1;
    g_autoptr(GtkListItemFactory) factory =
        gtk_builder_list_item_factory_new_from_resource(NULL, DL_RESOURCE_PATH "/ui/dl-gallery-item.ui");
    gtk_grid_view_set_factory(self->grid_view, factory);
    g_signal_connect_swapped(self->grid_view, "activate", G_CALLBACK(on_image_activated), self);
    g_signal_connect_swapped(self->confusion_view, "cell-activated", G_CALLBACK(on_cell_activated), self);
    gtk_widget_action_set_enabled(GTK_WIDGET(self), "results.show-mistakes", FALSE);
    apply_layout(self);
}
