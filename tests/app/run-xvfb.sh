#!/bin/sh
# Runs a command on its own virtual X display and its own D-Bus session bus
# (GTK starts the accessibility bus on it). Exit 77 tells meson to SKIP when
# the tools are missing (tools/install-deps installs them).
for tool in xvfb-run dbus-run-session xdotool; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "SKIP: $tool is not installed (tools/install-deps installs it)"
        exit 77
    fi
done
# DIGITLAB_XVFB_SCREEN sets the screen's size (tools/screenshots: 1920x1080x24).
exec xvfb-run -a -s "-screen 0 ${DIGITLAB_XVFB_SCREEN:-1280x800x24}" dbus-run-session -- "$@"
