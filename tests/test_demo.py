"""The README's main job: `secure-sagemaker demo` runs end to end on the embedded emulator."""

from __future__ import annotations

import io
import re

import pytest

import secure_sagemaker as ss
from secure_sagemaker.demo import main

pytestmark = pytest.mark.e2e


def test_the_demo_runs_end_to_end_and_flags_only_the_notebooks_made_without_the_guard() -> None:
    out = io.StringIO()
    assert main(out=out) == 0
    text = out.getvalue()
    assert all(len(line) <= 80 for line in text.splitlines()), "wider than 80 columns"
    assert "Traceback" not in text and "demo failed" not in text
    assert "CreateTrainingJob refused, nothing sent" in text
    assert "hunter2" not in text  # the refused request's password is never shown
    assert re.search(r"SM202 \[high\] EnableNetworkIsolation", text)
    audit = text[text.index("Audit the account") : text.index("Summary")]
    flagged = re.findall(r"SM\d{3} (\S+):", audit)
    assert flagged and set(flagged) == {"legacy-notebook", "console-notebook"}, flagged
    caught = text[text.index("made outside Python") : text.index("Audit the account")]
    assert re.search(r"failing: .*SM103", caught) and "notebook stopped (Stopped)" in caught
    assert re.search(r"listed (\d+) resources, assessed \1", audit)
    assert "CreateMonitoringSchedule stubbed" in text


def test_keep_prints_how_to_reach_the_emulator_and_stops_on_interrupt() -> None:
    out = io.StringIO()

    def interrupt() -> None:
        raise KeyboardInterrupt

    assert main(keep=True, out=out, wait_forever=interrupt) == 130
    text = out.getvalue()
    assert "export AWS_ENDPOINT_URL=https://127.0.0.1:" in text
    assert "export AWS_CA_BUNDLE=" in text and "interrupted" in text


def test_endpoint_url_runs_the_demo_against_another_emulator(fresh_aws: object) -> None:
    out = io.StringIO()
    assert main(endpoint_url=fresh_aws.endpoint_url, out=out) == 0  # type: ignore[attr-defined]
    text = out.getvalue()
    assert text.startswith(f"secure-sagemaker demo against {fresh_aws.endpoint_url}")  # type: ignore[attr-defined]
    assert "flagged: console-notebook, legacy-notebook" in text
    assert ss.guard.installed_policy() is None  # the demo leaves no guard behind
