"""End to end: a scan of a store full of known PII leaks no value anywhere unless --reveal is given.

Checked places: every report format, stdout/stderr (progress and summary), the run database with
its LangGraph checkpoints (all files of the state folder, WAL included); and the scanned folder
stays byte-for-byte unchanged.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from clitools import enter_sandbox, pii_store, pii_values, run_cli
from storebuild import tree_fingerprint

FORMATS = ("json", "sarif", "junit", "html", "markdown")


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return enter_sandbox(tmp_path, monkeypatch)


def _leaks(blob: bytes, values: set[str]) -> list[str]:
    return sorted(v for v in values if v.encode() in blob)


def test_no_pii_in_reports_output_or_run_state(sandbox: Path, capsys: pytest.CaptureFixture[str]) -> None:
    records = pii_store(sandbox / "store", 60, seed=11)
    values = pii_values(records)
    assert len(values) > 60
    before = tree_fingerprint(sandbox / "store")

    args = ["scan", sandbox / "store", "--fail-on", "low", "--state-dir", sandbox / "state"]
    for fmt in FORMATS:
        args += ["--format", fmt]
    r = run_cli(capsys, *args, "--output", sandbox / "out" / "audit")
    assert r.code == 1, r.err

    written = sorted((sandbox / "out").iterdir())
    assert [p.name for p in written] == sorted(
        ["audit.json", "audit.sarif", "audit.junit.xml", "audit.html", "audit.md"]
    ), written
    report = json.loads((sandbox / "out" / "audit.json").read_text())
    assert report["summary"]["findings_total"] > 60  # the scan did find the PII it must not print
    assert "inversions" not in report and report["revealed"] is False
    # `scan -f html` writes the full report (the page `report -f html` writes; its charts need
    # inverted vectors, and these random ones have no encoder to invert with).
    page = (sandbox / "out" / "audit.html").read_text()
    assert ">Executive summary</h2>" in page and ">Appendix C: all findings</h2>" in page

    state_files = sorted((sandbox / "state").iterdir())
    assert state_files, "the run database exists"
    places = {p.name: p.read_bytes() for p in [*written, *state_files]}
    places["stdout"], places["stderr"] = r.out.encode(), r.err.encode()
    for where, blob in places.items():
        assert not _leaks(blob, values), f"PII value in {where}"

    db = next(p for p in state_files if p.suffix == ".sqlite")
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert stat.S_IMODE((sandbox / "state").stat().st_mode) == 0o700
    assert tree_fingerprint(sandbox / "store") == before, "the scan wrote to the audited store"


def test_reveal_shows_evidence_to_the_auditor_only(sandbox: Path, capsys: pytest.CaptureFixture[str]) -> None:
    records = pii_store(sandbox / "store", 20, seed=5)
    values = pii_values(records)
    out = sandbox / "revealed.json"
    r = run_cli(
        capsys,
        "scan",
        sandbox / "store",
        "--reveal",
        "--no-invert",
        "--fail-on",
        "low",
        "-f",
        "json",
        "-o",
        out,
    )
    assert r.code == 1, r.err
    assert "--reveal" in r.err  # the user is told plaintext will be stored
    report = json.loads(out.read_text())
    assert report["revealed"] is True
    evidence = {f["evidence"] for f in report["findings"]}
    assert evidence & values, "with --reveal the evidence is the value itself"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert not _leaks((r.out + r.err).encode(), values), "the terminal never shows values"


def test_recovered_text_never_leaks_without_reveal(sandbox: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from vecaudit.demo import build_demo_store
    from vecaudit.inversion import inverter_dir

    assert inverter_dir("all-MiniLM-L6-v2") is not None, "the shipped inverter is missing from models/"
    store = build_demo_store(sandbox / "demo", points=10).folder
    common = ("scan", store, "--fail-on", "low", "--batch-size", "4")

    shown = run_cli(capsys, *common, "--reveal", "-f", "json", "-o", sandbox / "shown.json",
                    "--state-dir", sandbox / "state-shown")  # fmt: skip
    assert shown.code == 1, shown.err
    revealed = json.loads((sandbox / "shown.json").read_text())
    recovered = {r["text"] for r in revealed["inversions"]}
    recovered |= {f["evidence"] for f in revealed["findings"] if f["source"] == "inversion"}
    recovered = {t for t in recovered if len(t) >= 6}
    assert len(revealed["inversions"]) == 10 and recovered

    args: list[str | Path] = [*common, "--state-dir", sandbox / "state"]
    for fmt in FORMATS:
        args += ["--format", fmt]
    hidden = run_cli(capsys, *args, "--output", sandbox / "out" / "audit")
    assert hidden.code == 1, hidden.err
    places = {p.name: p.read_bytes() for p in [*(sandbox / "out").iterdir(), *(sandbox / "state").iterdir()]}
    places["terminal"] = (hidden.out + hidden.err).encode()
    for where, blob in places.items():
        assert not _leaks(blob, recovered), f"recovered text in {where}"
