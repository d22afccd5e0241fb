"""Translation adapters into all-MiniLM-L6-v2 space, measured on the project's held-out inversion set.

For every registry encoder with a shipped adapter (`find_adapter`), on
`bench/data/inversion_heldout.jsonl` (styles no generator of ours writes; never trained on):

- cosine of the translated vector to the true all-MiniLM-L6-v2 embedding of the same text, on all
  texts and on the inverted subset, beside the untranslated vector where the dims match;
- inversion through `load_inverter(encoder)` (a TranslatedInverter: the adapter, the L6 inverter,
  candidates ranked against the stored vector) at the CPU defaults, on `--n-invert` texts with
  names (every k-th such row, so all parts and styles appear): the mean cosine of the recovered
  text's re-embedding to the stored vector in the source space, and names recovered verbatim
  (case and spacing ignored);
- the same texts inverted from their true L6 vectors: the ceiling a perfect adapter would reach.

Embeddings are cached under `--cache` (keyed by encoder and texts), so reruns cost only the
inversion. About 4 minutes for two encoders on 2 busy cores.

    .venv/bin/python bench/bench_adapters.py [--encoders multilingual-e5-small,wordllama-256]
        [--n-invert 40] [--steps 1] [--beam 1] [--cache /tmp/vecaudit-embed-cache]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from vecaudit.encoders.registry import encoder_ids, get_encoder  # noqa: E402
from vecaudit.encoders.translation import find_adapter, unit_rows  # noqa: E402
from vecaudit.inversion import TranslatedInverter, load_inverter, models_dir  # noqa: E402
from vecaudit.inversion.metrics import value_recovered  # noqa: E402
from vecaudit.training.adapter import embed_cached  # noqa: E402

HELDOUT = Path(__file__).parent / "data" / "inversion_heldout.jsonl"
TARGET = "all-MiniLM-L6-v2"


def load_rows(path: Path = HELDOUT) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def name_subset(rows: list[dict[str, Any]], n: int) -> list[int]:
    """Indices of `n` rows holding a PERSON, every k-th so that every part and style is drawn."""
    with_names = [i for i, r in enumerate(rows) if any(e[0] == "PERSON" for e in r["entities"])]
    step = max(1, len(with_names) // max(1, n))
    return with_names[::step][:n]


def names_recovered(rows: list[dict[str, Any]], texts: list[str]) -> tuple[int, int]:
    hit = total = 0
    for r, text in zip(rows, texts, strict=True):
        for etype, value in r["entities"]:
            if etype == "PERSON":
                total += 1
                hit += int(value_recovered(etype, value, text))
    return hit, total


def row_cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray((unit_rows(a) * unit_rows(b)).sum(1))


def unrelated(v: np.ndarray) -> float:
    """Mean cosine of each vector to the next one's text: what any fluent guess scores."""
    return float(row_cosines(v, np.roll(v, 1, axis=0)).mean())


def invert(inverter: Any, vectors: np.ndarray) -> tuple[list[str], np.ndarray]:
    res = inverter.invert(vectors)
    return [t for t, _ in res], np.asarray([c for _, c in res], dtype=np.float32)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--encoders", default="", help="comma-separated source encoders (default: every one with an adapter)"
    )
    ap.add_argument("--n-invert", type=int, default=40, help="held-out texts with names to invert")
    ap.add_argument("--steps", type=int, default=None, help="correction steps (default: the CPU default, 1)")
    ap.add_argument("--beam", type=int, default=1, help="sequence beam, also candidates per step")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "vecaudit-embed-cache")
    ap.add_argument("--no-direct", action="store_true", help="skip the true-L6-vector ceiling")
    args = ap.parse_args()

    rows = load_rows()
    texts = [r["text"] for r in rows]
    sel = name_subset(rows, args.n_invert)
    sub_rows = [rows[i] for i in sel]
    sources = [s for s in args.encoders.split(",") if s] or [
        e for e in encoder_ids() if e != TARGET and find_adapter(models_dir(), e) is not None
    ]
    y = unit_rows(embed_cached(get_encoder(TARGET), TARGET, texts, args.cache))
    parts = sorted({str(r["part"]) for r in rows})
    print(
        f"{len(rows)} held-out texts ({HELDOUT.name}); inversion on {len(sel)} with "
        f"{names_recovered(sub_rows, [''] * len(sub_rows))[1]} names, "
        f"steps={'default (1)' if args.steps is None else args.steps}, beam {args.beam}"
    )
    print()
    cols = [
        "encoder",
        "adapter",
        "cos to L6 (all)",
        "untranslated",
        *(f"cos, {p}" for p in parts),
        "cos to L6 (inverted)",
        "recovery: source-space cos",
        "unrelated text: source-space cos",
        "names recovered",
        "s/vector",
    ]
    print("| " + " | ".join(cols) + " |")
    print("| --- | --- | " + " | ".join("---:" for _ in cols[2:]) + " |")

    def row(cells: list[str]) -> None:
        print("| " + " | ".join(cells + [""] * (len(cols) - len(cells))) + " |", flush=True)

    if not args.no_direct:
        base = load_inverter(TARGET, steps=args.steps, beam=args.beam)
        if base is None:
            raise SystemExit(f"no shipped inverter for {TARGET}")
        t0 = time.time()
        rec, cos = invert(base, y[sel])
        hit, tot = names_recovered(sub_rows, rec)
        per = (time.time() - t0) / len(sel)
        row(
            [f"{TARGET} (true vectors: the ceiling)", "none", *["1.000"] * (3 + len(parts))]
            + [f"{cos.mean():.3f}", f"{unrelated(y[sel]):.3f}", f"{hit}/{tot}", f"{per:.1f}"]
        )

    for source in sources:
        enc = get_encoder(source)
        x = embed_cached(enc, source, texts, args.cache)
        adapter = find_adapter(models_dir(), source)
        inverter = load_inverter(source, steps=args.steps, beam=args.beam)
        if adapter is None or not isinstance(inverter, TranslatedInverter):
            row([source, "none (not inverted)"])
            continue
        t = row_cosines(adapter.translate(x), y)
        raw = f"{row_cosines(x, y).mean():.3f}" if x.shape[1] == y.shape[1] else "n/a (dims)"
        by_part = [f"{t[[i for i, r in enumerate(rows) if r['part'] == p]].mean():.3f}" for p in parts]
        t0 = time.time()
        rec, cos = invert(inverter, x[sel])
        per = (time.time() - t0) / len(sel)
        hit, tot = names_recovered(sub_rows, rec)
        row(
            [source, adapter.kind, f"{t.mean():.3f}", raw, *by_part, f"{t[sel].mean():.3f}"]
            + [f"{cos.mean():.3f}", f"{unrelated(x[sel]):.3f}", f"{hit}/{tot}", f"{per:.1f}"]
        )
        modes = getattr(enc, "prompt_modes", ())
        for mode in modes[1:]:  # vectors made with another prompt than the one the adapter was fitted on
            xm = embed_cached(enc, source, texts, args.cache, mode=mode)
            tm = row_cosines(adapter.translate(xm), y)
            row([f"{source}, '{mode}: ' vectors", adapter.kind, f"{tm.mean():.3f}"])


if __name__ == "__main__":
    main()
