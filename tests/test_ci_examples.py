"""The shipped CI examples parse, and every `vecaudit ...` they run is valid for the real CLI.

Each invocation is parsed by the typer app's own click parser (types, choices, required options),
without running it; report formats are checked against the format registry.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from vecaudit.cli import app
from vecaudit.report import available_formats

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "vecaudit-scheduled.yml"
GITLAB = ROOT / "examples" / "gitlab-ci.yml"

#: Representative values for the variables the examples use.
VARS = {
    "QDRANT_URL": "https://qdrant.internal:6333",
    "CI_PROJECT_DIR": "/builds/p",
}


def _scripts(node: Any) -> list[str]:
    """Every shell script in a workflow (steps' `run`) or a GitLab job (script sections)."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "run" and isinstance(value, str):
                found.append(value)
            elif key in ("script", "before_script", "after_script"):
                found.extend(value if isinstance(value, list) else [value])
            else:
                found.extend(_scripts(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_scripts(item))
    return found


def _invocations(script: str) -> list[list[str]]:
    """Arguments of each `vecaudit` call in a shell script (continuations joined, variables expanded)."""
    script = re.sub(r"\\\n", " ", script)
    calls = []
    for line in script.splitlines():
        for part in re.split(r"\|\||&&|;", line.split(" #")[0]):
            part = re.sub(r"\$\{?(\w+)\}?", lambda m: VARS.get(m.group(1), "x"), part)
            words = shlex.split(part)
            if words and words[0].endswith("vecaudit"):
                calls.append(words[1:])
    return calls


def _rest(ctx: Any) -> list[str]:
    # Typer vendors click: the group's context keeps the subcommand name in `_protected_args`.
    return [*getattr(ctx, "_protected_args", []), *ctx.args]


def _check(args: list[str]) -> str:
    """Parse `vecaudit ARGS` like the CLI would (no command runs); return the subcommand name."""
    root: Any = typer.main.get_command(app)
    with root.make_context("vecaudit", list(args), resilient_parsing=False) as ctx:
        name, cmd, sub_args = root.resolve_command(ctx, _rest(ctx))
        while hasattr(cmd, "resolve_command"):  # a group, e.g. `vecaudit baseline create`
            sub_ctx = cmd.make_context(name, sub_args, parent=ctx)
            name, cmd, sub_args = cmd.resolve_command(sub_ctx, _rest(sub_ctx))
        assert cmd is not None and name is not None
        with cmd.make_context(name, sub_args, parent=ctx) as sub:
            for fmt in sub.params.get("fmt") or []:
                assert fmt in available_formats(), f"unknown --format {fmt}"
    return str(name)


@pytest.mark.parametrize("path", [WORKFLOW, GITLAB], ids=["github", "gitlab"])
def test_examples_parse_and_their_commands_exist(path: Path) -> None:
    doc = yaml.safe_load(path.read_text())
    calls = [c for s in _scripts(doc) for c in _invocations(s)]
    assert calls, "no vecaudit invocation found"
    names = [_check(c) for c in calls]
    assert "scan" in names
    scan = next(c for c in calls if c[0] == "scan")
    assert "--baseline" in scan and "sarif" in scan


def test_github_workflow_shape() -> None:
    doc = yaml.safe_load(WORKFLOW.read_text())
    on = doc.get("on", doc.get(True))  # YAML 1.1 reads a bare `on` key as True
    assert on["schedule"][0]["cron"].count(" ") == 4
    steps = doc["jobs"]["scan"]["steps"]
    uses = [s.get("uses", "") for s in steps]
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
    assert any(u.startswith("actions/upload-artifact@") for u in uses)
    assert doc["permissions"]["security-events"] == "write"
    # Uploads run even when the scan fails on new findings.
    for s in steps:
        if s.get("uses", "").startswith(("github/codeql-action/upload-sarif", "actions/upload-artifact")):
            assert s.get("if") == "always()"
    env = doc["jobs"]["scan"]["env"]
    assert "secrets." in env["QDRANT_API_KEY"]  # never a literal key, never on the command line
    scan = next(s for s in steps if s.get("name") == "Scan")["run"]
    assert "api-key" not in scan.lower() and "QDRANT_API_KEY" not in scan


def test_gitlab_example_keeps_reports_on_failure() -> None:
    job = yaml.safe_load(GITLAB.read_text())["vecaudit-scheduled-scan"]
    assert job["artifacts"]["when"] == "always"
    assert job["artifacts"]["reports"]["junit"] == "vecaudit-report.junit.xml"
    assert any("schedule" in rule["if"] for rule in job["rules"])


def test_the_checker_rejects_bad_invocations() -> None:
    with pytest.raises(typer.TyperException):
        _check(["scan", "x", "--fail-on", "catastrophic"])
    with pytest.raises(typer.TyperException):
        _check(["scan", "x", "--no-such-option"])
    with pytest.raises(typer.TyperException):
        _check(["no-such-command"])
    with pytest.raises(AssertionError, match="unknown --format"):
        _check(["scan", "x", "--format", "docx"])
    with pytest.raises(typer.TyperException):
        _check(["baseline", "create", "scan.json", "--expires", "2027-01-01"])  # no --justification
