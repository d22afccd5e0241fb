"""Unicode variants of ASCII (other scripts' digits, fullwidth and mathematical letters, no-break
spaces) are read as the ASCII they stand for, on real Presidio and spaCy, with spans on the text
as given."""

from __future__ import annotations

import pytest
from vecaudit.detect.engine import PiiDetector
from vecaudit.detect.fold import fold_char, fold_for_detection
from vecaudit.detect.scripts import unread_scripts


@pytest.fixture(scope="module")
def detector() -> PiiDetector:
    return PiiDetector()


@pytest.mark.parametrize(
    ("char", "folded"),
    [
        ("\u0664", "4"),  # ARABIC-INDIC DIGIT FOUR
        ("\u096f", "9"),  # DEVANAGARI DIGIT NINE
        ("\uff2a", "J"),  # FULLWIDTH LATIN CAPITAL LETTER J
        ("\uff20", "@"),  # FULLWIDTH COMMERCIAL AT
        ("\U0001d409", "J"),  # MATHEMATICAL BOLD CAPITAL J
        ("\u00a0", " "),  # NO-BREAK SPACE
        ("\u202f", " "),  # NARROW NO-BREAK SPACE
        ("\u3000", " "),  # IDEOGRAPHIC SPACE
        ("é", "é"),  # letters with diacritics stay (the lexicon folds them itself)
        ("Ж", "Ж"),
        ("\ufb01", "\ufb01"),  # the "fi" ligature would be two characters: kept
        ("½", "½"),
    ],
)
def test_fold_char(char: str, folded: str) -> None:
    assert fold_char(char) == folded


def test_folding_keeps_the_length() -> None:
    text = "Ｊｏｈｎ\u3000Ｓｍｉｔｈ ﬁle ٤١٥ 𝐉"
    assert len(fold_for_detection(text)) == len(text)


FULLWIDTH_NAME = "\uff2a\uff4f\uff48\uff4e\u3000\uff33\uff4d\uff49\uff54\uff48"  # "John Smith"
FULLWIDTH_EMAIL = "".join(chr(ord(c) + 0xFEE0) for c in "john@example.com")
DEVANAGARI_SSN = "\u0968\u0967\u096f-\u096a\u096b-\u096b\u096d\u096e\u0968"  # 219-45-5782
ARABIC_INDIC_PHONE = "\u0664\u0661\u0665\u0665\u0665\u0665\u0660\u0661\u0664\u0663"  # 4155550143


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        ("Invoice for Eva\u00a0Novak, due in 30 days.", "PERSON", "Eva\u00a0Novak"),
        ("Please call Maria\u202fLopez at (415)\u00a0555-0143.", "PHONE_NUMBER", "(415)\u00a0555-0143"),
        (f"{FULLWIDTH_NAME} called about the refund.", "PERSON", FULLWIDTH_NAME),
        (f"Write to {FULLWIDTH_EMAIL} today", "EMAIL_ADDRESS", FULLWIDTH_EMAIL),
        (f"SSN {DEVANAGARI_SSN}", "US_SSN", DEVANAGARI_SSN),
        (ARABIC_INDIC_PHONE, "PHONE_NUMBER", ARABIC_INDIC_PHONE),
    ],
)
def test_variants_of_ascii_are_read_as_ascii(
    detector: PiiDetector, text: str, entity: str, value: str
) -> None:
    found = {(d.entity_type, text[d.start : d.end]) for d in detector.analyze([text])[0]}
    assert (entity, value) in found, found


def test_fullwidth_and_mathematical_latin_are_latin_script() -> None:
    assert unread_scripts("\uff2a\uff4f\uff48\uff4e \U0001d409\U0001d428\U0001d421\U0001d427") == []
    assert unread_scripts("Иван Петров") == ["CYRILLIC"]
