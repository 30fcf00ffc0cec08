/* libFuzzer target for the PNG and PGM loader (src/common/image-load.c)
 * and the MNIST-style normalisation of images (nn_gray_to_image,
 * src/engine/preprocess.c); see README.md.
 *
 * The input is the image file. Besides the sanitizers, the target aborts
 * when the code breaks its contract: a failure without a message or with
 * pixels handed out, an image of no pixels, or a normalised image outside
 * [0, 1]. Images of more than 4 Mi pixels are loaded but not normalised,
 * so that a bomb of a PNG costs one slow input, not every input after it
 * (the normalisation's cost is linear in the pixels). */
#include <stdint.h>
#include <stdlib.h>

#include "image-load.h"
#include "preprocess.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    DlGrayImage image = { 0 };
    GError *error = NULL;
    if (!dl_gray_image_load_from_data("input", data, size, &image, &error)) {
        if (error == NULL || error->message[0] == '\0' || image.pixels != NULL)
            abort();
        g_error_free(error);
        return 0;
    }
    if (error != NULL || image.pixels == NULL || image.width <= 0 || image.height <= 0)
        abort();
    if ((size_t)image.width * (size_t)image.height <= (4u << 20)) {
        float out[NN_IMAGE_PIXELS];
        NnError err;
        nn_error_clear(&err);
        if (nn_gray_to_image(image.pixels, image.width, image.height, image.width, out, &err) == NN_OK) {
            for (int i = 0; i < NN_IMAGE_PIXELS; i++)
                if (!(out[i] >= 0.0f && out[i] <= 1.0f))
                    abort();
        } else if (err.message[0] == '\0') {
            abort();
        }
    }
    dl_gray_image_clear(&image);
    return 0;
}
