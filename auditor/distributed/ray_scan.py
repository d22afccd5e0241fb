"""The Ray executor of a distributed scan: each partition of a collection is one Ray task.

    executor = open_executor(config, run_id)     # ray.init: joins or starts a cluster
    for task, result in executor.run(tasks):     # results as tasks finish (ray.wait)
        ...                                      # the driver commits each to the run database
    executor.close()                             # ray.shutdown

Where things travel:
- A task's arguments are the run's `ScanConfig` JSON (its stored form: never a secret) and a
  `PartitionTask` (collection, ids, encoder names and plans: never PII).
- Secrets (the store's API key, user:password of the target URL, the fingerprint key, the vLLM
  API key) go into Ray's object store once per run (`ray.put` of a `WorkerSecrets`) and reach a
  task as a reference, so they are in no task specification, no log line and no dashboard. A
  worker puts them into its own process environment, where the store, fingerprint and vLLM code
  read them as they do in a single-process scan.
- A result is a `BatchResult`: counts, point ids, keyed fingerprints and masked evidence; recovered
  text only with --reveal. That is all Ray's object store (and its spilling directory) ever holds.
- A task that fails raises `PartitionFailed` with the error's type and, for vecaudit's own errors
  (written to be shown), its message: a library's message may quote data, so it never leaves the
  worker, and the original traceback is not chained into Ray's logs.

Workers load the detector, policy and inverters once per process and keep them for the next task
of the same run (Ray reuses worker processes within a job).
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import ConfigError, ScanConfig
from ..errors import ScanIncomplete, VecauditError
from ..nodes.batch import BatchResult
from ..nodes.partitions import PartitionTask

if TYPE_CHECKING:
    from ..nodes.context import ScanContext

log = logging.getLogger(__name__)

#: Test hook: names a file that may hold "COLLECTION:INDEX". The task of that partition claims
#: the file (renames it to FILE.fired, atomically, so only one task does) and kills its worker
#: process with os._exit, as a crash or `kill -9` would: once, so Ray's retry or a resume runs it.
#: A file, not the variable's value, so a cluster started once can be told which task to kill later.
CRASH_ENV = "VECAUDIT_RAY_CRASH_FILE"

#: Non-secret settings a worker on another machine needs just as the driver has them.
FORWARDED_ENV = (
    "HF_HUB_OFFLINE",
    "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS",
    "VECAUDIT_MODELS_DIR",
    "VECAUDIT_ENCODERS_FILE",
    "VECAUDIT_PROFILES_DIR",
    "VECAUDIT_VOCAB_FILE",
    "VECAUDIT_SCORING_DTYPE",
)


#: Ray's switch for single-machine clusters: "0" makes a cluster it starts use 127.0.0.1 as the
#: node address, so its GCS, raylet and workers listen on loopback only. Read when ray is imported.
LOOPBACK_ENV = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"


def ray_available() -> bool:
    """Whether Ray is installed here (`pip install 'vecaudit[ray]'`), without importing it."""
    import importlib.util

    return importlib.util.find_spec("ray") is not None


def _running_cluster() -> bool:
    """Whether "auto" has a cluster to join: RAY_ADDRESS, or one `ray start` left on this machine."""
    import tempfile

    return (
        bool(os.environ.get("RAY_ADDRESS"))
        or (Path(tempfile.gettempdir()) / "ray" / "ray_current_cluster").exists()
    )


class PartitionFailed(VecauditError):
    """A partition's task failed on its worker; the message names the error (never data)."""


@dataclass(frozen=True)
class WorkerSecrets:
    """What a worker needs that may not appear in a task's arguments or in a log.

    `target` is the target as typed, only when it carries user:password (otherwise the stored
    form in the config is enough); `api_key` the store's key (QDRANT_API_KEY or --api-key-file);
    `fingerprint_key` the deployment's HMAC key; `vllm_api_key` the inverter server's key.
    """

    api_key: str | None = field(default=None, repr=False)
    fingerprint_key: bytes = field(default=b"", repr=False)
    vllm_api_key: str | None = field(default=None, repr=False)
    target: str | None = field(default=None, repr=False)

    @classmethod
    def collect(cls, config: ScanConfig) -> WorkerSecrets:
        """Read the secrets as the driver's scan reads them (env or files, never argv)."""
        from ..fingerprint import load_fingerprint_key
        from ..inversion.vllm_server import API_KEY_ENV as VLLM_KEY_ENV
        from ..stores.target import TargetKind, load_api_key

        spec = config.target
        server = spec.kind is TargetKind.server
        with_login = server and spec.server is not None and spec.server.username is not None
        return cls(
            api_key=load_api_key(config.api_key_file) if server else None,
            fingerprint_key=load_fingerprint_key(),
            vllm_api_key=os.environ.get(VLLM_KEY_ENV) or None,
            target=spec.raw if with_login else None,
        )

    def digest(self) -> str:
        """A hash that tells two sets of secrets apart (for the worker's cache), never shown."""
        h = hashlib.sha256()
        for part in (
            self.api_key or "",
            self.fingerprint_key.hex(),
            self.vllm_api_key or "",
            self.target or "",
        ):
            h.update(part.encode() + b"\0")
        return h.hexdigest()


# -- the worker side -------------------------------------------------------------------------------

#: Per worker process: (config JSON, secrets digest) -> its scan context (detector, policy, inverters).
_CONTEXTS: dict[tuple[str, str], ScanContext] = {}


def _worker_context(config_json: str, run_id: str, secrets: WorkerSecrets) -> ScanContext:
    from ..fingerprint import KEY_ENV, KEY_FILE_ENV
    from ..inversion.vllm_server import API_KEY_ENV as VLLM_KEY_ENV
    from ..nodes.context import ScanContext
    from ..stores.target import API_KEY_ENV, ScanTarget

    key = (config_json, secrets.digest())
    ctx = _CONTEXTS.get(key)
    if ctx is not None:
        return ctx
    for old in list(_CONTEXTS.values()):  # another run's resources: this process serves one at a time
        old.close()
    _CONTEXTS.clear()
    # This process's own environment, read by the same code a single-process scan runs.
    os.environ.pop(KEY_FILE_ENV, None)
    os.environ[KEY_ENV] = secrets.fingerprint_key.hex()
    if secrets.api_key:
        os.environ[API_KEY_ENV] = secrets.api_key
    else:
        os.environ.pop(API_KEY_ENV, None)
    if secrets.vllm_api_key:
        os.environ[VLLM_KEY_ENV] = secrets.vllm_api_key
    config = ScanConfig.model_validate_json(config_json)
    # The driver's key file need not exist here: the key itself came with the secrets.
    update: dict[str, Any] = {"api_key_file": None}
    if secrets.target is not None:
        update["target"] = ScanTarget.of(secrets.target)
    ctx = ScanContext.detached(config.model_copy(update=update), run_id)
    _CONTEXTS[key] = ctx
    return ctx


def _crash_if_asked(task: PartitionTask) -> None:
    path = os.environ.get(CRASH_ENV)
    if not path:
        return
    try:
        wanted = Path(path).read_text(encoding="utf-8").strip()
    except OSError:
        return
    if wanted != f"{task.collection}:{task.index}":
        return
    try:
        os.replace(path, path + ".fired")  # claimed by this task alone
    except OSError:
        return
    os._exit(17)  # the worker dies as a killed one does: no exception, no cleanup


def run_partition(config_json: str, secrets: WorkerSecrets, task: PartitionTask) -> BatchResult:
    """The body of one Ray task: scan `task`'s partition on this worker and return its results.

    Raises PartitionFailed (type name, and the message of a VecauditError) on any error."""
    from ..nodes.partitions import scan_partition

    _crash_if_asked(task)
    for name in ("presidio-analyzer", "presidio_analyzer", "transformers", "httpx", "urllib3"):
        logging.getLogger(name).setLevel(logging.WARNING)  # libraries may log inputs below WARNING
    try:
        ctx = _worker_context(config_json, task.run_id, secrets)
        return scan_partition(ctx, task)
    except VecauditError as exc:
        raise PartitionFailed(
            f"partition {task.index} of {task.collection}: {type(exc).__name__}: {exc}"
        ) from None
    except Exception as exc:
        raise PartitionFailed(
            f"partition {task.index} of {task.collection}: {type(exc).__name__} on a Ray worker "
            "(the message is not shown: it may quote data)"
        ) from None


# -- the driver side -------------------------------------------------------------------------------


def _init_ray(address: str, workers: int | None) -> None:
    """Join or start a Ray cluster: "local" starts a private one on loopback with `workers` CPUs;
    "auto" joins the running one (RAY_ADDRESS, or `ray start` on this machine) or else starts a
    private one; anything else is an address for `ray.init`. Raises ConfigError when that fails."""
    start_local = address == "local" or (address == "auto" and not _running_cluster())
    if start_local and "ray" not in sys.modules:
        os.environ.setdefault(LOOPBACK_ENV, "0")  # before the import: Ray reads it once
    import ray

    env = {k: v for k in FORWARDED_ENV if (v := os.environ.get(k)) is not None}
    common: dict[str, Any] = {
        "include_dashboard": False,
        "logging_level": logging.WARNING,
        "log_to_driver": False,  # worker output stays in Ray's log folder, not in the CLI's stderr
        "runtime_env": {"env_vars": env} if env else None,
    }
    try:
        if start_local:
            ray.init(address="local", num_cpus=workers or os.cpu_count() or 1, **common)
        else:
            ray.init(address=address, **common)
    except (ConnectionError, ValueError, RuntimeError) as exc:
        raise ConfigError(
            f"cannot join the Ray cluster at {address!r}: {type(exc).__name__}: {exc}"
        ) from None


class RayExecutor:
    """Runs partitions as Ray tasks (one CPU each) and yields their results as they finish.

    A task whose worker dies is retried by Ray (`config.ray_retries` times); after that the scan
    stops with ScanIncomplete and `--resume RUN_ID` runs only the partitions not committed yet.
    """

    def __init__(self, config: ScanConfig, run_id: str) -> None:
        import ray

        self._owns_connection = not ray.is_initialized()
        if self._owns_connection:
            _init_ray(config.ray or "auto", config.ray_workers)
        cpus = int(ray.cluster_resources().get("CPU", 1))
        self.workers = max(1, config.ray_workers or cpus)
        self.run_id = run_id
        self._config_json = config.stored()
        self._retries = config.ray_retries
        self._secrets = ray.put(WorkerSecrets.collect(config))
        self._remote = ray.remote(run_partition).options(
            num_cpus=1, max_retries=config.ray_retries, retry_exceptions=False, name="vecaudit-partition"
        )

    def run(self, tasks: Sequence[PartitionTask]) -> Iterator[tuple[PartitionTask, BatchResult]]:
        import ray
        from ray.exceptions import RayError, RayTaskError

        queue = iter(tasks)
        pending: dict[Any, PartitionTask] = {}

        def submit() -> None:
            # exactly `workers` in flight: --ray-workers caps concurrency on a shared cluster too (a
            # partition takes seconds, Ray schedules the next in milliseconds: nothing waits long)
            while len(pending) < self.workers:
                task = next(queue, None)
                if task is None:
                    return
                pending[self._remote.remote(self._config_json, self._secrets, task)] = task

        try:
            submit()
            while pending:
                ready, _ = ray.wait(list(pending), num_returns=1)
                ref = ready[0]
                task = pending.pop(ref)
                try:
                    result = ray.get(ref)
                except RayTaskError as exc:
                    cause = exc.cause
                    if isinstance(cause, VecauditError):
                        raise PartitionFailed(str(cause)) from None
                    raise PartitionFailed(
                        f"partition {task.index} of {task.collection}: {type(cause).__name__}"
                    ) from None
                except RayError as exc:  # the worker, its node or its result was lost (crash, OOM kill)
                    raise ScanIncomplete(
                        f"partition {task.index} of {task.collection} did not finish: its Ray worker "
                        f"died ({type(exc).__name__}, after {self._retries} retries)"
                    ) from None
                submit()
                yield task, result
        finally:
            for ref in pending:
                ray.cancel(ref, force=True)

    def close(self) -> None:
        import ray

        if self._owns_connection and ray.is_initialized():
            ray.shutdown()


def open_executor(config: ScanConfig, run_id: str) -> RayExecutor:
    """The executor of a `--ray` scan. Raises ConfigError when Ray is not installed or the
    cluster cannot be joined."""
    if not ray_available():
        raise ConfigError("--ray needs Ray: pip install 'vecaudit[ray]' (the same version on every worker)")
    return RayExecutor(config, run_id)
