/* dl-export-file.c — pictures and tables of src/plot written to files. */
#include "dl-export-file.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

G_DEFINE_QUARK(dl-export-error-quark, dl_export_error)

static const char *const extensions[] = { "png", "svg", "pdf" };

DlExportFormat
dl_export_format_from_path(const char *path)
{
    g_return_val_if_fail(path != NULL, DL_EXPORT_FORMAT_UNKNOWN);

    g_autofree char *base = g_path_get_basename(path);
    const char *dot = strrchr(base, '.');
    if (dot == NULL || dot == base)
        return DL_EXPORT_FORMAT_UNKNOWN;
    for (int i = 0; i < (int)G_N_ELEMENTS(extensions); i++)
        if (g_ascii_strcasecmp(dot + 1, extensions[i]) == 0)
            return (DlExportFormat)i;
    return DL_EXPORT_FORMAT_UNKNOWN;
}

const char *
dl_export_format_extension(DlExportFormat format)
{
    if (format < 0 || format >= (int)G_N_ELEMENTS(extensions))
        return NULL;
    return extensions[format];
}

static cairo_status_t
append_bytes(void *closure, const unsigned char *data, unsigned int length)
{
    g_byte_array_append(closure, data, length);
    return CAIRO_STATUS_SUCCESS;
}

/* Why a file could not be written, in plain words; GLib's own message
 * names the temporary file, which the user never asked for. */
static const char *
file_error_reason(const GError *error)
{
    if (error->domain == G_FILE_ERROR) {
        switch (error->code) {
        case G_FILE_ERROR_ACCES:
        case G_FILE_ERROR_PERM:
            return _("you may not write there");
        case G_FILE_ERROR_NOENT:
        case G_FILE_ERROR_NOTDIR:
            return _("its folder does not exist");
        case G_FILE_ERROR_ISDIR:
            return _("it is a folder");
        case G_FILE_ERROR_NOSPC:
            return _("the disk is full");
        case G_FILE_ERROR_ROFS:
            return _("the disk is read-only");
        default:
            break;
        }
    }
    return error->message;
}

/* Writes data made in memory to path, whole or not at all. */
static gboolean
write_whole(const char *path, const char *data, gsize length, GError **error)
{
    g_autoptr(GError) local = NULL;
    if (g_file_set_contents_full(path, data, (gssize)length, G_FILE_SET_CONTENTS_CONSISTENT, 0666, &local))
        return TRUE;
    g_autofree char *name = g_filename_display_name(path);
    g_set_error(error, local->domain, local->code, _("Could not write “%s”: %s"), name,
                file_error_reason(local));
    return FALSE;
}

static gboolean
surface_ok(cairo_surface_t *surface, GError **error)
{
    cairo_status_t status = cairo_surface_status(surface);
    if (status == CAIRO_STATUS_SUCCESS)
        return TRUE;
    g_set_error(error, DL_EXPORT_ERROR, DL_EXPORT_ERROR_DRAW, _("Could not draw the picture: %s"),
                cairo_status_to_string(status));
    return FALSE;
}

static void
draw_page(cairo_surface_t *surface, double scale, double width, double height, DlExportDrawFunc draw,
          gpointer user_data)
{
    cairo_t *cr = cairo_create(surface);
    cairo_scale(cr, scale, scale);
    draw(cr, width, height, user_data);
    cairo_show_page(cr);
    cairo_destroy(cr);
}

gboolean
dl_export_draw(const char *path, double width, double height, double png_scale, DlExportDrawFunc draw,
               gpointer user_data, GError **error)
{
    g_return_val_if_fail(path != NULL && draw != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    DlExportFormat format = dl_export_format_from_path(path);
    if (format == DL_EXPORT_FORMAT_UNKNOWN) {
        g_autofree char *name = g_filename_display_name(path);
        g_set_error(error, DL_EXPORT_ERROR, DL_EXPORT_ERROR_FORMAT,
                    _("Cannot tell which format to write “%s” in: name it .png, .svg or .pdf"), name);
        return FALSE;
    }
    if (!(width >= 1 && height >= 1 && width <= 20000 && height <= 20000)) {
        g_set_error(error, DL_EXPORT_ERROR, DL_EXPORT_ERROR_DRAW,
                    _("A picture must be between 1 and 20000 units wide and high"));
        return FALSE;
    }

    g_autoptr(GByteArray) bytes = g_byte_array_new();
    cairo_surface_t *surface = NULL;
    gboolean ok = FALSE;
    switch (format) {
    case DL_EXPORT_FORMAT_PNG: {
        double scale = png_scale > 0 ? png_scale : 1.0;
        int w = (int)ceil(width * scale), h = (int)ceil(height * scale);
        if ((double)w * h > 200e6) {
            g_set_error(error, DL_EXPORT_ERROR, DL_EXPORT_ERROR_DRAW, _("The picture would be too large"));
            return FALSE;
        }
        surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
        if (!surface_ok(surface, error))
            break;
        draw_page(surface, scale, width, height, draw, user_data);
        cairo_surface_flush(surface);
        ok = surface_ok(surface, error);
        if (ok && cairo_surface_write_to_png_stream(surface, append_bytes, bytes) != CAIRO_STATUS_SUCCESS)
            ok = surface_ok(surface, error);
        break;
    }
    case DL_EXPORT_FORMAT_SVG:
        surface = cairo_svg_surface_create_for_stream(append_bytes, bytes, width, height);
        if (!surface_ok(surface, error))
            break;
        cairo_svg_surface_set_document_unit(surface, CAIRO_SVG_UNIT_PX);
        draw_page(surface, 1.0, width, height, draw, user_data);
        cairo_surface_finish(surface);
        ok = surface_ok(surface, error);
        break;
    case DL_EXPORT_FORMAT_PDF:
        surface = cairo_pdf_surface_create_for_stream(append_bytes, bytes, width, height);
        if (!surface_ok(surface, error))
            break;
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "Digit Lab");
        draw_page(surface, 1.0, width, height, draw, user_data);
        cairo_surface_finish(surface);
        ok = surface_ok(surface, error);
        break;
    case DL_EXPORT_FORMAT_UNKNOWN:
    default:
        g_assert_not_reached();
    }
    g_clear_pointer(&surface, cairo_surface_destroy);
    return ok && write_whole(path, (const char *)bytes->data, bytes->len, error);
}

/* ---- the pictures of src/plot ---- */

typedef struct {
    DlPlotKind kind;
    gboolean all;
    DlHistory *history;
    const DlDrawStyle *style;
    const int (*confusion)[DL_DRAW_CLASSES];
} Picture;

static void
draw_background_of(cairo_t *cr, double width, double height, const DlDrawStyle *style)
{
    const DlColor *c = &style->background;
    cairo_set_source_rgba(cr, c->red, c->green, c->blue, c->alpha);
    cairo_rectangle(cr, 0, 0, width, height);
    cairo_fill(cr);
}

static void
draw_picture(cairo_t *cr, double width, double height, gpointer user_data)
{
    const Picture *p = user_data;
    /* A file has no widget behind it: its own background, and a margin
     * (as a widget has its padding). */
    draw_background_of(cr, width, height, p->style);
    DlDrawStyle style = *p->style;
    style.paint_background = FALSE;
    double margin = round(MIN(style.font_size, MIN(width, height) / 20.0));
    cairo_translate(cr, margin, margin);
    width -= 2 * margin;
    height -= 2 * margin;
    if (p->confusion != NULL)
        dl_draw_confusion(cr, width, height, p->confusion, &style, -1, -1);
    else if (p->all)
        dl_draw_plots(cr, width, height, p->history, &style);
    else
        dl_draw_plot(cr, width, height, p->kind, p->history, &style, NULL);
}

gboolean
dl_export_plot(const char *path, double width, double height, double png_scale, DlPlotKind kind,
               DlHistory *history, const DlDrawStyle *style, GError **error)
{
    g_return_val_if_fail(style != NULL, FALSE);
    Picture p = { .kind = kind, .history = history, .style = style };
    return dl_export_draw(path, width, height, png_scale, draw_picture, &p, error);
}

gboolean
dl_export_plots(const char *path, double width, double height, double png_scale, DlHistory *history,
                const DlDrawStyle *style, GError **error)
{
    g_return_val_if_fail(style != NULL, FALSE);
    Picture p = { .all = TRUE, .history = history, .style = style };
    return dl_export_draw(path, width, height, png_scale, draw_picture, &p, error);
}

gboolean
dl_export_confusion(const char *path, double width, double height, double png_scale,
                    const int confusion[DL_DRAW_CLASSES][DL_DRAW_CLASSES], const DlDrawStyle *style,
                    GError **error)
{
    g_return_val_if_fail(style != NULL && confusion != NULL, FALSE);
    Picture p = { .style = style, .confusion = confusion };
    return dl_export_draw(path, width, height, png_scale, draw_picture, &p, error);
}

gboolean
dl_export_confusion_csv(const char *path, const int confusion[DL_DRAW_CLASSES][DL_DRAW_CLASSES],
                        GError **error)
{
    g_return_val_if_fail(path != NULL && confusion != NULL, FALSE);

    g_autoptr(GString) csv = g_string_new("true");
    for (int c = 0; c < DL_DRAW_CLASSES; c++)
        g_string_append_printf(csv, ",%d", c);
    g_string_append_c(csv, '\n');
    for (int r = 0; r < DL_DRAW_CLASSES; r++) {
        g_string_append_printf(csv, "%d", r);
        for (int c = 0; c < DL_DRAW_CLASSES; c++)
            g_string_append_printf(csv, ",%d", confusion[r][c]);
        g_string_append_c(csv, '\n');
    }
    return write_whole(path, csv->str, csv->len, error);
}
