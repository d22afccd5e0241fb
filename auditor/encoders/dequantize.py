"""Integer-coded vectors: recognise them and map them back to float directions.

A store holds integer codes instead of an encoder's float vectors when the collection's datatype
is uint8, or when a user quantized the vectors before upserting them (floats that are all integers
in 0..255 or -128..127; a Cosine store normalizes each such vector on insert, which leaves the
integers times a factor per vector). Codes come from an affine map of the floats, q = v / a + z,
with either

- one zero code z for the whole collection (global min-max, a fixed range such as [-1, 1],
  symmetric int8),
- one zero code per vector (every vector min-max scaled on its own), or
- one scale and zero code per dimension (per-dimension min-max, as faiss' SQ8 does).

Cosine is blind to the scale a, so in the first two cases a direction needs only the zero code.
Centering on the mean code leaves an error only along the all-ones direction 1/sqrt(d), where the
shipped encoders put almost nothing (the cosine of their vectors with it has a standard deviation
of 0.003 to 0.06), and once the encoder is known its mean cosine with that direction (from its
fingerprint profile) is put back. Dimensions that never vary, or that are tied to each other in
every vector, are always-zero dimensions (all-MiniLM-L6-v2 has three): their code is the code of
0.0 to within rounding, and bounds the estimate to +-0.5. Measured cosine to the original floats:
0.998 to 0.9999 (`bench/bench_dequantize.py`).

Scaling per dimension needs the encoder. It is recognised by a statistic that no per-dimension
affine map changes (`per_dimension_match`: how much of the codes' correlation lies in the
encoder's principal axes), then each dimension's code mean and spread are matched to the
encoder's profile (a cosine of about 0.94 to 0.99 to the original floats from 500 vectors).

Nothing here loads a model; everything is numpy on in-memory arrays.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

import numpy as np

from .profiles import Profile, unit_rows

#: Integer ranges that count as codes, by name.
CODE_RANGES: dict[str, tuple[int, int]] = {"uint8": (0, 255), "int8": (-128, 127)}
#: Fewer dimensions than this are never called quantized (small test vectors, toy stores).
MIN_DIM = 8
#: Distinct values a sample must use: binary vectors and small counts are not quantized floats.
MIN_LEVELS = 16
#: Rows needed before column statistics (constant, tied or full-range columns) mean anything.
MIN_FIT_ROWS = 8
#: |x * k - round(x * k)| allowed when looking for the factor that turns a row back into integers
#: (float32 rows of codes up to 255 are exact to about 3e-5).
SCALE_TOLERANCE = 1e-3
#: A sample is "scaled per vector" when its first rows all are; only that many are tried first.
SCALE_PROBE_ROWS = 8
#: Share of rows (of columns) spanning the sample's whole code range that marks a per-vector
#: (per-dimension) min-max scheme: under one shared range only the few rows (columns) holding the
#: extremes do.
PER_VECTOR_SHARE = 0.9
PER_DIMENSION_SHARE = 0.5
#: `per_dimension_match` an encoder must reach (and no other may) to be named from per-dimension
#: scaled codes. Measured on held-out text, 20 to 500 vectors: the encoder's own codes 0.35 to 0.73,
#: another encoder's at most 0.10, random codes 0.00 +- 0.02.
PER_DIMENSION_MATCH = 0.2

Scheme = Literal["shared_offset", "per_vector_offset", "per_dimension"]
Method = Literal["constant_dimensions", "mean_code", "tied_dimensions", "vector_mean", "encoder_profile"]

#: Rounding puts the code of 0.0 within half a step of an always-zero dimension's code.
HALF_STEP = 0.5


@dataclass(frozen=True)
class Codes:
    """What kind of integer codes a vector slot holds and how they were recognised.

    `kind` is "uint8" or "int8"; `declared` is True when the collection's datatype says uint8;
    `scaled` is True when each vector is its integers times a factor (a Cosine store normalized
    user-quantized integers on insert).
    """

    kind: str
    declared: bool
    scaled: bool = False

    @property
    def found_by(self) -> str:
        """For reports: "datatype uint8", "integer values", "integer values scaled per vector"."""
        base = "datatype uint8" if self.declared else "integer values"
        return f"{base} scaled per vector" if self.scaled else base


def _finite_rows(matrix: np.ndarray) -> np.ndarray:
    x = np.asarray(matrix, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"expected an (n, d) matrix, got shape {x.shape}")
    return x[np.isfinite(x).all(axis=1)]


def _is_integral(x: np.ndarray) -> bool:
    return bool(x.size) and bool(np.all(np.abs(x - np.rint(x)) <= SCALE_TOLERANCE))


def _kind_of(x: np.ndarray) -> str | None:
    """The code range that holds every value of `x` (uint8 first), or None."""
    lo, hi = float(x.min()), float(x.max())
    for kind, (low, high) in CODE_RANGES.items():
        if lo >= low - SCALE_TOLERANCE and hi <= high + SCALE_TOLERANCE:
            return kind
    return None


def rescale_rows(rows: np.ndarray, top: int = 255) -> tuple[np.ndarray, np.ndarray]:
    """Each row times the smallest factor that makes it a vector of integers of magnitude <= `top`.

    `rows` is (n, d) float; returns (codes (n, d) float64, found (n,) bool). A row's factor is
    k / max|row| for the integer k in 1..top that its largest component becomes; rows without
    such a factor (any genuine float vector: every one of d components would have to land within
    SCALE_TOLERANCE of an integer) are returned as zeros with found False. Costs O(n * top * d).
    """
    x = np.asarray(rows, dtype=np.float64)
    out = np.zeros_like(x)
    found = np.zeros(len(x), dtype=bool)
    ks = np.arange(1, top + 1, dtype=np.float64)
    for i, row in enumerate(x):
        peak = float(np.abs(row).max()) if row.size else 0.0
        if not np.isfinite(peak) or peak <= 0:
            continue
        candidates = (ks / peak)[:, None] * row[None, :]
        err = np.abs(candidates - np.rint(candidates)).max(axis=1)
        hits = np.flatnonzero(err <= SCALE_TOLERANCE)
        if hits.size:
            out[i] = np.rint(candidates[hits[0]])
            found[i] = True
    return out, found


def find_codes(matrix: np.ndarray, datatype: str | None = None) -> Codes | None:
    """The integer codes a sample of vectors holds, or None for float vectors.

    `matrix` is (n, d), rows as read from the store (non-finite rows are ignored); `datatype` is the
    slot's storage datatype ("uint8" declares codes whatever the values). Float vectors count as
    codes when every value is an integer of one code range, or every row is such an integer
    vector times a factor, and the sample uses at least MIN_LEVELS distinct values.
    """
    x = _finite_rows(matrix)
    declared = (datatype or "").lower() == "uint8"
    if not len(x) or x.shape[1] < MIN_DIM:
        return Codes("uint8", declared=True) if declared and len(x) else None
    if _is_integral(x):
        kind = _kind_of(x)
        if kind is not None and (declared or len(np.unique(np.rint(x))) >= MIN_LEVELS):
            return Codes("uint8" if declared else kind, declared=declared)
    elif np.abs(x).max() <= 1.0 + SCALE_TOLERANCE:
        _, probe = rescale_rows(x[:SCALE_PROBE_ROWS])
        if probe.all():
            codes, found = rescale_rows(x)
            if found.all():
                kind = _kind_of(codes)
                if kind is not None and (declared or len(np.unique(codes)) >= MIN_LEVELS):
                    return Codes("uint8" if declared else kind, declared=declared, scaled=True)
    return Codes("uint8", declared=True) if declared else None


def code_rows(matrix: np.ndarray, codes: Codes) -> tuple[np.ndarray, np.ndarray]:
    """The integer codes of each row: (codes (n, d) float64, found (n,) bool).

    Rows of a slot that is not `scaled` are taken as they are. Rows of a scaled slot are rescaled
    to integers; a row that cannot be (found False) comes back unchanged, to be centered on its
    own mean by the caller.
    """
    x = np.asarray(matrix, dtype=np.float64)
    if not codes.scaled:
        return x, np.ones(len(x), dtype=bool)
    rescaled, found = rescale_rows(x)
    return np.where(found[:, None], rescaled, x), found


@dataclass(frozen=True)
class Dequantizer:
    """How to turn one slot's codes back into float directions; `apply` does it.

    `zero_code` is the code of 0.0 in the shared scheme (and the stand-in of the per-dimension
    scheme until its encoder is known). `zero_dims` are always-zero dimensions of the encoder:
    constant in the sample (shared scheme, code `anchor_code`) or tied to each other in every
    vector (per-vector scheme, the first one's code is the vector's). Their code is the code of
    0.0 to within rounding: it bounds the estimated zero code, and where a vector holds it there
    they are 0.0 exactly. `ones_cosine` is the encoder's mean cosine with the all-ones direction
    (0.0 until the encoder is known). `dim_scale` and `dim_shift` are the per-dimension map
    v = q * scale + shift fitted to `encoder`'s profile. `rows` is how many vectors the
    parameters were estimated from.
    """

    codes: Codes
    scheme: Scheme
    method: Method
    rows: int
    zero_code: float | None = None
    anchor_code: float | None = None
    zero_dims: tuple[int, ...] = ()
    ones_cosine: float = 0.0
    encoder: str | None = None
    dim_scale: tuple[float, ...] = field(default=(), repr=False)
    dim_shift: tuple[float, ...] = field(default=(), repr=False)

    def apply(self, matrix: np.ndarray) -> np.ndarray:
        """De-quantized unit rows, float32 (n, d), in the order of `matrix` (codes as read).

        Zero rows stay zero. The scale of the original vectors is not recovered: inversion and
        identification compare directions only.
        """
        q, found = code_rows(matrix, self.codes)
        dims = [j for j in self.zero_dims if j < q.shape[1]]
        if self.scheme == "per_dimension" and self.dim_scale:
            z = q * np.asarray(self.dim_scale) + np.asarray(self.dim_shift)
        elif self.scheme == "per_vector_offset":
            zero = _vector_zero_codes(q, self.ones_cosine)
            if dims:
                anchor = q[:, dims[0]]
                zero = np.clip(zero, anchor - HALF_STEP, anchor + HALF_STEP)
                z = q - zero[:, None]
                z[:, dims] = np.where(q[:, dims] == anchor[:, None], 0.0, z[:, dims])
            else:
                z = q - zero[:, None]
        else:
            z = q - float(self.zero_code if self.zero_code is not None else q.mean())
            if dims and self.anchor_code is not None:
                z[:, dims] = np.where(q[:, dims] == self.anchor_code, 0.0, z[:, dims])
        if not found.all():  # rows of a scaled slot that did not rescale: their own mean is the best zero
            lost = ~found
            z[lost] = q[lost] - q[lost].mean(axis=1, keepdims=True)
        return unit_rows(z).astype(np.float32)

    def describe(self) -> str:
        """One line for people, e.g. "one zero code for the collection (127.4; 3 constant dimensions)"."""
        if self.scheme == "per_dimension":
            if self.dim_scale:
                return (
                    f"a scale and zero code per dimension, matched to {self.encoder}'s profile "
                    f"(from {self.rows} vectors)"
                )
            return "a scale and zero code per dimension (the encoder is needed to undo it)"
        if self.scheme == "per_vector_offset":
            if self.zero_dims:
                return (
                    f"a zero code per vector (its mean code, bounded by {len(self.zero_dims)} dimensions "
                    "tied in every vector)"
                )
            return "a zero code per vector (its mean code)"
        if self.method == "constant_dimensions":
            plural = "s" if len(self.zero_dims) != 1 else ""
            return (
                f"one zero code for the collection ({self.zero_code:.2f}; the mean code bounded by "
                f"{len(self.zero_dims)} constant dimension{plural})"
            )
        return f"one zero code for the collection ({self.zero_code:.2f}, the mean code)"

    def to_state(self) -> dict[str, Any]:
        """Plain JSON data for the scan state (a checkpoint): parameters only, never vectors."""
        data = asdict(self)
        data["dim_scale"] = [float(f"{v:.7g}") for v in self.dim_scale]
        data["dim_shift"] = [float(f"{v:.7g}") for v in self.dim_shift]
        return data

    @classmethod
    def from_state(cls, data: dict[str, Any]) -> Dequantizer:
        fields = dict(data)
        fields["codes"] = Codes(**fields["codes"])
        fields["dim_scale"] = tuple(fields.get("dim_scale") or ())
        fields["dim_shift"] = tuple(fields.get("dim_shift") or ())
        fields["zero_dims"] = tuple(fields.get("zero_dims") or ())
        return cls(**fields)


def _vector_zero_codes(q: np.ndarray, ones_cosine: float) -> np.ndarray:
    """Each row's zero code c such that cos(q - c, 1) equals `ones_cosine` (its mean code for 0).

    With r = q - mean(q) and delta = mean(q) - c: cos(q - c, 1) = delta sqrt(d) / sqrt(|r|^2 + d delta^2),
    so delta = t |r| / (sqrt(d) sqrt(1 - t^2)).
    """
    mean = q.mean(axis=1)
    if ones_cosine == 0.0:
        return mean
    t = float(np.clip(ones_cosine, -0.99, 0.99))
    spread = np.linalg.norm(q - mean[:, None], axis=1)
    return mean - t * spread / (np.sqrt(q.shape[1]) * np.sqrt(1.0 - t * t))


#: Always-zero dimensions kept in a de-quantizer (encoders have a handful; the state stays small).
MAX_ZERO_DIMS = 64


def _tied_dims(q: np.ndarray) -> tuple[int, ...]:
    """The largest group of dimensions tied to each other in every row (same code), if any."""
    _, inverse, counts = np.unique(q.T, axis=0, return_inverse=True, return_counts=True)
    inverse = np.asarray(inverse).reshape(-1)
    best = int(np.argmax(counts)) if counts.size else -1
    if best < 0 or counts[best] < 2:
        return ()
    return tuple(int(j) for j in np.flatnonzero(inverse == best)[:MAX_ZERO_DIMS])


def _sample_codes(matrix: np.ndarray, codes: Codes) -> np.ndarray:
    q, found = code_rows(_finite_rows(matrix), codes)
    return q[found]


def _shared_zero(q: np.ndarray, ones_cosine: float, anchor_code: float | None) -> float:
    zero = float(_vector_zero_codes(q, ones_cosine).mean())
    if anchor_code is not None:
        zero = float(np.clip(zero, anchor_code - HALF_STEP, anchor_code + HALF_STEP))
    return zero


def fit(matrix: np.ndarray, codes: Codes) -> Dequantizer:
    """An encoder-free de-quantizer for a sample of one slot's codes.

    `matrix` is (n, d) as read from the store (finite rows are used). Picks the scheme from the
    sample (most varying columns spanning the whole code range: per dimension, which needs
    `with_encoder`; every row doing so: per vector; otherwise shared), then the zero code(s) as
    the module docstring describes. Fewer than MIN_FIT_ROWS rows say nothing about columns: each
    vector is then centered on its own mean code.
    """
    q = _sample_codes(matrix, codes)
    n = len(q)
    if n < MIN_FIT_ROWS:
        return Dequantizer(codes, "per_vector_offset", "vector_mean", rows=n)
    lo, hi = float(q.min()), float(q.max())
    varying = np.ptp(q, axis=0) > 0
    spans = (q.min(axis=0) == lo) & (q.max(axis=0) == hi)
    if varying.any() and float(spans[varying].mean()) >= PER_DIMENSION_SHARE:
        return Dequantizer(codes, "per_dimension", "mean_code", rows=n, zero_code=float(q.mean()))
    if float(np.mean((q.min(axis=1) == lo) & (q.max(axis=1) == hi))) >= PER_VECTOR_SHARE:
        tied = _tied_dims(q)
        method: Method = "tied_dimensions" if tied else "vector_mean"
        return Dequantizer(codes, "per_vector_offset", method, rows=n, zero_dims=tied)
    if (~varying).any():
        anchor_code = float(np.median(q[0, ~varying]))
        constant = np.flatnonzero(~varying & (q[0] == anchor_code))[:MAX_ZERO_DIMS]
        return Dequantizer(
            codes,
            "shared_offset",
            "constant_dimensions",
            rows=n,
            zero_code=_shared_zero(q, 0.0, anchor_code),
            anchor_code=anchor_code,
            zero_dims=tuple(int(j) for j in constant),
        )
    return Dequantizer(codes, "shared_offset", "mean_code", rows=n, zero_code=_shared_zero(q, 0.0, None))


def _check_dim(profile: Profile, q: np.ndarray) -> None:
    if profile.dim != q.shape[1]:
        raise ValueError(
            f"the profile of {profile.encoder_id} has {profile.dim} dimensions, the codes {q.shape[1]}"
        )


def ones_cosine(profile: Profile) -> float:
    """The encoder's mean cosine with the all-ones direction: the part centering cannot see."""
    return float(np.asarray(profile.mean, dtype=np.float64).sum() / np.sqrt(profile.dim))


def with_encoder(matrix: np.ndarray, base: Dequantizer, profile: Profile) -> Dequantizer:
    """`base` refined with the identified encoder's fingerprint profile (same sample `matrix`).

    Per-dimension schemes get their scales (`fit_per_dimension`); zero codes get the encoder's mean
    cosine with the all-ones direction put back. Raises ValueError when the profile's dimension
    differs from the codes'.
    """
    q = _sample_codes(matrix, base.codes)
    _check_dim(profile, q)
    if base.scheme == "per_dimension":
        return fit_per_dimension(matrix, base, profile)
    t = ones_cosine(profile)
    if base.scheme == "per_vector_offset":
        return replace(base, ones_cosine=t, encoder=profile.encoder_id)
    zero = _shared_zero(q, t, base.anchor_code)
    return replace(base, ones_cosine=t, encoder=profile.encoder_id, zero_code=zero)


def fit_per_dimension(matrix: np.ndarray, base: Dequantizer, profile: Profile) -> Dequantizer:
    """`base` (a per-dimension scheme) completed with `profile`'s per-dimension mean and spread.

    Each dimension j maps to v_j = mu_j + sigma_j * (q_j - m_j) / s_j, where m_j, s_j are the
    sample's code mean and standard deviation and mu_j, sigma_j the encoder's (unit vectors of its
    reference corpus). Constant dimensions map to mu_j. Raises ValueError when the profile's
    dimension differs from the codes'.
    """
    q = _sample_codes(matrix, base.codes)
    _check_dim(profile, q)
    m = q.mean(axis=0)
    s = q.std(axis=0)
    sigma = np.asarray(profile.std, dtype=np.float64)
    mu = np.asarray(profile.mean, dtype=np.float64)
    scale = np.divide(sigma, s, out=np.zeros_like(sigma), where=s > 0)
    shift = mu - scale * m
    return replace(
        base,
        method="encoder_profile",
        rows=len(q),
        encoder=profile.encoder_id,
        dim_scale=tuple(float(v) for v in scale),
        dim_shift=tuple(float(v) for v in shift),
    )


def per_dimension_match(matrix: np.ndarray, codes: Codes, profile: Profile) -> float:
    """How well the codes' correlations fit `profile`'s encoder, whatever each dimension's scale and zero.

    Each dimension is standardized, given the encoder's spread, and the share of energy in the
    profile's principal axes is compared with two references: the share independent dimensions of
    that spread would have (score 0) and the encoder's own (score 1). No per-dimension affine map
    of the codes changes the score. Returns nan for fewer than MIN_FIT_ROWS rows or another
    dimension.
    """
    q = _sample_codes(matrix, codes)
    if len(q) < MIN_FIT_ROWS or q.shape[1] != profile.dim:
        return float("nan")
    s = q.std(axis=0)
    w = np.divide(q - q.mean(axis=0), s, out=np.zeros_like(q), where=s > 0)
    sigma2 = np.asarray(profile.std, dtype=np.float64) ** 2
    x = w * np.sqrt(sigma2)
    axes = np.asarray(profile.axes, dtype=np.float64)
    total = float((x**2).sum())
    if total <= 0:
        return 0.0
    measured = float(((x @ axes.T) ** 2).sum()) / total
    independent = float(((axes**2) @ sigma2).sum() / sigma2.sum())
    var = np.asarray(profile.axis_var, dtype=np.float64)
    own = float(var.sum() / (var.sum() + profile.residual_var * (profile.dim - len(var))))
    return (measured - independent) / (own - independent) if own > independent else float("nan")


def match_per_dimension(
    matrix: np.ndarray, codes: Codes, profiles: Mapping[str, Profile]
) -> tuple[str | None, dict[str, float]]:
    """The one encoder whose `per_dimension_match` reaches PER_DIMENSION_MATCH, and every score.

    Returns (None, scores) when no encoder, or more than one, reaches it: per-dimension scaled
    codes are then not de-quantized.
    """
    scores = {eid: per_dimension_match(matrix, codes, p) for eid, p in profiles.items()}
    scores = {eid: s for eid, s in scores.items() if np.isfinite(s)}
    passing = [eid for eid, s in scores.items() if s >= PER_DIMENSION_MATCH]
    return (passing[0] if len(passing) == 1 else None), scores
