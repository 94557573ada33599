"""Reference-counted monkeypatches of the emulator, shared by its adaptations.

Several :class:`~secure_sagemaker.testing.EmbeddedAWS` servers may run in one process
(moto's state is per process); the first start applies a patch set, the last stop
restores moto exactly.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any


class PatchSet:
    """Attributes to replace on classes the ``targets()`` callable imports lazily:
    ``{(owner, attribute): replacement}``.  :meth:`install` / :meth:`uninstall` are
    reference-counted and thread-safe; ``original(name)`` is the replaced function."""

    def __init__(self, targets: Callable[[], Mapping[tuple[Any, str], Any]]) -> None:
        self._targets = targets
        self._lock = threading.Lock()
        self._count = 0
        self._originals: dict[tuple[Any, str], Any] = {}

    def install(self) -> None:
        with self._lock:
            if self._count == 0:
                for (owner, name), replacement in self._targets().items():
                    self._originals[(owner, name)] = getattr(owner, name)
                    setattr(owner, name, replacement)
            self._count += 1

    def uninstall(self) -> None:
        with self._lock:
            if self._count == 0:
                return
            self._count -= 1
            if self._count == 0:
                for (owner, name), original in self._originals.items():
                    setattr(owner, name, original)
                self._originals.clear()

    def original(self, name: str) -> Any:
        """The function that attribute ``name`` had before :meth:`install`."""
        return next(f for (_, attr), f in self._originals.items() if attr == name)
