"""SM380 - securing never breaks a model: an isolated model carries its inference
code in the model artifact (SDK 2.x repacks it when it knows isolation is on) instead
of fetching it from S3 at start.  The shared reasoning is in :mod:`.sm2_runnable`."""

from __future__ import annotations

from secure_sagemaker.controls.sm2_runnable import FIX, MODEL, model_code_reachable
from secure_sagemaker.rules import Rule, Severity

RULES: tuple[Rule, ...] = (
    Rule(
        id="SM380",
        name="isolated-model-code-reachable",
        severity=Severity.HIGH,
        title="An isolated model carries its inference code in the model artifact, not in S3",
        fields={MODEL: ("PrimaryContainer?", "Containers[]")},
        check=model_code_reachable,
        rationale="With network isolation the model container cannot reach S3, so a model "
        "told to download its inference script from SAGEMAKER_SUBMIT_DIRECTORY=s3://... "
        "fails to start: securing it would silently break the endpoint or transform job.",
        remediation=FIX.format(
            what="model (or to the estimator it is deployed from)",
            how="repacked into the model artifact",
            raw="repack the code into model.tar.gz under code/ and set "
            "SAGEMAKER_SUBMIT_DIRECTORY to /opt/ml/model/code",
        ),
        references=("Seed:1",),
    ),
)
