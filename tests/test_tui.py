"""The TUI driven with Textual's pilot over a small real store (real MiniLM vectors, real Presidio).

Every scan here goes through the real runner on a worker thread, exactly as `vecaudit tui` runs it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import tuitools
from textual.widgets import DataTable, Input, Select
from tuitools import pii_tokens, screen_text, wait_until
from vecaudit.synthetic.demo_records import DemoRecord
from vecaudit.tui.app import VecauditApp
from vecaudit.tui.scan_driver import ScanRequest
from vecaudit.tui.screens.connect import ConnectScreen
from vecaudit.tui.screens.dialogs import ConfirmReveal, ExportScreen, HelpScreen
from vecaudit.tui.screens.main import MainScreen
from vecaudit.tui.screens.policy import PolicyScreen

# The shared fixtures of the TUI tests (tests/tuitools.py).
store = tuitools.store
env = tuitools.env

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def request(tmp: Path, target: str = "store", **settings: object) -> ScanRequest:
    """A new scan of `target` in `tmp`; `settings` are ScanConfig fields (inversion off unless given)."""
    settings.setdefault("invert", False)
    return ScanRequest.new(target, state_dir=tmp / "runs", **settings)


def main_of(app: VecauditApp) -> MainScreen:
    screen = app.main_screen
    assert screen is not None
    return screen


def finished(app: VecauditApp) -> bool:
    screen = app.main_screen
    return screen is not None and screen.report is not None


def assert_no_pii(text: str, records: list[DemoRecord]) -> None:
    leaked = sorted(t for t in pii_tokens(records) if t in text)
    assert not leaked, f"{len(leaked)} PII value(s) on screen"


async def test_scan_starts_at_once_and_shows_encoder_progress_and_masked_findings(
    env: Path, store: tuple[Path, list[DemoRecord]]
) -> None:
    app = VecauditApp(request(env))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: finished(app))
        main = main_of(app)
        text = screen_text(app)
        assert "support_tickets" in text and "hr_notes" in text
        assert "all-MiniLM-L6-v2" in text, "the identified encoder is shown"
        assert "16/16 pts" in text and "finished" in text
        assert main.run_id in text
        assert main.findings and all("*" in main.evidence_of(f) for f in main.findings)
        entities = {f.entity_type for f in main.findings}
        assert {"PERSON", "EMAIL_ADDRESS"} <= entities
        # Risk scores are set for both collections and bounded.
        assert all(0 < (row.risk or 0) <= 100 for row in main.collections.values())
        assert_no_pii(text, store[1])
        # Every row of the table, not only the visible ones, holds masked evidence only.
        table = app.screen.query_one("#findings")
        cells = " ".join(str(c) for i in range(table.row_count) for c in table.get_row_at(i))  # type: ignore[attr-defined]
        assert_no_pii(cells, store[1])


async def test_filters_sorting_and_detail(env: Path, store: tuple[Path, list[DemoRecord]]) -> None:
    app = VecauditApp(request(env))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: finished(app))
        main = main_of(app)
        total = len(main.findings)
        assert [f.severity.rank for f in main.shown] == sorted(
            (f.severity.rank for f in main.shown), reverse=True
        )

        await pilot.press("1")  # severity: the most severe present
        top = main.filter.severity
        assert top != "all" and main.shown and all(f.severity.value == top for f in main.shown)
        await pilot.press("0")
        assert len(main.shown) == total

        for _ in range(30):  # "2" cycles through the entity types present; bounded, so a bug fails
            if main.filter.entity == "EMAIL_ADDRESS":
                break
            await pilot.press("2")
        assert main.shown and {f.entity_type for f in main.shown} == {"EMAIL_ADDRESS"}
        await pilot.press("3")  # source: payload
        assert main.filter.source == "payload" and all(f.source == "payload" for f in main.shown)
        await pilot.press("0")

        # Selecting a collection row filters by that collection.
        main.query_one("#collections").focus()
        await pilot.press("down", "enter")
        assert main.filter.collection == "hr_notes" and {f.collection for f in main.shown} == {"hr_notes"}
        await pilot.press("0")

        await pilot.press("s")  # next sort key: entity
        assert main.sort_key == "entity"
        assert [f.entity_type for f in main.shown] == sorted(f.entity_type for f in main.shown)

        main.query_one("#findings").focus()
        await pilot.press("down", "down")
        chosen = main.shown[2]
        detail = screen_text(app).split("Detail")[1]
        assert chosen.entity_type in detail and chosen.fingerprint[:20] in detail
        assert main.evidence_of(chosen) in detail


async def test_export_json_sarif_html_from_the_ui(env: Path, store: tuple[Path, list[DemoRecord]]) -> None:
    app = VecauditApp(request(env))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: finished(app))
        main = main_of(app)
        await pilot.press("e")
        assert isinstance(app.screen, ExportScreen)
        app.screen.query_one("#export-path").value = str(env / "out" / "audit")  # type: ignore[attr-defined]
        await pilot.press("enter")
        await pilot.pause()
        data = json.loads((env / "out" / "audit.json").read_text())
        assert len(data["findings"]) == len(main.findings)
        assert data["collections"][0]["encoder"]["name"] == "all-MiniLM-L6-v2"
        for fmt in ("sarif", "html"):
            written = main.export(fmt, env / "out" / "audit")
            assert written and written[0].suffix in (".sarif", ".html")
        exported = "".join(p.read_text() for p in (env / "out").iterdir())
        assert_no_pii(exported, store[1])


async def test_policy_switch_rejudges_without_rescanning(env: Path) -> None:
    app = VecauditApp(request(env))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: finished(app))
        main = main_of(app)
        scanned = list(main.findings)
        await pilot.press("p")
        pane = app.screen
        assert isinstance(pane, PolicyScreen)
        text = screen_text(app)
        assert "VA-PII-PERSON" in text and "≥ " in text  # rules with thresholds
        # Picking a preset posts PolicyScreen.Switch; the app re-judges on the main screen and
        # hands the pane the new view.
        pane.query_one("#policy-select", Select).value = "pci-dss"
        await wait_until(pilot, lambda: pane.view.spec == "pci-dss")
        assert main.policy_spec == "pci-dss" and main.policy_name != "default" and main.reevaluation
        assert pane.view.name == main.policy_name and pane.view.findings == main.findings
        rule_entities = {r.entity_type for r in main.rules}
        assert main.findings and {f.entity_type for f in main.findings} <= rule_entities
        assert len(main.findings) < len(scanned), "PCI DSS does not grade names"
        assert main.scanned_findings == scanned, "the stored findings are untouched"
        text = screen_text(app)
        assert "re-judged" in text and main.policy_name in text
        assert pane.query_one("#rules", DataTable).row_count == len(main.rules)
        # A file that does not load: an error, and nothing changes.
        pane.query_one("#policy-path", Input).value = "no-such-policy.yaml"
        pane.query_one("#policy-path", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert any("no-such-policy.yaml" in n.message for n in app._notifications)
        assert pane.view.spec == "pci-dss" and main.policy_spec == "pci-dss"
        pane.query_one("#policy-select", Select).value = "default"
        await wait_until(pilot, lambda: pane.view.spec == "default")
        assert main.findings == scanned and main.reevaluation is None and pane.view.reevaluation is None
        assert "re-judged" not in screen_text(app)
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_no_value_without_reveal(env: Path, store: tuple[Path, list[DemoRecord]]) -> None:
    app = VecauditApp(request(env))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: finished(app))
        await pilot.press("v")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmReveal)
        assert_no_pii(screen_text(app), store[1])


async def test_reveal_shows_a_value_only_after_confirming(
    env: Path, store: tuple[Path, list[DemoRecord]]
) -> None:
    app = VecauditApp(request(env, reveal=True), reveal=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: finished(app))
        main = main_of(app)
        assert main.run_reveal and main.can_reveal
        values = pii_tokens(store[1])
        assert_no_pii(screen_text(app), store[1])  # masked although the run database holds values
        chosen = main.shown[0]
        assert chosen.evidence in values  # the stored evidence is the raw value
        await pilot.press("v")
        assert isinstance(app.screen, ConfirmReveal)
        assert_no_pii(screen_text(app), store[1])
        await pilot.press("n")  # declined: still masked
        assert_no_pii(screen_text(app), store[1])
        await pilot.press("v", "y")
        await pilot.pause()
        assert chosen.evidence in screen_text(app)
        await pilot.press("down")  # moving on hides it again
        await pilot.pause()
        assert chosen.evidence not in screen_text(app)


async def test_cancel_keeps_the_run_and_resume_finishes_it(env: Path) -> None:
    app = VecauditApp(request(env))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(
            pilot, lambda: bool(app.main_screen and app.main_screen.driver and app.main_screen.driver.run_id)
        )
        main = main_of(app)
        await pilot.press("c")
        await wait_until(pilot, lambda: not main.running)
        assert main.resumable and main.report is None
        run_id = main.run_id
        text = screen_text(app)
        assert "stopped" in text and run_id in text and "r: resume" in text
        assert (env / "runs" / f"{run_id}.sqlite").is_file()
        await pilot.press("r")
        await wait_until(pilot, lambda: finished(app))
        assert main.report is not None and main.report.run_id == run_id and main.report.complete
        assert main.findings


async def test_80x24_fits_without_crashing(env: Path, store: tuple[Path, list[DemoRecord]]) -> None:
    app = VecauditApp(request(env))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: finished(app))
        main = main_of(app)
        text = screen_text(app)
        for needed in ("support_tickets", "hr_notes", main.run_id, "Findings", "Detail", "Help"):
            assert needed in text, needed
        assert "all-MiniLM" in text
        for wid in ("#findings", "#detail", "#collections", "#progress"):
            region = main.query_one(wid).region
            assert region.height >= 5 and region.right <= 80 and region.bottom <= 24, wid
        first = main.shown[0]
        assert first.entity_type in text and main.evidence_of(first) in text
        for key, screen_type in (("f1", HelpScreen), ("p", PolicyScreen), ("e", ExportScreen)):
            await pilot.press(key)
            assert isinstance(app.screen, screen_type)
            await pilot.press("escape")
            assert isinstance(app.screen, MainScreen)
        assert_no_pii(text, store[1])


async def test_connect_screen_starts_a_scan(env: Path) -> None:
    app = VecauditApp(ScanRequest(state_dir=env / "runs", draft={"invert": False}))
    async with app.run_test(size=(100, 30)) as pilot:
        assert isinstance(app.screen, ConnectScreen)
        assert app.screen.query_one("#api-key").password  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        assert "give a target" in screen_text(app)
        await pilot.click("#target")
        await pilot.press(*"store")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: finished(app))
        assert main_of(app).report.collections  # type: ignore[union-attr]


async def test_command_palette_offers_the_actions(env: Path) -> None:
    app = VecauditApp(request(env))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: finished(app))
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for title in (
            "Export SARIF",
            "Switch policy: gdpr",
            "Filter source: inversion",
            "Cancel scan",
            "Help",
        ):
            assert title in titles
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Filter source: payload")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert main_of(app).filter.source == "payload"


async def test_opening_a_finished_run_shows_it_without_scanning(env: Path) -> None:
    first = VecauditApp(request(env))
    async with first.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: finished(first))
        run_id, count = main_of(first).run_id, len(main_of(first).findings)
    app = VecauditApp(ScanRequest(resume_run_id=run_id, state_dir=env / "runs"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: finished(app))
        assert len(main_of(app).findings) == count
        assert "all-MiniLM-L6-v2" in screen_text(app)


@pytest.mark.slow
async def test_inversion_findings_show_the_recovery_cosine(
    env: Path, store: tuple[Path, list[DemoRecord]]
) -> None:
    app = VecauditApp(request(env, invert=True, sample=2, collections=("support_tickets",)))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: finished(app), timeout=400)
        main = main_of(app)
        assert main.report is not None and main.report.collections[0].inverted == 2
        assert len(main.cosines) == 2 and all(-1.0 <= c <= 1.0 for c in main.cosines.values())
        inverted = [f for f in main.findings if f.source == "inversion"]
        target = inverted[0] if inverted else main.findings[0]
        main.query_one("#findings").focus()
        for _ in range(main.shown.index(target)):
            await pilot.press("down")
        await pilot.pause()
        assert "cosine" in screen_text(app)
        assert_no_pii(screen_text(app), store[1])


def test_vecaudit_help_does_not_import_textual() -> None:
    code = "import sys, vecaudit.cli; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


async def test_a_bad_target_shows_a_clear_error(env: Path) -> None:
    app = VecauditApp(request(env, target="no-such-store"))
    async with app.run_test(size=(120, 40)) as pilot:
        main = main_of(app)
        await wait_until(pilot, lambda: main.driver is not None and not main.running)
        await pilot.pause()
        text = screen_text(app)
        assert "failed" in text and "target not found" in text


def test_tui_command_help_and_bad_options(capsys: pytest.CaptureFixture[str]) -> None:
    from clitools import run_cli

    r = run_cli(capsys, "tui", "--help")
    assert r.code == 0 and "--reveal" in r.out and "--api-key-file" in r.out and "--no-invert" in r.out
    assert "--api-key " not in r.out, "no option takes the key itself"
    r = run_cli(capsys, "tui", "store", "--resume", "20261122-000000-abcdef")
    assert r.code == 2 and "either TARGET or --resume" in r.err
