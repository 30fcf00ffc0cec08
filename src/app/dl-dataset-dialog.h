/* dl-dataset-dialog.h — MNIST is missing (or unreadable): download it, with
 * a progress bar per file, SHA-256 checked by dl_download_mnist() and a
 * Cancel button, or choose a folder that already holds it (remembered in
 * the "data-folder" setting).
 *
 * Emits "ready" with the folder once it holds the four files, then closes.
 * Failures (offline, checksums, a folder without the files) are explained in
 * the dialog, which stays open to try again. */
#pragma once

#include <adwaita.h>

#include "dl-types.h"

G_BEGIN_DECLS

#define DL_TYPE_DATASET_DIALOG (dl_dataset_dialog_get_type())
G_DECLARE_FINAL_TYPE(DlDatasetDialog, dl_dataset_dialog, DL, DATASET_DIALOG, AdwWindow)

/* problem: why the data is needed again (e.g. the engine could not read the
 * files), or NULL when it is simply missing. */
DlDatasetDialog *dl_dataset_dialog_new(GtkWindow *parent, GSettings *settings, const char *problem);

G_END_DECLS
