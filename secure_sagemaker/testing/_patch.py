"""Reference-counted monkeypatches of the emulator, shared by its adaptations.

Several :class:`~secure_sagemaker.testing.EmbeddedAWS` servers may run in one process
(moto's state is per process); the first start applies a patch set, the last stop
restores moto exactly.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

_ABSENT = object()


class PatchSet:
    """Attributes to replace on classes the ``targets()`` callable imports lazily:
    ``{(owner, attribute): replacement}``.  :meth:`install` / :meth:`uninstall` are
    reference-counted and thread-safe; ``original(name)`` is the replaced function.
    An attribute the owner lacks (an action moto does not implement) is added by
    :meth:`install` and removed again by :meth:`uninstall`."""

    def __init__(self, targets: Callable[[], Mapping[tuple[Any, str], Any]]) -> None:
        self._targets = targets
        self._lock = threading.Lock()
        self._count = 0
        self._originals: dict[tuple[Any, str], Any] = {}
        self._replaced: dict[str, Any] = {}

    def install(self) -> None:
        with self._lock:
            if self._count == 0:
                for (owner, name), replacement in self._targets().items():
                    self._originals[(owner, name)] = owner.__dict__.get(name, _ABSENT)
                    self._replaced[name] = getattr(owner, name, None)
                    setattr(owner, name, replacement)
            self._count += 1

    def uninstall(self) -> None:
        with self._lock:
            if self._count == 0:
                return
            self._count -= 1
            if self._count == 0:
                for (owner, name), original in self._originals.items():
                    if original is _ABSENT:
                        delattr(owner, name)
                    else:
                        setattr(owner, name, original)
                self._originals.clear()
                self._replaced.clear()

    def original(self, name: str) -> Any:
        """The function that attribute ``name`` had before :meth:`install` (``None``
        when it had none).  Raises ``KeyError`` for a name this set does not patch."""
        return self._replaced[name]
