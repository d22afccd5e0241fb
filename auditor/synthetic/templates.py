"""Template filling shared by the corpora, and the labelled sample they produce.

A template is text with `{slot}` markers (word characters only); any other brace is literal, so
JSON-shaped templates need no escaping. Each distinct slot is drawn once per template, so a value
that appears twice in a text is the same value.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

SLOT = re.compile(r"\{(\w+)\}")


@dataclass
class Sample:
    """One synthetic text and the PII values it contains: (entity type, exact canonical form)."""

    text: str
    style: str
    entities: list[tuple[str, str]] = field(default_factory=list)


def slots(template: str) -> list[str]:
    """The distinct slot names of `template`, in order of first appearance."""
    return list(dict.fromkeys(SLOT.findall(template)))


def fill(template: str, value: Callable[[str], str] | Mapping[str, str]) -> str:
    """Replace every `{slot}`; `value` is asked once per distinct slot, in order of appearance."""
    get = value.__getitem__ if isinstance(value, Mapping) else value
    cache: dict[str, str] = {}

    def one(m: re.Match[str]) -> str:
        slot = m.group(1)
        if slot not in cache:
            cache[slot] = get(slot)
        return cache[slot]

    return SLOT.sub(one, template)


def draw_slots(template: str, makers: Mapping[str, Callable[[], str]]) -> dict[str, str]:
    """Values for the slots `template` uses, drawn in the order of `makers` (not of the text)."""
    used = set(SLOT.findall(template))
    return {k: make() for k, make in makers.items() if k in used}
