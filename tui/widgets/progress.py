"""Live scan progress: per-stage lines, a bar with rate and ETA, the run id and how to resume."""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import ProgressBar, Static
from vecaudit.progress import (
    BatchScanned,
    CollectionFinished,
    CollectionStarted,
    EncoderIdentified,
    ProgressEvent,
    RunStarted,
    ScanFinished,
    ScanPlanned,
    StageSkipped,
)
from vecaudit.terminal_text import printable

STAGES = ("discover", "encoder", "payload", "inversion", "policy")
_LABEL = {
    "discover": "discover",
    "encoder": "identify encoder",
    "payload": "payload PII",
    "inversion": "inversion",
    "policy": "policy",
}
_SHORT = {"discover": "disc", "encoder": "enc", "payload": "pii", "inversion": "inv", "policy": "pol"}
_MARK = {
    "wait": ("·", "dim"),
    "run": ("▸", "bold yellow"),
    "done": ("✓", "bold green"),
    "skip": ("–", "dim"),
    "gap": ("!", "bold red"),  # finished, but part of the data was not analyzed
}


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}:{seconds % 60:02d}"


class ScanProgress(Vertical):
    """Feed it the runner's progress events with `handle(event)`."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.state = "idle"  # idle | running | finished | incomplete | partial | stopped | failed
        self.compact = False  # one line of stages, for narrow terminals
        self.error: str | None = None
        self.run_id = ""
        self._stage = dict.fromkeys(STAGES, "wait")
        self._detail = dict.fromkeys(STAGES, "")
        self._planned = 0
        self._done = 0
        self._findings = 0
        self._inverted = 0
        self._identified = 0
        self._rate_start: tuple[float, int] | None = None
        self._rate = 0.0

    def compose(self) -> ComposeResult:
        yield Static(id="run-line")
        yield ProgressBar(id="bar", show_eta=False)
        yield Static(id="rate-line")
        yield Static(id="stages")

    def on_mount(self) -> None:
        self.border_title = "Scan"
        self._redraw()

    # -- state changes -----------------------------------------------------------------------------

    def started(self, run_id: str) -> None:
        self.state = "running"
        self.error = None
        self.run_id = run_id
        self._rate_start = None
        self._rate = 0.0
        self._redraw()

    def finished(
        self,
        points: int,
        findings: int,
        *,
        inverted: int | None = None,
        invert_skipped: str | None = None,
        encoder: str | None = None,
        not_analyzed: str | None = None,
        partial_accepted: bool = False,
    ) -> None:
        """The run is complete; the keyword arguments describe a finished run opened from its report.

        `not_analyzed` says what the scan left unanalyzed: the run is then "incomplete" (it does not
        pass), or "partial" when the user accepted that with --allow-partial.
        """
        if not_analyzed:
            self.state = "partial" if partial_accepted else "incomplete"
            self._detail["payload"] = f"not analyzed: {not_analyzed}"
        else:
            self.state = "finished"
        self._done, self._findings = points, findings
        if inverted:
            self._stage["inversion"], self._detail["inversion"] = "done", f"{inverted:,} inverted"
        elif invert_skipped:
            self._stage["inversion"], self._detail["inversion"] = "skip", invert_skipped
        if encoder and not self._detail["encoder"]:
            self._detail["encoder"] = encoder
        self._planned = max(self._planned, points)
        for stage in STAGES:
            if self._stage[stage] == "run" or (self._stage[stage] == "wait" and stage != "inversion"):
                self._stage[stage] = "done"
        if not_analyzed:
            self._stage["payload"] = "gap"
        self._detail["policy"] = f"{findings:,} findings"
        self._redraw()

    def stopped(self, error: str | None = None) -> None:
        """The scan stopped: cancelled (resumable), or failed with `error` (a message safe to show)."""
        self.state = "failed" if error is not None else "stopped"
        self.error = error
        self._redraw()

    def handle(self, event: ProgressEvent) -> None:
        if isinstance(event, RunStarted):
            self.started(event.run_id)
            self._planned, self._done = event.points_planned, event.points_done
            if event.points_planned:
                self._stage["discover"] = "done"
            else:
                self._stage["discover"] = "run"
        elif isinstance(event, ScanPlanned):
            self._planned = event.points_planned
            self._stage["discover"] = "done"
            self._detail["discover"] = f"{len(event.collections)} coll., {event.points_planned:,} pts"
        elif isinstance(event, CollectionStarted):
            self._stage["discover"] = "done"
            if self._stage["encoder"] != "done":
                self._stage["encoder"] = "run"
        elif isinstance(event, EncoderIdentified):
            self._identified += 1
            self._stage["encoder"] = "done"
            self._detail["encoder"] = f"{event.name} ({event.confidence:.2f})"
        elif isinstance(event, StageSkipped):
            stage = {"invert": "inversion", "detect": "payload"}.get(event.stage, event.stage)
            if stage in self._stage:
                self._stage[stage] = "skip"
                self._detail[stage] = event.reason
        elif isinstance(event, BatchScanned):
            self._on_batch(event)
        elif isinstance(event, CollectionFinished):
            self._findings = max(self._findings, event.findings)
        elif isinstance(event, ScanFinished):
            self.finished(event.points_done, event.findings)
            return
        self._redraw()

    def _on_batch(self, event: BatchScanned) -> None:
        now = time.monotonic()
        if self._rate_start is None:
            # Rate counts from the end of the first batch this session saw (model loading excluded).
            self._rate_start = (now, event.points_done)
        else:
            t0, d0 = self._rate_start
            if now > t0 and event.points_done > d0:
                self._rate = (event.points_done - d0) / (now - t0)
        self._planned, self._done, self._findings = event.points_planned, event.points_done, event.findings
        self._inverted += event.inverted
        if self._stage["payload"] != "skip":
            self._stage["payload"] = "run"
            self._detail["payload"] = f"{event.points_done:,}/{event.points_planned:,}"
        if self._stage["inversion"] != "skip":
            self._stage["inversion"] = "run" if self._inverted else self._stage["inversion"]
            self._detail["inversion"] = f"{self._inverted:,} inverted" if self._inverted else ""
        self._stage["policy"] = "run"
        self._detail["policy"] = f"{event.findings:,} findings"

    # -- drawing -----------------------------------------------------------------------------------

    def set_compact(self, compact: bool) -> None:
        if compact != self.compact:
            self.compact = compact
            self._redraw()

    def _redraw(self) -> None:
        if not self.is_mounted:
            return
        bar = self.query_one("#bar", ProgressBar)
        bar.update(total=self._planned or None, progress=self._done)
        state_style = {
            "running": "bold yellow",
            "finished": "bold green",
            "stopped": "bold magenta",
            "failed": "bold red",
            "incomplete": "bold red",
            "partial": "bold yellow",
        }.get(self.state, "dim")
        label = (
            {"running": "scan", "finished": "done"}.get(self.state, self.state)
            if self.compact
            else self.state
        )
        run = Text(label, style=state_style)
        if self.run_id:
            run += Text(" " if self.compact else "  run ", style="dim") + Text(self.run_id)
        self.query_one("#run-line", Static).update(run)
        rate = Text(f"{self._done:,}/{self._planned:,} pts", no_wrap=True, overflow="ellipsis")
        if self.state == "running" and self._rate > 0:
            eta = (self._planned - self._done) / self._rate if self._planned > self._done else 0.0
            rate += Text(f"  {self._rate:,.1f} pts/s  eta {_duration(eta)}", style="dim")
        elif self.state == "stopped":
            rate += Text("  r: resume", style="bold")
        self.query_one("#rate-line", Static).update(rate)
        if self.error is not None:
            self.query_one("#stages", Static).update(Text(printable(self.error), style="red"))
            return
        lines = Text(no_wrap=True, overflow="ellipsis")
        if self.compact:
            for stage in STAGES:
                mark, style = _MARK[self._stage[stage]]
                lines.append(f"{mark}", style=style)
                lines.append(f"{_SHORT[stage]} ")
            self.query_one("#stages", Static).update(lines)
            return
        for stage in STAGES:
            mark, style = _MARK[self._stage[stage]]
            lines.append(f"{mark} ", style=style)
            lines.append(f"{_LABEL[stage]:<17}")
            style = "red" if self._stage[stage] == "gap" else "dim"
            lines.append(printable(self._detail[stage]), style=style)  # may name store collections
            if stage != STAGES[-1]:
                lines.append("\n")
        self.query_one("#stages", Static).update(lines)
