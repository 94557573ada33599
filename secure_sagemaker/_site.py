"""Opt-in: install the guard at interpreter start, in every Python of a virtualenv.

:func:`secure_sagemaker.install` covers the process that calls it, and children
*forked* from it.  Children started with ``spawn`` or ``forkserver``, subprocesses
and new interpreters start without it.  :func:`install_site` writes
``secure_sagemaker_guard.pth`` into the virtualenv's ``site-packages``; ``site.py``
executes its one ``import`` line at every interpreter start, and when the variable
``SECURE_SAGEMAKER_POLICY`` names a policy file, :func:`activate` installs the guard
with it.  With the variable unset or empty the line only reads ``os.environ``:
nothing of ours is imported.

    secure-sagemaker install-site        # once per virtualenv
    export SECURE_SAGEMAKER_POLICY=/etc/secure-sagemaker.toml

Fail closed: when the variable is set but the policy cannot be loaded (missing or
malformed file) or the guard cannot be installed, :func:`activate` prints one line
to stderr and the interpreter exits with status 2 instead of running unguarded.
At interpreter start it exits with ``os._exit(2)``: ``site.py`` swallows only
``Exception``, and a ``SystemExit`` raised while ``site`` is being imported is
turned by CPython into a "Fatal Python error" with a traceback and exit status 1.
Called at any other time (``site.addsitedir`` at run time, or directly) it raises
``SystemExit(2)``, which unwinds normally.

Limits: ``python -S`` skips ``site`` and so the hook; the hook runs in the order
``site`` reads ``.pth`` files (alphabetical), so ``secure_sagemaker`` must be
importable by then (a normal or editable install is); uninstalling the package
leaves the ``.pth`` behind (``site`` then prints an error for it at each start):
run ``secure-sagemaker uninstall-site`` first.  This is a convenience for
covering every process of an environment, not a security boundary: the IAM
guardrails (:mod:`secure_sagemaker.iam`) are.
"""

from __future__ import annotations

import os
import sys
import sysconfig
from pathlib import Path

from secure_sagemaker.exceptions import InvalidArgumentError

__all__ = ["ENV_VAR", "PTH_LINE", "PTH_NAME", "activate", "install_site", "uninstall_site"]

#: The variable naming the policy file (the same one :meth:`SecurityPolicy.load` reads).
ENV_VAR = "SECURE_SAGEMAKER_POLICY"
#: The file :func:`install_site` writes into ``site-packages``.
PTH_NAME = "secure_sagemaker_guard.pth"
#: Its one line.  ``site`` executes ``.pth`` lines that start with ``import``; with
#: the variable unset this costs one dictionary look-up (``os`` is already loaded).
PTH_LINE = (
    f'import os; os.environ.get("{ENV_VAR}") and '
    'exec("from secure_sagemaker._site import activate; activate()")'
)
_EXIT_CODE = 2


def activate() -> None:
    """Install the guard with the policy file named by ``SECURE_SAGEMAKER_POLICY``.

    Called by the ``.pth`` line at interpreter start.  Does nothing when the
    variable is unset or empty.  Fails closed: when the policy cannot be loaded or
    installed, prints one line to stderr and exits with status 2 (see the module
    docstring for why ``os._exit`` at start).
    """
    path = os.environ.get(ENV_VAR)
    if not path:
        return
    try:
        from secure_sagemaker.guard import install
        from secure_sagemaker.policy import SecurityPolicy

        install(SecurityPolicy.from_file(path))
    except Exception as err:
        _fail(path, err)


def _fail(path: str, err: Exception) -> None:
    reason = " ".join(str(err).split()) or type(err).__name__  # one line
    reason = reason.removeprefix(f"{path}: ")  # a PolicyError names the file too
    sys.stderr.write(
        f"secure-sagemaker: {ENV_VAR}={path}: cannot install the guard ({reason}); "
        f"unset {ENV_VAR} or fix the file; `secure-sagemaker uninstall-site` removes the hook\n"
    )
    sys.stderr.flush()
    if _site_is_starting():
        os._exit(_EXIT_CODE)
    raise SystemExit(_EXIT_CODE)


def _site_is_starting() -> bool:
    """Whether ``site`` is still being imported, i.e. we run from interpreter start.

    importlib marks a module's spec ``_initializing`` while the module executes
    (CPython 3.10 to 3.13 alike)."""
    site = sys.modules.get("site")
    spec = getattr(site, "__spec__", None)
    return bool(getattr(spec, "_initializing", False))


def _target(site_dir: str | os.PathLike[str] | None) -> Path:
    if site_dir is not None:
        return Path(site_dir)
    if sys.prefix == sys.base_prefix:
        raise InvalidArgumentError(
            "site_dir: not in a virtualenv; the hook would run in every Python of the "
            "installation.  Activate a virtualenv, or name the directory with --site-dir"
        )
    return Path(sysconfig.get_paths()["purelib"])


def install_site(site_dir: str | os.PathLike[str] | None = None) -> Path:
    """Write the ``.pth`` hook; returns its path.  Idempotent.

    ``site_dir`` defaults to the running virtualenv's ``site-packages``
    (``sysconfig.get_paths()["purelib"]``).  Raises
    :class:`~secure_sagemaker.InvalidArgumentError` outside a virtualenv unless
    ``site_dir`` is given, or when ``site_dir`` is not a directory.
    """
    target = _target(site_dir)
    if not target.is_dir():
        raise InvalidArgumentError("site_dir: not an existing directory")
    pth = target / PTH_NAME
    text = PTH_LINE + "\n"
    try:
        current = pth.read_text(encoding="utf-8")
    except OSError:
        current = None
    if current != text:
        tmp = pth.with_name(f".{PTH_NAME}.{os.getpid()}.tmp")  # no .pth suffix: never read
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, pth)
    return pth


def uninstall_site(site_dir: str | os.PathLike[str] | None = None) -> bool:
    """Remove the ``.pth`` hook; returns whether it was there.  Idempotent.

    ``site_dir`` as for :func:`install_site` (same refusal outside a virtualenv).
    """
    pth = _target(site_dir) / PTH_NAME
    try:
        pth.unlink()
    except FileNotFoundError:
        return False
    return True
