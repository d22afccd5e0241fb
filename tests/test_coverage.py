"""Nothing unscanned passes as clean: every point, field and string is read, or the scan says it was not.

Each kind of gap is tried on real stores built here (qdrant-client local mode, and a Qdrant Edge
shard where the kind applies) through the real CLI, and each test asserts the right value: the PII
is found, or the scan exits 2 naming what it could not analyze and why. No PII value may appear in
any output without --reveal.
"""

from __future__ import annotations

import base64
import dbm.dumb
import json
import math
import pickle
import random
import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from clitools import FAST_POLICY, CliResult, enter_sandbox, run_cli, write_policy
from storebuild import add_raw_local_points, build_edge, build_local, tree_fingerprint
from vecaudit.synthetic import detection

#: Patterns only, with the label-gated entities at the default policy's thresholds.
LABEL_POLICY = """\
name: labels
detector_mode: fast
rules:
  - {entity: US_SSN, severity: critical, threshold: 0.5}
  - {entity: CREDIT_CARD, severity: critical, threshold: 0.5}
  - {entity: CARD_SECURITY_CODE, severity: critical, threshold: 0.5}
  - {entity: US_BANK_NUMBER, severity: high, threshold: 0.4}
  - {entity: US_PASSPORT, severity: high, threshold: 0.4}
  - {entity: MEDICAL_RECORD_NUMBER, severity: high, threshold: 0.5}
  - {entity: EMAIL_ADDRESS, severity: high, threshold: 0.5}
  - {entity: PHONE_NUMBER, severity: high, threshold: 0.4}
  - {entity: DATE_OF_BIRTH, severity: high, threshold: 0.5}
"""

KINDS = ["local", "edge"]


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return enter_sandbox(tmp_path, monkeypatch)


def _vectors(n: int, dim: int = 8, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)


def make_store(kind: str, root: Path, payloads: Sequence[dict[str, Any]], vectors: Any = None) -> str:
    """A store of `kind` holding `payloads` (random 8-d vectors unless given); returns the scan target."""
    vecs = _vectors(len(payloads)) if vectors is None else vectors
    if kind == "local":
        return str(build_local(root / "local", "docs", vecs, payloads))
    return "edge:" + str(build_edge(root / "docs", vecs, payloads))


@dataclass
class Scan:
    cli: CliResult
    json: dict[str, Any]
    sarif: dict[str, Any]
    junit: ET.Element
    raw: str  # every output: stdout, stderr and the report files

    @property
    def coverage(self) -> dict[str, Any]:
        (collection,) = self.json["collections"]
        return collection["coverage"]  # type: ignore[no-any-return]

    def gaps(self) -> dict[str, dict[str, Any]]:
        return {g["reason"]: g for g in self.coverage["not_analyzed"]}

    def found(self) -> set[tuple[Any, str | None, str]]:
        """(point id, payload field, entity) of every finding."""
        return {(f["point_id"], f["field"], f["entity_type"]) for f in self.json["findings"]}


def scan(
    capsys: pytest.CaptureFixture[str], sandbox: Path, target: str, *args: str, policy: str = FAST_POLICY
) -> Scan:
    """`vecaudit scan TARGET --no-invert` with JSON, SARIF and JUnit reports; `policy` is YAML or a preset."""
    policy_file = policy if "\n" not in policy else write_policy(sandbox, policy, name="coverage-policy.yaml")
    stem = sandbox / "out" / "report"
    r = run_cli(
        capsys, "scan", target, "--policy", policy_file, "--no-invert", "--fail-on", "low",
        "-f", "json", "-f", "sarif", "-f", "junit", "-o", stem, *args,
    )  # fmt: skip
    assert (stem.parent / "report.json").is_file(), f"no report (exit {r.code}): {r.err}"
    files = {ext: (stem.parent / f"report{ext}").read_text() for ext in (".json", ".sarif", ".junit.xml")}
    return Scan(
        r,
        json.loads(files[".json"]),
        json.loads(files[".sarif"]),
        ET.fromstring(files[".junit.xml"].encode()),
        "\n".join([r.out, r.err, *files.values()]),
    )


def assert_incomplete(s: Scan, reason: str, *, point_ids: list[Any], unit: str) -> dict[str, Any]:
    """Exit 2, and every output says what was not analyzed and why; returns the gap."""
    assert s.cli.code == 2, s.cli.err
    assert s.json["complete"] is False and s.json["allow_partial"] is False
    gap = s.gaps()[reason]
    assert gap["unit"] == unit and gap["point_ids"] == point_ids, gap
    assert "result: INCOMPLETE" in s.cli.out
    assert "vecaudit: error: the scan left data unanalyzed" in s.cli.err and reason in s.cli.err
    invocation = s.sarif["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    notes = [n for n in invocation["toolExecutionNotifications"] if "descriptor" in n]
    assert f"coverage/{reason}" in {n["descriptor"]["id"] for n in notes}
    assert all(n["level"] == "error" for n in notes)
    failure = s.junit.find("testsuite[@name='docs']/testcase[@name='coverage']/failure")
    assert failure is not None and reason in (failure.text or "")
    assert s.junit.find("testsuite[@name='vecaudit']/testcase[@name='scan-complete']/failure") is not None
    return gap  # type: ignore[no-any-return]


def assert_no_values(s: Scan, values: Sequence[str]) -> None:
    for value in values:
        assert value not in s.raw, f"a PII value leaked into the output: {value[:3]}..."


def _filler(n: int, seed: int = 5) -> str:
    rng = random.Random(seed)
    text = ""
    while len(text) < n:
        text += detection.clean_text(rng) + " "
    return text[:n]


# ---------------------------------------------------------------- 1. long strings


PII_SENTENCE = "Please call Maria Lopez at (415) 555-0143 or write to maria.lopez@example.org today."


@pytest.mark.parametrize("kind", KINDS)
def test_pii_after_char_20000_of_a_long_body_is_found(
    kind: str, sandbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    filler = _filler(24_000)
    body = filler[:20_300] + " " + PII_SENTENCE + " " + filler[20_300:]
    target = make_store(kind, sandbox, [{"body": "routine note"}, {"body": body}])
    s = scan(capsys, sandbox, target, policy="default")
    assert s.cli.code == 1, s.cli.err
    assert {(1, "body", e) for e in ("PERSON", "PHONE_NUMBER", "EMAIL_ADDRESS")} <= s.found()
    starts = {f["entity_type"]: f["start"] for f in s.json["findings"] if f["start"] > 20_000}
    assert starts["EMAIL_ADDRESS"] == body.index("maria.lopez@example.org")  # offsets in the whole string
    assert s.json["complete"] is True and s.coverage["not_analyzed"] == []
    assert_no_values(s, ["Maria Lopez", "555-0143", "maria.lopez@example.org"])


_EMAIL = " ann.lee@example.com "


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param({"pages": [_filler(30_000, 1), _filler(45_000, 2) + _EMAIL]}, id="last-of-list"),
        pytest.param({"doc": {"text": _filler(9_990, 3) + _EMAIL + _filler(30_000, 4)}}, id="window-edge"),
        pytest.param({"text": _filler(100_000, 6) + _EMAIL}, id="end-of-100k"),
    ],
)
def test_pii_anywhere_in_long_strings_is_found_once(
    payload: dict[str, Any], sandbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    s = scan(capsys, sandbox, make_store("local", sandbox, [payload]))
    emails = [f for f in s.json["findings"] if f["entity_type"] == "EMAIL_ADDRESS"]
    assert len(emails) == 1 and s.cli.code == 1, s.cli.err
    assert s.json["complete"] is True


@pytest.mark.parametrize("kind", KINDS)
def test_strings_over_max_text_chars_are_reported_not_cut_silently(
    kind: str, sandbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = _filler(8_000) + " write to ann.lee@example.com"
    target = make_store(kind, sandbox, [{"title": "ok"}, {"doc": {"body": body}}])
    s = scan(capsys, sandbox, target, "--max-text-chars", "5000")
    gap = assert_incomplete(s, "size_limit", point_ids=[1], unit="field")
    assert gap["fields"] == ["doc.body"] and gap["details"] == [
        "8,029 characters; the first 5,000 were analyzed"
    ]
    assert s.coverage["fields_not_analyzed"] == 1
    assert_no_values(s, ["ann.lee@example.com"])
    partial = scan(capsys, sandbox, target, "--max-text-chars", "5000", "--allow-partial")
    assert partial.cli.code == 0, partial.cli.err  # nothing found in what was read, and the user accepted
    assert partial.json["complete"] is False and partial.json["allow_partial"] is True
    assert partial.gaps()["size_limit"]["count"] == 1 and "result: PARTIAL" in partial.cli.out
    skipped = partial.junit.find("testsuite[@name='docs']/testcase[@name='coverage']/skipped")
    assert skipped is not None


# ---------------------------------------------------------------- 2. records that cannot be read


def _break_row(folder: Path, point_id: int, blob: bytes) -> None:
    key = base64.b64encode(pickle.dumps(point_id, protocol=4)).decode()
    with sqlite3.connect(folder / "collection" / "docs" / "storage.sqlite") as conn:
        changed = conn.execute("UPDATE points SET point = ? WHERE id = ?", (blob, key)).rowcount
    assert changed == 1


class _Evil:
    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (print, ("pwned",))


def _truncated(blob: bytes) -> bytes:
    return blob[: len(blob) // 2]


def _stored(folder: Path, point_id: int) -> bytes:
    key = base64.b64encode(pickle.dumps(point_id, protocol=4)).decode()
    with sqlite3.connect(folder / "collection" / "docs" / "storage.sqlite") as conn:
        return bytes(conn.execute("SELECT point FROM points WHERE id = ?", (key,)).fetchone()[0])


@pytest.mark.parametrize(
    ("corrupt", "detail"),
    [
        (_truncated, "cannot be decoded"),
        (lambda _blob: pickle.dumps(_Evil()), "refused to load builtins.print"),
        (lambda _blob: pickle.dumps({"id": 1, "payload": {"text": "x"}}), "is not a point (dict)"),
        (lambda _blob: b"\x00garbage bytes", "cannot be decoded"),
    ],
)
def test_a_record_that_cannot_be_read_fails_the_scan_it_would_have_failed(
    corrupt: Any, detail: str, sandbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    payloads = [{"text": "nothing here"}, {"text": "call 212-555-0187, jane@example.org"}, {"text": "ok"}]
    folder = build_local(sandbox / "store", "docs", _vectors(3), payloads)
    _break_row(folder, 1, corrupt(_stored(folder, 1)))
    before = tree_fingerprint(folder)
    s = scan(capsys, sandbox, str(folder))
    gap = assert_incomplete(s, "unreadable_record", point_ids=[1], unit="point")
    assert any(detail in d for d in gap["details"]), gap
    (col,) = s.json["collections"]
    assert (col["points_total"], col["points_scanned"], s.coverage["points_not_analyzed"]) == (3, 2, 1)
    assert s.json["findings"] == []  # the only PII was in the record nobody could read...
    assert tree_fingerprint(folder) == before  # ...and the store was only read
    partial = scan(capsys, sandbox, str(folder), "--allow-partial")
    assert partial.cli.code == 0 and "result: PARTIAL" in partial.cli.out  # ...which only the flag accepts
    assert partial.gaps()["unreadable_record"]["point_ids"] == [1]


def test_rows_whose_point_id_cannot_be_read_are_counted(
    sandbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = build_local(sandbox / "store", "docs", _vectors(2), [{"text": "a"}, {"text": "b"}])
    with sqlite3.connect(folder / "collection" / "docs" / "storage.sqlite") as conn:
        conn.execute("INSERT INTO points VALUES (?, ?)", ("not base64 at all!", b"\x80\x04garbage"))
    s = scan(capsys, sandbox, str(folder))
    gap = assert_incomplete(s, "unreadable_record", point_ids=[], unit="point")
    assert gap["count"] == 1 and gap["details"] == ["the point id cannot be read"]
    (col,) = s.json["collections"]
    assert (col["points_total"], col["points_scanned"]) == (3, 2)


def test_a_sampled_record_that_cannot_be_read_is_counted(
    sandbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = build_local(sandbox / "store", "docs", _vectors(4), [{"text": f"note {i}"} for i in range(4)])
    _break_row(folder, 2, _truncated(_stored(folder, 2)))
    s = scan(capsys, sandbox, str(folder), "--sample", "4")
    assert_incomplete(s, "unreadable_record", point_ids=[2], unit="point")


# ---------------------------------------------------------------- storage formats vecaudit cannot read


def _legacy_dbm(folder: Path, collection: str) -> None:
    """Turn a collection into the dbm storage of qdrant-client < 1.1.7 (keys: ids, values: pickles)."""
    from qdrant_client.http import models

    col = folder / "collection" / collection
    (col / "storage.sqlite").unlink()
    with dbm.dumb.open(str(col / "storage.dbm"), "c") as db:
        db[b"0"] = pickle.dumps(
            models.PointStruct(id=0, vector=[0.1] * 8, payload={"text": "jane@example.org"})
        )


def test_a_legacy_dbm_collection_fails_naming_the_format_never_empty(
    sandbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = build_local(sandbox / "store", "docs", _vectors(1), [{"text": "ok"}])
    build_local(folder, "old", _vectors(1), [{"text": "x"}])
    _legacy_dbm(folder, "old")
    policy = write_policy(sandbox)
    r = run_cli(capsys, "scan", folder, "--policy", policy, "--no-invert")
    assert r.code == 2
    assert "'old' uses qdrant-client's legacy dbm storage" in r.err and "before 1.1.7" in r.err
    assert "empty" not in r.err + r.out
    r = run_cli(capsys, "scan", folder, "--policy", policy, "--no-invert", "-c", "old", "--allow-partial")
    assert r.code == 2 and "legacy dbm storage" in r.err  # not data left out: a store it cannot read
    ok = run_cli(capsys, "scan", folder, "--policy", policy, "--no-invert", "-c", "docs")
    assert ok.code == 0, ok.err  # the other collection is still readable on its own


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda c: sqlite3.connect(c / "storage.sqlite").execute("CREATE TABLE vectors (k TEXT, v BLOB)"),
         "not in qdrant-client's local-mode format (a points(id, point) table; found tables: 'vectors')"),
        (lambda c: (c / "segment.bin").write_bytes(b"\x00" * 16),
         "no storage.sqlite but 1 other file(s)"),
        (lambda c: (c / "storage.sqlite").write_bytes(b"this is not sqlite" * 100),
         "storage.sqlite is not a readable SQLite database"),
    ],
)  # fmt: skip
def test_other_unknown_storage_fails_naming_it(
    make: Any, message: str, sandbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = build_local(sandbox / "store", "docs", _vectors(1), [{"text": "ok"}])
    col = folder / "collection" / "docs"
    (col / "storage.sqlite").unlink()
    conn = make(col)
    if isinstance(conn, sqlite3.Cursor):
        conn.connection.commit()
        conn.connection.close()
    r = run_cli(capsys, "scan", folder, "--policy", write_policy(sandbox), "--no-invert")
    assert r.code == 2 and message in r.err, r.err
    assert "empty" not in r.err + r.out


# ---------------------------------------------------------------- 3. values stored as JSON numbers


@pytest.mark.parametrize("kind", KINDS)
def test_numbers_are_analyzed_as_the_text_they_are(
    kind: str, sandbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    payloads = [
        {"phone": 4155550143, "ssn": 219455782, "card_number": 4111111111111111},
        {"contact": {"phones": [4155550144.0]}, "billing": {"x": 4111111111111111}},
        {"created_at": 1716239022, "views": 3, "order_id": 219455782, "ratio": 0.25},
    ]
    s = scan(capsys, sandbox, make_store(kind, sandbox, payloads))
    assert s.cli.code == 1, s.cli.err
    assert s.found() == {
        (0, "phone", "PHONE_NUMBER"),
        (0, "ssn", "US_SSN"),
        (0, "card_number", "CREDIT_CARD"),
        (1, "contact.phones[0]", "PHONE_NUMBER"),  # stored as a float, read as written
        (1, "billing.x", "CREDIT_CARD"),  # a Luhn-valid card needs no label
        # point 2: a timestamp and an id are no phone or SSN without a key that says so
    }
    sev = {(f["point_id"], f["entity_type"]): f["severity"] for f in s.json["findings"]}
    assert sev[(0, "CREDIT_CARD")] == "critical" and sev[(0, "PHONE_NUMBER")] == "medium"
    assert s.json["complete"] is True
    assert_no_values(s, ["4155550143", "219455782", "4111111111111111"])


# ---------------------------------------------------------------- 4. keys: labels, and keys as data


@pytest.mark.parametrize("kind", KINDS)
def test_a_key_is_the_label_a_bare_value_needs(
    kind: str, sandbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    payloads = [
        {"ssn": "219455782"},
        {"customer": {"SSN": 219455782}},
        {"social_security_number": "219455782"},
        {"dob": "1985-03-14"},
        {"patient": {"dateOfBirth": "03/14/1985"}},
        {"passport_no": "912803456"},
        {"bank_account": "000123456789"},
        {"patient": {"mrn": "00482913"}},
        {"card": {"cvv": 123}},
        {"order_id": "219455782", "ref": "00482913", "code": 123},  # labels that say nothing
        {"dob": 19850314},  # a birth date stored as a number
        {"dateofbirth": "14-MAR-1985"},  # one-word key, clinical date spelling
        {"soc_sec_no": 536227341},
    ]
    s = scan(capsys, sandbox, make_store(kind, sandbox, payloads), policy=LABEL_POLICY)
    assert s.cli.code == 1, s.cli.err
    assert s.found() == {
        (0, "ssn", "US_SSN"),
        (1, "customer.SSN", "US_SSN"),
        (2, "social_security_number", "US_SSN"),
        (3, "dob", "DATE_OF_BIRTH"),
        (4, "patient.dateOfBirth", "DATE_OF_BIRTH"),
        (5, "passport_no", "US_PASSPORT"),
        (6, "bank_account", "US_BANK_NUMBER"),
        (7, "patient.mrn", "MEDICAL_RECORD_NUMBER"),
        (8, "card.cvv", "CARD_SECURITY_CODE"),
        (10, "dob", "DATE_OF_BIRTH"),
        (11, "dateofbirth", "DATE_OF_BIRTH"),
        (12, "soc_sec_no", "US_SSN"),
    }
    # Evidence is the value alone (masked), its span inside the value, not inside a label.
    ssn = next(f for f in s.json["findings"] if f["point_id"] == 0)
    assert (ssn["start"], ssn["end"], ssn["evidence"]) == (0, 9, "2********")
    assert_no_values(
        s, ["219455782", "1985-03-14", "912803456", "000123456789", "00482913", "19850314", "536227341"]
    )


def test_keys_are_analyzed_and_a_key_holding_pii_never_reaches_a_path(
    sandbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    payloads = [
        {"contacts": {"jane.doe@example.org": {"role": "owner"}, "4155550143": "mobile"}},
        {"cards": {"cc-4111111111111111": {"holder": "ann.lee@example.com"}}},
    ]
    s = scan(capsys, sandbox, make_store("local", sandbox, payloads))
    assert s.cli.code == 1, s.cli.err
    assert s.found() == {
        (0, "contacts[key #0]", "EMAIL_ADDRESS"),
        (0, "contacts[key #1]", "PHONE_NUMBER"),
        (1, "cards[key #0]", "CREDIT_CARD"),
        # The card number is in an identifier-like key: the email under it is located by position.
        (1, "[#0][#0][#0]", "EMAIL_ADDRESS"),
    }
    assert_no_values(s, ["jane.doe@example.org", "4155550143", "4111111111111111", "ann.lee@example.com"])


def test_a_value_glued_into_a_key_is_found_and_never_reaches_a_path(
    sandbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A key like "id_219-45-5782" is an identifier to a regex and personal data to a person: the
    underscore hides the SSN from the recognizers, and the path of anything under the key (a
    finding, or a gap in coverage) would print it in every report."""
    deep: Any = "x"
    for _ in range(70):
        deep = {"n": deep}
    payloads = [
        {"id_219-45-5782": deep},  # a depth-limit gap under a key holding an SSN
        {"Jane_Doe_1985-03-14": {"body": "y" * 40}},  # a size-limit gap under a name and a date
        {"by_name": {"Maria_Lopez": {"dob": "1985-03-14"}}},  # a finding under a name
        {"user_4155550143": {"plan": "pro"}},
        {"ssn536227341": {"note": "z" * 40}},  # no separator at all: a key with a number is no path
    ]
    s = scan(
        capsys, sandbox, make_store("local", sandbox, payloads), "--max-text-chars", "20", policy="default"
    )
    assert s.cli.code == 2, s.cli.err  # the gaps, as always
    found = s.found()
    assert {
        (0, "[key #0]", "US_SSN"),
        (1, "[key #0]", "PERSON"),
        (2, "by_name[key #0]", "PERSON"),
        (2, "[#0][#0][#0]", "DATE_OF_BIRTH"),
        (3, "[key #0]", "PHONE_NUMBER"),
    } <= found, found
    gaps = s.gaps()
    assert gaps["depth_limit"]["fields"] == ["[#0]" * 64]
    assert gaps["size_limit"]["count"] == 2 and gaps["size_limit"]["point_ids"] == [1, 4]
    assert set(gaps["size_limit"]["fields"]) <= {"[#0][#0]", "[#0].note"}
    assert_no_values(s, ["219-45-5782", "Jane_Doe", "1985-03-14", "Maria_Lopez", "4155550143", "536227341"])


def test_generic_keys_add_no_findings_of_their_own(sandbox: Path, capsys: pytest.CaptureFixture[str]) -> None:
    payloads = [{"product_name": "Widget", "customer": "Acme", "account_id": 12345678, "name": "Invoice"}]
    s = scan(capsys, sandbox, make_store("local", sandbox, payloads), policy="default")
    assert {e for _, _, e in s.found()} <= {"DATE_TIME", "LOCATION", "NRP"}, s.found()
    assert s.cli.code == 0, s.cli.err


# ---------------------------------------------------------------- limits kept against hostile payloads


def test_nesting_beyond_the_depth_limit_is_reported(
    sandbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deep: dict[str, Any] = {"email": "ann.lee@example.com"}
    for _ in range(100):
        deep = {"n": deep}
    s = scan(capsys, sandbox, make_store("local", sandbox, [{"text": "ok"}, deep]))
    gap = assert_incomplete(s, "depth_limit", point_ids=[1], unit="field")
    assert gap["fields"] == ["n" + ".n" * 63]
    assert_no_values(s, ["ann.lee@example.com"])


def test_text_in_a_script_the_ner_model_cannot_read_is_reported(
    sandbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    payloads = [
        {"text": "Dear Jane Doe, thanks."},
        {"text": "Звонил Иван Петров, номер заказа 1234"},
        {"note": "Invoice for Γιώργος Παπαδόπουλος, due in 30 days."},
    ]
    s = scan(capsys, sandbox, make_store("local", sandbox, payloads), policy="default")
    gap = assert_incomplete(s, "unsupported_script", point_ids=[1, 2], unit="field")
    assert gap["count"] == 2 and gap["fields"] == ["text", "note"]
    assert gap["details"] == ["scripts: CYRILLIC", "scripts: GREEK"]
    # The NER model cannot read them, but the name lexicon (transliterated) still finds the names.
    persons = {(f["point_id"], f["field"]) for f in s.json["findings"] if f["entity_type"] == "PERSON"}
    assert {(1, "text"), (2, "note")} <= persons
    assert_no_values(s, ["Петров", "Παπαδόπουλος"])
    # Pattern-only policies read every script the same way: nothing is left out.
    fast = scan(capsys, sandbox, make_store("local", sandbox / "fast", payloads))
    assert fast.cli.code == 0 and fast.json["complete"] is True


# ---------------------------------------------------------------- 7. vectors that cannot be analyzed


@pytest.mark.parametrize("kind", KINDS)
def test_nan_and_infinite_vectors_are_not_analyzed_data(
    kind: str, sandbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    vecs = _vectors(4)
    vecs[1, 0] = np.nan
    vecs[3, 2] = np.inf
    payloads = [{"text": "ok"}, {"text": "write to ann.lee@example.com"}, {"text": "fine"}, {"text": "x"}]
    if kind == "edge":
        target = make_store(kind, sandbox, payloads, vectors=vecs)
    else:  # qdrant-client's upsert refuses NaN; other writers (and its own persister) do not
        target = make_store(kind, sandbox, payloads, vectors=np.nan_to_num(vecs, posinf=0.0))
        raw = [{"id": i, "vector": vecs[i].tolist(), "payload": payloads[i]} for i in (1, 3)]
        add_raw_local_points(Path(target), "docs", raw)
    s = scan(capsys, sandbox, target)
    gap = assert_incomplete(s, "non_finite_vector", point_ids=[1, 3], unit="vector")
    assert gap["vectors"] == ["(default)"] and s.coverage["vectors_not_analyzed"] == 2
    assert (1, "text", "EMAIL_ADDRESS") in s.found()  # the payloads of those points are still read
    partial = scan(capsys, sandbox, target, "--allow-partial")
    assert partial.cli.code == 1, partial.cli.err  # judged by its violations once the user accepts


def test_wrong_dimension_and_unreadable_vectors_are_not_analyzed_data(
    sandbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = build_local(sandbox / "store", "docs", _vectors(2), [{"text": "a"}, {"text": "b"}])
    add_raw_local_points(
        folder,
        "docs",
        [
            {"id": 7, "vector": [0.5] * 5, "payload": {"text": "short vector"}},
            {"id": 8, "vector": ["x", None], "payload": {"text": "not numbers"}},
            {"id": 9, "vector": [math.inf] * 8, "payload": {"text": "infinite"}},
        ],
    )
    s = scan(capsys, sandbox, str(folder))
    assert_incomplete(s, "wrong_dimension", point_ids=[7], unit="vector")
    assert s.gaps()["unreadable_vector"]["point_ids"] == [8]
    assert s.gaps()["non_finite_vector"]["point_ids"] == [9]
    assert s.coverage["points_analyzed"] == 5 and s.coverage["vectors_not_analyzed"] == 3
