"""Evidence that a word is part of a person's name, and a name recognizer built on it.

The small spaCy model misses about a third of ordinary names from outside the English-speaking
world ("Invoice for Kwame Asante"), finds none in ALL-CAPS text, and calls product words at the
start of a sentence persons ("Agenda", "Kafka"). Two public word lists give better evidence:
- given names and surnames from Faker's person providers, every locale (about 30,000 of each;
  names in Cyrillic, Greek, CJK... are added in Latin transliteration by `anyascii`, which also
  folds diacritics, so "Yilmaz" matches "Yılmaz");
- English word frequencies from pyspellchecker, to tell a common word ("Period", "Update") from
  an unknown word that may be a surname ("Marchetti").

`NameLexicon.kind` sorts a word into one of those. `GazetteerPersonRecognizer` reports runs of
two or three name words ("Eva Novak", "SOPHIE MARCHETTI", "Jan de Vries"), with stricter rules in
ALL-CAPS and all-lowercase text, where capital letters say nothing, and not where spaCy reads the
words as a company in a text about companies ("Morgan Stanley", "Wells Fargo"). The engine's precision stage
(`precision.py`) uses the same lexicon to vet spaCy's PERSON spans. Both lists are read from
installed packages, never downloaded.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal

from presidio_analyzer import EntityRecognizer, RecognizerResult
from spacy.lang.en.stop_words import STOP_WORDS

#: A word more frequent than this (pyspellchecker's English counts) is a common word: "price"
#: 76,035, "invoice" 1,407, "callback" 584; surnames that are not words are rare there
#: ("garcia" 532, "patel" 87, "marchetti" absent). Chosen on tests/data/detection/.
COMMON_WORD_MIN_COUNT = 500
#: In ALL-CAPS and lowercase text, two name words that are both this frequent as English words
#: are read as words: "WILL PRICE", "mark hill" ("emily" 14,211 and "carter" 2,045 still count).
VERY_COMMON_WORD_MIN_COUNT = 20_000

# Lowercase particles inside names: "Jan de Vries", "Ludwig van Beethoven", "Omar bin Laden".
PARTICLES = frozenset(
    "de da di do dos das del della der den van von ter ten la le du bin ibn al el ben".split()
)
# Street and place words that are also surnames in some locale ("Street", "Park" is Korean):
# as the last word of a run they make a place, "Victoria Street", not a person.
PLACE_WORDS = frozenset(
    "street st road rd avenue ave lane drive way boulevard place court square terrace parkway "
    "highway close crescent plaza park station hall bridge gardens heights hill valley bay "
    "center centre tower house building market mall college university school hospital church "
    "airport beach river lake island county city town village".split()
)

_WORD = re.compile(r"[^\W\d_]+(?:['\u2019\-][^\W\d_]+)*")
_FOLD_DROP = str.maketrans("", "", "'\u2019-. ")


class WordKind(Enum):
    GIVEN = "given"  # a given name (maybe also a surname)
    SURNAME = "surname"
    WORD = "word"  # a common English word that is no name in the lists
    OTHER = "other"  # unknown: rare word, product name, or a name the lists lack


def fold(word: str) -> str:
    """Comparison key: Latin transliteration, no diacritics, apostrophes or hyphens, casefolded."""
    from anyascii import anyascii

    return anyascii(word).translate(_FOLD_DROP).casefold()


def _keys(name: str) -> set[str]:
    key = fold(name)
    keys = {key} if len(key) >= 2 else set()
    if "oy" in key and any("\u0370" <= c <= "\u03ff" for c in name):
        keys.add(key.replace("oy", "ou"))  # Greek "ου" is written "ou": Papadopoulos
    return keys


class NameLexicon:
    """Folded given names and surnames, and English word counts."""

    def __init__(self, given: frozenset[str], surnames: frozenset[str], word_counts: Any) -> None:
        self.given = given
        self.surnames = surnames
        self.word_counts = word_counts  # pyspellchecker's WordFrequency: word -> count (0 if unknown)
        self._kinds: dict[str, WordKind] = {}

    def kind(self, word: str) -> WordKind:
        """What `word` is; cached per lexicon (the vocabulary of texts is small)."""
        found = self._kinds.get(word)
        if found is None:
            found = self._kind(word)
            if len(self._kinds) < 200_000:
                self._kinds[word] = found
        return found

    def _kind(self, word: str) -> WordKind:
        key = fold(word)
        if key in self.given or self._parts_in(word, self.given):
            return WordKind.GIVEN
        if key in self.surnames or self._parts_in(word, self.surnames):
            return WordKind.SURNAME
        return WordKind.WORD if self.is_common(word) else WordKind.OTHER

    def is_name(self, word: str) -> bool:
        return self.kind(word) in (WordKind.GIVEN, WordKind.SURNAME)

    def count(self, word: str) -> int:
        """How often `word` (lowercased) occurs in pyspellchecker's English counts."""
        return int(self.word_counts[word.lower()])

    def is_common(self, word: str) -> bool:
        return self.count(word) >= COMMON_WORD_MIN_COUNT

    def is_surname(self, word: str) -> bool:
        return fold(word) in self.surnames or self._parts_in(word, self.surnames)

    @staticmethod
    def _parts_in(word: str, names: frozenset[str]) -> bool:
        """Hyphenated names: "Anne-Marie" when both parts are names; "Min-jun" folds whole."""
        parts = re.split(r"[-\u2019']", word)
        return len(parts) > 1 and all(fold(p) in names for p in parts if p) and any(parts)


@functools.lru_cache(maxsize=1)
def name_lexicon() -> NameLexicon:
    """The lexicon, built once per process (about half a second)."""
    from spellchecker import SpellChecker

    from ..namelists import faker_names

    given_raw, surnames_raw = faker_names()
    given = frozenset(k for name in given_raw for k in _keys(name))
    surnames = frozenset(k for name in surnames_raw for k in _keys(name))
    words = SpellChecker(language="en", distance=1).word_frequency
    return NameLexicon(given, surnames, words)


Casing = Literal["cased", "upper", "lower"]


def casing_of(text: str) -> Casing:
    """How `text` is written: "upper" when at least 80% of its letters are capitals (and there
    are at least 6), "lower" without any capital, "cased" otherwise."""
    upper = sum(c.isupper() for c in text)
    lower = sum(c.islower() for c in text)
    if upper >= 6 and upper >= 4 * lower:
        return "upper"
    if upper == 0:
        return "lower"
    return "cased"


@dataclass(frozen=True, slots=True)
class _Token:
    text: str
    start: int
    end: int


def _shaped(token: str, casing: Casing) -> bool:
    """Whether a word is written as a name is in text of this casing."""
    if casing == "upper":
        return token.isupper() and len(token) >= 2
    if casing == "lower":
        return token.islower() and len(token) >= 2
    return token[0].isupper() and not token.isupper() and len(token) >= 2


#: Scores, set against spaCy's constant 0.85: where spaCy calls the same words a place, the place
#: wins ("San Francisco": two given names), unless one word is only ever a surname ("Lenka
#: Svobodová", "Folasade Adeyemi", "Tanaka Hiroshi"), which no place name is made of.
SCORE_SURNAME_ONLY = 0.9
SCORE_BOTH_KNOWN = 0.8
SCORE_ONE_KNOWN = 0.7


def find_names(text: str, lexicon: NameLexicon | None = None) -> Iterator[tuple[int, int, float]]:
    """(start, end, score) of each run of two or three name words in `text`.

    A run is accepted when its first word is a given name and its last a surname ("Eva Novak"),
    family name first ("Nguyen Van Minh", "Tanaka Hiroshi"), or one side known and the other an
    unknown word that is no common English word ("Sophie Marchetti", "Adebayo Ogunleye"). In
    ALL-CAPS and all-lowercase text a run needs both sides known and at least one side that is no
    common word ("mark hill" stays unreported), except that ALL-CAPS also accepts a known given
    name before an unknown word. A run never ends on a street or place word ("Victoria Street").
    """
    lex = lexicon or name_lexicon()
    casing = casing_of(text)
    tokens = [_Token(m.group(0), m.start(), m.end()) for m in _WORD.finditer(text)]
    i = 0
    while i < len(tokens):
        run = [tokens[i]]
        if not _shaped(tokens[i].text, casing):
            i += 1
            continue
        j = i + 1
        while j < len(tokens) and len(run) < 4:
            gap = text[run[-1].end : tokens[j].start]
            word = tokens[j].text
            if gap != " ":
                break
            if not _shaped(word, casing) and not (casing != "upper" and word in PARTICLES):
                break
            if word.lower() in PLACE_WORDS:
                run = run[:1]  # "Victoria Park", "King Street": a place, not "Victoria"
                break
            run.append(tokens[j])
            j += 1
        found = _best_name(run, casing, lex)
        if found is None:
            i += 1
            continue
        start, end, score = found
        yield start, end, score
        i = next(k for k, t in enumerate(tokens) if t.end == end) + 1


def _best_name(run: list[_Token], casing: Casing, lex: NameLexicon) -> tuple[int, int, float] | None:
    """The longest acceptable name starting at the run's first word."""
    for length in (3, 2):
        if len(run) < length:
            continue
        words = run[:length]
        if words[-1].text in PARTICLES:
            continue
        score = _name_score([w.text for w in words], casing, lex)
        if score is not None:
            return words[0].start, words[-1].end, score
    return None


def _name_score(words: list[str], casing: Casing, lex: NameLexicon) -> float | None:
    kinds = [lex.kind(w) for w in words]
    if WordKind.WORD in kinds or any(w.lower() in PLACE_WORDS for w in words):
        return None
    if casing != "cased" and any(w.lower() in STOP_WORDS for w in words):
        return None  # "BY", "WILL": no capital letter tells a name from a word here
    first, last = words[0], words[-1]
    g1, s1 = kinds[0] == WordKind.GIVEN, lex.is_surname(first)
    g2, s2 = kinds[-1] == WordKind.GIVEN, lex.is_surname(last)
    o1, o2 = kinds[0] == WordKind.OTHER, kinds[-1] == WordKind.OTHER
    known = sum(k != WordKind.OTHER for k in kinds)
    if len(words) == 3 and o1:
        return None  # a three-word name starts with a known name word ("Called Ivan Petrov" no)
    if casing != "cased":
        if (g1 or s1) and (g2 or s2):
            very_common = all(lex.count(w) >= VERY_COMMON_WORD_MIN_COUNT for w in (first, last))
            return None if very_common else SCORE_ONE_KNOWN
        if casing == "upper" and ((g1 and o2 and len(last) >= 3) or (o1 and s2 and len(first) >= 3)):
            return SCORE_ONE_KNOWN
        return None
    if (s2 and not g2 and (g1 or o1)) or (s1 and not g1 and g2):
        return SCORE_SURNAME_ONLY
    if (g1 and s2) or (s1 and g2):
        return SCORE_BOTH_KNOWN
    if (g1 or s1) and (g2 or s2):
        return SCORE_ONE_KNOWN  # two given names, two surnames: likely, less sure
    if (g1 and o2) or (o1 and s2) or (len(words) == 3 and known >= 2):
        return SCORE_ONE_KNOWN
    return None


class GazetteerPersonRecognizer(EntityRecognizer):
    """PERSON from the name lexicon: runs of given names and surnames (see `find_names`)."""

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entities=["PERSON"],
            name="VecauditGazetteerPersonRecognizer",
            supported_language=supported_language,
        )

    def load(self) -> None:
        name_lexicon()

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[RecognizerResult]:
        if "PERSON" not in entities:
            return []
        doc = getattr(nlp_artifacts, "tokens", None)
        organisations = [
            (ent.start_char, ent.end_char)
            for ent in getattr(doc, "ents", ())
            if ent.label_ in ORGANISATION_LABELS
        ]
        if casing_of(text) != "cased":
            organisations = []  # spaCy's labels mean little without capital letters
        return [
            RecognizerResult("PERSON", start, end, score)
            for start, end, score in find_names(text)
            if not _organisation(text, start, end, organisations)
        ]


#: spaCy labels for names of things, not people (Presidio does not report them).
ORGANISATION_LABELS = frozenset({"ORG", "ORGANIZATION", "PRODUCT", "WORK_OF_ART", "EVENT", "LAW"})
_COMPANY_CONTEXT = re.compile(
    r"\b(?:shares|stocks?|futures|nasdaq|nyse|ipo|inc|corp|corporation|company|ltd|llc|plc|gmbh|"
    r"holdings|subsidiary|merger|brands?|retailer|branches)\b",
    re.IGNORECASE,
)


def _organisation(text: str, start: int, end: int, organisations: list[tuple[int, int]]) -> bool:
    """Whether spaCy reads a lexicon name as a company, brand or event: an organisation span that
    goes on after it ("The Walt Disney Company"), or the same words in a text about companies ("Morgan
    Stanley raised its price target on the stock"). A person's name that spaCy calls an
    organisation in other text ("Invoice for Eva Novak") stays a name."""
    for o_start, o_end in organisations:
        if o_start >= end or start >= o_end:
            continue
        if o_end > end or _COMPANY_CONTEXT.search(text):
            return True  # "Walt Disney Company": more name after the person's name
    return False


def gazetteer_person(language: str) -> EntityRecognizer:
    return GazetteerPersonRecognizer(supported_language=language)
