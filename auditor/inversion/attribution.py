"""Does the vector actually support a PII value the inversion wrote?

An inverter fills every slot of a sentence it believes it is reading, and a search over name
lists always finds *some* name that fits a vector a little: the best of thousands of list names
beats bland stand-ins on nearly every vector, PII-free or not. So support is judged the way
targeted mode judges a supplied value (`attack.targeted`): each identifying part of a value is
swapped, in place, for `controls` random values of the same shape, and the part's z-score is
(cos(text) - mean cos(text with a control)) / sd over the controls, in the stored vector's own
encoder space. A value is supported only when every identifying part clears `min_z`:

- a person name: each word (initials and particles aside), against given names for the first
  of several words and surnames for the others;
- an email address: each name-like run of its local part, against list names (the domain
  alone identifies nobody, and search builds domains from topic words);
- anything with digits (phone, SSN, card, IBAN, IP, dates): the digits, against random digits
  in the same layout (month names against other months);
- other values (places, groups): their capitalized words, against list surnames.

Words that are frequent English words ("Price", "Summer", "Love", "case@") identify nobody to an
encoder that reads them as topic words (MiniLM is uncased: "Summer Price" *is* "summer price"),
so they are not parts; a value made only of such words is not supported. That is a limit: a real
"Mark Hill" is not reported from inversion.

Source: the control-value design follows targeted mode; `min_z` is measured on PII-free and
held-out vectors after the standard attack (see `MIN_Z`).
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch

if TYPE_CHECKING:
    from .attack.targeted import NameLists

EmbedFn = Callable[[Sequence[str]], torch.Tensor]

PERSON = "PERSON"
EMAIL = "EMAIL_ADDRESS"

#: z a part needs. Chosen with the standard attack (all-MiniLM-L6-v2) on 60 PII-free and 60
#: held-out vectors (bench/data/inversion_heldout.jsonl, tests/data/detection/pii_free.txt) and
#: checked on 60 further PII-free vectors, with MIN_LEAD 0.01: PII-free vectors with a violation
#: 1 + 2 of 120 at min_z 4.0 or 4.5 with MIN_Z_ONE_PART 6 (1 + 1 at 5.0); names the attack
#: recovered verbatim that stay findings: 23 of 28 at 4.0, 19 at 4.5, 14 at 5.0.
MIN_Z = 4.5
#: z a name or address judged by one word needs (the rest initials, digits or frequent words): one
#: invented word that happens to share a topic's subwords ("Sim" on a phone-storage ticket) is
#: the commonest false finding left.
MIN_Z_ONE_PART = 6.0
#: Cosine a part needs over the same text with the part cut to a prefix (a topic word).
MIN_LEAD = 0.01
#: A prefix at least this frequent in English is a word an encoder reads inside a longer one
#: ("mat" 3,152 in "Mati", "gear" 18,384 in "Gearoid"; "rhian", "kuh" are no words).
PREFIX_WORD_MIN_COUNT = 1_000
#: A word at least this frequent in pyspellchecker's English counts is a topic word, not an
#: identifier: "price" 76,035, "summer" 69,566, "yoga" 8,017; "carter" 2,045, "okafor" 0.
COMMON_WORD_MIN_COUNT = 5_000

_MONTHS = ("January February March April May June July August September October November December").split()
_MONTH_KEYS = frozenset(m.lower() for m in _MONTHS) | frozenset(m[:3].lower() for m in _MONTHS)
_WORDS = re.compile(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*")
_RUN = re.compile(r"[^\W\d_]+|\d+")


@dataclass(frozen=True)
class SupportSettings:
    controls: int = 32  # control values per part
    min_z: float = MIN_Z
    min_z_one_part: float = MIN_Z_ONE_PART  # for a name judged by a single word
    min_lead: float = MIN_LEAD
    common_word_min_count: int = COMMON_WORD_MIN_COUNT
    seed: int = 0


@dataclass(frozen=True)
class SpanSupport:
    """The verdict on one span: per identifying part, its z over the controls and its lead over
    the topic words it starts with; supported when every part clears `min_z` and `min_lead`."""

    zs: tuple[float, ...]  # one per part tested, in text order (empty: nothing identifying)
    leads: tuple[float, ...]  # cos(text) - best cos with the part cut to a prefix (inf: none)
    supported: bool
    reason: (
        str  # "supported", "part below min_z", "explained by a word", "only common words", "nothing to vary"
    )


@dataclass(frozen=True)
class _Part:
    sites: tuple[tuple[int, int], ...]  # every place in the text the part is written
    controls: tuple[str, ...]  # same-shape stand-ins
    prefixes: tuple[str, ...] = ()  # the part cut short: words a tokenizer would read in it

    def variants(self, text: str, replacements: Sequence[str]) -> list[str]:
        """`text` with every site replaced by each replacement, cased like the site."""
        out = []
        for rep in replacements:
            pieces, last = [], 0
            for a, b in self.sites:
                pieces += [text[last:a], _cased(rep, text[a:b])]
                last = b
            out.append("".join(pieces) + text[last:])
        return out


class SupportTest:
    """Judges detected spans in recovered texts against same-shape controls, scored exactly."""

    def __init__(self, embed: EmbedFn, settings: SupportSettings | None = None) -> None:
        self.embed = embed
        self.settings = settings or SupportSettings()

    def judge(
        self,
        targets: np.ndarray,
        texts: Sequence[str],
        spans: Sequence[Sequence[tuple[int, int, str]]],
        cosines: Sequence[float] | None = None,
    ) -> list[list[SpanSupport]]:
        """One `SpanSupport` per (start, end, entity_type) span of each text.

        `targets` (n, dim) are the stored vectors, `texts` the n recovered texts; `cosines` are
        their cosines to the targets when the caller has them (else they are embedded). All
        variants of all texts go to the encoder in one call: about `controls` plus a few
        prefixes per part, two parts for a typical name.
        """
        plans: list[list[tuple[list[_Part], str]]] = []
        plans_kind = [[etype for _, _, etype in row] for row in spans]
        variants: list[str] = []
        owners: list[tuple[int, int, int, bool]] = []  # (text, span, part, is_prefix) per variant
        for i, (text, row) in enumerate(zip(texts, spans, strict=True)):
            plan_row = []
            for j, (start, end, etype) in enumerate(row):
                parts, reason = self._parts(text, start, end, etype)
                plan_row.append((parts, reason))
                for p, part in enumerate(parts):
                    for is_prefix, reps in ((False, part.controls), (True, part.prefixes)):
                        made = part.variants(text, reps)
                        variants += made
                        owners += [(i, j, p, is_prefix)] * len(made)
            plans.append(plan_row)
        if not variants:
            return [[SpanSupport((), (), False, reason) for _, reason in row] for row in plans]
        tgt = torch.nn.functional.normalize(torch.as_tensor(np.asarray(targets, dtype=np.float32)), dim=-1)
        if cosines is None:
            base_cos = (torch.nn.functional.normalize(self.embed(list(texts)).float(), dim=-1) * tgt).sum(-1)
            base = base_cos.tolist()
        else:
            base = [float(c) for c in cosines]
        var = torch.nn.functional.normalize(self.embed(variants).float(), dim=-1)
        var_cos = (var * tgt[torch.tensor([o[0] for o in owners])]).sum(-1).tolist()
        by_part: dict[tuple[int, int, int, bool], list[float]] = {}
        for owner, c in zip(owners, var_cos, strict=True):
            by_part.setdefault(owner, []).append(c)
        s = self.settings
        out: list[list[SpanSupport]] = []
        for i, plan_row in enumerate(plans):
            verdicts = []
            for j, (parts, reason) in enumerate(plan_row):
                if not parts:
                    verdicts.append(SpanSupport((), (), False, reason))
                    continue
                zs = tuple(_z(base[i], by_part[(i, j, p, False)]) for p in range(len(parts)))
                leads = tuple(
                    base[i] - max(by_part.get((i, j, p, True), [-np.inf])) for p in range(len(parts))
                )
                one_word = plans_kind[i][j] in (PERSON, EMAIL) and len(zs) == 1
                need = s.min_z_one_part if one_word else s.min_z
                if any(z < need for z in zs):
                    reason = "part below min_z"
                elif any(lead < s.min_lead for lead in leads):
                    reason = "explained by a word"
                verdicts.append(SpanSupport(zs, leads, reason == "supported", reason))
            out.append(verdicts)
        return out

    # -- identifying parts -------------------------------------------------------------------------

    def _parts(self, text: str, start: int, end: int, etype: str) -> tuple[list[_Part], str]:
        value = text[start:end]
        # Controls are drawn from the span's own content (its text and place in it), never from
        # where the text stands in the batch: a vector's verdict is the same in any batch.
        rng = random.Random(f"{self.settings.seed}:{etype}:{start}:{end}:{text}")
        if etype == PERSON:
            parts = self._name_parts(text, start, end, rng)
        elif etype == EMAIL and "@" in value:
            parts = self._email_parts(text, start, end, rng)
        elif any(c.isdigit() for c in value):
            parts = self._digit_parts(value, start, rng)
        else:
            parts = self._word_parts(text, start, end, rng)
        if parts is None:
            return [], "only common words"
        parts = [p for p in parts if len(p.controls) >= 4]  # too few to estimate a spread
        return (parts, "supported") if parts else ([], "nothing to vary")

    def _common(self, word: str) -> bool:
        from ..detect.names import name_lexicon

        return name_lexicon().count(word) >= self.settings.common_word_min_count

    def _name_parts(self, text: str, start: int, end: int, rng: random.Random) -> list[_Part] | None:
        from ..detect.names import PARTICLES

        names = _names()
        value = text[start:end]
        words = [
            m for m in _WORDS.finditer(value) if len(m.group(0)) > 1 and m.group(0).lower() not in PARTICLES
        ]
        if not words:
            return []
        identifying = [(k, m.group(0)) for k, m in enumerate(words) if not self._common(m.group(0))]
        if not identifying:
            return None
        return [
            self._identity_part(text, word, names.given if k == 0 and len(words) > 1 else names.family, rng)
            for k, word in identifying
        ]

    def _identity_part(self, text: str, word: str, pool: Sequence[str], rng: random.Random) -> _Part:
        """One word of a name, varied against names of `pool` at every place it is written (a copy
        in an email address too): a name search also wrote into an address is one identity."""
        picks = _distinct(functools.partial(rng.choice, pool), word, self.settings.controls)
        return _Part(_sites(text, word), picks, _prefixes(word))

    def _email_parts(self, text: str, start: int, end: int, rng: random.Random) -> list[_Part] | None:
        """The name-like runs of the local part ("badu", "tony" in "badu.tony15@"), each varied
        wherever it is written: search writes an owner's name into the text and the address alike,
        and judged alone the address would hide behind the name (or the name behind it)."""
        value = text[start:end]
        # Recovered text can be tokenizer-shaped ("checks. ana . lee @ mail. com"): the local
        # part is what stands before the last @, after the last space that is not beside the @.
        local = re.sub(r"\s*([._-])\s*", r"\1", value.rpartition("@")[0]).split()[-1:] or [""]
        runs = [r for r in re.findall(r"[^\W\d_]{2,}", local[0])]
        if not runs or all(self._common(r) for r in runs):
            return None  # "info@", "park5@": words and numbers, not a person's address
        names = _names()
        identifying = dict.fromkeys(r for r in runs if not self._common(r))
        return [
            self._identity_part(text, run, names.given if k == 0 and len(runs) > 1 else names.family, rng)
            for k, run in enumerate(identifying)
        ]

    def _digit_parts(self, value: str, offset: int, rng: random.Random) -> list[_Part]:
        def vary() -> str:
            def swap(m: re.Match[str]) -> str:
                run = m.group(0)
                if run.isdigit():
                    return "".join(str(rng.randrange(10)) for _ in run)
                if run.lower() not in _MONTH_KEYS:
                    return run
                name = _MONTHS[rng.randrange(12)]
                return _cased(name if len(run) > 3 else name[:3], run)

            return _RUN.sub(swap, value)

        controls = _distinct(vary, value, self.settings.controls)
        return [_Part(((offset, offset + len(value)),), controls)]

    def _word_parts(self, text: str, start: int, end: int, rng: random.Random) -> list[_Part] | None:
        words = [m.group(0) for m in _WORDS.finditer(text[start:end]) if m.group(0)[:1].isupper()]
        if not words:
            return []
        identifying = [w for w in words if not self._common(w)]
        if not identifying:
            return None
        return [self._identity_part(text, w, _names().family, rng) for w in identifying]


def _sites(text: str, word: str) -> tuple[tuple[int, int], ...]:
    """Every place `word` is written in `text` as a whole word, any casing ("Monnier",
    "monnier.colette@...")."""
    pattern = re.compile(rf"(?<![^\W\d_]){re.escape(word)}(?![^\W\d_])", re.IGNORECASE)
    return tuple((m.start(), m.end()) for m in pattern.finditer(text))


def _prefixes(word: str, most: int = 6) -> tuple[str, ...]:
    """The English words the word starts with, longest first ("Marketa" -> "market", "mark"):
    a WordPiece encoder reads "marketa" as "market" + "##a", so an invented name that starts with
    a topic word is supported by that word, not by an identity. A prefix that is no word
    ("Rhianne" -> "rhiann") explains nothing, so true names are not cut down to themselves."""
    from ..detect.names import name_lexicon

    lex, low = name_lexicon(), word.lower()
    cuts = (low[:n] for n in range(len(low) - 1, 2, -1))
    return tuple(c for c in cuts if lex.count(c) >= PREFIX_WORD_MIN_COUNT)[:most]


def _z(base: float, controls: list[float]) -> float:
    arr = np.asarray(controls, dtype=np.float64)
    return float((base - arr.mean()) / max(float(arr.std()), 1e-4))


def _cased(word: str, like: str) -> str:
    """`word` written in the casing of `like`: ALL-CAPS, lowercase (as in an address: letters
    only, "O'Brien" -> "obrien") or as given."""
    if like.isupper() and len(like) > 1:
        return word.upper()
    if like.islower():
        # Only a bare run of letters (a word of an address) loses its apostrophes and hyphens; a
        # lowercase value with spaces or digits ("march 3, 2020") keeps its layout.
        return re.sub(r"[^\w]", "", word.lower()) if like.isalpha() else word.lower()
    return word


def _distinct(draw: Callable[[], str], value: str, count: int) -> tuple[str, ...]:
    out: dict[str, None] = {}
    for _ in range(count * 4):
        if len(out) >= count:
            break
        pick = draw()
        if pick.lower() != value.lower():
            out.setdefault(pick, None)
    return tuple(out)


@functools.lru_cache(maxsize=1)
def _names() -> NameLists:
    """Faker's given names and surnames of every locale (the lists value search draws from)."""
    from .attack.targeted import NameLists

    return NameLists.default()
