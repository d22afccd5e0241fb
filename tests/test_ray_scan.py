"""A scan on a real local Ray cluster (loopback, 2 CPUs) finds exactly what a single-process scan finds.

One cluster serves the module (started with a time limit, always shut down). Its workers inherit
this process's environment, and the crash hook's file (VECAUDIT_RAY_CRASH_FILE) tells a chosen
partition's task to kill its worker once (os._exit), as `kill -9` would.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from clitools import FINGERPRINT_KEY, pii_store, spawn_cli, write_policy
from storebuild import QdrantRestShim
from vecaudit.config import ScanConfig
from vecaudit.distributed.ray_scan import CRASH_ENV, LOOPBACK_ENV
from vecaudit.errors import ScanIncomplete
from vecaudit.models import ScanReport
from vecaudit.runner import new_scan, resume_scan

pytestmark = pytest.mark.timeout(900)

POINTS = 48  # 24 per demo collection
BATCH = 4
PARTITION = 8  # two batches: three partitions per collection
API_KEY = "sk-ray-test-5c1d0e2f9a8b7c6d"


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A demo store (MiniLM vectors, synthetic PII), a fast policy and the scan's environment."""
    from vecaudit.demo import build_demo_store

    folder = tmp_path_factory.mktemp("ray")
    saved = dict(os.environ)
    os.environ.update(
        HF_HUB_OFFLINE="1",
        TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS="",
        XDG_DATA_HOME=str(folder / "xdg"),
        VECAUDIT_FINGERPRINT_KEY=FINGERPRINT_KEY,
        VECAUDIT_ATTACK="loop",
        **{CRASH_ENV: str(folder / "crash"), LOOPBACK_ENV: "0"},
    )
    os.environ.pop("QDRANT_API_KEY", None)
    try:
        build_demo_store(folder / "store", points=POINTS)
        write_policy(folder)
        yield folder
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(scope="module")
def cluster(base: Path) -> Iterator[str]:
    """A private Ray cluster on 127.0.0.1 with 2 CPUs, shut down whatever happens (the module's
    timeout bounds its start too). Started from the main thread: Ray's daemons die with the thread
    that started them (PR_SET_PDEATHSIG), so a helper thread would take them down when it ends.
    Imported here, after `base` set LOOPBACK_ENV: Ray reads it when imported."""
    ray = pytest.importorskip("ray")
    try:
        ray.init(
            address="local",
            num_cpus=2,
            include_dashboard=False,
            log_to_driver=False,
            _temp_dir=str(base / "ray-tmp"),
        )
        assert ray.util.get_node_ip_address() == "127.0.0.1", "the test cluster listens on loopback only"
        yield str(base / "ray-tmp")
    finally:
        ray.shutdown()


def _config(base: Path, target: str | Path | None = None, **extra: Any) -> ScanConfig:
    return ScanConfig.build(
        target=str(target or base / "store"),
        policy=str(base / "policy.yaml"),
        batch_size=BATCH,
        attack="loop",
        fail_on="low",
        **extra,
    )


def _facts(report: ScanReport) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], dict[str, Any]]:
    """What must be equal between two scans: every finding with its fingerprint, per-collection
    counts and coverage, and the summary (order of findings aside)."""
    findings = sorted(
        (f.collection, json.dumps(f.point_id), f.vector, f.source, f.entity_type, f.field, f.start, f.end)
        + (f.rule_id, f.fingerprint, f.severity.value, f.evidence)
        for f in report.findings
    )
    collections = [
        (
            c.name,
            c.points_total,
            c.points_scanned,
            c.inverted,
            c.encoder.name,
            c.coverage and c.coverage.model_dump(),
        )
        for c in report.collections
    ]
    return findings, collections, report.summary.model_dump()


@pytest.fixture(scope="module")
def reference(base: Path) -> tuple[Any, ...]:
    """The single-process scan of the same store with the same options."""
    outcome = new_scan(_config(base), state_dir=base / "state-single").execute()
    assert outcome.report.findings, "the demo store has PII: the reference scan must find some"
    assert any(f.source == "inversion" for f in outcome.report.findings)
    return _facts(outcome.report)


def _ray_config(base: Path, target: str | Path | None = None, **extra: Any) -> ScanConfig:
    return _config(base, target, ray="auto", partition_size=PARTITION, **extra)


def test_ray_scan_equals_the_single_process_scan(
    base: Path, cluster: str, reference: tuple[Any, ...]
) -> None:
    run = new_scan(_ray_config(base), state_dir=base / "state-ray")
    outcome = run.execute()
    assert _facts(outcome.report) == reference
    # one progress row per partition: 24 points in partitions of 8, per collection
    with sqlite3.connect(outcome.db_path) as conn:
        rows = conn.execute(
            "SELECT collection, COUNT(*), SUM(points) FROM batches GROUP BY collection"
        ).fetchall()
        stored = conn.execute("SELECT COUNT(*) FROM partitions").fetchone()[0]
    assert sorted(rows) == [("hr_notes", 3, 24), ("support_tickets", 3, 24)]
    assert stored == 6


def test_a_killed_worker_is_retried_by_ray_and_nothing_is_counted_twice(
    base: Path, cluster: str, reference: tuple[Any, ...]
) -> None:
    crash = base / "crash"
    crash.write_text("hr_notes:1", encoding="utf-8")
    outcome = new_scan(_ray_config(base), state_dir=base / "state-retry").execute()
    assert not crash.exists() and Path(f"{crash}.fired").exists(), "the hook killed one worker"
    Path(f"{crash}.fired").unlink()
    assert _facts(outcome.report) == reference


def test_resume_after_a_worker_died_runs_only_the_unfinished_partitions(
    base: Path, cluster: str, reference: tuple[Any, ...]
) -> None:
    crash = base / "crash"
    crash.write_text("support_tickets:2", encoding="utf-8")
    state = base / "state-resume"
    run = new_scan(_ray_config(base, ray_retries=0), state_dir=state)
    with pytest.raises(ScanIncomplete, match="resume it with"):
        run.execute()
    assert Path(f"{crash}.fired").exists()
    Path(f"{crash}.fired").unlink()
    with sqlite3.connect(run.db_path) as conn:
        before = dict(
            conn.execute("SELECT batch_no, finished_at FROM batches WHERE collection = 'support_tickets'")
        )
    assert 2 not in before, "the killed partition committed nothing"

    outcome = resume_scan(run.run_id, state_dir=state).execute()
    assert _facts(outcome.report) == reference
    with sqlite3.connect(run.db_path) as conn:
        after = dict(
            conn.execute("SELECT batch_no, finished_at FROM batches WHERE collection = 'support_tickets'")
        )
    assert sorted(after) == [0, 1, 2]
    for no, finished in before.items():  # committed partitions were not run again
        assert after[no] == finished


def test_ray_scan_of_a_server_with_an_api_key_leaks_no_secret_or_value_into_ray(
    base: Path, cluster: str, tmp_path: Path
) -> None:
    served = tmp_path / "served"
    shutil.copytree(base / "store", served)  # the shim's qdrant-client locks its folder
    key_file = tmp_path / "api-key"
    key_file.write_text(API_KEY, encoding="utf-8")
    key_file.chmod(0o600)
    single = new_scan(_config(base, invert=False), state_dir=tmp_path / "single").execute()
    with QdrantRestShim(served, api_key=API_KEY) as shim:
        config = _ray_config(base, shim.url, invert=False, api_key_file=key_file)
        outcome = new_scan(config, state_dir=tmp_path / "ray").execute()
    ray_findings, ray_collections, ray_summary = _facts(outcome.report)
    findings, collections, summary = _facts(single.report)
    assert ray_findings == findings and ray_summary == summary
    assert [c[2:] for c in ray_collections] == [c[2:] for c in collections]

    # Nothing secret or personal in Ray's session folder (logs, object spilling, GCS files).
    from vecaudit.synthetic.demo_records import generate

    secrets = [API_KEY, FINGERPRINT_KEY]
    values = {v for r in generate(POINTS, seed=7) for v in r.values if len(v) >= 6}
    assert values, "the demo records carry PII values to look for"
    leaks: list[str] = []
    for path in Path(cluster).rglob("*"):
        if not path.is_file() or path.is_symlink():
            continue
        try:
            data = path.read_bytes()
        except OSError:
            continue
        for needle in [*secrets, *values]:
            if needle.encode() in data:
                leaks.append(f"{path.name}: {'secret' if needle in secrets else 'PII value'}")
    assert not leaks, leaks


# -- adaptive sampling on Ray ---------------------------------------------------------------------


def _sampling_facts(report: ScanReport) -> list[dict[str, Any]]:
    """Each collection's sampling decision, without its seconds (wall time differs run to run)."""
    return [c.sampling.model_dump(exclude={"seconds"}) for c in report.collections if c.sampling]


def _inverted_ids(db: Path) -> set[tuple[str, str]]:
    """(collection, point id as JSON) of every vector the scan inverted."""
    with sqlite3.connect(db) as conn:
        return set(conn.execute("SELECT collection, point_id FROM inversions"))


def test_adaptive_ray_scan_with_a_vector_budget_equals_the_single_process_scan_and_resumes(
    base: Path, cluster: str
) -> None:
    """--budget-vectors 10 over two collections of 24 (5 each, cut inside a batch): a round of two
    batches holds exactly the 5 draws the quota allows, so the Ray scan inverts the same points and
    finds the same findings as one process. A worker killed mid-round, then --resume, too."""
    options: dict[str, Any] = {"budget_vectors": 10}
    single = new_scan(_config(base, **options), state_dir=base / "state-adaptive").execute()
    assert [(c.inverted, c.sampling and c.sampling.stop) for c in single.report.collections] == [
        (5, "budget-vectors"),
        (5, "budget-vectors"),
    ]
    outcome = new_scan(_ray_config(base, **options), state_dir=base / "state-adaptive-ray").execute()
    assert _facts(outcome.report) == _facts(single.report)
    assert _sampling_facts(outcome.report) == _sampling_facts(single.report)
    assert _inverted_ids(outcome.db_path) == _inverted_ids(single.db_path)
    with sqlite3.connect(outcome.db_path) as conn:
        # one round (batches 0 and 1, the second cut at 1 point), then the stop; the other 16
        # points as payload-only partitions of 8
        decisions = conn.execute(
            "SELECT step, inverted, stop FROM sampling_decisions WHERE collection = 'hr_notes' ORDER BY step"
        ).fetchall()
        parts = conn.execute(
            "SELECT idx, start_id, points FROM partitions WHERE collection = 'hr_notes' ORDER BY idx"
        ).fetchall()
    assert decisions == [(0, 0, None), (2, 5, "budget-vectors")]
    assert [(i, json.loads(s), n) for i, s, n in parts] == [(0, 0, 4), (1, 4, 4), (2, 8, 8), (3, 16, 8)]

    crash = base / "crash"
    crash.write_text("hr_notes:1", encoding="utf-8")  # the first round's second batch
    state = base / "state-adaptive-resume"
    run = new_scan(_ray_config(base, ray_retries=0, **options), state_dir=state)
    with pytest.raises(ScanIncomplete, match="resume it with"):
        run.execute()
    assert Path(f"{crash}.fired").exists()
    Path(f"{crash}.fired").unlink()
    resumed = resume_scan(run.run_id, state_dir=state).execute()
    assert _facts(resumed.report) == _facts(single.report)
    assert _sampling_facts(resumed.report) == _sampling_facts(single.report)


def test_adaptive_ray_scan_sizes_its_rounds_by_the_projected_need(base: Path, cluster: str) -> None:
    """±0.2 on 24 points: before any draw, every collection needs 10 draws (3 batches), so the first
    round fills both workers (8 points); then the shares seen project one more batch, and the
    interval after it (12) is narrow enough, where one process stops too: same points inverted,
    same findings, same decision. Payloads are read in full by both."""
    options: dict[str, Any] = {"precision": 0.2}
    single = new_scan(_config(base, **options), state_dir=base / "state-precision").execute()
    outcome = new_scan(_ray_config(base, **options), state_dir=base / "state-precision-ray").execute()
    assert [(c.inverted, c.sampling and c.sampling.stop) for c in single.report.collections] == [
        (3 * BATCH, "precision"),
        (3 * BATCH, "precision"),
    ]
    assert _facts(outcome.report) == _facts(single.report)
    assert _sampling_facts(outcome.report) == _sampling_facts(single.report)
    assert any(f.source == "inversion" for f in outcome.report.findings)
    with sqlite3.connect(outcome.db_path) as conn:
        rows = conn.execute(
            "SELECT collection, step, inverted, stop, reason FROM sampling_decisions "
            "ORDER BY collection, step"
        ).fetchall()
    for name in ("hr_notes", "support_tickets"):
        steps = [(step, n, stop) for c, step, n, stop, _ in rows if c == name]
        assert steps == [(0, 0, None), (2, 8, None), (3, 12, "precision")]
        reasons = [r for c, step, *_, r in rows if c == name]
        # 10 draws are 3 batches, one per worker makes 2
        assert reasons[0].endswith("about 10 draws needed at the shares seen: next round 2 batches")
        assert reasons[1].endswith("next round 1 batch")


def _partitions_done(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM batches").fetchone()[0])
    except sqlite3.Error:
        return 0  # not created yet


def test_cli_driver_killed_mid_scan_resumes_the_unfinished_partitions(base: Path, tmp_path: Path) -> None:
    """`vecaudit scan --ray local` killed with SIGKILL (its private cluster dies with it), then
    `--resume RUN_ID` on a new cluster: the report equals a single-process scan's."""
    pii_store(tmp_path / "store", 2000)
    common = ["scan", tmp_path / "store", "--policy", base / "policy.yaml", "--no-invert", "--fail-on", "low"]
    common += ["--batch-size", "16"]
    ref = spawn_cli(
        tmp_path, *common, "--state-dir", tmp_path / "s1", "-f", "json", "-o", tmp_path / "single.json"
    )
    _, err = ref.communicate(timeout=600)
    assert ref.returncode == 1, err

    state, out = tmp_path / "s2", tmp_path / "ray.json"
    args = [*common, "--ray", "local", "--ray-workers", "2", "--partition-size", "32"]
    proc = spawn_cli(tmp_path, *args, "--state-dir", state, "-f", "json", "-o", out)
    deadline = time.monotonic() + 300
    db = None
    while time.monotonic() < deadline and proc.poll() is None:
        db = next(state.glob("*.sqlite"), None)
        if db is not None and _partitions_done(db) >= 8:
            break
        time.sleep(0.05)
    assert proc.poll() is None and db is not None, f"the scan ended before the kill: {proc.communicate()}"
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    done = _partitions_done(db)
    assert 8 <= done < 63, "the kill landed mid-scan (2000 points in partitions of 32)"
    assert not out.exists()

    resumed = spawn_cli(tmp_path, "scan", "--resume", db.stem, "--state-dir", state)
    _, stderr = resumed.communicate(timeout=600)
    assert resumed.returncode == 1, stderr
    single, ray_report = json.loads((tmp_path / "single.json").read_text()), json.loads(out.read_text())

    def key(report: dict[str, Any]) -> list[str]:
        return sorted(
            json.dumps([f[k] for k in sorted(f) if k != "baseline_state"]) for f in report["findings"]
        )

    assert key(ray_report) == key(single) and ray_report["summary"] == single["summary"]
    assert ray_report["collections"][0]["points_scanned"] == 2000
