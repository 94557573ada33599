"""Test support: an embedded AWS emulator over HTTPS, and request capture.

Never imported by the runtime; needs the ``demo`` or ``dev`` extra (moto, cryptography)."""

from __future__ import annotations

from secure_sagemaker.testing._server import (
    Capture,
    EmbeddedAWS,
    capture_requests,
    environment,
)

__all__ = [
    "Capture",
    "EmbeddedAWS",
    "capture_requests",
    "environment",
]
