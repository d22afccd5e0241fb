"""Targeted mode on the held-out inversion set: which stored vectors support each supplied value?

The candidate list is every person name, email address and phone number of
`bench/data/inversion_heldout.jsonl` (all 424 rows, so every vector meets its own values among
hundreds of others), plus `--distractors` random list names. The vectors are the
all-MiniLM-L6-v2 embeddings of the rows `--offset`, `--offset + --step`, ... (default: the odd
rows; the thresholds of `TargetedSettings` were chosen on the even ones). A pair (vector, value)
is positive when the row's text holds the value (same kind, same canonical form) and negative
otherwise; negatives are split into vectors holding another value of that kind ("other") and
vectors holding none ("free", the `clean` part among them).

Frames (the recovered text a value is placed in):
- `inverted`: the shipped inverter's text with scan defaults (what a scan hands over today;
  cached in ~/.cache/vecaudit/bench/ because it takes seconds per vector on a CPU);
- `true`: the true text with its values cut out (what a perfect inversion gives; an upper bound);
- `none`: no frame, the value alone.

Prints, per frame source and kind: TPR over positives (screen misses included), FPR over
negatives, the screen's recall, encoder calls per (vector, candidate) pair and framed calls per
vector; `--sweep` adds TPR/FPR at other z thresholds. On 2 busy cores the default run took
about 3 min (inverted; the inverter itself, once, about 20 more), 9 min (true) and 1 min
(none). Results (2026-11-29, odd rows, z >= 3) are in the docstring of
`vecaudit.inversion.attack.targeted`.

    .venv/bin/python bench/bench_targeted.py [--frames inverted,true,none] [--step 2 --offset 1]
        [--distractors 5000] [--sweep]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from vecaudit.encoders.registry import get_encoder  # noqa: E402
from vecaudit.fingerprint import canonicalize  # noqa: E402
from vecaudit.inversion import inverter_dir, load_inverter  # noqa: E402
from vecaudit.inversion.attack.targeted import (  # noqa: E402
    Candidate,
    NameLists,
    PairScore,
    TargetedSearch,
    TargetedSettings,
    value_kind,
)

ENCODER = "all-MiniLM-L6-v2"
DATA = Path(__file__).parent / "data" / "inversion_heldout.jsonl"
KINDS = ("PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER")


def recovered_texts(texts: list[str], vectors: np.ndarray) -> list[str]:
    """The shipped inverter's texts for `vectors` (scan defaults), cached by inputs and weights."""
    model = inverter_dir(ENCODER)
    if model is None:
        raise SystemExit(f"no shipped inverter for {ENCODER} in models/")
    h = hashlib.sha256("\n".join(texts).encode())
    for f in sorted(model.rglob("*")):
        if f.is_file():
            h.update(f.name.encode() + f.read_bytes())
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    cache = base / "vecaudit" / "bench" / f"targeted-recovered-{h.hexdigest()[:16]}.json"
    if cache.is_file():
        return list(json.loads(cache.read_text(encoding="utf-8")))
    inverter = load_inverter(ENCODER)
    if inverter is None:
        raise SystemExit("the inverter failed to load")
    out: list[str] = []
    started = time.monotonic()
    for k in range(0, len(vectors), 32):
        out += [t for t, _ in inverter.invert(vectors[k : k + 32])]
        print(f"  inverted {len(out)}/{len(vectors)} ({time.monotonic() - started:.0f} s)", flush=True)
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(out), encoding="utf-8")
    return out


def true_frames(rows: list[dict]) -> list[str]:
    """Each text with its marked values cut out."""
    out = []
    for r in rows:
        text = r["text"]
        for _, value in r["entities"]:
            text = text.replace(value, " ")
        out.append(" ".join(text.split()))
    return out


def candidate_list(all_rows: list[dict], distractors: int, names: NameLists, seed: int) -> list[Candidate]:
    seen: dict[tuple[str, str], Candidate] = {}
    for r in all_rows:
        for kind, value in r["entities"]:
            if kind in KINDS and value_kind(value) == kind:
                seen.setdefault((kind, canonicalize(kind, value)), Candidate(value, kind))
    rng = np.random.default_rng(seed)
    while distractors > 0:
        given, family = (
            names.given[rng.integers(len(names.given))],
            names.family[rng.integers(len(names.family))],
        )
        name = f"{given} {family}"
        key = ("PERSON", canonicalize("PERSON", name))
        if key not in seen:
            seen[key] = Candidate(name, "PERSON")
            distractors -= 1
    return list(seen.values())


def evaluate(
    rows: list[dict],
    cands: list[Candidate],
    pairs: list[PairScore],
    settings: TargetedSettings,
    min_z: float,
) -> dict[str, dict[str, float]]:
    """TPR / FPR per kind for the rule `screened and z >= min_z and margin >= settings.min_margin`."""
    held = [{(k, canonicalize(k, v)) for k, v in r["entities"]} for r in rows]
    kinds_held = [{k for k, _ in r["entities"]} for r in rows]
    canon = [(c.kind, canonicalize(c.kind, c.value)) for c in cands]
    supported = {(p.vector, p.candidate) for p in pairs if p.z >= min_z and p.margin >= settings.min_margin}
    screened = {(p.vector, p.candidate) for p in pairs}
    out: dict[str, dict[str, float]] = {}
    for kind in KINDS:
        cols = [j for j, c in enumerate(cands) if c.kind == kind]
        if not cols:
            continue
        tp = fn = sc = fp_other = n_other = fp_free = n_free = shared_word = 0
        parts: dict[str, list[int]] = {}
        for i in range(len(rows)):
            for j in cols:
                hit = (i, j) in supported
                if canon[j] in held[i]:
                    tp += hit
                    fn += not hit
                    sc += (i, j) in screened
                    parts.setdefault(rows[i]["part"], []).append(int(hit))
                elif kind in kinds_held[i]:
                    n_other += 1
                    fp_other += hit
                    if hit and _shares_word(canon[j][1], held[i], kind):
                        shared_word += 1
                else:
                    n_free += 1
                    fp_free += hit
        pos = tp + fn
        out[kind] = {
            "positives": pos,
            "tpr": tp / pos if pos else float("nan"),
            "screen_recall": sc / pos if pos else float("nan"),
            "negatives": n_other + n_free,
            "fpr": (fp_other + fp_free) / max(1, n_other + n_free),
            "fp": fp_other + fp_free,
            "fpr_other": fp_other / max(1, n_other),
            "fpr_free": fp_free / max(1, n_free),
            "fp_sharing_a_word": shared_word,
            "tpr_by_part": {k: sum(v) / len(v) for k, v in sorted(parts.items())},
        }
    return out


def _shares_word(value: str, held: set[tuple[str, str]], kind: str) -> bool:
    words = set(re.split(r"[^a-z0-9]+", value)) - {""}
    return any(k == kind and words & set(re.split(r"[^a-z0-9]+", v)) for k, v in held)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--frames", default="inverted,true,none", help="comma list of inverted, true, none")
    ap.add_argument("--step", type=int, default=2, help="use every STEP-th row as a stored vector")
    ap.add_argument("--offset", type=int, default=1, help="starting at this row (the rule was tuned on 0::2)")
    ap.add_argument("--distractors", type=int, default=0, help="extra random lexicon names as candidates")
    ap.add_argument("--sweep", action="store_true", help="also print TPR/FPR at other framed-z thresholds")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    all_rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line]
    rows = all_rows[args.offset :: args.step]
    encoder = get_encoder(ENCODER)
    names = NameLists.default()
    vectors = np.asarray(encoder.embed([r["text"] for r in rows]), dtype=np.float32)
    cands = candidate_list(all_rows, args.distractors, names, args.seed)
    settings = TargetedSettings(seed=args.seed)
    search = TargetedSearch(encoder, names, settings)
    counts = {k: sum(c.kind == k for c in cands) for k in KINDS}
    print(f"{len(rows)} vectors x {len(cands)} candidates {counts}; {settings}")
    for source in args.frames.split(","):
        if source == "inverted":
            frames = recovered_texts([r["text"] for r in rows], vectors)
        elif source == "true":
            frames = true_frames(rows)
        elif source == "none":
            frames = [""] * len(rows)
        else:
            raise SystemExit(f"unknown frame source {source!r}")
        started = time.monotonic()
        pairs, costs = search.score(vectors, frames, cands)
        seconds = time.monotonic() - started
        n_pairs = len(rows) * len(cands)
        framed = sum(p.framed for p in pairs)
        print(
            f"\n== frames: {source}  ({seconds:.0f} s; {len(pairs)} pairs screened in, {framed} judged in "
            f"frames; encoder calls: "
            f"{costs.total} = {costs.shared} shared + {int(costs.per_vector.sum())} framed; "
            f"{costs.total / n_pairs:.3f} per pair, {costs.per_vector.mean():.0f} framed per vector)"
        )
        print(
            f"{'kind':<14}{'pos':>5}{'TPR':>8}{'screen':>8}{'neg':>8}{'FP':>5}{'FPR':>9}{'other':>9}{'free':>9}"
        )
        for kind, m in evaluate(rows, cands, pairs, settings, settings.min_z).items():
            print(
                f"{kind:<14}{m['positives']:>5}{m['tpr']:>8.3f}{m['screen_recall']:>8.3f}{m['negatives']:>8}"
                f"{m['fp']:>5}{m['fpr']:>9.5f}{m['fpr_other']:>9.5f}{m['fpr_free']:>9.5f}"
                + (f"  ({m['fp_sharing_a_word']} FP share a word)" if m["fp_sharing_a_word"] else "")
                + "  TPR by part: "
                + ", ".join(f"{k} {v:.2f}" for k, v in m["tpr_by_part"].items())
            )
        if args.sweep:
            for z in (2.0, 2.5, 3.0, 3.5, 4.0, 5.0, 6.0):
                res = evaluate(rows, cands, pairs, replace(settings, min_z=z), z)
                print(
                    f"  z>={z}: "
                    + "  ".join(f"{k} tpr {m['tpr']:.3f} fpr {m['fpr']:.5f}" for k, m in res.items())
                )


if __name__ == "__main__":
    main()
