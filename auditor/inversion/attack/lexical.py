"""Lexical search: word-level local search on the best guess, scored by the oracle.

The learned inverter gets the shape of a text before its words, and on styles it never saw it
writes words from the wrong domain. Mean-pooled encoders are close to bags of tokens (shuffling a
text's words keeps a cosine of about 0.91 to the original on held-out texts), so the words a text
lacks can be proposed from the vocabulary entries whose lone embeddings point the way of the
stored vector (`Lexicon.top_words`), and checked exactly.

Each sweep scores every deletion, then replacements at the positions whose deletion hurts least
and insertions at the start, middle and end, and applies the best move that raises the cosine.
Values placed by value refinement (names, emails) are never split or removed here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .base import WORD, Guess, SearchState, charge
from .lexicon import FUNCTION_WORDS, Lexicon


@dataclass(frozen=True)
class LexicalSettings:
    pool: int = 40  # vocabulary words proposed per vector
    function_words: int = 20  # of FUNCTION_WORDS, which lone embeddings never rank
    sweeps: int = 3
    replace_at: int = 3  # positions tried for replacement per sweep
    insert_at: int = 3  # gaps tried for insertion per sweep


class LexicalSearch:
    name = "lexical_search"

    def __init__(self, lexicon: Lexicon, settings: LexicalSettings | None = None) -> None:
        self.lexicon = lexicon
        self.settings = settings or LexicalSettings()

    def run(self, state: SearchState, budget: int) -> None:
        before = state.oracle.calls.copy()
        for i in range(state.oracle.n):
            start = int(state.oracle.calls[i])
            guess = state.best[i]
            present = {it.lower() for it in guess.items}
            pool = [w for w in self.lexicon.top_words(state.oracle.targets[i], self.settings.pool)]
            pool = [w for w in pool if w not in present]
            pool += list(FUNCTION_WORDS[: self.settings.function_words])
            for _ in range(self.settings.sweeps):
                if state.left(i, start, budget) <= 0:
                    break
                moved = self._sweep(state, i, guess, pool)
                if moved is None:
                    break
                guess = moved
            state.offer(i, [guess])
        charge(state, self.name, before)

    def _sweep(self, state: SearchState, i: int, guess: Guess, pool: list[str]) -> Guess | None:
        s = self.settings
        n = len(guess.items)
        movable = [j for j in range(n) if guess.kinds[j] == WORD]
        moves: list[Guess] = []
        deletions = [guess.drop(j) for j in movable] if n > 1 else []
        scored = state.score(i, deletions, self.name) if deletions else []
        moves += scored
        # Where a deletion costs least, the word is most likely wrong: try others there.
        order: list[int] = [int(k) for k in np.argsort([-g.cos for g in scored])[: s.replace_at]]
        replacements = [guess.replace(movable[k], movable[k] + 1, w) for k in order for w in pool]
        gaps = sorted({0, n // 2, n})[: s.insert_at]
        insertions = [guess.replace(p, p, w) for p in gaps for w in pool]
        moves += state.score(i, replacements + insertions, self.name)
        best = max(moves, key=lambda g: g.cos, default=None)
        if best is None or best.cos <= guess.cos + 1e-4:
            return None
        return best
