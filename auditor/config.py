"""Scan options as one validated, serializable object.

A `ScanConfig` is what the run database stores so that `vecaudit scan --resume RUN_ID` continues
with exactly the options the run started with. Its serialized form therefore never holds a secret:
the target is stored in its `ScanTarget.stored` form (user:password in a URL lives in memory only),
and the API key is read from `QDRANT_API_KEY` or from the file named by `api_key_file` each time a
run (re)connects.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    ValidationError,
    field_validator,
    model_validator,
)

from .detect.payload_text import MAX_TEXT_CHARS
from .errors import VecauditError
from .models import Severity
from .stores.target import ScanTarget
from .validation import first_problem

DEFAULT_BATCH_SIZE = 128
#: The interval half-width adaptive sampling aims for when only a budget is given.
DEFAULT_PRECISION = 0.05
MAX_BATCH_SIZE = 4096


class ConfigError(VecauditError):
    """A scan option is invalid."""


def _reject_credentials_in_url(url: str, what: str) -> str:
    parts = urlsplit(url)
    if parts.username or parts.password:
        raise ValueError(
            f"{what} must not carry credentials; put the API key in QDRANT_API_KEY or --api-key-file"
        )
    if "api-key" in parts.query.lower() or "api_key" in parts.query.lower():
        raise ValueError(f"{what} must not carry an API key in its query string; use QDRANT_API_KEY")
    return url


#: The target field: text is parsed once here (a TargetError propagates as is), a ScanTarget is kept
#: (with any credentials, in memory), and serialization writes the stored form only.
TargetField = Annotated[
    ScanTarget,
    PlainValidator(ScanTarget.of, json_schema_input_type=str),
    PlainSerializer(lambda t: t.stored, return_type=str),
]


class ScanConfig(BaseModel):
    """Everything that determines what a scan reads and reports."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    target: TargetField
    collections: tuple[str, ...] = ()  # empty = every collection
    sample: int = Field(0, ge=0)  # points per collection; 0 = every point
    seed: int = 0
    batch_size: int = Field(DEFAULT_BATCH_SIZE, ge=1, le=MAX_BATCH_SIZE)

    policy: str = "default"  # preset name or file path
    policy_sha256: str | None = None  # content hash of a policy file, checked on --resume
    fail_on: Severity = Severity.high

    invert: bool = True
    reveal: bool = False
    allow_partial: bool = False  # data left unanalyzed is reported but does not make the run exit 2
    max_text_chars: int = Field(MAX_TEXT_CHARS, ge=1)  # per payload string; beyond is a reported skip
    encoder: str | None = None  # registry id given by the user: skips identification
    # Targeted mode: the candidates file's absolute path (re-read on --resume and checked against
    # the fingerprints the run stored). Never its content: the values live in memory only.
    candidates: Path | None = None

    api_key_file: Path | None = None  # the path only; the key itself is never stored
    verify_tls: bool = True
    timeout: float = Field(30.0, gt=0, le=3600)

    # Effort of the inversion attack (see vecaudit.inversion.attack.plan); "loop" is the learned loop
    # alone. The default comes from $VECAUDIT_ATTACK when set, else standard, the level the
    # support test (vecaudit.inversion.attribution) is calibrated for.
    attack: Literal["loop", "quick", "standard", "thorough"] = Field(
        default_factory=lambda: os.environ.get("VECAUDIT_ATTACK", "standard")  # type: ignore[arg-type,return-value]
    )
    inverter_backend: Literal["torch", "vllm"] = "torch"
    # Inverter servers (--vllm-url, repeatable): requests are balanced across them. A run stored
    # before fleets holds one URL or null; both read as a tuple.
    vllm_url: tuple[str, ...] = ()
    steps: int | None = Field(None, ge=0, le=100)
    beam: int | None = Field(None, ge=1, le=64)
    device: str = "cpu"

    formats: tuple[str, ...] = ()
    output: Path | None = None

    # Distributed scan (vecaudit.distributed): None runs in this process. "local" starts a private
    # Ray cluster on this machine, "auto" joins the running one (RAY_ADDRESS or `ray start` here) or
    # starts a local one, anything else is a Ray address ("HOST:PORT", "ray://HOST:10001"). Stored,
    # so a resumed run keeps its partitions (their results are keyed by partition, not by batch).
    ray: str | None = None
    ray_workers: int | None = Field(None, ge=1, le=4096)  # tasks in flight (and CPUs of a local cluster)
    partition_size: int = Field(0, ge=0)  # points per partition; 0 = chosen from the store's size
    ray_retries: int = Field(2, ge=0, le=20)  # Ray's retries of a partition whose worker died

    # Adaptive sampling (vecaudit.nodes.adaptive): invert each collection in a uniformly random order
    # and stop once every leakage-rate interval is within +-precision at `confidence`, or a budget
    # (vectors inverted, seconds spent inverting; shared by the collections) runs out. None of the
    # three given: every planned point is inverted. A budget alone implies precision 0.05.
    precision: float | None = Field(None, gt=0, lt=0.5)
    confidence: float = Field(0.95, gt=0, lt=1)
    budget_vectors: int | None = Field(None, ge=1)
    budget_time: float | None = Field(None, gt=0)  # seconds

    @model_validator(mode="before")
    @classmethod
    def _budget_implies_precision(cls, values: object) -> object:
        if isinstance(values, dict) and values.get("precision") is None:
            if values.get("budget_vectors") is not None or values.get("budget_time") is not None:
                return {**values, "precision": DEFAULT_PRECISION}
        return values

    @model_validator(mode="after")
    def _adaptive_needs_inversion(self) -> ScanConfig:
        if self.adaptive and not self.invert:
            raise ValueError(
                "--precision and --budget-* stop inversion early; they do nothing with --no-invert"
            )
        return self

    @property
    def adaptive(self) -> bool:
        """Whether inversion stops adaptively (any of --precision, --budget-vectors, --budget-time)."""
        return self.precision is not None

    @field_validator("vllm_url", mode="before")
    @classmethod
    def _vllm_url(cls, v: object) -> tuple[str, ...]:
        # a string may list several, comma-separated (the TUI's one text field)
        urls = [] if v is None else v.replace(",", " ").split() if isinstance(v, str) else list(v)  # type: ignore[call-overload]
        out: list[str] = []
        for url in urls:
            if not isinstance(url, str) or not url.startswith(("http://", "https://")):
                raise ValueError("--vllm-url must start with http:// or https://")
            url = _reject_credentials_in_url(url, "--vllm-url")
            if url not in out:
                out.append(url)
        return tuple(out)

    @model_validator(mode="after")
    def _loop_settings(self) -> ScanConfig:
        if self.invert and self.attack != "loop" and (self.steps is not None or self.beam is not None):
            raise ValueError(
                f"--steps and --beam set the learned loop; add --attack loop (not {self.attack})"
            )
        return self

    @model_validator(mode="after")
    def _ray_settings(self) -> ScanConfig:
        if self.ray is None:
            if self.ray_workers is not None or self.partition_size:
                raise ValueError("--ray-workers and --partition-size need --ray auto|local|ADDRESS")
            return self
        if not self.ray.strip():
            raise ValueError("--ray needs auto, local or a Ray address")
        if self.candidates is not None:
            # Targeted mode's values live in the driver's memory only; shipping them to workers would
            # put them into Ray's object store.
            raise ValueError("--candidates is not supported with --ray; run targeted mode in one process")
        return self

    @field_validator("formats")
    @classmethod
    def _formats(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        seen: list[str] = []
        for f in v:
            f = f.strip().lower()
            if f and f not in seen:
                seen.append(f)
        return tuple(seen)

    @field_validator("collections")
    @classmethod
    def _collections(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        out: list[str] = []
        for name in v:
            if not name:
                raise ValueError("--collection needs a non-empty name")
            if name not in out:
                out.append(name)
        return tuple(out)

    @classmethod
    def build(cls, **values: object) -> ScanConfig:
        """Validate options, turning pydantic's error into one line that names the option."""
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            where, msg = first_problem(exc)
            raise ConfigError(f"invalid option {(where or 'options').replace('_', '-')}: {msg}") from None

    def stored(self) -> str:
        """JSON for the run database (no secret is ever part of a config)."""
        return self.model_dump_json()


def policy_file_digest(spec: str) -> str | None:
    """sha256 of a policy file's bytes, or None when `spec` names a preset rather than a file."""
    path = Path(spec)
    if not path.is_file():
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h)?\s*$", re.IGNORECASE)


def parse_duration(text: str) -> float:
    """Seconds in a duration such as "90", "90s", "30m", "2h" or "1.5h".

    Raises ConfigError for anything else or for a duration that is not positive.
    """
    match = _DURATION.match(text)
    if match is None:
        raise ConfigError(f"invalid duration {text!r}: use seconds or a number with s, m or h (30m, 2h)")
    seconds = float(match.group(1)) * {"s": 1, "m": 60, "h": 3600}[(match.group(2) or "s").lower()]
    if seconds <= 0:
        raise ConfigError(f"invalid duration {text!r}: it must be positive")
    return seconds


def user_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME")
    root = Path(base) if base else Path.home() / ".local" / "share"
    return root / "vecaudit"


def default_state_dir() -> Path:
    """Where run databases live unless `--state-dir` says otherwise."""
    return user_data_dir() / "runs"
