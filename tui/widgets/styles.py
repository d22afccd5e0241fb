"""Colors shared by the widgets: one style per severity, readable on dark and light themes."""

from __future__ import annotations

from rich.text import Text
from vecaudit.models import Severity

SEVERITY_STYLE: dict[str, str] = {
    Severity.critical.value: "bold reverse red",
    Severity.high.value: "bold red",
    Severity.medium.value: "dark_orange",
    Severity.low.value: "cyan",
    Severity.info.value: "dim",
}


def severity_text(severity: Severity | str) -> Text:
    value = Severity(severity).value
    return Text(value, style=SEVERITY_STYLE[value])


def risk_text(score: float | None) -> Text:
    if score is None:
        return Text("–", style="dim")
    style = "bold red" if score >= 50 else "dark_orange" if score >= 20 else "green" if score == 0 else "cyan"
    return Text(f"{score:.0f}", style=style)
