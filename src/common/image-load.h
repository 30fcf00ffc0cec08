/* image-load.h — read PNG and PGM files as 8-bit grayscale (digitlab-cli
 * predict; the fuzz target fuzz-image).
 *
 * PNG: any bit depth and colour type, converted to sRGB gray by libpng;
 * transparent pixels are composited over white (a digit drawn on a
 * transparent background reads as ink on paper). PGM: plain (P2) and raw
 * (P5), maxval up to 65535, scaled to 0..255. The format is recognised by
 * the file's first bytes, not its name. Files over 1 GiB and images of
 * more than 64 Mi pixels are refused (DL_IMAGE_ERROR_TOO_LARGE) before
 * their pixels are allocated. */
#pragma once

#include <stdint.h>

#include <glib.h>

G_BEGIN_DECLS

#define DL_IMAGE_ERROR (dl_image_error_quark())

typedef enum {
    DL_IMAGE_ERROR_IO,          /* the file could not be read */
    DL_IMAGE_ERROR_UNSUPPORTED, /* not a PNG or PGM file */
    DL_IMAGE_ERROR_CORRUPT,     /* a PNG or PGM file that is damaged */
    DL_IMAGE_ERROR_TOO_LARGE,   /* more pixels than we are willing to hold */
} DlImageError;

GQuark dl_image_error_quark(void);

/* A grayscale image: width * height bytes, row-major, no padding. */
typedef struct {
    int width;
    int height;
    uint8_t *pixels;
} DlGrayImage;

/* Loads path into image (its pixels freed with dl_gray_image_clear). Error
 * messages start with the file name. */
gboolean dl_gray_image_load(const char *path, DlGrayImage *image, GError **error);

/* The same for a file already in memory (size bytes at data); name stands
 * for the file in messages. */
gboolean dl_gray_image_load_from_data(const char *name, const guint8 *data, gsize size, DlGrayImage *image,
                                      GError **error);

void dl_gray_image_clear(DlGrayImage *image);

G_END_DECLS
