"""Guided token beam search (adversarial decoding, as in ZSInvert, arXiv 2504.00147).

The learned LM proposes the top-k next tokens of every beam; each extended prefix is embedded by
the stored vectors' own encoder and ranked by

    cos(E(prefix), v) + lm_weight * mean token log-prob of the prefix

so the text follows the vector while the LM prior keeps it readable (without the prior it
degrades into a bag of words). One KV cache serves all vectors and beams; it is re-indexed when
beams are chosen, never recomputed. Every prefix is a full candidate text: the best by cosine is
offered to the search state. A vector stops when its budget is spent or when `patience` steps
brought no better cosine.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..prompts import hypothesis_prompts
from .base import Guess, SearchState, charge
from .proposer import Proposer


@dataclass(frozen=True)
class BeamSettings:
    width: int = 4  # beams kept per vector
    top_k: int = 8  # next tokens proposed per beam
    lm_weight: float = 0.03  # weight of the mean token log-prob in the ranking
    max_tokens: int = 32
    patience: int = 6  # steps without a better cosine before a vector stops


class GuidedBeamSearch:
    name = "guided_beam_search"

    def __init__(self, proposer: Proposer, settings: BeamSettings | None = None) -> None:
        self.proposer = proposer
        self.settings = settings or BeamSettings()

    @torch.inference_mode()
    def run(self, state: SearchState, budget: int) -> None:
        from transformers import DynamicCache

        before = state.oracle.calls.copy()
        s, inv = self.settings, self.proposer.inverter
        lm, cfg = inv.lm, inv.cfg
        n = state.oracle.n
        e = self.proposer.conditions(state.oracle.targets)
        prompts = hypothesis_prompts(lm, inv.projector, cfg, e).to(next(lm.parameters()).dtype)
        cache = DynamicCache()
        out = lm(inputs_embeds=prompts, past_key_values=cache, use_cache=True)  # type: ignore[operator]
        owners = list(range(n))  # the vector of each live beam row
        ids: list[list[int]] = [[] for _ in range(n)]
        logp_sum = [0.0] * n
        best = [-1.0] * n  # the best cosine this search reached (its own progress, for patience)
        stale = [0] * n
        spent0 = [int(c) for c in state.oracle.calls]
        specials = (cfg.eos_id, cfg.pad_id, cfg.bos_id, getattr(cfg, "hyp_id", None))
        banned = [t for t in specials if t is not None]
        for _ in range(s.max_tokens):
            logp = torch.log_softmax(out.logits[:, -1].float(), dim=-1)
            logp[:, banned] = float("-inf")
            top = logp.topk(s.top_k, dim=-1)
            cand_row, cand_tok, cand_lp = [], [], []
            for r, i in enumerate(owners):
                if state.left(i, spent0[i], budget) < s.top_k:
                    continue
                for lp, tok in zip(top.values[r].tolist(), top.indices[r].tolist(), strict=True):
                    cand_row.append(r)
                    cand_tok.append(tok)
                    cand_lp.append(logp_sum[r] + lp)
            if not cand_row:
                break
            texts = self.proposer.decode([ids[r] + [t] for r, t in zip(cand_row, cand_tok, strict=True)])
            cand_owner = [owners[r] for r in cand_row]
            cos = state.oracle.score_pairs(cand_owner, texts).tolist()
            # Rank per vector; keep `width` distinct texts.
            by_owner: dict[int, list[int]] = {}
            for c, i in enumerate(cand_owner):
                by_owner.setdefault(i, []).append(c)
            keep: list[int] = []
            for i, cands in by_owner.items():
                length = len(ids[cand_row[cands[0]]]) + 1
                cands.sort(key=lambda c: -(cos[c] + s.lm_weight * cand_lp[c] / length))
                seen: set[str] = set()
                chosen = []
                for c in cands:
                    if texts[c] and texts[c] not in seen:
                        seen.add(texts[c])
                        chosen.append(c)
                    if len(chosen) == s.width:
                        break
                top_c = max(cands, key=lambda c: cos[c])
                if cos[top_c] > best[i] + 1e-4:
                    best[i], stale[i] = cos[top_c], 0
                    state.offer(i, [Guess.of_text(texts[top_c], cos[top_c], self.name)])  # kept if better
                else:
                    stale[i] += 1
                if stale[i] < s.patience:
                    keep.extend(chosen)
            if not keep:
                break
            parents = torch.tensor([cand_row[c] for c in keep], dtype=torch.long)
            cache.reorder_cache(parents)  # type: ignore[arg-type]
            owners = [cand_owner[c] for c in keep]
            ids = [ids[cand_row[c]] + [cand_tok[c]] for c in keep]
            logp_sum = [cand_lp[c] for c in keep]
            step_tok = torch.tensor([cand_tok[c] for c in keep], dtype=torch.long)[:, None]
            out = lm(input_ids=step_tok, past_key_values=cache, use_cache=True)  # type: ignore[operator]
        charge(state, self.name, before)
