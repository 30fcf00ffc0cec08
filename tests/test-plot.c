/* DlPlot on a real display (run under Xvfb by app/run-xvfb.sh): properties,
 * the accessible description, and drawing every kind in every state,
 * hover read-out included, without a warning (G_DEBUG=fatal-warnings). */
#include <glib/gstdio.h>
#include <adwaita.h>
#include <gtk/gtk.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dl-plot.h"

static void
iterate(void)
{
    for (int i = 0; i < 200 && g_main_context_pending(NULL); i++)
        g_main_context_iteration(NULL, FALSE);
}

/* A window holding the plot, shown and laid out. */
static GtkWidget *
show_in_window(GtkWidget *plot, int width, int height)
{
    GtkWidget *window = gtk_window_new();
    gtk_window_set_default_size(GTK_WINDOW(window), width, height);
    gtk_window_set_child(GTK_WINDOW(window), plot);
    gtk_window_present(GTK_WINDOW(window));
    for (int i = 0; i < 100 && gtk_widget_get_width(plot) == 0; i++) {
        iterate();
        g_usleep(10000);
    }
    iterate();
    return window;
}

/* Draws the plot through its snapshot into an image; returns the number of
 * pixels that are not fully transparent, so a test can tell drawing from
 * not drawing. */
static int
render(GtkWidget *plot, cairo_surface_t **out)
{
    int width = gtk_widget_get_width(plot), height = gtk_widget_get_height(plot);
    assert_true(width > 0 && height > 0);
    GtkSnapshot *snapshot = gtk_snapshot_new();
    GTK_WIDGET_GET_CLASS(plot)->snapshot(plot, snapshot);
    GskRenderNode *node = gtk_snapshot_free_to_node(snapshot);
    assert_non_null(node);

    cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height);
    cairo_t *cr = cairo_create(surface);
    gsk_render_node_draw(node, cr);
    cairo_destroy(cr);
    gsk_render_node_unref(node);
    cairo_surface_flush(surface);

    int painted = 0, stride = cairo_image_surface_get_stride(surface);
    const unsigned char *data = cairo_image_surface_get_data(surface);
    for (int y = 0; y < height; y++) {
        const guint32 *row = (const guint32 *)(const void *)(data + (size_t)y * stride);
        for (int x = 0; x < width; x++)
            painted += (row[x] >> 24) != 0;
    }
    if (out != NULL)
        *out = surface;
    else
        cairo_surface_destroy(surface);
    return painted;
}

/* Moves the (simulated) pointer over the plot, or out of it. */
static void
hover(GtkWidget *plot, double x, double y, gboolean inside)
{
    GListModel *controllers = gtk_widget_observe_controllers(plot);
    for (guint i = 0; i < g_list_model_get_n_items(controllers); i++) {
        g_autoptr(GObject) controller = g_list_model_get_item(controllers, i);
        if (!GTK_IS_EVENT_CONTROLLER_MOTION(controller))
            continue;
        if (inside)
            g_signal_emit_by_name(controller, "motion", x, y);
        else
            g_signal_emit_by_name(controller, "leave");
    }
    g_object_unref(controllers);
}

static void
count_notify(GObject *object, GParamSpec *pspec, gpointer user_data)
{
    (void)object;
    (void)pspec;
    (*(int *)user_data)++;
}

static void
fill(DlHistory *h, int epochs_done, int epochs, gboolean per_step)
{
    NnSchedule s = nn_schedule_default();
    const int batches = 50;
    dl_history_reset(h, &s, epochs, batches, per_step);
    for (int e = 0; e < epochs_done; e++) {
        for (int b = 1; b <= batches; b++) {
            NnBatchProgress p = {
                .epoch = e, .epochs = epochs, .batch = b, .batches = batches,
                .lr = nn_schedule_lr(&s, e), .smooth_loss = 0.5 / (e + 1) + 0.01 * sin(b),
                .smooth_accuracy = 0.95 + 0.004 * e + 0.002 * sin(b), .seconds = b * 0.1, .images_per_s = 2000,
            };
            dl_history_add_batch(h, &p);
        }
        NnEpochStats st = {
            .epoch = e + 1, .epochs = epochs, .lr = nn_schedule_lr(&s, e),
            .train_loss = 0.5 / (e + 1), .train_accuracy = 0.95 + 0.004 * e,
            .val_loss = 0.04 / (e + 1), .val_accuracy = 0.985 + 0.001 * e,
            .seconds = 30, .images_per_s = 2000,
        };
        dl_history_add_epoch(h, &st);
    }
}

static void
test_properties(void **state)
{
    (void)state;
    g_autoptr(DlHistory) history = dl_history_new();
    GtkWidget *plot = dl_plot_new(DL_PLOT_LOSS, history);
    g_object_ref_sink(plot);

    DlPlotKind kind;
    DlHistory *got = NULL;
    g_object_get(plot, "kind", &kind, "history", &got, NULL);
    assert_int_equal(kind, DL_PLOT_LOSS);
    assert_ptr_equal(got, history);
    g_object_unref(got);
    assert_true(gtk_widget_get_hexpand(plot));
    assert_int_equal(gtk_accessible_get_accessible_role(GTK_ACCESSIBLE(plot)), GTK_ACCESSIBLE_ROLE_IMG);

    int minimum, natural;
    gtk_widget_measure(plot, GTK_ORIENTATION_HORIZONTAL, -1, &minimum, &natural, NULL, NULL);
    assert_true(minimum >= 320 && natural >= minimum);
    gtk_widget_measure(plot, GTK_ORIENTATION_VERTICAL, -1, &minimum, &natural, NULL, NULL);
    assert_true(minimum >= 180 && natural >= minimum);

    /* The enum is registered with nicks, for GtkBuilder. */
    GEnumClass *enum_class = g_type_class_ref(DL_TYPE_PLOT_KIND);
    assert_non_null(g_enum_get_value_by_nick(enum_class, "learning-rate"));
    assert_int_equal(g_enum_get_value_by_nick(enum_class, "accuracy")->value, DL_PLOT_ACCURACY);
    g_type_class_unref(enum_class);

    /* Setting the same value does not notify; another value does, once. */
    int notified = 0;
    g_signal_connect(plot, "notify::kind", G_CALLBACK(count_notify), &notified);
    dl_plot_set_kind(DL_PLOT(plot), DL_PLOT_LOSS);
    assert_int_equal(notified, 0);
    dl_plot_set_kind(DL_PLOT(plot), DL_PLOT_ACCURACY);
    assert_int_equal(notified, 1);

    /* Dropping the history disconnects from it. */
    dl_plot_set_history(DL_PLOT(plot), NULL);
    assert_null(dl_plot_get_history(DL_PLOT(plot)));
    fill(history, 1, 3, FALSE);
    assert_string_equal(dl_plot_get_summary(DL_PLOT(plot)), "No training yet");
    g_object_unref(plot);
}

static void
test_accessible_summary(void **state)
{
    (void)state;
    g_autoptr(DlHistory) history = dl_history_new();
    GtkWidget *plots[3];
    for (int k = 0; k < 3; k++)
        plots[k] = g_object_ref_sink(dl_plot_new(k, history));

    assert_string_equal(dl_plot_get_summary(DL_PLOT(plots[0])), "No training yet");
    assert_string_equal(dl_plot_get_summary(DL_PLOT(plots[1])), "No training yet");
    assert_string_equal(dl_plot_get_summary(DL_PLOT(plots[2])),
                        "Schedule over 30 epochs: warmup from 1e-5 to 1e-3 in 5 epochs, then cosine decay to 1e-5");
    NnSchedule one = nn_schedule_default();
    one.warmup = 1;
    dl_history_reset(history, &one, 1, 10, FALSE);
    assert_string_equal(dl_plot_get_summary(DL_PLOT(plots[2])),
                        "Schedule over 1 epoch: warmup from 1e-5 to 1e-3 in 1 epoch, then cosine decay to 1e-5");
    one.warmup = 0.5;
    dl_history_reset(history, &one, 2, 10, FALSE);
    assert_string_equal(dl_plot_get_summary(DL_PLOT(plots[2])),
                        "Schedule over 2 epochs: warmup from 1e-5 to 1e-3 in 0.50 epochs, then cosine decay to 1e-5");

    /* During the first epoch, the smoothed values (not the running mean of
     * the epoch); after it, validation. */
    NnSchedule s = nn_schedule_default();
    dl_history_reset(history, &s, 12, 10, FALSE);
    NnBatchProgress p = { .epoch = 0, .epochs = 12, .batch = 3, .batches = 10, .lr = 1e-5,
                          .loss = 2.5, .accuracy = 0.5, .smooth_loss = 1.25, .smooth_accuracy = 0.634 };
    dl_history_add_batch(history, &p);
    assert_string_equal(dl_plot_get_summary(DL_PLOT(plots[0])), "Training accuracy 63.4 %, smoothed, during epoch 1");
    assert_string_equal(dl_plot_get_summary(DL_PLOT(plots[1])), "Training loss 1.2500, smoothed, during epoch 1");
    assert_string_equal(dl_plot_get_summary(DL_PLOT(plots[2])), "Learning rate 1e-5 in epoch 1 of 12");

    NnEpochStats st = { .epoch = 1, .epochs = 12, .lr = 1e-5, .train_loss = 0.31, .train_accuracy = 0.9012,
                        .val_loss = 0.0812, .val_accuracy = 0.9912 };
    dl_history_add_epoch(history, &st);
    assert_string_equal(dl_plot_get_summary(DL_PLOT(plots[0])),
                        "Validation accuracy 99.1 % after epoch 1; training accuracy 63.4 %, smoothed");
    assert_string_equal(dl_plot_get_summary(DL_PLOT(plots[1])),
                        "Validation loss 0.0812 after epoch 1; training loss 1.2500, smoothed");

    /* Read from CSV: the per-epoch means, all there is. */
    g_autofree char *dir = g_dir_make_tmp("test-plot-XXXXXX", NULL);
    g_autofree char *csv = g_build_filename(dir, "h.csv", NULL);
    assert_true(dl_history_save_csv(history, csv, NULL));
    assert_true(dl_history_load_csv(history, csv, NULL));
    assert_string_equal(dl_plot_get_summary(DL_PLOT(plots[0])),
                        "Validation accuracy 99.1 % after epoch 1; training accuracy 90.1 %");
    assert_string_equal(dl_plot_get_summary(DL_PLOT(plots[1])),
                        "Validation loss 0.0812 after epoch 1; training loss 0.3100");
    g_unlink(csv);
    g_rmdir(dir);

    for (int k = 0; k < 3; k++)
        g_object_unref(plots[k]);
}

static void
test_draws_every_state(void **state)
{
    (void)state;
    g_autoptr(DlHistory) history = dl_history_new();
    GtkWidget *plot = dl_plot_new(DL_PLOT_ACCURACY, history);
    GtkWidget *window = show_in_window(plot, 480, 240);
    g_autofree char *dir = g_dir_make_tmp("test-plot-XXXXXX", NULL);
    g_autofree char *csv = g_build_filename(dir, "h.csv", NULL);

    for (int stage = 0; stage < 5; stage++) {
        switch (stage) {
        case 0: /* new: the default schedule, nothing trained */
            break;
        case 1: { /* the first epoch under way */
            fill(history, 0, 10, FALSE);
            NnBatchProgress p = { .epoch = 0, .epochs = 10, .batch = 7, .batches = 50, .lr = 1e-5,
                                  .smooth_loss = 2.1, .smooth_accuracy = 0.2 };
            dl_history_add_batch(history, &p);
            break;
        }
        case 2: /* half-way, per-epoch rate */
            fill(history, 5, 10, FALSE);
            break;
        case 3: /* half-way, per-step rate */
            fill(history, 5, 10, TRUE);
            break;
        case 4: /* a finished run shown again from its CSV */
            fill(history, 10, 10, FALSE);
            assert_true(dl_history_save_csv(history, csv, NULL));
            assert_true(dl_history_load_csv(history, csv, NULL));
            break;
        }
        for (int k = 0; k < 3; k++) {
            dl_plot_set_kind(DL_PLOT(plot), k);
            iterate();
            int width = gtk_widget_get_width(plot), height = gtk_widget_get_height(plot);
            int plain = render(plot, NULL);
            assert_true(plain > 0);
            /* Hovering adds a guide and a read-out box (if there is data). */
            hover(plot, width * 0.45, height * 0.5, TRUE);
            int hovered = render(plot, NULL);
            if (stage > 0 || k == DL_PLOT_LEARNING_RATE)
                assert_true(hovered > plain);
            hover(plot, 0, 0, FALSE);
            assert_int_equal(render(plot, NULL), plain);
        }
    }

    /* Without a history: an empty plot, no crash. */
    dl_plot_set_history(DL_PLOT(plot), NULL);
    for (int k = 0; k < 3; k++) {
        dl_plot_set_kind(DL_PLOT(plot), k);
        hover(plot, 100, 100, TRUE);
        assert_true(render(plot, NULL) > 0);
    }

    gtk_window_destroy(GTK_WINDOW(window));
    iterate();
    g_unlink(csv);
    g_rmdir(dir);
}

/* The keyboard's read-out: the first key shows the newest epoch, Left and
 * Right step an epoch and stop at the ends, Home and End jump there; what
 * is read out becomes the description; 0 (Escape) and the pointer hide it. */
static void
test_keyboard_readout(void **state)
{
    (void)state;
    g_autoptr(DlHistory) history = dl_history_new();
    fill(history, 5, 10, FALSE);
    GtkWidget *plot = dl_plot_new(DL_PLOT_ACCURACY, history);
    GtkWidget *window = show_in_window(plot, 480, 240);
    g_autofree char *summary = g_strdup(dl_plot_get_summary(DL_PLOT(plot)));
    int plain = render(plot, NULL);

    const struct {
        int step;
        const char *said;
    } steps[] = {
        { -1, "After epoch 5: Training, smoothed 96.55 %, Validation 98.90 %" },
        { -1, "After epoch 4: Training, smoothed 96.15 %, Validation 98.80 %" },
        { -1, "After epoch 3: Training, smoothed 95.75 %, Validation 98.70 %" },
        { G_MININT, "After epoch 1: Training, smoothed 94.95 %, Validation 98.50 %" },
        { -1, "After epoch 1: Training, smoothed 94.95 %, Validation 98.50 %" },
        { 1, "After epoch 2: Training, smoothed 95.35 %, Validation 98.60 %" },
        { G_MAXINT, "After epoch 5: Training, smoothed 96.55 %, Validation 98.90 %" },
        { 1, "After epoch 5: Training, smoothed 96.55 %, Validation 98.90 %" },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(steps); i++) {
        gtk_widget_activate_action(plot, "plot.readout", "i", steps[i].step);
        assert_true(render(plot, NULL) > plain);
        assert_string_equal(dl_plot_get_summary(DL_PLOT(plot)), steps[i].said);
    }

    /* The learning-rate plot reads the schedule at the same place. */
    dl_plot_set_kind(DL_PLOT(plot), DL_PLOT_LEARNING_RATE);
    render(plot, NULL);
    assert_true(g_str_has_prefix(dl_plot_get_summary(DL_PLOT(plot)), "Epoch 6: Learning rate "));
    dl_plot_set_kind(DL_PLOT(plot), DL_PLOT_ACCURACY);

    gtk_widget_activate_action(plot, "plot.readout", "i", 0);
    assert_int_equal(render(plot, NULL), plain);
    assert_string_equal(dl_plot_get_summary(DL_PLOT(plot)), summary);

    /* The pointer takes over from the keyboard. */
    gtk_widget_activate_action(plot, "plot.readout", "i", -1);
    render(plot, NULL);
    hover(plot, 5, 5, TRUE);
    assert_string_equal(dl_plot_get_summary(DL_PLOT(plot)), summary);
    hover(plot, 0, 0, FALSE);

    /* Nothing trained: no read-out to show. */
    NnSchedule schedule = nn_schedule_default();
    dl_history_reset(history, &schedule, 10, 50, FALSE);
    gtk_widget_activate_action(plot, "plot.readout", "i", 1);
    render(plot, NULL);
    assert_string_equal(dl_plot_get_summary(DL_PLOT(plot)), "No training yet");

    gtk_window_destroy(GTK_WINDOW(window));
    iterate();
}

/* The learning-rate plot draws the schedule: its colour is at the peak
 * (after warmup) near the top, and nothing of it near the top at epoch 0. */
static void
test_schedule_is_drawn_ahead(void **state)
{
    (void)state;
    g_autoptr(DlHistory) history = dl_history_new(); /* 30 epochs, warmup 5 */
    GtkWidget *plot = dl_plot_new(DL_PLOT_LEARNING_RATE, history);
    GtkWidget *window = show_in_window(plot, 600, 300);

    cairo_surface_t *surface;
    render(plot, &surface);
    int width = cairo_image_surface_get_width(surface), height = cairo_image_surface_get_height(surface);
    int stride = cairo_image_surface_get_stride(surface);
    const unsigned char *data = cairo_image_surface_get_data(surface);

    /* Per column, the highest pixel that is saturated (the purple curve;
     * text and grid are grey). */
    int top_at_peak = height, top_at_start = height, top_at_end = height;
    for (int y = height - 1; y >= 0; y--) {
        const guint32 *row = (const guint32 *)(const void *)(data + (size_t)y * stride);
        for (int x = 0; x < width; x++) {
            guint32 px = row[x];
            int a = px >> 24, r = (px >> 16) & 0xff, g = (px >> 8) & 0xff, b = px & 0xff;
            if (a < 200 || abs(r - g) < 40 || abs(b - g) < 40)
                continue;
            double fraction = (double)x / width;
            if (fraction > 0.25 && fraction < 0.30)
                top_at_peak = MIN(top_at_peak, y);
            else if (fraction > 0.09 && fraction < 0.12)
                top_at_start = MIN(top_at_start, y);
            else if (fraction > 0.93 && fraction < 0.96)
                top_at_end = MIN(top_at_end, y);
        }
    }
    cairo_surface_destroy(surface);
    assert_true(top_at_peak < height / 3);        /* the peak, drawn before any training */
    assert_true(top_at_start > top_at_peak + 20); /* warmup below it */
    assert_true(top_at_end > top_at_peak + 50);   /* cosine back down */
    assert_true(top_at_end < height);             /* but drawn all the way to epoch 30 */

    gtk_window_destroy(GTK_WINDOW(window));
    iterate();
}

/* The file chooser that an export opened (GtkFileChooserNative falls back
 * to a GtkFileChooserDialog without a portal), or NULL. */
static GtkWidget *
find_file_chooser(void)
{
    GListModel *toplevels = gtk_window_get_toplevels();
    for (guint i = 0; i < g_list_model_get_n_items(toplevels); i++) {
        g_autoptr(GObject) window = g_list_model_get_item(toplevels, i);
        if (GTK_IS_FILE_CHOOSER(window) && gtk_widget_get_visible(GTK_WIDGET(window)))
            return GTK_WIDGET(window);
    }
    return NULL;
}

/* Runs an export action of the plot: a save dialog opens with the name
 * suggested; it is then cancelled, and closes. (Writing the files is
 * tested in test-draw and test-plot-cli.) */
static void
export_opens_dialog(GtkWidget *plot, const char *action, const char *format, const char *suggested)
{
    if (format != NULL)
        assert_true(gtk_widget_activate_action(plot, action, "s", format));
    else
        assert_true(gtk_widget_activate_action(plot, action, NULL));
    GtkWidget *chooser = NULL;
    for (int i = 0; i < 200 && (chooser = find_file_chooser()) == NULL; i++) {
        iterate();
        g_usleep(10000);
    }
    assert_non_null(chooser);
    assert_int_equal(gtk_file_chooser_get_action(GTK_FILE_CHOOSER(chooser)), GTK_FILE_CHOOSER_ACTION_SAVE);
    g_autofree char *name = gtk_file_chooser_get_current_name(GTK_FILE_CHOOSER(chooser));
    assert_string_equal(name, suggested);
    /* As a click on Cancel would. */
    GtkWidget *cancel = gtk_dialog_get_widget_for_response(GTK_DIALOG(chooser), GTK_RESPONSE_CANCEL);
    assert_non_null(cancel);
    g_signal_emit_by_name(cancel, "clicked");
    for (int i = 0; i < 100 && find_file_chooser() != NULL; i++) {
        iterate();
        g_usleep(10000);
    }
    assert_null(find_file_chooser());
}

/* The context menu opens (the Menu key's action), and its items open save
 * dialogs for the plot (PNG, SVG, PDF) and the history (CSV), enabled only
 * once there is an epoch to save. */
static void
test_context_menu_and_exports(void **state)
{
    (void)state;
    g_autoptr(DlHistory) history = dl_history_new();
    GtkWidget *plot = dl_plot_new(DL_PLOT_LOSS, history);
    GtkWidget *window = show_in_window(plot, 520, 260);
    assert_true(gtk_widget_get_focusable(plot));

    assert_true(gtk_widget_activate_action(plot, "menu.popup", NULL));
    iterate();
    GtkWidget *menu = NULL;
    for (GtkWidget *c = gtk_widget_get_first_child(plot); c != NULL; c = gtk_widget_get_next_sibling(c))
        if (GTK_IS_POPOVER_MENU(c))
            menu = c;
    assert_non_null(menu);
    assert_true(gtk_widget_get_visible(menu));
    gtk_popover_popdown(GTK_POPOVER(menu));
    iterate();

    /* No epoch yet: nothing to save as CSV. */
    gtk_widget_activate_action(plot, "plot.export-history", NULL);
    iterate();
    assert_null(find_file_chooser());

    fill(history, 3, 5, FALSE);
    export_opens_dialog(plot, "plot.export", "png", "loss.png");
    export_opens_dialog(plot, "plot.export", "svg", "loss.svg");
    export_opens_dialog(plot, "plot.export", "pdf", "loss.pdf");
    export_opens_dialog(plot, "plot.export-history", NULL, "history.csv");

    gtk_window_destroy(GTK_WINDOW(window));
    iterate();
}

/* The zoom scales the text: a larger zoom makes the labels taller. */
static void
test_zoom_scales_the_text(void **state)
{
    (void)state;
    GtkWidget *plot = dl_plot_new(DL_PLOT_ACCURACY, NULL);
    GtkWidget *window = show_in_window(plot, 480, 240);
    assert_true(dl_plot_get_zoom(DL_PLOT(plot)) == 1.0);
    DlDrawStyle normal, zoomed;
    dl_plot_get_draw_style(DL_PLOT(plot), &normal);
    assert_true(normal.font_size > 8 && normal.font_size < 16);
    int notified = 0;
    g_signal_connect(plot, "notify::zoom", G_CALLBACK(count_notify), &notified);
    dl_plot_set_zoom(DL_PLOT(plot), 1.5);
    assert_int_equal(notified, 1);
    dl_plot_get_draw_style(DL_PLOT(plot), &zoomed);
    assert_true(fabs(zoomed.font_size - 1.5 * normal.font_size) < 1e-9);
    dl_plot_set_zoom(DL_PLOT(plot), 100); /* clamped */
    assert_true(dl_plot_get_zoom(DL_PLOT(plot)) == 4.0);
    gtk_window_destroy(GTK_WINDOW(window));
    iterate();
}

int
main(void)
{
    gtk_init();
    adw_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_properties),
        cmocka_unit_test(test_accessible_summary),
        cmocka_unit_test(test_draws_every_state),
        cmocka_unit_test(test_keyboard_readout),
        cmocka_unit_test(test_schedule_is_drawn_ahead),
        cmocka_unit_test(test_context_menu_and_exports),
        cmocka_unit_test(test_zoom_scales_the_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
