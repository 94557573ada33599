"""Rendering an audit report: text, JSON, SARIF 2.1.0 and Markdown."""

from __future__ import annotations

import json

import attrs
import pytest

from secure_sagemaker.audit import AuditReport
from secure_sagemaker.audit._render import FORMATS, render
from secure_sagemaker.controls import CATALOG
from secure_sagemaker.rules import Finding, Severity

NB = "arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/nb"
BUCKET = "arn:aws:s3:::ml-artifacts"


def finding(rule_id: str, status: str, resource: str, field: str = "F") -> Finding:
    rule = CATALOG.rule(rule_id)
    return Finding(
        rule_id,
        rule.severity,
        status,
        field,
        f"{rule.title}: msg",  # type: ignore[arg-type]
        rule.remediation,
        resource=resource,
        resource_type="AWS::X::Y",
        account="123456789012",
        region="us-east-1",
    )


REPORT = AuditReport(
    findings=(
        finding("SM103", "fail", NB, "DirectInternetAccess"),
        finding("SM108", "fail", NB, "DefaultCodeRepository"),
        finding("SM104", "pass", NB),
        finding("SM403", "waived", BUCKET),
        finding("SM406", "error", BUCKET, ""),
        finding("SM510", "fail", NB, "Environment|x"),
    ),
    listed=2,
    assessed=2,
    accounts=("123456789012",),
    regions=("us-east-1",),
)


def test_text_groups_by_severity_most_severe_first_and_colours_only_on_request() -> None:
    text = render(REPORT, "text", fail_on="high")
    assert text.index("CRITICAL (1)") < text.index("HIGH (3)") < text.index("LOW (1)")
    assert "FAIL SM103" in text and "WAIV SM403" in text and "ERR  SM406" in text
    assert "SM104" not in text  # passes are counted, not listed
    assert "pass 1  fail 3  waived 1  error 1" in text
    assert "2 failure(s) at or above high" in text
    assert "\x1b[" not in text
    assert "\x1b[1;35mCRITICAL" in render(REPORT, "text", colour=True)


def test_json_is_the_whole_report() -> None:
    data = json.loads(render(REPORT, "json"))
    assert data["listed"] == data["assessed"] == 2
    assert len(data["findings"]) == 6
    assert data["findings"][0]["severity"] in ("low", "medium", "high", "critical")


def test_sarif_has_rules_with_help_and_results_located_at_the_arn() -> None:
    log = json.loads(render(REPORT, "sarif"))
    assert log["version"] == "2.1.0" and "sarif-2.1.0" in log["$schema"]
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["SM103", "SM108", "SM403", "SM406", "SM510"]
    for r in rules:
        assert r["helpUri"] == f"docs/controls.md#{r['id'].lower()}"
        assert r["help"]["text"] and r["shortDescription"]["text"]
    results = run["results"]
    assert len(results) == 5
    for res in results:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        loc = res["locations"][0]
        assert loc["physicalLocation"]["artifactLocation"]["uri"] in (NB, BUCKET)
        assert loc["logicalLocations"][0]["fullyQualifiedName"] in (NB, BUCKET)
    by_id = {r["ruleId"]: r for r in results}
    assert by_id["SM510"]["level"] == "error" and by_id["SM108"]["level"] == "note"
    assert by_id["SM403"]["suppressions"][0]["kind"] == "external"
    assert by_id["SM406"]["kind"] == "open"
    assert run["invocations"][0]["executionSuccessful"] is True


def test_markdown_is_a_pull_request_comment() -> None:
    md = render(REPORT, "markdown", fail_on="critical")
    assert md.startswith("### :x: secure-sagemaker audit")
    assert "1 failure(s) at or above **critical**" in md
    assert "| [SM510](docs/controls.md#sm510) |" in md
    assert "<details><summary>1 could not be assessed</summary>" in md
    assert "<details><summary>1 waived</summary>" in md
    piped = AuditReport((attrs.evolve(finding("SM103", "fail", NB), message="a|b"),), 1, 1)
    assert "| a\\|b Fix:" in render(piped, "markdown")
    clean = AuditReport((finding("SM104", "pass", NB),), 1, 1)
    assert render(clean, "markdown").startswith("### :white_check_mark:")


def test_unknown_format_is_refused() -> None:
    assert set(FORMATS) == {"text", "json", "sarif", "markdown", "asff"}
    with pytest.raises(ValueError, match="unknown format"):
        render(REPORT, "xml")


def test_report_failures_filter_and_order() -> None:
    assert [f.rule_id for f in REPORT.failures("high")] == ["SM510", "SM103"]
    assert [f.rule_id for f in REPORT.failures()] == ["SM510", "SM103", "SM108"]
    assert REPORT.failures(Severity.CRITICAL)[0].rule_id == "SM510"
