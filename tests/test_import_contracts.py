"""The import contracts in pyproject.toml hold, and import-linter really fails when one is broken."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter not installed")


def _stage(dest: Path) -> Path:
    """The installed layout (vecaudit.tui and vecaudit.plugins come from tui/ and plugins/)."""
    pkg = dest / "vecaudit"
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(ROOT / "auditor", pkg, ignore=ignore)
    shutil.copytree(ROOT / "tui", pkg / "tui", ignore=ignore)
    shutil.copytree(ROOT / "plugins", pkg / "plugins", ignore=ignore)
    return pkg


def _lint(stage: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(stage)}
    return subprocess.run(
        [str(LINT_IMPORTS), str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=stage,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_tree_keeps_every_import_contract(tmp_path: Path) -> None:
    _stage(tmp_path)
    run = _lint(tmp_path)
    assert run.returncode == 0, run.stdout[-3000:]
    assert "BROKEN" not in run.stdout


@pytest.mark.parametrize(
    ("module", "line", "message"),
    [
        # the core reaching the UI
        ("report/base.py", "import textual", "vecaudit.report is not allowed to import textual"),
        # a lower layer reaching a higher one
        ("encoders/base.py", "import vecaudit.inversion", "vecaudit.encoders is not allowed to import"),
        (
            "report/base.py",
            "import vecaudit.graph",
            "vecaudit.report is not allowed to import vecaudit.graph",
        ),
    ],
)
def test_a_deliberate_violation_fails(tmp_path: Path, module: str, line: str, message: str) -> None:
    pkg = _stage(tmp_path)
    with (pkg / module).open("a") as fh:
        fh.write(f"\n{line}  # deliberate violation\n")
    run = _lint(tmp_path)
    assert run.returncode != 0
    assert message in run.stdout
