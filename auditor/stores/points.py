"""Turning the records each Qdrant flavour returns into `Point`s, and vector configs into `VectorInfo`s.

Shared by the server, local-mode and Edge adapters so that all three hand the rest of the
pipeline exactly the same shapes: ids are `int` or canonical lowercase UUID strings, dense
vectors are float32 numpy arrays, sparse vectors and multivectors are left out of `Point.vectors`.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import cached_property
from typing import Any

import numpy as np

from ..models import Point, PointId, VectorInfo, VectorKind

log = logging.getLogger(__name__)

_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def normalize_id(point_id: Any) -> PointId:
    """Qdrant treats UUID spellings as one id; compare and report them in canonical form."""
    if isinstance(point_id, bool):  # bool is an int subclass; never a valid id, keep it visible
        return str(point_id)
    if isinstance(point_id, int):
        return point_id
    if isinstance(point_id, uuid.UUID):
        return str(point_id)
    text = str(point_id)
    if _CANONICAL_UUID.fullmatch(text):
        return text
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return text


def id_sort_key(point_id: PointId) -> tuple[int, int, str]:
    """Qdrant's scroll order: integer ids ascending, then UUIDs in canonical text order."""
    if isinstance(point_id, int):
        return (0, point_id, "")
    return (1, 0, point_id)


def _is_sparse(value: Any) -> bool:
    if isinstance(value, Mapping):
        return "indices" in value and "values" in value
    return hasattr(value, "indices") and hasattr(value, "values")


def _is_nested(value: Any) -> bool:
    if isinstance(value, np.ndarray):
        return value.ndim > 1
    return isinstance(value, (list, tuple)) and len(value) > 0 and isinstance(value[0], (list, tuple))


#: What a vector that cannot be read as numbers becomes: an empty array, which callers count as an
#: unreadable vector instead of a missing one.
UNREADABLE_VECTOR = np.zeros(0, dtype=np.float32)


def _as_float32(name: str, value: Any) -> np.ndarray:
    try:
        return np.asarray(value, dtype=np.float32)
    except (TypeError, ValueError):
        # Never echo the value: it may be someone's data. The name is schema, not content.
        log.warning("vector %r cannot be read as numbers; counted as not analyzed", name or "(default)")
        return UNREADABLE_VECTOR


def dense_vectors(
    raw: Any,
    *,
    dense_names: Iterable[str] | None = None,
    nondense_names: Iterable[str] = (),
) -> dict[str, np.ndarray]:
    """Pick the dense vectors out of a record's `vector` field.

    `raw` is what a Qdrant API returns: None, a flat list (the unnamed default vector), a nested
    list (an unnamed multivector), or a dict name -> dense list | sparse | multivector.
    Names known from the collection config decide the kind; unknown names are judged by shape.
    """
    if raw is None:
        return {}
    dense = set(dense_names) if dense_names is not None else None
    skip = set(nondense_names)
    if not isinstance(raw, Mapping):
        raw = {"": raw}
    out: dict[str, np.ndarray] = {}
    # sorted: Edge returns named vectors in hash order, reports should not change between runs
    for name, value in sorted(raw.items(), key=lambda kv: str(kv[0])):
        name = str(name)
        if value is None or name in skip:
            continue
        if (dense is None or name not in dense) and (_is_sparse(value) or _is_nested(value)):
            continue
        # configured dense: pass through whatever shape it has, the caller validates
        out[name] = _as_float32(name, value)
    return out


def make_point(
    point_id: Any,
    vector: Any,
    payload: Any,
    *,
    dense_names: Iterable[str] | None = None,
    nondense_names: Iterable[str] = (),
) -> Point:
    return Point(
        id=normalize_id(point_id),
        vectors=dense_vectors(vector, dense_names=dense_names, nondense_names=nondense_names),
        payload=dict(payload) if isinstance(payload, Mapping) else {},
    )


def _enum_text(value: Any) -> str | None:
    if value is None:
        return None
    return str(getattr(value, "value", value))


_DISTANCE_NAMES = {"cosine": "Cosine", "dot": "Dot", "euclid": "Euclid", "manhattan": "Manhattan"}


def distance_name(value: Any) -> str | None:
    text = _enum_text(value)
    if text is None:
        return None
    # Edge's enum prints as "Distance.Cosine"; the REST API says "Cosine"
    short = text.rsplit(".", 1)[-1]
    return _DISTANCE_NAMES.get(short.lower(), short)


def datatype_name(value: Any) -> str | None:
    text = _enum_text(value)
    if text is None:
        return None
    return text.rsplit(".", 1)[-1].lower()


def dense_info(name: str, *, size: Any, distance: Any, datatype: Any, multivector: bool) -> VectorInfo:
    return VectorInfo(
        name=name,
        kind=VectorKind.multi if multivector else VectorKind.dense,
        dim=int(size) if size else None,
        distance=distance_name(distance),
        datatype=datatype_name(datatype) or "float32",
    )


def dense_info_from_json(name: str, params: Mapping[str, Any]) -> VectorInfo:
    """`dense_info` from a vector config as stored on disk (local-mode meta.json, Edge config)."""
    return dense_info(
        name,
        size=params.get("size"),
        distance=params.get("distance"),
        datatype=params.get("datatype"),
        multivector=params.get("multivector_config") is not None,
    )


def sparse_info(name: str, *, datatype: Any = None) -> VectorInfo:
    return VectorInfo(name=name, kind=VectorKind.sparse, datatype=datatype_name(datatype) or "float32")


def dense_names(vectors: Iterable[VectorInfo]) -> list[str]:
    return [v.name for v in vectors if v.kind == VectorKind.dense]


def nondense_names(vectors: Iterable[VectorInfo]) -> list[str]:
    return [v.name for v in vectors if v.kind != VectorKind.dense]


class VectorNames:
    """Mixin for a store's per-collection record: its dense and non-dense vector names, worked out
    once from `vectors` rather than once per record."""

    vectors: list[VectorInfo]

    @cached_property
    def dense(self) -> list[str]:
        return dense_names(self.vectors)

    @cached_property
    def nondense(self) -> list[str]:
        return nondense_names(self.vectors)


def is_valid_id(point_id: PointId) -> bool:
    """Whether Qdrant could hold this id: an unsigned 64-bit int or a UUID."""
    if isinstance(point_id, int):
        return 0 <= point_id < 2**64
    return bool(_CANONICAL_UUID.fullmatch(point_id))


def check_batch_size(batch_size: int) -> None:
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")


def scroll_pages(
    fetch: Callable[[PointId | None], tuple[list[Any], Any]], offset: PointId | None = None
) -> Iterator[tuple[list[Any], PointId | None]]:
    """Follow a scroll cursor from `offset`: yield (records, next_offset) until the store says stop.

    `fetch(cursor)` returns one page as (records, next_offset), like every Qdrant scroll API.
    """
    cursor = None if offset is None else normalize_id(offset)
    while True:
        records, next_offset = fetch(cursor)
        nxt = None if next_offset is None else normalize_id(next_offset)
        yield records, nxt
        if nxt is None:
            return
        cursor = nxt


def wanted_ids(ids: Iterable[Any]) -> list[PointId]:
    """The ids a retrieve should ask for: canonical, valid for Qdrant, each once, in first-seen order."""
    return list(dict.fromkeys(i for i in (normalize_id(i) for i in ids) if is_valid_id(i)))


def in_order(points: Iterable[Point], ids: Iterable[PointId]) -> list[Point]:
    """`points` rearranged into the order of `ids`; ids without a point are skipped."""
    by_id = {p.id: p for p in points}
    return [by_id[i] for i in ids if i in by_id]
