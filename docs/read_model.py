#!/usr/bin/env python3
"""Reads and writes Digit Lab model files (.dlm), format versions 1 and 2,
and runs their network on an image, with the standard library only.

Written from docs/model-format.md, whose checks it makes in the same order
as the engine; tests/test-read-model.py holds it to the engine's numbers.

Usage: read_model.py MODEL.dlm   (prints the header, the network, every record)
"""
import array
import dataclasses
import math
import os
import stat
import struct
import sys
import zlib

MAGIC = b"DIGITLAB"
ENDIAN_MARK = 0x01020304
V1 = struct.Struct("<8s4I7I3IQ2I")     # 80 bytes; "<": little-endian, no padding
V2 = struct.Struct("<8s15I3f2IQI2f5I")  # 128 bytes
V1_FIELDS = ("magic version endian_mark header_size padding input_height input_width input_channels "
             "classes block1_filters block2_filters dense_units tensor_count flags epochs_done step "
             "reserved0 reserved1").split()
V2_FIELDS = ("magic version endian_mark header_size padding input_height input_width input_channels "
             "classes blocks convs_per_block filters0 filters1 filters2 dense flags dropout_conv "
             "dropout_dense temperature tensor_count epochs_done step optimizer sure reject").split() + \
            [f"reserved{i}" for i in range(5)]
FLAG_OPTIMIZER, FLAG_BATCH_NORM = 1, 2
DTYPE_F32, DTYPE_TEXT = 0, 1
MAX_FILE, MAX_NAME, MAX_TEXT = 64 << 20, 63, 1023
MAX_EPOCHS, MAX_STEP = 1000000, 1 << 40
BN_EPSILON = 1e-3
F32_0_95 = struct.unpack("<f", struct.pack("<f", 0.95))[0]  # the engine compares in float32
PAPER = dict(padding="same", blocks=2, convs_per_block=2, filters=[32, 64, 0], dense=128,
             batch_norm=True, dropout_conv=0.25, dropout_dense=0.5)


class ModelFileError(ValueError):
    """A file the engine refuses; status is the engine's NnStatus without
    NN_ERR_ (FORMAT, CHECKSUM, VERSION, ARCH, IO)."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


@dataclasses.dataclass
class Model:
    config: dict        # padding ("same"/"valid"), blocks, convs_per_block, filters (3), dense,
                        # batch_norm, dropout_conv, dropout_dense
    tensors: dict       # name -> (dims tuple, array('f')), Adam's moments included
    meta: dict = dataclasses.field(default_factory=dict)   # text records: name -> str
    temperature: float = 1.0
    epochs_done: int = 0
    step: int = 0
    header: dict = None  # the header's fields as stored (read_model only)
    optimizer: int = 0   # whose moments: 0 Adam, 1 SGD (velocity in .adam_m)
    sure: float = 0.0    # verdict thresholds, 0 and 0: never calibrated
    reject: float = 0.0


# ---- the network: map sizes and tensors from the config -------------------------------

def check_config(c):
    """None if the engine builds this network, else why not (its wording)."""
    if c["padding"] not in ("same", "valid"):
        return f"unknown padding {c['padding']}"
    if not 1 <= c["blocks"] <= 3:
        return f"the network needs 1 to 3 blocks, not {c['blocks']}"
    if not 1 <= c["convs_per_block"] <= 2:
        return f"a block has 1 or 2 convolutions, not {c['convs_per_block']}"
    for b, f in enumerate(c["filters"]):
        if b < c["blocks"] and not 1 <= f <= 512:
            return f"block {b + 1} needs 1 to 512 filters, not {f}"
        if b >= c["blocks"] and f != 0:
            return f"block {b + 1} is not used but has {f} filters"
    if not 0 <= c["dense"] <= 4096:
        return f"the dense layer has 0 to 4096 units, not {c['dense']}"
    if not (0 <= c["dropout_conv"] <= F32_0_95 and 0 <= c["dropout_dense"] <= F32_0_95):
        return "dropout rates are between 0 and 0.95"
    if c["dense"] == 0 and c["dropout_dense"] != 0:
        return "dense dropout needs a dense layer"
    if block_sides(c) is None:
        return (f"{c['blocks']} blocks of {c['convs_per_block']} {c['padding']} convolutions "
                "shrink a 28x28 image to nothing")
    return None


def block_sides(c):
    """[(side after the block's convolutions, side after its pooling)] per
    block, or None if a layer would get too small a map."""
    side, sides = 28, []
    for _ in range(c["blocks"]):
        for _ in range(c["convs_per_block"]):
            if c["padding"] == "valid":
                if side < 3:
                    return None
                side -= 2
        if side < 2:
            return None
        sides.append((side, side // 2))   # 2x2 pooling drops an odd last row and column
        side //= 2
    return sides


def layout(c):
    """The tensors in the engine's file order: [(name, dims, trainable)]."""
    params, stats, conv, bn, n_in = [], [], 0, 0, 1

    def activation(layer, units):   # BN after a layer, or its bias
        nonlocal bn
        if c["batch_norm"]:
            bn += 1
            params.extend([(f"bn{bn}.gamma", (units,), True), (f"bn{bn}.beta", (units,), True)])
            stats.extend([(f"bn{bn}.running_mean", (units,), False),
                          (f"bn{bn}.running_var", (units,), False)])
        else:
            params.append((f"{layer}.bias", (units,), True))

    for b in range(c["blocks"]):
        for _ in range(c["convs_per_block"]):
            conv += 1
            params.append((f"conv{conv}.weight", (c["filters"][b], n_in, 3, 3), True))
            activation(f"conv{conv}", c["filters"][b])
            n_in = c["filters"][b]
    side = block_sides(c)[-1][1]
    features, dense = n_in * side * side, 0
    if c["dense"]:
        dense += 1
        params.append((f"dense{dense}.weight", (c["dense"], features), True))
        activation(f"dense{dense}", c["dense"])
        features = c["dense"]
    dense += 1
    params += [(f"dense{dense}.weight", (10, features), True), (f"dense{dense}.bias", (10,), True)]
    return params + stats


# ---- reading ------------------------------------------------------------------------------

def floats(data):
    values = array.array("f", data)
    if sys.byteorder == "big":
        values.byteswap()
    return values


def read_header(path, data):
    """The checks before any record, in the engine's order: (fields, config)."""
    if len(data) < V1.size + 4:
        raise ModelFileError("FORMAT", f"{path} is not a Digit Lab model: too short ({len(data)} bytes)")
    if data[:8] != MAGIC:
        raise ModelFileError("FORMAT", f"{path} is not a Digit Lab model file")
    version, endian, header_size = struct.unpack_from("<3I", data, 8)
    if version not in (1, 2):
        raise ModelFileError("VERSION", f"{path} was made by a newer Digit Lab (model format {version})")
    if endian != ENDIAN_MARK:
        raise ModelFileError("FORMAT", f"{path} has a wrong byte-order mark")
    layout_ = V1 if version == 1 else V2
    if header_size != layout_.size:
        raise ModelFileError("FORMAT", f"{path} has a header of {header_size} bytes, expected {layout_.size}")
    if len(data) < layout_.size + 4:
        raise ModelFileError("FORMAT", f"{path} is not a Digit Lab model: too short ({len(data)} bytes)")
    if zlib.crc32(data[:-4]) != struct.unpack_from("<I", data, len(data) - 4)[0]:
        raise ModelFileError("CHECKSUM", f"{path} is damaged (checksum mismatch)")
    h = dict(zip(V1_FIELDS if version == 1 else V2_FIELDS, layout_.unpack_from(data)))
    if version == 1:   # the paper's network; its filters and dense units are checked below
        c = dict(PAPER, padding="valid" if h["padding"] == 1 else "same")
        v1_arch = (h["block1_filters"], h["block2_filters"], h["dense_units"]) == (32, 64, 128)
    else:
        c = dict(padding="valid" if h["padding"] == 1 else "same", blocks=h["blocks"],
                 convs_per_block=h["convs_per_block"], filters=[h["filters0"], h["filters1"], h["filters2"]],
                 dense=h["dense"], batch_norm=bool(h["flags"] & FLAG_BATCH_NORM),
                 dropout_conv=h["dropout_conv"], dropout_dense=h["dropout_dense"])
        v1_arch = True
    if ((h["input_height"], h["input_width"], h["input_channels"], h["classes"]) != (28, 28, 1, 10)
            or h["padding"] > 1 or not v1_arch):
        raise ModelFileError("ARCH", f"{path} is for a different network")
    why = check_config(c)
    if why:
        raise ModelFileError("ARCH", f"{path} is for a network this Digit Lab cannot build: {why}")
    if h.get("optimizer", 0) not in (0, 1):
        raise ModelFileError("FORMAT", f"{path} holds the state of an unknown optimizer ({h['optimizer']})")
    if not 0 < h.get("temperature", 1.0) < 1e6:
        raise ModelFileError("FORMAT", f"{path} is damaged: its softmax temperature is not a positive number")
    sure, reject = h.get("sure", 0.0), h.get("reject", 0.0)
    if not (sure == 0 and reject == 0) and not (0 < sure <= 1 and 0 <= reject <= sure):
        raise ModelFileError("FORMAT", f"{path} is damaged: its verdict thresholds are not probabilities")
    if h["epochs_done"] > MAX_EPOCHS or h["step"] > MAX_STEP:
        raise ModelFileError("FORMAT", f"{path} is damaged: it claims {h['epochs_done']} finished epochs "
                             f"and {h['step']} training steps, more than any training run makes")
    return h, c


def destination(name, expected, optimizer):
    """The tensor a float record belongs to: itself, or for NAME.adam_m and
    NAME.adam_v a trainable NAME when the header's optimizer flag is set."""
    if name in expected:
        return name
    for suffix in (".adam_m", ".adam_v"):
        base = name[:-len(suffix)]
        if name.endswith(suffix) and base in expected and expected[base][1] and optimizer:
            return base
    return None


def read_model(path):
    """Reads and checks a model file as nn_model_load does; raises
    ModelFileError (a ValueError) with the engine's status and wording."""
    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode):
        raise ModelFileError("IO", f"cannot read {path}: it is not a regular file")
    if st.st_size > MAX_FILE:
        raise ModelFileError("FORMAT", f"{path} is too large to be a Digit Lab model file")
    with open(path, "rb") as f:
        data = f.read()
    h, c = read_header(path, data)
    expected = {name: (dims, trainable) for name, dims, trainable in layout(c)}
    optimizer = bool(h["flags"] & FLAG_OPTIMIZER)
    tensors, meta, pos, end = {}, {}, h["header_size"], len(data) - 4

    def u32():   # the next u32, or None past the records' end
        nonlocal pos
        if end - pos < 4:
            return None
        pos += 4
        return struct.unpack_from("<I", data, pos - 4)[0]

    for i in range(h["tensor_count"]):
        n = u32()
        if n is None or not 1 <= n <= MAX_NAME or end - pos < n or 0 in data[pos:pos + n]:
            raise ModelFileError("FORMAT", f"{path}: tensor {i} has a bad name")
        name = data[pos:pos + n].decode("utf-8", "replace")
        pos += n
        if h["version"] >= 2 and name.startswith("meta."):
            ndim, length, dtype = u32(), u32(), u32()
            if ndim != 1 or length is None or dtype != DTYPE_TEXT:
                raise ModelFileError("FORMAT", f"{path}: record '{name}' is not a text record")
            if length > MAX_TEXT or end - pos < length:
                raise ModelFileError("FORMAT", f"{path}: text record '{name}' is too long or cut short")
            meta[name] = data[pos:pos + length].decode("utf-8", "replace")
            pos += length
            continue
        base = destination(name, expected, optimizer)
        if base is None:
            raise ModelFileError("ARCH", f"{path}: unknown tensor '{name}'")
        want = expected[base][0]
        ndim = u32()
        if ndim != len(want):
            raise ModelFileError("ARCH", f"{path}: tensor '{name}' has {ndim or 0} dimensions, "
                                 f"expected {len(want)}")
        for d in range(ndim):
            dim = u32()
            if dim is None:
                raise ModelFileError("FORMAT", f"{path}: tensor '{name}' has its shape cut short")
            if dim != want[d]:
                raise ModelFileError("ARCH", f"{path}: tensor '{name}' has the wrong shape "
                                     f"(dimension {d + 1} is {dim}, expected {want[d]})")
        dtype = u32()
        if dtype != DTYPE_F32:
            raise ModelFileError("FORMAT", f"{path}: tensor '{name}' is not float32 (type {dtype or 0})")
        size = 4 * math.prod(want)
        if end - pos < size:
            raise ModelFileError("FORMAT", f"{path}: tensor '{name}' is cut short")
        if name in tensors:
            raise ModelFileError("FORMAT", f"{path}: tensor '{name}' appears twice")
        tensors[name] = (want, floats(data[pos:pos + size]))
        pos += size
        if not all(math.isfinite(v) for v in tensors[name][1]):
            raise ModelFileError("FORMAT", f"{path}: tensor '{name}' holds numbers that are not finite")
    if pos != end:
        raise ModelFileError("FORMAT", f"{path}: unexpected data after the last tensor")
    for name, (dims, trainable) in expected.items():   # in file order: the first gap is reported
        if name not in tensors:
            raise ModelFileError("ARCH", f"{path}: tensor '{name}' is missing")
        if (optimizer and trainable
                and not (name + ".adam_m" in tensors and name + ".adam_v" in tensors)):
            raise ModelFileError("FORMAT", f"{path}: optimizer state of '{name}' is missing")
    return Model(c, tensors, meta, h.get("temperature", 1.0), h["epochs_done"], h["step"], h,
                 h.get("optimizer", 0), h.get("sure", 0.0), h.get("reject", 0.0))


# ---- writing ------------------------------------------------------------------------------

def record(name, dims, dtype, payload):
    """One record: name length, name, ndim, dims, dtype, then the payload bytes."""
    name = name.encode()
    return struct.pack(f"<I{len(name)}sI{len(dims)}II", len(name), name, len(dims), *dims, dtype) + payload


def f32_bytes(values):
    """Floats as little-endian float32 bytes."""
    values = array.array("f", values)
    if sys.byteorder == "big":
        values.byteswap()
    return values.tobytes()


def float_record(name, dims, values):
    return record(name, dims, DTYPE_F32, f32_bytes(values))


def text_record(name, text):
    text = text.encode()
    return record(name, (len(text),), DTYPE_TEXT, text)


def encode(fields, records):
    """The file: header (the layout of fields["version"]), records, CRC-32."""
    header = V1 if fields["version"] == 1 else V2
    data = header.pack(*(fields[k] for k in (V1_FIELDS if fields["version"] == 1 else V2_FIELDS)))
    data += b"".join(records)
    return data + struct.pack("<I", zlib.crc32(data))


def has_moments(model):
    return any(n.endswith((".adam_m", ".adam_v")) for n in model.tensors)


def model_records(model, version=2):
    """The model's records in the engine's order: tensors, Adam's moments
    (all or none), text records (version 2)."""
    names = layout(model.config)
    out = [float_record(n, d, model.tensors[n][1]) for n, d, _ in names]
    if has_moments(model):
        for n, d, trainable in names:
            if trainable:
                out += [float_record(n + s, d, model.tensors[n + s][1]) for s in (".adam_m", ".adam_v")]
    if version == 2:
        out += [text_record(n, t) for n, t in model.meta.items()]
    return out


def header_fields(model, records, version=2):
    c = model.config
    adam = has_moments(model)
    common = dict(magic=MAGIC, version=version, endian_mark=ENDIAN_MARK,
                  header_size=V1.size if version == 1 else V2.size, padding=int(c["padding"] == "valid"),
                  input_height=28, input_width=28, input_channels=1, classes=10, tensor_count=len(records),
                  epochs_done=model.epochs_done, step=model.step)
    if version == 1:
        if dict(c, padding="same") != PAPER or model.temperature != 1.0:
            raise ValueError("version 1 holds the paper's network only, at temperature 1")
        return dict(common, block1_filters=32, block2_filters=64, dense_units=128,
                    flags=FLAG_OPTIMIZER if adam else 0, reserved0=0, reserved1=0)
    return dict(common, blocks=c["blocks"], convs_per_block=c["convs_per_block"],
                filters0=c["filters"][0], filters1=c["filters"][1], filters2=c["filters"][2],
                dense=c["dense"], flags=(FLAG_OPTIMIZER if adam else 0) | (FLAG_BATCH_NORM if c["batch_norm"] else 0),
                dropout_conv=c["dropout_conv"], dropout_dense=c["dropout_dense"],
                temperature=model.temperature, optimizer=model.optimizer, sure=model.sure, reject=model.reject,
                **{f"reserved{i}": 0 for i in range(5)})


def write_model(path, model, version=2):
    """Writes the model as nn_model_save would (version 1: the paper's
    network only; its text records are left out)."""
    records = model_records(model, version)
    data = encode(header_fields(model, records, version), records)
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    os.replace(path + ".tmp", path)


# ---- the network at inference ----------------------------------------------------------

def conv3x3(maps, weight, pad):
    """maps[c][y][x] -> out[o][y][x] = sum over c, ky, kx of
    weight[o][c][ky][kx] * maps[c][y + ky - pad][x + kx - pad] (zeros outside):
    a cross-correlation with stride 1, as in Keras and PyTorch."""
    n_in, side = len(maps), len(maps[0])
    if pad:
        zeros = [0.0] * (side + 2)
        maps = [[zeros] + [[0.0] + row + [0.0] for row in m] + [zeros] for m in maps]
    out_side = side + 2 * pad - 2
    out = []
    for o in range(len(weight) // (9 * n_in)):
        acc = [[0.0] * out_side for _ in range(out_side)]
        for c in range(n_in):
            for ky in range(3):
                for kx in range(3):
                    k = weight[((o * n_in + c) * 3 + ky) * 3 + kx]
                    for y in range(out_side):
                        acc[y] = [a + k * v for a, v in zip(acc[y], maps[c][y + ky][kx:kx + out_side])]
        out.append(acc)
    return out


def maxpool2(m):
    """2x2 max-pooling, stride 2; an odd last row or column is dropped."""
    return [[max(m[2 * y][2 * x], m[2 * y][2 * x + 1], m[2 * y + 1][2 * x], m[2 * y + 1][2 * x + 1])
             for x in range(len(m[0]) // 2)] for y in range(len(m) // 2)]


def dense(x, weight, bias=None):
    """out[o] = sum over i of weight[o][i] * x[i] (+ bias[o])."""
    n = len(x)
    return [sum(w * v for w, v in zip(weight[o * n:(o + 1) * n], x)) + (bias[o] if bias else 0.0)
            for o in range(len(weight) // n)]


def predict(model, image):
    """One 28x28 image (784 floats in [0, 1], row-major, ink = 1) through
    the network at inference: returns (logits, probabilities)."""
    c, t = model.config, {name: values for name, (_, values) in model.tensors.items()}
    bn = 0

    def scale_shift(layer):
        """Per channel: BN at inference, a = relu(gamma (z - mean) / sqrt(var + eps) + beta),
        or the layer's bias, a = relu(z + bias), as relu(z * scale + shift)."""
        nonlocal bn
        if not c["batch_norm"]:
            return [1.0] * len(t[layer + ".bias"]), list(t[layer + ".bias"])
        bn += 1
        g, b, mean, var = (t[f"bn{bn}.{k}"] for k in ("gamma", "beta", "running_mean", "running_var"))
        scale = [g[i] / math.sqrt(var[i] + BN_EPSILON) for i in range(len(g))]
        return scale, [b[i] - mean[i] * scale[i] for i in range(len(g))]

    maps, conv = [[list(image[28 * y:28 * y + 28]) for y in range(28)]], 0
    for _ in range(c["blocks"]):
        for _ in range(c["convs_per_block"]):
            conv += 1
            maps = conv3x3(maps, t[f"conv{conv}.weight"], 1 if c["padding"] == "same" else 0)
            scale, shift = scale_shift(f"conv{conv}")
            maps = [[[max(0.0, v * s + b) for v in row] for row in m] for m, s, b in zip(maps, scale, shift)]
        maps = [maxpool2(m) for m in maps]           # dropout: training only
    x = [v for m in maps for row in m for v in row]  # flatten, channel-major: [c][y][x]
    layer = 1
    if c["dense"]:
        x = dense(x, t["dense1.weight"])
        scale, shift = scale_shift("dense1")
        x = [max(0.0, v * s + b) for v, s, b in zip(x, scale, shift)]
        layer = 2
    logits = dense(x, t[f"dense{layer}.weight"], t[f"dense{layer}.bias"])
    top = max(logits)
    e = [math.exp((v - top) / model.temperature) for v in logits]   # softmax(logits / T)
    return logits, [v / sum(e) for v in e]


if __name__ == "__main__":
    m = read_model(sys.argv[1])
    for key, value in m.header.items():
        print(f"{key:16} {value}")
    print(f"{'network':16} {m.config}")
    for name, (dims, values) in m.tensors.items():
        head = " ".join(f"{v:.6g}" for v in values[:3])
        print(f"{name:24} {'x'.join(map(str, dims)):14} {head} ...")
    for name, text in m.meta.items():
        print(f"{name:24} {text!r}")
