"""Report formats: JSON contract, redaction in every format, JUnit/Markdown/HTML content, the format
registry (entry points, the render(report, context) interface and its legacy adapter), files."""

from __future__ import annotations

import html
import json
import os
import re
import stat
import textwrap
import tomllib
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from reportdata import build_report, build_scenario
from vecaudit.errors import VecauditError
from vecaudit.models import SCHEMA_VERSION, Finding, InversionRecord, ScanReport, Severity
from vecaudit.report import (
    BUILTIN_ORDER,
    available_formats,
    format_for_path,
    get_format,
    render,
    write_reports,
)

#: The built-in formats rendered here (pdf needs Chromium: test_compliance_report covers it).
BUILTINS = ["json", "sarif", "junit", "markdown", "html"]
#: How the built-ins are listed (`--format` help, error messages).
LISTED = [*BUILTINS, "pdf"]
#: Where the revealed-text appendix starts in what a reader of each format sees.
REVEALED_HEADING = {
    "markdown": "## Appendix E: recovered text (revealed)",
    "html": ">Appendix E: recovered text (revealed)</h2>",
}


def _md_unescape(text: str) -> str:
    """What a Markdown reader sees: backslash escapes removed."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)


def _hostile(report: ScanReport) -> ScanReport:
    """Rename a collection and a field to markup/control-character laden strings."""
    evil = "<script>alert('x')</script> | ** & \x1b[31m"
    findings = [
        f.model_copy(update={"collection": evil, "field": "<img src=x onerror=alert(1)>"})
        if f.collection == "support_tickets"
        else f
        for f in report.findings
    ]
    collections = [
        c.model_copy(update={"name": evil, "notes": ["<b>note</b> with | pipe"]})
        if c.name == "support_tickets"
        else c
        for c in report.collections
    ]
    return report.model_copy(update={"findings": findings, "collections": collections})


# ---------------------------------------------------------------- JSON contract


def test_json_matches_design_contract() -> None:
    report = build_report()
    data = json.loads(render(report, "json"))
    assert next(iter(data)) == "schema_version"
    assert data["schema_version"] == SCHEMA_VERSION == "1.5"
    assert "inversions" not in data  # absent, not null, without --reveal
    assert [c["name"] for c in data["collections"]] == ["support_tickets", "hr_notes", "patient_intake"]
    for c in data["collections"]:
        assert {"name", "points_total", "points_scanned", "encoder"} <= c.keys()
        assert set(c["encoder"]) >= {"name", "confidence", "method"}
    assert data["collections"][0]["encoder"] == {
        "name": "all-MiniLM-L6-v2",
        "confidence": 0.99,
        "method": "payload+fingerprint",
        "details": {},
    }
    required = {"collection", "point_id", "vector", "source", "entity_type", "score", "severity"}
    for f in data["findings"]:
        assert required | {"fingerprint", "evidence"} <= f.keys()
        assert f["source"] in {"payload", "inversion"}
        assert re.fullmatch(r"[0-9a-f]{64}", f["fingerprint"])
    assert len(data["findings"]) == len(report.findings)
    # UUID ids stay strings, integer ids stay integers.
    assert {type(f["point_id"]) for f in data["findings"]} == {int, str}


def test_json_reveal_adds_inversions_and_round_trips() -> None:
    scenario = build_scenario(revealed=True)
    data = json.loads(render(scenario.report, "json"))
    assert list(data)[-1] == "inversions"
    assert {tuple(sorted(r)) for r in data["inversions"]} >= {
        ("collection", "cosine", "point_id", "text", "vector")
    }
    assert sorted(r["text"] for r in data["inversions"]) == sorted(scenario.recovered_texts)
    assert ScanReport.model_validate(data) == scenario.report


def test_json_is_deterministic_and_strict() -> None:
    report = build_report()
    bad = report.findings[0].model_copy(update={"score": float("nan")})
    report = report.model_copy(update={"findings": [bad, *report.findings[1:]]})
    out = render(report, "json")
    assert out == render(report, "json")
    assert json.loads(out)["findings"][0]["score"] is None  # NaN is not JSON; strict parsers would reject it
    assert b"NaN" not in out


# ---------------------------------------------------------------- redaction (the key acceptance)


@pytest.mark.parametrize("fmt", BUILTINS)
def test_no_raw_pii_without_reveal(fmt: str) -> None:
    scenario = build_scenario(revealed=False)
    out = render(scenario.report, fmt).decode("utf-8")
    # Also compare against the unescaped views, so escaping can't hide a leak from this test.
    views = [out, html.unescape(out), _md_unescape(out)]
    for value in scenario.raw_values:
        for view in views:
            assert value.lower() not in view.lower(), f"{fmt} leaked a raw PII value"
    # ...while the masked evidence is there instead.
    masked_ssn = next(f.evidence for f in scenario.report.findings if f.entity_type == "US_SSN")
    assert masked_ssn in html.unescape(_md_unescape(out))


@pytest.mark.parametrize("fmt", BUILTINS)
def test_unrevealed_report_never_prints_inversion_text(fmt: str) -> None:
    """Defence in depth: even if a producer filled `inversions` without --reveal, no text comes out."""
    scenario = build_scenario(revealed=True)
    leaky = scenario.report.model_copy(update={"revealed": False})
    out = render(leaky, fmt).decode("utf-8")
    for text in scenario.recovered_texts:
        assert text not in out
    for value in scenario.raw_values:
        assert value not in html.unescape(_md_unescape(out))


@pytest.mark.parametrize("fmt", BUILTINS)
def test_reveal_goes_only_to_json_markdown_html(fmt: str) -> None:
    """With --reveal, recovered text appears in JSON and the Markdown/HTML inversions section only.

    SARIF and JUnit never carry it: those files are uploaded to CI systems and code hosts whose
    readers are not the authorised auditors who asked for --reveal.
    """
    scenario = build_scenario(revealed=True)
    out = render(scenario.report, fmt).decode("utf-8")
    seen = html.unescape(_md_unescape(out)) if fmt in {"markdown", "html"} else out
    if fmt in {"sarif", "junit"}:
        for value in scenario.raw_values:
            assert value not in seen
        return
    for text in scenario.recovered_texts:
        assert text in seen
    if fmt != "json":
        # Only inside the inversions appendix: everything before it is as redacted as without reveal.
        assert REVEALED_HEADING[fmt] in seen
        head = seen.split(REVEALED_HEADING[fmt])[0]
        for value in scenario.raw_values:
            assert value not in head


@pytest.mark.parametrize("fmt", ["sarif", "junit"])
def test_revealed_raw_evidence_is_masked_in_ci_formats(fmt: str) -> None:
    """With --reveal the pipeline puts the value itself in `evidence`: SARIF and JUnit mask it again."""
    from vecaudit.redact import mask

    scenario = build_scenario(revealed=True)
    raw = "Marguerite Okonkwo"
    findings = [f.model_copy(update={"evidence": raw}) for f in scenario.report.findings]
    out = render(scenario.report.model_copy(update={"findings": findings}), fmt).decode("utf-8")
    assert raw not in out
    assert mask(raw) in out


# ---------------------------------------------------------------- JUnit


def _suites(report: ScanReport) -> ET.Element:
    return ET.fromstring(render(report, "junit"))


def test_junit_structure_and_failures() -> None:
    report = build_report()
    root = _suites(report)
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["vecaudit", "support_tickets", "hr_notes", "patient_intake"]
    scan = suites[0]
    assert [c.get("name") for c in scan.findall("testcase")] == ["scan-complete", "stage:translate"]
    assert scan.find("testcase/error") is None
    rule_ids = [r.id for r in report.rules]
    failed: dict[str, set[str]] = {}
    for suite in suites[1:]:
        cases = suite.findall("testcase")
        assert [c.get("name") for c in cases] == ["coverage", *rule_ids]
        failed[suite.get("name") or ""] = {
            c.get("name") or "" for c in cases if c.find("failure") is not None
        }
        assert suite.get("failures") == str(len(failed[suite.get("name") or ""]))
        assert suite.get("tests") == str(1 + len(rule_ids))
    assert failed == {
        # support_tickets' email finding is accepted in a baseline ("unchanged"): it never fails CI.
        "support_tickets": {"VA-PII-US_SSN", "VA-PII-PERSON"},
        # hr_notes' only email finding is allowlisted: allowlisted findings never fail.
        "hr_notes": {"VA-PII-US_SSN", "VA-PII-PERSON"},
        "patient_intake": {"VA-PII-US_SSN", "VA-PII-PERSON"},
    }
    total_failures = sum(int(s.get("failures") or 0) for s in suites)
    assert root.get("failures") == str(total_failures) == "6"
    assert root.get("tests") == str(sum(int(s.get("tests") or 0) for s in suites))
    person = next(c for c in suites[1].findall("testcase") if c.get("name") == "VA-PII-PERSON")
    failure = person.find("failure")
    assert failure is not None and failure.text is not None
    assert "2 violation(s)" in failure.text and "M********* O******" in failure.text


def test_junit_respects_fail_on_and_allowlist() -> None:
    root = _suites(build_report(fail_on=Severity.critical))
    failing = {
        (s.get("name"), c.get("name"))
        for s in root.iter("testsuite")
        for c in s
        if c.find("failure") is not None
    }
    assert failing == {(name, "VA-PII-US_SSN") for name in ("support_tickets", "hr_notes", "patient_intake")}
    root = _suites(build_report(fail_on=Severity.info))
    email = [c for c in root.iter("testcase") if c.get("name") == "VA-PII-EMAIL_ADDRESS"]
    # tickets: baselined, hr_notes: allowlisted, patient_intake: none -> no email case fails.
    assert [c.find("failure") is not None for c in email] == [False, False, False]


def test_junit_data_left_unanalyzed_fails_scan_and_collection_cases() -> None:
    root = _suites(build_report(complete=False))
    case = root.find("testsuite[@name='vecaudit']/testcase[@name='scan-complete']")
    assert case is not None
    failure = case.find("failure")
    assert failure is not None and failure.get("type") == "IncompleteCoverage"
    assert failure.get("message") == "1 point(s), 1 field(s), 1 vector(s) not analyzed"
    coverage = root.find("testsuite[@name='support_tickets']/testcase[@name='coverage']/failure")
    assert coverage is not None and coverage.text is not None
    assert "unreadable_record" in coverage.text and "point id(s) 5" in coverage.text
    assert "field body" in coverage.text and "non_finite_vector" in coverage.text
    # The other collections were analyzed whole: their coverage cases pass.
    assert root.find("testsuite[@name='hr_notes']/testcase[@name='coverage']/failure") is None
    assert root.get("failures") == str(6 + 2)  # the rule failures plus the two coverage failures


def test_junit_allow_partial_skips_the_coverage_cases_instead() -> None:
    root = _suites(build_report(complete=False, allow_partial=True))
    assert not [
        c
        for c in root.iter("testcase")
        if c.get("name") in ("scan-complete", "coverage") and len(c.findall("failure"))
    ]
    skipped = root.find("testsuite[@name='support_tickets']/testcase[@name='coverage']/skipped")
    assert skipped is not None and "accepted with --allow-partial" in (skipped.get("message") or "")
    assert root.find("testsuite[@name='support_tickets']").get("skipped") == "1"  # type: ignore[union-attr]


def test_junit_escapes_hostile_names() -> None:
    raw = render(_hostile(build_report()), "junit")
    root = ET.fromstring(raw)  # still well-formed despite markup and an ESC control character
    assert b"<script>" not in raw and b"\x1b" not in raw
    names = [s.get("name") or "" for s in root.findall("testsuite")]
    assert any(n.startswith("<script>alert('x')</script>") for n in names)


# ---------------------------------------------------------------- Markdown


def _section(md: str, title: str) -> str:
    """The body of the Markdown section headed `title` (read with escapes removed), up to the next one."""
    return _md_unescape(md).split(f"\n## {title}\n")[1].split("\n## ")[0]


def test_markdown_is_the_full_report() -> None:
    scenario = build_scenario(revealed=False)
    md = render(scenario.report, "markdown").decode()
    headings = re.findall(r"^## (.+)$", _md_unescape(md), flags=re.M)
    assert headings == [
        "Executive summary",
        "Methodology",
        "Findings by policy rule",
        "Trend against earlier scans",
        "Recommended mitigations",
        "Appendix A: collections",
        "Appendix B: coverage (what was not analyzed)",
        "Appendix C: all findings",
        "Appendix D: skipped stages",
        "Review and sign-off",
    ]
    text = _md_unescape(md)
    assert "- **Result:** FAIL" in md
    assert "8 finding(s) violate the policy at or above high." in text
    assert "| **critical** | 3 |" in md
    assert "Chart: Recoverable from vectors alone" in text  # a chart becomes its caption...
    assert "| PERSON | 2/202 | 1.0% (0.3%-3.5%) |" in text  # ...and its numbers are in the table beside it
    collections = _section(md, "Appendix A: collections")
    row = next(
        line for line in collections.splitlines() if line.startswith("| support_tickets | 1200 | 200 | - |")
    )
    assert "all-MiniLM-L6-v2 | 0.99 | payload+fingerprint" in row
    assert "Sampled 200 of 1200 points." in row
    assert "| translate | Every identified encoder has its own inverter; no adapter needed. |" in md
    findings_rows = _section(md, "Appendix C: all findings").count("\n| **")
    assert findings_rows == len(scenario.report.findings)


def test_markdown_and_html_say_what_was_not_analyzed() -> None:
    md = _md_unescape(render(build_report(complete=False), "markdown").decode())
    assert "- **Result:** INCOMPLETE" in md
    assert "This scan could not analyze all data in scope (support_tickets: 1 point, 1 field, 1 vector" in md
    coverage = _section(md, "Appendix B: coverage (what was not analyzed)")
    assert "| support_tickets | point | 1 | unreadable_record |" in coverage
    assert (
        "| support_tickets | field | 1 | size_limit |" in coverage
        and "field body; point id(s) 42" in coverage
    )
    assert "| support_tickets | vector | 1 | non_finite_vector |" in coverage
    row = next(line for line in md.splitlines() if line.startswith("| support_tickets | 1200 | 200 |"))
    assert "1 point, 1 field, 1 vector not analyzed" in row
    partial = _md_unescape(render(build_report(complete=False, allow_partial=True), "markdown").decode())
    assert "- **Result:** FAIL" in partial
    assert "The auditor accepted a partial scan (--allow-partial)." in partial
    clean = _md_unescape(render(build_report(), "markdown").decode())
    assert "Every point, payload value, key and vector in scope was analyzed" in clean
    page = html.unescape(render(build_report(complete=False), "html").decode())
    assert "INCOMPLETE" in page and "unreadable_record" in page and "non_finite_vector" in page


def test_markdown_caps_findings_and_counts_the_rest() -> None:
    report = build_report(extra_findings=250)
    md = render(report, "markdown").decode()
    table = _section(md, "Appendix C: all findings")
    assert table.count("\n| **") == 200
    assert f"{len(report.findings) - 200} more finding(s) not shown" in md


def test_markdown_reveal_section_and_escaping() -> None:
    md = render(_hostile(build_report(revealed=True)), "markdown").decode()
    assert REVEALED_HEADING["markdown"] in _md_unescape(md)
    body = "\n".join(line.removeprefix("> ") for line in md.splitlines())  # our own blockquote
    assert not re.search(r"(?<!\\)[<>]", body), "raw HTML must be escaped in Markdown"
    assert "\x1b" not in md
    # The pipe inside the hostile name is escaped, so every collection row keeps 10 cells.
    section = md.split("## Appendix A: collections")[1].split("## Appendix B")[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "---" not in line]
    assert rows and all(len(re.split(r"(?<!\\)\|", r)) - 2 == 10 for r in rows)


# ---------------------------------------------------------------- HTML


class _TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attrs: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attrs.update(name for name, _ in attrs)


def test_html_is_self_contained_and_escaped() -> None:
    page = render(_hostile(build_report(revealed=True)), "html").decode()
    assert page.startswith("<!DOCTYPE html>")
    parser = _TagCollector()
    parser.feed(page)
    # Only structural tags and inline SVG shapes, and no attribute that could fetch or run anything.
    assert parser.tags <= {
        *("html", "head", "meta", "title", "style", "body", "main", "header", "footer", "section"),
        *("h1", "h2", "p", "ul", "li", "dl", "dt", "dd", "div", "span", "figure", "figcaption"),
        *("table", "thead", "tbody", "tr", "th", "td"),
        *("svg", "g", "rect", "line", "polyline", "circle", "path", "text"),
    }
    assert not any(a in {"src", "href", "srcset", "action"} or a.startswith("on") for a in parser.attrs)
    assert "\x1b" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "@import" not in page and "url(" not in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in html.unescape(page)
    assert "prefers-color-scheme: dark" in page
    assert '<section id="appendix-inversions">' in page
    assert "<svg" in page  # the full report, with its charts


def test_html_has_same_content_as_markdown() -> None:
    report = build_report(revealed=True)
    md = _md_unescape(render(report, "markdown").decode())
    page = html.unescape(render(report, "html").decode())
    for f in report.findings:
        assert f.evidence in md and f.evidence in page
    for heading in re.findall(r"^## (.+)$", md, flags=re.M):
        assert f">{heading}</h2>" in page
    cells = re.findall(r"^\| (.+) \|$", md, flags=re.M)
    for row in cells:
        for cell in row.split(" | "):
            cell = cell.strip("*")
            if cell and set(cell) != {"-"}:
                assert cell in page


# ---------------------------------------------------------------- registry


def test_available_formats_and_unknown_name() -> None:
    assert available_formats()[: len(LISTED)] == LISTED == list(BUILTIN_ORDER)
    for name in LISTED:
        fmt = get_format(name)
        assert fmt.name == name and fmt.extension.startswith(".") and fmt.media_type
    with pytest.raises(VecauditError) as err:
        get_format("docx")
    assert "unknown report format 'docx'" in str(err.value)
    for name in LISTED:
        assert name in str(err.value)


def test_builtin_formats_are_published_as_entry_points() -> None:
    """The built-ins come in through the loader like a plugin; BUILTIN_ORDER only orders them."""
    from vecaudit.plugins.loader import REPORT_FORMATS, discover

    pyproject = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
    published = pyproject["project"]["entry-points"][REPORT_FORMATS.group]
    assert list(published) == list(BUILTIN_ORDER)
    assert {p.name: p.target for p in discover(REPORT_FORMATS) if p.builtin} == published


@pytest.mark.parametrize(("old", "new"), [("compliance", "html"), ("compliance-md", "markdown")])
def test_merged_format_names_say_where_they_went(old: str, new: str) -> None:
    with pytest.raises(VecauditError, match=f"unknown report format '{old}'.*now part of '{new}'"):
        get_format(old)


def test_without_vecaudits_entry_points_the_error_says_to_reinstall(monkeypatch: pytest.MonkeyPatch) -> None:
    """A source checkout whose install predates the entry points finds no format at all."""
    import vecaudit.plugins.loader as loader

    monkeypatch.setattr(loader, "entry_points", lambda group: [])
    with pytest.raises(VecauditError, match=r"unknown report format 'json'.*reinstall vecaudit"):
        get_format("json")


def test_old_interface_is_told_apart_by_its_signature() -> None:
    from vecaudit.report.base import takes_context

    class Old:
        def render(self, report): ...

    class New:
        def render(self, report, context): ...

    class Defaulted:
        def render(self, report, context=None): ...

    class Variadic:
        def render(self, *args): ...

    assert not takes_context(Old().render)
    assert takes_context(New().render) and takes_context(Defaulted().render)
    assert takes_context(Variadic().render)


def test_format_for_path() -> None:
    assert format_for_path(Path("audit.html")) == "html"
    assert format_for_path(Path("out/audit.junit.xml")) == "junit"
    assert format_for_path(Path("audit.compliance.md")) == "markdown"
    assert format_for_path(Path("audit.txt")) is None


def _install_plugin(root: Path, entry_points: str, module: str) -> None:
    """A real distribution on sys.path (dist-info + module), found through importlib.metadata."""
    (root / "vecaudit_test_plugin.py").write_text(textwrap.dedent(module))
    info = root / "vecaudit_test_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: vecaudit-test-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(textwrap.dedent(entry_points))


def test_entry_point_plugins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _install_plugin(
        tmp_path,
        """
        [vecaudit.report_formats]
        csv = vecaudit_test_plugin:CsvFormat
        tsv = vecaudit_test_plugin:TSV
        json = vecaudit_test_plugin:CsvFormat
        history = vecaudit_test_plugin:HistoryFormat
        broken = vecaudit_test_plugin:Missing
        shapeless = vecaudit_test_plugin:Shapeless
        """,
        """
        class CsvFormat:  # written against the first interface, render(report)
            name = "csv"
            extension = ".csv"
            media_type = "text/csv"
            def __init__(self, sep=","):
                self.sep = sep
            def render(self, report):
                rows = [self.sep.join((f.collection, str(f.point_id), f.entity_type))
                        for f in report.findings]
                return ("\\n".join(rows) + "\\n").encode()

        TSV = CsvFormat("\\t")
        TSV.name, TSV.extension = "tsv", ".tsv"

        class HistoryFormat:  # the current interface, render(report, context)
            name = "history"
            extension = ".history.txt"
            media_type = "text/plain"
            def render(self, report, context):
                return f"{len(context.history)} earlier scan(s)".encode()

        class Shapeless:
            name = "shapeless"
        """,
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    names = available_formats()
    assert names[: len(LISTED)] == LISTED
    assert names[len(LISTED) :] == ["broken", "csv", "history", "shapeless", "tsv"]  # plugins by name
    assert names.count("json") == 1
    report = build_report()
    # A format written for render(report) is adapted once, when loaded, and renders as before.
    assert type(get_format("csv")).__name__ == "LegacyFormat"
    assert render(report, "csv").splitlines()[0] == b"support_tickets,17,EMAIL_ADDRESS"
    assert b"\t" in render(report, "tsv")
    assert render(report, "history") == b"0 earlier scan(s)"
    assert render(report, "json").startswith(b"{")  # a plugin cannot replace a built-in
    with pytest.raises(VecauditError, match="broken"):
        get_format("broken")
    with pytest.raises(VecauditError, match=r"'shapeless' does not provide .*render\(report, context\)"):
        get_format("shapeless")
    paths = write_reports(report, ["json", "csv"], tmp_path / "out" / "scan")
    assert [p.name for p in paths] == ["scan.json", "scan.csv"]
    # Guessing a format from a file name loads them all: a broken one is skipped with a warning.
    with caplog.at_level("WARNING"):
        assert format_for_path(Path("scan.history.txt")) == "history"
    assert "'broken'" in caplog.text and "'shapeless'" in caplog.text


def test_a_named_format_that_is_broken_fails_before_the_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from clitools import enter_sandbox, run_cli

    enter_sandbox(tmp_path, monkeypatch)
    _install_plugin(tmp_path, "[vecaudit.report_formats]\nbroken = vecaudit_test_plugin:Missing\n", "")
    monkeypatch.syspath_prepend(str(tmp_path))
    res = run_cli(capsys, "scan", "no-such-store", "-f", "json", "-f", "broken", "-o", "audit")
    assert res.code == 2, res.err
    assert "report format plugin 'broken'" in res.err and "no-such-store" not in res.err
    assert not (tmp_path / "audit.json").exists()


# ---------------------------------------------------------------- write_reports


def test_write_reports_with_stem(tmp_path: Path) -> None:
    report = build_report()
    stem = tmp_path / "reports" / "vecaudit"
    paths = write_reports(report, ["json", "sarif", "junit", "markdown"], stem)
    assert [p.name for p in paths] == ["vecaudit.json", "vecaudit.sarif", "vecaudit.junit.xml", "vecaudit.md"]
    for path, fmt in zip(paths, ["json", "sarif", "junit", "markdown"], strict=True):
        assert path.read_bytes() == render(report, fmt)
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert sorted(os.listdir(stem.parent)) == sorted(p.name for p in paths)  # no temp files left


def test_write_reports_single_format_exact_path(tmp_path: Path) -> None:
    report = build_report()
    exact = tmp_path / "scan-results.sarif.json"
    assert write_reports(report, ["sarif"], exact) == [exact]
    assert json.loads(exact.read_bytes())["version"] == "2.1.0"
    bare = tmp_path / "results"
    assert write_reports(report, ["junit"], bare) == [tmp_path / "results.junit.xml"]
    # Overwrites atomically.
    assert write_reports(report, ["sarif"], str(exact)) == [exact]


def test_write_reports_revealed_is_private(tmp_path: Path) -> None:
    paths = write_reports(build_report(revealed=True), ["json", "html"], tmp_path / "r")
    assert [stat.S_IMODE(p.stat().st_mode) for p in paths] == [0o600, 0o600]


def test_write_reports_errors(tmp_path: Path) -> None:
    report = build_report()
    with pytest.raises(VecauditError, match="unknown report format 'docx'"):
        write_reports(report, ["json", "docx"], tmp_path / "x")
    assert list(tmp_path.iterdir()) == []  # validated before writing anything
    with pytest.raises(VecauditError, match="STEM"):
        write_reports(report, ["json", "sarif"], None)
    with pytest.raises(VecauditError):
        write_reports(report, [], tmp_path / "x")
    (tmp_path / "taken.sarif").mkdir()
    with pytest.raises(VecauditError, match="directory"):
        write_reports(report, ["json", "sarif"], tmp_path / "taken")
    assert not (tmp_path / "taken.json").exists()  # checked before the first file is written


def test_write_reports_stdout(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    report = build_report()
    assert write_reports(report, ["markdown"], None) == []
    assert capsysbinary.readouterr().out == render(report, "markdown")


def test_unknown_rule_ids_get_synthetic_rules() -> None:
    """Findings whose rule is not in report.rules still land on one rule in SARIF and JUnit."""
    report = build_report()
    extra = Finding(
        collection="hr_notes",
        point_id=5,
        source="payload",
        entity_type="IBAN_CODE",
        score=0.9,
        severity=Severity.high,
        fingerprint="f" * 64,
        evidence="D*****",
    )
    report = report.model_copy(update={"findings": [*report.findings, extra]})
    root = _suites(report)
    case = root.find("testsuite[@name='hr_notes']/testcase[@name='VA-PII-IBAN_CODE']")
    assert case is not None and case.find("failure") is not None
    sarif = json.loads(render(report, "sarif"))
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    result = next(r for r in sarif["runs"][0]["results"] if r["ruleId"] == "VA-PII-IBAN_CODE")
    assert rules[result["ruleIndex"]]["id"] == "VA-PII-IBAN_CODE"


def test_inversion_record_without_text_renders() -> None:
    report = build_report(revealed=True)
    assert report.inversions is not None
    report.inversions.append(InversionRecord(collection="hr_notes", point_id=9, text=None, cosine=0.4))
    for fmt in BUILTINS:
        assert render(report, fmt)


# ---------------------------------------------------------------- controls no report may carry raw

#: C1 CSI (a terminal obeys it like ESC "["), DEL, a bidi override and isolate, a line separator.
_INVISIBLE = "\x9b2J\x7f\u202eevil\u2066x\u2069\u2028"


@pytest.mark.parametrize("fmt", BUILTINS)
def test_no_report_carries_c1_controls_or_bidi_overrides(fmt: str) -> None:
    report = build_report(complete=False)
    collections = [c.model_copy(update={"name": "docs" + _INVISIBLE}) for c in report.collections[:1]]
    findings = [
        f.model_copy(update={"collection": "docs" + _INVISIBLE, "vector": "v" + _INVISIBLE})
        for f in report.findings
        if f.collection == report.collections[0].name
    ]
    raw = render(report.model_copy(update={"collections": collections, "findings": findings}), fmt)
    text = raw.decode("utf-8")
    assert not any(ch in text for ch in _INVISIBLE if not ch.isalnum()), fmt
    if fmt == "json":  # escaped, not lost: the name reads back exactly
        assert json.loads(text)["collections"][0]["name"] == "docs" + _INVISIBLE
