"""The learned proposer: the shipped inverter's LM, as strategies of an attack plan.

`LmHypotheses` asks the LM for a greedy and several sampled texts per vector and keeps the one
the oracle scores best (vec2text's hypothesis step, ranked by the real encoder).
`SequenceCorrection` is vec2text's corrector loop: the LM reads the target and the current best
guess with its embedding, writes candidates, and the oracle keeps the best.

The LM lives in the space of the inverter's encoder (all-MiniLM-L6-v2). Vectors of another
encoder reach it through a translation adapter; the oracle still judges every candidate in the
stored vector's own space, where it is exact.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from ...encoders.profiles import unit_rows
from ..backend import vector_keys
from ..inverter import Inverter
from .base import Guess, SearchState, charge

Translate = Callable[[np.ndarray], np.ndarray]


@dataclass
class Proposer:
    """The shipped inverter plus how stored vectors reach its space (None: they are in it)."""

    inverter: Inverter
    translate: Translate | None = None

    def conditions(self, targets: np.ndarray) -> torch.Tensor:
        vectors = targets if self.translate is None else self.translate(targets)
        return torch.from_numpy(unit_rows(np.asarray(vectors, dtype=np.float32))).to(self.inverter.device)

    def decode(self, ids: list[list[int]]) -> list[str]:
        return self.inverter.decode(ids)


@dataclass(frozen=True)
class HypothesisSettings:
    samples: int = 8  # candidates per vector: one greedy, the rest sampled
    temperature: float = 0.9
    seed: int = 0


class LmHypotheses:
    name = "lm_hypotheses"

    def __init__(self, proposer: Proposer, settings: HypothesisSettings | None = None) -> None:
        self.proposer = proposer
        self.settings = settings or HypothesisSettings()

    @torch.inference_mode()
    def run(self, state: SearchState, budget: int) -> None:
        before = state.oracle.calls.copy()
        inv, s = self.proposer.inverter, self.settings
        e = self.proposer.conditions(state.oracle.targets)
        keys = vector_keys(state.oracle.stored)  # the stored rows, never their translation
        out = inv.hypotheses(e, max(1, min(s.samples, budget)), s.temperature, s.seed, keys)
        for i, cands in enumerate(out):
            texts = [t for t in dict.fromkeys(self.proposer.decode(cands)) if t]
            scored = state.score(i, [Guess.of_text(t) for t in texts], self.name)
            scored.sort(key=lambda g: -g.cos)
            state.pool[i] = scored[:4]
            state.offer(i, scored)
        charge(state, self.name, before)


@dataclass(frozen=True)
class CorrectionSettings:
    steps: int = 1
    candidates: int = 4  # per step: one greedy, the rest sampled
    temperature: float = 0.7
    seed: int = 0


class SequenceCorrection:
    """vec2text's correction loop on the current best guesses (the inverter's corrector head)."""

    name = "sequence_correction"

    def __init__(self, proposer: Proposer, settings: CorrectionSettings | None = None) -> None:
        self.proposer = proposer
        self.settings = settings or CorrectionSettings()

    @torch.inference_mode()
    def run(self, state: SearchState, budget: int) -> None:
        before = state.oracle.calls.copy()
        inv, s = self.proposer.inverter, self.settings
        e = self.proposer.conditions(state.oracle.targets)
        keys = vector_keys(state.oracle.stored)  # the stored rows, never their translation
        start = [int(c) for c in before]
        for step in range(s.steps):
            # A step costs each vector one embedding of its guess plus its candidates.
            active = [i for i in range(state.oracle.n) if state.left(i, start[i], budget) > s.candidates]
            if not active:
                break
            texts = [state.best[i].text for i in active]
            # The corrector reads the hypothesis as the LM's encoder embeds it (its own space).
            e_hat = torch.nn.functional.normalize(inv.embed(texts).to(e.device, torch.float32), dim=-1)
            state.oracle.calls[active] += 1  # those embeddings are made outside the oracle
            tok = inv.tokenizer
            ids = [tok(t, add_special_tokens=False)["input_ids"][: inv.cfg.max_new_tokens] for t in texts]  # type: ignore[operator]
            out = inv.corrections(
                e[active],
                e_hat,
                ids,
                s.candidates,
                s.temperature,
                s.seed + step + 1,
                [keys[i] for i in active],
            )
            for i, cands in zip(active, out, strict=True):
                fresh = [t for t in dict.fromkeys(self.proposer.decode(cands)) if t]
                state.offer(i, state.score(i, [Guess.of_text(t) for t in fresh], self.name))
        charge(state, self.name, before)
