"""ArtifactStore throughput vs plain boto3 upload_file/download_file, same moto server.

Both sides go over HTTPS to one EmbeddedAWS with the secure bucket policy, both
send SSE-KMS; the store additionally sends SHA-256 checksums, computes the
full-object SHA-256 while streaming and verifies it on download.

    .venv/bin/python -m benchmarks.artifacts            # 256 MiB
    .venv/bin/python -m benchmarks.artifacts 32         # 32 MiB (or ARTIFACT_BENCH_MIB=32)

Prints MiB/s for each side and the ratio store/boto3 (target >= 0.9).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from secure_sagemaker.artifacts import ArtifactStore
from secure_sagemaker.testing import EmbeddedAWS

MiB = 1024 * 1024
BUCKET = "bench-artifacts"


def seconds(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    size_mib = int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("ARTIFACT_BENCH_MIB", "256"))
    rounds = int(os.environ.get("ARTIFACT_BENCH_ROUNDS", "3"))
    with EmbeddedAWS() as aws, tempfile.TemporaryDirectory() as tmp:
        session = aws.session()
        key = session.client("kms").create_key()["KeyMetadata"]["Arn"]
        src = Path(tmp) / "src.bin"
        with src.open("wb") as fh:
            for _ in range(size_mib):
                fh.write(os.urandom(MiB))
        s3 = session.client("s3")
        sse = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": key}
        times: dict[str, list[float]] = {"boto3 up": [], "store up": [], "boto3 down": [], "store down": []}
        dest = Path(tmp) / "dest.bin"

        def plain_side(i: int) -> None:
            times["boto3 up"].append(
                seconds(lambda: s3.upload_file(str(src), BUCKET, f"plain/{i}", ExtraArgs=sse))
            )
            times["boto3 down"].append(
                seconds(lambda: s3.download_file(BUCKET, f"plain/{i}", str(dest)))
            )

        def store_side(i: int) -> None:
            refs = []
            times["store up"].append(seconds(lambda: refs.append(store.put(src, f"store/{i}"))))
            times["store down"].append(seconds(lambda: store.get(refs[0], dest)))

        with ArtifactStore(BUCKET, kms_key_id=key, session=session) as store:
            for i in range(rounds):
                # each side alone on a freshly reset emulator, and in alternating order,
                # so the emulator's memory and the page cache treat both alike
                sides = (plain_side, store_side) if i % 2 == 0 else (store_side, plain_side)
                for side in sides:
                    aws.reset()
                    store.ensure()
                    side(i)
                    dest.unlink()
        med = {k: statistics.median(v) for k, v in times.items()}
        print(f"artifact transfer, {size_mib} MiB, median of {rounds} rounds, HTTPS to moto")
        for name, t in med.items():
            print(f"  {name:<11} {size_mib / t:8.1f} MiB/s  ({t:.2f} s)")
        up = med["boto3 up"] / med["store up"]
        down = med["boto3 down"] / med["store down"]
        both = (med["boto3 up"] + med["boto3 down"]) / (med["store up"] + med["store down"])
        print(f"  ratio store/boto3: upload {up:.2f}  download {down:.2f}  round trip {both:.2f}  (target >= 0.9)")


if __name__ == "__main__":
    main()
