"""The command line's manners: one line instead of a traceback for every ordinary
condition, output that fits 80 columns, --version, NO_COLOR, help texts, and
never overwriting a user's file."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest

import secure_sagemaker as ss
from secure_sagemaker.cli import main
from secure_sagemaker.cli._term import colour_enabled, fit, middle
from secure_sagemaker.controls import CATALOG
from tests._examples import training
from tests._examples_vpc import build_network

AWS_VARS = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_CA_BUNDLE",
    "SECURE_SAGEMAKER_POLICY",
)

#: Each ordinary condition: the environment it needs, extra arguments, and a word
#: the one-line error must contain (cause) and one its fix must contain.
CONDITIONS: dict[str, tuple[dict[str, str], list[str], str, str]] = {
    "no credentials": ({"AWS_DEFAULT_REGION": "eu-west-1"}, [], "credentials", "AWS_PROFILE"),
    "no region": (
        {"AWS_ACCESS_KEY_ID": "AKIAFAKE", "AWS_SECRET_ACCESS_KEY": "fake"},
        [],
        "region",
        "--region",
    ),
    "unreachable endpoint": (
        {
            "AWS_ACCESS_KEY_ID": "AKIAFAKE",
            "AWS_SECRET_ACCESS_KEY": "fake",
            "AWS_DEFAULT_REGION": "eu-west-1",
            "AWS_ENDPOINT_URL": "https://127.0.0.1:9",
        },
        [],
        "reach",
        "network",
    ),
    "unknown region": (
        {"AWS_ACCESS_KEY_ID": "AKIAFAKE", "AWS_SECRET_ACCESS_KEY": "fake"},
        ["--region", "eu-westt-1"],
        "unknown region",
        "did you mean eu-west-1",
    ),
}
AWS_COMMANDS = {"audit": ["audit"], "policy init": ["policy", "init", "--output", "-"]}


@pytest.fixture
def bare_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """No AWS configuration at all: no variables, no ~/.aws files, no instance metadata."""
    for var in AWS_VARS:
        monkeypatch.delenv(var, raising=False)
    env = {
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_MAX_ATTEMPTS": "1",
        "COLUMNS": "80",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)
    return env


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(err: str) -> str:
    lines = [line for line in err.strip().splitlines() if not line.startswith("note: ")]
    assert len(lines) == 1, err
    assert lines[0].startswith("secure-sagemaker: error: "), err
    assert "Traceback" not in err
    return lines[0]


# ------------------------------------------------------------------ ordinary conditions


@pytest.mark.parametrize("condition", sorted(CONDITIONS))
@pytest.mark.parametrize("command", sorted(AWS_COMMANDS))
def test_aws_conditions_are_one_line_with_cause_and_fix(
    command: str,
    condition: str,
    bare_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    env, extra, cause, fix = CONDITIONS[condition]
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    code, _, err = run(capsys, *AWS_COMMANDS[command], *extra)
    line = one_line_error(err)
    assert code == 2 and cause in line and fix in line, line
    assert "regions=[" not in line  # Python syntax is for the library, not the CLI


def test_debug_lets_the_traceback_through(
    bare_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    with pytest.raises(botocore.exceptions.NoCredentialsError):
        main(["policy", "init", "--output", "-", "--debug"])


def test_a_real_process_prints_no_traceback_and_debug_does(
    bare_env: dict[str, str], tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in AWS_VARS} | bare_env
    env["AWS_DEFAULT_REGION"] = "eu-west-1"
    argv = [sys.executable, "-m", "secure_sagemaker.cli", "policy", "init", "--output", "-"]
    plain = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=tmp_path)
    assert plain.returncode == 2 and "Traceback" not in plain.stderr
    assert plain.stderr.count("\n") == 1 and "no AWS credentials found" in plain.stderr
    debug = subprocess.run([*argv, "--debug"], capture_output=True, text=True, env=env)
    assert debug.returncode == 1 and "Traceback" in debug.stderr
    assert "NoCredentialsError" in debug.stderr


def test_a_closed_pipe_ends_quietly() -> None:
    argv = [sys.executable, "-m", "secure_sagemaker.cli", "rules", "--format", "json"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # like `| head` that already has what it wanted
    err = proc.stderr.read().decode()
    assert proc.wait() == 2
    assert "Traceback" not in err and "BrokenPipeError" not in err and err == ""


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "{request}", "--operation", "CreateTrainingJob"],
        ["guardrails"],
        ["sagemaker-config", "--output", "-"],
        ["audit", "--region", "eu-west-1"],
    ],
)
@pytest.mark.parametrize("problem", ["missing", "malformed"])
def test_a_missing_or_malformed_policy_file_is_one_line(
    argv: list[str],
    problem: str,
    bare_env: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    request = tmp_path / "job.json"
    request.write_text(json.dumps(training()))
    policy = tmp_path / "policy.toml"
    if problem == "malformed":
        policy.write_text("subnets = [\n")
    args = [a.replace("{request}", str(request)) for a in argv]
    code, _, err = run(capsys, *args, "--policy", str(policy))
    line = one_line_error(err)
    assert code == 2 and str(policy) in line, line


def test_check_names_an_unreadable_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "check", str(tmp_path), "--operation", "CreateTrainingJob")
    assert code == 2 and "cannot read" in one_line_error(err)


# ------------------------------------------------------------------ right messages


def test_check_rejects_an_array_and_a_pipeline_given_as_another_operation(
    bare_env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    array = tmp_path / "jobs.json"
    array.write_text(json.dumps([training(EnableNetworkIsolation=False)]))
    code, out, err = run(capsys, "check", str(array), "--operation", "CreateTrainingJob")
    assert code == 2 and out == "" and "holds an array, not one request" in one_line_error(err)

    definition = tmp_path / "pipeline.json"
    definition.write_text(json.dumps({"Version": "2020-12-01", "Steps": []}))
    code, out, err = run(capsys, "check", str(definition), "--operation", "CreateTrainingJob")
    line = one_line_error(err)
    assert code == 2 and "pipeline definition" in line and "CreatePipeline" in line

    wrong = tmp_path / "model.json"
    wrong.write_text(json.dumps({"ModelName": "m", "ExecutionRoleArn": "arn"}))
    code, _, err = run(capsys, "check", str(wrong), "--operation", "CreateTrainingJob")
    line = one_line_error(err)
    assert code == 2 and "ExecutionRoleArn, ModelName" in line and "--operation" in line


def test_explain_takes_names_and_references_read_as_words(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, by_name, _ = run(capsys, "explain", "job-network-isolation")
    assert code == 0 and by_name.startswith("SM202 job-network-isolation")
    assert "Seed method: 1 network isolation" in by_name and "Seed:1" not in by_name
    code, _, err = run(capsys, "explain", "job-network-isolatio")
    assert code == 2 and "Did you mean job-network-isolation?" in one_line_error(err)


def test_version_and_help_texts(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert (
        exit_.value.code == 0 and capsys.readouterr().out == f"secure-sagemaker {ss.__version__}\n"
    )
    for command in (
        "rules",
        "explain",
        "check",
        "operations",
        "audit",
        "guardrails",
        "demo",
        "sagemaker-config",
        "install-site",
    ):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        out = capsys.readouterr().out
        description = out.split("\n\n")[1]
        assert description and not description.startswith(("positional", "options")), command
        assert "exit codes:" in out and "  2  " in out, command
        if "--format" in out:
            assert "output format (default" in out, command


def test_no_color_and_non_tty_turn_colour_off(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert colour_enabled(Tty()) and not colour_enabled(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not colour_enabled(Tty())


def test_a_nonexistent_subnet_is_named(fresh_aws: Any) -> None:
    session = fresh_aws.session()
    net = build_network(session)
    missing = "subnet-0123456789abcdef0"
    with pytest.raises(ss.NetworkConfigurationError, match=missing) as err:
        ss.require_private_network(session, [net.subnet, missing], [net.security_group])
    assert net.subnet not in str(err.value)


def test_ensure_rotation_names_the_missing_function(fresh_aws: Any) -> None:
    session = fresh_aws.session()
    session.client("secretsmanager").create_secret(Name="db", SecretString="x")
    function = f"arn:aws:lambda:{session.region_name}:123456789012:function:absent"
    secrets = ss.SecretClient(session=session)
    with pytest.raises(ss.InvalidArgumentError, match="rotation function") as err:
        secrets.ensure_rotation("db", function, 30)
    assert not isinstance(err.value, ss.SecretNotFoundError) and "absent" in str(err.value)


# ------------------------------------------------------------------ files


def test_sagemaker_config_never_overwrites_without_force(
    bare_env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "config.yaml"
    target.write_text("SchemaVersion: '1.0'  # mine\n")
    code, _, err = run(capsys, "sagemaker-config", "--output", str(target))
    assert code == 2 and "--force" in one_line_error(err)
    assert target.read_text() == "SchemaVersion: '1.0'  # mine\n"
    code, out, _ = run(capsys, "sagemaker-config", "--output", str(target), "--force")
    assert code == 0 and "config.yaml.bak" in out
    assert (tmp_path / "config.yaml.bak").read_text() == "SchemaVersion: '1.0'  # mine\n"
    assert "secure-sagemaker" in target.read_text()
    code, _, _ = run(capsys, "sagemaker-config", "--output", str(target))
    assert code == 0  # the same content again: nothing to protect


# ------------------------------------------------------------------ 80 columns


def assert_fits(text: str, what: str) -> None:
    """Every line at most 80 columns, but for a TOML ``key = "one identifier"`` line
    (a string TOML cannot break, e.g. a KMS key ARN)."""
    long = [
        line
        for line in text.splitlines()
        if len(line) > 80 and not re.fullmatch(r'[a-z-]+ = "[^" ]+"', line)
    ]
    assert not long, f"{what}: {len(long)} line(s) over 80, e.g. {long[0]!r}"


def test_fit_wraps_prose_and_shortens_long_words_in_the_middle() -> None:
    arn = "arn:aws:sagemaker:eu-west-1:123456789012:training-job/" + "x" * 60
    text = fit("  " + "word " * 30 + arn, 40)
    assert all(len(line) <= 40 for line in text.splitlines())
    assert "..." in text and text.splitlines()[1].startswith("    word")
    assert middle("abcdefghij", 7) == "ab...ij"


def test_every_offline_command_fits_80_columns(
    bare_env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    request = tmp_path / "job.json"
    request.write_text(json.dumps(training(EnableNetworkIsolation=False, VpcConfig=None)))
    runs = [["rules"], ["operations"], ["check", str(request), "--operation", "CreateTrainingJob"]]
    runs += [["explain", r.id] for r in CATALOG]
    runs += [[c, "--help"] for c in ("rules", "check", "audit", "guardrails", "sagemaker-config")]
    for argv in runs:
        with contextlib.suppress(SystemExit):
            run(capsys, *argv)
        out, err = capsys.readouterr()
        assert_fits(out + err, " ".join(argv))


@pytest.mark.e2e
def test_audit_and_policy_init_fit_80_columns(
    fresh_aws: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.chdir(tmp_path)
    session = fresh_aws.session()
    for n in range(3):
        build_network(
            session,
            cidr=f"10.{n}.0.0/16",
            internet_route=n == 2,
            open_ingress="0.0.0.0/0" if n == 2 else None,
        )
    session.client("kms").create_key(Description="ml")
    code, out, err = run(capsys, "policy", "init", "--output", "-")
    assert code == 0 and "subnets" in out
    assert_fits(out + err, "policy init")
    session.client("sagemaker").create_notebook_instance(
        NotebookInstanceName="a-notebook-with-a-rather-long-name-to-push-the-width-further",
        InstanceType="ml.t3.medium",
        RoleArn="arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole-x",
    )
    code, out, err = run(capsys, "audit", "--region", session.region_name, "--allow-errors")
    assert code in (0, 1) and "secure-sagemaker audit" in out
    assert_fits(out + err, "audit")


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("AccessDeniedException", ("AWS denied ListTrainingJobs", "--profile")),
        ("UnrecognizedClientException", ("rejected the credentials", "AWS_PROFILE")),
        ("ExpiredToken", ("expired", "aws sso login")),
    ],
)
def test_denied_rejected_and_expired_calls_name_code_and_fix(
    code: str, words: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    from secure_sagemaker.cli._errors import run as run_command

    secret = "the-value-AWS-echoed"
    err = botocore.exceptions.ClientError(
        {"Error": {"Code": code, "Message": secret}}, "ListTrainingJobs"
    )

    def command() -> int:
        raise err

    assert run_command(command) == 2
    line = one_line_error(capsys.readouterr().err)
    assert all(w in line for w in words) and code in line and secret not in line
    with pytest.raises(botocore.exceptions.ClientError):
        run_command(command, debug=True)


def test_ctrl_c_is_one_line_and_exit_130(capsys: pytest.CaptureFixture[str]) -> None:
    from secure_sagemaker.cli._errors import run as run_command

    def command() -> int:
        raise KeyboardInterrupt

    assert run_command(command) == 130
    assert capsys.readouterr().err.strip() == "secure-sagemaker: error: interrupted"
