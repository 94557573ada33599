"""Region names checked offline, before any AWS call, against botocore's bundled
partition data (``botocore/data/partitions.json``).

That file is what botocore's endpoint rules resolve a region with: a region belongs
to a partition when it is one of the partition's regions or matches its
``regionRegex``; a name matching none is sent to ``<service>.<name>.amazonaws.com``,
which does not exist, and every call fails.  Matching the regex too keeps a region
launched after this botocore release usable.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from functools import lru_cache

import attrs

from secure_sagemaker.exceptions import InvalidArgumentError

__all__ = ["check_region", "check_regions", "known_regions", "partition_of"]


@attrs.frozen
class _Partition:
    name: str
    regex: re.Pattern[str]
    regions: frozenset[str]

    def has(self, region: str) -> bool:
        return region in self.regions or self.regex.fullmatch(region) is not None


@lru_cache(maxsize=1)
def _partitions() -> tuple[_Partition, ...]:
    import botocore.loaders  # bundled data only: no credentials, no network

    data = botocore.loaders.create_loader().load_data("partitions")
    return tuple(
        _Partition(
            name=str(p["id"]),
            regex=re.compile(str(p["regionRegex"])),
            # "aws-global" and the like name global endpoints, not regions
            regions=frozenset(r for r in p.get("regions", {}) if not r.endswith("-global")),
        )
        for p in data["partitions"]
    )


@lru_cache(maxsize=1)
def known_regions() -> tuple[str, ...]:
    """Every region botocore knows, all partitions, sorted."""
    return tuple(sorted({r for p in _partitions() for r in p.regions}))


def partition_of(region: str) -> str | None:
    """``"aws"``, ``"aws-cn"``, ``"aws-us-gov"`` ... for a region; ``None`` when the
    name belongs to no partition.

    >>> partition_of("cn-north-1"), partition_of("us-east1")
    ('aws-cn', None)
    """
    return next((p.name for p in _partitions() if p.has(region)), None)


def check_region(region: str, source: str = "") -> str:
    """``region`` when it belongs to a partition, else :class:`InvalidArgumentError`
    with the closest known region; ``source`` says where the name came from.

    ``check_region("us-east1")`` raises "unknown region 'us-east1'; did you mean
    us-east-1?".

    >>> check_region("eu-west-1")
    'eu-west-1'
    """
    if partition_of(region) is not None:
        return region
    close = _closest(region.strip().lower())
    hint = f"did you mean {close}?" if close else "expected a name such as us-east-1"
    shown = region if len(region) <= 40 else region[:37] + "..."
    where = f" ({source})" if source else ""
    raise InvalidArgumentError(f"unknown region {shown!r}{where}; {hint}")


def _closest(name: str) -> str | None:
    """The most similar known region (the first in order on a tie), if similar enough."""
    close = difflib.get_close_matches(name, known_regions(), n=5, cutoff=0.6)
    ratio = {r: difflib.SequenceMatcher(None, name, r).ratio() for r in close}
    return min(close, key=lambda r: (-ratio[r], r), default=None)


def check_regions(regions: Iterable[str]) -> list[str]:
    """The regions, each checked with :func:`check_region`, duplicates dropped; all
    in one partition (one set of credentials cannot sign for two)."""
    out = [check_region(r) for r in dict.fromkeys(regions)]
    partitions = sorted({str(partition_of(r)) for r in out})
    if len(partitions) > 1:
        raise InvalidArgumentError(
            f"regions span the partitions {', '.join(partitions)}; "
            "audit each partition separately, with its own credentials"
        )
    return out
