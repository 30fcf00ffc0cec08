/* winograd.h — 3x3 convolutions by Winograd's F(2x2, 3x3): the same contract
 * as nn_conv_forward / nn_conv_backward in layers.h, with 2.25x fewer
 * multiply-adds. layers.c picks it per layer (NnConvShape.algorithm). */
#pragma once

#include "layers.h"

size_t nn_winograd_scratch_floats(const NnConvShape *s, int chunk);
size_t nn_winograd_cache_floats(const NnConvShape *s);
void nn_winograd_forward(const NnConvShape *s, const float *x, const float *w, NnConvCache *cache,
                         float *y, int batch, int chunk, NnScratch scratch);
void nn_winograd_backward(const NnConvShape *s, const float *x, const float *w, NnConvCache *cache,
                          const float *dy, float *dw, float *dx, int batch, int chunk,
                          NnScratch scratch);
