"""How often the inversion attack invents a violation on vectors of PII-free text.

Embeds PII-free texts (tests/data/detection/pii_free.txt and the `clean` part of
bench/data/inversion_heldout.jsonl) with all-MiniLM-L6-v2, stores them with no payload in a
qdrant-client local-mode folder, and runs the real scan:

    vecaudit scan DIR --sample 0 --fail-on low -f json --attack LEVEL

Every inversion finding there is invented. Prints the share of vectors with a violation at
`--fail-on low` (acceptance: at most 2% at standard) and the entity types invented.

    python bench/bench_inversion_false_findings.py --attack standard --limit 100
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def pii_free_texts() -> list[str]:
    lines = (ROOT / "tests/data/detection/pii_free.txt").read_text(encoding="utf-8").splitlines()
    texts = [t.strip() for t in lines if t.strip() and not t.startswith("#")]
    with (ROOT / "bench/data/inversion_heldout.jsonl").open(encoding="utf-8") as fh:
        texts += [row["text"] for row in map(json.loads, fh) if row["part"] == "clean"]
    return texts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--attack", default="standard")
    ap.add_argument("--limit", type=int, default=0, help="texts used (0: all), evenly spread")
    ap.add_argument(
        "--show",
        action="store_true",
        help="run with --reveal and print each invented value beside its recovered text (the texts "
        "are PII-free, so every value shown is one the attack made up)",
    )
    args = ap.parse_args()
    from qdrant_client import QdrantClient, models
    from vecaudit.encoders.registry import get_encoder

    texts = pii_free_texts()
    if args.limit:
        step = max(1, len(texts) // args.limit)
        texts = texts[::step][: args.limit]
    vectors = get_encoder("all-MiniLM-L6-v2").embed(texts)
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "store"
        client = QdrantClient(path=str(store))
        client.create_collection(
            "clean", vectors_config=models.VectorParams(size=384, distance=models.Distance.COSINE)
        )
        client.upsert(
            "clean", [models.PointStruct(id=i, vector=v.tolist(), payload={}) for i, v in enumerate(vectors)]
        )
        client.close()
        out = Path(tmp) / "report.json"
        cli = str(Path(sys.executable).with_name("vecaudit"))
        cmd = [cli, "scan", str(store), "--sample", "0", "--fail-on", "low"]
        cmd += ["--attack", args.attack, "--encoder", "all-MiniLM-L6-v2", "-f", "json", "-o", str(out), "-q"]
        cmd += ["--reveal"] if args.show else []
        env = {**os.environ, "XDG_DATA_HOME": tmp}
        started = time.monotonic()
        rc = subprocess.run(cmd, env=env, check=False).returncode
        seconds = time.monotonic() - started
        report = json.loads(out.read_text())
    invented = [f for f in report["findings"] if f["source"] == "inversion"]
    points = {f["point_id"] for f in invented if not f.get("allowlisted")}
    print(
        f"attack {args.attack}: {len(texts)} PII-free vectors, exit {rc}, {seconds / len(texts):.2f} s/vector"
    )
    share = len(points) / len(texts)
    print(f"vectors with an inversion violation at --fail-on low: {len(points)} ({share:.1%})")
    print("invented entity types:", dict(Counter(f["entity_type"] for f in invented)))
    print("attack record:", json.dumps(report.get("attacks", [])))
    if args.show:
        recovered = {r["point_id"]: r.get("text") for r in report.get("inversions", [])}
        for f in invented:
            where = recovered.get(f["point_id"])
            print(f"  {f['entity_type']} {f['severity']}: {f['evidence']!r} in {where!r}")


if __name__ == "__main__":
    main()
