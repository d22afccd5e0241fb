"""The policy pane: which rules fired and their thresholds; switch the policy without re-scanning."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Select, Static

from ..findings_model import fired_counts
from ..widgets.styles import severity_text
from .connect import FILE, PRESETS

if TYPE_CHECKING:
    from .main import MainScreen


class PolicyScreen(Screen[None]):
    BINDINGS = [Binding("escape,p", "close", "Back")]

    def __init__(self, main: MainScreen) -> None:
        super().__init__()
        self.main = main

    def compose(self) -> ComposeResult:
        current = self.main.policy_spec
        yield Header()
        with Horizontal(id="policy-picker"):
            yield Select(
                [(p, p) for p in PRESETS] + [("file…", FILE)],
                value=current if current in PRESETS else FILE,
                allow_blank=False,
                id="policy-select",
            )
            yield Input(
                "" if current in PRESETS else current, placeholder="policy.yaml, then Enter", id="policy-path"
            )
        yield Static(id="policy-notes")
        yield DataTable(id="rules", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "policy"
        table = self.query_one("#rules", DataTable)
        for label in ("Rule", "Entity", "Severity", "Threshold", "Fired"):
            table.add_column(label)
        self.refresh_rules()
        table.focus()

    def refresh_rules(self) -> None:
        main = self.main
        fired = fired_counts(main.findings)
        table = self.query_one("#rules", DataTable)
        table.clear()
        for rule in main.rules:
            n = fired.get(rule.id, 0)
            table.add_row(
                rule.id,
                rule.entity_type,
                severity_text(rule.severity),
                f"≥ {rule.threshold:.2f}",
                Text(f"{n:,}", style="bold" if n else "dim"),
            )
        notes = Text()
        notes.append("policy ", style="dim")
        notes.append(main.policy_name, style="bold")
        fired_rules = sum(1 for r in main.rules if fired.get(r.id))
        notes.append(f"  {fired_rules} of {len(main.rules)} rules fired, {len(main.findings):,} findings")
        if main.reevaluation is not None:
            r = main.reevaluation
            notes.append(
                f"\nre-judged {len(main.scanned_findings):,} stored findings without re-scanning", "dim"
            )
            if r.dropped:
                notes.append(f"; {r.dropped:,} no longer match a rule", "dim")
            if r.unscanned_entities:
                notes.append(
                    "\nnot looked for by the scanned policy (re-scan to check): "
                    + ", ".join(r.unscanned_entities),
                    "dark_orange",
                )
            if r.pattern_allowlist_skipped:
                notes.append(
                    f"\n{r.pattern_allowlist_skipped} allowlist pattern(s) need the raw value: "
                    "re-scan to apply",
                    "dark_orange",
                )
        self.query_one("#policy-notes", Static).update(notes)

    def on_select_changed(self, event: Select.Changed) -> None:
        value = str(event.value)
        if value != FILE and value != self.main.policy_spec:
            self.main.switch_policy(value)
            self.refresh_rules()
        elif value == FILE:
            self.query_one("#policy-path", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        path = event.value.strip()
        if path:
            self.main.switch_policy(path)
            self.refresh_rules()

    def action_close(self) -> None:
        self.dismiss(None)
