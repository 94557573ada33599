"""SM12x examples: Studio spaces, apps, Studio lifecycle configs and domain features.

One secure and one insecure request per rule, beside the rule's ID range
(``secure_sagemaker/controls/sm1_studio_spaces.py``)."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests._examples import SG, domain
from tests.controls._check import check_example

REPO = "https://github.com/example/ml.git"
TOKEN_REPO = "https://ml-bot:ghp_0123456789abcdefghijklmnopqrstuvwxyzAB@github.com/example/ml.git"


def space(**settings: Any) -> dict[str, Any]:
    return {"DomainId": "d-1", "SpaceName": "team", "SpaceSettings": {
        "AppType": "JupyterLab",
        "JupyterLabAppSettings": {"DefaultResourceSpec": {"InstanceType": "ml.t3.medium"},
                                  "CodeRepositories": [{"RepositoryUrl": REPO}]},
        **settings}}


def studio_script(text: str) -> dict[str, Any]:
    return {"StudioLifecycleConfigName": "setup", "StudioLifecycleConfigAppType": "JupyterLab",
            "StudioLifecycleConfigContent": base64.b64encode(text.encode()).decode()}


def app(instance_type: str) -> dict[str, Any]:
    return {"DomainId": "d-1", "SpaceName": "team", "AppType": "JupyterLab", "AppName": "default",
            "ResourceSpec": {"InstanceType": instance_type}}


EXAMPLES: dict[str, tuple[str, dict[str, Any] | None, dict[str, Any]]] = {
    "SM120": ("UpdateSpace", space(RemoteAccess="DISABLED"), space(RemoteAccess="ENABLED")),
    "SM121": ("CreateSpace", space(), space(JupyterLabAppSettings={
        "CodeRepositories": [{"RepositoryUrl": TOKEN_REPO}]})),
    "SM122": ("CreateDomain", domain(DomainSettings={"DockerSettings": {"EnableDockerAccess": "DISABLED"}}),
              domain(DomainSettings={"DockerSettings": {"EnableDockerAccess": "ENABLED"}})),
    "SM123": ("UpdateDomain", {"DomainId": "d-1", "DefaultSpaceSettings": {"SecurityGroups": [SG]}},
              {"DomainId": "d-1", "DefaultSpaceSettings": {"SecurityGroups": ["sg-0fffffffffffffff0"]}}),
    "SM124": ("CreateApp", app("ml.t3.medium"), app("ml.p4d.24xlarge")),
    "SM125": ("CreateStudioLifecycleConfig", studio_script("pip install -r requirements.txt\n"),
              studio_script("export DB_PASSWORD=hunter2hunter2\n")),
}


@pytest.mark.parametrize("rule_id", sorted(EXAMPLES))
def test_secure_example_passes_and_insecure_example_fails(rule_id: str) -> None:
    check_example(rule_id, EXAMPLES[rule_id])


def test_the_policy_can_allow_remote_and_docker_access() -> None:
    import attrs

    from secure_sagemaker import evaluate
    from tests._examples import POLICY

    policy = attrs.evolve(POLICY, allow_remote_access=True, allow_docker_access=True)
    for rule_id, (operation, _, insecure) in EXAMPLES.items():
        if rule_id in ("SM120", "SM122"):
            found = [f for f in evaluate(operation, insecure, policy) if f.rule_id == rule_id]
            assert found and not any(f.failed for f in found), found


def test_the_system_app_passes_the_instance_type_allow_list() -> None:
    from secure_sagemaker import evaluate
    from tests._examples import POLICY

    found = [f for f in evaluate("CreateApp", app("system"), POLICY) if f.rule_id == "SM124"]
    assert found and not any(f.failed for f in found), found
