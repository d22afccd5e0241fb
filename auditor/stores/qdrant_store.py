"""Read-only adapter for a Qdrant server over REST (qdrant-client's HTTP client).

Only read endpoints are called: list/get collections, count, scroll, retrieve. Transient
failures (connection refused/reset, timeouts, 429, 5xx) are retried with exponential backoff
and jitter; 401/403 fail at once as unauthorized. No message ever carries the API key or a
password from the URL, and no message echoes the server's response body.
"""

from __future__ import annotations

import logging
import math
import random
import ssl
import time
import warnings
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any, TypeVar

import httpx

from ..errors import CollectionError, TargetError
from ..models import CollectionInfo, Point, PointId, VectorInfo
from .base import ClosingStore
from .points import (
    check_batch_size,
    dense_info,
    dense_names,
    in_order,
    make_point,
    nondense_names,
    normalize_id,
    scroll_pages,
    sparse_info,
    wanted_ids,
)
from .target import ServerURL

log = logging.getLogger(__name__)

T = TypeVar("T")

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
MAX_BACKOFF_S = 20.0


class _Retryable(Exception):
    def __init__(self, reason: str, wait_hint: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait_hint = wait_hint


def _transport_reason(exc: BaseException) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.ConnectError):
        return "connection failed"
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)):
        return "connection reset"
    return "network error"


def _is_tls_failure(exc: BaseException) -> bool:
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, ssl.SSLError) or "CERTIFICATE_VERIFY_FAILED" in str(cur):
            return True
        cur = cur.__cause__ or cur.__context__
    return False


class QdrantServerStore(ClosingStore):
    """Read-only adapter for a Qdrant server (REST)."""

    def __init__(
        self,
        server: ServerURL,
        *,
        api_key: str | None = None,
        timeout: float = 30.0,
        verify_tls: bool = True,
        retries: int = 3,
        backoff: float = 0.5,
    ) -> None:
        from qdrant_client import QdrantClient

        self.display_target = server.display
        self._host = server.host
        self._retries = max(0, int(retries))
        self._backoff = max(0.0, float(backoff))
        if not verify_tls:
            log.warning("TLS certificate verification is off for %s", server.display)
        extra: dict[str, Any] = {}
        if server.username is not None:
            # credentials from the URL travel as a header for a proxy in front of Qdrant, never in the URL
            extra["auth"] = httpx.BasicAuth(server.username, server.password or "")
        if api_key is not None and server.url.startswith("http://"):
            log.warning("the API key for %s is sent over plain http; prefer https", server.display)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # the same insecure-key warning, said above
            self._client = QdrantClient(
                url=server.url,
                api_key=api_key,
                timeout=max(1, math.ceil(timeout)),
                verify=verify_tls,
                check_compatibility=False,
                prefer_grpc=False,
                **extra,
            )
        self._vectors: dict[str, list[VectorInfo]] = {}
        self._names: list[str] | None = None

    # errors and retries

    def _classify(self, exc: BaseException, what: str, collection: str | None) -> Exception:
        """Map a client exception to _Retryable or a final VecauditError."""
        from qdrant_client.common.client_exceptions import ResourceExhaustedResponse
        from qdrant_client.http.exceptions import ResponseHandlingException, UnexpectedResponse

        if isinstance(exc, ResourceExhaustedResponse):
            return _Retryable("rate limited (HTTP 429)", float(exc.retry_after_s))
        if isinstance(exc, UnexpectedResponse):
            status = exc.status_code or 0
            if status in (401, 403):
                return TargetError(
                    f"unauthorized: the Qdrant server at {self._host} refused access (HTTP {status}); "
                    "check QDRANT_API_KEY or --api-key-file"
                )
            if status in RETRY_STATUS:
                return _Retryable(f"HTTP {status}")
            if status == 404 and collection is not None:
                return CollectionError(f"collection {collection!r} not found on {self.display_target}")
            return TargetError(f"the Qdrant server at {self._host} answered HTTP {status} to {what}")
        source = exc.source if isinstance(exc, ResponseHandlingException) else exc
        if isinstance(source, httpx.TransportError):
            if _is_tls_failure(source):
                return TargetError(
                    f"TLS certificate verification failed for {self._host}; "
                    "fix the certificate or trust its CA (SSL_CERT_FILE)"
                )
            return _Retryable(_transport_reason(source))
        if isinstance(source, (ConnectionError, TimeoutError)):
            return _Retryable("connection failed")
        return TargetError(f"unexpected response from the Qdrant server at {self._host} to {what}")

    def _call(self, what: str, fn: Callable[[], T], *, collection: str | None = None) -> T:
        attempts = self._retries + 1
        for attempt in range(attempts):
            try:
                return fn()
            except Exception as exc:
                mapped = self._classify(exc, what, collection)
                if not isinstance(mapped, _Retryable):
                    raise mapped from None
                if attempt + 1 >= attempts:
                    tries = f"{attempts} attempt{'s' if attempts > 1 else ''}"
                    if mapped.reason.startswith("HTTP") or "429" in mapped.reason:
                        problem = f"the Qdrant server at {self._host} kept failing"
                    else:
                        problem = f"cannot reach the Qdrant server at {self._host}"
                    raise TargetError(f"{problem}: {mapped.reason} ({tries})") from None
                delay = min(MAX_BACKOFF_S, self._backoff * 2**attempt)
                delay = delay / 2 + random.uniform(0, delay / 2)  # jitter: spread retries of many scanners
                if mapped.wait_hint is not None:
                    delay = max(delay, min(MAX_BACKOFF_S, mapped.wait_hint))
                log.info("%s on %s: %s; retrying in %.1fs", what, self._host, mapped.reason, delay)
                time.sleep(delay)
        raise AssertionError("unreachable")

    # discovery

    def list_collection_names(self) -> list[str]:
        """The server's collection names, listed once per opened store (open_store's fail-fast check
        lists them, and a scan reuses that answer), as the other adapters fix theirs when opened."""
        if self._names is None:
            response = self._call("list collections", self._client.get_collections)
            self._names = [c.name for c in response.collections]
        return list(self._names)

    def list_collections(self) -> list[CollectionInfo]:
        return [self.collection_info(name) for name in self.list_collection_names()]

    def _vector_infos(self, name: str) -> list[VectorInfo]:
        cached = self._vectors.get(name)
        if cached is not None:
            return cached
        info = self._call("get collection", lambda: self._client.get_collection(name), collection=name)
        params = info.config.params
        infos: list[VectorInfo] = []
        vectors = params.vectors
        if vectors is not None and not isinstance(vectors, dict):
            vectors = {"": vectors}
        for vname, vp in (vectors or {}).items():
            infos.append(
                dense_info(
                    vname,
                    size=vp.size,
                    distance=vp.distance,
                    datatype=vp.datatype,
                    multivector=vp.multivector_config is not None,
                )
            )
        for sname, sp in (params.sparse_vectors or {}).items():
            index = getattr(sp, "index", None)
            infos.append(sparse_info(sname, datatype=getattr(index, "datatype", None)))
        self._vectors[name] = infos
        return infos

    def collection_info(self, name: str) -> CollectionInfo:
        vectors = self._vector_infos(name)
        return CollectionInfo(name=name, points_total=self.count(name), vectors=vectors)

    def count(self, collection: str) -> int:
        result = self._call(
            "count", lambda: self._client.count(collection, exact=True), collection=collection
        )
        return int(result.count)

    # streaming

    def _with_vectors(self, collection: str, with_vectors: bool) -> bool | list[str]:
        if not with_vectors:
            return False
        dense = dense_names(self._vector_infos(collection))
        # ask only for dense vectors: sparse vectors and multivectors are dropped anyway
        return dense if dense else False

    def _to_points(self, collection: str, records: list[Any]) -> list[Point]:
        vectors = self._vector_infos(collection)
        dense, nondense = dense_names(vectors), nondense_names(vectors)  # once a page, not once a record
        return [
            make_point(r.id, r.vector, r.payload, dense_names=dense, nondense_names=nondense) for r in records
        ]

    def _scroll(
        self, what: str, collection: str, batch_size: int, with_payload: bool, with_vectors: bool | list[str]
    ) -> Callable[[PointId | None], tuple[list[Any], Any]]:
        """One scroll page from `cursor`, with retries, for `scroll_pages`."""

        def fetch(cursor: PointId | None) -> tuple[list[Any], Any]:
            page = partial(
                self._client.scroll,
                collection,
                limit=batch_size,
                offset=cursor,
                with_payload=with_payload,
                with_vectors=with_vectors,
            )
            return self._call(what, page, collection=collection)

        return fetch

    def iter_points(
        self,
        collection: str,
        *,
        batch_size: int = 256,
        with_vectors: bool = True,
        offset: PointId | None = None,
    ) -> Iterator[tuple[list[Point], PointId | None]]:
        check_batch_size(batch_size)
        wv = self._with_vectors(collection, with_vectors)
        fetch = self._scroll("scroll", collection, batch_size, True, wv)
        for records, nxt in scroll_pages(fetch, offset):
            if records or nxt is not None:
                yield self._to_points(collection, records), nxt

    def iter_ids(self, collection: str, *, batch_size: int = 1024) -> Iterator[PointId]:
        for records, _ in scroll_pages(self._scroll("scroll ids", collection, batch_size, False, False)):
            for record in records:
                yield normalize_id(record.id)

    def retrieve(self, collection: str, ids: list[PointId], *, with_vectors: bool = True) -> list[Point]:
        wanted = wanted_ids(ids)
        if not wanted:
            return []
        wv = self._with_vectors(collection, with_vectors)
        records = self._call(
            "retrieve",
            lambda: self._client.retrieve(collection, ids=wanted, with_payload=True, with_vectors=wv),
            collection=collection,
        )
        return in_order(self._to_points(collection, records), wanted)

    def close(self) -> None:
        try:
            self._client.close()
        except Exception as exc:
            log.debug("closing the Qdrant client: %s", type(exc).__name__)
