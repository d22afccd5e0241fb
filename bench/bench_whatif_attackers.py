"""Mitigations judged by every attacker: the what-if's table on a realistic synthetic store.

Builds a qdrant-client local-mode store of synthetic support tickets (`vecaudit.synthetic.
demo_records`, about 70% with PII; text, customer name and e-mail in the payload) embedded with
all-MiniLM-L6-v2, runs `vecaudit.whatif.run_whatif` with every default mitigation and attacker
(learned inverter v1, attack plan, ALGEN with 10/100/1000 leaked pairs), and prints in one run

1. the table mitigation x attacker: leakage (values recovered verbatim / true values), recovered-
   text cosine, vector cosine (the vector the attacker inverted vs the original), and recall@10;
2. what the what-if recommends now (judged by each mitigation's strongest attacker), and
3. what the earlier what-if (learned inverter only, the same 9 default mitigations, its rule: the
   least leaking mitigation with recall@10 >= 90%) recommends from the learned-inverter column of
   the same run, i.e. the same sample, noise draws and store.

No PII value is printed: counts, shares and cosines only.

`--alignment` prints instead, without any inversion (seconds), why the ALGEN attacker fits ridge
least squares rather than orthogonal Procrustes: the mapped-vector cosine to the true clean vectors
under the secret rotation, for both maps, as k grows past the dimension d = 384.

    python bench/bench_whatif_attackers.py [--points 1200] [--sample 32] [--attack quick]
    python bench/bench_whatif_attackers.py --alignment
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

ENCODER = "all-MiniLM-L6-v2"
#: The 1.0 what-if's defaults: what the earlier recommendation was chosen from.
OLD_DEFAULTS = ("none", "noise 0.01", "noise 0.02", "noise 0.05", "noise 0.1", "int8", "binary", "256 dims")
OLD_DEFAULTS += ("128 dims",)


def embed_records(points: int, seed: int) -> tuple[list[Any], Any]:
    """Synthetic support tickets (about 70% with PII) and their MiniLM-L6 vectors (n, 384)."""
    import numpy as np
    from vecaudit.encoders.registry import get_encoder
    from vecaudit.synthetic.demo_records import generate

    records = generate(points, seed=seed, pii_ratio=0.7, collections=("support_tickets",))
    return records, np.asarray(get_encoder(ENCODER).embed([r.text for r in records]), dtype=np.float32)


def alignment(points: int, seed: int) -> None:
    """Mapped-vector cosine under `rotate`: the attacker's ridge map against orthogonal Procrustes."""
    import numpy as np
    from vecaudit.whatif import Mitigation, apply_mitigation, choose_map, fit_mitigation
    from vecaudit.whatif.mitigations import unit

    _, emb = embed_records(points, seed)
    v = unit(np.asarray(emb))
    rot = Mitigation(kind="rotate")
    stored, _, _ = apply_mitigation(v, rot, np.zeros_like(v), fit_mitigation(rot, v, seed))
    order = np.random.default_rng(seed).permutation(len(v))
    sample, leaked = order[:100], order[100:]
    print(f"secret rotation, {len(v)} ticket vectors (d = {v.shape[1]}); mean cosine of the mapped sample")
    unmapped = float(np.mean(np.sum(stored[sample] * v[sample], 1)))
    print(f"(100 vectors) to the true clean vectors; unmapped: {unmapped:.3f}")
    print(f"{'k':>6} {'ridge (ALGEN attacker)':>24} {'orthogonal Procrustes':>24}")
    for k in (10, 50, 100, 200, 300, 384, 500, len(leaked)):
        x, y = stored[leaked[:k]], v[leaked[:k]]
        mapping = choose_map(x, y)
        ridge = mapping(stored[sample]) if mapping is not None else stored[sample]
        u, _, vt = np.linalg.svd(x.T @ y)  # argmax tr(W^T X^T Y) over orthogonal W
        procrustes = unit(stored[sample] @ (u @ vt))
        print(
            f"{k:>6} {np.mean(np.sum(ridge * v[sample], 1)):>24.3f} "
            f"{np.mean(np.sum(procrustes * v[sample], 1)):>24.3f}"
        )


def build_store(folder: Path, points: int, seed: int) -> None:
    from qdrant_client import QdrantClient, models

    records, vectors = embed_records(points, seed)
    client = QdrantClient(path=str(folder))
    client.create_collection(
        "tickets", vectors_config=models.VectorParams(size=384, distance=models.Distance.COSINE)
    )
    client.upsert(
        "tickets",
        [
            models.PointStruct(id=i, vector=v.tolist(), payload=r.payload)
            for i, (r, v) in enumerate(zip(records, vectors, strict=True))
        ],
    )
    client.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--points", type=int, default=1200)
    ap.add_argument("--sample", type=int, default=24)
    ap.add_argument("--attack", default="quick")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--alignment", action="store_true", help="only compare the ALGEN maps (no inversion)")
    args = ap.parse_args()
    if args.alignment:
        alignment(args.points, args.seed)
        return
    from vecaudit.report.compliance import whatif_recommendations
    from vecaudit.whatif import run_whatif

    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "store"
        started = time.monotonic()
        build_store(store, args.points, args.seed)
        built = time.monotonic() - started
        started = time.monotonic()
        res = run_whatif(
            str(store),
            "tickets",
            sample=args.sample,
            seed=args.seed,
            encoder=ENCODER,
            attack=args.attack,
            progress=lambda msg: print(
                f"[{time.monotonic() - started:6.0f} s] {msg}", file=sys.stderr, flush=True
            ),
        )
        seconds = time.monotonic() - started
    ids = [(a.attacker, a.short) for a in res.results[0].attackers]
    print(
        f"store: {args.points} synthetic support tickets ({ENCODER}), built in {built:.0f} s; "
        f"what-if: {res.sample_size} vectors inverted, {res.utility_sample_size} searched, attack plan "
        f"{res.attack_level}, {res.leaked_pairs_available} leaked pairs available, {seconds:.0f} s in all"
    )
    print(
        f"attack plan cost: {res.attack.get('encoder_calls_per_vector')} encoder calls and "
        f"{res.attack.get('seconds_per_vector')} s per vector ({res.attack.get('vectors')} inversions)"
    )
    total = res.results[0].entities_total
    print(f"true PII values in the inverted sample (Presidio on the payload text): {total}")
    print()
    print("cell: leakage % (recovered/total) | recovered-text cosine | vector cosine")
    head = f"{'mitigation':<34}{'R@' + str(res.k):>7}  " + "".join(f"{s:<24}" for _, s in ids) + "strongest"
    print(head)
    for r in res.results:
        by = {a.attacker: a for a in r.attackers}
        cells = "".join(
            f"{100 * by[i].leakage:3.0f}% {by[i].entities_recovered:>2}/{by[i].entities_total:<3}"
            f"{by[i].mean_cosine:5.2f} {by[i].vector_cosine:5.2f}   "
            for i, _ in ids
        )
        print(f"{r.label:<34}{100 * r.recall_at_k:6.1f}%  {cells}{r.strongest_attacker.short}")
    print()
    print("New recommendation (strongest attacker per mitigation):")
    for line in whatif_recommendations(res):
        print(f"- {line}")
    print()
    old = [r for r in res.results if r.mitigation.short in OLD_DEFAULTS]
    learned = {r.label: next(a for a in r.attackers if a.attacker == "learned") for r in old}
    good = [r for r in old if r.mitigation.kind != "none" and r.recall_at_k >= 0.9]
    print("Earlier what-if (learned inverter only, its 9 defaults, least leakage at recall@10 >= 90%):")
    if good:
        best = min(good, key=lambda r: (learned[r.label].leakage, learned[r.label].mean_cosine))
        a = learned[best.label]
        strong = best.strongest_attacker
        print(
            f"- it recommended {best.label}: learned-inverter leakage {100 * a.leakage:.1f}% "
            f"({a.entities_recovered}/{a.entities_total}), recall@{res.k} {100 * best.recall_at_k:.1f}%; "
            f"its strongest attacker ({strong.label}) recovers {100 * best.leakage:.1f}% "
            f"({best.entities_recovered}/{best.entities_total})"
        )
    else:
        print(f"- no mitigation kept recall@{res.k} at 90%")


if __name__ == "__main__":
    main()
