"""An undo stack for multi-step operations: nothing created is left behind on failure.

Undos run inside :func:`~secure_sagemaker._operations.removing_what_was_created`, so the
guard lets their ``Delete*`` calls through even where a ``Delete*`` operation is
otherwise unclassified (deleting a monitoring schedule this operation just created
removes no protection anyone relied on).

Register one undo per resource right after creating it; if the block fails, the undos
run newest first and the original error is re-raised.  If an undo fails too, a
:class:`~secure_sagemaker.RollbackError` naming every leftover is raised instead,
chained to the original error (``err.__cause__``).

>>> with UndoStack("deploy my-endpoint") as undo:          # doctest: +SKIP
...     sm.create_model(ModelName="m", ...)
...     undo.push("model m", lambda: sm.delete_model(ModelName="m"))
...     sm.create_endpoint_config(...)                      # fails: model m is deleted
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import TracebackType
from typing import Any, Literal

import attrs

from secure_sagemaker._aws.retry import transient_retry
from secure_sagemaker._operations import removing_what_was_created
from secure_sagemaker.exceptions import RollbackError

__all__ = ["UndoStack", "ignore_missing"]

logger = logging.getLogger("secure_sagemaker.rollback")


@attrs.frozen
class _Undo:
    what: str
    action: Callable[[], object]


@attrs.define
class UndoStack:
    """Undo actions for what an operation created so far, run in reverse on failure.

    ``operation`` names the whole operation in log lines and in a
    :class:`RollbackError`.  Each undo is retried on transient AWS errors (throttling,
    5xx, dropped connections); any other error from an undo makes the resource a
    leftover.  Undo descriptions name resources, never request values.
    """

    operation: str
    _undos: list[_Undo] = attrs.field(factory=list, init=False)

    def push(self, what: str, action: Callable[[], object]) -> None:
        """Register ``action`` to remove ``what`` (e.g. ``"model my-model"``)."""
        self._undos.append(_Undo(what, action))

    def __len__(self) -> int:
        return len(self._undos)

    def commit(self) -> None:
        """Forget every undo: what was created is kept."""
        self._undos.clear()

    def rollback(self) -> list[str]:
        """Run every undo, newest first, and forget them.  Returns the leftovers:
        what could not be removed.  Never raises for a failing undo."""
        leftovers: list[str] = []
        while self._undos:
            undo = self._undos.pop()
            try:
                with removing_what_was_created():
                    transient_retry(undo.action)()
            except Exception as err:
                logger.warning(
                    "%s: could not remove %s during rollback (%s)",
                    self.operation,
                    undo.what,
                    type(err).__name__,
                )
                leftovers.append(undo.what)
            else:
                logger.info("%s: removed %s during rollback", self.operation, undo.what)
        return leftovers

    def __enter__(self) -> UndoStack:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Literal[False]:
        if exc is None:
            self.commit()
            return False
        leftovers = self.rollback()
        if leftovers:
            raise RollbackError(
                f"{self.operation} failed ({type(exc).__name__}) and rollback could not "
                "remove everything it created",
                leftovers,
            ) from exc
        return False  # re-raise the original error unchanged


def ignore_missing(action: Callable[[], Any], *codes: str) -> Callable[[], None]:
    """An undo that treats "already gone" (the given error codes, plus the usual
    not-found codes) as done."""
    gone = {
        "NotFoundException",
        "ResourceNotFound",
        "ResourceNotFoundException",
        "WAFNonexistentItemException",
        "NoSuchEntity",
        *codes,
    }

    def run() -> None:
        try:
            action()
        except Exception as err:
            response = getattr(err, "response", None)
            code = response.get("Error", {}).get("Code") if isinstance(response, dict) else None
            if code not in gone:
                raise

    return run
