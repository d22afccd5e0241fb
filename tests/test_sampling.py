"""Bottom-k sampling over real stores: exact size, deterministic per seed, uniform, order-free."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from storebuild import build_edge, build_local
from vecaudit.stores.edge_store import QdrantEdgeStore
from vecaudit.stores.local_store import QdrantLocalStore
from vecaudit.stores.sampling import iter_sample, sample_ids

RNG = np.random.default_rng(3)
N = 60
IDS: list[int | str] = [i * 11 for i in range(N - 10)] + [
    f"00000000-0000-4000-8000-{i:012d}" for i in range(10)
]


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("sampling")
    vecs = RNG.normal(size=(N, 4))
    payloads = [{"i": i} for i in range(N)]
    local = build_local(root / "local", "c", vecs, payloads, ids=IDS)
    edge = build_edge(root / "c", vecs, payloads, ids=IDS)
    return local, edge


def test_exact_size_unique_subset_in_store_order(stores: tuple[Path, Path]) -> None:
    with QdrantLocalStore(stores[0]) as store:
        all_ids = list(store.iter_ids("c"))
        for n in (1, 7, 59, 60, 500):
            ids = sample_ids(store, "c", n, seed=42)
            assert len(ids) == min(n, N)
            assert len(set(ids)) == len(ids)
            assert set(ids) <= set(all_ids)
            assert ids == [i for i in all_ids if i in set(ids)]  # stream order, friendly to retrieval
        assert sample_ids(store, "c", 0, seed=42) == all_ids  # 0 means every point


def test_same_seed_same_sample_different_seed_different_sample(stores: tuple[Path, Path]) -> None:
    with QdrantLocalStore(stores[0]) as local, QdrantEdgeStore(stores[1]) as edge:
        a = sample_ids(local, "c", 10, seed="run-1")
        assert sample_ids(local, "c", 10, seed="run-1") == a
        # the sample depends on ids and seed only, not on which store streams them or how
        assert sorted(map(str, sample_ids(edge, "c", 10, seed="run-1"))) == sorted(map(str, a))
        assert sample_ids(local, "c", 10, seed="run-2") != a
        assert sample_ids(local, "c", 10, seed=7) != sample_ids(local, "c", 10, seed="7")


def test_inclusion_is_uniform(stores: tuple[Path, Path]) -> None:
    n, trials = 12, 1500
    hits: dict[int | str, int] = {}
    with QdrantLocalStore(stores[0]) as store:
        for seed in range(trials):
            for i in sample_ids(store, "c", n, seed):
                hits[i] = hits.get(i, 0) + 1
    expected = trials * n / N  # 300 per id
    counts = np.array([hits.get(i, 0) for i in IDS], dtype=float)
    chi2 = float(((counts - expected) ** 2 / expected).sum())
    # 59 degrees of freedom: p < 0.001 beyond ~99.6; a biased sampler (e.g. first n ids) scores thousands
    assert chi2 < 99.6, chi2
    assert counts.min() > 0


def test_iter_sample_batches_follow_the_id_list(stores: tuple[Path, Path]) -> None:
    with QdrantEdgeStore(stores[1]) as store:
        ids = sample_ids(store, "c", 17, seed=5)
        batches = list(iter_sample(store, "c", ids, batch_size=5))
        assert [len(b) for b in batches] == [5, 5, 5, 2]
        assert [p.id for b in batches for p in b] == ids
        assert all(p.vectors[""].shape == (4,) for b in batches for p in b)
        bare = list(iter_sample(store, "c", ids[:3], batch_size=5, with_vectors=False))
        assert [p.vectors for b in bare for p in b] == [{}, {}, {}]
        # ids deleted since sampling are skipped, not fatal
        assert [p.id for b in iter_sample(store, "c", [10**9, ids[0]], batch_size=5) for p in b] == [ids[0]]


def test_negative_sizes_are_rejected(stores: tuple[Path, Path]) -> None:
    with QdrantLocalStore(stores[0]) as store:
        with pytest.raises(ValueError):
            sample_ids(store, "c", -1, seed=0)
        with pytest.raises(ValueError):
            list(iter_sample(store, "c", [1], batch_size=0))
