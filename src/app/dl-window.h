/* dl-window.h — the main window: header bar (Train, Pause/Resume, Stop, the
 * pages' view switcher, the model menu, the main menu), the pages (Train,
 * Results) in an AdwViewStack and the drawing beside them, or on a Draw
 * page of its own when the window is narrow. What the pages show is the
 * window's DlSession's; the actions and dialogs are in dl-window-actions.c. */
#pragma once

#include <adwaita.h>

#include "dl-types.h"

G_BEGIN_DECLS

#define DL_TYPE_WINDOW (dl_window_get_type())
G_DECLARE_FINAL_TYPE(DlWindow, dl_window, DL, WINDOW, AdwApplicationWindow)

DlWindow *dl_window_new(DlApplication *application);

G_END_DECLS
