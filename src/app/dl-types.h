/* dl-types.h — forward declarations of the app's types, so headers can name
 * each other without including each other. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _DlApplication DlApplication;
typedef struct _DlDashboard DlDashboard;
typedef struct _DlDatasetDialog DlDatasetDialog;
typedef struct _DlPreferencesWindow DlPreferencesWindow;
typedef struct _DlProgress DlProgress;
typedef struct _DlTrainer DlTrainer;
typedef struct _DlWindow DlWindow;

#define DL_APPLICATION_ID "io.github.digitlab.DigitLab"
#define DL_RESOURCE_PATH "/io/github/digitlab/DigitLab"

G_END_DECLS
