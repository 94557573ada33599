"""Test helpers: an embedded AWS emulator over HTTPS, and request capture.

Imported only on demand (``import secure_sagemaker`` does not import moto):

>>> from secure_sagemaker.testing import EmbeddedAWS, capture_requests
>>> with EmbeddedAWS() as aws:                                  # doctest: +SKIP
...     s3 = aws.session().client("s3")
...     with capture_requests(s3) as seen:
...         s3.list_buckets()
...     assert seen.sent == 1

:class:`EmbeddedAWS` runs moto's server application on ``127.0.0.1`` (a free
port) behind TLS with a self-signed certificate made at start, so encryption in
transit is real even in tests and demos.  While it runs, moto evaluates the
bucket-policy condition keys our policies use (see
:mod:`secure_sagemaker.testing._s3policy`), keeps a model's
``EnableNetworkIsolation`` and a notebook's IMDS and platform settings, emulates
the few SageMaker actions the documented workflows use and moto lacks
(UpdateEndpoint, presigned notebook URLs, a training job's model artifact; see
:mod:`secure_sagemaker.testing._sagemaker`; monitoring schedules,
:mod:`secure_sagemaker.testing._monitoring`) and accepts API Gateway's
caller-credentials integration (:mod:`secure_sagemaker.testing._apigateway`); these
are adaptations of the emulator, never of the product code path.
"""

from __future__ import annotations

import copy
import datetime
import ipaddress
import os
import shutil
import ssl
import tempfile
import threading
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

import attrs

from secure_sagemaker._aws.loader import share_models
from secure_sagemaker.exceptions import ArgumentTypeError, ResourceNotReadyError
from secure_sagemaker.testing import _apigateway, _monitoring, _s3policy, _sagemaker

__all__ = ["Capture", "EmbeddedAWS", "capture_requests", "environment"]

FAKE_ACCESS_KEY = "AKIAEMBEDDEDTESTING0"
FAKE_SECRET_KEY = "embedded-aws-fake-secret-key"  # noqa: S105 - a fake, for the emulator


def _make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost, valid for one day."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(ski, critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


@contextmanager
def environment(values: dict[str, str], *, clear: Iterable[str] = ()) -> Iterator[None]:
    """Set ``values`` (and unset the names in ``clear``) in ``os.environ`` for the
    block, then restore what was there.

    >>> with EmbeddedAWS() as aws, environment(aws.env(), clear=["AWS_PROFILE"]):  # doctest: +SKIP
    ...     boto3.client("s3").list_buckets()
    """
    saved = {k: os.environ.get(k) for k in (*values, *clear)}
    for name in clear:
        os.environ.pop(name, None)
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class EmbeddedAWS:
    """moto in server mode on ``127.0.0.1``, over HTTPS by default.

    Use as a context manager or call :meth:`start` / :meth:`stop` (``stop`` is
    idempotent and also runs when ``start`` fails midway).  Attributes:
    ``endpoint_url``, ``ca_bundle`` (the certificate's path; ``None`` with
    ``tls=False``) and ``region``.  Raises ``ResourceNotReadyError`` (a
    ``RuntimeError``) when used before start.

    >>> with EmbeddedAWS() as aws:                              # doctest: +SKIP
    ...     aws.session().client("s3").create_bucket(Bucket="b")
    """

    def __init__(self, region: str = "us-east-1", *, tls: bool = True) -> None:
        self.region = region
        self.tls = tls
        self._endpoint: str | None = None
        self._ca_bundle: Path | None = None
        self._tmp: Path | None = None
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._patched = False

    # ------------------------------------------------------------ lifecycle

    def __enter__(self) -> EmbeddedAWS:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> EmbeddedAWS:
        """Start the server; returns ``self``.  Raises ``RuntimeError`` if running."""
        if self._server is not None:
            raise ResourceNotReadyError("EmbeddedAWS is already running")
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        context: ssl.SSLContext | None = None
        if self.tls:
            self._tmp = Path(tempfile.mkdtemp(prefix="embedded-aws-"))
            cert, key = _make_certificate(self._tmp)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
            self._ca_bundle = cert
        _s3policy.install()
        _sagemaker.install()
        _apigateway.install()
        _monitoring.install()
        self._patched = True

        class QuietHandler(MotoRequestHandler):
            def log_request(self, *args: Any, **kwargs: Any) -> None:
                """No access log: tests and demos stay readable."""

            def log(self, type: str, message: str, *args: Any) -> None:
                """No server-side tracebacks either (an action moto lacks is a 500
                the client sees and reports)."""

        app = _s3policy.ContextMiddleware(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(
            "127.0.0.1",
            0,
            app,
            threaded=True,
            request_handler=QuietHandler,
            ssl_context=context,
        )
        port = self._server.server_address[1]
        self._endpoint = f"{'https' if self.tls else 'http'}://127.0.0.1:{port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="embedded-aws", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop the server, restore moto and remove the certificate.  Idempotent."""
        server, self._server = self._server, None
        try:
            if server is not None:
                if self._thread is not None and self._thread.is_alive():
                    server.shutdown()
                server.server_close()
            if self._thread is not None:
                self._thread.join(timeout=10)
        finally:
            self._thread = None
            self._endpoint = None
            self._ca_bundle = None
            if self._patched:
                _s3policy.uninstall()
                _sagemaker.uninstall()
                _apigateway.uninstall()
                _monitoring.uninstall()
                self._patched = False
            if self._tmp is not None:
                shutil.rmtree(self._tmp, ignore_errors=True)
                self._tmp = None

    # ------------------------------------------------------------ access

    @property
    def endpoint_url(self) -> str:
        if self._endpoint is None:
            raise ResourceNotReadyError("EmbeddedAWS is not running; call start() first")
        return self._endpoint

    @property
    def ca_bundle(self) -> str | None:
        """Path to the server's certificate (``None`` with ``tls=False``)."""
        self.endpoint_url  # noqa: B018 - raises when not running
        return str(self._ca_bundle) if self._ca_bundle is not None else None

    def env(self) -> dict[str, str]:
        """The environment variables a process needs to use this server.

        >>> os.environ.update(aws.env())                        # doctest: +SKIP
        """
        env = {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_MAX_ATTEMPTS": "1",
            "AWS_ACCESS_KEY_ID": FAKE_ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": FAKE_SECRET_KEY,
            "AWS_DEFAULT_REGION": self.region,
        }
        if self.ca_bundle is not None:
            env["AWS_CA_BUNDLE"] = self.ca_bundle
        return env

    def session(self, **kwargs: Any) -> Any:
        """A ``boto3.Session`` with fake credentials whose clients go to this server.

        Clients get ``endpoint_url`` and ``verify`` (the CA bundle) unless given.

        >>> s3 = aws.session().client("s3")                     # doctest: +SKIP
        """
        import boto3

        kwargs.setdefault("aws_access_key_id", FAKE_ACCESS_KEY)
        kwargs.setdefault("aws_secret_access_key", FAKE_SECRET_KEY)
        kwargs.setdefault("region_name", self.region)
        session = share_models(boto3.Session(**kwargs))  # models parsed once per process
        endpoint, verify = self.endpoint_url, self.ca_bundle
        core = session._session
        original = core.create_client

        def create_client(*args: Any, **kw: Any) -> Any:
            if kw.get("endpoint_url") is None:
                kw["endpoint_url"] = endpoint
            if kw.get("verify") is None and verify is not None:
                kw["verify"] = verify
            return original(*args, **kw)

        core.create_client = create_client
        core.set_config_variable("ca_bundle", verify)
        return session

    def reset(self) -> None:
        """Reset every moto backend (``POST /moto-api/reset``).  Raises ``URLError``."""
        context = ssl.create_default_context(cafile=self.ca_bundle) if self.ca_bundle else None
        url = f"{self.endpoint_url}/moto-api/reset"  # http(s) only: we built it
        request = urllib.request.Request(url, method="POST")  # noqa: S310
        with urllib.request.urlopen(request, context=context, timeout=30) as response:  # noqa: S310
            response.read()


# ----------------------------------------------------------------- request capture


def _copy(value: Any) -> Any:
    """A deep copy that keeps uncopyable leaves (open files, streams) as they are."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    try:
        return copy.deepcopy(value)
    except Exception:
        return value


@attrs.define
class Capture:
    """What :func:`capture_requests` saw.

    ``calls``: ``(operation_name, params)`` of every API call as finally built
    (after every other ``before-parameter-build`` handler, e.g. the guard's
    defaults); ``sent``: operation names of the HTTP requests actually sent
    (retries count again).
    """

    calls: list[tuple[str, dict[str, Any]]] = attrs.field(factory=list)
    sent_operations: list[str] = attrs.field(factory=list)

    @property
    def sent(self) -> int:
        """How many HTTP requests were sent."""
        return len(self.sent_operations)

    @property
    def operations(self) -> list[str]:
        """Operation names of the calls, in order."""
        return [name for name, _ in self.calls]

    def params(self, operation: str) -> list[dict[str, Any]]:
        """The params of every call of ``operation`` (e.g. ``"PutObject"``)."""
        return [p for name, p in self.calls if name == operation]


@contextmanager
def capture_requests(client_or_session: Any) -> Iterator[Capture]:
    """Record API calls and count HTTP requests of a client or a session.

    With a ``boto3.Session`` (or botocore session) only clients created *inside*
    the block are observed, since a client copies its session's event handlers
    when it is created.

    >>> with capture_requests(s3) as seen:                      # doctest: +SKIP
    ...     s3.put_object(Bucket="b", Key="k", Body=b"x")
    >>> seen.params("PutObject")[0]["Key"], seen.sent
    ('k', 1)
    """
    meta = getattr(client_or_session, "meta", None)
    events = meta.events if meta is not None else getattr(client_or_session, "events", None)
    if events is None and hasattr(client_or_session, "get_component"):
        events = client_or_session.get_component("event_emitter")
    if events is None:
        raise ArgumentTypeError(
            "capture_requests needs a botocore client, boto3 or botocore session"
        )
    capture = Capture()
    tag = f"secure-sagemaker-capture-{id(capture)}"

    def on_build(params: dict[str, Any], model: Any, **kwargs: Any) -> None:
        capture.calls.append((model.name, _copy(params)))

    def on_send(request: Any, **kwargs: Any) -> None:
        capture.sent_operations.append(str(kwargs.get("event_name", "")).rsplit(".", 1)[-1])

    events.register_last("before-parameter-build", on_build, unique_id=f"{tag}-build")
    events.register_last("before-send", on_send, unique_id=f"{tag}-send")
    try:
        yield capture
    finally:
        events.unregister("before-parameter-build", unique_id=f"{tag}-build")
        events.unregister("before-send", unique_id=f"{tag}-send")
