"""The connect screen: what to scan, how to authenticate, which policy."""

from __future__ import annotations

import os
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Checkbox, Footer, Header, Input, Label, Select

from ..policy_choice import FILE, policy_options, split_policy
from ..scan_driver import ScanRequest

API_KEY_ENV = "QDRANT_API_KEY"


class ConnectScreen(Screen[ScanRequest]):
    """Dismissed with a ScanRequest. A key typed here goes into this process's environment only."""

    BINDINGS = [Binding("ctrl+s", "submit", "Scan", priority=True), Binding("escape", "back", "Back")]

    def __init__(self, defaults: ScanRequest) -> None:
        super().__init__()
        self._defaults = defaults

    def compose(self) -> ComposeResult:
        d = self._defaults
        preset, policy_file = split_policy(d.policy)
        has_env_key = bool(os.environ.get(API_KEY_ENV))
        yield Header()
        with VerticalScroll(id="connect-form"):
            yield Label("[b]Target[/b]: Qdrant URL (http(s)://host:port), local-mode folder, or edge:DIR")
            yield Input(d.target or "", placeholder="./qdrant-data", id="target")
            yield Label(
                "[b]API key[/b] (servers only): "
                + (f"${API_KEY_ENV} is set" if has_env_key else f"${API_KEY_ENV} not set")
                + "; or a key file, or type it (memory only)"
            )
            with Horizontal(classes="row"):
                yield Input(
                    str(d.api_key_file or ""), placeholder="key file path", id="api-key-file", classes="half"
                )
                yield Input(placeholder="API key", password=True, id="api-key", classes="half")
            yield Label("[b]Policy[/b]: a preset or a YAML file")
            with Horizontal(classes="row"):
                yield Select(policy_options(), value=preset, allow_blank=False, id="policy", classes="half")
                yield Input(policy_file, placeholder="policy.yaml", id="policy-file", classes="half")
            yield Label("[b]Sample[/b]: points per collection (0 = every point); [b]inversion[/b] on or off")
            with Horizontal(classes="row"):
                yield Input(str(d.sample), placeholder="0 = every point", id="sample", classes="half")
                yield Checkbox("invert vectors", value=d.invert, id="invert", classes="half")
            yield Label("", id="connect-error")
            yield Button("Scan (Ctrl+S)", id="scan", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "connect"
        self.query_one("#target", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "scan":
            self.action_submit()

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.dismiss()

    def _error(self, message: str) -> None:
        self.query_one("#connect-error", Label).update(f"[b red]{message}[/]")

    def action_submit(self) -> None:
        target = self.query_one("#target", Input).value.strip()
        if not target:
            self._error("give a target to scan")
            return
        key_file_text = self.query_one("#api-key-file", Input).value.strip()
        key_file = Path(key_file_text).expanduser() if key_file_text else None
        typed = self.query_one("#api-key", Input)
        if typed.value:
            # In-process only: the store adapter reads the key from the environment; nothing persists it.
            os.environ[API_KEY_ENV] = typed.value.strip()
            typed.value = ""
        choice = str(self.query_one("#policy", Select).value)
        policy = choice
        if choice == FILE:
            policy = self.query_one("#policy-file", Input).value.strip()
            if not policy:
                self._error("give the policy file's path, or pick a preset")
                return
        sample_text = self.query_one("#sample", Input).value.strip() or "0"
        if not sample_text.isdigit():
            self._error("sample must be a whole number (0 scans every point)")
            return
        d = self._defaults
        self.dismiss(
            ScanRequest(
                target=target,
                collections=d.collections,
                sample=int(sample_text),
                policy=policy,
                invert=self.query_one("#invert", Checkbox).value,
                reveal=d.reveal,
                api_key_file=key_file,
                state_dir=d.state_dir,
                run_id=d.run_id,
            )
        )
