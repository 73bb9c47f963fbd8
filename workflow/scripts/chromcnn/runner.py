"""Glue for Snakemake scripts: logging to ``snakemake.log[0]`` and clean failures."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from chromcnn.errors import InputError


def setup_logging(log_path: str | None) -> logging.Logger:
    """Log INFO and above to ``log_path`` (and stderr), one timestamped line per record."""
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_path:
        handlers.append(logging.FileHandler(log_path, mode="w"))
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=handlers,
        force=True,
    )
    return logging.getLogger("chromcnn")


def log_job_context(log: logging.Logger) -> None:
    """Record the SLURM job (id, partition, node, GPUs) a script runs in, when it runs in one."""
    import os

    job = os.environ.get("SLURM_JOB_ID")
    if job:
        log.info(
            "SLURM job %s (partition %s, node %s, GPUs %s)",
            job,
            os.environ.get("SLURM_JOB_PARTITION", "?"),
            os.environ.get("SLURMD_NODENAME", "?"),
            os.environ.get("SLURM_JOB_GPUS") or os.environ.get("CUDA_VISIBLE_DEVICES") or "none",
        )


def run(snakemake: Any, main: Callable[[Any, logging.Logger], None]) -> None:
    """Run ``main(snakemake, log)``; on bad input print one line and exit 1.

    Parameters
    ----------
    snakemake : object
        The object Snakemake injects into scripts.
    main : callable
        The script's body.
    """
    log = setup_logging(snakemake.log[0] if len(snakemake.log) else None)
    log_job_context(log)
    try:
        main(snakemake, log)
    except InputError as err:
        log.error("%s", err.one_line())
        print(f"chromcnn error: {err.one_line()}", file=sys.stderr)
        sys.exit(1)
