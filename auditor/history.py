"""Scan history: one row per finished scan in a local SQLite database, for trends and `vecaudit history`.

Only report-level data is stored: the credential-free target, policy, counts by severity and entity
type, and per-finding keys (rule, entity, collection, keyed fingerprint) so a later report can say
which findings are new. No evidence text, no payload and no recovered text is ever written here.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel, Field

from .errors import VecauditError
from .models import ScanReport

HISTORY_ENV = "VECAUDIT_HISTORY"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS scans (
  run_id TEXT PRIMARY KEY,
  recorded_seq INTEGER NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  target TEXT NOT NULL,
  policy TEXT NOT NULL,
  fail_on TEXT NOT NULL,
  complete INTEGER NOT NULL,
  points_scanned INTEGER NOT NULL,
  findings_total INTEGER NOT NULL,
  violations INTEGER NOT NULL,
  by_severity TEXT NOT NULL,
  by_entity TEXT NOT NULL,
  by_collection TEXT NOT NULL,
  finding_keys TEXT NOT NULL
);
"""


class HistoryError(VecauditError):
    """The history database cannot be opened, read or written."""


class HistoryEntry(BaseModel):
    run_id: str
    started_at: str
    finished_at: str | None = None
    target: str
    policy: str
    fail_on: str
    complete: bool
    points_scanned: int = 0
    findings_total: int = 0
    violations: int = 0
    by_severity: dict[str, int] = Field(default_factory=dict)
    by_entity: dict[str, int] = Field(default_factory=dict)
    by_collection: dict[str, int] = Field(default_factory=dict)
    #: "collection|entity|fingerprint" per finding: keyed HMACs only, so no value can be read back.
    finding_keys: list[str] = Field(default_factory=list)


def default_history_path() -> Path:
    """$VECAUDIT_HISTORY, else $XDG_DATA_HOME/vecaudit/history.sqlite (~/.local/share by default)."""
    from .config import user_data_dir

    env = os.environ.get(HISTORY_ENV)
    return Path(env) if env else user_data_dir() / "history.sqlite"


def finding_key(collection: str, entity_type: str, fingerprint: str) -> str:
    return f"{collection}|{entity_type}|{fingerprint}"


def entry_from_report(report: ScanReport) -> HistoryEntry:
    findings = report.findings
    by_sev = Counter(f.severity.value for f in findings)
    return HistoryEntry(
        run_id=report.run_id,
        started_at=report.started_at,
        finished_at=report.finished_at,
        target=report.target,
        policy=report.policy,
        fail_on=report.fail_on.value,
        complete=report.complete,
        points_scanned=sum(c.points_scanned for c in report.collections),
        findings_total=len(findings),
        violations=report.summary.violations,
        by_severity=dict(sorted(by_sev.items())),
        by_entity=dict(sorted(Counter(f.entity_type for f in findings).items())),
        by_collection=dict(sorted(Counter(f.collection for f in findings).items())),
        finding_keys=sorted({finding_key(f.collection, f.entity_type, f.fingerprint) for f in findings}),
    )


class History:
    """The history database. Use as a context manager or call close()."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_history_path()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(self.path)
            os.chmod(self.path, 0o600)  # findings' keys and targets are internal information
            self._conn.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise HistoryError(f"cannot open scan history {str(self.path)!r}: {exc}") from exc

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._conn.close()

    @contextmanager
    def _errors(self, what: str) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise HistoryError(f"cannot {what} scan history {str(self.path)!r}: {exc}") from exc

    def record(self, report: ScanReport) -> HistoryEntry:
        """Add (or replace, for the same run id) the entry of `report`."""
        e = entry_from_report(report)
        with self._errors("write"), self._conn:
            seq = self._conn.execute("SELECT COALESCE(MAX(recorded_seq), 0) + 1 FROM scans").fetchone()[0]
            self._conn.execute(
                "INSERT OR REPLACE INTO scans VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    e.run_id,
                    seq,
                    e.started_at,
                    e.finished_at,
                    e.target,
                    e.policy,
                    e.fail_on,
                    int(e.complete),
                    e.points_scanned,
                    e.findings_total,
                    e.violations,
                    json.dumps(e.by_severity),
                    json.dumps(e.by_entity),
                    json.dumps(e.by_collection),
                    json.dumps(e.finding_keys),
                ),
            )
        return e

    def entries(self, *, target: str | None = None, limit: int | None = None) -> list[HistoryEntry]:
        """Entries oldest first (by start time); `limit` keeps the most recent ones."""
        sql = "SELECT * FROM scans" + (" WHERE target = ?" if target is not None else "")
        sql += " ORDER BY started_at DESC, recorded_seq DESC"
        params: list[object] = [target] if target is not None else []
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        with self._errors("read"):
            rows = self._conn.execute(sql, params).fetchall()
        out = []
        for r in reversed(rows):
            out.append(
                HistoryEntry(
                    run_id=r[0],
                    started_at=r[2],
                    finished_at=r[3],
                    target=r[4],
                    policy=r[5],
                    fail_on=r[6],
                    complete=bool(r[7]),
                    points_scanned=r[8],
                    findings_total=r[9],
                    violations=r[10],
                    by_severity=json.loads(r[11]),
                    by_entity=json.loads(r[12]),
                    by_collection=json.loads(r[13]),
                    finding_keys=json.loads(r[14]),
                )
            )
        return out


def record_scan(report: ScanReport, path: Path | None = None) -> HistoryEntry:
    with History(path) as h:
        return h.record(report)


def load_history(
    path: Path | None, *, target: str | None = None, limit: int | None = None
) -> list[HistoryEntry]:
    """Entries of an existing database (an absent file is an empty history, and is not created)."""
    p = path or default_history_path()
    if not p.exists():
        return []
    with History(p) as h:
        return h.entries(target=target, limit=limit)
