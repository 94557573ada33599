"""SM22x - what jobs take from elsewhere and leave behind: AutoML jobs that deploy an
endpoint, transform job data capture, and algorithms of other accounts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from secure_sagemaker.controls import _checks as c
from secure_sagemaker.controls.sm2_destinations import artifact_destination
from secure_sagemaker.rules import MISSING, PASS, Context, Rule, Severity, Verdict, fail

AUTOML2 = "CreateAutoMLJobV2"
TRANSFORM = "CreateTransformJob"
TRAIN = "CreateTrainingJob"
TUNE = "CreateHyperParameterTuningJob"
PACKAGE = "CreateModelPackage"


def trusted_source(value: Any, ctx: Context) -> Verdict:
    """A resource named by name (resolved in the caller's account) or by the ARN of one
    of the policy's trusted accounts.  With no trusted accounts - :func:`evaluate`
    outside the guard, which fills the caller's own - an ARN cannot be verified and
    fails, as does an ARN whose account is not a 12-digit ID."""
    if value is MISSING:
        return PASS
    if not isinstance(value, str) or not value:
        return fail("must be a name or an ARN")
    if not value.startswith("arn:"):
        return PASS
    account = c.arn_account(value)
    if account is None:
        return fail("is an ARN without a 12-digit account, so its owner cannot be verified")
    trusted = ctx.policy.trusted_accounts
    if not trusted:
        return fail(
            "is an ARN whose account cannot be verified: the policy names no trusted accounts"
        )
    if account not in trusted:
        return fail("belongs to an account outside the policy's trusted accounts")
    return PASS


def no_automatic_endpoint(value: Any, ctx: Context) -> Verdict:
    """``ModelDeployConfig`` deploys nothing: neither ``AutoGenerateEndpointName`` nor
    ``EndpointName``."""
    if not isinstance(value, Mapping):
        return fail("must be an object")
    if value.get("AutoGenerateEndpointName") is True:
        return fail(
            "deploys the best candidate to an endpoint whose config the guard never sees",
            "AutoGenerateEndpointName",
        )
    if value.get("AutoGenerateEndpointName") not in (None, False):
        return fail("must be a boolean", "AutoGenerateEndpointName")
    if value.get("EndpointName") is not None:
        return fail(
            "deploys the best candidate to an endpoint whose config the guard never sees",
            "EndpointName",
        )
    return PASS


def _tuning(leaf: str) -> tuple[str, ...]:
    return (f"TrainingJobDefinition?.{leaf}", f"TrainingJobDefinitions[].{leaf}")


RULES: tuple[Rule, ...] = (
    Rule(
        id="SM220",
        name="automl-no-unjudged-endpoint",
        severity=Severity.HIGH,
        title="AutoML jobs do not deploy endpoints the guard cannot judge",
        fields={AUTOML2: ("ModelDeployConfig?",)},
        check=no_automatic_endpoint,
        rationale="With ModelDeployConfig the AutoML service creates the model, the "
        "endpoint config and the endpoint itself: the endpoint's storage key, data capture, "
        "network isolation and instance count never pass through the guard, and the job's "
        "SecurityConfig (VPC, volume key; SM201-SM204) covers only the job's own compute.  "
        "Refused, so every endpoint is created from a config the SM3xx rules judged.",
        remediation="Leave ModelDeployConfig out (or set AutoGenerateEndpointName=false "
        "without EndpointName) and deploy the best candidate with CreateModel, "
        "CreateEndpointConfig and CreateEndpoint; or waive SM220 where an endpoint under "
        "the job's SecurityConfig is accepted.",
        references=("Seed:1", "Seed:3"),
    ),
    Rule(
        id="SM221",
        name="transform-data-capture-artifact-bucket",
        severity=Severity.HIGH,
        title="Transform job data capture is written to an artifact bucket",
        fields={TRANSFORM: ("DataCaptureConfig?.DestinationS3Uri",)},
        check=artifact_destination,
        applies=c.when_policy_has("artifact_buckets"),
        rationale="Captured inputs and predictions are the same data as the job's input: "
        "outside the artifact buckets they escape the organisation's encryption, retention "
        "and access controls.",
        remediation="Set DataCaptureConfig.DestinationS3Uri to s3://<bucket>/<prefix> in "
        "one of the policy's artifact-buckets.",
        references=("Seed:2", "Seed:7"),
    ),
    Rule(
        id="SM222",
        name="transform-data-capture-cmk",
        severity=Severity.HIGH,
        title="Transform job data capture is encrypted with a customer-managed KMS key",
        fields={TRANSFORM: ("DataCaptureConfig?.KmsKeyId",)},
        check=c.customer_kms_key,
        default=c.kms_key("data_capture"),
        rationale="Without KmsKeyId the captured data is encrypted with an AWS-managed "
        "key, whose use cannot be restricted to the people who should read it.",
        remediation="Set DataCaptureConfig.KmsKeyId to a customer-managed key (filled from "
        "the policy's kms-keys.data-capture, or kms-key-id).",
        references=("Seed:3",),
    ),
    Rule(
        id="SM223",
        name="algorithm-trusted-account",
        severity=Severity.HIGH,
        title="Training and tuning jobs and model packages use algorithms of trusted accounts only",
        fields={
            TRAIN: ("AlgorithmSpecification.AlgorithmName",),
            TUNE: _tuning("AlgorithmSpecification.AlgorithmName"),
            PACKAGE: ("SourceAlgorithmSpecification?.SourceAlgorithms[].AlgorithmName",),
        },
        check=trusted_source,
        rationale="An algorithm pins its training image and inference containers: one "
        "owned by another account runs code that account controls on your data, under "
        "your execution role.",
        remediation="Use an algorithm of your own account (by name), or add the "
        "publisher's account to the policy's trusted-accounts (the guard fills in your "
        "own account when the list is empty; evaluate() needs it set).",
        references=("Seed:2", "Seed:7"),
    ),
)
