"""Labelled PII template families (styles) of the inverter's synthetic corpus.

A style is a family of templates from one domain (support tickets, clinical notes, chat, ...).
Whole families are held out of training so evaluation measures what a store with unfamiliar
phrasing would leak, not how well the model memorised our templates. Besides the fixed
families, three compositional families (key-value records, clause chains, CSV/JSON rows)
assemble random fields, which multiplies the surface forms the model sees.
"""

from __future__ import annotations

from collections.abc import Callable

from .factory import ValueFactory
from .templates import Sample, fill

STYLES: dict[str, list[str]] = {
    "support_ticket": [
        "Customer {name} ({email}) reports that the app crashes on login. Callback number {phone}.",
        "Ticket {order}: {name} cannot reset the password for {email}.",
        "Hi, this is {name}. My order {order} never arrived. You can reach me at {phone}.",
        "Refund request from {name}, account {acct}, amount {amount}.",
        "{name} called about a double charge on card {card}.",
        "Escalated: {name} ({phone}) wants to close account {acct}.",
        "User {email} is locked out after three failed attempts.",
        "Please update the shipping address for {name} to {street}, {city}.",
    ],
    "crm_note": [
        "Met with {name} from {company}; follow up at {email}.",
        "{name}, {job} at {company}, prefers calls at {phone}.",
        "Lead: {name} <{email}>, interested in the enterprise plan.",
        "Contact {name} ({company}) - direct line {phone}.",
        "Renewal discussed with {name}; send the quote to {email} by {date}.",
    ],
    "medical_note": [
        "Patient {name}, DOB {dob}, presented with chest pain. MRN {mrn}.",
        "{name} (MRN {mrn}) was prescribed 20 mg atorvastatin daily.",
        "Pt {name}, SSN {ssn}, admitted on {date} for pneumonia.",
        "Follow-up for {name}: blood pressure 142/91, recheck in two weeks. Phone {phone}.",
        "Discharge summary: {name}, born {dob}, diagnosed with type 2 diabetes.",
        "Lab results for {name} ({mrn}) show elevated A1C.",
    ],
    "hr_record": [
        "Employee {name}, SSN {ssn}, start date {date}, salary {amount}.",
        "{name} was promoted to {job} effective {date}.",
        "Background check for {name} (DOB {dob}) cleared.",
        "Payroll: direct deposit for {name} to account {acct}.",
        "Performance review: {name} exceeded targets this quarter.",
        "New hire {name}, personal email {email}, phone {phone}.",
    ],
    "banking": [
        "Wire of {amount} from {name} to IBAN {iban}.",
        "Card ending {card} flagged for fraud; cardholder {name}.",
        "{name} opened checking account {acct} on {date}.",
        "Loan application: {name}, SSN {ssn}, annual income {amount}.",
        "Dispute filed by {name} for a charge of {amount} on {card}.",
    ],
    "chat": [
        "hey it's {first}, text me at {phone}",
        "my email is {email} btw",
        "lol {name} said she'd send it to {email}",
        "can you call {name}? number is {phone}",
        "ok sending my ssn {ssn} now, please delete after",
        "this is {name}, running late, call {phone}",
    ],
    "email_signature": [
        "Best regards, {name} | {job} | {company} | {phone}",
        "Thanks, {name} -- {email} -- {phone}",
        "{name}\n{job}, {company}\n{email}",
        "Sent by {name} ({email}) from my phone",
    ],
    "shipping": [
        "Ship to {name}, {street}, {city}, {state} {zip}.",
        "Package for {name} delivered to {street} on {date}.",
        "Return label: {name}, {street}, {city} {zip}, tel {phone}.",
        "Order {order} for {name} is out for delivery.",
    ],
    "legal": [
        "The plaintiff, {name}, residing at {street}, {city}, filed on {date}.",
        "Witness statement by {name}, contact {phone}.",
        "Agreement between {company} and {name} dated {date}.",
        "Power of attorney granted to {name} by {name2}.",
    ],
    "insurance": [
        "Claim {order} submitted by {name}, policy holder since {date}.",
        "{name} reported a collision; policy {acct}, phone {phone}.",
        "Beneficiary: {name2}, relation spouse, SSN {ssn}.",
    ],
    "form_fill": [
        "Name: {name} Email: {email} Phone: {phone}",
        "First name: {first} Last name: {last} DOB: {dob}",
        "Full name {name}; SSN {ssn}; card {card}",
        "Applicant {name}, date of birth {dob}, address {street}, {city}.",
    ],
    "log_line": [
        "login ok user={email} ip={ip}",
        "WARN payment failed for {email} card={card}",
        "auth failure for {email} from {ip}",
        'created user id={acct} name="{name}" email={email}',
    ],
    "education": [
        "Student {name} (ID {acct}) enrolled in Biology 101.",
        "Parent contact for {name}: {name2}, {phone}.",
        "{name} received a B+ in calculus; guardian email {email}.",
    ],
    "real_estate": [
        "{name} is selling the house at {street}, {city}; asking {amount}.",
        "Tenant {name} signed a lease for {street} starting {date}.",
    ],
    "travel": [
        "Booking for {name}, passport {passport}, flight on {date}.",
        "{name} checked into room 412; card on file {card}.",
        "Itinerary sent to {email} for {name}.",
    ],
    "review": [
        "Great service! - {name}",
        "{first} from {city} says the delivery was fast.",
        "Terrible experience, call me at {phone} - {name}",
    ],
    "social": [
        "Happy birthday {name}! 🎉",
        "{name} just moved to {city}, congrats!",
        "DM me, {email} is my main account",
    ],
    "calendar": [
        "Dentist appointment with {name} on {date} at 3pm.",
        "Meeting: {name} and {name2}, room B, {date}.",
        "Reminder: call {name} at {phone} tomorrow.",
    ],
    "voicemail": [
        "Voicemail from {name} at {phone}: please call back about invoice {order}.",
        "Missed call from {phone} ({name}).",
    ],
    "security_incident": [
        "Phishing email sent to {email} from {ip}.",
        "Credentials for {email} found in a paste; owner {name}.",
        "Suspicious login by {name} from {ip} on {date}.",
    ],
    "pharmacy": [
        "Rx for {name}: amoxicillin 500 mg, refill at {phone}.",
        "{name}, DOB {dob}, picked up insulin on {date}.",
    ],
    "tax": [
        "Form W-2 for {name}, SSN {ssn}, wages {amount}.",
        "{name} filed jointly with {name2}; refund {amount}.",
    ],
    "recruiting": [
        "Candidate {name} ({email}, {phone}) applied for {job}.",
        "Reference for {name}: {name2} at {company}.",
    ],
    "utility": [
        "Service for {name} at {street} will be disconnected on {date}.",
        "Account {acct} ({name}) is past due by {amount}.",
    ],
    "plain_nonpii": [
        "The quarterly report shows revenue grew by 12 percent.",
        "Please restart the server after applying the patch.",
        "The meeting has been moved to Thursday afternoon.",
        "Our new feature lets you export dashboards as PDF.",
        "Weather today: sunny with a high of 75 degrees.",
        "Remember to water the plants on the balcony.",
        "The recipe needs two cups of flour and one egg.",
        "Traffic is heavy on the highway this morning.",
    ],
}

# Compositional field pools: (label variants, slot).
_KV_FIELDS: list[tuple[list[str], str]] = [
    (["name", "Name", "full name", "customer", "patient", "employee", "holder", "contact"], "name"),
    (["email", "Email", "e-mail", "mail", "contact email"], "email"),
    (["phone", "Phone", "tel", "mobile", "cell", "phone number"], "phone"),
    (["SSN", "ssn", "social security", "SSN#"], "ssn"),
    (["card", "credit card", "CC", "card number"], "card"),
    (["DOB", "dob", "birth date", "date of birth", "born"], "dob"),
    (["address", "addr", "street"], "street"),
    (["city", "City"], "city"),
    (["IBAN", "iban"], "iban"),
    (["IP", "ip", "ip addr"], "ip"),
    (["account", "acct", "account no"], "acct"),
    (["company", "employer", "org"], "company"),
    (["MRN", "mrn", "record"], "mrn"),
]

CLAUSES: dict[str, list[str]] = {
    "name": [
        "{name} wrote in",
        "according to {name}",
        "{name} confirmed",
        "as {name} mentioned",
        "{name} asked us",
        "on behalf of {name}",
        "{name} is the owner",
        "per {name}",
    ],
    "email": [
        "reply to {email}",
        "their email is {email}",
        "sent to {email}",
        "via {email}",
        "registered as {email}",
        "cc {email}",
    ],
    "phone": ["call {phone}", "reachable at {phone}", "phone {phone}", "text {phone}", "number: {phone}"],
    "ssn": ["SSN {ssn}", "social security number {ssn}", "ssn is {ssn}"],
    "card": ["paid with {card}", "card {card}", "charged to {card}"],
    "dob": ["born {dob}", "DOB {dob}", "birthday {dob}"],
    "street": ["lives at {street}", "address {street}", "moved to {street}"],
    "other": [
        "about the late invoice",
        "regarding the outage",
        "after the update",
        "since last week",
        "for the second time",
        "about a billing issue",
        "before Friday",
        "with urgency",
    ],
}

_CONNECTORS = [", ", "; ", " - ", ". ", " and ", " | "]


def _kv(vf: ValueFactory) -> str:
    n = vf.rng.randint(2, 4)
    fields = vf.rng.sample(_KV_FIELDS[:9], k=1) + vf.rng.sample(_KV_FIELDS, k=n - 1)
    seen: set[str] = set()
    parts = []
    sep = vf.rng.choice([": ", "=", " - ", ": "])
    joiner = vf.rng.choice(["; ", ", ", " | ", "\n", " "])
    for labels, slot in fields:
        if slot in seen:
            continue
        seen.add(slot)
        parts.append(f"{vf.rng.choice(labels)}{sep}{{{slot}}}")
    return joiner.join(parts)


def _clauses(vf: ValueFactory) -> str:
    keys = vf.rng.sample(list(CLAUSES), k=vf.rng.randint(2, 3))
    if "name" not in keys and vf.rng.random() < 0.6:
        keys[0] = "name"
    parts = [vf.rng.choice(CLAUSES[k]) for k in keys]
    s = parts[0]
    for p in parts[1:]:
        s += vf.rng.choice(_CONNECTORS) + p
    return s[0].upper() + s[1:] + vf.rng.choice([".", "", "!", "."])


def _row(vf: ValueFactory) -> str:
    slots = ["name"] + vf.rng.sample(
        ["email", "phone", "ssn", "dob", "city", "card", "acct"], k=vf.rng.randint(1, 3)
    )
    if vf.rng.random() < 0.5:
        return ",".join("{" + s + "}" for s in slots)
    return "{" + ", ".join(f'"{s}": "{{{s}}}"' for s in slots) + "}"


COMPOSITIONAL = {"kv_record": _kv, "clause_chain": _clauses, "csv_json_row": _row}

# Families never used for training: evaluation on these measures unseen phrasing.
HELDOUT_STYLES = frozenset(
    {
        "legal",
        "insurance",
        "education",
        "real_estate",
        "travel",
        "pharmacy",
        "tax",
        "voicemail",
        "csv_json_row",
    }
)

_ENTITY_OF_SLOT = {
    "name": "PERSON",
    "name2": "PERSON",
    "email": "EMAIL_ADDRESS",
    "phone": "PHONE_NUMBER",
    "ssn": "US_SSN",
    "card": "CREDIT_CARD",
    "iban": "IBAN_CODE",
    "ip": "IP_ADDRESS",
    "dob": "DATE_OF_BIRTH",
    "street": "STREET_ADDRESS",
    "mrn": "MEDICAL_RECORD",
    "acct": "ACCOUNT_NUMBER",
    "passport": "PASSPORT",
}


def all_styles() -> list[str]:
    """Every style name: the fixed template families and the compositional ones, sorted."""
    return sorted(list(STYLES) + list(COMPOSITIONAL))


def render(template: str, vf: ValueFactory, style: str) -> Sample:
    """Fill `template` with values of two fresh people; every PII slot is labelled in `entities`."""
    p = vf.person()
    p2 = vf.person()
    sample = Sample(text="", style=style)

    def value(slot: str) -> str:
        canon: str | None = None
        if slot == "name":
            val, canon = vf.name_forms(p)
        elif slot == "name2":
            val, canon = vf.name_forms(p2)
        elif slot == "first":
            val = p.first
        elif slot == "last":
            val = p.last
        elif slot == "email":
            val = vf.email(p)
        elif slot in ("dob", "date"):
            val = vf.date()
        elif slot == "zip":
            val = vf.zipcode()
        elif slot == "n":
            val = str(vf.int_(2, 99))
        else:
            val = getattr(vf, {"acct": "account", "order": "order_id"}.get(slot, slot))()
        ent = _ENTITY_OF_SLOT.get(slot)
        if ent:
            sample.entities.append((ent, canon or val))
        return val

    sample.text = fill(template, value)
    if "{first}" in template and "{last}" in template:
        sample.entities.append(("PERSON", f"{p.first} {p.last}"))
    return sample


def generate(
    vf: ValueFactory, style: str, transform: Callable[[str, ValueFactory], str] | None = None
) -> Sample:
    """One labelled sample of `style`; `transform` may rewrite the template before it is filled."""
    if style in COMPOSITIONAL:
        template = COMPOSITIONAL[style](vf)
    else:
        template = vf.rng.choice(STYLES[style])
    if transform is not None:
        template = transform(template, vf)
    s = render(template, vf, style)
    # Light surface noise: real stores hold lowercased, unpunctuated and prefixed text too.
    r = vf.rng.random()
    if r < 0.05:
        s.text = s.text.lower()
    elif r < 0.08:
        s.text = s.text.rstrip(".")
    return s
