"""Value refinement: search the names and email addresses a vector holds, scored by the oracle.

The learned inverter writes a plausible name, rarely the right one. This strategy takes the best
guess, removes the name-like words it holds (list names, initials, earlier values), and searches
a full value in their place:

1. shortlist: the given names and surnames whose lone embeddings point the way of the stored
   vector (`Lexicon.top_given` / `top_family`); on held-out text the true given name is in the
   top 100 about 90% of the time;
2. placement: the value goes where the oracle likes it best (every gap of the name-free text);
   a name scored in a frame of the right shape is ranked far better than a name appended to a
   bag of words;
3. coordinate ascent over the value's fields (given name, surname; for an email its pattern,
   separator, name parts, number suffix and domain), from a few seeds, each step one batch of
   oracle calls.

A value is kept only if it raises the cosine of the name-free text by `min_gain`: on PII-free
vectors a name always "fits" a little, and without this margin every inversion would hold one.
Names that no list holds are not built here: subword search (HotFlip-style gradient shortlists)
made invented names worse in inferred contexts in our measurements, so no plan runs it yet.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .base import WORD, Guess, SearchState, charge
from .lexicon import MAIL_DOMAINS, Lexicon

PERSON = "PERSON"
EMAIL = "EMAIL_ADDRESS"

_INITIAL = re.compile(r"[A-Z]\.?")
_EDGE = re.compile(r"^[^A-Za-z]+|[^A-Za-z]+$")
_TLDS = ("com", "org", "net", "io")

#: Email local parts built from (given, family, separator); the most common shapes first.
LOCAL_PATTERNS: tuple[Callable[[str, str, str], str], ...] = (
    lambda g, f, s: f"{g}{s}{f}",
    lambda g, f, s: f"{g[0]}{s}{f}",
    lambda g, f, s: f"{f}{s}{g}",
    lambda g, f, s: g,
    lambda g, f, s: f"{g}{s}{f[0]}",
    lambda g, f, s: f"{f}{s}{g[0]}",
    lambda g, f, s: f,
)
SEPARATORS = (".", "", "_", "-")


@dataclass(frozen=True)
class ValueSettings:
    shortlist: int = 60  # given names and surnames considered per vector
    seeds: int = 2  # ascents started from the best few given names
    rounds: int = 2  # coordinate-ascent rounds per seed
    min_gain: float = 0.01  # cosine a name must add to the text without it
    min_gain_email: float = 0.01  # likewise for an email address
    min_gain_second: float = 0.02  # a second name, over the text with the first
    emails: bool = True
    second_name: bool = True


def _bare(item: str) -> str:
    return _EDGE.sub("", item)


def _name_like(item: str, kind: str, lexicon: Lexicon) -> bool:
    if kind == PERSON:
        return True
    if kind != WORD:
        return False
    bare = _bare(item)
    return bool(_INITIAL.fullmatch(item)) or (bare[:1].isupper() and bare in lexicon.name_set)


def without(guess: Guess, keep: Callable[[str, str], bool]) -> Guess:
    """The guess with the items for which keep(item, kind) is False removed."""
    pairs = [(it, k) for it, k in zip(guess.items, guess.kinds, strict=True) if keep(it, k)]
    return Guess(tuple(p[0] for p in pairs), tuple(p[1] for p in pairs), source=guess.source)


class Ascent:
    """Coordinate ascent over named fields of one value placed at one position of a frame."""

    def __init__(
        self,
        state: SearchState,
        i: int,
        frame: Guess,
        position: int,
        kind: str,
        render: Callable[[dict[str, str]], str | None],
    ) -> None:
        self.state, self.i, self.frame, self.position = state, i, frame, position
        self.kind, self.render = kind, render

    def guess(self, fields: dict[str, str]) -> Guess | None:
        value = self.render(fields)
        if not value:
            return None
        return self.frame.replace(self.position, self.position, value, self.kind)

    def step(self, fields: dict[str, str], name: str, options: Sequence[str]) -> tuple[dict[str, str], float]:
        trials = [{**fields, name: o} for o in options]
        guesses = [(t, g) for t in trials if (g := self.guess(t)) is not None]
        if not guesses:
            return fields, -1.0
        cos = self.state.oracle.score(self.i, [g.text for _, g in guesses])
        k = int(np.argmax(cos))
        return guesses[k][0], float(cos[k])

    def run(
        self, start: dict[str, str], options: Mapping[str, Sequence[str]], order: Sequence[str], rounds: int
    ) -> tuple[dict[str, str], float]:
        fields, cos = dict(start), -1.0
        for _ in range(rounds):
            before = dict(fields)
            for name in order:
                fields, cos = self.step(fields, name, options[name])
            if fields == before:
                break
        return fields, cos


def best_position(state: SearchState, i: int, frame: Guess, value: str, kind: str) -> tuple[int, float]:
    """The gap of `frame` where `value` scores best, and that score."""
    trials = [frame.replace(p, p, value, kind) for p in range(len(frame.items) + 1)]
    cos = state.oracle.score(i, [t.text for t in trials])
    k = int(np.argmax(cos))
    return k, float(cos[k])


class ValueRefinement:
    """Strategy: search full names and email addresses in the best guess of every vector."""

    name = "value_refinement"

    def __init__(self, lexicon: Lexicon, settings: ValueSettings | None = None) -> None:
        self.lexicon = lexicon
        self.settings = settings or ValueSettings()

    def run(self, state: SearchState, budget: int) -> None:
        before = state.oracle.calls.copy()
        for i in range(state.oracle.n):
            start = int(state.oracle.calls[i])
            guess = state.best[i]
            searches = [self._names]
            searches += [self._email] if self.settings.emails else []
            searches += [self._second_name] if self.settings.second_name else []
            for search in searches:
                if state.left(i, start, budget) <= 0:
                    break
                guess = search(state, i, guess)
            state.offer(i, [guess])
        charge(state, self.name, before)

    # -- names -------------------------------------------------------------------------------------

    def _names(self, state: SearchState, i: int, guess: Guess) -> Guess:
        s, lex = self.settings, self.lexicon
        target = state.oracle.targets[i]
        given, family = lex.top_given(target, s.shortlist), lex.top_family(target, s.shortlist)
        frame = without(guess, lambda it, k: not _name_like(it, k, lex))
        if not frame.items:
            frame = guess
        frame = state.score(i, [frame], self.name)[0]
        placed = self._place_name(state, i, frame, given, family)
        if placed is None or placed.cos < frame.cos + s.min_gain:
            return guess if guess.cos >= frame.cos else frame
        return placed if placed.cos > guess.cos else guess

    def _second_name(self, state: SearchState, i: int, guess: Guess) -> Guess:
        """Another name, kept only for a clear gain (a copy of the first often patches an address)."""
        s, lex = self.settings, self.lexicon
        if not guess.values(PERSON):
            return guess
        target = state.oracle.targets[i]
        given, family = lex.top_given(target, s.shortlist), lex.top_family(target, s.shortlist)
        second = self._place_name(state, i, guess, given, family)
        if second is None or second.cos < guess.cos + s.min_gain_second:
            return guess
        return second

    def _place_name(
        self, state: SearchState, i: int, frame: Guess, given: list[str], family: list[str]
    ) -> Guess | None:
        s = self.settings
        seed_pairs = [f"{g} {f}" for g in given[:5] for f in family[:5]]
        lone = state.oracle.score(i, seed_pairs)
        seed = seed_pairs[int(np.argmax(lone))]
        best: Guess | None = None
        for _ in range(2):  # place, search, and place again once the name is better
            position, _ = best_position(state, i, frame, seed, PERSON)
            ascent = Ascent(state, i, frame, position, PERSON, lambda f: f"{f['given']} {f['family']}")
            g0, f0 = seed.split(" ", 1)
            fields, _ = ascent.step({"given": g0, "family": f0}, "given", given)
            ranked = self._ranked(state, i, ascent, fields, "given", given)[: s.seeds]
            found = seed
            for g in ranked:
                result, cos = ascent.run(
                    {"given": g, "family": fields["family"]},
                    {"given": given, "family": family},
                    ("family", "given"),
                    s.rounds,
                )
                cand = ascent.guess(result)
                if cand is not None and (best is None or cos > best.cos):
                    best, found = cand.scored(cos, self.name), f"{result['given']} {result['family']}"
            if found == seed:
                break
            seed = found
        return best

    @staticmethod
    def _ranked(
        state: SearchState, i: int, ascent: Ascent, fields: dict[str, str], name: str, options: list[str]
    ) -> list[str]:
        trials = [ascent.guess({**fields, name: o}) for o in options]
        cos = state.oracle.score(i, [t.text for t in trials if t is not None])
        return [options[k] for k in np.argsort(-cos)]

    # -- email addresses ---------------------------------------------------------------------------

    def _email(self, state: SearchState, i: int, guess: Guess) -> Guess:
        s, lex = self.settings, self.lexicon
        target = state.oracle.targets[i]
        frame = without(guess, lambda it, k: k != EMAIL and "@" not in it)
        frame = state.score(i, [frame], self.name)[0] if frame.items else guess
        # Name parts: the names already placed come first; the shortlists cover an address
        # whose owner the text does not name.
        given, family = [], []
        for name in guess.values(PERSON):
            g0, _, f0 = name.partition(" ")
            given.append(g0)
            family.append(f0)
        placed = len(given)
        given += lex.top_given(target, s.shortlist // 3)
        family += lex.top_family(target, s.shortlist // 3)
        given = [g for g in dict.fromkeys(_mail_part(x) for x in given) if g]
        family = [f for f in dict.fromkeys(_mail_part(x) for x in family) if f]
        words = [w for w in lex.top_words(target, 12) if w.isalpha() and len(w) > 2]
        labels = list(dict.fromkeys([*words[:8], *family[:4]]))
        domains = list(dict.fromkeys([*MAIL_DOMAINS, *(f"{w}.{t}" for w in labels for t in _TLDS)]))
        suffixes = ["", *(str(n) for n in range(1, 100))]
        patterns = [str(k) for k in range(len(LOCAL_PATTERNS))]

        def render(f: dict[str, str]) -> str:
            local = LOCAL_PATTERNS[int(f["pattern"])](f["given"], f["family"], f["sep"]) + f["digits"]
            return f"{local}@{f['domain']}"

        start = {"pattern": "0", "sep": ".", "given": given[0], "family": family[0], "digits": ""}
        start["domain"] = domains[0]
        position, _ = best_position(state, i, frame, render(start), EMAIL)
        ascent = Ascent(state, i, frame, position, EMAIL, render)
        options = {
            "pattern": patterns,
            "sep": list(SEPARATORS),
            # With a name in the text, its parts are the only candidates: searched freely, the
            # parts of an address drift to whatever patches the context's error.
            "given": given[: max(placed, 1)] if placed else given,
            "family": family[: max(placed, 1)] if placed else family,
            "domain": domains,
            "digits": suffixes,
        }
        fields, cos = ascent.run(start, options, ("domain", "pattern", "sep", "given", "family"), s.rounds)
        fields, cos_digits = ascent.step(fields, "digits", suffixes)
        # A number suffix is weakly encoded: keep one only for a clear gain.
        if cos_digits < cos + 0.002:
            fields["digits"], cos_digits = "", cos
        cand = ascent.guess(fields)
        if cand is None or cos_digits < frame.cos + s.min_gain_email:
            return guess
        placed_guess = cand.scored(cos_digits, self.name)
        return placed_guess if placed_guess.cos > guess.cos else guess


def _mail_part(name: str) -> str:
    """A name as it appears in an address: lowercase letters only ("O'Brien" -> "obrien")."""
    return re.sub(r"[^a-z]", "", name.lower())
