"""Read a JSON scan report (`vecaudit scan -f json`) back into a ScanReport, with clear errors."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from ..errors import VecauditError
from ..models import ScanReport


class ScanFileError(VecauditError):
    """A file given as a scan report cannot be read or is not a vecaudit JSON report."""


def load_scan_report(path: Path) -> ScanReport:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ScanFileError(f"cannot read scan report {str(path)!r}: {exc.strerror}") from exc
    try:
        return ScanReport.model_validate_json(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "top level"
        # The message names the field, never its value: a report may hold revealed text.
        raise ScanFileError(
            f"{str(path)!r} is not a vecaudit JSON scan report ({where}: {first['type']})"
        ) from None


def looks_like_file(arg: str) -> bool:
    """A `vecaudit report` argument naming a file rather than a run id."""
    return arg.endswith(".json") or "/" in arg or Path(arg).is_file()
