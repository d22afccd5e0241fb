"""vecaudit's own store plugins, published under `vecaudit.stores` like any third party's.

Each is a factory `(target: str, **opts) -> StoreAdapter | None` named by the scheme it opens
(pyproject.toml): `http`/`https` a Qdrant server, `edge` a Qdrant Edge shard, `local` a plain
path (a qdrant-client local-mode folder, or an Edge shard given without `edge:`). A factory
returns None for a target that is not its kind and raises TargetError for one it cannot open.
Store modules are imported on call, so listing plugins imports no client library. `open_store`
hands built-ins the target it already parsed (`parsed`); called alone they parse the text.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ..errors import TargetError
from .base import StoreAdapter
from .target import ScanTarget, TargetKind, load_api_key

log = logging.getLogger(__name__)


def open_server(
    target: str,
    *,
    api_key_file: Path | None = None,
    timeout: float = 30.0,
    verify_tls: bool = True,
    retries: int = 3,
    backoff: float = 0.5,
    parsed: ScanTarget | None = None,
    **_: Any,
) -> StoreAdapter | None:
    """A Qdrant server at an http(s) URL, checked with one call. Raises TargetError."""
    spec = parsed if parsed is not None else ScanTarget.of(target)
    if spec.kind is not TargetKind.server or spec.server is None:
        return None
    from .qdrant_store import QdrantServerStore

    store = QdrantServerStore(
        spec.server,
        api_key=load_api_key(api_key_file),
        timeout=timeout,
        verify_tls=verify_tls,
        retries=retries,
        backoff=backoff,
    )
    # fail fast on a bad URL, key or network instead of at the first collection
    try:
        store.list_collection_names()
    except BaseException:
        store.close()
        raise
    return store


def open_edge(target: str, *, parsed: ScanTarget | None = None, **_: Any) -> StoreAdapter | None:
    """A Qdrant Edge shard (or a folder of shards) given as `edge:DIR`. Raises TargetError."""
    spec = parsed if parsed is not None else ScanTarget.of(target)
    if spec.kind is not TargetKind.edge or spec.path is None:
        return None
    from .edge_store import QdrantEdgeStore

    return QdrantEdgeStore(spec.path)


def open_local(target: str, *, parsed: ScanTarget | None = None, **_: Any) -> StoreAdapter | None:
    """A plain path: a qdrant-client local-mode folder, or an Edge shard. Raises TargetError."""
    spec = parsed if parsed is not None else ScanTarget.of(target)
    if spec.kind is not TargetKind.local or spec.path is None:
        return None
    from .edge_store import QdrantEdgeStore, is_edge_shard
    from .local_store import QdrantLocalStore, is_local_folder

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
