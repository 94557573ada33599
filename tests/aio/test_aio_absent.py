"""``_aio.patch`` where aiobotocore is not installed (the main suite's ``.venv``); in
``.venv-aio`` the import is blocked to the same effect."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from secure_sagemaker import _aio


def test_patch_without_aiobotocore_is_a_no_op(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "aiobotocore.client", None)  # `import` raises ImportError
    seen: list[Any] = []
    unpatch = _aio.patch(seen.append)
    unpatch()
    unpatch()
    assert seen == []
