"""The collections pane: one row per collection with its encoder and risk score."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from vecaudit.terminal_text import printable

from .styles import risk_text
from .table import ColumnsTable


@dataclass
class CollectionRow:
    name: str
    points_total: int = 0
    dim: int | None = None
    distance: str | None = None
    encoder: str = ""  # "" while not identified yet
    confidence: float = 0.0
    method: str = ""
    scanned: int = 0
    planned: int = 0
    risk: float | None = None  # None until points were scanned


class CollectionsTable(ColumnsTable):
    """Columns: name, risk, encoder (confidence), scanned/points, dimension, distance."""

    COLUMNS = (
        ("Collection", "name"),
        ("Risk", "risk"),
        ("Encoder (conf.)", "encoder"),
        ("Points", "points"),
        ("Dim", "dim"),
        ("Distance", "distance"),
    )

    def show(self, rows: list[CollectionRow]) -> None:
        self.ensure_columns()
        self.clear()
        for row in rows:
            if row.encoder:
                style = "dim" if row.encoder == "unknown" else "bold"
                conf = "" if row.encoder == "unknown" else f" ({row.confidence:.2f})"
                encoder = Text(row.encoder, style=style) + Text(conf, style="dim")
            else:
                encoder = Text("identifying…", style="dim italic")
            done = row.scanned if row.planned else 0
            points = (
                f"{done:,}/{row.planned:,}" if row.planned and done < row.planned else f"{row.points_total:,}"
            )
            self.add_row(
                Text(printable(row.name), style="bold"),  # a store's name, shown never obeyed
                risk_text(row.risk),
                encoder,
                points,
                str(row.dim) if row.dim else "–",
                row.distance or "–",
                key=row.name,
            )
