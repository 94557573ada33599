"""SM37x - what an endpoint is created with or switched to: the endpoint config it
will serve from is judged at that moment, not only when the config was created (it
may have been created outside the guard, by the console, the CLI or Terraform).

The guard fetches the config (:mod:`secure_sagemaker._guard_fetch`) into the judged
copy of the request under ``@EndpointConfig``; :data:`RELATED` tells the catalog to
judge it as the CreateEndpointConfig request it was created with.
"""

from __future__ import annotations

from collections.abc import Mapping

from secure_sagemaker.controls._related import described, related
from secure_sagemaker.rules import Related, Rule, Severity

ENDPOINT_OPS = ("CreateEndpoint", "UpdateEndpoint")
ENDPOINT_CONFIG_KEY = "@EndpointConfig"
"""Where the guard puts the endpoint config in the judged copy of the request."""

RELATED: Mapping[str, Related] = {
    op: related(ENDPOINT_CONFIG_KEY, "CreateEndpointConfig", "(endpoint config)")
    for op in ENDPOINT_OPS
}
"""CreateEndpoint/UpdateEndpoint -> their endpoint config, judged with them."""


RULES: tuple[Rule, ...] = (
    Rule(
        id="SM370",
        name="endpoint-config-judged-at-use",
        severity=Severity.HIGH,
        title="An endpoint's config is judged when the endpoint is created or switched to it",
        fields={op: ("EndpointConfigName",) for op in ENDPOINT_OPS},
        check=described(
            ENDPOINT_CONFIG_KEY,
            "names an endpoint config that could not be described, so the config the "
            "endpoint would serve from cannot be judged",
        ),
        rationale="An endpoint serves whatever its endpoint config says: a config made "
        "outside the guard (console, CLI, Terraform) without isolation, keys or data "
        "capture becomes live the moment CreateEndpoint or UpdateEndpoint points at it. "
        "The guard describes the config with the caller's credentials and judges it with "
        "every CreateEndpointConfig rule; one it cannot describe is refused.",
        remediation="Name an endpoint config the caller may describe "
        "(sagemaker:DescribeEndpointConfig) and that passes the CreateEndpointConfig "
        "rules; recreate an insecure one through the guard or SecureEndpoint.",
        references=("Seed:3", "Seed:5"),
    ),
)
