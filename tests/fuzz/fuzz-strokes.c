/* libFuzzer target for drawings as JSON Lines (src/common/dl-strokes.c)
 * through the rasteriser (nn_strokes_to_image, src/engine/preprocess.c);
 * see README.md.
 *
 * The input is a JSON Lines file, read with DlStrokesReader from memory.
 * Besides the sanitizers, the target aborts when the code breaks its
 * contract: a refused line without a message or with a drawing left
 * behind, a drawing over the point limit, a drawing that, written back
 * with dl_drawing_to_line(), does not parse to the same drawing, or a
 * rasterised image outside [0, 1]. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dl-strokes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
same_string(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static void
check_round_trip(const DlDrawing *d)
{
    char *line = dl_drawing_to_line(d);
    DlDrawing back = DL_DRAWING_INIT;
    GError *error = NULL;
    if (!dl_drawing_parse_line(line, strlen(line), &back, &error)) {
        fprintf(stderr, "written drawing does not parse: %s\n%s\n", error->message, line);
        abort();
    }
    if (back.n_strokes != d->n_strokes || back.n_points != d->n_points || back.label != d->label ||
        !same_string(back.writer, d->writer) || !same_string(back.time, d->time) ||
        !same_string(back.student, d->student))
        abort();
    for (size_t s = 0; s < d->n_strokes; s++) {
        if (back.strokes[s].n_points != d->strokes[s].n_points)
            abort();
        if (d->strokes[s].n_points > 0 &&
            memcmp(back.strokes[s].points, d->strokes[s].points, sizeof(NnPoint) * d->strokes[s].n_points) != 0)
            abort();
    }
    dl_drawing_clear(&back);
    g_free(line);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    GInputStream *stream = g_memory_input_stream_new_from_data(data, (gssize)size, NULL);
    DlStrokesReader *reader = dl_strokes_reader_new(stream);
    DlDrawing d = DL_DRAWING_INIT;
    for (;;) {
        GError *error = NULL;
        guint line = 0;
        DlStrokesReadResult result = dl_strokes_reader_next(reader, &d, &line, NULL, &error);
        if (result == DL_STROKES_READ_END || result == DL_STROKES_READ_FAILED) {
            g_clear_error(&error);
            break;
        }
        if (result == DL_STROKES_READ_BAD_LINE) {
            if (error == NULL || error->message[0] == '\0' || d.points != NULL || d.strokes != NULL)
                abort();
            g_error_free(error);
            continue;
        }
        if (error != NULL || d.n_points > NN_MAX_DRAWING_POINTS || d.n_strokes > NN_MAX_DRAWING_POINTS ||
            d.label < -1 || d.label > 9)
            abort();
        check_round_trip(&d);
        float image[NN_IMAGE_PIXELS];
        NnError err;
        nn_error_clear(&err);
        NnStatus status = nn_strokes_to_image(d.strokes, d.n_strokes, image, &err);
        if (status == NN_OK) {
            for (int i = 0; i < NN_IMAGE_PIXELS; i++)
                if (!(image[i] >= 0.0f && image[i] <= 1.0f))
                    abort();
        } else if (err.message[0] == '\0') {
            abort();
        }
    }
    dl_drawing_clear(&d);
    dl_strokes_reader_free(reader);
    g_object_unref(stream);
    return 0;
}
