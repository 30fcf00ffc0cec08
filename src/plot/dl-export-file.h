/* dl-export-file.h — pictures and tables of src/plot written to files.
 *
 * The format of a picture comes from the file name's extension: .png, .svg
 * or .pdf (any case). A file is written whole or not at all: the output is
 * made in memory, then g_file_set_contents() writes it to a temporary file
 * beside the target and renames it over the target, so an error (or a
 * crash) never leaves a partial file behind.
 */
#pragma once

#include "dl-draw.h"

G_BEGIN_DECLS

#define DL_EXPORT_ERROR (dl_export_error_quark())

typedef enum {
    DL_EXPORT_ERROR_FORMAT, /* the extension names no format that can be written */
    DL_EXPORT_ERROR_DRAW,   /* cairo could not make the picture */
} DlExportError;

GQuark dl_export_error_quark(void);

typedef enum {
    DL_EXPORT_FORMAT_UNKNOWN = -1,
    DL_EXPORT_FORMAT_PNG,
    DL_EXPORT_FORMAT_SVG,
    DL_EXPORT_FORMAT_PDF,
} DlExportFormat;

/* The format named by path's extension, or DL_EXPORT_FORMAT_UNKNOWN. */
DlExportFormat dl_export_format_from_path(const char *path);

/* The extension ("png", "svg", "pdf") named by a format, or NULL. */
const char *dl_export_format_extension(DlExportFormat format);

/* Draws one picture of width x height. */
typedef void (*DlExportDrawFunc)(cairo_t *cr, double width, double height, gpointer user_data);

/* Writes one page drawn by `draw` to path, in the format of its extension.
 * width and height are in pixels for PNG (which is drawn at png_scale times
 * that many pixels, for sharp pictures on slides), in points (1/72 inch)
 * for PDF, and in CSS pixels for SVG. */
gboolean dl_export_draw(const char *path, double width, double height, double png_scale,
                        DlExportDrawFunc draw, gpointer user_data, GError **error);

/* A training plot (dl_draw_plot()), or the three one above the other
 * (dl_draw_plots()). */
gboolean dl_export_plot(const char *path, double width, double height, double png_scale, DlPlotKind kind,
                        DlHistory *history, const DlDrawStyle *style, GError **error);
gboolean dl_export_plots(const char *path, double width, double height, double png_scale,
                         DlHistory *history, const DlDrawStyle *style, GError **error);

/* The confusion matrix (dl_draw_confusion()), no highlight. */
gboolean dl_export_confusion(const char *path, double width, double height, double png_scale,
                             const int confusion[DL_DRAW_CLASSES][DL_DRAW_CLASSES],
                             const DlDrawStyle *style, GError **error);

/* The confusion matrix as CSV: a header "true,0,1,...,9", then one row per
 * true digit with its counts of each predicted digit. */
gboolean dl_export_confusion_csv(const char *path, const int confusion[DL_DRAW_CLASSES][DL_DRAW_CLASSES],
                                 GError **error);

G_END_DECLS
