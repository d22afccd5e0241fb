"""Load a policy from a preset name or a YAML file, with errors that point at file and line.

YAML is read with yaml.safe_load only. To name the line of a bad field we also compose the
document into nodes (still the safe loader: nodes carry marks, nothing is constructed) and walk
them along the location pydantic reports.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ..errors import PolicyError
from .schema import Policy

PRESETS = ("default", "gdpr", "hipaa", "pci-dss")
_PACKAGE_DIR = Path(__file__).resolve().parent.parent
# Installed: shipped as package data. Source checkout: the repo's policies/ folder.
_PRESET_DIRS = (_PACKAGE_DIR / "data" / "policies", _PACKAGE_DIR.parent / "policies")

_MAX_POLICY_BYTES = 1 << 20


def preset_path(name: str) -> Path:
    for folder in _PRESET_DIRS:
        path = folder / f"{name}.yaml"
        if path.is_file():
            return path
    raise PolicyError(
        f"preset policy {name!r} is not installed (looked in {', '.join(map(str, _PRESET_DIRS))})"
    )


def load_policy(spec: str | Path) -> Policy:
    """Load a preset ("default", "gdpr", "hipaa", "pci-dss") or a policy YAML file."""
    if isinstance(spec, str) and spec.lower() in PRESETS and not Path(spec).is_file():
        name = spec.lower()
        policy = _load_file(preset_path(name), display=f"preset:{name}")
        return policy
    path = Path(spec).expanduser()
    if not path.is_file():
        raise PolicyError(f"policy {str(spec)!r} is neither a file nor a preset ({', '.join(PRESETS)})")
    return _load_file(path, display=str(spec))


def _load_file(path: Path, display: str) -> Policy:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PolicyError(f"{display}: cannot read policy: {exc.strerror}") from None
    if len(raw) > _MAX_POLICY_BYTES:
        raise PolicyError(f"{display}: policy file is larger than {_MAX_POLICY_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyError(f"{display}: policy is not UTF-8 text (byte {exc.start})") from None
    return parse_policy(text, source=display)


def parse_policy(text: str, source: str = "<policy>") -> Policy:
    """Validate policy YAML text; `source` names it in error messages."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        if root is not None:
            _reject_duplicate_keys(root, source)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise PolicyError(f"{source}:{line}: invalid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise PolicyError(f"{source}: invalid YAML: {type(exc).__name__}") from None
    except ValueError:
        # The safe constructor rejects impossible timestamps ("2025-02-30") without a mark.
        raise PolicyError(_bad_scalar(root, source)) from None
    if not isinstance(data, dict):
        raise PolicyError(f"{source}:1: a policy must be a mapping with at least 'name' and 'rules'")
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(_describe(exc, root, source)) from None
    policy._origin = source
    return policy


def _walk(
    node: yaml.Node, loc: tuple[int | str, ...] = ()
) -> Iterator[tuple[tuple[int | str, ...], yaml.Node]]:
    yield loc, node
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from _walk(value, (*loc, str(getattr(key, "value", "?"))))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yield from _walk(item, (*loc, i))


def _bad_scalar(root: yaml.Node | None, source: str) -> str:
    constructor = yaml.SafeLoader("")
    for loc, node in _walk(root) if root is not None else ():
        if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:timestamp":
            try:
                constructor.construct_yaml_timestamp(node)
            except ValueError as exc:
                return f"{source}:{node.start_mark.line + 1}: {_format_loc(loc)}: invalid date ({exc})"
    return f"{source}: invalid YAML value"


def _reject_duplicate_keys(node: yaml.Node, source: str) -> None:
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.MappingNode):
            seen: set[Any] = set()
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in seen:
                        raise PolicyError(f"{source}:{key.start_mark.line + 1}: duplicate key {key.value!r}")
                    seen.add(key.value)
                stack.append(value)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)


def _node_at(root: yaml.Node | None, loc: Sequence[int | str]) -> yaml.Node | None:
    """The node for `loc` (for a mapping key: the key itself), or the deepest one that exists."""
    node = root
    for depth, part in enumerate(loc):
        last = depth == len(loc) - 1
        if isinstance(node, yaml.MappingNode):
            match = next((kv for kv in node.value if getattr(kv[0], "value", None) == part), None)
            if match is None:
                return node
            node = match[0] if last else match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
        else:
            return node
    return node


def _format_loc(loc: Sequence[int | str]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _message(err: Any) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind in ("enum", "literal_error") and "expected" in ctx:
        options = ctx["expected"].replace("'", "").replace(" or ", ", ")
        return f"{_short(err['input'])} is not one of {options}"
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "required field is missing"
    msg = str(err["msg"])
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    # Echo scalar inputs (they are policy settings, not scanned data) except regex patterns,
    # which may spell out the very value they allow.
    if kind not in ("value_error", "duplicate_rule_id") and not isinstance(err["input"], dict | list):
        msg = f"{msg} (got {_short(err['input'])})"
    return msg


def _describe(exc: ValidationError, root: yaml.Node | None, source: str) -> str:
    lines = []
    for err in exc.errors(include_url=False):
        loc = [p for p in err["loc"] if isinstance(p, int | str)]
        if err["type"] == "duplicate_rule_id":
            index = (err.get("ctx") or {}).get("index")
            if isinstance(index, int):
                loc = [*loc, index, "id"]
        node = _node_at(root, loc)
        line = node.start_mark.line + 1 if node is not None else 1
        lines.append(f"{source}:{line}: {_format_loc(loc)}: {_message(err)}")
    return "\n".join(lines)
