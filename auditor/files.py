"""Writing output files so that a reader never sees a partial file and only the intended account
can read a sensitive one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def atomic_write(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write `data` to `path` through a temp file of permissions `mode` in the same folder, then
    rename it over `path`. Raises OSError; the temp file is removed on any failure."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_text_file(path: Path, *, what: str, max_bytes: int, error: type[Exception]) -> str:
    """The UTF-8 text of a file a user hands us (a policy, candidates, a data subject), read whole.

    Raises `error` naming `what` and the path when the file cannot be read ("cannot read
    candidates file x.txt: No such file or directory"), is over `max_bytes`, or is not UTF-8
    (naming the line, "x.txt:2: not UTF-8 text"). Messages never quote the content.
    """
    try:
        with path.open("rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise error(f"cannot read {what} {path}: {exc.strerror or type(exc).__name__}") from None
    if len(data) > max_bytes:
        raise error(f"{what} {path} is over {_size(max_bytes)}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise error(f"{path}:{line}: not UTF-8 text") from None


def _size(n: int) -> str:
    return f"{n >> 20} MiB" if n >= 1 << 20 and n % (1 << 20) == 0 else f"{n} bytes"
