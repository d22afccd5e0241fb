"""Calibrate the redaction-bypass check: cosine of (stored vector, re-embedded payload text).

For each encoder, stored vectors are embeddings of held-out texts with names, e-mail addresses and
phone numbers (bench/data/inversion_heldout.jsonl). Payloads are built the way pipelines store
them, then read and re-embedded exactly as a scan does (`vecaudit.payload_match.payload_cosines`):

matching (the payload holds the embedded text; a point below the threshold is a false positive)
  exact        payload = the text
  whitespace   vector of the text with doubled spaces and newlines, payload normalised
  lowercase    payload lower-cased
  title+body   vector of "title\\nbody", payload {title, body, source, lang}
  metadata     payload {text, doc_id, lang, tags}
  chunk        vector of one sentence-sized chunk, payload the whole three-text document (the
               pipeline stored the document on every chunk: a genuine mismatch of another kind,
               reported separately and not counted in the false-positive rate)
redacted (the vector was made from the original, the payload is redacted: a true positive)
  [REDACTED], <ENTITY>, ***, removed: every entity value replaced (or deleted)

    .venv/bin/python bench/bench_redaction_bypass.py [--encoders all-MiniLM-L6-v2,...] [--n 424]

Prints per encoder and variant the cosine quantiles, then false/true positive rates at a grid of
thresholds and at the threshold shipped in `MISMATCH_THRESHOLDS`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from vecaudit.encoders.registry import get_encoder  # noqa: E402
from vecaudit.payload_match import mismatch_threshold, payload_cosines  # noqa: E402

DATA = Path(__file__).parent / "data" / "inversion_heldout.jsonl"
QUANTILES = (0.0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1.0)
GRID = (0.80, 0.85, 0.88, 0.90, 0.92, 0.93, 0.94, 0.95, 0.96, 0.97, 0.98, 0.99)
MATCHING = ("exact", "whitespace", "lowercase", "title+body", "metadata")
REDACTED = ("[REDACTED]", "<ENTITY>", "***", "removed")


def load(n: int) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in DATA.read_text().splitlines() if line.strip()]
    return rows[:n]


def redact(text: str, entities: list[list[str]], how: str) -> str:
    for kind, value in entities:
        token = {"[REDACTED]": "[REDACTED]", "<ENTITY>": f"<{kind}>", "***": "***", "removed": ""}[how]
        text = text.replace(value, token)
    return re.sub(r"\s{2,}", " ", text).strip() if how == "removed" else text


def pairs(rows: list[dict[str, Any]]) -> dict[str, tuple[list[str], list[dict[str, Any]]]]:
    """variant -> (texts the vectors are made from, payloads as stored)."""
    out: dict[str, tuple[list[str], list[dict[str, Any]]]] = {}
    texts = [r["text"] for r in rows]
    out["exact"] = (texts, [{"text": t} for t in texts])
    out["whitespace"] = (
        ["  " + t.replace(" ", "  ").replace(". ", ".\n\n") + "\n" for t in texts],
        [{"text": " ".join(t.split())} for t in texts],
    )
    out["lowercase"] = (texts, [{"text": t.lower()} for t in texts])
    titles = [f"{r['style'].capitalize()} record" for r in rows]
    out["title+body"] = (
        [f"{title}\n{t}" for title, t in zip(titles, texts, strict=True)],
        [
            {"title": title, "body": t, "source": "crm-export", "lang": "en"}
            for title, t in zip(titles, texts, strict=True)
        ],
    )
    out["metadata"] = (
        texts,
        [{"text": t, "doc_id": f"d{i:05d}", "lang": "en", "tags": ["ticket"]} for i, t in enumerate(texts)],
    )
    docs = [" ".join(texts[i : i + 3]) for i in range(0, len(texts) - 2, 3)]
    out["chunk"] = ([texts[i] for i in range(0, len(texts) - 2, 3)], [{"text": d} for d in docs])
    with_pii = [r for r in rows if r["entities"]]
    for how in REDACTED:
        out[how] = (
            [r["text"] for r in with_pii],
            [{"text": redact(r["text"], r["entities"], how)} for r in with_pii],
        )
    return out


def cosines(
    embed: Callable[[list[str]], np.ndarray], encoder: Any, texts: list[str], payloads: list[Any]
) -> np.ndarray:
    vectors = np.asarray(embed(texts), dtype=np.float32)
    return payload_cosines(encoder, vectors, payloads).cosines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--encoders", default="all-MiniLM-L6-v2,paraphrase-MiniLM-L3-v2,multilingual-e5-small")
    ap.add_argument("--n", type=int, default=424)
    args = ap.parse_args()
    rows = load(args.n)
    variants = pairs(rows)
    print(f"{len(rows)} held-out texts, {sum(bool(r['entities']) for r in rows)} with entities")
    for eid in args.encoders.split(","):
        t0 = time.time()
        encoder = get_encoder(eid)
        dist = {name: cosines(encoder.embed, encoder, t, p) for name, (t, p) in variants.items()}
        print(f"\n== {eid} ({time.time() - t0:.0f}s)")
        print(f"{'variant':<12} {'n':>4} " + " ".join(f"q{q:<5g}" for q in QUANTILES))
        for name, c in dist.items():
            qs = np.quantile(c, QUANTILES)
            print(f"{name:<12} {len(c):>4} " + " ".join(f"{q:.4f}" for q in qs))
        matching = np.concatenate([dist[m] for m in MATCHING])
        redacted = np.concatenate([dist[r] for r in REDACTED])
        shipped = mismatch_threshold(eid)
        print("threshold   FPR(matching)  TPR(redacted)  flagged(chunk)")
        for t in sorted({*GRID, shipped}):
            mark = "  <- shipped" if t == shipped else ""
            print(
                f"{t:<10.3f}  {np.mean(matching < t):>12.4f}  {np.mean(redacted < t):>12.4f}  "
                f"{np.mean(dist['chunk'] < t):>13.4f}{mark}"
            )
        per = ", ".join(f"{r} {np.mean(dist[r] < shipped):.3f}" for r in REDACTED)
        print(f"TPR per redaction style at {shipped:g}: {per}")


if __name__ == "__main__":
    main()
