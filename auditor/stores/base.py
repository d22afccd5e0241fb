"""The store adapter protocol: read-only discovery and streaming of points."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, runtime_checkable

from ..models import CollectionInfo, Point, PointId


@runtime_checkable
class StoreAdapter(Protocol):
    """A read-only view of a vector store.

    Implementations must never write to the store. Streaming methods yield bounded batches
    so memory stays flat regardless of collection size.
    """

    #: Human-readable target with credentials removed, safe to log and report.
    display_target: str

    def list_collections(self) -> list[CollectionInfo]: ...

    def collection_info(self, name: str) -> CollectionInfo: ...

    def iter_points(
        self,
        collection: str,
        *,
        batch_size: int = 256,
        with_vectors: bool = True,
        offset: PointId | None = None,
    ) -> Iterator[tuple[list[Point], PointId | None]]:
        """Yield (batch, next_offset) in the store's stable id order, starting at `offset`.

        `next_offset` is the cursor to resume after this batch (None at the end).
        """
        ...

    def retrieve(self, collection: str, ids: list[PointId], *, with_vectors: bool = True) -> list[Point]: ...

    def close(self) -> None: ...
