"""SageMaker Python SDK 2.x suite: runs only where sagemaker 2.x is installed.

    bash scripts/sdk-venv.sh v2 && .venv-v2/bin/python -m pytest tests/sdk_v2

Anywhere else (the main suite's .venv, the other SDK's venv) its test files are not
collected, and nothing here changes the environment.
"""

from __future__ import annotations

import pytest

from tests.sdk_v2 import support
from tests.sdk_v2.support import fresh, guard, received  # noqa: F401 - fixtures

MAJOR = 2
collect_ignore_glob = support.configure(MAJOR)


def pytest_unconfigure(config: pytest.Config) -> None:
    support.unconfigure()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if collect_ignore_glob:
        terminalreporter.write_line(support.not_collected(MAJOR))
