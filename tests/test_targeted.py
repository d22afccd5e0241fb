"""Targeted mode: supplied values checked against stored vectors with the real MiniLM encoder."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest
from vecaudit.errors import CandidatesError, VecauditError
from vecaudit.fingerprint import fingerprint
from vecaudit.inversion.attack.targeted import (
    EMAIL,
    PERSON,
    PHONE,
    Candidate,
    NameLists,
    TargetedSearch,
    TargetedSettings,
    control_key,
    controls,
    parse_candidates,
    read_candidates,
    value_free,
    value_kind,
)

KEY = b"targeted-test-key-0123456789abcdef"

# Stored texts, and what an inversion might have recovered from their vectors: the right frame
# with a wrong name, an untouched PII-free text, nothing at all, a wrong address.
TEXTS = [
    "Parking permit issued to Ludek Fiser for the north garage.",
    "The pool is closed for cleaning until Wednesday.",
    "Membership frozen for Amy Dunlap until March.",
    "Send the receipt to kofi.mensah@acme-health.com.",
]
RECOVERED = [
    "Parking permit issued to Marta Kowalski for the north garage.",
    "The pool is closed for cleaning until Wednesday.",
    "",
    "Send the receipt to a.b@mail.com.",
]
VALUES = ["Ludek Fiser", "Jonas Weber", "kofi.mensah@acme-health.com", "Amy Dunlap"]
CANDIDATES_FILE = (
    "# erasure requests, 2026-11\nLudek Fiser\n\n  Jonas Weber  \nkofi.mensah@acme-health.com\nAmy Dunlap\n"
)


@pytest.fixture(scope="module")
def encoder():
    from vecaudit.encoders.registry import get_encoder

    return get_encoder("all-MiniLM-L6-v2")


@pytest.fixture(scope="module")
def names() -> NameLists:
    return NameLists.default()


@pytest.fixture(scope="module")
def result(encoder, names):
    vectors = np.asarray(encoder.embed(TEXTS), dtype=np.float32)
    cands = parse_candidates(CANDIDATES_FILE)
    search = TargetedSearch(encoder, names)
    return search.run(vectors, RECOVERED, cands, point_ids=[101, "p-102", 103, 104], key=KEY)


# -- supporting vectors ------------------------------------------------------------------------


def test_vector_holding_a_name_supports_it_and_no_other_does(result) -> None:
    by_fp = {c.fingerprint: c for c in result.candidates}
    ludek = by_fp[fingerprint(PERSON, "Ludek Fiser", KEY)]
    assert [s.index for s in ludek.supports] == [0]
    assert ludek.supports[0].point_id == 101
    assert ludek.screened >= 1
    assert ludek.supports[0].margin > 0 and ludek.supports[0].z >= result.settings["min_z"]
    assert ludek.supports[0].framed  # judged in its recovered frame
    amy = by_fp[fingerprint(PERSON, "Amy Dunlap", KEY)]
    assert [s.index for s in amy.supports] == [2]
    assert not amy.supports[0].framed  # nothing recovered: judged by the lone embedding


def test_value_no_vector_holds_is_supported_by_none(result) -> None:
    jonas = next(c for c in result.candidates if c.fingerprint == fingerprint(PERSON, "Jonas Weber", KEY))
    assert jonas.supports == ()


def test_email_address_is_supported_by_its_vector_only(result) -> None:
    mail = next(c for c in result.candidates if c.kind == EMAIL)
    assert mail.fingerprint == fingerprint(EMAIL, "kofi.mensah@acme-health.com", KEY)
    assert [s.index for s in mail.supports] == [3]


def test_pii_free_vector_supports_nothing(result) -> None:
    assert all(s.index != 1 for c in result.candidates for s in c.supports)


def test_deployment_key_is_used_when_none_is_given(encoder, names, monkeypatch) -> None:
    monkeypatch.setenv("VECAUDIT_FINGERPRINT_KEY", KEY.hex())
    vectors = np.asarray(encoder.embed(TEXTS[:1]), dtype=np.float32)
    out = TargetedSearch(encoder, names).run(vectors, RECOVERED[:1], parse_candidates("Ludek Fiser\n"))
    assert out.candidates[0].fingerprint == fingerprint(PERSON, "Ludek Fiser", KEY)
    assert [s.index for s in out.candidates[0].supports] == [0]


def test_reports_follow_the_file_and_count_their_cost(result) -> None:
    assert [c.line for c in result.candidates] == [2, 4, 5, 6]
    assert [c.kind for c in result.candidates] == [PERSON, PERSON, EMAIL, PERSON]
    assert result.vectors == 4
    assert result.shared_calls > 0 and result.framed_calls > 0
    assert result.calls_per_pair == pytest.approx(result.encoder_calls / 16)


def test_nothing_serialized_holds_a_value(result) -> None:
    text = "\n".join(
        [
            json.dumps(result.as_dict()),
            repr(result),
            str(result),
            *(repr(c) for c in result.candidates),
            *(repr(s) for c in result.candidates for s in c.supports),
        ]
    )
    for value in VALUES:
        assert value not in text
        assert value.lower() not in text.lower()
        for part in value.replace("@", " ").replace(".", " ").split():
            if len(part) > 3:
                assert part.lower() not in text.lower(), part
    assert "vfp1:" in text


def test_bad_vectors_are_refused(encoder, names) -> None:
    search = TargetedSearch(encoder, names)
    cands = parse_candidates("Ludek Fiser\n")
    with pytest.raises(VecauditError):
        search.run(np.zeros((2, 7), np.float32), ["", ""], cands, key=KEY)
    with pytest.raises(VecauditError):
        search.run(np.ones((2, 384), np.float32), [""], cands, key=KEY)
    with pytest.raises(VecauditError):
        search.run(np.ones((2, 384), np.float32), ["", ""], cands, point_ids=[1], key=KEY)


def test_no_candidates_or_no_vectors_is_an_empty_result(encoder, names) -> None:
    search = TargetedSearch(encoder, names)
    empty = search.run(np.zeros((0, 384), np.float32), [], parse_candidates("Ludek Fiser\n"), key=KEY)
    assert [c.supports for c in empty.candidates] == [()]
    assert empty.encoder_calls == 0


# -- candidates file ---------------------------------------------------------------------------


def test_read_candidates_skips_comments_and_blanks_and_keeps_one_of_each(tmp_path) -> None:
    path = tmp_path / "erase.txt"
    path.write_bytes(
        ("\ufeff" + CANDIDATES_FILE + "LUDEK   FISER\n# a comment\n+44 20 7946 0958\n").encode("utf-8")
    )
    cands = read_candidates(path)
    assert [(c.kind, c.line) for c in cands] == [
        (PERSON, 2),
        (PERSON, 4),
        (EMAIL, 5),
        (PERSON, 6),
        (PHONE, 9),
    ]
    assert cands[1].value == "Jonas Weber"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"Ludek Fiser\nAmy \xff Dunlap\n", "erase.txt:2: not UTF-8"),
        (b"Ludek Fiser\nAmy\x00Dunlap\n", "erase.txt:2: control"),
        (b"Ludek Fiser\n!!! ???\n", "erase.txt:2: not a person name"),
        (b"# only a comment\n\n", "no candidate values"),
        (b"Ludek Fiser\n" + b"x" * 300 + b"\n", "erase.txt:2: value longer"),
        (b"Ludek Fiser\nde la\n", "erase.txt:2: not a person name"),  # particles alone
        (b"Ludek Fiser\nvan der\n", "erase.txt:2: not a person name"),
    ],
)
def test_bad_candidates_files_name_file_and_line_never_the_value(tmp_path, content, message) -> None:
    path = tmp_path / "erase.txt"
    path.write_bytes(content)
    with pytest.raises(CandidatesError) as err:
        read_candidates(path)
    assert message in str(err.value)
    assert "Dunlap" not in str(err.value) and "Fiser" not in str(err.value)
    assert err.value.exit_code == 2


def test_missing_candidates_file_is_a_cli_error(tmp_path) -> None:
    with pytest.raises(CandidatesError, match="cannot read candidates file"):
        read_candidates(tmp_path / "absent.txt")


def test_candidate_never_shows_or_copies_its_value() -> None:
    cand = Candidate("Ludek Fiser")
    assert "Ludek" not in repr(cand) and "Ludek" not in str(cand) and "Ludek" not in f"{cand}"
    with pytest.raises(TypeError):
        pickle.dumps(cand)
    assert cand.fingerprint(KEY) == fingerprint(PERSON, "ludek  fiser", KEY)


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("Ludek Fiser", PERSON),
        ("J. R. R. Tolkien", PERSON),
        ("Maria de la Cruz", PERSON),
        ("Renée O'Brien-Smith", PERSON),
        ("fiser.ludek@riverbank.net", EMAIL),
        ("+1 (496) 713-1787", PHONE),
        ("0151 2345678", PHONE),
        ("12", None),
        ("ACME Corp. #4", None),
    ],
)
def test_value_kind(value, kind) -> None:
    assert value_kind(value) == kind


# -- controls and frames -----------------------------------------------------------------------


def test_controls_keep_the_shape_and_the_domain(names) -> None:
    person = controls(control_key("J. Fiser", PERSON), names, 20, 0)
    assert len(person) == 20 and all(len(p.split()) == 2 and p.split()[0].endswith(".") for p in person)
    assert all(p.split()[1] in names.family for p in person)  # the word after an initial is a surname
    particles = controls(control_key("Anna van der Berg", PERSON), names, 20, 0)
    assert all(p.split()[0] in names.given and p.split()[1:3] == ["van", "der"] for p in particles)
    mail = controls(control_key("ludek.fiser42@riverbank.net", EMAIL), names, 20, 0)
    assert all(m.endswith("@riverbank.net") and m.count(".") == 2 for m in mail)
    assert all(m.split("@")[0][-2:].isdigit() for m in mail)
    phone = controls(control_key("+1 496 713 1787", PHONE), names, 20, 0)
    assert all(len(p) == len("+1 496 713 1787") and p[2] == " " for p in phone)
    assert controls(control_key("Ludek Fiser", PERSON), names, 20, 0) == controls(
        control_key("Amy Dunlap", PERSON), names, 20, 0
    )  # one shape, one set of controls: shared across candidates


def test_value_free_frame_drops_names_addresses_and_numbers(names) -> None:
    frame = value_free("Mrs. Sally J. Rees, send the quote to a.b@x.io by 06.06.2025 or call +1 555", names)
    assert frame.text == "Mrs. send the quote to by or call"


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError):
        TargetedSettings(controls=2)
    with pytest.raises(ValueError):
        TargetedSettings(shortlist=0)


@pytest.mark.parametrize("value", ["li wu", "ng", "Tran van Duc", "J. K. Rowling", "de la Cruz"])
def test_every_person_value_gets_enough_distinct_controls(names, value) -> None:
    # Short lowercase names are names, not particles: their controls vary, so a spread exists.
    assert value_kind(value) == PERSON
    found = controls(control_key(value, PERSON), names, 32, seed=0)
    assert len(set(found) - {value}) >= 4
