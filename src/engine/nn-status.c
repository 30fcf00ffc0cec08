#include "nn-status.h"

#include <stdarg.h>
#include <stdio.h>

const char *
nn_status_to_string(NnStatus status)
{
    switch (status) {
    case NN_OK: return "success";
    case NN_ERR_IO: return "input/output error";
    case NN_ERR_FORMAT: return "format error";
    case NN_ERR_CHECKSUM: return "checksum mismatch";
    case NN_ERR_VERSION: return "unsupported version";
    case NN_ERR_ARCH: return "architecture mismatch";
    case NN_ERR_NOMEM: return "out of memory";
    case NN_ERR_INVALID_ARG: return "invalid argument";
    case NN_ERR_EMPTY: return "empty input";
    case NN_ERR_CANCELLED: return "cancelled";
    case NN_ERR_DIVERGED: return "training diverged";
    }
    return "unknown error";
}

NnStatus
nn_error_set(NnError *err, NnStatus status, const char *fmt, ...)
{
    if (err != NULL) {
        va_list ap;
        va_start(ap, fmt);
        err->status = status;
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return status;
}

void
nn_error_clear(NnError *err)
{
    if (err != NULL) {
        err->status = NN_OK;
        err->message[0] = '\0';
    }
}
