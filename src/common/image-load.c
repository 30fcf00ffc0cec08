/* image-load.c — PNG (through libpng's simplified API) and PGM (by hand). */
#include "image-load.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <png.h>

/* Larger images are refused rather than risking an allocation of gigabytes:
 * a digit needs far fewer pixels than this. */
#define MAX_PIXELS (64 * 1024 * 1024)
#define MAX_FILE_SIZE ((gsize)1 << 30)

G_DEFINE_QUARK(dl-image-error-quark, dl_image_error)

void
dl_gray_image_clear(DlGrayImage *image)
{
    g_clear_pointer(&image->pixels, g_free);
    image->width = 0;
    image->height = 0;
}

static gboolean
read_file(const char *path, guint8 **data, gsize *size, GError **error)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        int saved = errno;
        g_set_error(error, DL_IMAGE_ERROR, DL_IMAGE_ERROR_IO, "%s: %s", path, g_strerror(saved));
        return FALSE;
    }
    GByteArray *bytes = g_byte_array_new();
    guint8 chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (bytes->len + n > MAX_FILE_SIZE) {
            g_set_error(error, DL_IMAGE_ERROR, DL_IMAGE_ERROR_TOO_LARGE,
                        "%s: file larger than %" G_GSIZE_FORMAT " MiB", path, MAX_FILE_SIZE >> 20);
            g_byte_array_unref(bytes);
            fclose(f);
            return FALSE;
        }
        g_byte_array_append(bytes, chunk, (guint)n);
    }
    if (ferror(f)) {
        int saved = errno;
        g_set_error(error, DL_IMAGE_ERROR, DL_IMAGE_ERROR_IO, "%s: %s", path, g_strerror(saved));
        g_byte_array_unref(bytes);
        fclose(f);
        return FALSE;
    }
    fclose(f);
    *size = bytes->len;
    *data = g_byte_array_free(bytes, FALSE);
    return TRUE;
}

static gboolean
load_png(const char *path, const guint8 *data, gsize size, DlGrayImage *image, GError **error)
{
    png_image png;
    memset(&png, 0, sizeof png);
    png.version = PNG_IMAGE_VERSION;

    if (!png_image_begin_read_from_memory(&png, data, size)) {
        g_set_error(error, DL_IMAGE_ERROR, DL_IMAGE_ERROR_CORRUPT,
                    "%s: not a readable PNG image (%s)", path, png.message);
        png_image_free(&png);
        return FALSE;
    }
    if ((guint64)png.width * png.height > MAX_PIXELS) {
        g_set_error(error, DL_IMAGE_ERROR, DL_IMAGE_ERROR_TOO_LARGE,
                    "%s: image of %ux%u pixels is too large", path, png.width, png.height);
        png_image_free(&png);
        return FALSE;
    }

    /* 8-bit sRGB gray and alpha (not premultiplied at 8 bits). libpng would
     * composite in linear light, which makes anti-aliased edges lighter than
     * any viewer shows them; viewers blend the sRGB values, so we do too. */
    png.format = PNG_FORMAT_GA;
    gsize n = (gsize)png.width * png.height;
    guint8 *ga = g_malloc(PNG_IMAGE_SIZE(png));
    if (!png_image_finish_read(&png, NULL, ga, 0, NULL)) {
        g_set_error(error, DL_IMAGE_ERROR, DL_IMAGE_ERROR_CORRUPT,
                    "%s: damaged PNG image (%s)", path, png.message);
        g_free(ga);
        png_image_free(&png);
        return FALSE;
    }
    guint8 *pixels = g_malloc(n);
    for (gsize i = 0; i < n; i++) {
        guint gray = ga[2 * i], alpha = ga[2 * i + 1];
        pixels[i] = (guint8)((gray * alpha + 255 * (255 - alpha) + 127) / 255);
    }
    g_free(ga);
    image->width = (int)png.width;
    image->height = (int)png.height;
    image->pixels = pixels;
    png_image_free(&png);
    return TRUE;
}

/* A cursor over a PGM file. */
typedef struct {
    const char *path;
    const guint8 *p, *end;
} PgmReader;

static void
pgm_skip_space(PgmReader *r)
{
    while (r->p < r->end) {
        if (*r->p == '#') {
            while (r->p < r->end && *r->p != '\n' && *r->p != '\r')
                r->p++;
        } else if (g_ascii_isspace(*r->p)) {
            r->p++;
        } else {
            break;
        }
    }
}

/* Reads a decimal number after optional whitespace and comments. */
static gboolean
pgm_number(PgmReader *r, const char *what, guint max, guint *out, GError **error)
{
    pgm_skip_space(r);
    if (r->p >= r->end || !g_ascii_isdigit(*r->p)) {
        g_set_error(error, DL_IMAGE_ERROR, DL_IMAGE_ERROR_CORRUPT,
                    r->p >= r->end ? "%s: PGM file ends before its %s"
                                   : "%s: PGM %s is not a number",
                    r->path, what);
        return FALSE;
    }
    guint64 v = 0;
    while (r->p < r->end && g_ascii_isdigit(*r->p)) {
        v = v * 10 + (guint64)(*r->p - '0');
        if (v > max) {
            g_set_error(error, DL_IMAGE_ERROR, DL_IMAGE_ERROR_CORRUPT,
                        "%s: PGM %s is larger than %u", r->path, what, max);
            return FALSE;
        }
        r->p++;
    }
    *out = (guint)v;
    return TRUE;
}

static gboolean
load_pgm(const char *path, const guint8 *data, gsize size, DlGrayImage *image, GError **error)
{
    PgmReader r = { path, data + 2, data + size };
    gboolean plain = data[1] == '2';
    guint width, height, maxval;

    if (r.p < r.end && !g_ascii_isspace(*r.p) && *r.p != '#') {
        g_set_error(error, DL_IMAGE_ERROR, DL_IMAGE_ERROR_UNSUPPORTED,
                    "%s: not a PGM image (bad header)", path);
        return FALSE;
    }
    if (!pgm_number(&r, "width", G_MAXINT, &width, error) ||
        !pgm_number(&r, "height", G_MAXINT, &height, error) ||
        !pgm_number(&r, "maxval", 65535, &maxval, error))
        return FALSE;
    if (width == 0 || height == 0 || maxval == 0) {
        g_set_error(error, DL_IMAGE_ERROR, DL_IMAGE_ERROR_CORRUPT,
                    "%s: PGM header has width %u, height %u, maxval %u; none may be 0",
                    path, width, height, maxval);
        return FALSE;
    }
    if ((guint64)width * height > MAX_PIXELS) {
        g_set_error(error, DL_IMAGE_ERROR, DL_IMAGE_ERROR_TOO_LARGE,
                    "%s: image of %ux%u pixels is too large", path, width, height);
        return FALSE;
    }

    gsize n = (gsize)width * height;
    guint8 *pixels = g_malloc(n);
    if (plain) {
        for (gsize i = 0; i < n; i++) {
            guint v;
            if (!pgm_number(&r, "pixel data", G_MAXUINT16, &v, error))
                goto fail;
            if (v > maxval) {
                g_set_error(error, DL_IMAGE_ERROR, DL_IMAGE_ERROR_CORRUPT,
                            "%s: PGM pixel %" G_GSIZE_FORMAT " is %u, above maxval %u",
                            path, i + 1, v, maxval);
                goto fail;
            }
            pixels[i] = (guint8)((v * 255 + maxval / 2) / maxval);
        }
    } else {
        /* A single whitespace character separates maxval from the raster. */
        if (r.p >= r.end || !g_ascii_isspace(*r.p)) {
            g_set_error(error, DL_IMAGE_ERROR, DL_IMAGE_ERROR_CORRUPT,
                        "%s: PGM file ends after its header", path);
            goto fail;
        }
        r.p++;
        gsize bytes_per = maxval > 255 ? 2 : 1;
        if ((gsize)(r.end - r.p) < n * bytes_per) {
            g_set_error(error, DL_IMAGE_ERROR, DL_IMAGE_ERROR_CORRUPT,
                        "%s: PGM file truncated: %" G_GSIZE_FORMAT " bytes of pixel data, "
                        "%" G_GSIZE_FORMAT " expected",
                        path, (gsize)(r.end - r.p), n * bytes_per);
            goto fail;
        }
        for (gsize i = 0; i < n; i++) {
            guint v = bytes_per == 2 ? (guint)r.p[2 * i] << 8 | r.p[2 * i + 1] : r.p[i];
            if (v > maxval) {
                g_set_error(error, DL_IMAGE_ERROR, DL_IMAGE_ERROR_CORRUPT,
                            "%s: PGM pixel %" G_GSIZE_FORMAT " is %u, above maxval %u",
                            path, i + 1, v, maxval);
                goto fail;
            }
            pixels[i] = (guint8)((v * 255 + maxval / 2) / maxval);
        }
    }
    image->width = (int)width;
    image->height = (int)height;
    image->pixels = pixels;
    return TRUE;

fail:
    g_free(pixels);
    return FALSE;
}

gboolean
dl_gray_image_load_from_data(const char *name, const guint8 *data, gsize size, DlGrayImage *image,
                             GError **error)
{
    static const guint8 png_signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

    g_return_val_if_fail(name != NULL && image != NULL && (data != NULL || size == 0), FALSE);
    image->width = image->height = 0;
    image->pixels = NULL;

    if (size >= sizeof png_signature && memcmp(data, png_signature, sizeof png_signature) == 0)
        return load_png(name, data, size, image, error);
    if (size >= 2 && data[0] == 'P' && (data[1] == '2' || data[1] == '5'))
        return load_pgm(name, data, size, image, error);
    if (size >= 2 && data[0] == 'P' && strchr("13467", data[1]) != NULL && data[1] != '\0') {
        g_set_error(error, DL_IMAGE_ERROR, DL_IMAGE_ERROR_UNSUPPORTED,
                    "%s: Netpbm type P%c is not supported; save the image as PGM (P2/P5) or PNG",
                    name, data[1]);
        return FALSE;
    }
    g_set_error(error, DL_IMAGE_ERROR, DL_IMAGE_ERROR_UNSUPPORTED,
                size == 0 ? "%s: empty file, not an image" : "%s: not a PNG or PGM image", name);
    return FALSE;
}

gboolean
dl_gray_image_load(const char *path, DlGrayImage *image, GError **error)
{
    guint8 *data = NULL;
    gsize size = 0;

    g_return_val_if_fail(path != NULL && image != NULL, FALSE);
    image->width = image->height = 0;
    image->pixels = NULL;

    if (!read_file(path, &data, &size, error))
        return FALSE;
    gboolean ok = dl_gray_image_load_from_data(path, data, size, image, error);
    g_free(data);
    return ok;
}
