"""Helpers that keep an audited store untouched.

Measured on qdrant-edge-py 0.9.0: `EdgeShard.load` rewrites `edge_config.json`, deletes the
payload and sparse-vector `tracker_journal.dat` files and rewrites `segment.json` and several
status files, even when nothing but scroll/retrieve is called. qdrant-client 1.20 local mode
creates `.lock` when missing and deletes outdated duplicate rows from `storage.sqlite`. So Edge
shards are opened from a private copy, and local-mode storage is read through read-only SQLite
URIs without the library (see local_store.py).
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import logging
import os
import shutil
import sqlite3
import stat
import tempfile
import weakref
from pathlib import Path
from urllib.parse import quote

from ..errors import TargetError

log = logging.getLogger(__name__)

_CHUNK = 1 << 20  # 1 MiB: copying never holds more than this in memory
_FICLONE = 0x40049409  # Linux ioctl: share extents (btrfs, xfs) instead of copying bytes


def _copy_sparse(src: Path, dst: Path) -> None:
    """Copy one file, keeping holes as holes.

    Edge preallocates 32 MiB pages and WAL segments that are mostly holes; a naive copy would
    turn each into 32 MiB of real disk. Tries a reflink first, then SEEK_DATA/SEEK_HOLE, and
    falls back to skipping all-zero chunks.
    """
    size = src.stat().st_size
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        try:
            fcntl.ioctl(fout.fileno(), _FICLONE, fin.fileno())
            return
        except OSError:
            pass
        fd_in = fin.fileno()
        pos = 0
        use_seek_data = hasattr(os, "SEEK_DATA")
        while pos < size:
            if use_seek_data:
                try:
                    data_start = os.lseek(fd_in, pos, os.SEEK_DATA)
                    data_end = os.lseek(fd_in, data_start, os.SEEK_HOLE)
                except OSError as exc:
                    if exc.errno == errno.ENXIO:  # no data after pos: the rest is a hole
                        break
                    use_seek_data = False
                    continue
            else:
                data_start, data_end = pos, size
            fin.seek(data_start)
            at = data_start
            while at < data_end:
                chunk = fin.read(min(_CHUNK, data_end - at))
                if not chunk:
                    break
                if chunk.count(0) != len(chunk):  # all-zero chunks stay holes
                    fout.seek(at)
                    fout.write(chunk)
                at += len(chunk)
            pos = data_end
        fout.truncate(size)


def _copy_tree(src: Path, dst: Path) -> None:
    for root, dirs, files in os.walk(src, followlinks=False):
        rel = Path(root).relative_to(src)
        target_dir = dst / rel
        target_dir.mkdir(mode=0o700, exist_ok=True)
        for name in dirs:
            if (Path(root) / name).is_symlink():
                raise TargetError(f"refusing to follow a symbolic link inside the store: {rel / name}")
        for name in files:
            path = Path(root) / name
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                raise TargetError(f"refusing to follow a symbolic link inside the store: {rel / name}")
            if not stat.S_ISREG(mode):
                continue  # sockets, fifos: nothing a store needs
            _copy_sparse(path, target_dir / name)
            os.chmod(target_dir / name, 0o600)


class PrivateCopy:
    """A copy of a store folder in a fresh 0700 temp dir, deleted on `close()` (or at exit)."""

    def __init__(self, source: Path, *, prefix: str = "vecaudit-") -> None:
        self.source = source
        self.root = Path(tempfile.mkdtemp(prefix=prefix))  # mkdtemp creates it 0700
        self.path = self.root / (source.name or "store")
        self._finalizer = weakref.finalize(self, shutil.rmtree, str(self.root), True)
        try:
            _copy_tree(source, self.path)
        except OSError as exc:
            self.close()
            raise TargetError(f"cannot copy {source} to a private temp dir: {exc.strerror or exc}") from exc
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        self._finalizer()

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive


def held_by_writer(lock_file: Path) -> bool:
    """Whether another process holds qdrant-client's exclusive lock on a local-mode folder.

    Opens the lock file read-only and asks for a shared lock without blocking: flock changes
    no bytes and no timestamps, and a missing lock file means no client has it open.
    """
    try:
        fd = os.open(lock_file, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def connect_readonly(db: Path, *, immutable: bool) -> sqlite3.Connection:
    """Open SQLite so that it cannot write: `mode=ro`, plus `immutable=1` when no writer is live.

    `immutable=1` also skips SQLite's file locking, which is only safe when nobody else writes.
    """
    params = "mode=ro&immutable=1" if immutable else "mode=ro"
    uri = f"file:{quote(str(db.resolve()))}?{params}"
    conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
    conn.execute("PRAGMA query_only = ON")
    return conn


def tree_fingerprint(root: Path) -> dict[str, tuple[str, int, int]]:
    """relative path -> (sha256, size, mtime_ns) for every file under `root` (folders as "/").

    Used by tests and by anyone who wants to prove a scan left a store untouched. Streams each
    file in 1 MiB chunks.
    """
    out: dict[str, tuple[str, int, int]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames:
            out[str(Path(dirpath, name).relative_to(root)) + "/"] = ("dir", 0, 0)
        for name in filenames:
            path = Path(dirpath, name)
            st = path.lstat()
            digest = hashlib.sha256()
            if stat.S_ISREG(st.st_mode):
                with open(path, "rb") as fh:
                    while chunk := fh.read(_CHUNK):
                        digest.update(chunk)
            out[str(path.relative_to(root))] = (digest.hexdigest(), st.st_size, st.st_mtime_ns)
    return out
