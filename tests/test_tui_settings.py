"""What the connect screen sets reaches the scan: the same `ScanConfig` that `vecaudit scan` builds.

No scan runs here: the main screen's `ScanDriver` is replaced by a recorder, so each test sees the
request (and its config) exactly as the driver would receive it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from clitools import enter_sandbox, run_cli
from tuitools import screen_text
from vecaudit.config import ScanConfig
from vecaudit.tui.app import VecauditApp
from vecaudit.tui.scan_driver import TUI_BATCH_SIZE, DriverPost, ScanRequest
from vecaudit.tui.screens.connect import ConnectScreen
from vecaudit.tui.screens.main import MainScreen

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class RecordingDriver:
    """Stands in for ScanDriver: keeps the request it was given and never scans."""

    requests: list[ScanRequest] = []

    def __init__(self, request: ScanRequest, post: DriverPost) -> None:
        self.request = request
        self.run_id = request.resume_run_id
        RecordingDriver.requests.append(request)

    def run(self) -> None:
        pass

    def cancel(self) -> None:
        pass


@pytest.fixture
def driven(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[ScanRequest]:
    """The requests the main screen hands its driver during the test."""
    enter_sandbox(tmp_path, monkeypatch)
    monkeypatch.setattr("vecaudit.tui.screens.main.ScanDriver", RecordingDriver)
    monkeypatch.setattr(RecordingDriver, "requests", [])
    return RecordingDriver.requests


def fill(screen: Any, **values: object) -> None:
    """Set form widgets by id (inputs take text, selects a value, checkboxes a bool)."""
    for widget_id, value in values.items():
        screen.query_one(f"#{widget_id}").value = value


async def submit(pilot: Any) -> None:
    await pilot.press("ctrl+s")
    await pilot.pause()


async def test_attack_and_device_chosen_on_the_connect_screen_reach_the_scan_config(
    driven: list[ScanRequest], tmp_path: Path
) -> None:
    app = VecauditApp(ScanRequest(state_dir=tmp_path / "runs"))
    async with app.run_test(size=(100, 30)) as pilot:
        assert isinstance(app.screen, ConnectScreen)
        fill(app.screen, target="store", attack="quick", device="cpu")
        await submit(pilot)
        assert isinstance(app.screen, MainScreen)
    (request,) = driven
    config = request.config
    assert isinstance(config, ScanConfig)
    assert (config.target.display, config.attack, config.device) == ("store", "quick", "cpu")
    assert config.batch_size == TUI_BATCH_SIZE and request.state_dir == tmp_path / "runs"


async def test_the_tui_builds_the_config_the_cli_builds(
    driven: list[ScanRequest],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Every scan setting, typed into the form and given to `vecaudit scan`: equal configs."""
    (tmp_path / "policy.yaml").write_text("name: p\nrules: []\n")
    (tmp_path / "candidates.txt").write_text("Jane Roe\n")
    (tmp_path / "key.txt").write_text("k\n")
    cli_configs: list[ScanConfig] = []

    def new_scan(config: ScanConfig, **kw: object) -> None:
        from vecaudit.config import ConfigError

        cli_configs.append(config)
        raise ConfigError("captured; no scan in this test")

    monkeypatch.setattr("vecaudit.runner.new_scan", new_scan)
    args = (
        *("scan", "store", "-c", "tickets", "-c", "hr notes", "--sample", "5", "--seed", "3"),
        *("--batch-size", "64", "--max-text-chars", "500", "--policy", "policy.yaml", "--fail-on", "low"),
        *("--allow-partial", "--candidates", "candidates.txt", "--reveal", "--attack", "loop"),
        *("--steps", "4", "--beam", "2", "--device", "cuda:1", "--encoder", "all-MiniLM-L6-v2"),
        *("--inverter-backend", "vllm", "--vllm-url", "http://localhost:8000"),
        *("--api-key-file", "key.txt", "--insecure", "--timeout", "12"),
    )
    assert run_cli(capsys, *args).code == 2 and len(cli_configs) == 1

    app = VecauditApp(ScanRequest(state_dir=tmp_path / "runs"), reveal=True)
    async with app.run_test(size=(100, 30)) as pilot:
        fill(
            app.screen,
            **{
                "target": "store",
                "collection-names": "tickets, hr notes",
                "sample": "5",
                "seed": "3",
                "batch-size": "64",
                "max-text-chars": "500",
                "policy": "<file>",
                "policy-file": "policy.yaml",
                "fail-on": "low",
                "allow-partial": True,
                "candidates": "candidates.txt",
                "reveal": True,
                "attack": "loop",
                "steps": "4",
                "beam": "2",
                "device": "cuda:1",
                "encoder": "all-MiniLM-L6-v2",
                "inverter-backend": "vllm",
                "vllm-url": "http://localhost:8000",
                "api-key-file": "key.txt",
                "insecure": True,
                "timeout": "12",
            },
        )
        await submit(pilot)
        assert isinstance(app.screen, MainScreen)
    (request,) = driven
    assert request.config == cli_configs[0]


async def test_a_setting_the_cli_refuses_is_refused_on_the_form(
    driven: list[ScanRequest], tmp_path: Path
) -> None:
    app = VecauditApp(ScanRequest(state_dir=tmp_path / "runs"))
    async with app.run_test(size=(100, 30)) as pilot:
        fill(app.screen, target="store", attack="standard", steps="4")
        await submit(pilot)
        assert isinstance(app.screen, ConnectScreen)
        assert "add --attack loop" in screen_text(app)
        fill(app.screen, steps="", sample="many")
        await submit(pilot)
        assert "invalid option sample" in screen_text(app)
        fill(app.screen, sample="2")
        await submit(pilot)
        assert isinstance(app.screen, MainScreen)
    assert [r.config.sample for r in driven if r.config] == [2]


async def test_reveal_is_only_offered_when_the_tui_was_started_with_reveal(
    driven: list[ScanRequest], tmp_path: Path
) -> None:
    app = VecauditApp(ScanRequest(state_dir=tmp_path / "runs", draft={"reveal": True}))
    async with app.run_test(size=(100, 30)) as pilot:
        box = app.screen.query_one("#reveal")
        assert box.disabled and not box.value  # type: ignore[attr-defined]
        fill(app.screen, target="store", reveal=True)
        await submit(pilot)
    assert driven[0].config is not None and driven[0].config.reveal is False


async def test_new_scan_opens_the_form_with_the_running_scans_settings(
    driven: list[ScanRequest], tmp_path: Path
) -> None:
    first = ScanRequest.new("store", state_dir=tmp_path / "runs", attack="thorough", device="cpu", sample=9)
    app = VecauditApp(first)
    async with app.run_test(size=(100, 30)) as pilot:
        main = app.screen
        assert isinstance(main, MainScreen)
        main.running = False  # the recorder never finishes; the form opens only between scans
        await pilot.press("n")  # MainScreen.NewScan, handled by the app
        await pilot.pause()
        assert isinstance(app.screen, ConnectScreen)
        assert app.screen.query_one("#attack").value == "thorough"  # type: ignore[attr-defined]
        assert app.screen.query_one("#sample").value == "9"  # type: ignore[attr-defined]
        fill(app.screen, device="cuda")
        await submit(pilot)
    assert [r.config for r in driven] == [first.config, first.config.model_copy(update={"device": "cuda"})]  # type: ignore[union-attr]


def test_the_tui_command_builds_its_config_like_scan(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    enter_sandbox(tmp_path, monkeypatch)
    seen: list[ScanRequest] = []

    def run_tui(request: ScanRequest, *, reveal: bool = False) -> int:
        seen.append(request)
        return 0

    monkeypatch.setattr("vecaudit.tui.app.run_tui", run_tui)
    assert run_cli(capsys, "tui", "store", "--sample", "4", "--policy", "gdpr", "--no-invert").code == 0
    assert seen[-1].config == ScanConfig.build(
        target="store", sample=4, policy="gdpr", invert=False, batch_size=TUI_BATCH_SIZE
    )
    assert run_cli(capsys, "tui", "--sample", "4", "--policy", "gdpr").code == 0
    assert seen[-1].config is None and seen[-1].settings()["sample"] == 4
    assert seen[-1].settings()["policy"] == "gdpr" and seen[-1].settings()["attack"] in (
        "standard",
        "quick",
        "thorough",
        "loop",
    )
    r = run_cli(capsys, "tui", "store", "-c", "")
    assert r.code == 2 and "collection" in r.err


@pytest.mark.parametrize(("resumable", "code"), [(False, 0), (True, 2)])
async def test_q_on_the_main_screen_quits_through_the_app(
    driven: list[ScanRequest],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    resumable: bool,
    code: int,
) -> None:
    app = VecauditApp(ScanRequest.new("store", state_dir=tmp_path / "runs"))
    async with app.run_test(size=(100, 30)) as pilot:
        main = app.screen
        assert isinstance(main, MainScreen)
        main.running, main.resumable, main.run_id = False, resumable, "run-1"
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == code
    hint = " ".join(capsys.readouterr().err.split())  # the exit message, printed on leaving
    assert ("vecaudit tui --resume run-1" in hint) is resumable


async def test_adaptive_sampling_settings_reach_the_config_the_cli_builds(
    driven: list[ScanRequest],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Precision, confidence and both budgets give the config `vecaudit scan` builds from them."""
    cli_configs: list[ScanConfig] = []

    def new_scan(config: ScanConfig, **kw: object) -> None:
        from vecaudit.config import ConfigError

        cli_configs.append(config)
        raise ConfigError("captured; no scan in this test")

    monkeypatch.setattr("vecaudit.runner.new_scan", new_scan)
    adaptive = ("--precision", "0.1", "--confidence", "0.9", "--budget-vectors", "40", "--budget-time", "2h")
    assert run_cli(capsys, "scan", "store", "--batch-size", str(TUI_BATCH_SIZE), *adaptive).code == 2
    assert len(cli_configs) == 1

    app = VecauditApp(ScanRequest(state_dir=tmp_path / "runs"))
    async with app.run_test(size=(100, 30)) as pilot:
        fill(
            app.screen,
            **{
                "target": "store",
                "precision": "0.1",
                "confidence": "0.9",
                "budget-vectors": "40",
                "budget-time": "2h",
            },
        )
        await submit(pilot)
        main = app.screen
        assert isinstance(main, MainScreen)
        main.running = False  # the recorder never finishes; the form opens only between scans
        await pilot.press("n")
        await pilot.pause()
        # the form reopens with the adaptive settings, the budget as a duration
        assert app.screen.query_one("#budget-time").value == "2h"  # type: ignore[attr-defined]
        assert app.screen.query_one("#precision").value == "0.1"  # type: ignore[attr-defined]
    assert [r.config for r in driven] == cli_configs
    (adaptive_config,) = cli_configs
    assert adaptive_config.adaptive and adaptive_config.budget_time == 7200
    assert adaptive_config.ray is None  # Ray scans start from the CLI (the form has no Ray fields)


async def test_invalid_sampling_settings_are_refused_on_the_form_and_start_nothing(
    driven: list[ScanRequest], tmp_path: Path
) -> None:
    app = VecauditApp(ScanRequest(state_dir=tmp_path / "runs"))
    async with app.run_test(size=(100, 30)) as pilot:
        fill(app.screen, **{"target": "store", "budget-time": "10 days"})
        await submit(pilot)
        assert isinstance(app.screen, ConnectScreen) and "invalid duration" in screen_text(app)
        fill(app.screen, **{"budget-time": "", "precision": "0.7"})
        await submit(pilot)
        assert isinstance(app.screen, ConnectScreen) and "invalid option precision" in screen_text(app)
        fill(app.screen, **{"precision": "", "budget-vectors": "-3"})
        await submit(pilot)
        assert isinstance(app.screen, ConnectScreen)
    assert driven == []
