"""Examples for sm4_key_guard: one secure and one insecure request per rule, then the
edges: which keys are the policy's, what allow-deletions lifts, who a grant or key
policy may name, and which keys every KMS field accepts (``_checks.customer_kms_key``)."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

import secure_sagemaker as ss
from tests._examples import ACCOUNT, KEY, POLICY, training
from tests._examples_account import key_policy
from tests.controls import _check
from tests.controls._check import check_example

KEY_ID = KEY.rsplit("/", 1)[1]
OTHER_KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/87654321-4321-4321-4321-210987654321"
FOREIGN = "444455556666"
ORG_ONLY = {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}
ROLE_IN = f"arn:aws:iam::{ACCOUNT}:role/ml-platform"
ROLE_OUT = f"arn:aws:iam::{FOREIGN}:role/partner"
TRUSTED = attrs.evolve(POLICY, trusted_accounts=[ACCOUNT])
RETIRED = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/0fedcba9-8765-4321-0fed-cba987654321"
# tests/_examples.POLICY allows no deletion: the deletion rules are judged with it plus
# a retired key that is still one of the policy's keys and named in allow-deletions
WITH_RETIRED = attrs.evolve(
    POLICY,
    allowed_kms_keys=[KEY, RETIRED],
    allow_deletions={RETIRED: "retired, ml-platform, 2027-01"},
)
POLICY_FOR = {"SM460": WITH_RETIRED, "SM465": WITH_RETIRED}

EXAMPLES: dict[str, tuple[str, dict[str, Any] | None, dict[str, Any]]] = {
    "SM460": (
        "ScheduleKeyDeletion",
        {"KeyId": RETIRED, "PendingWindowInDays": 30},
        {"KeyId": KEY, "PendingWindowInDays": 7},
    ),
    "SM461": ("DisableKey", None, {"KeyId": KEY}),
    "SM462": (
        "PutKeyPolicy",
        {"KeyId": KEY, "Policy": key_policy("*", ORG_ONLY)},
        {"KeyId": KEY, "Policy": key_policy("*")},
    ),
    "SM463": (
        "PutKeyPolicy",
        {"KeyId": KEY, "Policy": key_policy("*", ORG_ONLY)},
        {"KeyId": KEY, "Policy": key_policy("*", ORG_ONLY), "BypassPolicyLockoutSafetyCheck": True},
    ),
    "SM464": (
        "CreateGrant",
        {
            "KeyId": KEY,
            "GranteeServicePrincipal": "sagemaker.amazonaws.com",
            "RetiringServicePrincipal": "sagemaker.amazonaws.com",
            "Operations": ["Decrypt"],
        },
        {"KeyId": KEY, "GranteePrincipal": ROLE_OUT, "Operations": ["Decrypt"]},
    ),
    "SM465": ("DeleteImportedKeyMaterial", {"KeyId": RETIRED}, {"KeyId": KEY}),
    "SM466": (
        "UpdatePrimaryRegion",
        {"KeyId": KEY, "PrimaryRegion": "us-east-1"},
        {"KeyId": KEY, "PrimaryRegion": "eu-west-1"},
    ),
}


@pytest.mark.parametrize("rule_id", sorted(EXAMPLES))
def test_secure_example_passes_and_insecure_example_fails(
    rule_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_check, "POLICY", POLICY_FOR.get(rule_id, POLICY))
    check_example(rule_id, EXAMPLES[rule_id])


def _status(
    rule_id: str, operation: str, params: dict[str, Any], policy: ss.SecurityPolicy = POLICY
) -> str:
    """The rule's status on the request, or "-" when it does not apply."""
    found = [
        f for f in ss.evaluate(operation, params, policy, service="kms") if f.rule_id == rule_id
    ]
    return found[0].status if found else "-"


# ------------------------------------------------------------------ which keys are protected


@pytest.mark.parametrize(
    ("key_id", "expected"),
    [
        (KEY, "fail"),
        (KEY_ID, "fail"),
        ("alias/anything", "fail"),  # an alias may name the policy's key: fail closed
        (OTHER_KEY, "-"),
    ],
)
def test_only_the_policy_s_keys_are_guarded(key_id: str, expected: str) -> None:
    for rule_id, operation in (
        ("SM460", "ScheduleKeyDeletion"),
        ("SM461", "DisableKey"),
        ("SM465", "DeleteImportedKeyMaterial"),
    ):
        assert _status(rule_id, operation, {"KeyId": key_id}) == expected, rule_id


def test_allowed_kms_keys_are_the_policy_s_keys_too() -> None:
    policy = attrs.evolve(POLICY, allowed_kms_keys=[OTHER_KEY])
    assert _status("SM461", "DisableKey", {"KeyId": OTHER_KEY}, policy) == "fail"


def test_a_policy_without_keys_guards_none() -> None:
    assert _status("SM460", "ScheduleKeyDeletion", {"KeyId": KEY}, ss.SecurityPolicy()) == "-"


@pytest.mark.parametrize(
    ("entry", "request_key", "expected"),
    [
        (KEY, KEY, "pass"),
        (KEY, KEY_ID, "pass"),
        (KEY_ID, KEY, "pass"),
        (OTHER_KEY, KEY, "fail"),
        ("alias/ml", KEY, "fail"),  # an alias is never a definite match for a key ID
        ("alias/ml", "alias/ml", "pass"),
        ("alias/ML", "alias/ml", "fail"),
    ],
)
def test_allow_deletions_lifts_the_deletion_rules_for_the_named_key_only(
    entry: str, request_key: str, expected: str
) -> None:
    policy = attrs.evolve(
        POLICY,
        kms_key_id="alias/ml",
        volume_kms_key_id=KEY,
        allow_deletions={entry: "retired, ml-platform, 2027-01"},
    )
    assert _status("SM460", "ScheduleKeyDeletion", {"KeyId": request_key}, policy) == expected
    assert _status("SM465", "DeleteImportedKeyMaterial", {"KeyId": request_key}, policy) == expected
    assert _status("SM461", "DisableKey", {"KeyId": request_key}, policy) == "fail"


# ------------------------------------------------------------------ key policies and grants


@pytest.mark.parametrize(
    ("key_id", "principal", "policy", "expected"),
    [
        (KEY, {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, TRUSTED, "pass"),
        (KEY, {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, POLICY, "fail"),  # no trusted: closed
        (KEY, {"AWS": ROLE_OUT}, TRUSTED, "fail"),
        (KEY, {"Service": "logs.amazonaws.com"}, POLICY, "pass"),
        (OTHER_KEY, {"AWS": ROLE_OUT}, TRUSTED, "pass"),  # another team's key may be shared
        (OTHER_KEY, "*", TRUSTED, "fail"),  # but no key is made public
        (OTHER_KEY, {"AWS": "*"}, TRUSTED, "fail"),
    ],
)
def test_key_policies_are_read_by_the_principal_analyzer(
    key_id: str, principal: Any, policy: ss.SecurityPolicy, expected: str
) -> None:
    params = {"KeyId": key_id, "Policy": key_policy(principal)}
    assert _status("SM462", "PutKeyPolicy", params, policy) == expected
    replica = {"KeyId": key_id, "ReplicaRegion": "us-east-1", "Policy": key_policy(principal)}
    assert _status("SM462", "ReplicateKey", replica, policy) == expected


def test_an_unreadable_key_policy_fails_closed_and_a_replica_without_one_is_not_judged() -> None:
    assert _status("SM462", "PutKeyPolicy", {"KeyId": OTHER_KEY, "Policy": "{not json"}) == "fail"
    assert _status("SM462", "ReplicateKey", {"KeyId": KEY, "ReplicaRegion": "us-east-1"}) == "-"


def test_the_failure_names_where_and_never_the_principal() -> None:
    (found,) = [
        f
        for f in ss.evaluate(
            "PutKeyPolicy", {"KeyId": KEY, "Policy": key_policy({"AWS": ROLE_OUT})}, TRUSTED
        )
        if f.rule_id == "SM462"
    ]
    assert found.field == "Policy.Statement[0].Principal.AWS" and "cross-account" in found.message
    assert FOREIGN not in found.message and FOREIGN not in found.field


@pytest.mark.parametrize(
    ("grant", "policy", "expected"),
    [
        ({"GranteePrincipal": ROLE_IN, "RetiringPrincipal": ROLE_IN}, TRUSTED, "pass"),
        ({"GranteePrincipal": f"arn:aws:sts::{ACCOUNT}:assumed-role/r/s"}, TRUSTED, "pass"),
        ({"GranteePrincipal": ROLE_IN}, POLICY, "fail"),  # no trusted accounts: closed
        ({"GranteePrincipal": ROLE_OUT}, TRUSTED, "fail"),
        ({"GranteePrincipal": FOREIGN}, TRUSTED, "fail"),
        ({"GranteePrincipal": ROLE_IN, "RetiringPrincipal": ROLE_OUT}, TRUSTED, "fail"),
        ({"GranteePrincipal": "*"}, TRUSTED, "fail"),
        ({"GranteePrincipal": "AIDAEXAMPLEUNIQUEID"}, TRUSTED, "fail"),
        (
            {
                "GranteeServicePrincipal": "sagemaker.amazonaws.com",
                "RetiringPrincipal": ROLE_IN,
                "Constraints": {"SourceArn": f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:endpoint/e"},
            },
            TRUSTED,
            "pass",
        ),
        (
            {
                "GranteeServicePrincipal": "sagemaker.amazonaws.com",
                "RetiringPrincipal": ROLE_IN,
                "Constraints": {"SourceArn": f"arn:aws:sagemaker:us-east-1:{FOREIGN}:endpoint/e"},
            },
            TRUSTED,
            "fail",
        ),
        ({"GranteeServicePrincipal": "*.amazonaws.com"}, TRUSTED, "fail"),
    ],
)
def test_grants_name_trusted_accounts_or_services(
    grant: dict[str, Any], policy: ss.SecurityPolicy, expected: str
) -> None:
    params = {"KeyId": KEY, "Operations": ["Decrypt"], **grant}
    assert _status("SM464", "CreateGrant", params, policy) == expected
    assert _status("SM464", "CreateGrant", {**params, "KeyId": OTHER_KEY}, policy) == "-"


def test_the_lockout_check_and_regions_are_judged_on_the_policy_s_keys() -> None:
    bypass = {
        "KeyId": KEY,
        "Policy": key_policy("*", ORG_ONLY),
        "BypassPolicyLockoutSafetyCheck": False,
    }
    assert _status("SM463", "PutKeyPolicy", bypass) == "pass"
    assert (
        _status(
            "SM463",
            "ReplicateKey",
            {"KeyId": KEY, "ReplicaRegion": "us-east-1", "BypassPolicyLockoutSafetyCheck": True},
        )
        == "fail"
    )
    assert _status("SM466", "ReplicateKey", {"KeyId": KEY, "ReplicaRegion": "eu-west-1"}) == "fail"
    assert (
        _status("SM466", "ReplicateKey", {"KeyId": OTHER_KEY, "ReplicaRegion": "eu-west-1"}) == "-"
    )
    anywhere = attrs.evolve(POLICY, allowed_regions=[])
    assert (
        _status(
            "SM466", "UpdatePrimaryRegion", {"KeyId": KEY, "PrimaryRegion": "eu-west-1"}, anywhere
        )
        == "pass"
    )


# ------------------------------------------------------------------ only the organisation's keys


def _volume_key(key: Any, policy: ss.SecurityPolicy, region: str | None = "us-east-1") -> str:
    job = training()
    job["ResourceConfig"] = {**job["ResourceConfig"], "VolumeKmsKeyId": key}
    found = [
        f
        for f in ss.evaluate("CreateTrainingJob", job, policy, region=region)
        if f.field == "ResourceConfig.VolumeKmsKeyId"
    ]
    assert len(found) == 1, found
    return found[0].status


ALIAS_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/ml"
LISTED = attrs.evolve(POLICY, kms_key_id=None, allowed_kms_keys=[KEY, ALIAS_ARN])


@pytest.mark.parametrize(
    ("key", "region", "expected"),
    [
        (KEY, "us-east-1", "pass"),
        (ALIAS_ARN, "us-east-1", "pass"),
        (OTHER_KEY, "us-east-1", "fail"),
        ("alias/ml", "us-east-1", "pass"),  # the bare alias of a listed alias ARN
        ("alias/ml", "eu-west-1", "fail"),  # ... resolves in another region there
        ("alias/ml", None, "pass"),
        ("alias/ML", "us-east-1", "fail"),
        (KEY_ID, "us-east-1", "pass"),  # the bare ID of a listed key ARN
        ("alias/other", "us-east-1", "fail"),
        (f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/{KEY_ID}", "us-east-1", "fail"),  # exact ARNs
        ("alias/aws/sagemaker", "us-east-1", "fail"),
    ],
)
def test_allowed_kms_keys_is_the_only_list_when_set(
    key: str, region: str | None, expected: str
) -> None:
    assert _volume_key(key, LISTED, region) == expected


def test_the_policy_s_own_keys_are_accepted_with_an_allow_list() -> None:
    policy = attrs.evolve(POLICY, kms_key_id="alias/ml-own", allowed_kms_keys=[ALIAS_ARN])
    assert _volume_key("alias/ml-own", policy) == "pass"  # the guard fills it in
    assert _volume_key("alias/other", policy) == "fail"


@pytest.mark.parametrize(
    ("key", "trusted", "expected"),
    [
        (KEY, [ACCOUNT], "pass"),
        (f"arn:aws:kms:us-east-1:{FOREIGN}:key/{KEY_ID}", [ACCOUNT], "fail"),
        (f"arn:aws:kms:us-east-1:{FOREIGN}:alias/shared", [ACCOUNT], "fail"),
        (f"arn:aws:kms:us-east-1:{FOREIGN}:key/{KEY_ID}", [ACCOUNT, FOREIGN], "pass"),
        (f"arn:aws:kms:us-east-1:{FOREIGN}:key/{KEY_ID}", [], "pass"),  # no list: not judged
        (KEY_ID, [ACCOUNT], "pass"),  # a bare ID resolves in the caller's own account
        ("alias/ml", [ACCOUNT], "pass"),
        ("alias/aws/sagemaker", [ACCOUNT], "fail"),
    ],
)
def test_without_an_allow_list_keys_of_untrusted_accounts_are_refused(
    key: str, trusted: list[str], expected: str
) -> None:
    assert _volume_key(key, attrs.evolve(POLICY, trusted_accounts=trusted)) == expected


def test_kms_failures_never_quote_the_key() -> None:
    foreign = f"arn:aws:kms:us-east-1:{FOREIGN}:key/{KEY_ID}"
    for policy in (LISTED, attrs.evolve(POLICY, trusted_accounts=[ACCOUNT])):
        job = training()
        job["ResourceConfig"] = {**job["ResourceConfig"], "VolumeKmsKeyId": foreign}
        for f in ss.evaluate("CreateTrainingJob", job, policy, region="us-east-1"):
            assert FOREIGN not in f.message and KEY_ID not in f.message
