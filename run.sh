#!/bin/sh
# Builds Digit Lab (installing what is missing) and launches the app.
# Arguments go to the app. The command-line tool is build/src/cli/digitlab-cli.
set -eu
cd "$(dirname "$0")"

tools/install-deps
[ -d build ] || meson setup build --buildtype=release
ninja -C build

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    echo "No display to show the app on (neither DISPLAY nor WAYLAND_DISPLAY is set)." >&2
    echo "The command-line tool works without one: build/src/cli/digitlab-cli --help" >&2
    exit 1
fi
# Uninstalled, the app finds its settings schema in build/ and its bundled
# model in data/ by itself.
exec build/src/app/digitlab "$@"
