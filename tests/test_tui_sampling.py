"""Adaptive sampling in the TUI: the collections pane's status while and after a scan, and the dialog.

The scan inverts with the shipped learned inverter at its cheapest, like tests/test_adaptive.py
(`--attack loop --steps 0 --beam 1` over random 384-dimensional vectors, `--encoder` given).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from clitools import enter_sandbox, pii_store, pii_values, write_policy
from rich.console import Console
from rich.text import Text
from tuitools import screen_text, wait_until
from vecaudit.models import SamplingReport
from vecaudit.progress import SamplingDecided, from_wire, to_wire
from vecaudit.tui.app import VecauditApp
from vecaudit.tui.scan_driver import ScanRequest
from vecaudit.tui.screens.main import MainScreen
from vecaudit.tui.screens.sampling import SamplingScreen, sampling_view
from vecaudit.tui.widgets.collections import CollectionRow, sampling_text

pytestmark = pytest.mark.anyio

CHEAP = {"encoder": "all-MiniLM-L6-v2", "attack": "loop", "steps": 0, "beam": 1}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def test_the_sampling_event_travels_the_stream_and_holds_counts_only() -> None:
    event = SamplingDecided("docs", 30, 120, stop="precision", widest=0.19, reason="stopped after 30 vectors")
    assert from_wire(to_wire(event)) == event
    assert set(to_wire(event)) == {
        "vecaudit_event",
        "collection",
        "inverted",
        "population",
        "stop",
        "widest",
        "reason",
    }


def test_the_status_names_the_stop() -> None:
    row = CollectionRow("docs", sampled=1216, population=20000)
    assert sampling_text(row).plain == "1,216/20,000"
    for stop, label in (("precision", "precision"), ("budget-vectors", "budget"), ("budget-time", "budget")):
        row.sampling_stop = stop
        assert sampling_text(row).plain == f"1,216/20,000 · {label}"
    assert sampling_text(CollectionRow("plain")).plain == "–"


def _render(renderable: Any) -> str:
    console = Console(width=100, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def test_the_dialog_shows_reason_and_every_interval() -> None:
    report = SamplingReport.model_validate(
        {
            "method": "confidence sequence",
            "reference": "Waudby-Smith & Ramdas",
            "confidence": 0.95,
            "precision": 0.05,
            "alpha_per_interval": 0.0125,
            "entity_types": ["EMAIL_ADDRESS", "PERSON", "US_SSN"],
            "population": 20000,
            "inverted": 1216,
            "vectors_inverted": 1216,
            "seconds": 300.5,
            "stop": "precision",
            "precision_met": True,
            "reason": "stopped after 1216 vectors: every interval is within ±0.05 (widest: PERSON, ±0.049)",
            "estimates": [
                {
                    "entity_type": "PERSON",
                    "source": "inversion",
                    "count": 311,
                    "n": 1216,
                    "population": 20000,
                    "rate": 0.255757,
                    "low": 0.209,
                    "high": 0.307,
                },
                {
                    "entity_type": "EMAIL_ADDRESS",
                    "source": "payload",
                    "count": 6000,
                    "n": 20000,
                    "population": 20000,
                    "rate": 0.3,
                    "low": 0.3,
                    "high": 0.3,
                    "exact": True,
                },
            ],
            "unseen_high": 0.011,
        }
    )
    row = CollectionRow("docs")
    row.sampling_from(report)
    text = _render(sampling_view("docs", sampling_text(row), row.sampling_reason, row.sampling))
    assert "1,216/20,000 · precision" in text
    assert "stopped after 1216 vectors: every interval is within ±0.05" in text
    assert "PERSON" in text and "311/1,216" in text and "[20.9%, 30.7%]" in text and "0.049" in text
    assert "EMAIL_ADDRESS" in text and "exact" in text
    # types the policy tracks that inversion never recovered share one interval
    assert "EMAIL_ADDRESS, US_SSN" in text and "[0.0%, 1.1%]" in text
    running = _render(sampling_view("docs", Text("96/20,000"), "continue: 96 vectors inverted", None))
    assert "continue: 96 vectors inverted" in running and "finished report" in running


async def test_a_precision_scan_shows_inverted_counts_the_stop_and_its_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = enter_sandbox(tmp_path, monkeypatch)
    policy = write_policy(sandbox)
    records = pii_store(sandbox / "store", 120, dim=384)
    decided: list[SamplingDecided] = []
    on_progress = MainScreen._on_progress

    def recording(self: MainScreen, event: Any) -> None:
        if isinstance(event, SamplingDecided):
            decided.append(event)
        on_progress(self, event)

    monkeypatch.setattr(MainScreen, "_on_progress", recording)
    request = ScanRequest.new(
        str(sandbox / "store"),
        state_dir=sandbox / "runs",
        policy=str(policy),
        batch_size=10,
        precision=0.2,
        **CHEAP,
    )
    app = VecauditApp(request)
    async with app.run_test(size=(120, 40)) as pilot:
        main = app.screen
        assert isinstance(main, MainScreen)
        await wait_until(pilot, lambda: main.report is not None, timeout=400)
        assert main.report is not None
        sampling = main.report.collections[0].sampling
        assert sampling is not None and sampling.stop == "precision" and 0 < sampling.inverted < 120

        # While it ran: one decision per inverting batch, the last one the stop; counts only.
        assert decided and decided[-1].stop == "precision" and decided[-1].inverted == sampling.inverted
        assert [d.inverted for d in decided] == sorted(d.inverted for d in decided)
        assert all(d.population == 120 and d.collection == "docs" for d in decided)
        blob = " ".join(repr(d) for d in decided)
        assert not [v for v in pii_values(records) if v in blob]

        text = screen_text(app)
        assert "Inverted" in text and f"{sampling.inverted}/120 · precision" in text

        main.query_one("#collections").focus()
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, SamplingScreen)
        dialog = screen_text(app)
        assert f"stopped after {sampling.inverted} vectors: every interval is within ±0.2" in dialog
        assert "Estimates" in dialog and "at confidence 0.95 (met)" in dialog
        assert not [v for v in pii_values(records) if v in dialog]
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is main


async def test_a_scan_without_sampling_has_no_sampling_column_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = enter_sandbox(tmp_path, monkeypatch)
    policy = write_policy(sandbox)
    pii_store(sandbox / "store", 12)
    request = ScanRequest.new(
        str(sandbox / "store"), state_dir=sandbox / "runs", policy=str(policy), invert=False
    )
    app = VecauditApp(request)
    async with app.run_test(size=(120, 40)) as pilot:
        main = app.screen
        assert isinstance(main, MainScreen)
        await wait_until(pilot, lambda: main.report is not None)
        assert "Inverted" not in screen_text(app)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert any("not sampled adaptively" in n.message for n in app._notifications)
