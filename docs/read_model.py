#!/usr/bin/env python3
"""Reads a Digit Lab model file (.dlm) with the standard library only.

This is the reader of docs/model-format.md, written from that document.
Usage: read_model.py MODEL.dlm   (prints the header and every tensor)
"""
import array
import math
import struct
import sys
import zlib

HEADER = struct.Struct("<8s4I7I3IQ2I")  # little-endian, 80 bytes, no padding
FIELDS = ("magic version endian_mark header_size padding input_height input_width "
          "input_channels classes block1_filters block2_filters dense_units "
          "tensor_count flags epochs_done step reserved0 reserved1").split()
ARCH = dict(input_height=28, input_width=28, input_channels=1, classes=10,
            block1_filters=32, block2_filters=64, dense_units=128)


def read_model(path):
    """Returns (header dict, {name: (dims tuple, array('f') of values)})."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < HEADER.size + 4:
        raise ValueError(f"{path}: too short ({len(data)} bytes)")
    h = dict(zip(FIELDS, HEADER.unpack_from(data, 0)))
    if h["magic"] != b"DIGITLAB":
        raise ValueError(f"{path}: not a Digit Lab model file")
    if h["version"] != 1:
        raise ValueError(f"{path}: format version {h['version']}, this reader reads 1")
    if h["endian_mark"] != 0x01020304 or h["header_size"] != HEADER.size:
        raise ValueError(f"{path}: bad byte-order mark or header size")
    if zlib.crc32(data[:-4]) != struct.unpack_from("<I", data, len(data) - 4)[0]:
        raise ValueError(f"{path}: checksum mismatch (truncated or corrupted)")
    if h["padding"] > 1 or any(h[k] != v for k, v in ARCH.items()):
        raise ValueError(f"{path}: a different network architecture")
    tensors, pos, end = {}, HEADER.size, len(data) - 4
    try:
        for _ in range(h["tensor_count"]):
            (name_len,) = struct.unpack_from("<I", data, pos)
            name = data[pos + 4:pos + 4 + name_len].decode("ascii")
            pos += 4 + name_len
            (ndim,) = struct.unpack_from("<I", data, pos)
            dims = struct.unpack_from(f"<{ndim}I", data, pos + 4)
            (dtype,) = struct.unpack_from("<I", data, pos + 4 + 4 * ndim)
            pos += 8 + 4 * ndim
            count = math.prod(dims)
            if dtype != 0 or name in tensors or pos + 4 * count > end:
                raise ValueError(f"{path}: bad tensor record '{name}'")
            values = array.array("f", data[pos:pos + 4 * count])
            if sys.byteorder == "big":
                values.byteswap()
            tensors[name] = (dims, values)
            pos += 4 * count
    except struct.error:
        raise ValueError(f"{path}: tensor {len(tensors)} runs past the end") from None
    if pos != end:
        raise ValueError(f"{path}: unexpected data after the last tensor")
    return h, tensors


if __name__ == "__main__":
    header, tensors = read_model(sys.argv[1])
    for key, value in header.items():
        print(f"{key:15} {value}")
    for name, (dims, values) in tensors.items():
        head = " ".join(f"{v:.6g}" for v in values[:3])
        print(f"{name:24} {'x'.join(map(str, dims)):14} {head} ...")
