"""Running the public example scripts of tests/sdk_v2/examples and tests/sdk_v3/examples.

An example runs as a script (``exec`` of its source, its own ``__file__``), either
as published (adapted only to the emulator) or with its ``sagemaker`` imports
swapped to ``secure_sagemaker.sagemaker`` - :func:`swapped` changes nothing else,
and says so by checking that only ``from ... import`` lines differ.
"""

from __future__ import annotations

import io
import json
import re
import tarfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import boto3

import secure_sagemaker as ss
from tests.sdk_v2.support import BUCKET, POLICY, Received

_FROM = re.compile(r"^from (sagemaker(?:\.[\w.]+)?) import ", re.MULTILINE)


def swapped(source: str, swaps: Mapping[str, str]) -> str:
    """``source`` with each ``from X import`` whose X is in ``swaps`` rewritten."""

    def swap(match: re.Match[str]) -> str:
        module = match.group(1)
        target = swaps.get(module)
        if target is None and module.startswith("sagemaker.workflow"):
            target = "secure_sagemaker." + module
        return f"from {target or module} import "

    new = _FROM.sub(swap, source)
    changed = [(a, b) for a, b in zip(source.splitlines(), new.splitlines(), strict=True) if a != b]
    assert changed, "no import line was swapped"
    assert all(b.startswith("from secure_sagemaker.sagemaker") for _, b in changed)
    return new


def run(path: Path, source: str | None = None) -> dict[str, Any]:
    """Run the example at ``path`` (or ``source`` as if it were that file)."""
    text = path.read_text(encoding="utf-8") if source is None else source
    namespace: dict[str, Any] = {"__file__": str(path), "__name__": "__example__"}
    exec(compile(text, str(path), "exec"), namespace)  # noqa: S102 - our own example files
    return namespace


def seed(*keys: str) -> None:
    """Put a tiny model.tar.gz at each key of the artifact bucket (the SDK repacks it)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        data = b"stand-in model"
        info = tarfile.TarInfo("model.pth")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    s3 = boto3.client("s3")
    for key in keys:
        s3.put_object(
            Bucket=BUCKET,
            Key=key,
            Body=buffer.getvalue(),
            ServerSideEncryption="aws:kms",
            SSEKMSKeyId=POLICY.kms_key_id,
        )


def sagemaker_requests(received: Received) -> list[tuple[str, dict[str, Any]]]:
    """The SageMaker API requests the emulator received, in order, with their bodies."""
    names = set(boto3.client("sagemaker").meta.service_model.operation_names)
    out: list[tuple[str, dict[str, Any]]] = []
    seen: dict[str, int] = {}
    for op in received.operations():
        if op in names:
            index = seen.get(op, 0)
            seen[op] = index + 1
            out.append((op, received.bodies(op)[index]))
    return out


def insecure(requests: list[tuple[str, dict[str, Any]]], *, below: bool = False) -> list[str]:
    """``"Operation: RULE field"`` for every failing finding of every request that the
    policy blocks (severity at or above ``POLICY.block_at``), or with ``below`` the
    failures it only logs (e.g. SM313, one instance behind an endpoint)."""
    return [
        f"{op}: {f.rule_id} {f.field}"
        for op, body in requests
        for f in ss.evaluate(op, body, POLICY)
        if f.status == "fail" and (f.severity < POLICY.block_at) is below
    ]


_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}(-\d{3})?|\b\d{14}\b")


# a fresh UUID per call (CreatePipeline, StartPipelineExecution): never the same twice
_PER_CALL = ("ClientRequestToken",)


def normalised(requests: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """The requests with the SDK's time stamps (job, model and S3 key names) and
    per-call tokens blanked."""
    return [
        f"{op} "
        + _STAMP.sub(
            "<time>",
            json.dumps({k: ("<token>" if k in _PER_CALL else v) for k, v in body.items()},
                       sort_keys=True),
        )
        for op, body in requests
    ]


def channels(request: Mapping[str, Any]) -> set[str]:
    return {c["ChannelName"] for c in request.get("InputDataConfig", [])}


def steps(request: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Every step of a CreatePipeline request, condition branches included."""
    pending = list(json.loads(request["PipelineDefinition"])["Steps"])
    while pending:
        step = pending.pop(0)
        yield step
        arguments = step.get("Arguments", {})
        pending += arguments.get("IfSteps", []) + arguments.get("ElseSteps", [])


def differences(a: list[str], b: list[str]) -> list[str]:
    """Where two :func:`normalised` request lists differ: operation and field paths."""
    if [x.split(" ", 1)[0] for x in a] != [y.split(" ", 1)[0] for y in b]:
        return [
            f"operations: {[x.split(' ', 1)[0] for x in a]} != {[y.split(' ', 1)[0] for y in b]}"
        ]
    out: list[str] = []

    def walk(path: str, x: Any, y: Any) -> None:
        if isinstance(x, dict) and isinstance(y, dict):
            for key in sorted(set(x) | set(y)):
                walk(f"{path}.{key}", x.get(key), y.get(key))
        elif isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
            for i, (p, q) in enumerate(zip(x, y, strict=True)):
                walk(f"{path}[{i}]", p, q)
        elif x != y:
            out.append(f"{path}: {x!r} != {y!r}")

    for x, y in zip(a, b, strict=True):
        op, body_x = x.split(" ", 1)
        walk(op, json.loads(body_x), json.loads(y.split(" ", 1)[1]))
    return out
