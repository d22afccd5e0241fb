"""Deterministic uniform sampling of point ids while streaming ids only.

Bottom-k sampling: every id gets a keyed 64-bit hash of (seed, id) and the sample is the k ids
with the smallest hashes. For a keyed hash these are a uniform random k-subset, memory is a
heap of k entries however large the collection is, and the same seed gives the same sample on
every run, whatever order the store streams ids in. So a resumed scan re-derives exactly the
sample the interrupted one was working through.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Iterator

from ..models import Point, PointId
from .base import StoreAdapter
from .points import check_batch_size, normalize_id


def _hash_key(seed: int | str) -> bytes:
    # int 7 and str "7" are different seeds; blake2b keys are limited to 64 bytes
    tagged = f"{type(seed).__name__}:{seed}".encode()
    return hashlib.sha256(b"vecaudit-sample\x00" + tagged).digest()


def _id_bytes(point_id: PointId) -> bytes:
    if isinstance(point_id, int):
        return b"i" + str(point_id).encode()
    return b"s" + point_id.encode()


def id_rank(key: bytes, point_id: PointId) -> int:
    """The keyed hash that orders ids for sampling."""
    digest = hashlib.blake2b(_id_bytes(point_id), digest_size=8, key=key).digest()
    return int.from_bytes(digest, "big")


def sample_ids(store: StoreAdapter, collection: str, n: int, seed: int | str) -> list[PointId]:
    """A uniform random sample of exactly min(n, total) ids, in the order the store streams them.

    n == 0 means every point: all ids are returned (callers that scan everything should stream
    `iter_points` instead of holding this list).
    """
    if n < 0:
        raise ValueError("sample size must be >= 0 (0 means every point)")
    if n == 0:
        return [normalize_id(i) for i in store.iter_ids(collection)]
    key = _hash_key(seed)
    # max-heap of the n smallest ranks so far, as (-rank, -position, id); position breaks
    # (astronomically unlikely) rank ties deterministically and restores stream order at the end
    heap: list[tuple[int, int, PointId]] = []
    for position, raw in enumerate(store.iter_ids(collection)):
        point_id = normalize_id(raw)
        entry = (-id_rank(key, point_id), -position, point_id)
        if len(heap) < n:
            heapq.heappush(heap, entry)
        elif entry > heap[0]:
            heapq.heapreplace(heap, entry)
    heap.sort(key=lambda e: -e[1])
    return [point_id for _, _, point_id in heap]


def random_order(store: StoreAdapter, collection: str, n: int, seed: int | str) -> list[PointId]:
    """The same ids as `sample_ids(store, collection, n, seed)`, in a uniformly random order.

    The order is by keyed rank, so every prefix of the list is a uniform random sample of the whole
    collection (without replacement), whatever order the store streams ids in: adaptive sampling
    inverts points in this order and may stop after any prefix. With n == 0 every id is ranked
    (memory: one (rank, id) pair per point).
    """
    key = _hash_key(seed)
    ids = sample_ids(store, collection, n, seed)
    return sorted(ids, key=lambda point_id: id_rank(key, point_id))


def iter_sample(
    store: StoreAdapter,
    collection: str,
    ids: list[PointId],
    *,
    batch_size: int = 256,
    with_vectors: bool = True,
) -> Iterator[list[Point]]:
    """Retrieve the sampled points in batches of at most `batch_size`, in the order of `ids`.

    Ids that disappeared from the store since sampling are skipped.
    """
    check_batch_size(batch_size)
    for start in range(0, len(ids), batch_size):
        batch = store.retrieve(collection, ids[start : start + batch_size], with_vectors=with_vectors)
        if batch:
            yield batch
