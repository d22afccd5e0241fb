"""The findings table: one row per finding, evidence always masked."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import DataTable
from vecaudit.models import Finding

from .styles import severity_text

COLUMNS = (
    ("Severity", "severity"),
    ("Entity", "entity"),
    ("Evidence", None),
    ("Src", "source"),
    ("Collection", "collection"),
    ("Point", "point"),
    ("Score", "score"),
)


def short_id(point_id: object, width: int = 10) -> str:
    text = str(point_id)
    return text if len(text) <= width else text[: width - 1] + "…"


class FindingsTable(DataTable[Text | str]):
    """Rows keyed by their index in the shown list; `masker` turns stored evidence into safe text."""

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        self._columns()

    def _columns(self) -> None:
        # Rows may arrive before this widget's Mount event (a finished run opens at once).
        if self.columns:
            return
        for label, key in COLUMNS:
            self.add_column(label, key=key or "evidence")

    def show(self, findings: Sequence[Finding], evidence: Sequence[str]) -> None:
        keep = self.cursor_row
        self._columns()
        self.clear()
        for i, (f, ev) in enumerate(zip(findings, evidence, strict=True)):
            self.add_row(
                severity_text(f.severity),
                f.entity_type,
                Text(ev, style="dim strike" if f.allowlisted else ""),
                "pay" if f.source == "payload" else Text("inv", style="magenta"),
                f.collection,
                short_id(f.point_id),
                f"{f.score:.2f}",
                key=str(i),
            )
        if findings:
            self.move_cursor(row=min(max(keep, 0), len(findings) - 1))
