"""The aiobotocore suite: runs where aiobotocore is installed.

    bash scripts/sdk-venv.sh aio && .venv-aio/bin/python -m pytest tests/aio

aiobotocore pins its botocore, so it has its own virtualenv.  In the main suite's
``.venv`` ``test_aio_guard.py`` is skipped (``pytest.importorskip``) and nothing
here changes the environment: the fixtures below run only when a test asks.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


class Received:
    """The requests the emulator received, from moto's request recorder (the emulator
    runs in this process).  ``operations()`` names them by ``X-Amz-Target``."""

    def __init__(self, recording: Path) -> None:
        from moto.moto_api import recorder

        self._recorder = recorder
        self._saved = recorder._location
        recorder._location = str(recording)  # moto's default is ./moto_recording
        self.recording = recording

    def start(self) -> None:
        self._recorder.reset_recording()
        self._recorder.start_recording()

    def stop(self) -> None:
        self._recorder.stop_recording()
        self._recorder._location = self._saved

    def clear(self) -> None:
        self._recorder.reset_recording()

    def _entries(self) -> list[tuple[str, dict[str, Any]]]:
        """``(operation, JSON body)`` of each request, in order."""
        text = self.recording.read_text(encoding="utf-8") if self.recording.exists() else ""
        out = []
        for line in text.splitlines():
            entry = json.loads(line)
            headers = {k.lower(): v for k, v in entry.get("headers", {}).items()}
            body = entry.get("body") or "{}"
            if entry.get("body_encoded"):
                body = base64.b64decode(body).decode("utf-8")
            target = str(headers.get("x-amz-target", "?"))
            out.append((target.rsplit(".", 1)[-1], json.loads(body)))
        return out

    def operations(self) -> list[str]:
        return [op for op, _ in self._entries()]

    def bodies(self, operation: str) -> list[dict[str, Any]]:
        return [body for op, body in self._entries() if op == operation]


@pytest.fixture(scope="session")
def received(aws: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Received]:
    """Every request the session's emulator (tests/conftest.py ``aws``) receives."""
    rec = Received(tmp_path_factory.mktemp("moto") / "requests.jsonl")
    rec.start()
    yield rec
    rec.stop()


@pytest.fixture
def fresh(fresh_aws: Any, received: Received) -> Iterator[Received]:
    """A reset emulator and an empty recording; no guard after the test."""
    import secure_sagemaker as ss

    received.clear()
    yield received
    ss.uninstall()
