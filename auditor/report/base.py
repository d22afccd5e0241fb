"""The report format interface: one object per output format, rendering a finished ScanReport to bytes.

Every format, built-in or third-party, is published under the `vecaudit.report_formats` entry-point
group (see vecaudit.plugins.loader); the entry point loads a class (instantiated with no arguments)
or a ready instance with `name`, `extension`, `media_type` and `render(report, context)`.

Formats written against the first interface, `render(report)` without a context, still work: they
are recognised once, when loaded (`as_report_format`), and wrapped in `LegacyFormat`, which drops
the context. Nothing else in vecaudit knows about the old interface.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from ..history import HistoryEntry
from ..models import ScanReport, WhatIfResult


@dataclass
class ReportContext:
    """What a report may add to a scan: earlier scans, a what-if result, the inverter's card.

    Formats that have no use for it (JSON, SARIF, JUnit) ignore it.
    """

    history: list[HistoryEntry] = field(default_factory=list)
    whatif: WhatIfResult | None = None
    #: Folder holding shipped inverters; None means $VECAUDIT_MODELS_DIR or the repository's models/.
    models_dir: Path | None = None


@runtime_checkable
class ReportFormat(Protocol):
    """A report format. Attributes are read before rendering to name the output file."""

    #: Registry name used by `--format`, e.g. "sarif".
    name: str
    #: Appended to an output STEM, including the leading dot, e.g. ".junit.xml".
    extension: str
    #: IANA media type of the rendered bytes, e.g. "application/sarif+json".
    media_type: str

    def render(self, report: ScanReport, context: ReportContext) -> bytes:
        """Render an already-redacted report. Must not add anything that is not in `report`
        or `context`."""
        ...


class LegacyFormat:
    """Adapter for a format written against the first interface, `render(report)`: the context is
    dropped, so such a format renders exactly as it did before contexts existed."""

    def __init__(self, wrapped: Any) -> None:
        self.wrapped = wrapped
        self.name: str = wrapped.name
        self.extension: str = wrapped.extension
        self.media_type: str = wrapped.media_type

    def render(self, report: ScanReport, context: ReportContext) -> bytes:
        data: bytes = self.wrapped.render(report)
        return data


def takes_context(render: Any) -> bool:
    """Whether a bound `render` accepts (report, context); False for the one-argument `render(report)`.

    A signature that cannot be read (a C extension) is taken to be the current interface.
    """
    try:
        params = inspect.signature(render).parameters.values()
    except (TypeError, ValueError):
        return True
    if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params):
        return True
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sum(p.kind in positional for p in params) != 1


def as_report_format(loaded: Any) -> ReportFormat | None:
    """The format an entry point loaded (a class is instantiated), adapted if it uses the old
    interface; None if it is not a report format at all. Exceptions from a constructor propagate."""
    fmt = loaded() if isinstance(loaded, type) else loaded
    if not isinstance(fmt, ReportFormat):
        return None
    return fmt if takes_context(fmt.render) else LegacyFormat(fmt)
