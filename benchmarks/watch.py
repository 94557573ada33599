"""Benchmark: the event-driven detector (``secure_sagemaker.watch``).

* throughput: CreateNotebookInstance events judged per second by ONE warm handler
  instance (``Watcher.handle``: parse, describe on the embedded emulator, judge,
  log line), against, in the same run and on the same notebooks,
  - ``ss.evaluate`` on the same request (the judging alone, no AWS), and
  - a hand loop: DescribeNotebookInstance + ``ss.evaluate`` (the least any
    detector must do);
* cold start: ``import secure_sagemaker.watch`` in a fresh interpreter (what the
  Lambda runtime does before the first event; target < 1 s), and the imports the
  first event adds (the engine, the catalog, boto3), median of N processes.

Run: python benchmarks/watch.py [N]        target: import < 1 s (N=9)
"""

from __future__ import annotations

import logging
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import secure_sagemaker as ss
from benchmarks._timing import emulator
from tests._examples import POLICY, ROLE, notebook

NOTEBOOKS = 40
ROUNDS = 5
TARGET = 1.0
ACCOUNT = "123456789012"
COLD = {
    "import secure_sagemaker.watch": "import secure_sagemaker.watch",
    "+ first event's imports": (
        "import secure_sagemaker.watch\nimport secure_sagemaker.watch._watch\nimport boto3"
    ),
}
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def event(name: str) -> dict[str, Any]:
    arn = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:notebook-instance/{name}"
    return {
        "detail-type": "AWS API Call via CloudTrail",
        "detail": {
            "eventSource": "sagemaker.amazonaws.com",
            "eventName": "CreateNotebookInstance",
            "awsRegion": "us-east-1",
            "recipientAccountId": ACCOUNT,
            "userIdentity": {"arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/Admin/alice"},
            "requestParameters": {"notebookInstanceName": name},
            "responseElements": {"notebookInstanceArn": arn},
        },
    }


def per_second(fn: Any, items: list[Any]) -> float:
    runs = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for item in items:
            fn(item)
        runs.append(len(items) / (time.perf_counter() - start))
    return statistics.median(runs)


def throughput() -> None:
    from secure_sagemaker.watch import Settings, Watcher

    logging.getLogger("secure_sagemaker.watch").disabled = True  # the line is built, not shown
    with emulator():
        import boto3

        session = boto3.Session()
        sm = session.client("sagemaker")
        names = [f"nb-{i}" for i in range(NOTEBOOKS)]
        for i, name in enumerate(names):
            if i % 2:
                sm.create_notebook_instance(**notebook(NotebookInstanceName=name))
            else:  # half of them as the console makes them
                sm.create_notebook_instance(
                    NotebookInstanceName=name, InstanceType="ml.t3.medium", RoleArn=ROLE
                )
        watcher = Watcher(POLICY, settings=Settings(), session=session)
        events = [event(n) for n in names]
        for ev in events:  # warm: clients, connections, caches
            assert watcher.handle(ev)["status"] == "judged"
        requests = [
            {k: v for k, v in sm.describe_notebook_instance(NotebookInstanceName=n).items()
             if k != "ResponseMetadata"}
            for n in names
        ]  # fmt: skip

        def hand_loop(name: str) -> None:
            got = sm.describe_notebook_instance(NotebookInstanceName=name)
            ss.evaluate("CreateNotebookInstance", got, POLICY)

        handler = per_second(watcher.handle, events)
        evaluate = per_second(lambda r: ss.evaluate("CreateNotebookInstance", r, POLICY), requests)
        loop = per_second(hand_loop, names)
    print(f"{NOTEBOOKS} CreateNotebookInstance events, one warm handler, embedded emulator")
    print(f"{'what':<40}{'events/s':>9}{'ms/event':>10}{'handler time / this':>21}")
    for what, rate in (
        ("Watcher.handle (describe+judge+log)", handler),
        ("ss.evaluate on the same request", evaluate),
        ("describe + ss.evaluate (hand loop)", loop),
    ):
        print(f"{what:<40}{rate:>9.0f}{1e3 / rate:>10.2f}{rate / handler:>20.2f}x")


def sample(code: str) -> float:
    script = "import time\n_t = time.perf_counter()\n" + code + "\nprint(time.perf_counter() - _t)"
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, env=ENV
    )
    return float(out.stdout.strip().splitlines()[-1])


def cold_start(rounds: int) -> None:
    for code in COLD.values():
        sample(code)  # warm-up: writes the bytecode cache
    times: dict[str, list[float]] = {name: [] for name in COLD}
    for _ in range(rounds):
        for name, code in COLD.items():
            times[name].append(sample(code))
    print()
    print(f"{'cold start (fresh interpreter)':<38}{'median':>10}   ({rounds} processes each)")
    for name, samples in times.items():
        print(f"{name:<38}{statistics.median(samples) * 1e3:>8.1f}ms")
    first = statistics.median(times["import secure_sagemaker.watch"])
    verdict = "met" if first < TARGET else "MISSED"
    print(
        f"target: import secure_sagemaker.watch < {TARGET:.0f} s: {verdict} ({first * 1e3:.1f} ms)"
    )


def main(rounds: int = 9) -> int:
    throughput()
    cold_start(rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 9))
