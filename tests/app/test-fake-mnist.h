/* test-fake-mnist.h — what the app's display-free tests train and evaluate
 * on instead of MNIST: random images (a fifth of their pixels inked) with
 * random labels, written as IDX files; and a random model of the paper's
 * network with valid padding (smaller, so quicker). Include after cmocka.h. */
#pragma once

#include <glib.h>

#include "idx.h"
#include "model.h"

static inline NnDataset
random_dataset(int count, guint32 seed)
{
    GRand *rand = g_rand_new_with_seed(seed);
    NnDataset d = { count, g_malloc((size_t)count * NN_IMAGE_PIXELS), g_malloc((size_t)count) };

    for (size_t i = 0; i < (size_t)count * NN_IMAGE_PIXELS; i++)
        d.images[i] = g_rand_double(rand) < 0.2 ? (uint8_t)g_rand_int_range(rand, 1, 256) : 0;
    for (int i = 0; i < count; i++)
        d.labels[i] = (uint8_t)g_rand_int_range(rand, 0, 10);
    g_rand_free(rand);
    return d;
}

static inline NnModel *
random_model(guint64 seed)
{
    NnModelConfig config = nn_model_config_default();
    NnModel *model = NULL;
    NnError err;

    config.padding = NN_PADDING_VALID;
    assert_int_equal(nn_model_new(&config, seed, &model, &err), NN_OK);
    return model;
}

static inline void
fake_mnist_put_be32(GByteArray *bytes, guint32 v)
{
    guint8 b[4] = { v >> 24, v >> 16, v >> 8, v };
    g_byte_array_append(bytes, b, 4);
}

/* DIR/PREFIX-images-idx3-ubyte and DIR/PREFIX-labels-idx1-ubyte. */
static inline void
write_idx(const char *dir, const char *prefix, const NnDataset *d)
{
    g_autoptr(GByteArray) images = g_byte_array_new(), labels = g_byte_array_new();
    fake_mnist_put_be32(images, 2051);
    fake_mnist_put_be32(images, (guint32)d->count);
    fake_mnist_put_be32(images, 28);
    fake_mnist_put_be32(images, 28);
    g_byte_array_append(images, d->images, (guint)d->count * NN_IMAGE_PIXELS);
    fake_mnist_put_be32(labels, 2049);
    fake_mnist_put_be32(labels, (guint32)d->count);
    g_byte_array_append(labels, d->labels, (guint)d->count);

    g_autofree char *ipath = g_strdup_printf("%s/%s-images-idx3-ubyte", dir, prefix);
    g_autofree char *lpath = g_strdup_printf("%s/%s-labels-idx1-ubyte", dir, prefix);
    assert_true(g_file_set_contents(ipath, (const char *)images->data, images->len, NULL));
    assert_true(g_file_set_contents(lpath, (const char *)labels->data, labels->len, NULL));
}
