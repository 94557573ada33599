"""The policy as the SageMaker SDK's own defaults, for the life of the process.

:func:`~secure_sagemaker.install` calls :func:`apply`: it writes the SDK config
(:mod:`secure_sagemaker.sdkconfig`, only keys the installed SDK major accepts) to a
private temporary file and names it in ``SAGEMAKER_ADMIN_CONFIG_OVERRIDE``, which
SDK 2.x (``sagemaker.config``) and 3.x (``sagemaker.core.config``, read by
``ModelTrainer``, ``ModelBuilder``, the core ``Transformer`` and ``Processor``) read
whenever a ``Session`` is created.  The SDK then knows isolation is on *before* it
builds a request: it ships script-mode code in a ``code`` channel and repacks the
model instead of pointing the container at S3, which it could no longer reach.

Layering (the choice, documented in ``docs/``): the SDK merges the admin file first,
then the user's file (``SAGEMAKER_USER_CONFIG_OVERRIDE`` or the default user path)
over it.  Ours takes the admin slot: an admin config already in place (named by the
variable, or at the default site path) is read and ours is merged over it, so the
policy wins over it; the user's own config stays untouched and still wins where it
sets a key - explicit, like an argument, and judged by the guard like one.  An
admin config we cannot merge (in S3, or unreadable) is left in place and the SDK
defaults are not applied (logged): the guard still refuses what cannot work.

Not covered: a ``Session`` created before :func:`apply` has loaded its config already
(the guard refuses its requests where they cannot work isolated, rule SM240/SM380),
and ``sagemaker.core.resources`` read ``SAGEMAKER_CORE_*`` files with their own
schema (the guard fills their values).  :func:`restore` (``uninstall()``, and at
interpreter exit) puts the variable back and removes the file.  Imports no
``sagemaker``.
"""

from __future__ import annotations

import atexit
import importlib
import json
import logging
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

from secure_sagemaker.policy import SecurityPolicy
from secure_sagemaker.sdkconfig import installed_sdk_major, sagemaker_config

__all__ = ["ADMIN_OVERRIDE", "applied_path", "apply", "restore"]

logger = logging.getLogger("secure_sagemaker.guard")

ADMIN_OVERRIDE = "SAGEMAKER_ADMIN_CONFIG_OVERRIDE"
_UNSET = object()


class _State:
    path: Path | None = None
    previous: object = _UNSET  # the variable's value before apply(): str, None or _UNSET
    at_exit: bool = False


_state = _State()
_lock = threading.Lock()


def _default_admin_path() -> Path | None:
    try:  # the SDK's own dependency: where it looks by default
        from platformdirs import site_config_dir
    except ImportError:
        return None
    return Path(site_config_dir("sagemaker")) / "config.yaml"


def _existing_admin(previous: str | None) -> tuple[bool, dict[str, Any]]:
    """(usable, document) of the admin config the SDK would read without us."""
    source = Path(previous) if previous else _default_admin_path()
    if previous and previous.startswith("s3://"):
        return False, {}
    if source is None:
        return True, {}
    if source.is_dir():
        source = source / "config.yaml"
    if not source.exists():
        return not previous, {}  # a named file that is missing: the SDK would raise
    try:
        yaml = importlib.import_module("yaml")  # the SDK's own dependency
        loaded = yaml.safe_load(source.read_text(encoding="utf-8"))
    except Exception:  # any failure: not merged, reported by the caller
        return False, {}
    return isinstance(loaded, dict) or loaded is None, loaded or {}


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def apply(policy: SecurityPolicy, *, sdk_major: int | None = None) -> Path | None:
    """Make ``policy`` the SDK's defaults (see the module docstring); returns the file
    written, or ``None`` when no SDK is installed (``sdk_major`` defaults to the
    installed one) or an admin config in place cannot be merged (logged).  Calling it
    again replaces the file's content.  Raises nothing."""
    major = sdk_major if sdk_major is not None else installed_sdk_major()
    if major is None:
        return None
    with _lock:
        previous = _state.previous if _state.path is not None else os.environ.get(ADMIN_OVERRIDE)
        prior = previous if isinstance(previous, str) else None
        usable, existing = _existing_admin(prior)
        if not usable:
            logger.warning(
                "secure-sagemaker: the SageMaker SDK's admin config could not be merged "
                "(in S3 or unreadable): the policy is not applied as SDK defaults; the "
                "guard still judges every request"
            )
            _restore_locked()
            return None
        doc = _merge(existing, sagemaker_config(policy, major))
        try:
            path = _write(json.dumps(doc, indent=2))
        except OSError:
            logger.warning("secure-sagemaker: could not write the SDK defaults file")
            return None
        old = _state.path
        _state.path, _state.previous = path, previous
        os.environ[ADMIN_OVERRIDE] = str(path)
        if old is not None and old != path:
            old.unlink(missing_ok=True)
        if not _state.at_exit:
            atexit.register(restore)
            _state.at_exit = True
    logger.info("secure-sagemaker: policy applied as SageMaker SDK %d.x defaults", major)
    return path


def _write(text: str) -> Path:
    fd, name = tempfile.mkstemp(prefix="secure-sagemaker-sdk-", suffix=".yaml")  # mode 0600
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    return Path(name)


def _restore_locked() -> None:
    path, previous = _state.path, _state.previous
    if path is None:
        return
    if os.environ.get(ADMIN_OVERRIDE) == str(path):  # nobody changed it since
        if isinstance(previous, str):
            os.environ[ADMIN_OVERRIDE] = previous
        else:
            os.environ.pop(ADMIN_OVERRIDE, None)
    path.unlink(missing_ok=True)
    _state.path, _state.previous = None, _UNSET


def restore() -> None:
    """Undo :func:`apply`: the variable as it was, the file removed.  Idempotent;
    raises nothing but :class:`OSError` from removing the file."""
    with _lock:
        _restore_locked()


def applied_path() -> Path | None:
    """The defaults file in effect, or ``None``."""
    return _state.path
