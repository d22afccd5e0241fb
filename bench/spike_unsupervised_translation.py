"""Research spike: translate vectors between encoders without paired data (vec2vec's setting).

An attacker who holds a store from an unknown encoder has its vectors, and can embed any text of
their own with a known encoder, but has no text whose vector is in the store. Can the two spaces
be aligned from unpaired samples alone?

Source: paraphrase-MiniLM-L3-v2 vectors of corpus A. Target: all-MiniLM-L6-v2 vectors of a
disjoint corpus B (same generator, other seeds). Evaluation: held-out texts embedded by both, so
the true partner of every translated vector is known. Methods, all linear and orthogonal:

- identity (both are 384-dim MiniLM models);
- PCA alignment: match principal axes by rank, signs chosen by third moments;
- PCA alignment refined by mutual nearest neighbours and Procrustes, repeated (as in MUSE);
- the same refinement started from the identity;
- supervised Procrustes on paired texts: the ceiling a linear map can reach.

Prints mean cosine to the true target vector and top-1 retrieval of the true partner among the
evaluation set. Run: .venv/bin/python bench/spike_unsupervised_translation.py --n 6000
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from vecaudit.encoders.registry import get_encoder
from vecaudit.encoders.translation import fit_procrustes, unit_rows
from vecaudit.synthetic.corpus import generate_corpus


def _center_unit(x: np.ndarray, mean: np.ndarray) -> np.ndarray:
    return unit_rows(x - mean)


def pca_alignment(a: np.ndarray, b: np.ndarray, k: int) -> np.ndarray:
    """Orthogonal W (a @ W ~ b) sending A's i-th principal axis to B's, signs by skewness."""
    _, _, va = np.linalg.svd(a, full_matrices=False)
    _, _, vb = np.linalg.svd(b, full_matrices=False)
    va, vb = va[:k], vb[:k]
    sa = np.sign(((a @ va.T) ** 3).mean(0))
    sb = np.sign(((b @ vb.T) ** 3).mean(0))
    m = va.T @ np.diag(sa * sb) @ vb  # rank k; the nearest orthogonal map completes it
    u, _, vt = np.linalg.svd(m)
    return u @ vt


def mnn_refine(a: np.ndarray, b: np.ndarray, w: np.ndarray, rounds: int, max_pairs: int) -> np.ndarray:
    """Mutual nearest neighbours under the current map become pairs for the next Procrustes fit."""
    for _ in range(rounds):
        sims = (a @ w) @ b.T
        ab = sims.argmax(1)
        ba = sims.argmax(0)
        mutual = np.nonzero(ba[ab] == np.arange(len(a)))[0]
        if len(mutual) < 10:
            break
        best = mutual[np.argsort(-sims[mutual, ab[mutual]])][:max_pairs]
        w = fit_procrustes(a[best], b[ab[best]])
    return w


def score(w: np.ndarray, src: np.ndarray, dst: np.ndarray) -> tuple[float, float]:
    mapped = unit_rows(src @ w)
    cos = float((mapped * dst).sum(1).mean())
    top1 = float(((mapped @ dst.T).argmax(1) == np.arange(len(dst))).mean())
    return cos, top1


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=6000, help="unpaired texts per side")
    p.add_argument("--n-eval", type=int, default=1000)
    p.add_argument("--k", type=int, default=128, help="principal axes matched")
    p.add_argument("--rounds", type=int, default=10)
    args = p.parse_args()
    t0 = time.time()
    l3, l6 = get_encoder("paraphrase-MiniLM-L3-v2"), get_encoder("all-MiniLM-L6-v2")
    texts_a = [s.text for s in generate_corpus(args.n, 101, "train")]
    texts_b = [s.text for s in generate_corpus(args.n, 202, "train")]
    shared = set(texts_a) & set(texts_b)
    texts_b = [t for t in texts_b if t not in shared]
    evals = [s.text for s in generate_corpus(args.n_eval, 303, "heldout")]
    a = np.asarray(l3.embed(texts_a), dtype=np.float32)
    b = np.asarray(l6.embed(texts_b), dtype=np.float32)
    ea = np.asarray(l3.embed(evals), dtype=np.float32)
    eb = np.asarray(l6.embed(evals), dtype=np.float32)
    ma, mb = a.mean(0), b.mean(0)
    a_c, b_c = _center_unit(a, ma), _center_unit(b, mb)
    ea_c, eb_c = _center_unit(ea, ma), _center_unit(eb, mb)
    print(f"{len(a)} source and {len(b)} target texts, unpaired ({len(shared)} shared texts dropped);")
    print(f"{len(evals)} held-out evaluation texts; embedded in {time.time() - t0:.0f}s")
    print("vectors centred by each side's own mean; cosine and top-1 on centred vectors")
    rows = [("identity", np.eye(a.shape[1], dtype=np.float32))]
    w_pca = pca_alignment(a_c, b_c, args.k)
    rows.append((f"PCA alignment (k={args.k})", w_pca))
    rows.append(("PCA + MNN/Procrustes refinement", mnn_refine(a_c, b_c, w_pca, args.rounds, 4000)))
    # Sibling encoders (same tokenizer and lineage) may share coordinates: start from identity.
    rows.append(("identity + MNN/Procrustes refinement", mnn_refine(a_c, b_c, rows[0][1], args.rounds, 4000)))
    paired = [s.text for s in generate_corpus(args.n, 404, "train")]
    pa = _center_unit(np.asarray(l3.embed(paired), dtype=np.float32), ma)
    pb = _center_unit(np.asarray(l6.embed(paired), dtype=np.float32), mb)
    rows.append((f"supervised Procrustes ({len(paired)} pairs)", fit_procrustes(pa, pb)))
    print(f"{'method':<44} {'cosine':>7} {'top-1':>7}")
    for name, w in rows:
        cos, top1 = score(w, ea_c, eb_c)
        print(f"{name:<44} {cos:7.3f} {top1:7.3f}")
    print(f"chance top-1: {1 / len(evals):.3f}")


if __name__ == "__main__":
    main()
