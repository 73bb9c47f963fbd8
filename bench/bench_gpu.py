"""Training throughput against the hardware limit, per architecture, at 1000 bp and 300 bp.

    .venv/bin/python bench/bench_gpu.py [--archs basset deepbind] [--lengths 1000 300]
        [--tasks 164] [--steps 50] [--batch 0] [--windows 20000] [--device auto] [--compile]

One command, one table. Per architecture and length: training samples/s through
the trainer's own path (uint8 batches from RAM -> :func:`prefetch` -> augmentation
on the device -> bf16 autocast on CUDA -> Adam step), the FLOPs of one training
sample (forward + backward, counted by ``torch.utils.flop_counter.FlopCounterMode``,
not guessed), the achieved FLOP/s as a fraction of the device's dense bf16 peak
(table below; on a CPU no peak is known, so none is claimed), the share of step
time spent waiting for the next batch, and GPU utilisation (``nvidia-smi``) when
there is a GPU. Then the loader alone, from RAM and streaming from a gzip-4 HDF5
file, and inference windows/s (both strands) against one forward pass.
``--batch 0`` uses each architecture's published batch size. Without a GPU it
runs on the CPU; use small ``--steps`` and ``--windows`` there.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import make_genome  # noqa: E402  (puts workflow/scripts on sys.path)

# isort: split
from bench_train import split_file  # noqa: E402
from chromcnn import models  # noqa: E402
from chromcnn.config.settings import TrainSettings  # noqa: E402
from chromcnn.inference.device import autocast, pick_device, prefetch  # noqa: E402
from chromcnn.io.batches import Batches  # noqa: E402
from chromcnn.io.onehot import reverse_complement  # noqa: E402
from chromcnn.training.augment import augment  # noqa: E402

# Dense (no sparsity) bf16 tensor-core peaks, TFLOP/s, from the vendors' data sheets.
BF16_PEAK_TFLOPS = {
    "H200": 989.0,
    "H100 SXM": 989.0,
    "H100 NVL": 835.0,
    "H100 PCIe": 756.0,
    "H100": 756.0,  # unknown form factor: the lower (PCIe) figure
    "GH200": 989.0,
    "B200": 2250.0,
    "A100": 312.0,
    "A10G": 70.0,
    "A10": 125.0,
    "L40S": 362.0,
    "L4": 121.0,
    "RTX 4090": 165.0,
    "RTX 6000 Ada": 364.0,
}


def peak_tflops(device: torch.device) -> tuple[float | None, str]:
    """The device's dense bf16 peak and its name (None on CPU or an unlisted GPU)."""
    if device.type != "cuda":
        return None, "CPU (no peak known: not claimed)"
    name = torch.cuda.get_device_name(device)
    for key in sorted(BF16_PEAK_TFLOPS, key=len, reverse=True):
        if key.replace(" ", "").lower() in name.replace(" ", "").lower():
            return BF16_PEAK_TFLOPS[key], name
    return None, f"{name} (not in the peak table)"


def one_hot_batches(n: int, length: int, tasks: int, batch: int, seed: int = 0):
    """In-RAM uint8 one-hot examples and labels, served as the trainer's Batches would."""
    rng = np.random.default_rng(seed)
    x = np.eye(4, dtype=np.uint8)[rng.integers(0, 4, (n, length))].transpose(0, 2, 1).copy()
    y = (rng.random((n, tasks)) < 0.3).astype(np.uint8)

    def epoch():
        order = rng.permutation(n)
        for i in range(0, n - batch + 1, batch):
            idx = np.sort(order[i : i + batch])
            yield x[idx], y[idx]

    return epoch


def flops_per_sample(model: torch.nn.Module, length: int, tasks: int, device: torch.device) -> float:
    """Forward + backward FLOPs of one training example (torch's FLOP counter, batch of 8)."""
    from torch.utils.flop_counter import FlopCounterMode

    x = torch.zeros(8, 4, length, device=device)
    x[:, 0] = 1
    model.train()
    with FlopCounterMode(display=False) as counter:
        loss = torch.nn.functional.binary_cross_entropy_with_logits(
            model(x).float(), torch.zeros(8, tasks, device=device)
        )
        loss.backward()
    model.zero_grad(set_to_none=True)
    return counter.get_total_flops() / 8


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def train_rate(arch: str, length: int, args, device: torch.device) -> dict:
    """Samples/s, data-wait share and FLOPs of ``arch`` trained through the trainer's path."""
    torch.manual_seed(0)
    model = models.build(arch, args.tasks, length).to(device)
    flops = flops_per_sample(model, length, args.tasks, device)
    batch = args.batch or models.get(arch).defaults["batch_size"]
    settings = TrainSettings(arch=arch, rc_augment=True, shift=3, bf16=True)
    step_model = torch.compile(model) if args.compile and device.type == "cuda" else model
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    gen = torch.Generator().manual_seed(0)
    epoch = one_hot_batches(batch * min(args.steps + 2, 64), length, args.tasks, batch)
    wait = busy = 0.0
    seen, steps = 0, 0
    started = None
    while steps < args.steps + 2:
        t_fetch = time.perf_counter()
        for xt, y in prefetch(epoch(), device):
            t_got = time.perf_counter()
            if steps == 2:  # two warm-up steps (allocator, cuDNN choice, compilation)
                sync(device)
                started, wait, busy, seen = time.perf_counter(), 0.0, 0.0, 0
                t_got = started
            xb = augment(xt.float(), settings, gen)
            with autocast(device, settings.bf16):
                loss = torch.nn.functional.binary_cross_entropy_with_logits(
                    step_model(xb).float(), torch.from_numpy(y).to(device).float()
                )
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sync(device)
            t_done = time.perf_counter()
            wait += t_got - t_fetch
            busy += t_done - t_got
            seen += len(y)
            steps += 1
            t_fetch = time.perf_counter()
            if steps >= args.steps + 2:
                break
    seconds = time.perf_counter() - started
    rate = seen / seconds
    return {"rate": rate, "flops": flops, "wait": wait / max(wait + busy, 1e-12), "batch": batch}


def gpu_utilisation(arch: str, length: int, args, device: torch.device) -> float | None:
    """Mean nvidia-smi utilisation while ``arch`` trains (None without a GPU)."""
    if device.type != "cuda" or shutil.which("nvidia-smi") is None:
        return None
    cmd = ["nvidia-smi", "--query-gpu=utilization.gpu", "--format=csv,noheader,nounits", "-lms", "200"]
    probe = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    train_rate(arch, length, argparse.Namespace(**{**vars(args), "steps": args.steps * 4}), device)
    probe.terminate()
    values = [float(v) for v in probe.communicate()[0].split() if v.strip()]
    return float(np.mean(values[2:])) if len(values) > 2 else None


def loader_rates(work: Path, windows: int, device: torch.device) -> tuple[float, float]:
    """Samples/s of one shuffled epoch (batch 100) to the device as uint8: from RAM, and streaming gzip-4 HDF5."""
    path = split_file(work, make_genome(work), windows)
    rates = []
    for budget in (1e9, 0):
        batches = Batches(path, 100, memory_budget_mb=budget)
        t, n = time.perf_counter(), 0
        for xt, _ in prefetch(batches.epoch(1, 1), device):
            xt.float()
            n += len(xt)
        sync(device)
        rates.append(n / (time.perf_counter() - t))
    return rates[0], rates[1]


@torch.no_grad()
def inference_rates(arch: str, length: int, args, device: torch.device) -> tuple[float, float]:
    """Windows/s of one forward pass, and of prediction on both strands (averaged), batch 512."""
    model = models.build(arch, args.tasks, length).to(device).eval()
    x = torch.zeros(512, 4, length, device=device)
    x[:, 0] = 1
    out = []
    for strands in (1, 2):
        for i in range(3):
            if i == 1:
                sync(device)
                t = time.perf_counter()
            with autocast(device, True):
                p = model(x).float()
                if strands == 2:
                    p = (p + model(reverse_complement(x)).float()) / 2
        sync(device)
        out.append(2 * 512 / (time.perf_counter() - t))
    return out[0], out[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archs", nargs="+", default=models.names())
    parser.add_argument("--lengths", nargs="+", type=int, default=[1000, 300])
    parser.add_argument("--tasks", type=int, default=164, help="output tasks (Basset: 164 cell types)")
    parser.add_argument("--steps", type=int, default=50, help="timed training steps per architecture")
    parser.add_argument("--batch", type=int, default=0, help="0 = each architecture's published batch size")
    parser.add_argument("--windows", type=int, default=20_000, help="windows in the loader's HDF5 file")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--compile", action="store_true", help="torch.compile the model (CUDA only)")
    parser.add_argument("--workdir", default=None)
    args = parser.parse_args()
    device = pick_device(args.device)
    if device.type == "cpu":
        torch.set_num_threads(max(1, min(torch.get_num_threads(), 2)))
    peak, name = peak_tflops(device)
    print(f"device: {name}; dense bf16 peak: {'not known' if peak is None else f'{peak:,.0f} TFLOP/s'}")
    print(
        f"{args.tasks} tasks, {args.steps} timed steps, bf16 autocast {'on' if device.type == 'cuda' else 'off (CPU)'}"
    )
    print("\n| architecture | bp | batch | samples/s | GFLOP/sample (fwd+bwd) | TFLOP/s | of bf16 peak | data wait |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for length in args.lengths:
        for arch in args.archs:
            try:
                r = train_rate(arch, length, args, device)
            except models.ModelConfigError as err:
                print(f"| {arch} | {length} | - | not buildable: {str(err).split('.')[0]} | | | | |")
                continue
            tflops = r["rate"] * r["flops"] / 1e12
            frac = "n/a" if peak is None else f"{tflops / peak:.1%}"
            print(
                f"| {arch} | {length} | {r['batch']} | {r['rate']:,.0f} | {r['flops'] / 1e9:.3f} | "
                f"{tflops:.3g} | {frac} | {r['wait']:.1%} |",
                flush=True,
            )
    util = gpu_utilisation("basset", args.lengths[0], args, device)
    print(f"\nGPU utilisation during basset training: {'n/a (no GPU)' if util is None else f'{util:.0f}%'}")
    work = Path(args.workdir or tempfile.mkdtemp(prefix="chromcnn-gpu-"))
    work.mkdir(parents=True, exist_ok=True)
    ram, stream = loader_rates(work, args.windows, device)
    print(f"\nLoader alone, {args.windows:,} windows x 1000 bp, batch 100, to {device.type} as uint8:")
    print(f"| from RAM | {ram:,.0f} samples/s |\n| streaming gzip-4 HDF5 | {stream:,.0f} samples/s |")
    print("\nInference, batch 512 (windows/s): one forward pass vs prediction averaged over both strands")
    print("| architecture | bp | one pass | both strands | ratio |\n|---|---:|---:|---:|---:|")
    for length in args.lengths:
        for arch in args.archs:
            try:
                one, both = inference_rates(arch, length, args, device)
            except models.ModelConfigError:
                continue
            print(f"| {arch} | {length} | {one:,.0f} | {both:,.0f} | {both / one:.2f} |", flush=True)


if __name__ == "__main__":
    main()
