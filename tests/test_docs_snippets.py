"""Every fenced code block of README.md and docs/ runs, as written, on the embedded
emulator.

A page is a script: its ``python`` blocks run in order in one namespace, in a fresh
temporary directory, against a freshly reset emulator holding what a reader's
account would (a private VPC with the endpoints SageMaker needs, a customer KMS key,
an execution role; see :func:`account`).  The names the pages leave to the reader
(``IMAGE``, ``ROLE``, ...) are the only thing given: :data:`READER_VALUES`.
``secure-sagemaker ...`` commands of ``bash``/``console`` blocks run through the
CLI's ``main()`` in that same directory; other programs are listed as not executed.
Blocks that need real AWS or the SageMaker SDK are marked on the page (see
tests/_snippets.py) and counted; a mark without a reason fails.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
from pathlib import Path
from typing import Any

import boto3
import pytest

import secure_sagemaker as ss
from secure_sagemaker.cli import main as cli_main
from secure_sagemaker.testing import EmbeddedAWS
from tests._snippets import (
    PYTHON,
    SHELL,
    Snippet,
    cli_arguments,
    pages,
    shell_commands,
    snippets,
)

ALL = [s for p in pages() for s in snippets(p)]
RUNNABLE = PYTHON + SHELL
PAGES = sorted({s.page for s in ALL if s.lang in RUNNABLE})

# secure-sagemaker commands the docs show that this test does not run, and why
NOT_RUN = {
    "demo": "runs its own emulator for a minute; tests/test_demo.py runs it",
    "install-site": "writes a .pth hook into the virtualenv; tests/test_site.py covers it",
    "uninstall-site": "changes the virtualenv; tests/test_site.py covers it",
}
# exit codes a gate may return when it finds something on the emulator's account
GATES = {"audit": (0, 1), "check": (0, 1)}


@pytest.fixture
def account(
    fresh_aws: EmbeddedAWS, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    """A reader's account on the emulator, and a fresh working directory."""
    from secure_sagemaker.demo._infra import provision_network

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SECURE_SAGEMAKER_POLICY", raising=False)
    session = boto3.Session()
    region = session.region_name
    account_id = session.client("sts").get_caller_identity()["Account"]
    vpc, subnets, group = provision_network(session, region)
    kms = session.client("kms")
    key = kms.create_key(Description="ml")["KeyMetadata"]["Arn"]
    kms.enable_key_rotation(KeyId=key)
    kms.create_alias(AliasName="alias/ml", TargetKeyId=key)
    role = session.client("iam").create_role(
        RoleName="sagemaker-execution",
        AssumeRolePolicyDocument=json.dumps(
            ss.trust_policy(account_id) if hasattr(ss, "trust_policy") else _trust(account_id)
        ),
    )["Role"]["Arn"]
    return {
        "session": session,
        "region": region,
        "account": account_id,
        "vpc": vpc,
        "subnets": subnets,
        "group": group,
        "key": key,
        "role": role,
        "cwd": tmp_path,
    }


def _trust(account_id: str) -> dict[str, Any]:
    from secure_sagemaker.iam import trust_policy

    return trust_policy(account_id)


def reader_values(account: dict[str, Any]) -> dict[str, Any]:
    """What the pages leave to the reader, as the emulator's account has it."""
    from secure_sagemaker.demo._infra import rotation_function

    image = f"{account['account']}.dkr.ecr.{account['region']}.amazonaws.com/train:1"
    model = account["cwd"] / "model.tar.gz"
    model.write_bytes(b"model weights")
    (account["cwd"] / "train.csv").write_text("x,y\n1,0\n2,1\n", encoding="utf-8")
    return {
        "IMAGE": image,
        "image_uri": image,
        "ROLE": account["role"],
        "role_arn": account["role"],
        "path": str(model),
        "sns_topic_arn": f"arn:aws:sns:{account['region']}:{account['account']}:ml-alerts",
        "pw": os.urandom(12).hex(),
        "api_token": os.urandom(12).hex(),
        "rotation_lambda_arn": rotation_function(account["session"], account["account"]),
        "connect": lambda **credentials: sorted(credentials),  # the reader's DB driver
    }


def _cli(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    target = None
    if ">" in args:
        at = args.index(">")
        args, target = args[:at], args[at + 1]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli_main(args)
    if target is not None:
        Path(target).write_text(out.getvalue(), encoding="utf-8")
    return code, out.getvalue(), err.getvalue()


def run_shell(snippet: Snippet) -> list[str]:
    """Run the block's secure-sagemaker commands; returns the commands not run."""
    skipped = []
    for command in shell_commands(snippet.code):
        args = cli_arguments(command)
        if args is None or not args or args[0] in NOT_RUN:
            skipped.append(command)
            continue
        code, out, err = _cli(args)
        allowed = GATES.get(args[0], (0,))
        assert code in allowed, f"{snippet.where}: `{command}` exited {code}: {err or out}"
        assert "Traceback" not in err + out, f"{snippet.where}: `{command}`"
    return skipped


def run_page(page: str, account: dict[str, Any]) -> dict[str, int]:
    blocks = [s for s in ALL if s.page == page and s.lang in RUNNABLE]
    namespace: dict[str, Any] = {"__name__": f"docs:{page}", **reader_values(account)}
    if not any("policy init" in s.code for s in blocks):
        # the reader's ./secure-sagemaker.toml, as `secure-sagemaker policy init` writes it
        assert _cli(["policy", "init"])[0] == 0
    counts = {"run": 0, "skipped": 0, "not run": 0}
    try:
        for snippet in blocks:
            if snippet.skip is not None:
                counts["skipped"] += 1
                continue
            if snippet.lang in SHELL:
                counts["not run"] += len(run_shell(snippet))
                counts["run"] += 1
                continue
            code = compile(snippet.code, snippet.where, "exec")
            with contextlib.redirect_stdout(io.StringIO()):
                exec(code, namespace)  # noqa: S102 - the docs' own code, on the emulator
            counts["run"] += 1
    finally:
        ss.uninstall()
    return counts


def test_every_page_with_code_is_found() -> None:
    assert {"README.md", "docs/index.md", "docs/endpoint.md", "docs/estimator.md"} <= set(PAGES)
    assert len([s for s in ALL if s.lang in PYTHON]) >= 20


def test_every_skip_mark_gives_a_reason_readers_can_see() -> None:
    marked = [s for s in ALL if s.skip is not None]
    assert marked, "no block is marked: the SDK pages should be"
    for s in marked:
        assert s.skip.strip(), f'{s.where}: <!-- snippet: skip --> without reason="..."'


def test_skipped_blocks_are_counted() -> None:
    """A new skip mark is a conscious change: update this count with it."""
    skipped = sorted(s.where for s in ALL if s.skip is not None and s.lang in RUNNABLE)
    assert len(skipped) == 6, skipped


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_as_written(
    page: str, account: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    counts = run_page(page, account)
    assert counts["run"] + counts["skipped"] > 0
