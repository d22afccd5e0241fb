"""`vecaudit erasure-check`: one data subject found in payloads (exact and fuzzy) and in a vector
only, on a local-mode store embedded with the real all-MiniLM-L6-v2; then the same command on a
copy with those points deleted gives a dated verification statement. The subject's values must
never leave memory."""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path
from typing import Any

import pytest
from clitools import enter_sandbox, run_cli
from storebuild import build_local, tree_fingerprint

ENCODER = "all-MiniLM-L6-v2"
SUBJECT = (
    "# erasure request 2026-11\n"
    "name: Ludek Fiser\n"
    "email: ludek.fiser@example.org\n"
    "phone: +420 601 123 456\n"
    "id: CUST-20931\n"
)
VALUES = ["Ludek Fiser", "ludek.fiser@example.org", "601 123 456", "601123456", "CUST-20931"]
PARTS = ["ludek", "fiser", "fišer", "luděk", "20931"]
# id -> (embedded text, payload). 201: the name in the payload (exact); 202: "Surname, Given" with
# diacritics (fuzzy); 203: the name only in the vector; the rest hold nobody.
POINTS: dict[int, tuple[str, dict[str, Any]]] = {
    201: (
        "Refund approved for Ludek Fiser on order 5531.",
        {"text": "Refund approved for Ludek Fiser on order 5531."},
    ),
    202: ("Call back Fišer, Luděk about the parcel.", {"notes": "Call back Fišer, Luděk about the parcel."}),
    203: ("Parking permit issued to Ludek Fiser for the north garage.", {"kind": "permit", "n": 203}),
}
NEUTRAL = [
    "The pool is closed for cleaning until Wednesday.",
    "Ticket 4411: the printer on floor 3 jams when duplex is on.",
    "Quarterly budget review moved to Thursday afternoon.",
    "Please reset the VPN token for the finance team.",
    "Invoice 2291 was paid twice; refund the second payment.",
    "The cafeteria menu changes on Monday.",
    "Server maintenance window is Saturday night.",
    "New badge readers were installed at the east entrance.",
    "The parking garage will be repainted next month.",
]
for n, text in enumerate(NEUTRAL):
    POINTS[301 + n] = (text, {"text": text})
IDS = list(POINTS)


@pytest.fixture(scope="module")
def vectors() -> Any:
    from vecaudit.encoders.registry import get_encoder

    return get_encoder(ENCODER).embed([POINTS[i][0] for i in IDS])


def _leaks(texts: dict[str, str]) -> list[str]:
    return [
        f"{v!r} in {where}" for where, t in texts.items() for v in VALUES + PARTS if v.lower() in t.lower()
    ]


def _files(*roots: Path) -> dict[str, str]:
    return {
        str(p): p.read_bytes().decode("utf-8", errors="replace")
        for root in roots
        if root.exists()
        for p in root.rglob("*")
        if p.is_file()
    }


def test_plan_then_verification_statement(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], vectors: Any
) -> None:
    from qdrant_client import QdrantClient

    sandbox = enter_sandbox(tmp_path, monkeypatch)
    store = build_local(sandbox / "store", "members", vectors, [POINTS[i][1] for i in IDS], ids=IDS)
    (sandbox / "subject.txt").write_text(SUBJECT, encoding="utf-8")
    out = sandbox / "out"
    out.mkdir()
    args = ["erasure-check", store, "--subject", "subject.txt", "--encoder", ENCODER]

    before = tree_fingerprint(store)
    first = run_cli(capsys, *args, "-o", out / "plan.json", "-o", out / "plan.md")
    assert first.code == 1, first.err
    assert tree_fingerprint(store) == before  # read-only
    plan = json.loads((out / "plan.json").read_text())
    assert stat.S_IMODE((out / "plan.json").stat().st_mode) == 0o600
    assert plan["result"] == "found" and plan["complete"] is True
    types = {e["point_id"]: {ev["type"] for ev in e["evidence"]} for e in plan["plan"]}
    assert sorted(types) == [201, 202, 203], types
    assert "payload-exact" in types[201]
    assert "payload-fuzzy" in types[202] and "payload-exact" not in types[202]
    assert types[203] == {"vector-support"}
    support = next(e for e in plan["plan"] if e["point_id"] == 203)["evidence"][0]
    assert support["identifier"] == "name #1" and support["z"] >= plan["method"]["thresholds"]["min_z"]
    assert plan["counts"]["vectors_checked"] == len(IDS) and plan["method"]["attack"]["encoders"] == [ENCODER]
    assert "Deletion plan" in (out / "plan.md").read_text()

    # The owner deletes the planned points (in a copy, through qdrant-client) and checks again.
    erased = sandbox / "erased"
    shutil.copytree(store, erased)
    client = QdrantClient(path=str(erased))
    try:
        client.delete("members", points_selector=[e["point_id"] for e in plan["plan"]])
    finally:
        client.close()
    second = run_cli(
        capsys, "erasure-check", erased, "--subject", "subject.txt", "--encoder", ENCODER,
        "-o", out / "statement.json", "-o", out / "statement.md",
    )  # fmt: skip
    assert second.code == 0, second.err
    statement = json.loads((out / "statement.json").read_text())
    assert statement["result"] == "not_found" and statement["plan"] == [] and statement["not_checked"] == []
    assert (
        statement["checked_at"].endswith("+00:00") and statement["counts"]["vectors_checked"] == len(IDS) - 3
    )
    assert statement["subject"]["fingerprint"] == plan["subject"]["fingerprint"]  # the same request
    md = (out / "statement.md").read_text()
    assert "Erasure verification statement" in md and "No point holds the subject" in md and ENCODER in md

    texts = {
        "first.out": first.out,
        "first.err": first.err,
        "second.out": second.out,
        "second.err": second.err,
    }
    texts.update(_files(out, sandbox / "xdg"))
    assert not _leaks(texts)
    assert "subject.txt" not in json.dumps([plan, statement])  # the path is kept as a keyed hash only


def test_unchecked_vectors_exit_2_unless_allow_partial(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], vectors: Any
) -> None:
    sandbox = enter_sandbox(tmp_path, monkeypatch)
    # Payloads without the embedded texts, and a dozen vectors (too few for a fingerprint): the
    # encoder stays unknown and the vectors are not checked. Point 201 names the subject.
    payloads = [{"who": "Ludek Fiser"} if i == 201 else {"n": i} for i in IDS]
    store = build_local(sandbox / "store", "members", vectors, payloads, ids=IDS)
    (sandbox / "subject.txt").write_text(SUBJECT, encoding="utf-8")
    strict = run_cli(capsys, "erasure-check", store, "--subject", "subject.txt", "--json")
    assert strict.code == 2
    doc = json.loads(strict.out)
    assert doc["not_checked"][0]["count"] == len(IDS) and "encoder" in doc["not_checked"][0]["reason"]
    partial = run_cli(capsys, "erasure-check", store, "--subject", "subject.txt", "--allow-partial")
    assert partial.code == 1 and "not checked" in partial.out and "members  201  payload-exact" in partial.out
    assert not _leaks({"strict": strict.out + strict.err, "partial": partial.out + partial.err})


def test_encoder_is_identified_from_payload_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], vectors: Any
) -> None:
    sandbox = enter_sandbox(tmp_path, monkeypatch)
    # The neutral points' payloads hold the text their vectors embed: no --encoder needed.
    store = build_local(sandbox / "store", "members", vectors, [POINTS[i][1] for i in IDS], ids=IDS)
    (sandbox / "subject.txt").write_text(SUBJECT, encoding="utf-8")
    result = run_cli(capsys, "erasure-check", store, "--subject", "subject.txt", "--json")
    assert result.code == 1, result.err
    doc = json.loads(result.out)
    assert doc["complete"] and doc["vectors"][0]["encoder"] == ENCODER
    assert sorted(e["point_id"] for e in doc["plan"]) == [201, 202, 203]
    assert not _leaks({"out": result.out, "err": result.err})


def test_sparse_vectors_are_counted_as_not_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], vectors: Any
) -> None:
    sandbox = enter_sandbox(tmp_path, monkeypatch)
    sparse = {"bm25": [([1, 5 + n], [0.5, 0.25]) for n in range(len(IDS))]}
    store = build_local(
        sandbox / "store", "members", {"text": vectors}, [POINTS[i][1] for i in IDS], ids=IDS, sparse=sparse
    )
    (sandbox / "subject.txt").write_text(SUBJECT, encoding="utf-8")
    args = ["erasure-check", store, "--subject", "subject.txt", "--encoder", ENCODER, "--json"]
    strict = run_cli(capsys, *args)
    assert strict.code == 2, strict.err
    doc = json.loads(strict.out)
    assert [(g["vector"], g["count"], g["reason"]) for g in doc["not_checked"]] == [
        ("bm25", len(IDS), "sparse vectors are not checked")
    ]
    assert doc["counts"]["vectors_checked"] == len(IDS) and doc["result"] == "found"
    assert run_cli(capsys, *args, "--allow-partial").code == 1


@pytest.mark.parametrize(
    ("text", "line", "what"),
    [
        ("name: Ludek Fiser\nemail: ludek.fiser(at)example.org\n", 2, "not a valid email"),
        ("# x\n\nludek.fiser@example.org\n", 3, "expected 'KIND: VALUE'"),
        ("phone: 601 12\n", 1, "not a valid phone"),
        ("name: Ludek\x07Fiser\n", 1, "control"),
    ],
)
def test_malformed_subject_file_names_the_line_not_the_value(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    text: str,
    line: int,
    what: str,
) -> None:
    sandbox = enter_sandbox(tmp_path, monkeypatch)
    (sandbox / "subject.txt").write_text(text, encoding="utf-8")
    result = run_cli(capsys, "erasure-check", sandbox / "nostore", "--subject", "subject.txt")
    assert result.code == 2
    assert f"subject.txt:{line}:" in result.err and what in result.err
    assert not _leaks({"out": result.out, "err": result.err}) and "12" not in result.err.split(":", 3)[-1]


def test_payload_matching_rules() -> None:
    from vecaudit.erasure.match import EXACT, FUZZY, PayloadMatcher
    from vecaudit.erasure.subject import parse_subject

    matcher = PayloadMatcher(parse_subject(SUBJECT))

    def found(text: str) -> dict[str, str]:
        return {i.ref: e for i, e in matcher.match_text(text)}

    assert found("Refund for ludek  FISER") == {"name #1": EXACT}
    assert found("Luděk Fišer") == {"name #1": EXACT}  # diacritics folded
    for fuzzy in ("Fiser, Ludek", "L. Fiser", "Ludek J. Fiser", "Ludek Fisar"):
        assert found(fuzzy) == {"name #1": FUZZY}, fuzzy
    for other in ("Lukas Fischer", "Fiser", "Ludmila Novak"):
        assert found(other) == {}, other
    assert found("mail LUDEK.FISER@EXAMPLE.ORG")["email #1"] == EXACT
    assert found("tel 00420 601-123-456") == {"phone #1": EXACT}
    assert found("ref cust-20931.") == {"id #1": EXACT} and found("cust-209310") == {}
    hits, _ = matcher.match_payload({"ludek_fiser": {"n": 1}, "log": [{"t": "L. Fiser"}]})
    assert sorted((h.field, h.evidence) for h in hits) == [("[key #0]", EXACT), ("log[0].t", FUZZY)]


class _OnePointStore:
    """A store of one collection, one point with the name in its payload and no vectors."""

    display_target = "memory"

    def list_collection_names(self) -> list[str]:
        return ["c"]

    def collection_info(self, name: str) -> Any:
        from vecaudit.models import CollectionInfo

        return CollectionInfo(name=name, points_total=1)

    def iter_points(self, collection: str, **_: Any) -> Any:
        from vecaudit.models import Point

        yield [Point(id=7, payload={"who": "Luděk Fišer"})], None


def test_reveal_and_identifiers_not_judged_in_vectors(tmp_path: Path) -> None:
    from vecaudit.erasure.check import check_store
    from vecaudit.erasure.render import markdown, to_dict
    from vecaudit.erasure.subject import parse_subject

    subject = parse_subject(SUBJECT + "name: Anne Marie de la Cruz Lopez Garcia\n")
    result = check_store(_OnePointStore(), subject)  # type: ignore[arg-type]
    # Seven words: targeted mode shapes no controls for it, so it is matched in payloads only: a gap.
    assert result.vector_identifiers == ["name #1", "email #1", "phone #1"]
    assert [(g.unit, g.reason.split()[:2]) for g in result.gaps] == [("identifier", ["name", "#2"])]
    assert [(e.point_id, e.evidence[0].type) for e in result.plan] == [(7, "payload-exact")]
    key = bytes(32)
    hidden = to_dict(result, subject, key=key, subject_path=tmp_path / "ludek-fiser.txt")
    assert not _leaks({"json": json.dumps(hidden), "md": markdown(hidden)})
    shown = to_dict(result, subject, key=key, subject_path=tmp_path / "s.txt", reveal=True)
    assert shown["subject"]["identifiers"][1]["value"] == "ludek.fiser@example.org"
    assert "email #1 (ludek.fiser@example.org)" in markdown(shown)


def test_edge_shard_is_checked_the_same_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], vectors: Any
) -> None:
    from storebuild import build_edge

    sandbox = enter_sandbox(tmp_path, monkeypatch)
    shard = build_edge(sandbox / "shard", vectors, [POINTS[i][1] for i in IDS], ids=IDS)
    before = tree_fingerprint(shard)
    (sandbox / "subject.txt").write_text(SUBJECT, encoding="utf-8")
    result = run_cli(
        capsys, "erasure-check", f"edge:{shard}", "--subject", "subject.txt", "--encoder", ENCODER, "--json"
    )
    assert result.code == 1, result.err
    doc = json.loads(result.out)
    assert sorted(e["point_id"] for e in doc["plan"]) == [201, 202, 203]
    assert tree_fingerprint(shard) == before  # read-only
