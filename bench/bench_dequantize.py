"""De-quantization of integer-coded vectors: cosine to the original floats, identification, inversion.

Part 1 (vectors only, seconds): held-out texts (refcorpus styles legal, finance, multilingual,
none in the profile corpus) are embedded with each registry encoder, unit-normalized, quantized the
ways users do (global min-max to uint8, each vector min-max scaled, each dimension min-max scaled,
a fixed [-1, 1] range, symmetric int8, min-max to int8), optionally normalized again as a Cosine
store does on insert, then de-quantized by `vecaudit.encoders.dequantize`. Printed per case: mean
(min) cosine of the de-quantized vectors to the original floats, against the codes taken as they
are and against the old "subtract 127.5"; and the encoder identification from the vectors alone
(fingerprint) before and after de-quantization.

Part 2 (`--scan`, about a minute per store on 2 cores): builds local-mode stores of the same
all-MiniLM-L6-v2 vectors as float32, as a uint8 collection (global min-max) and as user-quantized
float integers, scans each with `vecaudit scan --reveal -f json` and prints the mean inversion
cosine and what the report says about de-quantization.

    .venv/bin/python bench/bench_dequantize.py [--rows 20,500] [--scan --scan-rows 20]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

from vecaudit.encoders.dequantize import (  # noqa: E402
    Dequantizer,
    find_codes,
    fit,
    match_per_dimension,
    with_encoder,
)
from vecaudit.encoders.identify import identify  # noqa: E402
from vecaudit.encoders.profiles import load_profiles, unit_rows  # noqa: E402
from vecaudit.encoders.registry import get_encoder  # noqa: E402
from vecaudit.synthetic import refcorpus  # noqa: E402

ENCODERS = ["all-MiniLM-L6-v2", "paraphrase-MiniLM-L3-v2", "multilingual-e5-small", "wordllama-256"]
STYLES = ["legal", "finance", "multilingual"]

Quantizer = Callable[[np.ndarray], np.ndarray]


def quantizers() -> Iterator[tuple[str, Quantizer]]:
    """(name, codes of unit rows) for the schemes users apply."""

    def global_minmax(v: np.ndarray) -> np.ndarray:
        return np.round((v - v.min()) / (v.max() - v.min()) * 255)

    def vector_minmax(v: np.ndarray) -> np.ndarray:
        lo, hi = v.min(axis=1, keepdims=True), v.max(axis=1, keepdims=True)
        return np.round((v - lo) / (hi - lo) * 255)

    def dim_minmax(v: np.ndarray) -> np.ndarray:
        lo, hi = v.min(axis=0, keepdims=True), v.max(axis=0, keepdims=True)
        return np.round((v - lo) / np.where(hi > lo, hi - lo, 1.0) * 255)

    def fixed_range(v: np.ndarray) -> np.ndarray:
        return np.round((np.clip(v, -1, 1) + 1) * 127.5)

    def int8_symmetric(v: np.ndarray) -> np.ndarray:
        return np.round(v / np.abs(v).max() * 127)

    def int8_minmax(v: np.ndarray) -> np.ndarray:
        return global_minmax(v) - 128

    yield "uint8 global min-max", global_minmax
    yield "uint8 per-vector min-max", vector_minmax
    yield "uint8 per-dimension min-max", dim_minmax
    yield "uint8 fixed [-1, 1]", fixed_range
    yield "int8 symmetric", int8_symmetric
    yield "int8 global min-max", int8_minmax


def held_out_embeddings(eid: str, n: int) -> np.ndarray:
    texts = refcorpus.generate(n, STYLES, seed=2026)
    return unit_rows(np.asarray(get_encoder(eid).embed(texts), dtype=np.float64))


def _cos(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray((unit_rows(np.asarray(a, np.float64)) * unit_rows(b)).sum(axis=1))


def dequantize_sample(read: np.ndarray, datatype: str | None) -> tuple[Dequantizer | None, str]:
    """What a scan does with a sample: recognise codes, fit, identify, refine with the encoder."""
    profiles = load_profiles()
    codes = find_codes(read, datatype)
    if codes is None:
        return None, "-"
    deq = fit(read, codes)
    if deq.scheme == "per_dimension":
        dim = read.shape[1]
        name, _ = match_per_dimension(read, codes, {k: p for k, p in profiles.items() if p.dim == dim})
    else:
        guess = identify(deq.apply(read), distance="Cosine")
        name = guess.name if guess.name in profiles else None
    if name is not None:
        deq = with_encoder(read, deq, profiles[name])
    return deq, name or "unknown"


def vectors_only(rows: list[int], cosine_store: bool) -> None:
    print("encoder | quantization | rows | store | codes as read | minus 127.5 | de-quantized: mean (min) "
          "| scheme/method | identified before -> after")  # fmt: skip
    for eid in ENCODERS:
        full = held_out_embeddings(eid, max(rows))
        for n in rows:
            v = full[:n]
            for name, quantize in quantizers():
                q = quantize(v)
                stores = ("raw", "cosine") if cosine_store or name == "uint8 global min-max" else ("raw",)
                for store in stores:
                    read = unit_rows(q) if store == "cosine" else q
                    datatype = "uint8" if name.startswith("uint8") else None
                    before = identify(read, distance="Cosine").name
                    deq, after = dequantize_sample(read, datatype)
                    if deq is None:
                        print(f"{eid} | {name} | {n} | {store} | not recognised as codes")
                        continue
                    got = _cos(deq.apply(read), v)
                    as_read, minus = _cos(q, v).mean(), _cos(q - 127.5, v).mean()
                    print(
                        f"{eid} | {name} | {n} | {store} | {as_read:.4f} | {minus:.4f} | {got.mean():.4f} "
                        f"({got.min():.4f}) | {deq.scheme}/{deq.method} | {before} -> {after}"
                    )


def scan_stores(n: int) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from storebuild import build_local

    texts = refcorpus.generate(n, STYLES, seed=2027)
    floats = np.asarray(get_encoder("all-MiniLM-L6-v2").embed(texts), dtype=np.float32)
    codes = np.round((floats - floats.min()) / (floats.max() - floats.min()) * 255).astype(np.float32)
    payloads = [{"text": t} for t in texts]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        build_local(root / "float", "docs", floats, payloads)
        build_local(root / "user-ints", "docs", codes, payloads)
        _build_uint8(root / "uint8", codes, payloads)
        for label in ("float", "uint8", "user-ints"):
            out = root / f"{label}.json"
            cmd = [sys.executable, "-m", "vecaudit.cli", "scan", str(root / label), "--reveal",
                   "--allow-partial", "-f", "json", "-o", str(out),
                   "--state-dir", str(root / "state")]  # fmt: skip
            env = {**os.environ, "XDG_DATA_HOME": str(root / "xdg"), "VECAUDIT_FINGERPRINT_KEY": "00" * 32}
            done = subprocess.run(cmd, env=env, capture_output=True, text=True)
            if not out.exists():
                print(label, "scan failed", done.returncode, done.stderr[-500:])
                continue
            report = json.loads(out.read_text())
            cosines = [r["cosine"] for r in report.get("inversions") or []]
            (col,) = report["collections"]
            deq = col.get("dequantization", {}).get("")
            mean = np.mean(cosines) if cosines else float("nan")
            encoder = col["encoder"]
            print(
                f"{label}: exit {done.returncode}, encoder {encoder['name']} ({encoder['method']}), "
                f"inverted {len(cosines)}, mean inversion cosine {mean:.3f}; "
                f"de-quantization: {json.dumps(deq) if deq else 'none'}"
            )


def _build_uint8(folder: Path, codes: np.ndarray, payloads: list[dict[str, str]]) -> None:
    from qdrant_client import QdrantClient, models

    folder.mkdir(parents=True)
    client = QdrantClient(path=str(folder))
    try:
        params = models.VectorParams(
            size=codes.shape[1], distance=models.Distance.COSINE, datatype=models.Datatype.UINT8
        )
        client.create_collection("docs", vectors_config=params)
        client.upsert(
            "docs",
            [
                models.PointStruct(id=i, vector=c.tolist(), payload=p)
                for i, (c, p) in enumerate(zip(codes, payloads, strict=True))
            ],
        )
    finally:
        client.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", default="20,500", help="sample sizes, comma-separated")
    ap.add_argument("--scan", action="store_true", help="also scan float, uint8 and user-quantized stores")
    ap.add_argument("--scan-rows", type=int, default=20)
    ap.add_argument("--no-vectors", action="store_true", help="skip part 1")
    ap.add_argument(
        "--cosine-store", action="store_true", help="part 1: every case also as a Cosine store reads it"
    )
    args = ap.parse_args()
    if not args.no_vectors:
        vectors_only([int(r) for r in args.rows.split(",")], args.cosine_store)
    if args.scan:
        scan_stores(args.scan_rows)


if __name__ == "__main__":
    main()
