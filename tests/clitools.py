"""Helpers for the CLI, graph and resume tests: run `vecaudit`, build small PII-bearing stores.

`run_cli` calls the real entry point in-process (Presidio and the encoders load once per test
session); `spawn_cli` starts it as a separate process for the tests that kill it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from storebuild import build_local
from vecaudit.synthetic.demo_records import DemoRecord, generate

#: Patterns only (no spaCy NER): fast, and exact for the structured entities the records carry.
FAST_POLICY = """\
name: fast-test
detector_mode: fast
rules:
  - {entity: EMAIL_ADDRESS, severity: high}
  - {entity: PHONE_NUMBER, severity: medium, threshold: 0.4}
  - {entity: US_SSN, severity: critical}
  - {entity: CREDIT_CARD, severity: critical}
"""

FINGERPRINT_KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"


def cli_env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        HF_HUB_OFFLINE="1",
        TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS="",
        XDG_DATA_HOME=str(tmp / "xdg"),
        VECAUDIT_FINGERPRINT_KEY=FINGERPRINT_KEY,
        NO_COLOR="1",
    )
    env.pop("QDRANT_API_KEY", None)
    return env


def enter_sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the user data dir and the fingerprint key at the test's folder, and cd there."""
    for key, value in cli_env(tmp_path).items():
        if os.environ.get(key) != value:
            monkeypatch.setenv(key, value)
    monkeypatch.delenv("QDRANT_API_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@dataclass
class CliResult:
    code: int
    out: str
    err: str


def run_cli(capsys: pytest.CaptureFixture[str], *args: str | Path) -> CliResult:
    """Run `vecaudit ARGS` in-process and return its exit code and output."""
    from vecaudit.cli import main

    capsys.readouterr()
    try:
        main([str(a) for a in args])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 2
    else:  # main always exits
        code = -1
    captured = capsys.readouterr()
    return CliResult(code, captured.out, captured.err)


def spawn_cli(tmp: Path, *args: str | Path, **kw: object) -> subprocess.Popen[str]:
    return subprocess.Popen(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "vecaudit.cli", *map(str, args)],
        env=cli_env(tmp),
        cwd=tmp,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


def write_policy(folder: Path, text: str = FAST_POLICY, name: str = "policy.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def pii_store(
    folder: Path,
    points: int,
    *,
    collection: str = "docs",
    seed: int = 3,
    pii_ratio: float = 0.5,
    dim: int = 8,
) -> list[DemoRecord]:
    """A local-mode store of synthetic records (text in payload field "text"); returns the records.

    Vectors are random: these stores test payload scanning, not encoders.
    """
    records = generate(points, seed=seed, pii_ratio=pii_ratio, collections=(collection,))
    vectors = np.random.default_rng(seed).normal(size=(points, dim)).astype(np.float32)
    build_local(
        folder,
        collection,
        vectors,
        [r.payload for r in records],
        ids=[r.point_id for r in records],
        fast=points > 500,
    )
    return records


def pii_values(records: list[DemoRecord]) -> set[str]:
    return {v for r in records for v in r.values}
