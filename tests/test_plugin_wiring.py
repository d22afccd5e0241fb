"""Every extension point wired through the one plugin loader: vecaudit's own stores, encoders,
recognizers and search strategies come from its entry points, a plugin the user names (a target's
scheme, an --encoder) that is broken is an error, a broken plugin met in bulk a warning, and
`vecaudit plugins` lists them all.

Third-party plugins are real distributions (a dist-info folder on sys.path), found by
importlib.metadata like installed ones. The built-ins are read from the installed vecaudit
metadata, so those tests need the package installed from this pyproject.toml.
"""

from __future__ import annotations

import importlib
import json
import logging
import sys
import tomllib
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest
from clitools import enter_sandbox, pii_store, run_cli, write_policy
from storebuild import build_local
from vecaudit.detect.engine import _get_engine
from vecaudit.detect.recognizers import BUILTIN_RECOGNIZERS
from vecaudit.encoders import registry
from vecaudit.encoders.builtins import ORDER
from vecaudit.errors import EncoderError, TargetError
from vecaudit.plugins import (
    ENCODERS,
    EXTENSION_POINTS,
    RECOGNIZERS,
    SEARCH_STRATEGIES,
    STORES,
    PluginError,
    discover,
)
from vecaudit.stores import open_store

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
SECRET = "s3cret-in-plugin-message"


def _published(group: str) -> dict[str, str]:
    return dict(tomllib.loads(PYPROJECT.read_text())["project"]["entry-points"][group])


def _load(target: str) -> object:
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def _distribution(site: Path, name: str, groups: dict[str, dict[str, str]]) -> None:
    info = site / f"{name.replace('-', '_')}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    text = "".join(
        f"[{group}]\n" + "".join(f"{k} = {v}\n" for k, v in entries.items())
        for group, entries in groups.items()
    )
    (info / "entry_points.txt").write_text(text)


# --- what pyproject.toml publishes, and what the installed metadata holds ----------------------


def test_pyproject_publishes_every_builtin_under_its_name() -> None:
    stores = _published(STORES.group)
    assert set(stores) == {"http", "https", "edge", "local"}
    encoders = _published(ENCODERS.group)
    assert set(encoders) == set(ORDER)
    for name, target in encoders.items():
        assert _load(target).spec.id == name  # type: ignore[attr-defined]
    # the detector builds these directly; the entry points must list exactly the same
    recognizers = _published(RECOGNIZERS.group)
    assert {n: _load(t) for n, t in recognizers.items()} == BUILTIN_RECOGNIZERS
    strategies = _published(SEARCH_STRATEGIES.group)
    assert {n: _load(t).name for n, t in strategies.items()} == {n: n for n in strategies}  # type: ignore[attr-defined]
    assert set(strategies) == {
        "lm_hypotheses",
        "guided_beam_search",
        "sequence_correction",
        "lexical_search",
        "value_refinement",
    }


@pytest.mark.parametrize("point", [STORES, ENCODERS, RECOGNIZERS, SEARCH_STRATEGIES], ids=lambda p: p.noun)
def test_builtins_come_from_the_installed_entry_points(point: object) -> None:
    from vecaudit.plugins import ExtensionPoint

    assert isinstance(point, ExtensionPoint)
    found = {p.name: p for p in discover(point)}
    for name, target in _published(point.group).items():
        plugin = found.get(name)
        assert plugin is not None, f"{name} not installed: reinstall vecaudit from this pyproject.toml"
        assert plugin.builtin and plugin.distribution.startswith("vecaudit ") and plugin.target == target


def test_plain_paths_and_edge_targets_still_open_through_the_builtins(tmp_path: Path) -> None:
    folder = build_local(tmp_path / "data", "docs", np.eye(3, dtype=np.float32), [{"i": i} for i in range(3)])
    with closing(open_store(str(folder))) as store:
        assert store.count("docs") == 3
    with pytest.raises(TargetError, match="target not found"):
        open_store(str(tmp_path / "missing"))


# --- stores: the scheme names the plugin --------------------------------------------------------

_STORES_PLUGIN = """
from pathlib import Path
from vecaudit.stores.local_store import QdrantLocalStore

def open_memdir(target, **opts):
    if not target.startswith("memdir://"):
        return None
    assert set(opts) == {"api_key_file", "timeout", "verify_tls", "retries"}
    return QdrantLocalStore(Path(target.split("://", 1)[1].rpartition("@")[2]))

def explodes(target, **opts):
    raise RuntimeError("cannot reach " + target)  # quotes the credentials

def declines(target, **opts):
    return None

def opens_anything(target, **opts):
    if target.startswith("anything://"):
        return QdrantLocalStore(Path(target[len("anything://"):]))
    return None
"""


@pytest.fixture
def store_plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    site = tmp_path / "site"
    site.mkdir()
    (site / "acme_stores.py").write_text(_STORES_PLUGIN)
    (site / "acme_stores_broken.py").write_text(f"raise RuntimeError({SECRET!r})\n")
    entries = {
        "memdir": "acme_stores:open_memdir",
        "explodes": "acme_stores:explodes",
        "declines": "acme_stores:declines",
        "brokenscheme": "acme_stores_broken:open",
        "z_any": "acme_stores:opens_anything",
        # a third party cannot take over a built-in scheme
        "http": "acme_stores:explodes",
    }
    _distribution(site, "acme-stores", {STORES.group: entries})
    monkeypatch.syspath_prepend(str(site))
    yield build_local(tmp_path / "data", "docs", np.eye(4, dtype=np.float32), [{"i": i} for i in range(4)])
    for mod in ("acme_stores", "acme_stores_broken"):
        sys.modules.pop(mod, None)


def test_a_third_party_store_named_by_the_scheme_opens_it(store_plugins: Path) -> None:
    with closing(open_store(f"memdir://user:pw@{store_plugins}")) as store:
        assert store.count("docs") == 4


def test_a_broken_store_plugin_named_by_the_scheme_is_an_error(store_plugins: Path) -> None:
    with pytest.raises(PluginError) as err:
        open_store("brokenscheme://user:hunter2@host/x")
    message = str(err.value)
    assert "store plugin 'brokenscheme' (acme_stores_broken:open, from acme-stores 1.0)" in message
    assert "RuntimeError" in message and SECRET not in message and "hunter2" not in message


def test_a_named_store_plugin_that_fails_or_declines_is_an_error_without_credentials(
    store_plugins: Path,
) -> None:
    with pytest.raises(TargetError, match=r"store plugin 'explodes'.*RuntimeError") as err:
        open_store("explodes://user:hunter2@host/x")
    assert "hunter2" not in str(err.value)
    with pytest.raises(TargetError, match=r"store plugin 'declines'.*does not open declines://host/x"):
        open_store("declines://user:hunter2@host/x")


def test_an_unknown_scheme_is_offered_to_third_party_plugins_in_bulk(
    store_plugins: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING), closing(open_store(f"anything://{store_plugins}")) as store:
        assert store.count("docs") == 4
    # the broken plugin is skipped with a warning naming it; the one that raises too
    assert "store plugin 'brokenscheme'" in caplog.text and "skipped" in caplog.text
    assert SECRET not in caplog.text
    with pytest.raises(TargetError, match=r"scheme 'other'.*installed store plugins: .*memdir"):
        open_store("other://x")


def test_a_third_party_plugin_cannot_take_over_a_builtin_scheme(
    store_plugins: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        http = next(p for p in discover(STORES) if p.name == "http")
    assert http.builtin and "name is taken by" in caplog.text


# --- encoders: skipped in listings, an error when named ----------------------------------------


@pytest.fixture
def broken_encoder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    (tmp_path / "acme_encoder_broken.py").write_text(f"raise ImportError({SECRET!r})\n")
    (tmp_path / "acme_encoder_odd.py").write_text("NOT_AN_ENCODER = 42\n")
    entries = {"acme-enc": "acme_encoder_broken:Encoder", "odd-enc": "acme_encoder_odd:NOT_AN_ENCODER"}
    _distribution(tmp_path, "acme-encoders", {ENCODERS.group: entries})
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv(registry.ENCODERS_FILE_ENV, raising=False)
    registry.reset_registry()
    yield
    registry.reset_registry()
    for mod in ("acme_encoder_broken", "acme_encoder_odd"):
        sys.modules.pop(mod, None)


def test_a_broken_encoder_plugin_is_skipped_in_listings_but_an_error_when_named(
    broken_encoder: None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        ids = registry.encoder_ids()
        specs = registry.list_encoders()
    assert ids[: len(ORDER)] == list(ORDER) and "acme-enc" not in ids and "odd-enc" not in ids
    assert {s.id for s in specs} >= set(ORDER)
    assert "encoder plugin 'acme-enc'" in caplog.text and SECRET not in caplog.text
    with pytest.raises(
        EncoderError, match=r"encoder 'acme-enc' cannot be used: encoder plugin 'acme-enc'"
    ) as err:
        registry.get_spec("acme-enc")
    assert "ImportError" in str(err.value) and SECRET not in str(err.value)
    with pytest.raises(
        EncoderError, match=r"encoder 'odd-enc' cannot be used: .*neither an Encoder nor a factory"
    ):
        registry.get_encoder("odd-enc")
    with pytest.raises(EncoderError, match="unknown encoder 'nope'"):
        registry.registration("nope")


def test_scan_with_a_broken_encoder_named_fails_before_scanning(
    broken_encoder: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "sandbox").mkdir()
    sandbox = enter_sandbox(tmp_path / "sandbox", monkeypatch)
    write_policy(sandbox)
    pii_store(sandbox / "store", 5)
    r = run_cli(capsys, "scan", "store", "--policy", "policy.yaml", "--no-invert", "--encoder", "acme-enc")
    assert r.code == 2
    assert "encoder plugin 'acme-enc'" in r.err and "unknown encoder" not in r.err


# --- recognizers: a broken third party is a warning, the scan runs and its report says so -------


@pytest.fixture
def broken_recognizer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    site = tmp_path / "site"
    site.mkdir()
    (site / "acme_recognizer_broken.py").write_text(f"raise RuntimeError({SECRET!r})\n")
    _distribution(site, "acme-recognizers", {RECOGNIZERS.group: {"acme_id": "acme_recognizer_broken:build"}})
    monkeypatch.syspath_prepend(str(site))
    _get_engine.cache_clear()
    yield
    _get_engine.cache_clear()  # later tests must not see the skip
    sys.modules.pop("acme_recognizer_broken", None)


def test_a_broken_recognizer_plugin_is_a_warning_and_the_scan_report_notes_the_skip(
    broken_recognizer: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "sandbox").mkdir()
    sandbox = enter_sandbox(tmp_path / "sandbox", monkeypatch)
    write_policy(sandbox)
    pii_store(sandbox / "store", 20)
    r = run_cli(capsys, "scan", "store", "--policy", "policy.yaml", "--no-invert", "-f", "json")
    assert r.code == 1  # the scan ran and found the store's PII
    assert "recognizer plugin 'acme_id'" in r.err and SECRET not in r.err
    report = json.loads(r.out)
    assert report["summary"]["findings_total"] > 0
    skipped = report["stages_skipped"]["detect"]
    assert "recognizer plugin 'acme_id' (acme_recognizer_broken:build, from acme-recognizers 1.0)" in skipped
    assert "cannot be imported: RuntimeError" in skipped and SECRET not in skipped


# --- vecaudit plugins ---------------------------------------------------------------------------


def test_plugins_command_lists_every_point_with_status(
    store_plugins: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    table = run_cli(capsys, "plugins")
    assert table.code == 0
    for point in EXTENSION_POINTS:
        assert point.group in table.out
    row = next(line for line in table.out.splitlines() if line.startswith("brokenscheme "))
    assert "acme-stores 1.0" in row and "third party" in row
    assert "broken: cannot be imported: RuntimeError" in row
    assert SECRET not in table.out + table.err

    listed = run_cli(capsys, "plugins", "--json")
    assert listed.code == 0
    groups = {g["group"]: g for g in json.loads(listed.out)}
    assert list(groups) == [p.group for p in EXTENSION_POINTS]
    stores = {p["name"]: p for p in groups[STORES.group]["plugins"]}
    assert stores["memdir"] == {
        "name": "memdir",
        "target": "acme_stores:open_memdir",
        "distribution": "acme-stores 1.0",
        "builtin": False,
        "status": "ok",
        "error": None,
    }
    assert stores["brokenscheme"]["status"] == "broken" and "RuntimeError" in stores["brokenscheme"]["error"]
    assert stores["http"]["builtin"] and stores["http"]["distribution"].startswith("vecaudit ")
    assert "Failure rule" in run_cli(capsys, "plugins", "--help").out


def test_plugins_help_is_listed_in_the_top_level_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert "plugins" in run_cli(capsys, "--help").out
