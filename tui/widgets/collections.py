"""The collections pane: one row per collection with its encoder and risk score."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import DataTable

from .styles import risk_text


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


class CollectionsTable(DataTable[Text | str]):
    """Columns: name, encoder (confidence), risk, scanned/points, dimension, distance."""

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        self._columns()

    def _columns(self) -> None:
        # Rows may arrive before this widget's Mount event (a finished run opens at once).
        if self.columns:
            return
        self.add_column("Collection", key="name")
        self.add_column("Risk", key="risk")
        self.add_column("Encoder (conf.)", key="encoder")
        self.add_column("Points", key="points")
        self.add_column("Dim", key="dim")
        self.add_column("Distance", key="distance")

    def show(self, rows: list[CollectionRow]) -> None:
        self._columns()
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
                Text(row.name, style="bold"),
                risk_text(row.risk),
                encoder,
                points,
                str(row.dim) if row.dim else "–",
                row.distance or "–",
                key=row.name,
            )
