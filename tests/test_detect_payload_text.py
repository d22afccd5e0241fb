"""Reading payloads as a person reads them: every value, number and key, with labels and reported limits."""

from __future__ import annotations

import pytest
from vecaudit.detect.payload_text import longest_text, number_text, read_payload


def _values(payload: dict[str, object], **kw: int) -> list[tuple[str, str, str | None, str]]:
    return [(t.path, t.text, t.label, t.kind) for t in read_payload(payload, **kw).texts if t.kind != "key"]


def test_every_string_and_number_is_read_in_document_order_with_its_path() -> None:
    payload = {
        "title": "Refund request",
        "customer": {"name": "Jane Doe", "emails": ["a@x.org", "b@x.org"], "age": 41, "vip": True},
        "notes": [{"text": "called twice"}, None, 3.5, ["nested", ["deeper"]]],
        "score": 0.9,
    }
    assert _values(payload) == [
        ("title", "Refund request", None, "string"),
        ("customer.name", "Jane Doe", None, "string"),
        ("customer.emails[0]", "a@x.org", "email", "string"),
        ("customer.emails[1]", "b@x.org", "email", "string"),
        ("customer.age", "41", None, "number"),
        ("notes[0].text", "called twice", None, "string"),
        ("notes[2]", "3.5", None, "number"),
        ("notes[3][0]", "nested", None, "string"),
        ("notes[3][1][0]", "deeper", None, "string"),
        ("score", "0.9", None, "number"),
    ]
    read = read_payload(payload)
    # 4 top-level keys + 4 customer keys + 1 notes[0] key, and 12 values (the bool and None included)
    assert read.fields == 9 + 12 and not read.skips


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (4155550143, "4155550143"),
        (4111111111111111, "4111111111111111"),
        (4155550143.0, "4155550143"),  # phone numbers often come back as floats
        (2**70, str(2**70)),  # beyond float precision, exact as stored
        (-12.25, "-12.25"),
        (1e300, "1e+300"),
        (float("nan"), None),
        (float("inf"), None),
    ],
)
def test_numbers_are_written_as_a_person_writes_them(value: float, text: str | None) -> None:
    assert number_text(value) == text


def test_keys_are_read_too_and_paths_never_show_a_key_that_is_not_an_identifier() -> None:
    payload = {"by_email": {"jane.doe@example.org": "owner", "ok_key": "x"}, "575-85-5582": "y"}
    read = read_payload(payload)
    keys = [(t.path, t.text) for t in read.texts if t.kind == "key"]
    # Keys are read with underscores as spaces, as a person reads them (same length: spans hold).
    assert keys == [
        ("[key #0]", "by email"),
        ("[key #1]", "575-85-5582"),
        ("by_email[key #0]", "jane.doe@example.org"),
        ("by_email[key #1]", "ok key"),
    ]
    values = [t.path for t in read.texts if t.kind != "key"]
    assert values == ["by_email[#0]", "by_email.ok_key", "[#1]"]
    assert not any("@" in t.path or "5582" in t.path for t in read.texts)
    # Each text knows the keys above it, and a path with every key by position, for when one of
    # those keys turns out to be personal data.
    owner = next(t for t in read.texts if t.text == "owner")
    assert [read.texts[i].text for i in owner.keys] == ["by email", "jane.doe@example.org"]
    ok = next(t for t in read.texts if t.text == "x")
    assert ok.blind_path == "[#0][#1]"


@pytest.mark.parametrize(
    ("key", "in_path"),
    [
        ("address_line2", True),
        ("sha256", True),
        ("created-at", True),
        ("ssn536227341", False),  # a number in a key is data, not a schema name
        ("user_4155550143", False),
        ("Jane_Doe_1985-03-14", False),
        ("jane.doe@example.org", False),
        ("Jane Doe", False),
    ],
)
def test_only_schema_names_are_written_into_paths(key: str, in_path: bool) -> None:
    (value,) = [t for t in read_payload({key: "x"}).texts if t.kind == "string"]
    assert (value.path == key) is in_path and (value.path == "[#0]") is not in_path


@pytest.mark.parametrize(
    ("payload", "label"),
    [
        ({"ssn": "219455782"}, "ssn"),
        ({"customer": {"SSN": 219455782}}, "ssn"),
        ({"patient": {"dateOfBirth": "03/14/1985"}}, "date of birth"),
        ({"patient": {"id": "00482913"}}, "mrn"),
        ({"card": {"cvc": 123}}, "cvv"),
        ({"phones": [4155550143, 4155550144]}, "phone"),
        ({"order_id": "219455782"}, None),
    ],
)
def test_values_carry_the_label_of_their_keys(payload: dict[str, object], label: str | None) -> None:
    assert {t.label for t in read_payload(payload).texts if t.kind != "key"} == {label}


def test_long_strings_are_read_to_the_limit_and_the_rest_is_reported() -> None:
    read = read_payload({"body": "x" * 50, "short": "ok"}, max_chars=10)
    assert [(t.path, t.text) for t in read.texts if t.kind != "key"] == [("body", "x" * 10), ("short", "ok")]
    ((skip),) = read.skips
    assert (skip.path, skip.reason) == ("body", "size_limit")
    assert skip.detail == "50 characters; the first 10 were analyzed"
    assert read.fields == 2 + 1  # two keys and "short"; "body" was only read in part
    # Under the default limit (a million characters) a long document is read whole.
    doc = "word " * 5_000
    assert [t.text for t in read_payload({"body": doc}).texts if t.kind != "key"] == [doc]


def test_depth_is_bounded_without_recursion_and_reported() -> None:
    deep: dict[str, object] = {"leaf": "bottom"}
    for _ in range(5000):  # far beyond Python's recursion limit if walked recursively
        deep = {"d": deep}
    read = read_payload(deep)
    ((skip),) = read.skips
    assert skip.reason == "depth_limit" and skip.path == "d" + ".d" * 63
    assert not any(t.text == "bottom" for t in read.texts)
    shallow = {"a": {"b": {"c": "found"}}}
    assert _values(shallow, max_depth=3) == [("a.b.c", "found", None, "string")]
    read = read_payload(shallow, max_depth=2)
    assert not _values(shallow, max_depth=2) and [s.path for s in read.skips] == ["a.b"]


def test_longest_text_is_the_longest_string_value() -> None:
    assert longest_text({"a": "short", "b": {"c": "the longest one"}, "n": 12345678901234567890}) == (
        "the longest one"
    )
    assert longest_text({"n": 1, "b": True}) is None


def test_bad_limits_are_rejected() -> None:
    with pytest.raises(ValueError):
        read_payload({}, max_chars=0)
    with pytest.raises(ValueError):
        read_payload({}, max_depth=0)
