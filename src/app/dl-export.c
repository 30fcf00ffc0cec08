/* dl-export.c — saving plots, the history and the confusion matrix from the app. */
#include "dl-export.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <string.h>

#include "dl-export-file.h"

/* What to write once a file is chosen. */
typedef enum {
    EXPORT_PLOT,
    EXPORT_PLOTS,
    EXPORT_HISTORY,
    EXPORT_CONFUSION,
    EXPORT_CONFUSION_CSV,
} ExportKind;

typedef struct {
    ExportKind kind;
    GtkWindow *parent; /* weak */
    DlPlotKind plot;
    DlHistory *history;
    DlDrawStyle style;
    double width, height;
    int confusion[DL_DRAW_CLASSES][DL_DRAW_CLASSES];
} Export;

static void
export_free(Export *e)
{
    g_clear_weak_pointer(&e->parent);
    g_clear_object(&e->history);
    g_free(e);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Export, export_free)

static void
show_error(GtkWindow *parent, const char *heading, const GError *error)
{
    GtkWidget *dialog = adw_message_dialog_new(parent, heading, NULL);
    adw_message_dialog_format_body(ADW_MESSAGE_DIALOG(dialog), "%s. %s", error->message,
                                   _("Choose another name or folder and try again."));
    adw_message_dialog_add_response(ADW_MESSAGE_DIALOG(dialog), "close", _("_Close"));
    gtk_window_present(GTK_WINDOW(dialog));
}

static gboolean
write_export(const Export *e, const char *path, GError **error)
{
    switch (e->kind) {
    case EXPORT_PLOT:
        return dl_export_plot(path, e->width, e->height, 2.0, e->plot, e->history, &e->style, error);
    case EXPORT_PLOTS:
        return dl_export_plots(path, e->width, e->height, 2.0, e->history, &e->style, error);
    case EXPORT_HISTORY:
        return dl_history_save_csv(e->history, path, error);
    case EXPORT_CONFUSION:
        return dl_export_confusion(path, e->width, e->height, 2.0, e->confusion, &e->style, error);
    case EXPORT_CONFUSION_CSV:
    default:
        return dl_export_confusion_csv(path, e->confusion, error);
    }
}

static void
on_response(GtkNativeDialog *dialog, int response, gpointer user_data)
{
    g_autoptr(Export) e = user_data;
    g_autoptr(GFile) file = NULL;
    if (response == GTK_RESPONSE_ACCEPT)
        file = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(dialog));
    gtk_native_dialog_destroy(dialog);
    g_object_unref(dialog);
    if (file == NULL)
        return;

    g_autofree char *path = g_file_get_path(file);
    g_autoptr(GError) error = NULL;
    if (path == NULL) {
        error = g_error_new_literal(G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, _("Only local files can be written"));
    } else if (write_export(e, path, &error)) {
        return;
    }
    show_error(e->parent,
               e->kind == EXPORT_HISTORY ? _("Could Not Save the History")
               : e->kind == EXPORT_CONFUSION || e->kind == EXPORT_CONFUSION_CSV ? _("Could Not Save the Confusion Matrix")
                                                                                 : _("Could Not Save the Plot"),
               error);
}

/* The save dialog for e, with a suggested file name and a filter for its
 * type; takes e. */
static void
run_dialog(GtkWidget *parent, Export *e, const char *title, const char *name, const char *extension)
{
    GtkRoot *root = parent != NULL ? gtk_widget_get_root(parent) : NULL;
    if (GTK_IS_WINDOW(root))
        g_set_weak_pointer(&e->parent, GTK_WINDOW(root));

    GtkFileChooserNative *dialog = gtk_file_chooser_native_new(title, e->parent, GTK_FILE_CHOOSER_ACTION_SAVE,
                                                               _("_Save"), _("_Cancel"));
    gtk_native_dialog_set_modal(GTK_NATIVE_DIALOG(dialog), TRUE);
    g_autofree char *file_name = g_strdup_printf("%s.%s", name, extension);
    gtk_file_chooser_set_current_name(GTK_FILE_CHOOSER(dialog), file_name);

    g_autoptr(GtkFileFilter) filter = gtk_file_filter_new();
    g_autofree char *pattern = g_strdup_printf("*.%s", extension);
    g_autofree char *upper = g_ascii_strup(extension, -1);
    g_autofree char *filter_name = g_strdup_printf(_("%s files"), upper);
    gtk_file_filter_set_name(filter, filter_name);
    gtk_file_filter_add_suffix(filter, extension);
    gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(dialog), filter);

    g_signal_connect(dialog, "response", G_CALLBACK(on_response), e);
    gtk_native_dialog_show(GTK_NATIVE_DIALOG(dialog));
}

static gboolean
known_picture_format(const char *format)
{
    return g_strcmp0(format, "png") == 0 || g_strcmp0(format, "svg") == 0 || g_strcmp0(format, "pdf") == 0;
}

static const char *
plot_file_name(DlPlotKind kind)
{
    /* Translators: file names suggested when saving a plot; no extension. */
    switch (kind) {
    case DL_PLOT_LOSS:
        return _("loss");
    case DL_PLOT_LEARNING_RATE:
        return _("learning-rate");
    case DL_PLOT_ACCURACY:
    default:
        return _("accuracy");
    }
}

void
dl_export_save_plot(GtkWidget *parent, DlPlotKind kind, DlHistory *history, const DlDrawStyle *style,
                    double width, double height, const char *format)
{
    g_return_if_fail(style != NULL);
    g_return_if_fail(known_picture_format(format));

    Export *e = g_new0(Export, 1);
    e->kind = EXPORT_PLOT;
    e->plot = kind;
    e->history = history != NULL ? g_object_ref(history) : NULL;
    e->style = *style;
    e->width = width;
    e->height = height;
    run_dialog(parent, e, _("Save Plot"), plot_file_name(kind), format);
}

void
dl_export_save_plots(GtkWidget *parent, DlHistory *history, const DlDrawStyle *style, const char *format)
{
    g_return_if_fail(style != NULL);
    g_return_if_fail(known_picture_format(format));

    Export *e = g_new0(Export, 1);
    e->kind = EXPORT_PLOTS;
    e->history = history != NULL ? g_object_ref(history) : NULL;
    e->style = *style;
    /* A portrait page: A4's proportions, 3 plots of readable height. */
    e->width = 720;
    e->height = 1000;
    run_dialog(parent, e, _("Save Plots"), _("training-plots"), format);
}

void
dl_export_save_history(GtkWidget *parent, DlHistory *history)
{
    g_return_if_fail(DL_IS_HISTORY(history));

    Export *e = g_new0(Export, 1);
    e->kind = EXPORT_HISTORY;
    e->history = g_object_ref(history);
    run_dialog(parent, e, _("Save History"), _("history"), "csv");
}

void
dl_export_save_confusion(GtkWidget *parent, const int confusion[DL_DRAW_CLASSES][DL_DRAW_CLASSES],
                         const DlDrawStyle *style, const char *format)
{
    g_return_if_fail(confusion != NULL);
    gboolean csv = g_strcmp0(format, "csv") == 0;
    g_return_if_fail(csv || (style != NULL && known_picture_format(format)));

    Export *e = g_new0(Export, 1);
    e->kind = csv ? EXPORT_CONFUSION_CSV : EXPORT_CONFUSION;
    memcpy(e->confusion, confusion, sizeof e->confusion);
    if (style != NULL)
        e->style = *style;
    e->width = 720;
    e->height = 480;
    run_dialog(parent, e, _("Save Confusion Matrix"), _("confusion-matrix"), format);
}
