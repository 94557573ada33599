"""secure-sagemaker: Amazon SageMaker, secure by default.

One rule catalog judges every SageMaker request before it is sent (the guard),
backs the secure wrappers, audits existing accounts and exports IAM guardrails.
"""

from __future__ import annotations

from secure_sagemaker.exceptions import (
    InsecureRequestError,
    IntegrityError,
    NetworkConfigurationError,
    PolicyError,
    RollbackError,
    SecretFormatError,
    SecretNotFoundError,
    SecureSageMakerError,
)
from secure_sagemaker.guard import install, protect, secure_session, uninstall
from secure_sagemaker.policy import SecurityPolicy
from secure_sagemaker.rules import Finding, Rule, Severity, evaluate, secure_request
from secure_sagemaker.secrets import (
    SecretClient,
    SecretMapping,
    SecretRef,
    SecretValue,
    resolve_environment,
)

__version__ = "0.1.0"

__all__ = [
    "Finding",
    "InsecureRequestError",
    "IntegrityError",
    "NetworkConfigurationError",
    "PolicyError",
    "RollbackError",
    "Rule",
    "SecretClient",
    "SecretFormatError",
    "SecretMapping",
    "SecretNotFoundError",
    "SecretRef",
    "SecretValue",
    "SecureSageMakerError",
    "SecurityPolicy",
    "Severity",
    "__version__",
    "evaluate",
    "install",
    "protect",
    "resolve_environment",
    "secure_request",
    "secure_session",
    "uninstall",
]
