/* drawings-file.c — see drawings-file.h. */
#include "drawings-file.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <gio/gunixinputstream.h>

#include "dl-strokes.h"
#include "idx.h"
#include "preprocess.h"

int
drawings_file_read(const char *path, DrawingsFile *out)
{
    memset(out, 0, sizeof *out);
    gboolean from_stdin = strcmp(path, "-") == 0;
    out->name = from_stdin ? g_strdup("<stdin>") : g_filename_display_name(path);
    g_autoptr(GError) error = NULL;
    g_autoptr(GInputStream) stream = NULL;
    if (from_stdin) {
        stream = g_unix_input_stream_new(STDIN_FILENO, FALSE);
    } else {
        g_autoptr(GFile) file = g_file_new_for_commandline_arg(path);
        stream = G_INPUT_STREAM(g_file_read(file, NULL, &error));
        if (stream == NULL) {
            fprintf(stderr, "%s: %s\n", out->name, error->message);
            return -1;
        }
    }

    g_autoptr(GArray) images = g_array_new(FALSE, FALSE, sizeof(float) * NN_IMAGE_PIXELS);
    g_autoptr(GArray) labels = g_array_new(FALSE, FALSE, sizeof(int));
    g_autoptr(GArray) lines = g_array_new(FALSE, FALSE, sizeof(int));
    g_autoptr(GArray) extents = g_array_new(FALSE, FALSE, sizeof(float));
    g_autoptr(DlStrokesReader) reader = dl_strokes_reader_new(stream);
    DlDrawing drawing = DL_DRAWING_INIT;
    int failed = 0;
    guint line = 0;
    for (;;) {
        g_clear_error(&error);
        DlStrokesReadResult result = dl_strokes_reader_next(reader, &drawing, &line, NULL, &error);
        if (result == DL_STROKES_READ_END)
            break;
        if (result == DL_STROKES_READ_FAILED) {
            fprintf(stderr, "%s: %s\n", out->name, error->message);
            dl_drawing_clear(&drawing);
            return -1;
        }
        float image[NN_IMAGE_PIXELS];
        NnError err = { 0 };
        if (result == DL_STROKES_READ_DRAWING &&
            nn_strokes_to_image(drawing.strokes, drawing.n_strokes, image, &err) == NN_OK) {
            int l = (int)line;
            float extent = nn_strokes_extent(drawing.strokes, drawing.n_strokes);
            g_array_append_val(extents, extent);
            g_array_append_val(images, image);
            g_array_append_val(labels, drawing.label);
            g_array_append_val(lines, l);
        } else {
            fprintf(stderr, "%s:%u: %s\n", out->name, line,
                    result == DL_STROKES_READ_DRAWING ? err.message : error->message);
            failed++;
        }
    }
    dl_drawing_clear(&drawing);
    out->count = (int)images->len;
    out->images = (float *)g_array_free(g_steal_pointer(&images), FALSE);
    out->labels = (int *)g_array_free(g_steal_pointer(&labels), FALSE);
    out->lines = (int *)g_array_free(g_steal_pointer(&lines), FALSE);
    out->extents = (float *)g_array_free(g_steal_pointer(&extents), FALSE);
    return failed;
}

void
drawings_file_clear(DrawingsFile *d)
{
    g_free(d->images);
    g_free(d->labels);
    g_free(d->lines);
    g_free(d->extents);
    g_free(d->name);
    memset(d, 0, sizeof *d);
}

NnDataset
drawings_file_to_dataset(const DrawingsFile *d)
{
    int n = 0;
    for (int i = 0; i < d->count; i++)
        n += d->labels[i] >= 0;
    NnDataset out = { n, malloc((size_t)n * NN_IMAGE_PIXELS + 1), malloc((size_t)n + 1) };
    for (int i = 0, j = 0; i < d->count; i++) {
        if (d->labels[i] < 0)
            continue;
        for (int k = 0; k < NN_IMAGE_PIXELS; k++)
            out.images[(size_t)j * NN_IMAGE_PIXELS + k] = (uint8_t)lrintf(d->images[(size_t)i * NN_IMAGE_PIXELS + k] * 255.0f);
        out.labels[j++] = (uint8_t)d->labels[i];
    }
    return out;
}
