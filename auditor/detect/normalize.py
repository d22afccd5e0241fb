"""Repair the spacing an uncased inverter puts into structured values before detection.

A BERT-uncased decoder writes "john.smith@gmail.com" as "john. smith @ gmail. com" and
"575-85-5582" as "575 - 85 - 5582". Presidio's patterns expect the compact forms, so we join
them again. Every repair only deletes whitespace or changes letter case, which keeps a cheap
exact offset map from the normalized string back to the original one (`NormalizedText`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Common gTLDs; any two-letter label is accepted as a ccTLD. Used only when the dot before the
# TLD was spaced, where "@ home. thanks" must not become a domain.
COMMON_TLDS = frozenset(
    "com org net edu gov mil int info biz name pro io ai app dev co me tv cc us uk ca de fr "
    "es it nl be ch at se no dk fi pl pt ie au nz in jp cn kr br mx ru za online site tech "
    "store shop xyz email cloud health bank".split()
)

_EMAIL = re.compile(
    r"(?<![\w.@-])"
    r"[a-z0-9%+]+(?:[ \t]?[._+-][ \t]?[a-z0-9%+]+){0,3}"  # local part, joiners may be spaced
    r"[ \t]*@[ \t]*"
    r"[a-z0-9-]+(?:[ \t]?\.[ \t]?[a-z0-9-]+){0,3}"  # domain labels
    r"[ \t]?\.[ \t]?(?P<tld>[a-z]{2,24})\b",
    re.IGNORECASE,
)
# "575 - 85 - 5582", "03 / 04 / 1985", "10 : 30": whitespace around a separator between digits.
_DIGIT_SEPARATOR = re.compile(r"(?<=\d)[ \t]*[-/:][ \t]*(?=\d)")
# "( 212 ) 555-0100" -> "(212) 555-0100"
_AREA_CODE = re.compile(r"\([ \t]*\d{2,4}[ \t]*\)")
# "+ 1 212" -> "+1 212"
_PLUS = re.compile(r"\+[ \t]+(?=\d)")
# "192. 168. 1. 20", "03. 04. 1985": at least three dotted digit groups (a lone "4. 5" stays).
_DOTTED_DIGITS = re.compile(r"(?<![\d.])\d{1,4}(?:[ \t]?\.[ \t]?\d{1,4}){2,}(?![\d])")
# "o ' brien" -> "o'brien"
_APOSTROPHE = re.compile(r"(?<=[a-z])[ \t]+'[ \t]*(?=[a-z])|(?<=[a-z])'[ \t]+(?=[a-z]{2})", re.IGNORECASE)

_WS = " \t"

# Words after which a name usually follows ("dear maria lopez", "patient john smith").
NAME_CUES = frozenset(
    "dear hi hello hey thanks mr mrs mx miss prof patient customer client employee member tenant "
    "cardholder applicant candidate name named contact signed regards sincerely nurse doctor".split()
)
# Cues that are also common abbreviations ("25 ms", "oak dr") count only with a period.
NAME_CUES_WITH_PERIOD = frozenset({"ms", "dr"})
# Words that follow such cues without being a name ("customer service", "hi team").
NOT_NAMES = frozenset(
    "team all everyone everybody folks guys there again so sir madam support service services "
    "portal care success handbook experience satisfaction account feedback relations information "
    "data records record number id name names list form the a an for to and or of in on at by "
    "with from is was are be been our your this that these those my we you it i me he she they "
    "please today tomorrow yesterday monday tuesday wednesday thursday friday saturday sunday "
    "good great mr mrs ms mx dr prof miss sir madam".split()
)
_SKIP_AFTER_CUE = frozenset({"is", "was", ":", "-", "you"})
_NAME_WORD = re.compile(r"[a-z][a-z'\-]*,?")


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """A normalized string plus, for each of its characters, the index it came from."""

    text: str
    origin: tuple[int, ...]  # len(text) + 1 entries; the last is len(original)

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of `text` back onto the original string."""
        if start >= end:
            pos = self.origin[start]
            return pos, pos
        return self.origin[start], self.origin[end - 1] + 1


def _whitespace_in(text: str, start: int, end: int, drop: set[int]) -> None:
    for i in range(start, end):
        if text[i] in _WS:
            drop.add(i)


def _collect_drops(text: str) -> set[int]:
    drop: set[int] = set()
    for m in _EMAIL.finditer(text):
        span = m.group(0)
        if not any(c in _WS for c in span):
            continue  # already compact; nothing to repair
        tld_start = m.start("tld")
        spaced_tld = text[tld_start - 1] in _WS or text[tld_start - 2] in _WS
        tld = m.group("tld").lower()
        if spaced_tld and not (len(tld) == 2 or tld in COMMON_TLDS):
            continue
        _whitespace_in(text, m.start(), m.end(), drop)
    for pattern in (_DIGIT_SEPARATOR, _AREA_CODE, _PLUS, _DOTTED_DIGITS, _APOSTROPHE):
        for m in pattern.finditer(text):
            _whitespace_in(text, m.start(), m.end(), drop)
    return drop


def _is_cue(token: str) -> bool:
    word = token.rstrip(",:")
    if word.endswith(".") and word[:-1] in NAME_CUES_WITH_PERIOD | NAME_CUES:
        return True
    return word in NAME_CUES


def titlecase_cued_names(text: str) -> str:
    """Capitalize up to two words after a name cue, in all-lowercase text only.

    Length-preserving, so offsets stay valid. Uncased inverter output hides names from spaCy;
    this restores the capital letters where a name is likely (see tests for the measured gain).
    """
    if any(c.isupper() for c in text):
        return text
    chars = list(text)
    tokens = [(m.start(), m.group(0)) for m in re.finditer(r"\S+", text)]
    i = 0
    while i < len(tokens):
        if not _is_cue(tokens[i][1]):
            i += 1
            continue
        j = i + 1
        while j < len(tokens) and tokens[j][1] in _SKIP_AFTER_CUE:
            j += 1
        for _ in range(2):
            if j >= len(tokens):
                break
            start, word = tokens[j]
            if not _NAME_WORD.fullmatch(word) or word.rstrip(",") in NOT_NAMES:
                break
            upper = word[0].upper()
            if len(upper) == 1:
                chars[start] = upper
            j += 1
            if word.endswith(","):
                break
        i = j
    return "".join(chars)


def normalize_with_offsets(text: str) -> NormalizedText:
    """Normalize `text` and keep the map back to original offsets."""
    drop = _collect_drops(text) if text else set()
    if not drop:
        return NormalizedText(titlecase_cued_names(text), tuple(range(len(text) + 1)))
    kept = [i for i in range(len(text)) if i not in drop]
    joined = "".join(text[i] for i in kept)
    return NormalizedText(titlecase_cued_names(joined), (*kept, len(text)))


def normalize_for_detection(text: str) -> str:
    """Repair spaced punctuation in emails, phone numbers, SSNs, card numbers, IPs and dates.

    Examples: "575 - 85 - 5582" -> "575-85-5582"; "john. smith @ gmail. com" ->
    "john.smith@gmail.com"; "( 212 ) 555 - 0147" -> "(212) 555-0147". In all-lowercase text,
    up to two words after a name cue are capitalized ("dear maria lopez" -> "dear Maria Lopez"):
    measured on uncased inverter-style text (tests/test_detect_normalize.py), PERSON recall
    rose from about 0.70 to 0.87-0.92 with no more false positives on PII-free text; since the
    name lexicon reads lowercase names itself, from 0.935 to 0.965.
    Detections on the returned string refer to it; use `normalize_with_offsets` to map back.
    """
    return normalize_with_offsets(text).text
