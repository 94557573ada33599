"""SM39x - models and inference reached from elsewhere: model packages of other
accounts, global inference gateways, presigned hub downloads, Edge Manager devices
and model monitoring alerts."""

from __future__ import annotations

from typing import Any

from secure_sagemaker.controls.sm2_job_sources import trusted_source
from secure_sagemaker.rules import MISSING, PASS, Context, Rule, Severity, Verdict, fail

MODEL = "CreateModel"
GATEWAY = "CreateGlobalInferenceGateway"
GATEWAY_UPDATE = "UpdateGlobalInferenceGateway"
GATEWAY_ADD = "AddInferenceGateway"
HUB_URLS = "CreateHubContentPresignedUrls"
DEVICES = ("RegisterDevices", "UpdateDevices")
ALERT = "UpdateMonitoringAlert"
PUBLIC_HUB = "SageMakerPublicHub"


def gateways_allowed(value: Any, ctx: Context) -> Verdict:
    if ctx.policy.allow_global_inference_gateways:
        return PASS
    return fail(
        "routes inference traffic across clusters and regions; the policy does not allow "
        "global inference gateways"
    )


def public_hub(value: Any, ctx: Context) -> Verdict:
    """The AWS public hub, by name or by its ARN (account ``aws``)."""
    if value == PUBLIC_HUB:
        return PASS
    if isinstance(value, str):
        parts = value.split(":", 5)
        if len(parts) == 6 and parts[0] == "arn" and parts[4:] == ["aws", f"hub/{PUBLIC_HUB}"]:
            return PASS
    return fail(
        "hands out bearer URLs to a private hub's model artifacts; only the public "
        "SageMaker hub's content may be shared this way"
    )


def edge_devices_allowed(value: Any, ctx: Context) -> Verdict:
    if ctx.policy.allow_edge_devices:
        return PASS
    return fail("sends the fleet's models to IoT devices; the policy does not allow edge devices")


def alert_can_fire(value: Any, ctx: Context) -> Verdict:
    """``DatapointsToAlert`` is a positive integer no larger than ``EvaluationPeriod``
    (an M-out-of-N alarm with M > N never fires)."""
    period = ctx.params.get("EvaluationPeriod", MISSING)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        return fail("must be a positive number of datapoints")
    if not isinstance(period, int) or isinstance(period, bool):
        return fail("cannot be judged: EvaluationPeriod is not a number")
    if value > period:
        return fail("exceeds EvaluationPeriod, so the alert can never fire")
    return PASS


RULES: tuple[Rule, ...] = (
    Rule(
        id="SM390",
        name="model-package-trusted-account",
        severity=Severity.HIGH,
        title="Models are created from model packages of trusted accounts only",
        fields={MODEL: ("PrimaryContainer?.ModelPackageName", "Containers[].ModelPackageName")},
        check=trusted_source,
        rationale="A model package pins its inference image and model artifacts: one owned "
        "by another account serves that account's code on your data, under your execution "
        "role, and can change with each version it publishes.",
        remediation="Use a model package of your own account (by name), or add the "
        "publisher's account to the policy's trusted-accounts (the guard fills in your "
        "own account when the list is empty; evaluate() needs it set).",
        references=("Seed:2", "Seed:7"),
    ),
    Rule(
        id="SM391",
        name="global-inference-gateway-allowed",
        severity=Severity.HIGH,
        title="Global inference gateways are created, changed or joined only where the "
        "policy allows them",
        fields={
            GATEWAY: ("Name",),
            GATEWAY_UPDATE: ("Identifier",),
            GATEWAY_ADD: ("Identifier",),
        },
        check=gateways_allowed,
        rationale="A global inference gateway routes requests across HyperPod clusters and "
        "regions under its own execution role, outside the endpoints, VPCs and regions "
        "the policy judges; whether inference may be exposed this way is the "
        "organisation's decision.",
        remediation="Serve through SageMaker endpoints, or set "
        "allow-global-inference-gateways = true in the policy where global gateways are "
        "approved.",
        references=("Seed:1", "Seed:2"),
    ),
    Rule(
        id="SM392",
        name="inference-gateway-trusted-accounts",
        severity=Severity.CRITICAL,
        title="Global inference gateways route only to clusters, and run only under roles, "
        "of trusted accounts",
        fields={
            GATEWAY: ("Gateways[].ClusterArn", "ExecutionRoleArn"),
            GATEWAY_ADD: ("ClusterArn",),
        },
        check=trusted_source,
        rationale="A member cluster of another account receives every request the gateway "
        "routes to it, prompts and data included; a role of another account acts for it.",
        remediation="Name clusters and an execution role of your own account, or add the "
        "account to the policy's trusted-accounts (the guard fills in your own account "
        "when the list is empty; evaluate() needs it set).",
        references=("Seed:2",),
    ),
    Rule(
        id="SM393",
        name="hub-content-presigned-urls-public-hub",
        severity=Severity.HIGH,
        title="Presigned download URLs are created only for the public SageMaker hub",
        fields={HUB_URLS: ("HubName",)},
        check=public_hub,
        rationale="Each presigned URL opens a model artifact to whoever holds it, without "
        "credentials, for the URL's whole lifetime, and the request cannot bound it.  For "
        "the public hub that exposes nothing; for a private hub it hands out the "
        "organisation's models.",
        remediation="Read a private hub's content through S3 with your own credentials "
        "(DescribeHubContent names its location); presign only SageMakerPublicHub content, "
        "or waive SM393 where bearer URLs to private models are approved.",
        references=("Seed:2",),
    ),
    Rule(
        id="SM394",
        name="edge-devices-allowed",
        severity=Severity.MEDIUM,
        title="Edge Manager devices are registered or re-pointed only where the policy "
        "allows edge devices",
        fields={op: ("DeviceFleetName",) for op in DEVICES},
        check=edge_devices_allowed,
        rationale="A registered device (an IoT thing) receives the fleet's models and "
        "credentials through the fleet's role alias; which things may hold them is the "
        "organisation's decision, and the request cannot show who controls the thing.",
        remediation="Set allow-edge-devices = true in the policy where Edge Manager fleets "
        "are approved, or do not register devices.",
        references=("Seed:2",),
    ),
    Rule(
        id="SM395",
        name="monitoring-alert-can-fire",
        severity=Severity.MEDIUM,
        title="Model monitoring alerts keep a threshold they can reach",
        fields={ALERT: ("DatapointsToAlert",)},
        check=alert_can_fire,
        rationale="An alert that needs more violating datapoints than its evaluation "
        "period holds never fires: monitoring keeps running while nobody hears of drift "
        "or quality loss.",
        remediation="Set DatapointsToAlert to at least 1 and at most EvaluationPeriod.",
        references=("Seed:5",),
    ),
)
