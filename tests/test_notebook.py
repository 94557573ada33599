"""SecureNotebook end to end against the emulator: the request's security fields, the
network checks before anything is created, and rollback at every step."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import botocore.exceptions
import pytest
from botocore.stub import Stubber

import secure_sagemaker as ss
from secure_sagemaker._aws.wait import ResourceFailedError, Waiting, failure_reason
from secure_sagemaker.notebook import SecureNotebook, normalize_tags
from secure_sagemaker.testing import EmbeddedAWS, capture_requests
from tests._examples import KEY, ROLE
from tests._examples_vpc import Network, build_network

FAST = Waiting(delay=0.01, max_attempts=5)
REPO = "https://github.com/example/ml.git"
TOKEN = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"


@pytest.fixture
def session(fresh_aws: EmbeddedAWS) -> Any:
    return fresh_aws.session()


@pytest.fixture
def net(session: Any) -> Network:
    return build_network(session)


def policy_for(net: Network, **kw: Any) -> ss.SecurityPolicy:
    return ss.SecurityPolicy(
        subnets=[net.subnet], security_group_ids=[net.security_group], kms_key_id=KEY, **kw
    )


def notebook(session: Any, net: Network, **kw: Any) -> SecureNotebook:
    kw.setdefault("policy", policy_for(net))
    return SecureNotebook("research", "ml.t3.medium", ROLE, session=session, waiting=FAST, **kw)


def left_behind(session: Any, name: str = "research") -> list[str]:
    sm = session.client("sagemaker")
    out = [n["NotebookInstanceName"] for n in sm.list_notebook_instances()["NotebookInstances"]]
    try:
        sm.describe_notebook_instance_lifecycle_config(
            NotebookInstanceLifecycleConfigName=f"{name}-lcc"
        )
        out.append(f"{name}-lcc")
    except botocore.exceptions.ClientError:
        pass
    return out


def fail_on(session: Any, operation: str) -> None:
    """Make the service answer ``operation`` with an error (as AWS would on a limit)."""

    def boom(**kwargs: Any) -> None:
        raise botocore.exceptions.ClientError(
            {"Error": {"Code": "ResourceLimitExceeded", "Message": "injected"}}, operation
        )

    session.events.register(f"before-send.sagemaker.{operation}", boom)


def report_failed_once(session: Any, reason: str) -> None:
    """The first DescribeNotebookInstance reports Failed with ``reason``."""
    seen: list[int] = []

    def edit(parsed: dict[str, Any], **kwargs: Any) -> None:
        if not seen:
            seen.append(1)
            parsed["NotebookInstanceStatus"] = "Failed"
            parsed["FailureReason"] = reason

    session.events.register("after-call.sagemaker.DescribeNotebookInstance", edit)


# --------------------------------------------------------------------------- construction


def test_insecure_policy_is_refused_at_construction_without_any_request(
    session: Any, fresh_aws: EmbeddedAWS
) -> None:
    with capture_requests(session) as seen, pytest.raises(ss.InsecureRequestError) as info:
        SecureNotebook("nb", "ml.t3.medium", ROLE, policy=ss.SecurityPolicy(), session=session)
    assert {"SM101", "SM102", "SM105"} <= {f.rule_id for f in info.value.findings}
    assert seen.sent == 0


def test_credentials_in_repository_url_or_lifecycle_script_are_refused(
    session: Any, net: Network
) -> None:
    with pytest.raises(ss.InsecureRequestError) as info:
        notebook(session, net, code_repository=f"https://user:{TOKEN}@github.com/acme/ml.git")
    assert [f.rule_id for f in info.value.findings] == ["SM110"]
    assert TOKEN not in str(info.value)
    with pytest.raises(ss.InsecureRequestError) as refused:
        notebook(session, net, lifecycle_config={"on_start": f"export GITHUB_TOKEN={TOKEN}\n"})
    assert [f.rule_id for f in refused.value.findings] == ["SM109"]
    assert TOKEN not in str(refused.value)
    with pytest.raises(ValueError, match="on_create and on_start"):
        notebook(session, net, lifecycle_config={"on_boot": "echo"})


def test_waived_rule_is_sent_as_is(session: Any, net: Network) -> None:
    policy = policy_for(net, waivers={"SM108": "scratch notebook, ml-team, 2026-12"})
    nb = notebook(session, net, policy=policy)
    assert "DefaultCodeRepository" not in nb.request


# --------------------------------------------------------------------------- end to end


@pytest.mark.e2e
def test_create_use_delete_with_every_security_field_in_the_request(
    session: Any, net: Network
) -> None:
    with capture_requests(session) as seen:
        nb = notebook(
            session,
            net,
            code_repository=REPO,
            lifecycle_config={"on_start": "pip install -r requirements.txt\n"},
            tags={"owner": "ml-team"},
            volume_size_gb=20,
        )
        arn = nb.create()
        assert nb.status == "InService"
        nb.stop()
        assert nb.status == "Stopped"
        nb.start()
        assert nb.describe()["NotebookInstanceStatus"] == "InService"
        nb.delete()
    assert arn.endswith(":notebook-instance/research")
    (sent,) = seen.params("CreateNotebookInstance")
    assert sent["SubnetId"] == net.subnet
    assert sent["SecurityGroupIds"] == [net.security_group]
    assert sent["DirectInternetAccess"] == "Disabled"
    assert sent["RootAccess"] == "Disabled"
    assert sent["KmsKeyId"] == KEY
    assert sent["InstanceMetadataServiceConfiguration"] == {
        "MinimumInstanceMetadataServiceVersion": "2"
    }
    assert sent["PlatformIdentifier"] == "notebook-al2023-v1"
    assert sent["DefaultCodeRepository"] == REPO
    assert sent["LifecycleConfigName"] == "research-lcc"
    assert sent["VolumeSizeInGB"] == 20
    assert sent["Tags"] == [{"Key": "owner", "Value": "ml-team"}]
    (lcc,) = seen.params("CreateNotebookInstanceLifecycleConfig")
    assert base64.b64decode(lcc["OnStart"][0]["Content"]).startswith(b"pip install")
    assert "OnCreate" not in lcc
    # the network was checked before the first SageMaker call
    first_sagemaker = next(i for i, op in enumerate(seen.operations) if op.startswith("Create"))
    assert "DescribeVpcEndpoints" in seen.operations[:first_sagemaker]
    assert left_behind(session) == []


@pytest.mark.e2e
def test_public_network_is_refused_before_anything_is_created(session: Any) -> None:
    net = build_network(session, internet_route=True, endpoints=("s3",))
    with capture_requests(session) as seen:
        nb = notebook(session, net)
        with pytest.raises(ss.NetworkConfigurationError) as info:
            nb.create()
    text = str(info.value)
    assert "SM702" in text and "sagemaker.api" in text and net.subnet not in text
    assert net.subnet in {f.resource for f in info.value.findings}
    assert not [op for op in seen.operations if op.startswith("Create")]
    assert left_behind(session) == []


ROLLBACK: list[tuple[str, Callable[[Any], None], type[Exception]]] = [
    (
        "lifecycle-config",
        lambda s: fail_on(s, "CreateNotebookInstanceLifecycleConfig"),
        botocore.exceptions.ClientError,
    ),
    ("notebook", lambda s: fail_on(s, "CreateNotebookInstance"), botocore.exceptions.ClientError),
    ("wait", lambda s: report_failed_once(s, "no free IP address in subnet"), ResourceFailedError),
]


@pytest.mark.e2e
@pytest.mark.parametrize(("step", "inject", "error"), ROLLBACK, ids=[r[0] for r in ROLLBACK])
def test_rollback_leaves_nothing_when_a_step_fails(
    session: Any, net: Network, step: str, inject: Callable[[Any], None], error: type[Exception]
) -> None:
    inject(session)
    nb = notebook(session, net, lifecycle_config={"on_create": "echo hello\n"})
    with pytest.raises(error) as info:
        nb.create()
    if step == "wait":
        assert "no free IP address in subnet" in str(info.value)
        assert info.value.status == "Failed"  # type: ignore[attr-defined]
    assert left_behind(session) == []


@pytest.mark.e2e
def test_rollback_failure_names_the_leftover(session: Any, net: Network) -> None:
    report_failed_once(session, "capacity")
    fail_on(session, "DeleteNotebookInstanceLifecycleConfig")
    nb = notebook(session, net, lifecycle_config={"on_create": "echo hello\n"})
    with pytest.raises(ss.RollbackError) as info:
        nb.create()
    assert info.value.leftovers == ("lifecycle config research-lcc",)
    assert isinstance(info.value.__cause__, ResourceFailedError)
    assert left_behind(session) == ["research-lcc"]


@pytest.mark.e2e
def test_delete_of_a_missing_notebook_is_a_no_op(session: Any, net: Network) -> None:
    notebook(session, net).delete()
    assert left_behind(session) == []


@pytest.mark.e2e
def test_create_without_waiting_returns_at_once(session: Any, net: Network) -> None:
    nb = notebook(session, net)
    with capture_requests(nb.client) as seen:
        nb.create(wait=False)
    assert seen.operations == ["CreateNotebookInstance"]
    nb.delete()
    assert left_behind(session) == []


# --------------------------------------------------------------------------- presigned URL
# moto lacks CreatePresignedNotebookInstanceUrl: stub exactly that operation.


def test_presigned_url_asks_for_the_shortest_session_by_default(session: Any, net: Network) -> None:
    nb = notebook(session, net)
    url = "https://research.notebook.us-east-1.sagemaker.aws?authToken=x"
    with Stubber(nb.client) as stub:
        stub.add_response(
            "create_presigned_notebook_instance_url",
            {"AuthorizedUrl": url},
            {"NotebookInstanceName": "research", "SessionExpirationDurationInSeconds": 1800},
        )
        assert nb.presigned_url() == url
        stub.assert_no_pending_responses()
    with pytest.raises(ss.InsecureRequestError, match="SM119"):  # refused before sending
        nb.presigned_url(expires_in=7200)
    for bad in (60, 43201):
        with pytest.raises(ValueError, match="1800 to 43200"):
            nb.presigned_url(expires_in=bad)


# --------------------------------------------------------------------------- small parts


def test_failure_reasons_holding_credentials_are_withheld() -> None:
    assert failure_reason({"FailureReason": "ClientError: disk full"}) == "ClientError: disk full"
    hidden = failure_reason({"FailureReason": f"cannot clone with {TOKEN}"})
    assert TOKEN not in hidden and "withheld" in hidden
    assert len(failure_reason({"FailureReason": "x" * 5000})) < 1000
    assert failure_reason({}) == ""


def test_tags_and_repr() -> None:
    assert normalize_tags([{"Key": "a", "Value": "b"}]) == [{"Key": "a", "Value": "b"}]
    assert normalize_tags(None) == []
    nb = SecureNotebook.__new__(SecureNotebook)
    nb.name = "x"
    assert repr(nb) == "SecureNotebook(name='x')"
