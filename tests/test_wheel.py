"""The built wheel works on its own: it ships the inverter, and a scan from it inverts vectors.

The wheel is built from a copy of the sources (no network: --no-build-isolation), unpacked into the
site-packages of a fresh venv, and run from a directory outside the checkout with
VECAUDIT_MODELS_DIR unset, so the only weights it can find are the ones it ships. The dependencies
come from this test's own environment through a .pth line, placed after the fresh venv's
site-packages: a plain path, so the development install of vecaudit there (an editable finder,
loaded by its own .pth) is never activated and cannot shadow the wheel.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SOURCES = ("pyproject.toml", "README.md", "auditor", "tui", "plugins", "models")
MAX_WHEEL_MB = 80  # the fp16 inverter and adapters are about 50 MB; more means something leaked in
ENCODER = "all-MiniLM-L6-v2"
TEXTS = [
    "Please call Maria Lopez about the delayed invoice for the Berlin office.",
    "The quarterly report is due on Friday; send it to the finance team.",
    "John Smith asked to move his appointment to next Tuesday afternoon.",
    "Our new printer on the third floor keeps jamming with thick paper.",
    "Refund approved for order 4471 after the customer returned the jacket.",
    "Remember to water the plants in the lobby before the weekend.",
]


def _clean_env(tmp_path: Path) -> dict[str, str]:
    """This process's environment without anything that points Python or vecaudit at the checkout."""
    drop = {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VECAUDIT_MODELS_DIR", "VECAUDIT_WORKTREE"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(HF_HUB_OFFLINE="1", XDG_DATA_HOME=str(tmp_path / "data"), PYTHONDONTWRITEBYTECODE="1")
    return env


def _run(
    cmd: list[str], *, cwd: Path, env: dict[str, str], timeout: float
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def _build_wheel(tmp_path: Path, env: dict[str, str]) -> Path:
    # A copy, so the build's build/ and *.egg-info stay out of the checkout (and stale files there
    # cannot reach the wheel).
    src = tmp_path / "src"
    src.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in SOURCES:
        path = REPO / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=ignore)
        else:
            shutil.copy2(path, src / name)
    dist = tmp_path / "dist"
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-cache-dir"]
    res = _run([*cmd, "-w", str(dist), str(src)], cwd=tmp_path, env=env, timeout=600)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    (wheel,) = dist.glob("vecaudit-*.whl")
    return wheel


def _fresh_venv(tmp_path: Path, wheel: Path, env: dict[str, str]) -> Path:
    venv = tmp_path / "venv"
    res = _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=tmp_path, env=env, timeout=300)
    assert res.returncode == 0, res.stderr
    python = venv / "bin" / "python"
    res = _run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    site = Path(res.stdout.strip())
    with zipfile.ZipFile(wheel) as zf:  # a pure wheel installs by unpacking it into site-packages
        zf.extractall(site)
    shared = dict.fromkeys(sysconfig.get_paths()[k] for k in ("purelib", "platlib"))
    (site / "shared-deps.pth").write_text("".join(f"{p}\n" for p in shared))
    return python


def _store(folder: Path) -> Path:
    from storebuild import build_local
    from vecaudit.encoders.registry import get_encoder

    vectors = get_encoder(ENCODER).embed(TEXTS)
    return build_local(folder, "notes", vectors, [{"text": t} for t in TEXTS])


@pytest.mark.slow
def test_a_scan_from_the_built_wheel_inverts_with_the_shipped_inverter(tmp_path: Path) -> None:
    env = _clean_env(tmp_path)
    wheel = _build_wheel(tmp_path, env)

    size_mb = wheel.stat().st_size / 1e6
    assert size_mb < MAX_WHEEL_MB, f"the wheel is {size_mb:.0f} MB"
    names = set(zipfile.ZipFile(wheel).namelist())
    inverter = f"vecaudit/weights/inverter-{ENCODER}"
    shards = {f"{inverter}/model-0000{i}-of-00003.safetensors" for i in (1, 2, 3)}
    assert shards | {f"{inverter}/inverter.json", f"{inverter}/projector/projector.safetensors"} <= names
    assert "vecaudit/model_files.py" in names
    # Every package of the sources is in the wheel (`packages` in pyproject.toml is a hand-kept list).
    for root, prefix in (("auditor", "vecaudit"), ("tui", "vecaudit/tui"), ("plugins", "vecaudit/plugins")):
        for init in (REPO / root).rglob("__init__.py"):
            assert f"{prefix}/{init.relative_to(REPO / root).as_posix()}" in names, f"{init} is not packaged"
    assert not [n for n in names if n.endswith((".sh", ".pyc")) or "/device_" in n]

    python = _fresh_venv(tmp_path, wheel, env)
    elsewhere = tmp_path / "elsewhere"  # outside the checkout: nothing to find relative to the cwd
    elsewhere.mkdir()
    res = _run(
        [
            str(python),
            "-c",
            "import vecaudit, vecaudit.model_files as m; print(vecaudit.__file__); print(m.models_dir())",
        ],
        cwd=elsewhere,
        env=env,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    module, models = res.stdout.split()
    venv = python.parent.parent
    assert Path(module).is_relative_to(venv), module
    assert Path(models).is_relative_to(venv) and Path(models).name == "weights", models

    store = _store(tmp_path / "store")
    cmd = [
        str(python),
        "-m",
        "vecaudit.cli",
        "scan",
        str(store),
        "--sample",
        "0",
        "-f",
        "json",
        "--attack",
        "loop",
    ]
    res = _run(cmd, cwd=elsewhere, env=env, timeout=900)
    assert res.returncode in (0, 1), res.stderr[-3000:]
    report = json.loads(res.stdout)
    (col,) = report["collections"]
    assert col["encoder"]["name"] == ENCODER
    assert col["inverted"] == len(TEXTS), report.get("stages_skipped")
    assert "invert" not in report["stages_skipped"]
