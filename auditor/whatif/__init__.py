"""Mitigation what-if: how much leakage and how much retrieval utility each mitigation leaves,
judged by the strongest attacker measured.

For a sample of stored vectors we apply each mitigation (Gaussian noise, int8 or binary
quantization, dimension truncation, product quantization, a secret orthogonal rotation) to a copy
in memory, then measure
- leakage, per attacker (`attackers`): the share of true PII values the attacker recovers verbatim
  from the mitigated vectors, the mean cosine between the recovered text's embedding and the
  original vector, and the cosine of the vector it inverted to the original;
- utility: recall@k of nearest-neighbour search over the mitigated vectors, with the true
  neighbours taken from the unmodified vectors and queries embedded afresh (unmodified, or put
  through the mitigation's query transform).

A mitigation's leakage is that of its strongest attacker: a mitigation that only stops the weak
learned inverter protects nothing against an attacker with the attack plan or a few leaked pairs.

Ground truth comes from payload text (Presidio finds the true values) or from the caller.
The store is only read. Values and leaked texts stay in memory: the result holds counts and shares.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

# The result types live in models, so the report shows them without importing this package.
from ..models import (
    WHATIF_SCHEMA_VERSION,
    AttackerResult,
    Mitigation,
    MitigationResult,
    WhatIfResult,
    strongest_attacker,
)
from ..validation import read_json_model
from .attackers import DEFAULT_LEAKED_PAIRS, RIDGE_GRID, Attacker, LinearMap, fit_linear_map
from .mitigations import (
    Fitted,
    WhatIfError,
    apply_mitigation,
    fit_mitigation,
    parse_mitigation,
    recall_at_k,
    unit,
)

if TYPE_CHECKING:
    from ..stores.target import ScanTarget

__all__ = [
    "DEFAULT_ATTACK",
    "DEFAULT_K",
    "DEFAULT_LEAKED_PAIRS",
    "DEFAULT_MITIGATIONS",
    "DEFAULT_SAMPLE",
    "DEFAULT_UTILITY_SAMPLE",
    "Attacker",
    "Fitted",
    "LeakedPairs",
    "Mitigation",
    "MitigationResult",
    "WhatIfError",
    "WhatIfResult",
    "apply_mitigation",
    "choose_map",
    "fit_linear_map",
    "fit_mitigation",
    "load_whatif",
    "measure",
    "parse_mitigation",
    "payload_truth",
    "recall_at_k",
    "run_whatif",
    "with_reference",
]

#: Every mitigation inverts the sample once per attacker: the learned inverter (about 0.15 s per
#: vector on 2 idle CPU cores) and up to 4 plan attackers (the plan and each ALGEN k; an ALGEN
#: attacker that keeps the vectors unmapped reuses the plan's texts). The `quick` plan costs
#: about 0.6 s per vector idle (`standard` about 3.5 s). Measured (bench/results/
#: whatif_attackers.txt): 32 vectors x 12 settings took 1,024 plan inversions, 1.3 s each on a
#: shared 2-core machine, 25 minutes in all; the default 16 took 512 inversions at 0.75 s, 7.5
#: minutes in all (load average about 4), so about 5 minutes on an idle machine.
#: `standard` would take most of an hour, so the default level is `quick`.
DEFAULT_SAMPLE = 16
DEFAULT_ATTACK = "quick"
DEFAULT_K = 10
#: Points for the recall@k measurement: no inversion, so it can be far larger than the sample.
DEFAULT_UTILITY_SAMPLE = 1000

DEFAULT_MITIGATIONS: tuple[Mitigation, ...] = (
    Mitigation(kind="none"),
    Mitigation(kind="noise", param=0.01),
    Mitigation(kind="noise", param=0.02),
    Mitigation(kind="noise", param=0.05),
    Mitigation(kind="noise", param=0.1),
    Mitigation(kind="int8"),
    Mitigation(kind="binary"),
    Mitigation(kind="truncate", param=256),
    Mitigation(kind="truncate", param=128),
    Mitigation(kind="pq", param=16),
    Mitigation(kind="pq", param=48),
    Mitigation(kind="rotate"),
)


def with_reference(mitigations: Sequence[Mitigation]) -> list[Mitigation]:
    """The unmitigated reference first, then the rest without duplicates."""
    out = [Mitigation(kind="none")]
    for m in mitigations:
        if m not in out:
            out.append(m)
    return out


# ---------------------------------------------------------------- measurement


@dataclass(frozen=True)
class LeakedPairs:
    """The ALGEN attacker's side knowledge: rows of the utility pool (disjoint from the inverted
    sample) whose texts leaked, and those texts' clean embeddings (len(rows), d). An attacker with
    k pairs holds the first k, so smaller k are subsets of larger ones."""

    rows: np.ndarray
    clean: np.ndarray


def choose_map(stored: np.ndarray, clean: np.ndarray) -> LinearMap | None:
    """The alignment an attacker with these leaked pairs (k, d_in) -> (k, d) uses, or None (no map).

    The attacker validates on its own pairs, as a careful one would: maps fitted on the first four
    fifths with each ridge penalty of `RIDGE_GRID`, and (when the stored space has the clean
    space's size) no map at all, are scored by mean cosine on the last fifth; the winner is then
    refitted on every pair. Without the search, a penalty that suits a rotation over-fits noise
    near k = d (the interpolation peak of least squares), and a map can be worse than none for a
    mitigation that leaves vectors in the clean space. Fewer than 5 pairs: the smallest penalty.
    """
    k = len(stored)
    if k < 5:
        return fit_linear_map(stored, clean, ridge=RIDGE_GRID[0])
    held = max(1, k // 5)
    want = unit(clean[-held:])
    best: tuple[float, float | None] = (-np.inf, None)
    if stored.shape[1] == clean.shape[1]:
        best = (float(np.mean(np.sum(unit(stored[-held:]) * want, axis=1))), None)
    for ridge in RIDGE_GRID:
        trial = fit_linear_map(stored[:-held], clean[:-held], ridge=ridge)
        score = float(np.mean(np.sum(trial(stored[-held:]) * want, axis=1)))
        if score > best[0]:
            best = (score, ridge)
    return None if best[1] is None else fit_linear_map(stored, clean, ridge=best[1])


def _score(
    attacker: Attacker,
    texts: list[str],
    truth: Sequence[Sequence[tuple[str, str]]],
    original: np.ndarray,
    inverted: np.ndarray,
    embed: Callable[[list[str]], np.ndarray],
) -> AttackerResult:
    from ..inversion.metrics import value_recovered

    cos = float(np.mean(np.sum(unit(np.asarray(embed(texts), dtype=np.float32)) * original, axis=1)))
    per: dict[str, list[int]] = {}
    for ents, text in zip(truth, texts, strict=True):
        for etype, value in ents:
            slot = per.setdefault(etype, [0, 0])
            slot[1] += 1
            slot[0] += int(value_recovered(etype, value, text))
    hit = sum(h for h, _ in per.values())
    total = sum(t for _, t in per.values())
    return AttackerResult(
        attacker=attacker.id,
        kind=attacker.kind,
        label=attacker.label,
        short=attacker.short,
        leaked_pairs=attacker.leaked_pairs,
        entities_total=total,
        entities_recovered=hit,
        leakage=hit / total if total else 0.0,
        leakage_by_entity={e: (h, t) for e, (h, t) in sorted(per.items())},
        mean_cosine=cos,
        vector_cosine=float(np.mean(np.sum(inverted * original, axis=1))),
    )


def _run(
    memo: dict[tuple[int, bytes], str], invert: Callable[[np.ndarray], list[str]], x: np.ndarray
) -> list[str]:
    """`invert(x)`, reusing the texts of rows this inverter has already read."""
    todo = [i for i in range(len(x)) if (id(invert), x[i].tobytes()) not in memo]
    if todo:
        for i, text in zip(todo, invert(x[todo]), strict=True):
            memo[(id(invert), x[i].tobytes())] = text
    return [memo[(id(invert), row.tobytes())] for row in x]


def measure(
    vectors: np.ndarray,
    truth: Sequence[Sequence[tuple[str, str]]],
    *,
    attackers: Sequence[Attacker],
    embed: Callable[[list[str]], np.ndarray],
    utility_vectors: np.ndarray | None = None,
    leaked: LeakedPairs | None = None,
    mitigations: Sequence[Mitigation] = DEFAULT_MITIGATIONS,
    k: int = DEFAULT_K,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> list[MitigationResult]:
    """Leakage per attacker and utility per mitigation. `truth[i]` is the (entity type, value) list
    of row i of `vectors` (n, d); `embed` is the clean encoder (texts -> (len, d)).

    Utility is measured on `utility_vectors` (default: `vectors`): search needs a pool much larger
    than k to mean anything, and unlike inversion it costs almost nothing per vector. Mitigations
    that learn (pq) or hold a secret (rotate) are fitted on that pool. ALGEN attackers
    (`leaked_pairs` > 0) need `leaked`, whose rows index the pool. Raises WhatIfError on shapes
    that do not fit.
    """
    say = progress or (lambda _msg: None)
    v = unit(np.asarray(vectors, dtype=np.float32))
    if v.ndim != 2 or len(v) < 2:
        raise WhatIfError("the what-if needs at least two vectors")
    if len(truth) != len(v):
        raise WhatIfError(f"got ground truth for {len(truth)} rows but {len(v)} vectors")
    u = v if utility_vectors is None else unit(np.asarray(utility_vectors, dtype=np.float32))
    if u.ndim != 2 or len(u) < 2 or u.shape[1] != v.shape[1]:
        raise WhatIfError("utility vectors must be at least two rows of the same dimension")
    if not attackers:
        raise WhatIfError("the what-if needs at least one attacker")
    need = max((a.leaked_pairs for a in attackers), default=0)
    if need and (leaked is None or len(leaked.rows) < need):
        have = 0 if leaked is None else len(leaked.rows)
        raise WhatIfError(f"an attacker holds {need} leaked pairs but only {have} were supplied")
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal(v.shape).astype(np.float32)
    u_noise = noise if utility_vectors is None else rng.standard_normal(u.shape).astype(np.float32)
    results = []
    for m in mitigations:
        say(f"measuring {m.label}")
        fitted = fit_mitigation(m, u, seed)
        stored, for_inversion, _ = apply_mitigation(v, m, noise, fitted)
        u_stored, _, query_of = apply_mitigation(u, m, u_noise, fitted)
        recall = recall_at_k(u, u_stored, query_of(u), k)
        # The same input to the same inverter gives the same text: an ALGEN attacker that keeps
        # the vectors unmapped repeats the plain plan's work, which is not run twice.
        memo: dict[tuple[int, bytes], str] = {}
        per_attacker = []
        for a in attackers:
            target = for_inversion
            if a.leaked_pairs:
                assert leaked is not None
                rows = leaked.rows[: a.leaked_pairs]
                mapping = choose_map(u_stored[rows], leaked.clean[: a.leaked_pairs])
                if mapping is not None:
                    target = mapping(stored)
            per_attacker.append(_score(a, _run(memo, a.invert, target), truth, v, target, embed))
        top = strongest_attacker(per_attacker)
        results.append(
            MitigationResult(
                mitigation=m,
                label=m.label,
                entities_total=top.entities_total,
                entities_recovered=top.entities_recovered,
                leakage=top.leakage,
                leakage_by_entity=dict(top.leakage_by_entity),
                mean_cosine=top.mean_cosine,
                recall_at_k=recall,
                vector_cosine=float(np.mean(np.sum(for_inversion * v, axis=1))),
                attackers=per_attacker,
                strongest=top.attacker,
            )
        )
    return results


def _usable(vec: np.ndarray, dim: int | None) -> bool:
    right_size = vec.ndim == 1 and vec.size > 0 and (dim is None or vec.size == dim)
    return right_size and bool(np.isfinite(vec).all())


def point_text(payload: dict[str, Any], text_field: str | None = None) -> str | None:
    """A point's embedded text: the named payload field, else its longest string (None if absent)."""
    from ..detect.payload_text import longest_text, read_payload

    if text_field is None:
        return longest_text(payload)
    strings = (t for t in read_payload(payload).texts if t.kind == "string")
    return next((t.text for t in strings if t.path == text_field), None)


def payload_truth(
    payloads: Sequence[dict[str, Any]], *, text_field: str | None = None, detector: Any = None
) -> tuple[list[str | None], list[list[tuple[str, str]]]]:
    """Each point's text (the named field, else its longest string) and Presidio's entities in it."""
    texts = [point_text(p, text_field) for p in payloads]
    if detector is None:
        from ..detect.engine import PiiDetector

        detector = PiiDetector()
    present = [t for t in texts if t]
    found = iter(detector.analyze(present))
    truth: list[list[tuple[str, str]]] = []
    for t in texts:
        if not t:
            truth.append([])
            continue
        truth.append([(d.entity_type, t[d.start : d.end]) for d in next(found)])
    return texts, truth


def build_attackers(
    encoder: str, *, attack: str, leaked_pairs: Sequence[int], device: str = "cpu"
) -> tuple[list[Attacker], Callable[[], dict[str, Any]]]:
    """The learned inverter, the attack plan at `attack` and one ALGEN attacker per k (which runs
    the plan, or the learned inverter when `attack` is `loop` or no plan reaches the encoder);
    with a function that describes the plan and what it has spent so far (encoder calls and
    seconds per vector). Raises WhatIfError when no inverter ships."""
    from ..inversion import load_inverter
    from ..inversion.load import ATTACK_CHOICES, LOOP

    if attack not in ATTACK_CHOICES:
        raise WhatIfError(f"unknown attack level {attack!r}; choose one of {', '.join(ATTACK_CHOICES)}")
    learned = load_inverter(encoder, attack=LOOP, device=device)
    if learned is None:
        from ..model_files import searched

        raise WhatIfError(f"no inverter ships for encoder {encoder!r} ({searched()}); the what-if needs one")

    def texts_of(inv: Any) -> Callable[[np.ndarray], list[str]]:
        def invert(x: np.ndarray) -> list[str]:
            return [text for text, _ in inv.invert(x)]

        return invert

    out = [Attacker("learned", "learned", "learned inverter (v1)", "learned", texts_of(learned))]
    plan = load_inverter(encoder, attack=attack, device=device) if attack != LOOP else None
    via = texts_of(plan) if plan is not None else out[0].invert
    level = attack if plan is not None else LOOP
    if plan is not None:
        out.append(Attacker("plan", "plan", f"attack plan ({attack})", attack, via))
    for k in sorted(set(leaked_pairs)):
        out.append(
            Attacker(
                f"algen-{k}",
                "algen",
                f"ALGEN, {k} leaked pairs + "
                + (f"attack plan ({level})" if plan is not None else "learned inverter"),
                f"ALGEN {k}",
                via,
                leaked_pairs=k,
            )
        )

    def describe() -> dict[str, Any]:
        return dict(plan.describe()) if plan is not None else {"level": LOOP}

    return out, describe


def run_whatif(
    target: ScanTarget | str,
    collection: str,
    *,
    sample: int = DEFAULT_SAMPLE,
    utility_sample: int = DEFAULT_UTILITY_SAMPLE,
    seed: int = 0,
    vector: str | None = None,
    encoder: str | None = None,
    text_field: str | None = None,
    mitigations: Sequence[Mitigation] = DEFAULT_MITIGATIONS,
    k: int = DEFAULT_K,
    attack: str = DEFAULT_ATTACK,
    leaked_pairs: Sequence[int] = DEFAULT_LEAKED_PAIRS,
    device: str = "cpu",
    api_key_file: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> WhatIfResult:
    """Sample `collection` of `target` (read-only) and measure every mitigation on the sample with
    every attacker. The pool read holds `utility_sample` points, or more when the sample plus the
    largest leaked-pair count needs them; the leaked pairs are pool points outside the inverted
    sample that have text, capped at what the collection offers (the result records the k used).
    Raises WhatIfError (exit 2) on anything that keeps the measurement from running."""
    from ..encoders.registry import get_encoder
    from ..stores import ScanTarget, open_store
    from ..stores.sampling import iter_sample, sample_ids

    say = progress or (lambda _msg: None)
    if sample < 2:
        raise WhatIfError("--sample must be at least 2")
    if any(n < 2 for n in leaked_pairs):
        raise WhatIfError("--leaked-pairs must be at least 2 (a linear map needs two pairs)")
    parsed = ScanTarget.of(target)
    store = open_store(parsed, api_key_file=api_key_file)
    try:
        info = store.collection_info(collection)
        dense = [vi for vi in info.vectors if vi.invertible]
        chosen = next((vi for vi in dense if vi.name == (vector or "")), None) if vector is not None else None
        if chosen is None:
            if vector is not None or not dense:
                raise WhatIfError(
                    f"collection {collection!r} has no dense vector named {vector or '(default)'!r}"
                )
            chosen = dense[0]
        want = max(sample + max(leaked_pairs, default=0), utility_sample)
        ids = sample_ids(store, collection, want, seed)
        rows: list[np.ndarray] = []
        payloads: list[dict[str, Any]] = []
        for batch in iter_sample(store, collection, ids):
            for p in batch:
                vec = p.vectors.get(chosen.name)
                # A what-if measures mitigations on usable vectors; the scan reports the broken ones.
                if vec is not None and _usable(np.asarray(vec, dtype=np.float32), chosen.dim):
                    rows.append(np.asarray(vec, dtype=np.float32))
                    payloads.append(p.payload)
    finally:
        store.close()
    if len(rows) < 2:
        raise WhatIfError(f"collection {collection!r} has fewer than two vectors to measure")
    pool = np.stack(rows)
    # The id sample is in stream order; a seeded permutation picks the inverted subset fairly,
    # and the rest of the same permutation orders the leaked pairs.
    order = np.random.default_rng(seed).permutation(len(pool))
    pick = np.sort(order[:sample])
    vectors = pool[pick]
    say(f"sampled {len(vectors)} vectors to invert, {len(pool)} for search; finding PII in payload text")
    texts, truth = payload_truth([payloads[i] for i in pick], text_field=text_field)
    if encoder is None:
        from ..encoders.identify import identify

        guess = identify(vectors, distance=chosen.distance, texts=texts)
        if guess.name == "unknown":
            raise WhatIfError("could not identify the encoder of these vectors; pass --encoder NAME")
        encoder = guess.name
    enc = get_encoder(encoder, device=device)
    rest = [(int(i), t) for i in order[sample:] if (t := point_text(payloads[int(i)], text_field))]
    available = len(rest)
    ks = sorted({min(n, available) for n in leaked_pairs if min(n, available) >= 2})
    notes = []
    if any(n > available for n in leaked_pairs):
        notes.append(
            f"The collection offered {available} leaked pairs outside the inverted sample; "
            f"the ALGEN attacker used k = {', '.join(map(str, ks)) or 'none'}."
        )
    # Attackers first: a missing inverter or a bad level fails before any leaked text is embedded.
    attackers, describe = build_attackers(encoder, attack=attack, leaked_pairs=ks, device=device)
    leaked = None
    if ks:
        top = rest[: ks[-1]]
        clean = np.asarray(enc.embed([t for _, t in top]), dtype=np.float32)
        leaked = LeakedPairs(np.asarray([i for i, _ in top], dtype=np.int64), clean)
    level = str(describe().get("level", ""))
    settings = with_reference(mitigations)
    say(
        f"inverting {len(vectors)} vectors under {len(settings)} setting(s) with {len(attackers)} "
        f"attacker(s) (attack plan {level}), encoder {encoder}"
    )
    results = measure(
        vectors,
        truth,
        attackers=attackers,
        embed=lambda t: enc.embed(t),
        utility_vectors=pool,
        leaked=leaked,
        mitigations=settings,
        k=k,
        seed=seed,
        progress=say,
    )
    n_ent = Counter(e for ents in truth for e, _ in ents)
    if not n_ent:
        notes.append("No PII found in payload text: leakage shares are 0 by construction.")
    return WhatIfResult(
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        target=parsed.display,
        collection=collection,
        vector=chosen.name,
        encoder=encoder,
        dim=int(vectors.shape[1]),
        sample_size=len(vectors),
        utility_sample_size=len(pool),
        k=min(k, len(pool) - 1),
        seed=seed,
        ground_truth="payload",
        note=" ".join(notes),
        attack_level=level,
        attack=describe(),
        leaked_pairs_available=available,
        results=results,
    )


def load_whatif(path: Path) -> WhatIfResult:
    """A what-if result from JSON (schema 1.x or 2.x). Raises WhatIfError (exit 2) on an unreadable
    or malformed file, or on a later major schema this version cannot read."""
    res = read_json_model(path, WhatIfResult, what="what-if result", error=WhatIfError)
    major = res.schema_version.partition(".")[0]
    if not major.isdigit() or int(major) > int(WHATIF_SCHEMA_VERSION.partition(".")[0]):
        raise WhatIfError(
            f"{str(path)!r} is a what-if result of schema {res.schema_version}; this vecaudit reads "
            f"up to {WHATIF_SCHEMA_VERSION}: upgrade vecaudit"
        )
    return res
