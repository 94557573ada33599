"""SecureEndpoint: deploy a verified model to a SageMaker endpoint, securely by default.

Each multi-step method creates everything or nothing: a failing step removes what
the earlier steps created and re-raises the original error (or raises
:class:`~secure_sagemaker.RollbackError` naming what could not be removed).  Every
request goes through a client guarded by the policy
(:func:`secure_sagemaker.guard.protect`), which fills VPC, KMS keys and isolation
and refuses an insecure request before it is sent.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from secure_sagemaker._aws.clients import resource_name
from secure_sagemaker._aws.rollback import UndoStack
from secure_sagemaker._aws.tags import normalize_tags
from secure_sagemaker._aws.wait import Waiting
from secure_sagemaker._aws.wait import wait as wait_for
from secure_sagemaker._wrapper import AwsContext
from secure_sagemaker.endpoint._exposure import Exposure, create_exposure, delete_exposure
from secure_sagemaker.endpoint._model import (
    DEFAULT_CAPTURE,
    DataCapture,
    ModelSource,
    create_generation,
    resolve_model_data,
)
from secure_sagemaker.endpoint._monitoring import (
    Monitoring,
    create_monitoring,
    delete_monitoring,
    monitoring_defaults,
)
from secure_sagemaker.exceptions import RollbackError
from secure_sagemaker.policy import SecurityPolicy

__all__ = ["DataCapture", "Exposure", "Monitoring", "SecureEndpoint"]

logger = logging.getLogger("secure_sagemaker.endpoint")

_WAITING = Waiting(delay=30, max_attempts=120)


class SecureEndpoint:
    """A SageMaker real-time endpoint deployed and operated securely.

    Create one with :meth:`deploy`, or attach to an existing endpoint with
    ``SecureEndpoint(name, session=..., policy=...)``.  ``waiting`` sets how often and
    how long the botocore waiters poll when ``wait=True`` (default: every 30 s, for an
    hour).

    >>> ep = SecureEndpoint("churn-prod", policy=policy)       # doctest: +SKIP
    >>> ep.describe()["EndpointStatus"]                         # doctest: +SKIP
    'InService'
    """

    def __init__(
        self,
        name: str,
        *,
        session: Any = None,
        policy: SecurityPolicy | None = None,
        waiting: Waiting = _WAITING,
    ) -> None:
        self.name = name
        self._ctx = AwsContext.create(session, policy)
        self.waiting = waiting
        # (model, endpoint config) pairs this object created, oldest first
        self._generations: list[tuple[str, str]] = []
        self.monitoring: list[Monitoring] = []
        self.exposures: list[Exposure] = []

    def __repr__(self) -> str:
        return f"SecureEndpoint(name={self.name!r})"

    @property
    def policy(self) -> SecurityPolicy:
        return self._ctx.policy

    @property
    def model_name(self) -> str | None:
        """The model behind the current endpoint config this object created."""
        return self._generations[-1][0] if self._generations else None

    @property
    def endpoint_config_name(self) -> str | None:
        return self._generations[-1][1] if self._generations else None

    # ------------------------------------------------------------------ deploy

    @classmethod
    def deploy(
        cls,
        model_data: Any,
        image_uri: str,
        role: str,
        instance_type: str,
        initial_instance_count: int = 2,
        *,
        name: str | None = None,
        data_capture: DataCapture = DEFAULT_CAPTURE,
        environment: Mapping[str, str] | None = None,
        policy: SecurityPolicy | None = None,
        session: Any = None,
        wait: bool = True,
        allow_unpinned: bool = False,
        tags: Mapping[str, str] | None = None,
        waiting: Waiting = _WAITING,
    ) -> SecureEndpoint:
        """Verify the model artifact, then CreateModel -> CreateEndpointConfig ->
        CreateEndpoint (and, with ``wait=True``, wait until it is InService).

        ``model_data`` is an :class:`~secure_sagemaker.artifacts.ArtifactRef` or an
        ``s3://...?versionId=...`` URI; a plain URI needs ``allow_unpinned=True``.
        The model runs with network isolation in the policy's VPC; the endpoint's
        volume and captured data are encrypted with the policy's keys; data capture
        is on (see :class:`DataCapture`).

        Raises :class:`~secure_sagemaker.IntegrityError` (tampered, superseded or
        unpinned artifact: nothing is created),
        :class:`~secure_sagemaker.InsecureRequestError` (the policy refuses a
        request), botocore errors,
        ``ResourceFailedError`` (the endpoint failed) and ``WaitTimeoutError``.  On
        any of these everything created so far is deleted first
        (:class:`~secure_sagemaker.RollbackError` if that fails).

        >>> ep = SecureEndpoint.deploy(ref, image, role, "ml.m5.large",
        ...                            policy=policy)        # doctest: +SKIP
        """
        endpoint = cls(
            name or resource_name("secure-endpoint"),
            session=session,
            policy=policy,
            waiting=waiting,
        )
        source = resolve_model_data(model_data, allow_unpinned=allow_unpinned, ctx=endpoint._ctx)
        tag_list = normalize_tags(tags)
        with UndoStack(f"deploy {endpoint.name}") as undo:
            model, config = create_generation(
                endpoint._ctx,
                undo,
                endpoint.name,
                source=source,
                image_uri=image_uri,
                role=role,
                environment=environment,
                instance_type=instance_type,
                instance_count=initial_instance_count,
                capture=data_capture,
                tags=tag_list,
            )
            sm = endpoint._ctx.client("sagemaker")
            extra = {"Tags": tag_list} if tag_list else {}
            sm.create_endpoint(EndpointName=endpoint.name, EndpointConfigName=config, **extra)
            undo.push(
                f"endpoint {endpoint.name}", lambda: sm.delete_endpoint(EndpointName=endpoint.name)
            )
            if wait:
                endpoint._wait("endpoint_in_service")
        endpoint._generations.append((model, config))
        logger.info("deployed endpoint %s", endpoint.name)
        return endpoint

    def _wait(self, waiter: str) -> None:
        wait_for(
            self._ctx.client("sagemaker"),
            waiter,
            self.waiting,
            resource=f"endpoint {self.name}",
            status_key="EndpointStatus",
            EndpointName=self.name,
        )

    # ------------------------------------------------------------------ use

    def invoke(
        self,
        body: bytes | str | Mapping[str, Any] | Sequence[Any],
        content_type: str = "application/json",
        *,
        accept: str | None = None,
    ) -> bytes:
        """Send one inference request and return the response body.

        A mapping or list ``body`` is sent as JSON.  Raises botocore errors
        (``ModelError`` from the container, ``ValidationError`` for an unknown
        endpoint).

        >>> ep.invoke({"instances": [[1.0, 2.0]]})               # doctest: +SKIP
        b'{"predictions": [0.93]}'
        """
        payload = body if isinstance(body, (bytes, str)) else json.dumps(body)
        extra = {"Accept": accept} if accept else {}
        response = self._ctx.client("sagemaker-runtime").invoke_endpoint(
            EndpointName=self.name, Body=payload, ContentType=content_type, **extra
        )
        data: bytes = response["Body"].read()
        return data

    def describe(self) -> dict[str, Any]:
        """The DescribeEndpoint response (without ``ResponseMetadata``).

        >>> ep.describe()["DataCaptureConfig"]["EnableCapture"]  # doctest: +SKIP
        True
        """
        response = self._ctx.client("sagemaker").describe_endpoint(EndpointName=self.name)
        response.pop("ResponseMetadata", None)
        return dict(response)

    # ------------------------------------------------------------------ change

    def update(
        self,
        *,
        model_data: Any = None,
        image_uri: str | None = None,
        instance_type: str | None = None,
        initial_instance_count: int | None = None,
        data_capture: DataCapture | None = None,
        environment: Mapping[str, str] | None = None,
        allow_unpinned: bool = False,
        wait: bool = True,
    ) -> None:
        """Create a new model and endpoint config from the current ones with the given
        changes, then switch the endpoint to them (UpdateEndpoint).

        A new ``model_data`` is verified like in :meth:`deploy`.  If anything fails
        the new model and config are deleted and the endpoint keeps its current
        config.  With ``wait=True`` the update is awaited and the previous model and
        config are deleted; otherwise :meth:`delete` removes them later.

        >>> ep.update(model_data=new_ref, initial_instance_count=3)  # doctest: +SKIP
        """
        sm = self._ctx.client("sagemaker")
        current = sm.describe_endpoint_config(
            EndpointConfigName=sm.describe_endpoint(EndpointName=self.name)["EndpointConfigName"]
        )
        variant = current["ProductionVariants"][0]
        model = sm.describe_model(ModelName=variant["ModelName"])
        container = model["PrimaryContainer"]
        if model_data is not None:
            source = resolve_model_data(model_data, allow_unpinned=allow_unpinned, ctx=self._ctx)
        else:
            source = ModelSource.unverified(container["ModelDataUrl"])
        capture = data_capture or DataCapture.from_config(current.get("DataCaptureConfig"))
        with UndoStack(f"update {self.name}") as undo:
            new_model, new_config = create_generation(
                self._ctx,
                undo,
                self.name,
                source=source,
                image_uri=image_uri or container["Image"],
                role=model["ExecutionRoleArn"],
                environment=environment
                if environment is not None
                else container.get("Environment"),
                instance_type=instance_type or variant["InstanceType"],
                instance_count=initial_instance_count or variant["InitialInstanceCount"],
                capture=capture,
                tags=[],
            )
            sm.update_endpoint(EndpointName=self.name, EndpointConfigName=new_config)
            if wait:
                self._wait("endpoint_in_service")
        previous = list(self._generations)
        self._generations.append((new_model, new_config))
        if wait:
            for old_model, old_config in previous:
                sm.delete_endpoint_config(EndpointConfigName=old_config)
                sm.delete_model(ModelName=old_model)
            self._generations = [(new_model, new_config)]

    def enable_monitoring(
        self,
        baseline_uri: str,
        *,
        schedule: str = "hourly",
        alarm: bool = True,
        alarm_actions: Sequence[str] = (),
        drift_features: Sequence[str] = (),
        drift_threshold: float = 0.1,
        role: str | None = None,
        output_uri: str | None = None,
        analyzer_image: str | None = None,
        instance_type: str = "ml.m5.xlarge",
    ) -> Monitoring:
        """Watch the captured traffic against a baseline: a data-quality job definition
        (isolated, in the policy's VPC, KMS on volume and output - filled and judged by
        the guard), a monitoring schedule (``"hourly"``, ``"daily"`` or ``cron(...)``)
        and, with ``alarm=True``, a CloudWatch alarm on the maximum baseline drift of
        ``drift_features`` (default: the features in the baseline's
        ``statistics.json``, at most 10) with ``alarm_actions`` (e.g. SNS topic ARNs).

        ``baseline_uri`` is the prefix holding ``constraints.json`` and
        ``statistics.json``.  ``role`` defaults to the model's execution role,
        ``output_uri`` to ``s3://<capture bucket>/monitoring/<endpoint>/``.
        All or nothing: raises (after removing what it created) on any failure.
        (The end-to-end tests stub CreateMonitoringSchedule, which moto lacks.)

        >>> ep.enable_monitoring("s3://ml-artifacts/baselines/churn",
        ...                      alarm_actions=[topic_arn])    # doctest: +SKIP
        """
        role, output_uri = monitoring_defaults(self._ctx, self.name, role, output_uri)
        with UndoStack(f"enable monitoring on {self.name}") as undo:
            monitoring = create_monitoring(
                self._ctx,
                endpoint_name=self.name,
                baseline_uri=baseline_uri,
                output_uri=output_uri,
                role=role,
                schedule=schedule,
                alarm=alarm,
                alarm_actions=alarm_actions,
                drift_features=drift_features,
                drift_threshold=drift_threshold,
                image=analyzer_image,
                instance_type=instance_type,
                undo=undo,
            )
        self.monitoring.append(monitoring)
        return monitoring

    def expose(
        self,
        api_name: str,
        *,
        rate_limit: int = 100,
        authorization: str = "AWS_IAM",
        stage: str = "v1",
        invoke_role: str | None = None,
        log_retention_days: int = 365,
    ) -> Exposure:
        """Put the endpoint behind an API Gateway REST API: ``POST /invocations`` with
        ``authorization`` (IAM by default; ``NONE`` is refused by the guard, SM802),
        JSON access logs (requestId, ip, caller, user, requestTime, httpMethod,
        resourcePath, status, protocol, responseLength) in a log group encrypted with
        the policy's key (SM803), and a WAF web ACL blocking any client IP over
        ``rate_limit`` requests per 5 minutes (SM804), associated with the stage.

        API Gateway calls SageMaker as ``invoke_role`` (a role it may assume, allowed
        sagemaker:InvokeEndpoint), or by default with the caller's own IAM identity.
        Returns an :class:`Exposure` with the invoke URL and the ARNs.  All or
        nothing: raises (after removing what it created) on any failure.

        >>> api = ep.expose("churn-api", rate_limit=300)        # doctest: +SKIP
        >>> api.invoke_url                                       # doctest: +SKIP
        'https://abc123.execute-api.eu-west-1.amazonaws.com/v1/invocations'
        """
        with UndoStack(f"expose {self.name}") as undo:
            exposure = create_exposure(
                self._ctx,
                api_name,
                endpoint_name=self.name,
                stage=stage,
                rate_limit=rate_limit,
                authorization=authorization,
                invoke_role=invoke_role,
                log_retention_days=log_retention_days,
                undo=undo,
            )
        self.exposures.append(exposure)
        return exposure

    def unexpose(self, exposure: Exposure) -> None:
        """Remove an API created by :meth:`expose` (web ACL, REST API, log group).

        >>> ep.unexpose(api)                                     # doctest: +SKIP
        """
        delete_exposure(self._ctx, exposure)
        if exposure in self.exposures:
            self.exposures.remove(exposure)

    # ------------------------------------------------------------------ delete

    def delete(self, *, wait: bool = False) -> None:
        """Delete the endpoint and everything this object created for it: APIs,
        monitoring, endpoint configs and models.  With ``wait=True``, wait until the
        endpoint is gone.  Raises :class:`~secure_sagemaker.RollbackError` naming
        whatever could not be deleted (it tries every step).

        >>> ep.delete()                                          # doctest: +SKIP
        """
        sm = self._ctx.client("sagemaker")
        steps: list[tuple[str, Any]] = []
        for exposure in self.exposures:
            steps.append(
                (f"API {exposure.rest_api_id}", lambda e=exposure: delete_exposure(self._ctx, e))
            )
        for m in self.monitoring:
            steps.append(
                (f"monitoring {m.schedule_name}", lambda m=m: delete_monitoring(self._ctx, m))
            )
        steps.append((f"endpoint {self.name}", lambda: sm.delete_endpoint(EndpointName=self.name)))
        for model, config in self._generations:
            steps.append(
                (
                    f"endpoint config {config}",
                    lambda c=config: sm.delete_endpoint_config(EndpointConfigName=c),
                )
            )
            steps.append((f"model {model}", lambda m=model: sm.delete_model(ModelName=m)))
        undo = UndoStack(f"delete {self.name}")
        for what, action in reversed(steps):
            undo.push(what, action)
        leftovers = undo.rollback()
        self.exposures, self.monitoring, self._generations = [], [], []
        if leftovers:
            raise RollbackError(f"delete {self.name} could not remove everything", leftovers)
        if wait:
            self._wait("endpoint_deleted")
