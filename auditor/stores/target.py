"""Parsing scan targets, stripping credentials for display, and loading API keys.

Secrets never come from argv: the API key is read from `QDRANT_API_KEY` or a file, and any
user:password inside a URL is moved out of it before the URL is shown, logged or raised.
"""

from __future__ import annotations

import enum
import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import SplitResult, unquote, urlsplit

from ..errors import TargetError

log = logging.getLogger(__name__)

API_KEY_ENV = "QDRANT_API_KEY"


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


@dataclass(frozen=True)
class Target:
    kind: TargetKind
    raw_display: str
    path: Path | None = None
    server: ServerURL | None = None
    scheme: str | None = None


def _netloc(parts: SplitResult) -> str:
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError as exc:
        raise TargetError("the target URL has an invalid port") from exc
    return f"{host}:{port}" if port is not None else host


def strip_credentials(target: str) -> str:
    """A display form of any target string: userinfo, query and fragment removed."""
    if "://" not in target:
        return target
    parts = urlsplit(target)
    return f"{parts.scheme}://{_netloc(parts)}{parts.path.rstrip('/')}"


def parse_server_url(target: str) -> ServerURL:
    parts = urlsplit(target)
    if parts.scheme not in ("http", "https"):
        raise TargetError(f"unsupported URL scheme {parts.scheme!r}; use http:// or https://")
    if not parts.hostname:
        raise TargetError(f"the target URL {strip_credentials(target)} has no host")
    netloc = _netloc(parts)
    path = parts.path.rstrip("/")
    url = f"{parts.scheme}://{netloc}{path}"
    return ServerURL(
        url=url,
        display=url,
        host=netloc,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def parse_target(target: str) -> Target:
    if not target or not target.strip():
        raise TargetError("no target given: pass a Qdrant URL, a local-mode folder, or edge:DIR")
    target = target.strip()
    if target.startswith("edge:") and not target.startswith("edge://"):
        path = Path(target[len("edge:") :]).expanduser()
        return Target(TargetKind.edge, f"edge:{path}", path=path)
    if "://" in target:
        scheme = target.split("://", 1)[0].lower()
        if scheme in ("http", "https"):
            server = parse_server_url(target)
            return Target(TargetKind.server, server.display, server=server)
        if scheme == "edge":
            path = Path(target[len("edge://") :]).expanduser()
            return Target(TargetKind.edge, f"edge:{path}", path=path)
        return Target(TargetKind.plugin, strip_credentials(target), scheme=scheme)
    path = Path(target).expanduser()
    return Target(TargetKind.local, str(path), path=path)


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
