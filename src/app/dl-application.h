/* dl-application.h — the Digit Lab application: app actions, accelerators,
 * the About and Preferences windows. */
#pragma once

#include <adwaita.h>

#include "dl-types.h"

G_BEGIN_DECLS

#define DL_TYPE_APPLICATION (dl_application_get_type())
G_DECLARE_FINAL_TYPE(DlApplication, dl_application, DL, APPLICATION, AdwApplication)

DlApplication *dl_application_new(void);

/* The app's settings, shared by all its windows. */
GSettings *dl_application_get_settings(DlApplication *self);

G_END_DECLS
