"""A fleet of vLLM servers (`--vllm-url` repeated): balanced, fails over, same answers as one server.

The servers here are small fakes of vLLM's two endpoints on 127.0.0.1 (tests/test_vllm_backend.py
drives a real vLLM where one is installed): each answer's token ids follow from the prompt's bytes
and the request's seed, so any split of the prompts over servers must give the same candidates.
"""

from __future__ import annotations

import hashlib
import json
import logging
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import torch
from vecaudit.config import ScanConfig
from vecaudit.errors import InverterError
from vecaudit.inversion.vllm_backend import ClientSettings, VllmBackend, VllmFleet

MODEL = "vecaudit-inverter-test"
HIDDEN = 4
SETTINGS = ClientSettings(prompts_per_request=2, retries=1, backoff=0.01, connect_timeout=1.0, timeout=30)


class FakeVllm:
    """/v1/models and /v1/completions (prompt_embeds, n, seed) with deterministic token ids."""

    def __init__(self) -> None:
        self.prompts = 0  # prompts answered
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                fake._send(self, {"data": [{"id": MODEL, "max_model_len": 64}]})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake._send(self, fake._complete(body))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _complete(self, body: dict[str, Any]) -> dict[str, Any]:
        seed = int(body.get("seed", 0))
        choices = []
        for p, payload in enumerate(body["prompt_embeds"]):
            digest = hashlib.sha256(payload.encode() + str(seed).encode()).digest()
            for k in range(int(body["n"])):
                ids = [5 + digest[k % 32] % 90, 5 + digest[(k + 7) % 32] % 90, 2]  # 2: the stop token
                choices.append({"index": p * int(body["n"]) + k, "token_ids": ids})
        with self._lock:
            self.prompts += len(body["prompt_embeds"])
        return {"choices": choices}

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, body: object) -> None:
        data = json.dumps(body).encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fakes() -> Iterator[list[FakeVllm]]:
    servers = [FakeVllm(), FakeVllm()]
    try:
        yield servers
    finally:
        for s in servers:
            s.close()


def _backend(url: str) -> VllmBackend:
    return VllmBackend(url, model=MODEL, hidden_size=HIDDEN, max_model_len=64, eos_id=2, settings=SETTINGS)


def _closed_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"  # closed again: nothing listens there


PROMPTS = [torch.randn(3, HIDDEN, generator=torch.Generator().manual_seed(i)) for i in range(9)]
ARGS: dict[str, Any] = {"n": 3, "temperature": 0.7, "max_new_tokens": 8, "seed": 11}


def test_a_fleet_spreads_requests_and_answers_as_one_server_does(fakes: list[FakeVllm]) -> None:
    alone = _backend(fakes[0].url).generate(PROMPTS, **ARGS)
    fakes[0].prompts = 0
    fleet = VllmFleet([_backend(f.url) for f in fakes])
    assert fleet.generate(PROMPTS, **ARGS) == alone  # sampled seeds follow each prompt's content
    assert fakes[0].prompts > 0 and fakes[1].prompts > 0, "both servers got work"
    # greedy + sampled requests: every prompt was answered once per kind, by one server or the other
    assert fakes[0].prompts + fakes[1].prompts == 2 * len(PROMPTS)


def test_a_prompts_candidates_do_not_depend_on_the_prompts_beside_it(fakes: list[FakeVllm]) -> None:
    # The fake answers from the prompt's bytes and the request's seed: equal answers mean equal
    # seeds, so a prompt is seeded by its content, not by where it stands in the call.
    backend = _backend(fakes[0].url)
    together = backend.generate(PROMPTS, **ARGS)
    assert backend.generate(PROMPTS[::-1], **ARGS)[::-1] == together
    assert [backend.generate([p], **ARGS)[0] for p in PROMPTS[:3]] == together[:3]
    fleet = VllmFleet([_backend(f.url) for f in fakes])
    assert fleet.generate(PROMPTS[4:] + PROMPTS[:4], **ARGS) == together[4:] + together[:4]
    # keys given by the caller (the inverter's target rows) seed instead of the prompt bytes
    keys = [bytes([i]) * 16 for i in range(len(PROMPTS))]
    keyed = backend.generate(PROMPTS, keys=keys, **ARGS)
    assert keyed != together
    assert fleet.generate(PROMPTS[::-1], keys=keys[::-1], **ARGS)[::-1] == keyed
    with pytest.raises(InverterError, match="2 keys for 9 prompts"):
        fleet.generate(PROMPTS, keys=keys[:2], **ARGS)


def test_a_dead_server_is_skipped_with_a_warning(
    fakes: list[FakeVllm], caplog: pytest.LogCaptureFixture
) -> None:
    alone = _backend(fakes[0].url).generate(PROMPTS, **ARGS)
    dead = _closed_url()
    fleet = VllmFleet([_backend(dead), _backend(fakes[1].url)])
    with caplog.at_level(logging.WARNING, logger="vecaudit.inversion.vllm_backend"):
        assert fleet.generate(PROMPTS, **ARGS) == alone
    assert fleet.live_urls == [fakes[1].url]
    assert any(dead in r.getMessage() and "skipping" in r.getMessage() for r in caplog.records)


def test_a_fleet_with_every_server_down_is_an_error() -> None:
    fleet = VllmFleet([_backend(_closed_url()), _backend(_closed_url())])
    with pytest.raises(InverterError, match="every vLLM server is down"):
        fleet.generate(PROMPTS[:3], **ARGS)


def test_vllm_url_repeats_and_old_runs_still_load(tmp_path: Any) -> None:
    both = ("http://a:8000", "http://b:8000")
    assert ScanConfig.build(target=str(tmp_path), vllm_url=list(both)).vllm_url == both
    assert ScanConfig.build(target=str(tmp_path), vllm_url="http://a:8000, http://b:8000").vllm_url == both
    assert ScanConfig.build(target=str(tmp_path), vllm_url=None).vllm_url == ()
    stored = ScanConfig.build(target=str(tmp_path), vllm_url="http://a:8000").stored()
    assert ScanConfig.model_validate_json(stored).vllm_url == ("http://a:8000",)
    with pytest.raises(Exception, match="must start with http"):
        ScanConfig.build(target=str(tmp_path), vllm_url=["ftp://x"])
