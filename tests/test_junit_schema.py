"""JUnit output validates against the junit-10 schema of Jenkins' xUnit plugin (tests/data/junit-10.xsd).

The plugin drops a whole file that fails its schema, so a CI gate built on it would see no tests at
all. GitLab and GitHub reporters read the same testsuites/testsuite/testcase shape.
"""

from __future__ import annotations

import base64
import pickle
import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from clitools import enter_sandbox, run_cli, write_policy
from lxml import etree
from reportdata import build_report
from storebuild import build_local
from vecaudit.models import ScanReport
from vecaudit.report import render

XSD = Path(__file__).parent / "data" / "junit-10.xsd"


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD)))


def _hostile(report: ScanReport) -> ScanReport:
    evil = '<x> & \x1b[31m "q" ]]>'
    collections = [
        c.model_copy(update={"name": evil}) if c.name == "hr_notes" else c for c in report.collections
    ]
    findings = [
        f.model_copy(update={"collection": evil}) if f.collection == "hr_notes" else f
        for f in report.findings
    ]
    return report.model_copy(update={"collections": collections, "findings": findings})


@pytest.mark.parametrize(
    "report",
    [
        pytest.param(build_report(), id="complete"),
        pytest.param(build_report(complete=False), id="data-not-analyzed"),
        pytest.param(build_report(complete=False, allow_partial=True), id="partial-accepted"),
        pytest.param(build_report(revealed=True, extra_findings=12), id="revealed-many"),
        pytest.param(_hostile(build_report(complete=False)), id="hostile-names"),
        pytest.param(build_report().model_copy(update={"collections": [], "findings": []}), id="empty"),
    ],
)
def test_junit_validates_against_the_xunit_junit_10_schema(
    schema: etree.XMLSchema, report: ScanReport
) -> None:
    doc = etree.fromstring(render(report, "junit"))
    assert schema.validate(doc), schema.error_log
    assert doc.get("skipped") is None  # counted per testsuite, where the schema allows it


def test_the_schema_rejects_what_the_plugin_rejects(schema: etree.XMLSchema) -> None:
    doc = etree.fromstring(render(build_report(), "junit"))
    doc.set("skipped", "1")  # what vecaudit used to write on the root
    assert not schema.validate(doc)
    assert "skipped" in str(schema.error_log.last_error)
    case = etree.fromstring(render(build_report(), "junit")).find("testsuite/testcase")
    assert case is not None
    del case.attrib["name"]  # a test case must be named
    assert not schema.validate(case.getroottree().getroot())


def test_a_real_partial_scan_writes_valid_junit_that_fails_its_coverage_case(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    schema: etree.XMLSchema,
) -> None:
    sandbox = enter_sandbox(tmp_path, monkeypatch)
    vectors = np.random.default_rng(3).normal(size=(3, 8)).astype(np.float32)
    folder = build_local(
        sandbox / "store", "docs", vectors, [{"text": "jane@example.org"}, {"t": "a"}, {"t": "b"}]
    )
    key = base64.b64encode(pickle.dumps(2, protocol=4)).decode()
    with sqlite3.connect(folder / "collection" / "docs" / "storage.sqlite") as conn:
        conn.execute("UPDATE points SET point = ? WHERE id = ?", (b"\x80\x04cut", key))
    out = sandbox / "scan.junit.xml"
    r = run_cli(
        capsys, "scan", folder, "--policy", write_policy(sandbox), "--no-invert", "-f", "junit", "-o", out
    )
    assert r.code == 2, r.err
    doc = etree.parse(str(out)).getroot()
    assert schema.validate(doc), schema.error_log
    failing: dict[str, Any] = {
        f"{case.getparent().get('name')}/{case.get('name')}": case.find("failure").get("message")
        for case in doc.iter("testcase")
        if case.find("failure") is not None
    }
    assert failing["vecaudit/scan-complete"] == "1 point(s) not analyzed"
    assert failing["docs/coverage"] == "1 point not analyzed (unreadable_record 1)"
    assert "docs/VA-PII-EMAIL_ADDRESS" in failing  # the rest of the store was still judged
    assert "jane@example.org" not in out.read_text()
