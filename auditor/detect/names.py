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
words as a company in a text about companies ("Morgan Stanley", "Wells Fargo"). Where the lists
know one word or none, the words around a run weigh in: a verb of a person after it ("Foday
Kamara approved"), an article, place or tool word before it ("the Toyota Corolla", "in Nha
Trang"). The engine's precision stage (`precision.py`) uses the same lexicon to vet spaCy's PERSON
spans and to set where they start and end. Both lists are read from installed packages, never
downloaded.
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
    "mount fort port cape canyon desert gorge glacier reef peninsula".split()
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


# Regions named by a compass point and a continent: "North Africa", "Southeast Asia".
_COMPASS = frozenset(
    "north south east west central northern southern eastern western northeast northwest southeast "
    "southwest".split()
)
_CONTINENTS = frozenset("africa america americas asia europe oceania antarctica arctic".split())


def is_known_place(words: list[str]) -> bool:
    """Whether `words` name a place of two or more words ("Hong Kong", "San Francisco", "North
    Africa")."""
    if len(words) == 2 and fold(words[0]) in _COMPASS and fold(words[1]) in _CONTINENTS:
        return True
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
#: `known_places` and never reach scoring ("San Francisco", "Hong Kong"). So does a distinctive
#: given name (one that English text does not use as a word, "Amra", "Eleni") before an unknown
#: word, and any name that a verb of a person follows ("... asked", `person_verb_after`). Where
#: only one word is known, or two names of one kind, the place wins ("Victoria Falls" aside,
#: "Santa Clara").
SCORE_SURNAME_ONLY = 0.9
SCORE_BOTH_KNOWN = 0.86
SCORE_ONE_KNOWN = 0.7
#: Two words no list knows and English text never uses: reported by the default policy, but
#: below spaCy's guess that they are a place (see `_unknown_pair`).
SCORE_UNKNOWN_PAIR = 0.6

#: A name word that occurs at most this often in English text (pyspellchecker's counts) is
#: distinctive: "Amra", "Karim", "Usman" 0, "Wellington" 94; not "Loki" 194, "Porsche" 259,
#: "Sophie" 1,032, "Crystal" 17,873. Chosen on the held-out set's dev half.
DISTINCTIVE_MAX_COUNT = 100

# Particles that join a given name and a surname in names only ("Marike van Wyk", "Karim ben
# Youssef", "Pedro dos Santos"); Romance "de", "del", "la" also join places and dishes
# ("Puerto de la Cruz", "Pont du Gard") and need a known name word on either side.
NAME_ONLY_PARTICLES = frozenset("van von der den ter ten bin ibn ben dos das".split())
# Romanized Korean and Chinese given names of two syllables written with a hyphen: "Woo-jin",
# "Seo-yeon", "Ka-wai"; a surname before one is a name, family name first ("Choi Woo-jin").
_HYPHENED_GIVEN = re.compile(r"[A-Z][a-z]{1,5}-[a-z]{2,5}|[A-Z]{2,6}-[A-Z]{2,5}")

# Verbs whose subject is a person, not a product, place or company: "Foday Kamara approved the
# report", "Crystal Mbeki asked whether ...". "Said", "reported", "announced" are left out:
# companies say and report things in the news.
_PERSON_VERBS = frozenset(
    """asked asks approved approves replied replies wrote writes emailed emails phoned phones
    texted texts messaged messages complained complains requested requests confirmed confirms
    signed signs resigned resigns apologised apologises apologized apologizes thanked thanks
    promised promises prefers preferred wants wanted wished wishes refused refuses insisted
    insists agreed agrees declined declines attended attends called calls told tells mentioned
    mentions explained explains noticed notices visited visits""".split()
)
#: Nouns right after a name that make it a brand or a model, not a person: "Porsche Taycan
#: owners", "Marriott Bonvoy members", "Tommy Hilfiger and Calvin Klein jackets", "Levi's jeans".
#: Plurals that are no verbs: a record says "Eva Novak phone ...", "Eva Novak shirt size M", and
#: "Eva Novak watches the kids".
BRAND_NOUNS = frozenset(
    """owners members subscribers users customers shoppers dealers dealerships stores outlets
    boutiques branches brands products collections models cars vans trucks motorcycles scooters
    jackets shirts jeans trousers sneakers trainers shoes handbags sunglasses perfumes
    fragrances cologne cosmetics lipsticks posters furniture sofas lamps toys laptops tablets
    headphones earbuds cameras consoles whiskey whisky bourbon vodka lager wines beans capsules
    chocolates biscuits cookies crisps snacks cereal ketchup burgers pizzas restaurants hotels
    resorts franchises boots kits tea coffee beer gin rum""".split()
)
# Articles and determiners: English puts none before a person's name, many before a thing's
# ("the Dacia Sandero", "a Peroni Nastro", "our Pokhara Lakeside hotel").
_ARTICLES = frozenset("the a an our your their its this that these those every each".split())
# Words right before two unknown words that make them a thing or a place: articles, places
# ("in Nha Trang", "near ..."), tools ("runs on", "using"). "To" and "from" stay out: "reassigned
# to", "a message from" take people as often as places.
_THING_BEFORE = _ARTICLES | frozenset(
    """any some no in at into near inside outside across around via on onto using use uses used
    install installed deploy deployed upgrade upgraded visit visited visiting""".split()
)
_NEXT_WORD = re.compile(r"\s+([^\W\d_]+)")
_PREVIOUS_WORD = re.compile(r"([^\W\d_]+)[\s,]*$")
_POSSESSIVE = re.compile(r"['\u2019]s?\b")
_POSSESSIVE_SUBJECT = re.compile(r"\s+[a-z]+s\s+(?:the|a|an|its|their|our|new|all|every)\b")
_COORDINATED = re.compile(r"(?:\s*(?:,|&|\band\b|\bor\b)\s*(?:[A-Z][\w'\u2019-]*\s+)+)")


def person_verb_after(text: str, end: int) -> bool:
    """Whether the word right after [.., end) is a verb whose subject is a person ("asked")."""
    m = _NEXT_WORD.match(text, end)
    return m is not None and m.group(1) in _PERSON_VERBS


def thing_before(text: str, start: int) -> bool:
    """Whether the word right before [start, ..) makes what follows a thing or a place."""
    m = _PREVIOUS_WORD.search(text, max(0, start - 24), start)
    return m is not None and m.end() == start and m.group(1).lower() in _THING_BEFORE


# Travel to or from a place: "flew into Charles de Gaulle", "landed at Jomo Kenyatta".
_TRAVEL_BEFORE = re.compile(
    r"\b(?:fl(?:y|ew|ying|ies|own)|land(?:s|ed|ing)?|arriv(?:e|es|ed|ing)|depart(?:s|ed|ing)?)"
    r"\s+(?:in|into|at|from|to|via|through)\s+$",
    re.IGNORECASE,
)


def travel_before(text: str, start: int, end: int) -> bool:
    """Whether [start, end) is where someone flies into, lands at or departs from: an airport or
    a city, even when named after a person ("flew into Charles de Gaulle"; not "arrived at Eva
    Novak's house")."""
    if _POSSESSIVE.match(text, end) or text[max(0, end - 2) : end] in ("'s", "\u2019s"):
        return False
    return _TRAVEL_BEFORE.search(text[max(0, start - 32) : start]) is not None


#: Words after a person's name that make it the name of a place or an institution: "Benito
#: Juarez airport", "Jomo Kenyatta International", "Anne Frank House" (any place word written
#: with a capital). Lowercase words that follow a name in records are left out ("Eva Novak
#: street address", "... hospital admission", "... library card").
FACILITY_WORDS = frozenset(
    """airport airports international museum stadium arena bridge cathedral mosque temple
    boulevard expressway airlines airways foundation institute memorial trophy prize""".split()
)


def facility_after(text: str, end: int) -> bool:
    """Whether the word right after a name makes it a place or an institution named after a
    person ("John Wayne airport", "Indira Gandhi International", "Anne Frank House")."""
    m = _NEXT_WORD.match(text, end)
    if m is None:
        return False
    word = m.group(1)
    capitalized = word[:1].isupper() and word.lower() in PLACE_WORDS | _CAPITALIZED_FACILITIES
    return word.lower() in FACILITY_WORDS or capitalized


# Capitalized, these continue a proper noun: "Hilton Garden Inn", "Martha Stewart Living".
_CAPITALIZED_FACILITIES = frozenset("inn hotel hotels living group company collection".split())


def article_before(text: str, start: int) -> bool:
    """Whether an article or determiner stands right before [start, ..) ("the Dacia Sandero")."""
    m = _PREVIOUS_WORD.search(text, max(0, start - 24), start)
    return m is not None and m.end() == start and m.group(1).lower() in _ARTICLES


def brand_use(text: str, end: int) -> bool:
    """Whether a name ending at `end` is used as a brand: a product or customer noun right after
    it, also after a possessive or a list of more names ("Calvin Klein jackets", "Levi's jeans",
    "Tommy Hilfiger and Calvin Klein jackets")."""
    pos = end
    possessive = _POSSESSIVE.match(text, pos)
    if possessive is not None:
        pos = possessive.end()
    # The possessive may be inside the name's span ("Jack Daniel's" is one word of the lexicon).
    owner = possessive is not None or text[max(0, end - 2) : end] in ("'s", "\u2019s")
    coordinated = _COORDINATED.match(text, pos)
    if coordinated is not None:
        pos = coordinated.end() - 1  # keep the space before the next word
    m = _NEXT_WORD.match(text, pos)
    if m is not None and m.group(1) in BRAND_NOUNS:
        return True
    # A shop or maker named in the possessive, subject of a verb: "Jack Daniel's sponsors the
    # team", "McDonald's opens a branch" (a person's possessive is followed by what they have).
    return owner and _POSSESSIVE_SUBJECT.match(text, pos) is not None


def find_names(text: str, lexicon: NameLexicon | None = None) -> Iterator[tuple[int, int, float]]:
    """(start, end, score) of each run of two or three name words in `text`.

    A run is accepted when its first word is a given name and its last a surname ("Eva Novak"),
    family name first ("Nguyen Van Minh", "Tanaka Hiroshi", "Choi Woo-jin"), or one side known
    and the other an unknown word that is no common English word ("Sophie Marchetti", "Adebayo
    Ogunleye", "Iosefa Leota"); two unknown words joined by a particle that only names have
    ("Marike van Wyk"); or, in cased text, two unknown words that English text never uses,
    standing alone where a person can stand (`_unknown_pair`). In ALL-CAPS and all-lowercase
    text a run needs both sides known and at least one side that is no common word ("mark hill"
    stays unreported), except that ALL-CAPS also accepts a known given name before an unknown
    word. A run never ends on a street or place word ("Victoria Street"). A verb of a person
    right after a run ("... asked") raises its score above spaCy's guess of a place.
    """
    lex = lexicon or name_lexicon()
    casing = casing_of(text)
    tokens = [_Token(m.group(0), m.start(), m.end()) for m in _WORD.finditer(text)]
    i = 0
    while i < len(tokens):
        found = _name_at(text, tokens, i, casing, lex)
        if (
            found is not None
            and casing != "cased"
            and lex.count(tokens[i].text) >= VERY_COMMON_WORD_MIN_COUNT
        ):
            # "PLEASE ADD MAMADOU DIALLO": a word as frequent as "add" starts a name only where
            # the words after it make none ("WILL SMITH" still does).
            if _name_at(text, tokens, i + 1, casing, lex) is not None:
                found = None
        if found is None:
            i += 1
            continue
        start, end, score = found
        yield start, end, score
        i = next(k for k, t in enumerate(tokens) if t.end == end) + 1


def _name_at(
    text: str, tokens: list[_Token], i: int, casing: Casing, lex: NameLexicon
) -> tuple[int, int, float] | None:
    """The name that starts at token `i`, if any: the longest acceptable run of name-shaped words."""
    if i >= len(tokens) or not _shaped(tokens[i].text, casing):
        return None
    run = [tokens[i]]
    j = i + 1
    while j < len(tokens) and len(run) < 4:
        gap = text[run[-1].end : tokens[j].start]
        word = tokens[j].text
        if gap != " ":
            break
        if not _shaped(word, casing) and not (casing != "upper" and word in PARTICLES):
            break
        if word.lower() in PLACE_WORDS and not _hyphened_family_name(run[-1].text, word, lex):
            run = run[:1]  # "Victoria Park", "King Street": a place, not "Victoria"
            break
        run.append(tokens[j])
        j += 1
    found = _best_name(text, run, casing, lex)
    return None if found is None else _in_context(text, tokens, i, found, casing, lex)


@functools.lru_cache(maxsize=512)
def names_in(text: str) -> tuple[tuple[int, int, float], ...]:
    """`find_names` on `text` with the default lexicon, remembered for the few texts in flight
    (the recognizer and the alignment of spaCy's spans both read them)."""
    return tuple(find_names(text))


def _in_context(
    text: str,
    tokens: list[_Token],
    first: int,
    found: tuple[int, int, float],
    casing: Casing,
    lex: NameLexicon,
) -> tuple[int, int, float] | None:
    """A found name judged by the words around it: an unknown pair only alone where a person can
    stand; any name raised above spaCy's places before a verb of a person."""
    start, end, score = found
    person = casing == "cased" and person_verb_after(text, end)
    # Only `_name_score` gives this score: two unknown words, judged here by their surroundings.
    if score == SCORE_UNKNOWN_PAIR and not _unknown_pair(text, tokens, first, end, lex, person):
        return None
    if person:
        score = max(score, SCORE_BOTH_KNOWN)
    return start, end, score


def _unknown_pair(
    text: str, tokens: list[_Token], first: int, end: int, lex: NameLexicon, person: bool
) -> bool:
    """Whether two capitalized words that no list knows ("Selorm Agbeko") are a name here: they
    stand alone (no capitalized word next to them, which makes a title or a longer proper noun),
    no article, possessive, place or tool word comes before them ("the Toyota Corolla", "in Nha
    Trang"), and either a verb of a person follows or English text never uses either word (brands
    and places English text talks about have counts there: "Toyota", "Marriott", "Kafka")."""
    last = next(k for k, t in enumerate(tokens) if t.end == end)
    if last + 1 < len(tokens) and tokens[last + 1].text[:1].isupper():
        return False
    if (
        first > 0
        and tokens[first - 1].text[:1].isupper()
        and not sentence_start(text, tokens[first - 1].start)
    ):
        return False
    if thing_before(text, tokens[first].start):
        return False
    return person or all(lex.count(t.text) == 0 for t in tokens[first : last + 1])


def sentence_start(text: str, start: int) -> bool:
    """Whether a word at `start` begins the text, a sentence, a line or a labelled field."""
    before = text[:start].rstrip()
    return not before or before[-1] in ".!?:;\n"


def _best_name(
    text: str, run: list[_Token], casing: Casing, lex: NameLexicon
) -> tuple[int, int, float] | None:
    """The longest acceptable name starting at the run's first word. Particles inside a name are
    read over ("Maria dos Santos", "Carlos de la Cruz", "Pieter van den Berg" are scored as the
    names around them); four words make a name only with a particle among them."""
    for length in (4, 3, 2):
        if len(run) < length:
            continue
        words = run[:length]
        edges = [words[0].text, words[-1].text]
        if any((w.lower() if casing == "upper" else w) in PARTICLES for w in edges):
            continue  # "VAN WYK" is the end of a name in capitals too
        # In ALL-CAPS text a particle is written in capitals too ("PIETER VAN DEN BERG").
        middle = [
            w.text
            for w in words[1:-1]
            if w.text not in PARTICLES and not (casing == "upper" and w.text.lower() in PARTICLES)
        ]
        names = [words[0].text, *middle, words[-1].text]
        if len(names) == 4:
            continue
        particle = any(w.text.lower() in NAME_ONLY_PARTICLES for w in words[1:-1])
        person = casing == "cased" and person_verb_after(text, words[-1].end)
        score = _name_score(names, casing, lex, particle=particle, person=person)
        if score is not None:
            return words[0].start, words[-1].end, score
    return None


def _word_and_name(words: list[str], kinds: list[WordKind], lex: NameLexicon) -> bool:
    """Two words, one a common English word and the other a name word or an unknown word that
    English text never uses: a given name or surname that is also a word ("Lovely", "Butt")."""
    if len(words) != 2 or kinds.count(WordKind.WORD) != 1:
        return False
    other = words[1] if kinds[0] == WordKind.WORD else words[0]
    return lex.count(other) == 0 and other.lower() not in PLACE_WORDS


def _hyphened_family_name(given: str, word: str, lex: NameLexicon) -> bool:
    """Whether `word`, a place word, is a surname after a hyphened given name ("Sung-min Park")."""
    return _HYPHENED_GIVEN.fullmatch(given) is not None and lex.is_surname(word)


def _name_score(
    words: list[str], casing: Casing, lex: NameLexicon, *, particle: bool = False, person: bool = False
) -> float | None:
    """How sure `words` (particles left out) are a name, or None. `particle`: a particle only
    names have stood between them; `person`: a verb of a person follows them."""
    kinds = [lex.kind(w) for w in words]
    if person and _word_and_name(words, kinds, lex):
        return SCORE_BOTH_KNOWN  # "Lovely Pascual approved ...", "Usman Butt asked ..."
    place = any(w.lower() in PLACE_WORDS for w in words)
    if place and len(words) == 2 and _hyphened_family_name(words[0], words[1], lex):
        return SCORE_BOTH_KNOWN  # "Sung-min Park", "SUNG-MIN PARK"
    if WordKind.WORD in kinds or place or is_known_place(words):
        return None  # "Hong Kong", "Sri Lanka": name words, but a place
    if casing != "cased" and any(w.lower() in STOP_WORDS for w in words):
        return None  # "BY", "WILL": no capital letter tells a name from a word here
    first, last = words[0], words[-1]
    g1, s1 = kinds[0] == WordKind.GIVEN, lex.is_surname(first)
    g2, s2 = kinds[-1] == WordKind.GIVEN, lex.is_surname(last)
    o1, o2 = kinds[0] == WordKind.OTHER, kinds[-1] == WordKind.OTHER
    hyphened_given = o2 and _HYPHENED_GIVEN.fullmatch(last) is not None
    known = sum(k != WordKind.OTHER for k in kinds)
    if len(words) == 3 and o1:
        return None  # a three-word name starts with a known name word ("Called Ivan Petrov" no)
    if o1 and o2 and len(words) == 2 and particle:
        return SCORE_ONE_KNOWN  # "Marike van Wyk", "MARIKE VAN WYK"
    if casing != "cased":
        if len(words) == 3 and lex.count(first) >= VERY_COMMON_WORD_MIN_COUNT:
            return None  # "ADD SALIMATA SAWADOGO": no name of three words starts with "add"
        if (g1 or s1) and (g2 or s2):
            very_common = all(lex.count(w) >= VERY_COMMON_WORD_MIN_COUNT for w in (first, last))
            return None if very_common else SCORE_ONE_KNOWN
        rare_given = g1 and lex.count(first) < VERY_COMMON_WORD_MIN_COUNT  # not "ADD XOCHITL"
        if casing == "upper" and ((rare_given and o2 and len(last) >= 3) or (o1 and s2 and len(first) >= 3)):
            return SCORE_ONE_KNOWN
        if casing == "upper" and s1 and hyphened_given:
            return SCORE_ONE_KNOWN  # "CHOI WOO-JIN"
        return None
    if (s2 and not g2 and (g1 or o1)) or (s1 and not g1 and g2):
        return SCORE_SURNAME_ONLY
    if (g1 and s2) or (s1 and g2) or (s1 and hyphened_given):
        return SCORE_BOTH_KNOWN
    if (g1 or s1) and (g2 or s2):
        return SCORE_ONE_KNOWN  # two given names, two surnames: likely, less sure
    if g1 and o2 and not s1 and lex.count(first) <= DISTINCTIVE_MAX_COUNT:
        return SCORE_BOTH_KNOWN  # "Amra Begić", "Eleni Papadaki": the given name is no English word
    if (g1 and o2) or (o1 and s2) or (len(words) == 3 and known >= 2):
        return SCORE_ONE_KNOWN
    if o1 and g2 and lex.count(last) <= DISTINCTIVE_MAX_COUNT:
        return SCORE_ONE_KNOWN  # "Iosefa Leota", "Hiba Saleh": Faker lists the surname as a given name
    if o1 and o2 and len(words) == 2:
        return SCORE_UNKNOWN_PAIR
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
            for start, end, score in names_in(text)
            if not _organisation(text, start, end, organisations)
        ]


#: spaCy labels for names of things, not people (Presidio does not report them).
ORGANISATION_LABELS = frozenset({"ORG", "ORGANIZATION", "PRODUCT", "WORK_OF_ART", "EVENT", "LAW"})
_COMPANY_CONTEXT = re.compile(
    r"\b(?:shares|stocks?|futures|nasdaq|nyse|ipo|inc|corp|corporation|company|ltd|llc|plc|gmbh|"
    r"holdings|subsidiary|merger|brands?|retailer|branches|recalls?|recalled|dealers?|dealerships?|"
    r"franchises?|acquired|acquisition|lineup|bonds?|banks|lenders|underwriters?|brokers?)\b",
    re.IGNORECASE,
)


def _organisation(text: str, start: int, end: int, organisations: list[tuple[int, int]]) -> bool:
    """Whether spaCy reads a lexicon name as a company, brand or event: an organisation span that
    goes on after it ("The Walt Disney Company"), or the same words in a text about companies ("Morgan
    Stanley raised its price target on the stock"). A person's name that spaCy calls an
    organisation in other text ("Invoice for Eva Novak", "Quote sent to Vishal Rampersad") stays
    a name: the small model calls most names it does not know organisations."""
    for o_start, o_end in organisations:
        if o_start >= end or start >= o_end:
            continue
        if o_end > end or _COMPANY_CONTEXT.search(text):
            return True  # "Walt Disney Company": more name after the person's name
    return False


def gazetteer_person(language: str) -> EntityRecognizer:
    return GazetteerPersonRecognizer(supported_language=language)
