"""The one plugin loader: a named plugin that is missing or broken is an error, a broken plugin met
in bulk is a warning naming it, and a built-in name cannot be taken over by a third party."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from vecaudit.plugins import (
    PluginError,
    PluginStatus,
    check,
    discover,
    load_all,
    load_named,
    stale_install_hint,
)
from vecaudit.plugins.loader import ExtensionPoint

POINT = ExtensionPoint("vecaudit.test_loader_group", "widget", "anything")


def _distribution(root: Path, name: str, entries: dict[str, str]) -> None:
    info = root / f"{name}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    lines = "".join(f"{k} = {v}\n" for k, v in entries.items())
    (info / "entry_points.txt").write_text(f"[{POINT.group}]\n{lines}")


@pytest.fixture
def published(tmp_path: Path) -> Iterator[Path]:
    (tmp_path / "good_widgets.py").write_text("WIDGET = 'good'\nOTHER = 'other'\n")
    (tmp_path / "broken_widgets.py").write_text("raise RuntimeError('secret-token-in-message')\n")
    _distribution(tmp_path, "acme_widgets", {"good": "good_widgets:WIDGET", "broken": "broken_widgets:X"})
    # a second third party publishing a name the first one already took
    _distribution(tmp_path, "zeta_widgets", {"good": "good_widgets:OTHER"})
    sys.path.insert(0, str(tmp_path))
    try:
        yield tmp_path
    finally:
        sys.path.remove(str(tmp_path))
        for mod in ("good_widgets", "broken_widgets"):
            sys.modules.pop(mod, None)


def test_discover_lists_every_name_once_with_its_distribution(
    published: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        plugins = discover(POINT)
    assert [(p.name, p.distribution, p.builtin) for p in plugins] == [
        ("broken", "acme_widgets 1.0", False),
        ("good", "acme_widgets 1.0", False),
    ]
    assert "zeta_widgets" in caplog.text and "taken by" in caplog.text


def test_named_plugin_loads_and_missing_or_broken_is_an_error(published: Path) -> None:
    assert load_named(POINT, "good") == "good"
    with pytest.raises(PluginError, match=r"unknown widget 'nope' \(installed: broken, good\)"):
        load_named(POINT, "nope")
    with pytest.raises(PluginError) as err:
        load_named(POINT, "broken")
    assert "widget plugin 'broken' (broken_widgets:X, from acme_widgets 1.0)" in str(err.value)
    assert "RuntimeError" in str(err.value)
    assert "secret-token" not in str(err.value)  # a plugin's message may quote data


def test_bulk_loading_skips_a_broken_plugin_with_a_warning_naming_it(
    published: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        loaded = [(p.name, obj) for p, obj in load_all(POINT)]
    assert loaded == [("good", "good")]
    assert "widget plugin 'broken' (broken_widgets:X, from acme_widgets 1.0)" in caplog.text
    assert "secret-token" not in caplog.text


def test_check_reports_each_plugin_status(published: Path) -> None:
    status = {s.plugin.name: s.error for s in check(POINT)}
    assert status["good"] is None
    assert status["broken"] is not None and "RuntimeError" in status["broken"]


def test_bulk_loading_hands_back_what_it_skipped(published: Path) -> None:
    skipped: list[PluginStatus] = []
    loaded = [p.name for p, _ in load_all(POINT, include_builtin=False, skipped=skipped)]
    assert loaded == ["good"]  # no built-in in this group: the filter leaves third parties alone
    assert [(s.plugin.name, "RuntimeError" in (s.error or "")) for s in skipped] == [("broken", True)]


def test_missing_builtins_hint_at_a_stale_install_only_for_vecaudit_groups(published: Path) -> None:
    assert stale_install_hint(POINT) == ""  # not one of vecaudit's groups: no built-ins expected
    with pytest.raises(PluginError) as err:
        load_named(POINT, "nope")
    assert "reinstall" not in str(err.value)
