"""Small modal screens: help (F1), reveal confirmation, export."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Markdown, Select

HELP_TEXT = """\
# vecaudit TUI

| Key | Action |
|---|---|
| **F1** | this help |
| **Ctrl+P** | command palette (every action below, plus filters and policies) |
| **↑ ↓ PgUp PgDn** | move in the findings table |
| **Tab / Shift+Tab** | next / previous pane |
| **Enter** (collections pane) | show only that collection's findings (again: all) |
| **1 2 3 4** | cycle the severity, entity, source and collection filter |
| **0** | clear all filters |
| **s / S** | sort by the next column / reverse the order |
| **v** | reveal the selected finding's value (only with `--reveal`, asks first) |
| **p** | policy pane: rules, thresholds, how often each fired; switch policy |
| **a** | adaptive sampling (collection under the cursor): why inversion stopped, each rate's interval |
| **e** | export the findings as JSON, SARIF or HTML |
| **c** | cancel the scan (progress is kept; the run id is shown) |
| **r** | resume a cancelled scan |
| **n** | new scan (connect screen) |
| **q** | quit (a running scan is cancelled and stays resumable) |

**Risk score** (collections pane, 0-100): each scanned point counts with the weight of its most
severe finding (critical 1.0, high 0.7, medium 0.4, low 0.15, info 0; allowlisted findings and
points without findings 0); the score is the mean over the points scanned, times 100.

**Evidence** is always masked (`j*** s****`). Values and recovered text are shown only when the TUI
was started with `--reveal`, and only after you confirm.

**Switching the policy** re-judges the stored findings without reading the store again. Entities
the scanned policy did not look for, and scores below its thresholds, need a new scan.

**API keys** come from `QDRANT_API_KEY` or a key file; a key typed on the connect screen stays in
this process's memory and is never written anywhere.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,q", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box", classes="dialog"):
            yield Markdown(HELP_TEXT)

    def action_dismiss(self, result: None = None) -> None:  # type: ignore[override]
        self.dismiss(None)


class ConfirmReveal(ModalScreen[bool]):
    """Ask before any PII value is drawn on the screen."""

    BINDINGS = [Binding("escape,n", "answer(False)", "No"), Binding("y", "answer(True)", "Yes")]

    def __init__(self, what: str) -> None:
        super().__init__()
        self._what = what

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box", classes="dialog"):
            yield Label("[b]Show personal data?[/b]")
            yield Label(
                f"This draws the unmasked {self._what} on your screen. Make sure nobody is looking "
                "over your shoulder and that you are authorized to see it."
            )
            with Horizontal(classes="buttons"):
                yield Button("Reveal (y)", id="yes", variant="error")
                yield Button("Cancel (n)", id="no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


EXPORT_FORMATS = (("JSON", "json"), ("SARIF 2.1.0", "sarif"), ("HTML", "html"))


class ExportScreen(ModalScreen[tuple[str, Path] | None]):
    """Pick a format and a path; the app writes the report with vecaudit.report.write_reports."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, default_stem: str, fmt: str = "json") -> None:
        super().__init__()
        self._stem = default_stem
        self._fmt = fmt

    def compose(self) -> ComposeResult:
        with Vertical(id="export-box", classes="dialog"):
            yield Label("[b]Export report[/b]")
            yield Select(EXPORT_FORMATS, value=self._fmt, allow_blank=False, id="export-format")
            yield Input(self._stem, placeholder="path (the format's extension is added)", id="export-path")
            with Horizontal(classes="buttons"):
                yield Button("Export", id="export", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    def _submit(self) -> None:
        fmt = str(self.query_one("#export-format", Select).value)
        path = self.query_one("#export-path", Input).value.strip()
        if not path:
            self.notify("give a path for the report", severity="error")
            return
        self.dismiss((fmt, Path(path).expanduser()))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "export":
            self._submit()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
