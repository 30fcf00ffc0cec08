/* dl-window.h — the main window: header bar (Train, Pause/Resume, Stop, the
 * model menu, the main menu), the training dashboard and the drawing area
 * side by side, stacked when the window is narrow. */
#pragma once

#include <adwaita.h>

#include "dl-types.h"

G_BEGIN_DECLS

#define DL_TYPE_WINDOW (dl_window_get_type())
G_DECLARE_FINAL_TYPE(DlWindow, dl_window, DL, WINDOW, AdwApplicationWindow)

DlWindow *dl_window_new(DlApplication *application);

G_END_DECLS
