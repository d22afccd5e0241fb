"""Which encoder made these vectors? Evidence from payload text, fingerprints and round trips.

Evidence, strongest first:
  * payload re-embedding: when the payload text that was embedded is at hand, re-embedding it
    with the right encoder reproduces the stored vector (cosine ~1, compared after unit
    normalization because Cosine stores normalize on insert; e5 is tried with both prefixes).
  * round trip (hook, once an inverter exists): invert with a candidate's inverter, re-embed the
    recovered texts with that candidate, and ask how much closer each vector is to its own text
    than to the texts recovered from the other vectors (see `roundtrip_scores`).
  * fingerprint: vectors only. The decisive statistic is how much of the sample's energy lies in
    the candidate profile's principal subspace (mean direction + 64 axes), against the k/d a
    foreign coordinate system gets; a random rotation keeps anisotropy and spectrum but moves
    that energy out of the subspace, so rotated copies come out unknown. Mean direction, dead
    dimensions and norms add to or veto that evidence.

Each candidate gets a probability-like score p_c; the named encoder's confidence is
p_best * prod(1 - p_other) (it matches and no rival does), and `unknown` carries
prod(1 - p_c), the chance that none of the candidates made the vectors. Thresholds were chosen on
text styles that are not in the profile corpus (see bench/bench_identify.py for the margins).
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import EncoderError, InverterError
from ..models import EncoderGuess
from .base import Encoder
from .profiles import DEAD_REL, Profile, anisotropy, load_profiles, unit_rows

log = logging.getLogger(__name__)

UNKNOWN = "unknown"
MAX_FINGERPRINT_ROWS = 2048  # more rows add nothing measurable and cost O(n d k)
MIN_FINGERPRINT_ROWS = 20
MAX_PAYLOAD_TEXTS = 16

# Fingerprint calibration, measured on held-out styles (hr, travel, review, long multi-part
# reports, legal, finance, multilingual; n = 50 and 200; Cosine store), excess subspace energy
# against profiles with 128 axes:
#   true encoder's profile                                  >= 0.30 (wordllama-256), >= 0.49 (384-dim)
#   another registry encoder, incl. the MiniLM sibling       <= 0.14
#   same transformer, other layer or pooling (MiniLM L4/CLS) <= 0.12
#   random rotation                                           ~ 0.00 +- 0.05
# Mean direction did not widen the margin (it moves with content), so it is reported, not scored.
FP_CENTER = 0.22
FP_SCALE = 0.02
# Payload: re-embedding with the right encoder gives >= 0.99 (4-bit e5 vs fp32 e5 a little less);
# a different encoder, even a sibling, stays far below.
PAYLOAD_CENTER = 0.90
PAYLOAD_SCALE = 0.015
# Round trip: the share of the room above the controls that a vector's own recovered text takes
# (`roundtrip_scores`). Measured with the shipped loop at CPU defaults on 12 held-out-style texts
# (legal, finance, hr, travel), 200 random 8-row subsets each: the true encoder scores >= 0.20
# (wordllama-256 through its adapter 0.20-0.34, e5 through its adapter 0.23-0.34, L3 0.34-0.48,
# L6 0.42-0.62; the true texts themselves ~1.0); a wrong candidate, random Gaussian vectors, a
# rotated e5 store or Gaussian vectors around e5's mean direction <= 0.13. A raw median cosine
# cannot tell these apart: e5 puts any two texts at ~0.8, so Gaussian vectors around its mean
# direction scored 0.865 for e5, above the 0.80 that used to mean "a faithful round trip".
ROUNDTRIP_CENTER = 0.165
ROUNDTRIP_SCALE = 0.015
MIN_ROUNDTRIP_ROWS = 8  # fewer rows give too few controls: at 4 rows the two ranges above overlap

# Given (vectors, encoder id) an inverter returns recovered texts, one per row; see roundtrip_scores.
Inverter = Callable[[np.ndarray, str], Sequence[str]]


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


@dataclass
class Sample:
    """The cleaned sample: finite, non-zero rows, unit-normalized copy, and norm facts."""

    raw: np.ndarray  # (n, d) float64
    unit: np.ndarray  # (n, d) row-normalized
    keep: np.ndarray  # indices of the input rows kept
    dropped: int
    unit_norm: bool  # every row already had norm ~1
    norm_median: float


def clean_sample(vectors: np.ndarray, datatype: str | None = None) -> Sample:
    x = np.asarray(vectors)
    if x.ndim != 2 or x.shape[1] == 0:
        raise EncoderError(f"identification needs a 2-D array of vectors, got shape {x.shape}")
    x = x.astype(np.float64)
    if datatype and datatype.lower() == "uint8":
        # Qdrant uint8 vectors are codes of float vectors: undoing their zero code restores the
        # directions (see dequantize.py; the scan does this before calling identify).
        from .dequantize import find_codes, fit

        codes = find_codes(x, datatype)
        if codes is not None:
            x = fit(x, codes).apply(x).astype(np.float64)
    norms = np.linalg.norm(x, axis=1)
    ok = np.isfinite(x).all(axis=1) & (norms > 0)
    keep = np.flatnonzero(ok)
    x = x[keep]
    norms = norms[keep]
    return Sample(
        raw=x,
        unit=unit_rows(x),
        keep=keep,
        dropped=int(len(ok) - len(keep)),
        unit_norm=bool(len(norms) and np.all(np.abs(norms - 1.0) < 1e-2)),
        norm_median=float(np.median(norms)) if len(norms) else 0.0,
    )


def fingerprint_features(sample: Sample, profile: Profile, distance: str | None) -> dict[str, float]:
    """Raw statistics of `sample` against one profile (same dim)."""
    xu = sample.unit
    if len(xu) > MAX_FINGERPRINT_ROWS:
        idx = np.random.default_rng(0).choice(len(xu), MAX_FINGERPRINT_ROWS, replace=False)
        xu = xu[idx]
    n, d = xu.shape
    basis = profile.basis()
    energy = float(((xu @ basis) ** 2).sum() / n)
    base = basis.shape[1] / d
    mean = xu.mean(axis=0)
    mnorm = float(np.linalg.norm(mean))
    direction = float(mean @ profile.mean_direction / mnorm) if mnorm > 0 else 0.0
    std = xu.std(axis=0)
    feats = {
        "energy": energy,
        "excess": (energy - base) / (1.0 - base),
        "direction": direction,
        "std_corr": _corr(std, profile.std),
        "anisotropy_gap": anisotropy(xu) - profile.anisotropy,
    }
    # Dead dimensions: exact-zero coordinates survive normalization and quantization, never rotation.
    sample_dead = set(np.flatnonzero(std < DEAD_REL * max(float(np.median(std)), 1e-30)).tolist())
    prof_dead = set(profile.dead_dims.tolist())
    if prof_dead or sample_dead:
        feats["dead_jaccard"] = len(prof_dead & sample_dead) / len(prof_dead | sample_dead)
    # Norms carry information only where the store kept them.
    if (distance or "").lower() != "cosine" and not sample.unit_norm:
        ratio = sample.norm_median / profile.norm_median if profile.norm_median > 0 else float("inf")
        feats["norm_log_ratio"] = abs(math.log(ratio)) if 0 < ratio < float("inf") else 10.0
    return feats


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    a = a - a.mean()
    b = b - b.mean()
    den = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b / den) if den > 0 else 0.0


def fingerprint_probability(feats: dict[str, float]) -> float:
    score = feats["excess"]
    jac = feats.get("dead_jaccard")
    if jac is not None:
        # Always-zero dims belong to the underlying transformer (other poolings of it share them),
        # so a match proves little, but a mismatch rules the profile out.
        score -= 0.5 * (1.0 - jac)
    nlr = feats.get("norm_log_ratio")
    if nlr is not None and nlr > math.log(4.0):
        # Raw norms off by more than 4x: another encoder or a rescaled store. Mean-pooled norms
        # shrink with text length (long reports sit at 0.45x the profile median), hence the slack.
        score -= 0.15
    return _sigmoid((score - FP_CENTER) / FP_SCALE)


def _encoder_modes(enc: Encoder) -> list[tuple[str, Callable[[Sequence[str]], np.ndarray]]]:
    modes = getattr(enc, "prompt_modes", None)
    embed_mode = getattr(enc, "embed_mode", None)
    if modes and callable(embed_mode):
        return [(m, functools.partial(_embed_in_mode, embed_mode, m)) for m in modes]
    return [("default", enc.embed)]


def _embed_in_mode(embed_mode: Callable[..., np.ndarray], mode: str, texts: Sequence[str]) -> np.ndarray:
    return embed_mode(texts, mode)


def payload_similarity(stored_unit: np.ndarray, texts: Sequence[str], enc: Encoder) -> tuple[float, str]:
    """Median cosine between stored vectors and re-embedded texts, best over prompt modes."""
    best, best_mode = -1.0, ""
    for mode, fn in _encoder_modes(enc):
        emb = unit_rows(np.asarray(fn(list(texts)), dtype=np.float64))
        med = float(np.median((emb * stored_unit).sum(axis=1)))
        if med > best:
            best, best_mode = med, mode
    return best, best_mode


def roundtrip_scores(
    sample: Sample, candidates: Sequence[str], inverter: Inverter | None, max_rows: int = MIN_ROUNDTRIP_ROWS
) -> dict[str, tuple[float, float]]:
    """Hook for the inverter: per candidate, (excess, median cosine) of invert-then-re-embed.

    For a candidate c, `inverter(vectors, c)` must return one text per row, produced by an inverter
    for c's space (directly, or through a translation adapter into an inverter's space). Every
    recovered text t_j is re-embedded with c, giving cosines C[i, j] = cos(v_i, E_c(t_j)). The other
    rows' texts are vector i's controls: with b_i their median cosine, row i scores
    (C[i, i] - b_i) / (1 - b_i), the share of the room above its controls that its own text takes,
    and `excess` is the median over rows (1 for a perfect inversion, ~0 when c did not make the
    vectors). Why not C[i, i] alone: an encoder whose vectors share a narrow cone (e5: any two texts
    score ~0.8) gives every text a high cosine, so a junk inversion, or vectors that merely lie in
    that cone, would look faithful. The median cosine is returned for the report only.

    Returns {} without an inverter or with fewer than MIN_ROUNDTRIP_ROWS rows (too few controls).
    Raises InverterError from the inverter (an inverter that is down is an error, not no evidence).
    """
    if inverter is None or len(sample.unit) < MIN_ROUNDTRIP_ROWS:
        return {}
    from .registry import get_encoder

    rows = sample.unit[: max(max_rows, MIN_ROUNDTRIP_ROWS)]
    out: dict[str, tuple[float, float]] = {}
    for cid in candidates:
        try:
            texts = list(inverter(rows.astype(np.float32), cid))
        except InverterError:
            raise
        except Exception as exc:  # an inverter that cannot serve a candidate gives no evidence
            log.info("round trip for %s unavailable: %s", cid, type(exc).__name__)
            continue
        if len(texts) != len(rows):
            continue
        out[cid] = max(
            (_roundtrip_excess(rows, fn(texts)) for _, fn in _encoder_modes(get_encoder(cid))),
            key=lambda r: r[0],
        )
    return out


def _roundtrip_excess(rows: np.ndarray, embedded: np.ndarray) -> tuple[float, float]:
    """(median excess over the other rows' texts, median own cosine) for unit rows (n, d) and the
    n recovered texts' embeddings (n, d); see `roundtrip_scores`."""
    cos = rows @ unit_rows(np.asarray(embedded, dtype=np.float64)).T  # (n vectors, n texts)
    n = len(cos)
    own = np.diag(cos)
    controls = np.median(cos[~np.eye(n, dtype=bool)].reshape(n, n - 1), axis=1)
    excess = (own - controls) / np.maximum(1.0 - controls, 1e-6)
    return float(np.median(excess)), float(np.median(own))


def _candidate_ids(dim: int, candidates: Sequence[str] | None) -> list[str]:
    from .registry import encoder_ids, get_spec

    ids = list(candidates) if candidates is not None else encoder_ids()
    fitting = []
    for cid in ids:
        try:
            if get_spec(cid).dim == dim:
                fitting.append(cid)
        except EncoderError as exc:
            log.warning("candidate %s skipped: %s", cid, exc)
    return fitting


def _decide(probs: dict[str, float]) -> tuple[str, float]:
    if not probs:
        return UNKNOWN, 0.0
    best = max(probs, key=lambda k: probs[k])
    conf = probs[best] * math.prod(1.0 - p for k, p in probs.items() if k != best)
    if conf >= 0.5:
        return best, conf
    return UNKNOWN, math.prod(1.0 - p for p in probs.values())


def identify(
    vectors: np.ndarray,
    *,
    distance: str | None,
    texts: Sequence[str | None] | None = None,
    candidates: Sequence[str] | None = None,
    datatype: str | None = None,
    inverter: Inverter | None = None,
    profiles: dict[str, Profile] | None = None,
) -> EncoderGuess:
    """Name the encoder of a sample of vectors (rows), or `unknown`.

    `texts[i]` is the payload text believed to be embedded in row i (None where absent);
    `candidates` restricts the registry ids considered; `inverter` enables round-trip evidence;
    `profiles` overrides the shipped fingerprint profiles (tests, user-built profiles).
    """
    sample = clean_sample(vectors, datatype)
    dim = sample.raw.shape[1]
    details: dict[str, float] = {"rows_used": float(len(sample.raw))}
    if sample.dropped:
        details["rows_dropped_nonfinite_or_zero"] = float(sample.dropped)
        log.info("identification dropped %d non-finite or zero rows", sample.dropped)
    if texts is not None and len(texts) != len(np.asarray(vectors)):
        raise EncoderError(f"identification got {len(texts)} texts for {len(np.asarray(vectors))} vectors")
    ids = _candidate_ids(dim, candidates)
    if not ids or not len(sample.raw):
        return EncoderGuess(name=UNKNOWN, confidence=0.0, method="none", details=details)

    # Fingerprints: no model is loaded, so always computed.
    fp_probs: dict[str, float] = {}
    if len(sample.raw) >= MIN_FINGERPRINT_ROWS:
        profs = profiles if profiles is not None else load_profiles(ids)
        for cid in ids:
            prof = profs.get(cid)
            if prof is None or prof.dim != dim:
                continue
            feats = fingerprint_features(sample, prof, distance)
            fp_probs[cid] = fingerprint_probability(feats)
            details[f"fingerprint.{cid}"] = fp_probs[cid]
            for key in ("excess", "direction", "anisotropy_gap", "dead_jaccard", "norm_log_ratio"):
                if key in feats:
                    details[f"fingerprint.{cid}.{key}"] = feats[key]

    # Payload re-embedding: rows with a non-empty text, up to MAX_PAYLOAD_TEXTS.
    pay_probs: dict[str, float] = {}
    if texts is not None:
        kept_texts = [texts[i] for i in sample.keep]
        rows = [i for i, t in enumerate(kept_texts) if isinstance(t, str) and t.strip()][:MAX_PAYLOAD_TEXTS]
        if rows:
            from .registry import get_encoder

            stored = sample.unit[rows]
            chunk = [str(kept_texts[i]) for i in rows]
            for cid in ids:
                try:
                    sim, _ = payload_similarity(stored, chunk, get_encoder(cid))
                except EncoderError as exc:
                    log.warning("payload check with %s skipped: %s", cid, exc)
                    continue
                details[f"payload.{cid}.cosine"] = sim
                pay_probs[cid] = _sigmoid((sim - PAYLOAD_CENTER) / PAYLOAD_SCALE)
            details["payload_texts"] = float(len(rows))

    pay_name, pay_conf = _decide(pay_probs)
    fp_name, fp_conf = _decide(fp_probs)

    # Inversion is expensive: only when the payload did not settle it.
    rt = roundtrip_scores(sample, ids, inverter) if pay_name == UNKNOWN else {}
    rt_probs = {cid: _sigmoid((ex - ROUNDTRIP_CENTER) / ROUNDTRIP_SCALE) for cid, (ex, _) in rt.items()}
    for cid, (ex, cos) in rt.items():
        details[f"roundtrip.{cid}.excess"] = ex
        details[f"roundtrip.{cid}.cosine"] = cos
    rt_name, rt_conf = _decide(rt_probs)

    # Direct evidence (payload, round trip) outranks statistics; agreement compounds.
    if pay_name != UNKNOWN:
        if fp_name == pay_name:
            return EncoderGuess(
                name=pay_name,
                confidence=1.0 - (1.0 - pay_conf) * (1.0 - fp_conf),
                method="payload+fingerprint",
                details=details,
            )
        return EncoderGuess(name=pay_name, confidence=pay_conf, method="payload", details=details)
    if rt_name != UNKNOWN:
        conf = 1.0 - (1.0 - rt_conf) * (1.0 - fp_conf) if fp_name == rt_name else rt_conf
        method = "roundtrip+fingerprint" if fp_name == rt_name else "roundtrip"
        return EncoderGuess(name=rt_name, confidence=conf, method=method, details=details)
    if fp_probs:
        return EncoderGuess(name=fp_name, confidence=fp_conf, method="fingerprint", details=details)
    method = "payload" if pay_probs else "none"
    return EncoderGuess(
        name=UNKNOWN, confidence=pay_conf if pay_probs else 0.0, method=method, details=details
    )
