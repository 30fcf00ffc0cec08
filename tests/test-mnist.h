/* test-mnist.h — where the tests find the real MNIST files: $DIGITLAB_DATA,
 * else ../shared/data/mnist beside the source tree ($DIGITLAB_SOURCE_ROOT),
 * unless $DIGITLAB_TEST_NO_SHARED=1 turns that fallback off (so a run can
 * prove the no-data path on a machine that has ../shared; .ci/run does).
 *
 * cmocka 1.1.5 reports skip() as "not ok ... # SKIP", which meson's TAP parser
 * counts as a failure; so a test program that needs MNIST and finds none
 * prints a whole-file TAP skip ("1..0 # SKIP reason"), which meson shows as
 * SKIP, and a program with only some such cases leaves them out, saying so. */
#pragma once

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Whether $DIGITLAB_TEST_NO_SHARED=1 disables the ../shared fallback. */
static inline int
test_no_shared(void)
{
    const char *v = getenv("DIGITLAB_TEST_NO_SHARED");
    return v != NULL && v[0] == '1' && v[1] == '\0';
}

/* The MNIST folder (holding the test labels, .gz or raw), or NULL. */
static inline const char *
test_mnist_dir(void)
{
    static char dir[PATH_MAX];
    const char *env = getenv("DIGITLAB_DATA"), *root = getenv("DIGITLAB_SOURCE_ROOT");
    char candidates[2][PATH_MAX];
    int n = 0;
    if (env != NULL && env[0] != '\0')
        snprintf(candidates[n++], PATH_MAX, "%.3000s", env);
    if (root != NULL && root[0] != '\0' && !test_no_shared())
        snprintf(candidates[n++], PATH_MAX, "%.3000s/../shared/data/mnist", root);
    for (int i = 0; i < n; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%.3000s/t10k-labels-idx1-ubyte.gz", candidates[i]);
        int found = access(path, R_OK) == 0;
        snprintf(path, sizeof path, "%.3000s/t10k-labels-idx1-ubyte", candidates[i]);
        if (found || access(path, R_OK) == 0) {
            snprintf(dir, sizeof dir, "%.3000s", candidates[i]);
            return dir;
        }
    }
    return NULL;
}

#define TEST_MNIST_MISSING "no MNIST in $DIGITLAB_DATA or $DIGITLAB_SOURCE_ROOT/../shared/data/mnist" \
                           " (or that fallback is off: DIGITLAB_TEST_NO_SHARED=1)"
