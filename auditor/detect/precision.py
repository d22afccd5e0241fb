"""The precision stage: every detection of every source passes through here before a policy sees it.

Presidio's recognizers each judge a value alone. A person reading the text does better, and
these rules write down what that person sees. They run inside `PiiDetector.analyze`, so payload
text and text recovered by inversion are judged alike.

- A name is made of name words. spaCy's PERSON spans are vetted with the name lexicon
  (`names.py`; `vet_person`, applied where the NLP engine hands spaCy's entities to Presidio):
  a span with a digit or a symbol is no name ("Mar 18"); a span with a common English word
  that is no name, or ending on a place word, is no name ("Incident Review", "Victoria Park");
  in text without capitals (inverter output, a lowercase review) a span needs a known name word
  ("mug" is none); a single word must be a given name that is no surname, or follow a title
  ("Mr. Okonkwo"); a span in another script than Latin is a guess of a model that cannot read
  it. Such spans keep a score of 0.3, below every preset threshold. A common word passes in a
  two-word name beside a word English never uses ("Gift Phiri", "Usman Butt"), and a span the
  lexicon reads otherwise is moved onto the lexicon's name ("ADD MAMADOU DIALLO" is "MAMADOU
  DIALLO", "ben Youssef" is "Karim ben Youssef"; `align_person`).
- A name can be a brand, a product or a place: a PERSON (of any recognizer) right before a
  product or customer noun ("Calvin Klein jackets", "Porsche Taycan owners"), a possessive that
  does something ("Jack Daniel's sponsors the team"), after an article ("the Dacia Sandero") or
  where one flies into or lands ("flew into Charles de Gaulle") keeps 0.3.
- Durations and frequencies are not dates: "two days", "thirty days", "Quarterly", "every
  hour" are dropped from DATE_TIME, and so is a bare number that is no plausible year ("5531").
- A phone number is written as one: a number that is part of a decimal ("1712345678.00",
  "[ 1234.567890]"), a version ("10.0.19045"), a calendar date ("12.12.2002") or a bare run of
  digits that is not shaped as a North American number, each without a phone cue near it (an
  epoch timestamp, an order id), is not a PHONE_NUMBER.
- Checksums that any tenth number passes need context: a UK_NHS number (mod 11) without an NHS
  cue keeps 0.3.
- A public place's address is not personal data: a STREET_ADDRESS in text that presents a shop,
  library, office... ("visit our store at", "the library at") and no private marker ("my", "ship
  to", "Apt") keeps 0.3; so does a phone number given as an organisation's line ("call us",
  "hotline").
- One value, one entity type: where detections of different types overlap, the best supported
  one is kept: a pattern-based identifier over an NER guess (STREET_ADDRESS over LOCATION,
  DATE_OF_BIRTH over DATE_TIME), then the one with its cue in the text ("Call 212-555-0105" is a
  phone, not an NHS number), then the longer span ("Natalia Ivanova" over spaCy's "Natalia" as a
  place), then the higher score. Overlapping spans of one type are merged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .names import (
    PLACE_WORDS,
    Casing,
    NameLexicon,
    WordKind,
    article_before,
    brand_use,
    casing_of,
    facility_after,
    is_known_place,
    name_lexicon,
    names_in,
    sentence_start,
    thing_before,
    travel_before,
)
from .scripts import script_of

#: Score of a detection the rules above demote: reported nowhere by the presets (all >= 0.4).
DEMOTED_SCORE = 0.3
#: Digits below which a PHONE_NUMBER match is no phone number (six-digit order and ticket numbers
#: pass libphonenumber as German numbers).
MIN_PHONE_DIGITS = 7


@dataclass(frozen=True, slots=True)
class Candidate:
    """One recognizer result on the analyzed text."""

    entity_type: str
    start: int
    end: int
    score: float
    recognizer: str = ""


# --- cues -----------------------------------------------------------------------------------------

#: Words that, near a value, say which identifier it is. Matched as whole words, lowercase.
ENTITY_CUES: dict[str, tuple[str, ...]] = {
    "PHONE_NUMBER": (
        "phone",
        "call",
        "calls",
        "called",
        "tel",
        "telephone",
        "mobile",
        "cell",
        "fax",
        "whatsapp",
        "ring",
        "sms",
        "text",
        "reach",
        "dial",
        "number",
        "contact",
        "ph",
        "mob",
    ),
    "UK_NHS": ("nhs", "national health", "health service", "health authority"),
    "US_SSN": ("ssn", "social security", "ss#"),
    "US_BANK_NUMBER": ("account", "acct", "bank", "routing", "checking", "savings"),
    "US_PASSPORT": ("passport",),
    "US_DRIVER_LICENSE": ("driver", "drivers", "license", "licence", "dl"),
    "CREDIT_CARD": ("card", "visa", "mastercard", "amex", "credit", "debit", "cc"),
    "IBAN_CODE": ("iban", "bank", "account", "wire", "transfer"),
    "MEDICAL_RECORD_NUMBER": ("mrn", "medical record", "chart", "patient"),
}
_CUE_BEFORE, _CUE_AFTER = 48, 24
#: Cues that say "some number" rather than which one ("Part number ...").
_GENERIC_CUES = frozenset({"number", "contact"})


def _cue_pattern(cues: Iterable[str]) -> re.Pattern[str]:
    return re.compile(r"(?<![a-z])(?:" + "|".join(re.escape(c) for c in cues) + r")(?![a-z])")


_CUE_PATTERNS = {entity: _cue_pattern(cues) for entity, cues in ENTITY_CUES.items()}
_SPECIFIC_CUE_PATTERNS = {
    entity: _cue_pattern(c for c in cues if c not in _GENERIC_CUES) for entity, cues in ENTITY_CUES.items()
}


def has_cue(text: str, start: int, end: int, entity: str, *, generic: bool = True) -> bool:
    """Whether a cue word for `entity` stands near [start, end) (the label of a payload value,
    "phone: ...", is part of the text the detector reads). `generic=False` ignores cues that
    name no kind of number ("number", "contact")."""
    pattern = (_CUE_PATTERNS if generic else _SPECIFIC_CUE_PATTERNS).get(entity)
    if pattern is None:
        return False
    around = text[max(0, start - _CUE_BEFORE) : start] + " " + text[end : end + _CUE_AFTER]
    return pattern.search(around.lower()) is not None


# --- names ----------------------------------------------------------------------------------------

_WORDS = re.compile(r"[^\W\d_]+(?:['\u2019\-][^\W\d_]+)*")
_NOT_IN_NAMES = re.compile(r"[\d@/\\_=<>\[\]{}|#:;()\"]")


_TITLE_BEFORE = re.compile(r"\b(?:mr|mrs|ms|mx|dr|prof|miss|sir|dame|madam|mme|herr|frau)\.?\s+$", re.I)


def align_person(text: str, start: int, end: int) -> tuple[int, int]:
    """An NER PERSON span [start, end) moved onto the one name the lexicon finds over it: spaCy's
    "ADD MAMADOU DIALLO" in capitals is "MAMADOU DIALLO", its "ben Youssef" is "Karim ben
    Youssef", its "Eva Novak's" is "Eva Novak". Unchanged where no or several names overlap it
    (Presidio keeps only the more confident of two nested spans of one type)."""
    overlapping = [(s, e) for s, e, _ in names_in(text) if s < end and start < e]
    return overlapping[0] if len(overlapping) == 1 else (start, end)


def vet_person(
    text: str, start: int, end: int, score: float, lexicon: NameLexicon | None = None
) -> float | None:
    """The score an NER PERSON span [start, end) of `text` keeps; None drops it.

    Applied to spaCy's spans before Presidio merges results, so that a name the lexicon finds
    inside a rejected span ("AHMED KHALIL" in "AHMED KHALIL MISSED THE") survives.
    """
    lex = lexicon or name_lexicon()
    value = text[start:end]
    if _NOT_IN_NAMES.search(value):
        return None
    words = _WORDS.findall(value)
    if not words:
        return None
    if any(script_of(ch) not in (None, "LATIN") for ch in value):
        return min(score, DEMOTED_SCORE)  # the model reads Latin script only (scripts.py)
    kinds = [lex.kind(w) for w in words]
    casing = casing_of(text)
    if casing == "cased" and not any(ch.isupper() for ch in value):
        return min(score, DEMOTED_SCORE)  # "agenda attached" is no name in cased prose
    if len(words) == 1:
        # One word: any name word right after a title ("Mr. Okonkwo"), else only a word that is
        # a given name and nothing else ("Ingrid"; not "Austin", "Jenkins", "Kafka", "Agenda").
        titled = _TITLE_BEFORE.search(text[max(0, start - 12) : start]) is not None
        named = (kinds[0] != WordKind.WORD and titled) or (
            kinds[0] == WordKind.GIVEN and not lex.is_surname(words[0])
        )
    else:
        named = (
            (WordKind.WORD not in kinds or _word_in_a_name(text, start, words, kinds, lex, casing))
            and words[-1].lower() not in PLACE_WORDS  # "Victoria Park"
            and not is_known_place(words)  # "Hong Kong"
        )
        if casing != "cased":  # no capital letters to go by: a name word must be there
            named = named and any(k in (WordKind.GIVEN, WordKind.SURNAME) for k in kinds)
    return score if named else min(score, DEMOTED_SCORE)


def _word_in_a_name(
    text: str, start: int, words: list[str], kinds: list[WordKind], lex: NameLexicon, casing: Casing
) -> bool:
    """Whether a common English word is part of the two-word name spaCy read, next to a word that
    English text never uses: a surname that is a word after a known given name ("Usman Butt";
    not a product line, "Jira Align", "Lidl Plus"), or a given name that is a word, capitalized
    where a word would not be ("Gift Phiri" mid-sentence; "Click Save", "Beef Wellington is ..."
    at the start of a sentence stay words)."""
    if len(words) != 2 or kinds.count(WordKind.WORD) != 1 or casing != "cased":
        return False
    if thing_before(text, start):
        return False  # "three nights in Siem Reap"
    if kinds[1] == WordKind.WORD:
        return kinds[0] == WordKind.GIVEN and lex.count(words[0]) == 0 and words[1][:1].isupper()
    return lex.count(words[1]) == 0 and words[0][:1].isupper() and not sentence_start(text, start)


def _named_thing(text: str, c: Candidate) -> bool:
    """Whether a PERSON span names a brand, a product or a place after a person: "Calvin Klein
    jackets", "Jack Daniel's sponsors the team", "John Wayne airport", "the Dacia Sandero",
    "flew into Charles de Gaulle"."""
    return (
        brand_use(text, c.end)
        or facility_after(text, c.end)
        or article_before(text, c.start)
        or travel_before(text, c.start, c.end)
    )


# --- dates ----------------------------------------------------------------------------------------

_NUMBER_WORDS = (
    "a an one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety "
    "hundred thousand half quarter couple few several many some more less most least"
)
_UNITS = (
    "second seconds sec secs minute minutes min mins hour hours hr hrs day days night nights week "
    "weeks weekend weekends fortnight fortnights month months quarter quarters year years decade "
    "decades century centuries business working calendar full whole"
)
_FREQUENCIES = (
    "hourly daily nightly weekly biweekly fortnightly monthly bimonthly quarterly yearly annually "
    "annual semiannual semiannually biannual biannually"
)
_GLUE = "of per every each other within about around up to at least over under almost nearly roughly and or"
_DURATION_WORDS = frozenset(f"{_NUMBER_WORDS} {_UNITS} {_FREQUENCIES} {_GLUE} the".split())
_FREQUENCY_WORDS = frozenset(_FREQUENCIES.split())
_UNIT_WORDS = frozenset(_UNITS.split())


def is_duration(value: str) -> bool:
    """ "two days", "30 days", "thirty-day", "Quarterly", "every hour", "18 months": an amount of
    time or a frequency, no point in time."""
    words = re.findall(r"[a-z]+|\d+(?:[.,]\d+)?", value.lower().replace("-", " "))
    if not words:
        return False
    if not all(w in _DURATION_WORDS or w[0].isdigit() for w in words):
        return False
    return any(w in _UNIT_WORDS or w in _FREQUENCY_WORDS for w in words)


def _is_bare_non_year(value: str) -> bool:
    digits = value.strip()
    return digits.isdigit() and not (len(digits) == 4 and 1900 <= int(digits) <= 2099)


# --- numbers --------------------------------------------------------------------------------------

_VERSION_CUE = re.compile(r"(?:\bv|\bver\.?|\bversion|\bbuild|\brelease|\bfirmware|\blinux|\bkernel)\s*$")
# Ten digits shaped as a North American number (area code and exchange do not start with 0 or 1),
# optionally after the country code 1: "4155550143". An epoch timestamp ("1712345678") is not.
_NANP = re.compile(r"1?[2-9]\d{2}[2-9]\d{6}")


# A number written right after the name of another kind of identifier is that identifier:
# "Order 2125550143", "Ticket #4155550199", "Part number 212-555-0199", "IMEI 490154203237518".
_OTHER_ID_LABEL = re.compile(
    r"\b(?:order|invoice|inv|ticket|case|issue|incident|job|build|run|task|trace|span|request|req|"
    r"ref|reference|confirmation|booking|reservation|tracking|shipment|parcel|waybill|awb|sku|part|"
    r"item|product|model|serial|s/n|sn|lot|batch|isbn|issn|ean|upc|gtin|asin|imei|imsi|iccid|uuid|"
    r"guid|hash|checksum|crc32|crc|sha1|sha256|md5|commit|pid|port|queue|offset|epoch|timestamp|"
    r"meeting|webinar|conference|room|gate|flight|store|branch|region|depth|count|size|total|sum|"
    r"amount|balance|length|duration|latency|index|row|page|bytes|seed|nonce)(?:-\d{1,3})?"
    r"(?:\s*(?:id|ids|number|numbers|no\.?|nr\.?|num|#|code|key))?\s*[:#=]?\s*#?$",
    re.IGNORECASE,
)
#: Entities that are bare digit strings, which other identifiers can look like.
_NUMBER_ENTITIES = frozenset(
    {"PHONE_NUMBER", "CREDIT_CARD", "US_BANK_NUMBER", "US_DRIVER_LICENSE", "US_PASSPORT", "UK_NHS", "US_ITIN"}
)
# A measured quantity: "415 555 0143 ns".
_UNIT_AFTER = re.compile(
    r"\s?(?:ns|us|µs|ms|s|sec|secs|min|mins|h|hrs|b|kb|mb|gb|tb|kib|mib|gib|bytes|rows|ops|req|"
    r"reqs|tokens|kg|g|mg|km|m|cm|mm|mi|ft|hz|khz|mhz|ghz|px|usd|eur|gbp|%)\b",
    re.IGNORECASE,
)


def is_other_number(text: str, c: Candidate) -> bool:
    """Whether a number-shaped identifier match is some other number: part of a decimal
    ("4155550143.27 USD"), glued into a longer code ("INV-2024-000871", "415-555-0143-BLK"),
    named as another identifier ("Order 2125550143", "ISBN-10 0-306-40615-2"), or a quantity."""
    before, after = text[max(0, c.start - 2) : c.start], text[c.end : c.end + 2]
    if re.match(r"[.,]\d", after) or re.search(r"\d[.,]$", before):
        return True
    labelled = _OTHER_ID_LABEL.search(text[max(0, c.start - 32) : c.start]) is not None
    if labelled and not has_cue(text, c.start, c.end, c.entity_type, generic=False):
        return True  # "Part number 212-555-0199": the label says which number it is
    if has_cue(text, c.start, c.end, c.entity_type):
        return False  # "fax-415-555-0143", "card ending 4111..." say what the number is
    glued = re.search(r"[A-Za-z][-_/]$", before) or re.match(r"[-_][A-Za-z]", after)
    if glued and c.entity_type != "CREDIT_CARD":  # a Luhn-valid card is one wherever it stands
        return True
    return _UNIT_AFTER.match(text, c.end) is not None and not text[c.end : c.end + 1].isalnum()


# Day and month in either order, then the year ("12.12.2002", "05-20-2022"); or the year first.
_DATE_SHAPES = (
    re.compile(r"(?P<a>\d{1,2})(?P<sep>[./-])(?P<b>\d{1,2})(?P=sep)(?P<y>(?:19|20)\d{2})"),
    re.compile(r"(?P<y>(?:19|20)\d{2})(?P<sep>[./-])(?P<a>\d{1,2})(?P=sep)(?P<b>\d{1,2})"),
)


def is_calendar_date(value: str) -> bool:
    """Whether `value` is a day of the calendar in a numeric layout: day and month in either
    order (one of them at most 12, the other at most 31) and a year 1900-2099."""
    for shape in _DATE_SHAPES:
        m = shape.fullmatch(value)
        if m:
            a, b = int(m["a"]), int(m["b"])
            return 1 <= min(a, b) <= 12 and 1 <= max(a, b) <= 31
    return False


def _phone_is_number(text: str, c: Candidate) -> bool:
    """Whether a PHONE_NUMBER match is some other number: a decimal, a version, or bare digits
    without a phone cue."""
    value = text[c.start : c.end]
    core = value.strip(" [](){}")
    digits = sum(ch.isdigit() for ch in value)
    if digits < MIN_PHONE_DIGITS:
        return True
    if re.fullmatch(r"\d+\.\d+", core):
        return True  # "1234.567890": one decimal point, no phone grouping
    groups = core.split(".")
    if len(groups) >= 3 and any(len(g) == 1 for g in groups):
        return True  # "10.0.19045", "6.1.0"
    if _VERSION_CUE.search(text[max(0, c.start - 12) : c.start].lower()):
        return True
    if is_calendar_date(core) and not has_cue(text, c.start, c.end, "PHONE_NUMBER"):
        return True  # "12.12.2002", "05-20-2022": a date, whatever else it might dial
    if core.isdigit() and not _NANP.fullmatch(core) and not has_cue(text, c.start, c.end, "PHONE_NUMBER"):
        return True  # "1712345678": a timestamp or id unless it is shaped or called a phone
    return False


# --- network addresses ----------------------------------------------------------------------------


def is_network_not_host(value: str) -> bool:
    """An IP match that names no one's device: a network range ("10.0.0.0/8"), a netmask, the
    unspecified, loopback, multicast or broadcast address."""
    import ipaddress

    if "/" in value:
        return True
    try:
        ip = ipaddress.ip_address(value.strip("[]"))
    except ValueError:
        return False
    if ip.is_unspecified or ip.is_loopback or ip.is_multicast:
        return True
    return ip.version == 4 and str(ip).startswith("255.")


# --- public places --------------------------------------------------------------------------------

_PUBLIC_PLACE = re.compile(
    r"\b(?:store|stores|shop|shops|showroom|boutique|outlet|library|museum|gallery|theat(?:re|er)|"
    r"cinema|office|offices|headquarters|hq|branch|warehouse|depot|factory|plant|clinic|hospital|"
    r"pharmacy|restaurant|cafe|café|bakery|bar|pub|hotel|hostel|market|mall|pool|gym|stadium|arena|"
    r"school|university|college|campus|bookstore|church|mosque|temple|synagogue|station|airport|"
    r"city\s+hall|town\s+hall|council|visitor\s+cent(?:er|re)|service\s+cent(?:er|re)|"
    r"(?:community|conference|shopping|business|data)\s+cent(?:er|re)|co-?working|venue|studio|"
    r"park|zoo|embassy|consulate|courthouse|post\s+office|inc|ltd|llc|gmbh|corp|plc|"
    r"institute|foundation|aquarium|planetarium|observatory|bookshop|books|galleries|exhibits?|"
    r"admission|box\s+office|open\s+to\s+the\s+public|"
    r"open\s+(?:daily|every\s+day|seven\s+days|weekdays|weekends|24\s+hours|late|until|from|on|"
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)days?)|"
    r"visit\s+us|find\s+us|located\s+at|opening\s+(?:hours|times)|our\s+address)\b",
    re.IGNORECASE,
)
_PRIVATE_PLACE = re.compile(
    r"\b(?:my|i|i'm|me|mine|his|her|their|home|house|live|lives|living|lived|reside|resides|"
    r"resident|ship\s+to|shipping\s+address|deliver\s+to|delivery\s+address|billing\s+address|"
    r"apt|apartment|flat|tenant|mr|mrs|ms|miss|dear)\b",
    re.IGNORECASE,
)
_ORGANISATION_PHONE = re.compile(
    r"\b(?:call\s+us|contact\s+us|reach\s+us|toll[-\s]?free|hotline|helpline|help\s+desk|"
    r"customer\s+(?:service|support|care)|switchboard|reception|front\s+desk|box\s+office|"
    r"our\s+(?:office|store|shop|team|line|number))\b",
    re.IGNORECASE,
)


#: How far around a value the public/private markers are looked for, within its sentence.
_PLACE_WINDOW = 160
# A sentence ends at ".", "!" or "?" before a space, at ";" or at a line break; "St." inside an
# address is part of the value, which is never cut.
_SENTENCE_END = re.compile(r"[.!?](?=\s)|[;\n]")
# Someone reached at a number, as a support ticket says it: "call the customer back at ...".
_PERSON_REACHED = re.compile(
    r"\b(?:customer(?!\s+(?:service|support|care|success|experience))|client|patient|caller|member|"
    r"applicant|call(?:ed)?\s+(?:him|her|them|back)|callback|call\s+back|asked|requested)\b",
    re.IGNORECASE,
)


def _sentence(text: str, c: Candidate) -> str:
    """The sentence around a value, at most `_PLACE_WINDOW` characters either side of it."""
    before = text[max(0, c.start - _PLACE_WINDOW) : c.start]
    after = text[c.end : c.end + _PLACE_WINDOW]
    ends = list(_SENTENCE_END.finditer(before))
    start = ends[-1].end() if ends else 0
    stop = _SENTENCE_END.search(after)
    return before[start:] + text[c.start : c.end] + (after[: stop.start()] if stop else after)


def _public_address(text: str, c: Candidate) -> bool:
    near = _sentence(text, c)
    return _PUBLIC_PLACE.search(near) is not None and _PRIVATE_PLACE.search(near) is None


def _organisation_phone(text: str, c: Candidate) -> bool:
    """ "Call us at ...", "our hotline ...": the organisation's own line, said in the number's
    sentence, and nobody in it is reached at the number ("call the customer back at ...")."""
    near = _sentence(text, c)
    return (
        _ORGANISATION_PHONE.search(near) is not None
        and _PRIVATE_PLACE.search(near) is None
        and _PERSON_REACHED.search(near) is None
    )


# --- one value, one type --------------------------------------------------------------------------

#: Entities that come from NER guesses: a pattern-based identifier on the same value is better
#: supported. DATE_TIME ranks below the others (spaCy calls any number a date).
_NER_TYPES = frozenset({"PERSON", "LOCATION", "NRP", "ORGANIZATION"})
_WEAKEST_TYPES = frozenset({"DATE_TIME"})
#: Scores from which a detection can be a finding at all (the lowest preset threshold is 0.4).
_REPORTABLE = 0.4


def _support(text: str, c: Candidate) -> tuple[bool, int, bool, int, float]:
    tier = 0 if c.entity_type in _WEAKEST_TYPES else 1 if c.entity_type in _NER_TYPES else 2
    cue = has_cue(text, c.start, c.end, c.entity_type)
    return (c.score >= _REPORTABLE, tier, cue, c.end - c.start, c.score)


def _overlap(a: Candidate, b: Candidate) -> bool:
    return a.start < b.end and b.start < a.end


def one_type_per_value(text: str, candidates: Sequence[Candidate]) -> list[Candidate]:
    """Among overlapping detections of different types keep the best supported (see module doc)."""
    ranked = sorted(candidates, key=lambda c: _support(text, c), reverse=True)
    kept: list[Candidate] = []
    for c in ranked:
        if not any(k.entity_type != c.entity_type and _overlap(k, c) for k in kept):
            kept.append(c)
    return kept


def merge_same_type(candidates: Iterable[Candidate]) -> list[Candidate]:
    """Overlapping spans of one type become one. Where one span lies inside the other, the more
    confident one's span is kept (the lexicon's "Ivan Petrov" inside spaCy's "Zvonil Ivan
    Petrov"; the lexicon's "Mehmet Yilmaz" around spaCy's "Yilmaz"); spans that only partly
    overlap are joined, at the best score. A span below 0.4 adds nothing."""
    out: list[Candidate] = []
    for c in sorted(candidates, key=lambda c: (c.entity_type, -c.score, c.start)):
        for i, k in enumerate(out):
            if k.entity_type != c.entity_type or not _overlap(k, c):
                continue
            nested = (k.start <= c.start and c.end <= k.end) or (c.start <= k.start and k.end <= c.end)
            if c.score >= _REPORTABLE and not nested:
                start, end = min(k.start, c.start), max(k.end, c.end)
                out[i] = Candidate(k.entity_type, start, end, max(k.score, c.score), k.recognizer)
            elif c.score >= _REPORTABLE and c.score == k.score and c.end - c.start > k.end - k.start:
                out[i] = c  # equally sure: the longer span
            break
        else:
            out.append(c)
    return out


# --- the stage ------------------------------------------------------------------------------------


def refine(text: str, candidates: Iterable[Candidate]) -> list[Candidate]:
    """Apply every rule of this module to the detections made in `text`; spans stay on `text`."""
    kept: list[Candidate] = []
    for c in candidates:
        score: float | None = c.score
        entity = c.entity_type
        if entity == "DATE_TIME":
            value = text[c.start : c.end]
            if is_duration(value) or _is_bare_non_year(value):
                score = None
        if entity in _NUMBER_ENTITIES and is_other_number(text, c):
            score = None
        elif entity == "PHONE_NUMBER":
            if _phone_is_number(text, c):
                score = None
            elif _organisation_phone(text, c):
                score = min(c.score, DEMOTED_SCORE)
        elif entity == "UK_NHS" and not has_cue(text, c.start, c.end, "UK_NHS"):
            score = min(c.score, DEMOTED_SCORE)
        elif entity == "IP_ADDRESS" and is_network_not_host(text[c.start : c.end]):
            score = min(c.score, DEMOTED_SCORE)
        elif entity == "STREET_ADDRESS" and _public_address(text, c):
            score = min(c.score, DEMOTED_SCORE)
        elif entity == "PERSON" and _named_thing(text, c):
            score = min(c.score, DEMOTED_SCORE)
        if score is not None:
            kept.append(Candidate(entity, c.start, c.end, score, c.recognizer))
    merged = merge_same_type(kept)
    return sorted(one_type_per_value(text, merged), key=lambda c: (c.start, c.end, c.entity_type))
