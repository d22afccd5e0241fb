"""The `markdown` format: the full report (compliance.py) as GitHub-flavoured Markdown, e.g. for a
pull-request comment or a job summary. Charts become their caption; the table beside each has its
numbers."""

from __future__ import annotations

import re

from ..models import ScanReport
from .base import ReportContext
from .compliance import build_compliance_document
from .document import DEFAULT_ROW_CAP, BulletList, Document, Figure, Paragraph, Table

# Backslash-escape every character that can open emphasis, code, a link, raw HTML, an entity or a
# table cell boundary anywhere in a line (CommonMark: a backslash before ASCII punctuation is a literal).
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")
# Block markers (heading, list item, setext underline) only act at the start of a line.
_BLOCK_START = re.compile(r"^(#+|[+\-=]|\d+[.)])(?=\s|$)")
_WS = re.compile(r"\s+")


def md_text(text: str) -> str:
    """Inline-safe text: markup escaped and newlines folded, so it fits one table cell."""
    return _MD_SPECIAL.sub(r"\\\1", _WS.sub(" ", text).strip())


def md_line(text: str) -> str:
    """Like md_text, for text that starts a line (a paragraph), where block markers also count."""
    # "\\# x", "\\- x" but "12\\. x": a backslash before a digit would not be an escape.
    return _BLOCK_START.sub(
        lambda m: m.group(0)[:-1] + "\\" + m.group(0)[-1] if m.group(0)[0].isdigit() else "\\" + m.group(0),
        md_text(text),
    )


def _table(table: Table) -> list[str]:
    lines = ["| " + " | ".join(md_text(h) for h in table.headers) + " |"]
    lines.append("|" + "|".join("---" for _ in table.headers) + "|")
    for row in table.rows:
        cells = [md_text(c) for c in row]
        if table.severity_column is not None:
            cells[table.severity_column] = f"**{cells[table.severity_column]}**"
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def render_document(doc: Document) -> str:
    """`doc` as Markdown: the verdict as the first fact (HTML shows it as a badge), then each section."""
    lines = [f"# {md_text(doc.title)}", ""]
    lines += [f"- **{md_text(k)}:** {md_text(v)}" for k, v in [("Result", doc.verdict), *doc.facts]]
    lines.append("")
    for section in doc.sections:
        lines += [f"## {md_text(section.title)}", ""]
        for block in section.blocks:
            if isinstance(block, Table):
                lines += _table(block)
            elif isinstance(block, BulletList):
                lines += [f"- {md_text(item)}" for item in block.items]
            elif isinstance(block, Paragraph):
                text = md_line(block.text)
                lines.append(f"> **Warning:** {text}" if block.tone == "warning" else text)
            elif isinstance(block, Figure):
                lines.append(md_line(f"Chart: {block.caption}"))
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


class MarkdownFormat:
    """`--format markdown`: the same content as `html`, in Markdown."""

    name = "markdown"
    extension = ".md"
    media_type = "text/markdown; charset=utf-8"

    def __init__(self, row_cap: int = DEFAULT_ROW_CAP) -> None:
        self.row_cap = row_cap

    def render(self, report: ScanReport, context: ReportContext) -> bytes:
        doc = build_compliance_document(report, context, row_cap=self.row_cap)
        return render_document(doc).encode("utf-8")
