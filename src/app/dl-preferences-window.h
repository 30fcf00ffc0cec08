/* dl-preferences-window.h — the MNIST folder and the settings a class rarely
 * changes (threads, validation images); the hyper-parameters are on the
 * dashboard. */
#pragma once

#include <adwaita.h>

#include "dl-types.h"

G_BEGIN_DECLS

#define DL_TYPE_PREFERENCES_WINDOW (dl_preferences_window_get_type())
G_DECLARE_FINAL_TYPE(DlPreferencesWindow, dl_preferences_window, DL, PREFERENCES_WINDOW, AdwPreferencesWindow)

DlPreferencesWindow *dl_preferences_window_new(GSettings *settings);

G_END_DECLS
