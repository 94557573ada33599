"""secure-sagemaker: Amazon SageMaker, secure by default.

One rule catalog judges every SageMaker request before it is sent (the guard),
backs the secure wrappers, audits existing accounts and exports IAM guardrails.
"""

from __future__ import annotations

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
    ArtifactStoreError,
    AuditError,
    InsecureRequestError,
    IntegrityError,
    MFADeleteRequiredError,
    NetworkConfigurationError,
    PolicyError,
    ResourceFailedError,
    RollbackError,
    SecretFormatError,
    SecretNotFoundError,
    SecureSageMakerError,
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

__version__ = "0.1.0"

__all__ = [
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
    "MFADeleteRequiredError",
    "Manifest",
    "Monitoring",
    "NetworkConfigurationError",
    "PolicyError",
    "RefineReport",
    "ResourceFailedError",
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
