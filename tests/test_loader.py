"""The service models are parsed once per process (``_aws/loader.py``): every
session secure-sagemaker makes shares one botocore loader, yet keeps its own
credentials, configuration and hooks."""

from __future__ import annotations

import boto3

from secure_sagemaker._aws.caller import sibling_client
from secure_sagemaker._aws.clients import session_or_default
from secure_sagemaker._aws.loader import botocore_session, share_models, shared_loader
from secure_sagemaker.testing import EmbeddedAWS

KEYS = {"aws_access_key_id": "AKIAEXAMPLE", "aws_secret_access_key": "x"}


def description(client: object) -> object:
    return client.meta.service_model._service_description  # type: ignore[attr-defined]


def test_sessions_share_the_parsed_models_not_their_settings() -> None:
    one = share_models(boto3.Session(region_name="us-east-1", **KEYS))
    two = share_models(boto3.Session(region_name="eu-west-1", **KEYS))
    a, b = one.client("sagemaker"), two.client("sagemaker")
    assert description(a) is description(b)  # one parse
    assert (a.meta.region_name, b.meta.region_name) == ("us-east-1", "eu-west-1")
    assert one._session.get_component("data_loader") is shared_loader()
    assert boto3.Session(**KEYS)._session.get_component("data_loader") is not shared_loader()


def test_every_session_the_package_makes_shares_it() -> None:
    default = session_or_default(None)
    assert default._session.get_component("data_loader") is shared_loader()
    assert botocore_session().get_component("data_loader") is shared_loader()
    caller = share_models(boto3.Session(region_name="us-east-1", **KEYS)).client("sagemaker")
    sibling = sibling_client(caller, "sagemaker")
    assert description(sibling) is description(caller)
    assert sibling.meta.events is not caller.meta.events  # hooks are its own


def test_the_emulator_s_sessions_share_it(aws: EmbeddedAWS) -> None:
    a = aws.session().client("s3")
    b = aws.session().client("s3")
    assert description(a) is description(b)
    assert a.meta.endpoint_url == aws.endpoint_url
