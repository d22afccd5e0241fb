"""SVG snapshots of the TUI's main screens (pytest-textual-snapshot).

Deterministic by construction: a fixed store (tests/tuitools.py), a fixed run id, fixed terminal
sizes, and every screen taken after the scan finished (the rate and ETA are only drawn while a scan
runs). Update with `pytest tests/test_tui_snapshots.py --snapshot-update` after a deliberate change.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import tuitools
from tuitools import pii_tokens, wait_until
from vecaudit.synthetic.demo_records import DemoRecord
from vecaudit.tui.app import VecauditApp
from vecaudit.tui.scan_driver import ScanRequest

# The shared fixtures of the TUI tests (tests/tuitools.py).
store = tuitools.store
env = tuitools.env

RUN_ID = "snapshot-run"


def scanned_app(tmp: Path, *, reveal: bool = False) -> VecauditApp:
    request = ScanRequest.new("store", invert=False, reveal=reveal, state_dir=tmp / "runs", run_id=RUN_ID)
    return VecauditApp(request, reveal=reveal)


def after_scan(*keys: str) -> Any:
    async def run_before(pilot: Any) -> None:
        app = pilot.app
        await wait_until(pilot, lambda: app.main_screen is not None and app.main_screen.report is not None)
        # Let the tables finish laying out the final rows (column widths settle on idle).
        for _ in range(3):
            await pilot.pause(0.1)
        if keys:
            await pilot.press(*keys)
        await steady(pilot)

    return run_before


async def steady(pilot: Any) -> None:
    """No blinking text cursor (its phase depends on timing), and nothing left to lay out."""
    from textual.widgets import Input

    for widget in pilot.app.screen.query(Input):
        widget.cursor_blink = False
    await pilot.wait_for_scheduled_animations()
    for _ in range(3):
        await pilot.pause(0.1)


def assert_snapshot_masked(snapshot_dir: Path, records: list[DemoRecord]) -> None:
    for svg in snapshot_dir.glob("*.svg"):
        text = svg.read_text().replace("&#160;", " ")
        assert not [t for t in pii_tokens(records) if t in text], svg.name


def test_main_screen_120x40(env: Path, snap_compare: Any) -> None:
    assert snap_compare(scanned_app(env), terminal_size=(120, 40), run_before=after_scan())


def test_main_screen_80x24(env: Path, snap_compare: Any) -> None:
    assert snap_compare(scanned_app(env), terminal_size=(80, 24), run_before=after_scan())


def test_main_screen_filtered_and_sorted(env: Path, snap_compare: Any) -> None:
    assert snap_compare(scanned_app(env), terminal_size=(120, 40), run_before=after_scan("3", "s", "down"))


def test_policy_screen(env: Path, snap_compare: Any) -> None:
    assert snap_compare(scanned_app(env), terminal_size=(120, 40), run_before=after_scan("p"))


def test_help_screen(env: Path, snap_compare: Any) -> None:
    assert snap_compare(scanned_app(env), terminal_size=(120, 40), run_before=after_scan("f1"))


def test_export_dialog(env: Path, snap_compare: Any) -> None:
    assert snap_compare(scanned_app(env), terminal_size=(100, 30), run_before=after_scan("e"))


def test_reveal_confirmation(env: Path, snap_compare: Any) -> None:
    assert snap_compare(scanned_app(env, reveal=True), terminal_size=(120, 40), run_before=after_scan("v"))


def test_connect_screen(env: Path, snap_compare: Any) -> None:
    app = VecauditApp(ScanRequest(state_dir=env / "runs"))
    assert snap_compare(app, terminal_size=(100, 30), run_before=steady)


def test_snapshots_hold_no_pii(store: tuple[Path, list[DemoRecord]]) -> None:
    folder = Path(__file__).parent / "__snapshots__" / "test_tui_snapshots"
    assert any(folder.glob("*.svg"))
    assert_snapshot_masked(folder, store[1])
