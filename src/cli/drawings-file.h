/* drawings-file.h — a JSON Lines file of drawings, rendered as the canvas
 * renders them, for predict, evaluate --strokes and finetune. */
#pragma once

#include <glib.h>

#include "idx.h"
#include "model.h"

typedef struct {
    int count;
    float *images;   /* count * NN_IMAGE_PIXELS, nn_strokes_to_image's output */
    int *labels;     /* 0-9, or -1 when the line has none */
    int *lines;      /* line numbers in the file */
    float *extents;  /* each drawing's size, nn_strokes_extent() (0: a single point) */
    char *name;      /* the file's display name ("<stdin>" for "-") */
} DrawingsFile;

/* Reads path ("-": standard input); bad lines are reported on stderr as
 * "NAME:LINE: why" and skipped. Returns how many lines failed, or -1 when
 * the file could not be read at all (reported too). */
int drawings_file_read(const char *path, DrawingsFile *out);
void drawings_file_clear(DrawingsFile *d);

/* The images and labels as an NnDataset of bytes (as MNIST), for training;
 * lines without a label are left out. Free with nn_dataset_free. */
NnDataset drawings_file_to_dataset(const DrawingsFile *d);
