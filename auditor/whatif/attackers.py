"""The attackers a what-if measures every mitigation with.

- `learned`: the shipped v1 inverter alone (the learned vec2text-style loop, `--attack loop`);
- `plan`: the oracle-guided attack plan of `inversion.attack` at the chosen effort level, the
  attack `vecaudit scan --attack` runs, inverting the mitigated vectors as they are;
- `algen-<k>`: ALGEN-style alignment (arXiv 2502.11308). The attacker also holds k leaked
  (text, stored vector) pairs, embeds the texts with the public clean encoder, fits a linear map
  from the mitigated stored space to the clean space, maps the mitigated sample with it and
  inverts the result with the attack plan.

The map is ridge least squares with an intercept, not orthogonal Procrustes. Procrustes assumes
the mitigation is a rotation of a space of the same size; least squares also fits the mitigations
that change the size or the shape of the space (truncation, binary and product quantization,
noise, which it partly removes by projecting onto the span of the leaked clean vectors). For a
pure rotation both recover the secret matrix once k reaches the dimension d. Below d, the ridge
solution maps onto the span of the k leaked vectors and keeps the part of a vector that lies
there (cosine |Pv|), while Procrustes must also rotate the unseen complement arbitrarily, which
costs it cosine: least squares is the stronger of the two, and a what-if must model the stronger.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..models import AttackerKind
from .mitigations import WhatIfError, unit

#: Leaked-pair counts of the ALGEN attacker (10 to 1000 pairs is the range ALGEN reports).
DEFAULT_LEAKED_PAIRS: tuple[int, ...] = (10, 100, 1000)
#: Ridge penalties the attacker chooses from by validation on its own pairs (`whatif.choose_map`),
#: for the centred problem with unit rows: the smallest suits an exact rotation, the largest
#: shrinks a noisy map towards the mean of the leaked clean vectors.
RIDGE_GRID: tuple[float, ...] = (1e-3, 1e-2, 1e-1, 1.0, 10.0)


@dataclass(frozen=True)
class Attacker:
    """One attacker: how it is named in results and how it turns vectors (n, d) into texts.

    `leaked_pairs` > 0 marks an ALGEN attacker that first maps the stored vectors through a
    linear map fitted on that many leaked pairs; `invert` is then the attack plan it runs on the
    mapped vectors.
    """

    id: str
    kind: AttackerKind
    label: str
    short: str
    invert: Callable[[np.ndarray], list[str]]
    leaked_pairs: int = 0


@dataclass(frozen=True)
class LinearMap:
    """x -> unit((x - x_mean) @ weights + y_mean): the attacker's alignment, stored -> clean space."""

    x_mean: np.ndarray  # (d_in,)
    y_mean: np.ndarray  # (d_out,)
    weights: np.ndarray  # (d_in, d_out)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        return unit((x - self.x_mean) @ self.weights + self.y_mean)


def fit_linear_map(stored: np.ndarray, clean: np.ndarray, *, ridge: float = RIDGE_GRID[1]) -> LinearMap:
    """Ridge least squares from leaked stored vectors (k, d_in) to their texts' clean embeddings
    (k, d_out), with an intercept. Solved in the dual when k < d_in (a k x k system), else in the
    primal (d_in x d_in); both give the same minimizer. Raises WhatIfError for k < 2 or a
    row-count mismatch.
    """
    x = np.asarray(stored, dtype=np.float64)
    y = np.asarray(clean, dtype=np.float64)
    if x.ndim != 2 or y.ndim != 2 or len(x) != len(y):
        raise WhatIfError(f"leaked pairs disagree: {x.shape} stored vs {y.shape} clean")
    if len(x) < 2:
        raise WhatIfError("the alignment attacker needs at least two leaked pairs")
    xm, ym = x.mean(axis=0), y.mean(axis=0)
    xc, yc = x - xm, y - ym
    k, d_in = xc.shape
    if k < d_in:
        gram = xc @ xc.T + ridge * np.eye(k)
        weights = xc.T @ np.linalg.solve(gram, yc)
    else:
        cov = xc.T @ xc + ridge * np.eye(d_in)
        weights = np.linalg.solve(cov, xc.T @ yc)
    return LinearMap(xm, ym, weights)
