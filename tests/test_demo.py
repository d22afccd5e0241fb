"""`vecaudit demo` end to end: real MiniLM embeddings, real identification, real Presidio."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from clitools import enter_sandbox, run_cli
from vecaudit.demo import MARKER
from vecaudit.synthetic.demo_records import generate


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return enter_sandbox(tmp_path, monkeypatch)


def test_demo_builds_scans_and_summarizes(sandbox: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = run_cli(capsys, "demo", "--dir", sandbox / "demo", "--points", "40", "--no-tui")
    assert r.code == 0, r.err
    assert (sandbox / "demo" / MARKER).is_file()
    assert f"store {sandbox / 'demo'}" in r.err and "support_tickets (20), hr_notes (20)" in r.err
    # The stored vectors are identified from the payload text they were made from.
    assert r.out.count("encoder all-MiniLM-L6-v2 (payload") == 2, r.out
    assert "result: FAIL" in r.out and "vecaudit report" in r.out
    records = generate(40)
    for value in {v for rec in records for v in rec.values}:
        assert value not in r.out and value not in r.err

    run_id = r.out.split("vecaudit report ")[1].split()[0]
    rep = run_cli(capsys, "report", run_id, "-f", "json", "-o", sandbox / "demo.json")
    report = json.loads((sandbox / "demo.json").read_text())
    payload = [f for f in report["findings"] if f["source"] == "payload" and f["severity"] != "info"]
    flagged = {(f["collection"], f["point_id"]) for f in payload}
    with_pii = {(r.collection, r.point_id) for r in records if r.has_pii}
    assert rep.code == 1 and with_pii <= flagged, "every record with synthetic PII is flagged"
    assert len(flagged - with_pii) <= 2, "PII-free payloads are (almost) never flagged"
    # models/ ships (in git) an inverter for all-MiniLM-L6-v2, so every point is inverted.
    assert "invert" not in report["stages_skipped"], report["stages_skipped"]
    assert [c["inverted"] for c in report["collections"]] == [20, 20]

    rebuilt = run_cli(capsys, "demo", "--dir", sandbox / "demo", "--points", "10", "--no-tui", "-q")
    assert rebuilt.code == 0 and (rebuilt.out, rebuilt.err) == ("", "")


def test_demo_never_overwrites_a_folder_it_did_not_make(
    sandbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mine = sandbox / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    r = run_cli(capsys, "demo", "--dir", mine, "--points", "5", "--no-tui")
    assert r.code == 2 and "not made by `vecaudit demo`" in r.err
    assert (mine / "notes.txt").read_text() == "keep me"
