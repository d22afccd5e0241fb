"""Attack plans: which strategies run, in which order, with what budget of encoder calls.

Three effort levels, each a documented budget (encoder calls per vector, the attacker's cost):

- quick (800 calls): LM hypotheses (4), value refinement (names);
- standard (3,000 calls): LM hypotheses (8), lexical search, value refinement (names, emails),
  lexical pruning;
- thorough (20,000 calls): LM hypotheses (16), guided token beam search (8 beams x top 8
  tokens, adversarial decoding), sequence correction, wider lexical search and value refinement.

Scans default to `standard`. Every value a plan writes is still judged by the support test
(`inversion.attribution`) before it becomes a finding: the search always finds *some* list name
that fits a vector a little, and only values whose every identifying part beats same-shape
controls survive. A report records the plan it ran, so a clean result reads as "not recovered by
this attack at this budget", never as "safe".

The strategies are published under the entry-point group `vecaudit.search_strategies` so that
`vecaudit plugins` lists them; plans build them directly, since each takes its own inputs
(proposer, lexicon) and settings.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from .base import SearchStrategy
from .decoding import BeamSettings, GuidedBeamSearch
from .lexical import LexicalSearch, LexicalSettings
from .lexicon import Lexicon
from .proposer import CorrectionSettings, HypothesisSettings, LmHypotheses, Proposer, SequenceCorrection
from .values import ValueRefinement, ValueSettings


class AttackLevel(StrEnum):
    quick = "quick"
    standard = "standard"
    thorough = "thorough"


BUDGETS = {AttackLevel.quick: 800, AttackLevel.standard: 3_000, AttackLevel.thorough: 20_000}


@dataclass(frozen=True)
class Step:
    strategy: SearchStrategy
    settings: Any  # the strategy's frozen settings dataclass, recorded in reports

    def describe(self) -> dict[str, Any]:
        return {"strategy": self.strategy.name, **asdict(self.settings)}


@dataclass(frozen=True)
class AttackPlan:
    level: AttackLevel
    budget: int  # encoder calls per vector, all steps together
    steps: tuple[Step, ...] = field(default_factory=tuple)

    def describe(self) -> dict[str, Any]:
        return {
            "level": str(self.level),
            "budget": self.budget,
            "strategies": [s.describe() for s in self.steps],
        }


def build_plan(
    level: AttackLevel | str, lexicon: Lexicon, proposer: Proposer | None, encoder: object = None
) -> AttackPlan:
    """The plan of an effort level. Without a proposer (no inverter reaches this encoder's space),
    search starts from an empty guess and lexical search builds the text from the vocabulary."""
    level = AttackLevel(level)
    steps: list[Step] = []

    def add(strategy: SearchStrategy, settings: Any) -> None:
        steps.append(Step(strategy, settings))

    if level is AttackLevel.quick:
        if proposer is not None:
            h = HypothesisSettings(samples=4)
            add(LmHypotheses(proposer, h), h)
        else:
            lx = LexicalSettings(sweeps=4)
            add(LexicalSearch(lexicon, lx), lx)
        v = ValueSettings(shortlist=40, seeds=1, rounds=1, emails=False, second_name=False)
        add(ValueRefinement(lexicon, v), v)
    elif level is AttackLevel.standard:
        if proposer is not None:
            h = HypothesisSettings(samples=8)
            add(LmHypotheses(proposer, h), h)
        lx = LexicalSettings(sweeps=3 if proposer is not None else 8)
        add(LexicalSearch(lexicon, lx), lx)
        v = ValueSettings()
        add(ValueRefinement(lexicon, v), v)
        prune = LexicalSettings(pool=10, function_words=0, sweeps=2, replace_at=1, insert_at=1)
        add(LexicalSearch(lexicon, prune), prune)
    else:
        if proposer is not None:
            h = HypothesisSettings(samples=16)
            add(LmHypotheses(proposer, h), h)
            b = BeamSettings(width=8, top_k=8)
            add(GuidedBeamSearch(proposer, b), b)
            c = CorrectionSettings(steps=2, candidates=4)
            add(SequenceCorrection(proposer, c), c)
        lx = LexicalSettings(pool=60, sweeps=8, replace_at=5, insert_at=5)
        add(LexicalSearch(lexicon, lx), lx)
        v = ValueSettings(shortlist=120, seeds=3, rounds=3)
        add(ValueRefinement(lexicon, v), v)
        prune = LexicalSettings(pool=20, function_words=10, sweeps=4)
        add(LexicalSearch(lexicon, prune), prune)
    return AttackPlan(level, BUDGETS[level], tuple(steps))
