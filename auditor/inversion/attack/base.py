"""The search-strategy protocol and the guess every strategy improves.

A guess is a sequence of items joined by spaces: plain words, or whole values that value search
placed (a full name, an email address), marked with their Presidio entity type so later moves
keep them whole. Strategies run in the order of an attack plan; each gets the oracle, the
current best guess of every vector and a budget of encoder calls per vector, and may only
replace a guess with one the oracle scores higher.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

from .oracle import Oracle

WORD = "word"  # the kind of a plain item


@dataclass(frozen=True)
class Guess:
    """One candidate text for one vector: items, their kinds, and the oracle's cosine (fast path)."""

    items: tuple[str, ...]
    kinds: tuple[str, ...]
    cos: float = -1.0
    source: str = ""  # the strategy that produced it

    @classmethod
    def of_text(cls, text: str, cos: float = -1.0, source: str = "") -> Guess:
        items = tuple(text.split())
        return cls(items, (WORD,) * len(items), cos, source)

    @property
    def text(self) -> str:
        return " ".join(self.items)

    def values(self, kind: str) -> list[str]:
        return [it for it, k in zip(self.items, self.kinds, strict=True) if k == kind]

    def replace(self, start: int, stop: int, item: str, kind: str = WORD) -> Guess:
        """Items[start:stop] replaced by one item (start == stop inserts)."""
        return Guess(
            self.items[:start] + (item,) + self.items[stop:],
            self.kinds[:start] + (kind,) + self.kinds[stop:],
            source=self.source,
        )

    def drop(self, index: int) -> Guess:
        return Guess(
            self.items[:index] + self.items[index + 1 :],
            self.kinds[:index] + self.kinds[index + 1 :],
            source=self.source,
        )

    def scored(self, cos: float, source: str | None = None) -> Guess:
        return Guess(self.items, self.kinds, float(cos), self.source if source is None else source)


@dataclass
class SearchState:
    """Everything strategies share for a batch of vectors."""

    oracle: Oracle
    best: list[Guess]
    #: Other good guesses per vector (distinct texts), for strategies that start from several.
    pool: list[list[Guess]] = field(default_factory=list)
    #: Encoder calls each strategy spent, summed over the batch.
    spent: dict[str, int] = field(default_factory=dict)

    def left(self, i: int, since: int, budget: int) -> int:
        """Calls vector i may still spend in a step that began at `since` calls with `budget`."""
        return min(budget - (int(self.oracle.calls[i]) - since), self.oracle.remaining(i))

    def offer(self, i: int, guesses: Sequence[Guess]) -> bool:
        """Keep the best of `guesses` for vector i if it beats the current best; True if it did."""
        if not guesses:
            return False
        top = max(guesses, key=lambda g: g.cos)
        if top.cos > self.best[i].cos:
            self.best[i] = top
            return True
        return False

    def score(self, i: int, guesses: Sequence[Guess], source: str) -> list[Guess]:
        """The oracle's cosine of each guess to vector i (charged to i)."""
        cos = self.oracle.score(i, [g.text for g in guesses])
        return [g.scored(float(c), source) for g, c in zip(guesses, cos, strict=True)]


@runtime_checkable
class SearchStrategy(Protocol):
    """One way to improve guesses. `budget` is encoder calls per vector this strategy may spend;
    a strategy starts no new block of work for a vector once the step's budget or the vector's
    remaining plan budget (`SearchState.left`) is spent, so a block may overshoot by its own size."""

    name: str

    def run(self, state: SearchState, budget: int) -> None: ...


def charge(state: SearchState, name: str, before: np.ndarray) -> None:
    """Record what a strategy spent (calls now minus calls before it ran)."""
    state.spent[name] = state.spent.get(name, 0) + int((state.oracle.calls - before).sum())
