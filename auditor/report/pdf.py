"""The `pdf` format: the full report, printed from the `html` format's page by headless Chromium.

Chromium renders the same HTML (inline CSS and SVG) the browser shows, so the PDF and the HTML
report never drift apart. It runs with networking, sync and component updates off and a throwaway
profile; the page's CSP already forbids every fetch. Without Chromium the format fails clearly.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import VecauditError
from ..models import ScanReport
from .base import ReportContext
from .document import DEFAULT_ROW_CAP
from .html import report_html

CHROMIUM_ENV = "VECAUDIT_CHROMIUM"
_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_TIMEOUT_S = 120


class PdfUnavailable(VecauditError):
    """No Chromium to print the PDF with, or printing failed."""


def find_chromium() -> str | None:
    env = os.environ.get(CHROMIUM_ENV)
    if env:
        return env if shutil.which(env) or Path(env).is_file() else None
    return next((p for p in map(shutil.which, _CANDIDATES) if p), None)


def require_chromium() -> str:
    """The Chromium executable, or PdfUnavailable (so a scan can fail before it starts, not after)."""
    exe = find_chromium()
    if exe is None:
        raise PdfUnavailable(
            "--format pdf needs Chromium (Debian: apt-get install chromium), or set VECAUDIT_CHROMIUM to its "
            "path; --format html writes the same report as HTML"
        )
    return exe


def html_to_pdf(html: str) -> bytes:
    exe = require_chromium()
    with tempfile.TemporaryDirectory(prefix="vecaudit-pdf-") as tmp:
        src, out = Path(tmp) / "report.html", Path(tmp) / "report.pdf"
        src.write_text(html, encoding="utf-8")
        cmd = [
            exe,
            "--headless",
            "--no-sandbox",  # containers and root rarely allow Chromium's sandbox; the page runs no script
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--disable-dev-shm-usage",
            f"--user-data-dir={Path(tmp) / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={out}",
            src.as_uri(),
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=_TIMEOUT_S, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PdfUnavailable(f"Chromium could not print the PDF ({type(exc).__name__})") from exc
        if not out.is_file() or out.stat().st_size == 0:
            raise PdfUnavailable(f"Chromium could not print the PDF (exit code {proc.returncode})")
        return out.read_bytes()


class PdfFormat:
    """`--format pdf`: the `html` report printed to PDF (needs Chromium)."""

    name = "pdf"
    extension = ".pdf"
    media_type = "application/pdf"

    def __init__(self, row_cap: int = DEFAULT_ROW_CAP) -> None:
        self.row_cap = row_cap

    def render(self, report: ScanReport, context: ReportContext) -> bytes:
        return html_to_pdf(report_html(report, context, row_cap=self.row_cap))
