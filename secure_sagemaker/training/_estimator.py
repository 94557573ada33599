"""The :class:`SecureEstimator` class (see :mod:`secure_sagemaker.training`)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from secure_sagemaker._aws.clients import session_or_default
from secure_sagemaker._aws.rollback import UndoStack
from secure_sagemaker._aws.s3uri import S3Uri, s3_uri
from secure_sagemaker._aws.tags import Tags
from secure_sagemaker._aws.wait import ResourceFailedError, Waiting, wait
from secure_sagemaker._wrapper import refuse_insecure
from secure_sagemaker.artifacts._pinning import verify_pinned
from secure_sagemaker.endpoint import SecureEndpoint
from secure_sagemaker.exceptions import (
    InvalidArgumentError,
    NetworkConfigurationError,
    ResourceNotReadyError,
)
from secure_sagemaker.guard import protect
from secure_sagemaker.network import require_private_network
from secure_sagemaker.policy import SecurityPolicy
from secure_sagemaker.training._request import (
    DEFAULT_CHANNEL,
    TRAIN,
    base_name,
    channel,
    channels,
    is_secret_ref,
    provenance_tags,
    training_request,
)
from secure_sagemaker.training._request import (
    job_name as _job_name,
)

__all__ = ["SecureEstimator", "TrainingJob"]

logger = logging.getLogger("secure_sagemaker.training")

_STATUS = "TrainingJobStatus"
_CHECK_NAME = "secure-sagemaker-check"  # placeholder job name for the constructor's check


@attrs.frozen
class TrainingJob:
    """The job an estimator last started (``.name`` as in SDK 2.x's ``latest_training_job``)."""

    name: str

    @property
    def job_name(self) -> str:
        return self.name


class SecureEstimator:
    """Train on SageMaker with the 2.x ``Estimator`` arguments, every security setting
    filled from the policy and judged before anything is sent.

    Security arguments left ``None`` are filled from the policy (``subnets``,
    ``security_group_ids``, ``volume_kms_key``, ``output_kms_key``) or set to the
    secure value (``enable_network_isolation``, ``encrypt_inter_container_traffic``);
    an explicit insecure value raises :class:`~secure_sagemaker.InsecureRequestError`
    here.  ``environment`` values may be ``SecretRef`` objects: the job receives the
    secret's *name* (``secretsmanager:<name>``) and
    ``python -m secure_sagemaker.secrets resolve -- <cmd>`` resolves it in the
    container.  Because that needs network access, environment secrets with network
    isolation raise :class:`~secure_sagemaker.NetworkConfigurationError` (pass
    ``enable_network_isolation=False`` and waive SM202 with a reason).
    ``output_path`` defaults to the policy's first artifact bucket; ``ValueError``
    when there is none.  ``session`` is a ``boto3.Session`` (or pass a SageMaker
    SDK ``sagemaker_session``; its ``boto_session`` is used).

    >>> from secure_sagemaker import SecureEstimator as Estimator      # doctest: +SKIP
    >>> est = Estimator(image_uri=image, role=role, instance_count=1,
    ...                 instance_type="ml.m5.xlarge", output_path="s3://ml-artifacts/out",
    ...                 hyperparameters={"epochs": 3})                  # doctest: +SKIP
    >>> est.fit("s3://ml-data/train/")                                  # doctest: +SKIP
    >>> est.model_data                                                  # doctest: +SKIP
    's3://ml-artifacts/out/train-2025-.../output/model.tar.gz'
    """

    def __init__(
        self,
        image_uri: str,
        role: str,
        instance_count: int = 1,
        instance_type: str | None = None,
        *,
        volume_size: int = 30,
        max_run: int = 24 * 60 * 60,
        input_mode: str = "File",
        output_path: str | None = None,
        hyperparameters: Mapping[str, Any] | None = None,
        environment: Mapping[str, Any] | None = None,
        base_job_name: str | None = None,
        tags: Tags | None = None,
        checkpoint_s3_uri: str | None = None,
        checkpoint_local_path: str | None = None,
        use_spot_instances: bool = False,
        max_wait: int | None = None,
        subnets: Sequence[str] | None = None,
        security_group_ids: Sequence[str] | None = None,
        volume_kms_key: str | None = None,
        output_kms_key: str | None = None,
        enable_network_isolation: bool | None = None,
        encrypt_inter_container_traffic: bool | None = None,
        metric_definitions: Sequence[Mapping[str, str]] | None = None,
        policy: SecurityPolicy | None = None,
        session: Any = None,
        sagemaker_session: Any = None,
        waiting: Waiting | None = None,
    ) -> None:
        if instance_type is None:
            raise InvalidArgumentError("instance_type is required")
        self.image_uri = image_uri
        self.role = role
        self.instance_count = instance_count
        self.instance_type = instance_type
        self.policy = policy if policy is not None else SecurityPolicy.load()
        if session is None and sagemaker_session is not None:
            session = sagemaker_session.boto_session
        self.session = session_or_default(session)
        self.base_job_name = base_job_name or base_name(image_uri)
        self.waiting = waiting
        self._client: Any = None
        self._latest: str | None = None
        if output_path is None:
            if not self.policy.artifact_buckets:
                raise InvalidArgumentError(
                    "output_path is required (or set artifact-buckets in the policy)"
                )
            output_path = s3_uri(self.policy.artifact_buckets[0])
        self.output_path = output_path
        env = {str(k): str(v) for k, v in (environment or {}).items()}
        self._needs_secrets = any(is_secret_ref(v) for v in env.values())
        self._template = training_request(
            image_uri=image_uri,
            role=role,
            instance_type=instance_type,
            instance_count=instance_count,
            output_path=output_path,
            env=env,
            hyperparameters=hyperparameters,
            tags=tags,
            input_mode=input_mode,
            volume_size=volume_size,
            max_run=max_run,
            max_wait=max_wait,
            use_spot_instances=use_spot_instances,
            checkpoint=(checkpoint_s3_uri, checkpoint_local_path),
            vpc=(subnets, security_group_ids),
            kms=(volume_kms_key, output_kms_key),
            network=(enable_network_isolation, encrypt_inter_container_traffic),
            metric_definitions=metric_definitions,
        )
        self._check()

    def __repr__(self) -> str:
        return (
            f"SecureEstimator(image_uri={self.image_uri!r}, instance_type="
            f"{self.instance_type!r}, instance_count={self.instance_count})"
        )

    # ------------------------------------------------------------------ request

    def _request(
        self, name: str, channels: list[dict[str, Any]], extra_tags: list[dict[str, str]]
    ) -> dict[str, Any]:
        params = {"TrainingJobName": name, **self._template, "InputDataConfig": channels}
        if extra_tags:
            params["Tags"] = [*params.get("Tags", []), *extra_tags]
        return refuse_insecure(TRAIN, params, self.policy, self.session.region_name)

    def _check(self) -> None:
        """Judge the request with a placeholder name and input: fail now, not at fit()."""
        placeholder = [channel(DEFAULT_CHANNEL, self.output_path)]
        request = self._request(_CHECK_NAME, placeholder, [])
        if self._needs_secrets and request.get("EnableNetworkIsolation") is True:
            names = sorted(k for k, v in request.get("Environment", {}).items() if is_secret_ref(v))
            raise NetworkConfigurationError(
                f"environment variable(s) {', '.join(names)} are secret references, which the "
                "container resolves from Secrets Manager at run time, but network isolation "
                "(SM202) blocks every call from the container; pass "
                "enable_network_isolation=False and waive SM202 in the policy with a reason"
            )
        self._filled = request

    # ------------------------------------------------------------------ clients

    @property
    def client(self) -> Any:
        """The guarded SageMaker client (created on first use)."""
        if self._client is None:
            self._client = protect(self.session.client("sagemaker"), self.policy)
        return self._client

    @property
    def request(self) -> dict[str, Any]:
        """The judged CreateTrainingJob request with placeholder name and input.

        >>> est.request["EnableNetworkIsolation"]                 # doctest: +SKIP
        True
        """
        return dict(self._filled)

    # ------------------------------------------------------------------ training

    def fit(
        self,
        inputs: Any = None,
        wait: bool = True,
        logs: bool = False,
        job_name: str | None = None,
    ) -> None:
        """Start a training job on ``inputs`` and, with ``wait``, wait for it to end.

        ``inputs`` is an ``s3://`` URI, an ``ArtifactRef`` (or ``s3://...?versionId=``
        URI), an SDK ``TrainingInput``, or a dict of channel name to any of those; a
        single input is the ``training`` channel.  Order: the request is judged, the
        network checked (private subnets, closed security groups, VPC endpoints),
        pinned inputs verified, then the job created.  ``logs`` prints the job's
        CloudWatch log lines after it ends.

        Raises :class:`~secure_sagemaker.InsecureRequestError`,
        :class:`~secure_sagemaker.NetworkConfigurationError`,
        :class:`~secure_sagemaker.IntegrityError` (a pinned input changed) - each
        before anything is created; :class:`ResourceFailedError` with SageMaker's
        failure reason when the job fails.  If waiting fails otherwise (timeout,
        interrupt) the job is stopped before the error propagates.

        >>> est.fit({"train": "s3://ml-data/train/", "test": test_ref})   # doctest: +SKIP
        """
        name = job_name or _job_name(self.base_job_name)
        inputs_config, pinned = channels(inputs)
        request = self._request(name, inputs_config, provenance_tags(pinned))
        vpc = request.get("VpcConfig") or {}
        if vpc.get("Subnets"):  # else SM201 was waived: the job runs outside any VPC
            require_private_network(
                self.session,
                list(vpc["Subnets"]),
                list(vpc.get("SecurityGroupIds") or ()),
                needs_secrets=self._needs_secrets,
                policy=self.policy,
            )
        if pinned:
            s3 = protect(self.session.client("s3"), self.policy)
            for ref in pinned.values():
                verify_pinned(s3, ref, policy=self.policy, session=self.session)
        with UndoStack(f"training job {name}") as undo:
            self.client.create_training_job(**request)
            self._latest = name
            logger.info("started training job %s", name)
            if wait:
                undo.push(f"running training job {name}", lambda: self._stop(name))
                try:
                    self._wait(name, request)
                except ResourceFailedError:
                    undo.commit()  # the job ended by itself: nothing to stop
                    raise
        if wait and logs:
            self._print_logs(name)

    def _stop(self, name: str) -> None:
        self.client.stop_training_job(TrainingJobName=name)

    def _wait(self, name: str, request: Mapping[str, Any]) -> None:
        stopping = request.get("StoppingCondition") or {}
        longest = max(
            int(stopping.get("MaxRuntimeInSeconds") or 0),
            int(stopping.get("MaxWaitTimeInSeconds") or 0),
        )
        waiting = self.waiting or Waiting.lasting(longest + 3600, delay=60)
        wait(
            self.client,
            "training_job_completed_or_stopped",
            waiting,
            resource=f"training job {name}",
            status_key=_STATUS,
            TrainingJobName=name,
        )

    def _print_logs(self, name: str) -> None:
        logs = self.session.client("logs")
        try:
            pages = logs.get_paginator("filter_log_events").paginate(
                logGroupName="/aws/sagemaker/TrainingJobs", logStreamNamePrefix=f"{name}/"
            )
            for page in pages:
                for event in page.get("events", ()):
                    print(event.get("message", ""))  # what logs=True asks for
        except logs.exceptions.ResourceNotFoundException:
            logger.info("training job %s has no CloudWatch logs", name)

    @classmethod
    def attach(
        cls,
        training_job_name: str,
        *,
        policy: SecurityPolicy | None = None,
        session: Any = None,
        waiting: Waiting | None = None,
    ) -> SecureEstimator:
        """An estimator for an existing training job (to read ``model_data`` or
        ``deploy()``).  The job's settings are not judged again; ``deploy`` judges
        what it creates.  Raises botocore's ``ClientError`` for an unknown job.

        >>> est = SecureEstimator.attach("train-2025-01-01-00-00-00-000")  # doctest: +SKIP
        """
        pol = policy if policy is not None else SecurityPolicy.load()
        sess = session_or_default(session)
        client = protect(sess.client("sagemaker"), pol)
        job = client.describe_training_job(TrainingJobName=training_job_name)
        est = cls.__new__(cls)
        resources = job.get("ResourceConfig") or {}
        est.image_uri = str(job.get("AlgorithmSpecification", {}).get("TrainingImage", ""))
        est.role = str(job.get("RoleArn", ""))
        est.instance_count = int(resources.get("InstanceCount") or 1)
        est.instance_type = str(resources.get("InstanceType", ""))
        est.policy, est.session, est.waiting = pol, sess, waiting
        est.output_path = str(job.get("OutputDataConfig", {}).get("S3OutputPath", ""))
        est.base_job_name = base_name(est.image_uri)
        est._client, est._latest, est._needs_secrets = client, training_job_name, False
        est._template = {}
        est._filled = {}
        return est

    # ------------------------------------------------------------------ results

    @property
    def latest_training_job(self) -> TrainingJob | None:
        """The job :meth:`fit` (or :meth:`attach`) last named, or ``None``.

        >>> est.latest_training_job.name                          # doctest: +SKIP
        'train-2025-01-01-00-00-00-000'
        """
        return TrainingJob(self._latest) if self._latest is not None else None

    def describe(self) -> dict[str, Any]:
        """``DescribeTrainingJob`` of the latest job.  Raises ``RuntimeError`` before
        :meth:`fit`.

        >>> est.describe()["TrainingJobStatus"]                   # doctest: +SKIP
        'Completed'
        """
        if self._latest is None:
            raise ResourceNotReadyError("no training job yet: call fit() or attach() first")
        out = dict(self.client.describe_training_job(TrainingJobName=self._latest))
        out.pop("ResponseMetadata", None)
        return out

    @property
    def model_data(self) -> str:
        """The S3 URI of the latest job's model artifact.  Raises ``RuntimeError``
        before the job has produced one.

        >>> est.model_data                                        # doctest: +SKIP
        's3://ml-artifacts/out/train-.../output/model.tar.gz'
        """
        artifacts = self.describe().get("ModelArtifacts") or {}
        uri = artifacts.get("S3ModelArtifacts")
        if not uri:
            raise ResourceNotReadyError(f"training job {self._latest} has no model artifact (yet)")
        return str(uri)

    def deploy(
        self,
        initial_instance_count: int = 2,
        instance_type: str | None = None,
        *,
        image_uri: str | None = None,
        endpoint_name: str | None = None,
        environment: Mapping[str, Any] | None = None,
        wait: bool = True,
        **endpoint_options: Any,
    ) -> Any:
        """Deploy the latest job's model to a :class:`~secure_sagemaker.SecureEndpoint`
        (same image as training unless ``image_uri``; ``instance_type`` defaults to
        the training instance type).  The model artifact is pinned to its current S3
        version (the output bucket must be versioned; otherwise ``SecureEndpoint``
        refuses it unless ``allow_unpinned=True`` is passed).  ``endpoint_options``
        (``data_capture``, ``tags``, ``allow_unpinned``, ...) go to
        ``SecureEndpoint.deploy``, which judges and rolls back what it creates.

        >>> endpoint = est.deploy(2, "ml.m5.large")               # doctest: +SKIP
        """
        if self.waiting is not None:
            endpoint_options.setdefault("waiting", self.waiting)
        return SecureEndpoint.deploy(
            self.pinned_model_data(),
            image_uri or self.image_uri,
            self.role,
            instance_type or self.instance_type,
            initial_instance_count,
            name=endpoint_name,
            environment=environment,
            policy=self.policy,
            session=self.session,
            wait=wait,
            **endpoint_options,
        )

    def pinned_model_data(self) -> str:
        """:attr:`model_data` with the artifact's current ``?versionId=`` (the plain
        URI when the bucket is not versioned).

        >>> est.pinned_model_data()                               # doctest: +SKIP
        's3://ml-artifacts/out/train-.../output/model.tar.gz?versionId=3HL4kq...'
        """
        uri = self.model_data
        location = S3Uri.parse(uri)
        head = self.session.client("s3").head_object(Bucket=location.bucket, Key=location.path)
        version = head.get("VersionId")
        return f"{uri}?versionId={version}" if version and version != "null" else uri
