"""The findings table: one row per finding, evidence always masked."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from vecaudit.models import Finding
from vecaudit.terminal_text import printable

from .styles import severity_text
from .table import ColumnsTable


def short_id(point_id: object, width: int = 10) -> str:
    text = printable(str(point_id))
    return text if len(text) <= width else text[: width - 1] + "…"


class FindingsTable(ColumnsTable):
    """Rows keyed by their index in the shown list; `show` gets the evidence already masked."""

    COLUMNS = (
        ("Severity", "severity"),
        ("Entity", "entity"),
        ("Evidence", "evidence"),
        ("Src", "source"),
        ("Collection", "collection"),
        ("Point", "point"),
        ("Score", "score"),
    )

    def show(self, findings: Sequence[Finding], evidence: Sequence[str]) -> None:
        keep = self.cursor_row
        self.ensure_columns()
        self.clear()
        for i, (f, ev) in enumerate(zip(findings, evidence, strict=True)):
            self.add_row(
                severity_text(f.severity),
                f.entity_type,
                Text(ev, style="dim strike" if f.allowlisted else ""),
                "pay" if f.source == "payload" else Text("inv", style="magenta"),
                Text(printable(f.collection)),  # Text: a str cell would be read as markup
                Text(short_id(f.point_id)),
                f"{f.score:.2f}",
                key=str(i),
            )
        if findings:
            self.move_cursor(row=min(max(keep, 0), len(findings) - 1))
