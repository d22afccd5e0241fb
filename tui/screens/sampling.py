"""The sampling dialog: why adaptive sampling stopped inverting a collection, and its estimates.

Everything shown comes from the finished report's `collections[].sampling` (or, while the scan runs,
from the last `SamplingDecided` event): counts, shares, intervals and entity type names, never a
value. Text from the store or a policy (a collection's name, an entity type) is drawn as text, never
as markup.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static
from vecaudit.models import RateEstimate, SamplingReport
from vecaudit.terminal_text import printable


def _share(value: float) -> str:
    return f"{value * 100:.1f}%"


def _estimates_table(report: SamplingReport) -> RenderableType:
    table = Table(box=None, padding=(0, 1), header_style="bold")
    for label, justify in (
        ("entity type", "left"),
        ("source", "left"),
        ("found / n", "right"),
        ("rate", "right"),
        ("interval", "left"),
        ("±", "right"),
    ):
        table.add_column(label, justify=justify)  # type: ignore[arg-type]

    def row(e: RateEstimate) -> None:
        interval = "exact" if e.exact else f"[{_share(e.low)}, {_share(e.high)}]"
        table.add_row(
            Text(printable(e.entity_type), style="bold"),
            e.source,
            f"{e.count:,}/{e.n:,}",
            _share(e.rate),
            interval,
            "" if e.exact else f"{e.half_width:.3f}",
        )

    for estimate in report.estimates:
        row(estimate)
    seen = {e.entity_type for e in report.estimates if e.source == "inversion"}
    unseen = [t for t in report.entity_types if t not in seen]
    if not unseen or report.unseen_high is None:
        return table
    # The tracked types inversion never recovered share one interval (count 0 of the points inverted).
    note = Text(printable(", ".join(unseen)), style="bold")
    note.append(
        f": never recovered by inversion (0/{report.inverted:,}); each share in "
        f"[0.0%, {_share(report.unseen_high)}] (±{report.unseen_high / 2:.3f})"
    )
    return Group(table, note) if report.estimates else note


def sampling_view(
    collection: str, status: Text, reason: str, report: SamplingReport | None
) -> RenderableType:
    """What the dialog draws for one collection (also used by tests)."""
    head = Table.grid(padding=(0, 1))
    head.add_column(style="dim", no_wrap=True)
    head.add_column(overflow="fold")
    head.add_row("collection", Text(printable(collection), style="bold"))
    head.add_row("inverted", status)
    if reason:
        head.add_row("reason", Text(printable(reason)))
    if report is None:
        note = Text("The estimates and their intervals come with the finished report.", style="dim italic")
        return Group(head, Text(""), note)
    head.add_row(
        "target",
        f"every interval within ±{report.precision:g} at confidence {report.confidence:g} "
        f"({'met' if report.precision_met else 'not met'})",
    )
    if report.budget_vectors is not None or report.budget_seconds is not None:
        parts = []
        if report.budget_vectors is not None:
            parts.append(f"{report.budget_vectors:,} vectors (this collection's share)")
        if report.budget_seconds is not None:
            parts.append(f"{report.budget_seconds:g} s in all")
        head.add_row("budget", ", ".join(parts))
    head.add_row("spent", f"{report.vectors_inverted:,} vectors, {report.seconds:.1f} s")
    method = Text(
        f"{report.method}; each interval at level {report.alpha_per_interval:.4g}. {report.reference}.",
        style="dim",
    )
    estimates: RenderableType = (
        _estimates_table(report)
        if report.estimates or report.unseen_high is not None
        else Text("No estimate: no point was inverted.", style="dim")
    )
    return Group(
        head, Text(""), Text("Estimates (share of points)", style="bold"), estimates, Text(""), method
    )


class SamplingScreen(ModalScreen[None]):
    """Adaptive sampling of one collection: the reason inversion stopped, and every rate's interval."""

    BINDINGS = [Binding("escape,a,q", "close", "Close")]

    def __init__(self, collection: str, status: Text, reason: str, report: SamplingReport | None) -> None:
        super().__init__()
        self._view = sampling_view(collection, status, reason, report)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="sampling-box", classes="dialog"):
            yield Static(Text("Adaptive sampling", style="bold"))
            yield Static(self._view, id="sampling-body")

    def action_close(self) -> None:
        self.dismiss(None)
