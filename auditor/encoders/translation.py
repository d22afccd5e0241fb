"""Translation adapters between encoder spaces, fitted on paired embeddings of the same texts.

vecaudit holds every registry encoder locally, so paired data costs nothing: embed one corpus with
the source and the target encoder and fit a map. Three families are compared: orthogonal
Procrustes (a rotation; keeps geometry), ridge regression (any linear map) and a small residual MLP.
Weights ship as safetensors next to a JSON header; loading never unpickles anything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import nn

from ..errors import EncoderError
from .profiles import unit_rows

ADAPTER_JSON = "adapter.json"
ADAPTER_WEIGHTS = "adapter.safetensors"


def fit_procrustes(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """W minimizing ||xW - y|| with orthonormal rows (a rotation when dims match; an isometric
    embedding when the source has fewer dims than the target)."""
    u, _, vt = np.linalg.svd(x.T @ y, full_matrices=False)
    return (u @ vt).astype(np.float32)


def fit_procrustes_centered(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(W, b): a rotation between the centered clouds, then the target mean added back.

    Encoders such as e5 put every vector in a narrow cone around a common mean; rotating the raw
    vectors spends the rotation on aligning the cones instead of the differences between texts.
    """
    xm, ym = x.mean(0), y.mean(0)
    w = fit_procrustes(x - xm, y - ym)
    return w, (ym - xm @ w).astype(np.float32)


def select_ridge_lambda(
    x: np.ndarray,
    y: np.ndarray,
    lams: tuple[float, ...] = (1e-7, 1e-6, 3e-6, 1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2),
    val_share: float = 0.15,
    seed: int = 0,
) -> tuple[float, dict[float, float]]:
    """The ridge penalty with the best mean cosine on a validation slice of the training pairs."""
    idx = np.random.default_rng(seed).permutation(len(x))
    n_val = max(1, int(len(x) * val_share))
    val, fit = idx[:n_val], idx[n_val:]
    scores = {}
    for lam in lams:
        w, b = fit_ridge(x[fit], y[fit], lam)
        scores[lam] = mean_cosine(x[val] @ w + b, y[val])
    return max(scores, key=lambda k: scores[k]), scores


def fit_ridge(x: np.ndarray, y: np.ndarray, lam: float = 1e-2) -> tuple[np.ndarray, np.ndarray]:
    """(W, b) minimizing ||xW + b - y||^2 + lam ||W||^2."""
    xm, ym = x.mean(0), y.mean(0)
    xc, yc = x - xm, y - ym
    a = xc.T @ xc + lam * len(x) * np.eye(x.shape[1])
    w = np.linalg.solve(a, xc.T @ yc)
    return w.astype(np.float32), (ym - xm @ w).astype(np.float32)


class _MLP(nn.Module):
    def __init__(self, d_in: int, d_out: int, hidden: int) -> None:
        super().__init__()
        self.lin = nn.Linear(d_in, d_out)
        self.mlp = nn.Sequential(nn.Linear(d_in, hidden), nn.GELU(), nn.Linear(hidden, d_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.lin(x) + self.mlp(x)


def fit_mlp(
    x: np.ndarray, y: np.ndarray, hidden: int = 1024, epochs: int = 30, lr: float = 2e-3, seed: int = 0
) -> _MLP:
    """A linear map plus a residual MLP, trained on cosine loss (targets are unit vectors)."""
    torch.manual_seed(seed)
    net = _MLP(x.shape[1], y.shape[1], hidden)
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-4)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    n = len(xt)
    steps = epochs * max(1, n // 256)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    for _ in range(epochs):
        perm = torch.randperm(n)
        for i in range(0, n - 255, 256):
            idx = perm[i : i + 256]
            loss = 1 - nn.functional.cosine_similarity(net(xt[idx]), yt[idx], dim=-1).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    return net.eval()


@dataclass
class Adapter:
    """A fitted map from `source_id` vectors into `target_id` space."""

    source_id: str
    target_id: str
    kind: str  # "procrustes" | "ridge" | "mlp"
    weights: dict[str, torch.Tensor]
    meta: dict[str, object]

    def translate(self, vectors: np.ndarray) -> np.ndarray:
        x = torch.from_numpy(unit_rows(np.asarray(vectors, dtype=np.float32)))
        w = {k: v.float() for k, v in self.weights.items()}
        with torch.no_grad():
            if self.kind == "procrustes":
                y = x @ w["w"] + w["b"] if "b" in w else x @ w["w"]
            elif self.kind == "ridge":
                y = x @ w["w"] + w["b"]
            elif self.kind == "mlp":
                y = x @ w["lin.weight"].T + w["lin.bias"]
                h = nn.functional.gelu(x @ w["mlp.0.weight"].T + w["mlp.0.bias"])
                y = y + h @ w["mlp.2.weight"].T + w["mlp.2.bias"]
            else:  # pragma: no cover - guarded at load
                raise EncoderError(f"unknown adapter kind {self.kind!r}")
        return unit_rows(y.numpy()).astype(np.float32)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        save_file(
            {k: v.to(torch.float16).contiguous() for k, v in self.weights.items()},
            str(folder / ADAPTER_WEIGHTS),
        )
        header = {"source": self.source_id, "target": self.target_id, "kind": self.kind, **self.meta}
        (folder / ADAPTER_JSON).write_text(json.dumps(header, indent=2))

    @classmethod
    def load(cls, folder: Path) -> Adapter:
        try:
            header = json.loads((folder / ADAPTER_JSON).read_text())
            weights = load_file(str(folder / ADAPTER_WEIGHTS))
        except (OSError, ValueError) as exc:
            raise EncoderError(f"cannot load translation adapter from {folder}: {exc}") from exc
        kind = header.get("kind")
        if kind not in ("procrustes", "ridge", "mlp"):
            raise EncoderError(f"{folder}: unknown adapter kind {kind!r}")
        meta = {k: v for k, v in header.items() if k not in ("source", "target", "kind")}
        return cls(header["source"], header["target"], kind, weights, meta)


def from_procrustes(
    src: str, dst: str, w: np.ndarray, meta: dict[str, object], b: np.ndarray | None = None
) -> Adapter:
    weights = {"w": torch.from_numpy(w)}
    if b is not None:  # centered Procrustes: the rotation plus a translation
        weights["b"] = torch.from_numpy(b)
    return Adapter(src, dst, "procrustes", weights, meta)


def from_ridge(src: str, dst: str, w: np.ndarray, b: np.ndarray, meta: dict[str, object]) -> Adapter:
    return Adapter(src, dst, "ridge", {"w": torch.from_numpy(w), "b": torch.from_numpy(b)}, meta)


def from_mlp(src: str, dst: str, net: _MLP, meta: dict[str, object]) -> Adapter:
    return Adapter(src, dst, "mlp", {k: v.detach().clone() for k, v in net.state_dict().items()}, meta)


def mean_cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float((unit_rows(a) * unit_rows(b)).sum(1).mean())


def adapter_dir(models: Path, source_id: str, target_id: str) -> Path:
    return models / f"adapter-{source_id}-to-{target_id}"


def find_adapter(models: Path, source_id: str) -> Adapter | None:
    """The shipped adapter out of `source_id`, if any (one per source for now)."""
    for folder in sorted(models.glob(f"adapter-{source_id}-to-*")):
        if (folder / ADAPTER_JSON).is_file():
            return Adapter.load(folder)
    return None
