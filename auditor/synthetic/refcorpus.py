"""The reference corpus for encoder fingerprints: a small, deterministic, offline text generator.

Fingerprint profiles are statistics of an encoder's vectors over a text distribution, so the
corpus must be varied (styles, lengths, names, numbers) rather than large. Two disjoint style
sets exist on purpose: `PROFILE_STYLES` build the shipped profiles, `HELDOUT_STYLES` never do;
thresholds and the benchmark are measured on the held-out ones so that a profile is never
judged on the texts it was built from.

The shipped profiles (`vecaudit/data/profiles/*.npz`) are statistics of `reference_corpus()`:
any change to what it returns for seed 0 needs the profiles rebuilt (`profiles.build_profiles`),
and tests/test_synthetic.py pins its hash.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import TypeVar

from . import values
from .values import Range

T = TypeVar("T")

_FIRST = (
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard "
    "Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy Matthew Betty "
    "Anthony Sandra Mark Ashley Donald Kimberly Steven Emily Paul Donna Andrew Michelle Joshua Carol "
    "Kenneth Amanda Kevin Melissa Brian Deborah Priya Wei Fatima Carlos Yuki Olga Ahmed Lucia Sven "
    "Aisha Mateo Ingrid Kofi Mei Dmitri Zara Hiroshi Amara Lars Noor Tomasz Leila Rafael Chloe"
).split()
_LAST = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez "
    "Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark "
    "Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Patel Chen "
    "Kowalski Nakamura Okafor Lindqvist Haddad Rossi Novak Fischer Ivanova Mensah Dubois Kaur Sato"
).split()
_CITIES = (
    "Boston Denver Austin Seattle Chicago Portland Atlanta Phoenix Dublin Berlin Lisbon Toronto Madrid "
    "Lyon Oslo Nairobi Osaka Melbourne Warsaw Prague Vienna Leeds Cork Porto Krakow Utrecht Quebec"
).split()
_DOMAINS = ("gmail.com", "outlook.com", "example.org", "acme-corp.com", "proton.me", "yahoo.co.uk", "mail.de")
_STREETS = ("Oak St", "Maple Ave", "Elm Road", "Pine Lane", "Cedar Blvd", "Birch Way", "Harbor Dr", "Mill St")


# Phone forms of this corpus: three North American ones and a UK mobile (which ignores the area).
_PHONE_FORMATS = ("({a}) {b}-{c}", "{a}-{b}-{c}", "+1 {a} {b} {c}", "+44 7{b}{c}")


class _Gen:
    """Random fillers shared by every style; values come from `values` with this corpus's pools."""

    def __init__(self, rng: random.Random) -> None:
        self.r = rng

    def pick(self, seq: Sequence[T]) -> T:
        return self.r.choice(seq)

    def first(self) -> str:
        return self.pick(_FIRST)

    def name(self) -> str:
        return values.person_name(self.r, _FIRST, _LAST)

    def email(self, name: str | None = None) -> str:
        return values.email_joined(self.r, name or self.name(), _DOMAINS)

    def phone(self) -> str:
        return values.phone(self.r, Range(200, 989), Range(200, 999), Range(1000, 9999), _PHONE_FORMATS)

    def ssn(self) -> str:
        # 666 included: this corpus predates the SSA rule and the shipped profiles are built from it.
        return values.ssn(self.r, Range(100, 899), Range(10, 99), Range(1000, 9999), skip_666=False)

    def date(self) -> str:
        return values.date_text(self.r, Range(1950, 2025), ("us", "iso", "long"), order="mdy")

    def money(self) -> str:
        return (
            self.pick(("$", "EUR ", "£", "USD ")) + f"{self.r.randint(3, 9999)}.{self.r.randint(0, 99):02d}"
        )

    def num(self, lo: int = 1, hi: int = 500) -> int:
        return self.r.randint(lo, hi)

    def address(self) -> str:
        return f"{values.street_address(self.r, _STREETS, Range(1, 9999))}, {self.pick(_CITIES)}"

    def order(self) -> str:
        return self.pick(("#", "ORD-", "A", "INV-")) + str(self.r.randint(10000, 9999999))


def _support(g: _Gen) -> str:
    n = g.name()
    product = g.pick(("router", "laptop", "subscription", "mobile app", "printer", "smart watch", "account"))
    issue = g.pick(
        (
            "keeps disconnecting every few minutes",
            "won't turn on after the latest update",
            "was charged twice this month",
            f"shows error code E{g.num(10, 999)}",
            "is missing from my order",
            "stopped syncing with my phone",
            "cannot reset the password",
        )
    )
    parts = [
        g.pick(("Hi,", "Hello support,", "Dear team,", "URGENT:", "")),
        f"my {product} {issue}.",
        g.pick(
            (
                f"Order {g.order()} was placed on {g.date()}.",
                f"You can reach me at {g.email(n)} or {g.phone()}.",
                f"I already tried restarting it {g.num(2, 9)} times.",
                f"This is the {g.pick(('second', 'third', 'fourth'))} ticket I open about this.",
                f"Please refund {g.money()} to my card ending in {g.num(1000, 9999)}.",
            )
        ),
        g.pick(("Thanks,", "Regards,", "Best,", "")) + (f" {n}" if g.r.random() < 0.7 else ""),
    ]
    return " ".join(p for p in parts if p).strip()


def _chat(g: _Gen) -> str:
    return g.pick(
        (
            f"hey {g.first().lower()} are we still on for "
            f"{g.pick(('lunch', 'the game', 'tonight', 'friday'))}?",
            f"lol no way, {g.first()} said that??",
            f"omw, be there in {g.num(2, 40)} min",
            f"can u send me {g.first()}'s number? i think it's {g.phone()}",
            f"ok cool. my new email is {g.email()}",
            f"did you see the {g.pick(('match', 'news', 'movie', 'meme'))} last night 😂",
            f"running late, traffic on {g.pick(_STREETS)} is insane",
            "brb",
            f"happy birthday {g.first()}!! 🎉🎉",
            f"i owe you {g.money()} for the tickets right",
            f"{g.first()}: where did you park? {g.first()}: level {g.num(1, 6)} near the exit",
        )
    )


def _medical(g: _Gen) -> str:
    n = g.name()
    age = g.num(18, 92)
    cond = g.pick(
        (
            "type 2 diabetes",
            "hypertension",
            "asthma",
            "chronic kidney disease stage 3",
            "major depressive disorder",
            "atrial fibrillation",
            "COPD",
            "migraine with aura",
        )
    )
    med = g.pick(("metformin 500 mg BID", "lisinopril 10 mg daily", "albuterol PRN", "sertraline 50 mg"))
    sents = [
        f"Patient {n}, {age}-year-old {g.pick(('male', 'female'))}, DOB {g.date()}, "
        f"MRN {g.num(100000, 999999)}.",
        f"Presents with {g.pick(('chest pain', 'shortness of breath', 'fatigue', 'headache', 'fever'))} "
        f"for {g.num(1, 14)} days.",
        f"History of {cond}. Current medication: {med}.",
        f"BP {g.num(100, 180)}/{g.num(60, 110)}, HR {g.num(50, 120)}, temp {g.num(36, 39)}.{g.num(0, 9)} C.",
        f"Plan: follow up in {g.num(1, 12)} weeks, labs ordered (HbA1c, CMP).",
        f"Contact: {g.phone()}. Insurance ID {g.order()}.",
    ]
    k = g.r.randint(1, len(sents))
    return " ".join(g.r.sample(sents, k))


def _product(g: _Gen) -> str:
    adj = g.pick(("Lightweight", "Durable", "Premium", "Compact", "Eco-friendly", "Ergonomic", "Wireless"))
    item = g.pick(
        (
            "running shoes",
            "stainless steel water bottle",
            "noise-cancelling headphones",
            "standing desk",
            "cast iron skillet",
            "yoga mat",
            "mechanical keyboard",
            "LED desk lamp",
        )
    )
    feats = g.r.sample(
        [
            f"{g.num(2, 48)}-hour battery life",
            "machine washable",
            f"{g.num(1, 5)}-year warranty",
            "BPA free",
            f"weighs only {g.num(100, 900)} g",
            "available in 6 colors",
            "ships within 24 hours",
            f"rated {g.num(3, 4)}.{g.num(0, 9)} stars by {g.num(50, 9000)} customers",
        ],
        g.r.randint(1, 4),
    )
    return f"{adj} {item}. " + ". ".join(f[0].upper() + f[1:] for f in feats) + f". Price: {g.money()}."


def _query(g: _Gen) -> str:
    return g.pick(
        (
            f"how to reset {g.pick(('router', 'iphone', 'password', 'smart tv'))}",
            f"best {g.pick(('pizza', 'coffee', 'sushi', 'tacos'))} near {g.pick(_CITIES)}",
            f"{g.pick(('symptoms of', 'treatment for', 'causes of'))} {g.pick(('flu', 'anemia', 'gout'))}",
            f"refund policy order {g.order()}",
            f"{g.name()} contact",
            f"weather {g.pick(_CITIES)} tomorrow",
            f"convert {g.num(1, 500)} usd to eur",
            "python list comprehension example",
            f"flights to {g.pick(_CITIES)} in {g.pick(('may', 'june', 'december'))}",
            "what is the capital of australia",
        )
    )


def _news(g: _Gen) -> str:
    city = g.pick(_CITIES)
    sents = [
        f"{city} city council approved a {g.money()} million budget for public transit on {g.date()}.",
        f"Officials said {g.num(2, 900)} residents were evacuated after heavy flooding near {city}.",
        f"{g.name()}, chief executive of {g.pick(('Nordwind', 'Apex Labs', 'Helio Foods'))}, resigned.",
        f"Shares fell {g.num(1, 30)} percent in early trading after the earnings report.",
        f"The {g.pick(('ministry', 'agency', 'court'))} said an investigation is ongoing.",
        f"Researchers at the University of {city} published a study on {g.pick(('sleep', 'soil', 'AI'))}.",
        f"Police are asking anyone with information to call {g.phone()}.",
    ]
    return " ".join(g.r.sample(sents, g.r.randint(1, 4)))


def _email(g: _Gen) -> str:
    sender, to = g.name(), g.first()
    topic = g.pick(("Q3 budget review", "onboarding schedule", "invoice overdue", "offsite planning"))
    body = g.pick(
        (
            f"Could we move our {topic} call to {g.pick(('Monday', 'Thursday', 'next week'))}?",
            f"Attached is the {topic} deck; comments by {g.date()} please.",
            f"The vendor confirmed {g.money()} for the {topic}. Let me know if that works.",
            f"I will be out of office until {g.date()}; {g.name()} covers {topic} meanwhile.",
        )
    )
    return f"Subject: {topic}\nHi {to},\n{body}\nBest,\n{sender}\n{g.email(sender)} | {g.phone()}"


def _tech(g: _Gen) -> str:
    lang = g.pick(("Python 3.11", "Node 20", "Java 17", "Go 1.22", "Rust 1.78"))
    return g.pick(
        (
            f"Getting `{g.pick(('KeyError', 'NullPointerException', 'segfault', 'timeout'))}` when I call "
            f"the API with {lang} on Ubuntu {g.num(18, 24)}.04. Any ideas?",
            f"def total(items):\n    return sum(i.price * i.qty for i in items)  # {g.first()} asked",
            f"PR #{g.num(100, 9999)}: bump dependency to {g.num(1, 9)}.{g.num(0, 30)}.{g.num(0, 9)} and fix "
            "flaky test",
            f"Server {g.pick(('db-01', 'web-3', 'cache-eu'))} at 10.{g.num(0, 255)}.{g.num(0, 255)}."
            f"{g.num(1, 254)} is using {g.num(60, 99)}% CPU since the deploy.",
            f"ssh {g.first().lower()}@build.{g.pick(_DOMAINS)} -p {g.num(2000, 9000)}",
        )
    )


def _howto(g: _Gen) -> str:
    steps = g.r.sample(
        [
            f"Preheat the oven to {g.num(160, 230)} C.",
            f"Mix {g.num(1, 4)} cups of flour with {g.num(1, 3)} eggs.",
            f"Simmer for {g.num(5, 45)} minutes, stirring occasionally.",
            "Unplug the device and wait thirty seconds before reconnecting.",
            f"Tighten the {g.num(4, 12)} mm bolts by hand, then a quarter turn with the wrench.",
            "Season with salt, pepper and a squeeze of lemon.",
            f"Water the seedlings every {g.num(2, 4)} days.",
        ],
        g.r.randint(2, 5),
    )
    return " ".join(f"Step {i + 1}: {st}" for i, st in enumerate(steps))


def _school(g: _Gen) -> str:
    n = g.name()
    return g.pick(
        (
            f"Student {n} (grade {g.num(1, 12)}) scored {g.num(40, 100)} on the "
            f"{g.pick(('math', 'biology', 'history'))} exam.",
            f"Parent meeting with {g.name()} about {g.first()}'s attendance on {g.date()}.",
            f"Enrollment form: {n}, born {g.date()}, guardian phone {g.phone()}.",
            f"Homework: read chapter {g.num(1, 20)} and answer questions {g.num(1, 5)}-{g.num(6, 15)}.",
        )
    )


def _social(g: _Gen) -> str:
    return g.pick(
        (
            f"Can't believe {g.first()} just did that 😱 #{g.pick(('worldcup', 'mondaymotivation', 'tbt'))}",
            f"New blog post up: {g.num(5, 15)} tips for "
            f"{g.pick(('remote work', 'saving money', 'sleep'))} 👇",
            f"@{g.first().lower()}{g.num(1, 99)} thanks for the follow! DM me for collabs",
            f"Sunset in {g.pick(_CITIES)} tonight was unreal 🌅",
            f"Giveaway! Win {g.money()} — like, share and tag {g.num(2, 5)} friends.",
        )
    )


def _other_languages(g: _Gen) -> str:
    # Languages deliberately different from the held-out multilingual style.
    n = g.name()
    return g.pick(
        (
            f"Hallo, ik ben {n} en mijn pakket {g.order()} is nog niet bezorgd.",
            f"Dzień dobry, nazywam się {n}. Proszę o kontakt pod numerem {g.phone()}.",
            f"Hej! Mötet med {n} är flyttat till {g.date()}.",
            f"Merhaba, siparişim {g.order()} hâlâ gelmedi. E-posta: {g.email(n)}",
            f"Selamat pagi, saya {n}. Tagihan saya sebesar {g.money()} belum dibayar.",
        )
    )


# --- held-out styles: never used for profiles; thresholds and the benchmark use these. ---


def _hr(g: _Gen) -> str:
    n = g.name()
    return " ".join(
        g.r.sample(
            [
                f"Employee {n} (ID {g.num(1000, 99999)}) joined the {g.pick(('finance', 'sales', 'legal'))} "
                f"department on {g.date()}.",
                f"Annual salary adjusted to {g.money()} effective next quarter.",
                f"Performance review: {g.pick(('exceeds', 'meets', 'below'))} expectations; manager "
                f"{g.name()}.",
                f"Home address on file: {g.address()}. SSN {g.ssn()}.",
                f"Requested {g.num(2, 20)} days of parental leave starting {g.date()}.",
                f"Emergency contact: {g.name()}, {g.phone()}.",
            ],
            g.r.randint(1, 4),
        )
    )


def _legal(g: _Gen) -> str:
    party = g.pick(("the Licensee", "the Supplier", "the Tenant", "the Contractor", "the Buyer"))
    return g.pick(
        (
            f"{party} shall indemnify and hold harmless the other party against all claims arising from "
            f"breach of Section {g.num(2, 19)}.{g.num(1, 9)}.",
            f"This Agreement is entered into on {g.date()} between {g.name()} and {g.pick(_LAST)} "
            f"Holdings LLC, located at {g.address()}.",
            f"Notwithstanding the foregoing, {party} may terminate this Agreement upon {g.num(10, 90)} "
            "days written notice.",
            f"All notices shall be sent to {g.email()}. Governing law: the laws of {g.pick(_CITIES)}.",
            f"The total consideration payable is {g.money()}, due within {g.num(15, 60)} days of invoice.",
        )
    )


def _travel(g: _Gen) -> str:
    n = g.name()
    return " ".join(
        g.r.sample(
            [
                f"Booking confirmation {g.order()} for {n}.",
                f"Flight {g.pick(('LH', 'BA', 'UA', 'AF', 'KL'))}{g.num(100, 9999)} from "
                f"{g.pick(_CITIES)} to {g.pick(_CITIES)} departs {g.date()} at {g.num(0, 23):02d}:"
                f"{g.num(0, 59):02d}.",
                f"Hotel: {g.num(1, 7)} nights, double room, total {g.money()}.",
                f"Passport number {g.pick(('X', 'P', 'K'))}{g.num(1000000, 9999999)}, seat {g.num(1, 40)}"
                f"{g.pick('ABCDEF')}.",
                f"Questions? Write to {g.email(n)}.",
            ],
            g.r.randint(1, 4),
        )
    )


def _finance(g: _Gen) -> str:
    return g.pick(
        (
            f"POS purchase {g.pick(('GROCERY OUTLET', 'SHELL OIL', 'AMZN MKTP', 'UBER TRIP'))} "
            f"{g.money()} card ****{g.num(1000, 9999)} {g.date()}",
            f"Wire transfer of {g.money()} to {g.name()}, IBAN DE{g.num(10, 99)} {g.num(1000, 9999)} "
            f"{g.num(1000, 9999)} {g.num(1000, 9999)}.",
            f"Statement balance {g.money()}; minimum payment due {g.date()}.",
            f"Loan application by {g.name()}: income {g.money()}, credit score {g.num(480, 850)}.",
            f"Refund {g.order()} credited to account ending {g.num(1000, 9999)}.",
        )
    )


def _review(g: _Gen) -> str:
    return g.pick(
        (
            f"Stayed here with my family in {g.pick(('July', 'March', 'October'))}. The staff were "
            f"{g.pick(('wonderful', 'rude', 'helpful', 'slow'))} and the room was "
            f"{g.pick(('spotless', 'noisy', 'tiny', 'huge'))}. {g.num(1, 5)}/5.",
            f"Ordered the {g.pick(('ramen', 'burger', 'pad thai', 'lasagna'))}, it was cold when it "
            f"arrived. Would not recommend.",
            f"Absolutely love this place! Ask for {g.first()}, she is the best barista in {g.pick(_CITIES)}.",
            f"Great value for {g.money()}. Delivery took {g.num(2, 14)} days though.",
        )
    )


def _multilingual(g: _Gen) -> str:
    n = g.name()
    return g.pick(
        (
            f"Sehr geehrte Damen und Herren, mein Name ist {n} und meine Bestellung {g.order()} ist "
            "nicht angekommen.",
            f"Hola, soy {n}. Mi número de teléfono es {g.phone()} y necesito cambiar mi reserva.",
            f"Bonjour, je voudrais annuler mon abonnement. Mon adresse e-mail est {g.email(n)}.",
            f"Il paziente {n} presenta febbre da {g.num(2, 9)} giorni.",
            f"Olá! A reunião com {n} foi adiada para {g.date()}.",
            f"Der Patient klagt über Kopfschmerzen seit {g.num(2, 9)} Tagen.",
        )
    )


def _thread(g: _Gen) -> str:
    # Long, multi-part documents: stores often hold chunks of hundreds of tokens, and pooled
    # vectors of long texts sit closer to the encoder's mean than those of one-liners.
    parts = [g.pick((_support, _chat, _news, _medical))(g) for _ in range(g.r.randint(3, 8))]
    return "\n".join(parts)


def _report(g: _Gen) -> str:
    parts = [g.pick((_hr, _legal, _finance, _travel))(g) for _ in range(g.r.randint(3, 8))]
    return "\n\n".join(parts)


Style = Callable[[_Gen], str]

PROFILE_STYLES: dict[str, Style] = {
    "support": _support,
    "chat": _chat,
    "medical": _medical,
    "product": _product,
    "query": _query,
    "news": _news,
    "thread": _thread,
    "email": _email,
    "tech": _tech,
    "howto": _howto,
    "school": _school,
    "social": _social,
    "languages": _other_languages,
}
HELDOUT_STYLES: dict[str, Style] = {
    "hr": _hr,
    "legal": _legal,
    "travel": _travel,
    "finance": _finance,
    "review": _review,
    "multilingual": _multilingual,
    "report": _report,
}
ALL_STYLES: dict[str, Style] = {**PROFILE_STYLES, **HELDOUT_STYLES}


def generate(n: int, styles: Sequence[str] | None = None, seed: int = 0) -> list[str]:
    """`n` texts cycling through `styles` (default: the profile styles), deterministic for a seed."""
    names = list(styles) if styles is not None else list(PROFILE_STYLES)
    unknown = [s for s in names if s not in ALL_STYLES]
    if unknown or not names:
        raise ValueError(f"unknown text styles: {unknown}; known: {sorted(ALL_STYLES)}")
    g = _Gen(random.Random(seed))
    return [ALL_STYLES[names[i % len(names)]](g) for i in range(n)]


def reference_corpus(n: int = 3900, seed: int = 0) -> list[str]:
    """The corpus the shipped profiles are built from (profile styles only)."""
    return generate(n, list(PROFILE_STYLES), seed=seed)
