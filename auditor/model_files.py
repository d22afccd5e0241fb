"""Where the shipped model weights (inverters, translation adapters) are found: one search path.

The folders searched, in order; the first that exists is *the* models folder:

1. `$VECAUDIT_MODELS_DIR`, when set. It is then the only folder searched, so it can point at your
   own inverters or, empty, turn the shipped ones off.
2. The installed package's data, `<site-packages>/vecaudit/weights/`: a wheel ships the repository's
   `models/` folder there.
3. The checkout's `models/` (running from a git checkout or an editable install), recognised by the
   `pyproject.toml` beside it.

A models folder holds `inverter-<encoder>/` (with `inverter.json`) and
`adapter-<source>-to-<target>/` folders. Only the standard library is imported here, so report code
can look up a model card without loading torch.
"""

from __future__ import annotations

import os
from pathlib import Path

MODELS_ENV = "VECAUDIT_MODELS_DIR"

_PACKAGE = Path(__file__).resolve().parent
#: Where a wheel installs the shipped weights (pyproject.toml maps `vecaudit.weights` to `models/`).
PACKAGE_MODELS = _PACKAGE / "weights"
#: The repository root when running from a checkout (the package's sources are `auditor/` in it).
CHECKOUT_ROOT = _PACKAGE.parent


def in_checkout() -> bool:
    """Whether this package runs from a source checkout (not from an installed wheel)."""
    return (CHECKOUT_ROOT / "pyproject.toml").is_file() and (CHECKOUT_ROOT / "auditor").is_dir()


def search_path() -> list[Path]:
    """The folders searched for models, in order (see the module docstring)."""
    env = os.environ.get(MODELS_ENV, "").strip()
    if env:
        return [Path(env).expanduser()]
    folders = [PACKAGE_MODELS]
    if in_checkout():
        folders.append(CHECKOUT_ROOT / "models")
    return folders


def models_dir() -> Path:
    """The models folder: the first folder of `search_path()` that exists, else the first one
    searched (then nothing is found in it, and `searched()` says where the search looked)."""
    folders = search_path()
    return next((f for f in folders if f.is_dir()), folders[0])


def inverter_dir(encoder_id: str) -> Path | None:
    """`<models>/inverter-<encoder_id>/` when it holds an inverter (its inverter.json), else None."""
    folder = models_dir() / f"inverter-{encoder_id}"
    return folder if (folder / "inverter.json").is_file() else None


def searched() -> str:
    """Where the search looked, for messages: "looked in A (not found), B"."""
    return "looked in " + ", ".join(f"{f}" if f.is_dir() else f"{f} (not found)" for f in search_path())
