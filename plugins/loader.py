"""The one plugin loader: every extension point is an entry-point group, built-ins included.

vecaudit publishes its own stores, encoders, recognizers, report formats and search strategies
under the same entry-point groups a third party uses (see `[project.entry-points]` in
pyproject.toml), so there is one way in and one failure rule:

- a plugin the user *named* (a `--format`, an `--encoder`, a target's scheme) that is missing or
  cannot be imported raises `PluginError` (exit 2): silently doing something else would change
  what the audit checked;
- a plugin met while loading a whole group (listing formats, building every recognizer) that
  cannot be imported is skipped with one warning naming it, its target and its distribution, so
  one broken third-party package cannot stop every scan. `vecaudit plugins` shows it as broken.

A name published twice keeps the built-in (a plugin cannot silently replace e.g. `sarif` in a CI
pipeline); between two third parties the first distribution by name wins. Both cases warn.

Errors never carry a plugin's exception message: it may quote the value it failed on, which can
be a target URL with credentials or payload text. The exception type is named instead.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from vecaudit.errors import VecauditError

log = logging.getLogger(__name__)

#: The distribution whose entry points count as built-in.
BUILTIN_DISTRIBUTION = "vecaudit"


class PluginError(VecauditError):
    """A named plugin is not installed or cannot be loaded."""


@dataclass(frozen=True, slots=True)
class ExtensionPoint:
    """One entry-point group and what its objects are.

    `group` is the entry-point group name; `noun` names one plugin in messages ("store");
    `contract` says in one line what the loaded object must be (shown by `vecaudit plugins`).
    """

    group: str
    noun: str
    contract: str


STORES = ExtensionPoint(
    "vecaudit.stores",
    "store",
    "callable (target: str, **opts) -> StoreAdapter | None; named by the target's scheme, or offered "
    "every target of a scheme no plugin is named after",
)
ENCODERS = ExtensionPoint(
    "vecaudit.encoders",
    "encoder",
    "an Encoder instance, or a factory called as factory(device=...) with an optional .spec",
)
RECOGNIZERS = ExtensionPoint(
    "vecaudit.recognizers",
    "recognizer",
    "callable (language: str) -> presidio EntityRecognizer, or an EntityRecognizer subclass",
)
REPORT_FORMATS = ExtensionPoint(
    "vecaudit.report_formats",
    "report format",
    "a ReportFormat class or instance: name, extension, media_type, render(report, context)",
)
SEARCH_STRATEGIES = ExtensionPoint(
    "vecaudit.search_strategies",
    "search strategy",
    "a SearchStrategy class: .name, run(state: SearchState, budget: int) (inversion.attack.base)",
)

EXTENSION_POINTS: tuple[ExtensionPoint, ...] = (
    STORES,
    ENCODERS,
    RECOGNIZERS,
    REPORT_FORMATS,
    SEARCH_STRATEGIES,
)


@dataclass(frozen=True, slots=True)
class Plugin:
    """One published entry point: where it comes from, not yet imported."""

    point: ExtensionPoint
    name: str
    target: str  # "module:attr", as published
    distribution: str  # "name version", or "unknown" for an entry point without metadata
    builtin: bool
    entry_point: EntryPoint

    def load(self) -> Any:
        """Import the object. Raises PluginError naming the plugin and the exception type."""
        try:
            return self.entry_point.load()
        except Exception as exc:
            raise PluginError(f"{self.describe()} cannot be imported: {type(exc).__name__}") from exc

    def describe(self) -> str:
        origin = "built-in" if self.builtin else f"from {self.distribution}"
        return f"{self.point.noun} plugin {self.name!r} ({self.target}, {origin})"


def _plugin(point: ExtensionPoint, ep: EntryPoint) -> Plugin:
    dist = ep.dist
    dist_name = dist.name if dist is not None else ""
    version = dist.version if dist is not None else ""
    builtin = _normalized(dist_name) == BUILTIN_DISTRIBUTION
    label = f"{dist_name} {version}".strip() or "unknown"
    return Plugin(point, ep.name, ep.value, label, builtin, ep)


def _normalized(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def discover(point: ExtensionPoint) -> list[Plugin]:
    """Every plugin published for `point`, one per name: built-ins first, then by name.

    Nothing is imported. Shadowed duplicates are dropped with a warning naming both sources.
    """
    chosen: dict[str, Plugin] = {}
    found = [_plugin(point, ep) for ep in entry_points(group=point.group)]
    # built-ins claim their names first; third parties in a stable order (distribution, name)
    for plugin in sorted(found, key=lambda p: (not p.builtin, p.distribution, p.name)):
        kept = chosen.get(plugin.name)
        if kept is None:
            chosen[plugin.name] = plugin
        elif kept.entry_point != plugin.entry_point:
            log.warning("%s ignored: the name is taken by %s", plugin.describe(), kept.describe())
    return sorted(chosen.values(), key=lambda p: (not p.builtin, p.name))


def find(point: ExtensionPoint, name: str) -> Plugin | None:
    """The plugin published under `name`, or None. Nothing is imported."""
    return next((p for p in discover(point) if p.name == name), None)


def stale_install_hint(point: ExtensionPoint, plugins: list[Plugin] | None = None) -> str:
    """A sentence to append to an error when vecaudit publishes built-ins for `point` but none is
    found (the installed metadata predates them, e.g. an old editable install), else ""."""
    if point not in EXTENSION_POINTS:
        return ""
    found = discover(point) if plugins is None else plugins
    if any(p.builtin for p in found):
        return ""
    return (
        f"; none of vecaudit's own {point.noun} plugins is registered: the installed package metadata "
        "is out of date, reinstall vecaudit (pip install -e .)"
    )


def load_named(point: ExtensionPoint, name: str) -> Any:
    """Load the plugin the user named. Raises PluginError if it is missing or broken."""
    plugin = find(point, name)
    if plugin is None:
        plugins = discover(point)
        known = ", ".join(p.name for p in plugins) or "none installed"
        hint = stale_install_hint(point, plugins)
        raise PluginError(f"unknown {point.noun} {name!r} (installed: {known}){hint}")
    return plugin.load()


def load_all(
    point: ExtensionPoint,
    *,
    include_builtin: bool = True,
    skipped: list[PluginStatus] | None = None,
) -> Iterator[tuple[Plugin, Any]]:
    """Load every plugin of `point` in `discover` order; a broken one is skipped with a warning.

    `include_builtin=False` loads third-party plugins only (for points whose built-ins are used
    directly). Each skipped plugin is also appended to `skipped`, if given, so a caller can show
    the skip where the user looks (a scan report), not only in the log.
    """
    for plugin in discover(point):
        if plugin.builtin and not include_builtin:
            continue
        try:
            obj = plugin.load()
        except PluginError as exc:
            log.warning("%s; skipped", exc)
            if skipped is not None:
                skipped.append(PluginStatus(plugin, str(exc)))
            continue
        yield plugin, obj


@dataclass(frozen=True, slots=True)
class PluginStatus:
    """A plugin and whether it imports, for `vecaudit plugins`."""

    plugin: Plugin
    error: str | None  # None: imports cleanly


def check(point: ExtensionPoint) -> list[PluginStatus]:
    """Import every plugin of `point` and say which fail (without raising)."""
    out: list[PluginStatus] = []
    for plugin in discover(point):
        try:
            plugin.load()
        except PluginError as exc:
            out.append(PluginStatus(plugin, str(exc)))
        else:
            out.append(PluginStatus(plugin, None))
    return out
