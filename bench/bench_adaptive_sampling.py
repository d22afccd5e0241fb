"""Adaptive sampling against the truth: does the scan stop early, and does its interval hold the true rate?

Builds (once, cached in --cache) a qdrant-client local-mode store of --points PII-bearing records
(`vecaudit.synthetic.demo_records`, every record carrying PII), embedded with the real
all-MiniLM-L6-v2 encoder. Then scans it twice through the runner API with the same inverter (the
shipped learned inverter, `--attack loop --steps 0 --beam 1`: the fastest real one on CPU):

1. adaptive: `--precision 0.05 --confidence 0.95` (points inverted in a random order until every
   entity type's confidence-sequence interval is within ±0.05);
2. full: every point inverted, which gives the true leakage rate of each entity type (the share of
   points whose inverted vector yields a finding of that type).

Prints and writes (--results) the points inverted and seconds of each scan, and for each entity
type the adaptive estimate, its interval and the true rate, with whether the interval holds it;
then on how many of the points both scans inverted they found the same entity types (a point's
findings must not depend on the batch it was read in). Only counts and shares leave the scans: no
value is printed.

The run databases live in the cache (`--cache`/POINTS/runs): a stopped invocation resumes its
scans where they stopped, and a finished scan is reopened, not rerun. `--full-workers 2` runs the
full inversion on a local Ray cluster of two single-threaded workers (on 2 cores, about 1.25 times
the throughput of one process with two torch threads); a Ray scan's findings equal one process's.

    .venv/bin/python bench/bench_adaptive_sampling.py [--points 20000] [--full-workers 2] [--cache DIR]

Cost on 2 shared CPU cores: about 0.55 s per inverted vector with payload and recovered-text
detection (the full scan dominates: 2,251 s for 4,000 points, so about 3 hours for 20,000), plus
about 30 s per 1,000 points to embed the store once.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
os.environ.setdefault("VECAUDIT_FINGERPRINT_KEY", "5a" * 32)

from vecaudit.config import ScanConfig  # noqa: E402
from vecaudit.models import ScanReport  # noqa: E402
from vecaudit.runner import new_scan  # noqa: E402

COLLECTION = "records"
POLICY = """\
name: bench-adaptive
rules:
  - {entity: PERSON, severity: high}
  - {entity: EMAIL_ADDRESS, severity: high}
  - {entity: PHONE_NUMBER, severity: medium, threshold: 0.4}
  - {entity: US_SSN, severity: critical}
  - {entity: CREDIT_CARD, severity: critical}
"""


def build_store(folder: Path, points: int, seed: int) -> Path:
    """The cached store (rebuilt when missing): one collection of `points` records, all with PII."""
    marker = folder / "bench-adaptive.json"
    if marker.exists() and json.loads(marker.read_text())["points"] == points:
        return folder / "store"
    from qdrant_client import QdrantClient, models
    from vecaudit.encoders.minilm import MiniLMEncoder
    from vecaudit.synthetic.demo_records import generate

    records = generate(points, seed=seed, pii_ratio=1.0, collections=(COLLECTION,))
    encoder = MiniLMEncoder()
    folder.mkdir(parents=True, exist_ok=True)
    client = QdrantClient(path=str(folder / "store"))
    try:
        if client.collection_exists(COLLECTION):
            client.delete_collection(COLLECTION)
        client.create_collection(
            COLLECTION,
            vectors_config=models.VectorParams(size=encoder.spec.dim, distance=models.Distance.COSINE),
        )
        t0 = time.perf_counter()
        for start in range(0, points, 256):
            chunk = records[start : start + 256]
            vectors = encoder.embed([r.text for r in chunk])
            client.upsert(
                COLLECTION,
                [
                    models.PointStruct(id=r.point_id, vector=v.tolist(), payload=r.payload)
                    for r, v in zip(chunk, vectors, strict=True)
                ],
                wait=True,
            )
        print(f"built {points} points in {time.perf_counter() - t0:.0f} s", flush=True)
    finally:
        client.close()
    marker.write_text(json.dumps({"points": points, "seed": seed}))
    return folder / "store"


def scan(store: Path, work: Path, run_id: str, **options: object) -> tuple[ScanReport, float]:
    """Run (or resume, or reopen when finished) the scan `run_id` kept in `work`/state.

    The run database lives in the cache, so a long full inversion stopped by a session's end goes
    on with the next invocation (`--resume` semantics: finished batches or partitions are kept).
    Returns the report and the seconds spent on it over every invocation (timing.json: each
    invocation's span up to its last progress event).
    """
    from vecaudit.rundb import RunDB, RunNotFound
    from vecaudit.runner import open_finished_report, resume_scan

    state = work / "state"
    timing_file = work / "timing.json"
    timing = json.loads(timing_file.read_text()) if timing_file.exists() else {}
    spans: list[list[float]] = timing.setdefault(run_id, [])
    try:
        db = RunDB.open(state, run_id)
        status = db.status
        db.close()
    except RunNotFound:
        status = None
    if status == "finished":
        return open_finished_report(run_id, state_dir=state), sum(b - a for a, b in spans)
    if status is None:
        config = ScanConfig.build(
            target=str(store),
            policy=str(work / "policy.yaml"),
            encoder="all-MiniLM-L6-v2",
            attack="loop",
            steps=0,
            beam=1,
            batch_size=64,
            allow_partial=True,
            **options,
        )
        run = new_scan(config, state_dir=state, run_id=run_id)
    else:
        print(f"resuming {run_id} ({status})", flush=True)
        run = resume_scan(run_id, state_dir=state)
    span = [time.time(), time.time()]
    spans.append(span)

    def on_event(_event: object) -> None:
        span[1] = time.time()
        timing_file.write_text(json.dumps(timing))

    report = run.execute(on_event).report
    on_event(None)
    return report, sum(b - a for a, b in spans)


def inverted_types(work: Path, run_id: str, report: ScanReport) -> dict[str, frozenset[str]]:
    """Per point the run inverted: the entity types its inversion found (empty: none)."""
    from vecaudit.rundb import RunDB

    db = RunDB.open(work / "state", run_id)
    try:
        found: dict[str, set[str]] = {str(i.point_id): set() for i in db.iter_inversions()}
    finally:
        db.close()
    for f in report.findings:
        if f.source == "inversion" and not f.allowlisted:
            found[str(f.point_id)].add(f.entity_type)
    return {p: frozenset(t) for p, t in found.items()}


def true_rates(report: ScanReport, points: int) -> dict[str, float]:
    """Share of points whose inverted vector yields a finding of each type (full inversion)."""
    hits: dict[str, set[object]] = {}
    for f in report.findings:
        if f.source == "inversion" and not f.allowlisted:
            hits.setdefault(f.entity_type, set()).add(f.point_id)
    return {t: len(ids) / points for t, ids in hits.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--points", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--precision", type=float, default=0.05)
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "vecaudit-bench-adaptive")
    ap.add_argument(
        "--full-workers",
        type=int,
        default=0,
        help="run the full inversion on a local Ray cluster with this many workers (0: one process); "
        "a Ray scan finds exactly what a single-process scan finds (tests/test_ray_scan.py)",
    )
    ap.add_argument(
        "--results", type=Path, default=Path(__file__).parent / "results" / "adaptive_sampling.txt"
    )
    args = ap.parse_args(argv)

    cache = args.cache / str(args.points)
    store = build_store(cache, args.points, args.seed)
    work = cache / "runs"  # kept: a stopped run resumes where it was
    work.mkdir(parents=True, exist_ok=True)
    (work / "policy.yaml").write_text(POLICY, encoding="utf-8")
    os.environ["XDG_DATA_HOME"] = str(work / "xdg")

    # The full inversion (the truth) first: it is the long one, and it resumes.
    ray_options: dict[str, object] = (
        {"ray": "local", "ray_workers": args.full_workers} if args.full_workers else {}
    )
    full_id = f"full-s{args.seed}" + (f"-ray{args.full_workers}" if args.full_workers else "")
    full, t_full = scan(store, work, full_id, **ray_options)
    print(f"full scan: {t_full:.0f} s", flush=True)
    adaptive_id = f"adaptive-s{args.seed}-p{args.precision:g}".replace(".", "_")
    adaptive, t_adaptive = scan(store, work, adaptive_id, precision=args.precision, confidence=0.95)
    print(f"adaptive scan: {t_adaptive:.0f} s", flush=True)

    (col,) = adaptive.collections
    sampling = col.sampling
    assert sampling is not None
    truth = true_rates(full, args.points)
    lines = [
        f"# bench/bench_adaptive_sampling.py --points {args.points} --seed {args.seed} "
        f"--precision {args.precision}",
        f"# {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC; inverter: shipped all-MiniLM-L6-v2 "
        "loop, --steps 0 --beam 1; policy: PERSON, EMAIL_ADDRESS, PHONE_NUMBER, US_SSN, CREDIT_CARD",
        f"store: {args.points} points, every one with PII in its payload",
        f"adaptive: inverted {sampling.inverted} of {sampling.population} points "
        f"({sampling.inverted / sampling.population:.1%}) in {t_adaptive:.0f} s; stop: {sampling.stop}",
        f"  reason: {sampling.reason}",
        f"  method: {sampling.method}; alpha per interval {sampling.alpha_per_interval:.4f}",
        f"full: inverted {sum(c.inverted for c in full.collections)} points in {t_full:.0f} s"
        + (f" on a local Ray cluster of {args.full_workers} workers" if args.full_workers else ""),
        "",
        f"{'entity':<15} {'adaptive rate':>13} {'interval':>19} {'true rate':>10}  holds",
    ]
    by_type = {e.entity_type: e for e in sampling.estimates if e.source == "inversion"}
    misses = 0
    for entity in sorted({*sampling.entity_types, *by_type, *truth}):
        true = truth.get(entity, 0.0)
        e = by_type.get(entity)
        low, high, rate = (e.low, e.high, e.rate) if e else (0.0, sampling.unseen_high or 1.0, 0.0)
        holds = low <= true <= high
        misses += not holds
        lines.append(f"{entity:<15} {rate:>13.2%} {f'[{low:.2%}, {high:.2%}]':>19} {true:>10.2%}  {holds}")
    # The truth is only the truth if a point finds the same whichever scan inverts it: the adaptive
    # scan reads points in a random order, so its batches hold other neighbours than the full one's.
    full_types = inverted_types(work, full_id, full)
    adaptive_types = inverted_types(work, adaptive_id, adaptive)
    same = sum(full_types.get(p) == t for p, t in adaptive_types.items())
    lines.append("")
    lines.append(
        f"points both scans inverted: {len(adaptive_types)}; the same entity types found on {same} "
        f"({same / max(1, len(adaptive_types)):.1%})"
    )
    lines.append(f"every interval holds the true rate: {misses == 0}")
    text = "\n".join(lines) + "\n"
    print(text)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(text, encoding="utf-8")
    return 0 if misses == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
