"""Checks over a resource the guard fetched to judge with a request (an endpoint's
config, a pipeline execution's pipeline): see :mod:`secure_sagemaker._guard_fetch`
and :class:`~secure_sagemaker.rules.Related`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from secure_sagemaker.rules import PASS, Check, Context, Related, Verdict, fail

#: Rules a described resource cannot satisfy: Describe output carries no tags.
DESCRIBE_SKIP = frozenset({"SM299"})


def related(key: str, operation: str, label: str) -> Related:
    """The resource the guard describes into ``key`` of the judged copy, judged as
    the ``operation`` request that created it, reported under ``label``."""
    return Related(key=key, operation=operation, label=label, skip=DESCRIBE_SKIP)


def described(key: str, problem: str) -> Check:
    """Pass when the guard described the related resource into ``key`` (a mapping),
    or when ``key`` is absent (pure ``evaluate()`` fetches nothing; the resource is
    judged where it is created); fail with ``problem`` when ``key`` holds ``None``:
    it could not be described, so what it holds cannot be judged."""

    def check(value: Any, ctx: Context) -> Verdict:
        if key not in ctx.params or isinstance(ctx.params[key], Mapping):
            return PASS
        return fail(problem)

    return check
