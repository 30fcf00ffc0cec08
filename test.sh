#!/bin/sh
# Builds Digit Lab (installing what is missing) and runs the whole test suite.
# Tests that need MNIST read it from $DIGITLAB_DATA (or ../shared/data/mnist
# beside the checkout) and are skipped, visibly, when there is none.
set -eu
cd "$(dirname "$0")"

tools/install-deps
[ -d build ] || meson setup build --buildtype=release
ninja -C build
meson test -C build --print-errorlogs "$@"
