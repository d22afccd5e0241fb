"""Vector-level mitigations, applied to an in-memory copy, and the recall@k that measures utility.

Each mitigation turns unit vectors (n, d) into
- the stored form a search index holds (quantized, truncated, rotated ...),
- the form an attacker without side knowledge inverts: the stored form as a unit vector of the
  encoder's d dimensions (truncated vectors zero-padded, product codes decoded), and
- the query transform the owner applies before searching (identity unless the mitigation changes
  the space: truncation cuts queries, the secret rotation rotates them).

Mitigations that learn from the collection (product quantization's codebooks) or hold a secret (the
rotation) are fitted once per measurement (`fit_mitigation`) and then applied to the inverted
sample, the utility pool and the attacker's leaked pairs alike.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..encoders.profiles import unit_rows
from ..errors import VecauditError
from ..models import Mitigation

#: Centroids per product-quantization sub-space: one byte per sub-space, as in FAISS and Qdrant.
PQ_CENTROIDS = 256


class WhatIfError(VecauditError):
    """A what-if measurement cannot run (no inverter for the encoder, too few vectors, bad input)."""


def unit(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit L2 norm, float32 (zero rows stay zero)."""
    return unit_rows(x).astype(np.float32)


def parse_mitigation(spec: str) -> Mitigation:
    """`none`, `noise:SIGMA`, `int8`, `binary`, `truncate:DIMS`, `pq:M` or `rotate` (--mitigation).

    Raises WhatIfError naming the accepted spellings for anything else.
    """
    kind, _, arg = spec.strip().lower().partition(":")
    try:
        if kind in ("none", "int8", "binary", "rotate") and not arg:
            return Mitigation(kind=kind)  # type: ignore[arg-type]
        if kind == "noise" and float(arg) >= 0:
            return Mitigation(kind="noise", param=float(arg))
        if kind in ("truncate", "pq") and int(arg) > 0:
            return Mitigation(kind=kind, param=int(arg))  # type: ignore[arg-type]
    except ValueError:
        pass
    raise WhatIfError(
        f"unknown mitigation {spec!r}; use none, noise:SIGMA, int8, binary, truncate:DIMS, pq:M or rotate"
    )


@dataclass(frozen=True)
class Fitted:
    """What a mitigation learned or drew once per measurement.

    `rotation` is the owner's secret orthogonal matrix (d, d); `codebooks[j]` holds the centroids
    (c, width_j) of product-quantization sub-space j, whose columns are `bounds[j]:bounds[j+1]`.
    """

    rotation: np.ndarray | None = None
    codebooks: tuple[np.ndarray, ...] = ()
    bounds: tuple[int, ...] = ()


def secret_rotation(d: int, seed: int) -> np.ndarray:
    """A uniformly random orthogonal (d, d) matrix (QR of a Gaussian matrix, signs fixed)."""
    # Its own stream: the owner's secret must not be the noise draw or the sample's permutation.
    g = np.random.default_rng([seed, 0x5EC2E7]).standard_normal((d, d))
    q, r = np.linalg.qr(g)
    return (q * np.sign(np.diag(r))).astype(np.float32)


def _pq_bounds(d: int, m: int) -> tuple[int, ...]:
    if not 0 < m <= d:
        raise WhatIfError(f"cannot split {d}-dimensional vectors into {m} product-quantization sub-spaces")
    return tuple(int(b) for b in np.linspace(0, d, m + 1).round())


def fit_mitigation(m: Mitigation, collection: np.ndarray, seed: int = 0) -> Fitted:
    """Fit `m` on the collection's unit vectors (n, d): k-means codebooks for `pq`, the secret
    matrix for `rotate`, nothing for the rest.

    PQ fits scikit-learn's KMeans per sub-space with min(256, distinct sub-vectors) centroids
    (more would leave centroids empty); a real index fits on far more points, so codes here are
    finer than in production and the measured recall is an upper bound.
    """
    v = unit(np.asarray(collection, dtype=np.float32))
    d = v.shape[1]
    if m.kind == "rotate":
        return Fitted(rotation=secret_rotation(d, seed))
    if m.kind != "pq":
        return Fitted()
    from sklearn.cluster import KMeans

    bounds = _pq_bounds(d, int(m.param))
    books = []
    for j in range(len(bounds) - 1):
        part = v[:, bounds[j] : bounds[j + 1]].astype(np.float64)
        # Never more centroids than distinct sub-vectors (repeated texts repeat vectors).
        centroids = min(PQ_CENTROIDS, len(np.unique(part, axis=0)))
        km = KMeans(n_clusters=centroids, n_init=1, max_iter=50, random_state=seed + j).fit(part)
        books.append(km.cluster_centers_.astype(np.float32))
    return Fitted(codebooks=tuple(books), bounds=bounds)


def _pq_decode(v: np.ndarray, fitted: Fitted) -> np.ndarray:
    """Each sub-vector replaced by its nearest centroid: what the stored codes decode to."""
    out = np.empty_like(v)
    for j, book in enumerate(fitted.codebooks):
        lo, hi = fitted.bounds[j], fitted.bounds[j + 1]
        part = v[:, lo:hi]
        # argmin ||x - c||^2 = argmin (||c||^2 - 2 x.c)
        dist = np.sum(book * book, axis=1)[None, :] - 2.0 * part @ book.T
        out[:, lo:hi] = book[np.argmin(dist, axis=1)]
    return out


def apply_mitigation(
    vectors: np.ndarray, m: Mitigation, noise: np.ndarray, fitted: Fitted | None = None
) -> tuple[np.ndarray, np.ndarray, Callable[[np.ndarray], np.ndarray]]:
    """(stored form for search, its unit full-size form for inversion, query transform).

    `noise` is a fixed standard-normal draw shaped like `vectors`: every noise level scales the same
    draw, so the levels differ only in sigma (common random numbers make the trend measurable on
    small samples). Sigma is per component of a unit vector, so the noise norm is about sigma*sqrt(d).
    `fitted` comes from `fit_mitigation` on the collection; without it `pq` and `rotate` are fitted
    on `vectors` themselves with seed 0. Raises WhatIfError on a parameter that does not fit d.
    """
    v = unit(vectors)
    d = v.shape[1]

    def same(q: np.ndarray) -> np.ndarray:
        return q

    if m.kind == "none":
        return v, v, same
    if m.kind == "noise":
        if m.param < 0:
            raise WhatIfError("noise sigma must be non-negative")
        out = unit(v + np.float32(m.param) * noise)
        return out, out, same
    if m.kind == "int8":
        scale = float(np.abs(v).max()) / 127.0 or 1.0
        out = (np.clip(np.round(v / scale), -127, 127) * scale).astype(np.float32)
        return out, unit(out), same
    if m.kind == "binary":
        out = np.where(v >= 0, 1.0, -1.0).astype(np.float32) / np.float32(math.sqrt(d))
        return out, out, same
    if m.kind == "truncate":
        k = int(m.param)
        if not 0 < k <= d:
            raise WhatIfError(f"cannot truncate {d}-dimensional vectors to {k} dims")
        short = unit(v[:, :k])
        padded = np.zeros_like(v)
        padded[:, :k] = short

        def cut(q: np.ndarray) -> np.ndarray:
            return unit(q[:, :k])

        return short, padded, cut
    if m.kind == "pq":
        fit = fitted if fitted is not None and fitted.codebooks else fit_mitigation(m, v)
        if fit.bounds[-1] != d:
            raise WhatIfError(f"product-quantization codebooks are for {fit.bounds[-1]} dims, not {d}")
        decoded = _pq_decode(v, fit)
        # Asymmetric distance: the unmodified query against the decoded codes, not normalized
        # (an index scores codes as they decode).
        return decoded, unit(decoded), same
    if m.kind == "rotate":
        fit = fitted if fitted is not None and fitted.rotation is not None else fit_mitigation(m, v)
        rot = fit.rotation
        assert rot is not None
        if rot.shape != (d, d):
            raise WhatIfError(f"the secret rotation is {rot.shape[0]}-dimensional, the vectors {d}")
        turned = (v @ rot).astype(np.float32)

        def turn(q: np.ndarray) -> np.ndarray:
            return (q @ rot).astype(np.float32)

        # An attacker without the secret inverts the rotated vector as if it were a clean one.
        return turned, turned, turn
    raise WhatIfError(f"unknown mitigation {m.kind!r}")


def recall_at_k(original: np.ndarray, stored: np.ndarray, queries: np.ndarray, k: int) -> float:
    """Mean share of each point's true k nearest neighbours (excluding itself) still retrieved.

    `original` (n, d) gives the true neighbours by cosine; `queries` (n, d') are scored by inner
    product against `stored` (n, d'), as the mitigated index would. Raises WhatIfError for n < 2.
    """
    n = len(original)
    k = min(k, n - 1)
    if k < 1:
        raise WhatIfError("recall@k needs at least two vectors")
    o = unit(original)
    truth = o @ o.T
    got = queries @ stored.T
    np.fill_diagonal(truth, -np.inf)
    np.fill_diagonal(got, -np.inf)
    true_nn = np.argsort(-truth, axis=1, kind="stable")[:, :k]
    got_nn = np.argsort(-got, axis=1, kind="stable")[:, :k]
    hits = sum(len(set(a.tolist()) & set(b.tolist())) for a, b in zip(true_nn, got_nn, strict=True))
    return hits / (n * k)
