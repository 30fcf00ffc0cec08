/* augment.h — on-the-fly data augmentation.
 *
 * The paper's augmentation is Keras' ImageDataGenerator: a random rotation,
 * an independent zoom of each axis and a random shift, drawn anew for every
 * image in every epoch, applied with bilinear resampling (the area outside
 * the source image is background). Beyond the paper, each off by default:
 *   - shear (slant), part of the same affine map;
 *   - elastic distortion (Simard, Steinkraus and Platt, ICDAR 2003): a
 *     random displacement field, uniform in [-1, 1] per pixel, smoothed
 *     with a Gaussian of standard deviation sigma and scaled by alpha
 *     pixels, added to the affine map's source coordinates;
 *   - stroke thickness: the resampled image blended towards its dilation
 *     (thicker) or erosion (thinner) by a 4-neighbour max or min filter;
 *   - random erasing (Zhong et al., AAAI 2020): with probability `erase`,
 *     a rectangle of 2-20 % of the image, aspect ratio 1:3 to 3:1, set to
 *     background.
 * Random numbers are drawn in that order, each only when its option is on,
 * so the paper's recipe draws exactly what it always did. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "rng.h"

typedef struct {
    bool enabled;
    float rotation;       /* degrees: angle uniform in [-rotation, rotation]; paper 10 */
    float zoom;           /* scale of each axis uniform in [1 - zoom, 1 + zoom]; paper 0.1 */
    float shift;          /* fraction of the side: offset uniform in [-shift, shift] * 28; paper 0.1 */
    float shear;          /* degrees of slant, uniform in [-shear, shear]; 0 = none */
    float elastic_alpha;  /* pixels; 0 = no elastic distortion */
    float elastic_sigma;  /* pixels, > 0 when alpha is */
    float thickness;      /* strength of the blend, uniform in [-thickness, thickness], at most 1 */
    float erase;          /* probability of erasing a patch, 0-1 */
    /* Probability that a 0, 1 or 7 gets a style stroke first (synth.h:
     * slashed zero, flagged one, crossed seven); applied by training, which
     * knows the labels. */
    float style;
} NnAugment;

NnAugment nn_augment_default(void);

/* NN_OK-style check of the ranges above; returns a static description of
 * the first problem, or NULL if the options are usable. */
const char *nn_augment_check(const NnAugment *aug);

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

/* A smoothed random displacement field (dx, dy: 28x28 each), as elastic
 * distortion uses it: uniform noise blurred by a Gaussian of sigma pixels
 * (kernel normalised to sum 1, zero outside the image), times alpha. */
void nn_elastic_field(float alpha, float sigma, NnRng *rng, float *dx, float *dy);
