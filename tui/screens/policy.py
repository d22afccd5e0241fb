"""The policy pane: which rules fired and their thresholds; switch the policy without re-scanning.

The screen holds no other screen: it draws a `PolicyView` (a snapshot of what the main screen
judged) and asks for another policy with a `PolicyScreen.Switch` message. The app hands that to
the main screen and calls `show` with the new view when the switch succeeded.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Select, Static
from vecaudit.models import Finding, RuleInfo

from ..findings_model import Reevaluation, fired_counts
from ..policy_choice import FILE, policy_options, split_policy
from ..widgets.styles import severity_text


@dataclass(frozen=True)
class PolicyView:
    """What the policy pane shows: the selected policy, its rules and the findings it judged."""

    spec: str  # the selected policy as given: preset name or file path
    name: str  # the policy's own name
    rules: list[RuleInfo]
    findings: list[Finding]  # under the selected policy
    scanned_count: int  # findings the scan stored (what a switch re-judges)
    reevaluation: Reevaluation | None  # None while the scanned policy is selected


class PolicyScreen(Screen[None]):
    BINDINGS = [Binding("escape,p", "close", "Back")]

    class Switch(Message):
        """The user picked another policy (`spec`: a preset name or a file path)."""

        def __init__(self, policy_screen: PolicyScreen, spec: str) -> None:
            super().__init__()
            self.policy_screen = policy_screen  # the screen to `show` the outcome on
            self.spec = spec

    def __init__(self, view: PolicyView) -> None:
        super().__init__()
        self.view = view

    def compose(self) -> ComposeResult:
        preset, path = split_policy(self.view.spec)
        yield Header()
        with Horizontal(id="policy-picker"):
            yield Select(policy_options(), value=preset, allow_blank=False, id="policy-select")
            yield Input(path, placeholder="policy.yaml, then Enter", id="policy-path")
        yield Static(id="policy-notes")
        yield DataTable(id="rules", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "policy"
        table = self.query_one("#rules", DataTable)
        for label in ("Rule", "Entity", "Severity", "Threshold", "Fired"):
            table.add_column(label)
        self.show(self.view)
        table.focus()

    def show(self, view: PolicyView) -> None:
        """Draw `view` (called again by the app after a switch)."""
        self.view = view
        fired = fired_counts(view.findings)
        table = self.query_one("#rules", DataTable)
        table.clear()
        for rule in view.rules:
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
        notes.append(view.name, style="bold")
        fired_rules = sum(1 for r in view.rules if fired.get(r.id))
        notes.append(f"  {fired_rules} of {len(view.rules)} rules fired, {len(view.findings):,} findings")
        if view.reevaluation is not None:
            r = view.reevaluation
            notes.append(f"\nre-judged {view.scanned_count:,} stored findings without re-scanning", "dim")
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
        if value != FILE and value != self.view.spec:
            self.post_message(self.Switch(self, value))
        elif value == FILE:
            self.query_one("#policy-path", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        path = event.value.strip()
        if path:
            self.post_message(self.Switch(self, path))

    def action_close(self) -> None:
        self.dismiss(None)
