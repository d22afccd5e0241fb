"""Baselines: accepted findings stop failing CI, new ones still fail, expired entries stop suppressing."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from clitools import enter_sandbox, pii_store, pii_values, run_cli, write_policy
from reportdata import PEOPLE, build_scenario, fingerprint, mask
from vecaudit.baseline import (
    BaselineError,
    apply_baseline,
    create_baseline,
    load_baseline,
    write_baseline,
)
from vecaudit.errors import VecauditError
from vecaudit.models import Finding, Severity
from vecaudit.report import render

TODAY = dt.date(2026, 11, 22)


def _new_finding() -> Finding:
    value = "ada.lovelace@analytical.engine"
    return Finding(
        collection="support_tickets",
        point_id=555,
        source="payload",
        entity_type="EMAIL_ADDRESS",
        score=1.0,
        severity=Severity.high,
        fingerprint=fingerprint("EMAIL_ADDRESS", value),
        evidence=mask(value),
        rule_id="VA-PII-EMAIL_ADDRESS",
        field="customer.email",
    )


def test_baselined_findings_are_unchanged_and_do_not_fail() -> None:
    report = build_scenario().report
    assert report.summary.violations > 0
    baseline = create_baseline(
        report, justification="legacy data, purge booked", expires=TODAY.replace(year=2027), today=TODAY
    )
    same, outcome = apply_baseline(report, baseline, today=TODAY)
    assert {f.baseline_state for f in same.findings} == {"unchanged"}
    assert same.summary.violations == 0 and outcome.new == 0 and outcome.unchanged == len(report.findings)
    assert same.summary.findings_total == len(report.findings)  # still reported, just accepted

    grown = report.model_copy(update={"findings": [*report.findings, _new_finding()]})
    marked, outcome = apply_baseline(grown, baseline, today=TODAY)
    new = [f for f in marked.findings if f.baseline_state == "new"]
    assert [f.point_id for f in new] == [555]
    assert marked.summary.violations == 1 and outcome.new == 1

    sarif = json.loads(render(marked, "sarif"))
    states = [r.get("baselineState") for r in sarif["runs"][0]["results"]]
    assert states.count("new") == 1 and states.count("unchanged") == len(states) - 1 >= 9


def test_expired_entries_no_longer_suppress_and_are_reported() -> None:
    report = build_scenario().report
    baseline = create_baseline(report, justification="accepted", expires=dt.date(2026, 12, 1), today=TODAY)
    later = dt.date(2026, 12, 2)
    marked, outcome = apply_baseline(report, baseline, today=later)
    assert {f.baseline_state for f in marked.findings} == {"new"}
    assert marked.summary.violations == report.summary.violations
    assert len(outcome.expired) == len(baseline.entries)
    text = "\n".join(outcome.lines())
    assert "expired on 2026-12-01" in text
    # Expiry day itself still counts as valid.
    _, on_the_day = apply_baseline(report, baseline, today=dt.date(2026, 12, 1))
    assert not on_the_day.expired


def test_absent_entries_are_listed() -> None:
    report = build_scenario().report
    baseline = create_baseline(report, justification="accepted", expires=dt.date(2027, 1, 1), today=TODAY)
    fewer = report.model_copy(update={"findings": report.findings[:3]})
    _, outcome = apply_baseline(fewer, baseline, today=TODAY)
    assert outcome.absent and len(outcome.absent) == len(baseline.entries) - 3


def test_baseline_file_holds_no_pii_and_round_trips(tmp_path: Path) -> None:
    scenario = build_scenario()
    baseline = create_baseline(scenario.report, justification="ok", expires=dt.date(2027, 1, 1), today=TODAY)
    path = tmp_path / ".vecaudit-baseline.json"
    write_baseline(baseline, path)
    text = path.read_text()
    for value in scenario.raw_values:
        assert value.lower() not in text.lower()
    for f in scenario.report.findings:
        assert f.evidence not in text  # not even masked evidence: fingerprints only
    assert load_baseline(path) == baseline


def test_bad_baselines_are_clear_errors(tmp_path: Path) -> None:
    report = build_scenario().report
    with pytest.raises(BaselineError, match="not in the future"):
        create_baseline(report, justification="x", expires=TODAY, today=TODAY)
    with pytest.raises(BaselineError, match="justification"):
        create_baseline(report, justification="  ", expires=dt.date(2027, 1, 1), today=TODAY)
    bad = tmp_path / "b.json"
    bad.write_text('{"entries": [{"collection": "c"}]}')
    with pytest.raises(VecauditError, match="malformed at entries.0"):
        load_baseline(bad)
    with pytest.raises(VecauditError, match="cannot read baseline"):
        load_baseline(tmp_path / "missing.json")


def test_scan_with_baseline_fails_only_on_new_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sandbox = enter_sandbox(tmp_path, monkeypatch)
    records = pii_store(sandbox / "store", 24)
    policy = write_policy(sandbox)
    common = ["--no-invert", "--policy", str(policy), "--fail-on", "medium"]
    first = run_cli(capsys, "scan", "store", *common, "-f", "json", "-o", "first.json")
    assert first.code == 1

    made = run_cli(
        capsys,
        "baseline",
        "create",
        "first.json",
        "--justification",
        "known legacy rows",
        "--expires",
        "2999-01-01",
        "-o",
        ".vecaudit-baseline.json",
    )
    assert made.code == 0, made.err
    assert "written to .vecaudit-baseline.json" in made.out

    second = run_cli(
        capsys,
        "scan",
        "store",
        *common,
        "--baseline",
        ".vecaudit-baseline.json",
        "-f",
        "sarif",
        "-f",
        "json",
        "-f",
        "html",
        "-o",
        "second",
    )
    assert second.code == 0, second.err
    assert "0 new finding(s)" in second.err
    sarif = json.loads((sandbox / "second.sarif").read_text())
    states = {r["baselineState"] for r in sarif["runs"][0]["results"]}
    assert states == {"unchanged"}
    out = (
        (sandbox / "second.json").read_text()
        + (sandbox / "second.sarif").read_text()
        + second.out
        + second.err
    )
    for value in pii_values(records):
        assert value not in out

    # Both scans landed in the history.
    listed = run_cli(capsys, "history")
    assert listed.code == 0
    rows = listed.out.strip().splitlines()[1:]
    assert len(rows) == 2 and all(row.rstrip().endswith("yes") for row in rows)


def test_baseline_create_rejects_a_bad_date(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    enter_sandbox(tmp_path, monkeypatch)
    (tmp_path / "scan.json").write_text(build_scenario().report.model_dump_json())
    res = run_cli(capsys, "baseline", "create", "scan.json", "-j", "x", "--expires", "next week")
    assert res.code == 2 and "YYYY-MM-DD" in res.err
    res = run_cli(capsys, "baseline", "create", "nope.json", "-j", "x", "--expires", "2999-01-01")
    assert res.code == 2 and "cannot read scan report" in res.err
    assert PEOPLE[0].name not in res.err
