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
from pathlib import Path
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
    "airport beach river lake island county city town village hills springs falls lakes islands "
    "mount fort port cape".split()
)
# A capital inside a word makes a product or code name ("QuietComfort", "RabbitMQ", "PayPal"),
# except after these name prefixes ("McDonald", "MacLeod", "DeShawn", "LaToya", "JoAnn").
NAME_PREFIXES = frozenset(
    "mc mac de da di du la le lo van von fitz st jo mary ann anna rae lee el al abu bin ben".split()
)
_INNER_CAPITAL = re.compile(r"[a-z\u00df-\u00ff](?=[A-Z])")

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
        inner = _INNER_CAPITAL.search(word)
        if inner is not None and word[: inner.end()].lower() not in NAME_PREFIXES:
            return WordKind.WORD  # "QuietComfort", "OpenSearch": a made-up compound, no name
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


#: Our own list of names that Faker's locales lack or transliterate unlike usual romanization.
EXTRA_NAMES = Path(__file__).resolve().parent.parent / "data" / "names_extra.txt"


def _extra_names(words: Any) -> tuple[set[str], set[str]]:
    """Given names and surnames from `EXTRA_NAMES`, without common English words."""
    found: dict[str, set[str]] = {"given": set(), "surnames": set()}
    section = "given"
    for line in EXTRA_NAMES.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
        elif line.strip() and not line.startswith("#"):
            found[section].update(n for n in line.split() if int(words[n.lower()]) < COMMON_WORD_MIN_COUNT)
    return found["given"], found["surnames"]


@functools.lru_cache(maxsize=1)
def name_lexicon() -> NameLexicon:
    """The lexicon, built once per process (about half a second)."""
    from spellchecker import SpellChecker

    from ..namelists import faker_names

    words = SpellChecker(language="en", distance=1).word_frequency
    given_raw, surnames_raw = faker_names()
    extra_given, extra_surnames = _extra_names(words)
    given = frozenset(k for name in given_raw | extra_given for k in _keys(name))
    surnames = frozenset(k for name in surnames_raw | extra_surnames for k in _keys(name))
    return NameLexicon(given, surnames, words)


# Places whose names are made of name words ("Hong" a given name, "Kong" a surname; "San
# Francisco", "Costa Rica"), which the lexicon alone would read as persons: countries and
# territories, and large or well-known cities, of two or more words. One-word places are left out:
# many are names too ("Jackson", "Florence", "Georgia").
_MULTIWORD_PLACES = """
united states; united kingdom; united arab emirates; new zealand; south africa; north korea;
south korea; sri lanka; costa rica; puerto rico; el salvador; sierra leone; burkina faso;
saudi arabia; hong kong; czech republic; dominican republic; san marino; ivory coast;
cote d'ivoire; cape verde; cabo verde; papua new guinea; solomon islands; marshall islands;
trinidad and tobago; bosnia and herzegovina; east timor; timor leste; western sahara;
equatorial guinea; guinea bissau; south sudan; new caledonia; north macedonia; faroe islands;
cayman islands; virgin islands; sao tome; vatican city; isle of man; new york; los angeles;
san francisco; san diego; san jose; san antonio; santa clara; santa monica; santa barbara;
santa cruz; santa fe; santa ana; santa rosa; san mateo; san rafael; las vegas; el paso;
fort worth; des moines; baton rouge; palo alto; beverly hills; salt lake city; kansas city;
oklahoma city; saint louis; st louis; saint paul; st paul; new orleans; new jersey; new mexico;
new hampshire; north carolina; south carolina; north dakota; south dakota; west virginia;
rhode island; long island; long beach; new delhi; buenos aires; rio de janeiro; sao paulo;
porto alegre; belo horizonte; mexico city; panama city; guatemala city; santo domingo;
san juan; kuala lumpur; tel aviv; abu dhabi; addis ababa; cape town; ho chi minh; chiang mai;
phnom penh; da nang; hai phong; kota kinabalu; dar es salaam; port louis; port moresby;
port of spain; monte carlo; rio grande; victoria falls; alice springs; gold coast; quezon city;
cebu city; la paz; tel aviv yafo; santiago de chile; san sebastian; las palmas; costa brava;
costa del sol; mont blanc; monte rosa; saint petersburg; st petersburg; nizhny novgorod;
rostov on don; frankfurt am main; den haag; the hague; bandar seri begawan; ulan bator;
puerto vallarta; punta cana; san pedro; santa marta; bel air; la jolla; mission viejo;
daly city; mountain view; menlo park; silicon valley; death valley; great britain;
northern ireland; new south wales; western australia; south australia; british columbia;
nova scotia; prince edward island; costa mesa; grand rapids; cedar rapids; lake tahoe;
""".replace("\n", " ")


@functools.lru_cache(maxsize=1)
def known_places() -> frozenset[str]:
    """The places above, folded as the lexicon folds words ("hong kong")."""
    return frozenset(
        " ".join(fold(w) for w in place.split()) for place in _MULTIWORD_PLACES.split(";") if place.strip()
    )


def is_known_place(words: list[str]) -> bool:
    """Whether `words` name a place of two or more words ("Hong Kong", "San Francisco")."""
    return len(words) >= 2 and " ".join(fold(w) for w in words) in known_places()


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


#: Scores, set against spaCy's constant 0.85. A given name and a surname ("Emre Kaya", "Shirin
#: Karimi") beat spaCy's guess that the same words are a place: places made of name words are in
#: `known_places` and never reach scoring ("San Francisco", "Hong Kong"). Where only one word is
#: known, or two names of one kind, the place wins ("Victoria Falls" aside, "Santa Clara").
SCORE_SURNAME_ONLY = 0.9
SCORE_BOTH_KNOWN = 0.86
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
    """The longest acceptable name starting at the run's first word. Particles inside a name are
    read over ("Maria dos Santos", "Carlos de la Cruz", "Pieter van den Berg" are scored as the
    names around them); four words make a name only with a particle among them."""
    for length in (4, 3, 2):
        if len(run) < length:
            continue
        words = run[:length]
        if words[0].text in PARTICLES or words[-1].text in PARTICLES:
            continue
        # In ALL-CAPS text a particle is written in capitals too ("PIETER VAN DEN BERG").
        middle = [
            w.text
            for w in words[1:-1]
            if w.text not in PARTICLES and not (casing == "upper" and w.text.lower() in PARTICLES)
        ]
        names = [words[0].text, *middle, words[-1].text]
        if len(names) == 4:
            continue
        score = _name_score(names, casing, lex)
        if score is not None:
            return words[0].start, words[-1].end, score
    return None


def _name_score(words: list[str], casing: Casing, lex: NameLexicon) -> float | None:
    kinds = [lex.kind(w) for w in words]
    if WordKind.WORD in kinds or any(w.lower() in PLACE_WORDS for w in words) or is_known_place(words):
        return None  # "Hong Kong", "Sri Lanka": name words, but a place
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
        known_places()

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
    r"holdings|subsidiary|merger|brands?|retailer|branches|recalls?|recalled|dealers?|dealerships?|"
    r"franchises?|acquired|acquisition|lineup)\b",
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
