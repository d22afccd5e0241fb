"""The base of the collections and findings tables: row cursor, zebra stripes, fixed columns."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.widgets import DataTable


class ColumnsTable(DataTable[Text | str]):
    """A table whose columns (`COLUMNS`: label and key) are added once, before the first rows."""

    COLUMNS: ClassVar[tuple[tuple[str, str], ...]] = ()

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        self.ensure_columns()

    def ensure_columns(self) -> None:
        # Rows may arrive before this widget's Mount event (a finished run opens at once).
        if not self.columns:
            for label, key in self.COLUMNS:
                self.add_column(label, key=key)
