"""The detail pane: one finding, evidence masked; recovered text only after a confirmed reveal."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static
from vecaudit.models import Finding
from vecaudit.terminal_text import printable

from .styles import severity_text

_EMPTY = "Select a finding (↑/↓)."


class DetailPane(VerticalScroll):
    """Most telling lines first, so a short pane (80x24) still shows entity, evidence and where."""

    def compose(self) -> ComposeResult:
        yield Static(Text(_EMPTY, style="dim"), id="detail-body")

    def on_mount(self) -> None:
        self.border_title = "Detail"

    def show(
        self,
        finding: Finding | None,
        *,
        evidence: str = "",
        cosine: float | None = None,
        revealed_value: str | None = None,
        revealed_text: str | None = None,
        can_reveal: bool = False,
    ) -> None:
        body = self.query_one("#detail-body", Static)
        if finding is None:
            body.update(Text(_EMPTY, style="dim"))
            return
        grid = Table.grid(padding=(0, 1))
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column(overflow="fold")
        grid.add_row(
            "finding", severity_text(finding.severity) + " " + Text(finding.entity_type, style="bold")
        )
        grid.add_row("evidence", Text(evidence, style="bold"))
        if revealed_value is not None:
            grid.add_row("value", Text(revealed_value, style="bold red"))
        if revealed_text is not None:
            grid.add_row("recovered", Text(revealed_text, style="red"))
        if cosine is not None:
            # Cosine between the stored vector and the re-embedded recovered text: how close the attack came.
            grid.add_row("inversion", Text(f"cosine {cosine:.3f} to the vector", style="bold magenta"))
        # Names and paths come from the store: shown escaped, never obeyed.
        where = f"{finding.source} · {printable(finding.collection)}"
        grid.add_row("where", where)
        grid.add_row("point", printable(str(finding.point_id)))
        if finding.field:
            grid.add_row("field", printable(finding.field))
        if finding.vector:
            grid.add_row("vector", printable(finding.vector))
        grid.add_row("score", f"{finding.score:.2f}  rule {finding.rule_id}")
        if finding.allowlisted:
            grid.add_row("allowlisted", Text("yes (not a violation)", style="green"))
        grid.add_row("fingerprint", finding.fingerprint)
        if can_reveal and revealed_value is None:
            grid.add_row("", Text("v: reveal (asks first)", style="dim italic"))
        body.update(grid)
