/* dl-collection.h — the class's drawings: labelled drawings kept in one
 * JSON Lines file, by default $XDG_DATA_HOME/digitlab/drawings.jsonl.
 *
 * Each line is a drawing in the format of `digitlab-cli predict --strokes`
 * (dl-strokes.h), with its label, the time it was saved and, optionally,
 * the student who drew it:
 *
 *   {"strokes":[[[x,y],...],...],"label":7,"time":"2026-12-01T10:02:03Z","student":"Ana"}
 *
 * The collection is a GListModel of DlDrawingItem in the file's order.
 * Items are immutable: relabelling replaces an item by a new one.
 *
 * Nothing saved is ever lost:
 *   - a drawing added is appended to the file and fsynced before the call
 *     returns; if the write fails (a full disk), the file is cut back to
 *     what it held, the error says so, and the collection is unchanged;
 *   - relabelling, deleting and undoing rewrite the file atomically
 *     (nn_file_replace: a temporary file, fsynced, renamed over it), so a
 *     failure leaves the file as it was;
 *   - a line that is no drawing (corrupt, cut short, unlabelled, no ink)
 *     is skipped with a message (dl_collection_get_problems()) and kept,
 *     byte for byte, in its place in the file whenever it is rewritten;
 *   - a file that cannot be read at all (permissions, too large) is never
 *     written to: every change fails with the reason.
 *
 * Imports read other .jsonl files (a teacher merges the laptops of a
 * class) through DlStrokesReader, so every line is validated and bounded as
 * `predict --strokes` does; lines that are no labelled drawing and drawings
 * already in the collection (the same strokes, whatever their label) are
 * skipped and counted.
 *
 * GLib/GIO only, no GTK; main thread only, but for the _async calls'
 * workers. Unit-tested without a display (tests/test-collection.c).
 */
#pragma once

#include <gio/gio.h>

#include "dl-strokes.h"
#include "dl-evaluation.h"

G_BEGIN_DECLS

#define DL_COLLECTION_ERROR (dl_collection_error_quark())
GQuark dl_collection_error_quark(void);

typedef enum {
    DL_COLLECTION_ERROR_UNREADABLE, /* the file could not be read: nothing is written to it */
    DL_COLLECTION_ERROR_WRITE,      /* the change could not be saved (a full disk): nothing changed */
    DL_COLLECTION_ERROR_INVALID,    /* not a labelled drawing with ink */
    DL_COLLECTION_ERROR_NOT_FOUND,  /* the item is not (or no longer) in the collection */
} DlCollectionError;

/* ---- one drawing -------------------------------------------------------------- */

#define DL_TYPE_DRAWING_ITEM (dl_drawing_item_get_type())
G_DECLARE_FINAL_TYPE(DlDrawingItem, dl_drawing_item, DL, DRAWING_ITEM, GObject)

/* The drawing: strokes, label (0-9), time and student (NULL when absent). */
const DlDrawing *dl_drawing_item_get_drawing(DlDrawingItem *self);
int dl_drawing_item_get_label(DlDrawingItem *self);
const char *dl_drawing_item_get_student(DlDrawingItem *self);
const char *dl_drawing_item_get_time(DlDrawingItem *self);
/* The drawing as the network sees it (nn_strokes_to_image()): 784 bytes,
 * row-major, 0 background, 255 ink, like MNIST's. */
const guint8 *dl_drawing_item_get_pixels(DlDrawingItem *self);

/* ---- the collection ---------------------------------------------------------- */

#define DL_TYPE_COLLECTION (dl_collection_get_type())
G_DECLARE_FINAL_TYPE(DlCollection, dl_collection, DL, COLLECTION, GObject)

/* g_get_user_data_dir()/digitlab/drawings.jsonl, newly allocated. */
char *dl_collection_default_path(void);

/* An empty collection kept in path (nothing is read until a load). */
DlCollection *dl_collection_new(const char *path);
const char *dl_collection_get_path(DlCollection *self);

/* Reads the file, replacing what the collection holds. A file that does
 * not exist is an empty collection. FALSE with DL_COLLECTION_ERROR_UNREADABLE
 * when it cannot be read (the collection is then empty and read-only). Lines
 * that are no drawing are skipped: see dl_collection_get_problems(). */
gboolean dl_collection_load(DlCollection *self, GError **error);
/* The same, read and rendered in a worker thread. */
void dl_collection_load_async(DlCollection *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data);
gboolean dl_collection_load_finish(DlCollection *self, GAsyncResult *result, GError **error);
/* "loaded": a load has finished (read-only property). */
gboolean dl_collection_get_loaded(DlCollection *self);

/* What the last load skipped, one message per line ("Line 7: not valid
 * JSON: ..."); NULL-terminated, owned by the collection. */
const char *const *dl_collection_get_problems(DlCollection *self);
/* The lines the file holds that are no drawing (kept as they are). */
guint dl_collection_get_n_kept_lines(DlCollection *self);

/* How many drawings are labelled each digit. */
void dl_collection_count_labels(DlCollection *self, guint counts[NN_CLASSES]);
/* The item with the same strokes as drawing, or NULL (transfer none). */
DlDrawingItem *dl_collection_find(DlCollection *self, const DlDrawing *drawing);
/* The item's position, or -1 when it is not in the collection. */
int dl_collection_get_position(DlCollection *self, DlDrawingItem *item);

/* The student drawing now (property "student", e.g. bound to a setting
 * and an entry): added, without spaces around it, to the drawings added
 * that name none. NULL, "" or only spaces for none. */
void dl_collection_set_student(DlCollection *self, const char *student);
const char *dl_collection_get_student(DlCollection *self);

/* Appends a copy of drawing (its label must be 0-9, its strokes must have
 * ink; a time is added when it has none, and the student), saved before
 * this returns.
 * Returns the new item (transfer none), or NULL with error set: then
 * nothing changed, in memory or in the file. A drawing whose strokes are
 * already there is added again: call dl_collection_find() first. */
DlDrawingItem *dl_collection_add(DlCollection *self, const DlDrawing *drawing, GError **error);
/* Gives item another label (the file is rewritten); returns the item that
 * replaces it (transfer none), or NULL with error set and nothing changed. */
DlDrawingItem *dl_collection_relabel(DlCollection *self, DlDrawingItem *item, int label, GError **error);
/* Removes item (the file is rewritten). On success *position, if non-NULL,
 * gets where it was, for dl_collection_insert() to undo. */
gboolean dl_collection_remove(DlCollection *self, DlDrawingItem *item, guint *position, GError **error);
/* Puts a removed item back at position (clamped to the end). */
gboolean dl_collection_insert(DlCollection *self, guint position, DlDrawingItem *item, GError **error);

/* Writes every drawing to path, atomically (the lines that are no
 * drawing stay out). */
gboolean dl_collection_export(DlCollection *self, const char *path, GError **error);

typedef struct {
    guint added;       /* new drawings, appended */
    guint duplicates;  /* already in the collection, or twice in the file */
    guint unlabelled;  /* drawings without a digit label, or without ink */
    guint bad_lines;   /* lines that are no drawing */
    char *first_problem; /* the first bad line's message ("line 3: ..."), or NULL */
} DlImportReport;

void dl_import_report_clear(DlImportReport *report);

/* Reads file in a worker (every line checked by dl-strokes), then, back in
 * the main thread, appends the new labelled drawings in one write (all or
 * none). The report says what was added and what was skipped. */
void dl_collection_import_async(DlCollection *self, GFile *file, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data);
gboolean dl_collection_import_finish(DlCollection *self, GAsyncResult *result, DlImportReport *report,
                                     GError **error);

/* The drawings as a test set (pixels and labels, in the collection's order)
 * for dl_evaluation_compute(); positions, if non-NULL, selects which (n
 * of them). NULL when there are none. */
DlTestSet *dl_collection_make_test_set(DlCollection *self, const guint *positions, guint n);

G_END_DECLS
