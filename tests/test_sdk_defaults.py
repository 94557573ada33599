"""install() makes the policy the SageMaker SDK's own defaults, and uninstall() undoes it.

The main suite has no SDK installed: ``install()`` must then change nothing, and
:func:`_sdk_defaults.apply` is exercised with an explicit ``sdk_major`` (the SDK
suites, tests/sdk_v2|v3/test_never_broken.py, prove the SDK reads what it writes).
"""

from __future__ import annotations

import json
import logging
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import secure_sagemaker as ss
from secure_sagemaker import _sdk_defaults
from secure_sagemaker._sdk_defaults import ADMIN_OVERRIDE
from secure_sagemaker.sdkconfig import installed_sdk_major, sagemaker_config
from tests._examples import KEY, POLICY


@pytest.fixture(autouse=True)
def clean(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv(ADMIN_OVERRIDE, raising=False)
    yield
    _sdk_defaults.restore()


def written(path: Path) -> dict[str, object]:
    loaded: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def test_install_without_an_sdk_changes_nothing() -> None:
    assert installed_sdk_major() is None  # the main suite's venv
    ss.install(POLICY)
    try:
        assert ADMIN_OVERRIDE not in os.environ
        assert _sdk_defaults.applied_path() is None
    finally:
        ss.uninstall()


@pytest.mark.parametrize("major", [2, 3])
def test_apply_points_the_sdk_at_a_private_file_and_restore_removes_it(major: int) -> None:
    path = _sdk_defaults.apply(POLICY, sdk_major=major)
    assert path is not None and os.environ[ADMIN_OVERRIDE] == str(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert written(path) == sagemaker_config(POLICY, major)
    _sdk_defaults.restore()
    assert ADMIN_OVERRIDE not in os.environ
    assert not path.exists()
    _sdk_defaults.restore()  # idempotent


def test_an_admin_config_in_place_is_merged_under_the_policy_and_given_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = tmp_path / "admin.yaml"
    admin.write_text(
        "SchemaVersion: '1.0'\nSageMaker:\n  TrainingJob:\n    EnableNetworkIsolation: false\n"
        "    Tags:\n      - Key: team\n        Value: ml\n"
    )
    monkeypatch.setenv(ADMIN_OVERRIDE, str(admin))
    path = _sdk_defaults.apply(POLICY, sdk_major=2)
    assert path is not None and path != admin
    training = written(path)["SageMaker"]["TrainingJob"]  # type: ignore[index]
    assert training["Tags"] == [{"Key": "team", "Value": "ml"}]  # kept
    assert training["EnableNetworkIsolation"] is True  # the policy wins over it
    assert training["OutputDataConfig"]["KmsKeyId"] == KEY
    again = _sdk_defaults.apply(POLICY, sdk_major=2)  # install() again: same base
    assert again is not None and written(again)["SageMaker"]["TrainingJob"]["Tags"]  # type: ignore[index]
    assert not path.exists() or path == again
    _sdk_defaults.restore()
    assert os.environ[ADMIN_OVERRIDE] == str(admin)
    assert admin.exists()


def test_an_admin_config_in_s3_is_left_alone_and_said_so(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv(ADMIN_OVERRIDE, "s3://org-config/sagemaker/")
    with caplog.at_level(logging.WARNING, logger="secure_sagemaker"):
        assert _sdk_defaults.apply(POLICY, sdk_major=2) is None
    assert os.environ[ADMIN_OVERRIDE] == "s3://org-config/sagemaker/"
    assert any("not applied" in r.getMessage() for r in caplog.records)
    assert all("org-config" not in r.getMessage() for r in caplog.records)


def test_a_variable_someone_changed_since_is_not_clobbered_on_restore(
    tmp_path: Path,
) -> None:
    path = _sdk_defaults.apply(POLICY, sdk_major=3)
    assert path is not None
    os.environ[ADMIN_OVERRIDE] = str(tmp_path / "theirs.yaml")
    _sdk_defaults.restore()
    assert os.environ[ADMIN_OVERRIDE] == str(tmp_path / "theirs.yaml")
    assert not path.exists()


def test_the_file_is_removed_at_interpreter_exit(tmp_path: Path) -> None:
    code = (
        "from secure_sagemaker import _sdk_defaults\n"
        "from tests._examples import POLICY\n"
        "print(_sdk_defaults.apply(POLICY, sdk_major=2))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != ADMIN_OVERRIDE}
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
    )
    path = Path(out.stdout.strip())
    assert path.name.startswith("secure-sagemaker-sdk-")
    assert not path.exists()
