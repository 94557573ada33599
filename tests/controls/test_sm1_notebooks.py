"""SM1xx examples: notebook instances, lifecycle configs, Studio.

One secure and one insecure request (or resource view) per rule, beside the rule's
ID range (``secure_sagemaker/controls/sm1_*.py``); each is judged here, and
tests/test_catalog.py checks every catalog rule has one."""

from __future__ import annotations

from typing import Any

import pytest

from tests._examples import ROLE, SG, TAGS, domain, drop, notebook, script
from tests.controls._check import check_example

EXAMPLES: dict[str, tuple[str, dict[str, Any] | None, dict[str, Any]]] = {
    "SM101": ("CreateNotebookInstance", notebook(), notebook(SubnetId="subnet-0fffffffffffffff0")),
    "SM102": ("CreateNotebookInstance", notebook(), drop(notebook(), "SecurityGroupIds")),
    "SM103": ("CreateNotebookInstance", notebook(), drop(notebook(), "DirectInternetAccess")),
    "SM104": ("UpdateNotebookInstance", {"NotebookInstanceName": "nb", "RootAccess": "Disabled"},
              {"NotebookInstanceName": "nb", "RootAccess": "Enabled"}),
    "SM105": ("CreateNotebookInstance", notebook(), notebook(KmsKeyId="alias/aws/sagemaker")),
    "SM106": ("CreateNotebookInstance", notebook(), notebook(
        InstanceMetadataServiceConfiguration={"MinimumInstanceMetadataServiceVersion": "1"})),
    "SM107": ("CreateNotebookInstance", notebook(), notebook(PlatformIdentifier="notebook-al2-v1")),
    "SM108": ("CreateNotebookInstance", notebook(), drop(notebook(), "DefaultCodeRepository")),
    "SM109": ("CreateNotebookInstanceLifecycleConfig", script("pip install -r requirements.txt\n"),
              script("export DB_PASSWORD=hunter2hunter2\n")),
    "SM110": ("CreateCodeRepository", {"CodeRepositoryName": "ml", "GitConfig": {
        "RepositoryUrl": "https://github.com/example/ml.git",
        "SecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:git-AbCdEf"}},
              {"CodeRepositoryName": "ml", "GitConfig": {
                  "RepositoryUrl": "https://ml-bot:ghp_0123456789abcdefghijklmnopqrstuvwxyzAB@github.com/example/ml.git"}}),
    "SM111": ("CreateDomain", domain(), domain(AppNetworkAccessType="PublicInternetOnly")),
    "SM112": ("CreateDomain", domain(), domain(SubnetIds=["subnet-0fffffffffffffff0"])),
    "SM113": ("CreateDomain", domain(), drop(domain(), "KmsKeyId")),
    "SM114": ("CreateDomain", domain(), domain(AuthMode="IAM")),
    "SM115": ("CreateUserProfile", {"DomainId": "d-1", "UserProfileName": "u", "UserSettings": {"SecurityGroups": [SG]}},
              {"DomainId": "d-1", "UserProfileName": "u", "UserSettings": {"SecurityGroups": ["sg-0fffffffffffffff0"]}}),
    "SM116": ("CreateDomain", domain(), domain(DefaultUserSettings={"SecurityGroups": [SG]})),
    "SM117": ("CreateImage", {"ImageName": "img", "RoleArn": ROLE, "Description": "d", "Tags": TAGS},
              {"ImageName": "img", "RoleArn": ROLE, "Description": "d"}),
    "SM118": ("CreateImage", {"ImageName": "img", "RoleArn": ROLE, "Description": "d", "Tags": TAGS},
              {"ImageName": "img", "RoleArn": ROLE, "Tags": TAGS}),
    "SM119": ("CreatePresignedNotebookInstanceUrl",
              {"NotebookInstanceName": "nb", "SessionExpirationDurationInSeconds": 1800},
              {"NotebookInstanceName": "nb"}),
}


@pytest.mark.parametrize("rule_id", sorted(EXAMPLES))
def test_secure_example_passes_and_insecure_example_fails(rule_id: str) -> None:
    check_example(rule_id, EXAMPLES[rule_id])
