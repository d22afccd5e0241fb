"""Terminal rendering of scan progress events: a rich bar on a TTY, sparse plain lines otherwise.

Everything goes to stderr so stdout stays clean for reports. `--quiet` shows nothing; `NO_COLOR`
is honoured by rich; when stderr is not a terminal (CI logs, pipes) there is no bar, only a line per
collection and one every PLAIN_INTERVAL seconds.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import Any, TextIO

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from ..progress import (
    BatchScanned,
    CollectionFinished,
    CollectionStarted,
    EncoderIdentified,
    Notice,
    ProgressEvent,
    RunStarted,
    ScanPlanned,
    StageSkipped,
)
from ..terminal_text import printable

PLAIN_INTERVAL = 10.0


class _RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:,.0f} pts/s", style="progress.data.speed")


class ProgressView:
    """A progress listener: `with ProgressView(...) as view: run.execute(on_event=view)`."""

    def __init__(
        self, *, quiet: bool = False, stream: TextIO | None = None, force_plain: bool = False
    ) -> None:
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.console = Console(file=self.stream, stderr=stream is None, highlight=False)
        self.fancy = (
            not quiet and not force_plain and self.console.is_terminal and not self.console.is_dumb_terminal
        )
        self._progress: Progress | None = None
        self._task: Any = None
        self._planned = 0
        self._last_plain = 0.0

    def __enter__(self) -> ProgressView:
        if self.fancy:
            self._progress = Progress(
                TextColumn("[progress.description]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                _RateColumn(),
                TextColumn("{task.fields[findings]} findings"),
                TimeElapsedColumn(),
                TextColumn("eta"),
                TimeRemainingColumn(),
                console=self.console,
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task("scanning", total=None, findings=0)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def line(self, text: str) -> None:
        """One line on the progress stream; store names in it are shown escaped, never obeyed."""
        if self.quiet:
            return
        text = printable(text)
        if self._progress is not None:
            self._progress.console.print(text, markup=False, highlight=False)
        else:
            print(text, file=self.stream, flush=True)

    def __call__(self, event: ProgressEvent) -> None:
        if self.quiet:
            return
        if isinstance(event, RunStarted):
            verb = "resuming" if event.resumed else "starting"
            self.line(f"vecaudit: {verb} scan {event.run_id} of {event.target}")
            if event.points_planned:
                self._set_total(event.points_planned, event.points_done)
        elif isinstance(event, ScanPlanned):
            parts = ", ".join(f"{name} ({n:,})" for name, n in event.collections.items())
            self.line(f"vecaudit: {len(event.collections)} collection(s) to scan: {parts}")
            self._set_total(event.points_planned, 0)
        elif isinstance(event, CollectionStarted):
            self._describe(event.collection)
        elif isinstance(event, EncoderIdentified):
            where = f"{event.collection}/{event.vector or '(default)'}"
            self.line(
                f"vecaudit: {where}: encoder {event.name} ({event.method}, confidence {event.confidence:.2f})"
            )
        elif isinstance(event, StageSkipped):
            self.line(f"vecaudit: {event.stage} skipped: {event.reason}")
        elif isinstance(event, Notice):
            self.line(f"vecaudit: note: {event.message}")
        elif isinstance(event, BatchScanned):
            self._advance(event)
        elif isinstance(event, CollectionFinished):
            if event.not_analyzed:
                self.line(f"vecaudit: {event.collection}: {event.not_analyzed}")
            if not self.fancy:
                self.line(
                    f"vecaudit: {event.collection}: {event.points_scanned:,} points scanned, "
                    f"{event.findings:,} findings"
                )

    def _set_total(self, total: int, done: int) -> None:
        self._planned = total
        if self._progress is not None:
            self._progress.update(self._task, total=total or None, completed=done)

    def _describe(self, collection: str) -> None:
        if self._progress is not None:
            # The description is rich markup: "[red]" in a name must stay text too.
            self._progress.update(self._task, description=escape(printable(collection)))

    def _advance(self, event: BatchScanned) -> None:
        if self._progress is not None:
            self._progress.update(
                self._task,
                total=event.points_planned or None,
                completed=event.points_done,
                findings=f"{event.findings:,}",
            )
            return
        now = time.monotonic()
        if now - self._last_plain >= PLAIN_INTERVAL:
            self._last_plain = now
            pct = f" ({100 * event.points_done / event.points_planned:.0f}%)" if event.points_planned else ""
            self.line(
                f"vecaudit: {event.points_done:,}/{event.points_planned:,} points{pct}, "
                f"{event.findings:,} findings"
            )
