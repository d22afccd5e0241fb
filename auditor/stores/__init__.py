"""Store adapters: open any supported target as a read-only `StoreAdapter`.

Target forms (parsed once into a `ScanTarget`, see stores/target.py):
- `http(s)://host:port` — a Qdrant server. The API key comes from `QDRANT_API_KEY` or
  `api_key_file`, never from the target string; user:password in the URL is sent as HTTP basic
  auth (for a proxy) and never part of a display or stored form.
- a folder made by qdrant-client `QdrantClient(path=...)` — read directly, read-only.
- `edge:DIR` (or `edge://DIR`) — a Qdrant Edge shard, or a folder of shards, opened from a private copy.
- `scheme://...` with any other scheme — offered to third-party adapters registered under the
  entry-point group `vecaudit.stores`: each is a callable `(target: str, **opts) -> StoreAdapter | None`.
"""

from __future__ import annotations

import logging
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from ..errors import TargetError, VecauditError
from .base import StoreAdapter
from .target import ScanTarget, TargetKind, load_api_key

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "vecaudit.stores"

__all__ = ["ENTRY_POINT_GROUP", "ScanTarget", "StoreAdapter", "open_store"]


def _open_plugin(target: str, scheme: str, display: str, opts: dict[str, Any]) -> StoreAdapter:
    tried: list[str] = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        tried.append(ep.name)
        try:
            factory = ep.load()
            adapter = factory(target, **opts)
        except VecauditError:
            raise
        except Exception as exc:
            # a broken plugin must not hide the others, nor leak the target's credentials
            log.warning("store plugin %r failed to load or open: %s", ep.name, type(exc).__name__)
            continue
        if adapter is not None:
            if not isinstance(adapter, StoreAdapter):
                raise TargetError(f"store plugin {ep.name!r} returned something that is not a StoreAdapter")
            return adapter
    hint = f" (installed store plugins: {', '.join(tried)})" if tried else " (no store plugins installed)"
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
    """Open `target` read-only (text is parsed here; callers that have a ScanTarget pass it).

    Raises TargetError for anything that cannot be opened. `backoff` is the first retry delay in
    seconds for a server (doubled each retry, with jitter).
    """
    spec = ScanTarget.of(target)
    if spec.kind is TargetKind.server:
        from .qdrant_store import QdrantServerStore

        assert spec.server is not None
        store = QdrantServerStore(
            spec.server,
            api_key=load_api_key(api_key_file),
            timeout=timeout,
            verify_tls=verify_tls,
            retries=retries,
            backoff=backoff,
        )
        # fail fast on a bad URL, key or network instead of at the first collection; the store keeps
        # this listing, so the scan's own check of the collections does not ask the server again
        try:
            store.list_collection_names()
        except BaseException:
            store.close()
            raise
        return store
    if spec.kind is TargetKind.edge:
        from .edge_store import QdrantEdgeStore

        assert spec.path is not None
        return QdrantEdgeStore(spec.path)
    if spec.kind is TargetKind.plugin:
        assert spec.scheme is not None
        opts: dict[str, Any] = {
            "api_key_file": api_key_file,
            "timeout": timeout,
            "verify_tls": verify_tls,
            "retries": retries,
        }
        return _open_plugin(spec.raw, spec.scheme, spec.display, opts)

    from .edge_store import QdrantEdgeStore, is_edge_shard
    from .local_store import QdrantLocalStore, is_local_folder

    assert spec.path is not None
    path = spec.path
    if not path.exists():
        raise TargetError(
            f"target not found: {path} (expected a Qdrant URL, a local-mode folder or edge:DIR)"
        )
    if not path.is_dir():
        raise TargetError(f"target {path} is a file; expected a qdrant-client local-mode folder or edge:DIR")
    if is_local_folder(path):
        return QdrantLocalStore(path)
    if is_edge_shard(path):
        log.info("%s looks like a Qdrant Edge shard; opening it as edge:%s", path, path)
        return QdrantEdgeStore(path)
    raise TargetError(
        f"{path} is neither a qdrant-client local-mode folder (no meta.json) nor a Qdrant Edge shard; "
        "for a server pass http(s)://host:port"
    )
