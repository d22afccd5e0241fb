"""SARIF output: valid against the OASIS 2.1.0 schema and shaped the way GitHub code scanning needs."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from reportdata import build_report, build_scenario
from vecaudit.models import ScanReport, Severity
from vecaudit.report import ReportContext, render
from vecaudit.report.sarif import SarifFormat

jsonschema = pytest.importorskip("jsonschema")

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "shared" / "schemas" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def validator() -> Any:
    if not SCHEMA_PATH.is_file():
        pytest.skip(
            f"OASIS SARIF schema not found at {SCHEMA_PATH} (expected ../shared/schemas next to the repo)"
        )
    schema = json.loads(SCHEMA_PATH.read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _sarif(report: ScanReport) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(render(report, "sarif"))
    return data


def _empty_report() -> ScanReport:
    return build_report().model_copy(
        update={"findings": [], "rules": [], "stages_skipped": {}, "collections": []}
    )


@pytest.mark.parametrize(
    "report",
    [
        pytest.param(build_report(), id="default"),
        pytest.param(build_report(revealed=True), id="revealed"),
        pytest.param(build_report(complete=False), id="incomplete"),
        pytest.param(build_report(complete=False, allow_partial=True), id="partial"),
        pytest.param(build_report(extra_findings=30), id="many"),
        pytest.param(_empty_report(), id="empty"),
    ],
)
def test_validates_against_oasis_schema(validator: Any, report: ScanReport) -> None:
    errors = sorted(validator.iter_errors(_sarif(report)), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


def test_schema_validation_can_fail(validator: Any) -> None:
    """Guard against a validator that accepts anything: a broken document must be rejected."""
    data = _sarif(build_report())
    data["runs"][0]["results"][0]["level"] = "fatal"
    assert list(validator.iter_errors(data))


def test_github_required_shape() -> None:
    report = build_report()
    data = _sarif(report)
    assert data["version"] == "2.1.0" and data["$schema"].endswith("sarif-schema-2.1.0.json")
    (run,) = data["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "vecaudit" and driver["version"] == "0.1.0"
    assert driver["informationUri"].startswith("https://")
    rules = driver["rules"]
    assert [r["id"] for r in rules] == [r.id for r in report.rules]
    expected = {"critical": "9.0", "high": "7.0", "medium": "5.0", "low": "3.0", "info": "1.0"}
    levels = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
    for rule, info in zip(rules, report.rules, strict=True):
        assert rule["properties"]["security-severity"] == expected[info.severity.value]
        assert rule["defaultConfiguration"]["level"] == levels[info.severity.value]
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert "Remediation" in rule["help"]["text"] and "security" in rule["properties"]["tags"]

    results = run["results"]
    assert len(results) == sum(not f.allowlisted for f in report.findings) == 10
    assert run["properties"]["allowlistedOmitted"] == 2
    for res in results:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["level"] in {"error", "warning", "note"}
        loc = res["locations"][0]
        art = loc["physicalLocation"]["artifactLocation"]
        assert art["uriBaseId"] == "VECAUDIT_TARGET" and art["uri"].startswith("qdrant/")
        assert "://" not in art["uri"] and not art["uri"].startswith("/")
        assert loc["physicalLocation"]["region"] == {"startLine": 1}
        assert loc["logicalLocations"][0]["fullyQualifiedName"].count("/") == 2
        assert len(res["partialFingerprints"]["vecauditFinding/v1"]) == 64
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert "qdrant/support_tickets/default/17" in uris
    assert "qdrant/hr_notes/body/3" in uris
    assert "qdrant/patient_intake/default/6f1c2a9e-4b7d-4e0a-9a51-0c2d8e7f3b11" in uris
    assert {r.get("baselineState") for r in results} == {None, "new", "unchanged"}
    assert run["invocations"][0]["executionSuccessful"] is True
    assert run["invocations"][0]["startTimeUtc"] == "2026-11-22T10:00:00.000000Z"


def test_levels_follow_finding_severity() -> None:
    data = _sarif(build_report())
    by_entity = {(r["properties"]["entityType"], r["level"]) for r in data["runs"][0]["results"]}
    assert by_entity == {
        ("US_SSN", "error"),
        ("PERSON", "error"),
        ("EMAIL_ADDRESS", "error"),
        ("PHONE_NUMBER", "warning"),
    }


def test_data_left_unanalyzed_is_not_successful_and_notified() -> None:
    inv = _sarif(build_report(complete=False))["runs"][0]["invocations"][0]
    assert inv["executionSuccessful"] is False
    assert "endTimeUtc" not in inv
    coverage = [n for n in inv["toolExecutionNotifications"] if "descriptor" in n]
    assert [(n["descriptor"]["id"], n["level"], n["properties"]["pointIds"]) for n in coverage] == [
        ("coverage/unreadable_record", "error", [5]),
        ("coverage/size_limit", "error", [42]),
        ("coverage/non_finite_vector", "error", [23]),
    ]
    assert "Collection 'support_tickets': 1 field, size_limit" in coverage[1]["message"]["text"]
    # Accepted with --allow-partial: still not successful, and still said, as warnings.
    inv = _sarif(build_report(complete=False, allow_partial=True))["runs"][0]["invocations"][0]
    assert inv["executionSuccessful"] is False
    assert {n["level"] for n in inv["toolExecutionNotifications"] if "descriptor" in n} == {"warning"}


def test_fingerprints_are_stable_and_distinct() -> None:
    report = build_report()
    first = render(report, "sarif")
    shuffled = list(report.findings)
    random.Random(7).shuffle(shuffled)
    assert render(report.model_copy(update={"findings": shuffled}), "sarif") == first  # order-independent

    prints = [r["partialFingerprints"]["vecauditFinding/v1"] for r in json.loads(first)["runs"][0]["results"]]
    # Distinct even where one person's value shows up at several points and collections.
    assert len(set(prints)) == len(prints)
    other_key = build_scenario(key=b"another-deployment-key").report
    other = [r["partialFingerprints"]["vecauditFinding/v1"] for r in _sarif(other_key)["runs"][0]["results"]]
    assert not set(prints) & set(other)  # derived from the keyed HMAC, not from the bare value


def test_no_pii_or_plaintext_in_sarif_even_revealed() -> None:
    """SARIF is uploaded to CI/code hosts: never recovered text, only masked evidence."""
    scenario = build_scenario(revealed=True)
    text = render(scenario.report, "sarif").decode()
    for value in scenario.raw_values:
        assert value not in text
    messages = [r["message"]["text"] for r in json.loads(text)["runs"][0]["results"]]
    assert any("M********* O******" in m for m in messages)


def test_hostile_names_stay_valid(validator: Any) -> None:
    report = build_report()
    evil = "tick ets/<x>\x00\x1b%2F"
    update = {"collection": evil, "vector": "a/b", "field": "x\x00y", "evidence": "J*** \x1b[2J"}
    findings = [f.model_copy(update=update) for f in report.findings]
    data = _sarif(report.model_copy(update={"findings": findings}))
    assert not list(validator.iter_errors(data))
    uri = data["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.count("/") == 3  # slashes inside names are percent-encoded, segments stay intact
    dumped = json.dumps(data)
    assert "\\u0000" not in dumped and "\\u001b" not in dumped


def test_results_are_capped_worst_first(validator: Any) -> None:
    report = build_report(extra_findings=40)
    data = SarifFormat(max_results=12).render(report, ReportContext())
    run = json.loads(data)["runs"][0]
    assert not list(validator.iter_errors(json.loads(data)))
    assert len(run["results"]) == 12 and run["properties"]["resultsTruncated"] == 38
    # Every critical/high/medium finding survives; only the info-level extras were dropped.
    assert {r["properties"]["severity"] for r in run["results"]} == {"critical", "high", "medium", "info"}
    assert sum(r["properties"]["severity"] == "info" for r in run["results"]) == 2
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert any("38 lower-severity result(s) left out" in n["message"]["text"] for n in notes)


def test_fail_on_does_not_change_results() -> None:
    """GitHub filters by severity itself: SARIF lists every non-allowlisted finding, whatever --fail-on."""
    low = _sarif(build_report(fail_on=Severity.info))["runs"][0]["results"]
    high = _sarif(build_report(fail_on=Severity.critical))["runs"][0]["results"]
    assert len(low) == len(high)
