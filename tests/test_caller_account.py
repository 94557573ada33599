"""The caller's account (``_aws/caller.py``): asked of STS once per access key and
endpoint, with a bounded cache (a long-running process assuming roles hourly gets a
new access key each time)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import botocore.handlers
import pytest
from moto import mock_aws

from secure_sagemaker._aws import caller
from secure_sagemaker._aws.loader import share_models


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Each GetCallerIdentity sent (by access key), against moto: the STS client is
    made from a new botocore session, so the hook goes in botocore's built-in list."""
    asked: list[str] = []

    def hook(request_signer: Any, **kwargs: Any) -> None:
        asked.append(request_signer._credentials.access_key)

    handlers = [*botocore.handlers.BUILTIN_HANDLERS, ("before-call.sts.GetCallerIdentity", hook)]
    monkeypatch.setattr(botocore.handlers, "BUILTIN_HANDLERS", handlers)
    saved = dict(caller._ACCOUNTS)
    caller._ACCOUNTS.clear()
    with mock_aws():
        yield asked
    caller._ACCOUNTS.clear()
    caller._ACCOUNTS.update(saved)


def client(key: str) -> Any:
    session = boto3.Session(
        aws_access_key_id=key, aws_secret_access_key="x", region_name="us-east-1"
    )
    return share_models(session).client("sagemaker")


def test_the_account_is_asked_once_per_access_key(counted: list[str]) -> None:
    one = client("AKIAEXAMPLE0000001")
    assert caller.caller_account(one) == "123456789012"  # moto's default account
    assert caller.caller_account(one) == "123456789012"
    assert counted == ["AKIAEXAMPLE0000001"]


def test_the_cache_keeps_only_the_newest_keys(
    counted: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(caller, "_MAX_ACCOUNTS", 3)
    keys = [f"AKIAEXAMPLE{n:07d}" for n in range(5)]
    for key in keys:
        assert caller.caller_account(client(key)) == "123456789012"
    assert len(caller._ACCOUNTS) == 3
    assert [k for k, _ in caller._ACCOUNTS] == keys[2:]
    caller.caller_account(client(keys[0]))  # evicted: asked again
    assert counted == [*keys, keys[0]]
