#!/bin/sh
# Builds Digit Lab (installing what is missing) and runs it: fetches MNIST if
# needed, trains the network briefly, measures the bundled full-recipe model,
# and recognises a few drawn digits. Extra arguments go to `digitlab-cli train`.
set -eu
cd "$(dirname "$0")"

tools/install-deps
[ -d build ] || meson setup build --buildtype=release
ninja -C build
cli=build/src/cli/digitlab-cli

$cli download
echo
echo "== A short training run (6,000 images, 3 epochs); the full recipe is: $cli train"
$cli train --limit 6000 --epochs 3 --warmup 1 --batch 32 --per-step-lr --out build/demo.dlm "$@"
echo
echo "== The bundled model (full 30-epoch recipe) on the MNIST test set"
$cli evaluate --model data/digitlab-default.dlm
echo
echo "== Drawn digits (data/examples/strokes.jsonl) recognised by the bundled model"
$cli predict --model data/digitlab-default.dlm --strokes data/examples/strokes.jsonl
