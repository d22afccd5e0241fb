"""The full report (formats html, markdown, pdf): summary first, charts inline, no PII in any of them."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from clitools import enter_sandbox, run_cli
from reportdata import build_scenario
from vecaudit.history import entry_from_report
from vecaudit.models import MitigationResult, WhatIfResult
from vecaudit.report import ReportContext, render
from vecaudit.report.compliance import build_compliance_document, wilson
from vecaudit.report.pdf import find_chromium
from vecaudit.whatif import DEFAULT_MITIGATIONS

needs_pdf_tools = pytest.mark.skipif(
    find_chromium() is None or shutil.which("pdftotext") is None,
    reason="PDF output needs chromium and poppler-utils (the setup script installs both)",
)


def _whatif(target: str) -> WhatIfResult:
    results = []
    for i, m in enumerate(DEFAULT_MITIGATIONS):
        hit = max(0, 12 - 2 * i)
        results.append(
            MitigationResult(
                mitigation=m,
                label=m.label,
                entities_total=40,
                entities_recovered=hit,
                leakage=hit / 40,
                mean_cosine=0.85 - 0.05 * i,
                recall_at_k=1.0 - 0.04 * i,
                vector_cosine=1.0 - 0.05 * i,
            )
        )
    return WhatIfResult(
        created_at="2026-11-22T09:00:00+00:00",
        target=target,
        collection="support_tickets",
        encoder="all-MiniLM-L6-v2",
        sample_size=32,
        utility_sample_size=1000,
        k=10,
        seed=0,
        ground_truth="payload",
        results=results,
    )


def _context() -> ReportContext:
    rep = build_scenario().report
    older = rep.model_copy(
        update={"run_id": "run-1", "started_at": "2026-10-01T10:00:00+00:00", "findings": rep.findings[:4]}
    )
    return ReportContext(history=[entry_from_report(older)], whatif=_whatif(rep.target))


def _visible(fmt_out: str) -> str:
    text = html.unescape(re.sub(r"<[^>]+>", " ", fmt_out))
    return text.replace("\\", "")


def test_wilson_interval() -> None:
    lo, hi = wilson(0, 10)
    assert lo == 0.0 and hi == pytest.approx(0.2775, abs=1e-3)
    lo, hi = wilson(5, 10)
    assert (lo, hi) == (pytest.approx(0.2366, abs=1e-3), pytest.approx(0.7634, abs=1e-3))
    assert wilson(0, 0) == (0.0, 1.0)
    assert wilson(12, 10) == wilson(10, 10)  # counts that disagree are clamped, never a math error


def test_sections_start_with_the_executive_summary() -> None:
    doc = build_compliance_document(build_scenario().report, _context())
    keys = [s.key for s in doc.sections]
    assert keys[:5] == ["executive", "methodology", "rules", "trend", "mitigations"]
    assert keys[-1] == "signoff"
    md = render(build_scenario().report, "markdown", context=_context()).decode()
    headings = re.findall(r"^## (.+)$", md, flags=re.M)
    assert headings[0] == "Executive summary"


@pytest.mark.parametrize("fmt", ["html", "markdown"])
def test_no_pii_and_the_numbers_are_there(fmt: str) -> None:
    scenario = build_scenario(revealed=False)
    out = render(scenario.report, fmt, context=_context()).decode()
    seen = _visible(out)
    for value in scenario.raw_values:
        assert value.lower() not in out.lower() and value.lower() not in seen.lower()
    for f in scenario.report.findings:
        if not f.allowlisted:
            assert f.evidence in seen  # masked evidence is shown per rule
    # Executive summary: risk per collection and recovery shares with Wilson intervals.
    exec_part = seen[seen.index("Overall risk: CRITICAL") : seen.index("The store was opened read-only")]
    # 3 inversion PERSON/phone/SSN points among 202 inverted: the CI is computed from the sample size.
    lo, hi = wilson(2, 202)
    assert f"1.0% ({100 * lo:.1f}%-{100 * hi:.1f}%)" in exec_part
    # Methodology names the encoder, how it was identified, and the inverter's measured strength.
    assert "statistical fingerprint" in seen and "payload text re-embedded" in seen
    assert "Measured on text styles unseen in training" in seen
    # Trend from history and the what-if's measured effect.
    assert "Compared with the previous scan (2026-10-01, run run-1)" in seen
    assert "noise sigma=0.05" in seen and "Recall@10" in seen
    assert "leaks least" in seen


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_revealed_raw_evidence_stays_out_of_the_findings_tables(fmt: str) -> None:
    """With --reveal a finding's evidence is the value itself; the tables headed "masked" mask it."""
    from vecaudit.redact import mask

    scenario = build_scenario(revealed=True)
    raw = "Marguerite Okonkwo"
    findings = [f.model_copy(update={"evidence": raw}) for f in scenario.report.findings]
    out = render(scenario.report.model_copy(update={"findings": findings}), fmt, context=_context()).decode()
    seen = _visible(out) if fmt == "html" else out
    head = seen.split("ecovered text (revealed)")[0]
    assert raw not in head.replace("\\", "")
    assert mask(raw) in seen.replace("\\", "")


def test_html_is_self_contained_with_inline_svg_charts() -> None:
    page = render(build_scenario().report, "html", context=_context()).decode()
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("<svg") == 4  # recovery shares, trend, mitigations, attackers frontier
    assert "default-src 'none'" in html.unescape(page)

    class Attrs(HTMLParser):
        found: set[str] = set()

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            assert tag not in {"script", "img", "link", "iframe", "object", "embed"}
            for name, value in attrs:
                self.found.add(name)
                assert not name.startswith("on")
                assert name not in {"src", "href", "srcset", "action"}
                assert "url(" not in (value or "")

    Attrs().feed(page)
    assert "@import" not in page and "http://www.w3.org/2000/svg" in page


def test_without_history_or_whatif_the_report_says_how_to_get_them() -> None:
    seen = _visible(render(build_scenario().report, "html").decode())
    assert "No earlier scan of this target" in seen
    assert "vecaudit whatif" in seen


def test_hostile_names_are_escaped_in_charts() -> None:
    rep = build_scenario().report
    bad = "<script>alert(1)</script>"
    findings = [
        f.model_copy(update={"entity_type": bad}) if f.source == "inversion" else f for f in rep.findings
    ]
    page = render(rep.model_copy(update={"findings": findings}), "html").decode()
    assert bad not in page and "&lt;script&gt;" in page


@needs_pdf_tools
def test_pdf_is_a_real_document_without_pii(tmp_path: Path) -> None:
    scenario = build_scenario(revealed=False)
    data = render(scenario.report, "pdf", context=_context())
    assert data.startswith(b"%PDF-")
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(data)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert text.index("Executive summary") < text.index("Methodology") < text.index("Recommended mitigations")
    for value in scenario.raw_values:
        assert value.lower() not in text.lower()
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) >= 3  # type: ignore[union-attr]


def test_report_command_on_a_scan_file_and_pdf_without_chromium(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    enter_sandbox(tmp_path, monkeypatch)
    rep = build_scenario().report
    (tmp_path / "scan.json").write_text(rep.model_dump_json())
    hist = tmp_path / "h.sqlite"
    from vecaudit.history import record_scan

    record_scan(rep.model_copy(update={"run_id": "run-0", "started_at": "2026-09-01T00:00:00+00:00"}), hist)
    # `-f html` is the full report: executive summary first, its charts inline, the trend from history.
    res = run_cli(capsys, "report", "scan.json", "-f", "html", "-o", "out.html", "--history", hist)
    assert res.code == 1, res.err  # the scenario has violations at or above high
    page = (tmp_path / "out.html").read_text()
    assert "run run-0" in page and "<svg" in page and "<figure>" in page
    assert page.index(">Executive summary</h2>") < page.index(">Appendix A: collections</h2>")
    # ...and the format follows from the file name too.
    res = run_cli(capsys, "report", "scan.json", "-o", "named.html", "--fail-on", "critical")
    assert res.code == 1 and "<svg" in (tmp_path / "named.html").read_text()
    res = run_cli(capsys, "report", "scan.json", "-f", "markdown", "-o", "x.md", "--fail-on", "critical")
    md = (tmp_path / "x.md").read_text()
    assert "- **Result:** FAIL" in md and "## Executive summary" in md
    # The old names of the full report say where it went.
    res = run_cli(capsys, "report", "scan.json", "-f", "compliance", "-o", "old.html")
    assert res.code == 2 and "now part of 'html'" in res.err

    monkeypatch.setenv("VECAUDIT_CHROMIUM", str(tmp_path / "no-such-chromium"))
    res = run_cli(capsys, "report", "scan.json", "-f", "pdf", "-o", "out.pdf")
    assert res.code == 2 and "needs Chromium" in res.err
    assert not (tmp_path / "out.pdf").exists()
    # A scan asked for a PDF fails before it starts, not after an hour of scanning.
    res = run_cli(capsys, "scan", "no-such-store", "-f", "pdf", "-f", "json", "-o", "audit")
    assert res.code == 2 and "needs Chromium" in res.err

    (tmp_path / "bad.json").write_text('{"run_id": 3}')
    res = run_cli(capsys, "report", "bad.json", "-f", "html")
    assert res.code == 2 and "not a vecaudit JSON scan report" in res.err


def test_compliance_report_says_the_scan_did_not_analyze_everything() -> None:
    report = build_scenario(complete=False).report
    md = render(report, "markdown").decode()
    text = re.sub(r"\\(.)", r"\1", md)
    assert (
        "This scan could not analyze all data in scope (support_tickets: 1 point, 1 field, 1 vector" in text
    )
    assert "Appendix B: coverage (what was not analyzed)" in text
    assert "unreadable_record" in text.split("Appendix B")[-1]
