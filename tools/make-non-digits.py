#!/usr/bin/env python3
"""Writes tests/data/non-digits.jsonl: drawings that are no digit, as strokes.

Used to measure how often Digit Lab says "not a digit" (or at least "unsure")
for what a classroom draws that is no digit: letters, symbols, dots, lines,
scribbles, two digits side by side, an almost empty canvas. Each line is a
drawing in the JSON Lines format of `digitlab-cli predict --strokes`, without
a label, with a "kind" member saying what it is.

The drawings are made here from hand-written templates (unit box, y down)
with the wobble of a hand: every template is drawn several times, rotated,
sheared, stretched, its points resampled like a pen's and jittered. Letters
that people also read as digits (O, I, l, S, Z, B, G, q, g, D) are left out:
calling those "not a digit" would be wrong as often as right. The training
of Digit Lab's models never sees these drawings (its non-digits are made from
MNIST bitmaps and from the letters and signs of Hershey's fonts,
src/engine/synth.c), and no threshold is set on them.

Deterministic: `python3 tools/make-non-digits.py > tests/data/non-digits.jsonl`
gives the same file every time.
"""
import json
import math
import random
import sys

# Arcs as (centre x, centre y, radius x, radius y, start degrees, end degrees);
# 0 degrees points right, angles grow clockwise on screen (y down).


def arc(cx, cy, rx, ry, a0, a1, n=14):
    return [(cx + rx * math.cos(math.radians(a0 + (a1 - a0) * i / n)),
             cy + ry * math.sin(math.radians(a0 + (a1 - a0) * i / n))) for i in range(n + 1)]


# A heart from the left lobe's lower side over both lobes to the point.
HEART = arc(0.27, 0.3, 0.25, 0.25, 140, 360) + arc(0.73, 0.3, 0.25, 0.25, 180, 400) + [(0.5, 1)]

LETTERS = {
    "A": [[(0, 1), (0.5, 0), (1, 1)], [(0.25, 0.55), (0.75, 0.55)]],
    "C": [arc(0.55, 0.5, 0.45, 0.5, -50, -310)],
    "E": [[(0.9, 0), (0.1, 0), (0.1, 1), (0.9, 1)], [(0.1, 0.5), (0.7, 0.5)]],
    "F": [[(0.9, 0), (0.1, 0), (0.1, 1)], [(0.1, 0.5), (0.7, 0.5)]],
    "H": [[(0.1, 0), (0.1, 1)], [(0.9, 0), (0.9, 1)], [(0.1, 0.5), (0.9, 0.5)]],
    "K": [[(0.1, 0), (0.1, 1)], [(0.9, 0), (0.1, 0.55), (0.9, 1)]],
    "M": [[(0, 1), (0.05, 0), (0.5, 0.65), (0.95, 0), (1, 1)]],
    "N": [[(0.1, 1), (0.1, 0), (0.9, 1), (0.9, 0)]],
    "P": [[(0.15, 1), (0.15, 0)] + arc(0.15, 0.27, 0.6, 0.27, -90, 90)],
    "R": [[(0.15, 1), (0.15, 0)] + arc(0.15, 0.27, 0.6, 0.27, -90, 90), [(0.4, 0.54), (0.9, 1)]],
    "T": [[(0, 0), (1, 0)], [(0.5, 0), (0.5, 1)]],
    "U": [[(0.1, 0)] + arc(0.5, 0.6, 0.4, 0.4, 180, 0)[1:] + [(0.9, 0)]],
    "V": [[(0, 0), (0.5, 1), (1, 0)]],
    "W": [[(0, 0), (0.25, 1), (0.5, 0.35), (0.75, 1), (1, 0)]],
    "X": [[(0, 0), (1, 1)], [(1, 0), (0, 1)]],
    "Y": [[(0, 0), (0.5, 0.5), (1, 0)], [(0.5, 0.5), (0.5, 1)]],
    "h": [[(0.15, 0), (0.15, 1)], arc(0.5, 0.72, 0.35, 0.3, 180, 360) + [(0.85, 1)]],
    "k": [[(0.15, 0), (0.15, 1)], [(0.8, 0.4), (0.15, 0.7), (0.85, 1)]],
    "m": [[(0.05, 1), (0.05, 0.4)] + arc(0.28, 0.55, 0.23, 0.15, 180, 360) + [(0.5, 1)],
          [(0.5, 0.55)] + arc(0.72, 0.55, 0.22, 0.15, 180, 360) + [(0.95, 1)]],
    "n": [[(0.15, 1), (0.15, 0.35)] + arc(0.5, 0.55, 0.35, 0.2, 180, 360) + [(0.85, 1)]],
    "r": [[(0.2, 1), (0.2, 0.3)], arc(0.6, 0.5, 0.4, 0.2, 180, 300)],
    "w": [[(0, 0.35), (0.25, 1), (0.5, 0.5), (0.75, 1), (1, 0.35)]],
    "x": [[(0.1, 0.35), (0.9, 1)], [(0.9, 0.35), (0.1, 1)]],
}

SYMBOLS = {
    "plus": [[(0.5, 0), (0.5, 1)], [(0, 0.5), (1, 0.5)]],
    "equals": [[(0, 0.35), (1, 0.35)], [(0, 0.65), (1, 0.65)]],
    "hash": [[(0.35, 0), (0.25, 1)], [(0.75, 0), (0.65, 1)], [(0, 0.33), (1, 0.33)], [(0, 0.67), (1, 0.67)]],
    "asterisk": [[(0.5, 0), (0.5, 1)], [(0.07, 0.25), (0.93, 0.75)], [(0.93, 0.25), (0.07, 0.75)]],
    "star": [[(0.5, 0), (0.8, 1), (0, 0.38), (1, 0.38), (0.2, 1), (0.5, 0)]],
    "check mark": [[(0, 0.55), (0.35, 1), (1, 0)]],
    "arrow": [[(0, 0.5), (1, 0.5)], [(0.7, 0.2), (1, 0.5), (0.7, 0.8)]],
    "question mark": [arc(0.5, 0.28, 0.35, 0.25, 180, 400) + [(0.5, 0.7)], [(0.5, 0.98), (0.5, 1.0)]],
    "exclamation mark": [[(0.5, 0), (0.5, 0.7)], [(0.5, 0.97), (0.5, 1.0)]],
    "percent": [arc(0.2, 0.2, 0.18, 0.18, 0, 360), [(0.9, 0), (0.1, 1)], arc(0.8, 0.8, 0.18, 0.18, 0, 360)],
    "triangle": [[(0.5, 0), (1, 1), (0, 1), (0.5, 0)]],
    "spiral": [[(0.5 + 0.05 * t * math.cos(t), 0.5 + 0.05 * t * math.sin(t)) for t in [i * 0.35 for i in range(28)]]],
    # Not closed: the left side, from the point back up to the left lobe, is
    # missing (an error of the first version of this file, kept so that its
    # drawings stay as they were; "heart", in main, is the whole heart).
    "open heart": [HEART],
    "wave": [[(i / 20, 0.5 + 0.25 * math.sin(i / 20 * 4 * math.pi)) for i in range(21)]],
    "ampersand": [[(1, 1), (0.2, 0.35)] + arc(0.4, 0.22, 0.2, 0.2, 160, 380) + [(0.1, 0.75)]
                  + arc(0.35, 0.75, 0.25, 0.25, 180, 90 - 360) + [(0.9, 0.6)]],
}


def pen(points, rng, step=0.025):
    """Points along the polyline every `step` (with the speed variations of a
    hand), jittered."""
    out = []
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        n = max(1, int(math.hypot(x1 - x0, y1 - y0) / (step * rng.uniform(0.6, 1.6))))
        for i in range(n):
            t = i / n
            out.append((x0 + (x1 - x0) * t, y0 + (y1 - y0) * t))
    out.append(points[-1])
    return [(x + rng.gauss(0, 0.006), y + rng.gauss(0, 0.006)) for x, y in out]


def hand(strokes, rng, size=200, origin=(60, 40)):
    """A template drawn by a hand: rotated, sheared, stretched, in canvas pixels."""
    angle = math.radians(rng.uniform(-8, 8))
    shear = rng.uniform(-0.15, 0.15)
    sx, sy = size * rng.uniform(0.75, 1.1), size * rng.uniform(0.85, 1.1)
    ca, sa = math.cos(angle), math.sin(angle)
    drawn = []
    for stroke in strokes:
        pts = []
        for x, y in pen(stroke, rng):
            x, y = x - 0.5 + shear * (y - 0.5), y - 0.5
            pts.append([round(origin[0] + size / 2 + sx * (ca * x - sa * y), 1),
                        round(origin[1] + size / 2 + sy * (sa * x + ca * y), 1)])
        drawn.append(pts)
    return drawn


def scribble(rng):
    pts, x, y = [], rng.uniform(0.2, 0.8), rng.uniform(0.2, 0.8)
    for _ in range(rng.randint(8, 18)):
        nx, ny = rng.uniform(0, 1), rng.uniform(0, 1)
        pts += [(x + (nx - x) * t / 4, y + (ny - y) * t / 4) for t in range(4)]
        x, y = nx, ny
    return [pts + [(x, y)]]


def digits_side_by_side(examples, rng):
    a, b = rng.sample(examples, 2)
    strokes = []
    for k, d in enumerate((a, b)):
        xs = [p[0] for s in d for p in s]
        ys = [p[1] for s in d for p in s]
        w, h = max(xs) - min(xs), max(ys) - min(ys)
        scale = 1 / max(w, h)
        strokes += [[((p[0] - min(xs)) * scale * 0.45 + k * 0.55, (p[1] - min(ys)) * scale) for p in s] for s in d]
    return strokes


def main():
    rng = random.Random(20261201)
    root = __file__.rsplit("/", 2)[0]
    with open(f"{root}/data/examples/strokes.jsonl") as f:
        examples = [[[(x, y) for x, y in s] for s in json.loads(line)["strokes"]] for line in f if line.strip()]
    drawings = []
    for name, strokes in LETTERS.items():
        for _ in range(5):
            drawings.append((f"letter {name}", hand(strokes, rng)))
    for name, strokes in SYMBOLS.items():
        for _ in range(5):
            drawings.append((name, hand(strokes, rng)))
    for _ in range(15):
        drawings.append(("scribble", hand(scribble(rng), rng)))
    for _ in range(15):
        drawings.append(("two digits side by side", hand(digits_side_by_side(examples, rng), rng)))
    for _ in range(8):  # a click, or a pen that wobbled a pixel while pressed
        x, y = rng.uniform(80, 220), rng.uniform(60, 200)
        n = rng.choice([1, 1, 2, 4])
        drawings.append(("dot", [[[round(x + rng.uniform(-0.8, 0.8), 1), round(y + rng.uniform(-0.8, 0.8), 1)]
                                  for _ in range(n)]]))
    for _ in range(8):  # a line within 35 degrees of level (steeper, a line is a 1)
        a = math.radians(rng.uniform(-35, 35))
        drawings.append(("line", hand([[(0.5 - 0.5 * math.cos(a), 0.5 - 0.5 * math.sin(a)),
                                         (0.5 + 0.5 * math.cos(a), 0.5 + 0.5 * math.sin(a))]], rng)))
    for _ in range(6):  # a few dots scattered
        drawings.append(("dots", [[[round(rng.uniform(60, 260), 1), round(rng.uniform(40, 240), 1)]]
                                  for _ in range(rng.randint(2, 5))]))
    # Added later, so that the drawings above stay as they were.
    for _ in range(5):
        drawings.append(("heart", hand([HEART + [HEART[0]]], rng)))
    out = sys.stdout
    for kind, strokes in drawings:
        out.write(json.dumps({"strokes": strokes, "kind": kind}, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
