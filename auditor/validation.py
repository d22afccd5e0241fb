"""Reading a JSON file into a pydantic model, and saying what is wrong with it in one line.

Every file a user hands vecaudit (a baseline, a scan report, a what-if result) and every option set
(`ScanConfig.build`) is validated the same way: the first problem, named by its field path and
pydantic's message. Messages never carry the input value (a report may hold revealed text).
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from .errors import VecauditError

M = TypeVar("M", bound=BaseModel)


def first_problem(exc: ValidationError) -> tuple[str, str]:
    """(field path like "entries.0.key" or "" for the top level, message without the value)."""
    err = exc.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(p) for p in err.get("loc", ()))
    return where, str(err.get("msg", "invalid value")).removeprefix("Value error, ")


def read_json_model(path: Path, model: type[M], *, what: str, error: type[VecauditError]) -> M:
    """`model` validated from the JSON file at `path`.

    Raises `error` (exit 2) when the file cannot be read ("cannot read baseline 'b.json': No such
    file or directory") or does not validate ("'b.json' is not a vecaudit JSON baseline: malformed
    at entries.0.key (Field required)").
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise error(f"cannot read {what} {str(path)!r}: {exc.strerror}") from exc
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        where, msg = first_problem(exc)
        raise error(
            f"{str(path)!r} is not a vecaudit JSON {what}: malformed at {where or 'top level'} ({msg})"
        ) from None
