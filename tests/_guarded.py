"""What the end-to-end guard tests share: count what a client sends, and assert a call
is refused before anything is sent or goes through."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

import secure_sagemaker as ss


class Sent:
    """The operations a client actually sent (botocore's before-send event)."""

    def __init__(self, client: Any) -> None:
        self.ops: list[str] = []
        self.bodies: list[Any] = []
        client.meta.events.register("before-send", self._count)

    def _count(self, request: Any, **kwargs: Any) -> None:
        self.ops.append(kwargs["event_name"].rsplit(".", 1)[-1])
        self.bodies.append(request.body)

    def last_json(self) -> dict[str, Any]:
        """The body of the last request sent, as JSON (what the guard filled in)."""
        body = self.bodies[-1]
        return dict(json.loads(body.decode() if isinstance(body, bytes) else body))


def refused(call: Any, sent: Sent, rule_id: str, **params: Any) -> ss.InsecureRequestError:
    """``call(**params)`` is refused with ``rule_id`` and nothing is sent."""
    before = len(sent.ops)
    with pytest.raises(ss.InsecureRequestError) as info:
        call(**params)
    assert len(sent.ops) == before, "a refused request reached the wire"
    assert rule_id in {f.rule_id for f in info.value.findings if f.failed}, info.value.findings
    return info.value


def sent_anyway(call: Any, sent: Sent, operation: str, **params: Any) -> Any:
    """``call(**params)`` goes through the guard and is sent; moto's own error (an
    operation or case it does not implement) is accepted and returned."""
    before = len(sent.ops)
    try:
        result = call(**params)
    except ClientError as err:
        result = err
    assert sent.ops[before:] == [operation], sent.ops[before:]
    return result
