"""SageMaker Runtime: unknown operations are logged (SM001), refused only with
``block_at = "low"``.

Invoking an endpoint uses a deployed model; the endpoint's configuration (judged by the
SM3xx rules when it was created) is unchanged.
"""

from __future__ import annotations

from secure_sagemaker._operations import ServiceOperations, names

_INVOKE = names("""
    InvokeEndpoint InvokeEndpointAsync InvokeEndpointWithResponseStream
""")

SERVICE = ServiceOperations(
    service="sagemaker-runtime",
    stance="log",
    allowed={
        **dict.fromkeys(_INVOKE, "invokes a deployed model; changes no configuration"),
    },
)
