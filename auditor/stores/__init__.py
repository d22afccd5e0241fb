"""Store adapters: open any supported target as a read-only `StoreAdapter`.

Target forms (parsed once into a `ScanTarget`, see stores/target.py):
- `http(s)://host:port` — a Qdrant server. The API key comes from `QDRANT_API_KEY` or
  `api_key_file`, never from the target string; user:password in the URL is sent as HTTP basic
  auth (for a proxy) and never part of a display or stored form.
- a folder made by qdrant-client `QdrantClient(path=...)` — read directly, read-only.
- `edge:DIR` (or `edge://DIR`) — a Qdrant Edge shard, or a folder of shards, opened from a private copy.
- `scheme://...` with any other scheme — the store plugin published under that scheme's name, if
  one is; otherwise offered to every third-party store plugin in turn.

Every store, built-ins included (`stores.builtins`), is a plugin in the entry-point group
`vecaudit.stores` (see `vecaudit.plugins.loader`): a callable `(target: str, **opts) -> StoreAdapter
| None` given the target as typed, named by the scheme it opens (`http`, `https`, `edge`, `local`
for a plain path). A plugin
named by the target's scheme that cannot be imported is an error; a third-party plugin that fails
while the unknown scheme is offered around is skipped with a warning.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from vecaudit.plugins import STORES, Plugin, discover, find, load_all, stale_install_hint

from ..errors import TargetError, VecauditError
from .base import StoreAdapter
from .target import ScanTarget, TargetKind

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = STORES.group

__all__ = ["ENTRY_POINT_GROUP", "ScanTarget", "StoreAdapter", "open_store"]


def _plugin_name(spec: ScanTarget) -> str:
    """The store plugin a target names: its scheme, `edge` for edge:DIR, `local` for a plain path."""
    if spec.kind is TargetKind.server and spec.server is not None:
        return urlsplit(spec.server.url).scheme
    if spec.kind is TargetKind.edge:
        return "edge"
    if spec.kind is TargetKind.local:
        return "local"
    return spec.scheme or ""


def _checked(plugin: Plugin, adapter: object) -> StoreAdapter:
    if not isinstance(adapter, StoreAdapter):
        raise TargetError(f"store plugin {plugin.name!r} returned something that is not a StoreAdapter")
    return adapter


def _open_named(plugin: Plugin, target: str, display: str, opts: dict[str, Any]) -> StoreAdapter:
    factory = plugin.load()  # PluginError: the target's own plugin is broken
    if plugin.builtin:
        # built-ins raise their own TargetErrors (never with credentials); anything else is a bug
        adapter = factory(target, **opts)
    else:
        try:
            adapter = factory(target, **opts)
        except VecauditError:
            raise
        except Exception as exc:
            # the exception's message may quote the target with its credentials: the type only
            raise TargetError(f"{plugin.describe()} failed to open {display}: {type(exc).__name__}") from exc
    if adapter is None:
        raise TargetError(f"{plugin.describe()} does not open {display}")
    return _checked(plugin, adapter)


def _open_offered(target: str, scheme: str, display: str, opts: dict[str, Any]) -> StoreAdapter:
    """Offer a target of an unknown scheme to every third-party store plugin, in discover order."""
    for plugin, factory in load_all(STORES, include_builtin=False):
        try:
            adapter = factory(target, **opts)
        except VecauditError:
            raise
        except Exception as exc:
            # a broken plugin must not hide the others, nor leak the target's credentials
            log.warning("%s failed to open a target: %s; skipped", plugin.describe(), type(exc).__name__)
            continue
        if adapter is not None:
            return _checked(plugin, adapter)
    installed = [p.name for p in discover(STORES) if not p.builtin]
    hint = " (no store plugins installed)"
    if installed:
        hint = f" (installed store plugins: {', '.join(installed)})"
    raise TargetError(
        f"unsupported target {display}: scheme {scheme!r} is not a Qdrant URL, local folder or edge:DIR{hint}"
    )


def open_store(
    target: ScanTarget | str,
    *,
    api_key_file: Path | None = None,
    timeout: float = 30.0,
    verify_tls: bool = True,
    retries: int = 3,
    backoff: float = 0.5,
) -> StoreAdapter:
    """Open `target` read-only through the store plugin its scheme names.

    Raises TargetError for anything that cannot be opened, PluginError (exit 2 like it) when the
    plugin the target's scheme names is installed but cannot be imported.

    `backoff` is the first retry delay in seconds for a server (doubled each retry, with jitter).
    """
    spec = ScanTarget.of(target)
    # every plugin gets these; built-ins also the retry backoff and the parsed target (third-party
    # plugins have the four-key contract of the entry-point group)
    opts: dict[str, Any] = {
        "api_key_file": api_key_file,
        "timeout": timeout,
        "verify_tls": verify_tls,
        "retries": retries,
    }
    name = _plugin_name(spec)
    plugin = find(STORES, name)
    if plugin is not None:
        named_opts = {**opts, "backoff": backoff, "parsed": spec} if plugin.builtin else opts
        return _open_named(plugin, spec.raw, spec.display, named_opts)
    if spec.kind is not TargetKind.plugin:
        hint = stale_install_hint(STORES)
        raise TargetError(f"cannot open {spec.display}: no store plugin {name!r} is installed{hint}")
    return _open_offered(spec.raw, name, spec.display, opts)
