"""Scan history: report-level rows only, listed by `vecaudit history`, feeding the report's trend."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from clitools import enter_sandbox, run_cli
from reportdata import build_scenario
from vecaudit.history import History, default_history_path, load_history, record_scan
from vecaudit.models import ScanReport


def _runs() -> list[ScanReport]:
    base = build_scenario().report
    older = base.model_copy(
        update={
            "run_id": "run-older",
            "started_at": "2026-10-01T08:00:00+00:00",
            "findings": base.findings[:4],
        }
    )
    other = base.model_copy(
        update={"run_id": "run-other", "target": "edge:/srv/shard", "started_at": "2026-11-01T08:00:00+00:00"}
    )
    return [base, older, other]


def test_record_and_list_oldest_first_with_counts(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    for r in _runs():
        record_scan(r, db)
    entries = load_history(db)
    assert [e.run_id for e in entries] == ["run-older", "run-other", build_scenario().report.run_id]
    older = entries[0]
    assert older.findings_total == 4
    assert sum(older.by_severity.values()) == 4
    assert older.complete and older.policy == "default"
    only = load_history(db, target="http://qdrant.internal:6333")
    assert {e.run_id for e in only} == {"run-older", build_scenario().report.run_id}
    assert [e.run_id for e in load_history(db, limit=1)] == [build_scenario().report.run_id]
    # Recording the same run again replaces it instead of duplicating it.
    record_scan(_runs()[1], db)
    assert len(load_history(db)) == 3


def test_history_file_holds_no_pii_not_even_masked_evidence(tmp_path: Path) -> None:
    scenario = build_scenario(revealed=True)
    db = tmp_path / "h.sqlite"
    record_scan(scenario.report, db)
    raw = db.read_bytes().decode("latin-1").lower()
    for value in scenario.raw_values + scenario.recovered_texts:
        assert value.lower() not in raw
    dump = "\n".join(sqlite3.connect(db).iterdump())
    for f in scenario.report.findings:
        assert f.evidence not in dump
        assert f.fingerprint in dump  # keyed fingerprints are what later scans compare against


def test_absent_history_is_empty_and_not_created(tmp_path: Path) -> None:
    assert load_history(tmp_path / "none.sqlite") == []
    assert not (tmp_path / "none.sqlite").exists()


def test_default_path_follows_xdg_and_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VECAUDIT_HISTORY", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_history_path() == tmp_path / "xdg" / "vecaudit" / "history.sqlite"
    monkeypatch.setenv("VECAUDIT_HISTORY", str(tmp_path / "x.sqlite"))
    assert default_history_path() == tmp_path / "x.sqlite"


def test_history_command_lists_scans(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    enter_sandbox(tmp_path, monkeypatch)
    empty = run_cli(capsys, "history")
    assert empty.code == 0 and "no scans in" in empty.out
    db = tmp_path / "h.sqlite"
    with History(db) as h:
        for r in _runs():
            h.record(r)
    res = run_cli(capsys, "history", "--history", db)
    assert res.code == 0
    lines = res.out.strip().splitlines()
    assert lines[0].split()[:4] == ["RUN", "DATE", "TARGET", "POLICY"]
    older = next(line for line in lines if line.startswith("run-older"))
    # critical high medium low info, then complete?
    assert older.split()[-6:] == ["1", "2", "1", "0", "0", "yes"]
    assert "2026-10-01T08:00:00" in older and "http://qdrant.internal:6333" in older
    res = run_cli(capsys, "history", "--history", db, "--target", "edge:/srv/shard", "--json")
    rows = [json.loads(line) for line in res.out.splitlines()]
    assert [r["run_id"] for r in rows] == ["run-other"] and "finding_keys" not in rows[0]
    # The same targets typed differently: with credentials, as edge://.
    for typed, run_id in [
        ("http://auditor:s3cret@qdrant.internal:6333", "run-older"),
        ("edge:///srv/shard", "run-other"),
    ]:
        res = run_cli(capsys, "history", "--history", db, "--target", typed, "--json")
        got = [json.loads(line)["run_id"] for line in res.out.splitlines()]
        assert run_id in got and "s3cret" not in res.out + res.err


def test_a_damaged_history_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    enter_sandbox(tmp_path, monkeypatch)
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"this is not a database" * 100)
    res = run_cli(capsys, "history", "--history", bad)
    assert res.code == 2 and "scan history" in res.err
