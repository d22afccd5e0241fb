"""The vecaudit TUI: audit a live store from the terminal.

    vecaudit tui ./qdrant-data          # scans at once, shows findings as they come
    vecaudit tui                        # connect screen first

The app only arranges screens, and carries their messages: screens never hold or import one
another to call them (the main screen asks for a new scan with `MainScreen.NewScan`, the policy pane
for another policy with `PolicyScreen.Switch`; dialogs answer through `dismiss`). The scan itself
runs through `vecaudit.runner` on a worker thread (see `scan_driver`). Heavy modules (torch,
Presidio, the encoders) load in that thread, so the first frame comes fast.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from .scan_driver import ScanRequest
from .screens.connect import ConnectScreen
from .screens.dialogs import HelpScreen
from .screens.main import MainScreen
from .screens.policy import PolicyScreen


class VecauditApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "vecaudit"
    BINDINGS = [Binding("f1", "help", "Help")]

    def __init__(self, request: ScanRequest, *, reveal: bool = False) -> None:
        super().__init__()
        self.request = request
        self.reveal = reveal

    def on_mount(self) -> None:
        self.theme = "textual-dark"
        if self.request.config is not None or self.request.resume_run_id:
            self.push_screen(MainScreen(self.request, allow_reveal=self.reveal))
        else:
            self.action_connect()

    @property
    def main_screen(self) -> MainScreen | None:
        for screen in reversed(self.screen_stack):
            if isinstance(screen, MainScreen):
                return screen
        return None

    def action_connect(self) -> None:
        main = self.main_screen
        defaults = main.request if main is not None and main.request.config is not None else self.request

        def connected(request: ScanRequest | None) -> None:
            if request is None:
                return
            screen = MainScreen(request, allow_reveal=self.reveal)
            if isinstance(self.screen, MainScreen) and not self.screen.running:
                self.switch_screen(screen)
            else:
                self.push_screen(screen)

        self.push_screen(ConnectScreen(defaults, allow_reveal=self.reveal), connected)

    def on_main_screen_new_scan(self, message: MainScreen.NewScan) -> None:
        self.action_connect()

    def on_policy_screen_switch(self, message: PolicyScreen.Switch) -> None:
        """Re-judge under the picked policy on the main screen, then show the pane the outcome."""
        main = self.main_screen
        if main is not None and main.switch_policy(message.spec):
            message.policy_screen.show(main.policy_view())

    async def action_quit(self) -> None:
        main = self.main_screen
        message = main.stop_for_exit() if main is not None else None
        self.exit(return_code=2 if message else 0, message=message)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Help", "Keys, risk score, reveal rules (F1)", self.action_help)
        main = self.main_screen
        if main is not None and screen is main:
            yield from main.commands()


def run_tui(request: ScanRequest, *, reveal: bool = False) -> int:
    """Run the TUI in the terminal until the user quits; 2 if a scan was left unfinished, else 0."""
    app = VecauditApp(request, reveal=reveal)
    app.run()
    return app.return_code or 0


def show_run(run_id: str, *, state_dir: Path | None = None) -> None:
    """Open a stored run (finished: its findings; stopped: resumable with r). Used by `vecaudit demo`."""
    run_tui(ScanRequest(resume_run_id=run_id, state_dir=state_dir))
