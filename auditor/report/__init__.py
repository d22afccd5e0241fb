"""Report formats: found through the plugin loader, rendered with one interface, written safely.

Every format, built-in or third-party, is an entry point of the `vecaudit.report_formats` group
(vecaudit's own are published in its pyproject.toml) and is loaded by vecaudit.plugins.loader:

- a format the user names (`--format NAME`) that is not installed or cannot be loaded raises
  PluginError (exit 2), before any scanning or writing;
- guessing a format from an output file name loads every format in bulk: a broken plugin is skipped
  with a warning naming it;
- a third party cannot take a built-in name.

A format implements `render(report, context)` (base.py); formats written for the older
`render(report)` are adapted once, when loaded.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import VecauditError
from ..files import atomic_write
from ..models import ScanReport
from ..plugins.loader import REPORT_FORMATS, PluginError, discover, find, load_all, load_named
from .base import ReportContext, ReportFormat, as_report_format

__all__ = [
    "BUILTIN_ORDER",
    "ReportContext",
    "ReportFormat",
    "ReportFormatError",
    "available_formats",
    "format_for_path",
    "get_format",
    "output_paths",
    "render",
    "write_reports",
]

log = logging.getLogger(__name__)

#: The order built-in formats are listed in (`--help`, error messages); plugins follow by name.
BUILTIN_ORDER = ("json", "sarif", "junit", "markdown", "html", "pdf")

#: Formats that were merged into another one; only used to say so when the old name is given.
_RENAMED = {"compliance": "html", "compliance-md": "markdown"}


class ReportFormatError(VecauditError):
    """Report output that cannot be produced or written (no format, clashing extensions, a folder
    in the way, an I/O error)."""


def available_formats() -> list[str]:
    """Every installed format name, none imported: built-ins in BUILTIN_ORDER, then plugins by name."""
    rank = {name: i for i, name in enumerate(BUILTIN_ORDER)}
    plugins = sorted(
        discover(REPORT_FORMATS), key=lambda p: (not p.builtin, rank.get(p.name, len(rank)), p.name)
    )
    return [p.name for p in plugins]


def _adapt(name: str, loaded: Any) -> ReportFormat:
    try:
        fmt = as_report_format(loaded)
    except Exception as exc:  # a plugin's constructor; its message may quote data, so name the type only
        raise PluginError(f"report format {name!r} cannot be created: {type(exc).__name__}") from exc
    if fmt is None:
        raise PluginError(
            f"report format {name!r} does not provide name, extension, media_type and render(report, context)"
        )
    return fmt


def _unknown_hint(name: str) -> str | None:
    """Why a name the user gave is unknown, when we can tell: a merged format. (A stale install's
    hint comes from the loader's own message, as for every extension point.)"""
    if find(REPORT_FORMATS, name) is not None:
        return None  # installed but broken: the loader's message says so
    if name in _RENAMED:
        return f"{name!r} is now part of {_RENAMED[name]!r}, the full report"
    return None


def get_format(name: str) -> ReportFormat:
    """The format the user named. Raises PluginError if it is not installed or cannot be loaded."""
    try:
        loaded = load_named(REPORT_FORMATS, name)
    except PluginError as exc:
        hint = _unknown_hint(name)
        if hint is None:
            raise
        raise PluginError(f"{exc}; {hint}") from exc
    return _adapt(name, loaded)


def format_for_path(path: Path) -> str | None:
    """The format whose extension ends `path`'s name (the longest such), or None.

    Every format is loaded to read its extension; a broken plugin is skipped with a warning.
    """
    best: tuple[str, int] | None = None
    for plugin, loaded in load_all(REPORT_FORMATS):
        try:
            fmt = _adapt(plugin.name, loaded)
        except PluginError as exc:
            log.warning("%s; skipped", exc)
            continue
        if path.name.endswith(fmt.extension) and (best is None or len(fmt.extension) > best[1]):
            best = (plugin.name, len(fmt.extension))
    return best[0] if best is not None else None


def render(report: ScanReport, fmt: str, *, context: ReportContext | None = None) -> bytes:
    """Render `report` in the format named `fmt`; without a context, an empty one."""
    return get_format(fmt).render(report, context or ReportContext())


def _paths(formats: Mapping[str, ReportFormat], output: str | Path) -> dict[str, Path]:
    out = Path(output)
    if len(formats) == 1:
        ((name, fmt),) = formats.items()
        return {name: out if out.suffix else out.with_name(out.name + fmt.extension)}
    paths = {name: out.with_name(out.name + fmt.extension) for name, fmt in formats.items()}
    if len(set(paths.values())) != len(paths):
        raise ReportFormatError("two report formats share a file extension; write them separately")
    return paths


def output_paths(formats: Sequence[str], output: str | Path) -> dict[str, Path]:
    """Where each format goes: one format -> exactly `output` (plus its extension if it has no
    suffix); several -> `output` is a stem and each file is stem + the format's extension."""
    return _paths({name: get_format(name) for name in dict.fromkeys(formats)}, output)


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
    loaded = {name: get_format(name) for name in names}  # every name checked before any work
    ctx = context or ReportContext()
    if output is None:
        if len(names) != 1:
            raise ReportFormatError("several report formats need an output stem (--output STEM)")
        data = loaded[names[0]].render(report, ctx)
        stream = getattr(sys.stdout, "buffer", None)
        if stream is not None:
            stream.write(data)
            stream.flush()
        else:
            sys.stdout.write(data.decode("utf-8"))
            sys.stdout.flush()
        return []

    paths = _paths(loaded, output)
    for path in paths.values():
        if path.is_dir():
            raise ReportFormatError(f"report output {str(path)!r} is a directory")
    rendered = {name: fmt.render(report, ctx) for name, fmt in loaded.items()}
    # A revealed report holds recovered plaintext: only the auditor's account may read it.
    mode = 0o600 if report.revealed else 0o644
    written: list[Path] = []
    for name, path in paths.items():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, rendered[name], mode)
        except OSError as exc:
            raise ReportFormatError(f"cannot write {name} report to {str(path)!r}: {exc.strerror}") from exc
        written.append(path)
    return written
