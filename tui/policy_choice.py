"""The policy picker's choices, shared by the connect and policy screens.

The presets come from `vecaudit.policy.loader`, the list `load_policy` accepts, so a preset added
there shows up here without a second list to keep in step.
"""

from __future__ import annotations

from vecaudit.policy.loader import PRESETS

#: The picker's value for "a YAML file" (the path goes in the input next to it).
FILE = "<file>"


def policy_options() -> list[tuple[str, str]]:
    """(label, value) pairs for a `Select`: every preset, then the file choice."""
    return [(p, p) for p in PRESETS] + [("file…", FILE)]


def split_policy(spec: str) -> tuple[str, str]:
    """The picker's value and the file input's text for a policy spec (a preset or a path)."""
    return (spec, "") if spec in PRESETS else (FILE, spec)
