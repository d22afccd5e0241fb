"""Read-only adapter for Qdrant Edge shards (qdrant-edge-py: Qdrant's Rust engine in-process).

`EdgeShard.load` writes into the shard folder (see readonly.py for what was measured), so every
shard is loaded from a private copy that is deleted on `close()`. The copy keeps holes as holes,
so the engine's preallocated 32 MiB files cost no real disk.

A target folder is either one shard (it has `edge_config.json` or `segments/`), shown as one
collection named after the folder, or a folder of shards, one collection per subfolder.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import CollectionError, TargetError
from ..models import CollectionInfo, Point, PointId, VectorInfo
from .base import ClosingStore
from .points import (
    VectorNames,
    check_batch_size,
    dense_info_from_json,
    in_order,
    make_point,
    normalize_id,
    scroll_pages,
    sparse_info,
    wanted_ids,
)
from .readonly import PrivateCopy

log = logging.getLogger(__name__)


def is_edge_shard(path: Path) -> bool:
    return (path / "edge_config.json").is_file() or (path / "segments").is_dir()


def find_shards(path: Path) -> dict[str, Path]:
    """Collection name -> shard folder."""
    if is_edge_shard(path):
        return {path.resolve().name: path}
    if path.is_dir():
        return {
            child.name: child for child in sorted(path.iterdir()) if child.is_dir() and is_edge_shard(child)
        }
    return {}


def _vector_infos_from_config(config: dict[str, Any]) -> list[VectorInfo]:
    infos: list[VectorInfo] = []
    for name, params in sorted((config.get("vectors") or {}).items()):
        if isinstance(params, dict):
            infos.append(dense_info_from_json(str(name), params))
    for name, params in sorted((config.get("sparse_vectors") or {}).items()):
        datatype = params.get("datatype") if isinstance(params, dict) else None
        infos.append(sparse_info(str(name), datatype=datatype))
    return infos


def _read_vector_infos(shard_dir: Path) -> list[VectorInfo]:
    """The shard's vector config, from `edge_config.json` (rewritten in full by load), else a segment."""
    config_path = shard_dir / "edge_config.json"
    try:
        if config_path.is_file():
            return _vector_infos_from_config(json.loads(config_path.read_text(encoding="utf-8")))
        for segment_json in sorted((shard_dir / "segments").glob("*/segment.json")):
            seg = json.loads(segment_json.read_text(encoding="utf-8")).get("config", {})
            return _vector_infos_from_config(
                {"vectors": seg.get("vector_data"), "sparse_vectors": seg.get("sparse_vector_data")}
            )
    except (OSError, ValueError, AttributeError) as exc:
        log.warning("cannot read the vector config of shard %s: %s", shard_dir.name, type(exc).__name__)
    return []


@dataclass
class _Shard(VectorNames):
    name: str
    copy: PrivateCopy
    shard: Any  # qdrant_edge.EdgeShard
    vectors: list[VectorInfo]


class QdrantEdgeStore(ClosingStore):
    """Read-only adapter over one or more Qdrant Edge shards, each opened from a private copy."""

    def __init__(self, path: Path) -> None:
        try:
            import qdrant_edge
        except ImportError as exc:  # pragma: no cover - a declared dependency
            raise TargetError("reading Edge shards needs the qdrant-edge-py package") from exc
        self._edge = qdrant_edge
        self.path = path
        self.display_target = f"edge:{path}"
        if not path.exists():
            raise TargetError(f"Edge shard folder not found: {path}")
        self._shard_dirs = find_shards(path)
        if not self._shard_dirs:
            raise TargetError(f"{path} is not a Qdrant Edge shard (no edge_config.json or segments/ inside)")
        self._open: dict[str, _Shard] = {}

    def _get(self, name: str) -> _Shard:
        shard = self._open.get(name)
        if shard is not None:
            return shard
        source = self._shard_dirs.get(name)
        if source is None:
            raise CollectionError(f"collection {name!r} not found in {self.display_target}")
        copy = PrivateCopy(source, prefix="vecaudit-edge-")
        try:
            loaded = self._edge.EdgeShard.load(str(copy.path))
        except Exception as exc:
            copy.close()
            # The engine's own message may quote stored bytes: only its type leaves this process.
            raise TargetError(
                f"Qdrant Edge could not load shard {name!r} ({type(exc).__name__}); "
                "is it a Qdrant Edge shard folder written by a compatible version?"
            ) from None
        shard = _Shard(name, copy, loaded, _read_vector_infos(copy.path))
        self._open[name] = shard
        return shard

    def list_collection_names(self) -> list[str]:
        return list(self._shard_dirs)

    def list_collections(self) -> list[CollectionInfo]:
        return [self.collection_info(name) for name in self._shard_dirs]

    def collection_info(self, name: str) -> CollectionInfo:
        shard = self._get(name)
        return CollectionInfo(name=name, points_total=self.count(name), vectors=list(shard.vectors))

    def count(self, collection: str) -> int:
        shard = self._get(collection)
        return int(shard.shard.count(self._edge.CountRequest(exact=True)))

    def _with_vector(self, shard: _Shard, with_vectors: bool) -> bool | list[str]:
        # ask only for dense vectors: sparse and multivectors are dropped anyway
        if not with_vectors or not shard.dense:
            return False
        return shard.dense

    def _to_point(self, shard: _Shard, record: Any) -> Point:
        return make_point(
            record.id, record.vector, record.payload, dense_names=shard.dense, nondense_names=shard.nondense
        )

    def iter_points(
        self,
        collection: str,
        *,
        batch_size: int = 256,
        with_vectors: bool = True,
        offset: PointId | None = None,
    ) -> Iterator[tuple[list[Point], PointId | None]]:
        check_batch_size(batch_size)
        shard = self._get(collection)
        with_vector = self._with_vector(shard, with_vectors)
        for records, nxt in scroll_pages(
            lambda cursor: shard.shard.scroll(
                self._edge.ScrollRequest(
                    offset=cursor, limit=batch_size, with_payload=True, with_vector=with_vector
                )
            ),
            offset,
        ):
            if records or nxt is not None:
                yield [self._to_point(shard, r) for r in records], nxt

    def iter_ids(self, collection: str, *, batch_size: int = 1024) -> Iterator[PointId]:
        shard = self._get(collection)
        for records, _ in scroll_pages(
            lambda cursor: shard.shard.scroll(
                self._edge.ScrollRequest(
                    offset=cursor, limit=batch_size, with_payload=False, with_vector=False
                )
            )
        ):
            for record in records:
                yield normalize_id(record.id)

    def retrieve(self, collection: str, ids: list[PointId], *, with_vectors: bool = True) -> list[Point]:
        shard = self._get(collection)
        wanted = wanted_ids(ids)
        if not wanted:
            return []
        records = shard.shard.retrieve(
            wanted, with_payload=True, with_vector=self._with_vector(shard, with_vectors)
        )
        return in_order((self._to_point(shard, r) for r in records), wanted)

    def close(self) -> None:
        for shard in self._open.values():
            try:
                shard.shard.close()
            except Exception as exc:  # closing a private copy must not mask the scan's result
                log.debug("closing Edge shard %r: %s", shard.name, type(exc).__name__)
            shard.copy.close()
        self._open.clear()
