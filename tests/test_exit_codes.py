"""`vecaudit scan` exit codes: 0 clean, 1 violations, 2 errors; with real stores, Presidio and policies."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from clitools import FAST_POLICY, enter_sandbox, pii_store, run_cli, write_policy
from storebuild import add_raw_local_points, build_local


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return enter_sandbox(tmp_path, monkeypatch)


def _runs(sandbox: Path) -> list[Path]:
    return sorted((sandbox / "xdg" / "vecaudit" / "runs").glob("*.sqlite"))


def test_violations_exit_1_clean_store_exits_0(sandbox: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = write_policy(sandbox)
    pii_store(sandbox / "dirty", 40)
    pii_store(sandbox / "clean", 40, pii_ratio=0.0)

    dirty = run_cli(capsys, "scan", sandbox / "dirty", "--policy", policy, "--no-invert", "--fail-on", "low")
    assert dirty.code == 1, dirty.err
    assert "result: FAIL" in dirty.out

    clean = run_cli(capsys, "scan", sandbox / "clean", "--policy", policy, "--no-invert", "--fail-on", "low")
    assert clean.code == 0, clean.err
    assert "findings: none" in clean.out and "result: PASS" in clean.out


def test_fail_on_sets_the_threshold(sandbox: Path, capsys: pytest.CaptureFixture[str]) -> None:
    low_only = FAST_POLICY.replace("severity: high", "severity: low").replace(
        "severity: medium", "severity: low"
    )
    policy = write_policy(sandbox, low_only.replace("severity: critical", "severity: low"))
    pii_store(sandbox / "store", 30)
    args = ("scan", sandbox / "store", "--policy", policy, "--no-invert")
    assert run_cli(capsys, *args).code == 0  # default --fail-on high: low findings do not fail
    assert run_cli(capsys, *args, "--fail-on", "low").code == 1


def test_unreachable_server_exits_2_with_one_line(sandbox: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = write_policy(sandbox)
    r = run_cli(capsys, "scan", "http://127.0.0.1:9", "--policy", policy, "--timeout", "2")
    assert r.code == 2
    lines = [line for line in r.err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("vecaudit: error:") and "127.0.0.1:9" in lines[0]
    assert not _runs(sandbox), "a scan that never connected leaves no run database"


def test_malformed_policy_exits_2_naming_file_and_line(
    sandbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pii_store(sandbox / "store", 10)
    bad = write_policy(
        sandbox, "name: broken\nrules:\n  - {entity: EMAIL_ADDRESS, severity: hgh}\n", "bad.yaml"
    )
    r = run_cli(capsys, "scan", sandbox / "store", "--policy", bad)
    assert r.code == 2
    assert "bad.yaml:3" in r.err and "severity" in r.err
    assert "Traceback" not in r.err


def test_missing_collection_exits_2(sandbox: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = write_policy(sandbox)
    pii_store(sandbox / "store", 10)
    r = run_cli(capsys, "scan", sandbox / "store", "--policy", policy, "-c", "nope")
    assert r.code == 2
    assert "'nope' not found" in r.err and "docs" in r.err
    assert not _runs(sandbox)


def test_usage_errors_exit_2(sandbox: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = write_policy(sandbox)
    pii_store(sandbox / "store", 10)
    two_formats = run_cli(capsys, "scan", sandbox / "store", "--policy", policy, "-f", "json", "-f", "sarif")
    assert two_formats.code == 2 and "--output" in two_formats.err
    bad_format = run_cli(capsys, "scan", sandbox / "store", "--policy", policy, "-f", "docx", "-o", "x")
    assert bad_format.code == 2 and "docx" in bad_format.err
    bad_encoder = run_cli(capsys, "scan", sandbox / "store", "--policy", policy, "--encoder", "nope")
    assert bad_encoder.code == 2 and "unknown encoder" in bad_encoder.err
    negative = run_cli(capsys, "scan", "--sample", "-3", sandbox / "store")
    assert negative.code == 2 and "--sample" in negative.err and "unexpected" not in negative.err
    no_target = run_cli(capsys, "scan", "--policy", policy)
    assert no_target.code == 2 and "TARGET" in no_target.err
    unknown_run = run_cli(capsys, "scan", "--resume", "20990101-000000-abcdef")
    assert unknown_run.code == 2 and "no run 20990101-000000-abcdef" in unknown_run.err
    assert not _runs(sandbox)


def test_empty_collection_is_scanned_and_reported(sandbox: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = write_policy(sandbox)
    build_local(sandbox / "store", "empty", np.zeros((0, 8), dtype=np.float32), [])
    r = run_cli(capsys, "scan", sandbox / "store", "--policy", policy, "-f", "json", "-o", sandbox / "r.json")
    assert r.code == 0, r.err
    (col,) = json.loads((sandbox / "r.json").read_text())["collections"]
    assert col["name"] == "empty" and col["points_total"] == 0 and col["points_scanned"] == 0
    assert any("empty" in note for note in col["notes"])


def test_nan_and_wrong_dimension_vectors_are_data_left_unanalyzed(
    sandbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = write_policy(sandbox)
    folder = sandbox / "store"
    pii_store(folder, 30, dim=8)
    add_raw_local_points(
        folder,
        "docs",
        [
            {"id": 1, "vector": [math.nan] * 8, "payload": {"text": "write to ann.lee@example.com"}},
            {"id": 2, "vector": [0.5] * 5, "payload": {"text": "call 212-555-0187 today"}},
        ],
    )
    args = ("scan", folder, "--policy", policy, "--fail-on", "low", "-f", "json", "-o", sandbox / "r.json")
    r = run_cli(capsys, *args)
    assert r.code == 2, r.err  # vectors nobody could analyze: the scan did not cover the store
    assert "non_finite_vector" in r.err and "wrong_dimension" in r.err
    report = json.loads((sandbox / "r.json").read_text())
    assert report["complete"] is False
    (col,) = report["collections"]
    gaps = {g["reason"]: g["point_ids"] for g in col["coverage"]["not_analyzed"]}
    assert gaps == {"non_finite_vector": [1], "wrong_dimension": [2]}
    notes = " ".join(col["notes"])
    assert "2 of the first 32 points have NaN/infinite values or the wrong dimension" in notes, notes

    r = run_cli(capsys, *args, "--allow-partial")
    assert r.code == 1, r.err  # accepted as partial: judged by what was found
    report = json.loads((sandbox / "r.json").read_text())
    assert col["points_scanned"] == 32
    flagged = {f["point_id"] for f in report["findings"]}
    assert {1, 2} <= flagged, "payloads of points with broken vectors are still scanned"
