/* preprocess.h — turn drawings and photographs of digits into MNIST-style
 * 28x28 images, the way the MNIST set itself was made.
 *
 * LeCun et al. size-normalised each digit to fit a 20x20 box keeping its
 * aspect ratio (anti-aliased, hence grey levels), then placed it in a 28x28
 * field so that the centre of mass of the ink falls on the centre of the
 * field. Both entry points below end in that one shared step
 * (nn_ink_to_image), so a digit drawn on the app's canvas, a digit loaded
 * from a file and an MNIST test digit all look alike to the network.
 *
 * Output images are NN_IMAGE_PIXELS floats, row-major, in [0,1] with ink = 1,
 * as nn_model_predict() expects.
 *
 * Coordinate convention (used throughout, and by the tests): pixel (i, j)
 * has its centre at column index i, row index j. The centre of mass of an
 * image is sum(v * index) / sum(v) in those index coordinates. The 10,000
 * MNIST test digits have their mean centre of mass at (14.01, 13.99) with a
 * standard deviation of 0.29 px, that of a uniform spread over +-0.5 px: the
 * digits were moved by whole pixels to bring the centre of mass as near to
 * index (14, 14) as whole pixels allow. So MNIST's "centre of the field" is
 * index (14, 14), not the geometric centre 13.5, and we do the same: the
 * centre of mass ends up within half a pixel of NN_MNIST_CENTER, and the
 * digit keeps MNIST's sharpness (see nn_ink_to_image).
 *
 * Pure C11 + libm: the GTK app's drawing canvas calls the same code.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "nn-status.h"

/* The long side of the ink's bounding box in the output, in pixels. */
#define NN_MNIST_BOX 20
/* Where the centre of mass of the ink goes, in pixel-index coordinates. */
#define NN_MNIST_CENTER 14.0f

/* The most points a drawing may have, in all its strokes together. A
 * person drawing a digit makes a few hundred: the 3,214 pen-drawn digits of
 * a UNIPEN development set have at most 662 (median 47), and the app's
 * canvas thins its points. 5,000 is 7.5 times that maximum (a 240 Hz pen
 * held down for 20 s). The limit bounds the cost of a drawing (about 0.15 s
 * for 5,000 points zig-zagging across the whole drawing, the worst case;
 * a real digit takes well under a millisecond) and refuses machine-made
 * input that is no drawing. */
#define NN_MAX_DRAWING_POINTS 5000

/* A point of a pen stroke, in any units (e.g. widget pixels), y downwards. */
typedef struct {
    float x, y;
} NnPoint;

/* A pen-down-to-pen-up stroke: its points are joined by straight segments
 * with round caps and joins; a stroke of one point is a dot. */
typedef struct {
    const NnPoint *points;
    size_t n_points;
} NnStroke;

/* Rasterises a drawing with a pen whose width is a fixed fraction of the
 * drawing's size (so the result does not depend on the canvas size or
 * zoom), then normalises it like MNIST. Strokes with no points are ignored;
 * a drawing with no points at all fails with NN_ERR_EMPTY. Coordinates must
 * be finite and there may be at most NN_MAX_DRAWING_POINTS points
 * (NN_ERR_INVALID_ARG otherwise). The cost is proportional to the length of
 * the strokes times the pen's width. */
NnStatus nn_strokes_to_image(const NnStroke *strokes, size_t n_strokes,
                             float out[NN_IMAGE_PIXELS], NnError *err);

/* The longer side of the bounding box of all the drawing's points, in its
 * own units: 0 for a single point (however often repeated) and for a
 * drawing without points; non-finite coordinates are skipped. */
float nn_strokes_extent(const NnStroke *strokes, size_t n_strokes);

/* Normalises an 8-bit grayscale image of any size (row i starts at
 * gray + i * stride) holding one digit, dark ink on a light background or
 * light ink on a dark one: the polarity is detected from the border. An
 * image without visible ink fails with NN_ERR_EMPTY. */
NnStatus nn_gray_to_image(const uint8_t *gray, int width, int height, int stride,
                          float out[NN_IMAGE_PIXELS], NnError *err);

/* The shared last step: ink (width * height floats, row-major, ink
 * intensity in [0,1], 0 = background) is cropped to the bounding box of its
 * non-zero pixels, scaled so the box's long side is exactly NN_MNIST_BOX
 * pixels (keeping the aspect ratio; each output pixel is the mean of the
 * source over its footprint, which is area-averaging when shrinking) with
 * the box's corner on a pixel corner, and moved by whole pixels so that the
 * centre of mass is within half a pixel of (NN_MNIST_CENTER,
 * NN_MNIST_CENTER) -- unless the digit is so lopsided that the field clips
 * it. Values are clamped to [0,1]. An MNIST digit comes back unchanged.
 * Fails with NN_ERR_EMPTY if no pixel is above zero. */
NnStatus nn_ink_to_image(const float *ink, int width, int height,
                         float out[NN_IMAGE_PIXELS], NnError *err);

/* Centre of mass of a 28x28 image in pixel-index coordinates; returns the
 * total mass (0 for an empty image, in which case cx and cy are left as
 * they were). Either pointer may be NULL. */
float nn_image_center_of_mass(const float image[NN_IMAGE_PIXELS], float *cx, float *cy);

/* ---- the steps, for showing them ---------------------------------------------- */

/* Side of the drawing in its frame, as nn_strokes_to_image_steps() shows it. */
#define NN_STEPS_RAW_SIDE 112

/* The pipeline step by step, as images (floats in [0,1], ink 1, row-major):
 *   raw     the drawing: the strokes rasterised with the same pen in their
 *           frame, NN_STEPS_RAW_SIDE pixels on its long side
 *           (nn_strokes_to_image_steps), or the ink image as given
 *           (nn_ink_to_image_steps); raw_width x raw_height;
 *   box     the ink's bounding box in raw's pixels: x, y, width, height;
 *   crop    what the box holds, as the pipeline resamples it: the strokes
 *           rasterised anew with 10 pixels per output pixel (so the pen is
 *           sharp), or the ink image's box; crop_width x crop_height;
 *   scaled  the crop scaled so that its long side is NN_MNIST_BOX pixels
 *           (area-averaged), in an NN_MNIST_BOX square, the box's top-left
 *           corner at (scaled_x, scaled_y) (0 on the long side, centred by
 *           whole pixels on the short one), scaled_width x scaled_height;
 *   image   the same pixels moved by whole pixels in the 28x28 field so
 *           that the centre of mass, (center_x, center_y), is within half a
 *           pixel of NN_MNIST_CENTER: the network's input, bit for bit what
 *           nn_strokes_to_image (nn_ink_to_image) returns. scaled's pixel
 *           (x, y) is image's (x + shift_x, y + shift_y), where the field
 *           does not clip it.
 * raw and crop are allocated; nn_preprocess_steps_clear() frees them. */
typedef struct {
    float *raw;
    int raw_width, raw_height;
    float box[4];
    float *crop;
    int crop_width, crop_height;
    float scaled[NN_MNIST_BOX * NN_MNIST_BOX];
    int scaled_x, scaled_y, scaled_width, scaled_height;
    float image[NN_IMAGE_PIXELS];
    int shift_x, shift_y;
    float center_x, center_y;
} NnPreprocessSteps;

/* nn_strokes_to_image with its steps. frame (x, y, width, height, in the
 * strokes' units: the canvas they were drawn on) is what raw shows; NULL
 * shows the drawing's own extent. steps is overwritten (its previous
 * arrays are not freed); on failure it holds nothing to free. */
NnStatus nn_strokes_to_image_steps(const NnStroke *strokes, size_t n_strokes, const float frame[4],
                                   NnPreprocessSteps *steps, NnError *err);
/* nn_ink_to_image with its steps; raw is a copy of ink. */
NnStatus nn_ink_to_image_steps(const float *ink, int width, int height, NnPreprocessSteps *steps, NnError *err);
/* Frees raw and crop and zeroes steps. */
void nn_preprocess_steps_clear(NnPreprocessSteps *steps);
