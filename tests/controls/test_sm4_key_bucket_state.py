"""Examples for the newer rules of sm4_key_bucket_state (SM436; SM430-SM435 have theirs
in test_sm4_storage.py): one secure and one insecure ``@KmsKey`` view, then the edges
of SM432/SM436 - trusted accounts, and which keys are the policy's."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

import secure_sagemaker as ss
from tests._examples import ACCOUNT, POLICY
from tests._examples_account import key_policy, kms_key
from tests.controls._check import check_example

FOREIGN = "444455556666"
ORG_ONLY = {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}
TRUSTED = attrs.evolve(POLICY, trusted_accounts=[ACCOUNT])

EXAMPLES: dict[str, tuple[str, dict[str, Any] | None, dict[str, Any]]] = {
    "SM436": (
        "@KmsKey",
        kms_key(Policy=key_policy("*", ORG_ONLY)),
        kms_key(Policy=key_policy({"AWS": f"arn:aws:iam::{FOREIGN}:root"})),
    ),
}


@pytest.mark.parametrize("rule_id", sorted(EXAMPLES))
def test_secure_example_passes_and_insecure_example_fails(rule_id: str) -> None:
    check_example(rule_id, EXAMPLES[rule_id])


def _status(
    rule_id: str, operation: str, params: dict[str, Any], policy: ss.SecurityPolicy = POLICY
) -> str:
    found = [f for f in ss.evaluate(operation, params, policy) if f.rule_id == rule_id]
    assert len(found) <= 1
    return found[0].status if found else "-"


# --------------------------------------------------------------------------- keys

FOREIGN_KEY = key_policy({"AWS": f"arn:aws:iam::{FOREIGN}:root"})
OWN_KEY = key_policy({"AWS": f"arn:aws:iam::{ACCOUNT}:root"})


@pytest.mark.parametrize(
    ("document", "policy", "sm432", "sm436"),
    [
        (key_policy("*"), TRUSTED, "fail", "fail"),
        (
            key_policy({"AWS": "*"}, {"Bool": {"aws:SecureTransport": "true"}}),
            TRUSTED,
            "fail",
            "fail",
        ),
        (FOREIGN_KEY, TRUSTED, "pass", "fail"),
        (OWN_KEY, TRUSTED, "pass", "pass"),
        (OWN_KEY, POLICY, "pass", "fail"),  # no trusted accounts: every account is foreign
        (key_policy({"Service": "logs.amazonaws.com"}), POLICY, "pass", "pass"),
        ("{not json", TRUSTED, "fail", "fail"),
    ],
)
def test_key_policies_public_everywhere_foreign_on_the_policys_keys(
    document: str, policy: ss.SecurityPolicy, sm432: str, sm436: str
) -> None:
    key = kms_key(Policy=document)
    assert (_status("SM432", "@KmsKey", key, policy), _status("SM436", "@KmsKey", key, policy)) == (
        sm432,
        sm436,
    )


@pytest.mark.parametrize(
    ("policy_key", "aliases", "expected"),
    [
        ("87654321-4321-4321-4321-210987654321", None, "-"),  # another key ID: not the policy's
        ("alias/ml", ["alias/ml"], "fail"),  # the key carries the policy's alias
        ("alias/ml", ["alias/other"], "-"),
        ("alias/ml", None, "fail"),  # aliases unknown: it may be the policy's key
    ],
)
def test_which_keys_are_the_policys(
    policy_key: str, aliases: list[str] | None, expected: str
) -> None:
    policy = attrs.evolve(TRUSTED, kms_key_id=policy_key)
    key = kms_key(Policy=FOREIGN_KEY, **({"Aliases": aliases} if aliases is not None else {}))
    assert _status("SM436", "@KmsKey", key, policy) == expected
    assert _status("SM432", "@KmsKey", key, policy) == "pass"  # foreign, not public
