"""Unicode variants of ASCII characters, read as the ASCII they stand for.

Recognizers match ASCII: a phone number in Arabic-Indic digits ("٤١٥٥٥٥٠١٤٣"), a name typed in
fullwidth letters ("Ｊｏｈｎ　Ｓｍｉｔｈ") or glued by a no-break space ("Eva\u00a0Novak", as HTML
pages write it) is plain to a person and invisible to a pattern or to the name lexicon. Folding
maps each such character to its one-character ASCII form (decimal digits of every script, NFKC
compatibility forms such as fullwidth and mathematical letters, every space separator) and keeps
everything else, so the folded text has the same length and a span on it is a span on the text.
"""

from __future__ import annotations

import functools
import unicodedata


@functools.lru_cache(maxsize=8192)
def fold_char(char: str) -> str:
    """The ASCII character `char` stands for, or `char` itself."""
    if char.isascii():
        return char
    category = unicodedata.category(char)
    if category == "Nd":
        return str(unicodedata.decimal(char))
    if category == "Zs":
        return " "
    folded = unicodedata.normalize("NFKC", char)
    return folded if len(folded) == 1 and folded.isascii() and folded.isprintable() else char


def fold_for_detection(text: str) -> str:
    """`text` with every character folded by `fold_char`; same length."""
    if text.isascii():
        return text
    return "".join(map(fold_char, text))
