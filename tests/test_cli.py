"""The command line: rules, explain, check, guardrails, policy init."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import secure_sagemaker as ss
from secure_sagemaker.cli import main
from secure_sagemaker.controls import CATALOG
from tests._examples import pipeline, training


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_rules_lists_every_rule(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rules")
    assert code == 0 and all(r.id in out for r in CATALOG)
    code, out, _ = run(capsys, "rules", "--format", "json")
    assert [r["id"] for r in json.loads(out)] == [r.id for r in CATALOG]


def test_explain_a_rule_and_an_unknown_one(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "explain", "sm202")
    assert code == 0 and "EnableNetworkIsolation" in out and "Fix:" in out
    code, _, err = run(capsys, "explain", "SM999")
    assert code == 2 and "unknown rule" in err


def test_check_exit_codes_follow_fail_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SECURE_SAGEMAKER_POLICY", raising=False)
    request = tmp_path / "job.json"
    request.write_text(json.dumps(training(EnableNetworkIsolation=False)))
    code, out, _ = run(capsys, "check", str(request), "--operation", "CreateTrainingJob")
    assert code == 1 and "FAIL SM202" in out
    code, _, _ = run(
        capsys, "check", str(request), "--operation", "CreateTrainingJob", "--fail-on", "critical"
    )
    assert code == 0
    code, _, err = run(capsys, "check", str(tmp_path / "missing.json"), "--operation", "X")
    assert code == 2 and "cannot read" in err


def test_check_accepts_a_bare_pipeline_definition(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SECURE_SAGEMAKER_POLICY", raising=False)
    definition = tmp_path / "pipeline.json"
    definition.write_text(pipeline(training(EnableNetworkIsolation=False))["PipelineDefinition"])
    code, out, _ = run(
        capsys, "check", str(definition), "--operation", "CreatePipeline", "--format", "json"
    )
    fails = [f for f in json.loads(out) if f["status"] == "fail"]
    assert code == 1 and any(
        f["rule_id"] == "SM202" and "Steps[Train]" in f["field"] for f in fails
    )


def test_guardrails_are_valid_json(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SECURE_SAGEMAKER_POLICY", raising=False)
    code, out, _ = run(capsys, "guardrails", "--form", "scp")
    document: Any = json.loads(out)
    documents = document if isinstance(document, list) else [document]
    assert code == 0 and all(d["Statement"] for d in documents)
    assert all(len(json.dumps(d, separators=(",", ":"))) <= 5120 for d in documents)


def test_a_malformed_policy_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "secure-sagemaker.toml").write_text('subnets = ["nope"]\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SECURE_SAGEMAKER_POLICY", raising=False)
    code, _, err = run(capsys, "guardrails")
    assert code == 2 and "secure-sagemaker.toml: subnets" in err


def test_import_does_not_pull_in_sagemaker_flask_or_moto() -> None:
    import subprocess
    import sys

    code = (
        "import sys, secure_sagemaker; "
        "print(sorted(m for m in ('sagemaker', 'flask', 'moto', 'werkzeug') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    assert ss.__all__ == sorted(ss.__all__)


def test_explain_names_the_file_and_line_defining_every_rule(
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = Path(ss.__file__).resolve().parent.parent
    for rule in CATALOG:
        code, out, _ = run(capsys, "explain", rule.id)
        where = out.strip().splitlines()[-1]
        assert code == 0 and where.startswith("defined in secure_sagemaker/"), where
        path, _, line = where.removeprefix("defined in ").rpartition(":")
        source = root / path
        assert source.is_file(), where
        assert f'id="{rule.id}"' in source.read_text().splitlines()[int(line) - 1], where


def test_python_m_runs_the_cli_with_the_same_exit_codes() -> None:
    import subprocess
    import sys

    ok = subprocess.run(
        [sys.executable, "-m", "secure_sagemaker.cli", "explain", "SM202"],
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0 and "defined in secure_sagemaker/controls/" in ok.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "secure_sagemaker.cli", "explain", "SM999"],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "unknown rule" in bad.stderr


def test_exit_codes_are_named_once() -> None:
    from secure_sagemaker import cli
    from secure_sagemaker.cli import _common

    assert (cli.EXIT_OK, cli.EXIT_FINDINGS, cli.EXIT_USAGE) == (0, 1, 2)
    assert cli.EXIT_USAGE is _common.EXIT_USAGE


@pytest.mark.parametrize(
    "module", ["audit/_audit.py", "audit/_render.py", "policy_init.py", "sdkconfig.py"]
)
def test_library_modules_parse_no_arguments_and_print_nothing(module: str) -> None:
    source = (Path(ss.__file__).parent / module).read_text()
    assert "argparse" not in source and "sys.stderr" not in source and "print(" not in source


def test_check_fails_closed_on_names_and_unclassified_operations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SECURE_SAGEMAKER_POLICY", raising=False)
    request = tmp_path / "req.json"
    request.write_text(json.dumps({"ProjectName": "h"}))
    code, _, err = run(capsys, "check", str(request), "--operation", "CreateTrainingJobs")
    assert code == 2 and "did you mean CreateTrainingJob?" in err
    code, out, _ = run(capsys, "check", str(request), "--operation", "DeleteModelCard")
    assert code == 1 and "FAIL SM000" in out and "sagemaker:DeleteModelCard" in out
    code, out, _ = run(capsys, "check", str(request), "--operation", "AddTags")
    assert code == 0 and "sagemaker:AddTags is allowed (tags only)" in out


def test_operations_lists_the_registry(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "operations", "--service", "s3control")
    assert code == 0 and "s3control (stance: refuse)" in out
    assert "judged   PutPublicAccessBlock" in out and "unknown  DeletePublicAccessBlock" in out
    code, _, err = run(capsys, "operations", "--service", "sns")
    assert code == 2 and "not a watched service" in err
