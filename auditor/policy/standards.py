"""The clauses of standards and regulations vecaudit's findings are reported against, as data.

Two things live here and nowhere else:
- `CATALOGUE`: every reference a policy may cite by its tag (`references: [GDPR-Art-32]`), with
  the standard's own numbering, a title and a link. Presets cite these; a user's policy may cite
  them too, or write a reference of its own ({standard, id, title, url}).
- `BUILTIN`: what vecaudit's own kinds of result bear on whatever the policy says. Personal data
  found in a vector store's payloads or recovered by inverting its vectors, a value of targeted
  mode still encoded in a vector, and data the scan could not analyze all fall under OWASP
  LLM08:2025 (Vector and Embedding Weaknesses), whose risks include data leakage from vector
  stores and embedding inversion.

Tags follow one scheme: "<standard prefix>-<clause as the standard numbers it>", spaces as
hyphens (GDPR's "Art. 32" as Art-32, HIPAA's "45 CFR 164.312(a)(1)" as the section alone):
OWASP-LLM08:2025, GDPR-Art-5(1)(c), HIPAA-164.514(b)(2)(i)(A), PCI-DSS-3.5.1. A reference a
policy writes out gets "<standard>-<id>" unless it names its own tag.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

from ..models import Reference

OWASP_LLM = "OWASP Top 10 for LLM Applications 2025"
GDPR = "GDPR"
HIPAA = "HIPAA"
PCI_DSS = "PCI DSS v4.0"

_GDPR_URL = "https://eur-lex.europa.eu/eli/reg/2016/679/oj"
_PCI_URL = "https://www.pcisecuritystandards.org/document_library/"


def _ecfr(section: str) -> str:
    return f"https://www.ecfr.gov/current/title-45/section-{section}"


def make_tag(standard: str, clause: str) -> str:
    """The tag of a reference the catalogue does not know: "<standard>-<clause>", spaces as hyphens."""
    return re.sub(r"\s+", "-", f"{standard.strip()}-{clause.strip()}")


def _gdpr(article: str, title: str) -> Reference:
    # "5(1)(c)" -> id "Art. 5(1)(c)", tag "GDPR-Art-5(1)(c)"
    return Reference(
        standard=GDPR, id=f"Art. {article}", title=title, url=_GDPR_URL, tag=f"GDPR-Art-{article}"
    )


def _hipaa(paragraph: str, title: str) -> Reference:
    section = paragraph.split("(", 1)[0]
    return Reference(
        standard=HIPAA, id=f"45 CFR {paragraph}", title=title, url=_ecfr(section), tag=f"HIPAA-{paragraph}"
    )


def _pci(requirement: str, title: str) -> Reference:
    return Reference(
        standard=PCI_DSS, id=requirement, title=title, url=_PCI_URL, tag=f"PCI-DSS-{requirement}"
    )


OWASP_LLM08 = Reference(
    standard=OWASP_LLM,
    id="LLM08:2025",
    title="Vector and Embedding Weaknesses",
    url="https://genai.owasp.org/llmrisk/llm082025-vector-and-embedding-weaknesses/",
    tag="OWASP-LLM08:2025",
)

# 45 CFR 164.514(b)(2)(i): the eighteen identifiers the Safe Harbor method requires removed.
_SAFE_HARBOR = {
    "A": "Names",
    "B": "Geographic subdivisions smaller than a State",
    "C": "Elements of dates (except year) directly related to an individual",
    "D": "Telephone numbers",
    "E": "Fax numbers",
    "F": "Electronic mail addresses",
    "G": "Social security numbers",
    "H": "Medical record numbers",
    "I": "Health plan beneficiary numbers",
    "J": "Account numbers",
    "K": "Certificate/license numbers",
    "L": "Vehicle identifiers and serial numbers, including license plate numbers",
    "M": "Device identifiers and serial numbers",
    "N": "Web Universal Resource Locators (URLs)",
    "O": "Internet Protocol (IP) address numbers",
    "P": "Biometric identifiers, including finger and voice prints",
    "Q": "Full face photographic images and any comparable images",
    "R": "Any other unique identifying number, characteristic, or code",
}

_ALL: list[Reference] = [
    OWASP_LLM08,
    _gdpr("5(1)(c)", "Principles: data minimisation"),
    _gdpr("5(1)(f)", "Principles: integrity and confidentiality"),
    _gdpr("9", "Processing of special categories of personal data"),
    _gdpr("17", "Right to erasure ('right to be forgotten')"),
    _gdpr("25", "Data protection by design and by default"),
    _gdpr("32", "Security of processing"),
    _gdpr("87", "Processing of the national identification number"),
    _hipaa("164.312(a)(1)", "Technical safeguards: access control"),
    _hipaa("164.312(a)(2)(iv)", "Technical safeguards: encryption and decryption"),
    *(
        _hipaa(f"164.514(b)(2)(i)({letter})", f"De-identification, safe harbor identifier: {title}")
        for letter, title in _SAFE_HARBOR.items()
    ),
    _pci("3.2.1", "Account data storage is kept to a minimum"),
    _pci("3.3.1", "Sensitive authentication data is not retained after authorization"),
    _pci("3.5.1", "PAN is rendered unreadable anywhere it is stored"),
]

#: Every reference a policy may cite by tag.
CATALOGUE: dict[str, Reference] = {r.tag: r for r in _ALL}

BuiltinKind = Literal["finding", "targeted-support", "coverage-gap"]

#: What vecaudit's own kinds of result bear on, before any policy adds its references.
BUILTIN: dict[BuiltinKind, tuple[Reference, ...]] = {
    # Personal data in a collection's payloads (LLM08: data leakage from a vector store) or
    # recovered from its vectors (LLM08: embedding inversion).
    "finding": (OWASP_LLM08,),
    # A value the auditor supplied is still encoded in a stored vector (embedding inversion).
    "targeted-support": (OWASP_LLM08,),
    # Vectors or payloads the scan could not analyze: their LLM08 exposure is not assessed.
    "coverage-gap": (OWASP_LLM08,),
}


def lookup(tag: str) -> Reference | None:
    """The catalogue's reference for `tag`; tags compare case-insensitively."""
    found = CATALOGUE.get(tag)
    if found is not None:
        return found
    folded = tag.casefold()
    return next((r for t, r in CATALOGUE.items() if t.casefold() == folded), None)


def merge(*groups: Iterable[Reference]) -> list[Reference]:
    """The references of all groups in order, each (standard, id) once."""
    seen: set[tuple[str, str]] = set()
    out: list[Reference] = []
    for group in groups:
        for ref in group:
            key = (ref.standard, ref.id)
            if key not in seen:
                seen.add(key)
                out.append(ref)
    return out
