"""Adaptive sampling: the confidence sequence's coverage, and the graph's stopping, budgets and resume.

The scans here invert with the shipped learned inverter at its cheapest (`--attack loop --steps 0
--beam 1`, about 0.25 s per vector on 2 cores). Random 384-dimensional vectors with `--encoder`
given make inversion run without embedding a store; the acceptance test embeds real records.
"""

from __future__ import annotations

import json
import math
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from clitools import FAST_POLICY, enter_sandbox, pii_store, pii_values, run_cli, write_policy
from storebuild import add_raw_local_points, build_local
from vecaudit.config import ConfigError, ScanConfig, parse_duration
from vecaudit.confseq import interval, log_ratio
from vecaudit.models import SamplingReport, SamplingStop, ScanReport
from vecaudit.runner import new_scan, resume_scan

CHEAP = {"encoder": "all-MiniLM-L6-v2", "attack": "loop", "steps": 0, "beam": 1}
CHEAP_ARGS = ["--encoder", "all-MiniLM-L6-v2", "--attack", "loop", "--steps", "0", "--beam", "1"]


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return enter_sandbox(tmp_path, monkeypatch)


def _scan(sandbox: Path, target: Path, **options: object) -> tuple[ScanReport, str]:
    config = ScanConfig.build(target=str(target), policy=str(sandbox / "policy.yaml"), **options)
    run = new_scan(config, state_dir=sandbox / "state")
    return run.execute().report, run.run_id


def _sampling(report: ScanReport, index: int = 0) -> SamplingReport:
    s = report.collections[index].sampling
    assert s is not None
    return s


# -- the confidence sequence --------------------------------------------------------------------------


def test_interval_is_exactly_the_set_the_martingale_allows() -> None:
    """interval() reports the contiguous run of k with log R_t(k) < log(1/alpha), found by brute force."""
    bound = -math.log(0.05)
    for n_pop in (1, 6, 41, 150):
        for t in range(0, n_pop + 1, max(1, n_pop // 6)):
            for s in range(0, t + 1, max(1, t // 4)):
                members = [k for k in range(n_pop + 1) if log_ratio(k, n_pop, t, s) < bound]
                assert members == list(range(members[0], members[-1] + 1)), (n_pop, t, s)
                iv = interval(s, t, n_pop, 0.05)
                assert (round(iv.low * n_pop), round(iv.high * n_pop)) == (members[0], members[-1])
                assert iv.low <= s / max(t, 1) <= iv.high or t == 0


def test_interval_edges() -> None:
    assert interval(0, 0, 100, 0.05).half_width == 0.5  # nothing seen: [0, 1]
    census = interval(37, 100, 100, 0.05)
    assert census.exact and census.low == census.high == 0.37  # every unit drawn: the true share
    narrow, wide = interval(30, 400, 1000, 0.05), interval(30, 400, 1000, 0.001)
    assert wide.low < narrow.low <= 30 / 400 <= narrow.high < wide.high  # lower alpha, wider
    assert interval(300, 1000, 10**9, 0.05).half_width > interval(300, 1000, 2000, 0.05).half_width
    for bad in ((5, 4, 10, 0.05), (1, 2, 1, 0.05), (1, 2, 10, 0.0), (1, 2, 10, 1.0)):
        with pytest.raises(ValueError):
            interval(*bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(("n_pop", "share"), [(800, 0.3), (800, 0.05), (1500, 0.5)])
def test_coverage_holds_at_every_time_at_once(n_pop: int, share: float) -> None:
    """Draw a finite population in random order many times; the true share must stay inside the
    interval at *every* time in at least 1 - alpha of the runs (what makes stopping at will safe)."""
    alpha, runs = 0.1, 200
    k_true = int(n_pop * share)
    bound = -math.log(alpha)
    rng = np.random.default_rng(16)
    misses = 0
    for _ in range(runs):
        draws = rng.permutation(np.r_[np.ones(k_true, int), np.zeros(n_pop - k_true, int)])
        seen = np.cumsum(draws)
        # k_true leaves the interval at t exactly when log R_t(k_true) >= log(1/alpha)
        misses += any(log_ratio(k_true, n_pop, t, int(seen[t - 1])) >= bound for t in range(1, n_pop + 1))
    # binomial noise: the miss rate of a valid sequence stays below alpha + 3 standard errors
    assert misses / runs <= alpha + 3 * math.sqrt(alpha * (1 - alpha) / runs), misses


def test_durations_and_options() -> None:
    assert [parse_duration(d) for d in ("90", "90s", "30m", "2h", "1.5h")] == [90, 90, 1800, 7200, 5400]
    for bad in ("", "10d", "-5m", "0", "m"):
        with pytest.raises(ConfigError):
            parse_duration(bad)
    cfg = ScanConfig.build(target="unused", budget_vectors=10)
    assert cfg.adaptive and cfg.precision == 0.05 and cfg.confidence == 0.95
    assert not ScanConfig.build(target="unused").adaptive
    with pytest.raises(ConfigError, match="--no-invert"):
        ScanConfig.build(target="unused", precision=0.1, invert=False)
    # adaptive sampling runs on Ray too, deciding between rounds (tests/test_ray_scan.py)
    for flag in ({"precision": 0.1}, {"budget_vectors": 50}, {"budget_time": 60.0}):
        assert ScanConfig.build(target="unused", ray="local", **flag).adaptive  # type: ignore[arg-type]


def test_random_order_prefixes_are_uniform_samples(tmp_path: Path) -> None:
    from vecaudit.stores.local_store import QdrantLocalStore
    from vecaudit.stores.sampling import random_order, sample_ids

    folder = build_local(tmp_path / "s", "c", np.random.default_rng(0).normal(size=(50, 4)))
    with QdrantLocalStore(folder) as store:
        order = random_order(store, "c", 0, seed=3)
        assert sorted(order) == list(range(50)) and order != list(range(50))
        # every prefix is exactly the --sample of that size: a uniform random subset (test_sampling)
        for k in (1, 9, 30):
            assert set(order[:k]) == set(sample_ids(store, "c", k, seed=3))
        assert set(random_order(store, "c", 12, seed=3)) == set(order[:12])


# -- the graph ----------------------------------------------------------------------------------------


def test_the_decision_is_a_graph_node_with_conditional_edges() -> None:
    from vecaudit.graph import build_graph

    edges = {(e.source, e.target, e.conditional) for e in build_graph().get_graph().edges}
    assert ("plan_inversion", "decide_sampling", True) in edges  # a budget may be spent already
    assert ("process_batch", "decide_sampling", True) in edges  # after every inverting batch
    assert ("decide_sampling", "process_batch", True) in edges
    assert ("decide_sampling", "finish_collection", True) in edges
    assert ("process_batch", "process_batch", True) in edges  # without adaptive sampling, as before
    assert ("plan_inversion", "process_partitions", True) in edges  # --ray, never with adaptive
    assert ("skip_inversion", "process_partitions", True) in edges


def test_vector_budget_stops_at_n_and_is_shared_by_collections(sandbox: Path) -> None:
    write_policy(sandbox)
    pii_store(sandbox / "store", 40, collection="alpha", dim=384, seed=1)
    pii_store(sandbox / "store", 40, collection="beta", dim=384, seed=2)
    report, run_id = _scan(sandbox, sandbox / "store", batch_size=8, budget_vectors=30, **CHEAP)
    for i, col in enumerate(report.collections):
        s = _sampling(report, i)
        # each collection gets half (30 / 2, then 15 / 1), cut inside a batch; payloads are all read
        assert (col.inverted, s.inverted, s.stop, col.points_scanned) == (15, 15, "budget-vectors", 40)
        assert s.reason.startswith("stopped after 15 vectors: its share of --budget-vectors (15) is spent")
        assert s.partial and not s.precision_met and s.unseen_high is not None
        assert all(e.exact for e in s.estimates if e.source == "payload")  # read in full: exact
    assert not report.complete  # the budget ran out before the precision: a partial audit
    with sqlite3.connect(sandbox / "state" / f"{run_id}.sqlite") as conn:
        rows = conn.execute(
            "SELECT collection, stop, reason FROM sampling_decisions ORDER BY collection, step"
        )
        stops = [(c, stop) for c, stop, _ in rows if stop]
    assert stops == [("alpha", "budget-vectors"), ("beta", "budget-vectors")]


def test_a_budget_that_cuts_the_last_batch_is_still_a_budget_stop(sandbox: Path) -> None:
    """The quota ends the sample inside the collection's last batch: the collection was read to
    the end, but not every point was drawn, so the audit is partial (it must not pass as complete)."""
    write_policy(sandbox)
    pii_store(sandbox / "store", 20, dim=384)
    # ±0.01 cannot be met with 2 of 20 points unseen (each is 0.05 of the collection)
    report, _ = _scan(sandbox, sandbox / "store", batch_size=16, budget_vectors=18, precision=0.01, **CHEAP)
    s = _sampling(report)
    # batch 0 inverts 16 points, batch 1 (the last, 4 points) only the 2 the budget leaves
    assert (report.collections[0].inverted, s.inverted, s.population) == (18, 18, 20)
    assert s.stop == "budget-vectors" and s.partial and not s.precision_met
    assert s.reason.startswith("stopped after 18 of 20 points")
    assert not report.complete


def test_points_without_a_usable_vector_are_draws_that_cannot_leak(sandbox: Path) -> None:
    """The interval is about the whole collection, so every point read while inverting is a draw;
    one whose vector is missing or broken leaks nothing by inversion (else the sample would be of
    the vector-bearing points only, and the interval centred on the wrong share)."""
    write_policy(sandbox)
    pii_store(sandbox / "store", 20, dim=384)
    nan = [math.nan] * 384
    broken = [{"id": 1000 + i, "vector": nan, "payload": {"text": "no usable vector"}} for i in range(20)]
    add_raw_local_points(sandbox / "store", "docs", broken)
    report, _ = _scan(sandbox, sandbox / "store", batch_size=8, precision=0.01, **CHEAP)
    s = _sampling(report)
    assert report.collections[0].inverted == 20  # vectors inverted
    assert (s.inverted, s.population, s.stop) == (40, 40, "all-inverted")  # points drawn
    for e in s.estimates:
        assert e.exact and e.n == 40 and e.low == e.high == e.count / 40


def test_the_budget_is_shared_only_with_collections_that_can_be_inverted() -> None:
    """A later collection without a dense vector never inverts: it takes no share, or the earlier
    collections would stop short and leave the scan partial with budget unspent."""
    from vecaudit.nodes.adaptive import _collections_left

    dense = {"name": "", "kind": "dense", "dim": 384}
    sparse = {"name": "bm25", "kind": "sparse"}
    plans = [{"vectors": [dense]}, {"vectors": [sparse]}, {"vectors": []}, {"vectors": [sparse, dense]}]
    assert _collections_left({"plans": plans, "index": 0}) == 2  # type: ignore[typeddict-item]
    assert _collections_left({"plans": plans, "index": 1}) == 2  # type: ignore[typeddict-item]
    assert _collections_left({"plans": plans, "index": 3}) == 1  # type: ignore[typeddict-item]


@pytest.mark.parametrize(
    ("rates", "population", "precision"),
    [([0.0], 24, 0.2), ([0.25, 0.0], 4000, 0.05), ([0.5, 0.03], 10**8, 0.05), ([0.1], 20_000, 0.02)],
)
def test_draws_needed_is_the_fewest_draws_that_would_meet_the_precision(
    rates: list[float], population: int, precision: float
) -> None:
    """The projection that sizes a Ray round: at the returned draws every interval (shares as
    seen) is narrow enough, one draw fewer some interval is not."""
    from vecaudit.nodes.adaptive import draws_needed

    alpha = 0.05 / 5

    def narrow(m: int) -> bool:
        return all(interval(round(r * m), m, population, alpha).half_width <= precision for r in rates)

    m = draws_needed(rates, 0, population, alpha, precision)
    assert narrow(m) and not narrow(m - 1)
    assert draws_needed(rates, m, population, alpha, precision) == m  # already enough: no more
    assert draws_needed(rates, m // 2, population, alpha, precision) == m


def test_draws_needed_grows_with_the_share_and_is_bounded_for_any_collection_size() -> None:
    from vecaudit.nodes.adaptive import draws_needed

    alpha = 0.05 / 5  # five entity types at 95%
    needs = [draws_needed([r], 0, 10**8, alpha, 0.05) for r in (0.0, 0.05, 0.25, 0.5)]
    assert needs == sorted(needs) and needs[0] < 100
    # the README's projection assumes 3,000 draws per collection at ±0.05: an upper bound
    assert max(needs) < 3000
    # a small collection is read almost in full: at 19 of 20, the unknown point is ±0.025
    assert draws_needed([0.5], 0, 20, alpha, 0.05) == 19


def test_a_ray_round_holds_the_projected_batches_one_per_worker_within_the_quota() -> None:
    from types import SimpleNamespace

    from vecaudit.nodes.partitions import inverting_round

    ctx: object = SimpleNamespace(config=SimpleNamespace(batch_size=10))
    plan = {"name": "c", "points_total": 95, "planned": 95, "vectors": []}

    def round_(**state: object) -> list[tuple[int, int, int, int | None]]:
        return inverting_round(ctx, {"plans": [plan], "index": 0, **state}, workers=4)  # type: ignore[arg-type]

    assert round_() == [(0, 0, 10, None), (1, 10, 10, None), (2, 20, 10, None), (3, 30, 10, None)]
    assert round_(batch_no=2, invert_round=2) == [(2, 20, 10, None), (3, 30, 10, None)]
    # the decision fixed the round: the same batches whatever the workers of a resumed run
    assert round_(batch_no=2, invert_round=5) == [(n, 10 * n, 10, None) for n in range(2, 7)]
    # a vector quota of 23: two whole batches and 3 points of the third, by position
    assert round_(invert_quota=23) == [(0, 0, 10, None), (1, 10, 10, None), (2, 20, 10, 3)]
    # the end of the order: the last batch holds 5 points, nothing after it
    assert round_(batch_no=8) == [(8, 80, 10, None), (9, 90, 5, None)]
    assert round_(batch_no=10) == []


def test_precision_met_early_is_a_complete_scan(sandbox: Path) -> None:
    write_policy(sandbox)
    pii_store(sandbox / "store", 120, dim=384)
    report, _ = _scan(sandbox, sandbox / "store", batch_size=10, precision=0.2, **CHEAP)
    s = _sampling(report)
    assert s.stop == "precision" and s.precision_met and not s.partial
    assert 0 < s.inverted < 120 and report.collections[0].points_scanned == 120
    assert all(e.half_width <= 0.2 for e in s.estimates if e.source == "inversion")
    assert s.unseen_high is not None and s.unseen_high <= 0.4
    assert report.complete  # the plan (intervals within ±0.2) was met
    assert report.schema_version == "1.5"


def test_cli_exit_codes_reasons_in_reports_and_no_pii(
    sandbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_policy(sandbox, FAST_POLICY)
    records = pii_store(sandbox / "store", 48, dim=384, pii_ratio=1.0)
    base = ["scan", sandbox / "store", "--policy", sandbox / "policy.yaml", *CHEAP_ARGS, "--batch-size", "8"]
    base += ["--budget-vectors", "10", "--fail-on", "critical", "--state-dir", sandbox / "state"]
    partial = run_cli(capsys, *base, "-f", "json", "-f", "markdown", "-o", sandbox / "out")
    assert partial.code == 2, partial.err  # a budget stop before the precision is not a pass
    assert "inversion stopped on its budget" in partial.err
    assert "adaptive sampling (PARTIAL" in partial.out and "stopped after 10 vectors" in partial.out
    data = json.loads((sandbox / "out.json").read_text())
    assert data["schema_version"] == "1.5" and not data["complete"]
    s = data["collections"][0]["sampling"]
    assert (s["inverted"], s["stop"], s["confidence"], s["precision"]) == (10, "budget-vectors", 0.95, 0.05)
    assert "Waudby-Smith" in s["reference"] and s["reason"].startswith("stopped after 10 vectors")
    assert "Adaptive sampling" in (sandbox / "out.md").read_text()

    accepted = run_cli(capsys, *base, "--allow-partial")
    assert accepted.code == 1  # the violations decide once the partial audit is accepted

    # No PII value anywhere: reports, terminal output, run databases.
    blobs = (sandbox / "out.json").read_bytes() + (sandbox / "out.md").read_bytes()
    blobs += (partial.out + partial.err + accepted.out + accepted.err).encode()
    for db in (sandbox / "state").glob("*.sqlite"):
        blobs += db.read_bytes()
    leaked = [v for v in pii_values(records) if v.encode() in blobs]
    assert not leaked


def test_resume_rebuilds_the_estimates_from_the_run_database(
    sandbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vecaudit.rundb import RunDB

    monkeypatch.setattr(RunDB, "prune_checkpoints", lambda self, thread_id: 0)
    write_policy(sandbox)
    pii_store(sandbox / "store", 60, dim=384)
    report, run_id = _scan(sandbox, sandbox / "store", batch_size=6, budget_vectors=24, **CHEAP)
    db = sandbox / "state" / f"{run_id}.sqlite"
    with sqlite3.connect(db) as conn:
        ids = [r[0] for r in conn.execute("SELECT checkpoint_id FROM checkpoints ORDER BY checkpoint_id")]
        keep = ids[: len(ids) // 3]  # mid-way through inversion: the estimator's counts are in the DB
        marks = ",".join("?" * len(keep))
        conn.execute(f"DELETE FROM checkpoints WHERE checkpoint_id NOT IN ({marks})", keep)
        conn.execute(f"DELETE FROM writes WHERE checkpoint_id NOT IN ({marks})", keep)
        conn.execute("UPDATE meta SET value = 'interrupted' WHERE key = 'status'")
    replayed = resume_scan(run_id, state_dir=sandbox / "state").execute().report
    before, after = _sampling(report), _sampling(replayed)
    assert after.inverted == before.inverted == 24 and after.stop == "budget-vectors"
    assert after.model_dump(exclude={"seconds"}) == before.model_dump(exclude={"seconds"})
    assert replayed.summary == report.summary


@pytest.mark.slow
def test_adaptive_interval_holds_the_true_rate_of_a_full_inversion(sandbox: Path) -> None:
    """Acceptance, small and real: real MiniLM vectors of PII-bearing records. The adaptive scan stops
    well before the end, and a full inversion of the same store gives rates inside its intervals
    (bench/bench_adaptive_sampling.py runs the same comparison on 20,000 points)."""
    from vecaudit.encoders.registry import get_encoder
    from vecaudit.synthetic.demo_records import generate

    points = 400
    write_policy(sandbox, "name: acc\nrules:\n  - {entity: PERSON, severity: high}\n"
                 "  - {entity: EMAIL_ADDRESS, severity: high}\n")  # fmt: skip
    records = generate(points, seed=16, pii_ratio=1.0, collections=("notes",))
    vectors = get_encoder("all-MiniLM-L6-v2").embed([r.text for r in records])
    ids = [r.point_id for r in records]
    build_local(sandbox / "store", "notes", vectors, [r.payload for r in records], ids=ids)
    options = {**CHEAP, "batch_size": 32}
    adaptive, _ = _scan(sandbox, sandbox / "store", precision=0.1, **options)
    full, _ = _scan(sandbox, sandbox / "store", **options)
    s = _sampling(adaptive)
    assert s.stop == "precision" and s.inverted <= points * 0.6, s.reason
    assert full.collections[0].inverted == points
    truth: dict[str, set[object]] = {}
    for f in full.findings:
        if f.source == "inversion":
            truth.setdefault(f.entity_type, set()).add(f.point_id)
    estimates = {e.entity_type: e for e in s.estimates if e.source == "inversion"}
    for entity in {"PERSON", "EMAIL_ADDRESS", *truth}:
        rate = len(truth.get(entity, ())) / points
        e = estimates.get(entity)
        low, high = (e.low, e.high) if e else (0.0, s.unseen_high or 1.0)
        assert low <= rate <= high, (entity, rate, low, high)


def test_sarif_junit_markdown_and_html_carry_the_sampling_decision() -> None:
    """A report with one collection stopped on its budget (partial) and one on precision."""
    import lxml.etree as etree
    from reportdata import build_report
    from vecaudit.models import RateEstimate
    from vecaudit.report import render

    jsonschema = pytest.importorskip("jsonschema")
    schema_path = Path(__file__).resolve().parents[2] / "shared" / "schemas" / "sarif-schema-2.1.0.json"
    base = build_report(complete=False)
    estimate = RateEstimate(
        entity_type="PERSON",
        source="inversion",
        count=30,
        n=300,
        population=9000,
        rate=0.1,
        low=0.06,
        high=0.15,
    )

    def sampling(stop: SamplingStop, reason: str) -> SamplingReport:
        return SamplingReport(
            method="m",
            reference="Waudby-Smith & Ramdas 2020",
            confidence=0.95,
            precision=0.05,
            alpha_per_interval=0.01,
            population=9000,
            inverted=300,
            estimates=[estimate],
            stop=stop,
            precision_met=stop == "precision",
            reason=reason,
        )

    partial = sampling("budget-vectors", "stopped after 300 vectors: budget")
    met = sampling("precision", "stopped after 300 vectors: met")
    assert partial.partial and not met.partial
    collections = [
        c.model_copy(update={"sampling": s}) for c, s in zip(base.collections, (partial, met), strict=False)
    ]
    report = base.model_copy(update={"collections": collections})

    sarif = json.loads(render(report, "sarif"))
    if schema_path.exists():
        schema = json.loads(schema_path.read_text())
        errors = list(jsonschema.validators.validator_for(schema)(schema).iter_errors(sarif))
        assert not errors, errors[:3]
    run = sarif["runs"][0]
    notes = [
        n for n in run["invocations"][0]["toolExecutionNotifications"] if "adaptive" in n["message"]["text"]
    ]
    assert [n["level"] for n in notes] == ["error", "note"]
    assert set(run["properties"]["adaptiveSampling"]) == {c.name for c in collections}

    junit = render(report, "junit")
    xsd = etree.XMLSchema(etree.parse(str(Path(__file__).parent / "data" / "junit-10.xsd")))
    assert xsd.validate(etree.fromstring(junit)), xsd.error_log
    assert b"adaptive sampling stopped after 300 vectors: budget" in junit
    for fmt in ("markdown", "html"):
        text = render(report, fmt).decode()
        assert "Adaptive sampling" in text and "6.0% - 15.0%" in text


def _sampling_without_time(report: Path) -> dict[str, object]:
    data = json.loads(report.read_text())
    sampling: dict[str, object] = data["collections"][0]["sampling"]
    sampling.pop("seconds")
    return sampling


def test_kill_9_mid_inversion_then_resume_matches_an_uninterrupted_scan(tmp_path: Path) -> None:
    import signal
    import time

    from clitools import spawn_cli

    write_policy(tmp_path)
    pii_store(tmp_path / "store", 200, dim=384)

    def args(state: Path, out: Path) -> list[str | Path]:
        return [
            "scan", tmp_path / "store", "--policy", tmp_path / "policy.yaml", *CHEAP_ARGS,
            "--batch-size", "4", "--budget-vectors", "40", "--allow-partial", "--state-dir", state,
            "-f", "json", "-o", out,
        ]  # fmt: skip

    ref = spawn_cli(tmp_path, *args(tmp_path / "state-ref", tmp_path / "ref.json"))
    _, err = ref.communicate(timeout=600)
    assert ref.returncode in (0, 1), err

    state = tmp_path / "state-kill"
    proc = spawn_cli(tmp_path, *args(state, tmp_path / "killed.json"))
    deadline, db = time.monotonic() + 300, None
    while time.monotonic() < deadline and db is None:
        assert proc.poll() is None, "the scan ended before it could be interrupted"
        for path in state.glob("*.sqlite"):
            try:
                with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1) as conn:
                    if conn.execute("SELECT COUNT(*) FROM sampling_decisions").fetchone()[0] >= 4:
                        db = path
            except sqlite3.Error:
                pass  # not created yet
        time.sleep(0.05)
    assert db is not None, "no inversion progress"
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    resumed = spawn_cli(tmp_path, "scan", "--resume", db.stem, "--state-dir", state)
    _, err = resumed.communicate(timeout=600)
    assert resumed.returncode in (0, 1), err
    # the estimator was rebuilt from the run database: same stop, same counts, same intervals
    assert _sampling_without_time(tmp_path / "killed.json") == _sampling_without_time(tmp_path / "ref.json")
