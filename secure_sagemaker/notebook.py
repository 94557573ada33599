"""SecureNotebook: a SageMaker notebook instance that can only be created securely.

Every notebook runs in one of the policy's private subnets with its security
groups, without direct internet access or root, with a customer-managed KMS key on
its volume, IMDSv2 and a supported platform - values the catalog's rules fill in
from the policy (this module sets none of them itself) and the guard judges on the
final request.  Before anything is created the subnet, the security groups and the
VPC's endpoints are checked (:func:`secure_sagemaker.network.require_private_network`).
A failure midway removes what was created.

No import of the ``sagemaker`` package: this works the same with SDK 2.x, 3.x or none.
"""

from __future__ import annotations

import base64
import contextlib
import logging
from collections.abc import Mapping
from typing import Any

from secure_sagemaker._aws.clients import session_or_default
from secure_sagemaker._aws.errors import error_code
from secure_sagemaker._aws.rollback import UndoStack, ignore_missing
from secure_sagemaker._aws.tags import Tags, normalize_tags
from secure_sagemaker._aws.wait import ResourceFailedError, Waiting, wait
from secure_sagemaker._wrapper import refuse_insecure
from secure_sagemaker.exceptions import InvalidArgumentError
from secure_sagemaker.guard import protect
from secure_sagemaker.network import require_private_network
from secure_sagemaker.policy import SecurityPolicy

__all__ = ["SecureNotebook", "Tags", "normalize_tags"]

logger = logging.getLogger("secure_sagemaker.notebook")

NB = "CreateNotebookInstance"
LCC = "CreateNotebookInstanceLifecycleConfig"
_STATUS = "NotebookInstanceStatus"
_MIN_SESSION, _MAX_SESSION = 1800, 43200  # CreatePresignedNotebookInstanceUrl limits
_GONE = ("ValidationException",)  # what SageMaker answers for an unknown notebook/config


class SecureNotebook:
    """A notebook instance in a private subnet, with no internet, no root, a customer
    KMS key, IMDSv2 and (when given) a git repository.

    The request is built and judged at construction, so an insecure policy or
    argument raises :class:`~secure_sagemaker.InsecureRequestError` at once (a
    ``code_repository`` URL holding a credential too: rule SM110).
    ``lifecycle_config`` is the name of an existing lifecycle configuration, or a
    mapping ``{"on_create": script, "on_start": script}`` of shell scripts (created as
    ``<name>-lcc`` and judged by rule SM109 for credentials).  ``tags`` is a dict or
    the API's list of ``{"Key", "Value"}``.  ``waiting`` sets how botocore's waiters
    poll.

    >>> nb = SecureNotebook("research", "ml.t3.medium", role_arn,
    ...                     code_repository="https://github.com/acme/ml.git",
    ...                     policy=ss.SecurityPolicy.load())        # doctest: +SKIP
    >>> nb.create()                                                  # doctest: +SKIP
    'arn:aws:sagemaker:eu-west-1:123456789012:notebook-instance/research'
    >>> nb.presigned_url()                                           # doctest: +SKIP
    'https://research.notebook.eu-west-1.sagemaker.aws?authToken=...'
    """

    def __init__(
        self,
        name: str,
        instance_type: str,
        role: str,
        *,
        code_repository: str | None = None,
        volume_size_gb: int = 5,
        lifecycle_config: str | Mapping[str, str] | None = None,
        tags: Tags | None = None,
        policy: SecurityPolicy | None = None,
        session: Any = None,
        waiting: Waiting | None = None,
    ) -> None:
        self.name = name
        self.policy = policy if policy is not None else SecurityPolicy.load()
        self.session = session_or_default(session)
        self.waiting = waiting if waiting is not None else Waiting(delay=30, max_attempts=60)
        self._client: Any = None
        self._scripts: dict[str, str] | None = None
        lcc_name: str | None = None
        if isinstance(lifecycle_config, Mapping):
            unknown = set(lifecycle_config) - {"on_create", "on_start"}
            if unknown:
                raise InvalidArgumentError("lifecycle_config takes the keys on_create and on_start")
            self._scripts = dict(lifecycle_config)
            lcc_name = self.lifecycle_config_name
        elif lifecycle_config is not None:
            lcc_name = lifecycle_config
        params: dict[str, Any] = {
            "NotebookInstanceName": name,
            "InstanceType": instance_type,
            "RoleArn": role,
            "VolumeSizeInGB": volume_size_gb,
        }
        if code_repository is not None:
            params["DefaultCodeRepository"] = code_repository
        if lcc_name is not None:
            params["LifecycleConfigName"] = lcc_name
        if tags:
            params["Tags"] = normalize_tags(tags)
        region = self.session.region_name
        self._request = refuse_insecure(NB, params, self.policy, region)
        self._lcc_request = (
            refuse_insecure(LCC, self._lifecycle_params(), self.policy, region)
            if self._scripts is not None
            else None
        )

    # ------------------------------------------------------------------ helpers

    def __repr__(self) -> str:
        return f"SecureNotebook(name={self.name!r})"

    @property
    def lifecycle_config_name(self) -> str:
        """The name of the lifecycle configuration created from scripts.

        >>> SecureNotebook("nb", "ml.t3.medium", role, lifecycle_config={"on_start": "..."},
        ...                policy=policy).lifecycle_config_name   # doctest: +SKIP
        'nb-lcc'
        """
        return f"{self.name[:59]}-lcc"

    @property
    def request(self) -> dict[str, Any]:
        """A copy of the CreateNotebookInstance request :meth:`create` sends.

        >>> nb.request["DirectInternetAccess"]                   # doctest: +SKIP
        'Disabled'
        """
        return dict(self._request)

    @property
    def client(self) -> Any:
        """The guarded SageMaker client (created on first use)."""
        if self._client is None:
            self._client = protect(self.session.client("sagemaker"), self.policy)
        return self._client

    def _lifecycle_params(self) -> dict[str, Any]:
        scripts = self._scripts or {}

        def encode(text: str) -> list[dict[str, str]]:
            return [{"Content": base64.b64encode(text.encode("utf-8")).decode("ascii")}]

        params: dict[str, Any] = {"NotebookInstanceLifecycleConfigName": self.lifecycle_config_name}
        for key, field in (("on_create", "OnCreate"), ("on_start", "OnStart")):
            if scripts.get(key):
                params[field] = encode(scripts[key])
        return params

    def _wait(self, waiter: str) -> None:
        wait(
            self.client,
            waiter,
            self.waiting,
            resource=f"notebook instance {self.name}",
            status_key=_STATUS,
            NotebookInstanceName=self.name,
        )

    # ------------------------------------------------------------------ lifecycle

    def create(self, wait: bool = True) -> str:
        """Check the network, create the notebook (and its lifecycle config) and, with
        ``wait``, wait until it is ``InService``.  Returns the notebook's ARN.

        Raises :class:`~secure_sagemaker.NetworkConfigurationError` (nothing is
        created) when the subnet is public, a security group is open to the internet
        or a VPC endpoint is missing; :class:`ResourceFailedError` with SageMaker's
        failure reason when the notebook fails; botocore errors from AWS.  Whatever
        was created is removed before the error propagates
        (:class:`~secure_sagemaker.RollbackError` names what could not be).

        >>> SecureNotebook("nb", "ml.t3.medium", role, policy=policy).create()  # doctest: +SKIP
        'arn:aws:sagemaker:...:notebook-instance/nb'
        """
        if self._request.get("SubnetId"):  # else SM101 was waived: nothing to check
            require_private_network(
                self.session,
                [self._request["SubnetId"]],
                list(self._request.get("SecurityGroupIds") or ()),
                policy=self.policy,
            )
        with UndoStack(f"create notebook instance {self.name}") as undo:
            if self._lcc_request is not None:
                self.client.create_notebook_instance_lifecycle_config(**self._lcc_request)
                undo.push(
                    f"lifecycle config {self.lifecycle_config_name}", self._delete_lifecycle_config
                )
            arn = str(self.client.create_notebook_instance(**self._request)["NotebookInstanceArn"])
            undo.push(f"notebook instance {self.name}", self._remove)
            if wait:
                self._wait("notebook_instance_in_service")
        logger.info("created notebook instance %s", self.name)
        return arn

    def start(self, wait: bool = True) -> None:
        """Start a stopped notebook; with ``wait``, until it is ``InService``.
        Raises :class:`ResourceFailedError` when it fails to start.

        >>> nb.start()                                           # doctest: +SKIP
        """
        self.client.start_notebook_instance(NotebookInstanceName=self.name)
        if wait:
            self._wait("notebook_instance_in_service")

    def stop(self, wait: bool = True) -> None:
        """Stop the notebook; with ``wait``, until it is ``Stopped``.

        >>> nb.stop()                                            # doctest: +SKIP
        """
        self.client.stop_notebook_instance(NotebookInstanceName=self.name)
        if wait:
            self._wait("notebook_instance_stopped")

    def delete(self) -> None:
        """Stop (if needed) and delete the notebook, then the lifecycle config this
        wrapper created from scripts.  Waits until the notebook is gone.  Deleting a
        notebook that does not exist is not an error.

        >>> nb.delete()                                          # doctest: +SKIP
        """
        self._remove()
        if self._scripts is not None:
            self._delete_lifecycle_config()

    def describe(self) -> dict[str, Any]:
        """``DescribeNotebookInstance`` (without ``ResponseMetadata``).

        >>> nb.describe()["NotebookInstanceStatus"]              # doctest: +SKIP
        'InService'
        """
        out = dict(self.client.describe_notebook_instance(NotebookInstanceName=self.name))
        out.pop("ResponseMetadata", None)
        return out

    @property
    def status(self) -> str:
        """``Pending``, ``InService``, ``Stopping``, ``Stopped``, ``Failed``, ``Deleting``
        or ``Updating``.

        >>> nb.status                                            # doctest: +SKIP
        'InService'
        """
        return str(self.describe()[_STATUS])

    def presigned_url(self, expires_in: int = _MIN_SESSION) -> str:
        """A URL that opens Jupyter for the caller; the URL itself is valid for five
        minutes, the session it opens for ``expires_in`` seconds (1800 - 43200;
        default the shortest).  Raises :class:`~secure_sagemaker.InvalidArgumentError`
        (a ``ValueError``) outside that range, and the guard refuses sessions longer
        than the policy's ``max-presigned-session-seconds`` (default 3600, SM119).

        >>> nb.presigned_url(expires_in=3600)                    # doctest: +SKIP
        'https://nb.notebook.eu-west-1.sagemaker.aws?authToken=...'
        """
        if not _MIN_SESSION <= expires_in <= _MAX_SESSION:
            raise InvalidArgumentError(
                f"expires_in must be {_MIN_SESSION} to {_MAX_SESSION} seconds"
            )
        response = self.client.create_presigned_notebook_instance_url(
            NotebookInstanceName=self.name, SessionExpirationDurationInSeconds=expires_in
        )
        return str(response["AuthorizedUrl"])

    # ------------------------------------------------------------------ removal

    def _delete_lifecycle_config(self) -> None:
        ignore_missing(
            lambda: self.client.delete_notebook_instance_lifecycle_config(
                NotebookInstanceLifecycleConfigName=self.lifecycle_config_name
            ),
            *_GONE,
        )()

    def _current_status(self) -> str | None:
        try:
            return self.status
        except self.client.exceptions.ClientError as err:
            if error_code(err) in _GONE:
                return None
            raise

    def _remove(self) -> None:
        """Bring the notebook to a deletable state and delete it; a no-op when gone."""
        for _ in range(6):  # each pass moves it one state on
            status = self._current_status()
            if status is None:
                return
            if status in ("Stopped", "Failed"):
                self.client.delete_notebook_instance(NotebookInstanceName=self.name)
                self._wait("notebook_instance_deleted")
                return
            if status == "Deleting":
                self._wait("notebook_instance_deleted")
                return
            if status == "InService":
                self.stop(wait=True)
            elif status == "Stopping":
                self._wait("notebook_instance_stopped")
            else:  # Pending, Updating: it ends InService or Failed
                with contextlib.suppress(ResourceFailedError):
                    self._wait("notebook_instance_in_service")
        raise ResourceFailedError(
            f"notebook instance {self.name}", str(self._current_status()), "could not delete"
        )
