"""aiobotocore: hand every client it creates to the guard.

:func:`secure_sagemaker.install` wraps ``botocore.client.ClientCreator.create_client``.
aiobotocore subclasses that class as ``AioClientCreator`` and overrides
``create_client`` with a coroutine that builds the ``AioBaseClient`` itself, so
the wrapped method is never called and clients created after ``install()`` would
be unguarded.  :func:`patch` wraps the override.

What happens after (aiobotocore 3.x, read from its source):

* ``AioSession.create_client()`` returns a ``ClientCreatorContext`` whose
  ``__aenter__`` awaits ``AioSession._create_client``, which awaits
  ``AioClientCreator(...).create_client(...)`` - the only place a client is built
  (the session module holds the same class object, so patching the class attribute
  covers it).
* A client's events are an ``AioHierarchicalEmitter``: its ``_emit`` calls every
  handler as ``handler(**kwargs)`` and awaits the result only if it is awaitable.
  A plain function (the guard's ``before-parameter-build`` handler) is therefore
  called like in botocore, and an exception it raises propagates out of
  ``await client.create_training_job(...)`` before the request is serialised.
* ``AioBaseClient`` subclasses ``botocore.client.BaseClient``, so the guard's scan
  of existing clients already finds aiobotocore clients made *before* ``install()``.

Importing this module imports nothing of aiobotocore; :func:`patch` imports
``aiobotocore.client`` (and aiohttp: about 0.25 s) when it is installed.

Known gap: the handler runs synchronously inside the event loop.  Fetching a
``PipelineDefinitionS3Location`` needs ``get_frozen_credentials()``, a coroutine
in aiobotocore, so the guard cannot fetch it and refuses the request (SM250).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

__all__ = ["patch"]


def _unpatched() -> None:
    """What :func:`patch` returns when aiobotocore is not installed."""


def patch(on_client: Callable[[Any], None]) -> Callable[[], None]:
    """Call ``on_client(client)`` for every client aiobotocore creates from now on,
    before the caller gets it; return ``unpatch``, which stops that (idempotent).

    Without aiobotocore, does nothing and returns a no-op.  An exception raised by
    ``on_client`` propagates to the code creating the client.
    """
    try:
        # no stubs, and absent where mypy runs
        from aiobotocore.client import AioClientCreator  # type: ignore[import-not-found]
    except ImportError:
        return _unpatched
    creator: Any = AioClientCreator
    original: Callable[..., Any] = creator.create_client
    active = True

    @functools.wraps(original)
    async def create_client(self: Any, *args: Any, **kwargs: Any) -> Any:
        client = await original(self, *args, **kwargs)
        if active:
            on_client(client)
        return client

    creator.create_client = create_client

    def unpatch() -> None:
        nonlocal active
        active = False  # even if something wrapped our wrapper since
        if creator.__dict__.get("create_client") is create_client:
            creator.create_client = original

    return unpatch
