/* dl-unit-strip.h — a layer of single units as a strip of grey cells: the
 * hidden dense layer's units, or the ten outputs.
 *
 * Units: one value per cell, grey (v - lo) / (hi - lo) as in a feature
 * grid (black at lo, white at hi; dl_unit_strip_set_range()), the cells as
 * wide as the strip allows (wrapping into rows when they would be too
 * thin). Outputs: ten square cells for the probabilities of the digits,
 * always 0 (black) to 1 (white), each with its digit and percentage
 * below, the most probable one marked.
 *
 * The pointer over a cell shows its value in a tooltip; with the keyboard
 * focus, the arrow keys, Home and End move between cells (dl-tile-cursor.h).
 * "unit-changed" (int, -1 for none) as DlFeatureGrid's "tile-changed".
 *
 * Accessible: label "<title>"; description "dense1: 128 units, values 0 to
 * 5.21, 37 silent, total 123.456" or "probs: 7 at 98 %, then 1 at 1 %",
 * or the chosen cell's description. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef enum {
    DL_UNIT_STRIP_UNITS,
    DL_UNIT_STRIP_OUTPUTS,
} DlUnitStripKind;

#define DL_TYPE_UNIT_STRIP (dl_unit_strip_get_type())
G_DECLARE_FINAL_TYPE(DlUnitStrip, dl_unit_strip, DL, UNIT_STRIP, GtkWidget)

GtkWidget *dl_unit_strip_new(DlUnitStripKind kind);

/* Copies the values; title NULL keeps the title; count == 0 empties the strip. */
void dl_unit_strip_set_units(DlUnitStrip *self, const char *name, const char *title, int count, const float *values);
void dl_unit_strip_get_extremes(DlUnitStrip *self, float *min, float *max);
/* Units only: the values drawn black and white (lo < hi). */
void dl_unit_strip_set_range(DlUnitStrip *self, float lo, float hi);

int dl_unit_strip_get_current_unit(DlUnitStrip *self);
/* "dense1, unit 17 of 128: 2.31", "digit 7: 98.2 %". */
char *dl_unit_strip_describe_unit(DlUnitStrip *self, int index);

G_END_DECLS
