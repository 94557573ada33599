"""Benchmark: SecretClient.get from the cache vs an uncached GetSecretValue.

Same moto server (real HTTP on 127.0.0.1), same run:
* latency of a cached ``SecretClient.get`` / latency of ``get_secret_value``   (ratio; lower is better)
* API calls per 10,000 gets over 10 secrets, single-threaded and with 32 threads
  (ttl 300 s; the floor is one call per secret)

Run: python benchmarks/secret_client.py [uncached calls per batch, default 50]
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from typing import Any

# this file is named like the stdlib module `secrets` (which werkzeug imports): put the
# repository root, not this folder, first on the path
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import boto3  # noqa: E402

from benchmarks._timing import emulator, median_seconds  # noqa: E402
from secure_sagemaker.secrets import SecretClient  # noqa: E402


class Wire:
    def __init__(self, client: Any) -> None:
        self.calls = 0
        self._lock = threading.Lock()
        client.meta.events.register("before-send.secretsmanager.GetSecretValue", self._count)

    def _count(self, **kwargs: Any) -> None:
        with self._lock:
            self.calls += 1


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    with emulator():
        raw = boto3.client("secretsmanager")
        names = [f"bench/secret-{i}" for i in range(10)]
        for name in names:
            raw.create_secret(Name=name, SecretString="x" * 64)

        secrets = SecretClient(ttl=300)
        uncached = median_seconds(lambda: raw.get_secret_value(SecretId=names[0]), number=n)
        cached = median_seconds(lambda: secrets.get(names[0]), number=n * 200)
        print(f"uncached get_secret_value   {uncached * 1e6:10.1f} us/call")
        print(f"cached SecretClient.get     {cached * 1e6:10.3f} us/call")
        print(
            f"ratio cached/uncached       {cached / uncached:10.5f}  "
            f"(target < 0.01: {'met' if cached / uncached < 0.01 else 'MISSED'})"
        )

        single = SecretClient(ttl=300)
        wire = Wire(single.client)
        for i in range(10_000):
            single.get(names[i % 10]).reveal()
        print(f"API calls per 10,000 gets   {wire.calls:10d}  (1 thread, 10 secrets)")

        shared = SecretClient(ttl=300)
        wire = Wire(shared.client)
        barrier = threading.Barrier(32)

        def work(t: int) -> None:
            barrier.wait()
            for j in range(10_000 // 32 + 1):
                if t * (10_000 // 32 + 1) + j < 10_000:
                    shared.get(names[(t + j) % 10])

        threads = [threading.Thread(target=work, args=(t,)) for t in range(32)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start
        print(
            f"API calls per 10,000 gets   {wire.calls:10d}  (32 threads, 10 secrets, "
            f"{elapsed * 1e3:.0f} ms)"
        )
        ok = wire.calls == 10 and cached / uncached < 0.01
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
