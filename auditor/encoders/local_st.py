"""User-configured encoders: local sentence-transformers folders listed in a YAML file.

The file (named by env `VECAUDIT_ENCODERS_FILE`, parsed with yaml.safe_load) looks like::

    encoders:
      - id: acme-support-minilm
        path: /models/acme-support-minilm
        pooling: mean        # informational: the folder's own modules decide
        normalized: true     # whether the folder's pipeline ends in Normalize
        license: proprietary # optional
        dim: 384             # optional; read from the folder when absent

Only safetensors weights are accepted: a folder holding pickle-based weight files is refused
before anything is loaded, and the model is opened with local_files_only.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from ..errors import EncoderError
from .base import EncoderSpec

_PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt")


class LocalEncoderEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    path: Path
    pooling: str = "mean"
    normalized: bool = True
    license: str = "unknown"
    dim: int | None = None
    description: str = ""

    @field_validator("id")
    @classmethod
    def _id_ok(cls, v: str) -> str:
        if not v.strip() or any(c.isspace() for c in v):
            raise ValueError("id must be a non-empty name without spaces")
        return v

    def resolved_dim(self) -> int:
        if self.dim:
            return self.dim
        return folder_dim(self.path)

    def to_spec(self) -> EncoderSpec:
        return EncoderSpec(
            id=self.id,
            dim=self.resolved_dim(),
            pooling=self.pooling,
            normalized=self.normalized,
            license=self.license,
            source=str(self.path),
            description=self.description or f"local sentence-transformers folder {self.path.name}",
        )


class _EncodersFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    encoders: list[LocalEncoderEntry]


def load_encoders_file(path: str | Path) -> list[LocalEncoderEntry]:
    p = Path(path)
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise EncoderError(f"encoders file {p} cannot be read ({type(exc).__name__})") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise EncoderError(f"encoders file {p} is not valid YAML{where}") from exc
    if isinstance(raw, list):
        raw = {"encoders": raw}
    try:
        parsed = _EncodersFile.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors(include_input=False)
        )
        raise EncoderError(f"encoders file {p} is malformed: {problems}") from None
    base = p.resolve().parent
    for entry in parsed.encoders:
        if not entry.path.is_absolute():
            entry.path = base / entry.path  # relative to the file, not the working directory
    return parsed.encoders


def check_safetensors_only(folder: Path) -> None:
    if not folder.is_dir():
        raise EncoderError(f"encoder folder {folder} does not exist")
    unsafe = sorted(str(f.relative_to(folder)) for f in folder.rglob("*") if f.suffix in _PICKLE_SUFFIXES)
    if unsafe:
        raise EncoderError(
            f"encoder folder {folder} holds pickle-based weight files ({', '.join(unsafe[:3])}); "
            "only safetensors are loaded"
        )
    if not any(folder.rglob("*.safetensors")):
        raise EncoderError(f"encoder folder {folder} has no .safetensors weights")


def folder_dim(folder: Path) -> int:
    """Output dim of a sentence-transformers folder without loading it: last Dense, else hidden size."""
    try:
        modules = json.loads((folder / "modules.json").read_text())
        dim: int | None = None
        for m in modules:
            cfg_path = folder / m.get("path", "") / "config.json"
            if "Dense" in m.get("type", "") and cfg_path.is_file():
                dim = int(json.loads(cfg_path.read_text())["out_features"])
        if dim:
            return dim
    except (OSError, ValueError, KeyError, TypeError):
        pass
    try:
        cfg = json.loads((folder / "config.json").read_text())
        return int(cfg.get("hidden_size") or cfg["d_model"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise EncoderError(f"cannot tell the dimension of encoder folder {folder}; set `dim`") from exc


class LocalSTEncoder:
    def __init__(self, entry: LocalEncoderEntry, device: str = "cpu") -> None:
        check_safetensors_only(entry.path)
        from sentence_transformers import SentenceTransformer

        self.spec = entry.to_spec()
        self._model: Any = SentenceTransformer(
            str(entry.path),
            device=device,
            local_files_only=True,
            model_kwargs={"use_safetensors": True},
        )
        # sentence-transformers 6 renamed the method; older releases only have the long name.
        dim_of = getattr(self._model, "get_embedding_dimension", None)
        got = dim_of() if dim_of is not None else self._model.get_sentence_embedding_dimension()
        if got and got != self.spec.dim:
            raise EncoderError(
                f"encoder {entry.id!r}: folder produces {got} dims, config says {self.spec.dim}"
            )

    def embed(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.spec.dim), dtype=np.float32)
        vecs = self._model.encode(
            list(texts), batch_size=batch_size, convert_to_numpy=True, show_progress_bar=False
        )
        return np.asarray(vecs, dtype=np.float32)
