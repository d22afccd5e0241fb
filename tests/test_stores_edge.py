"""The Qdrant Edge adapter: real shards written by qdrant-edge-py, read from a private copy."""

from __future__ import annotations

import os
import shutil
import stat
import uuid
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest
import qdrant_edge as qe
from storebuild import build_edge, tree_fingerprint
from vecaudit.errors import CollectionError, TargetError
from vecaudit.models import VectorKind
from vecaudit.stores import open_store
from vecaudit.stores.edge_store import QdrantEdgeStore
from vecaudit.stores.sampling import iter_sample, sample_ids

RNG = np.random.default_rng(11)
N = 90


def _ids(n: int) -> list[int | str]:
    return [str(uuid.UUID(int=i * 2**70 + 5)) if i % 4 == 0 else i * 3 for i in range(n)]


@pytest.fixture(scope="module")
def shard_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("edge")
    return build_edge(
        root / "tickets",
        {"text": RNG.normal(size=(N, 8)), "title": RNG.normal(size=(N, 4))},
        [{"text": f"ticket {i}", "nested": {"n": i}} for i in range(N)],
        ids=_ids(N),
        sparse={"bm25": [([2, 9], [0.5, 1.5])] * N},
        multivectors={"colbert": [[[1.0, 0.0], [0.0, float(i)]] for i in range(N)]},
    )


def _direct_scroll(shard_dir: Path, tmp_path: Path, batch: int) -> tuple[list, list]:
    copy = tmp_path / "direct"
    shutil.copytree(shard_dir, copy)
    shard = qe.EdgeShard.load(str(copy))
    records, offsets, offset = [], [], None
    try:
        while True:
            page, offset = shard.scroll(
                qe.ScrollRequest(offset=offset, limit=batch, with_payload=True, with_vector=True)
            )
            records.extend(page)
            offsets.append(
                None if offset is None else str(offset) if isinstance(offset, uuid.UUID) else offset
            )
            if offset is None:
                return records, offsets
    finally:
        shard.close()


def test_discovery_names_the_shard_and_every_vector_kind(shard_dir: Path) -> None:
    with QdrantEdgeStore(shard_dir) as store:
        [info] = store.list_collections()
    assert info.name == "tickets" and info.points_total == N
    kinds = {v.name: (v.kind, v.dim, v.distance) for v in info.vectors}
    assert kinds == {
        "text": (VectorKind.dense, 8, "Cosine"),
        "title": (VectorKind.dense, 4, "Cosine"),
        "colbert": (VectorKind.multi, 2, "Cosine"),
        "bm25": (VectorKind.sparse, None, None),
    }


def test_full_scan_matches_the_engines_own_scroll(shard_dir: Path, tmp_path: Path) -> None:
    records, offsets = _direct_scroll(shard_dir, tmp_path, 25)
    with QdrantEdgeStore(shard_dir) as store:
        pages = list(store.iter_points("tickets", batch_size=25))
    got = [p for batch, _ in pages for p in batch]
    assert [p.id for p in got] == [str(r.id) if isinstance(r.id, uuid.UUID) else r.id for r in records]
    assert [nxt for _, nxt in pages] == offsets
    for point, record in zip(got, records, strict=True):
        assert point.payload == record.payload
        assert set(point.vectors) == {"text", "title"}  # sparse and multivectors stay out
        for name in ("text", "title"):
            assert point.vectors[name].dtype == np.float32
            np.testing.assert_allclose(point.vectors[name], np.asarray(record.vector[name], dtype=np.float32))


def test_shard_is_byte_for_byte_unchanged_and_the_copy_is_removed(shard_dir: Path) -> None:
    before = tree_fingerprint(shard_dir)
    with closing(open_store(f"edge:{shard_dir}")) as store:
        seen = sum(len(b) for b, _ in store.iter_points("tickets", batch_size=16))
        seen += sum(len(b) for b, _ in store.iter_points("tickets", with_vectors=False))
        ids = sample_ids(store, "tickets", 10, "seed")
        seen += sum(len(b) for b in iter_sample(store, "tickets", ids, batch_size=4))
        assert store.count("tickets") == N
        copy = store._open["tickets"].copy  # type: ignore[attr-defined]
        assert stat.S_IMODE(os.stat(copy.root).st_mode) == 0o700
        assert copy.path.exists()
    assert seen == 2 * N + 10
    assert not copy.root.exists()
    assert tree_fingerprint(shard_dir) == before


def test_the_private_copy_keeps_holes_as_holes(shard_dir: Path) -> None:
    def disk_bytes(root: Path) -> int:
        return sum(p.stat().st_blocks * 512 for p in root.rglob("*") if p.is_file())

    with QdrantEdgeStore(shard_dir) as store:
        store.count("tickets")
        copy = store._open["tickets"].copy.path
        apparent = sum(p.stat().st_size for p in copy.rglob("*") if p.is_file())
        assert disk_bytes(copy) <= 2 * disk_bytes(shard_dir) + (1 << 20)
        assert disk_bytes(copy) < apparent  # the engine preallocates 32 MiB files


def test_resume_from_next_offset_gives_the_rest(shard_dir: Path) -> None:
    with QdrantEdgeStore(shard_dir) as store:
        pages = list(store.iter_points("tickets", batch_size=20))
        rest = [p.id for batch, _ in pages[2:] for p in batch]
        resumed = [
            p.id
            for batch, _ in store.iter_points("tickets", batch_size=20, offset=pages[1][1])
            for p in batch
        ]
        assert resumed == rest
        assert list(store.iter_ids("tickets", batch_size=7)) == [p.id for batch, _ in pages for p in batch]


def test_retrieve_keeps_order_and_skips_missing(shard_dir: Path) -> None:
    with QdrantEdgeStore(shard_dir) as store:
        uid = str(uuid.UUID(int=4 * 2**70 + 5))
        got = store.retrieve("tickets", [9, uid.upper(), 10**12, "junk", 3])
        assert [p.id for p in got] == [9, uid, 3]
        assert all(set(p.vectors) == {"text", "title"} for p in got)
        assert [(p.id, p.vectors) for p in store.retrieve("tickets", [9], with_vectors=False)] == [(9, {})]


def test_unnamed_vector_nan_and_missing_vectors(tmp_path: Path) -> None:
    vecs = RNG.normal(size=(5, 3))
    vecs[2, 1] = np.nan  # the engine stores NaN; the adapter passes it on for the caller to judge
    shard = build_edge(tmp_path / "plain", vecs, [{"i": i} for i in range(5)], distance="Dot")
    with QdrantEdgeStore(shard) as store:
        [info] = store.list_collections()
        assert [(v.name, v.dim, v.distance) for v in info.vectors] == [("", 3, "Dot")]
        points = [p for batch, _ in store.iter_points("plain") for p in batch]
    assert [p.id for p in points] == [0, 1, 2, 3, 4]
    assert np.isnan(points[2].vectors[""][1])
    np.testing.assert_allclose(points[0].vectors[""], vecs[0].astype(np.float32))


def test_empty_shard(tmp_path: Path) -> None:
    shard = build_edge(tmp_path / "empty", np.zeros((0, 4)), [])
    with QdrantEdgeStore(shard) as store:
        assert store.count("empty") == 0
        assert list(store.iter_points("empty")) == []
        assert list(store.iter_ids("empty")) == []
        assert sample_ids(store, "empty", 3, 0) == []


def test_folder_of_shards_is_one_collection_each(tmp_path: Path) -> None:
    build_edge(tmp_path / "a", RNG.normal(size=(3, 2)), [{}] * 3)
    build_edge(tmp_path / "b", RNG.normal(size=(4, 2)), [{}] * 4)
    (tmp_path / "not-a-shard").mkdir()
    with closing(open_store(f"edge:{tmp_path}")) as store:
        assert {c.name: c.points_total for c in store.list_collections()} == {"a": 3, "b": 4}
        with pytest.raises(CollectionError):
            store.collection_info("not-a-shard")
    # a shard folder given without the edge: prefix is recognized too
    with closing(open_store(str(tmp_path / "a"))) as store:
        assert store.display_target == f"edge:{tmp_path / 'a'}"


def test_bad_edge_targets_give_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(TargetError, match="not found"):
        open_store(f"edge:{tmp_path / 'missing'}")
    with pytest.raises(TargetError, match="not a Qdrant Edge shard"):
        open_store(f"edge:{tmp_path}")
    broken = tmp_path / "broken"
    (broken / "segments" / "x").mkdir(parents=True)
    (broken / "edge_config.json").write_text('{"note": "SSN 536-22-8745"')
    store = open_store(f"edge:{broken}")
    with pytest.raises(TargetError, match="could not load") as err:
        store.count("broken")
    assert "536-22-8745" not in str(err.value)  # the engine's message may quote the bytes it read
    store.close()
