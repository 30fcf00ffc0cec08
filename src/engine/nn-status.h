/* nn-status.h — status codes and human-readable error messages for the engine.
 *
 * Every engine function that can fail on bad input returns an NnStatus and,
 * when given a non-NULL NnError, fills it with a message for a person
 * ("train-images-idx3-ubyte.gz: wrong magic 0x00000801, expected 0x00000803").
 * The engine never exits or aborts on bad input; assert() is only used for
 * programmer errors.
 */
#pragma once

typedef enum {
    NN_OK = 0,
    NN_ERR_IO,          /* a file could not be opened, read or written */
    NN_ERR_FORMAT,      /* a file's content is not what it must be */
    NN_ERR_CHECKSUM,    /* content does not match its checksum */
    NN_ERR_VERSION,     /* a file format version this build does not read */
    NN_ERR_ARCH,        /* a model file for another network configuration */
    NN_ERR_NOMEM,       /* out of memory */
    NN_ERR_INVALID_ARG, /* an argument out of range */
    NN_ERR_EMPTY,       /* nothing to work on, e.g. an empty drawing */
    NN_ERR_CANCELLED,   /* stopped by the caller */
    NN_ERR_DIVERGED,    /* training produced numbers that are not finite */
} NnStatus;

#define NN_ERROR_MESSAGE_MAX 512

typedef struct {
    NnStatus status;
    char message[NN_ERROR_MESSAGE_MAX];
} NnError;

/* A short name for a status, e.g. "format error". */
const char *nn_status_to_string(NnStatus status);

/* Records status and a printf-style message in err (if err is non-NULL) and
 * returns status, so callers can write `return nn_error_set(err, ...);`. */
NnStatus nn_error_set(NnError *err, NnStatus status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Resets err to NN_OK with an empty message. */
void nn_error_clear(NnError *err);
