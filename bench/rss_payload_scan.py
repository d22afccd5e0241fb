"""Peak RSS of a payload-only scan at two store sizes: memory must not grow with the point count.

    .venv/bin/python bench/rss_payload_scan.py --small 1000 --large 19000 [--work DIR]

Builds two qdrant-client local-mode stores of synthetic records (text in payload field "text",
structured PII fields beside it, random 384-dimensional vectors), then runs
`vecaudit scan DIR --no-invert --fail-on low --format json --output F` on each in a fresh process
under /usr/bin/time -v and prints points, findings, seconds and peak RSS, and the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def build(folder: Path, points: int) -> None:
    from storebuild import build_local
    from vecaudit.synthetic.demo_records import generate

    records = generate(points, seed=42, collections=("support_tickets",))
    vectors = np.random.default_rng(42).normal(size=(points, 384)).astype(np.float32)
    build_local(
        folder, "tickets", vectors, [r.payload for r in records], ids=[r.point_id for r in records], fast=True
    )


def scan(folder: Path, work: Path) -> dict[str, float]:
    out = work / f"{folder.name}.json"
    env = dict(
        os.environ, HF_HUB_OFFLINE="1", TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS="", XDG_DATA_HOME=str(work / "xdg")
    )
    cmd = [
        "/usr/bin/time", "-v", str(ROOT / ".venv" / "bin" / "vecaudit"), "scan", str(folder),
        "--no-invert", "--fail-on", "low", "--format", "json", "--output", str(out), "--quiet",
    ]  # fmt: skip
    start = time.monotonic()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    elapsed = time.monotonic() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"scan failed ({proc.returncode}): {proc.stderr[-2000:]}")
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1))  # type: ignore[union-attr]
    report = json.loads(out.read_text())
    return {
        "points": report["collections"][0]["points_scanned"],
        "findings": report["summary"]["findings_total"],
        "seconds": round(elapsed, 1),
        "peak_rss_mb": round(rss_kb / 1024, 1),
        "report_mb": round(out.stat().st_size / 2**20, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--small", type=int, default=1000)
    ap.add_argument("--large", type=int, default=19000)
    ap.add_argument("--work", type=Path, default=None)
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="vecaudit-rss-"))
    results = {}
    for name, n in (("small", args.small), ("large", args.large)):
        folder = work / f"store-{n}"
        if not folder.exists():
            build(folder, n)
        results[name] = scan(folder, work)
        print(name, json.dumps(results[name]), flush=True)
    ratio = results["large"]["peak_rss_mb"] / results["small"]["peak_rss_mb"]
    print(f"peak RSS ratio large/small: {ratio:.2f}")


if __name__ == "__main__":
    main()
