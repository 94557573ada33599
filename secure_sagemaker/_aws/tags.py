"""Resource tags: the two forms callers pass, and the API's list form."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = ["Tags", "normalize_tags"]

Tags = Mapping[str, str] | Sequence[Mapping[str, str]]


def normalize_tags(tags: Tags | None) -> list[dict[str, str]]:
    """``{"k": "v"}`` or ``[{"Key": "k", "Value": "v"}]`` -> the API's list form.

    >>> normalize_tags({"owner": "ml-team"})
    [{'Key': 'owner', 'Value': 'ml-team'}]
    """
    if tags is None:
        return []
    if isinstance(tags, Mapping):
        return [{"Key": str(k), "Value": str(v)} for k, v in tags.items()]
    return [{"Key": str(t["Key"]), "Value": str(t["Value"])} for t in tags]
