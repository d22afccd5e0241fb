"""Mitigation what-if: how much leakage and how much retrieval utility each mitigation leaves.

For a sample of stored vectors we apply each mitigation (Gaussian noise, int8 or binary
quantization, dimension truncation) to a copy in memory, then measure
- leakage: the share of true PII values our inverter recovers verbatim from the mitigated vectors,
  and the mean cosine between the recovered text's embedding and the original vector;
- utility: recall@k of nearest-neighbour search over the mitigated vectors, with the true
  neighbours taken from the unmodified vectors and queries embedded afresh (unmodified).

Ground truth comes from payload text (Presidio finds the true values) or from the caller.
The store is only read. Values stay in memory: the result holds only counts and shares.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

# The result types live in models, so the report shows them without importing this module.
from .encoders.profiles import unit_rows
from .errors import VecauditError
from .models import Mitigation, MitigationResult, WhatIfResult
from .validation import read_json_model

if TYPE_CHECKING:
    from .stores.target import ScanTarget

#: CPU inversion takes ~0.2-2 s per vector (load-dependent) and every mitigation inverts the sample again.
DEFAULT_SAMPLE = 32
DEFAULT_K = 10
#: Points for the recall@k measurement: no inversion, so it can be far larger than the sample.
DEFAULT_UTILITY_SAMPLE = 1000


class WhatIfError(VecauditError):
    """A what-if measurement cannot run (no inverter for the encoder, too few vectors, bad input)."""


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
)


def parse_mitigation(spec: str) -> Mitigation:
    """`none`, `noise:SIGMA`, `int8`, `binary` or `truncate:DIMS` (the CLI's --mitigation)."""
    kind, _, arg = spec.strip().lower().partition(":")
    try:
        if kind in ("none", "int8", "binary") and not arg:
            return Mitigation(kind=kind)  # type: ignore[arg-type]
        if kind == "noise" and float(arg) >= 0:
            return Mitigation(kind="noise", param=float(arg))
        if kind == "truncate" and int(arg) > 0:
            return Mitigation(kind="truncate", param=int(arg))
    except ValueError:
        pass
    raise WhatIfError(f"unknown mitigation {spec!r}; use none, noise:SIGMA, int8, binary or truncate:DIMS")


def with_reference(mitigations: Sequence[Mitigation]) -> list[Mitigation]:
    """The unmitigated reference first, then the rest without duplicates."""
    out = [Mitigation(kind="none")]
    for m in mitigations:
        if m not in out:
            out.append(m)
    return out


# ---------------------------------------------------------------- mitigations


def _unit(x: np.ndarray) -> np.ndarray:
    return unit_rows(x).astype(np.float32)


def apply_mitigation(
    vectors: np.ndarray, m: Mitigation, noise: np.ndarray
) -> tuple[np.ndarray, np.ndarray, Callable[[np.ndarray], np.ndarray]]:
    """(stored form for search, the same zero-padded to full dims for inversion, query transform).

    `noise` is a fixed standard-normal draw shaped like `vectors`: every noise level scales the same
    draw, so the levels differ only in sigma (common random numbers make the trend measurable on
    small samples). Sigma is per component of a unit vector, so the noise norm is about sigma*sqrt(d).
    """
    v = _unit(vectors)
    d = v.shape[1]

    def same(q: np.ndarray) -> np.ndarray:
        return q

    if m.kind == "none":
        return v, v, same
    if m.kind == "noise":
        if m.param < 0:
            raise WhatIfError("noise sigma must be non-negative")
        out = _unit(v + np.float32(m.param) * noise)
        return out, out, same
    if m.kind == "int8":
        scale = float(np.abs(v).max()) / 127.0 or 1.0
        out = (np.clip(np.round(v / scale), -127, 127) * scale).astype(np.float32)
        return out, _unit(out), same
    if m.kind == "binary":
        out = np.where(v >= 0, 1.0, -1.0).astype(np.float32) / np.float32(math.sqrt(d))
        return out, out, same
    if m.kind == "truncate":
        k = int(m.param)
        if not 0 < k <= d:
            raise WhatIfError(f"cannot truncate {d}-dimensional vectors to {k} dims")
        short = _unit(v[:, :k])
        padded = np.zeros_like(v)
        padded[:, :k] = short

        def cut(q: np.ndarray) -> np.ndarray:
            return _unit(q[:, :k])

        return short, padded, cut
    raise WhatIfError(f"unknown mitigation {m.kind!r}")


def recall_at_k(original: np.ndarray, stored: np.ndarray, queries: np.ndarray, k: int) -> float:
    """Mean share of each point's true k nearest neighbours (excluding itself) still retrieved."""
    n = len(original)
    k = min(k, n - 1)
    if k < 1:
        raise WhatIfError("recall@k needs at least two vectors")
    o = _unit(original)
    truth = o @ o.T
    got = queries @ stored.T
    np.fill_diagonal(truth, -np.inf)
    np.fill_diagonal(got, -np.inf)
    true_nn = np.argsort(-truth, axis=1, kind="stable")[:, :k]
    got_nn = np.argsort(-got, axis=1, kind="stable")[:, :k]
    hits = sum(len(set(a.tolist()) & set(b.tolist())) for a, b in zip(true_nn, got_nn, strict=True))
    return hits / (n * k)


# ---------------------------------------------------------------- measurement


def measure(
    vectors: np.ndarray,
    truth: Sequence[Sequence[tuple[str, str]]],
    *,
    invert: Callable[[np.ndarray], list[str]],
    embed: Callable[[list[str]], np.ndarray],
    utility_vectors: np.ndarray | None = None,
    mitigations: Sequence[Mitigation] = DEFAULT_MITIGATIONS,
    k: int = DEFAULT_K,
    seed: int = 0,
) -> list[MitigationResult]:
    """Leakage and utility per mitigation. `truth[i]` is the (entity type, value) list of row i.

    Utility is measured on `utility_vectors` (default: `vectors`): search needs a pool much larger
    than k to mean anything, and unlike inversion it costs almost nothing per vector.
    """
    from .inversion.metrics import value_recovered

    v = _unit(np.asarray(vectors, dtype=np.float32))
    if v.ndim != 2 or len(v) < 2:
        raise WhatIfError("the what-if needs at least two vectors")
    if len(truth) != len(v):
        raise WhatIfError(f"got ground truth for {len(truth)} rows but {len(v)} vectors")
    u = v if utility_vectors is None else _unit(np.asarray(utility_vectors, dtype=np.float32))
    if u.ndim != 2 or len(u) < 2 or u.shape[1] != v.shape[1]:
        raise WhatIfError("utility vectors must be at least two rows of the same dimension")
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal(v.shape).astype(np.float32)
    u_noise = noise if utility_vectors is None else rng.standard_normal(u.shape).astype(np.float32)
    results = []
    for m in mitigations:
        stored, for_inversion, _ = apply_mitigation(v, m, noise)
        u_stored, _, query_of = apply_mitigation(u, m, u_noise)
        recall = recall_at_k(u, u_stored, query_of(u), k)
        moved = float(np.mean(np.sum(for_inversion * v, axis=1)))
        texts = invert(for_inversion)
        cos = float(np.mean(np.sum(_unit(np.asarray(embed(texts), dtype=np.float32)) * v, axis=1)))
        per: dict[str, list[int]] = {}
        for ents, text in zip(truth, texts, strict=True):
            for etype, value in ents:
                slot = per.setdefault(etype, [0, 0])
                slot[1] += 1
                slot[0] += int(value_recovered(etype, value, text))
        hit = sum(h for h, _ in per.values())
        total = sum(t for _, t in per.values())
        results.append(
            MitigationResult(
                mitigation=m,
                label=m.label,
                entities_total=total,
                entities_recovered=hit,
                leakage=hit / total if total else 0.0,
                leakage_by_entity={e: (h, t) for e, (h, t) in sorted(per.items())},
                mean_cosine=cos,
                recall_at_k=recall,
                vector_cosine=moved,
            )
        )
    return results


def _usable(vec: np.ndarray, dim: int | None) -> bool:
    right_size = vec.ndim == 1 and vec.size > 0 and (dim is None or vec.size == dim)
    return right_size and bool(np.isfinite(vec).all())


def payload_truth(
    payloads: Sequence[dict[str, Any]], *, text_field: str | None = None, detector: Any = None
) -> tuple[list[str | None], list[list[tuple[str, str]]]]:
    """Each point's text (the named field, else its longest string) and Presidio's entities in it."""
    from .detect.payload_text import longest_text, read_payload

    texts: list[str | None] = []
    for p in payloads:
        if text_field is not None:
            strings = (t for t in read_payload(p).texts if t.kind == "string")
            texts.append(next((t.text for t in strings if t.path == text_field), None))
        else:
            texts.append(longest_text(p))
    if detector is None:
        from .detect.engine import PiiDetector

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
    device: str = "cpu",
    api_key_file: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> WhatIfResult:
    """Sample `collection` of `target` (read-only) and measure every mitigation on the sample."""
    from .encoders.registry import get_encoder
    from .inversion import load_inverter
    from .stores import ScanTarget, open_store
    from .stores.sampling import iter_sample, sample_ids

    say = progress or (lambda _msg: None)
    if sample < 2:
        raise WhatIfError("--sample must be at least 2")
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
        ids = sample_ids(store, collection, max(sample, utility_sample), seed)
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
    # The id sample is in stream order; a seeded permutation picks the inverted subset fairly.
    pick = np.sort(np.random.default_rng(seed).permutation(len(pool))[:sample])
    vectors = pool[pick]
    say(f"sampled {len(vectors)} vectors to invert, {len(pool)} for search; finding PII in payload text")
    texts, truth = payload_truth([payloads[i] for i in pick], text_field=text_field)
    if encoder is None:
        from .encoders.identify import identify

        guess = identify(vectors, distance=chosen.distance, texts=texts)
        if guess.name == "unknown":
            raise WhatIfError("could not identify the encoder of these vectors; pass --encoder NAME")
        encoder = guess.name
    inverter = load_inverter(encoder, device=device)
    if inverter is None:
        from .model_files import searched

        raise WhatIfError(f"no inverter ships for encoder {encoder!r} ({searched()}); the what-if needs one")
    enc = get_encoder(encoder, device=device)
    say(
        f"inverting {len(vectors)} vectors under {len(with_reference(mitigations))} setting(s), "
        f"encoder {encoder}"
    )

    def invert(x: np.ndarray) -> list[str]:
        return [text for text, _ in inverter.invert(x)]

    results = measure(
        vectors,
        truth,
        invert=invert,
        embed=lambda t: enc.embed(t),
        utility_vectors=pool,
        mitigations=with_reference(mitigations),
        k=k,
        seed=seed,
    )
    n_ent = Counter(e for ents in truth for e, _ in ents)
    note = "" if n_ent else "No PII found in payload text: leakage shares are 0 by construction."
    return WhatIfResult(
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        target=parsed.display,
        collection=collection,
        vector=chosen.name,
        encoder=encoder,
        sample_size=len(vectors),
        utility_sample_size=len(pool),
        k=min(k, len(pool) - 1),
        seed=seed,
        ground_truth="payload",
        note=note,
        results=results,
    )


def load_whatif(path: Path) -> WhatIfResult:
    return read_json_model(path, WhatIfResult, what="what-if result", error=WhatIfError)
