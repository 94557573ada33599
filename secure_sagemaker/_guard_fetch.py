"""What the guard fetches to judge a request that points at something stored elsewhere.

A request can name a resource whose content decides whether it is secure: a pipeline
definition kept in S3, the endpoint config an endpoint is switched to.  The guard
fetches it with the caller's own credentials and judges it with the request; the
fetched content goes only into the *judged* copy (under a key starting with ``@``,
which no API shape has), never into the request that is sent.

:data:`FETCHES` is the table: operation -> a small function ``(params, client) ->
extra`` returning the keys to add to the judged copy.  A fetch that fails gives
``None`` under its key, and the rule that judges it (SM214, SM250, SM251, SM370) refuses: what
cannot be read cannot be judged.  Reasons are logged, never the content.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

from secure_sagemaker._aws.caller import sibling_client
from secure_sagemaker._pipelines import with_execution_values
from secure_sagemaker.controls.sm2_pipeline_runs import PIPELINE_KEY
from secure_sagemaker.controls.sm2_provisioning import NETWORK_INTERFACE_KEY
from secure_sagemaker.controls.sm3_endpoint_use import ENDPOINT_CONFIG_KEY

__all__ = ["FETCHES", "fetch_related"]

logger = logging.getLogger("secure_sagemaker.guard")


# Describe output that is not part of the request it was created with
_RESPONSE_ONLY = ("EndpointConfigArn", "CreationTime", "ResponseMetadata")

Fetch = Callable[[dict[str, Any], Any], dict[str, Any]]


def pipeline_definition(params: dict[str, Any], client: Any) -> dict[str, Any]:
    """``{"PipelineDefinition": body}`` for a ``PipelineDefinitionS3Location``, or
    ``{}`` (then rule SM250 refuses a request that has no definition to judge).

    A location without ``VersionId`` is pinned: ``params`` (the request to send) gets
    the ``VersionId`` of the object judged, so it cannot be swapped before the call.
    An unversioned bucket gives none: ``{}``, and SM250 asks for a VersionId."""
    location = params.get("PipelineDefinitionS3Location")
    if params.get("PipelineDefinition") is not None or not isinstance(location, Mapping):
        return {}
    try:
        body, version = _fetch_s3(client, location)
    except Exception as err:
        logger.warning("PipelineDefinitionS3Location could not be fetched (%s)", type(err).__name__)
        return {}
    if not location.get("VersionId"):
        if not version:
            logger.warning("PipelineDefinitionS3Location has no VersionId (unversioned bucket)")
            return {}
        params["PipelineDefinitionS3Location"] = {**location, "VersionId": version}
    return {"PipelineDefinition": body}


def _fetch_s3(client: Any, location: Mapping[str, Any]) -> tuple[str, str | None]:
    """``(body, VersionId or None)`` of the object at ``location``."""
    s3 = sibling_client(_need(client), "s3")  # same credentials as the caller
    extra = {"VersionId": location["VersionId"]} if location.get("VersionId") else {}
    obj = s3.get_object(Bucket=location["Bucket"], Key=location["ObjectKey"], **extra)
    version = obj.get("VersionId")
    pinned = version if isinstance(version, str) and version != "null" else None
    return str(obj["Body"].read().decode("utf-8")), pinned


def endpoint_config(params: dict[str, Any], client: Any) -> dict[str, Any]:
    """``{"@EndpointConfig": the config as its CreateEndpointConfig request}`` for the
    ``EndpointConfigName`` an endpoint is created with or switched to, or ``None``
    under that key when it cannot be described (SM370 then refuses)."""
    name = params.get("EndpointConfigName")
    described = _describe(
        client,
        "endpoint config",
        "sagemaker",
        name,
        lambda sm: sm.describe_endpoint_config(EndpointConfigName=name),
    )
    if described is None:
        return {ENDPOINT_CONFIG_KEY: None}
    request = {k: v for k, v in described.items() if k not in _RESPONSE_ONLY}
    return {ENDPOINT_CONFIG_KEY: request}


def pipeline_execution(params: dict[str, Any], client: Any) -> dict[str, Any]:
    """``{"@Pipeline": the pipeline as a CreatePipeline request}`` with this execution's
    ``PipelineParameters`` as the parameters' DefaultValues and its ``RoleArn``, for the
    pipeline version the execution names; ``None`` under that key when it cannot be
    described or its definition is not a JSON object (SM251 / SM250 then refuse)."""
    name = params.get("PipelineName")
    which = {k: params[k] for k in ("PipelineVersionId", "PipelineVersionAlias") if k in params}
    described = _describe(
        client,
        "pipeline",
        "sagemaker",
        name,
        lambda sm: sm.describe_pipeline(PipelineName=name, **which),
    )
    try:
        definition = json.loads(described["PipelineDefinition"]) if described else None
    except (KeyError, TypeError, ValueError) as err:
        logger.warning("the pipeline definition could not be read (%s)", type(err).__name__)
        definition = None
    if not isinstance(definition, dict) or described is None:
        return {PIPELINE_KEY: None}
    with_execution_values(definition, params.get("PipelineParameters"))
    request = {
        "PipelineName": name,
        "PipelineDefinition": json.dumps(definition),
        "RoleArn": params.get("RoleArn") or described.get("RoleArn"),
    }
    return {PIPELINE_KEY: request}


def network_interface(params: dict[str, Any], client: Any) -> dict[str, Any]:
    """``{"@NetworkInterface": {"SubnetId": ..., "SecurityGroupIds": [...]}}`` for the
    interface an AttachClusterNodeNetworkInterface request names, described with the
    caller's credentials; ``None`` under that key when it cannot be (SM214 refuses)."""
    eni = params.get("NetworkInterfaceId")

    def one_interface(ec2: Any) -> dict[str, Any]:
        (found,) = ec2.describe_network_interfaces(NetworkInterfaceIds=[eni])["NetworkInterfaces"]
        groups = [g["GroupId"] for g in found.get("Groups", [])]
        return {"SubnetId": found.get("SubnetId"), "SecurityGroupIds": groups}

    return {
        NETWORK_INTERFACE_KEY: _describe(client, "network interface", "ec2", eni, one_interface)
    }


def _need(client: Any) -> Any:
    if client is None:
        raise RuntimeError("no client to take credentials from")
    return client


def _describe(
    client: Any, what: str, service: str, name: Any, describe: Callable[[Any], Any]
) -> dict[str, Any] | None:
    """``describe(a client of service)``, the client having the caller's own
    credentials, as a dict; or ``None`` (with a warning naming the error type, never
    a value) when ``name`` - what the request names - is not a non-empty string or
    the call fails: the rule judging it then refuses."""
    if not isinstance(name, str) or not name:
        return None
    try:
        answer = describe(sibling_client(_need(client), service))
    except Exception as err:
        logger.warning("the %s could not be described (%s)", what, type(err).__name__)
        return None
    return dict(answer)


FETCHES: Mapping[str, Fetch] = {
    "CreatePipeline": pipeline_definition,
    "UpdatePipeline": pipeline_definition,
    "CreateEndpoint": endpoint_config,
    "UpdateEndpoint": endpoint_config,
    "StartPipelineExecution": pipeline_execution,
    "AttachClusterNodeNetworkInterface": network_interface,
}
"""SageMaker operation -> what the guard fetches to judge it."""


def fetch_related(
    operation: str, service: str, params: dict[str, Any], client: Any
) -> dict[str, Any]:
    """The extra keys of the judged copy of ``params`` (``{}`` when nothing is fetched
    for the operation).  May pin ``params`` (a pipeline definition's VersionId).
    Never raises: a failed fetch is recorded for the rule that judges it."""
    fetch = FETCHES.get(operation) if service == "sagemaker" else None
    return fetch(params, client) if fetch is not None else {}
