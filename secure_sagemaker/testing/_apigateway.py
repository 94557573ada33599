"""Adaptation of the emulator (moto), never of the product: API Gateway's caller
credentials.

An AWS integration whose ``credentials`` is ``arn:aws:iam::*:user/*`` runs as the
caller's own IAM identity (AWS documents this value for IAM-authorized APIs).  moto
takes it for a role in another account and refuses it ("Cross-account pass role is
not allowed"), so while an :class:`~secure_sagemaker.testing.EmbeddedAWS` runs,
that one value is accepted and kept as sent.  Any other credentials ARN is judged by
moto as before.
"""

from __future__ import annotations

from typing import Any

from secure_sagemaker.testing._patch import PatchSet

CALLER_CREDENTIALS = "arn:aws:iam::*:user/*"


def _put_integration(self: Any, *args: Any, **kwargs: Any) -> Any:
    original = _PATCHES.original("put_integration")
    if kwargs.get("credentials") != CALLER_CREDENTIALS:
        return original(self, *args, **kwargs)
    integration = original(self, *args, **{**kwargs, "credentials": None})
    integration.credentials = CALLER_CREDENTIALS
    return integration


def _targets() -> dict[tuple[Any, str], Any]:
    from moto.apigateway.models import APIGatewayBackend

    return {(APIGatewayBackend, "put_integration"): _put_integration}


_PATCHES = PatchSet(_targets)
install = _PATCHES.install
uninstall = _PATCHES.uninstall
