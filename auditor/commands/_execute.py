"""Drive a prepared scan run from the terminal: signals, progress, reports, summary, exit code."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from ..errors import ScanIncomplete
from ..models import ScanReport
from ..report import ReportContext, write_reports
from ..runner import ScanOutcome, ScanRun
from ..verdict import exit_code
from ._progress_view import ProgressView
from ._summary import incomplete_message, print_summary


class _Stopper:
    """First SIGINT/SIGTERM: finish the current batch, save, exit 2. Second: stop at once."""

    def __init__(self, run: ScanRun, view: ProgressView) -> None:
        self.run = run
        self.view = view
        self.hard = False
        self._count = 0

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self._count += 1
        if self._count == 1:
            self.run.cancel()
            name = signal.Signals(signum).name
            self.view.line(f"vecaudit: {name}: stopping after the current batch (again to stop now)")
            return
        self.hard = True
        raise KeyboardInterrupt


@contextmanager
def _signals(stopper: _Stopper) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {s: signal.signal(s, stopper) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)


def execute_run(
    run: ScanRun,
    *,
    quiet: bool = False,
    formats: Sequence[str] = (),
    output: Path | None = None,
    after_scan: Callable[[ScanReport], tuple[ScanReport, ReportContext | None]] | None = None,
) -> int:
    """Run the scan to its end and return the exit code; raise on error or interruption.

    0: pass (or a partial scan the user accepted with --allow-partial), 1: violations, 2: the scan
    left data unanalyzed (the reports are written first, and say what and why).

    `after_scan` may revise the finished report (e.g. apply a baseline) and give the report context
    (e.g. scan history) before reports are written; the exit code follows the revised report.
    """
    view = ProgressView(quiet=quiet)
    stopper = _Stopper(run, view)
    try:
        with _signals(stopper), view:
            outcome: ScanOutcome = run.execute(on_event=view)
    except ScanIncomplete:
        if stopper.hard:
            # The checkpoint of the last finished batch is on disk; a worker thread may still be
            # inside a batch, so leave without waiting for it (its results would be redone anyway).
            from ._console import error

            error(str(sys.exc_info()[1]))
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(2)
        raise

    report = outcome.report
    context = None
    if after_scan is not None:
        report, context = after_scan(report)
    to_stdout = len(formats) == 1 and output is None
    written: list[Path] = write_reports(report, formats, output, context=context) if formats else []
    if not quiet:
        print_summary(
            report, sys.stderr if to_stdout else sys.stdout, written=written, db_path=outcome.db_path
        )
    code = exit_code(report)
    if code == 2:
        from ._console import error

        error(incomplete_message(report))
    return code
