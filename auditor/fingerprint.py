"""Keyed fingerprints: recognize the same PII value across findings and runs without storing it.

A fingerprint is "vfp1:" + the first 32 hex digits of HMAC-SHA256(key, entity type + canonical
value). Never a bare hash: there are only a billion SSNs, so an unkeyed hash is reversed by
enumeration in seconds. The key is per deployment:

1. VECAUDIT_FINGERPRINT_KEY: hex (at least 32 hex digits) or any text of at least 16 bytes;
2. else the file named by VECAUDIT_FINGERPRINT_KEY_FILE (same formats, or raw bytes);
3. else a random 32-byte key created once, 0600, at
   $XDG_DATA_HOME/vecaudit/fingerprint.key (default ~/.local/share/vecaudit/fingerprint.key).

Share the key between machines (e.g. as a CI secret) to compare fingerprints across them.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import stat
import string
import threading
import unicodedata
from pathlib import Path

from .errors import FingerprintKeyError

PREFIX = "vfp1:"
KEY_ENV = "VECAUDIT_FINGERPRINT_KEY"
KEY_FILE_ENV = "VECAUDIT_FINGERPRINT_KEY_FILE"
MIN_KEY_BYTES = 16

_log = logging.getLogger(__name__)

# Values compared by their letters and digits only: "575-85-5582" == "575 85 5582".
_IDENTIFIER_ENTITIES = frozenset(
    {
        "US_SSN",
        "CREDIT_CARD",
        "PHONE_NUMBER",
        "IBAN_CODE",
        "US_BANK_NUMBER",
        "US_ITIN",
        "US_PASSPORT",
        "US_DRIVER_LICENSE",
        "UK_NHS",
        "UK_NINO",
        "MEDICAL_LICENSE",
        "MEDICAL_RECORD_NUMBER",
        "CARD_SECURITY_CODE",
        "ABA_ROUTING_NUMBER",
        "US_NPI",
        "US_MBI",
    }
)
# Values whose punctuation matters ("1.2.3.4" vs "12.3.4"): only whitespace is dropped.
_ADDRESS_ENTITIES = frozenset({"EMAIL_ADDRESS", "IP_ADDRESS", "URL", "CRYPTO", "MAC_ADDRESS", "UUID"})

_cache_lock = threading.Lock()
_key_cache: dict[tuple[str | None, str | None, str], bytes] = {}


def data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "vecaudit"


def _decode_key(raw: bytes, source: str) -> bytes:
    text = raw.strip()
    try:
        decoded = text.decode("ascii")
    except UnicodeDecodeError:
        decoded = ""
    if (
        decoded
        and len(decoded) % 2 == 0
        and all(c in string.hexdigits for c in decoded)
        and len(decoded) >= 32
    ):
        key = bytes.fromhex(decoded)
    else:
        key = text if text else raw
    if len(key) < MIN_KEY_BYTES:
        raise FingerprintKeyError(
            f"fingerprint key from {source} is too short ({len(key)} bytes, need {MIN_KEY_BYTES}); "
            "generate one with: python -c 'import secrets; print(secrets.token_hex(32))'"
        )
    return key


def _read_key_file(path: Path) -> bytes:
    try:
        raw = path.read_bytes()
        mode = path.stat().st_mode
    except OSError as exc:
        raise FingerprintKeyError(f"cannot read fingerprint key file {path}: {exc.strerror}") from None
    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        _log.warning("fingerprint key file %s is accessible by other users; chmod 600 it", path)
    return _decode_key(raw, str(path))


def _create_default_key(path: Path) -> bytes:
    """Create the per-user key once; concurrent creators all end up with the same key."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32) + "\n")
            try:
                os.link(tmp, path)  # atomic, and fails instead of replacing a key that appeared
            except FileExistsError:
                pass
        finally:
            tmp.unlink(missing_ok=True)
    except OSError as exc:
        raise FingerprintKeyError(
            f"cannot create fingerprint key at {path}: {exc.strerror}; set {KEY_ENV} or {KEY_FILE_ENV}"
        ) from None
    return _read_key_file(path)


def load_fingerprint_key() -> bytes:
    """The deployment's fingerprint key (see the module docstring for where it comes from)."""
    env_key = os.environ.get(KEY_ENV)
    env_file = os.environ.get(KEY_FILE_ENV)
    default_path = data_dir() / "fingerprint.key"
    cache_key = (env_key, env_file, str(default_path))
    with _cache_lock:
        cached = _key_cache.get(cache_key)
        if cached is not None:
            return cached
        if env_key:
            key = _decode_key(env_key.encode("utf-8"), f"${KEY_ENV}")
        elif env_file:
            key = _read_key_file(Path(env_file).expanduser())
        elif default_path.exists():
            key = _read_key_file(default_path)
        else:
            key = _create_default_key(default_path)
        _key_cache[cache_key] = key
        return key


def canonicalize(entity_type: str, value: str) -> str:
    """The form two spellings of one value share: casefolded, spacing and separators removed."""
    text = unicodedata.normalize("NFKC", value).casefold()
    entity = entity_type.upper()
    if entity in _ADDRESS_ENTITIES:
        return "".join(text.split())
    has_alpha = any(c.isalpha() for c in text)
    if entity in _IDENTIFIER_ENTITIES or (not has_alpha and any(c.isdigit() for c in text)):
        return "".join(c for c in text if c.isalnum())
    # Names, places, dates in words: drop spacing around punctuation and outer punctuation,
    # so "o ' brien" == "O'Brien" and "Smith," == "smith".
    words: list[str] = []
    for word in text.split():
        if words and (not word[0].isalnum() or not words[-1][-1].isalnum()):
            words[-1] += word
        else:
            words.append(word)
    return " ".join(words).strip(string.punctuation + " ")


def fingerprint(entity_type: str, value: str, key: bytes | None = None) -> str:
    """Keyed fingerprint of one detected value: "vfp1:" + 32 hex digits."""
    secret = key if key is not None else load_fingerprint_key()
    if len(secret) < MIN_KEY_BYTES:
        raise FingerprintKeyError(f"fingerprint key is too short ({len(secret)} bytes, need {MIN_KEY_BYTES})")
    message = entity_type.upper().encode("utf-8") + b"\x00" + canonicalize(entity_type, value).encode("utf-8")
    return PREFIX + hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]
