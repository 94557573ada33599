"""Deploy, monitor and expose a verified model securely (:class:`SecureEndpoint`)."""

from __future__ import annotations

from secure_sagemaker.endpoint._endpoint import (
    DataCapture,
    Exposure,
    Monitoring,
    SecureEndpoint,
)

__all__ = [
    "DataCapture",
    "Exposure",
    "Monitoring",
    "SecureEndpoint",
]
