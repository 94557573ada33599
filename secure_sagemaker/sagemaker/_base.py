"""How an SDK class becomes a secure one: import the SDK, fill and judge the arguments.

Nothing here imports ``sagemaker`` at module import; :func:`require` does, when a
public module of this package is imported.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import logging
from collections.abc import Callable, Iterable, Mapping
from types import ModuleType
from typing import Any

import attrs

from secure_sagemaker.exceptions import InsecureRequestError
from secure_sagemaker.guard import decide, install, installed_policy
from secure_sagemaker.policy import SecurityPolicy
from secure_sagemaker.rules import Finding

logger = logging.getLogger("secure_sagemaker.sagemaker")

# one judged argument: (argument name as the caller wrote it, request field path, value)
Entry = tuple[str, str, Any]
Kwargs = dict[str, Any]


def sdk_major() -> int | None:
    """The installed ``sagemaker`` distribution's major version, or ``None``."""
    try:
        return int(importlib.metadata.version("sagemaker").split(".", 1)[0])
    except (importlib.metadata.PackageNotFoundError, ValueError):
        return None


def require(ours: str, theirs: Mapping[int, str]) -> ModuleType:
    """Import the SDK module ``theirs[major]`` for the installed SDK's major version.

    Raises :class:`ImportError` naming the extra to install when the SDK is missing
    or its major version has no module here.
    """
    major = sdk_major()
    if major is None or major not in theirs:
        wanted = " or ".join(f"{m}.x" for m in sorted(theirs))
        extras = " or ".join(f"'secure-sagemaker[v{m}]'" for m in sorted(theirs))
        found = "no sagemaker SDK" if major is None else f"sagemaker {major}.x"
        raise ImportError(
            f"{ours} needs the SageMaker Python SDK {wanted} ({found} installed): "
            f"pip install {extras}"
        )
    return importlib.import_module(theirs[major])


def forward(module: ModuleType) -> Callable[[str], Any]:
    """A module ``__getattr__`` that answers every other name with the SDK's own."""

    def __getattr__(name: str) -> Any:
        try:
            return getattr(module, name)
        except AttributeError:
            raise AttributeError(f"module {module.__name__!r} has no attribute {name!r}") from None

    return __getattr__


def current_policy() -> SecurityPolicy:
    """The installed guard's policy, else :meth:`SecurityPolicy.load` (which raises
    :class:`~secure_sagemaker.PolicyError` for a malformed policy file)."""
    installed = installed_policy()
    return installed if installed is not None else SecurityPolicy.load()


def is_pipeline_variable(value: object) -> bool:
    """A SageMaker pipeline parameter/property: judged by the guard at CreatePipeline."""
    return type(value).__module__.startswith("sagemaker.") and hasattr(value, "expr")


def fill(kwargs: Kwargs, name: str, value: Any) -> None:
    """Set ``kwargs[name]`` to ``value`` when it is absent or ``None`` and ``value`` is not."""
    if kwargs.get(name) is None and value is not None:
        kwargs[name] = value


def strings(mapping: Any) -> Any:
    """A mapping's values as the strings the SDK sends (hyperparameters may be numbers)."""
    if not isinstance(mapping, Mapping):
        return mapping
    return {str(k): v if isinstance(v, str) else str(v) for k, v in mapping.items()}


def table(kwargs: Kwargs, fields: Mapping[str, str]) -> Iterable[Entry]:
    """The entries of the arguments in ``fields`` (argument -> request field path)."""
    for name, path in fields.items():
        if kwargs.get(name) is not None:
            yield name, path, kwargs[name]


@attrs.frozen
class Spec:
    """What one SDK class's constructor feeds into the request it will send.

    ``fill(kwargs, policy)`` sets the policy's values for absent arguments;
    ``entries(kwargs)`` lists the judged arguments with their request fields.
    """

    operation: str
    fill: Callable[[Kwargs, SecurityPolicy], None]
    entries: Callable[[Kwargs], Iterable[Entry]]


def _set_path(request: dict[str, Any], path: str, value: Any) -> None:
    node = request
    *parents, last = path.split(".")
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value


def _covers(path: str, field: str) -> bool:
    return any(
        field == path or field.startswith(path + sep) or path.startswith(field + ".")
        for sep in (".", "[")
    )


def _as_argument(finding: Finding, entries: list[Entry]) -> Finding | None:
    names = [name for name, path, _ in entries if _covers(path, finding.field)]
    if not names:
        return None
    return attrs.evolve(
        finding,
        field=f"{' / '.join(sorted(set(names)))} ({finding.field})",
        remediation="omit the argument (the policy fills it), or: " + finding.remediation,
    )


def judge_arguments(spec: Spec, kwargs: Kwargs, policy: SecurityPolicy) -> None:
    """Judge the arguments ``spec`` maps to request fields, as the guard will judge them.

    Only failures on those fields count here (the rest of the request does not exist
    yet; the guard judges it when it is sent).  Pipeline variables are skipped: the
    guard judges them at ``CreatePipeline``.  Raises :class:`InsecureRequestError`
    whose findings name the argument (``enable_network_isolation (EnableNetwork...``),
    never a value; waivers, ``block_at`` and ``mode`` apply as in the guard.
    """
    from secure_sagemaker.evaluation import evaluate

    entries = [e for e in spec.entries(kwargs) if not is_pipeline_variable(e[2])]
    request: dict[str, Any] = {}
    for _, path, value in entries:
        _set_path(request, path, value)
    failing = []
    for finding in evaluate(spec.operation, request, policy):
        if finding.status in ("fail", "waived"):
            named = _as_argument(finding, entries)
            if named is not None:
                failing.append(named)
    decide(spec.operation, failing, policy)


def ensure_guard(policy: SecurityPolicy) -> None:
    """Install the guard with ``policy`` unless one is installed: the requests the SDK
    builds from a secure class are judged before they are sent."""
    if installed_policy() is None:
        logger.info("secure-sagemaker: a secure SDK class installed the guard")
        install(policy)


def _as_kwargs(signature: inspect.Signature, args: tuple[Any, ...], kwargs: Kwargs) -> Kwargs:
    bound = signature.bind_partial(None, *args, **kwargs)
    out: Kwargs = {}
    for i, (name, value) in enumerate(bound.arguments.items()):
        kind = signature.parameters[name].kind
        if i == 0:
            continue  # self
        if kind is inspect.Parameter.VAR_KEYWORD:
            out.update(value)
        elif kind is inspect.Parameter.VAR_POSITIONAL:
            if value:
                raise TypeError(f"{name}: extra positional arguments are not supported")
        else:
            out[name] = value
    return out


def secure_class(base: type[Any], spec: Spec, module: str, doc: str = "") -> type[Any]:
    """``base`` subclassed so that its constructor fills ``spec``'s policy values into
    the arguments, judges them (raising :class:`InsecureRequestError`, see
    :func:`judge_arguments`) and installs the guard if none is; nothing else changes."""
    signature = inspect.signature(base.__init__)
    original = base.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        policy = current_policy()
        kw = _as_kwargs(signature, args, kwargs)
        spec.fill(kw, policy)
        judge_arguments(spec, kw, policy)
        ensure_guard(policy)
        original(self, **kw)

    __init__.__signature__ = signature  # type: ignore[attr-defined]
    __init__.__doc__ = original.__doc__
    name = base.__name__
    namespace = {
        "__init__": __init__,
        "__module__": module,
        "__qualname__": name,
        "__doc__": (
            f"``{base.__module__}.{name}`` with the policy's secure values filled in and"
            f" explicit insecure arguments refused at construction. {doc}\n\n"
            f"{base.__doc__ or ''}"
        ),
    }
    metaclass: Any = type(base)  # ``type``, or pydantic's ``ModelMetaclass``
    secured: type[Any] = metaclass(name, (base,), namespace)
    return secured


__all__ = [
    "InsecureRequestError",
    "Spec",
    "current_policy",
    "fill",
    "forward",
    "require",
    "secure_class",
    "strings",
    "table",
]
