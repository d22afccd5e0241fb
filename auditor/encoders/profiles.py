"""Encoder fingerprint profiles: statistics of an encoder's vectors over the reference corpus.

What identifies an encoder from its vectors alone is what its coordinate system does regardless
of content: where the vectors' energy lies (a low-dimensional principal subspace plus a strong
mean direction), per-dimension moments, and, for some models, dimensions that are always zero
(all-MiniLM-L6-v2 has three). Rotation-invariant statistics (anisotropy, spectrum, norms) are kept
too: they cannot tell a rotated copy apart, but they help reject and they explain a decision.

A profile is a small .npz (float16 principal axes, float32 moments, a JSON metadata string),
read with np.load(allow_pickle=False).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import EncoderError

log = logging.getLogger(__name__)

PROFILE_VERSION = 1
# Principal axes kept (at most half the dims): fewer axes let content-specific directions of
# the reference corpus dominate the subspace; with 128 the margin between the true encoder and
# the nearest wrong one on held-out styles doubled compared to 64. ~95 KB per 384-dim profile.
N_AXES = 128
DEAD_REL = 1e-6  # a dimension whose std is below this fraction of the median std is "dead"


@dataclass
class Profile:
    encoder_id: str
    dim: int
    normalized: bool  # the encoder's own output, as measured (norms all ~1)
    mean: np.ndarray  # (dim,) mean of row-normalized vectors
    std: np.ndarray  # (dim,) per-dimension std of row-normalized vectors
    axes: np.ndarray  # (k, dim) principal axes of the centered, row-normalized vectors
    axis_var: np.ndarray  # (k,) variance along each axis
    residual_var: float  # mean variance per remaining direction
    dead_dims: np.ndarray  # (m,) int indices of dimensions that are always ~0
    norm_median: float  # median raw norm (1.0 for normalized encoders)
    norm_iqr: float
    anisotropy: float  # mean pairwise cosine
    top_share: float  # share of centered variance in the first 8 axes
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def mean_direction(self) -> np.ndarray:
        n = float(np.linalg.norm(self.mean))
        return self.mean / n if n > 0 else self.mean

    def basis(self) -> np.ndarray:
        """Orthonormal (dim, k+1) basis of span(mean direction, principal axes)."""
        stacked = np.concatenate([self.mean_direction[None, :], self.axes.astype(np.float64)], axis=0)
        q, _ = np.linalg.qr(stacked.T)
        return q


def unit_rows(x: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(n > 0, n, 1.0)


def anisotropy(xn: np.ndarray) -> float:
    """Mean cosine over distinct pairs of row-normalized vectors, in O(n d)."""
    n = len(xn)
    if n < 2:
        return 0.0
    s = xn.sum(axis=0)
    return float((s @ s - n) / (n * (n - 1)))


def compute_profile(
    encoder_id: str, vectors: np.ndarray, n_axes: int = N_AXES, meta: dict[str, Any] | None = None
) -> Profile:
    """Profile of raw encoder output `vectors` (n, dim)."""
    x = np.asarray(vectors, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] < 4:
        raise EncoderError(f"profile of {encoder_id!r} needs a 2-D array of vectors")
    k = max(1, min(n_axes, x.shape[1] // 2))
    if len(x) < 2 * k:
        raise EncoderError(f"profile of {encoder_id!r} needs at least {2 * k} vectors, got {len(x)}")
    norms = np.linalg.norm(x, axis=1)
    xn = unit_rows(x)
    mean = xn.mean(axis=0)
    std = xn.std(axis=0)
    centered = xn - mean
    _, s, vt = np.linalg.svd(centered, full_matrices=False)
    var = s**2 / len(xn)
    q25, q50, q75 = np.percentile(norms, [25, 50, 75])
    dead = np.flatnonzero(std < DEAD_REL * np.median(std))
    return Profile(
        encoder_id=encoder_id,
        dim=x.shape[1],
        normalized=bool(np.all(np.abs(norms - 1.0) < 1e-3)),
        mean=mean.astype(np.float32),
        std=std.astype(np.float32),
        axes=vt[:k].astype(np.float16),
        axis_var=var[:k].astype(np.float32),
        residual_var=float(var[k:].sum() / max(1, x.shape[1] - k)),
        dead_dims=dead.astype(np.int32),
        norm_median=float(q50),
        norm_iqr=float(q75 - q25),
        anisotropy=anisotropy(xn),
        top_share=float(var[:8].sum() / var.sum()),
        meta=dict(meta or {}),
    )


def save_profile(profile: Profile, path: Path) -> None:
    meta = {
        "version": PROFILE_VERSION,
        "encoder_id": profile.encoder_id,
        "dim": profile.dim,
        "normalized": profile.normalized,
        "residual_var": profile.residual_var,
        "norm_median": profile.norm_median,
        "norm_iqr": profile.norm_iqr,
        "anisotropy": profile.anisotropy,
        "top_share": profile.top_share,
        **{k: v for k, v in profile.meta.items() if k not in {"version"}},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        np.savez_compressed(
            fh,
            meta=np.array(json.dumps(meta, sort_keys=True)),
            mean=profile.mean,
            std=profile.std,
            axes=profile.axes,
            axis_var=profile.axis_var,
            dead_dims=profile.dead_dims,
        )


def load_profile(path: Path | Any) -> Profile:
    try:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            arrays = {k: z[k] for k in ("mean", "std", "axes", "axis_var", "dead_dims")}
    except (OSError, ValueError, KeyError) as exc:
        raise EncoderError(f"fingerprint profile {path} is unreadable ({type(exc).__name__})") from exc
    if meta.get("version") != PROFILE_VERSION:
        raise EncoderError(
            f"fingerprint profile {path} has version {meta.get('version')}, need {PROFILE_VERSION}"
        )
    extra = {
        k: v
        for k, v in meta.items()
        if k
        not in {
            "encoder_id",
            "dim",
            "normalized",
            "residual_var",
            "norm_median",
            "norm_iqr",
            "anisotropy",
            "top_share",
        }
    }
    return Profile(
        encoder_id=meta["encoder_id"],
        dim=int(meta["dim"]),
        normalized=bool(meta["normalized"]),
        residual_var=float(meta["residual_var"]),
        norm_median=float(meta["norm_median"]),
        norm_iqr=float(meta["norm_iqr"]),
        anisotropy=float(meta["anisotropy"]),
        top_share=float(meta["top_share"]),
        meta=extra,
        **arrays,
    )


def profile_filename(encoder_id: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in encoder_id) + ".npz"


def shipped_profiles_dir() -> Path:
    return Path(str(resources.files("vecaudit") / "data" / "profiles"))


def profile_dirs() -> list[Path]:
    """Where profiles are looked up: `VECAUDIT_PROFILES_DIR` (user-built, e.g. for own encoders) first."""
    import os

    dirs = [Path(p) for p in os.environ.get("VECAUDIT_PROFILES_DIR", "").split(os.pathsep) if p.strip()]
    return [*dirs, shipped_profiles_dir()]


def load_profiles(ids: Sequence[str] | None = None) -> dict[str, Profile]:
    """Available profiles by encoder id (first directory wins); ids without a profile are skipped."""
    found: dict[str, Profile] = {}
    for d in profile_dirs():
        if not d.is_dir():
            continue
        for f in sorted(d.glob("*.npz")):
            try:
                prof = load_profile(f)
            except EncoderError as exc:
                log.warning("%s", exc)
                continue
            if prof.encoder_id not in found and (ids is None or prof.encoder_id in ids):
                found[prof.encoder_id] = prof
    return found


def build_profiles(
    out_dir: str | Path,
    corpus: Sequence[str] | None = None,
    encoder_ids: Sequence[str] | None = None,
    device: str = "cpu",
) -> list[Path]:
    """Embed `corpus` (default: the reference corpus) with each encoder and write its profile.

    Defaults to every registered encoder; one that fails to load is skipped with a warning.
    """
    from ..synthetic import refcorpus
    from .registry import encoder_ids as all_ids
    from .registry import get_encoder

    texts = list(corpus) if corpus is not None else refcorpus.reference_corpus()
    out = Path(out_dir)
    written: list[Path] = []
    for eid in encoder_ids if encoder_ids is not None else all_ids():
        try:
            enc = get_encoder(eid, device=device)
        except EncoderError as exc:
            log.warning("skipping profile of %s: %s", eid, exc)
            continue
        # Length-sorted batches pad less; row order does not matter to the statistics.
        vecs = enc.embed(sorted(texts, key=len))
        meta = {"corpus_size": len(texts), "corpus": "refcorpus" if corpus is None else "custom"}
        path = out / profile_filename(eid)
        save_profile(compute_profile(eid, vecs, meta=meta), path)
        written.append(path)
    return written
