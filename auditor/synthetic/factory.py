"""Faker-backed values in many surface formats, for the inverter's labelled corpus.

Values come from Faker's locale providers (names, streets, companies) and are rendered in
many surface formats, because real stores write the same SSN or phone number in several ways
and an inverter trained on one format learns the format, not the digits. The plain seeded
generators the other corpora share are in `values`.
"""

from __future__ import annotations

import functools
import random
import string
import unicodedata
from dataclasses import dataclass

from faker import Faker

from .values import group_card

# Mostly US English, as most audited stores we expect are; other locales add name diversity.
_LOCALES = [
    ("en_US", 0.62),
    ("en_GB", 0.1),
    ("en_CA", 0.05),
    ("en_AU", 0.04),
    ("de_DE", 0.04),
    ("fr_FR", 0.04),
    ("es_ES", 0.03),
    ("it_IT", 0.03),
    ("nl_NL", 0.02),
    ("en_IE", 0.03),
]

_FREE_DOMAINS = [
    "gmail.com",
    "yahoo.com",
    "hotmail.com",
    "outlook.com",
    "icloud.com",
    "aol.com",
    "protonmail.com",
    "mail.com",
    "gmx.de",
    "live.com",
    "yahoo.co.uk",
    "comcast.net",
]
_TLDS = ["com", "org", "net", "io", "co", "biz", "info", "us", "co.uk", "de"]


@dataclass
class Person:
    first: str
    last: str
    middle: str
    prefix: str
    gender: str


def _ascii(s: str) -> str:
    # The MiniLM tokenizer strips accents, so an accented name can never be recovered verbatim.
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()


@functools.cache
def _it_cities() -> list[str]:
    from faker.providers.address.it_IT import Provider

    return sorted(Provider.cities)


class ValueFactory:
    """Seeded PII values; one `random.Random(seed)` and Faker instances seeded from `seed`."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.fakers = {loc: Faker(loc) for loc, _ in _LOCALES}
        for i, f in enumerate(self.fakers.values()):
            f.seed_instance(seed * 31 + i)
        self._locs = [loc for loc, _ in _LOCALES]
        self._weights = [w for _, w in _LOCALES]
        self.us = self.fakers["en_US"]

    def faker(self) -> Faker:
        return self.fakers[self.rng.choices(self._locs, self._weights)[0]]

    # -- people -------------------------------------------------------------------------
    def person(self) -> Person:
        f = self.faker()
        gender = self.rng.choice("MF")
        first = f.first_name_male() if gender == "M" else f.first_name_female()
        last = f.last_name()
        middle = self.us.first_name()
        prefix = self.rng.choice(["Mr.", "Mrs.", "Ms.", "Dr."] if gender == "F" else ["Mr.", "Dr."])
        if gender == "F" and prefix == "Mr.":
            prefix = "Ms."
        return Person(_ascii(first), _ascii(last), _ascii(middle), prefix, gender)

    def name_forms(self, p: Person) -> tuple[str, str]:
        """Return (surface form in text, canonical full name that counts as the PII value)."""
        r = self.rng.random()
        full = f"{p.first} {p.last}"
        if r < 0.62:
            return full, full
        if r < 0.72:
            s = f"{p.first} {p.middle[0]}. {p.last}"
            return s, s
        if r < 0.80:
            s = f"{p.prefix} {p.first} {p.last}"
            return s, full
        if r < 0.86:
            s = f"{p.last}, {p.first}"
            return s, s
        if r < 0.92:
            return full.lower(), full
        if r < 0.96:
            return full.upper(), full
        s = f"{p.first} {p.middle} {p.last}"
        return s, s

    # -- contact ------------------------------------------------------------------------
    def email(self, p: Person | None = None) -> str:
        r = self.rng.random()
        if p is None or r < 0.18:
            return _ascii(self.faker().email()).lower()
        first, last = p.first.lower().replace(" ", ""), p.last.lower().replace(" ", "").replace("'", "")
        sep = self.rng.choice([".", "_", "", "-", "."])
        n = self.rng.randint(1, 99)
        local = self.rng.choice(
            [
                f"{first}{sep}{last}",
                f"{first[0]}{last}",
                f"{first}{sep}{last}{n}",
                f"{first}{n}",
                f"{last}{sep}{first}",
                f"{first}{last[0]}",
                f"{first[0]}{sep}{last}",
                f"{first}{sep}{last}",
            ]
        )
        if self.rng.random() < 0.55:
            domain = self.rng.choice(_FREE_DOMAINS)
        else:
            domain = self.company_domain()
        return f"{local}@{domain}"

    def company(self) -> str:
        return _ascii(self.faker().company())

    def company_domain(self) -> str:
        word = "".join(c for c in self.us.last_name().lower() if c.isalpha())
        if self.rng.random() < 0.4:
            word += self.rng.choice(["tech", "corp", "group", "health", "bank", "labs", "inc", "law"])
        return f"{word}.{self.rng.choice(_TLDS)}"

    def phone(self) -> str:
        d = [str(self.rng.randint(0, 9)) for _ in range(10)]
        d[0] = str(self.rng.randint(2, 9))
        a, b, c = "".join(d[:3]), "".join(d[3:6]), "".join(d[6:])
        r = self.rng.random()
        if r < 0.3:
            return f"({a}) {b}-{c}"
        if r < 0.55:
            return f"{a}-{b}-{c}"
        if r < 0.65:
            return f"{a}.{b}.{c}"
        if r < 0.75:
            return f"+1 {a} {b} {c}"
        if r < 0.82:
            return f"+1-{a}-{b}-{c}"
        if r < 0.88:
            return f"{a}{b}{c}"
        if r < 0.94:
            return f"{a} {b} {c}"
        return _ascii(self.faker().phone_number())

    # -- identifiers --------------------------------------------------------------------
    def ssn(self) -> str:
        a = self.rng.randint(100, 899)
        if a == 666:
            a = 667
        b, c = self.rng.randint(1, 99), self.rng.randint(1, 9999)
        r = self.rng.random()
        if r < 0.75:
            return f"{a:03d}-{b:02d}-{c:04d}"
        if r < 0.88:
            return f"{a:03d}{b:02d}{c:04d}"
        return f"{a:03d} {b:02d} {c:04d}"

    def card(self) -> str:
        num = self.us.credit_card_number(
            card_type=self.rng.choice(["visa", "mastercard", "amex", "discover"])
        )
        r = self.rng.random()
        if r < 0.45:
            return num
        return group_card(num, " " if r < 0.8 else "-")

    def iban(self) -> str:
        return self.faker().iban() if self.rng.random() < 0.5 else self.us.iban()

    def ip(self) -> str:
        return self.us.ipv4_public() if self.rng.random() < 0.8 else self.us.ipv4_private()

    def account(self) -> str:
        return "".join(self.rng.choices(string.digits, k=self.rng.choice([8, 10, 12])))

    def mrn(self) -> str:
        return self.rng.choice(["MRN", "MR", ""]) + "".join(
            self.rng.choices(string.digits, k=self.rng.choice([6, 7, 8]))
        )

    def passport(self) -> str:
        return self.rng.choice(string.ascii_uppercase) + "".join(self.rng.choices(string.digits, k=8))

    def license_plate(self) -> str:
        return self.us.license_plate()

    def date(self) -> str:
        d = (
            self.us.date_of_birth(minimum_age=18, maximum_age=90)
            if self.rng.random() < 0.5
            else self.us.date_this_decade()
        )
        fmt = self.rng.choice(
            ["%m/%d/%Y", "%Y-%m-%d", "%B %d, %Y", "%d %B %Y", "%b %d, %Y", "%m-%d-%Y", "%d.%m.%Y"]
        )
        return d.strftime(fmt)

    def street(self) -> str:
        return _ascii(self.us.street_address())

    def city(self) -> str:
        f = self.faker()
        if "it_IT" in f.locales:
            # Faker's Italian city list is built from a set: its order, and so any seeded draw
            # from it, changes with PYTHONHASHSEED. Sorting keeps corpora reproducible.
            return _ascii(self.rng.choice(_it_cities()))
        return _ascii(f.city())

    def state(self) -> str:
        return self.us.state_abbr() if self.rng.random() < 0.6 else self.us.state()

    def zipcode(self) -> str:
        return self.us.zipcode()

    def amount(self) -> str:
        v = self.rng.choice([self.rng.randint(5, 999), self.rng.randint(1000, 99999)])
        cents = self.rng.randint(0, 99)
        return self.rng.choice([f"${v}", f"${v:,}.{cents:02d}", f"{v} USD", f"EUR {v}", f"${v}.{cents:02d}"])

    def job(self) -> str:
        return _ascii(self.us.job())

    def word(self) -> str:
        return self.us.word()

    def sentence(self, words: int = 8) -> str:
        return self.us.sentence(nb_words=words)

    def int_(self, a: int, b: int) -> int:
        return self.rng.randint(a, b)

    def order_id(self) -> str:
        return self.rng.choice(["#", "ORD-", "INV-", "TKT-", ""]) + "".join(
            self.rng.choices(string.digits + string.ascii_uppercase[:6], k=self.rng.choice([5, 6, 7, 8]))
        )
