"""The scan target grammar: one parser (`ScanTarget.parse`), one display form, one stored form.

Every layer that names a target (config, run database, reports, the TUI's subtitle) uses the value
parsed here, so these cases pin the whole grammar; the scans at the end prove that the display
form is what reports and the run database hold, and that credentials reach neither.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from storebuild import build_local
from vecaudit.config import ConfigError, ScanConfig
from vecaudit.errors import TargetError
from vecaudit.runner import new_scan, resume_scan
from vecaudit.stores.target import ScanTarget, TargetKind, display_form

SECRET = "s3cr3t-pw"


@pytest.mark.parametrize(
    ("text", "kind", "display"),
    [
        (f"http://auditor:{SECRET}@db.example.com:6333/", TargetKind.server, "http://db.example.com:6333"),
        (f"HTTPS://auditor:{SECRET}@db.example.com/qdrant/?api-key={SECRET}#x", TargetKind.server, ""),
        (f"http://[::1]:6333/prefix?token={SECRET}", TargetKind.server, "http://[::1]:6333/prefix"),
        (f"weaviate://user:{SECRET}@host:8080/db?key={SECRET}", TargetKind.plugin, "weaviate://host:8080/db"),
    ],
)
def test_urls_lose_every_secret_in_both_forms(text: str, kind: TargetKind, display: str) -> None:
    t = ScanTarget.parse(text)
    assert t.kind is kind
    if display:
        assert t.display == display
    assert t.display == t.stored  # a URL needs nothing more to reconnect
    for shown in (t.display, t.stored, str(t), repr(t), repr(t.server), f"{t}"):
        assert SECRET not in shown and "auditor" not in shown and "?" not in shown
    assert SECRET in t.raw  # kept in memory for the connection (basic auth, plugins)


def test_https_server_fields() -> None:
    t = ScanTarget.parse(f"HTTPS://auditor:{SECRET}@db.example.com/qdrant/?api-key={SECRET}")
    assert t.display == "https://db.example.com/qdrant"
    assert t.server is not None
    assert (t.server.url, t.server.host) == ("https://db.example.com/qdrant", "db.example.com")
    assert (t.server.username, t.server.password) == ("auditor", SECRET)
    assert t.path is None and t.scheme is None


def test_plugin_scheme_keeps_the_raw_target_for_the_plugin_only() -> None:
    t = ScanTarget.parse(f"memdir://me:{SECRET}@/data")
    assert (t.kind, t.scheme) == (TargetKind.plugin, "memdir")
    assert t.raw == f"memdir://me:{SECRET}@/data"
    assert SECRET not in t.display


@pytest.mark.parametrize("prefix", ["edge:", "edge://"])
def test_edge_forms(prefix: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    t = ScanTarget.parse(f"{prefix}shards/a")
    assert t.kind is TargetKind.edge
    assert t.path == Path("shards/a")
    assert t.display == "edge:shards/a"
    assert t.stored == f"edge:{tmp_path.resolve() / 'shards/a'}"  # reconnects from any directory
    assert ScanTarget.parse(f"{prefix}{tmp_path}/shards/a") == t


def test_local_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    t = ScanTarget.parse(" data ")
    assert (t.kind, t.path, t.display) == (TargetKind.local, Path("data"), "data")
    assert t.stored == str(tmp_path.resolve() / "data")
    assert ScanTarget.parse(str(tmp_path / "data")) == t
    home = ScanTarget.parse("~/qdrant")
    assert home.display == str(Path.home() / "qdrant")


def test_equality_is_the_store_not_the_credentials() -> None:
    a = ScanTarget.parse(f"http://u:{SECRET}@h:6333")
    b = ScanTarget.parse("http://h:6333/")
    assert a == b and hash(a) == hash(b)
    assert a != ScanTarget.parse("http://h:6334")
    assert ScanTarget.of(a) is a
    assert ScanTarget.of("http://h:6333") == a


@pytest.mark.parametrize(
    ("text", "message"), [("", "no target"), ("  ", "no target"), ("http://", "no host")]
)
def test_bad_targets(text: str, message: str) -> None:
    with pytest.raises(TargetError, match=message):
        ScanTarget.parse(text)
    assert display_form(text) == "(invalid target)"


def test_bad_port_never_quotes_credentials() -> None:
    with pytest.raises(TargetError, match="invalid port") as err:
        ScanTarget.parse(f"http://u:{SECRET}@h:99999")
    assert SECRET not in str(err.value)


def test_config_keeps_the_value_and_stores_the_stored_form(tmp_path: Path) -> None:
    config = ScanConfig.build(target=f"http://u:{SECRET}@h:6333/?api-key={SECRET}")
    assert isinstance(config.target, ScanTarget)
    assert config.target.server is not None and config.target.server.password == SECRET
    stored = config.stored()
    assert SECRET not in stored and SECRET not in repr(config)
    assert json.loads(stored)["target"] == "http://h:6333"
    again = ScanConfig.model_validate_json(stored)
    assert again.target == config.target and again.target.server.password is None  # type: ignore[union-attr]
    parsed = ScanTarget.parse(str(tmp_path))
    assert ScanConfig.build(target=parsed).target is parsed
    assert ScanConfig.build(target=tmp_path).target == parsed


def _store(tmp_path: Path) -> Path:
    folder = tmp_path / "store"
    build_local(folder, "docs", np.random.default_rng(1).normal(size=(3, 8)), [{"t": "x"}] * 3)
    return folder


def test_reports_and_run_db_hold_the_display_and_stored_forms(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _store(tmp_path)
    monkeypatch.chdir(tmp_path)
    state = tmp_path / "runs"
    run = new_scan(ScanConfig.build(target="store", invert=False, policy="default"), state_dir=state)
    outcome = run.execute()
    assert outcome.report.target == "store"  # as the user named it
    db = sqlite3.connect(outcome.db_path)
    meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
    db.close()
    assert meta["display_target"] == "store"
    assert json.loads(meta["config"])["target"] == str((tmp_path / "store").resolve())
    # The same store under another spelling resumes; another store does not.
    monkeypatch.chdir(tmp_path / "store")
    resume_scan(run.run_id, state_dir=state, target=str(tmp_path / "store")).close()
    with pytest.raises(ConfigError, match="cannot change"):
        resume_scan(run.run_id, state_dir=state, target="store")


def test_a_server_scan_lists_collections_once_and_never_keeps_url_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from storebuild import QdrantRestShim

    monkeypatch.delenv("QDRANT_API_KEY", raising=False)
    folder = _store(tmp_path)
    state = tmp_path / "runs"
    with QdrantRestShim(folder) as shim:
        target = shim.url.replace("http://", f"http://auditor:{SECRET}@") + f"/?token={SECRET}"
        run = new_scan(ScanConfig.build(target=target, invert=False), state_dir=state)
        report = run.execute().report
        assert shim.headers["authorization"].startswith("Basic ")
    # One listing per scan: open_store's fail-fast check is the listing the runner and graph use.
    assert [c for c in shim.calls if c.endswith("/collections")] == ["GET /collections"]
    assert report.target == shim.url
    assert SECRET not in report.model_dump_json()
    for path in state.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path
