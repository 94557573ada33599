"""The ``.pth`` hook (``secure-sagemaker install-site``) in a real throwaway virtualenv.

The tests make virtualenvs with ``python -m venv --without-pip`` (a tenth of a
second) whose ``site-packages`` sees this checkout and the main ``.venv``'s
packages through a path ``.pth``, write the hook with the real CLI run inside
them, then start real interpreters and ``spawn``/``forkserver`` children there.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

import secure_sagemaker
from secure_sagemaker import guard
from secure_sagemaker._site import (
    ENV_VAR,
    PTH_LINE,
    PTH_NAME,
    activate,
    install_site,
    uninstall_site,
)
from secure_sagemaker.cli import site as site_cli
from secure_sagemaker.exceptions import InvalidArgumentError

# where the package and this test suite (tests._examples) are imported from
IMPORT_ROOTS = tuple(
    dict.fromkeys(
        [
            str(Path(secure_sagemaker.__file__).resolve().parents[1]),
            str(Path(__file__).resolve().parents[1]),
            sysconfig.get_paths()["purelib"],  # this interpreter's: botocore, boto3, attrs
        ]
    )
)
SUBNET = "subnet-0123456789abcdef0"
POLICY_TOML = f'subnets = ["{SUBNET}"]\n'

# run the command group the way `secure-sagemaker` does, with a parser of our own
CLI = (
    "import argparse, sys\n"
    "from secure_sagemaker.cli import site\n"
    "parser = argparse.ArgumentParser(prog='secure-sagemaker')\n"
    "site.register(parser.add_subparsers(dest='command', required=True))\n"
    "args = parser.parse_args(sys.argv[1:])\n"
    "sys.exit(args.func(args))\n"
)


class Venv:
    """A throwaway virtualenv that imports secure_sagemaker from this checkout."""

    def __init__(self, root: Path) -> None:
        subprocess.run(
            [sys.executable, "-m", "venv", "--without-pip", str(root)], check=True, timeout=60
        )
        self.python = str(root / "bin" / "python")
        purelib = self.code("import sysconfig; print(sysconfig.get_paths()['purelib'])")
        self.site = Path(purelib.stdout.strip())
        # sorts before the hook, so the package is importable when the hook runs
        (self.site / "_test_paths.pth").write_text("\n".join(IMPORT_ROOTS) + "\n", encoding="utf-8")
        self.hook = self.site / PTH_NAME

    def env(self, policy: str | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in (ENV_VAR, "PYTHONPATH")}
        env.update(
            AWS_DEFAULT_REGION="us-east-1",
            AWS_ACCESS_KEY_ID="AKIASITETESTSFAKE000",
            AWS_SECRET_ACCESS_KEY="site-tests-fake-secret",
            AWS_MAX_ATTEMPTS="1",
            AWS_CONFIG_FILE=os.devnull,
            AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        )
        for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_CA_BUNDLE"):
            env.pop(name, None)
        if policy is not None:
            env[ENV_VAR] = policy
        return env

    def run(self, *argv: str, policy: str | None = None) -> subprocess.CompletedProcess[str]:
        """``python argv...`` in the virtualenv; ``policy`` sets the variable."""
        return subprocess.run(
            [self.python, *argv],
            env=self.env(policy),
            capture_output=True,
            text=True,
            timeout=120,
        )

    def code(
        self, source: str, *args: str, policy: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        """``python -c source args...`` in the virtualenv."""
        return self.run("-c", source, *args, policy=policy)

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """``secure-sagemaker args...`` (the site commands) in the virtualenv."""
        return self.code(CLI, *args)


def hooked_venv(root: Path) -> Venv:
    """A new virtualenv with the hook written by ``install-site`` run inside it."""
    v = Venv(root)
    out = v.cli("install-site")
    assert out.returncode == 0, out.stderr
    assert f"wrote {v.hook}" in out.stdout
    return v


@pytest.fixture(scope="module")
def hooked(tmp_path_factory: pytest.TempPathFactory) -> Venv:
    """Shared by the tests that only start interpreters in it."""
    return hooked_venv(tmp_path_factory.mktemp("site") / "venv")


@pytest.fixture
def venv(tmp_path: Path) -> Venv:
    """Its own, for a test that changes it."""
    return hooked_venv(tmp_path / "venv")


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(POLICY_TOML, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- the file


def test_the_hook_is_one_import_line_that_site_executes(tmp_path: Path) -> None:
    path = install_site(tmp_path)
    assert path == tmp_path / PTH_NAME
    text = path.read_text(encoding="utf-8")
    assert text == PTH_LINE + "\n"
    # site.py executes exactly the lines that start with "import " or "import\t"
    assert text.startswith("import ") and text.count("\n") == 1
    assert install_site(tmp_path) == path  # idempotent
    assert sorted(p.name for p in tmp_path.iterdir()) == [PTH_NAME]  # no temp file left
    assert uninstall_site(tmp_path) is True
    assert uninstall_site(tmp_path) is False
    assert not path.exists()


def test_install_site_writes_into_the_running_virtualenv(hooked: Venv) -> None:
    assert hooked.hook.read_text(encoding="utf-8") == PTH_LINE + "\n"
    again = hooked.cli("install-site")  # idempotent
    assert again.returncode == 0 and hooked.hook.is_file()


def test_refused_outside_a_virtualenv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    purelib = Path(sysconfig.get_paths()["purelib"])
    monkeypatch.setattr(sys, "base_prefix", sys.prefix)  # as if this were no virtualenv
    try:
        with pytest.raises(InvalidArgumentError, match="not in a virtualenv"):
            install_site()
        with pytest.raises(InvalidArgumentError, match="not in a virtualenv"):
            uninstall_site()
        parser = argparse.ArgumentParser()
        site_cli.register(parser.add_subparsers(dest="command", required=True))
        args = parser.parse_args(["install-site"])
        assert args.func(args) == 2
        err = capsys.readouterr().err
        assert err.startswith("secure-sagemaker: error: ") and err.count("\n") == 1
        # naming the directory explicitly is allowed
        args = parser.parse_args(["install-site", "--site-dir", str(tmp_path)])
        assert args.func(args) == 0
        assert (tmp_path / PTH_NAME).is_file()
    finally:
        leaked = purelib / PTH_NAME
        assert not leaked.exists(), "install_site wrote into the main .venv"


def test_site_dir_must_exist(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError, match="not an existing directory"):
        install_site(tmp_path / "missing")


# --------------------------------------------------------------------------- (a) (b) guarded


def test_a_new_interpreter_is_guarded_with_the_policy_file(hooked: Venv, policy_file: Path) -> None:
    out = hooked.code(
        "from secure_sagemaker import guard; p = guard.installed_policy();"
        "print(p is not None, list(p.subnets) if p else None)",
        policy=str(policy_file),
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[0] == f"True ['{SUBNET}']"
    assert out.stderr == ""


CHILD = textwrap.dedent(
    """
    import multiprocessing, os, sys

    def probe():
        from secure_sagemaker import guard
        from secure_sagemaker.exceptions import InsecureRequestError
        from tests._examples import training
        import boto3

        # nothing listens on the discard port: a request the guard let through fails
        # with a connection error, not InsecureRequestError
        sm = boto3.client("sagemaker", endpoint_url="http://127.0.0.1:9")
        try:
            sm.create_training_job(**training(EnableNetworkIsolation=False))
        except InsecureRequestError as err:
            refused = sorted({f.rule_id for f in err.findings})
        except Exception:  # sent, and nobody answered
            refused = []
        return os.getpid(), guard.installed_policy() is not None, refused

    if __name__ == "__main__":
        ctx = multiprocessing.get_context(sys.argv[1])
        with ctx.Pool(1) as pool:
            pid, installed, refused = pool.apply(probe)
        print(pid != os.getpid(), installed, "SM202" in refused)
    """
)


def run_child(hooked: Venv, tmp_path: Path, method: str, policy: str | None) -> str:
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    out = hooked.run(str(script), method, policy=policy)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_b_spawn_and_forkserver_children_are_guarded(
    hooked: Venv, policy_file: Path, tmp_path: Path, method: str
) -> None:
    # a child process, guard installed, the insecure request refused before sending
    assert run_child(hooked, tmp_path, method, str(policy_file)) == "True True True"


def test_b_control_children_are_not_guarded_without_the_variable(
    hooked: Venv, tmp_path: Path
) -> None:
    assert run_child(hooked, tmp_path, "spawn", None) == "True False False"


# --------------------------------------------------------------------------- (c) unset


@pytest.mark.parametrize("value", [None, ""], ids=["unset", "empty"])
def test_c_without_the_variable_nothing_of_ours_is_imported(
    hooked: Venv, value: str | None
) -> None:
    out = hooked.code(
        "import sys; print('secure_sagemaker' in sys.modules, 'botocore' in sys.modules)",
        policy=value,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False False"
    out = hooked.code(
        "from secure_sagemaker import guard; print(guard.installed_policy())", policy=value
    )
    assert out.stdout.strip() == "None"


# --------------------------------------------------------------------------- (d) fail closed


BROKEN = {
    "missing": None,
    "not-toml": "subnets = [\n",
    "unknown-key": 'subnetz = ["subnet-0123456789abcdef0"]\n',
    "bad-value": 'subnets = ["not-a-subnet"]\n',
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_d_a_broken_policy_stops_the_interpreter_with_one_line(
    hooked: Venv, tmp_path: Path, case: str
) -> None:
    path = tmp_path / "policy.toml"
    text = BROKEN[case]
    if text is not None:
        path.write_text(text, encoding="utf-8")
    out = hooked.code("print('ran unguarded')", policy=str(path))
    assert out.returncode == 2
    assert out.stdout == ""
    lines = out.stderr.splitlines()
    assert len(lines) == 1, out.stderr
    assert ENV_VAR in lines[0] and str(path) in lines[0]
    assert f"unset {ENV_VAR} or fix the file" in lines[0]
    assert "secure-sagemaker uninstall-site" in lines[0]


def test_d_activate_after_start_raises_system_exit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Outside interpreter start (site is imported) a failure unwinds as SystemExit(2)."""
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "missing.toml"))
    with pytest.raises(SystemExit) as info:
        activate()
    assert info.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert guard.installed_policy() is None


def test_activate_in_process_installs_and_unset_does_nothing(
    policy_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    activate()
    assert guard.installed_policy() is None
    monkeypatch.setenv(ENV_VAR, str(policy_file))
    try:
        activate()
        policy = guard.installed_policy()
        assert policy is not None and list(policy.subnets) == [SUBNET]
    finally:
        guard.uninstall()


# --------------------------------------------------------------------------- (e) uninstall


def test_e_uninstall_site_removes_the_hook(venv: Venv, tmp_path: Path) -> None:
    out = venv.cli("uninstall-site")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"removed {PTH_NAME}"
    assert not venv.hook.exists()
    # the escape hatch works: a broken policy no longer stops the interpreter
    out = venv.code("print('ran')", policy=str(tmp_path / "missing.toml"))
    assert (out.returncode, out.stdout.strip()) == (0, "ran")
    out = venv.cli("uninstall-site")
    assert out.returncode == 0 and out.stdout.strip() == f"{PTH_NAME} was not installed"


# --------------------------------------------------------------------------- import cost


def test_importing_the_package_loads_neither_site_nor_aio() -> None:
    code = (
        "import sys, secure_sagemaker; a = sorted(sys.modules);"
        "import secure_sagemaker.guard; b = sorted(sys.modules);"
        "print([m for m in a if m in ('secure_sagemaker._site', 'secure_sagemaker._aio')],"
        "[m for m in b if m == 'secure_sagemaker._site' or m.startswith('aiobotocore')])"
    )
    env = {k: v for k, v in os.environ.items() if k != ENV_VAR}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[] []"
