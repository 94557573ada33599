"""Tiny timing helpers shared by the benchmarks (median of repeated runs)."""

from __future__ import annotations

import contextlib
import logging
import statistics
import time
from collections.abc import Callable, Iterator


def median_seconds(fn: Callable[[], object], *, repeat: int = 7, number: int = 2000) -> float:
    """Median over ``repeat`` runs of the mean time of ``number`` calls."""
    fn()  # warm up caches and lazy imports
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        runs.append((time.perf_counter() - start) / number)
    return statistics.median(runs)


@contextlib.contextmanager
def emulator() -> Iterator[None]:
    """The project's embedded moto server (plain HTTP, so numbers compare with earlier
    runs), with this process's AWS environment pointed at it and restored after."""
    from secure_sagemaker.testing import EmbeddedAWS, environment

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with EmbeddedAWS(tls=False) as aws, environment(aws.env()):
        yield
