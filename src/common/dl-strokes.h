/* dl-strokes.h — drawings as JSON Lines, one drawing per line:
 *
 *   {"strokes": [[[x, y], [x, y], ...], ...], "label": 7,
 *    "writer": "...", "time": "...", "student": "..."}
 *
 * x and y are numbers in any units, y downwards; "label" (a digit 0-9) and
 * the string members "writer", "time" and "student" are optional (null
 * counts as absent) and other members are ignored. This is what
 * `digitlab-cli predict --strokes` reads and what a class's drawing
 * collection writes.
 *
 * Outside input is bounded before json-glib sees it (its parser recurses
 * once per nesting level, so ~70,000 '[' overflowed the stack): a line may
 * be at most DL_STROKES_MAX_LINE bytes long and nest at most
 * DL_STROKES_MAX_DEPTH levels of arrays and objects, and a drawing may hold
 * at most NN_MAX_DRAWING_POINTS points (5,000; a person drawing a digit
 * makes a few hundred, see preprocess.h) in at most as many strokes.
 * Coordinates must be finite and within +-1e30. A bad line is an error of
 * its own: the lines after it are still read.
 *
 * GLib + json-glib, no GTK.
 */
#pragma once

#include <gio/gio.h>

#include "preprocess.h"

G_BEGIN_DECLS

#define DL_STROKES_MAX_LINE (1024 * 1024) /* bytes, without the newline */
#define DL_STROKES_MAX_DEPTH 32

#define DL_STROKES_ERROR (dl_strokes_error_quark())

typedef enum {
    DL_STROKES_ERROR_TOO_LONG,   /* a line longer than DL_STROKES_MAX_LINE */
    DL_STROKES_ERROR_TOO_DEEP,   /* nested deeper than DL_STROKES_MAX_DEPTH */
    DL_STROKES_ERROR_SYNTAX,     /* not valid JSON */
    DL_STROKES_ERROR_INVALID,    /* JSON, but not a drawing */
    DL_STROKES_ERROR_TOO_MANY,   /* more points or strokes than a hand draws */
} DlStrokesError;

GQuark dl_strokes_error_quark(void);

/* One drawing: its strokes point into one array of points. Everything is
 * owned by the drawing (dl_drawing_clear() frees it). */
typedef struct {
    NnPoint *points;
    size_t n_points;
    NnStroke *strokes; /* n_strokes ranges of points */
    size_t n_strokes;
    int label;         /* 0-9, or -1 when absent */
    char *writer;      /* NULL when absent */
    char *time;
    char *student;
} DlDrawing;

#define DL_DRAWING_INIT { .label = -1 }

/* Frees what the drawing holds and resets it to DL_DRAWING_INIT. */
void dl_drawing_clear(DlDrawing *drawing);

/* Replaces the drawing's strokes with a copy of strokes (label and the
 * string members are kept). */
void dl_drawing_set_strokes(DlDrawing *drawing, const NnStroke *strokes, size_t n_strokes);

/* Parses one line (length bytes, no newline needed; a trailing "\r" or
 * spaces are fine) into *drawing, which is cleared first. On failure
 * returns FALSE with error in DL_STROKES_ERROR, saying what is wrong in
 * plain words (without a file name or line number), and *drawing is left
 * cleared. */
gboolean dl_drawing_parse_line(const char *line, gsize length, DlDrawing *drawing, GError **error);

/* The drawing as one JSON line, without a newline: "strokes", then the
 * members that are present. Coordinates are written with as few digits as
 * give back the same float, so parsing the line gives the same drawing.
 * The strings must be UTF-8. */
char *dl_drawing_to_line(const DlDrawing *drawing);

/* Appends s (UTF-8) as a JSON string literal: quotes, escapes. */
void dl_json_append_string(GString *out, const char *s);

/* Reads a JSON Lines stream drawing by drawing. Lines are read in pieces,
 * so a line too long is skipped without being held in memory. */
typedef struct _DlStrokesReader DlStrokesReader;

typedef enum {
    DL_STROKES_READ_DRAWING,  /* *drawing holds the drawing of line *line */
    DL_STROKES_READ_BAD_LINE, /* line *line is not a drawing: error says why */
    DL_STROKES_READ_END,      /* no more lines */
    DL_STROKES_READ_FAILED,   /* the stream could not be read: error says why */
} DlStrokesReadResult;

/* The reader keeps a reference to stream. */
DlStrokesReader *dl_strokes_reader_new(GInputStream *stream);
void dl_strokes_reader_free(DlStrokesReader *reader);

/* The next drawing; blank lines are skipped. */
DlStrokesReadResult dl_strokes_reader_next(DlStrokesReader *reader, DlDrawing *drawing, guint *line,
                                           GCancellable *cancellable, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DlStrokesReader, dl_strokes_reader_free)

G_END_DECLS
