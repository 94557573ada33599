"""``secure-sagemaker demo``: the whole secure workflow on an embedded AWS emulator.

Needs the ``demo`` extra (moto, cryptography); never imported by the runtime.
The helpers the notebooks reuse (a private network, the labelled monitoring
stubs, the API Gateway role) are exported here too.
"""

from __future__ import annotations

from secure_sagemaker.demo._infra import (
    apigateway_role,
    provision_network,
    stub_monitoring_schedules,
)
from secure_sagemaker.demo._run import main, run

__all__ = ["apigateway_role", "main", "provision_network", "run", "stub_monitoring_schedules"]
