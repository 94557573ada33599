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
    SecretNotFoundError,
    SecureSageMakerError,
)
from secure_sagemaker.guard import install, protect, secure_session, uninstall
from secure_sagemaker.policy import SecurityPolicy
from secure_sagemaker.rules import Finding, Rule, Severity, evaluate, secure_request

__version__ = "0.1.0"

__all__ = [
    "Finding",
    "InsecureRequestError",
    "IntegrityError",
    "NetworkConfigurationError",
    "PolicyError",
    "RollbackError",
    "Rule",
    "SecretNotFoundError",
    "SecureSageMakerError",
    "SecurityPolicy",
    "Severity",
    "__version__",
    "evaluate",
    "install",
    "protect",
    "secure_request",
    "secure_session",
    "uninstall",
]
