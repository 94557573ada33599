"""SecureEstimator: SageMaker training with the 2.x ``Estimator`` arguments, secure by default.

``from secure_sagemaker import SecureEstimator as Estimator`` keeps the common
script working: the constructor takes the 2.x arguments people use, builds the
``CreateTrainingJob`` request it will send, lets the policy fill the secure values
(VPC, network isolation, inter-container encryption, customer KMS keys) and judges
it with the guard's rules - so an insecure argument raises
:class:`~secure_sagemaker.InsecureRequestError` at construction, not minutes later.

Inputs are S3 URIs or version-pinned artifact references (``ArtifactRef``).  A
training channel cannot name an S3 object *version*, so right before
``CreateTrainingJob`` each pinned input is checked to still be the pinned version
(and checksum), and no other object shares its key prefix; the version and checksum
are recorded in the job's tags as provenance.  An overwrite after that check and
before SageMaker reads the object is not detected: protect input prefixes with S3
Object Lock or a bucket policy that denies overwrites.

No import of the ``sagemaker`` package.
"""

from __future__ import annotations

import base64
import datetime
import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import attrs

from secure_sagemaker._aws.rollback import UndoStack
from secure_sagemaker._aws.wait import ResourceFailedError, Waiting, wait
from secure_sagemaker.exceptions import IntegrityError, NetworkConfigurationError
from secure_sagemaker.notebook import Tags, normalize_tags, refuse_insecure, session_or_default
from secure_sagemaker.policy import SecurityPolicy
from secure_sagemaker.secrets._env import PREFIX as _SECRET_PREFIX

__all__ = [
    "PinnedInput",
    "SecureEstimator",
    "TrainingJob",
    "verify_pinned_directory",
    "verify_pinned_input",
]

logger = logging.getLogger("secure_sagemaker.training")

TRAIN = "CreateTrainingJob"
DEFAULT_CHANNEL = "training"
PROVENANCE_TAG = "secure-sagemaker:input"
MANIFEST_SUFFIX = ".manifest.json"  # as secure_sagemaker.artifacts writes directory manifests
_STATUS = "TrainingJobStatus"
_CHECK_NAME = "secure-sagemaker-check"  # placeholder job name for the constructor's check
_NAME_CHARS = re.compile(r"[^a-zA-Z0-9-]")
_MAX_NAME = 63


@attrs.frozen
class PinnedInput:
    """An S3 object pinned to one version (and optionally its SHA-256, hex).

    Anything with ``bucket``, ``key`` and ``version_id`` attributes (an
    ``ArtifactRef``) is accepted as a pinned input, as is an
    ``s3://bucket/key?versionId=...`` URI.
    """

    bucket: str
    key: str
    version_id: str
    sha256: str | None = None

    @classmethod
    def of(cls, value: Any) -> PinnedInput | None:
        """The pinned input ``value`` denotes, or ``None`` for a plain S3 URI."""
        if all(hasattr(value, a) for a in ("bucket", "key", "version_id")):
            sha = getattr(value, "sha256", None)
            return cls(str(value.bucket), str(value.key), str(value.version_id), sha)
        if isinstance(value, str) and value.startswith("s3://") and "versionId=" in value:
            parts = urlsplit(value)
            query = parse_qs(parts.query)
            version = query.get("versionId", [""])[0]
            if version:
                sha = query.get("sha256", [None])[0]
                return cls(parts.netloc, unquote(parts.path[1:]), version, sha)
        return None

    @property
    def is_manifest(self) -> bool:
        """True for a directory artifact: the manifest ``ArtifactStore`` wrote for it."""
        return self.key.endswith(MANIFEST_SUFFIX)

    @property
    def prefix(self) -> str:
        """A directory artifact's key prefix (its files are at ``<prefix>/<path>``)."""
        return self.key.removesuffix(MANIFEST_SUFFIX)

    @property
    def uri(self) -> str:
        """What the training channel reads: ``s3://bucket/key``, or the directory
        ``s3://bucket/<prefix>/`` of a manifest (channels cannot take a version)."""
        if self.is_manifest:
            return f"s3://{self.bucket}/{self.prefix}/"
        return f"s3://{self.bucket}/{self.key}"


@attrs.frozen
class TrainingJob:
    """The job an estimator last started (``.name`` as in SDK 2.x's ``latest_training_job``)."""

    name: str

    @property
    def job_name(self) -> str:
        return self.name


def verify_pinned_input(s3: Any, ref: PinnedInput) -> None:
    """Check that ``ref``'s object is still the pinned version, that its SHA-256 (when
    S3 stores a full-object SHA-256 checksum) matches, and that no other object
    shares its key prefix (a training channel reads every object under it).

    Raises :class:`~secure_sagemaker.IntegrityError` saying what differs (``err.ref``
    is ``ref``; the message names no bucket or key); botocore errors when the object
    cannot be read.

    >>> ref = PinnedInput("ml-data", "train.csv", "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY")
    >>> verify_pinned_input(boto3.client("s3"), ref)              # doctest: +SKIP
    """
    where = "a pinned training input"
    head = s3.head_object(Bucket=ref.bucket, Key=ref.key, ChecksumMode="ENABLED")
    if head.get("VersionId") != ref.version_id:
        raise IntegrityError(
            f"{where} was overwritten: its current version is not the pinned one, so the "
            "job would train on different data; pin the new version after reviewing it",
            ref=ref,
        )
    stored = head.get("ChecksumSHA256")
    if ref.sha256 and isinstance(stored, str) and "-" not in stored:
        expected = base64.b64encode(bytes.fromhex(ref.sha256)).decode("ascii")
        if stored != expected:
            raise IntegrityError(
                f"{where}: the pinned version's SHA-256 is not the recorded one", ref=ref
            )
    listing = s3.list_objects_v2(Bucket=ref.bucket, Prefix=ref.key, MaxKeys=2)
    if any(o.get("Key") != ref.key for o in listing.get("Contents", ())):
        raise IntegrityError(
            f"{where}: other objects share this key prefix and the training channel would "
            "read them too; move them or pin an object whose key is no other key's prefix",
            ref=ref,
        )


def verify_pinned_directory(s3: Any, bucket: str, prefix: str, files: Mapping[str, str]) -> None:
    """Check that the objects under ``prefix/`` are exactly ``files`` (key -> pinned
    version ID), each still at its pinned version: one paginated
    ``ListObjectVersions``, not one call per file.

    Raises :class:`~secure_sagemaker.IntegrityError` saying how many files were
    overwritten or deleted and how many unrecorded objects were added (never the
    bucket or prefix).

    >>> verify_pinned_directory(s3, "ml-data", "train", {"train/a.csv": "v1"})  # doctest: +SKIP
    """
    latest: dict[str, str | None] = {}
    pages = s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=f"{prefix}/")
    for page in pages:
        for version in page.get("Versions", ()):
            if version.get("IsLatest"):
                latest[version["Key"]] = version.get("VersionId")
        for marker in page.get("DeleteMarkers", ()):
            if marker.get("IsLatest"):
                latest[marker["Key"]] = None
    changed = [k for k, v in files.items() if latest.get(k) != v]
    added = [k for k, v in latest.items() if k not in files and v is not None]
    if changed or added:
        raise IntegrityError(
            f"a pinned input directory no longer holds the pinned files: {len(changed)} "
            f"overwritten or deleted, {len(added)} added; the training channel reads every "
            "object under the prefix - pin a new manifest after reviewing the data"
        )


def _job_name(base: str) -> str:
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d-%H-%M-%S-%f")[:-3]
    return f"{base[: _MAX_NAME - len(stamp) - 1]}-{stamp}"


def _base_name(image_uri: str) -> str:
    repo = image_uri.rsplit("/", 1)[-1].split("@")[0].split(":")[0]
    return _NAME_CHARS.sub("-", repo).strip("-") or "training"


def _is_secret_ref(value: Any) -> bool:
    return str(value).startswith(_SECRET_PREFIX)


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
            raise ValueError("instance_type is required")
        self.image_uri = image_uri
        self.role = role
        self.instance_count = instance_count
        self.instance_type = instance_type
        self.policy = policy if policy is not None else SecurityPolicy.load()
        if session is None and sagemaker_session is not None:
            session = sagemaker_session.boto_session
        self.session = session_or_default(session)
        self.base_job_name = base_job_name or _base_name(image_uri)
        self.waiting = waiting
        self._client: Any = None
        self._latest: str | None = None
        if output_path is None:
            if not self.policy.artifact_buckets:
                raise ValueError("output_path is required (or set artifact-buckets in the policy)")
            output_path = f"s3://{self.policy.artifact_buckets[0]}/"
        self.output_path = output_path
        env = {str(k): str(v) for k, v in (environment or {}).items()}
        self._needs_secrets = any(_is_secret_ref(v) for v in env.values())
        self._template = self._build(
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

    def _build(
        self,
        *,
        env: dict[str, str],
        hyperparameters: Mapping[str, Any] | None,
        tags: Tags | None,
        input_mode: str,
        volume_size: int,
        max_run: int,
        max_wait: int | None,
        use_spot_instances: bool,
        checkpoint: tuple[str | None, str | None],
        vpc: tuple[Sequence[str] | None, Sequence[str] | None],
        kms: tuple[str | None, str | None],
        network: tuple[bool | None, bool | None],
        metric_definitions: Sequence[Mapping[str, str]] | None,
    ) -> dict[str, Any]:
        algorithm: dict[str, Any] = {
            "TrainingImage": self.image_uri,
            "TrainingInputMode": input_mode,
        }
        if metric_definitions:
            algorithm["MetricDefinitions"] = [dict(m) for m in metric_definitions]
        resources: dict[str, Any] = {
            "InstanceType": self.instance_type,
            "InstanceCount": self.instance_count,
            "VolumeSizeInGB": volume_size,
        }
        output: dict[str, Any] = {"S3OutputPath": self.output_path}
        stopping: dict[str, Any] = {"MaxRuntimeInSeconds": max_run}
        params: dict[str, Any] = {
            "AlgorithmSpecification": algorithm,
            "RoleArn": self.role,
            "OutputDataConfig": output,
            "ResourceConfig": resources,
            "StoppingCondition": stopping,
        }
        optional: dict[str, tuple[dict[str, Any], str, Any]] = {
            "volume_kms_key": (resources, "VolumeKmsKeyId", kms[0]),
            "output_kms_key": (output, "KmsKeyId", kms[1]),
            "max_wait": (stopping, "MaxWaitTimeInSeconds", max_wait),
            "enable_network_isolation": (params, "EnableNetworkIsolation", network[0]),
            "encrypt_inter_container_traffic": (
                params,
                "EnableInterContainerTrafficEncryption",
                network[1],
            ),
        }
        for target, field, value in optional.values():
            if value is not None:
                target[field] = value
        if use_spot_instances:
            params["EnableManagedSpotTraining"] = True
        if hyperparameters:
            params["HyperParameters"] = {str(k): str(v) for k, v in hyperparameters.items()}
        if env:
            params["Environment"] = env
        if checkpoint[0] is not None:
            params["CheckpointConfig"] = {"S3Uri": checkpoint[0]}
            if checkpoint[1] is not None:
                params["CheckpointConfig"]["LocalPath"] = checkpoint[1]
        subnets, groups = vpc
        if subnets is not None or groups is not None:
            params["VpcConfig"] = {
                "Subnets": list(subnets or ()),
                "SecurityGroupIds": list(groups or ()),
            }
        if tags:
            params["Tags"] = normalize_tags(tags)
        return params

    def _request(
        self, name: str, channels: list[dict[str, Any]], extra_tags: list[dict[str, str]]
    ) -> dict[str, Any]:
        params = {"TrainingJobName": name, **self._template, "InputDataConfig": channels}
        if extra_tags:
            params["Tags"] = [*params.get("Tags", []), *extra_tags]
        return refuse_insecure(TRAIN, params, self.policy, self.session.region_name)

    def _check(self) -> None:
        """Judge the request with a placeholder name and input: fail now, not at fit()."""
        placeholder = [self._channel(DEFAULT_CHANNEL, self.output_path)]
        request = self._request(_CHECK_NAME, placeholder, [])
        if self._needs_secrets and request.get("EnableNetworkIsolation") is True:
            names = sorted(
                k for k, v in request.get("Environment", {}).items() if _is_secret_ref(v)
            )
            raise NetworkConfigurationError(
                f"environment variable(s) {', '.join(names)} are secret references, which the "
                "container resolves from Secrets Manager at run time, but network isolation "
                "(SM202) blocks every call from the container; pass "
                "enable_network_isolation=False and waive SM202 in the policy with a reason"
            )
        self._filled = request

    @staticmethod
    def _channel(name: str, uri: str) -> dict[str, Any]:
        return {
            "ChannelName": name,
            "DataSource": {
                "S3DataSource": {
                    "S3DataType": "S3Prefix",
                    "S3Uri": uri,
                    "S3DataDistributionType": "FullyReplicated",
                }
            },
        }

    def _channels(self, inputs: Any) -> tuple[list[dict[str, Any]], dict[str, PinnedInput]]:
        if inputs is None:
            return [], {}
        named = inputs if isinstance(inputs, Mapping) else {DEFAULT_CHANNEL: inputs}
        channels: list[dict[str, Any]] = []
        pinned: dict[str, PinnedInput] = {}
        for name, value in named.items():
            ref = PinnedInput.of(value)
            config = getattr(value, "config", None)  # an SDK TrainingInput
            if ref is not None:
                pinned[str(name)] = ref
                channels.append(self._channel(str(name), ref.uri))
            elif isinstance(config, Mapping):
                channels.append({**config, "ChannelName": str(name)})
            elif isinstance(value, str) and value.startswith("s3://"):
                channels.append(self._channel(str(name), value))
            else:
                raise TypeError(
                    f"input {name!r} must be an s3:// URI, an ArtifactRef or a TrainingInput"
                )
        return channels, pinned

    @staticmethod
    def _provenance(pinned: Mapping[str, PinnedInput]) -> list[dict[str, str]]:
        tags = []
        for channel, ref in pinned.items():
            tags.append({"Key": f"{PROVENANCE_TAG}:{channel}:version-id", "Value": ref.version_id})
            if ref.sha256:
                tags.append({"Key": f"{PROVENANCE_TAG}:{channel}:sha256", "Value": ref.sha256})
        return tags

    # ------------------------------------------------------------------ clients

    @property
    def client(self) -> Any:
        """The guarded SageMaker client (created on first use)."""
        if self._client is None:
            from secure_sagemaker.guard import protect

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
        from secure_sagemaker.guard import protect
        from secure_sagemaker.network import require_private_network

        name = job_name or _job_name(self.base_job_name)
        channels, pinned = self._channels(inputs)
        request = self._request(name, channels, self._provenance(pinned))
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
                if ref.is_manifest:
                    self._verify_directory(s3, ref)
                else:
                    verify_pinned_input(s3, ref)
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

    def _verify_directory(self, s3: Any, ref: PinnedInput) -> None:
        """Verify a directory artifact: its manifest's hash (read with
        ``ArtifactStore``), then every file's current version."""
        from secure_sagemaker.artifacts import ArtifactRef, ArtifactStore

        if not ref.sha256:
            raise IntegrityError("a directory input needs its manifest's SHA-256", ref=ref)
        artifact = ArtifactRef(ref.bucket, ref.key, ref.version_id, ref.sha256)
        with ArtifactStore(ref.bucket, policy=self.policy, session=self.session) as store:
            manifest = store.manifest(artifact)
        if manifest.prefix != ref.prefix:
            raise IntegrityError("the manifest describes another prefix", ref=ref)
        files = {manifest.key_of(entry): entry.version_id for entry in manifest.files}
        verify_pinned_directory(s3, ref.bucket, ref.prefix, files)

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
        from secure_sagemaker.guard import protect

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
        est.base_job_name = _base_name(est.image_uri)
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
            raise RuntimeError("no training job yet: call fit() or attach() first")
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
            raise RuntimeError(f"training job {self._latest} has no model artifact (yet)")
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
        from secure_sagemaker.endpoint import SecureEndpoint

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
        parts = urlsplit(uri)
        head = self.session.client("s3").head_object(Bucket=parts.netloc, Key=parts.path[1:])
        version = head.get("VersionId")
        return f"{uri}?versionId={version}" if version and version != "null" else uri
