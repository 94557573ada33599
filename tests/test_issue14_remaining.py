"""The remaining SageMaker operations are judged (issue 14), end to end: through a
real client (HTTPS to the embedded moto server) with the guard installed, each
insecure request is refused before anything is sent (0 HTTP requests on that
client) with its rule ID, and the secure variant - completed by the guard from the
policy where it can - is sent.  moto implements few of these operations: the secure
variant is only asserted *sent* and moto's error accepted."""

from __future__ import annotations

from typing import Any

import pytest
from botocore import xform_name

from tests._examples import IMAGE, KEY, SUBNET, drop
from tests._guarded import Sent, refused, sent_anyway
from tests.controls.test_sm2_remaining import (
    PUBLIC_IMAGE,
    SECRET_CARD,
    experiment,
    hub,
    model_card,
    session,
)

pytestmark = pytest.mark.e2e

AWS_KEY = "alias/aws/s3"
VERSION = {"ClientToken": "token-1", "ImageName": "image-1"}

# (operation, rule, insecure request, secure request); the secure one leaves the
# fields the policy supplies absent, so the guard fills them
CASES: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
    ("CreateHub", "SM290", drop(hub(), "S3StorageConfig"), hub()),
    (
        "CreateHub",
        "SM290",
        hub(S3StorageConfig={"S3OutputPath": "s3://someone-elses-bucket/hub/"}),
        hub(),
    ),
    ("CreateModelCard", "SM292", model_card(Content=SECRET_CARD), model_card()),
    (
        "CreateModelCard",
        "SM291",
        model_card(SecurityConfig={"KmsKeyId": AWS_KEY}),
        drop(model_card(), "SecurityConfig"),
    ),
    (
        "UpdateInferenceExperiment",
        "SM290",
        experiment(DataStorageConfig={"Destination": "s3://someone-elses-bucket/capture/"}),
        experiment(),
    ),
    (
        "UpdateInferenceExperiment",
        "SM291",
        experiment(
            DataStorageConfig={
                "Destination": "s3://ml-artifacts-bucket/models/c/",
                "KmsKey": AWS_KEY,
            }
        ),
        drop(experiment(), "DataStorageConfig", "KmsKey"),
    ),
    (
        "CreateImageVersion",
        "SM293",
        {"BaseImage": PUBLIC_IMAGE, **VERSION},
        {"BaseImage": IMAGE, **VERSION},
    ),
    (
        "CreateTrainingSession",
        "SM295",
        session(VpcConfig={"Subnets": [], "SecurityGroupIds": []}),
        drop(session(), "VpcConfig"),
    ),
]


@pytest.mark.parametrize(
    ("operation", "rule_id", "insecure", "secure"),
    CASES,
    ids=[f"{op}-{rule}" for op, rule, _, _ in CASES],
)
def test_insecure_refused_unsent_and_secure_sent(
    sagemaker: tuple[Any, Sent],
    operation: str,
    rule_id: str,
    insecure: dict[str, Any],
    secure: dict[str, Any],
) -> None:
    client, sent = sagemaker
    call = getattr(client, xform_name(operation))
    error = refused(call, sent, rule_id, **insecure)
    assert "AKIA" not in str(error)
    assert sent.ops == []
    sent_anyway(call, sent, operation, **secure)



def test_the_guard_completes_cards_experiments_and_sessions_from_the_policy(
    sagemaker: tuple[Any, Sent],
) -> None:
    client, sent = sagemaker
    sent_anyway(
        client.create_model_card, sent, "CreateModelCard", **drop(model_card(), "SecurityConfig")
    )
    assert sent.last_json()["SecurityConfig"] == {"KmsKeyId": KEY}
    bare = drop(experiment(), "DataStorageConfig", "KmsKey")
    sent_anyway(client.update_inference_experiment, sent, "UpdateInferenceExperiment", **bare)
    assert sent.last_json()["DataStorageConfig"]["KmsKey"] == KEY
    sent_anyway(
        client.create_training_session,
        sent,
        "CreateTrainingSession",
        **drop(session(), "VpcConfig"),
    )
    assert sent.last_json()["VpcConfig"]["Subnets"] == [SUBNET]
