/* libFuzzer target for the IDX reader (src/engine/idx.c); see README.md.
 *
 * The reader takes a path, so each input goes into an in-memory file
 * (fuzz-file.h). The first byte chooses how the rest
 * is stored: as it is (raw IDX, or gzip data the fuzzer mutates directly), or
 * gzip-compressed here, so that the IDX checks behind zlib get explored
 * without a gzip seed. Both the images and the labels reader see every
 * input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

#include "fuzz-file.h"
#include "idx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input's file: data as it is, or gzip-compressed here. */
static const char *
store(const uint8_t *data, size_t size, int compress)
{
    if (!compress)
        return fuzz_file(data, size);
    const char *path = fuzz_file(NULL, 0);
    int fd = fuzz_file_fd();
    if (lseek(fd, 0, SEEK_SET) != 0)
        abort();
    gzFile gz = gzdopen(dup(fd), "wb");
    if (gz == NULL)
        abort();
    if (size > 0 && gzwrite(gz, data, (unsigned)size) != (int)size)
        abort();
    gzclose(gz);
    return path;
}

static void
check(NnStatus status, uint8_t *items, int count, const NnError *err)
{
    /* On failure: nothing handed out and a message; on success: a count. */
    if (status != NN_OK ? items != NULL || count != 0 || err->message[0] == '\0'
                        : items == NULL || count <= 0)
        abort();
    free(items);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *path = store(data + 1, size - 1, data[0] & 1);

    uint8_t *items;
    int count;
    NnError err;
    nn_error_clear(&err);
    check(nn_idx_read_images(path, &items, &count, &err), items, count, &err);
    nn_error_clear(&err);
    check(nn_idx_read_labels(path, &items, &count, &err), items, count, &err);
    return 0;
}
