"""The Qdrant server adapter over real HTTP on 127.0.0.1.

No Qdrant server binary is installable here, so `QdrantRestShim` (tests/storebuild.py) serves
Qdrant's read endpoints from a real local-mode store; the client side is the real qdrant-client.
Error paths (401, 5xx, 429, timeouts, refused connections) are what these tests are about.
"""

from __future__ import annotations

import base64
import logging
import os
import shutil
import socket
import subprocess
import time
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest
from storebuild import QdrantRestShim, build_local
from vecaudit.errors import CollectionError, TargetError
from vecaudit.models import VectorKind
from vecaudit.stores import open_store
from vecaudit.stores.local_store import QdrantLocalStore
from vecaudit.stores.qdrant_store import QdrantServerStore
from vecaudit.stores.sampling import iter_sample, sample_ids
from vecaudit.stores.target import ScanTarget

KEY = "sk-test-0123456789abcdef"
RNG = np.random.default_rng(5)


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("server") / "data"
    n = 45
    ids = [i * 2 + 1 for i in range(n - 5)] + [f"a0000000-0000-4000-8000-{i:012d}" for i in range(5)]
    build_local(
        folder,
        "docs",
        {"text": RNG.normal(size=(n, 6)), "img": RNG.normal(size=(n, 3))},
        [{"body": f"hello {i}", "tags": ["x"]} for i in range(n)],
        ids=ids,
        sparse={"bm25": [([1, 2], [0.1, 0.2])] * n},
    )
    build_local(folder, "plain", RNG.normal(size=(4, 2)), [{"i": i} for i in range(4)], distance="Euclid")
    return folder


@pytest.fixture
def served(source: Path, tmp_path: Path) -> Path:
    # the shim's qdrant-client writes a lock file: serve a copy
    copy = tmp_path / "served"
    shutil.copytree(source, copy)
    return copy


@pytest.fixture(autouse=True)
def no_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QDRANT_API_KEY", raising=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_server_scan_equals_the_local_adapter_on_the_same_data(source: Path, served: Path) -> None:
    with QdrantRestShim(served) as shim, closing(open_store(shim.url)) as store:
        infos = {c.name: c for c in store.list_collections()}
        assert infos["docs"].points_total == 45
        kinds = {v.name: v.kind for v in infos["docs"].vectors}
        assert kinds == {"text": VectorKind.dense, "img": VectorKind.dense, "bm25": VectorKind.sparse}
        pages = list(store.iter_points("docs", batch_size=10))
        ids = list(store.iter_ids("docs", batch_size=8))
        sample = sample_ids(store, "docs", 6, "s")
        sampled = [p.id for b in iter_sample(store, "docs", sample, batch_size=4) for p in b]
    with QdrantLocalStore(source) as local:
        expected = list(local.iter_points("docs", batch_size=10))
        assert sample_ids(local, "docs", 6, "s") == sample
    assert [nxt for _, nxt in pages] == [nxt for _, nxt in expected]
    got = [p for b, _ in pages for p in b]
    want = [p for b, _ in expected for p in b]
    assert [p.id for p in got] == [p.id for p in want] == ids
    assert sampled == sample
    for a, b in zip(got, want, strict=True):
        assert a.payload == b.payload
        assert set(a.vectors) == set(b.vectors) == {"text", "img"}
        for name in a.vectors:
            np.testing.assert_allclose(a.vectors[name], b.vectors[name], rtol=1e-6)


def test_api_key_comes_from_env_or_file_and_is_sent(
    served: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with QdrantRestShim(served, api_key=KEY) as shim:
        with pytest.raises(TargetError, match="unauthorized") as err:
            open_store(shim.url, retries=0)
        assert KEY not in str(err.value)
        monkeypatch.setenv("QDRANT_API_KEY", KEY)
        with closing(open_store(shim.url)) as store:
            assert store.count("plain") == 4
        assert shim.headers["api-key"] == KEY
        monkeypatch.delenv("QDRANT_API_KEY")
        key_file = tmp_path / "key"
        key_file.write_text(KEY + "\n")
        key_file.chmod(0o600)
        with closing(open_store(shim.url, api_key_file=key_file)) as store:
            assert store.count("plain") == 4


def test_401_everywhere_fails_at_once_without_leaking_the_key(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("QDRANT_API_KEY", KEY)
    with QdrantRestShim(status_always=401) as shim, caplog.at_level(logging.DEBUG):
        with pytest.raises(TargetError) as err:
            open_store(shim.url, retries=3, backoff=0.2)
        assert shim.requests == 1  # never retried
    message = str(err.value)
    assert "unauthorized" in message and "127.0.0.1" in message
    assert KEY not in message and KEY not in caplog.text
    assert err.value.__cause__ is None and err.value.__suppress_context__


def test_403_is_unauthorized_too() -> None:
    with QdrantRestShim(status_always=403) as shim:
        with pytest.raises(TargetError, match=r"unauthorized.*403"):
            open_store(shim.url, retries=2, backoff=0.05)
        assert shim.requests == 1


def test_transient_5xx_and_429_are_retried(served: Path) -> None:
    with QdrantRestShim(served, fail_first=[503, 502, 429]) as shim:
        with closing(open_store(shim.url, retries=3, backoff=0.01)) as store:
            assert store.count("plain") == 4
        assert shim.requests == 5  # three failures, list collections, count
    with QdrantRestShim(served, fail_first=[500, 500, 500]) as shim:
        with pytest.raises(TargetError, match=r"HTTP 500 \(2 attempts\)"):
            open_store(shim.url, retries=1, backoff=0.01)
        assert shim.requests == 2


def test_retry_after_is_honoured(served: Path) -> None:
    with QdrantRestShim(served, fail_first=[429], retry_after="1") as shim:
        start = time.monotonic()
        with closing(open_store(shim.url, retries=2, backoff=0.01)):
            pass
        assert time.monotonic() - start >= 0.95


def test_unreachable_server_fails_fast_naming_the_host_not_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QDRANT_API_KEY", KEY)
    port = _free_port()
    start = time.monotonic()
    with pytest.raises(TargetError) as err:
        open_store(f"http://127.0.0.1:{port}", retries=2, backoff=0.05, timeout=2)
    assert time.monotonic() - start < 5
    assert f"127.0.0.1:{port}" in str(err.value) and "3 attempts" in str(err.value)
    assert KEY not in str(err.value)


def test_timeouts_are_retried_then_reported() -> None:
    with QdrantRestShim(delay_s=1.6) as shim:
        with pytest.raises(TargetError, match="timed out"):
            open_store(shim.url, retries=1, backoff=0.01, timeout=1)
        assert shim.requests == 2


def test_credentials_in_the_url_are_sent_as_basic_auth_and_never_shown(served: Path) -> None:
    with QdrantRestShim(served) as shim:
        url = shim.url.replace("http://", "http://auditor:p%40ss-w0rd@")
        with closing(open_store(url + "/?token=abc")) as store:
            assert store.display_target == shim.url
            assert "p@ss" not in repr(store) and "auditor" not in store.display_target
            assert store.count("plain") == 4
        expected = base64.b64encode(b"auditor:p@ss-w0rd").decode()
        assert shim.headers["authorization"] == f"Basic {expected}"
    with QdrantRestShim(status_always=401) as shim:
        url = shim.url.replace("http://", "http://auditor:p%40ss-w0rd@")
        with pytest.raises(TargetError) as err:
            open_store(url)
        assert "p@ss" not in str(err.value) and "p%40ss" not in str(err.value)


def test_missing_collection_is_a_collection_error(served: Path) -> None:
    with QdrantRestShim(served) as shim, closing(open_store(shim.url)) as store:
        with pytest.raises(CollectionError, match="nope"):
            store.collection_info("nope")
        with pytest.raises(CollectionError):
            next(iter(store.iter_points("nope")))


def test_tls_verification_is_on_by_default(tmp_path: Path) -> None:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a self-signed certificate")
    import ssl
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"]
        + ["-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b'{"result": {"collections": []}, "status": "ok", "time": 0}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"https://127.0.0.1:{server.server_address[1]}"
    try:
        with pytest.raises(TargetError, match="TLS certificate verification failed"):
            open_store(url, retries=3, backoff=0.01)
        with closing(open_store(url, verify_tls=False)) as store:
            assert store.list_collections() == []
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("target", "shown"),
    [
        ("https://user:secret@db.example.com:6333/", "https://db.example.com:6333"),
        ("http://[::1]:6333/prefix?api-key=zzz#x", "http://[::1]:6333/prefix"),
        ("s3://k:s@bucket/path", "s3://bucket/path"),
    ],
)
def test_display_forms_strip_credentials(target: str, shown: str) -> None:
    parsed = ScanTarget.parse(target)
    assert parsed.display == parsed.stored == shown
    assert "secret" not in repr(parsed)


def test_unknown_scheme_without_plugins_is_a_clear_error() -> None:
    with pytest.raises(TargetError, match=r"scheme 'weaviate'") as err:
        open_store("weaviate://user:pw@host:8080")
    assert "pw" not in str(err.value).replace("plugins", "")


def test_api_key_file_problems_are_clear(tmp_path: Path) -> None:
    with pytest.raises(TargetError, match="cannot read the API key file"):
        open_store("http://127.0.0.1:1", api_key_file=tmp_path / "nope")
    empty = tmp_path / "empty"
    empty.write_text("\n")
    with pytest.raises(TargetError, match="is empty"):
        open_store("http://127.0.0.1:1", api_key_file=empty)


def test_adapter_repr_and_attributes_hold_no_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QDRANT_API_KEY", KEY)
    store = QdrantServerStore(ScanTarget.parse("http://u:pw@127.0.0.1:1").server, api_key=KEY)  # type: ignore[arg-type]
    try:
        assert KEY not in repr(store) and "pw" not in repr(store)
        assert KEY not in store.display_target
        assert os.environ["QDRANT_API_KEY"] == KEY  # read, never consumed or echoed
    finally:
        store.close()


_PLUGIN = """
from pathlib import Path
from vecaudit.stores.local_store import QdrantLocalStore

def opens_memdir(target, **opts):
    if not target.startswith("memdir://"):
        return None
    assert set(opts) == {"api_key_file", "timeout", "verify_tls", "retries"}
    return QdrantLocalStore(Path(target[len("memdir://"):]))

def declines(target, **opts):
    return None

def explodes(target, **opts):
    raise RuntimeError("plugin bug")
"""


def test_third_party_adapters_are_found_through_entry_points(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a real installed-distribution layout on sys.path, found by importlib.metadata
    site = tmp_path / "site"
    dist = site / "vecaudit_memdir-0.1.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: vecaudit-memdir\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(
        "[vecaudit.stores]\na_explodes = memdir_plugin:explodes\nb_declines = memdir_plugin:declines\n"
        "c_memdir = memdir_plugin:opens_memdir\n"
    )
    (site / "memdir_plugin.py").write_text(_PLUGIN)
    monkeypatch.syspath_prepend(str(site))
    with closing(open_store(f"memdir://{source}")) as store:
        assert store.count("plain") == 4
    with pytest.raises(TargetError, match=r"scheme 'other'.*c_memdir"):
        open_store("other://x")
