"""Where a subject's identifiers occur in payload text: exact after normalisation, fuzzy for names.

Every string, number and dictionary key of a payload is read (numbers as the text they are,
underscores in keys as spaces), after folding Unicode variants to ASCII (`detect.fold`).

* email: every address in the text, compared casefolded (`payload-exact`).
* phone: every digit run of 6+ digits (spaces, dots, dashes, brackets allowed between) compared
  by its digits; a number written without the country code or with a trunk 0 matches when the
  shorter, leading zeros dropped, has at least 8 digits and ends the longer (`payload-exact`).
* id: the id casefolded with spacing collapsed, as a whole token (`payload-exact`).
* name: the text and the name are cut into word tokens with diacritics folded and case ignored.
  The name's tokens in order anywhere in the text are `payload-exact`. Otherwise a window of as
  many tokens (or one more, leaving out a middle name) is `payload-fuzzy` when its tokens can be
  paired one to one with the name's, in any order ("Smith, John"), so that every pair scores at
  least `MIN_TOKEN_SIMILARITY` and their mean at least `MIN_NAME_SIMILARITY`, with at least one
  pair equal (so "L. Fiser" matches Ludek Fiser, "Lukas Fischer" does not). A pair scores 1 when
  equal, `INITIAL_SCORE` when one is the initial of the other ("J. Smith"), else
  1 - Levenshtein distance / longer length ("Jonh Smith"). One-token names match exactly only.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ..detect.fold import fold_for_detection
from .subject import Identifier, Subject

#: Fuzzy name thresholds (documented in the module docstring and the README).
MIN_TOKEN_SIMILARITY = 0.75
MIN_NAME_SIMILARITY = 0.85
INITIAL_SCORE = 0.85
#: Payloads nested deeper than this are not read further (counted as not checked).
MAX_DEPTH = 64

EXACT, FUZZY = "payload-exact", "payload-fuzzy"

_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_DIGITS = re.compile(r"\+?\(?[0-9][0-9 ()./-]{4,}[0-9]")
_WORD = re.compile(r"[^\W\d_]+")


def fold_text(text: str) -> str:
    """Casefolded, Unicode variants read as ASCII, diacritics dropped ("Lúdek" -> "ludek")."""
    text = fold_for_detection(text)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def name_tokens(text: str) -> list[str]:
    """The word tokens of `text` after `fold_text` (digits, punctuation and underscores split)."""
    return _WORD.findall(fold_text(text))


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def _phone_equal(a: str, b: str) -> bool:
    if a == b:
        return True
    short, long = sorted((a.lstrip("0"), b.lstrip("0")), key=len)
    return len(short) >= 8 and long.endswith(short)


def _levenshtein(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def token_score(a: str, b: str) -> float:
    """How alike two name tokens are (see the module docstring)."""
    if a == b:
        return 1.0
    if (len(a) == 1 and b.startswith(a)) or (len(b) == 1 and a.startswith(b)):
        return INITIAL_SCORE
    if len(a) == 1 or len(b) == 1:
        return 0.0
    return 1.0 - _levenshtein(a, b) / max(len(a), len(b))


def window_score(name: Sequence[str], window: Sequence[str]) -> float:
    """The best one-to-one pairing's mean score of two equally long token lists, or 0.0 when the
    pairing fails a rule (see the module docstring)."""
    best = 0.0
    # Names have a handful of tokens: trying every pairing is cheap and exact.
    for perm in itertools.permutations(range(len(window))) if len(name) <= 5 else [range(len(window))]:
        pairs = [(name[k], window[p]) for k, p in enumerate(perm)]
        scores = [token_score(a, b) for a, b in pairs]
        if min(scores) < MIN_TOKEN_SIMILARITY or max(scores) < 1.0:
            continue
        best = max(best, sum(scores) / len(scores))
    return best


def _windows(tokens: Sequence[str], k: int) -> Iterator[list[str]]:
    for start in range(len(tokens) - k + 1):
        yield list(tokens[start : start + k])
    if k >= 2:  # one more token: a middle name or initial between the first and the last
        for start in range(len(tokens) - k):
            span = tokens[start : start + k + 1]
            for drop in range(1, k):
                yield [*span[:drop], *span[drop + 1 :]]


def match_name(name: Sequence[str], tokens: Sequence[str]) -> str | None:
    """EXACT, FUZZY or None: does the token list `tokens` hold the name `name` (tokens)?"""
    k = len(name)
    if not k or len(tokens) < k:
        return None
    if any(list(tokens[s : s + k]) == list(name) for s in range(len(tokens) - k + 1)):
        return EXACT
    if k < 2:
        return None
    first = {t[0] for t in name}
    for window in _windows(tokens, k):
        if window[0][0] in first and window_score(name, window) >= MIN_NAME_SIMILARITY:
            return FUZZY
    return None


@dataclass(frozen=True)
class Hit:
    """One identifier found in one payload location: never the value or the text."""

    identifier: Identifier
    evidence: str  # EXACT or FUZZY
    field: str  # payload path; a key that holds the subject is shown by position


class PayloadMatcher:
    """Matches one subject's identifiers against payload texts (see the module docstring)."""

    def __init__(self, subject: Subject) -> None:
        self._emails = [(i, i.value.casefold()) for i in subject.of("email")]
        self._phones = [(i, _digits(i.value)) for i in subject.of("phone")]
        self._ids = [
            (
                i,
                re.compile(
                    r"(?<![0-9a-z])" + re.escape(" ".join(i.value.casefold().split())) + r"(?![0-9a-z])"
                ),
            )
            for i in subject.of("id")
        ]
        self._names = [(i, name_tokens(i.value)) for i in subject.of("name")]

    def match_text(self, text: str) -> list[tuple[Identifier, str]]:
        """(identifier, evidence) for every identifier `text` holds, the strongest evidence each."""
        folded = fold_for_detection(text)
        found: dict[int, tuple[Identifier, str]] = {}

        def add(ident: Identifier, evidence: str) -> None:
            if id(ident) not in found or evidence == EXACT:
                found[id(ident)] = (ident, evidence)

        if self._emails and "@" in folded:
            seen = {m.casefold() for m in _EMAIL.findall(folded)}
            for ident, email in self._emails:
                if email in seen:
                    add(ident, EXACT)
        if self._phones:
            runs = [_digits(m) for m in _DIGITS.findall(folded)]
            for ident, digits in self._phones:
                if any(_phone_equal(digits, r) for r in runs if len(r) >= 6):
                    add(ident, EXACT)
        if self._ids:
            spaced = " ".join(folded.casefold().split())
            for ident, pattern in self._ids:
                if pattern.search(spaced):
                    add(ident, EXACT)
        if self._names:
            tokens = name_tokens(folded)
            for ident, name in self._names:
                how = match_name(name, tokens)
                if how:
                    add(ident, how)
        return list(found.values())

    def match_payload(self, payload: Any) -> tuple[list[Hit], int]:
        """Every hit in a payload (values and keys), and how many branches were nested too deep."""
        hits: list[Hit] = []
        too_deep = 0

        def walk(value: Any, path: str, depth: int) -> None:
            nonlocal too_deep
            if depth > MAX_DEPTH:
                too_deep += 1
                return
            if isinstance(value, dict):
                for n, (key, item) in enumerate(value.items()):
                    key_text = str(key)
                    key_hits = self.match_text(key_text.replace("_", " "))
                    segment = f"[key #{n}]" if key_hits else key_text
                    sub = f"{path}.{segment}" if path else segment
                    hits.extend(Hit(i, e, sub) for i, e in key_hits)
                    walk(item, sub, depth + 1)
            elif isinstance(value, list | tuple):
                for n, item in enumerate(value):
                    walk(item, f"{path}[{n}]", depth + 1)
            elif isinstance(value, str | int | float) and not isinstance(value, bool):
                hits.extend(Hit(i, e, path or "(payload)") for i, e in self.match_text(str(value)))

        walk(payload, "", 0)
        return hits, too_deep
