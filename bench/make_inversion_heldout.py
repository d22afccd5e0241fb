"""Write the held-out evaluation set for oracle-guided inversion (`bench/data/inversion_heldout.jsonl`).

Twelve text styles that no generator in `vecaudit` produces (veterinary, library, gym, parking,
IT assets, moving, daycare, donations, maintenance, lost-and-found, genealogy, event badges), in
three parts:

- `listed`: PII with names drawn from Faker's person lists of 30 Latin-script locales, the same
  lists the value search proposes from (so this part measures a listed name);
- `invented`: names and email local parts made from syllables, checked against every list the
  search knows, so no candidate list can hold them;
- `short`: single-clause texts in ten more styles with listed names;
- `clean`: the same styles with no personal data at all (false findings are measured here).

The file is committed; rerunning the script with the same seed writes the same file.

    .venv/bin/python bench/make_inversion_heldout.py [--per-style 20] [--seed 2611]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import string
import unicodedata
from pathlib import Path

from faker import Faker
from vecaudit.detect.names import fold
from vecaudit.namelists import faker_names
from vecaudit.synthetic import values
from vecaudit.synthetic.values import Range

OUT = Path(__file__).parent / "data" / "inversion_heldout.jsonl"

LOCALES = [
    "en_US",
    "en_GB",
    "en_IE",
    "en_IN",
    "en_NG",
    "en_KE",
    "de_DE",
    "fr_FR",
    "es_ES",
    "es_MX",
    "it_IT",
    "nl_NL",
    "pl_PL",
    "cs_CZ",
    "sk_SK",
    "hu_HU",
    "ro_RO",
    "hr_HR",
    "tr_TR",
    "fi_FI",
    "sv_SE",
    "no_NO",
    "da_DK",
    "pt_BR",
    "pt_PT",
    "tw_GH",
    "yo_NG",
    "zu_ZA",
    "id_ID",
    "vi_VN",
]

STYLES: dict[str, list[str]] = {
    "veterinary": [
        "Bella, a beagle owned by {name}, is due for her rabies shot. Reminder sent to {email}.",
        "Vet visit: {name} brought in a limping cat; call back on {phone}.",
        "The clinic billed {name} for two vaccines; the card ending in {card4} was declined.",
        "Pet insurance form for {name}, owner email {email}, microchip checked.",
    ],
    "library": [
        "The copy of Dune borrowed by {name} is twelve days overdue.",
        "Library card renewed for {name}; notices go to {email}.",
        "Hold request from {name}: three novels ready at the front desk.",
        "Overdue fine waived for {name} after a call from {phone}.",
    ],
    "gym": [
        "Membership frozen for {name} until March; contact {phone}.",
        "Personal trainer session booked by {name}, confirmation to {email}.",
        "{name} cancelled the yearly plan and asked for a refund to card {card}.",
        "Locker 42 assigned to {name} for the summer term.",
    ],
    "parking": [
        "Parking permit issued to {name} for the north garage.",
        "Citation appeal from {name}: the meter was broken. Reply to {email}.",
        "Towed vehicle released to {name} after payment; phone on file {phone}.",
        "Resident {name} reports a blocked driveway every morning.",
    ],
    "it_assets": [
        "Laptop SN-4471 assigned to {name}; login {email}.",
        "VPN token reissued for {name}, last seen from {ip}.",
        "Hardware return: {name} handed in a monitor and a docking station.",
        "Badge access revoked for {name}, effective today.",
    ],
    "moving": [
        "Moving quote for {name}: two bedrooms, piano included, call {phone}.",
        "The truck for {name} arrives at eight; invoice to {email}.",
        "Storage unit 19 rented by {name}, deposit paid with {card}.",
        "{name} asked us to pack the kitchen first.",
    ],
    "daycare": [
        "Pickup today by {name}, the grandmother; she will show her ID.",
        "Allergy note from {name}: no peanuts for Leo. Call {phone} with questions.",
        "Monthly tuition receipt emailed to {email} for {name}.",
        "{name} signed the field trip permission slip.",
    ],
    "donations": [
        "Thank you {name} for your gift of fifty dollars to the food bank.",
        "Recurring donation set up by {name}, receipts to {email}.",
        "Donor {name} asked to stay anonymous in the annual report.",
        "Tax receipt for {name}, SSN {ssn}, mailed this week.",
    ],
    "maintenance": [
        "Unit 5B: {name} says the heater makes a loud noise at night.",
        "Work order for {name}: leaking faucet, tenant reachable at {phone}.",
        "Pest control visit scheduled for {name}; confirmation sent to {email}.",
        "{name} reported a broken window in the laundry room.",
    ],
    "lost_found": [
        "A blue umbrella was claimed by {name} at the front desk.",
        "Found wallet belongs to {name}; owner contacted at {phone}.",
        "{name} lost a ring near gate 7 and left the email {email}.",
        "Keys with a red tag returned to {name}.",
    ],
    "genealogy": [
        "Marriage record: {name} and {name2}, parish of Saint Anne.",
        "Family tree update: {name} is the great aunt of {name2}.",
        "Census entry lists {name} as a carpenter living with two sons.",
        "Baptism certificate requested by {name}, reply to {email}.",
    ],
    "event_badge": [
        "Badge printed for {name}, speaker, track B.",
        "Conference registration: {name}, {email}, vegetarian meal.",
        "{name} checked in at the venue at nine thirty.",
        "Speaker {name} needs a projector; mobile {phone}.",
    ],
}

# Short single-clause texts, the length most chunked stores hold.
SHORT: dict[str, list[str]] = {
    "invoice": [
        "Invoice for {name}, due in 30 days.",
        "Second reminder sent to {name} about the unpaid invoice.",
    ],
    "callback": ["Please call {name} back at {phone}.", "{name} left a message and wants a callback."],
    "contract": [
        "{name} requested a copy of the signed contract.",
        "Contract renewal for {name} is pending.",
    ],
    "receipt": ["Send the receipt to {email}.", "Receipt for {name} was emailed to {email}."],
    "appointment": ["Appointment confirmed for {name} on Monday.", "{name} moved the appointment to Friday."],
    "delivery": ["Delivery for {name} is delayed by two days.", "{name} signed for the parcel at noon."],
    "account": ["{name} changed the account email to {email}.", "Account for {name} was closed today."],
    "survey": ["{name} rated the service five stars.", "Survey answers from {name} were received."],
    "access": ["Give {name} access to the shared drive.", "Remove {name} from the mailing list."],
    "feedback": ["Thanks {name}, your feedback helps us improve.", "{name} says the app is too slow."],
}

CLEAN: dict[str, list[str]] = {
    "veterinary": [
        "The clinic closes early on Friday for staff training.",
        "Bring your dog's vaccination booklet to every visit.",
    ],
    "library": [
        "New arrivals this month include three books on gardening.",
        "The reading room is quiet from noon to two.",
    ],
    "gym": [
        "The pool is closed for cleaning until Wednesday.",
        "Spin classes now start fifteen minutes earlier.",
    ],
    "parking": [
        "The north garage reopens after the resurfacing work.",
        "Visitors may park on level two for four hours.",
    ],
    "it_assets": [
        "All laptops need the latest security update by Monday.",
        "The printer on floor eight is out of toner again.",
    ],
    "moving": [
        "Boxes and tape are sold at the front office.",
        "Please label fragile items before the truck arrives.",
    ],
    "daycare": [
        "Nap time moves to one o'clock starting next week.",
        "Please pack a spare set of clothes every day.",
    ],
    "donations": [
        "The food drive collected four hundred cans this year.",
        "Volunteers are needed for the winter coat sale.",
    ],
    "maintenance": [
        "Water will be shut off between ten and noon on Tuesday.",
        "The elevator inspection is scheduled for next month.",
    ],
    "lost_found": [
        "Unclaimed items are donated after thirty days.",
        "Several umbrellas are waiting at the front desk.",
    ],
    "genealogy": [
        "The parish archive is open on the first Saturday of each month.",
        "Census records from that decade were partly lost in a fire.",
    ],
    "event_badge": [
        "Lunch will be served in the main hall at noon.",
        "The keynote starts at nine in room A.",
    ],
}

_FREE = ["gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "proton.me", "icloud.com", "gmx.net"]
_ORG = ["northwind.io", "bluepeak.org", "kestrel.co", "acme-health.com", "riverbank.net", "lumen.edu"]

_ONSET = [
    "b",
    "d",
    "f",
    "g",
    "k",
    "l",
    "m",
    "n",
    "p",
    "r",
    "s",
    "t",
    "v",
    "z",
    "br",
    "dr",
    "kr",
    "tr",
    "st",
    "th",
]
_VOWEL = ["a", "e", "i", "o", "u", "ai", "ou", "ei"]
_CODA = ["", "", "", "n", "r", "l", "s", "th", "nd", "m"]


_UNDECOMPOSED = str.maketrans(
    {"Đ": "D", "đ": "d", "Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "ß": "ss", "Æ": "Ae", "æ": "ae", "ı": "i"}
)


def ascii_fold(s: str) -> str:
    return unicodedata.normalize("NFKD", s.translate(_UNDECOMPOSED)).encode("ascii", "ignore").decode()


def listed_keys() -> frozenset[str]:
    """Lookup keys of every name the attack and the detector can list (all Faker locales), so an
    invented name is one that no candidate list holds."""
    given, surnames = faker_names()
    return frozenset(fold(n) for n in given | surnames)


_PHONE_FORMATS = ("({a}) {b}-{c:0>4}", "{a}-{b}-{c:0>4}", "+1 {a} {b} {c:0>4}")


class Values:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.fakers = [Faker(loc) for loc in LOCALES]
        for i, f in enumerate(self.fakers):
            f.seed_instance(seed + i)
        self.listed = listed_keys()

    def listed_person(self) -> tuple[str, str]:
        while True:
            f = self.rng.choice(self.fakers)
            first, last = ascii_fold(f.first_name()), ascii_fold(f.last_name())
            if re.fullmatch(r"[A-Z][a-z]+", first) and re.fullmatch(r"[A-Z][a-z]+", last):
                return first, last

    def _syllables(self, k: int) -> str:
        out = "".join(
            self.rng.choice(_ONSET) + self.rng.choice(_VOWEL) + (self.rng.choice(_CODA) if i == k - 1 else "")
            for i in range(k)
        )
        return out.capitalize()

    def invented_person(self) -> tuple[str, str]:
        while True:
            first, last = (
                self._syllables(self.rng.choice([2, 2, 3])),
                self._syllables(self.rng.choice([2, 3])),
            )
            if fold(first) not in self.listed and fold(last) not in self.listed:
                return first, last

    def email(self, first: str, last: str) -> str:
        f, s = first.lower(), last.lower()
        local = self.rng.choice(
            [f"{f}.{s}", f"{f}{s}", f"{f[0]}{s}", f"{f}_{s}", f"{f}.{s}{self.rng.randint(1, 99)}", f"{s}.{f}"]
        )
        return f"{local}@{self.rng.choice(_FREE if self.rng.random() < 0.5 else _ORG)}"

    def phone(self) -> str:
        return values.phone(self.rng, Range(201, 989), Range(200, 999), Range(0, 9999), _PHONE_FORMATS)

    def ssn(self) -> str:
        return values.ssn(self.rng, Range(100, 665))

    def card(self) -> str:
        # A Visa number from `choices` (not `values.card_number`), which the committed file was drawn with.
        drawn = [int(d) for d in "4" + "".join(self.rng.choices(string.digits, k=15))]
        digits = "".join(map(str, drawn[:15] + [values.luhn_check_digit(drawn[:15])]))
        return values.group_card(digits, " ")

    def ip(self) -> str:
        return ".".join(str(self.rng.randint(1, 254)) for _ in range(4))


ENTITY = {
    "email": "EMAIL_ADDRESS",
    "phone": "PHONE_NUMBER",
    "ssn": "US_SSN",
    "card": "CREDIT_CARD",
    "ip": "IP_ADDRESS",
}


def render(template: str, v: Values, invented: bool) -> tuple[str, list[tuple[str, str]]]:
    person = v.invented_person() if invented else v.listed_person()
    other = v.invented_person() if invented else v.listed_person()
    ents: list[tuple[str, str]] = []
    filled = {
        "name": f"{person[0]} {person[1]}",
        "name2": f"{other[0]} {other[1]}",
        "email": v.email(*person),
        "phone": v.phone(),
        "ssn": v.ssn(),
        "card": v.card(),
        "card4": str(v.rng.randint(1000, 9999)),
        "ip": v.ip(),
    }

    def fill(m: re.Match[str]) -> str:
        slot = m.group(1)
        if slot in ("name", "name2"):
            ents.append(("PERSON", filled[slot]))
        elif slot in ENTITY:
            ents.append((ENTITY[slot], filled[slot]))
        return filled[slot]

    return re.sub(r"\{(\w+)\}", fill, template), ents


def build(per_style: int, seed: int) -> list[dict[str, object]]:
    v = Values(seed)
    rows: list[dict[str, object]] = []
    for part, invented in (("listed", False), ("invented", True)):
        n = per_style if part == "listed" else max(1, per_style // 4)
        for style, templates in STYLES.items():
            for i in range(n):
                text, ents = render(templates[i % len(templates)], v, invented)
                rows.append({"part": part, "style": style, "text": text, "entities": ents})
    for style, templates in SHORT.items():
        for i in range(per_style // 2):
            text, ents = render(templates[i % len(templates)], v, False)
            rows.append({"part": "short", "style": style, "text": text, "entities": ents})
    for style, texts in CLEAN.items():
        for text in texts:
            rows.append({"part": "clean", "style": style, "text": text, "entities": []})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--per-style", type=int, default=20)
    ap.add_argument("--seed", type=int, default=2611)
    args = ap.parse_args()
    rows = build(args.per_style, args.seed)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("".join(json.dumps(r) + "\n" for r in rows))
    parts = {p: sum(r["part"] == p for r in rows) for p in ("listed", "invented", "short", "clean")}
    print(f"wrote {len(rows)} texts to {OUT}: {parts}")


if __name__ == "__main__":
    main()
