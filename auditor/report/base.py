"""The report format protocol: one object per output format, rendering a finished ScanReport to bytes.

Third parties add formats through the `vecaudit.report_formats` entry-point group; each entry point
loads either a class (instantiated with no arguments) or a ready instance that satisfies this protocol.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from ..models import ScanReport


@runtime_checkable
class ReportFormat(Protocol):
    #: Registry name used by `--format`, e.g. "sarif".
    name: str
    #: Appended to an output STEM, including the leading dot, e.g. ".junit.xml".
    extension: str
    #: IANA media type of the rendered bytes, e.g. "application/sarif+json".
    media_type: str

    def render(self, report: ScanReport) -> bytes:
        """Render an already-redacted report. Must not add anything that is not in `report`."""
        ...
