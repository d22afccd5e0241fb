"""The subject file: one person's identifiers, read once into memory and never stored.

Format (UTF-8, one identifier per line, `KIND: VALUE`; '#' starts a comment line, blank lines
are skipped, repeated values count once):

    # erasure request 2026-11-30
    name: Ludek Fiser
    name: Fiser, Ludek
    email: ludek.fiser@example.org
    phone: +420 601 123 456
    id: CUST-20931

Kinds: `name` (a person name, at least one letter; "Surname, Given" is read as "Given Surname"),
`email`, `phone` (6 to 15 digits), `id` (any customer, account or ticket number; matched exactly).
Every error names the file and the line, never the value.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..errors import VecauditError
from ..files import read_text_file
from ..fingerprint import canonicalize, fingerprint

KINDS = ("name", "email", "phone", "id")
#: Entity types of the fingerprints (the ones scan findings of the same value carry).
ENTITY = {"name": "PERSON", "email": "EMAIL_ADDRESS", "phone": "PHONE_NUMBER", "id": "ID"}
MAX_FILE_BYTES = 1 << 20
MAX_VALUE_CHARS = 256
MAX_IDENTIFIERS = 256

_EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]{2,}")
_PHONE = re.compile(r"\+?[0-9][0-9 ()./-]*[0-9]")
_NAME = re.compile(r"[^\W\d_][^\W\d_ .,'’-]*(?:[ .,'’-]+[^\W\d_][^\W\d_ .,'’-]*)*\.?")


class SubjectError(VecauditError):
    """A subject file that cannot be read or is malformed (exit 2)."""


class Identifier:
    """One identifier of the subject. Held in memory only: repr shows its reference ("email #2")
    and line, never the value, and it refuses to be pickled."""

    __slots__ = ("_value", "index", "kind", "line")

    def __init__(self, kind: str, value: str, index: int, line: int) -> None:
        self.kind = kind
        self._value = value
        self.index = index  # 1-based, per kind
        self.line = line

    @property
    def value(self) -> str:
        return self._value

    @property
    def ref(self) -> str:
        """How outputs name this identifier: its kind and index, e.g. "email #2"."""
        return f"{self.kind} #{self.index}"

    def fingerprint(self, key: bytes) -> str:
        """The keyed fingerprint a scan finding of this value carries (`vecaudit.fingerprint`)."""
        return fingerprint(ENTITY[self.kind], self._value, key)

    def __repr__(self) -> str:
        return f"Identifier({self.ref}, line={self.line})"

    __str__ = __repr__

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("subject identifiers are kept in memory only and cannot be pickled")


@dataclass(frozen=True)
class Subject:
    """The identifiers of one data subject (see the module docstring)."""

    identifiers: tuple[Identifier, ...]

    def of(self, kind: str) -> list[Identifier]:
        return [i for i in self.identifiers if i.kind == kind]

    def fingerprint(self, key: bytes) -> str:
        """A keyed hash of every identifier: the same subject file gives the same value, so a
        deletion plan and a later verification statement can be tied together without a value."""
        parts = sorted(
            f"{ENTITY[i.kind]}\x00{canonicalize(ENTITY[i.kind], i.value)}" for i in self.identifiers
        )
        return "sfp1:" + hmac.new(key, "\x01".join(parts).encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def path_hash(path: str | Path, key: bytes) -> str:
    """A keyed hash of the subject file's path: file names often carry the subject's name."""
    text = str(Path(path).expanduser().resolve())
    return "pfp1:" + hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def _clean(kind: str, value: str) -> str | None:
    """The value in its checked form, or None when it is not a valid `kind`."""
    text = " ".join(value.split())
    if kind == "email":
        return text if _EMAIL.fullmatch(text) else None
    if kind == "phone":
        return text if _PHONE.fullmatch(text) and 6 <= sum(c.isdigit() for c in text) <= 15 else None
    if kind == "name":
        if not _NAME.fullmatch(text):
            return None
        if text.count(",") == 1:  # "Smith, John" -> "John Smith"
            family, given = (p.strip() for p in text.split(","))
            text = f"{given} {family}".strip()
        return text if any(c.isalpha() for c in text) and "," not in text else None
    return text if any(c.isalnum() for c in text) else None


def parse_subject(text: str, source: str = "<subject>") -> Subject:
    """The subject of a subject file's text. Raises SubjectError naming `source` and the line."""
    out: list[Identifier] = []
    seen: set[tuple[str, str]] = set()
    counts: dict[str, int] = {}
    for number, raw in enumerate(text.removeprefix("\ufeff").split("\n"), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{source}:{number}"
        if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co") for c in line):
            raise SubjectError(f"{where}: control or format characters")
        kind, sep, value = line.partition(":")
        kind = kind.strip().lower()
        if not sep or kind not in KINDS:
            raise SubjectError(f"{where}: expected 'KIND: VALUE' with KIND one of {', '.join(KINDS)}")
        value = value.strip()
        if not value:
            raise SubjectError(f"{where}: no value after '{kind}:'")
        if len(value) > MAX_VALUE_CHARS:
            raise SubjectError(f"{where}: value longer than {MAX_VALUE_CHARS} characters")
        clean = _clean(kind, value)
        if clean is None:
            raise SubjectError(f"{where}: not a valid {kind}")
        key = (kind, canonicalize(ENTITY[kind], clean))
        if key in seen:
            continue
        seen.add(key)
        counts[kind] = counts.get(kind, 0) + 1
        out.append(Identifier(kind, clean, counts[kind], number))
        if len(out) > MAX_IDENTIFIERS:
            raise SubjectError(f"{where}: more than {MAX_IDENTIFIERS} identifiers")
    if not out:
        raise SubjectError(f"{source}: no identifiers (one 'KIND: VALUE' per line)")
    return Subject(tuple(out))


def read_subject(path: str | Path) -> Subject:
    """The subject of a UTF-8 subject file (see `parse_subject`), read into memory and nowhere else."""
    p = Path(path)
    text = read_text_file(p, what="subject file", max_bytes=MAX_FILE_BYTES, error=SubjectError)
    return parse_subject(text, str(p))
