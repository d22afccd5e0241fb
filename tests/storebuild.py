"""Build small real stores for tests: qdrant-client local-mode folders and Qdrant Edge shards.

Everything here writes through the real libraries (qdrant-client local mode, qdrant-edge-py), so
the adapters are tested against the exact on-disk formats users have. Typical use:

    vecs = np.random.default_rng(0).normal(size=(20, 384)).astype(np.float32)
    folder = build_local(tmp_path / "store", "docs", vecs, [{"text": "..."}] * 20)
    shard = build_edge(tmp_path / "shard", vecs, payloads)
    before = tree_fingerprint(folder)   # prove a scan left it byte-for-byte unchanged

`vectors` is an (n, dim) array for the unnamed default vector, or a dict name -> (n, dim) array
for named vectors. `ids` defaults to 0..n-1; UUID strings are allowed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from vecaudit.stores.readonly import tree_fingerprint

__all__ = ["add_raw_local_points", "build_edge", "build_local", "tree_fingerprint"]

Vectors = np.ndarray | Mapping[str, np.ndarray]

_LOCAL_DISTANCES = {"cosine": "COSINE", "dot": "DOT", "euclid": "EUCLID", "manhattan": "MANHATTAN"}


def _split(vectors: Vectors) -> tuple[dict[str, np.ndarray], bool]:
    if isinstance(vectors, Mapping):
        return {str(k): np.asarray(v, dtype=np.float32) for k, v in vectors.items()}, True
    return {"": np.asarray(vectors, dtype=np.float32)}, False


def _count(named: dict[str, np.ndarray]) -> int:
    counts = {len(v) for v in named.values()}
    if len(counts) != 1:
        raise ValueError("every named vector needs one row per point")
    return counts.pop()


def _rows(
    vectors: Vectors, payloads: Sequence[dict[str, Any]] | None, ids: Sequence[int | str] | None
) -> tuple[dict[str, np.ndarray], bool, int, list[dict[str, Any]], list[int | str]]:
    """The builders' common arguments made concrete: named vectors, point count, payloads, ids."""
    named, is_named = _split(vectors)
    n = _count(named)
    payload_list = list(payloads) if payloads is not None else [{} for _ in range(n)]
    id_list = list(ids) if ids is not None else list(range(n))
    return named, is_named, n, payload_list, id_list


def _point_vectors(
    named: dict[str, np.ndarray],
    is_named: bool,
    row: int,
    sparse: Mapping[str, Sequence[tuple[list[int], list[float]]]] | None,
    multivectors: Mapping[str, Sequence[list[list[float]]]] | None,
    make_sparse: Any,
) -> Any:
    """One point's vectors: dense rows, plus its sparse vectors (`make_sparse(indices=, values=)`)
    and multivectors when the vectors are named."""
    if not is_named:
        return named[""][row].tolist()
    vec: dict[str, Any] = {name: arr[row].tolist() for name, arr in named.items()}
    for name, sparse_rows in (sparse or {}).items():
        vec[name] = make_sparse(indices=sparse_rows[row][0], values=sparse_rows[row][1])
    for name, mrows in (multivectors or {}).items():
        vec[name] = mrows[row]
    return vec


def build_local(
    folder: Path,
    collection: str,
    vectors: Vectors,
    payloads: Sequence[dict[str, Any]] | None = None,
    *,
    ids: Sequence[int | str] | None = None,
    distance: str = "Cosine",
    sparse: Mapping[str, Sequence[tuple[list[int], list[float]]]] | None = None,
    multivectors: Mapping[str, Sequence[list[list[float]]]] | None = None,
    fast: bool = False,
    datatype: str | None = None,
) -> Path:
    """Add a collection to a local-mode folder (created if missing) and return the folder.

    `fast=True` writes rows through qdrant-client's own `CollectionPersistence` with SQLite
    syncing off, for fixtures of thousands of points; the result is the same format. `datatype`
    ("uint8", "float16") sets the storage datatype of the dense vectors.
    """
    from qdrant_client import QdrantClient, models

    named, is_named, n, payload_list, id_list = _rows(vectors, payloads, ids)
    dist = getattr(models.Distance, _LOCAL_DISTANCES[distance.lower()])
    dtype = models.Datatype(datatype) if datatype else None
    vectors_config: Any
    if is_named:
        vectors_config = {
            name: models.VectorParams(size=arr.shape[1], distance=dist, datatype=dtype)
            for name, arr in named.items()
        }
        for name, multi_rows in (multivectors or {}).items():
            vectors_config[name] = models.VectorParams(
                size=len(multi_rows[0][0]),
                distance=dist,
                multivector_config=models.MultiVectorConfig(comparator=models.MultiVectorComparator.MAX_SIM),
            )
    else:
        vectors_config = models.VectorParams(size=named[""].shape[1], distance=dist, datatype=dtype)
    sparse_config = {name: models.SparseVectorParams() for name in sparse} if sparse else None

    def point(row: int) -> models.PointStruct:
        vec = _point_vectors(named, is_named, row, sparse, multivectors, models.SparseVector)
        return models.PointStruct(id=id_list[row], vector=vec, payload=payload_list[row])

    folder.mkdir(parents=True, exist_ok=True)
    client = QdrantClient(path=str(folder))
    try:
        client.create_collection(
            collection, vectors_config=vectors_config, sparse_vectors_config=sparse_config
        )
        if not fast:
            for start in range(0, n, 256):
                client.upsert(collection, [point(r) for r in range(start, min(n, start + 256))])
    finally:
        client.close()
    if fast:
        _persist(folder, collection, (point(r) for r in range(n)))
    return folder


def _persist(folder: Path, collection: str, points: Any) -> None:
    from qdrant_client.local.persistence import CollectionPersistence

    storage = CollectionPersistence(str(folder / "collection" / collection))
    try:
        storage.storage.execute("PRAGMA synchronous = OFF")
        storage.storage.execute("PRAGMA journal_mode = MEMORY")
        for p in points:
            storage.persist(p)
    finally:
        storage.close()


def add_raw_local_points(folder: Path, collection: str, points: Sequence[Any]) -> None:
    """Write points the client's upsert would reject (NaN, wrong dimension) with its own persister.

    Stores written by other tools, older clients or a bug contain such rows; adapters must cope.
    """
    from qdrant_client.http import models
    from qdrant_client.local.persistence import CollectionPersistence

    storage = CollectionPersistence(str(folder / "collection" / collection))
    try:
        for p in points:
            storage.persist(
                p if isinstance(p, models.PointStruct) else models.PointStruct.model_construct(**p)
            )
    finally:
        storage.close()


def build_edge(
    shard_dir: Path,
    vectors: Vectors,
    payloads: Sequence[dict[str, Any]] | None = None,
    *,
    ids: Sequence[int | str] | None = None,
    distance: str = "Cosine",
    sparse: Mapping[str, Sequence[tuple[list[int], list[float]]]] | None = None,
    multivectors: Mapping[str, Sequence[list[list[float]]]] | None = None,
    optimize: bool = False,
) -> Path:
    """Create a Qdrant Edge shard at `shard_dir` holding the given points; return the folder."""
    import qdrant_edge as qe

    named, is_named, n, payload_list, id_list = _rows(vectors, payloads, ids)
    dist = getattr(qe.Distance, distance.capitalize())
    vector_params: Any
    if is_named:
        vector_params = {
            name: qe.EdgeVectorParams(size=arr.shape[1], distance=dist) for name, arr in named.items()
        }
        for name, multi_rows in (multivectors or {}).items():
            vector_params[name] = qe.EdgeVectorParams(
                size=len(multi_rows[0][0]),
                distance=dist,
                multivector_config=qe.MultiVectorConfig(qe.MultiVectorComparator.MaxSim),
            )
    else:
        vector_params = qe.EdgeVectorParams(size=named[""].shape[1], distance=dist)
    sparse_params = {name: qe.EdgeSparseVectorParams() for name in sparse} if sparse else None
    shard = qe.EdgeShard.create(
        str(shard_dir), qe.EdgeConfig(vectors=vector_params, sparse_vectors=sparse_params)
    )
    try:
        for start in range(0, n, 256):
            batch = [
                qe.Point(
                    id_list[row],
                    _point_vectors(named, is_named, row, sparse, multivectors, qe.SparseVector),
                    payload_list[row],
                )
                for row in range(start, min(n, start + 256))
            ]
            shard.update(qe.UpdateOperation.upsert_points(batch))
        if optimize:
            shard.optimize()
        shard.flush()
    finally:
        shard.close()
    return shard_dir


# --- a Qdrant REST endpoint on 127.0.0.1 for server-adapter tests -------------------------------


class QdrantRestShim:
    """Serves the read endpoints of Qdrant's REST API on 127.0.0.1, backed by qdrant-client local mode.

    No Qdrant server binary can be installed here, so this stands in for one: the HTTP client,
    the JSON models and the storage engine are the real qdrant-client ones, only the routing of
    five read endpoints is ours. It can also misbehave on purpose:

    - `api_key`: answer 401 unless the `api-key` header matches;
    - `fail_first`: a list of HTTP statuses to answer the first requests with (e.g. [503, 429]);
    - `status_always`: answer every request with this status (e.g. 401);
    - `delay_s`: sleep before answering (timeouts).

    `requests` counts what arrived, `calls` lists them ("GET /collections"), `headers` keeps the
    last request's headers. Use as a context
    manager; `url` is http://127.0.0.1:PORT.
    """

    def __init__(
        self,
        folder: Path | None = None,
        *,
        api_key: str | None = None,
        fail_first: Sequence[int] = (),
        status_always: int | None = None,
        delay_s: float = 0.0,
        retry_after: str | None = None,
    ) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        from qdrant_client import QdrantClient

        self.client = QdrantClient(path=str(folder)) if folder is not None else None
        self.api_key = api_key
        self.fail_first = list(fail_first)
        self.status_always = status_always
        self.delay_s = delay_s
        self.retry_after = retry_after
        self.requests = 0
        self.calls: list[str] = []
        self.headers: dict[str, str] = {}
        self._lock = threading.Lock()
        shim = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                shim._handle(self, "GET")

            def do_POST(self) -> None:
                shim._handle(self, "POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> QdrantRestShim:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self.client is not None:
            self.client.close()

    def _send(self, handler: Any, status: int, body: Any, extra: dict[str, str] | None = None) -> None:
        import json

        data = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items():
            handler.send_header(k, v)
        handler.end_headers()
        handler.wfile.write(data)

    def _handle(self, handler: Any, method: str) -> None:
        import json
        import time
        from urllib.parse import unquote, urlsplit

        with self._lock:
            self.requests += 1
            self.calls.append(f"{method} {handler.path.split('?', 1)[0]}")
            self.headers = {k.lower(): v for k, v in handler.headers.items()}
            forced = self.fail_first.pop(0) if self.fail_first else self.status_always
        length = int(handler.headers.get("Content-Length") or 0)
        body = json.loads(handler.rfile.read(length) or b"{}") if length else {}
        if self.delay_s:
            time.sleep(self.delay_s)
        if forced is not None:
            extra = {"Retry-After": self.retry_after} if forced == 429 and self.retry_after else None
            self._send(handler, forced, {"status": {"error": f"forced {forced}"}, "time": 0}, extra)
            return
        if self.api_key is not None and self.headers.get("api-key") != self.api_key:
            self._send(handler, 401, {"status": {"error": "Invalid api-key"}, "time": 0})
            return
        parts = [unquote(p) for p in urlsplit(handler.path).path.strip("/").split("/")]
        try:
            result = self._route(method, parts, body)
        except KeyError as exc:
            self._send(handler, 404, {"status": {"error": f"Not found: {exc.args[0]}"}, "time": 0})
            return
        self._send(handler, 200, {"result": result, "status": "ok", "time": 0})

    def _route(self, method: str, parts: list[str], body: dict[str, Any]) -> Any:
        assert self.client is not None, "no store behind this shim"
        names = [c.name for c in self.client.get_collections().collections]
        if parts == ["collections"] and method == "GET":
            return {"collections": [{"name": n} for n in names]}
        if len(parts) < 2 or parts[0] != "collections" or parts[1] not in names:
            raise KeyError("collection")
        name = parts[1]
        if len(parts) == 2 and method == "GET":
            return self.client.get_collection(name).model_dump(mode="json", exclude_none=True)
        if parts[2:] == ["points", "count"]:
            return {"count": self.client.count(name, exact=True).count}
        if parts[2:] == ["points", "scroll"]:
            records, nxt = self.client.scroll(
                name,
                limit=body.get("limit") or 10,
                offset=body.get("offset"),
                with_payload=body.get("with_payload", True),
                with_vectors=body.get("with_vector", False),
            )
            return {"points": [r.model_dump(mode="json") for r in records], "next_page_offset": nxt}
        if parts[2:] == ["points"]:
            records = self.client.retrieve(
                name,
                ids=body["ids"],
                with_payload=body.get("with_payload", True),
                with_vectors=body.get("with_vector", False),
            )
            return [r.model_dump(mode="json") for r in records]
        raise KeyError("endpoint")
