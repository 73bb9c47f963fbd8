"""Training throughput of every architecture at 1000 bp, and loader throughput as a
ratio to basset's training step rate, measured in one run.

    .venv/bin/python bench/bench_train.py [--windows 20000] [--workdir bench/out]

On a machine with CUDA the same is measured on the GPU with bf16 autocast, and
the GPU utilisation is sampled with nvidia-smi during basset's run.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import torch
from common import make_genome, parse_args  # puts workflow/scripts on sys.path

# isort: split
from chromcnn import models
from chromcnn.data.genome import read_fai
from chromcnn.data.hdf5 import write_split
from chromcnn.inference.device import to_input
from chromcnn.io.batches import Batches
from chromcnn.io.windows_table import WindowsWriter

L, TASKS = 1000, 5


def train_rate(arch: str, device: torch.device, bf16: bool, steps: int) -> float:
    """Training samples/s of ``arch`` with its published batch size (forward, backward, step)."""
    torch.manual_seed(0)
    model = models.build(arch, TASKS, L).to(device).train()
    batch = models.get(arch).defaults["batch_size"]
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    x = torch.nn.functional.one_hot(torch.randint(0, 4, (batch, L)), 4).permute(0, 2, 1).float().to(device)
    y = (torch.rand(batch, TASKS) < 0.3).float().to(device)

    def step():
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            loss = torch.nn.functional.binary_cross_entropy_with_logits(model(x).float(), y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    t = time.perf_counter()
    for _ in range(steps):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return steps * batch / (time.perf_counter() - t)


def split_file(work: Path, fasta: str, n: int) -> str:
    rng = np.random.default_rng(0)
    entries = read_fai(f"{fasta}.fai")
    table = work / "train_windows.tsv.gz"
    with WindowsWriter(table, [f"t{i}" for i in range(TASKS)]) as out:
        for e in entries:
            starts = np.sort(rng.integers(0, e.length - L, n // len(entries)))
            labels = (rng.random((len(starts), TASKS)) < 0.3).astype(np.uint8)
            out.write(e.name, starts, starts + L, np.full(len(starts), "train"), labels)
    path = work / "bench_train.h5"
    write_split(str(table), "train", fasta, str(path), L)
    return str(path)


def loader_rate(path: str, budget_mb: float) -> float:
    """Samples/s of one shuffled epoch, including the uint8 -> float32 tensor conversion."""
    batches = Batches(path, 100, memory_budget_mb=budget_mb)
    t, n = time.perf_counter(), 0
    for x, _ in batches.epoch(1, 1):
        to_input(x, torch.device("cpu"))
        n += len(x)
    return n / (time.perf_counter() - t)


def gpu_utilisation(arch: str, seconds: float = 10.0) -> float | None:
    if not torch.cuda.is_available() or shutil.which("nvidia-smi") is None:
        return None
    probe = subprocess.Popen(
        ["nvidia-smi", "--query-gpu=utilization.gpu", "--format=csv,noheader,nounits", "-lms", "200"],
        stdout=subprocess.PIPE,
        text=True,
    )
    train_rate(arch, torch.device("cuda"), True, steps=int(seconds * 20))
    probe.terminate()
    values = [float(v) for v in probe.communicate()[0].split() if v.strip()]
    return float(np.mean(values[2:])) if len(values) > 2 else None


def main() -> None:
    args, work = parse_args(__doc__, 20_000, "chromcnn-train-")
    print(
        f"\nTraining samples/s at {L} bp, {TASKS} tasks, published batch sizes "
        f"(CPU: {torch.get_num_threads()} threads)\n"
    )
    print("| architecture | CPU samples/s | GPU bf16 samples/s |\n|---|---:|---:|")
    rates = {}
    for arch in models.names():
        cpu = train_rate(arch, torch.device("cpu"), False, steps=3)
        gpu = train_rate(arch, torch.device("cuda"), True, steps=50) if torch.cuda.is_available() else None
        rates[arch] = (cpu, gpu)
        print(f"| {arch} | {cpu:,.0f} | {'-' if gpu is None else f'{gpu:,.0f}'} |")
    fasta = make_genome(work)
    path = split_file(work, fasta, args.windows)
    ram, stream = loader_rate(path, 1e9), loader_rate(path, 0)
    basset = rates["basset"][0]
    print(f"\nLoader, {args.windows:,} windows x {L} bp (gzip-4 HDF5), one shuffled epoch:\n")
    print("| loader | samples/s | x basset CPU step rate |\n|---|---:|---:|")
    print(f"| in RAM | {ram:,.0f} | {ram / basset:,.0f}x |")
    print(f"| streaming chunk-aligned blocks | {stream:,.0f} | {stream / basset:,.0f}x |")
    util = gpu_utilisation("basset")
    if util is not None:
        print(f"\nGPU utilisation during basset bf16 training: {util:.0f}%")


if __name__ == "__main__":
    main()
