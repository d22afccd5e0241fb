"""The versioned JSON report: the machine-readable contract users' scripts rely on (see DESIGN.md)."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from ..models import ScanReport
from .base import ReportContext


def _finite(value: Any) -> Any:
    """JSON has no NaN/Infinity; a strict parser rejects them, so they become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def report_dict(report: ScanReport) -> dict[str, Any]:
    """The report as JSON-ready data: `schema_version` first, model field order throughout.

    `inversions` (the recovered plaintext) exists only when the user passed --reveal; without it the
    key is absent rather than null, so consumers can test for presence.
    """
    data = report.model_dump(mode="json", exclude={"inversions"})
    ordered: dict[str, Any] = {"schema_version": data.pop("schema_version")}
    ordered.update(data)
    if report.revealed and report.inversions is not None:
        ordered["inversions"] = [r.model_dump(mode="json") for r in report.inversions]
    return _finite(ordered)  # type: ignore[no-any-return]


_STREAMED = ("findings", "inversions")

# JSON escapes C0 controls itself; these it may carry raw, and a terminal that prints the file obeys
# them (C1 CSI "\x9b", DEL) or reorders the line (bidi overrides and isolates). As \uXXXX escapes
# they stay the same strings to any JSON reader.
_UNSAFE = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def _escape_unsafe(text: str) -> str:
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def _dumps(value: Any, indent: str) -> str:
    text = _escape_unsafe(json.dumps(_finite(value), indent=2, ensure_ascii=False, allow_nan=False))
    return text.replace("\n", "\n" + indent)


def _render_text(report: ScanReport) -> str:
    """The same document as `report_dict`, serialized item by item.

    Findings can number in the hundreds of thousands; dumping them one at a time keeps peak memory
    near the size of the output instead of several copies of the whole report.
    """
    head = report.model_dump(mode="json", exclude=set(_STREAMED))
    keys = ["schema_version", *[k for k in ScanReport.model_fields if k != "schema_version"]]
    parts: list[str] = []
    for key in keys:
        if key == "findings":
            items = [_dumps(f.model_dump(mode="json"), "    ") for f in report.findings]
        elif key == "inversions":
            if not (report.revealed and report.inversions is not None):
                continue
            items = [_dumps(r.model_dump(mode="json"), "    ") for r in report.inversions]
        else:
            parts.append(f"  {json.dumps(key)}: {_dumps(head[key], '  ')}")
            continue
        body = ",\n".join("    " + it for it in items)
        parts.append(f"  {json.dumps(key)}: [\n{body}\n  ]" if items else f"  {json.dumps(key)}: []")
    # `inversions` goes last, as in `report_dict`.
    inv = [p for p in parts if p.startswith('  "inversions"')]
    rest = [p for p in parts if not p.startswith('  "inversions"')]
    return "{\n" + ",\n".join(rest + inv) + "\n}"


class JsonFormat:
    name = "json"
    extension = ".json"
    media_type = "application/json"

    def render(self, report: ScanReport, context: ReportContext) -> bytes:  # needs no context
        text = _render_text(report)
        # Lone surrogates can only come from malformed store strings; "backslashreplace" turns them
        # into \uXXXX escapes, which keeps the output valid UTF-8 and valid JSON.
        return (text + "\n").encode("utf-8", errors="backslashreplace")
