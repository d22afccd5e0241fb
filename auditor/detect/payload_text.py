"""Read a point payload the way a person reads it: every value, every key, each with its label.

Payloads are arbitrary JSON. `read_payload` walks one iteratively (no Python recursion) and
returns what the detector must analyze:
- every string value, whole (the detector reads long ones in overlapping windows);
- every number, as the text it would be written as (4155550143, not 4.15e9): phone, SSN and card
  numbers are often stored as JSON numbers;
- every dictionary key: a key can itself be personal data ({"jane@x.org": {...}}); underscores in
  a key read as spaces, as a person reads "jane_doe" or "id_219-45-5782" (a value glued to a word
  by "_" has no word boundary for the recognizers to find);
- for each value, the cue its keys give it (`labels.context_label`), e.g. "ssn" for
  {"ssn": "219455782"}, so label-gated recognizers see the context a person sees.
Booleans and nulls are read too; they hold no text.

Nothing is dropped silently. The two limits that stay, against hostile payloads, are reported
as `PayloadSkip`s: containers nested deeper than `max_depth` (their contents are not read) and
strings longer than `max_chars` (only their first `max_chars` characters are analyzed).

Paths name where a text is, never what it says: "customer.emails[1]", "by_email[key #0]". A key
is written into a path only when it looks like a schema name: an identifier with at most
`MAX_KEY_DIGITS` digits (a key holding a phone, SSN or date, "ssn219455782", is data); any other
key is shown by position ("[#3]"). `blind_path` shows every key by position, for texts under a
key that turns out to hold personal data itself.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .labels import context_label

#: Containers nested deeper than this are not read (reported as a "depth_limit" skip).
MAX_DEPTH = 64
#: Characters analyzed per string (reported as a "size_limit" skip beyond); `--max-text-chars`.
MAX_TEXT_CHARS = 1_000_000

SkipReason = Literal["depth_limit", "size_limit"]

_SAFE_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]{0,63}")
#: Digits a key may have and still be written into a path ("address_line2", "sha256", "v1").
MAX_KEY_DIGITS = 4


@dataclass(frozen=True, slots=True)
class PayloadText:
    """One text of a payload for the detector."""

    path: str  # e.g. "customer.ssn"; keys by position where they do not look like identifiers
    blind_path: str  # the same place with every key by position
    text: str  # the value as text (a number as written), or the key as read (see `key_reading`)
    label: str | None  # the cue its keys give a value ("ssn"), read as context before it
    kind: Literal["string", "number", "key"]
    keys: tuple[int, ...]  # indices in `PayloadRead.texts` of the keys on the way here
    spaced_key: bool = False  # a key written with whitespace ("Jane Doe"), not only underscores

    @property
    def reads_names(self) -> bool:
        """Whether NER should read it: strings, and keys of several words ("Jane Doe"). A one-word
        key is a schema name ("lang", "owner", "first_name") that spaCy would call a person or
        place; patterns and the name lexicon still read it (an email, a phone number or
        "maria_lopez" as a key is found)."""
        return self.kind == "string" or self.spaced_key


@dataclass(frozen=True, slots=True)
class PayloadSkip:
    """A part of a payload not analyzed, whole ("depth_limit") or beyond its first characters."""

    path: str
    blind_path: str
    reason: SkipReason
    detail: str  # sizes and limits only, never content
    keys: tuple[int, ...]


@dataclass(slots=True)
class PayloadRead:
    texts: list[PayloadText] = field(default_factory=list)
    skips: list[PayloadSkip] = field(default_factory=list)
    fields: int = 0  # values (of any type) and keys read whole; parts in `skips` are not counted


def number_text(value: int | float) -> str | None:
    """How a JSON number is written: integers and integral floats without a fraction (phone and
    card numbers often come back as 4155550143.0); None for NaN and infinities."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        if value.is_integer() and abs(value) < 1e21:  # repr switches to exponent notation there
            return str(int(value))
        return repr(value)
    return str(value)


def key_reading(key: str) -> str:
    """A key as the detector reads it: underscores as spaces ("id_219-45-5782" -> "id 219-45-5782",
    "Maria_Lopez" -> "Maria Lopez"). Same length, so spans on it are spans on the key."""
    return key.replace("_", " ")


def is_schema_key(key: object) -> bool:
    """Whether a key may be written into a path: an identifier without a number in it."""
    return (
        isinstance(key, str)
        and _SAFE_KEY.fullmatch(key) is not None
        and sum(c.isdigit() for c in key) <= MAX_KEY_DIGITS
    )


def _child(parent: str, key: object, position: int) -> str:
    if is_schema_key(key):
        return f"{parent}.{key}" if parent else str(key)
    return f"{parent}[#{position}]"


@dataclass(frozen=True, slots=True)
class _Frame:
    path: str
    blind_path: str
    value: Any
    depth: int
    names: tuple[str, ...]  # the keys above, outermost first (for the label)
    keys: tuple[int, ...]


def read_payload(
    payload: Mapping[str, Any], *, max_depth: int = MAX_DEPTH, max_chars: int = MAX_TEXT_CHARS
) -> PayloadRead:
    """Everything in `payload` to analyze, and what was not read.

    Order: depth first in document order, a mapping's keys just before its values.

    Raises ValueError unless both limits are positive.
    """
    if max_chars < 1 or max_depth < 1:
        raise ValueError("max_chars and max_depth must be positive")
    out = PayloadRead()
    # Children are pushed reversed so that they come off the stack in document order.
    stack: list[_Frame] = [_Frame("", "", payload, 0, (), ())]
    while stack:
        frame = stack.pop()
        value = frame.value
        if isinstance(value, Mapping):
            children: list[_Frame] = []
            for i, (key, child) in enumerate(value.items()):
                key_text = str(key)
                where = f"{frame.path}[key #{i}]"
                blind_where = f"{frame.blind_path}[key #{i}]"
                key_index = len(out.texts)
                out.texts.append(
                    PayloadText(
                        where,
                        blind_where,
                        key_reading(key_text),
                        None,
                        "key",
                        frame.keys,
                        spaced_key=any(c.isspace() for c in key_text),
                    )
                )
                out.fields += 1
                children.append(
                    _Frame(
                        _child(frame.path, key, i),
                        f"{frame.blind_path}[#{i}]",
                        child,
                        frame.depth + 1,
                        (*frame.names, key_text),
                        (*frame.keys, key_index),
                    )
                )
        elif isinstance(value, list | tuple):
            depth = frame.depth + 1
            children = [
                _Frame(f"{frame.path}[{i}]", f"{frame.blind_path}[{i}]", v, depth, frame.names, frame.keys)
                for i, v in enumerate(value)
            ]
        else:
            _read_scalar(out, frame, max_chars)
            continue
        if children and frame.depth >= max_depth:
            out.skips.append(
                PayloadSkip(
                    frame.path,
                    frame.blind_path,
                    "depth_limit",
                    f"nested deeper than {max_depth} levels",
                    frame.keys,
                )
            )
            continue
        stack.extend(reversed(children))
    return out


def _read_scalar(out: PayloadRead, frame: _Frame, max_chars: int) -> None:
    value = frame.value
    if value is None or isinstance(value, bool):
        out.fields += 1
        return  # read; no text to analyze
    if isinstance(value, int | float):
        text = number_text(value)
        kind: Literal["string", "number"] = "number"
    else:
        text, kind = (value if isinstance(value, str) else str(value)), "string"
    if text is None:
        out.fields += 1  # NaN or an infinity: read, nothing a recognizer could match
        return
    if len(text) <= max_chars:
        out.fields += 1
    else:
        out.skips.append(
            PayloadSkip(
                frame.path,
                frame.blind_path,
                "size_limit",
                f"{len(text):,} characters; the first {max_chars:,} were analyzed",
                frame.keys,
            )
        )
        text = text[:max_chars]
    label = context_label(frame.names) if frame.names else None
    out.texts.append(PayloadText(frame.path, frame.blind_path, text, label, kind, frame.keys))


def longest_text(payload: Mapping[str, Any]) -> str | None:
    """The longest string value of a payload: the best guess at the text that was embedded."""
    best: str | None = None
    for item in read_payload(payload).texts:
        if item.kind == "string" and (best is None or len(item.text) > len(best)):
            best = item.text
    return best
