"""Demo records: synthetic, deterministic points for the demo store and the tests; some carry PII.

Every value is made up by the generators of `values` from small built-in lists (no third-party
fake-data package): names, e-mail addresses, phone numbers, US social security numbers that pass
Presidio's validity rules, Luhn-valid card numbers and street addresses, spread over varied
templates so the records do not all look alike. PII-free records avoid digits, dates and proper
names so a good detector has no reason to flag them. `DemoRecord.has_pii` is the ground truth and
is never stored in a payload.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from typing import Any

from . import values
from .templates import fill
from .values import Range

FIRST_NAMES = (
    "James", "Maria", "Robert", "Linda", "Michael", "Patricia", "David", "Jennifer", "Thomas", "Susan",
    "Daniel", "Karen", "Matthew", "Nancy", "Anthony", "Margaret", "Andrew", "Sandra", "Joshua", "Emily",
    "Kevin", "Michelle", "Brian", "Laura", "George", "Rachel", "Edward", "Catherine", "Samuel", "Olivia",
    "Henry", "Sophia", "Oliver", "Isabella", "Lucas", "Amelia", "Ethan", "Charlotte", "Walter", "Hannah",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Anderson", "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Thompson", "White", "Harris", "Clark",
    "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Hill", "Green",
    "Adams", "Baker", "Nelson", "Carter", "Mitchell", "Roberts", "Turner", "Phillips", "Campbell", "Parker",
)  # fmt: skip
STREETS = (
    "Maple Avenue", "Oak Street", "Pine Road", "Cedar Lane", "Elm Drive", "Lakeview Boulevard",
    "Hillcrest Court", "Sunset Way", "Riverside Drive", "Washington Street", "Park Place", "Highland Avenue",
)  # fmt: skip
CITIES = (
    "Springfield", "Portland", "Austin", "Denver", "Boston", "Seattle", "Chicago", "Phoenix",
    "Nashville", "Atlanta", "San Diego", "Minneapolis",
)  # fmt: skip
MAIL_DOMAINS = ("example.com", "mailbox.org", "outlook.com", "gmail.com", "corp-mail.net", "yahoo.com")
AREA_CODES = ("212", "305", "312", "415", "503", "512", "617", "702", "720", "801", "919", "206")

TICKET_PII = (
    "Hi, this is {name}. My card {card} was charged twice for one order, please call me back at {phone}.",
    "Customer {name} ({email}) cannot log in since the last update and asks for a password reset.",
    "Please change the shipping address of {name} to {street}, {city}. Contact: {phone}.",
    "Refund request from {email}: the card ending in {card} was billed after cancellation.",
    "{name} called from {phone} about a damaged package delivered to {street}, {city}.",
    "Escalation: {name} says the invoice sent to {email} lists the wrong company name.",
    "Chargeback dispute opened by {name}, card number {card}, phone {phone}.",
    "Account owner {name} wants all marketing mail to {email} stopped immediately.",
    "Hello support, I am {name} and my order never arrived at {street}, {city}. Reach me at {email}.",
    "Verification for {name}: date of birth on file does not match, customer phone {phone}.",
)  # fmt: skip
HR_PII = (
    "Performance review for {name}, social security number {ssn}: exceeds expectations in every area.",
    "{name} requested parental leave starting next month; personal phone {phone}.",
    "Payroll correction for employee {name}, SSN {ssn}, salary deposit was sent to the wrong account.",
    "Background check completed for candidate {name} ({email}); SSN {ssn} verified.",
    "Relocation package approved for {name}, new home address {street}, {city}.",
    "Sick leave note: {name} will be out this week, emergency contact {phone}.",
    "Benefits enrollment for {name} is incomplete; send the forms to {email}.",
    "Exit interview scheduled with {name}; forward the final payslip to {street}, {city}.",
    "Disciplinary note on file for {name} after repeated late arrivals, reachable at {phone}.",
    "New hire paperwork for {name}: tax form lists SSN {ssn} and home email {email}.",
)  # fmt: skip

PRODUCTS = (
    "export button", "dark mode", "search bar", "sync service", "mobile app", "invoice page",
    "notification center", "password manager", "report builder", "calendar view", "upload dialog",
)  # fmt: skip
SYMPTOMS = (
    "does not respond after the latest update", "resets every time the app restarts",
    "shows a blank screen on slow connections", "is much slower than it used to be",
    "crashes when the list is very long", "ignores the saved preferences",
    "displays the wrong currency symbol", "keeps asking to log in again",
)  # fmt: skip
TICKET_CLEAN = (
    "The {product} {symptom}.",
    "Feature request: the {product} should remember the last filter that was used.",
    "Several users report that the {product} {symptom}; a workaround is to clear the cache.",
    "Question about pricing tiers for larger teams and whether billing per seat is available.",
    "Documentation for the {product} is out of date and misses the new settings panel.",
    "After switching browsers the {product} {symptom}.",
)  # fmt: skip
HR_TOPICS = (
    "the planning session", "the onboarding checklist", "the remote work guidelines",
    "the training budget", "the team offsite", "the hiring pipeline", "the holiday schedule",
    "the mentoring program", "the office seating plan", "the internal survey results",
)  # fmt: skip
HR_CLEAN = (
    "Reminder to update {topic} before it is shared with the teams.",
    "Notes from {topic}: most teams asked for clearer goals and fewer meetings.",
    "Proposal to simplify {topic} so that new managers can follow it without help.",
    "The review of {topic} is postponed until the leadership team has met.",
    "Feedback on {topic} was mostly positive, with a few requests for more flexibility.",
    "Action items from the meeting about {topic} are tracked in the shared folder.",
)  # fmt: skip

COLLECTIONS = ("support_tickets", "hr_notes")


@dataclass(frozen=True, slots=True)
class DemoRecord:
    collection: str
    point_id: int | str
    text: str
    payload: dict[str, Any]
    has_pii: bool
    values: tuple[str, ...] = ()  # the PII strings this record contains (ground truth for tests)


_PHONE_FORMATS = values.PHONE_FORMATS[:3]
_CARD_PREFIXES = (("4", 16), ("51", 16), ("55", 16), ("37", 15))


def _card(rng: random.Random) -> str:
    raw = values.card_number(rng, _CARD_PREFIXES)
    return values.group_card(raw, " ") if len(raw) == 16 and rng.random() < 0.5 else raw


def _identity(rng: random.Random) -> dict[str, str]:
    """One made-up person's values, drawn in a fixed order (the demo data depends on it)."""
    name = values.person_name(rng, FIRST_NAMES, LAST_NAMES)
    return {
        "name": name,
        "email": values.email_from_name(rng, name, MAIL_DOMAINS, values.EMAIL_PATTERNS[:3]),
        "phone": values.phone(rng, AREA_CODES, Range(201, 989), Range(1000, 9999), _PHONE_FORMATS),
        # Valid per SSA rules (never area 666 or a zero group or serial).
        "ssn": values.ssn(rng, Range(101, 898), Range(10, 99), Range(1000, 9999)),
        "card": _card(rng),
        "street": values.street_address(rng, STREETS, Range(12, 9800)),
        "city": rng.choice(CITIES),
    }


def _pii_record(collection: str, point_id: int | str, rng: random.Random) -> DemoRecord:
    fields = _identity(rng)
    name, email = fields["name"], fields["email"]
    templates = TICKET_PII if collection == "support_tickets" else HR_PII
    template = rng.choice(templates)
    text = fill(template, fields)
    used = {key for key in fields if "{" + key + "}" in template} | {"name", "email"}
    payload: dict[str, Any]
    if collection == "support_tickets":
        payload = {
            "text": text,
            "customer": {"name": name, "email": email},
            "priority": rng.choice(("low", "normal", "high")),
            "channel": rng.choice(("email", "chat", "phone")),
        }
    else:
        payload = {
            "text": text,
            "employee": {"name": name, "contact": {"email": email}},
            "department": rng.choice(("engineering", "sales", "finance", "support")),
        }
    return DemoRecord(collection, point_id, text, payload, True, tuple(fields[k] for k in sorted(used)))


def _clean_record(collection: str, point_id: int | str, rng: random.Random) -> DemoRecord:
    if collection == "support_tickets":
        text = rng.choice(TICKET_CLEAN).format(product=rng.choice(PRODUCTS), symptom=rng.choice(SYMPTOMS))
        payload: dict[str, Any] = {
            "text": text,
            "priority": rng.choice(("low", "normal", "high")),
            "channel": rng.choice(("email", "chat", "phone")),
        }
    else:
        text = rng.choice(HR_CLEAN).format(topic=rng.choice(HR_TOPICS))
        payload = {"text": text, "department": rng.choice(("engineering", "sales", "finance", "support"))}
    return DemoRecord(collection, point_id, text, payload, False)


def generate(
    points: int,
    *,
    seed: int = 7,
    pii_ratio: float = 0.5,
    collections: tuple[str, ...] = COLLECTIONS,
) -> list[DemoRecord]:
    """`points` records spread over `collections`, about `pii_ratio` of them carrying PII.

    Ids are integers in support_tickets and UUID strings elsewhere, so both id kinds are exercised.
    """
    if points < 0:
        raise ValueError("points must be >= 0")
    rng = random.Random(seed)
    records: list[DemoRecord] = []
    for i in range(points):
        collection = collections[i % len(collections)]
        number = i // len(collections) + 1
        point_id: int | str = (
            number if collection == "support_tickets" else str(uuid.UUID(int=rng.getrandbits(128), version=4))
        )
        if rng.random() < pii_ratio:
            records.append(_pii_record(collection, point_id, rng))
        else:
            records.append(_clean_record(collection, point_id, rng))
    return records
