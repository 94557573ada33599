"""Every error class: a SecureSageMakerError and its builtin, picklable with its
message and attributes."""

from __future__ import annotations

import pickle

import pytest

from secure_sagemaker import exceptions
from secure_sagemaker.exceptions import (
    InsecureRequestError,
    IntegrityError,
    PolicyError,
    ResourceFailedError,
    RollbackError,
    SecureSageMakerError,
)
from secure_sagemaker.rules import Finding, Severity

_FINDING = Finding(
    rule_id="SM201",
    severity=Severity.HIGH,
    status="fail",
    field="VpcConfig",
    message="the job runs outside a VPC",
    remediation="pass subnets",
)

# the classes whose __init__ is not (message,), with example arguments
_SPECIAL: dict[type[Exception], tuple[tuple[object, ...], dict[str, object]]] = {
    PolicyError: (("must be a list",), {"source": "policy.toml", "key": "subnets"}),
    InsecureRequestError: (("CreateTrainingJob", [_FINDING]), {}),
    IntegrityError: (("the content changed",), {"ref": ("bucket", "key", "v1")}),
    ResourceFailedError: (("training job j", "Failed", "out of memory"), {}),
    RollbackError: (("deploy failed", ["model m", "endpoint e"]), {}),
}

_BUILTINS = (ValueError, TypeError, RuntimeError, LookupError, TimeoutError)


def _make(cls: type[Exception]) -> Exception:
    args, kwargs = _SPECIAL.get(cls, (("something is wrong",), {}))
    return cls(*args, **kwargs)


def _round_trip(err: Exception) -> Exception:
    loaded: Exception = pickle.loads(pickle.dumps(err))  # noqa: S301 - our own bytes
    return loaded


@pytest.mark.parametrize("name", exceptions.__all__)
def test_every_error_pickles_with_its_message_and_attributes(name: str) -> None:
    cls = getattr(exceptions, name)
    err = _make(cls)
    back = _round_trip(err)
    assert type(back) is cls
    assert str(back) == str(err)
    assert back.args == err.args
    assert vars(back) == vars(err)
    assert isinstance(back, SecureSageMakerError)
    if cls is not SecureSageMakerError:
        assert isinstance(back, _BUILTINS), f"{name} subclasses no builtin"


def test_attributes_survive_the_round_trip() -> None:
    policy = _round_trip(_make(PolicyError))
    assert isinstance(policy, PolicyError)
    assert (policy.source, policy.key) == ("policy.toml", "subnets")
    assert str(policy) == "policy.toml: subnets: must be a list"
    integrity = _round_trip(_make(IntegrityError))
    assert isinstance(integrity, IntegrityError)
    assert integrity.ref == ("bucket", "key", "v1")
    rollback = _round_trip(_make(RollbackError))
    assert isinstance(rollback, RollbackError)
    assert rollback.leftovers == ("model m", "endpoint e")
    refused = _round_trip(_make(InsecureRequestError))
    assert isinstance(refused, InsecureRequestError)
    assert (refused.operation, refused.findings) == ("CreateTrainingJob", (_FINDING,))


def test_the_new_errors_are_caught_as_their_builtin() -> None:
    with pytest.raises(ValueError):
        raise exceptions.InvalidArgumentError("bad")
    with pytest.raises(ValueError):
        raise exceptions.InvalidS3UriError("bad")
    with pytest.raises(ValueError):
        raise exceptions.ManifestFormatError("bad")
    with pytest.raises(TypeError):
        raise exceptions.ArgumentTypeError("bad")
    with pytest.raises(RuntimeError):
        raise exceptions.ResourceNotReadyError("bad")
