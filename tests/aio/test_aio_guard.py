"""The guard and aiobotocore clients, against the embedded moto server over HTTPS.

aiobotocore builds its clients in ``AioClientCreator.create_client`` (a coroutine
that never calls botocore's ``ClientCreator.create_client``), and its event emitter
calls the guard's plain ``before-parameter-build`` handler and lets its exception
propagate.  Requests the emulator *received* are read from moto's recorder.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

aio_session = pytest.importorskip("aiobotocore.session")
aio_client = pytest.importorskip("aiobotocore.client")

import secure_sagemaker as ss  # noqa: E402
from secure_sagemaker import _aio  # noqa: E402
from tests._examples import POLICY, SG, SUBNET, training  # noqa: E402
from tests.aio.conftest import Received  # noqa: E402

pytestmark = pytest.mark.e2e

INSECURE = training(EnableNetworkIsolation=False)  # SM202: nothing can fill an explicit False


def secure_but_unfilled() -> dict[str, Any]:
    """A request the policy makes secure: no VpcConfig, no EnableNetworkIsolation."""
    return {k: v for k, v in training().items() if k not in ("VpcConfig", "EnableNetworkIsolation")}


async def create_training_job(params: dict[str, Any], *, protect: bool = False) -> Any:
    """``create_training_job`` on a new aiobotocore client (endpoint, credentials and
    CA bundle come from the environment the ``aws`` fixture set)."""
    session = aio_session.get_session()
    async with session.create_client("sagemaker", region_name="us-east-1") as sm:
        if protect:
            ss.protect(sm, POLICY)
        return await sm.create_training_job(**params)


def refused(params: dict[str, Any], **kw: Any) -> set[str]:
    with pytest.raises(ss.InsecureRequestError) as info:
        asyncio.run(create_training_job(params, **kw))
    assert info.value.operation == "CreateTrainingJob"
    return {f.rule_id for f in info.value.findings}


# --------------------------------------------------------------------------- install()


def test_install_guards_aio_clients_created_after_it(fresh: Received) -> None:
    ss.install(POLICY)
    assert "SM202" in refused(INSECURE)
    assert fresh.operations() == []  # refused before anything was sent


def test_install_fills_aio_requests_from_the_policy(fresh: Received) -> None:
    ss.install(POLICY)
    asyncio.run(create_training_job(secure_but_unfilled()))
    assert fresh.operations() == ["CreateTrainingJob"]
    sent = fresh.bodies("CreateTrainingJob")[0]
    assert sent["VpcConfig"] == {"Subnets": [SUBNET], "SecurityGroupIds": [SG]}
    assert sent["EnableNetworkIsolation"] is True


def test_install_guards_aio_clients_created_before_it(fresh: Received) -> None:
    async def early_client() -> None:
        session = aio_session.get_session()
        async with session.create_client("sagemaker", region_name="us-east-1") as sm:
            ss.install(POLICY)  # the client exists already: found by the scan
            with pytest.raises(ss.InsecureRequestError):
                await sm.create_training_job(**INSECURE)

    asyncio.run(early_client())
    assert fresh.operations() == []


def test_after_uninstall_aio_requests_are_sent_unjudged(fresh: Received) -> None:
    """The control: the emulator accepts the insecure request when nothing guards."""
    ss.install(POLICY)
    ss.uninstall()
    asyncio.run(create_training_job(INSECURE))
    assert fresh.operations() == ["CreateTrainingJob"]


# --------------------------------------------------------------------------- protect()


def test_protect_guards_one_aio_client(fresh: Received) -> None:
    """A sync handler on an aiobotocore client: called, and its exception propagates."""
    assert "SM202" in refused(INSECURE, protect=True)
    assert fresh.operations() == []


# --------------------------------------------------------------------------- _aio.patch


def make_clients(n: int) -> list[Any]:
    async def make() -> list[Any]:
        session = aio_session.get_session()
        out = []
        for service in ("sagemaker", "s3")[:n]:
            async with session.create_client(service, region_name="us-east-1") as client:
                out.append(client)
        return out

    return asyncio.run(make())


def test_patch_hands_every_new_client_to_on_client(fresh: Received) -> None:
    creator = aio_client.AioClientCreator
    before = creator.__dict__["create_client"]
    seen: list[Any] = []
    unpatch = _aio.patch(seen.append)
    try:
        clients = make_clients(2)
        assert [id(c) for c in seen] == [id(c) for c in clients]
        assert all(isinstance(c, aio_client.AioBaseClient) for c in seen)
    finally:
        unpatch()
    assert creator.__dict__["create_client"] is before
    make_clients(1)
    assert len(seen) == 2  # no longer called
    unpatch()  # idempotent
    assert creator.__dict__["create_client"] is before


def test_unpatch_under_a_later_wrapper_only_deactivates(fresh: Received) -> None:
    creator = aio_client.AioClientCreator
    before = creator.__dict__["create_client"]
    first: list[Any] = []
    second: list[Any] = []
    unpatch_first = _aio.patch(first.append)
    unpatch_second = _aio.patch(second.append)
    try:
        unpatch_first()  # the second wrapper stays in place, and keeps working
        make_clients(1)
        assert (len(first), len(second)) == (0, 1)
    finally:
        unpatch_second()
    assert creator.__dict__["create_client"] is not before  # the first, inert wrapper
    make_clients(1)
    assert (len(first), len(second)) == (0, 1)
    creator.create_client = before


def test_an_exception_in_on_client_reaches_the_caller(fresh: Received) -> None:
    def refuse(client: Any) -> None:
        raise RuntimeError("on_client failed")

    unpatch: Callable[[], None] = _aio.patch(refuse)
    try:
        with pytest.raises(RuntimeError, match="on_client failed"):
            make_clients(1)
    finally:
        unpatch()


# --------------------------------------------------------------------------- fetched


def test_aio_create_endpoint_judges_the_config_it_points_at(fresh: Received) -> None:
    """The guard describes the endpoint config with the aio client's credentials (a
    synchronous sibling client) and judges it: a config made outside the guard without
    a customer key is refused, a secure one is sent."""
    from tests._examples import endpoint_config, model

    async def scenario() -> set[str]:
        session = aio_session.get_session()
        async with session.create_client("sagemaker", region_name="us-east-1") as sm:
            await sm.create_model(**model())
            insecure = endpoint_config(EndpointConfigName="made-outside")
            del insecure["KmsKeyId"]
            await sm.create_endpoint_config(**insecure)  # before install(): not judged
            ss.install(POLICY)
            with pytest.raises(ss.InsecureRequestError) as info:
                await sm.create_endpoint(EndpointName="ep", EndpointConfigName="made-outside",
                                         Tags=[{"Key": "owner", "Value": "ml-team"}])
            await sm.create_endpoint_config(**endpoint_config(EndpointConfigName="secure"))
            await sm.create_endpoint(EndpointName="ep", EndpointConfigName="secure",
                                     Tags=[{"Key": "owner", "Value": "ml-team"}])
            return {f.rule_id for f in info.value.findings}

    assert "SM310" in asyncio.run(scenario())
    assert fresh.operations().count("CreateEndpoint") == 1  # only the secure one


def test_aio_pipeline_definition_in_s3_is_fetched_judged_and_pinned(fresh: Received) -> None:
    """A ``PipelineDefinitionS3Location`` given to an aio client is fetched with its
    credentials (a synchronous sibling client), judged, and pinned to its version."""
    import boto3

    from tests._examples import pipeline

    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="defs")
    s3.put_bucket_versioning(Bucket="defs", VersioningConfiguration={"Status": "Enabled"})
    from tests._examples import training

    secure = pipeline(training())  # stored in S3: judged as written, nothing filled
    s3.put_object(Bucket="defs", Key="p.json", Body=secure["PipelineDefinition"].encode())
    insecure = pipeline(INSECURE)
    s3.put_object(Bucket="defs", Key="bad.json", Body=insecure["PipelineDefinition"].encode())
    location = {k: v for k, v in secure.items() if k != "PipelineDefinition"}
    fresh.clear()  # the recorder reads JSON bodies; the S3 set-up sent XML

    async def scenario() -> set[str]:
        session = aio_session.get_session()
        async with session.create_client("sagemaker", region_name="us-east-1") as sm:
            ss.install(POLICY)
            with pytest.raises(ss.InsecureRequestError) as info:
                await sm.create_pipeline(**location, PipelineDefinitionS3Location={
                    "Bucket": "defs", "ObjectKey": "bad.json"})
            await sm.create_pipeline(**location, PipelineDefinitionS3Location={
                "Bucket": "defs", "ObjectKey": "p.json"})
            return {f.rule_id for f in info.value.findings}

    assert "SM202" in asyncio.run(scenario())
    (sent,) = fresh.bodies("CreatePipeline")
    assert sent["PipelineDefinitionS3Location"]["VersionId"]  # pinned to what was judged
