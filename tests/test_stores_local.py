"""The qdrant-client local-mode adapter: real folders written by qdrant-client, read read-only."""

from __future__ import annotations

import base64
import logging
import pickle
import shutil
import sqlite3
import subprocess
import sys
import uuid
import warnings
from contextlib import closing
from itertools import islice
from pathlib import Path

import numpy as np
import pytest
from storebuild import add_raw_local_points, build_local, tree_fingerprint
from vecaudit.errors import CollectionError, TargetError
from vecaudit.models import VectorKind
from vecaudit.stores import open_store
from vecaudit.stores.local_store import QdrantLocalStore
from vecaudit.stores.sampling import iter_sample, sample_ids

RNG = np.random.default_rng(7)
DOCS = 83  # points in "docs": three scroll pages of 32


def _mixed_ids(n: int) -> list[int | str]:
    # ints and UUIDs, some spelled in upper case: the store keeps them canonical
    ids: list[int | str] = []
    for i in range(n):
        if i % 5 == 0:
            u = str(uuid.UUID(int=RNG.integers(0, 2**62).item() * 7919 + i))
            ids.append(u.upper() if i % 2 else u)
        else:
            ids.append(int(RNG.integers(0, 10**9)))
    return ids


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("local") / "qdrant"
    n = DOCS
    build_local(
        folder,
        "docs",
        {"text": RNG.normal(size=(n, 8)), "title": RNG.normal(size=(n, 4))},
        [{"text": f"note {i}", "meta": {"tags": ["a", "b"], "n": i}} for i in range(n)],
        ids=_mixed_ids(n),
        sparse={"bm25": [([1, 5 + i], [0.5, 0.25]) for i in range(n)]},
        multivectors={"colbert": [[[1.0, float(i)], [0.5, 0.5]] for i in range(n)]},
    )
    build_local(folder, "plain", RNG.normal(size=(40, 6)), [{"i": i} for i in range(40)], distance="Euclid")
    build_local(folder, "empty", np.zeros((0, 3)), [], distance="Dot")
    return folder


def _snapshot_copy(src: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "copy"
    shutil.copytree(src, dst)
    return dst


def _scan_everything(target: str) -> int:
    """Every read the pipeline does, on every collection."""
    seen = 0
    with closing(open_store(target)) as store:
        for info in store.list_collections():
            for batch, _ in store.iter_points(info.name, batch_size=16):
                seen += len(batch)
            for batch, _ in store.iter_points(info.name, batch_size=16, with_vectors=False):
                seen += len(batch)
            store.retrieve(info.name, list(islice(store.iter_ids(info.name), 5)))
            for batch in iter_sample(store, info.name, sample_ids(store, info.name, 7, "s"), batch_size=3):
                seen += len(batch)
    return seen


def test_discovery_reports_every_vector_kind(store_dir: Path) -> None:
    with QdrantLocalStore(store_dir) as store:
        infos = {c.name: c for c in store.list_collections()}
    assert set(infos) == {"docs", "plain", "empty"}
    docs = {v.name: v for v in infos["docs"].vectors}
    assert (
        docs["text"].kind == VectorKind.dense and docs["text"].dim == 8 and docs["text"].distance == "Cosine"
    )
    assert docs["title"].dim == 4 and docs["title"].invertible
    assert docs["bm25"].kind == VectorKind.sparse and not docs["bm25"].invertible
    assert docs["colbert"].kind == VectorKind.multi and not docs["colbert"].invertible
    assert infos["docs"].points_total == DOCS
    plain = infos["plain"].vectors
    assert [(v.name, v.dim, v.distance, v.datatype) for v in plain] == [("", 6, "Euclid", "float32")]
    assert infos["empty"].points_total == 0


def test_full_scan_matches_qdrant_clients_own_scroll(store_dir: Path, tmp_path: Path) -> None:
    from qdrant_client import QdrantClient

    # the library may write (.lock, duplicate cleanup): give it a copy
    client = QdrantClient(path=str(_snapshot_copy(store_dir, tmp_path)))
    try:
        for name in ("docs", "plain"):
            expected = []
            offsets = []
            offset = None
            while True:
                records, offset = client.scroll(name, limit=32, offset=offset, with_vectors=True)
                expected.extend(records)
                offsets.append(offset)
                if offset is None:
                    break
            with QdrantLocalStore(store_dir) as store:
                got = []
                got_offsets = []
                for batch, nxt in store.iter_points(name, batch_size=32):
                    got.extend(batch)
                    got_offsets.append(nxt)
            assert [p.id for p in got] == [r.id for r in expected]
            assert got_offsets == offsets
            for point, record in zip(got, expected, strict=True):
                assert point.payload == record.payload
                vec = record.vector if isinstance(record.vector, dict) else {"": record.vector}
                dense = {k: v for k, v in vec.items() if k not in ("bm25", "colbert")}
                assert set(point.vectors) == set(dense)
                for key, value in dense.items():
                    assert point.vectors[key].dtype == np.float32
                    np.testing.assert_allclose(point.vectors[key], np.asarray(value, dtype=np.float32))
    finally:
        client.close()


def test_resume_from_next_offset_gives_the_rest(store_dir: Path) -> None:
    with QdrantLocalStore(store_dir) as store:
        batches = list(store.iter_points("docs", batch_size=20))
        cursor = batches[2][1]
        resumed = [
            p.id for batch, _ in store.iter_points("docs", batch_size=20, offset=cursor) for p in batch
        ]
        rest = [p.id for batch, _ in batches[3:] for p in batch]
        assert resumed == rest
        ids = list(store.iter_ids("docs"))
        assert ids == [p.id for batch, _ in batches for p in batch]
        # an offset between two ids starts at the next one, like Qdrant's scroll
        ints = sorted(i for i in ids if isinstance(i, int))
        between = [p.id for batch, _ in store.iter_points("docs", offset=ints[3] + 1) for p in batch]
        assert between[0] == ints[4]


def test_folder_is_byte_for_byte_unchanged_after_a_full_scan(store_dir: Path, tmp_path: Path) -> None:
    folder = _snapshot_copy(store_dir, tmp_path)
    (folder / ".lock").unlink(missing_ok=True)  # qdrant-client itself would create it on open
    before = tree_fingerprint(folder)
    assert _scan_everything(str(folder)) > DOCS
    assert tree_fingerprint(folder) == before


def test_reads_while_a_live_client_holds_the_folder(store_dir: Path, tmp_path: Path) -> None:
    from qdrant_client import QdrantClient

    folder = _snapshot_copy(store_dir, tmp_path)
    client = QdrantClient(path=str(folder))  # holds the exclusive lock, like a running app
    try:
        before = tree_fingerprint(folder)
        with QdrantLocalStore(folder) as store:
            assert store._live_writer
            assert sum(len(b) for b, _ in store.iter_points("docs")) == DOCS
        assert tree_fingerprint(folder) == before
    finally:
        client.close()


def test_leftover_journal_is_handled_in_a_private_copy(store_dir: Path, tmp_path: Path) -> None:
    folder = _snapshot_copy(store_dir, tmp_path)
    journal = folder / "collection" / "plain" / "storage.sqlite-journal"
    journal.write_bytes(b"")
    before = tree_fingerprint(folder)
    store = QdrantLocalStore(folder)
    assert store.count("plain") == 40
    scratch = store._scratch
    assert scratch is not None and scratch.exists()
    store.close()
    assert not scratch.exists()
    assert tree_fingerprint(folder) == before


def test_empty_collection_iterates_nothing(store_dir: Path) -> None:
    with QdrantLocalStore(store_dir) as store:
        assert store.count("empty") == 0
        assert list(store.iter_points("empty")) == []
        assert list(store.iter_ids("empty")) == []
        assert sample_ids(store, "empty", 5, 1) == []
        assert store.retrieve("empty", [1, 2]) == []


def test_missing_collection_is_a_collection_error(store_dir: Path) -> None:
    with QdrantLocalStore(store_dir) as store:
        with pytest.raises(CollectionError, match="nope"):
            store.collection_info("nope")
        with pytest.raises(CollectionError):
            next(store.iter_points("nope"))


def test_retrieve_keeps_order_skips_missing_and_accepts_any_uuid_spelling(store_dir: Path) -> None:
    with QdrantLocalStore(store_dir) as store:
        ids = list(store.iter_ids("docs"))
        uuid_id = next(i for i in ids if isinstance(i, str))
        wanted = [ids[10], 999_999_999_999, uuid_id.upper(), ids[3], "not-an-id"]
        got = store.retrieve("docs", wanted)
        assert [p.id for p in got] == [ids[10], uuid_id, ids[3]]
        assert all(p.vectors for p in got)
        bare = store.retrieve("docs", [ids[0]], with_vectors=False)
        assert [(p.id, p.vectors) for p in bare] == [(ids[0], {})]


def test_nan_and_wrong_dimension_vectors_pass_through(tmp_path: Path) -> None:
    folder = build_local(tmp_path / "q", "c", RNG.normal(size=(3, 4)), [{"k": i} for i in range(3)])
    # qdrant-client's upsert rejects these; stores written by other tools or bugs still have them
    add_raw_local_points(
        folder,
        "c",
        [
            {"id": 100, "vector": [float("nan"), 1.0, 2.0, 3.0], "payload": {"k": "nan"}},
            {"id": 101, "vector": [1.0, 2.0], "payload": {"k": "short"}},
            {"id": 102, "vector": ["x", None], "payload": {"k": "junk"}},
        ],
    )
    with QdrantLocalStore(folder) as store:
        points = {p.id: p for batch, _ in store.iter_points("c") for p in batch}
    assert np.isnan(points[100].vectors[""][0])
    assert points[101].vectors[""].shape == (2,)
    # Not numbers: an empty vector, which the scan counts as unreadable rather than missing.
    assert points[102].payload == {"k": "junk"} and points[102].vectors[""].shape == (0,)
    assert len(points) == 6


def test_a_malicious_pickle_is_refused_not_executed(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    folder = build_local(tmp_path / "q", "c", RNG.normal(size=(4, 4)), [{"k": i} for i in range(4)])
    sentinel = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):  # type: ignore[no-untyped-def]
            return (open, (str(sentinel), "w"))

    key = base64.b64encode(pickle.dumps(777, protocol=4)).decode()
    with sqlite3.connect(folder / "collection" / "c" / "storage.sqlite") as conn:
        conn.execute("INSERT INTO points VALUES (?, ?)", (key, pickle.dumps(Evil())))
    with caplog.at_level(logging.WARNING), QdrantLocalStore(folder) as store:
        got = [(p.id, p.unread) for batch, _ in store.iter_points("c") for p in batch]
    # Listed, never executed, and marked unread (so the scan counts it) with the refused callable.
    assert got == [(0, None), (1, None), (2, None), (3, None), (777, "refused to load io.open")]
    assert not sentinel.exists()
    assert "refused" in caplog.text


def test_a_corrupted_record_never_shows_its_bytes_as_a_callable_name(tmp_path: Path) -> None:
    folder = build_local(tmp_path / "q", "c", RNG.normal(size=(1, 4)), [{"k": 0}])
    key = base64.b64encode(pickle.dumps(779, protocol=4)).decode()
    # A damaged record whose bytes read as a GLOBAL opcode naming payload text as the module.
    with sqlite3.connect(folder / "collection" / "c" / "storage.sqlite") as conn:
        conn.execute("INSERT INTO points VALUES (?, ?)", (key, b"cjane.doe@example.org\nx\n."))
    with QdrantLocalStore(folder) as store:
        (point,) = store.retrieve("c", [779])
    assert point.unread == "refused to load a callable whose name is not shown"


def test_an_unreadable_record_is_logged_by_error_type_only(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = build_local(tmp_path / "q", "c", RNG.normal(size=(2, 4)), [{"k": i} for i in range(2)])
    key = base64.b64encode(pickle.dumps(778, protocol=4)).decode()
    with sqlite3.connect(folder / "collection" / "c" / "storage.sqlite") as conn:
        conn.execute("INSERT INTO points VALUES (?, ?)", (key, b"jane@example.com"))
    with caplog.at_level(logging.WARNING), QdrantLocalStore(folder) as store:
        got = [(p.id, p.unread, p.payload) for batch, _ in store.iter_points("c") for p in batch]
        retrieved = store.retrieve("c", [778, 1])
    assert got[:2] == [(0, None, {"k": 0}), (1, None, {"k": 1})]
    assert got[2] == (778, "cannot be decoded (UnpicklingError)", {})
    assert [(p.id, p.unread) for p in retrieved] == [(778, "cannot be decoded (UnpicklingError)"), (1, None)]
    # pickle's own message would quote record bytes: "Memo value not found at index <b'ane@' as int>"
    assert "UnpicklingError" in caplog.text
    assert str(int.from_bytes(b"ane@", "little")) not in caplog.text and "Memo" not in caplog.text


def test_duplicate_rows_from_older_clients_keep_the_latest(tmp_path: Path) -> None:
    from qdrant_client import QdrantClient
    from qdrant_client.http import models

    folder = build_local(tmp_path / "q", "c", RNG.normal(size=(3, 4)), [{"v": "old"}] * 3)
    # an older client stored a second row for id 1 under another key spelling
    legacy_key = base64.b64encode(pickle.dumps(1, protocol=2)).decode()
    newer = models.PointStruct(id=1, vector=[0.0, 1.0, 0.0, 0.0], payload={"v": "new"})
    with sqlite3.connect(folder / "collection" / "c" / "storage.sqlite") as conn:
        conn.execute("INSERT INTO points VALUES (?, ?)", (legacy_key, pickle.dumps(newer)))
    before = tree_fingerprint(folder)
    with QdrantLocalStore(folder) as store:
        assert store.count("c") == 3
        got = {p.id: p.payload["v"] for batch, _ in store.iter_points("c") for p in batch}
    assert got == {0: "old", 1: "new", 2: "old"}
    assert tree_fingerprint(folder) == before
    copy = tmp_path / "lib"
    shutil.copytree(folder, copy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the library warns that it rewrote the rows
        client = QdrantClient(path=str(copy))
    records, _ = client.scroll("c", limit=10)
    client.close()
    assert {r.id: r.payload["v"] for r in records} == got  # type: ignore[index]


def test_huge_payloads_stream_in_small_batches(tmp_path: Path) -> None:
    big = "lorem ipsum " * 20_000  # ~240 kB a point
    folder = build_local(
        tmp_path / "q", "c", RNG.normal(size=(24, 4)), [{"body": big, "i": i} for i in range(24)]
    )
    with QdrantLocalStore(folder) as store:
        sizes = [len(batch) for batch, _ in store.iter_points("c", batch_size=3, with_vectors=False)]
    assert sizes == [3] * 8


def test_no_large_collection_warning_above_20k_points(tmp_path: Path) -> None:
    n = 20_050
    folder = build_local(tmp_path / "q", "big", RNG.normal(size=(n, 2)), [{}] * n, fast=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with closing(open_store(str(folder))) as store:
            assert store.count("big") == n
            assert sum(1 for _ in store.iter_ids("big")) == n
    assert [str(w.message) for w in caught] == []


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "missing", "not found"),
        (lambda p: (p / "f.txt").write_text("x") and p / "f.txt", "is a file"),
        (lambda p: (p / "d").mkdir() or p / "d", "neither"),
        (
            lambda p: ((p / "m").mkdir(), (p / "m" / "meta.json").write_text("{oops"))[0] or p / "m",
            "meta.json",
        ),
    ],
)
def test_bad_local_targets_give_clear_errors(tmp_path: Path, make, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TargetError, match=message):
        open_store(str(make(tmp_path)))


# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forking parent across exec
_MEM_SCRIPT = """
import sys
from vecaudit.stores import open_store
store = open_store(sys.argv[1])
n = sum(len(b) for b, _ in store.iter_points("docs", batch_size=256, with_vectors=False))
store.close()
hwm = [line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM")][0]
print(n, hwm)
"""


@pytest.mark.slow
def test_payload_scan_memory_stays_flat_from_1k_to_19k_points(tmp_path: Path) -> None:
    peaks = {}
    for n in (1_000, 19_000):
        payloads = [{"text": f"ticket {i}: the customer asked about order {i * 7}"} for i in range(n)]
        folder = build_local(tmp_path / f"q{n}", "docs", RNG.normal(size=(n, 384)), payloads, fast=True)
        out = subprocess.run(
            [sys.executable, "-c", _MEM_SCRIPT, str(folder)], capture_output=True, text=True, check=True
        ).stdout.split()
        assert int(out[0]) == n
        peaks[n] = int(out[1])
    assert peaks[19_000] <= 1.3 * peaks[1_000], peaks
