"""Masking of PII values for evidence: enough shape to recognize a finding, never the value.

Rules (`mask`):
- a value with any digit keeps only its first character; other letters and digits become '*',
  separators stay: "575-85-5582" -> "5**-**-****", "DE89 3704 ..." -> "D*** **** ...";
- an email keeps the first character of its local part and of each domain label:
  "john@gmail.com" -> "j***@g****.c**";
- other text keeps the first letter of each word: "john smith" -> "j*** s****";
- a value that would come out unchanged (single letters) is starred entirely;
- masking is idempotent: an already masked value is returned as is.
Lengths are kept, as in every masked display; use the fingerprint to compare values.
"""

from __future__ import annotations

from collections.abc import Sequence

MASK_CHAR = "*"


def _star_after_first(chunk: str) -> str:
    """Keep the first letter or digit of `chunk`, star every later one, keep punctuation."""
    out: list[str] = []
    kept = False
    for c in chunk:
        if c.isalnum():
            out.append(MASK_CHAR if kept else c)
            kept = True
        else:
            out.append(c)
    return "".join(out)


def _star_all(chunk: str) -> str:
    return "".join(MASK_CHAR if c.isalnum() else c for c in chunk)


def _mask_email(value: str) -> str:
    local, _, domain = value.rpartition("@")
    labels = domain.split(".")
    return _star_after_first(local) + "@" + ".".join(_star_after_first(label) for label in labels)


def mask(value: str) -> str:
    """Mask one PII value (see the module docstring for the rules)."""
    if not value:
        return value
    compact = "".join(value.split())
    if compact.count("@") == 1 and "." in compact.rpartition("@")[2]:
        masked = _mask_email(compact)
    elif any(c.isdigit() for c in value):
        masked = _star_after_first(value)
    else:
        masked = " ".join(_star_after_first(word) for word in value.split(" "))
    # A value masking leaves without any star (single letters) is starred entirely. An already
    # masked value comes back unchanged: mask(mask(v)) == mask(v), so renderers may mask evidence
    # that is already masked.
    if MASK_CHAR not in masked:
        return _star_all(value)
    return masked


def mask_in_text(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """Return `text` with every [start, end) span masked; overlapping spans are merged.

    The rest of the text is kept, so only use this on text whose every PII span is known: the
    surrounding words may hold values no detector found.
    """
    merged: list[list[int]] = []
    for start, end in sorted((max(0, s), min(len(text), e)) for s, e in spans):
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out: list[str] = []
    pos = 0
    for start, end in merged:
        out.append(text[pos:start])
        out.append(mask(text[start:end]))
        pos = end
    out.append(text[pos:])
    return "".join(out)
