#!/usr/bin/env python3
"""docs/read_model.py, written from docs/model-format.md, against the engine.

Usage: test-read-model.py READ-MODEL-HELPER docs/read_model.py data/digitlab-paper.dlm

read-model-helper saves models of several configs (the paper's network with
Adam's state and a recipe, no BN, odd map sizes, valid padding, no dense
layer, one block) and describes them and the version 1 model (the paper's
recipe, bundled until the drawings' model replaced it): every
tensor's CRC-32 and sum, nn_model_predict's logits and probabilities for one
image. The reader must read every tensor exactly, write the engine's bytes
again, refuse what the engine refuses with the same status and words, and its
pure-Python forward pass must give the engine's probabilities within 1e-5.
Output: TAP.
"""
import importlib.util
import json
import os
import struct
import subprocess
import sys
import tempfile
import traceback
import zlib

HELPER, READER, BUNDLED = sys.argv[1:4]
spec = importlib.util.spec_from_file_location("read_model", READER)
rm = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rm)

TMP = tempfile.TemporaryDirectory(prefix="digitlab-test-read-model-")
SAVED = json.loads(subprocess.run([HELPER, "save", TMP.name, BUNDLED], check=True, capture_output=True,
                                  text=True).stdout)
IMAGE, MODELS = SAVED["image"], SAVED["models"]
tests = []


def test(fn):
    tests.append(fn)
    return fn


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]




def engine_load(path):
    return json.loads(subprocess.run([HELPER, "load", path], check=True, capture_output=True,
                                     text=True).stdout)


def assert_same_model(model, described, where, in_order=True):
    """The reader's model holds exactly what the engine describes (and its
    records come in the engine's order)."""
    c = dict(described["config"])
    for key in ("dropout_conv", "dropout_dense"):
        c[key] = f32(c[key])
    assert model.config == c, f"{where}: config {model.config}, engine {c}"
    assert model.temperature == f32(described["temperature"]), where
    assert (model.step, model.epochs_done) == (described["step"], described["epochs_done"]), where
    assert model.meta.get("meta.recipe", "") == described["recipe"], where
    names = [t["name"] for t in described["tensors"]]
    read = list(model.tensors) if in_order else sorted(model.tensors)
    assert read == (names if in_order else sorted(names)), f"{where}: records {read}, engine {names}"
    assert [n for n, _, _ in rm.layout(model.config)] == [n for n in names if ".adam_" not in n], where
    for t in described["tensors"]:
        dims, values = model.tensors[t["name"]]
        assert list(dims) == t["dims"], f"{where}: {t['name']} is {dims}, engine {t['dims']}"
        assert zlib.crc32(rm.f32_bytes(values)) == t["crc"], f"{where}: {t['name']}'s values differ from the engine's"
        assert sum(values) == t["sum"], f"{where}: {t['name']} sums to {sum(values)}, engine {t['sum']}"


@test
def reads_every_tensor_exactly():
    assert len(MODELS) == 7
    for d in MODELS:
        assert_same_model(rm.read_model(d["file"]), d, os.path.basename(d["file"]))


@test
def reads_the_bundled_version1_model():
    m = rm.read_model(BUNDLED)
    assert m.header["version"] == 1 and m.header["header_size"] == 80
    assert m.config == rm.PAPER and m.temperature == 1.0 and len(m.tensors) == 27
    assert m.tensors["dense1.weight"][0] == (128, 3136)


@test
def python_forward_pass_matches_the_engine():
    for d in MODELS:
        logits, probs = rm.predict(rm.read_model(d["file"]), IMAGE)
        where = os.path.basename(d["file"])
        worst = max(abs(a - b) for a, b in zip(probs, d["probs"]))
        assert worst < 1e-5, f"{where}: probabilities differ by {worst:.3g}: {probs} vs {d['probs']}"
        worst = max(abs(a - b) for a, b in zip(logits, d["logits"]))
        assert worst < 1e-4, f"{where}: logits differ by {worst:.3g}"
        assert max(d["probs"]) > 0.15, f"{where}: a model this flat would test little"


@test
def writes_the_engines_bytes():
    for d in MODELS:
        with open(d["file"], "rb") as f:
            original = f.read()
        m = rm.read_model(d["file"])
        copy = os.path.join(TMP.name, "copy.dlm")
        rm.write_model(copy, m, version=m.header["version"])
        with open(copy, "rb") as f:
            assert f.read() == original, f"{d['file']}: written again, the bytes differ"


@test
def version1_written_as_version2_loads_the_same():
    bundled = next(d for d in MODELS if d["file"] == BUNDLED)
    path = os.path.join(TMP.name, "bundled-v2.dlm")
    rm.write_model(path, rm.read_model(BUNDLED))
    got = engine_load(path)
    assert got["status"] == "NN_OK", got["message"]
    assert got["model"]["tensors"] == bundled["tensors"] and got["model"]["probs"] == bundled["probs"]
    assert rm.read_model(path).header["version"] == 2


# ---- broken files: the engine and the reader refuse them alike ------------------------

BASE = rm.read_model(os.path.join(TMP.name, "valid-1conv.dlm"))  # BN, Adam's state, no dense layer


def records(drop=(), change=None, extra=()):
    """BASE's records without those named in drop, change(name, dims, values)
    -> record or None for each, then the extra records."""
    out = []
    for name, (dims, values) in BASE.tensors.items():
        if name in drop:
            continue
        r = change(name, dims, values) if change else None
        out.append(r if r is not None else rm.float_record(name, dims, values))
    return out + list(extra)


def header(recs, **fields):
    h = rm.header_fields(BASE, recs)
    h.update(fields)
    return h


def nan_in(target):
    return lambda name, dims, values: rm.float_record(name, dims, [float("nan")] + list(values[1:])) \
        if name == target else None


def dims_of(target, new_dims):
    return lambda name, dims, values: rm.float_record(name, new_dims, values) if name == target else None


def no_adam():
    return records(drop=[n for n in BASE.tensors if ".adam_" in n])


def broken_cases():
    """(what, file bytes, status, words in both messages)."""
    r = records()
    cases = []

    def add(what, recs, status, words, data=None, **fields):
        cases.append((what, data if data is not None else rm.encode(header(recs, **fields), recs), status, words))

    add("good", r, "OK", "")
    add("reversed order", r[::-1], "OK", "")
    add("an unknown text record", r + [rm.text_record("meta.future", "from a later version")], "OK", "")
    add("no Adam records, flag unset", no_adam(), "OK", "", flags=rm.FLAG_BATCH_NORM)
    good = rm.encode(header(r), r)
    add("truncated", None, "CHECKSUM", "checksum mismatch", data=good[:-100])
    add("version 3", None, "VERSION", "model format 3", data=good[:8] + struct.pack("<I", 3) + good[12:])
    add("4 blocks", r, "ARCH", "1 to 3 blocks, not 4", blocks=4)
    add("too many valid convolutions", r, "ARCH", "shrink a 28x28 image to nothing", convs_per_block=2)
    add("temperature 0", r, "FORMAT", "temperature", temperature=0.0)
    add("unknown optimizer", r, "FORMAT", "unknown optimizer (2)", optimizer=2)
    add("thresholds not probabilities", r, "FORMAT", "verdict thresholds are not probabilities",
        sure=0.5, reject=0.7)
    # check 11: each tensor in file order, its own record first, then its moments
    add("a late tensor and an early moment missing", records(drop=["bn1.running_var", "conv1.weight.adam_v"]),
        "FORMAT", "optimizer state of 'conv1.weight' is missing")
    add("a tensor and an earlier tensor's moment missing", records(drop=["conv2.weight", "conv1.weight.adam_m"]),
        "FORMAT", "optimizer state of 'conv1.weight' is missing")
    add("a tensor and a later tensor's moment missing", records(drop=["conv1.weight", "bn3.gamma.adam_m"]),
        "ARCH", "tensor 'conv1.weight' is missing")
    add("a running statistic missing", records(drop=["bn3.running_var"]), "ARCH", "'bn3.running_var' is missing")
    # partial Adam records without the flag: the first one is an unknown tensor
    partial = no_adam() + [rm.float_record(n, BASE.tensors[n][0], BASE.tensors[n][1])
                           for n in ("conv2.weight.adam_m", "conv2.weight.adam_v")]
    add("partial Adam records, flag unset", partial, "ARCH", "unknown tensor 'conv2.weight.adam_m'",
        flags=rm.FLAG_BATCH_NORM)
    add("all Adam records, flag unset", r, "ARCH", "unknown tensor 'conv1.weight.adam_m'", flags=rm.FLAG_BATCH_NORM)
    add("Adam records of a running statistic", r + [rm.float_record("bn1.running_mean.adam_m", (4,), [0] * 4)],
        "ARCH", "unknown tensor 'bn1.running_mean.adam_m'")
    add("wrong number of dimensions", records(change=dims_of("conv1.weight", (4, 1, 9))), "ARCH",
        "'conv1.weight' has 3 dimensions, expected 4")
    add("wrong shape", records(change=dims_of("conv1.weight", (1, 4, 3, 3))), "ARCH",
        "'conv1.weight' has the wrong shape (dimension 1 is 1, expected 4)")
    add("wrong shape of a moment", records(change=dims_of("conv2.weight.adam_v", (8, 2, 3, 3, ))), "ARCH",
        "'conv2.weight.adam_v' has the wrong shape (dimension 2 is 2, expected 4)")
    add("not finite", records(change=nan_in("bn1.beta")), "FORMAT", "'bn1.beta' holds numbers that are not finite")
    add("duplicate", r + [r[1]], "FORMAT", "'bn1.gamma' appears twice")
    add("unknown tensor", records(change=lambda n, d, v: rm.float_record("conv9.weight", d, v)
                                  if n == "conv1.weight" else None), "ARCH", "unknown tensor 'conv9.weight'")
    add("text record of type 0", r + [rm.record("meta.recipe", (2,), 0, b"hi")], "FORMAT", "not a text record")
    add("text too long", r + [rm.text_record("meta.recipe", "x" * 1024)], "FORMAT", "too long or cut short")
    add("count one too high", r, "FORMAT", f"tensor {len(r)} has a bad name", tensor_count=len(r) + 1)
    add("count one too low", r, "FORMAT", "unexpected data after the last tensor", tensor_count=len(r) - 1)
    return cases


@test
def refuses_what_the_engine_refuses():
    path = os.path.join(TMP.name, "broken.dlm")
    for what, data, status, words in broken_cases():
        with open(path, "wb") as f:
            f.write(data)
        got = engine_load(path)
        assert got["status"] == "NN_" + ("ERR_" if status != "OK" else "") + status, \
            f"{what}: the engine says {got['status']} ({got['message']}), expected {status}"
        assert words in got["message"], f"{what}: the engine says '{got['message']}', not '{words}'"
        try:
            m = rm.read_model(path)
        except rm.ModelFileError as e:
            assert (e.status, words in str(e)) == (status, True), f"{what}: the reader says {e.status} '{e}'"
            continue
        assert status == "OK", f"{what}: the reader read a file the engine refuses"
        assert_same_model(m, got["model"], what, in_order=False)


def main():
    print(f"1..{len(tests)}")
    failed = 0
    for i, fn in enumerate(tests, 1):
        try:
            fn()
            print(f"ok {i} - {fn.__name__}")
        except Exception:
            failed += 1
            print(f"not ok {i} - {fn.__name__}")
            for line in traceback.format_exc().splitlines():
                print(f"# {line}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
