from __future__ import annotations

import pytest
from vecaudit.detect.payload_text import iter_payload_strings


def test_paths_in_document_order_and_non_strings_skipped() -> None:
    payload = {
        "title": "Refund request",
        "customer": {"name": "Jane Doe", "emails": ["a@x.org", "b@x.org"], "age": 41, "vip": True},
        "notes": [{"text": "called twice"}, None, 3.5, ["nested", ["deeper"]]],
        "score": 0.9,
    }
    assert list(iter_payload_strings(payload)) == [
        ("title", "Refund request"),
        ("customer.name", "Jane Doe"),
        ("customer.emails[0]", "a@x.org"),
        ("customer.emails[1]", "b@x.org"),
        ("notes[0].text", "called twice"),
        ("notes[3][0]", "nested"),
        ("notes[3][1][0]", "deeper"),
    ]


def test_keys_that_are_not_identifiers_are_not_written_into_paths() -> None:
    payload = {"by_email": {"jane.doe@example.org": "owner", "ok_key": "x"}, "575-85-5582": "y"}
    paths = [p for p, _ in iter_payload_strings(payload)]
    assert paths == ["by_email[#0]", "by_email.ok_key", "[#1]"]
    assert not any("@" in p or "5582" in p for p in paths)


def test_long_strings_are_truncated_and_reported() -> None:
    limits: list[tuple[str, str]] = []
    out = list(
        iter_payload_strings(
            {"body": "x" * 50, "short": "ok"}, max_chars=10, on_limit=lambda p, r: limits.append((p, r))
        )
    )
    assert out == [("body", "x" * 10), ("short", "ok")]
    assert limits == [("body", "truncated")]


def test_depth_is_bounded_without_recursion() -> None:
    deep: dict[str, object] = {"leaf": "bottom"}
    for _ in range(5000):  # far beyond Python's recursion limit if walked recursively
        deep = {"d": deep}
    limits: list[tuple[str, str]] = []
    assert list(iter_payload_strings(deep, on_limit=lambda p, r: limits.append((p, r)))) == []
    assert len(limits) == 1 and limits[0][1] == "too_deep"
    shallow = {"a": {"b": {"c": "found"}}}
    assert list(iter_payload_strings(shallow, max_depth=3)) == [("a.b.c", "found")]
    assert list(iter_payload_strings(shallow, max_depth=2)) == []


def test_bad_limits_are_rejected() -> None:
    with pytest.raises(ValueError):
        list(iter_payload_strings({}, max_chars=0))
