"""A labelled detection corpus and the figures a compliance team judges a detector by.

The corpus format (tests/data/detection/README.md) is plain text: PII-free texts one per line,
texts with personal data with every value marked `[[ENTITY|value]]`, and names with sentence
templates. `score_texts` turns findings into the figures: share of PII-free texts with any
violation and with any finding at all, recall per entity type (a value counts as found when a
finding of its type covers it in full), and names found in full.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..models import Finding, Severity
from ..verdict import is_violation

_MARK = re.compile(r"\[\[([A-Z][A-Z0-9_]*)\|(.+?)\]\]")


@dataclass(frozen=True, slots=True)
class Span:
    entity: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class LabelledText:
    kind: str  # the `## heading` it stands under
    text: str
    spans: tuple[Span, ...] = ()


@dataclass(frozen=True, slots=True)
class Corpus:
    pii_free: tuple[LabelledText, ...]
    pii: tuple[LabelledText, ...]
    names: tuple[str, ...]
    templates: tuple[str, ...]  # each with one "{name}"
    caps_templates: tuple[str, ...]  # ALL-CAPS sentences; the name is upper-cased too

    def name_texts(self) -> list[LabelledText]:
        """Every name in every template: plain sentences, then ALL-CAPS ones."""
        out = []
        for kind, templates, upper in (("names", self.templates, False), ("caps", self.caps_templates, True)):
            for template in templates:
                for name in self.names:
                    value = name.upper() if upper else name
                    start = template.index("{name}")
                    text = template.replace("{name}", value)
                    out.append(LabelledText(kind, text, (Span("PERSON", start, start + len(value)),)))
        return out


def parse_marked(line: str, kind: str = "") -> LabelledText:
    """`"Call [[PHONE_NUMBER|415-555-0132]] now"` -> the plain text with the value's span."""
    parts: list[str] = []
    spans: list[Span] = []
    pos = 0
    length = 0
    for m in _MARK.finditer(line):
        before = line[pos : m.start()]
        parts.append(before)
        length += len(before)
        value = m.group(2)
        spans.append(Span(m.group(1), length, length + len(value)))
        parts.append(value)
        length += len(value)
        pos = m.end()
    parts.append(line[pos:])
    text = "".join(parts)
    if "[[" in text or "]]" in text:
        raise ValueError(f"unbalanced [[ENTITY|value]] mark in {line!r}")
    return LabelledText(kind, text, tuple(spans))


def _sections(path: Path) -> Iterable[tuple[str, str]]:
    kind = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("## "):
            kind = line[3:].strip()
        elif line and not line.startswith("#"):
            yield kind, line


def load_corpus(directory: Path) -> Corpus:
    """Read pii_free.txt, pii.txt and names.txt from `directory`. Raises OSError, ValueError."""
    pii_free = tuple(LabelledText(kind, text) for kind, text in _sections(directory / "pii_free.txt"))
    pii = tuple(parse_marked(text, kind) for kind, text in _sections(directory / "pii.txt"))
    sections: dict[str, list[str]] = {}
    for kind, text in _sections(directory / "names.txt"):
        sections.setdefault(kind, []).append(text)
    return Corpus(
        pii_free,
        pii,
        tuple(sections.get("names", [])),
        tuple(sections.get("templates", [])),
        tuple(sections.get("caps templates", [])),
    )


@dataclass
class Scores:
    """Detection quality on one labelled set of texts."""

    clean_texts: int = 0
    clean_with_violation: int = 0
    clean_with_finding: int = 0
    found: Counter[str] = field(default_factory=Counter)  # marked values found, per entity
    marked: Counter[str] = field(default_factory=Counter)  # marked values, per entity
    false_alarms: list[tuple[str, str]] = field(default_factory=list)  # (text, entity types)
    missed: list[tuple[str, str]] = field(default_factory=list)  # (text, entity)

    @property
    def violation_rate(self) -> float:
        return self.clean_with_violation / max(1, self.clean_texts)

    @property
    def finding_rate(self) -> float:
        return self.clean_with_finding / max(1, self.clean_texts)

    def recall(self, entity: str | None = None) -> float:
        if entity is None:
            return sum(self.found.values()) / max(1, sum(self.marked.values()))
        return self.found[entity] / max(1, self.marked[entity])


def covers(finding: Finding, span: Span) -> bool:
    """Whether `finding` reports the marked value in full, as its entity type."""
    return (
        finding.entity_type == span.entity
        and finding.start is not None
        and finding.end is not None
        and finding.start <= span.start
        and span.end <= finding.end
    )


def score_texts(
    texts: Sequence[LabelledText],
    findings: Sequence[Sequence[Finding]],
    fail_on: Severity | str = Severity.low,
) -> Scores:
    """Figures for `texts` given the findings made in each (same order).

    A text without marked values is PII-free: any finding on it is a false alarm, and a violation
    when its severity is at or above `fail_on` (allowlisted findings count as neither).
    """
    scores = Scores()
    for item, found in zip(texts, findings, strict=True):
        reported = [f for f in found if not f.allowlisted]
        if not item.spans:
            scores.clean_texts += 1
            if reported:
                scores.clean_with_finding += 1
                types = ", ".join(sorted({f.entity_type for f in reported}))
                scores.false_alarms.append((item.text, types))
            if any(is_violation(f, fail_on) for f in reported):
                scores.clean_with_violation += 1
            continue
        for span in item.spans:
            scores.marked[span.entity] += 1
            if any(covers(f, span) for f in reported):
                scores.found[span.entity] += 1
            else:
                scores.missed.append((item.text, span.entity))
    return scores
