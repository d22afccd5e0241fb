"""The scan target: parsed once from what the user typed into one typed value, `ScanTarget`.

Grammar (see `ScanTarget.parse`):
- `http(s)://[user:password@]host[:port][/prefix]` — a Qdrant server;
- `edge:DIR` or `edge://DIR` — a Qdrant Edge shard, or a folder of shards;
- `scheme://...` with any other scheme — for a store plugin (entry-point group `vecaudit.stores`);
- anything else — a folder written by qdrant-client `QdrantClient(path=DIR)`.

A target has two string forms and neither holds a secret: `display`, for reports, logs and errors,
and `stored`, what the run database keeps so that `--resume` reconnects from any working directory.
user:password in a URL stays in memory only (sent as HTTP basic auth); the API key is never part of a
target at all: it is read from `QDRANT_API_KEY` or a file.
"""

from __future__ import annotations

import enum
import logging
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import SplitResult, unquote, urlsplit

from ..errors import TargetError

log = logging.getLogger(__name__)

API_KEY_ENV = "QDRANT_API_KEY"

EDGE_PREFIX = "edge:"


class TargetKind(enum.StrEnum):
    server = "server"
    local = "local"
    edge = "edge"
    plugin = "plugin"  # an unknown scheme://, for entry-point adapters


@dataclass(frozen=True)
class ServerURL:
    """A server URL split into what is safe to show and the credentials it carried."""

    url: str  # scheme://host:port/prefix, no userinfo, no query or fragment
    display: str  # the same, for logs and reports
    host: str
    username: str | None = None
    password: str | None = None

    def __repr__(self) -> str:  # keep the password out of tracebacks and logs
        return f"ServerURL({self.display!r})"


def _netloc(parts: SplitResult) -> str:
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError as exc:
        raise TargetError("the target URL has an invalid port") from exc
    return f"{host}:{port}" if port is not None else host


def _url_display(target: str) -> str:
    """scheme://host:port/path of a URL: userinfo, query and fragment (where tokens hide) removed."""
    parts = urlsplit(target)
    return f"{parts.scheme.lower()}://{_netloc(parts)}{parts.path.rstrip('/')}"


def _server_url(target: str) -> ServerURL:
    parts = urlsplit(target)
    if not parts.hostname:
        raise TargetError(f"the target URL {_url_display(target)} has no host")
    url = _url_display(target)
    return ServerURL(
        url=url,
        display=url,
        host=_netloc(parts),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


@dataclass(frozen=True, eq=False)
class ScanTarget:
    """One parsed scan target; build it with `ScanTarget.parse(text)`.

    `display` is safe to show (no user:password, query or fragment); `stored` is safe to store and
    reconnects from any working directory (folders absolute). Two targets are equal when they name
    the same store (same kind and stored form), whatever credentials either carries.
    Fields by kind: server has `server`; local and edge have `path` (as given, `~` expanded);
    plugin has `scheme`. `raw` is the text as given, handed to store plugins only: it may hold
    secrets and is never shown (see `__repr__`).
    """

    kind: TargetKind
    display: str
    stored: str
    path: Path | None = None
    server: ServerURL | None = None
    scheme: str | None = None
    raw: str = field(default="", repr=False)

    @classmethod
    def parse(cls, text: str) -> ScanTarget:
        """Parse `text` (grammar in the module docstring). Raises TargetError for an empty target, a URL
        without a host or with a bad port; messages never quote credentials. Touches no store
        (only folders are made absolute for `stored`)."""
        if not text or not text.strip():
            raise TargetError("no target given: pass a Qdrant URL, a local-mode folder, or edge:DIR")
        text = text.strip()
        if text.startswith(EDGE_PREFIX) or text.lower().startswith("edge://"):
            rest = text[len("edge://") :] if text.lower().startswith("edge://") else text[len(EDGE_PREFIX) :]
            path = Path(rest).expanduser()
            return cls(
                TargetKind.edge,
                f"{EDGE_PREFIX}{path}",
                f"{EDGE_PREFIX}{path.resolve()}",
                path=path,
                raw=text,
            )
        scheme = text.split("://", 1)[0].lower() if "://" in text else None
        if scheme in ("http", "https"):
            server = _server_url(text)
            return cls(TargetKind.server, server.display, server.url, server=server, raw=text)
        if scheme is not None:
            shown = _url_display(text)
            return cls(TargetKind.plugin, shown, shown, scheme=scheme, raw=text)
        path = Path(text).expanduser()
        return cls(TargetKind.local, str(path), str(path.resolve()), path=path, raw=text)

    @classmethod
    def of(cls, target: ScanTarget | str | os.PathLike[str]) -> ScanTarget:
        """`target` itself, or `target` parsed when it is still text or a folder path (API callers,
        tests)."""
        return target if isinstance(target, ScanTarget) else cls.parse(os.fspath(target))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ScanTarget):
            return NotImplemented
        return (self.kind, self.stored) == (other.kind, other.stored)

    def __hash__(self) -> int:
        return hash((self.kind, self.stored))

    def __str__(self) -> str:
        return self.display

    def __repr__(self) -> str:  # `raw` and the server's password stay out of tracebacks and logs
        return f"ScanTarget({self.kind.value}, {self.display!r})"


def display_form(text: str) -> str:
    """The display form of user input that may not parse (a UI label): never raises, never shows a
    secret."""
    try:
        return ScanTarget.parse(text).display
    except TargetError:
        return "(invalid target)"


def load_api_key(api_key_file: Path | None) -> str | None:
    """The API key from `api_key_file` if given, else from `QDRANT_API_KEY`, else None."""
    if api_key_file is not None:
        try:
            st = os.stat(api_key_file)
            text = Path(api_key_file).read_text(encoding="utf-8")
        except OSError as exc:
            raise TargetError(f"cannot read the API key file {api_key_file}: {exc.strerror or exc}") from exc
        if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            log.warning("API key file %s is readable by other users; chmod 600 it", api_key_file)
        key = text.strip()
        if not key:
            raise TargetError(f"the API key file {api_key_file} is empty")
        if "\n" in key:
            raise TargetError(f"the API key file {api_key_file} must hold the key on a single line")
        return key
    key = os.environ.get(API_KEY_ENV, "").strip()
    return key or None
