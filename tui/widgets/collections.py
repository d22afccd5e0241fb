"""The collections pane: one row per collection with its encoder and risk score.

A scan that samples adaptively (--precision, --budget-*) adds a column: the points inverted of the
collection's points and, once known, why inversion stopped ("1,216/20,000 · precision").
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from vecaudit.models import SamplingReport
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
    # Adaptive sampling (None: the run inverts every planned point, or no decision was taken yet):
    # points drawn for inversion so far, of `population`; `sampling_stop` once inversion stopped
    # (a SamplingStop), `sampling_reason` the last decision in words; `sampling` the final report's.
    sampled: int | None = None
    population: int = 0
    sampling_stop: str | None = None
    sampling_reason: str = ""
    sampling: SamplingReport | None = None

    def sampling_from(self, report: SamplingReport) -> None:
        """Take the finished report's sampling as this row's status."""
        self.sampling = report
        self.sampled, self.population = report.inverted, report.population
        self.sampling_stop, self.sampling_reason = report.stop, report.reason


#: How the pane names a sampling stop (models.SamplingStop), and its style: a budget that ran out before
#: the precision was met leaves the inversion audit partial.
_STOP_LABEL = {
    "precision": ("precision", "green"),
    "budget-vectors": ("budget", "dark_orange"),
    "budget-time": ("budget", "dark_orange"),
    "all-inverted": ("all", ""),
    "sample-exhausted": ("sample", ""),
    "not-inverted": ("not inverted", "dim"),
}


def sampling_text(row: CollectionRow) -> Text:
    """ "1,216/20,000 · precision": points inverted of the collection's, and why inversion stopped."""
    if row.sampled is None:
        return Text("–", style="dim")
    out = Text(f"{row.sampled:,}/{row.population:,}")
    if row.sampling_stop is not None:
        label, style = _STOP_LABEL.get(row.sampling_stop, (row.sampling_stop, ""))
        if row.sampling is not None and row.sampling.partial:
            style = "bold dark_orange"
        out.append(f" · {label}", style=style)
    return out


class CollectionsTable(ColumnsTable):
    """Columns: name, risk, encoder (confidence), scanned/points, dimension, distance; once a
    collection samples adaptively, inverted/points with the stop comes after the risk."""

    COLUMNS = (
        ("Collection", "name"),
        ("Risk", "risk"),
        ("Encoder (conf.)", "encoder"),
        ("Points", "points"),
        ("Dim", "dim"),
        ("Distance", "distance"),
    )

    SAMPLING_COLUMN = ("Inverted", "sampling")

    _sampling = False  # the sampling column is shown (from the first row that samples on)

    def ensure_columns(self) -> None:
        if not self.columns:
            for label, key in self.COLUMNS:
                self.add_column(label, key=key)
                if key == "risk" and self._sampling:
                    self.add_column(self.SAMPLING_COLUMN[0], key=self.SAMPLING_COLUMN[1])

    def show(self, rows: list[CollectionRow]) -> None:
        if not self._sampling and any(row.sampled is not None for row in rows):
            self._sampling = True  # next to Risk, so a narrow pane still shows it
            self.clear(columns=True)
        self.ensure_columns()
        self.clear()
        sampling = self._sampling
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
            cells: list[Text | str] = [
                Text(printable(row.name), style="bold"),  # a store's name, shown never obeyed
                risk_text(row.risk),
                encoder,
                points,
                str(row.dim) if row.dim else "–",
                row.distance or "–",
            ]
            if sampling:
                cells.insert(2, sampling_text(row))
            self.add_row(*cells, key=row.name)
