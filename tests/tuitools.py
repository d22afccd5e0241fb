"""Helpers for the TUI tests: a small real store, waiting on the app, and the screen as text.

Test modules use the `store` and `env` fixtures by binding them: `store = tuitools.store`.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from clitools import cli_env
from rich.console import Console
from vecaudit.demo import MARKER, build_demo_store
from vecaudit.synthetic.demo_records import DemoRecord, generate

STORE_POINTS = 16
STORE_SEED = 7


def shared_store() -> tuple[Path, list[DemoRecord]]:
    """A demo store (real all-MiniLM-L6-v2 vectors, synthetic PII) built once per machine user.

    It lives at a fixed path so snapshots can show a stable target; scans never write to it.
    """
    root = Path(tempfile.gettempdir()) / f"vecaudit-tui-tests-{os.getuid()}"
    folder = root / "store"
    marker = folder / MARKER
    fresh = marker.is_file() and json.loads(marker.read_text()).get("points") == STORE_POINTS
    if not fresh:
        build_demo_store(folder, points=STORE_POINTS, seed=STORE_SEED)
    return folder, generate(STORE_POINTS, seed=STORE_SEED)


def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cwd: Path) -> None:
    """Test-local user data, a fixed fingerprint key, no API key; `cwd` as working directory."""
    for key, value in cli_env(tmp_path).items():
        if os.environ.get(key) != value:
            monkeypatch.setenv(key, value)
    monkeypatch.delenv("QDRANT_API_KEY", raising=False)
    monkeypatch.chdir(cwd)


@pytest.fixture(scope="module")
def store() -> tuple[Path, list[DemoRecord]]:
    return shared_store()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store: tuple[Path, list[DemoRecord]]) -> Path:
    """A sandboxed tmp_path, with the shared store's parent folder as working directory."""
    sandbox(tmp_path, monkeypatch, store[0].parent)
    return tmp_path


def pii_tokens(records: list[DemoRecord]) -> set[str]:
    """Every PII value, and every word of 5+ characters in one (a masked name keeps only initials)."""
    out: set[str] = set()
    for r in records:
        for value in r.values:
            out.add(value)
            out.update(w for w in value.replace(",", " ").split() if len(w) >= 5)
    return out


def screen_text(app: object) -> str:
    """The current screen as plain text, the way `export_screenshot` renders it."""
    from textual.app import App

    assert isinstance(app, App)
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), record=True, legacy_windows=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text()


async def wait_until(pilot: object, condition: Callable[[], bool], timeout: float = 180.0) -> None:
    waited = 0.0
    while not condition():
        if waited > timeout:
            raise AssertionError(f"condition not met within {timeout}s")
        await pilot.pause(0.1)  # type: ignore[attr-defined]
        waited += 0.1
    for _ in range(3):  # let tables settle their layout (column widths are computed on idle)
        await pilot.pause(0.05)  # type: ignore[attr-defined]
