"""The connect screen: what to scan, how to authenticate, and every setting `vecaudit scan` takes.

The form only gathers text; `ScanConfig.build` (the function `vecaudit scan` calls) converts and
validates it, so the TUI cannot accept a setting the CLI would refuse, nor miss one it has. Report
formats and output are the export dialog's business, not the scan's.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, get_args

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Footer, Header, Input, Label, Select
from vecaudit.config import ConfigError, ScanConfig, parse_duration
from vecaudit.models import Severity

from ..policy_choice import FILE, policy_options, split_policy
from ..scan_driver import ScanRequest

API_KEY_ENV = "QDRANT_API_KEY"

# Choices read from ScanConfig's own field types, so the form offers exactly what it accepts.
ATTACKS: tuple[str, ...] = get_args(ScanConfig.model_fields["attack"].annotation)
BACKENDS: tuple[str, ...] = get_args(ScanConfig.model_fields["inverter_backend"].annotation)
SEVERITIES = tuple(s.value for s in sorted(Severity, key=lambda s: s.rank))

# Text inputs whose value goes to ScanConfig as typed (pydantic converts numbers); blank = default.
_TEXT_FIELDS = ("sample", "seed", "batch_size", "max_text_chars", "timeout", "device", "confidence")
# Optional settings: blank = None (adaptive sampling off).
_OPTIONAL_FIELDS = (
    "encoder",
    "candidates",
    "vllm_url",
    "steps",
    "beam",
    "precision",
    "budget_vectors",
)


def _text(value: object) -> str:
    if isinstance(value, (tuple, list)):  # several values (vLLM servers): comma-separated
        return ", ".join(map(str, value))
    return "" if value is None else str(value)


def _duration_text(seconds: object) -> str:
    """A --budget-time in seconds as the form shows it ("2h", "30m", "90s"); parse_duration reads it back."""
    if not isinstance(seconds, (int, float)):
        return _text(seconds)
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"


def _select(values: tuple[str, ...], value: object, widget_id: str) -> Select[str]:
    return Select([(v, v) for v in values], value=str(value), allow_blank=False, id=widget_id)


def _field(label: str, widget: Widget) -> Vertical:
    """A widget with its label above it; fields in a row share its width."""
    return Vertical(Label(label), widget, classes="field")


class ConnectScreen(Screen[ScanRequest]):
    """Dismissed with a ScanRequest. A key typed here goes into this process's environment only.

    `allow_reveal` is whether the TUI was started with --reveal: only then may a scan keep values
    (the checkbox can turn that off, never on).
    """

    BINDINGS = [Binding("ctrl+s", "submit", "Scan", priority=True), Binding("escape", "back", "Back")]

    def __init__(self, defaults: ScanRequest, *, allow_reveal: bool = False) -> None:
        super().__init__()
        self._defaults = defaults
        self._allow_reveal = allow_reveal

    def compose(self) -> ComposeResult:
        d = self._defaults.settings()
        preset, policy_file = split_policy(str(d["policy"]))
        has_env_key = bool(os.environ.get(API_KEY_ENV))
        yield Header()
        with VerticalScroll(id="connect-form"):
            yield Label("[b]Target[/b]: Qdrant URL (http(s)://host:port), local-mode folder, or edge:DIR")
            yield Input(d["target"] or "", placeholder="./qdrant-data", id="target")
            yield Label(
                "[b]API key[/b] (servers only): "
                + (f"${API_KEY_ENV} is set" if has_env_key else f"${API_KEY_ENV} not set")
                + "; or a key file, or type it (memory only)"
            )
            with Horizontal(classes="row"):
                yield Input(
                    _text(d["api_key_file"]), placeholder="key file path", id="api-key-file", classes="half"
                )
                yield Input(placeholder="API key", password=True, id="api-key", classes="half")
            with Horizontal(classes="row"):
                yield _field("timeout (s)", Input(_text(d["timeout"]), id="timeout"))
                yield Checkbox("skip TLS checks (unsafe)", value=not d["verify_tls"], id="insecure")
            yield Label("[b]Policy[/b]: a preset or a YAML file; findings at or above fail-on are violations")
            with Horizontal(classes="row"):
                yield Select(policy_options(), value=preset, allow_blank=False, id="policy", classes="half")
                yield Input(policy_file, placeholder="policy.yaml", id="policy-file", classes="half")
            with Horizontal(classes="row"):
                yield _field("fail on", _select(SEVERITIES, Severity(d["fail_on"]).value, "fail-on"))
                yield Checkbox(
                    "allow partial (unanalyzed data passes)", value=d["allow_partial"], id="allow-partial"
                )
            yield _field(
                "candidates file (targeted mode: names, emails, phones; one per line)",
                Input(_text(d["candidates"]), placeholder="none", id="candidates"),
            )
            yield Label("[b]What to scan[/b]: sample = points per collection (0 = every point)")
            with Horizontal(classes="row"):
                yield Vertical(
                    Label("collections (comma-separated)"),
                    Input(", ".join(d["collections"]), placeholder="all", id="collection-names"),
                    classes="field wide",
                )
                yield _field("sample", Input(_text(d["sample"]), id="sample"))
                yield _field("seed", Input(_text(d["seed"]), id="seed"))
                yield _field("batch size", Input(_text(d["batch_size"]), id="batch-size"))
                yield _field("max text chars", Input(_text(d["max_text_chars"]), id="max-text-chars"))
            yield Label("[b]Inversion[/b]: attack effort quick/standard/thorough, or the learned loop alone")
            with Horizontal(classes="row"):
                yield Checkbox("invert vectors", value=d["invert"], id="invert")
                yield _field("attack", _select(ATTACKS, d["attack"], "attack"))
                yield _field("device", Input(_text(d["device"]), placeholder="cpu, cuda", id="device"))
                yield _field("encoder", Input(_text(d["encoder"]), placeholder="identify", id="encoder"))
            with Horizontal(classes="row"):
                yield _field("steps (loop)", Input(_text(d["steps"]), placeholder="default", id="steps"))
                yield _field("beam (loop)", Input(_text(d["beam"]), placeholder="default", id="beam"))
                yield _field("inverter backend", _select(BACKENDS, d["inverter_backend"], "inverter-backend"))
                yield _field("vLLM URL", Input(_text(d["vllm_url"]), placeholder="none", id="vllm-url"))
            yield Label(
                "[b]Adaptive sampling[/b]: invert in a random order, stop once every rate is within "
                "±precision (a budget alone implies 0.05); blank = invert every planned point"
            )
            with Horizontal(classes="row"):
                yield _field("precision", Input(_text(d["precision"]), placeholder="off", id="precision"))
                yield _field("confidence", Input(_text(d["confidence"]), id="confidence"))
                yield _field(
                    "budget vectors",
                    Input(_text(d["budget_vectors"]), placeholder="none", id="budget-vectors"),
                )
                yield _field(
                    "budget time",
                    Input(_duration_text(d["budget_time"]), placeholder="90s, 30m, 2h", id="budget-time"),
                )
            yield Checkbox(
                "reveal: keep values in the run database"
                + ("" if self._allow_reveal else " (start the TUI with --reveal)"),
                value=bool(d["reveal"]) and self._allow_reveal,
                disabled=not self._allow_reveal,
                id="reveal",
            )
            yield Button("Scan (Ctrl+S)", id="scan", variant="primary")
        # Outside the scrolling form: the form is taller than a small terminal, the error stays in view.
        yield Label("", id="connect-error")
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
        # Text, not markup: a message may quote what was typed (brackets included).
        label = self.query_one("#connect-error", Label)
        label.update(Text(message, style="bold red"))
        label.display = True

    def _value(self, name: str) -> str:
        return self.query_one(f"#{name.replace('_', '-')}", Input).value.strip()

    def _choice(self, widget_id: str) -> str:
        return str(self.query_one(f"#{widget_id}", Select).value)

    def _checked(self, widget_id: str) -> bool:
        return self.query_one(f"#{widget_id}", Checkbox).value

    def form_settings(self) -> dict[str, Any] | None:
        """The form as ScanConfig keyword values, or None after showing what is missing."""
        target = self._value("target")
        if not target:
            self._error("give a target to scan")
            return None
        policy = self._choice("policy")
        if policy == FILE:
            policy = self._value("policy-file")
            if not policy:
                self._error("give the policy file's path, or pick a preset")
                return None
        key_file = self._value("api-key-file")
        settings: dict[str, Any] = {
            "target": target,
            "collections": tuple(c.strip() for c in self._value("collection-names").split(",") if c.strip()),
            "policy": policy,
            "fail_on": self._choice("fail-on"),
            "allow_partial": self._checked("allow-partial"),
            "invert": self._checked("invert"),
            "attack": self._choice("attack"),
            "inverter_backend": self._choice("inverter-backend"),
            "reveal": self._allow_reveal and self._checked("reveal"),
            "verify_tls": not self._checked("insecure"),
            "api_key_file": Path(key_file).expanduser() if key_file else None,
        }
        for name in _TEXT_FIELDS:
            if text := self._value(name):
                settings[name] = text
        for name in _OPTIONAL_FIELDS:
            settings[name] = self._value(name) or None
        if settings["candidates"] is not None:
            settings["candidates"] = Path(settings["candidates"]).expanduser()
        if budget_time := self._value("budget_time"):
            try:
                settings["budget_time"] = parse_duration(budget_time)
            except ConfigError as exc:
                self._error(str(exc))  # as `vecaudit scan --budget-time` says it
                return None
        return settings

    def action_submit(self) -> None:
        settings = self.form_settings()
        if settings is None:
            return
        try:
            config = ScanConfig.build(**settings)
        except ConfigError as exc:
            self._error(str(exc))
            return
        typed = self.query_one("#api-key", Input)
        if typed.value:
            # In-process only: the store adapter reads the key from the environment; nothing persists it.
            os.environ[API_KEY_ENV] = typed.value.strip()
            typed.value = ""
        d = self._defaults
        self.dismiss(ScanRequest(config=config, state_dir=d.state_dir, run_id=d.run_id))
