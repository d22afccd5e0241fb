"""Read a JSON scan report (`vecaudit scan -f json`) back into a ScanReport, with clear errors."""

from __future__ import annotations

from pathlib import Path

from ..errors import VecauditError
from ..models import ScanReport
from ..validation import read_json_model


class ScanFileError(VecauditError):
    """A file given as a scan report cannot be read or is not a vecaudit JSON report."""


def load_scan_report(path: Path) -> ScanReport:
    return read_json_model(path, ScanReport, what="scan report", error=ScanFileError)


def looks_like_file(arg: str) -> bool:
    """A `vecaudit report` argument naming a file rather than a run id."""
    return arg.endswith(".json") or "/" in arg or Path(arg).is_file()
