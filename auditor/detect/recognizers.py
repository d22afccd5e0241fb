"""Our own recognizers, for what Presidio misses in vector-store payloads and inverter output.

- US_SSN written with spaced separators ("575 - 85 - 5582") or as nine bare digits next to an
  SSN cue ("ssn 575855582"); Presidio scores the latter 0.05.
- EMAIL_ADDRESS with spaced punctuation ("john. smith @ gmail. com"), as an uncased inverter
  writes it.
- PHONE_NUMBER in North American or "+country" shape that libphonenumber rejects as unassigned
  ("(293) 555-0183"), as in fixtures and garbled inversions.
- PERSON: a capitalized name right after a cue ("Dear Piotr Ramirez", "Patient Amara Jones"),
  where the small spaCy model often misses it; and runs of given names and surnames from a name
  lexicon of many cultures, also in ALL-CAPS and lowercase text (names.py).
- STREET_ADDRESS ("42 Oak Street, Apt 5"): Presidio has no street-address recognizer, and
  spaCy's LOCATION is too noisy on PII-free text to be a violation on its own.
- DATE_OF_BIRTH: a date right after a birth cue ("DOB: 03/14/1985", "born on the fourteenth of
  March, 1985"); plain DATE_TIME is noisy.
- MEDICAL_RECORD_NUMBER ("MRN 00482913"): a HIPAA identifier Presidio lacks.
- CARD_SECURITY_CODE ("CVV 123"): PCI DSS forbids storing it after authorization.

Each factory has the `RecognizerPlugin` shape (language -> recognizer). Patterns run with
Presidio's flags (case-insensitive) on the `regex` module, which allows the variable-length
look-behinds used to report only the value after a cue.
"""

from __future__ import annotations

import regex
from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from .names import gazetteer_person
from .normalize import COMMON_TLDS, NAME_CUES, NAME_CUES_WITH_PERIOD, NOT_NAMES

_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]{0,6}\.?"
# Ordinal days in words, as birth dates are often written: "the fourteenth of March, 1985".
_ORDINAL_WORD = (
    r"(?:(?:twenty|thirty)[-\s]?)?(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)"
    r"|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth"
    r"|nineteenth|twentieth|thirtieth"
)
_DAY = rf"(?:\d{{1,2}}(?:st|nd|rd|th)?|{_ORDINAL_WORD})"
# Years in words, as dates are read out: "nineteen eighty-five", "two thousand and one".
_UNIT_WORD = r"(?:one|two|three|four|five|six|seven|eight|nine)"
_TEENS_WORD = r"(?:ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)"
_TENS_WORD = r"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
_YEAR_WORDS = (
    rf"(?:nineteen|twenty)[-\s](?:hundred(?:\s(?:and\s)?(?:{_UNIT_WORD}|{_TEENS_WORD}))?|{_TEENS_WORD}"
    rf"|{_TENS_WORD}(?:[-\s]{_UNIT_WORD})?|o[-\s]{_UNIT_WORD})"
    rf"|two\sthousand(?:\s(?:and\s)?(?:{_UNIT_WORD}|{_TEENS_WORD}|twenty(?:[-\s]{_UNIT_WORD})?))?"
)
# A year after a written month: four digits, two ("14 Mar 85"), or words.
_YEAR = rf"(?:\d{{4}}|\d{{2}}\b|{_YEAR_WORDS})"
_WEEKDAY = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|rsday|urday)?\.?,?\s"
_DATE = (
    rf"(?:{_WEEKDAY})?"  # "born on Thursday, March 14, 1985"
    r"(?:\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}"
    r"|(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"  # 19850314, as stored in a "dob" number
    rf"|\d{{1,2}}[-/.]{_MONTH}[-/.]\d{{2,4}}"  # "14-MAR-1985", as clinical systems write it
    rf"|{_MONTH}\s(?:the\s)?{_DAY},?\s{_YEAR}"
    rf"|(?:the\s)?{_DAY}\s(?:of\s)?{_MONTH},?\s{_YEAR})"
)

_STREET_SUFFIXES = (
    "street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|terrace|"
    "parkway|pkwy|circle|cir|highway|hwy|square|sq|trail|trl|crescent|cres|close|alley|plaza|"
    "strasse|straße"
)
# Words that turn "5 miles down the road" into a false street address.
_NOT_STREET_WORDS = frozenset(
    "a an the of to in on at by for from with and or but down up over into per about around "
    "miles mile km minutes minute hours hour times days weeks years people steps blocks more "
    "than less new old my our your his her their its this that these those is are was were".split()
)


class DigitRecognizer(PatternRecognizer):
    """A pattern recognizer whose matches always contain a digit (lets the engine skip it)."""

    requires_digit = True


# A separator with at least one space: "575 85 5582", "575 - 85 - 5582", "575. 85. 5582".
_SPACED_SEP = r"(?:[ \t]+[-. ]?[ \t]*|[ \t]*[-.][ \t]+)"


class LooseSsnRecognizer(DigitRecognizer):
    PATTERNS = [
        Pattern(
            "SSN with spaced separators",
            rf"\b\d{{3}}{_SPACED_SEP}\d{{2}}{_SPACED_SEP}\d{{4}}\b",
            0.5,
        ),
        Pattern(
            "SSN as nine digits after an SSN cue",
            r"(?<=\b(?:ssn|ss\#|ss\sno\.?|social\ssecurity(?:\s(?:number|no\.?|\#))?)[^\w\n]{0,6}(?:is\s|was\s)?)"
            r"\d{9}\b",
            0.65,
        ),
    ]
    CONTEXT = ["ssn", "social", "security", "ss#"]

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity="US_SSN",
            name="VecauditLooseSsnRecognizer",
            supported_language=supported_language,
            patterns=self.PATTERNS,
            context=self.CONTEXT,
        )

    def invalidate_result(self, pattern_text: str) -> bool:
        digits = "".join(c for c in pattern_text if c.isdigit())
        if len(digits) != 9 or len(set(digits)) == 1:
            return True
        area, group, serial = digits[:3], digits[3:5], digits[5:]
        if area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000":
            return True
        return digits in ("123456789", "078051120", "219099999")


class LoosePhoneRecognizer(DigitRecognizer):
    """Phone-shaped numbers that the phonenumbers library rejects as unassigned.

    Presidio only reports numbers valid in its regions, so "(293) 555-0183" (an unassigned area
    code, as in a test fixture or a garbled inversion) is missed although it is plainly a phone
    number in the text.
    """

    PATTERNS = [
        Pattern(
            "North American number shape",
            r"(?<![\w+.-])(?:\+?1[-. ]?)?(?:\(\d{3}\)[ ]?|\d{3}[-. ])\d{3}[-. ]\d{4}\b(?![.-]\d)",
            0.4,
        ),
        Pattern(
            "international number shape",
            r"(?<![\w+])\+\d{1,3}[ -]\(?\d{1,4}\)?(?:[ -]\d{2,4}){2,3}\b(?![.-]\d)",
            0.4,
        ),
    ]
    CONTEXT = ["phone", "call", "tel", "mobile", "cell", "fax", "contact", "reach", "text", "whatsapp"]

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity="PHONE_NUMBER",
            name="VecauditLoosePhoneRecognizer",
            supported_language=supported_language,
            patterns=self.PATTERNS,
            context=self.CONTEXT,
        )

    def invalidate_result(self, pattern_text: str) -> bool:
        digits = [c for c in pattern_text if c.isdigit()]
        return len(digits) < 10 or len(set(digits)) == 1


class CuedPersonRecognizer(PatternRecognizer):
    """Capitalized names right after a salutation, title or role word.

    The small spaCy model misses many names in exactly these spots ("Dear Piotr Ramirez,",
    "Customer Amara Jones called"). The name part is matched case-sensitively; only the cue
    ignores case.
    """

    _CUES = "|".join(sorted(NAME_CUES | NAME_CUES_WITH_PERIOD | {"thank\\syou", "attn"}))
    PATTERNS = [
        Pattern(
            "capitalized name after a cue",
            rf"(?<=\b(?i:{_CUES})\.?[:,]?[ \t]+(?i:(?:is|was)[ \t]+)?)"
            r"[A-Z][a-z'\u2019-]+(?:[ \t]+[A-Z][a-z'\u2019-]+){0,2}\b",
            0.6,
        )
    ]

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity="PERSON",
            name="VecauditCuedPersonRecognizer",
            supported_language=supported_language,
            patterns=self.PATTERNS,
            global_regex_flags=regex.DOTALL | regex.MULTILINE,
        )

    def invalidate_result(self, pattern_text: str) -> bool:
        return pattern_text.split()[0].lower() in NOT_NAMES


class SpacedEmailRecognizer(PatternRecognizer):
    PATTERNS = [
        Pattern(
            "email with spaced punctuation",
            r"(?<![\w.@-])[a-z0-9%+]+(?:[ \t]?[._+-][ \t]?[a-z0-9%+]+){0,3}[ \t]*@[ \t]*"
            r"[a-z0-9-]+(?:[ \t]?\.[ \t]?[a-z0-9-]+){0,3}[ \t]?\.[ \t]?[a-z]{2,24}\b",
            0.8,
        )
    ]

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity="EMAIL_ADDRESS",
            name="VecauditSpacedEmailRecognizer",
            supported_language=supported_language,
            patterns=self.PATTERNS,
            context=["email", "mail", "contact"],
        )

    def invalidate_result(self, pattern_text: str) -> bool:
        if not any(c.isspace() for c in pattern_text):
            return True  # compact emails are Presidio's EmailRecognizer's job
        compact = "".join(pattern_text.split())
        tld = compact.rsplit(".", 1)[-1].lower()
        return not (len(tld) == 2 or tld in COMMON_TLDS)


class StreetAddressRecognizer(DigitRecognizer):
    PATTERNS = [
        Pattern(
            "street address",
            r"\b\d{1,6}[a-z]?\s+(?:(?:n|s|e|w|north|south|east|west)\.?\s+)?"
            r"(?:[a-z][a-z'-]*\.?\s+){1,3}"
            rf"(?:{_STREET_SUFFIXES})\b\.?"
            r"(?:,?\s+(?:apt|apartment|suite|ste|unit|\#)\.?\s*\#?\s*[a-z0-9-]{1,6}\b)?",
            0.6,
        ),
        Pattern("PO box", r"\bp\.?\s?o\.?\s?box\s+\d{1,7}\b", 0.6),
    ]
    CONTEXT = ["address", "live", "lives", "reside", "ship", "shipping", "deliver", "mail", "street"]

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity="STREET_ADDRESS",
            name="VecauditStreetAddressRecognizer",
            supported_language=supported_language,
            patterns=self.PATTERNS,
            context=self.CONTEXT,
        )

    def invalidate_result(self, pattern_text: str) -> bool:
        words = pattern_text.replace(",", " ").split()
        if words and words[0].lower().startswith("p"):
            return False  # PO box
        middle = [w.strip(".").lower() for w in words[1:-1]]
        return any(w in _NOT_STREET_WORDS for w in middle)


class DateOfBirthRecognizer(PatternRecognizer):
    """A date right after a birth cue. Not digit-only: a birth date can be all words ("born on the
    first of May, nineteen eighty-five"), so texts without a birth cue are skipped instead."""

    PATTERNS = [
        Pattern(
            "date after a birth cue",
            r"(?<=\b(?:dob|d\.o\.b\.?|date\sof\sbirth|birth\s?date|born(?:\son)?|birthday)"
            r"[^\w\n]{0,4}(?:is\s|was\s|on\s)?)" + _DATE + r"\b",
            0.8,
        )
    ]
    _CUE = regex.compile(r"dob|d\.o\.b|birth|born", regex.IGNORECASE)

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity="DATE_OF_BIRTH",
            name="VecauditDateOfBirthRecognizer",
            supported_language=supported_language,
            patterns=self.PATTERNS,
        )

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        if self._CUE.search(text) is None:
            return []
        return super().analyze(text, entities, nlp_artifacts, regex_flags)


class MedicalRecordNumberRecognizer(DigitRecognizer):
    PATTERNS = [
        Pattern(
            "number after a medical-record cue",
            r"(?<=\b(?:mrn|medical\srecord(?:\s(?:number|no\.?|\#))?|chart\s(?:number|no\.?|\#)"
            r"|patient\s(?:id|number|no\.?|\#))[^\w\n]{0,4}(?:is\s)?)"
            r"[a-z]{0,3}-?\d[\d-]{4,14}\b",
            0.75,
        )
    ]

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity="MEDICAL_RECORD_NUMBER",
            name="VecauditMedicalRecordNumberRecognizer",
            supported_language=supported_language,
            patterns=self.PATTERNS,
        )


class CardSecurityCodeRecognizer(DigitRecognizer):
    PATTERNS = [
        Pattern(
            "card security code after a cue",
            r"(?<=\b(?:cvv2?|cvc2?|cid|csc|card\s(?:security|verification)\s(?:code|value|number)"
            r"|security\scode)[^\w\n]{0,4}(?:is\s|was\s)?)\d{3,4}\b",
            0.8,
        )
    ]

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity="CARD_SECURITY_CODE",
            name="VecauditCardSecurityCodeRecognizer",
            supported_language=supported_language,
            patterns=self.PATTERNS,
        )


def loose_ssn(language: str) -> EntityRecognizer:
    return LooseSsnRecognizer(supported_language=language)


def loose_phone(language: str) -> EntityRecognizer:
    return LoosePhoneRecognizer(supported_language=language)


def cued_person(language: str) -> EntityRecognizer:
    return CuedPersonRecognizer(supported_language=language)


def spaced_email(language: str) -> EntityRecognizer:
    return SpacedEmailRecognizer(supported_language=language)


def street_address(language: str) -> EntityRecognizer:
    return StreetAddressRecognizer(supported_language=language)


def date_of_birth(language: str) -> EntityRecognizer:
    return DateOfBirthRecognizer(supported_language=language)


def medical_record_number(language: str) -> EntityRecognizer:
    return MedicalRecordNumberRecognizer(supported_language=language)


def card_security_code(language: str) -> EntityRecognizer:
    return CardSecurityCodeRecognizer(supported_language=language)


BUILTIN_RECOGNIZERS = {
    "loose_ssn": loose_ssn,
    "loose_phone": loose_phone,
    "cued_person": cued_person,
    "gazetteer_person": gazetteer_person,
    "spaced_email": spaced_email,
    "street_address": street_address,
    "date_of_birth": date_of_birth,
    "medical_record_number": medical_record_number,
    "card_security_code": card_security_code,
}
# Entities only our recognizers produce; policies may name them like Presidio's own.
BUILTIN_ENTITIES = ("STREET_ADDRESS", "DATE_OF_BIRTH", "MEDICAL_RECORD_NUMBER", "CARD_SECURITY_CODE")
