"""secure-sagemaker: Amazon SageMaker, secure by default.

One rule catalog judges every SageMaker request before it is sent (the guard),
backs the secure wrappers, audits existing accounts and exports IAM guardrails.
"""

from __future__ import annotations

import sys
import types
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what mypy and IDEs see; at run time each name loads on first use
    from secure_sagemaker._aws.wait import Waiting
    from secure_sagemaker.artifacts import (
        ArtifactRef,
        ArtifactStore,
        ArtifactVersion,
        EnsureReport,
        Manifest,
    )
    from secure_sagemaker.audit import AuditReport, audit
    from secure_sagemaker.endpoint import DataCapture, Exposure, Monitoring, SecureEndpoint
    from secure_sagemaker.evaluation import evaluate, secure_request
    from secure_sagemaker.exceptions import (
        ArgumentTypeError,
        ArtifactStoreError,
        AuditError,
        InsecureRequestError,
        IntegrityError,
        InvalidArgumentError,
        InvalidS3UriError,
        ManifestFormatError,
        MFADeleteRequiredError,
        NetworkConfigurationError,
        PolicyError,
        ResourceFailedError,
        ResourceNotReadyError,
        RollbackError,
        SecretFormatError,
        SecretNotFoundError,
        SecureSageMakerError,
        UnknownOperationError,
        WaitTimeoutError,
    )
    from secure_sagemaker.guard import install, protect, secure_session, uninstall
    from secure_sagemaker.iam import (
        ExecutionRole,
        RefineReport,
        create_execution_role,
        execution_role_policy,
        guardrails,
        guardrails_json,
        lint_policy,
        lint_role,
        refine_role,
    )
    from secure_sagemaker.network import check_network, require_private_network
    from secure_sagemaker.notebook import SecureNotebook
    from secure_sagemaker.policy import SecurityPolicy
    from secure_sagemaker.rules import Finding, Rule, Severity
    from secure_sagemaker.secrets import (
        SecretClient,
        SecretMapping,
        SecretRef,
        SecretValue,
        resolve_environment,
    )
    from secure_sagemaker.training import SecureEstimator

from secure_sagemaker._version import __version__

__all__ = [
    "ArgumentTypeError",
    "ArtifactRef",
    "ArtifactStore",
    "ArtifactStoreError",
    "ArtifactVersion",
    "AuditError",
    "AuditReport",
    "DataCapture",
    "EnsureReport",
    "ExecutionRole",
    "Exposure",
    "Finding",
    "InsecureRequestError",
    "IntegrityError",
    "InvalidArgumentError",
    "InvalidS3UriError",
    "MFADeleteRequiredError",
    "Manifest",
    "ManifestFormatError",
    "Monitoring",
    "NetworkConfigurationError",
    "PolicyError",
    "RefineReport",
    "ResourceFailedError",
    "ResourceNotReadyError",
    "RollbackError",
    "Rule",
    "SecretClient",
    "SecretFormatError",
    "SecretMapping",
    "SecretNotFoundError",
    "SecretRef",
    "SecretValue",
    "SecureEndpoint",
    "SecureEstimator",
    "SecureNotebook",
    "SecureSageMakerError",
    "SecurityPolicy",
    "Severity",
    "UnknownOperationError",
    "WaitTimeoutError",
    "Waiting",
    "__version__",
    "audit",
    "check_network",
    "create_execution_role",
    "evaluate",
    "execution_role_policy",
    "guardrails",
    "guardrails_json",
    "install",
    "lint_policy",
    "lint_role",
    "protect",
    "refine_role",
    "require_private_network",
    "resolve_environment",
    "secure_request",
    "secure_session",
    "uninstall",
]

# public name -> the module that defines it (PEP 562: loaded on first attribute access,
# so ``import secure_sagemaker`` costs almost nothing and ``install()`` loads only the
# policy, the engine, the catalog and the guard)
_LAZY: dict[str, str] = {
    "ArgumentTypeError": "secure_sagemaker.exceptions",
    "ArtifactRef": "secure_sagemaker.artifacts",
    "ArtifactStore": "secure_sagemaker.artifacts",
    "ArtifactStoreError": "secure_sagemaker.exceptions",
    "ArtifactVersion": "secure_sagemaker.artifacts",
    "AuditError": "secure_sagemaker.exceptions",
    "AuditReport": "secure_sagemaker.audit",
    "DataCapture": "secure_sagemaker.endpoint",
    "EnsureReport": "secure_sagemaker.artifacts",
    "ExecutionRole": "secure_sagemaker.iam",
    "Exposure": "secure_sagemaker.endpoint",
    "Finding": "secure_sagemaker.rules",
    "InsecureRequestError": "secure_sagemaker.exceptions",
    "IntegrityError": "secure_sagemaker.exceptions",
    "InvalidArgumentError": "secure_sagemaker.exceptions",
    "InvalidS3UriError": "secure_sagemaker.exceptions",
    "MFADeleteRequiredError": "secure_sagemaker.exceptions",
    "Manifest": "secure_sagemaker.artifacts",
    "ManifestFormatError": "secure_sagemaker.exceptions",
    "Monitoring": "secure_sagemaker.endpoint",
    "NetworkConfigurationError": "secure_sagemaker.exceptions",
    "PolicyError": "secure_sagemaker.exceptions",
    "RefineReport": "secure_sagemaker.iam",
    "ResourceFailedError": "secure_sagemaker.exceptions",
    "ResourceNotReadyError": "secure_sagemaker.exceptions",
    "RollbackError": "secure_sagemaker.exceptions",
    "Rule": "secure_sagemaker.rules",
    "SecretClient": "secure_sagemaker.secrets",
    "SecretFormatError": "secure_sagemaker.exceptions",
    "SecretMapping": "secure_sagemaker.secrets",
    "SecretNotFoundError": "secure_sagemaker.exceptions",
    "SecretRef": "secure_sagemaker.secrets",
    "SecretValue": "secure_sagemaker.secrets",
    "SecureEndpoint": "secure_sagemaker.endpoint",
    "SecureEstimator": "secure_sagemaker.training",
    "SecureNotebook": "secure_sagemaker.notebook",
    "SecureSageMakerError": "secure_sagemaker.exceptions",
    "SecurityPolicy": "secure_sagemaker.policy",
    "Severity": "secure_sagemaker.rules",
    "UnknownOperationError": "secure_sagemaker.exceptions",
    "WaitTimeoutError": "secure_sagemaker.exceptions",
    "Waiting": "secure_sagemaker._aws.wait",
    "audit": "secure_sagemaker.audit",
    "check_network": "secure_sagemaker.network",
    "create_execution_role": "secure_sagemaker.iam",
    "evaluate": "secure_sagemaker.evaluation",
    "execution_role_policy": "secure_sagemaker.iam",
    "guardrails": "secure_sagemaker.iam",
    "guardrails_json": "secure_sagemaker.iam",
    "install": "secure_sagemaker.guard",
    "lint_policy": "secure_sagemaker.iam",
    "lint_role": "secure_sagemaker.iam",
    "protect": "secure_sagemaker.guard",
    "refine_role": "secure_sagemaker.iam",
    "require_private_network": "secure_sagemaker.network",
    "resolve_environment": "secure_sagemaker.secrets",
    "secure_request": "secure_sagemaker.evaluation",
    "secure_session": "secure_sagemaker.guard",
    "uninstall": "secure_sagemaker.guard",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


class _Package(types.ModuleType):
    """Keeps a public function (``audit``) from being replaced by the subpackage of
    the same name when that subpackage is first imported: Python sets each imported
    submodule as an attribute of its package."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _LAZY and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
