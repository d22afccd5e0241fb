"""The demo: a local Qdrant store of synthetic records, some with PII, ready to scan.

`build_demo_store` writes a qdrant-client local-mode folder with the collections of
`synthetic.demo_records.COLLECTIONS`, each record's text embedded with all-MiniLM-L6-v2 and stored with its
payload (text plus a few structured fields). The folder carries a marker file so that rebuilding
never deletes a folder the demo did not create.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .errors import VecauditError
from .synthetic.demo_records import DemoRecord, generate

DEFAULT_DIR = Path("vecaudit-demo")
DEFAULT_POINTS = 300
MARKER = "vecaudit-demo.json"


class DemoError(VecauditError):
    """The demo store cannot be built where asked."""


@dataclass(frozen=True)
class DemoStore:
    folder: Path
    collections: dict[str, int]  # collection -> points
    with_pii: int  # records that carry synthetic PII (ground truth)


def _prepare_folder(folder: Path) -> None:
    if folder.exists():
        if not folder.is_dir():
            raise DemoError(f"{folder} exists and is not a folder; pick another --dir")
        if any(folder.iterdir()) and not (folder / MARKER).is_file():
            raise DemoError(f"{folder} exists and was not made by `vecaudit demo`; pick another --dir")
        shutil.rmtree(folder)
    folder.mkdir(parents=True)


def build_demo_store(
    folder: Path = DEFAULT_DIR, *, points: int = DEFAULT_POINTS, seed: int = 7, batch_size: int = 64
) -> DemoStore:
    """(Re)build the demo store in `folder` and return what it holds."""
    from qdrant_client import QdrantClient, models

    from .encoders.minilm import MiniLMEncoder

    if points < 1:
        raise DemoError("--points must be at least 1")
    records = generate(points, seed=seed)
    _prepare_folder(folder)
    encoder = MiniLMEncoder()
    by_collection: dict[str, list[DemoRecord]] = {}
    for r in records:
        by_collection.setdefault(r.collection, []).append(r)

    client = QdrantClient(path=str(folder))
    try:
        for name, rows in by_collection.items():
            client.create_collection(
                name,
                vectors_config=models.VectorParams(size=encoder.spec.dim, distance=models.Distance.COSINE),
            )
            for start in range(0, len(rows), batch_size):
                chunk = rows[start : start + batch_size]
                vectors = encoder.embed([r.text for r in chunk])
                client.upsert(
                    name,
                    [
                        models.PointStruct(id=r.point_id, vector=v.tolist(), payload=r.payload)
                        for r, v in zip(chunk, vectors, strict=True)
                    ],
                )
    finally:
        client.close()

    counts = dict(Counter(r.collection for r in records))
    with_pii = sum(r.has_pii for r in records)
    marker = {"made_by": "vecaudit demo", "points": points, "seed": seed, "collections": counts}
    (folder / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    return DemoStore(folder, counts, with_pii)
