"""Flatten a point payload into (path, text) pairs for detection.

Payloads are arbitrary JSON. We walk them iteratively (no Python recursion, bounded depth) and
yield every string leaf with a dotted path such as "customer.emails[1]". Paths end up in
reports, and a dict key can itself be personal data ({"jane@x.org": {...}}), so only keys that
look like identifiers are written out; any other key is shown by position as "[#3]".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Literal

LimitReason = Literal["truncated", "too_deep"]

_SAFE_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]{0,63}")


def _key_path(parent: str, key: object, position: int) -> str:
    if isinstance(key, str) and _SAFE_KEY.fullmatch(key):
        return f"{parent}.{key}" if parent else key
    return f"{parent}[#{position}]"


def iter_payload_strings(
    payload: Mapping[str, Any],
    *,
    max_chars: int = 20000,
    max_depth: int = 32,
    on_limit: Callable[[str, LimitReason], None] | None = None,
) -> Iterator[tuple[str, str]]:
    """Yield (path, text) for each string leaf of `payload`, in document order.

    Strings longer than `max_chars` are cut to that length; containers nested deeper than
    `max_depth` are skipped. Each cut or skip is reported through `on_limit(path, reason)` so
    the caller can record that the scan of this point was partial. Non-string leaves (numbers,
    booleans, null) are ignored: a bare number carries no detectable context.
    """
    if max_chars < 1 or max_depth < 1:
        raise ValueError("max_chars and max_depth must be positive")
    # Stack of (path, value, depth); children are pushed reversed to keep document order.
    stack: list[tuple[str, Any, int]] = [("", payload, 0)]
    while stack:
        path, value, depth = stack.pop()
        if isinstance(value, str):
            if len(value) > max_chars:
                if on_limit is not None:
                    on_limit(path, "truncated")
                value = value[:max_chars]
            yield path, value
            continue
        if isinstance(value, Mapping):
            children = [(_key_path(path, k, i), v) for i, (k, v) in enumerate(value.items())]
        elif isinstance(value, list | tuple):
            children = [(f"{path}[{i}]", v) for i, v in enumerate(value)]
        else:
            continue
        if depth >= max_depth:
            if children and on_limit is not None:
                on_limit(path, "too_deep")
            continue
        for child_path, child in reversed(children):
            stack.append((child_path, child, depth + 1))
