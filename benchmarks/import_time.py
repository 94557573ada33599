"""Benchmark: the cost of ``import secure_sagemaker`` (and of ``install()`` after it)
against ``import boto3``, each in fresh processes, measured in the same run.

Every sample is one new interpreter timing its own import with ``perf_counter``
(interpreter start-up is excluded, the shared part of the cost is not): the median
of N processes per case, the cases interleaved so drift hits all of them alike.
Bytecode is cached first, as for any installed package (boto3's always is): a
warm-up round runs without ``PYTHONDONTWRITEBYTECODE``, and so do the samples.

Run: python benchmarks/import_time.py [N]        target: <= 1.3x import boto3 (N=9)
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys

CASES = {
    "import boto3": "import boto3",
    "import secure_sagemaker": "import secure_sagemaker",
    "import secure_sagemaker; install()": (
        "import secure_sagemaker\nsecure_sagemaker.install(secure_sagemaker.SecurityPolicy())"
    ),
}
TARGET = 1.3


ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def sample(code: str) -> float:
    script = (
        "import time\n_t = time.perf_counter()\n"
        + code
        + "\nprint(time.perf_counter() - _t)"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, env=ENV
    )
    return float(out.stdout.strip().splitlines()[-1])


def main(rounds: int = 9) -> int:
    times: dict[str, list[float]] = {name: [] for name in CASES}
    for code in CASES.values():
        sample(code)  # warm-up: writes the bytecode cache
    for _ in range(rounds):
        for name, code in CASES.items():
            times[name].append(sample(code))
    base = statistics.median(times["import boto3"])
    print(f"{'case':<38}{'median':>10}{'vs boto3':>10}   ({rounds} fresh processes each)")
    worst = 0.0
    for name, samples in times.items():
        median = statistics.median(samples)
        ratio = median / base
        if name != "import boto3":
            worst = max(worst, ratio)
        print(f"{name:<38}{median * 1e3:>8.1f}ms{ratio:>9.2f}x")
    verdict = "met" if worst <= TARGET else "MISSED"
    print(f"target <= {TARGET}x import boto3: {verdict} (worst {worst:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 9))
