"""The error code of an AWS error, read in one place."""

from __future__ import annotations

import botocore.exceptions

__all__ = ["error_code"]


def error_code(error: BaseException) -> str:
    """``"NoSuchBucket"`` for a botocore ``ClientError``; ``""`` for anything else.

    >>> error_code(ValueError("not an AWS error"))
    ''
    """
    if isinstance(error, botocore.exceptions.ClientError):
        return str(error.response.get("Error", {}).get("Code", "") or "")
    return ""
