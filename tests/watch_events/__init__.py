"""CloudTrail events for the detector's tests (``secure_sagemaker.watch``).

The JSON files are EventBridge events (``AWS API Call via CloudTrail``) in the shape
CloudTrail records them: lower camel case request/response fields, Secrets
Manager's ``aRN``, ``PutPublicAccessBlock`` logged as ``PutBucketPublicAccessBlock``.
:func:`event` loads one and changes what a test needs; :func:`api_call` builds
the same envelope for any other operation.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
ACCOUNT = "123456789012"
SELF_ROLE = f"arn:aws:iam::{ACCOUNT}:role/secure-sagemaker-watch"


@cache
def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((HERE / f"{name}.json").read_text())
    return data


def event(name: str, **detail: Any) -> dict[str, Any]:
    """The event in ``<name>.json`` (a fresh copy) with ``detail`` keys replaced."""
    out = copy.deepcopy(_load(name))
    out["detail"].update(detail)
    return out


def api_call(
    source: str, name: str, request: Any = None, response: Any = None, **detail: Any
) -> dict[str, Any]:
    """An event for any ``source``/``name`` in the notebook event's envelope."""
    out = event(
        "sagemaker_CreateNotebookInstance",
        eventSource=source,
        eventName=name,
        requestParameters=request,
        responseElements=response,
        **detail,
    )
    out["source"] = "aws." + source.split(".", 1)[0]
    return out


def by_detector(ev: dict[str, Any]) -> dict[str, Any]:
    """``ev`` as the detector's own role would have caused it (an assumed-role session)."""
    who = ev["detail"]["userIdentity"]
    who["arn"] = f"arn:aws:sts::{ACCOUNT}:assumed-role/secure-sagemaker-watch/lambda"
    who["sessionContext"]["sessionIssuer"]["arn"] = SELF_ROLE
    who["sessionContext"]["sessionIssuer"]["userName"] = "secure-sagemaker-watch"
    return ev
