#!/usr/bin/python3
"""Writes the seed corpora in tests/fuzz/corpus/<target>/ (committed; run
again only to change them). Every seed is made here, small, from nothing
but this script."""
import gzip
import os
import struct
import zlib

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def put(target, name, data):
    os.makedirs(os.path.join(HERE, target), exist_ok=True)
    with open(os.path.join(HERE, target, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


# idx: byte 0 bit 0 = gzip-compress the rest in the target; the rest is the file.
images = struct.pack(">4I", 0x803, 2, 28, 28) + bytes(range(256)) * 6 + bytes(32)
labels = struct.pack(">2I", 0x801, 3) + bytes([7, 2, 1])
for name, idx in (("images", images), ("labels", labels)):
    put("idx", name, b"\0" + idx)
    put("idx", name + "-gz", b"\0" + gzip.compress(idx, mtime=0))
    put("idx", name + "-compress", b"\1" + idx)

# model-file: edit mode (byte 0 = 0xff) on the target's own good files, and a header.
put("model-file", "edit", b"\xff\x00")
put("model-file", "edit-adam", b"\xff\x01")
put("model-file", "edit-name", b"\xff\x00" + struct.pack("<IB", 84, 3) + b"abc")
put("model-file", "edit-cut", b"\xff\x04" + struct.pack("<I", 200))
put("model-file", "header", b"DIGITLAB" + struct.pack("<4I", 1, 0x01020304, 80, 0))

# strokes: JSON Lines, good and bad.
put("strokes", "seven", '{"strokes": [[[10, 12], [60, 10], [58, 14], [30, 90]], [[28, 50], [55, 50]]], "label": 7}\n')
put("strokes", "members",
    '{"label":1,"strokes":[[[130.5,80],[131,220.25]]],"writer":"w\\u00e9 \\"q\\"","time":"2025-05-01T10:00:00Z",'
    '"student":"s1","id":{"a":[1,2,null,true]}}\r\n\n{"strokes": [[[5, 5]]], "label": null}')
put("strokes", "bad-lines", '{"strokes": [[[1, 2, 3]]]}\n{"strokes": [[], []], "label": 3}\n'
    '{"strokes": [[[0, 0], [0, 9]]], "label": 1e300}\n{"strokes": [[[0, 0]]\n[1e31]\n')
put("strokes", "deep", "[" * 40 + "]" * 40 + "\n" + '{"a":' * 33 + "1" + "}" * 33 + "\n")
put("strokes", "zigzag", '{"strokes": [[' + ", ".join("[%d, %d]" % (i % 2 * 100, i % 2 * 100 + i) for i in range(60)) + "]]}\n")


# image: PNG in several colour types and depths, PGM plain and raw.
def png(width, height, colour, depth, rows, palette=None, interlace=0):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, interlace))
    if palette is not None:
        out += chunk(b"PLTE", palette)
    out += chunk(b"IDAT", zlib.compress(b"".join(b"\0" + r for r in rows)))
    return out + chunk(b"IEND", b"")


def ink(x, y, w, h):
    return abs(x - w // 2) <= max(1, w // 10) and h // 6 <= y < h - h // 6


w = h = 12
put("image", "gray8.png", png(w, h, 0, 8, [bytes(0 if ink(x, y, w, h) else 255 for x in range(w)) for y in range(h)]))
put("image", "gray16.png", png(w, h, 0, 16, [b"".join(struct.pack(">H", 65535 if ink(x, y, w, h) else 0) for x in range(w)) for y in range(h)]))
put("image", "rgba.png", png(w, h, 6, 8, [b"".join(bytes([20, 20, 20, 255]) if ink(x, y, w, h) else bytes(4) for x in range(w)) for y in range(h)]))
put("image", "palette.png", png(w, h, 3, 8, [bytes(1 if ink(x, y, w, h) else 0 for x in range(w)) for y in range(h)], palette=b"\xff\xff\xff\x00\x00\x00"))
put("image", "gray1.png", png(16, 16, 0, 1, [bytes([0xff, 0x7f if 3 < y < 12 else 0xff]) for y in range(16)]))
put("image", "plain.pgm", "P2\n# a comment\n6 5 15\n" + "\n".join(" ".join("0" if x in (2, 3) else "15" for x in range(6)) for y in range(5)) + "\n")
put("image", "raw8.pgm", b"P5\n8 8\n255\n" + bytes(0 if 2 <= x <= 4 else 255 for y in range(8) for x in range(8)))
put("image", "raw16.pgm", b"P5 4 4 65535\n" + b"".join(struct.pack(">H", 0 if x == 1 else 65535) for y in range(4) for x in range(4)))

# history: digitlab-cli train --history, whole and resumed.
header = "epoch,lr,train_loss,train_accuracy,val_loss,val_accuracy,seconds,images_per_second\n"
rows = ["%d,%.6g,%.4f,%.4f,%.4f,%.4f,%.1f,%.0f\n" % (e, 1e-3 * e / 3, 2.4 / e, 0.2 + 0.25 * e, 1.7 / e, 0.3 + 0.2 * e, 33.6, 1785)
        for e in (1, 2, 3)]
put("history", "run.csv", header + "".join(rows))
put("history", "resumed.csv", header + rows[0] + rows[1] + rows[1] + rows[2])
put("history", "crlf.csv", (header + rows[2]).replace("\n", "\r\n"))
