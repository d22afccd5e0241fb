"""Report formats: a registry of built-in and third-party formats, rendering and safe file output.

Third-party formats register under the entry-point group `vecaudit.report_formats`; the entry point
loads a ReportFormat class (instantiated with no arguments) or an instance. Built-in names always win,
so a plugin cannot silently replace e.g. "sarif" in a CI pipeline.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path

from ..errors import VecauditError
from ..models import ScanReport
from .base import ReportFormat
from .compliance import ComplianceHtmlFormat, ComplianceMarkdownFormat, ReportContext
from .html import HtmlFormat
from .json_report import JsonFormat
from .junit import JunitFormat
from .markdown import MarkdownFormat
from .pdf import PdfFormat
from .sarif import SarifFormat

__all__ = [
    "ENTRY_POINT_GROUP",
    "ReportFormat",
    "ReportFormatError",
    "ReportContext",
    "available_formats",
    "get_format",
    "output_paths",
    "render",
    "write_reports",
]

ENTRY_POINT_GROUP = "vecaudit.report_formats"

log = logging.getLogger(__name__)

_BUILTINS: dict[str, Callable[[], ReportFormat]] = {
    "json": JsonFormat,
    "sarif": SarifFormat,
    "junit": JunitFormat,
    "markdown": MarkdownFormat,
    "html": HtmlFormat,
    # The compliance report (executive summary, methodology, trend, mitigations) in three media.
    "compliance": ComplianceHtmlFormat,
    "compliance-md": ComplianceMarkdownFormat,
    "pdf": PdfFormat,
}


class ReportFormatError(VecauditError):
    """An unknown or broken report format, or report output that cannot be written."""


def _plugin_entry_points() -> dict[str, EntryPoint]:
    found: dict[str, EntryPoint] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in _BUILTINS:
            log.warning("ignoring report format plugin %r: the name is taken by a built-in format", ep.name)
        else:
            found.setdefault(ep.name, ep)
    return found


def available_formats() -> list[str]:
    """Built-in format names in their fixed order, then plugin names alphabetically."""
    return list(_BUILTINS) + sorted(_plugin_entry_points())


def get_format(name: str) -> ReportFormat:
    if name in _BUILTINS:
        return _BUILTINS[name]()
    ep = _plugin_entry_points().get(name)
    if ep is None:
        valid = ", ".join(available_formats())
        raise ReportFormatError(f"unknown report format {name!r}; valid formats: {valid}")
    try:
        loaded = ep.load()
        fmt = loaded() if isinstance(loaded, type) else loaded
    except Exception as exc:  # a broken plugin must surface as a clear user error, not a traceback
        raise ReportFormatError(
            f"report format plugin {name!r} ({ep.value}) failed to load: {type(exc).__name__}"
        ) from exc
    if not isinstance(fmt, ReportFormat):
        raise ReportFormatError(
            f"report format plugin {name!r} ({ep.value}) does not provide "
            "name, extension, media_type and render()"
        )
    return fmt


def render(report: ScanReport, fmt: str, *, context: ReportContext | None = None) -> bytes:
    """Render one format; formats that can use a ReportContext (history, what-if) get it."""
    f = get_format(fmt)
    in_context = getattr(f, "render_in_context", None)
    if context is not None and callable(in_context):
        data: bytes = in_context(report, context)
        return data
    return f.render(report)


def _atomic_write(path: Path, data: bytes, mode: int) -> None:
    """Write via a temp file in the same directory and rename, so readers never see a partial report."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def output_paths(formats: Sequence[str], output: str | Path) -> dict[str, Path]:
    """Where each format goes: one format -> exactly `output` (plus its extension if it has no
    suffix); several -> `output` is a stem and each file is stem + the format's extension."""
    names = list(dict.fromkeys(formats))
    out = Path(output)
    if len(names) == 1:
        fmt = get_format(names[0])
        return {names[0]: out if out.suffix else out.with_name(out.name + fmt.extension)}
    paths = {name: out.with_name(out.name + get_format(name).extension) for name in names}
    if len(set(paths.values())) != len(paths):
        raise ReportFormatError("two report formats share a file extension; write them separately")
    return paths


def write_reports(
    report: ScanReport,
    formats: Sequence[str],
    output: str | Path | None,
    *,
    context: ReportContext | None = None,
) -> list[Path]:
    """Render every format first (so a failure writes nothing), then write each file atomically.

    With `output` None and exactly one format the bytes go to stdout and [] is returned.
    """
    names = list(dict.fromkeys(formats))
    if not names:
        raise ReportFormatError("no report format given")
    for name in names:
        get_format(name)  # validate every name before doing any work
    if output is None:
        if len(names) != 1:
            raise ReportFormatError("several report formats need an output stem (--output STEM)")
        data = render(report, names[0], context=context)
        stream = getattr(sys.stdout, "buffer", None)
        if stream is not None:
            stream.write(data)
            stream.flush()
        else:
            sys.stdout.write(data.decode("utf-8"))
            sys.stdout.flush()
        return []

    paths = output_paths(names, output)
    for path in paths.values():
        if path.is_dir():
            raise ReportFormatError(f"report output {str(path)!r} is a directory")
    rendered = {name: render(report, name, context=context) for name in names}
    # A revealed report holds recovered plaintext: only the auditor's account may read it.
    mode = 0o600 if report.revealed else 0o644
    written: list[Path] = []
    for name, path in paths.items():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            _atomic_write(path, rendered[name], mode)
        except OSError as exc:
            raise ReportFormatError(f"cannot write {name} report to {str(path)!r}: {exc.strerror}") from exc
        written.append(path)
    return written
