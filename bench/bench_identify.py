"""Confusion matrix of fingerprint-only encoder identification (no payload text, Cosine store).

Truths: the four registry encoders; held-out encoders that must come out `unknown`: a random
rotation (+ noise) of all-MiniLM-L6-v2 and of wordllama-256, and each registry encoder with its
own profile withheld (a stand-in for an unregistered encoder that resembles registered ones).
Text styles are held out from the profile corpus. Collection sizes 50, 500, 5,000; several
disjoint collections for the small sizes.

    .venv/bin/python bench/bench_identify.py [--cache DIR] [--sizes 50,500,5000]

Embeddings are cached under DIR (default: <tmp>/vecaudit-bench-identify) so reruns take seconds.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import os
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from vecaudit.encoders.identify import UNKNOWN, identify  # noqa: E402
from vecaudit.encoders.profiles import unit_rows  # noqa: E402
from vecaudit.encoders.registry import get_encoder  # noqa: E402
from vecaudit.synthetic import refcorpus  # noqa: E402

ENCODERS = ["all-MiniLM-L6-v2", "paraphrase-MiniLM-L3-v2", "multilingual-e5-small", "wordllama-256"]
STYLES = ["legal", "finance", "multilingual"]  # none of them in refcorpus.PROFILE_STYLES
N_TEXTS = 5000
REPEATS = {50: 6, 500: 3, 5000: 1}


def embeddings(eid: str, style: str, cache: Path) -> np.ndarray:
    texts = refcorpus.generate(N_TEXTS, [style], seed=2024)
    key = hashlib.sha256(("\n".join(texts) + eid).encode()).hexdigest()[:16]
    path = cache / f"{eid}-{style}-{key}.npy"
    if path.exists():
        return np.load(path, allow_pickle=False)
    t0 = time.time()
    order = np.argsort([len(t) for t in texts], kind="stable")  # length-sorted batches pad less
    vecs = np.empty((len(texts), get_encoder(eid).spec.dim), dtype=np.float32)
    vecs[order] = get_encoder(eid).embed([texts[i] for i in order])
    np.save(path, vecs)
    print(f"  embedded {N_TEXTS} {style} texts with {eid} in {time.time() - t0:.0f}s", flush=True)
    return vecs


def rotate(x: np.ndarray, seed: int, noise: float = 0.01) -> np.ndarray:
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(x.shape[1], x.shape[1])))
    return unit_rows(x) @ q.T + rng.normal(scale=noise, size=x.shape)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "vecaudit-bench-identify")
    ap.add_argument("--sizes", default="50,500,5000")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    args.cache.mkdir(parents=True, exist_ok=True)

    print(f"embedding {len(ENCODERS)} encoders x {len(STYLES)} held-out styles x {N_TEXTS} texts (cached)")
    vecs = {(e, s): embeddings(e, s, args.cache) for e in ENCODERS for s in STYLES}

    # truth label -> (source encoder, transform, candidates, expected name)
    cases: dict[str, tuple[str, str, list[str] | None, str]] = {e: (e, "none", None, e) for e in ENCODERS}
    cases["rotated all-MiniLM-L6-v2"] = ("all-MiniLM-L6-v2", "rotate", None, UNKNOWN)
    cases["rotated wordllama-256"] = ("wordllama-256", "rotate", None, UNKNOWN)
    for e in ENCODERS[:3]:
        cases[f"{e} (own profile withheld)"] = (e, "none", [c for c in ENCODERS if c != e], UNKNOWN)

    results: list[tuple[str, str, int, str, float]] = []  # truth, style, size, predicted, confidence
    worst_wrong = 0.0
    t0 = time.time()
    for truth, (src, transform, cands, expected) in cases.items():
        for style in STYLES:
            base = vecs[(src, style)]
            for size in sizes:
                for rep in range(REPEATS.get(size, 1)):
                    seed = int(hashlib.sha256(f"{truth}|{style}|{size}|{rep}".encode()).hexdigest()[:8], 16)
                    rng = np.random.default_rng(seed)
                    idx = rng.permutation(len(base))[:size]
                    x = unit_rows(base[idx])  # a Cosine store keeps unit vectors only
                    if transform == "rotate":
                        x = rotate(x, seed=rep)
                    g = identify(x.astype(np.float32), distance="Cosine", candidates=cands)
                    results.append((truth, style, size, g.name, g.confidence))
                    if g.name != expected and g.name != UNKNOWN:
                        worst_wrong = max(worst_wrong, g.confidence)
    elapsed = time.time() - t0

    names = [*ENCODERS, UNKNOWN]
    short = {n: n.split("-")[0][:9] if n != UNKNOWN else "unknown" for n in names}
    short.update(
        {
            "all-MiniLM-L6-v2": "MiniLM6",
            "paraphrase-MiniLM-L3-v2": "paraL3",
            "multilingual-e5-small": "e5small",
            "wordllama-256": "wllama",
        }
    )
    for size in sizes:
        print(f"\nConfusion matrix, collection size {size} (rows: truth; styles {', '.join(STYLES)})")
        print(
            f"{'truth':48s}"
            + "".join(f"{short[n]:>9s}" for n in names)
            + f"{'acc':>7s}{'unk%':>7s}{'conf':>7s}"
        )
        for truth, (_, _, _, expected) in cases.items():
            rows = [r for r in results if r[0] == truth and r[2] == size]
            counts = collections.Counter(r[3] for r in rows)
            acc = sum(r[3] == expected for r in rows) / len(rows)
            unk = counts[UNKNOWN] / len(rows)
            conf = float(np.mean([r[4] for r in rows]))
            print(
                f"{truth:48s}"
                + "".join(f"{counts[n]:9d}" for n in names)
                + f"{acc:7.2f}{100 * unk:6.0f}%{conf:7.2f}"
            )
    print("\nAccuracy by style and size (all truths)")
    print(f"{'style':14s}" + "".join(f"{s:>8d}" for s in sizes))
    for style in STYLES:
        accs = []
        for size in sizes:
            rows = [r for r in results if r[1] == style and r[2] == size]
            accs.append(sum(r[3] == cases[r[0]][3] for r in rows) / len(rows))
        print(f"{style:14s}" + "".join(f"{a:8.2f}" for a in accs))
    total = len(results)
    correct = sum(r[3] == cases[r[0]][3] for r in results)
    wrong_named = sum(r[3] != cases[r[0]][3] and r[3] != UNKNOWN for r in results)
    known = [r for r in results if cases[r[0]][3] != UNKNOWN]
    right_conf = [r[4] for r in results if r[3] == cases[r[0]][3] and r[3] != UNKNOWN]
    print(f"\nlowest confidence of a correct name {min(right_conf):.3f}" if right_conf else "")
    print(
        f"overall accuracy {correct / total:.3f} over {total} collections; "
        f"unknown rate on registry encoders {sum(r[3] == UNKNOWN for r in known) / len(known):.3f}; "
        f"confidently wrong names {wrong_named} (highest confidence of a wrong name {worst_wrong:.2f}); "
        f"identification time {elapsed:.1f}s"
    )


if __name__ == "__main__":
    main()
