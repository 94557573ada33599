"""SM240 - securing never breaks a job: a request that runs isolated must not
need the network to fetch its own code.

SDK 2.x script mode (``entry_point`` + ``source_dir``) ships the code as
``sagemaker_submit_directory=s3://.../sourcedir.tar.gz`` (a hyperparameter) or
``SAGEMAKER_SUBMIT_DIRECTORY=s3://...`` (a model's environment), which the container
downloads itself.  With network isolation on - explicit, or filled by the guard - it
cannot.  When the SDK knows isolation is on it builds the request differently: the code
arrives in a ``code`` input channel (``/opt/ml/input/data/code/sourcedir.tar.gz``) and
the model is repacked with its code (``/opt/ml/model/code``).  These rules judge the
final, filled request and refuse the shape that would fail at run time, saying what to
pass.  SM380 (:mod:`.sm3_runnable`) judges models the same way.  Processing jobs, transform jobs and SDK 3.x ``ModelTrainer`` ship code as input
channels SageMaker downloads, so they are not affected.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from secure_sagemaker.rules import PASS, Context, Rule, Severity, Verdict, fail

TRAIN = "CreateTrainingJob"
TUNE = "CreateHyperParameterTuningJob"
MODEL = "CreateModel"

SUBMIT_HYPERPARAMETER = "sagemaker_submit_directory"
SUBMIT_ENVIRONMENT = "SAGEMAKER_SUBMIT_DIRECTORY"
CODE_CHANNEL = "code"

FIX = (
    "Pass enable_network_isolation=True to the {what} (the SageMaker SDK then ships the "
    "code {how}), or, in a raw request, {raw}."
)


def _text(value: Any) -> str | None:
    """A hyperparameter value as the container reads it (SDK 2.x JSON-encodes them)."""
    if not isinstance(value, str):
        return None
    try:
        decoded = json.loads(value)
    except ValueError:
        return value
    return decoded if isinstance(decoded, str) else value


def _in_s3(value: Any) -> bool:
    text = _text(value)
    return text is not None and text.strip().lower().startswith("s3://")


def _channels(job: Mapping[str, Any]) -> set[str]:
    channels = job.get("InputDataConfig")
    if not isinstance(channels, list):
        return set()
    return {str(c.get("ChannelName")) for c in channels if isinstance(c, Mapping)}


def _job_fetches_code(job: Mapping[str, Any], hyperparameters: Any) -> Verdict:
    if job.get("EnableNetworkIsolation") is not True or not isinstance(hyperparameters, Mapping):
        return PASS  # not isolated (judged by SM202), or no hyperparameters
    if not _in_s3(hyperparameters.get(SUBMIT_HYPERPARAMETER)):
        return PASS
    if CODE_CHANNEL in _channels(job):
        return PASS
    return fail(
        "runs with network isolation but its code is fetched from S3 at run time "
        "(sagemaker_submit_directory) and no 'code' channel delivers it",
        SUBMIT_HYPERPARAMETER,
    )


def training_code_reachable(value: Any, ctx: Context) -> Verdict:
    """``HyperParameters`` of CreateTrainingJob, or a tuning job's training job
    definition: isolated with code in S3 needs a ``code`` channel."""
    if ctx.operation == TRAIN:
        return _job_fetches_code(ctx.params, value)
    if not isinstance(value, Mapping):
        return PASS  # an absent definition is judged by the rules that require one
    return _job_fetches_code(value, value.get("StaticHyperParameters"))


def model_code_reachable(value: Any, ctx: Context) -> Verdict:
    """A CreateModel container: isolated with ``SAGEMAKER_SUBMIT_DIRECTORY`` in S3
    cannot start (the code belongs in the model artifact, ``/opt/ml/model/code``)."""
    if ctx.params.get("EnableNetworkIsolation") is not True or not isinstance(value, Mapping):
        return PASS
    environment = value.get("Environment")
    if isinstance(environment, Mapping) and _in_s3(environment.get(SUBMIT_ENVIRONMENT)):
        return fail(
            "runs with network isolation but its inference code is fetched from S3 at "
            "start (SAGEMAKER_SUBMIT_DIRECTORY)",
            f"Environment.{SUBMIT_ENVIRONMENT}",
        )
    return PASS


RULES: tuple[Rule, ...] = (
    Rule(
        id="SM240",
        name="isolated-job-code-reachable",
        severity=Severity.HIGH,
        title="An isolated training job gets its code through a 'code' channel, not from S3 "
        "at run time",
        fields={
            TRAIN: ("HyperParameters?",),
            TUNE: ("TrainingJobDefinition?", "TrainingJobDefinitions[]"),
        },
        check=training_code_reachable,
        rationale="With network isolation the container cannot reach S3, so a job told to "
        "download its script from sagemaker_submit_directory=s3://... fails at start: "
        "securing it would silently break it.",
        remediation=FIX.format(
            what="estimator",
            how="in a 'code' input channel",
            raw="add an InputDataConfig channel named 'code' holding sourcedir.tar.gz and "
            "set sagemaker_submit_directory to /opt/ml/input/data/code/sourcedir.tar.gz",
        ),
        references=("Seed:1",),
    ),
)
