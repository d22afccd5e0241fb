"""Seeded generators of made-up personal values: names, e-mails, phones, SSNs, cards, addresses, dates.

One set of generators serves every corpus. Each takes the caller's `random.Random` and the word
pools and ranges of its corpus as arguments, because the corpora keep the vocabularies that shipped
artifacts were built from (encoder profiles, demo and detector test data): the same seed must keep
drawing the same values, so every function here draws from the generator in a fixed, documented
order, and changing that order changes every corpus downstream.

`Range(lo, hi)` is an inclusive integer range drawn with `rng.randint`; a sequence is drawn with
`rng.choice`; a plain string is a constant that draws nothing.
"""

from __future__ import annotations

import random
import string
from collections.abc import Sequence
from typing import NamedTuple, TypeAlias

MONTHS = "January February March April May June July August September October November December".split()


class Range(NamedTuple):
    """An inclusive integer range, drawn with one `rng.randint(lo, hi)`."""

    lo: int
    hi: int


Spec: TypeAlias = Range | str | Sequence[str] | Sequence[int]


def draw(rng: random.Random, spec: Spec) -> str:
    """One value of `spec` as text: a Range draws an integer, a sequence one item, a string nothing."""
    if isinstance(spec, Range):
        return str(rng.randint(spec.lo, spec.hi))
    if isinstance(spec, str):
        return spec
    return str(rng.choice(spec))


# -- people ---------------------------------------------------------------------------------------


def person_name(rng: random.Random, first: Sequence[str], last: Sequence[str]) -> str:
    """A given name and a surname ("First Last"), drawn in that order."""
    return f"{rng.choice(first)} {rng.choice(last)}"


# Local parts built from a two-word name; {f} is the first initial, {n} a number 1-99.
EMAIL_PATTERNS = ("{first}.{last}", "{f}{last}", "{first}{n}", "{last}.{first}")


def email_from_name(
    rng: random.Random, name: str, domains: Sequence[str], patterns: Sequence[str] = EMAIL_PATTERNS
) -> str:
    """An address whose local part is built from the first two words of `name`.

    Draws: the number {n} (always, used or not), the pattern, then the domain.
    """
    first, last = name.lower().replace("'", "").split()[:2]
    n = rng.randint(1, 99)
    local = rng.choice(patterns).format(first=first, last=last, f=first[0], n=n)
    return f"{local}@{rng.choice(domains)}"


def email_joined(rng: random.Random, name: str, domains: Sequence[str]) -> str:
    """The whole lowercased name joined by '.', '_' or nothing, a number 40% of the time, a domain."""
    base = name.lower().replace(" ", rng.choice((".", "_", "")))
    return f"{base}{rng.randint(1, 99) if rng.random() < 0.4 else ''}@{rng.choice(domains)}"


# -- numbers --------------------------------------------------------------------------------------

PHONE_FORMATS = ("({a}) {b}-{c}", "{a}-{b}-{c}", "+1 {a} {b} {c}", "{a}.{b}.{c}")


def phone(
    rng: random.Random,
    area: Spec,
    exchange: Spec,
    line: Spec,
    formats: Sequence[str] = PHONE_FORMATS,
) -> str:
    """A phone number: area {a}, exchange {b} and line {c} drawn in that order, then a format."""
    a, b, c = draw(rng, area), draw(rng, exchange), draw(rng, line)
    return rng.choice(formats).format(a=a, b=b, c=c)


SSN_AREA, SSN_GROUP, SSN_SERIAL = Range(1, 899), Range(1, 99), Range(1, 9999)


def ssn(
    rng: random.Random,
    area: Range = SSN_AREA,
    group: Range = SSN_GROUP,
    serial: Range = SSN_SERIAL,
    *,
    skip_666: bool = True,
) -> str:
    """A US social security number AAA-GG-SSSS.

    With `skip_666` the area never is 666 (which the SSA never issues, and Presidio rejects): it is
    drawn from the range one shorter and shifted past 666, which draws exactly as `rng.choice` over
    the range without 666 would.
    """
    if skip_666 and area.lo <= 666 <= area.hi:
        a = rng.randint(area.lo, area.hi - 1)
        a += a >= 666
    else:
        a = rng.randint(area.lo, area.hi)
    return f"{a:03d}-{rng.randint(group.lo, group.hi):02d}-{rng.randint(serial.lo, serial.hi):04d}"


def luhn_check_digit(digits: list[int]) -> int:
    """The digit that makes `digits` + [it] pass the Luhn checksum (card numbers)."""
    total = 0
    for i, d in enumerate(reversed(digits)):
        d = d * 2 if i % 2 == 0 else d
        total += d - 9 if d > 9 else d
    return (10 - total % 10) % 10


# (issuer prefix, card length): Visa and Mastercard 16 digits, American Express 15.
CARD_PREFIXES = (("4", 16), ("51", 16), ("52", 16), ("55", 16), ("37", 15))


def card_number(rng: random.Random, prefixes: Sequence[tuple[str, int]] = CARD_PREFIXES) -> str:
    """A Luhn-valid card number, digits only: a prefix, random digits, then the check digit."""
    prefix, length = rng.choice(prefixes)
    digits = [int(c) for c in prefix] + [rng.randint(0, 9) for _ in range(length - len(prefix) - 1)]
    digits.append(luhn_check_digit(digits))
    return "".join(map(str, digits))


def group_card(number: str, sep: str) -> str:
    """`number` in its printed groups: 4-6-5 for 15 digits (Amex), else runs of 4."""
    if len(number) == 15:
        groups = [number[:4], number[4:10], number[10:]]
    else:
        groups = [number[i : i + 4] for i in range(0, len(number), 4)]
    return sep.join(groups)


def iban_de(rng: random.Random) -> str:
    """A German IBAN with a valid ISO 7064 check number (DE + 2 check digits + 18 digits)."""
    bban = "".join(rng.choice(string.digits) for _ in range(18))
    numeric = int(bban + "131400")  # "DE" -> 13 14, then "00"
    check = 98 - numeric % 97
    return f"DE{check:02d}{bban}"


def ip_address(rng: random.Random) -> str:
    """A public-looking IPv4 address (first octet 11-223)."""
    return f"{rng.randint(11, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


# -- places and dates -----------------------------------------------------------------------------


def street_address(
    rng: random.Random, streets: Sequence[str], number: Range, types: Sequence[str] | None = None
) -> str:
    """A house number, a street and, if `types` is given, a street type ("12 Oak Lane"), in that order."""
    text = f"{rng.randint(number.lo, number.hi)} {rng.choice(streets)}"
    return f"{text} {rng.choice(types)}" if types else text


def format_date(y: int, m: int, d: int, fmt: str) -> str:
    """`fmt` is "us" (05/07/1990), "iso" (1990-05-07) or "long" (May 7, 1990)."""
    if fmt == "us":
        return f"{m:02d}/{d:02d}/{y}"
    if fmt == "iso":
        return f"{y}-{m:02d}-{d:02d}"
    if fmt == "long":
        return f"{MONTHS[m - 1]} {d}, {y}"
    raise ValueError(f"unknown date format {fmt!r}")


def date_text(
    rng: random.Random, years: Range, formats: Sequence[str] = ("us", "iso", "long"), *, order: str = "ymd"
) -> str:
    """A date (day 1-28, so every month has it) in one of `formats`.

    `order` is the order year, month and day are drawn in ("ymd" or "mdy"); the format comes last.
    """
    drawn: dict[str, int] = {}
    for part in order:
        lo, hi = {"y": (years.lo, years.hi), "m": (1, 12), "d": (1, 28)}[part]
        drawn[part] = rng.randint(lo, hi)
    return format_date(drawn["y"], drawn["m"], drawn["d"], rng.choice(formats))
