"""The scan graph through the runner API: events, skip edges, sampling, checkpoints, idempotent replay."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from clitools import FAST_POLICY, enter_sandbox, pii_store, pii_values, write_policy
from vecaudit.config import ScanConfig
from vecaudit.graph import build_graph
from vecaudit.models import ScanReport
from vecaudit.progress import (
    BatchScanned,
    CollectionFinished,
    EncoderIdentified,
    ProgressEvent,
    RunStarted,
    ScanFinished,
    ScanPlanned,
    StageSkipped,
)
from vecaudit.runner import new_scan, resume_scan


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return enter_sandbox(tmp_path, monkeypatch)


def _scan(sandbox: Path, target: Path, **options: object) -> tuple[ScanReport, list[ProgressEvent], str]:
    config = ScanConfig.build(target=str(target), policy=str(sandbox / "policy.yaml"), **options)
    run = new_scan(config, state_dir=sandbox / "state")
    events: list[ProgressEvent] = []
    outcome = run.execute(on_event=events.append)
    return outcome.report, events, run.run_id


def test_graph_wires_every_stage_with_conditional_skip_edges() -> None:
    graph = build_graph().get_graph()
    edges = {(e.source, e.target, e.conditional) for e in graph.edges}
    assert ("identify_encoders", "plan_inversion", True) in edges
    assert ("identify_encoders", "skip_inversion", True) in edges
    assert ("process_batch", "process_batch", True) in edges  # the batch loop
    assert ("finish_collection", "identify_encoders", True) in edges  # next collection
    assert ("finish_collection", "finalize", True) in edges


def test_events_counts_and_unknown_encoder_skip(sandbox: Path) -> None:
    write_policy(sandbox)
    pii_store(sandbox / "store", 70, collection="alpha", seed=1)
    pii_store(sandbox / "store", 30, collection="beta", seed=2)
    report, events, run_id = _scan(sandbox, sandbox / "store", batch_size=16, fail_on="low")

    assert isinstance(events[0], RunStarted) and events[0].run_id == run_id and not events[0].resumed
    planned = next(e for e in events if isinstance(e, ScanPlanned))
    assert planned.collections == {"alpha": 70, "beta": 30} and planned.points_planned == 100
    batches = [e for e in events if isinstance(e, BatchScanned)]
    assert [b.points_done for b in batches] == sorted(b.points_done for b in batches)
    assert batches[-1].points_done == 100 and batches[-1].findings == report.summary.findings_total
    assert len(batches) == 5 + 2  # ceil(70/16) + ceil(30/16)
    assert {e.collection for e in events if isinstance(e, CollectionFinished)} == {"alpha", "beta"}
    assert isinstance(events[-1], ScanFinished) and events[-1].complete

    # Random 8-dimensional vectors match no encoder: the inversion stage is skipped, and says why.
    ids = {(e.collection, e.name, e.method) for e in events if isinstance(e, EncoderIdentified)}
    assert ids == {("alpha", "unknown", "none"), ("beta", "unknown", "none")}
    assert report.stages_skipped["invert"] == "encoder unknown for alpha; encoder unknown for beta"
    assert any(isinstance(e, StageSkipped) and e.stage == "invert" for e in events)
    for col in report.collections:
        assert col.encoder.name == "unknown" and col.inverted == 0
    assert [c.points_scanned for c in report.collections] == [70, 30]
    assert report.complete and report.summary.violations > 0


def test_no_invert_and_entities_the_detector_lacks_are_recorded(sandbox: Path) -> None:
    write_policy(sandbox, FAST_POLICY + "  - {entity: LOCATION, severity: info}\n")
    pii_store(sandbox / "store", 10)
    report, _, _ = _scan(sandbox, sandbox / "store", invert=False)
    assert report.stages_skipped["invert"] == "--no-invert given"
    assert report.stages_skipped["detect"].startswith("LOCATION not detected")


def test_user_encoder_skips_identification_and_never_fakes_inversion(sandbox: Path) -> None:
    write_policy(sandbox)
    pii_store(sandbox / "store", 12, dim=384)
    report, events, _ = _scan(sandbox, sandbox / "store", encoder="all-MiniLM-L6-v2")
    (col,) = report.collections
    assert (col.encoder.name, col.encoder.method, col.encoder.confidence) == ("all-MiniLM-L6-v2", "user", 1.0)
    assert report.stages_skipped["identify"] == "--encoder all-MiniLM-L6-v2 given"
    assert "invert" not in report.stages_skipped  # the inverter for this encoder ships in models/
    assert col.inverted == 12


def test_sample_is_deterministic_per_seed(sandbox: Path) -> None:
    write_policy(sandbox)
    pii_store(sandbox / "store", 200, pii_ratio=1.0)  # every point has findings: flagged == scanned

    def flagged(seed: int) -> set[object]:
        report, _, _ = _scan(sandbox, sandbox / "store", sample=50, seed=seed, batch_size=16)
        assert report.collections[0].points_scanned == 50
        return {f.point_id for f in report.findings}

    first, again, other = flagged(1), flagged(1), flagged(2)
    assert len(first) == 50 and first == again and first != other


def test_checkpoints_stay_small_whatever_the_store_size(
    sandbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vecaudit.rundb import RunDB

    # Every checkpoint written during the run is checked, not only the one a finished run keeps.
    monkeypatch.setattr(RunDB, "prune_checkpoints", lambda self, thread_id: 0)
    write_policy(sandbox)
    small = pii_store(sandbox / "small", 40, seed=4)
    pii_store(sandbox / "large", 400, seed=5)
    sizes = {}
    for name in ("small", "large"):
        _, _, run_id = _scan(sandbox, sandbox / name, batch_size=20)
        with sqlite3.connect(sandbox / "state" / f"{run_id}.sqlite") as conn:
            sizes[name] = conn.execute("SELECT MAX(LENGTH(checkpoint)) FROM checkpoints").fetchone()[0]
            blobs = b"".join(r[0] for r in conn.execute("SELECT checkpoint FROM checkpoints"))
        if name == "small":
            assert not [v for v in pii_values(small) if v.encode() in blobs]
    assert sizes["large"] < 8192 and sizes["large"] <= sizes["small"] + 256, sizes


def test_replaying_batches_after_a_crash_counts_nothing_twice(
    sandbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rewind the checkpoint behind the committed batches, as a crash between the two would."""
    from vecaudit.rundb import RunDB

    # A crashed run is never pruned; keep every checkpoint so the test can rewind to one.
    monkeypatch.setattr(RunDB, "prune_checkpoints", lambda self, thread_id: 0)
    write_policy(sandbox)
    pii_store(sandbox / "store", 120)
    report, _, run_id = _scan(sandbox, sandbox / "store", batch_size=10)
    db = sandbox / "state" / f"{run_id}.sqlite"
    with sqlite3.connect(db) as conn:
        ids = [r[0] for r in conn.execute("SELECT checkpoint_id FROM checkpoints ORDER BY checkpoint_id")]
        keep = ids[: len(ids) // 2]  # mid-way through the batches
        conn.execute(
            f"DELETE FROM checkpoints WHERE checkpoint_id NOT IN ({','.join('?' * len(keep))})", keep
        )
        conn.execute(f"DELETE FROM writes WHERE checkpoint_id NOT IN ({','.join('?' * len(keep))})", keep)
        # Half of the later batches lose their progress rows too: they are scanned again.
        conn.execute("DELETE FROM batches WHERE batch_no >= 9 AND batch_no % 2 = 1")
        conn.execute("UPDATE meta SET value = 'interrupted' WHERE key = 'status'")

    events: list[ProgressEvent] = []
    replayed = resume_scan(run_id, state_dir=sandbox / "state").execute(on_event=events.append).report
    assert isinstance(events[0], RunStarted) and events[0].resumed and 0 < events[0].points_done < 120
    assert replayed.collections[0].points_scanned == 120
    assert replayed.summary == report.summary
    key = lambda f: json.dumps(f.model_dump(mode="json"), sort_keys=True)  # noqa: E731
    assert sorted(map(key, replayed.findings)) == sorted(map(key, report.findings))


def test_resume_of_a_finished_run_reports_without_scanning(sandbox: Path) -> None:
    write_policy(sandbox, FAST_POLICY)
    pii_store(sandbox / "store", 20)
    report, _, run_id = _scan(sandbox, sandbox / "store")
    events: list[ProgressEvent] = []
    again = resume_scan(run_id, state_dir=sandbox / "state").execute(on_event=events.append).report
    assert events == [] and again.summary == report.summary


def test_inversion_covers_every_point_and_stores_text_only_with_reveal(sandbox: Path) -> None:
    from vecaudit.demo import build_demo_store
    from vecaudit.nodes.context import load_inverter_for

    # The inverter ships in models/: a build that lost it must fail here, not skip.
    assert load_inverter_for(ScanConfig.build(target="unused"), "all-MiniLM-L6-v2") is not None
    write_policy(sandbox)
    store = build_demo_store(sandbox / "demo", points=8).folder
    revealed, _, run_id = _scan(sandbox, store, encoder="all-MiniLM-L6-v2", reveal=True, batch_size=3)
    assert "invert" not in revealed.stages_skipped
    assert revealed.inversions is not None and len(revealed.inversions) == 8
    assert sum(c.inverted for c in revealed.collections) == 8
    assert all(r.text and -1.0 <= r.cosine <= 1.0 for r in revealed.inversions)

    hidden, _, run_id = _scan(sandbox, store, encoder="all-MiniLM-L6-v2", batch_size=3)
    assert hidden.inversions is None
    with sqlite3.connect(sandbox / "state" / f"{run_id}.sqlite") as conn:
        rows = conn.execute("SELECT COUNT(*), COUNT(text) FROM inversions").fetchone()
    assert rows == (8, 0), "without --reveal no recovered text is stored"


def test_vectors_without_payload_text_are_identified_from_the_vectors(sandbox: Path) -> None:
    from storebuild import build_local
    from vecaudit.encoders.registry import get_encoder
    from vecaudit.synthetic.demo_records import generate

    write_policy(sandbox)
    records = generate(24, seed=9, collections=("notes",))
    vectors = get_encoder("all-MiniLM-L6-v2").embed([r.text for r in records])
    build_local(sandbox / "store", "notes", vectors, [{"n": i} for i in range(24)])
    report, _, _ = _scan(sandbox, sandbox / "store", invert=False)
    (col,) = report.collections
    assert col.encoder.name == "all-MiniLM-L6-v2" and "fingerprint" in col.encoder.method
    assert col.encoder.confidence > 0.9
    assert not report.findings  # the payloads hold no text; the vectors were not inverted
