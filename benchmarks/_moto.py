"""What the benchmarks share about moto: the audit's SageMaker list calls it lacks."""

from __future__ import annotations


def missing_lists() -> dict[str, str]:
    """``{operation: result key}`` of the audit's SageMaker list calls that moto does
    not implement (computed from the installed moto, so it follows new kinds): the
    benchmarks answer them with an empty page, for every contender alike."""
    import boto3
    from moto.sagemaker.responses import SageMakerResponse

    from secure_sagemaker.audit._kinds import KINDS

    client = boto3.Session(region_name="us-east-1").client("sagemaker")
    api = client.meta.method_to_api_mapping
    pairs = [(k.list_method, k.list_key) for k in KINDS]
    pairs.append(("list_monitoring_schedules", "MonitoringScheduleSummaries"))
    return {api[m]: key for m, key in pairs if not hasattr(SageMakerResponse, m)}
