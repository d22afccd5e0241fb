"""The store adapter protocol: read-only discovery and streaming of points."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, Self, runtime_checkable

from ..models import CollectionInfo, Point, PointId


@runtime_checkable
class StoreAdapter(Protocol):
    """A read-only view of a vector store.

    Implementations must never write to the store. Streaming methods yield bounded batches
    so memory stays flat regardless of collection size.

    Points carry only dense vectors in `Point.vectors` (float32 numpy arrays, keyed by vector
    name, "" for the unnamed default). Sparse vectors and multivectors are left out: they are
    not invertible, and `collection_info()` reports them with their kind so callers can say so.
    Malformed dense vectors (NaN, wrong dimension) are passed through unchanged, and one that cannot
    be read as numbers as an empty array; callers validate.

    Nothing is dropped silently: a point the store lists but cannot read is yielded with
    `Point.unread` set to why (never its content). An adapter whose storage can hold records that
    no point id lists (e.g. rows with an unreadable id) also has `unlisted_records(collection) ->
    int`, and the scan counts them as not analyzed. A storage format the adapter cannot read is a
    CollectionError or TargetError naming it, never an empty collection.
    """

    #: Human-readable target with credentials removed, safe to log and report.
    display_target: str

    def list_collections(self) -> list[CollectionInfo]: ...

    def collection_info(self, name: str) -> CollectionInfo:
        """Describe one collection; raise CollectionError if it does not exist."""
        ...

    def count(self, collection: str) -> int:
        """Exact number of points in the collection."""
        ...

    def iter_points(
        self,
        collection: str,
        *,
        batch_size: int = 256,
        with_vectors: bool = True,
        offset: PointId | None = None,
    ) -> Iterator[tuple[list[Point], PointId | None]]:
        """Yield (batch, next_offset) in the store's stable id order, starting at `offset`.

        `next_offset` is the cursor to resume after this batch (None at the end). A store that
        follows Qdrant's scroll order (`points.id_sort_key`: integer ids ascending, then UUIDs;
        `offset` the first id >= it) can be scanned on Ray, whose partitions are ranges of that
        order; a store in another order is refused there (vecaudit.nodes.partitions).
        """
        ...

    def iter_ids(self, collection: str, *, batch_size: int = 1024) -> Iterator[PointId]:
        """Yield every point id in the store's stable id order, fetching no vectors or payloads."""
        ...

    def retrieve(self, collection: str, ids: list[PointId], *, with_vectors: bool = True) -> list[Point]:
        """Fetch points by id, in the order of `ids`; ids that do not exist are skipped."""
        ...

    def close(self) -> None: ...


def list_collection_names(store: StoreAdapter) -> list[str]:
    """The store's collection names in its order, without describing any collection where the adapter
    can say (describing one opens its storage; plugins may only have `list_collections`)."""
    names_of = getattr(store, "list_collection_names", None)
    return list(names_of()) if callable(names_of) else [c.name for c in store.list_collections()]


class ClosingStore:
    """What the built-in stores share: `with store:` closes it, and its repr shows only the display
    form of the target (never credentials). Subclasses set `display_target` and define `close`."""

    display_target: str

    def close(self) -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.display_target!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
