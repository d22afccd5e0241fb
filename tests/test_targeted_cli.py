"""`vecaudit scan --candidates FILE`: targeted mode end to end, on a local-mode store embedded with
the real all-MiniLM-L6-v2 encoder. The supplied values must never leave memory."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
from clitools import FINGERPRINT_KEY, CliResult, enter_sandbox, run_cli, write_policy
from storebuild import build_local

ENCODER = "all-MiniLM-L6-v2"
TEXTS = [
    "Parking permit issued to Ludek Fiser for the north garage.",
    "The pool is closed for cleaning until Wednesday.",
    "Membership frozen for Amy Dunlap until March.",
    "Send the receipt to kofi.mensah@acme-health.com.",
    "Ticket 4411: the printer on floor 3 jams when duplex is on.",
    "Quarterly budget review moved to Thursday afternoon.",
    "Please reset the VPN token for the finance team.",
    "Invoice 2291 was paid twice; refund the second payment.",
]
IDS = list(range(101, 101 + len(TEXTS)))
# Line 2 is held by point 101, line 3 by no point, line 4 by point 104.
CANDIDATES = "# erasure requests, 2026-11\nLudek Fiser\nJonas Weber\nkofi.mensah@acme-health.com\n"
VALUES = ["Ludek Fiser", "Jonas Weber", "kofi.mensah@acme-health.com"]
# Parts a leak might show on their own (case-insensitive): every name word, the email's local part.
PARTS = ["ludek", "fiser", "jonas", "weber", "kofi.mensah", "kofi", "mensah"]
FORMATS = ("json", "sarif", "junit", "markdown", "html")


@pytest.fixture(scope="module")
def vectors() -> Any:
    from vecaudit.encoders.registry import get_encoder

    return get_encoder(ENCODER).embed(TEXTS)


def _store(sandbox: Path, vectors: Any) -> Path:
    # No payload text: the values exist only in the vectors (and in the candidates file).
    return build_local(sandbox / "store", "members", vectors, [{"n": i} for i in IDS], ids=IDS)


def _args(sandbox: Path, store: Path, *extra: str | Path) -> list[str | Path]:
    args: list[str | Path] = ["scan", store, "--encoder", ENCODER, "--policy", write_policy(sandbox), *extra]
    for fmt in FORMATS:
        args += ["-f", fmt]
    return [*args, "-o", sandbox / "out" / "audit"]


def _run_captured(*args: str | Path) -> CliResult:
    """`run_cli` for a module-scoped fixture (no capsys there): stdout and stderr redirected."""
    from vecaudit.cli import main

    out, err = io.StringIO(), io.StringIO()
    code = -1
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main([str(a) for a in args])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2
    return CliResult(code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory, vectors: Any) -> dict[str, Any]:
    """One scan with inversion (frames) and every report format; its outputs for the tests below."""
    tmp = tmp_path_factory.mktemp("targeted")
    with pytest.MonkeyPatch.context() as mp:
        sandbox = enter_sandbox(tmp, mp)
        store = _store(sandbox, vectors)
        (sandbox / "erase.txt").write_text(CANDIDATES, encoding="utf-8")
        result = _run_captured(*_args(sandbox, store, "--candidates", "erase.txt"))
    return {"sandbox": sandbox, "result": result}


def _by_line(report: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {c["line"]: c for c in report["targeted"]["candidates"]}


def test_supplied_values_are_found_in_their_points_only(scanned: dict[str, Any]) -> None:
    from vecaudit.fingerprint import fingerprint

    result, sandbox = scanned["result"], scanned["sandbox"]
    assert result.code == 1, result.err  # a supported candidate is a violation
    report = json.loads((sandbox / "out" / "audit.json").read_text())
    assert report["schema_version"] == "1.5"
    t = report["targeted"]
    lines = _by_line(report)
    assert [p["point_id"] for p in lines[2]["supported_by"]] == [101]
    assert lines[3]["supported_by"] == [] and lines[3]["supported"] is False
    assert [p["point_id"] for p in lines[4]["supported_by"]] == [104]
    key = bytes.fromhex(FINGERPRINT_KEY)
    assert lines[2]["fingerprint"] == fingerprint("PERSON", "Ludek Fiser", key)  # what findings carry
    assert lines[4]["entity_type"] == "EMAIL_ADDRESS"
    support = lines[2]["supported_by"][0]
    assert support["collection"] == "members" and support["z"] >= t["min_z"] and support["margin"] >= 0
    # 8 vectors x (2 names + 1 email): the rule raises min_z above the floor of 3 and records it.
    assert t["vectors_checked"] == len(TEXTS) and t["supported"] == 2 and t["encoders"] == [ENCODER]
    assert t["min_z"] == 3.5 and t["expected_false_supports"] <= t["false_support_target"] == 0.05
    assert report["summary"]["violations"] >= 2
    assert "targeted: 3 candidate(s)" in result.out and "line 2 PERSON" in result.out


def test_sarif_lists_each_support_as_a_result_and_validates(scanned: dict[str, Any]) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema_path = Path(__file__).resolve().parents[2] / "shared" / "schemas" / "sarif-schema-2.1.0.json"
    sarif = json.loads((scanned["sandbox"] / "out" / "audit.sarif").read_text())
    if schema_path.is_file():
        jsonschema.validate(sarif, json.loads(schema_path.read_text()))
    run = sarif["runs"][0]
    targeted = [r for r in run["results"] if r["ruleId"] == "vecaudit/targeted-support"]
    assert sorted(r["properties"]["pointId"] for r in targeted) == [101, 104]
    assert all(r["level"] == "error" and "line" in r["message"]["text"] for r in targeted)
    rules = run["tool"]["driver"]["rules"]
    assert rules[targeted[0]["ruleIndex"]]["id"] == "vecaudit/targeted-support"
    assert run["properties"]["targeted"]["minZ"] == 3.5


def test_human_reports_carry_a_targeted_table(scanned: dict[str, Any]) -> None:
    out = scanned["sandbox"] / "out"
    markdown = (out / "audit.md").read_text()
    assert "Targeted check" in markdown and "| 2 | PERSON |" in markdown
    assert "Targeted check" in (out / "audit.html").read_text()
    assert 'name="targeted-support"' in (out / "audit.junit.xml").read_text()


def test_values_never_leave_memory(scanned: dict[str, Any]) -> None:
    sandbox, result = scanned["sandbox"], scanned["result"]
    texts = {"stdout": result.out, "stderr": result.err}
    # Reports, the run database (with its -wal/-shm files) and the scan history.
    for root in (sandbox / "out", sandbox / "xdg"):
        files = [p for p in root.rglob("*") if p.is_file()]
        assert files, root
        for path in files:
            texts[str(path)] = path.read_bytes().decode("utf-8", errors="replace")
    assert any(p.endswith(".sqlite") for p in texts)
    for where, text in texts.items():
        low = text.lower()
        for value in VALUES + PARTS:
            assert value.lower() not in low, f"{value!r} in {where}"


def test_bad_candidates_file_exits_2_before_scanning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], vectors: Any
) -> None:
    sandbox = enter_sandbox(tmp_path, monkeypatch)
    store = _store(sandbox, vectors)
    bad = sandbox / "erase.txt"
    bad.write_bytes(b"Ludek Fiser\n!!! Fiser ???\n")
    result = run_cli(capsys, *_args(sandbox, store, "--candidates", bad))
    assert result.code == 2
    assert "erase.txt:2: not a person name, email address or phone number" in result.err
    assert "fiser" not in (result.out + result.err).lower()
    assert not (sandbox / "xdg" / "vecaudit" / "runs").exists() or not list(
        (sandbox / "xdg" / "vecaudit" / "runs").glob("*.sqlite")
    )  # no run was started
    missing = run_cli(capsys, "scan", store, "--encoder", ENCODER, "--candidates", sandbox / "absent.txt")
    assert missing.code == 2 and "cannot read candidates file" in missing.err


def test_a_resumed_run_refuses_a_changed_candidates_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, vectors: Any
) -> None:
    from vecaudit.config import ScanConfig
    from vecaudit.errors import CandidatesError
    from vecaudit.runner import new_scan, resume_scan

    sandbox = enter_sandbox(tmp_path, monkeypatch)
    store = _store(sandbox, vectors)
    erase = sandbox / "erase.txt"
    erase.write_text(CANDIDATES, encoding="utf-8")
    state = sandbox / "state"
    config = ScanConfig.build(target=str(store), encoder=ENCODER, candidates=erase, invert=False)
    run = new_scan(config, state_dir=state)  # not executed: as if killed before its first batch
    run.close()
    assert run.config.candidates == erase.resolve()
    resume_scan(run.run_id, state_dir=state).close()  # same file: fine
    erase.write_text(CANDIDATES + "Amy Dunlap\n", encoding="utf-8")
    with pytest.raises(CandidatesError, match="changed since run") as err:
        resume_scan(run.run_id, state_dir=state)
    assert "dunlap" not in str(err.value).lower()


def test_min_z_rises_with_the_pairs_a_run_judges() -> None:
    from vecaudit.targeted_threshold import FALSE_SUPPORT_TARGET, choose_min_z, expected_false_supports

    one = choose_min_z(1, ["PERSON"])
    assert one.min_z == 3.0 and one.expected_false_supports == pytest.approx(0.0032)
    zs = [choose_min_z(n, ["PERSON"] * 10).min_z for n in (1, 10, 100, 1000)]
    assert zs == sorted(zs) and zs[0] < zs[-1]
    t = choose_min_z(1000, ["PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER"])
    assert (
        t.expected_false_supports
        <= FALSE_SUPPORT_TARGET
        < expected_false_supports(t.min_z - 0.25, 1000, ["PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER"])
    )
    assert t.extrapolated == (t.min_z > 5.0)
    huge = choose_min_z(10**7, ["PERSON"] * 1000)
    assert huge.min_z == 10.0 and not huge.reaches_target


def test_vectors_of_an_unknown_encoder_are_not_checked_and_do_not_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], vectors: Any
) -> None:
    sandbox = enter_sandbox(tmp_path, monkeypatch)
    store = _store(sandbox, vectors)  # 8 vectors without text: too few to identify the encoder
    (sandbox / "erase.txt").write_text(CANDIDATES, encoding="utf-8")
    args = ("--no-invert", "--candidates", "erase.txt", "--policy", write_policy(sandbox), "-f", "json")
    strict = run_cli(capsys, "scan", store, *args, "-o", sandbox / "strict.json")
    assert strict.code == 2 and "not checked against the candidates" in strict.err
    report = json.loads((sandbox / "strict.json").read_text())
    t = report["targeted"]
    assert report["complete"] is False and t["vectors_checked"] == 0
    assert [(g["collection"], g["vectors"]) for g in t["not_checked"]] == [("members", len(TEXTS))]
    assert "encoder unknown" in t["not_checked"][0]["reason"]
    assert all(not c["supported"] for c in t["candidates"])
    accepted = run_cli(capsys, "scan", store, *args, "--allow-partial", "-o", sandbox / "partial.json")
    assert accepted.code == 0, accepted.err


def test_sparse_vectors_are_reported_as_not_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], vectors: Any
) -> None:
    from storebuild import build_local

    sandbox = enter_sandbox(tmp_path, monkeypatch)
    sparse = {"keywords": [([i, i + 1], [1.0, 0.5]) for i in range(len(TEXTS))]}
    store = build_local(
        sandbox / "store", "members", {"text": vectors}, [{"n": i} for i in IDS], ids=IDS, sparse=sparse
    )
    (sandbox / "erase.txt").write_text(CANDIDATES, encoding="utf-8")
    args = ("--no-invert", "--candidates", "erase.txt", "--policy", write_policy(sandbox), "-f", "json")
    strict = run_cli(capsys, "scan", store, "--encoder", ENCODER, *args, "-o", sandbox / "strict.json")
    assert strict.code == 2, strict.err
    t = json.loads((sandbox / "strict.json").read_text())["targeted"]
    assert t["vectors_checked"] == len(TEXTS)  # the dense slot was judged
    gaps = [(g["vector"], g["vectors"]) for g in t["not_checked"]]
    assert gaps == [("keywords", len(TEXTS))]
    assert "sparse" in t["not_checked"][0]["reason"]
