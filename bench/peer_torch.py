#!/usr/bin/python3
"""The Digit Lab network in PyTorch, timed the way `digitlab-cli bench` times
the engine: after a warm-up, rounds of training steps at batch 128
(augmentation + forward + backward + Adam; augmentation also timed alone),
inference at batch 128, and batch-1 prediction. Prints one JSON object with
the same keys as `digitlab-cli bench --json`.

Run it with Debian's python3-torch: /usr/bin/python3 bench/peer_torch.py.
bench/compare sets the environment PyTorch needs to run at its best
(OMP_NUM_THREADS, OPENBLAS_NUM_THREADS=1, glibc malloc thresholds)."""

import argparse
import json
import math
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

BATCH = 128
POOL = 1024


class Net(nn.Module):
    """The engine's configurable network (src/engine/model.h), the paper's by
    default: blocks of Conv3x3-BN-ReLU (biases instead of BN when off), 2x2
    max-pooling and dropout after each block, an optional hidden dense
    layer + BN + ReLU + dropout, dense 10. Keras defaults: BN eps 1e-3,
    momentum 0.99 (PyTorch's 0.01)."""

    def __init__(self, padding="same", blocks=2, convs_per_block=2, filters=(32, 64), dense=128,
                 batch_norm=True, dropout=(0.25, 0.5)):
        super().__init__()
        p = 1 if padding == "same" else 0
        self.convs_per_block, self.dropout = convs_per_block, dropout
        chans, channels, side = [], 1, 28
        for b in range(blocks):
            for _ in range(convs_per_block):
                chans.append((channels, filters[b]))
                channels = filters[b]
                side -= 0 if p else 2
            side //= 2
        self.convs = nn.ModuleList(nn.Conv2d(i, o, 3, padding=p, bias=not batch_norm) for i, o in chans)
        self.bns = nn.ModuleList(nn.BatchNorm2d(o, eps=1e-3, momentum=0.01) if batch_norm else nn.Identity()
                                 for _, o in chans)
        flat = channels * side * side
        self.fc1 = nn.Linear(flat, dense, bias=not batch_norm) if dense else None
        self.bn_fc = (nn.BatchNorm1d(dense, eps=1e-3, momentum=0.01) if batch_norm else nn.Identity()) if dense else None
        self.fc2 = nn.Linear(dense or flat, 10)
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.xavier_uniform_(m.weight)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def forward(self, x):
        for i, (conv, bn) in enumerate(zip(self.convs, self.bns)):
            x = F.relu(bn(conv(x)))
            if i % self.convs_per_block == self.convs_per_block - 1:
                x = F.max_pool2d(x, 2)
                if self.dropout[0]:
                    x = F.dropout(x, self.dropout[0], self.training)
        x = torch.flatten(x, 1)
        if self.fc1 is not None:
            x = F.relu(self.bn_fc(self.fc1(x)))
            if self.dropout[1]:
                x = F.dropout(x, self.dropout[1], self.training)
        return self.fc2(x)


def augment(images, generator):
    """Random rotation +-10 deg, zoom +-10 % per axis, shift +-10 %, bilinear."""
    n = images.shape[0]
    angle = (torch.rand(n, generator=generator) * 2 - 1) * math.radians(10)
    zx = 1 + (torch.rand(n, generator=generator) * 2 - 1) * 0.1
    zy = 1 + (torch.rand(n, generator=generator) * 2 - 1) * 0.1
    tx = (torch.rand(n, generator=generator) * 2 - 1) * 0.2  # normalised coordinates: 10 % of the side
    ty = (torch.rand(n, generator=generator) * 2 - 1) * 0.2
    cos, sin = torch.cos(angle), torch.sin(angle)
    theta = torch.stack([torch.stack([cos * zx, -sin * zy, tx], 1),
                         torch.stack([sin * zx, cos * zy, ty], 1)], 1)
    grid = F.affine_grid(theta, images.shape, align_corners=False)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--padding", choices=["same", "valid"], default="same")
    parser.add_argument("--blocks", type=int, default=2)
    parser.add_argument("--convs-per-block", type=int, default=2)
    parser.add_argument("--filters", default=None, help="per block, e.g. 32,64 (default: 32, then doubling)")
    parser.add_argument("--dense", type=int, default=128)
    parser.add_argument("--no-batch-norm", action="store_true")
    parser.add_argument("--dropout", default="0.25,0.5")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--steps", type=int, default=8)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    generator = torch.Generator().manual_seed(2)

    filters = ([int(f) for f in args.filters.split(",")] if args.filters
               else [32 * 2 ** b for b in range(args.blocks)])
    dropout = [float(d) for d in args.dropout.split(",")] + [0.5]
    model = Net(args.padding, args.blocks, args.convs_per_block, filters, args.dense, not args.no_batch_norm,
                dropout[:2])
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4, betas=(0.9, 0.999), eps=1e-7)
    pool = torch.zeros(POOL, 1, 28, 28)
    for i in range(POOL):
        x0 = 6 + int(torch.randint(16, (1,), generator=generator))
        pool[i, 0, 4:24, x0 - 1:x0 + 2] = 1.0
    labels = torch.randint(10, (POOL,), generator=generator)
    state = {"batch": 0}

    def train_step():
        start = (state["batch"] * BATCH) % POOL
        state["batch"] += 1
        t0 = time.perf_counter()
        x = augment(pool[start:start + BATCH], generator)
        augment_time = time.perf_counter() - t0
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), labels[start:start + BATCH])
        loss.backward()
        optimizer.step()
        return augment_time

    model.train()
    for _ in range(3):
        train_step()
    train, aug = [], []
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        a = sum(train_step() for _ in range(args.steps))
        train.append((time.perf_counter() - t0) / args.steps)
        aug.append(a / args.steps)

    model.eval()
    infer, latency = [], []
    batch = pool[:BATCH]
    one = pool[:1]
    with torch.no_grad():
        model(batch)
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            for _ in range(args.steps):
                model(batch)
            infer.append((time.perf_counter() - t0) / args.steps)
        for _ in range(10):
            model(one)
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            for _ in range(50):
                model(one)
            latency.append((time.perf_counter() - t0) / 50)

    step, augment_s = statistics.median(train), statistics.median(aug)
    infer_s, latency_s = statistics.median(infer), statistics.median(latency)
    print(json.dumps({
        "peer": f"PyTorch {torch.__version__}",
        "threads": torch.get_num_threads(),
        "padding": args.padding,
        "params": sum(p.numel() for p in model.parameters()),
        "mkldnn": torch.backends.mkldnn.is_available(),
        "batch": BATCH,
        "rounds": args.rounds,
        "train_images_per_s": round(BATCH / step, 1),
        "train_step_ms": round(step * 1e3, 3),
        "augment_ms_per_batch": round(augment_s * 1e3, 3),
        "infer_images_per_s": round(BATCH / infer_s, 1),
        "predict1_ms": round(latency_s * 1e3, 4),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }))


if __name__ == "__main__":
    main()
