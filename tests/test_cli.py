"""The command line: help text, stdout/stderr discipline, report/encoders subcommands, error display."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from clitools import enter_sandbox, pii_store, run_cli, write_policy


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return enter_sandbox(tmp_path, monkeypatch)


@pytest.fixture
def store(sandbox: Path) -> Path:
    write_policy(sandbox)
    pii_store(sandbox / "store", 30)
    return sandbox / "store"


def test_help_names_commands_examples_and_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    top = run_cli(capsys, "--help")
    assert top.code == 0
    for command in ("scan", "report", "demo", "encoders"):
        assert command in top.out
    assert "vecaudit demo" in top.out and "Exit codes" in top.out
    scan = run_cli(capsys, "scan", "--help")
    assert scan.code == 0
    for option in (
        "--collection",
        "--sample",
        "--policy",
        "--format",
        "--output",
        "--fail-on",
        "--no-invert",
        "--reveal",
        "--encoder",
        "--api-key-file",
        "--insecure",
        "--resume",
        "--state-dir",
        "--quiet",
    ):
        assert option in scan.out, option  # fmt: skip
    assert "Examples" in scan.out and "--resume RUN_ID" in scan.out
    assert run_cli(capsys, "--version").out.startswith("vecaudit ")


def test_single_format_goes_to_stdout_and_summary_to_stderr(
    sandbox: Path, store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    r = run_cli(capsys, "scan", store, "--policy", sandbox / "policy.yaml", "--no-invert", "-f", "json")
    assert r.code == 1
    report = json.loads(r.out)  # nothing but the report on stdout
    assert report["schema_version"] and report["collections"][0]["points_scanned"] == 30
    assert "result: FAIL" in r.err
    # Without a TTY there is no bar, only plain progress lines.
    assert "vecaudit: starting scan" in r.err and "points scanned" in r.err


def test_output_alone_picks_the_format_from_its_extension(
    sandbox: Path, store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = sandbox / "policy.yaml"
    r = run_cli(capsys, "scan", store, "--policy", policy, "--no-invert", "-o", sandbox / "audit.sarif")
    assert r.code == 1 and "report: " in r.out
    assert json.loads((sandbox / "audit.sarif").read_text())["version"] == "2.1.0"
    r = run_cli(capsys, "scan", store, "--policy", policy, "--no-invert", "-o", sandbox / "plain")
    assert json.loads((sandbox / "plain.json").read_text())["schema_version"]


def test_quiet_prints_nothing_but_keeps_the_exit_code(
    sandbox: Path, store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    r = run_cli(
        capsys, "scan", store, "--policy", sandbox / "policy.yaml", "--no-invert", "-q", "--fail-on", "low"
    )
    assert (r.code, r.out, r.err) == (1, "", "")


def test_report_rerenders_a_finished_run_and_lists_runs(
    sandbox: Path, store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scan = run_cli(capsys, "scan", store, "--policy", sandbox / "policy.yaml", "--no-invert", "-f", "json",
                   "-o", sandbox / "scan.json")  # fmt: skip
    assert scan.code == 1
    run_id = json.loads((sandbox / "scan.json").read_text())["run_id"]

    listed = run_cli(capsys, "report")
    assert listed.code == 0 and run_id in listed.out and "finished" in listed.out

    again = run_cli(capsys, "report", run_id, "-f", "sarif", "-f", "json", "-o", sandbox / "again")
    assert again.code == 1
    sarif = json.loads((sandbox / "again.sarif").read_text())
    assert sarif["runs"][0]["results"]
    first = json.loads((sandbox / "scan.json").read_text())["findings"]
    assert json.loads((sandbox / "again.json").read_text())["findings"] == first

    lenient = run_cli(capsys, "report", run_id, "--fail-on", "critical", "-q")
    strict = run_cli(capsys, "report", run_id, "--fail-on", "info", "-q")
    assert strict.code == 1 and lenient.code in (0, 1)

    db = sandbox / "xdg" / "vecaudit" / "runs" / f"{run_id}.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE meta SET value = 'interrupted' WHERE key = 'status'")
    unfinished = run_cli(capsys, "report", run_id)
    assert unfinished.code == 2 and "has not finished" in unfinished.err


def test_encoders_lists_the_registry(capsys: pytest.CaptureFixture[str]) -> None:
    table = run_cli(capsys, "encoders")
    assert table.code == 0 and "all-MiniLM-L6-v2" in table.out
    rows = json.loads(run_cli(capsys, "encoders", "--json").out)
    assert {"all-MiniLM-L6-v2", "paraphrase-MiniLM-L3-v2"} <= {r["id"] for r in rows}
    assert all(r["dim"] > 0 for r in rows)


def test_insecure_warns_loudly(sandbox: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = run_cli(capsys, "scan", "https://127.0.0.1:9", "--insecure", "--timeout", "1",
                "--policy", str(write_policy(sandbox)))  # fmt: skip
    assert r.code == 2
    assert "WARNING: --insecure" in r.err


def test_unexpected_errors_hide_their_message_unless_debug(
    sandbox: Path, store: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("payload said 536-22-8745")  # a library error quoting data

    monkeypatch.setattr("vecaudit.nodes.batch.payload_findings", broken)
    r = run_cli(capsys, "scan", store, "--policy", sandbox / "policy.yaml", "--no-invert")
    assert r.code == 2
    assert "unexpected ValueError" in r.err and "--debug" in r.err
    assert "resume with: vecaudit scan --resume" not in r.err  # it failed before any batch finished
    assert "536-22-8745" not in r.err and "Traceback" not in r.err
    debug = run_cli(capsys, "--debug", "scan", store, "--policy", sandbox / "policy.yaml", "--no-invert")
    assert debug.code == 2 and "Traceback" in debug.err


def test_a_scan_failing_mid_way_can_be_resumed(
    sandbox: Path, store: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import vecaudit.nodes.batch as batch

    real = batch.payload_findings
    calls = []

    def flaky(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 2:
            raise OSError("connection reset")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(batch, "payload_findings", flaky)
    args = ("--policy", sandbox / "policy.yaml", "--no-invert", "--batch-size", "10", "--fail-on", "low")
    failed = run_cli(capsys, "scan", store, *args)
    assert failed.code == 2 and "unexpected OSError" in failed.err
    assert "progress of run" in failed.err
    run_id = failed.err.split("vecaudit scan --resume ")[1].split()[0]
    resumed = run_cli(capsys, "scan", "--resume", run_id)
    assert resumed.code == 1 and "30/30 points" in resumed.out, resumed.err
