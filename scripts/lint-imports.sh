#!/usr/bin/env bash
# Check the import contracts in pyproject.toml with import-linter.
# import-linter (through grimp) reads a package from its own folder, but vecaudit.tui and
# vecaudit.plugins live in tui/ and plugins/ (package-dir in pyproject.toml), so the installed
# layout is staged in a temporary folder first and checked there.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
cp -r "$root/auditor" "$stage/vecaudit"
cp -r "$root/tui" "$stage/vecaudit/tui"
cp -r "$root/plugins" "$stage/vecaudit/plugins"
cd "$stage"
PYTHONPATH="$stage" "${LINT_IMPORTS:-$root/.venv/bin/lint-imports}" "$root/pyproject.toml" --no-cache "$@"
