/* dl-draw.h — the training plots and the confusion matrix, drawn with Cairo.
 *
 * Every picture here is a function of a cairo_t, a size, a style and the
 * data: the app's widgets call it from their snapshot, the app's exports and
 * digitlab-cli's `plot` and `report` call it on PNG, SVG and PDF surfaces.
 * Sizes are in the cairo_t's user units: pixels on screen and in a PNG,
 * points (1/72 inch) in a PDF or SVG. Nothing here includes GTK.
 *
 * The area drawn is (0, 0)-(width, height); the background is painted only
 * when the style says so (exports), so a widget shows its own.
 */
#pragma once

#include <cairo.h>
#include <glib-object.h>

#include "dl-format.h"
#include "dl-history.h"

G_BEGIN_DECLS

enum {
    DL_DRAW_CLASSES = 10, /* the confusion matrix is of the ten digits */
};

typedef struct {
    double red, green, blue, alpha; /* 0-1 */
} DlColor;

/* How a picture looks. Fill it with dl_draw_style_init(), then change what
 * should differ (e.g. the colours a GTK theme names). */
typedef struct {
    /* The size of axis labels, legends, read-outs and table text, in user
     * units (px); titles are 1.2 times as large. The app computes it from
     * its zoom factor; 18 is readable from the back of a classroom. */
    double font_size;
    gboolean dark;
    /* Stronger lines and grid, opaque text, colours of higher contrast. */
    gboolean high_contrast;
    /* Fill the whole area with `background` before drawing (exports). */
    gboolean paint_background;
    /* A fontconfig family list, e.g. "Cantarell, sans-serif". */
    char font_family[64];

    DlColor foreground; /* text, axes and grid (drawn with lighter alphas) */
    DlColor background;
    DlColor training;   /* the training series; the matrix's diagonal */
    DlColor validation; /* the validation series; the matrix's errors */
    DlColor schedule;   /* the learning rate */
    DlColor box;        /* the hover read-out's background */
} DlDrawStyle;

/* The default look for a font size and style: libadwaita's palette (blue
 * training, orange validation, purple learning rate), white or dark grey
 * background, a sans-serif font. */
void dl_draw_style_init(DlDrawStyle *style, double font_size, gboolean dark, gboolean high_contrast);

/* ---- the training plots ---- */

typedef enum {
    DL_PLOT_ACCURACY,      /* training (smoothed, per batch) and validation accuracy, in % */
    DL_PLOT_LOSS,          /* training and validation loss on a log10 axis */
    DL_PLOT_LEARNING_RATE, /* the whole schedule drawn ahead, a marker where training is */
} DlPlotKind;

#define DL_TYPE_PLOT_KIND (dl_plot_kind_get_type())
GType dl_plot_kind_get_type(void);

/* A pointer over a plot, in the plot's coordinates: the nearest points are
 * read out in a box, with a guide line. With at_epoch (the keyboard's
 * read-out), x and y are ignored and the read-out is at `epoch`: after that
 * epoch on the accuracy and loss plots, its start on the learning-rate
 * plot. When `text` is not NULL, the read-out drawn is written there as one
 * line ("After epoch 3: Training, smoothed 97.31 %, Validation 99.12 %"),
 * or "" when none is drawn. */
typedef struct {
    double x, y;
    gboolean at_epoch;
    double epoch;
    char *text;
    size_t text_size;
} DlPlotHover;

/* Draws one training plot of `history` (NULL: an empty plot): its title and
 * legend on the top row, the axes (x in epochs, 0 to the run's length), the
 * series, and with `hover` the read-out of the points nearest to it. The
 * training curve is the engine's smoothed training value of every batch
 * (about the last NN_SMOOTH_BATCHES batches, continuous across epochs); a
 * history loaded from CSV has per-epoch means only, drawn as dots. */
void dl_draw_plot(cairo_t *cr, double width, double height, DlPlotKind kind, DlHistory *history,
                  const DlDrawStyle *style, const DlPlotHover *hover);

/* The three plots in one picture, one above the other: accuracy and loss
 * in 3/8 of the height each, the learning rate in the rest. */
void dl_draw_plots(cairo_t *cr, double width, double height, DlHistory *history,
                   const DlDrawStyle *style);

/* The plot's title: "Accuracy", "Loss", "Learning rate" (translated). */
const char *dl_plot_kind_title(DlPlotKind kind);

/* What the accuracy and loss plots' training curve of `history` is (the
 * smoothed per-batch values, or per-epoch means for a history read from
 * CSV), and why training accuracy sits below validation: two sentences, for
 * the read-out, a tooltip or a report. */
const char *dl_plot_training_note(DlHistory *history);

/* ---- runs compared ---- */

enum {
    DL_DRAW_MAX_RUNS = 4,   /* runs one comparison overlays */
    DL_DRAW_MAX_COLORS = 8, /* distinct run colours */
};

typedef struct {
    const char *name;   /* in the legend and the read-out */
    DlHistory *history; /* its epochs (dl_run_load_history(), or the live one) */
    gboolean current;   /* the run in progress or in use: drawn on top, thicker */
    int order;          /* its place in the legend, 0 first */
} DlPlotRun;

/* The colour of the index-th run of a comparison: the style's training
 * colour (the accent) for the first, then libadwaita's orange, green,
 * purple, red, yellow, brown and grey, for light, dark and high contrast. */
void dl_draw_run_color(const DlDrawStyle *style, int index, DlColor *color);

/* One plot of up to DL_DRAW_MAX_RUNS runs overlaid, each in its colour
 * (runs[i] in dl_draw_run_color(i)), the current one on top: on the
 * accuracy and loss plots each run's validation values (a solid line with
 * a dot per epoch) and training epoch means (dashed), on the learning-rate
 * plot each run's schedule. The legend names the runs and the two line
 * styles; with `hover`, the read-out lists every run's value at the epoch
 * nearest the pointer. */
void dl_draw_compare(cairo_t *cr, double width, double height, DlPlotKind kind, const DlPlotRun *runs,
                     int n_runs, const DlDrawStyle *style, const DlPlotHover *hover);

/* ---- the confusion matrix ---- */

/* Draws a confusion matrix (confusion[true digit][predicted digit], as
 * nn_evaluate() fills it) with its title, the number of images and the
 * overall accuracy above it, and beside each row that digit's images,
 * accuracy (recall: the share of its images read correctly) and precision
 * (the share of the images read as it that are it); a note below says what
 * the columns and shading mean. Cells are shaded by their share of the row:
 * the diagonal in the training colour, on 0-100 %; the errors in the
 * validation colour, on a scale up to the largest error share, so a single
 * error can still be seen. highlight_row and highlight_col (0-9, or -1 for
 * none) outline a cell, or a whole row or column when the other is -1. */
void dl_draw_confusion(cairo_t *cr, double width, double height,
                       const int confusion[DL_DRAW_CLASSES][DL_DRAW_CLASSES],
                       const DlDrawStyle *style, int highlight_row, int highlight_col);

/* The cell of dl_draw_confusion()'s matrix, drawn at that size and style,
 * under the point (x, y): TRUE with *row (true digit) and *col (predicted
 * digit) set, FALSE outside the cells (both then set to -1). row and col
 * may be NULL. */
gboolean dl_draw_confusion_hit(double width, double height, const DlDrawStyle *style, double x,
                               double y, int *row, int *col);

/* A 28 x 28 image of bytes (0 black .. 255 white, row by row), as large as
 * fits and centred in width x height, its corners rounded: the thumbnails
 * of test images and of the class's drawings. */
void dl_draw_digit_image(cairo_t *cr, double width, double height, const guint8 *pixels);

G_END_DECLS
