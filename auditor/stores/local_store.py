"""A streaming, read-only reader for folders made by qdrant-client `QdrantClient(path=...)`.

Why not the library itself: qdrant-client 1.20 local mode `fetchall()`s every row and builds
numpy matrices of every vector when a folder is opened, so its memory grows with the
collection; it also creates `.lock` when missing and deletes outdated duplicate rows, i.e.
it writes. This reader follows the library's on-disk format instead:

- `meta.json`: {"collections": {name: CreateCollection JSON}, "aliases": {alias: name}}
- `collection/<name>/storage.sqlite`: table `points(id TEXT PRIMARY KEY, point BLOB)`, where
  `id` is base64(pickle(point_id, protocol 4)) and `point` is a pickled `PointStruct`.

Rows are read through read-only SQLite URIs, one batch at a time. A stored record that cannot be
decoded comes back as a point marked `unread` (the scan counts it as not analyzed), and a storage
format this reader does not know (the dbm files of qdrant-client < 1.1.7, a foreign SQLite schema)
is a CollectionError naming it, never an empty collection. Pickles are decoded by a
restricted unpickler that builds plain Python objects and refuses every callable outside a
short allowlist, because a folder under audit may come from anyone: unpickling it with the
library would run whatever code it contains. Iteration order, offsets and duplicate handling
match the library's scroll (ints ascending, then UUIDs; the highest rowid wins a duplicate).
"""

from __future__ import annotations

import base64
import importlib
import io
import json
import logging
import os
import pickle
import re
import shutil
import sqlite3
import tempfile
from array import array
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic_core import to_jsonable_python

from ..errors import CollectionError, TargetError
from ..models import CollectionInfo, Point, PointId, VectorInfo
from .base import ClosingStore
from .points import (
    VectorNames,
    check_batch_size,
    dense_info_from_json,
    make_point,
    normalize_id,
    sparse_info,
)
from .readonly import connect_readonly, held_by_writer

log = logging.getLogger(__name__)

META_FILE = "meta.json"
STORAGE_FILE = "storage.sqlite"
_SQL_VARS = 500  # ids per `rowid IN (...)` query, well below SQLite's variable limit


def is_local_folder(path: Path) -> bool:
    return (path / META_FILE).is_file()


# --- restricted unpickling --------------------------------------------------------------


class PickledModel:
    """Stand-in for any qdrant-client model class found in a pickle: just its fields."""

    __slots__ = ("fields", "args")
    type_name = "PickledModel"

    def __init__(self, *args: Any) -> None:
        self.fields: dict[str, Any] = {}
        self.args = args

    def __setstate__(self, state: Any) -> None:
        # pydantic v2: {"__dict__": ..., "__pydantic_extra__": ...}; v1: {"__dict__": ...};
        # copyreg-era pickles: the field dict itself
        if isinstance(state, tuple) and state and isinstance(state[0], dict):
            state = state[0]
        if isinstance(state, dict):
            fields = state.get("__dict__", state)
            self.fields = dict(fields) if isinstance(fields, dict) else {}

    def get(self, name: str, default: Any = None) -> Any:
        # NEWOBJ without a later BUILD leaves `fields` unset
        return getattr(self, "fields", {}).get(name, default)


_MODEL_CLASSES: dict[str, type[PickledModel]] = {}


def _model_class(name: str) -> type[PickledModel]:
    cls = _MODEL_CLASSES.get(name)
    if cls is None:
        cls = type(name, (PickledModel,), {"__slots__": (), "type_name": name})
        _MODEL_CLASSES[name] = cls
    return cls


# Everything a pickled point can legitimately reference, besides qdrant-client's own models.
_ALLOWED_GLOBALS: frozenset[tuple[str, str]] = frozenset(
    [("builtins", n) for n in ("set", "frozenset", "complex", "bytearray", "object", "slice", "range")]
    + [("datetime", n) for n in ("datetime", "date", "time", "timedelta", "timezone")]
    + [("uuid", "UUID"), ("uuid", "SafeUUID"), ("decimal", "Decimal"), ("collections", "OrderedDict")]
    + [("copyreg", "_reconstructor"), ("numpy", "ndarray"), ("numpy", "dtype")]
    + [("numpy._core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "scalar")]
    + [("numpy._core.numeric", "_frombuffer"), ("_codecs", "encode")]  # protocol 2 bytes
)


class RefusedGlobal(pickle.UnpicklingError):
    """A pickle named a callable outside the allowlist: its message names only that callable."""


# A corrupted record can make pickle read payload bytes as a module or callable name: such a name
# is shown only when it looks like one (dotted identifiers), never as the bytes it read.
_DOTTED_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*){0,8}")


def _callable_name(module: str, name: str) -> str:
    full = f"{module}.{name}"
    return full if len(full) <= 120 and _DOTTED_NAME.fullmatch(full) else "a callable whose name is not shown"


class SafeUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module == "qdrant_client" or module.startswith("qdrant_client."):
            return _model_class(name)
        if module.startswith("numpy.core."):  # pickled by numpy 1.x
            module = "numpy._core." + module[len("numpy.core.") :]
        if (module, name) not in _ALLOWED_GLOBALS:
            raise RefusedGlobal(f"refused to load {_callable_name(module, name)}")
        return getattr(importlib.import_module(module), name)


def safe_loads(data: bytes) -> Any:
    return SafeUnpickler(io.BytesIO(data)).load()


def _fallback(value: Any) -> Any:
    if isinstance(value, PickledModel):
        return value.get("__root__", getattr(value, "fields", {}))
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


def _jsonable(payload: Any) -> Any:
    """Payloads as the library's scroll returns them: JSON types only (datetimes as ISO text)."""
    if payload is None:
        return {}
    return to_jsonable_python(payload, fallback=_fallback)


def _decode_key(key: Any) -> PointId | None:
    try:
        return normalize_id(safe_loads(base64.b64decode(key, validate=True)))
    except Exception:  # a corrupt key must not stop the audit (binascii.Error, UnpicklingError, ...)
        return None


# --- collection config ------------------------------------------------------------------


def vector_infos(config: dict[str, Any]) -> list[VectorInfo]:
    infos: list[VectorInfo] = []
    vectors = config.get("vectors")
    if isinstance(vectors, dict) and "size" in vectors and "distance" in vectors:
        vectors = {"": vectors}  # the unnamed default vector
    for name, params in (vectors or {}).items():
        if isinstance(params, dict):
            infos.append(dense_info_from_json(str(name), params))
    for name, params in (config.get("sparse_vectors") or {}).items():
        index = params.get("index") if isinstance(params, dict) else None
        datatype = index.get("datatype") if isinstance(index, dict) else None
        infos.append(sparse_info(str(name), datatype=datatype))
    return infos


# --- the id index -----------------------------------------------------------------------


@dataclass
class _IdIndex:
    """Every live point id in scroll order, with the rowid that holds its latest copy.

    Integer ids live in numpy arrays (16 bytes a point) so a large collection costs little
    next to the library's full in-memory copy; UUIDs are far rarer in local mode.
    """

    int_ids: np.ndarray  # uint64, sorted
    int_rows: np.ndarray  # int64, aligned with int_ids
    str_ids: list[str]  # sorted
    str_rows: list[int]
    unlisted: int = 0  # rows whose point id cannot be read (not in the index, counted as not analyzed)

    def __len__(self) -> int:
        return len(self.int_ids) + len(self.str_ids)

    def position(self, offset: PointId | None) -> int:
        """Index of the first id >= offset, in scroll order."""
        if offset is None:
            return 0
        offset = normalize_id(offset)
        if isinstance(offset, int):
            if offset < 0:
                return 0
            return int(np.searchsorted(self.int_ids, np.uint64(min(offset, 2**64 - 1)), side="left"))
        return len(self.int_ids) + bisect_left(self.str_ids, offset)

    def id_at(self, pos: int) -> PointId:
        if pos < len(self.int_ids):
            return int(self.int_ids[pos])
        return self.str_ids[pos - len(self.int_ids)]

    def row_at(self, pos: int) -> int:
        if pos < len(self.int_ids):
            return int(self.int_rows[pos])
        return self.str_rows[pos - len(self.int_ids)]

    def row_of(self, point_id: PointId) -> int | None:
        pos = self.position(point_id)
        if pos < len(self) and self.id_at(pos) == point_id:
            return self.row_at(pos)
        return None


def _build_index(conn: sqlite3.Connection, warn: _Warner) -> _IdIndex:
    # C arrays, not lists: 16 bytes a point while the keys stream past
    int_ids = array("Q")
    int_rows = array("q")
    strs: dict[str, int] = {}
    undecodable = 0
    # The primary-key index covers (id, rowid): this reads keys only, never the point blobs.
    for rowid, key in conn.execute("SELECT rowid, id FROM points"):
        pid = _decode_key(key)
        if pid is None:
            pid = _id_from_blob(conn, rowid)
            if pid is None:
                undecodable += 1
                continue
        if isinstance(pid, int) and 0 <= pid < 2**64:
            int_ids.append(pid)
            int_rows.append(rowid)
        else:
            pid = str(pid)
            if strs.get(pid, -1) < rowid:
                strs[pid] = rowid
    if undecodable:
        warn(f"{undecodable} row(s) have an unreadable point id; counted as not analyzed")
    ids = np.frombuffer(int_ids, dtype=np.uint64).copy()
    rows = np.frombuffer(int_rows, dtype=np.int64).copy()
    del int_ids, int_rows
    if len(ids):
        order = np.lexsort((rows, ids))
        ids, rows = ids[order], rows[order]
        # older clients wrote one row per key spelling: the highest rowid is the live copy
        last = np.ones(len(ids), dtype=bool)
        last[:-1] = ids[1:] != ids[:-1]
        ids, rows = ids[last], rows[last]
    str_ids = sorted(strs)
    return _IdIndex(ids, rows, str_ids, [strs[s] for s in str_ids], undecodable)


def _id_from_blob(conn: sqlite3.Connection, rowid: int) -> PointId | None:
    row = conn.execute("SELECT point FROM points WHERE rowid = ?", (rowid,)).fetchone()
    if row is None:
        return None
    try:
        obj = safe_loads(row[0])
    except Exception:
        return None
    pid = obj.get("id") if isinstance(obj, PickledModel) else None
    return None if pid is None else normalize_id(pid)


class _Warner:
    """Logs each distinct problem once per collection, naming no value."""

    def __init__(self, collection: str) -> None:
        self.collection = collection
        self.seen: set[str] = set()

    def __call__(self, message: str) -> None:
        if message not in self.seen:
            self.seen.add(message)
            log.warning("collection %r: %s", self.collection, message)


# --- storage formats --------------------------------------------------------------------

LEGACY_DBM_PREFIX = "storage.dbm"


def _check_no_other_storage(name: str, folder: Path) -> None:
    """Raise CollectionError when a collection folder without storage.sqlite holds other storage.

    A collection without storage.sqlite is empty only if its folder has nothing else: qdrant-client
    before 1.1.7 kept points in a dbm file, and a scan must say it cannot read them rather than
    report an empty collection.
    """
    try:
        files = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
    except OSError as exc:
        raise CollectionError(f"collection {name!r}: its folder cannot be listed ({exc.strerror})") from None
    if any(f.startswith(LEGACY_DBM_PREFIX) for f in files):
        raise CollectionError(
            f"collection {name!r} uses qdrant-client's legacy dbm storage ({LEGACY_DBM_PREFIX}, written "
            "by qdrant-client before 1.1.7), which vecaudit cannot read; open the folder once with "
            "qdrant-client 1.1.7 to 1.x to migrate it to storage.sqlite (on a copy: that writes)"
        )
    if files:
        raise CollectionError(
            f"collection {name!r} has no {STORAGE_FILE} but {len(files)} other file(s) in its folder: "
            "a storage format vecaudit cannot read (it reads qdrant-client's local-mode SQLite storage)"
        )


# --- the adapter ------------------------------------------------------------------------


@dataclass
class _Collection(VectorNames):
    name: str
    config: dict[str, Any]
    vectors: list[VectorInfo]
    conn: sqlite3.Connection | None  # None when the collection has no storage file yet
    warn: _Warner
    index: _IdIndex | None = None
    count: int | None = None  # kept when the index is evicted
    unlisted: int | None = None  # likewise


class QdrantLocalStore(ClosingStore):
    """Read-only adapter for a qdrant-client local-mode folder."""

    def __init__(self, path: Path) -> None:
        self.path = path.resolve()
        self.display_target = str(path)
        meta_path = self.path / META_FILE
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            collections = meta.get("collections", {})
            aliases = meta.get("aliases", {}) or {}
            if not isinstance(collections, dict) or not isinstance(aliases, dict):
                raise ValueError("unexpected layout")
        except (OSError, ValueError, AttributeError) as exc:
            raise TargetError(
                f"{path} is not a readable qdrant-client local-mode folder ({META_FILE}: {exc})"
            ) from exc
        self._configs: dict[str, dict[str, Any]] = {
            str(k): v if isinstance(v, dict) else {} for k, v in collections.items()
        }
        self._aliases = {str(k): str(v) for k, v in aliases.items()}
        # A live client holding the folder may write while we read: let SQLite lock normally then.
        self._live_writer = held_by_writer(self.path / ".lock")
        if self._live_writer:
            log.warning("%s is open in another qdrant-client; reading it live, read-only", path)
        self._open: dict[str, _Collection] = {}
        self._scratch: Path | None = None

    # discovery

    def _resolve(self, name: str) -> str:
        if name in self._configs:
            return name
        if name in self._aliases and self._aliases[name] in self._configs:
            return self._aliases[name]
        raise CollectionError(f"collection {name!r} not found in {self.display_target}")

    def _storage_path(self, name: str) -> Path:
        base = (self.path / "collection").resolve()
        path = (base / name).resolve()
        # names come from meta.json, which the folder's author controls: stay inside collection/
        if path == base or os.path.commonpath([base, path]) != str(base):
            raise CollectionError(f"collection {name!r} has a name that points outside the store folder")
        return path / STORAGE_FILE

    def _collection(self, name: str) -> _Collection:
        real = self._resolve(name)
        col = self._open.get(real)
        if col is None:
            config = self._configs[real]
            col = _Collection(real, config, vector_infos(config), self._connect(real), _Warner(real))
            self._open[real] = col
        return col

    def _connect(self, name: str) -> sqlite3.Connection | None:
        db = self._storage_path(name)
        if not db.is_file():
            _check_no_other_storage(name, db.parent)
            return None
        side_files = [db.with_name(db.name + suffix) for suffix in ("-journal", "-wal")]
        try:
            if any(p.exists() for p in side_files) and not self._live_writer:
                # A leftover journal means SQLite must roll back or replay before reading, i.e.
                # write: let it do so in a private copy.
                conn = sqlite3.connect(self._private_copy(name, db, side_files), check_same_thread=False)
            else:
                conn = connect_readonly(db, immutable=not self._live_writer)
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            columns = {r[1] for r in conn.execute("PRAGMA table_info(points)")}
        except sqlite3.DatabaseError as exc:
            raise CollectionError(
                f"collection {name!r}: {STORAGE_FILE} is not a readable SQLite database "
                f"({type(exc).__name__}); vecaudit reads qdrant-client's local-mode format"
            ) from None
        if not {"id", "point"} <= columns:
            conn.close()
            found = f"tables: {', '.join(sorted(map(repr, tables)))}" if tables else "no tables"
            raise CollectionError(
                f"collection {name!r}: {STORAGE_FILE} is not in qdrant-client's local-mode format "
                f"(a points(id, point) table; found {found}); vecaudit cannot read this storage format"
            )
        return conn

    def _private_copy(self, name: str, db: Path, side_files: list[Path]) -> str:
        if self._scratch is None:
            self._scratch = Path(tempfile.mkdtemp(prefix="vecaudit-local-"))
        target = self._scratch / f"{len(list(self._scratch.iterdir()))}"
        target.mkdir(mode=0o700)
        for src in [db, *side_files]:
            if src.exists():
                shutil.copyfile(src, target / src.name)
        log.info("collection %r has an unfinished SQLite journal; reading a private copy", name)
        return str(target / db.name)

    def _index(self, col: _Collection) -> _IdIndex:
        if col.index is None:
            if col.conn is None:
                col.index = _IdIndex(np.zeros(0, np.uint64), np.zeros(0, np.int64), [], [])
            else:
                # One index at a time: a scan walks collections one after another.
                for other in self._open.values():
                    if other is not col:
                        other.index = None
                col.index = _build_index(col.conn, col.warn)
        return col.index

    def list_collection_names(self) -> list[str]:
        return list(self._configs)

    def list_collections(self) -> list[CollectionInfo]:
        return [self.collection_info(name) for name in self._configs]

    def collection_info(self, name: str) -> CollectionInfo:
        col = self._collection(name)
        return CollectionInfo(name=col.name, points_total=self.count(name), vectors=list(col.vectors))

    def count(self, collection: str) -> int:
        col = self._collection(collection)
        if col.count is None:
            index = self._index(col)
            col.count, col.unlisted = len(index), index.unlisted
        return col.count

    def unlisted_records(self, collection: str) -> int:
        """Stored rows whose point id cannot be read, so that no point id lists them."""
        col = self._collection(collection)
        if col.unlisted is None:
            self.count(collection)
        return col.unlisted or 0

    # streaming

    def _load_rows(self, col: _Collection, rowids: list[int]) -> dict[int, bytes]:
        assert col.conn is not None
        blobs: dict[int, bytes] = {}
        for start in range(0, len(rowids), _SQL_VARS):
            chunk = rowids[start : start + _SQL_VARS]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT rowid, point FROM points WHERE rowid IN ({marks})"
            for rowid, blob in col.conn.execute(query, chunk):
                blobs[rowid] = blob
        return blobs

    def _to_point(self, col: _Collection, expected_id: PointId, blob: bytes, with_vectors: bool) -> Point:
        """The point stored in `blob`, or one marked `unread` (why, never content) when it cannot be read."""
        try:
            obj = safe_loads(blob)
        except Exception as exc:
            # pickle's own messages can quote bytes of the record (e.g. "invalid load key"): name the type
            why = str(exc) if isinstance(exc, RefusedGlobal) else f"cannot be decoded ({type(exc).__name__})"
            return self._unread(col, expected_id, why)
        if not isinstance(obj, PickledModel):
            return self._unread(col, expected_id, f"is not a point ({type(obj).__name__})")
        raw_payload = obj.get("payload")
        if raw_payload is not None and not isinstance(raw_payload, dict | PickledModel):
            kind = type(raw_payload).__name__
            return self._unread(col, expected_id, f"has a payload that is not an object ({kind})")
        vector = obj.get("vector") if with_vectors else None
        if isinstance(vector, PickledModel):  # never expected; keep it out rather than guess
            vector = None
        if isinstance(vector, dict):
            vector = {k: (v.fields if isinstance(v, PickledModel) else v) for k, v in vector.items()}
        try:
            payload = _jsonable(raw_payload)
            return make_point(
                expected_id, vector, payload, dense_names=col.dense, nondense_names=col.nondense
            )
        except Exception as exc:  # malformed data is the caller's to report, never a crash here
            return self._unread(col, expected_id, f"is malformed ({type(exc).__name__})")

    @staticmethod
    def _unread(col: _Collection, point_id: PointId, why: str) -> Point:
        col.warn(f"point(s) whose stored record {why}: counted as not analyzed")
        return Point(id=point_id, unread=why)

    def _points_at(
        self, col: _Collection, index: _IdIndex, positions: range, with_vectors: bool
    ) -> list[Point]:
        rowids = [index.row_at(p) for p in positions]
        blobs = self._load_rows(col, rowids)
        batch: list[Point] = []
        for pos, rowid in zip(positions, rowids, strict=True):
            blob = blobs.get(rowid)
            if rowid not in blobs:  # deleted by a live writer since the index was built
                batch.append(self._unread(col, index.id_at(pos), "was removed while the scan read it"))
            elif blob is None:  # a row without its record (NULL): nothing to decode
                batch.append(self._unread(col, index.id_at(pos), "is empty (NULL)"))
            else:
                batch.append(self._to_point(col, index.id_at(pos), blob, with_vectors))
        return batch

    def iter_points(
        self,
        collection: str,
        *,
        batch_size: int = 256,
        with_vectors: bool = True,
        offset: PointId | None = None,
    ) -> Iterator[tuple[list[Point], PointId | None]]:
        check_batch_size(batch_size)
        col = self._collection(collection)
        index = self._index(col)
        pos = index.position(offset)
        total = len(index)
        while pos < total:
            end = min(pos + batch_size, total)
            batch = self._points_at(col, index, range(pos, end), with_vectors)
            next_offset = index.id_at(end) if end < total else None
            yield batch, next_offset
            pos = end

    def iter_ids(self, collection: str, *, batch_size: int = 1024) -> Iterator[PointId]:
        index = self._index(self._collection(collection))
        for pos in range(len(index)):
            yield index.id_at(pos)

    def retrieve(self, collection: str, ids: list[PointId], *, with_vectors: bool = True) -> list[Point]:
        col = self._collection(collection)
        index = self._index(col)
        wanted: list[tuple[PointId, int]] = []
        for raw in ids:
            pid = normalize_id(raw)
            row = index.row_of(pid)
            if row is not None:
                wanted.append((pid, row))
        blobs = self._load_rows(col, [row for _, row in wanted])
        out: list[Point] = []
        for pid, row in wanted:
            blob = blobs.get(row)
            if blob is not None:
                out.append(self._to_point(col, pid, blob, with_vectors))
            elif row in blobs:  # a row without its record: there, but unreadable
                out.append(self._unread(col, pid, "is empty (NULL)"))
            # else a missing row is a missing id, as for any store
        return out

    def close(self) -> None:
        for col in self._open.values():
            if col.conn is not None:
                col.conn.close()
        self._open.clear()
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None
