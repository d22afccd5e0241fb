from __future__ import annotations

import random
import re
import stat
import string
from collections.abc import Iterator
from pathlib import Path

import pytest
from vecaudit import fingerprint as fp_module
from vecaudit.errors import FingerprintKeyError
from vecaudit.fingerprint import fingerprint, load_fingerprint_key
from vecaudit.redact import mask, mask_in_text

KEY_A = bytes(range(32))
KEY_B = bytes(range(1, 33))


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    monkeypatch.delenv("VECAUDIT_FINGERPRINT_KEY", raising=False)
    monkeypatch.delenv("VECAUDIT_FINGERPRINT_KEY_FILE", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    fp_module._key_cache.clear()
    yield tmp_path
    fp_module._key_cache.clear()


# --- fingerprints ---------------------------------------------------------------------------


def test_format_and_keying() -> None:
    a = fingerprint("US_SSN", "575-85-5582", KEY_A)
    assert re.fullmatch(r"vfp1:[0-9a-f]{32}", a)
    assert a != fingerprint("US_SSN", "575-85-5582", KEY_B)
    assert a != fingerprint("US_ITIN", "575-85-5582", KEY_A)  # entity type is part of the message
    assert a != fingerprint("US_SSN", "575-85-5583", KEY_A)
    import hashlib

    assert a[5:] not in hashlib.sha256(b"575-85-5582").hexdigest()  # not a bare hash


@pytest.mark.parametrize(
    ("entity", "spellings"),
    [
        ("US_SSN", ["575-85-5582", "575 85 5582", "575 - 85 - 5582", "575855582"]),
        ("CREDIT_CARD", ["4111 1111 1111 1111", "4111-1111-1111-1111", "4111111111111111"]),
        ("EMAIL_ADDRESS", ["John.Smith@Gmail.com", "john. smith @ gmail. com"]),
        ("PERSON", ["John Smith", "john  smith", "JOHN SMITH,"]),
        ("PERSON", ["O'Brien", "o ' brien"]),
    ],
)
def test_same_value_in_different_spelling_has_one_fingerprint(entity: str, spellings: list[str]) -> None:
    assert len({fingerprint(entity, s, KEY_A) for s in spellings}) == 1


def test_ip_addresses_keep_their_dots() -> None:
    assert fingerprint("IP_ADDRESS", "1.21.3.4", KEY_A) != fingerprint("IP_ADDRESS", "12.1.3.4", KEY_A)


def test_key_from_env_hex_and_text(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VECAUDIT_FINGERPRINT_KEY", KEY_A.hex())
    assert load_fingerprint_key() == KEY_A
    monkeypatch.setenv("VECAUDIT_FINGERPRINT_KEY", "a long enough passphrase")
    assert load_fingerprint_key() == b"a long enough passphrase"
    assert fingerprint("PERSON", "Jane") == fingerprint("PERSON", "Jane", b"a long enough passphrase")


def test_short_key_is_refused_without_echoing_it(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VECAUDIT_FINGERPRINT_KEY", "hunter2")
    with pytest.raises(FingerprintKeyError) as info:
        load_fingerprint_key()
    assert "hunter2" not in str(info.value)


def test_key_file(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = clean_env / "key.txt"
    path.write_text(KEY_B.hex() + "\n")
    path.chmod(0o600)
    monkeypatch.setenv("VECAUDIT_FINGERPRINT_KEY_FILE", str(path))
    assert load_fingerprint_key() == KEY_B
    monkeypatch.setenv("VECAUDIT_FINGERPRINT_KEY_FILE", str(clean_env / "missing"))
    with pytest.raises(FingerprintKeyError, match="cannot read"):
        load_fingerprint_key()


def test_default_key_is_created_once_private(clean_env: Path) -> None:
    key = load_fingerprint_key()
    path = clean_env / "data" / "vecaudit" / "fingerprint.key"
    assert len(key) == 32 and path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    fp_module._key_cache.clear()
    assert load_fingerprint_key() == key  # read back, not regenerated
    assert [p.name for p in path.parent.iterdir()] == ["fingerprint.key"]  # no temp files left


def test_env_wins_over_default_file(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    default = load_fingerprint_key()
    monkeypatch.setenv("VECAUDIT_FINGERPRINT_KEY", KEY_A.hex())
    assert load_fingerprint_key() == KEY_A != default


# --- masking --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("john smith", "j*** s****"),
        ("575-85-5582", "5**-**-****"),
        ("575 85 5582", "5** ** ****"),
        ("john@gmail.com", "j***@g****.c**"),
        ("DE89 3704 0044 0532 0130 00", "D*** **** **** **** **** **"),
        ("42 Oak Street, Apt 5", "4* *** ******, *** *"),
        ("J", "*"),
        ("J. K.", "*. *."),
        ("", ""),
    ],
)
def test_mask_examples(value: str, masked: str) -> None:
    assert mask(value) == masked
    assert mask(masked) == masked  # idempotent: re-masking masked evidence changes nothing


def _alphabet_chars(value: str) -> list[str]:
    return [c for c in value if c.isalnum()]


def test_mask_reveals_at_most_first_characters() -> None:
    rng = random.Random(3)
    pool = string.ascii_letters + string.digits + " .-@'_"
    for _ in range(2000):
        value = "".join(rng.choice(pool) for _ in range(rng.randint(1, 30)))
        masked = mask(value)
        shown = [c for c in masked if c.isalnum()]
        words = max(1, len(value.split()))
        # Never more visible characters than words (email: local part + each label), and
        # never the whole value.
        assert len(shown) <= max(words, value.count(".") + 2)
        if _alphabet_chars(value):
            assert masked != value
        if any(c.isdigit() for c in value) and "@" not in value:
            assert len(shown) <= 1


def test_mask_in_text_masks_spans_and_merges_overlaps() -> None:
    text = "Call Jane Doe at 212-555-0147 today"
    assert mask_in_text(text, [(5, 13), (17, 29)]) == "Call J*** D** at 2**-***-**** today"
    assert mask_in_text(text, [(5, 9), (7, 13)]) == "Call J*** D** at 212-555-0147 today"
    assert mask_in_text(text, []) == text


def test_a_point_printed_in_a_log_or_traceback_shows_no_payload_value() -> None:
    import numpy as np
    from vecaudit.models import Point

    p = Point(id=7, vectors={"": np.zeros(384, dtype=np.float32)}, payload={"note": "SSN 536-22-8745"})
    shown = repr(p) + str(p) + f"{p}"
    assert "536-22-8745" not in shown
    assert "note" in shown and "384" in shown and "7" in shown
