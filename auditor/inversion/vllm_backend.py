"""The vLLM inverter backend: only the LM runs in the server; projector, prompts and scoring stay here.

Each prompt (soft tokens + token embeddings, built by prompts.py exactly as for the torch backend)
travels as `prompt_embeds`: base64 of `torch.save` of a dense float32 CPU tensor, POSTed to
/v1/completions. Tensors are checked before anything is sent: malformed ones have crashed vLLM
(CVE-2025-62164), and a client must never be the one to send them.

Greedy candidates go in requests of up to `prompts_per_request` prompts; sampled candidates go one
prompt per request with a seed derived from (seed, the prompt's content key), so they do not depend
on how prompts were grouped into requests or batches, nor on where a prompt stands in them.
Requests run concurrently (bounded), and connection errors and 5xx answers are retried with
exponential backoff. When the server stays unreachable the backend raises
InverterError: there is no fallback to the torch backend.
"""

from __future__ import annotations

import asyncio
import base64
import io
import ipaddress
import logging
import os
import threading
from collections.abc import Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
import torch

from ..errors import InverterError
from .backend import content_key, sample_seed

log = logging.getLogger(__name__)

WIRE_DTYPE = torch.float32  # the projector's output dtype; vLLM casts to its --dtype on arrival
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
T = TypeVar("T")


class ServerUnreachable(InverterError):
    """A vLLM server refused connections or reset them through every retry: down or restarting."""


@dataclass(frozen=True)
class ClientSettings:
    concurrency: int = 8  # requests in flight
    prompts_per_request: int = 32  # greedy prompts batched into one request
    timeout: float = 600.0  # seconds to wait for one answer (a CPU server with a full queue is slow)
    connect_timeout: float = 5.0
    retries: int = 4  # after the first try: 0.5 + 1 + 2 + 4 s of backoff, then give up
    backoff: float = 0.5


def validate_prompt(t: object, *, hidden_size: int, max_len: int) -> torch.Tensor:
    """Refuse anything but a finite, dense, 2-D float32 (T, hidden_size) tensor with 1 <= T <= max_len."""
    if not isinstance(t, torch.Tensor):
        raise InverterError(f"prompt embeddings must be a torch.Tensor, got {type(t).__name__}")
    if t.layout != torch.strided or t.is_quantized:
        raise InverterError(f"prompt embeddings must be a dense tensor, got layout {t.layout}")
    if t.dim() != 2 or t.shape[1] != hidden_size:
        raise InverterError(
            f"prompt embeddings must have shape (tokens, {hidden_size}), got {tuple(t.shape)}"
        )
    if not 1 <= t.shape[0] <= max_len:
        raise InverterError(f"prompt of {t.shape[0]} tokens; the server takes 1 to {max_len}")
    if t.dtype != WIRE_DTYPE:
        raise InverterError(f"prompt embeddings must be {WIRE_DTYPE}, got {t.dtype}")
    if not bool(torch.isfinite(t).all()):
        raise InverterError("prompt embeddings contain NaN or infinite values")
    return t


def encode_prompt(t: torch.Tensor) -> str:
    """base64(torch.save(t)) of a fresh contiguous CPU copy.

    The copy matters: torch.save writes a view's whole storage, so saving one row of a batch would
    send every other prompt of the batch along with it.
    """
    buf = io.BytesIO()
    torch.save(t.detach().to("cpu", copy=True).contiguous(), buf)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro` to completion from sync code, also when this thread already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


class VllmBackend:
    """InverterBackend over a vLLM server started by `vecaudit serve-inverter` (or `vllm serve`)."""

    name = "vllm"

    def __init__(
        self,
        url: str,
        *,
        model: str,
        hidden_size: int,
        max_model_len: int,
        eos_id: int,
        pad_id: int = 0,
        settings: ClientSettings | None = None,
        api_key: str | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.model = model
        self.hidden_size = hidden_size
        self.max_model_len = max_model_len
        self.eos_id = eos_id
        self.pad_id = pad_id
        self.settings = settings or ClientSettings()
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._trust_env = not _is_loopback(self.url)  # a proxy from the environment never sees loopback

    def __repr__(self) -> str:  # no headers: they may hold the API key
        return f"VllmBackend({self.url!r}, model={self.model!r})"

    # -- protocol ------------------------------------------------------------------------------

    def generate(
        self,
        prompts: Sequence[torch.Tensor],
        *,
        n: int,
        temperature: float,
        max_new_tokens: int,
        seed: int,
        keys: Sequence[bytes] | None = None,
    ) -> list[list[list[int]]]:
        """For each prompt, n candidates; prompt i's sampled ones are seeded by
        `sample_seed(seed, keys[i])` (`keys` default: each prompt's `content_key`)."""
        if not prompts:
            return []
        if n < 1:
            raise InverterError("n must be at least 1")
        if keys is not None and len(keys) != len(prompts):
            raise InverterError(f"{len(keys)} keys for {len(prompts)} prompts")
        max_len = self.max_model_len - max_new_tokens  # the whole answer must fit, or vLLM cuts it short
        checked = [validate_prompt(p, hidden_size=self.hidden_size, max_len=max_len) for p in prompts]
        payloads = [encode_prompt(p) for p in checked]
        seeds = [sample_seed(seed, k) for k in (keys if keys is not None else map(content_key, checked))]
        return _run_sync(self._generate(payloads, n, temperature, max_new_tokens, seeds))

    def close(self) -> None:
        return None

    def check(self) -> None:
        """Refuse a server that is down or serves another model than this inverter."""
        _run_sync(self._check())

    # -- requests --------------------------------------------------------------------------------

    def _client(self) -> httpx.AsyncClient:
        s = self.settings
        return httpx.AsyncClient(
            base_url=self.url,
            headers=self._headers,
            timeout=httpx.Timeout(s.timeout, connect=s.connect_timeout),
            limits=httpx.Limits(max_connections=s.concurrency, max_keepalive_connections=s.concurrency),
            trust_env=self._trust_env,
        )

    async def _check(self) -> None:
        async with self._client() as client:
            data = await self._request(client, "GET", "/v1/models", None)
        models = {m.get("id"): m for m in data.get("data", []) if isinstance(m, dict)}
        if self.model not in models:
            served = ", ".join(sorted(map(str, models))) or "nothing"
            raise InverterError(
                f"the vLLM server at {self.url} serves {served}, not this inverter ({self.model}); "
                "start it with `vecaudit serve-inverter` from the same models folder"
            )
        served_len = models[self.model].get("max_model_len")
        if isinstance(served_len, int):
            self.max_model_len = min(self.max_model_len, served_len)

    async def _request(
        self, client: httpx.AsyncClient, method: str, path: str, body: dict[str, Any] | None
    ) -> dict[str, Any]:
        s = self.settings
        reason = ""
        for attempt in range(s.retries + 1):
            if attempt:
                await asyncio.sleep(s.backoff * 2 ** (attempt - 1))
            try:
                r = await client.request(method, path, json=body)
            except httpx.TimeoutException as exc:
                if isinstance(exc, httpx.ConnectTimeout):
                    reason = "connection timed out"
                    continue
                # A server that accepted the work but did not finish in time gets no second copy.
                raise InverterError(
                    f"the vLLM server at {self.url} did not answer within {s.timeout:.0f}s"
                ) from None
            except httpx.TransportError as exc:  # refused, reset, closed mid-answer: down or restarting
                reason = type(exc).__name__
                continue
            if r.status_code == 200:
                try:
                    data = r.json()
                except ValueError:
                    raise InverterError(f"the vLLM server at {self.url} sent a non-JSON answer") from None
                if not isinstance(data, dict):
                    raise InverterError(f"the vLLM server at {self.url} sent an unexpected answer")
                return data
            if r.status_code in RETRY_STATUS:
                reason = f"HTTP {r.status_code}"
                continue
            raise InverterError(
                f"the vLLM server at {self.url} refused {method} {path}: HTTP {r.status_code}: "
                f"{_error_message(r)}"
            )
        raise ServerUnreachable(
            f"the vLLM server at {self.url} is down or restarting ({reason} after {s.retries + 1} "
            "attempts); start it with `vecaudit serve-inverter` and run the scan again"
        )

    async def _generate(
        self, payloads: list[str], n: int, temperature: float, max_new_tokens: int, seeds: list[int]
    ) -> list[list[list[int]]]:
        step = max(1, self.settings.prompts_per_request)
        sem = asyncio.Semaphore(max(1, self.settings.concurrency))
        async with self._client() as client:

            async def complete(chunk: list[str], count: int, **params: Any) -> list[list[int]]:
                body = {
                    "model": self.model,
                    "prompt_embeds": chunk,
                    "max_tokens": max_new_tokens,
                    "n": count,
                    "stop_token_ids": [self.eos_id],
                    "top_p": 1.0,
                    "top_k": 0,
                    "min_p": 0.0,
                    "repetition_penalty": 1.0,
                    "return_token_ids": True,
                    "skip_special_tokens": True,
                    **params,
                }
                async with sem:
                    data = await self._request(client, "POST", "/v1/completions", body)
                return self._token_ids(data, len(chunk) * count)

            greedy = [
                complete(payloads[i : i + step], 1, temperature=0.0) for i in range(0, len(payloads), step)
            ]
            sampled = (
                [
                    complete([p], n - 1, temperature=temperature, seed=seed)
                    for p, seed in zip(payloads, seeds, strict=True)
                ]
                if n > 1
                else []
            )
            results = await asyncio.gather(*greedy, *sampled)
        first = [ids for chunk in results[: len(greedy)] for ids in chunk]
        out = [[g] for g in first]
        for i, extra in enumerate(results[len(greedy) :]):
            out[i].extend(extra)
        return out

    def _token_ids(self, data: dict[str, Any], expected: int) -> list[list[int]]:
        choices = data.get("choices")
        if not isinstance(choices, list) or len(choices) != expected:
            got = len(choices) if isinstance(choices, list) else 0
            raise InverterError(
                f"the vLLM server at {self.url} answered {got} candidates, expected {expected}"
            )
        out: list[list[int]] = []
        for c in sorted(choices, key=lambda c: int(c.get("index", 0))):
            ids = c.get("token_ids")
            if not isinstance(ids, list):
                raise InverterError(
                    f"the vLLM server at {self.url} returned no token ids; it needs vLLM >= 0.10.2 "
                    "(the `return_token_ids` request option)"
                )
            if self.eos_id in ids:  # vLLM includes the stop token; the torch backend does not
                ids = ids[: ids.index(self.eos_id)]
            out.append([int(t) for t in ids if t != self.pad_id])
        return out


class VllmFleet:
    """InverterBackend over several vLLM servers of the same inverter (`--vllm-url` repeated).

    A call's prompts are cut into shares of `prompts_per_request`; each share goes to the live
    server with the fewest shares outstanding (least-outstanding balancing, which also follows
    servers of unequal speed), all shares concurrently. A server that stays unreachable through its
    retries is dropped for the rest of the run with a warning and its share goes to another; when
    every server is down the call raises InverterError. Any other error (a refused request, a
    timeout after the server accepted the work) is raised as is: another server would refuse it
    too, or would do the same work twice. Results, sampled seeds included, equal one server's.
    """

    name = "vllm"

    def __init__(self, servers: Sequence[VllmBackend]) -> None:
        if not servers:
            raise InverterError("no vLLM server is reachable")
        self.servers = list(servers)
        self._live = list(servers)
        self._outstanding = {id(s): 0 for s in servers}
        self._lock = threading.Lock()
        # the base of the protocol's attributes (every server serves the same inverter)
        self.model = servers[0].model
        self.max_model_len = min(s.max_model_len for s in servers)

    def __repr__(self) -> str:
        return f"VllmFleet({[s.url for s in self.servers]!r})"

    @property
    def live_urls(self) -> list[str]:
        with self._lock:
            return [s.url for s in self._live]

    def generate(
        self,
        prompts: Sequence[torch.Tensor],
        *,
        n: int,
        temperature: float,
        max_new_tokens: int,
        seed: int,
        keys: Sequence[bytes] | None = None,
    ) -> list[list[list[int]]]:
        if not prompts:
            return []
        if keys is not None and len(keys) != len(prompts):
            raise InverterError(f"{len(keys)} keys for {len(prompts)} prompts")
        # keys made here, once, so every share is seeded as one server would seed the whole call
        all_keys = list(keys) if keys is not None else [content_key(p) for p in prompts]
        step = max(1, self.servers[0].settings.prompts_per_request)
        starts = list(range(0, len(prompts), step))
        params = {"n": n, "temperature": temperature, "max_new_tokens": max_new_tokens, "seed": seed}
        with ThreadPoolExecutor(min(len(starts), 4 * len(self.servers))) as pool:
            parts = list(
                pool.map(lambda i: self._share(prompts[i : i + step], all_keys[i : i + step], params), starts)
            )
        return [c for part in parts for c in part]

    def _share(
        self, prompts: Sequence[torch.Tensor], keys: list[bytes], params: dict[str, Any]
    ) -> list[list[list[int]]]:
        while True:
            server = self._acquire()
            try:
                return server.generate(prompts, keys=keys, **params)
            except ServerUnreachable as exc:
                self._drop(server, exc)
            finally:
                with self._lock:
                    self._outstanding[id(server)] -= 1

    def _acquire(self) -> VllmBackend:
        with self._lock:
            if not self._live:
                urls = ", ".join(s.url for s in self.servers)
                raise InverterError(f"every vLLM server is down or restarting ({urls})")
            server = min(self._live, key=lambda s: self._outstanding[id(s)])
            self._outstanding[id(server)] += 1
            return server

    def _drop(self, server: VllmBackend, exc: ServerUnreachable) -> None:
        with self._lock:
            if server not in self._live:
                return
            self._live.remove(server)
            left = len(self._live)
        log.warning("%s; skipping it, %d vLLM server(s) left", exc, left)

    def close(self) -> None:
        for s in self.servers:
            s.close()


def connect_fleet(
    model_dir: Path,
    urls: Sequence[str],
    *,
    api_key: str | None = None,
    settings: ClientSettings | None = None,
) -> VllmBackend | VllmFleet:
    """One server's backend (`connect`), or a `VllmFleet` of several. A server that is down at the
    start is skipped with a warning; all down, or one serving another model, raises InverterError."""
    if len(urls) == 1:
        return connect(model_dir, urls[0], api_key=api_key, settings=settings)
    servers: list[VllmBackend] = []
    for url in urls:
        try:
            servers.append(connect(model_dir, url, api_key=api_key, settings=settings))
        except ServerUnreachable as exc:
            log.warning("%s; skipping it", exc)
    if not servers:
        raise InverterError(f"every vLLM server is down or restarting ({', '.join(urls)})")
    return VllmFleet(servers)


def connect(
    model_dir: Path, url: str, *, api_key: str | None = None, settings: ClientSettings | None = None
) -> VllmBackend:
    """A backend for the inverter in `model_dir`, checked against the server at `url`.

    The API key defaults to $VLLM_API_KEY, the variable vLLM's server reads too.
    """
    from .model import INVERTER_CONFIG, InverterConfig
    from .vllm_server import API_KEY_ENV, served_model_name

    cfg = InverterConfig.load(model_dir / INVERTER_CONFIG)
    backend = VllmBackend(
        url,
        model=served_model_name(model_dir),
        hidden_size=cfg.d_model,
        max_model_len=cfg.max_positions,
        eos_id=cfg.eos_id,
        pad_id=cfg.pad_id,
        settings=settings,
        api_key=api_key if api_key is not None else os.environ.get(API_KEY_ENV) or None,
    )
    backend.check()
    return backend


def _error_message(r: httpx.Response) -> str:
    """The server's own error text, capped (vLLM's messages name shapes and options, never data)."""
    try:
        data = r.json()
    except ValueError:
        return r.text[:300]
    err = data.get("error") if isinstance(data, dict) else None
    msg = err.get("message", err) if isinstance(err, dict) else data
    return str(msg)[:300]
