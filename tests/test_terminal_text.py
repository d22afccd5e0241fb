"""Store metadata reaches the terminal escaped: names can be seen, never obeyed.

A collection, shard or vector name is written by whoever wrote the store. Printed raw, an ESC in it
starts an escape sequence in the auditor's terminal (colours, cursor moves, the window title), a
CR or newline forges a line, a bidi override reorders what is read.
"""

from __future__ import annotations

import base64
import pickle
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from clitools import enter_sandbox, run_cli, write_policy
from storebuild import build_edge, build_local
from vecaudit.terminal_text import printable

#: An OSC window title, a clear-screen, a colour, BEL, a bidi override, and a forged result line.
EVIL = "docs\x1b]0;pwned\x07\x1b[2J\x1b[31m\u202e\r\n  result PASS"  # qdrant-client allows no ":"
RAW = ("\x1b", "\x07", "\u202e", "\r")


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return enter_sandbox(tmp_path, monkeypatch)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain name", "plain name"),
        ("a\x1b[31mred", "a\\x1b[31mred"),
        ("bell\x07", "bell\\x07"),
        ("line\r\nforged", "line\\x0d\\x0aforged"),
        ("rtl\u202eevil", "rtl\\u202eevil"),
        ("zero\u200bwidth", "zero\\u200bwidth"),
        ("tab\there", "tab\\x09here"),
        ("café 日本", "café 日本"),
    ],
)
def test_printable_escapes_what_a_terminal_would_obey(text: str, shown: str) -> None:
    assert printable(text) == shown
    assert printable("two\nlines\x1b", keep_newlines=True) == "two\nlines\\x1b"


def _assert_escaped(output: str) -> None:
    for char in RAW:
        assert char not in output, f"raw {char!r} reached the terminal"
    assert "\\x1b]0;pwned\\x07" in output  # the name is still shown, escaped
    assert "\n  result PASS" not in output  # no forged line


def test_collection_and_vector_names_are_escaped_in_progress_summary_and_logs(
    sandbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    vectors = {"v\x1b[1m": np.random.default_rng(0).normal(size=(3, 8)).astype(np.float32)}
    payloads = [{"text": "write to ann.lee@example.com"}, {"text": "ok"}, {"text": "fine"}]
    folder = build_local(sandbox / "store", EVIL, vectors, payloads)
    # One unreadable record, so a warning log line and the coverage lines name the collection too.
    key = base64.b64encode(pickle.dumps(2, protocol=4)).decode()
    with sqlite3.connect(folder / "collection" / EVIL / "storage.sqlite") as conn:
        conn.execute("UPDATE points SET point = ? WHERE id = ?", (b"\x80\x04broken", key))
    r = run_cli(capsys, "scan", folder, "--policy", write_policy(sandbox), "--no-invert")
    assert r.code == 2
    _assert_escaped(r.out)
    _assert_escaped(r.err)
    assert "v\\x1b[1m" in r.err  # the vector name in the encoder line
    assert "unreadable_record" in r.out and "WARNING" in r.err


def test_a_missing_collection_error_shows_the_name_escaped(
    sandbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = build_local(sandbox / "store", "docs", np.zeros((1, 4), np.float32) + 0.5, [{"t": "x"}])
    r = run_cli(capsys, "scan", folder, "--policy", write_policy(sandbox), "-c", EVIL)
    assert r.code == 2 and "not found" in r.err
    _assert_escaped(r.err)


def test_edge_shard_names_are_escaped(sandbox: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = sandbox / "shards"
    root.mkdir()
    vectors = np.random.default_rng(1).normal(size=(2, 8)).astype(np.float32)
    build_edge(root / EVIL.replace("/", "_"), vectors, [{"text": "call 212-555-0187"}, {"text": "ok"}])
    r = run_cli(
        capsys, "scan", f"edge:{root}", "--policy", write_policy(sandbox), "--no-invert", "--fail-on", "low"
    )
    assert r.code == 1, r.err
    _assert_escaped(r.out)
    _assert_escaped(r.err)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_the_tui_shows_names_escaped_and_an_incomplete_scan_as_such(
    sandbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tuitools import screen_text, wait_until
    from vecaudit.tui.app import VecauditApp
    from vecaudit.tui.scan_driver import ScanRequest

    vectors = np.random.default_rng(2).normal(size=(3, 8)).astype(np.float32)
    folder = build_local(sandbox / "store", EVIL, vectors, [{"text": "a"}, {"text": "b"}, {"text": "c"}])
    key = base64.b64encode(pickle.dumps(1, protocol=4)).decode()
    with sqlite3.connect(folder / "collection" / EVIL / "storage.sqlite") as conn:
        conn.execute("UPDATE points SET point = ? WHERE id = ?", (b"\x80\x04broken", key))
    request = ScanRequest.new(str(folder), invert=False, state_dir=sandbox / "runs", policy="default")
    app = VecauditApp(request)
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_until(pilot, lambda: app.main_screen is not None and app.main_screen.report is not None)
        text = screen_text(app)
        table = app.screen.query_one("#collections")
        cells = " ".join(str(c) for i in range(table.row_count) for c in table.get_row_at(i))  # type: ignore[attr-defined]
        toasts = [n.message for n in app._notifications]
    for char in RAW:
        assert char not in text and char not in cells
    assert "docs\\x1b]0;pwned" in cells
    (toast,) = [t for t in toasts if "unreadable_record" in t]
    assert "point id(s) 1" in toast and "a partial scan does not pass" in toast  # ids, never content
    assert not any(char in toast for char in RAW)
    assert "incomplete" in text and "1 point not analyzed" in text
