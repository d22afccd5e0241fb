"""`vecaudit serve-inverter`: serve a shipped inverter's LM with vLLM for `scan --inverter-backend vllm`."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

HELP = (
    "Start a vLLM server (`--enable-prompt-embeds`) on a shipped inverter, print its URL, wait until "
    "it is healthy and keep it running until Ctrl-C or SIGTERM. Scans use it with "
    "`--inverter-backend vllm --vllm-url URL`. On CPU, vLLM comes from .venv-vllm/ "
    "(scripts/setup-vllm-venv.sh); on GPU machines from the CUDA `vllm` on PATH. An API key is read "
    "from VLLM_API_KEY or --api-key-file, never from the command line."
)


class _Stop(Exception):
    pass


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise _Stop


def serve_inverter(
    encoder: Annotated[
        str, typer.Option("--encoder", metavar="NAME", help="Encoder whose shipped inverter to serve.")
    ] = "all-MiniLM-L6-v2",
    model_dir: Annotated[
        Path | None,
        typer.Option("--model-dir", metavar="DIR", help="Inverter folder to serve instead of --encoder's."),
    ] = None,
    host: Annotated[str, typer.Option("--host", metavar="HOST", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", metavar="N", min=0, max=65535, help="0: a free port.")
    ] = 8000,
    python: Annotated[
        Path | None,
        typer.Option(
            "--python",
            metavar="PATH",
            help="Python interpreter that has vLLM (default: $VECAUDIT_VLLM_PYTHON, .venv-vllm/, `vllm`).",
            show_default=False,
        ),
    ] = None,
    dtype: Annotated[
        str,
        typer.Option("--dtype", metavar="DTYPE", help="auto: float32 on CPU, bfloat16 on GPU."),
    ] = "auto",
    eager: Annotated[
        bool,
        typer.Option("--eager/--compile", help="Skip torch.compile: starts faster, may run slower."),
    ] = False,
    api_key_file: Annotated[
        Path | None,
        typer.Option(
            "--api-key-file", metavar="FILE", help="File holding the server's API key.", show_default=False
        ),
    ] = None,
    log_file: Annotated[
        Path | None,
        typer.Option("--log-file", metavar="FILE", help="Append vLLM's log here (default: a temp file)."),
    ] = None,
    startup_timeout: Annotated[
        float, typer.Option("--startup-timeout", metavar="S", help="Seconds to wait for health.")
    ] = 600.0,
) -> None:
    from ..errors import InverterError
    from ..inversion import inverter_dir
    from ..inversion.vllm_server import API_KEY_ENV, ServerSpec, VllmServer, free_port

    folder = model_dir if model_dir is not None else inverter_dir(encoder)
    if folder is None:
        from ..model_files import searched

        raise InverterError(
            f"no inverter ships for encoder {encoder} ({searched()}); name a folder with --model-dir"
        )
    if not (folder / "inverter.json").is_file():
        raise InverterError(f"{folder} is not an inverter folder (missing inverter.json)")
    api_key = None
    if api_key_file is not None:
        try:
            api_key = api_key_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise InverterError(f"cannot read --api-key-file {api_key_file}: {exc.strerror}") from None
    if host not in ("127.0.0.1", "localhost", "::1") and not (api_key or os.environ.get(API_KEY_ENV)):
        # Requests encode the audited vectors and answers are recovered text: keep strangers out.
        typer.echo(f"vecaudit: warning: listening on {host} without an API key", err=True)
    spec = ServerSpec(
        folder, host=host, port=port or free_port(host), python=python, dtype=dtype, eager=eager
    )
    server = VllmServer(spec, log=log_file, api_key=api_key, startup_timeout=startup_timeout)
    typer.echo(f"vecaudit: starting vLLM ({'cpu' if server.cpu else 'gpu'}) for {folder}", err=True)
    typer.echo(f"vecaudit: log: {server.log_path}", err=True)
    typer.echo(server.url, err=False)  # stdout: the one line a script needs
    # SIGTERM and Ctrl-C both end in the same clean stop of the whole process group.
    previous = signal.signal(signal.SIGTERM, _raise_stop)
    failed = True
    try:
        server.start()
        server.wait_healthy()
        typer.echo(f"vecaudit: ready: {server.url} serves model {server.model_name}", err=True)
        assert server.proc is not None
        rc = server.proc.wait()
        raise InverterError(f"the vLLM server exited on its own (code {rc}); log: {server.log_path}")
    except (_Stop, KeyboardInterrupt):
        failed = False
        typer.echo("vecaudit: stopping the vLLM server", err=True)
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.stop(keep_log=failed)


def register(app: typer.Typer) -> None:
    app.command("serve-inverter", help=HELP, short_help="Serve an inverter with vLLM (prompt_embeds).")(
        serve_inverter
    )
