"""Training-only styles that break the link between PII and the words around it.

The held-out gap of the first inverter (names 0.19 on unseen families against 0.51 on seen ones)
says the model learned templates, not values. These generators put PII into contexts no template
has: real English sentences, word salad from the encoder's vocabulary, and templates whose
non-PII words are perturbed. None of them is ever used for held-out evaluation.
"""

from __future__ import annotations

from .factory import ValueFactory
from .natural import stdlib_sentences, vocab_words
from .pii_styles import CLAUSES, render
from .templates import SLOT, Sample

MIX_STYLES = ("doc_prose", "doc_with_pii", "word_salad")

_PII_SLOTS = [
    "name",
    "name",
    "name",
    "email",
    "email",
    "phone",
    "ssn",
    "card",
    "dob",
    "street",
    "acct",
    "iban",
]
_SEPARATORS = [": ", " ", " - ", "=", " is ", ", ", " -> ", " #", " / "]


def _words(vf: ValueFactory, k: int) -> list[str]:
    vocab = vocab_words()
    if not vocab:
        return vf.sentence(k).rstrip(".").split()
    return [vf.rng.choice(vocab) for _ in range(k)]


def _sentence(vf: ValueFactory) -> str:
    pool = stdlib_sentences()
    if not pool:
        return vf.sentence(vf.int_(6, 14))
    s = vf.rng.choice(pool)
    words = s.split()
    if len(words) > 14 and vf.rng.random() < 0.5:
        start = vf.rng.randint(0, len(words) - 8)
        s = " ".join(words[start : start + vf.rng.randint(6, 12)])
    return s


def _pii_piece(vf: ValueFactory) -> str:
    slot = vf.rng.choice(_PII_SLOTS)
    r = vf.rng.random()
    if r < 0.35 and slot in CLAUSES:
        return vf.rng.choice(CLAUSES[slot])
    if r < 0.7:
        label = vf.rng.choice(_words(vf, 1))
        return f"{label}{vf.rng.choice(_SEPARATORS)}{{{slot}}}"
    return f"{{{slot}}}"


def _insert(words: list[str], piece: str, vf: ValueFactory) -> list[str]:
    at = vf.rng.randint(0, len(words))
    return [*words[:at], piece, *words[at:]]


def doc_with_pii(vf: ValueFactory) -> str:
    words = _sentence(vf).split()
    for _ in range(vf.rng.choice([1, 1, 1, 2])):
        words = _insert(words, _pii_piece(vf), vf)
    return " ".join(words)


def word_salad(vf: ValueFactory) -> str:
    words = _words(vf, vf.int_(2, 9))
    r = vf.rng.random()
    if r < 0.25:
        words = [w.capitalize() for w in words]
    elif r < 0.35:
        words = [w.upper() for w in words]
    for _ in range(vf.rng.choice([1, 1, 2, 2, 3])):
        words = _insert(words, _pii_piece(vf), vf)
    text = vf.rng.choice([" ", " ", ", ", " | ", "; "]).join(words)
    return text + vf.rng.choice(["", "", ".", "!", "?"])


def perturb_template(template: str, vf: ValueFactory) -> str:
    """Swap, drop or insert non-PII words of a template; slots and their order stay intact."""
    out: list[str] = []
    for w in template.split(" "):
        r = vf.rng.random()
        if SLOT.search(w) or r > 0.3:
            out.append(w)
        elif r < 0.15:
            out.append(_words(vf, 1)[0])
        elif r < 0.2:
            continue
        else:
            out.extend([w, _words(vf, 1)[0]])
    return " ".join(out) or template


def generate_mix(vf: ValueFactory, style: str) -> Sample:
    """One sample of a mix style (`MIX_STYLES`); doc_prose carries no PII."""
    if style == "doc_prose":
        return Sample(text=_sentence(vf), style=style)
    template = doc_with_pii(vf) if style == "doc_with_pii" else word_salad(vf)
    return render(template, vf, style)
