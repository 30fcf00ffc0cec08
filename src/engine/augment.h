/* augment.h — on-the-fly data augmentation, as Keras' ImageDataGenerator
 * does it for the paper: a random rotation, an independent zoom of each axis
 * and a random shift, drawn anew for every image in every epoch, applied with
 * bilinear resampling (the area outside the source image is background). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "rng.h"

typedef struct {
    bool enabled;
    float rotation;  /* degrees: angle uniform in [-rotation, rotation]; paper 10 */
    float zoom;      /* scale of each axis uniform in [1 - zoom, 1 + zoom]; paper 0.1 */
    float shift;     /* fraction of the side: offset uniform in [-shift, shift] * 28; paper 0.1 */
} NnAugment;

NnAugment nn_augment_default(void);

/* Converts a 28x28 byte image to floats in [0,1] without changes. */
void nn_image_to_float(const uint8_t *src, float *dst);

/* Writes a randomly transformed copy of src (28x28 bytes) to dst (28x28
 * floats in [0,1]). With augmentation disabled it is nn_image_to_float. */
void nn_augment_image(const NnAugment *aug, const uint8_t *src, float *dst, NnRng *rng);

/* The transform itself, for tests and for showing it: maps each output pixel
 * (x, y) to the source point (sx, sy) = M (x - c, y - c) + c + t, c = 13.5,
 * M = R(angle) diag(zoom_x, zoom_y). angle in degrees, t in pixels. */
void nn_affine_resample(const uint8_t *src, float *dst, float angle, float zoom_x, float zoom_y,
                        float tx, float ty);
