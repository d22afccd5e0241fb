"""Inversion quality metrics: BLEU, token F1, exact match and verbatim PII recovery."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence

_WORD = re.compile(r"\w+|[^\w\s]")
_NUMERIC_ENTITIES = {
    "PHONE_NUMBER",
    "US_SSN",
    "CREDIT_CARD",
    "ACCOUNT_NUMBER",
    "IP_ADDRESS",
    "MEDICAL_RECORD",
}


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def canon_text(text: str) -> str:
    """Case- and spacing-insensitive form: lowercase, no whitespace at all."""
    return re.sub(r"\s+", "", text.lower())


def canon_value(entity_type: str, value: str) -> str:
    if entity_type in _NUMERIC_ENTITIES:
        return re.sub(r"\D", "", value)
    return canon_text(value)


def value_recovered(entity_type: str, value: str, recovered: str) -> bool:
    """Verbatim recovery, normalized for case and spacing; digits only for numbers."""
    want = canon_value(entity_type, value)
    if not want:
        return False
    if entity_type in _NUMERIC_ENTITIES:
        return want in re.sub(r"\D", "", recovered)
    return want in canon_text(recovered)


def token_f1(ref: str, hyp: str) -> float:
    r, h = Counter(words(ref)), Counter(words(hyp))
    common = sum((r & h).values())
    if common == 0:
        return 0.0
    p, rc = common / max(1, sum(h.values())), common / max(1, sum(r.values()))
    return 2 * p * rc / (p + rc)


def corpus_bleu(refs: Sequence[str], hyps: Sequence[str], max_n: int = 4) -> float:
    """Corpus BLEU (0-100) with uniform weights and the brevity penalty, on lowercase word tokens."""
    match = [0] * max_n
    total = [0] * max_n
    ref_len = hyp_len = 0
    for ref, hyp in zip(refs, hyps, strict=True):
        rw, hw = words(ref), words(hyp)
        ref_len += len(rw)
        hyp_len += len(hw)
        for n in range(1, max_n + 1):
            rc = Counter(tuple(rw[i : i + n]) for i in range(len(rw) - n + 1))
            hc = Counter(tuple(hw[i : i + n]) for i in range(len(hw) - n + 1))
            match[n - 1] += sum((rc & hc).values())
            total[n - 1] += max(0, len(hw) - n + 1)
    if hyp_len == 0 or min(match) == 0:
        return 0.0
    log_p = sum(math.log(m / t) for m, t in zip(match, total, strict=True)) / max_n
    bp = 1.0 if hyp_len > ref_len else math.exp(1 - ref_len / hyp_len)
    return 100.0 * bp * math.exp(log_p)


def pii_recovery(
    entities: Sequence[Sequence[tuple[str, str]]], recovered: Sequence[str]
) -> dict[str, tuple[int, int]]:
    """Per entity type: (recovered verbatim, total)."""
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for ents, text in zip(entities, recovered, strict=True):
        for etype, value in ents:
            out[etype][1] += 1
            out[etype][0] += int(value_recovered(etype, value, text))
    return {k: (v[0], v[1]) for k, v in sorted(out.items())}


def summarize(
    refs: Sequence[str], hyps: Sequence[str], entities: Sequence[Sequence[tuple[str, str]]]
) -> dict[str, float]:
    res: dict[str, float] = {
        "bleu": corpus_bleu(refs, hyps),
        "token_f1": sum(token_f1(r, h) for r, h in zip(refs, hyps, strict=True)) / max(1, len(refs)),
        "exact": sum(canon_text(r) == canon_text(h) for r, h in zip(refs, hyps, strict=True))
        / max(1, len(refs)),
    }
    for etype, (hit, tot) in pii_recovery(entities, hyps).items():
        res[f"pii_{etype}"] = hit / tot if tot else 0.0
        res[f"n_{etype}"] = float(tot)
    return res


def pii_share(metrics: dict[str, float]) -> float:
    """Share of all PII values recovered verbatim, pooled over entity types (from `summarize`)."""
    hit = total = 0.0
    for key, value in metrics.items():
        if key.startswith("pii_"):
            n = metrics.get("n_" + key[4:], 0.0)
            hit, total = hit + value * n, total + n
    return hit / total if total else 0.0
