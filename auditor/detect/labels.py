"""The label a payload key gives its value, for recognizers that need a context word.

Several recognizers only fire, or only score high enough, when a cue word precedes the value:
Presidio's US_SSN, US_PASSPORT, US_BANK_NUMBER, US_ITIN and US_DRIVER_LICENSE need context for
bare digits, and our DATE_OF_BIRTH, MEDICAL_RECORD_NUMBER and CARD_SECURITY_CODE patterns need a
cue right before the value. In free text that cue is a word ("SSN 219455782"); in a structured
payload it is the key ({"ssn": "219455782"}). `context_label` turns the keys above a value into
the cue these recognizers read, so the detector can analyze "ssn: 219455782" as a person would.

Only keys from a small vocabulary become labels. A generic key ("name", "customer", "account")
would make cue-driven recognizers fire on any capitalized or numeric value ("customer: Acme" as
a person), so such keys add nothing. The label is always one of our own cue phrases, never the
key's text, so a key that is itself personal data is never copied into what is analyzed.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

# "(numbers?|nos?|num|nbr|#)": the usual ways of writing "number" after a noun in a key.
_NUMBER = r"(?: (?:numbers?|nos?|num|nbr|#))"

#: (what the lowercased words of the keys say, the cue phrase the detector reads before the value)
_VOCABULARY: tuple[tuple[str, str], ...] = (
    (rf"ssns?|social security{_NUMBER}?|soc sec{_NUMBER}?|ss{_NUMBER}", "ssn"),
    (rf"itin|tax ?id|taxpayer id(?:entification)?{_NUMBER}?", "itin"),
    (r"dob|d o b|date ?of ?birth|birth ?(?:date|day|dt)|born(?: on)?|bday|b day", "date of birth"),
    (rf"passports?{_NUMBER}?", "passport"),
    (
        rf"(?:bank|checking|savings)(?: account| acct)?{_NUMBER}?|(?:account|acct){_NUMBER}|acct|iban"
        r"|routing(?: number)?",
        "bank account",
    ),
    (rf"mrn|medical record{_NUMBER}?|patient (?:id|number|no|num)|chart{_NUMBER}", "mrn"),
    (r"cvv2?|cvc2?|card (?:security|verification) (?:code|value|number)|security code", "cvv"),
    (rf"drivers? lic(?:en[cs]e)?{_NUMBER}?|driving licen[cs]e|dl{_NUMBER}", "driver license"),
    (rf"(?:phones?|telephone|tel|mobile|cell(?: ?phone)?|fax|msisdn|whatsapp|contact){_NUMBER}?", "phone"),
    (rf"credit card|card{_NUMBER}|cc{_NUMBER}|ccn|cc ?num", "credit card"),
    (rf"nhs{_NUMBER}?", "nhs number"),
    (r"e ?mails?|email address", "email"),
)
# Whole words only; "(?!\w)" rather than "\b" at the end, so "ss #" matches too.
_CUES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(rf"\b(?:{words})(?!\w)"), cue) for words, cue in _VOCABULARY
)

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SEPARATORS = re.compile(r"[\s_\-.:/\\]+")


def key_words(key: str) -> str:
    """A key as lowercase words: "dateOfBirth" -> "date of birth", "SSN_no" -> "ssn no"."""
    spaced = _SEPARATORS.sub(" ", _CAMEL.sub(" ", key))
    return " ".join(spaced.lower().split())


def context_label(keys: Sequence[str]) -> str | None:
    """The cue phrase for a value under `keys` (outermost first), or None.

    The last two keys are read together ({"patient": {"id": ...}} is a patient id). When several
    cues match, the one nearest the value wins: in "email_phone" the value is a phone.
    """
    last = tuple(keys[-2:])
    if all(_SCHEMA_NAME.fullmatch(k) for k in last):
        return _schema_label(last)
    return _label_of(last)


# Keys that look like schema names repeat point after point, so their labels are cached; other
# keys (which may be data: emails, names) are never kept beyond the call.
_SCHEMA_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_\- ]{0,63}")


@functools.lru_cache(maxsize=4096)
def _schema_label(keys: tuple[str, ...]) -> str | None:
    return _label_of(keys)


def _label_of(keys: tuple[str, ...]) -> str | None:
    phrase = " ".join(key_words(k) for k in keys)
    best: tuple[int, str] | None = None
    for pattern, cue in _CUES:
        for match in pattern.finditer(phrase):
            if best is None or match.end() > best[0]:
                best = (match.end(), cue)
    return None if best is None else best[1]
