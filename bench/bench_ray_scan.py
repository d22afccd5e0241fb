"""Throughput of a scan in one process and on Ray with 1 and 2 workers, on the same store, in one run.

    .venv/bin/python bench/bench_ray_scan.py [--points 3000] [--invert-points 24] [--work DIR]

1. Payload scan (`--no-invert`, default policy: Presidio with spaCy NER) of a local-mode store of
   `--points` synthetic records (text and structured PII fields in payloads, random 384-dim
   vectors): single process, then `--ray local --ray-workers 1`, then `--ray-workers 2`, each on a
   fresh private Ray cluster on loopback. Reported per run: points/s end to end (the scan call: for
   Ray, loading models on each worker included; the cluster is started before, untimed), steady
   points/s (from the first to the last committed batch or partition: what a long scan runs at), the
   ratio of each to the single-process figure, and points per CPU second (this process plus its
   Ray workers, user + system, from /proc): what a dedicated core would do, whatever else runs on
   the machine. Each run's findings are checked to be equal.
2. Inversion cost per vector at each attack level on `--invert-points` MiniLM demo vectors, in one
   process: (scan time with inversion - scan time with --no-invert) / vectors inverted. Levels:
   loop and quick by default, `--levels loop,quick,standard` for more.

Every figure depends on the machine's load: the header prints the CPU count and load average.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def build_payload_store(folder: Path, points: int) -> None:
    from storebuild import build_local
    from vecaudit.synthetic.demo_records import generate

    records = generate(points, seed=42, collections=("support_tickets",))
    vectors = np.random.default_rng(42).normal(size=(points, 384)).astype(np.float32)
    build_local(
        folder, "tickets", vectors, [r.payload for r in records], ids=[r.point_id for r in records], fast=True
    )


def _ray_workers_cpu() -> float:
    """CPU seconds (user + system) of this process's Ray worker processes ("ray::..."), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            cmd = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
        parents[int(proc.name)] = int(fields[1])
        if cmd.startswith(b"ray::"):
            cpu[int(proc.name)] = (int(fields[11]) + int(fields[12])) / tick

    def mine(pid: int) -> bool:
        while pid > 1:
            pid = parents.get(pid, 0)
            if pid == os.getpid():
                return True
        return False

    return sum(c for pid, c in cpu.items() if mine(pid))


def run_scan(target: Path, state: Path, **options: Any) -> dict[str, Any]:
    """One scan in this process: wall seconds of the scan call, steady points/s, CPU seconds (this
    process, plus its Ray workers), and its findings. With `ray`, the private cluster is started
    here first (not timed) so the workers' CPU time can be read before it stops."""
    from vecaudit.config import ScanConfig
    from vecaudit.progress import BatchScanned
    from vecaudit.runner import new_scan

    config = ScanConfig.build(target=str(target), batch_size=64, fail_on="low", **options)
    if config.ray is not None:
        import ray

        ray.init(address="local", num_cpus=config.ray_workers, include_dashboard=False, log_to_driver=False)
    try:
        run = new_scan(config, state_dir=state)
        marks: list[tuple[float, int]] = []

        def on_event(event: object) -> None:
            if isinstance(event, BatchScanned):
                marks.append((time.perf_counter(), event.points_done))

        before = os.times()
        start = time.perf_counter()
        outcome = run.execute(on_event=on_event)
        wall = time.perf_counter() - start
        after = os.times()
        cpu = (after.user - before.user) + (after.system - before.system)
        if config.ray is not None:
            cpu += _ray_workers_cpu()
    finally:
        if config.ray is not None:
            ray.shutdown()
    points = sum(c.points_scanned for c in outcome.report.collections)
    steady = None
    if len(marks) >= 3:
        (t0, p0), (t1, p1) = marks[0], marks[-1]
        steady = (p1 - p0) / (t1 - t0) if t1 > t0 else None
    findings = sorted(
        "|".join(map(str, (f.point_id, f.entity_type, f.field, f.start, f.fingerprint)))
        for f in outcome.report.findings
    )
    return {
        "wall": wall,
        "points": points,
        "steady": steady,
        "findings": findings,
        "events": len(marks),
        "cpu": cpu,
    }


def payload_section(work: Path, points: int) -> None:
    store = work / "payload-store"
    build_payload_store(store, points)
    print(f"## 1. Payload scan (--no-invert, default policy), {points} points, batch 64")
    head = f"{'run':<24}{'wall s':>8}{'pts/s e2e':>11}{'pts/s steady':>14}{'x single':>10}{'x steady':>10}"
    head += f"{'pts/cpu-s':>11}"
    print(head + "  notes")
    single = run_scan(store, work / "s-single", invert=False)
    rows = [("single process", single, "")]
    for workers in (1, 2):
        result = run_scan(store, work / f"s-ray{workers}", invert=False, ray="local", ray_workers=workers)
        rows.append((f"ray, {workers} worker(s)", result, f"{result['events']} partitions"))
        same = result["findings"] == single["findings"]
        assert same, f"ray with {workers} worker(s) found something else"
    base_e2e = single["points"] / single["wall"]
    base_steady = single["steady"] or base_e2e
    for name, r, note in rows:
        e2e = r["points"] / r["wall"]
        steady = r["steady"] or e2e
        ratios = f"{e2e / base_e2e:>10.2f}{steady / base_steady:>10.2f}"
        per_cpu = r["points"] / r["cpu"]
        print(f"{name:<24}{r['wall']:>8.1f}{e2e:>11.1f}{steady:>14.1f}{ratios}{per_cpu:>11.1f}  {note}")
    one, two = rows[1][1], rows[2][1]
    print(
        f"scaling 1 -> 2 workers: e2e x{(two['points'] / two['wall']) / (one['points'] / one['wall']):.2f}, "
        f"steady x{(two['steady'] or 0) / (one['steady'] or 1):.2f}"
    )
    print(f"findings equal across the three runs: yes ({len(single['findings'])} findings)")


def inversion_section(work: Path, points: int, levels: list[str]) -> None:
    from vecaudit.demo import build_demo_store

    store = work / "demo-store"
    build_demo_store(store, points=points)
    print(f"\n## 2. Inversion cost per vector, single process, {points} all-MiniLM-L6-v2 demo vectors")
    base = run_scan(store, work / "i-none", invert=False)
    print(f"{'attack':<12}{'wall s':>8}{'vectors':>9}{'s/vector':>10}")
    print(f"{'(none)':<12}{base['wall']:>8.1f}{0:>9}{'-':>10}")
    for level in levels:
        r = run_scan(store, work / f"i-{level}", attack=level)
        per = (r["wall"] - base["wall"]) / max(1, points)
        print(f"{level:<12}{r['wall']:>8.1f}{points:>9}{per:>10.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--points", type=int, default=3000)
    ap.add_argument("--invert-points", type=int, default=24)
    ap.add_argument("--levels", default="loop,quick")
    ap.add_argument("--work", type=Path, default=None)
    ap.add_argument("--skip-inversion", action="store_true")
    args = ap.parse_args()

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-ray-"))
    os.environ.setdefault("XDG_DATA_HOME", str(work / "xdg"))
    from vecaudit.distributed.ray_scan import LOOPBACK_ENV

    os.environ.setdefault(LOOPBACK_ENV, "0")  # the private clusters listen on loopback only
    import ray

    load = os.getloadavg()[0]
    cores = os.cpu_count()
    print(f"# bench_ray_scan: ray {ray.__version__}, {cores} CPU cores, load average {load:.1f} at start")
    try:
        payload_section(work, args.points)
        if not args.skip_inversion:
            inversion_section(work, args.invert_points, [x for x in args.levels.split(",") if x])
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    print(f"# load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
