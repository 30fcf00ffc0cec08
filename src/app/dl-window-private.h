/* dl-window-private.h — the window's fields, shared by dl-window.c (layout)
 * and dl-window-actions.c (its actions and dialogs). */
#pragma once

#include "dl-dashboard.h"
#include "dl-drawing-pane.h"
#include "dl-inside-page.h"
#include "dl-drawings-page.h"
#include "dl-results-page.h"
#include "dl-runs-page.h"
#include "dl-session.h"
#include "dl-window.h"

G_BEGIN_DECLS

/* The drawing beside the pages (the dashboard full or compact), or a page
 * of its own. */
typedef enum {
    DL_LAYOUT_WIDE,
    DL_LAYOUT_MEDIUM,
    DL_LAYOUT_NARROW,
} DlLayout;

struct _DlWindow {
    AdwApplicationWindow parent_instance;

    GSettings *settings;
    DlSession *session;
    GtkFileChooserNative *chooser;

    /* Closing: the user answered the dialogs (close for real now); a Stop
     * and Quit waits for the run to end; a Save As… closes once saved. */
    gboolean close_confirmed;
    gboolean close_after_stop;
    gboolean close_after_save;
    GtkWindow *close_dialog;

    gboolean disposed;
    DlLayout layout;
    int wide_min;        /* the content's minimum widths as last measured in */
    int medium_min;      /* those layouts, 0 before */
    guint layout_idle;

    /* dl-presenter.c */
    gboolean presenter;              /* as last applied from the setting */
    gboolean presenter_fullscreened; /* the window went fullscreen for it */
    GtkCssProvider *zoom_provider;

    /* template */
    AdwToastOverlay *toast_overlay;
    AdwViewSwitcherTitle *switcher_title;
    GtkButton *pause_button;
    AdwViewStack *view_stack;
    AdwHeaderBar *header_bar;
    AdwViewStackPage *draw_page;
    GtkScrolledWindow *draw_scroller;
    GtkSeparator *separator;
    GtkScrolledWindow *side_scroller;
    DlDashboard *dashboard;
    DlResultsPage *results_page;
    DlInsidePage *inside_page;
    DlDrawingsPage *drawings_page;
    DlRunsPage *runs_page;
    DlDrawingPane *drawing_pane;
};

/* dl-window-actions.c */
void _dl_window_class_actions_init(DlWindowClass *klass);
void _dl_window_actions_init(DlWindow *self);
void _dl_window_update_actions(DlWindow *self);
/* TRUE: the window stays open (a dialog asks first, or a run must stop). */
gboolean _dl_window_hold_close(DlWindow *self);
void _dl_window_toast(DlWindow *self, const char *message);
/* dl-presenter.c: presenter mode and zoom */
void _dl_window_class_presenter_init(DlWindowClass *klass);
void _dl_window_presenter_init(DlWindow *self);
void _dl_window_presenter_dispose(DlWindow *self);

/* Shows the drawing and its prediction (the Draw page, on a narrow window). */
void _dl_window_show_drawing(DlWindow *self);

G_END_DECLS
