"""The run database when things go wrong: a failed scan leaves no exception text, a busy
database does not wedge the connection.

LangGraph saves a failed node's exception (its repr) as a pending checkpoint write; a library
error quoting a payload value must not stay there (nor in the write-ahead log).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from clitools import enter_sandbox, pii_store, write_policy
from vecaudit.config import ScanConfig
from vecaudit.rundb import RunDB
from vecaudit.runner import new_scan


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return enter_sandbox(tmp_path, monkeypatch)


def test_a_failing_batch_leaves_no_exception_text_in_the_run_database(
    sandbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import vecaudit.nodes.batch as batch

    secret = "536-22-8745"

    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError(f"payload said {secret}")  # a library error quoting data

    write_policy(sandbox)
    store = sandbox / "store"
    pii_store(store, 20)
    monkeypatch.setattr(batch, "payload_findings", broken)  # the fault; store and detector are real
    config = ScanConfig.build(target=str(store), policy=str(sandbox / "policy.yaml"), invert=False)
    run = new_scan(config, state_dir=sandbox / "state")
    with pytest.raises(ValueError, match=secret):  # the caller still gets the original exception
        run.execute()
    files = list((sandbox / "state").iterdir())
    assert run.db_path in files
    for file in files:  # the database, and any journal beside it
        assert secret.encode() not in file.read_bytes(), file.name
    with sqlite3.connect(run.db_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM writes WHERE channel = '__error__'").fetchone() == (0,)
        assert conn.execute("SELECT value FROM meta WHERE key = 'status'").fetchone() == ("failed",)


def test_a_busy_database_does_not_leave_the_connection_locked(sandbox: Path) -> None:
    db = RunDB.create(sandbox / "state", "busy-run", ScanConfig.build(target="unused"))
    try:
        other = sqlite3.connect(db.path, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        db._conn.execute("PRAGMA busy_timeout = 50")
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            db.set_meta("k", "v")  # BEGIN IMMEDIATE fails inside the transaction helper
        assert db._lock.acquire(timeout=2), "the failed BEGIN kept the database's lock"
        db._lock.release()
        other.execute("ROLLBACK")
        other.close()
        db.set_meta("k", "v")
        assert db.get_meta("k") == "v"
    finally:
        db._conn.close()  # not db.close(): with the bug it would wait on the lock forever


def test_the_attack_record_counts_each_committed_batch_once(sandbox: Path) -> None:
    from vecaudit.inversion.attack.attack import BatchCost
    from vecaudit.models import Coverage
    from vecaudit.rundb import AttackSpend, BatchRecord

    db = RunDB.create(sandbox / "state", "attack-run", ScanConfig.build(target="unused"))
    method = {"encoder": "all-MiniLM-L6-v2", "level": "quick", "budget": 800, "strategies": []}
    for batch_no in range(2):
        record = BatchRecord("docs", batch_no, None, None, batch_no == 1, 4, 4, 0, Coverage())
        cost = BatchCost(
            vectors=4, encoder_calls=100, seconds=2.0, calls_by_strategy={"value_refinement": 100}
        )
        db.commit_batch(record, [], attacks=[AttackSpend(method, 4, cost)])
    # A commit that fails adds nothing to the record.
    with pytest.raises(ValueError):
        db.commit_batch(
            BatchRecord("docs", 2, None, None, True, 1, 1, 0, Coverage()),
            [],
            keys=["one key too many"],
            attacks=[AttackSpend(method, 1, cost)],
        )
    [run] = db.attacks()
    assert (run.encoder, run.level, run.budget) == ("all-MiniLM-L6-v2", "quick", 800)
    assert run.vectors == 8 and run.encoder_calls == 200
    assert run.encoder_calls_per_vector == 25.0 and run.calls_by_strategy == {"value_refinement": 200}
    db.close()
