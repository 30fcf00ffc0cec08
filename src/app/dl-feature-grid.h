/* dl-feature-grid.h — one layer's feature maps, or filters, as small
 * greyscale tiles.
 *
 * The maps are `channels` images of height x width values, channel after
 * channel, row-major (NnActivation's layout; a convolution's weights
 * [out][in = 1][3][3] are the same). Each is a tile drawn at a whole
 * number of screen pixels per value, about "tile-size" pixels wide, as
 * many to a row as fit (height for width). A value v is grey
 * (v - lo) / (hi - lo), clamped: black at lo, white at hi
 * (dl_feature_grid_set_range()).
 *
 * The pointer over a tile shows its layer, channel and value range in a
 * tooltip; with the keyboard focus, the arrow keys, Home and End move
 * between tiles (dl-tile-cursor.h). "tile-changed" (int: the tile the pointer or the
 * keyboard is on, -1 for none) lets a page say which in words
 * (dl_feature_grid_describe_tile()).
 *
 * Accessible: label "<title>"; description "<name>: 32 maps of 28 × 28,
 * values 0.000 to 3.521, total 1234.567" (the total changes with any
 * value: tests compare it), or the tile's description while one is
 * chosen. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef enum {
    DL_FEATURE_GRID_MAPS,    /* a layer's output: "map 3 of 32" */
    DL_FEATURE_GRID_FILTERS, /* a convolution's weights: "filter 3 of 32" */
} DlFeatureGridKind;

#define DL_TYPE_FEATURE_GRID (dl_feature_grid_get_type())
G_DECLARE_FINAL_TYPE(DlFeatureGrid, dl_feature_grid, DL, FEATURE_GRID, GtkWidget)

GtkWidget *dl_feature_grid_new(DlFeatureGridKind kind);

/* Copies the maps. name: the engine's ("conv1"); title: for people
 * ("Convolution 1"; NULL keeps the title). channels == 0 empties the grid. */
void dl_feature_grid_set_maps(DlFeatureGrid *self, const char *name, const char *title, int channels, int height,
                              int width, const float *data);
/* The smallest and largest value of all maps (0, 0 when empty). */
void dl_feature_grid_get_extremes(DlFeatureGrid *self, float *min, float *max);
/* The values drawn black and white (lo < hi). */
void dl_feature_grid_set_range(DlFeatureGrid *self, float lo, float hi);
/* About how wide a tile is, in pixels (48 by default). */
void dl_feature_grid_set_tile_size(DlFeatureGrid *self, int pixels);

/* The tile under the pointer or the keyboard's, -1 for none. */
int dl_feature_grid_get_current_tile(DlFeatureGrid *self);
/* "conv2, map 17 of 32: values 0.00 to 3.52". */
char *dl_feature_grid_describe_tile(DlFeatureGrid *self, int index);

G_END_DECLS
