"""The one rule for a finished scan's result and exit code, used by the CLI, the TUI and every report.

- INCOMPLETE (exit 2): data in scope was left unanalyzed (see `collections[].coverage`) and the
  user did not pass --allow-partial. Nothing unread passes as clean, whatever was found elsewhere.
- FAIL (exit 1): violations at or above --fail-on.
- PARTIAL (exit 0): no violation in what was analyzed, some data was not, and --allow-partial says
  that is acceptable; every report still lists what was skipped.
- PASS (exit 0): everything was analyzed and nothing violates the policy.
"""

from __future__ import annotations

from typing import Literal

from .models import Finding, ScanReport, Severity

Verdict = Literal["PASS", "PARTIAL", "FAIL", "INCOMPLETE"]

EXIT_CODES: dict[Verdict, int] = {"PASS": 0, "PARTIAL": 0, "FAIL": 1, "INCOMPLETE": 2}


def severity_at_least(severity: Severity | str, fail_on: Severity | str) -> bool:
    return Severity(severity).at_least(Severity(fail_on))


def is_violation(finding: Finding, fail_on: Severity | str) -> bool:
    """The one rule for what fails a scan (exit code, SARIF, JUnit, every report): at or above
    `fail_on`, not allowlisted, and not accepted in a baseline (baselined findings stay visible,
    as "unchanged", but never fail CI)."""
    return (
        not finding.allowlisted
        and finding.baseline_state != "unchanged"
        and severity_at_least(finding.severity, fail_on)
    )


def verdict(report: ScanReport, violations: int | None = None) -> Verdict:
    """The result of `report`; `violations` overrides the report's own count (e.g. recomputed)."""
    if not report.complete and not report.allow_partial:
        return "INCOMPLETE"
    if (report.summary.violations if violations is None else violations) > 0:
        return "FAIL"
    return "PASS" if report.complete else "PARTIAL"


def exit_code(report: ScanReport) -> int:
    """0, 1 or 2 as `vecaudit scan` and `vecaudit report` exit for `report`."""
    return EXIT_CODES[verdict(report)]
