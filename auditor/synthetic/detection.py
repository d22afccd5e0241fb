"""Detector test data: seeded sentences and payloads with and without PII (tests, tuning, benchmarks).

Everything here is invented: names are drawn from common given names and surnames, numbers are
generated (SSNs in valid ranges, Luhn-valid card numbers, checksum-valid IBANs, phone numbers in
the 555 fiction range). The PII-free side is deliberately hard: dates, prices, versions, order
numbers, place names and product names that a careless detector reports as personal data.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable
from typing import Any

from . import values
from .templates import draw_slots, fill
from .values import MONTHS, Range

FIRST_NAMES = (
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard "
    "Susan Joseph Jessica Thomas Sarah Charles Karen Daniel Nancy Matthew Lisa Anthony Betty Mark "
    "Sandra Steven Ashley Andrew Kimberly Joshua Emily Kevin Donna Brian Michelle Maria Jose Carlos "
    "Lucia Sofia Mateo Valentina Diego Camila Alejandro Wei Li Ming Xiao Hiroshi Yuki Akira Haruto "
    "Priya Rahul Anjali Arjun Deepa Vikram Aisha Omar Fatima Hassan Layla Yusuf Chinedu Ngozi Kwame "
    "Amara Oluwaseun Zanele Lars Ingrid Sven Freya Pierre Camille Lukas Hanna Giulia Marco Olga "
    "Dmitri Anna Piotr Katarzyna Sean Aoife Noah Olivia Liam Emma Ethan Ava Mason Chloe Gabriel Zoe"
).split()
LAST_NAMES = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
    "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill "
    "Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Chen Wang Zhang "
    "Liu Tanaka Suzuki Sato Kim Park Patel Sharma Gupta Singh Iyer Khan Ahmed Hussain Haddad "
    "Okafor Adeyemi Mensah Nkosi Eriksson Larsen Johansson Dubois Moreau Schmidt Mueller Fischer "
    "Rossi Bianchi Ivanov Petrova Kowalski Novak Murphy Kelly O'Brien Fitzgerald Costa Silva"
).split()
STREETS = "Oak Maple Pine Cedar Elm Washington Lake Hill Park Main Sunset Willow Highland Madison".split()
STREET_TYPES = "Street Avenue Road Lane Drive Boulevard Court Way Place".split()
CITIES = "Springfield Portland Austin Denver Boston Seattle Chicago Madison Fairview Riverside".split()
DOMAINS = "gmail.com yahoo.com outlook.com example.org proton.me icloud.com acme-corp.com".split()
PRODUCTS = (
    "wireless headphones|standing desk|coffee grinder|running shoes|air purifier|laptop stand|"
    "smart thermostat|electric kettle|yoga mat|backpack|monitor arm|mechanical keyboard"
).split("|")
COUNTRIES = "Canada Germany Japan Brazil Australia France Mexico India Spain Norway".split()


# Assigned US area codes, so the numbers pass libphonenumber's validity check like real ones;
# lines 0100-0199 of exchange 555 are reserved for fiction.
AREA_CODES = (212, 213, 305, 312, 404, 415, 503, 512, 602, 617, 646, 702, 713, 718, 818, 917)
_PHONE_FORMATS = ("({a}) {b}-0{c}", "{a}-{b}-0{c}", "+1 {a} {b} 0{c}", "{a}.{b}.0{c}")
_CARD_PREFIXES = (("4", 16), ("51", 16), ("52", 16), ("55", 16))  # Visa and Mastercard


def person_name(rng: random.Random) -> str:
    """A given name and a surname from this module's pools."""
    return values.person_name(rng, FIRST_NAMES, LAST_NAMES)


def email(rng: random.Random, name: str | None = None) -> str:
    """An address built from `name` (a fresh name when None)."""
    return values.email_from_name(rng, name or person_name(rng), DOMAINS)


def credit_card(rng: random.Random) -> str:
    """A Luhn-valid 16-digit card number, grouped by space, dash or nothing."""
    return values.group_card(values.card_number(rng, _CARD_PREFIXES), rng.choice([" ", "-", ""]))


def _date(rng: random.Random) -> str:
    # Both forms are built before one is chosen, so both draw.
    return rng.choice(
        [
            f"{rng.choice(MONTHS)} {rng.randint(1, 28)}",
            f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        ]
    )


# Each template: (text with {slots}, entity kinds it carries).
_PII_TEMPLATES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Customer {name} called about order {order} and asked for a refund.", ("PERSON",)),
    ("Please contact {name} at {email} regarding the renewal.", ("PERSON", "EMAIL_ADDRESS")),
    ("Reach me at {phone} after 5pm, thanks!", ("PHONE_NUMBER",)),
    ("Patient {name}, DOB {dob}, presented with a mild fever.", ("PERSON", "DATE_OF_BIRTH")),
    ("SSN on file: {ssn}. Verified by phone.", ("US_SSN",)),
    ("Card ending mix-up: full number {card} was pasted into the ticket.", ("CREDIT_CARD",)),
    ("Wire the deposit to IBAN {iban} before Friday.", ("IBAN_CODE",)),
    ("Login from {ip} flagged as suspicious for user {email}.", ("IP_ADDRESS", "EMAIL_ADDRESS")),
    ("Ship to {name}, {address}, {city}.", ("PERSON", "STREET_ADDRESS")),
    ("Hi, I'm {name} and my package never arrived.", ("PERSON",)),
    ("{name} from accounting approved the invoice.", ("PERSON",)),
    ("Employee {name} (SSN {ssn}) started on {date}.", ("PERSON", "US_SSN")),
    ("Dear {name}, your appointment is confirmed for {date}.", ("PERSON",)),
    ("My email is {email} and my phone is {phone}.", ("EMAIL_ADDRESS", "PHONE_NUMBER")),
    ("Dr. {name} prescribed 20mg daily; follow-up in two weeks.", ("PERSON",)),
    ("Forwarding to {email} for review.", ("EMAIL_ADDRESS",)),
    ("The tenant at {address} reported a leak; call {phone}.", ("STREET_ADDRESS", "PHONE_NUMBER")),
    ("{name} wrote: the new dashboard is confusing.", ("PERSON",)),
    ("Thanks {name}! Your refund of $49.99 is on its way.", ("PERSON",)),
    ("Payment failed for card {card}, cardholder {name}.", ("CREDIT_CARD", "PERSON")),
    ("Interview notes: {name} has 6 years of Python experience.", ("PERSON",)),
    ("Emergency contact: {name}, {phone}.", ("PERSON", "PHONE_NUMBER")),
    ("Sent the contract to {name} ({email}) on {date}.", ("PERSON", "EMAIL_ADDRESS")),
    ("Date of birth: {dob}", ("DATE_OF_BIRTH",)),
    ("Member {name} upgraded to the premium plan.", ("PERSON",)),
)

_CLEAN_TEMPLATES: tuple[str, ...] = (
    "The {product} arrived on {date} and works great.",
    "Battery life is about {n} hours, which is better than expected.",
    "Order #{order} shipped for ${price} and should arrive within {small} business days.",
    "Revenue grew {pct}% in Q{q} 2023 to ${n}.{small} billion.",
    "The app crashes when I open settings on version {v}.",
    "Error {code} returned by the API at {hh}:{mm} UTC; retry succeeded.",
    "Shipping to {country} takes {small} to {n} days.",
    "Please reset the router and wait {small} minutes before reconnecting.",
    "Our office in {city} will be closed on {date} for maintenance.",
    "Step {small}: preheat the oven to {temp} degrees and bake for {n} minutes.",
    "The meeting moved to Thursday at {hh}:{mm}; agenda attached.",
    "SKU {sku} is out of stock until {date}.",
    "Five stars, the {product} is quiet and easy to clean.",
    "Refund processed for order {order}; the amount was ${price}.",
    "Rainfall reached {n} mm on {date}, the highest since 1998.",
    "Update to build {v} to fix the memory leak in the sync module.",
    "The quarterly report covers {n} stores across {country}.",
    "Temperature sensor reading {temp}.{small} C at {hh}:{mm}.",
    "Can I return the {product} if the box was opened?",
    "Ticket {order}: printer on floor {small} is jammed again.",
    "Average response time dropped to {n} ms after the cache change.",
    "The {product} is {pct}% off until {date}.",
    "Warehouse {small} processed {order} packages last week.",
    "Firmware {v} adds support for {country} power plugs.",
    "Invoice {sku} is due in {n} days.",
    "Set the timeout to {n} seconds and the retry count to {small}.",
    "The train from {city} to the airport runs every {small}0 minutes.",
    "Customer satisfaction rose to {pct}% this quarter.",
    "Fixed a bug where exports over {n} MB failed.",
    "The warranty covers parts and labour for {small} years.",
)


def _fill(rng: random.Random, template: str, name: str) -> str:
    # Slots are drawn in this table's order, not the template's: the test data depends on it.
    makers: dict[str, Callable[[], str]] = {
        "name": lambda: name,
        "email": lambda: email(rng, name),
        "phone": lambda: values.phone(rng, AREA_CODES, "555", Range(100, 199), _PHONE_FORMATS),
        "ssn": lambda: values.ssn(rng),  # areas 001-899 without 666
        "card": lambda: credit_card(rng),
        "iban": lambda: values.iban_de(rng),
        "ip": lambda: values.ip_address(rng),
        "address": lambda: values.street_address(rng, STREETS, Range(1, 9899), STREET_TYPES),
        "city": lambda: values.draw(rng, CITIES),
        "dob": lambda: values.date_text(rng, Range(1940, 2005), ("us", "long", "iso"), order="ymd"),
        "date": lambda: _date(rng),
        "order": lambda: values.draw(rng, Range(10000, 999999)),
        "product": lambda: values.draw(rng, PRODUCTS),
        "n": lambda: values.draw(rng, Range(10, 900)),
        "small": lambda: values.draw(rng, Range(2, 9)),
        "price": lambda: f"{rng.randint(5, 999)}.{rng.randint(0, 99):02d}",
        "pct": lambda: values.draw(rng, Range(2, 95)),
        "q": lambda: values.draw(rng, Range(1, 4)),
        "v": lambda: f"{rng.randint(1, 12)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}",
        "code": lambda: values.draw(rng, (400, 401, 403, 404, 429, 500, 502, 503, 504)),
        "hh": lambda: f"{rng.randint(0, 23):02d}",
        "mm": lambda: f"{rng.randint(0, 59):02d}",
        "country": lambda: values.draw(rng, COUNTRIES),
        "temp": lambda: values.draw(rng, Range(15, 250)),
        "sku": lambda: f"{rng.choice('ABCDEFGH')}{rng.choice('KLMNPRST')}-{rng.randint(1000, 9999)}",
    }
    return fill(template, draw_slots(template, makers))


def pii_text(rng: random.Random) -> tuple[str, tuple[str, ...]]:
    """One sentence carrying PII, and the entity kinds in it."""
    template, kinds = rng.choice(_PII_TEMPLATES)
    return _fill(rng, template, person_name(rng)), kinds


def clean_text(rng: random.Random) -> str:
    """One realistic sentence without personal data."""
    return _fill(rng, rng.choice(_CLEAN_TEMPLATES), "")


def payload(rng: random.Random, with_pii: bool) -> dict[str, Any]:
    """A nested point payload; with_pii puts PII in one or two fields, otherwise none at all."""
    meta: dict[str, Any] = {
        "source": rng.choice(["zendesk", "email", "chat", "web"]),
        "created_at": f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:15Z",
        "tags": rng.sample(["billing", "shipping", "bug", "feature", "urgent", "refund", "login"], 2),
        "priority": rng.randint(1, 4),
        "lang": "en",
    }
    body = pii_text(rng)[0] if with_pii else clean_text(rng)
    doc: dict[str, Any] = {"text": body, "meta": meta, "chunk": rng.randint(0, 12)}
    if rng.random() < 0.5:
        doc["summary"] = clean_text(rng)
    if with_pii and rng.random() < 0.4:
        name = person_name(rng)
        doc["customer"] = {"name": name, "emails": [email(rng, name)], "tier": rng.choice(["gold", "basic"])}
    return doc


def uncased_inverter_style(text: str) -> str:
    """Render text as a perfect BERT-uncased inverter would write it back.

    Lowercased, accents stripped, punctuation split into tokens and joined with spaces, then
    transformers' decode clean-up (no space before . , ? !). Matches `tokenizer.decode(
    tokenizer.encode(text), skip_special_tokens=True)` of the MiniLM vocabulary on our corpus.
    """
    folded = unicodedata.normalize("NFD", text.lower())
    folded = "".join(c for c in folded if unicodedata.category(c) != "Mn")
    spaced = " ".join(re.findall(r"\w+|[^\w\s]", folded))
    for mark in ".,?!":
        spaced = spaced.replace(" " + mark, mark)
    return spaced
