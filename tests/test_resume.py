"""A killed scan resumes without losing or double-counting work (real processes, real kill -9)."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from clitools import pii_store, spawn_cli, write_policy

POINTS = 3000
BATCH = 16


def _key(f: dict[str, object]) -> tuple[str, ...]:
    return tuple(
        str(f[k]) for k in ("collection", "point_id", "vector", "source", "entity_type", "field", "start")
    )


def _findings(report: Path) -> list[tuple[tuple[str, ...], str]]:
    data = json.loads(report.read_text())
    return sorted((_key(f), f["fingerprint"]) for f in data["findings"])


def _wait_for_batches(state_dir: Path, proc: subprocess.Popen[str], at_least: int) -> Path:
    """The run database once it records `at_least` finished batches (the scan is mid-way)."""
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"scan ended before it could be interrupted: {proc.communicate()}"
        for db in state_dir.glob("*.sqlite"):
            try:
                with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
                    if conn.execute("SELECT COUNT(*) FROM batches").fetchone()[0] >= at_least:
                        return db
            except sqlite3.Error:
                pass  # tables not created yet
        time.sleep(0.05)
    raise AssertionError("the scan made no progress")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("resume")
    pii_store(folder / "store", POINTS)
    write_policy(folder)
    return folder


@pytest.fixture(scope="module")
def reference(store: Path) -> list[tuple[tuple[str, ...], str]]:
    """Findings of an uninterrupted scan with the same options."""
    out = store / "reference.json"
    proc = spawn_cli(store, *_scan_args(store, store / "state-ref", out))
    stdout, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 1, stderr
    return _findings(out)


def _scan_args(base: Path, state_dir: Path, out: Path) -> list[str | Path]:
    return [
        "scan", base / "store", "--policy", base / "policy.yaml", "--no-invert", "--fail-on", "low",
        "--batch-size", str(BATCH), "--state-dir", state_dir, "-f", "json", "-o", out,
    ]  # fmt: skip


def test_resume_after_kill_9_matches_uninterrupted_scan(
    store: Path, reference: list[tuple[tuple[str, ...], str]]
) -> None:
    state_dir, out = store / "state-kill", store / "killed.json"
    proc = spawn_cli(store, *_scan_args(store, state_dir, out))
    db = _wait_for_batches(state_dir, proc, at_least=20)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert not out.exists(), "a killed scan wrote no report"
    with sqlite3.connect(db) as conn:
        done = conn.execute("SELECT COUNT(*) FROM batches").fetchone()[0]
    assert 20 <= done < POINTS / BATCH, "the kill landed mid-way"

    resumed = spawn_cli(store, "scan", "--resume", db.stem, "--state-dir", state_dir)
    stdout, stderr = resumed.communicate(timeout=600)
    assert resumed.returncode == 1, stderr
    assert "resuming scan" in stderr
    got = _findings(out)
    assert len(got) == len(reference)
    assert got == reference  # same findings, same fingerprints: nothing lost, nothing twice
    report = json.loads(out.read_text())
    assert report["complete"] is True
    assert report["collections"][0]["points_scanned"] == POINTS
    assert report["summary"]["findings_total"] == len(reference)


def test_sigterm_saves_and_exits_2_then_resume_finishes(
    store: Path, reference: list[tuple[tuple[str, ...], str]]
) -> None:
    state_dir, out = store / "state-term", store / "term.json"
    proc = spawn_cli(store, *_scan_args(store, state_dir, out))
    db = _wait_for_batches(state_dir, proc, at_least=10)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 2, "an unfinished scan never exits 0"
    assert f"vecaudit scan --resume {db.stem}" in stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'status'").fetchone()[0] == "interrupted"

    # Options that define the scan cannot change on resume.
    changed = spawn_cli(store, "scan", "--resume", db.stem, "--state-dir", state_dir, "--sample", "5")
    _, err = changed.communicate(timeout=300)
    assert changed.returncode == 2 and "--sample cannot change on --resume" in err

    resumed = spawn_cli(store, "scan", "--resume", db.stem, "--state-dir", state_dir, "-q")
    _, stderr = resumed.communicate(timeout=600)
    assert resumed.returncode == 1, stderr
    assert _findings(out) == reference


def test_finished_run_keeps_only_its_newest_checkpoint_and_still_reports(
    store: Path, reference: list[tuple[tuple[str, ...], str]]
) -> None:
    (db,) = (store / "state-ref").glob("*.sqlite")
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        assert conn.execute("SELECT COUNT(*) FROM batches").fetchone()[0] == POINTS // BATCH + 1
        assert conn.execute("SELECT COUNT(*) FROM checkpoints").fetchone()[0] == 1
        orphans = (
            "SELECT COUNT(*) FROM writes WHERE checkpoint_id NOT IN (SELECT checkpoint_id FROM checkpoints)"
        )
        assert conn.execute(orphans).fetchone()[0] == 0
    out = store / "again.json"
    proc = spawn_cli(store, "report", db.stem, "--state-dir", store / "state-ref", "-f", "json", "-o", out)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 1, stderr  # findings at or above --fail-on low, as in the scan
    assert _findings(out) == reference


def test_a_resume_that_finds_nothing_left_to_run_says_why_and_exits_2(tmp_path: Path) -> None:
    """If LangGraph has no next step for an unfinished run, the error names what it saw."""
    pii_store(tmp_path / "store", 40)
    write_policy(tmp_path)
    state_dir, out = tmp_path / "state", tmp_path / "out.json"
    first = spawn_cli(tmp_path, *_scan_args(tmp_path, state_dir, out))
    assert first.communicate(timeout=600)[0] is not None and first.returncode == 1
    (db,) = state_dir.glob("*.sqlite")
    with sqlite3.connect(db) as conn:  # a run database that says unfinished at its final checkpoint
        conn.execute("UPDATE meta SET value = 'interrupted' WHERE key = 'status'")
    resumed = spawn_cli(tmp_path, "scan", "--resume", db.stem, "--state-dir", state_dir)
    _, stderr = resumed.communicate(timeout=600)
    assert resumed.returncode == 2, stderr
    assert "was stopped before it finished; resume it with:" in stderr
    assert "the scan graph stopped with next steps [] after 40 points" in stderr
