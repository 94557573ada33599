"""Benchmark: the guard's overhead on real HTTP calls to a moto server.

Ratios, measured in the same run, alternating guarded and unguarded batches:
* CreateModel (judged: filled + evaluated) guarded / unguarded      target < 1.05
* sts.get_caller_identity (not judged) with install() / without    target < 1.01
* install() on a process with 200 existing clients: time of the gc scan

Run: python benchmarks/guard.py [calls per batch, default 40]
"""

from __future__ import annotations

import itertools
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


import boto3

import secure_sagemaker as ss
from benchmarks._timing import emulator
from tests._examples import POLICY, ROLE, model

_names = itertools.count()


def batch(fn: Callable[[], object], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


def compare(label: str, plain: Callable[[], object], guarded: Callable[[], object], n: int,
            target: float, rounds: int = 7) -> None:
    plain(), guarded()  # warm up
    a, b = [], []
    for _ in range(rounds):
        a.append(batch(plain, n))
        b.append(batch(guarded, n))
    pa, pb = statistics.median(a), statistics.median(b)
    ratio = pb / pa
    print(f"{label:<34} unguarded {pa * 1e3:7.3f} ms  guarded {pb * 1e3:7.3f} ms  "
          f"ratio {ratio:5.3f}  (target < {target}: {'met' if ratio < target else 'MISSED'})")


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    with emulator():
        session = boto3.Session()
        plain_sm = session.client("sagemaker")
        guarded_sm = ss.protect(session.client("sagemaker"), POLICY)
        body = {k: v for k, v in model().items() if k not in ("VpcConfig", "EnableNetworkIsolation")}

        def create(client: object) -> Callable[[], object]:
            return lambda: client.create_model(**{**body, "ModelName": f"m{next(_names)}",  # type: ignore[attr-defined]
                                                  "ExecutionRoleArn": ROLE})

        compare("CreateModel (judged)", create(plain_sm), create(guarded_sm), n, 1.05)

        sts = session.client("sts")

        def toggled(install: bool) -> Callable[[], object]:
            def call() -> object:
                return sts.get_caller_identity()
            return call

        # the same client with and without install(); unjudged services get no handler at
        # all, so any difference is the loopback server's noise: report the median of
        # per-round ratios over many short alternating rounds
        ratios, a, b = [], [], []
        sts.get_caller_identity()
        def measure(installed: bool) -> float:
            if installed:
                ss.install(POLICY)
            else:
                ss.uninstall()
            sts.get_caller_identity()  # settle after (un)install's one-time client scan
            return batch(toggled(installed), max(5, n // 4))

        for i in range(31):  # alternate which side goes first
            first, second = (True, False) if i % 2 else (False, True)
            timed = {first: measure(first), second: measure(second)}
            a.append(timed[False])
            b.append(timed[True])
            ratios.append(b[-1] / a[-1])
        ss.uninstall()
        ratio = statistics.median(ratios)
        handlers = sum(
            getattr(h, "func", None) is ss.guard.guard_request
            for h in sts.meta.events._emitter._handlers.prefix_search(
                "before-parameter-build.sts.GetCallerIdentity"
            )
        )
        print(f"{'sts.get_caller_identity (unjudged)':<34} unguarded {statistics.median(a) * 1e3:7.3f} ms  "
              f"guarded {statistics.median(b) * 1e3:7.3f} ms  ratio {ratio:5.3f}  "
              f"(target < 1.01: {'met' if ratio < 1.01 else 'MISSED'}; guard handlers on it: {handlers})")

        clients = [session.client("sagemaker") for _ in range(200)]
        start = time.perf_counter()
        ss.install(POLICY)
        took = time.perf_counter() - start
        ss.uninstall()
        print(f"install() with {len(clients) + 3} existing clients: {took * 1e3:.1f} ms (one-time gc scan)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
