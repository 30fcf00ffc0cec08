/* dl-runs-page.c — the Runs page; see dl-runs-page.h. */
#include "dl-runs-page.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "dl-compare-view.h"
#include "dl-datadir.h"
#include "dl-draw.h"
#include "dl-run-row.h"
#include "dl-settings.h"
#include "dl-types.h"

#define DELETE_TOAST_SECONDS 8

struct _DlRunsPage {
    GtkWidget parent_instance;

    DlSession *session;
    GSettings *settings;
    GHashTable *rows;      /* run folder → DlRunRow (borrowed: the list box has them) */
    GHashTable *checked;   /* run folders checked for comparing */
    GHashTable *pending;   /* run folder → DlRun deleted, Undo still possible */
    guint reload_idle;
    GtkFileChooserNative *chooser;
    GCancellable *cancellable; /* of an import */

    GtkStack *stack;
    GtkLabel *hint_label;
    GtkButton *compare_button;
    GtkListBox *list_box;
    GtkLabel *problems_label;
    DlCompareView *compare_view;
};

G_DEFINE_FINAL_TYPE(DlRunsPage, dl_runs_page, GTK_TYPE_WIDGET)

static void reload(DlRunsPage *self);

/* ---- messages ------------------------------------------------------------------ */

static AdwToastOverlay *
toast_overlay(DlRunsPage *self)
{
    GtkWidget *overlay = gtk_widget_get_ancestor(GTK_WIDGET(self), ADW_TYPE_TOAST_OVERLAY);
    return overlay != NULL ? ADW_TOAST_OVERLAY(overlay) : NULL;
}

static void
toast(DlRunsPage *self, const char *message)
{
    AdwToastOverlay *overlay = toast_overlay(self);
    if (overlay == NULL)
        return; /* not in a window: nowhere to say it */
    AdwToast *t = adw_toast_new(message);
    adw_toast_set_timeout(t, 6);
    adw_toast_overlay_add_toast(overlay, t);
}

static void
error_dialog(DlRunsPage *self, const char *heading, const char *body)
{
    GtkWindow *window = GTK_WINDOW(gtk_widget_get_root(GTK_WIDGET(self)));
    AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG(adw_message_dialog_new(window, heading, body));
    adw_message_dialog_add_response(dialog, "close", _("_Close"));
    adw_message_dialog_set_default_response(dialog, "close");
    adw_message_dialog_set_close_response(dialog, "close");
    gtk_window_present(GTK_WINDOW(dialog));
}

/* The run in folder dir as it is on disk now, or NULL with a message. */
static DlRun *
fresh_run(DlRunsPage *self, const char *dir)
{
    g_autoptr(GError) error = NULL;
    DlRun *run = dl_run_load(dir, &error);
    if (run == NULL) {
        toast(self, error->message);
        reload(self);
    }
    return run;
}

/* ---- the list ------------------------------------------------------------------------ */

static int
count_checked(DlRunsPage *self)
{
    return (int)g_hash_table_size(self->checked);
}

static void
update_selection(DlRunsPage *self)
{
    int n = count_checked(self);
    gtk_widget_action_set_enabled(GTK_WIDGET(self), "runs.compare", n >= 2 && n <= DL_DRAW_MAX_RUNS);
    g_autofree char *hint = n == 0
        ? g_strdup(_("Select two to four runs to compare them."))
        : n == 1 ? g_strdup(_("1 run selected: select one more to compare."))
                 : g_strdup_printf(g_dngettext(NULL, "%d run selected.", "%d runs selected.", n), n);
    gtk_label_set_text(self->hint_label, hint);
    GHashTableIter iter;
    gpointer row;
    g_hash_table_iter_init(&iter, self->rows);
    while (g_hash_table_iter_next(&iter, NULL, &row))
        dl_run_row_set_checkable(row, n < DL_DRAW_MAX_RUNS);
}

static void
on_row_checked(DlRunsPage *self, GParamSpec *pspec, DlRunRow *row)
{
    const char *dir = dl_run_get_dir(dl_run_row_get_run(row));
    if (dl_run_row_get_checked(row))
        g_hash_table_add(self->checked, g_strdup(dir));
    else
        g_hash_table_remove(self->checked, dir);
    update_selection(self);
}

static int
sort_rows(GtkListBoxRow *a, GtkListBoxRow *b, gpointer data)
{
    DlRun *ra = dl_run_row_get_run(DL_RUN_ROW(a)), *rb = dl_run_row_get_run(DL_RUN_ROW(b));
    int c = g_date_time_compare(dl_run_get_started(rb), dl_run_get_started(ra));
    return c != 0 ? c : g_strcmp0(dl_run_get_dir(ra), dl_run_get_dir(rb));
}

static gboolean
is_current(DlRunsPage *self, DlRun *run)
{
    DlRun *current = self->session != NULL ? dl_session_get_run(self->session) : NULL;
    return current != NULL && g_strcmp0(dl_run_get_dir(current), dl_run_get_dir(run)) == 0;
}

/* A row is made anew only for a run that changed, so that a row's focus or
 * open menu survives the reloads of every epoch. */
static gboolean
row_differs(DlRunRow *row, DlRun *run)
{
    DlRun *old = dl_run_row_get_run(row);
    return g_strcmp0(dl_run_get_name(old), dl_run_get_name(run)) != 0
           || dl_run_get_status(old) != dl_run_get_status(run) || dl_run_get_live(old) != dl_run_get_live(run)
           || dl_run_get_epochs_done(old) != dl_run_get_epochs_done(run) || dl_run_has_model(old) != dl_run_has_model(run);
}

static void
reload(DlRunsPage *self)
{
    g_clear_handle_id(&self->reload_idle, g_source_remove);
    if (self->session == NULL)
        return;

    g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) runs = dl_run_list(dl_session_get_runs_root(self->session), problems);
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    guint shown = 0;
    for (guint i = 0; i < runs->len; i++) {
        DlRun *run = runs->pdata[i];
        const char *dir = dl_run_get_dir(run);
        DlRunRow *row = g_hash_table_lookup(self->rows, dir);
        g_hash_table_add(seen, (gpointer)dir);
        if (row != NULL && !row_differs(row, run)) {
            shown += gtk_widget_get_visible(GTK_WIDGET(row));
            continue;
        }
        if (row != NULL) {
            g_hash_table_remove(self->rows, dir);
            gtk_list_box_remove(self->list_box, GTK_WIDGET(row));
        }
        GtkWidget *widget = dl_run_row_new(run, is_current(self, run));
        row = DL_RUN_ROW(widget);
        dl_run_row_set_checked(row, g_hash_table_contains(self->checked, dir));
        g_signal_connect_object(row, "notify::checked", G_CALLBACK(on_row_checked), self, G_CONNECT_SWAPPED);
        gboolean visible = !g_hash_table_contains(self->pending, dir);
        gtk_widget_set_visible(widget, visible);
        shown += visible;
        g_hash_table_insert(self->rows, g_strdup(dl_run_get_dir(run)), row);
        gtk_list_box_append(self->list_box, widget);
    }
    /* Rows of runs gone from the disk go from the list. */
    GHashTableIter iter;
    gpointer dir, row;
    g_hash_table_iter_init(&iter, self->rows);
    while (g_hash_table_iter_next(&iter, &dir, &row)) {
        if (g_hash_table_contains(seen, dir))
            continue;
        g_hash_table_remove(self->checked, dir);
        gtk_list_box_remove(self->list_box, row);
        g_hash_table_iter_remove(&iter);
    }
    gtk_list_box_invalidate_sort(self->list_box);

    guint n_problems = problems->len;
    if (n_problems > 0) {
        g_ptr_array_add(problems, NULL);
        g_autofree char *all = g_strjoinv("\n", (char **)problems->pdata);
        /* TRANSLATORS: below the list of runs; %s is the first folder's problem */
        g_autofree char *text = g_strdup_printf(
            g_dngettext(NULL, "%u folder among the runs could not be read and is not shown. %s",
                        "%u folders among the runs could not be read and are not shown. %s", n_problems),
            n_problems, (const char *)problems->pdata[0]);
        gtk_label_set_text(self->problems_label, text);
        gtk_widget_set_tooltip_text(GTK_WIDGET(self->problems_label), all);
    }
    gtk_widget_set_visible(GTK_WIDGET(self->problems_label), n_problems > 0);
    if (g_strcmp0(gtk_stack_get_visible_child_name(self->stack), "compare") != 0)
        gtk_stack_set_visible_child_name(self->stack, shown > 0 || n_problems > 0 ? "list" : "empty");
    update_selection(self);
}

static gboolean
reload_idle(gpointer data)
{
    DlRunsPage *self = data;

    self->reload_idle = 0;
    reload(self);
    return G_SOURCE_REMOVE;
}

/* Runs changed: reloaded soon if shown, else once shown (map). */
static void
on_runs_changed(DlRunsPage *self)
{
    if (!gtk_widget_get_mapped(GTK_WIDGET(self)))
        return;
    if (self->reload_idle == 0)
        self->reload_idle = g_idle_add_full(G_PRIORITY_DEFAULT_IDLE, reload_idle, self, NULL);
}

static void
dl_runs_page_map(GtkWidget *widget)
{
    DlRunsPage *self = DL_RUNS_PAGE(widget);

    GTK_WIDGET_CLASS(dl_runs_page_parent_class)->map(widget);
    /* Runs of other programs (digitlab-cli) may have come meanwhile. */
    reload(self);
}

/* ---- comparing ---------------------------------------------------------------------- */

static void
compare_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    DlRunsPage *self = DL_RUNS_PAGE(widget);
    DlRun *runs[DL_DRAW_MAX_RUNS];
    DlHistory *histories[DL_DRAW_MAX_RUNS];
    guint n = 0;
    int current = -1;

    /* In the list's order, newest first. */
    for (GtkWidget *child = gtk_widget_get_first_child(GTK_WIDGET(self->list_box)); child != NULL && n < DL_DRAW_MAX_RUNS;
         child = gtk_widget_get_next_sibling(child)) {
        if (!DL_IS_RUN_ROW(child) || !gtk_widget_get_visible(child) || !dl_run_row_get_checked(DL_RUN_ROW(child)))
            continue;
        DlRun *run = dl_run_row_get_run(DL_RUN_ROW(child));
        g_autoptr(GError) error = NULL;
        DlHistory *history = NULL;
        if (is_current(self, run)) {
            /* The session's own: it goes on while the run trains. */
            history = g_object_ref(dl_session_get_history(self->session));
            current = (int)n;
        } else {
            history = dl_run_load_history(run, &error);
        }
        if (history == NULL) {
            g_autofree char *message = g_strdup_printf(_("The history of “%s” cannot be read: %s"),
                                                       dl_run_get_name(run), error->message);
            toast(self, message);
            history = dl_history_new();
        }
        runs[n] = run;
        histories[n++] = history;
    }
    if (n < 2) {
        for (guint i = 0; i < n; i++)
            g_object_unref(histories[i]);
        return;
    }
    dl_compare_view_set_runs(self->compare_view, runs, histories, n, current);
    for (guint i = 0; i < n; i++)
        g_object_unref(histories[i]);
    gtk_stack_set_visible_child_name(self->stack, "compare");
    gtk_widget_action_set_enabled(widget, "runs.back", TRUE);
    dl_compare_view_focus(self->compare_view);
}

static void
back_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    DlRunsPage *self = DL_RUNS_PAGE(widget);

    if (g_strcmp0(gtk_stack_get_visible_child_name(self->stack), "compare") != 0)
        return;
    gtk_widget_action_set_enabled(widget, "runs.back", FALSE);
    gtk_stack_set_visible_child_name(self->stack, "list");
    reload(self);
    gtk_widget_grab_focus(GTK_WIDGET(self->compare_button));
}

/* ---- a run's actions ------------------------------------------------------------------- */

static void
open_model_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    DlRunsPage *self = DL_RUNS_PAGE(widget);
    g_autoptr(DlRun) run = fresh_run(self, g_variant_get_string(parameter, NULL));

    if (run == NULL)
        return;
    if (dl_session_get_training(self->session)) {
        toast(self, _("A run is training: stop it before opening another model"));
        return;
    }
    g_autofree char *path = dl_run_get_model_path(run);
    g_autoptr(GError) error = NULL;
    if (!dl_session_load_model(self->session, path, &error)) {
        g_autofree char *heading = g_strdup_printf(_("Could Not Open the Model of “%s”"), dl_run_get_name(run));
        g_autofree char *body = g_strdup_printf(_("%s\n\nThe current model stays in use."), error->message);
        error_dialog(self, heading, body);
        return;
    }
    if (self->settings != NULL)
        g_settings_set_string(self->settings, "model-path", path);
    g_autofree char *message = g_strdup_printf(_("Opened the model of “%s”"), dl_run_get_name(run));
    toast(self, message);
}

static void
resume_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    DlRunsPage *self = DL_RUNS_PAGE(widget);
    const char *dir = g_variant_get_string(parameter, NULL);
    g_autofree char *data_dir = self->settings != NULL ? dl_settings_get_data_dir(self->settings) : NULL;

    if (data_dir == NULL || !dl_data_dir_has_mnist(data_dir)) {
        toast(self, _("Resuming needs MNIST: get it, then resume the run"));
        gtk_widget_activate_action(widget, "win.get-data", NULL);
        return;
    }
    g_autoptr(GError) error = NULL;
    if (!dl_session_resume_run(self->session, dir, data_dir, &error)) {
        error_dialog(self, _("Could Not Resume the Run"), error->message);
        reload(self);
        return;
    }
    gtk_widget_activate_action(widget, "win.page", "s", "train");
}

typedef struct {
    DlRunsPage *page;
    char *dir;
    GtkEntry *entry;
} Rename;

static void
rename_free(gpointer data)
{
    Rename *r = data;
    g_object_unref(r->page);
    g_free(r->dir);
    g_free(r);
}

static void
on_rename_response(AdwMessageDialog *dialog, const char *response, Rename *r)
{
    if (g_strcmp0(response, "rename") != 0)
        return;
    g_autoptr(DlRun) run = fresh_run(r->page, r->dir);
    if (run == NULL)
        return;
    g_autoptr(GError) error = NULL;
    if (!dl_run_set_name(run, gtk_editable_get_text(GTK_EDITABLE(r->entry)), &error))
        error_dialog(r->page, _("Could Not Rename the Run"), error->message);
    reload(r->page);
}

static void
on_rename_changed(GtkEditable *entry, AdwMessageDialog *dialog)
{
    g_autofree char *name = g_strstrip(g_strdup(gtk_editable_get_text(entry)));
    adw_message_dialog_set_response_enabled(dialog, "rename", name[0] != '\0');
}

static void
rename_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    DlRunsPage *self = DL_RUNS_PAGE(widget);
    g_autoptr(DlRun) run = fresh_run(self, g_variant_get_string(parameter, NULL));

    if (run == NULL)
        return;
    GtkWindow *window = GTK_WINDOW(gtk_widget_get_root(widget));
    AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG(adw_message_dialog_new(window, _("Rename the Run"), NULL));
    GtkWidget *entry = gtk_entry_new();
    gtk_editable_set_text(GTK_EDITABLE(entry), dl_run_get_name(run));
    gtk_entry_set_activates_default(GTK_ENTRY(entry), TRUE);
    gtk_accessible_update_property(GTK_ACCESSIBLE(entry), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Name of the run"), -1);
    adw_message_dialog_set_extra_child(dialog, entry);
    adw_message_dialog_add_response(dialog, "cancel", _("_Cancel"));
    adw_message_dialog_add_response(dialog, "rename", _("_Rename"));
    adw_message_dialog_set_response_appearance(dialog, "rename", ADW_RESPONSE_SUGGESTED);
    adw_message_dialog_set_default_response(dialog, "rename");
    adw_message_dialog_set_close_response(dialog, "cancel");
    Rename *r = g_new0(Rename, 1);
    r->page = g_object_ref(self);
    r->dir = g_strdup(dl_run_get_dir(run));
    r->entry = GTK_ENTRY(entry);
    g_signal_connect_data(dialog, "response", G_CALLBACK(on_rename_response), r, (GClosureNotify)(void (*)(void))rename_free,
                          0);
    g_signal_connect(entry, "changed", G_CALLBACK(on_rename_changed), dialog);
    gtk_window_present(GTK_WINDOW(dialog));
    gtk_widget_grab_focus(entry);
}

/* Deletes a run whose Undo has passed. */
static void
delete_now(DlRunsPage *self, const char *dir)
{
    DlRun *run = g_hash_table_lookup(self->pending, dir);
    if (run == NULL)
        return; /* undone, or done already */
    g_autoptr(GError) error = NULL;
    if (!dl_run_delete(run, &error) && gtk_widget_get_root(GTK_WIDGET(self)) != NULL)
        toast(self, error->message);
    g_hash_table_remove(self->pending, dir);
    on_runs_changed(self);
}

typedef struct {
    GWeakRef page;
    char *dir;
} Deletion;

static void
deletion_free(gpointer data)
{
    Deletion *d = data;
    g_weak_ref_clear(&d->page);
    g_free(d->dir);
    g_free(d);
}

static void
on_delete_undo(AdwToast *t, Deletion *d)
{
    g_autoptr(DlRunsPage) self = g_weak_ref_get(&d->page);
    if (self == NULL)
        return;
    g_hash_table_remove(self->pending, d->dir);
    DlRunRow *row = g_hash_table_lookup(self->rows, d->dir);
    if (row != NULL)
        gtk_widget_set_visible(GTK_WIDGET(row), TRUE);
    reload(self);
}

static void
on_delete_dismissed(AdwToast *t, Deletion *d)
{
    g_autoptr(DlRunsPage) self = g_weak_ref_get(&d->page);
    if (self != NULL)
        delete_now(self, d->dir);
}

static void
delete_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    DlRunsPage *self = DL_RUNS_PAGE(widget);
    DlRun *run = fresh_run(self, g_variant_get_string(parameter, NULL));

    if (run == NULL)
        return;
    if (dl_run_get_live(run)) {
        toast(self, _("The run is training: stop it before deleting it"));
        dl_run_unref(run);
        return;
    }
    const char *dir = dl_run_get_dir(run);
    g_hash_table_remove(self->checked, dir);
    DlRunRow *row = g_hash_table_lookup(self->rows, dir);
    if (row != NULL) {
        dl_run_row_set_checked(row, FALSE);
        gtk_widget_set_visible(GTK_WIDGET(row), FALSE);
    }
    g_hash_table_insert(self->pending, g_strdup(dir), run);
    AdwToastOverlay *overlay = toast_overlay(self);
    if (overlay == NULL) {
        /* No window to undo it in. */
        g_autofree char *now = g_strdup(dir);
        delete_now(self, now);
        return;
    }

    g_autofree char *title = g_strdup_printf(_("“%s” deleted"), dl_run_get_name(run));
    AdwToast *t = adw_toast_new(title);
    adw_toast_set_timeout(t, DELETE_TOAST_SECONDS);
    adw_toast_set_button_label(t, _("_Undo"));
    Deletion *d = g_new0(Deletion, 1);
    g_weak_ref_init(&d->page, self);
    d->dir = g_strdup(dir);
    g_signal_connect(t, "button-clicked", G_CALLBACK(on_delete_undo), d);
    g_signal_connect_data(t, "dismissed", G_CALLBACK(on_delete_dismissed), d,
                          (GClosureNotify)(void (*)(void))deletion_free, 0);
    adw_toast_overlay_add_toast(overlay, t);
    reload(self);
}

void
dl_runs_page_flush(DlRunsPage *self)
{
    g_return_if_fail(DL_IS_RUNS_PAGE(self));

    guint n;
    g_autofree gpointer *keys = g_hash_table_get_keys_as_array(self->pending, &n);
    g_auto(GStrv) dirs = g_new0(char *, n + 1);
    for (guint i = 0; i < n; i++)
        dirs[i] = g_strdup(keys[i]);
    for (guint i = 0; i < n; i++)
        delete_now(self, dirs[i]);
}

gboolean
dl_runs_page_keeps_model(DlRunsPage *self, DlRun *run)
{
    g_return_val_if_fail(DL_IS_RUNS_PAGE(self), FALSE);
    g_return_val_if_fail(run != NULL, FALSE);

    return !g_hash_table_contains(self->pending, dl_run_get_dir(run)) && dl_run_has_model(run);
}

/* ---- importing ----------------------------------------------------------------------------- */

typedef struct {
    char *source;
    char *root;
    int imported, skipped;
    GPtrArray *problems;
} Import;

static void
import_free(gpointer data)
{
    Import *im = data;
    g_free(im->source);
    g_free(im->root);
    g_ptr_array_unref(im->problems);
    g_free(im);
}

static void
import_thread(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
    Import *im = task_data;
    GError *error = NULL;

    if (dl_run_import(im->source, im->root, &im->imported, &im->skipped, im->problems, &error))
        g_task_return_boolean(task, TRUE);
    else
        g_task_return_error(task, error);
}

static void
import_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(DlRunsPage) self = g_weak_ref_get(user_data);
    g_weak_ref_clear(user_data);
    g_free(user_data);
    Import *im = g_task_get_task_data(G_TASK(result));
    g_autoptr(GError) error = NULL;

    if (self == NULL)
        return;
    g_clear_object(&self->cancellable);
    gtk_widget_action_set_enabled(GTK_WIDGET(self), "runs.import", TRUE);
    if (!g_task_propagate_boolean(G_TASK(result), &error)) {
        error_dialog(self, _("Could Not Import Runs"), error->message);
        return;
    }
    g_autofree char *message = NULL;
    if (im->imported == 0 && im->skipped > 0)
        message = g_strdup(_("Nothing new to import: those runs are here already (or still training)"));
    else if (im->skipped > 0)
        message = g_strdup_printf(g_dngettext(NULL, "Imported %d run; %d were here already or still training",
                                              "Imported %d runs; %d were here already or still training",
                                              im->imported), im->imported, im->skipped);
    else
        message = g_strdup_printf(g_dngettext(NULL, "Imported %d run", "Imported %d runs", im->imported),
                                  im->imported);
    toast(self, message);
    if (im->problems->len > 0) {
        g_ptr_array_add(im->problems, NULL);
        g_autofree char *all = g_strjoinv("\n\n", (char **)im->problems->pdata);
        error_dialog(self, _("Some Runs Could Not Be Imported"), all);
    }
    reload(self);
}

static void
on_import_response(GtkNativeDialog *dialog, int response, DlRunsPage *self)
{
    g_autofree char *path = NULL;
    if (response == GTK_RESPONSE_ACCEPT) {
        g_autoptr(GFile) file = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(dialog));
        path = file != NULL ? g_file_get_path(file) : NULL;
    }
    g_clear_object(&self->chooser);
    if (path == NULL)
        return;

    Import *im = g_new0(Import, 1);
    im->source = g_steal_pointer(&path);
    im->root = g_strdup(dl_session_get_runs_root(self->session));
    im->problems = g_ptr_array_new_with_free_func(g_free);
    self->cancellable = g_cancellable_new();
    GWeakRef *ref = g_new(GWeakRef, 1);
    g_weak_ref_init(ref, self);
    g_autoptr(GTask) task = g_task_new(NULL, self->cancellable, import_done, ref);
    g_task_set_name(task, "[digitlab] import runs");
    g_task_set_task_data(task, im, import_free);
    gtk_widget_action_set_enabled(GTK_WIDGET(self), "runs.import", FALSE);
    g_task_run_in_thread(task, import_thread);
}

static void
import_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    DlRunsPage *self = DL_RUNS_PAGE(widget);

    if (self->chooser != NULL || self->cancellable != NULL)
        return;
    self->chooser = gtk_file_chooser_native_new(_("Import Runs"), GTK_WINDOW(gtk_widget_get_root(widget)),
                                                GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Import"), _("_Cancel"));
    gtk_native_dialog_set_modal(GTK_NATIVE_DIALOG(self->chooser), TRUE);
    g_signal_connect(self->chooser, "response", G_CALLBACK(on_import_response), self);
    gtk_native_dialog_show(GTK_NATIVE_DIALOG(self->chooser));
}

/* ---- GObject ---------------------------------------------------------------------------- */

void
dl_runs_page_setup(DlRunsPage *self, DlSession *session, GSettings *settings)
{
    g_return_if_fail(DL_IS_RUNS_PAGE(self));
    g_return_if_fail(DL_IS_SESSION(session));

    g_set_object(&self->session, session);
    g_set_object(&self->settings, settings);
    g_signal_connect_object(session, "runs-changed", G_CALLBACK(on_runs_changed), self, G_CONNECT_SWAPPED);
    reload(self);
}

static void
dl_runs_page_dispose(GObject *object)
{
    DlRunsPage *self = DL_RUNS_PAGE(object);

    if (self->pending != NULL)
        dl_runs_page_flush(self);
    g_clear_handle_id(&self->reload_idle, g_source_remove);
    if (self->cancellable != NULL)
        g_cancellable_cancel(self->cancellable);
    g_clear_object(&self->cancellable);
    if (self->chooser != NULL)
        gtk_native_dialog_destroy(GTK_NATIVE_DIALOG(self->chooser));
    g_clear_object(&self->chooser);
    if (self->session != NULL)
        g_signal_handlers_disconnect_by_data(self->session, self);
    gtk_widget_dispose_template(GTK_WIDGET(self), DL_TYPE_RUNS_PAGE);
    g_clear_object(&self->session);
    g_clear_object(&self->settings);
    g_clear_pointer(&self->rows, g_hash_table_unref);
    g_clear_pointer(&self->checked, g_hash_table_unref);
    g_clear_pointer(&self->pending, g_hash_table_unref);

    G_OBJECT_CLASS(dl_runs_page_parent_class)->dispose(object);
}

static void
dl_runs_page_class_init(DlRunsPageClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    object_class->dispose = dl_runs_page_dispose;
    widget_class->map = dl_runs_page_map;

    g_type_ensure(DL_TYPE_COMPARE_VIEW);
    gtk_widget_class_set_template_from_resource(widget_class, DL_RESOURCE_PATH "/ui/dl-runs-page.ui");
    gtk_widget_class_bind_template_child(widget_class, DlRunsPage, stack);
    gtk_widget_class_bind_template_child(widget_class, DlRunsPage, hint_label);
    gtk_widget_class_bind_template_child(widget_class, DlRunsPage, compare_button);
    gtk_widget_class_bind_template_child(widget_class, DlRunsPage, list_box);
    gtk_widget_class_bind_template_child(widget_class, DlRunsPage, problems_label);
    gtk_widget_class_bind_template_child(widget_class, DlRunsPage, compare_view);
    gtk_widget_class_set_layout_manager_type(widget_class, GTK_TYPE_BIN_LAYOUT);

    gtk_widget_class_install_action(widget_class, "runs.compare", NULL, compare_action);
    gtk_widget_class_install_action(widget_class, "runs.back", NULL, back_action);
    gtk_widget_class_install_action(widget_class, "runs.import", NULL, import_action);
    gtk_widget_class_install_action(widget_class, "runs.open-model", "s", open_model_action);
    gtk_widget_class_install_action(widget_class, "runs.resume", "s", resume_action);
    gtk_widget_class_install_action(widget_class, "runs.rename", "s", rename_action);
    gtk_widget_class_install_action(widget_class, "runs.delete", "s", delete_action);
    gtk_widget_class_add_binding_action(widget_class, GDK_KEY_Escape, 0, "runs.back", NULL);
    gtk_widget_class_add_binding_action(widget_class, GDK_KEY_Left, GDK_ALT_MASK, "runs.back", NULL);
}

static void
dl_runs_page_init(DlRunsPage *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    self->rows = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    self->checked = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    self->pending = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)dl_run_unref);
    gtk_list_box_set_sort_func(self->list_box, sort_rows, NULL, NULL);
    gtk_widget_action_set_enabled(GTK_WIDGET(self), "runs.back", FALSE);
    update_selection(self);
}
