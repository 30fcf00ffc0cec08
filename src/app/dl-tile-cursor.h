/* dl-tile-cursor.h — which tile of a grid of tiles the user is on, by the
 * pointer or the keyboard: what DlFeatureGrid and DlUnitStrip share.
 *
 * The tile under the pointer, else, while the widget has the focus, the
 * keyboard's (moved with the arrow keys, Home and End; a click moves it
 * too and takes the focus). Up and Down move a row, or pass on to the
 * widgets around at the first and last row. Hovering shows the tile's
 * description in a tooltip over the tile. The widget learns of a change
 * through `changed` (redraw, update its accessible description, emit its
 * signal).
 *
 * Not a GObject: a struct in the widget's instance, set up once in its
 * init. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef struct {
    /* What the widget tells: the tile at (x, y) or -1; tiles per row; a
     * tile's rectangle; its description (newly allocated). */
    int (*tile_at)(GtkWidget *widget, double x, double y);
    int (*columns)(GtkWidget *widget);
    void (*tile_rect)(GtkWidget *widget, int index, GdkRectangle *rect);
    char *(*describe)(GtkWidget *widget, int index);
    void (*changed)(GtkWidget *widget);
} DlTileCursorClass;

typedef struct {
    const DlTileCursorClass *klass;
    GtkWidget *widget;
    int count;
    int hover, focus, current;
} DlTileCursor;

/* Adds the controllers to widget and makes it focusable. */
void dl_tile_cursor_init(DlTileCursor *cursor, GtkWidget *widget, const DlTileCursorClass *klass);
/* The number of tiles changed (or the values: the current tile may be no
 * more); calls `changed` if the current tile changes. */
void dl_tile_cursor_set_count(DlTileCursor *cursor, int count);

G_END_DECLS
