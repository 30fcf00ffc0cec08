/* idx.h — the MNIST IDX files, gzip-compressed or raw.
 *
 * Every header field is checked before anything is allocated from it: the
 * magic number (2051 for images, 2049 for labels), 28x28 images, a count that
 * matches the file's actual length, labels 0-9, and equal image and label
 * counts. A gzip file must be one complete gzip member: its trailer's CRC-32
 * and length are checked, and a member cut short, corrupt, or followed by
 * anything is refused. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "nn-status.h"

typedef struct {
    int count;
    uint8_t *images;  /* count * 784 bytes, 0 = background, 255 = ink */
    uint8_t *labels;  /* count bytes, 0-9 */
} NnDataset;

typedef enum { NN_SPLIT_TRAIN, NN_SPLIT_TEST } NnSplit;

/* Reads one images file / one labels file (path as given; gzip detected from
 * the content, not the name). */
NnStatus nn_idx_read_images(const char *path, uint8_t **images, int *count, NnError *err);
NnStatus nn_idx_read_labels(const char *path, uint8_t **labels, int *count, NnError *err);

/* Loads a split from a folder holding the standard file names, each either
 * as NAME.gz or NAME (train-images-idx3-ubyte, train-labels-idx1-ubyte,
 * t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte). */
NnStatus nn_dataset_load(const char *dir, NnSplit split, NnDataset *out, NnError *err);
void nn_dataset_free(NnDataset *dataset);

/* Keeps only images [start, start + count) (no copy of the pixels is made
 * for the view: it points into `from`, and must not be freed). */
NnDataset nn_dataset_view(const NnDataset *from, int start, int count);
