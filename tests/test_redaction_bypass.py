"""Redaction bypass: payloads redacted after embedding, vectors that still carry the names.

The stores hold real all-MiniLM-L6-v2 vectors of "Customer complaint from NAME about a late
delivery.", a template whose names the shipped inverter recovers at `--attack loop` (checked for
these names: each comes back verbatim, e.g. "Contact Maria Garcia (Munoz Ltd) - direct line").
The bypass stores keep that text in the payload with the name masked; the control store keeps
the text as embedded.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from clitools import enter_sandbox, run_cli
from storebuild import build_edge, build_local
from vecaudit.models import REDACTION_BYPASS_RULE_ID, Finding, Point, Severity
from vecaudit.nodes.redaction import bypass_findings
from vecaudit.payload_match import mismatch_threshold, payload_cosines, payload_texts

L6 = "all-MiniLM-L6-v2"
NAMES = ("John Smith", "Maria Garcia", "David Johnson", "Emily Brown", "Peter Clark", "Sarah Miller")
TEMPLATE = "Customer complaint from {} about a late delivery."
MASKS = ("[REDACTED]", "<PERSON>", "***", "")


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return enter_sandbox(tmp_path, monkeypatch)


def _vectors() -> np.ndarray:
    from vecaudit.encoders.registry import get_encoder

    return get_encoder(L6).embed([TEMPLATE.format(n) for n in NAMES])


def _redacted() -> list[dict[str, Any]]:
    """Each name masked a different way (one removed), as redacting middlewares store them."""
    out = []
    for i, _ in enumerate(NAMES):
        mask = MASKS[i % len(MASKS)]
        text = TEMPLATE.format(mask) if mask else TEMPLATE.replace("{} ", "")
        out.append({"text": text, "source": "support-inbox"})
    return out


def _scan(sandbox: Path, capsys: pytest.CaptureFixture[str], store: Path, stem: str) -> tuple[int, str, Path]:
    out = sandbox / "out" / stem
    args: list[str | Path] = ["scan", store, "--encoder", L6, "--state-dir", sandbox / "state"]
    for fmt in ("json", "sarif", "junit", "markdown"):
        args += ["--format", fmt]
    r = run_cli(capsys, *args, "--output", out)
    return r.code, r.out + r.err, out


@pytest.mark.parametrize("kind", ["local", "edge"])
def test_clean_payloads_over_leaking_vectors_fail_as_redaction_bypass(
    sandbox: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    vectors, payloads = _vectors(), _redacted()
    if kind == "local":
        store = build_local(sandbox / "store", "tickets", vectors, payloads)
    else:
        store = build_edge(sandbox / "shard", vectors, payloads)
    code, output, out = _scan(sandbox, capsys, store, "audit")
    assert code == 1, output

    report = json.loads(out.with_suffix(".json").read_text())
    assert report["schema_version"] >= "1.4"
    assert not [f for f in report["findings"] if f["source"] == "payload"]  # the payloads are clean
    match = report["collections"][0]["payload_match"][""]
    assert (match["encoder"], match["points_checked"], match["points_mismatched"]) == (L6, 6, 6)
    assert match["mismatch_rate"] == 1.0 and match["threshold"] == mismatch_threshold(L6)
    bypass = [f for f in report["findings"] if f["rule_id"] == REDACTION_BYPASS_RULE_ID]
    people = {f["point_id"] for f in bypass if f["entity_type"] == "PERSON"}
    # The loop recovers all six names, but the detector and the support test keep only some of them
    # as findings (John Smith and Maria Garcia at least, at CPU defaults).
    assert len(people) >= 2, bypass
    assert all(Severity(f["severity"]).at_least(Severity.high) and f["source"] == "inversion" for f in bypass)
    assert report["summary"]["redaction_bypass"] == len(bypass)
    assert report["summary"]["points_mismatched"] == 6
    assert any(r["id"] == REDACTION_BYPASS_RULE_ID for r in report["rules"])

    sarif = json.loads(out.with_suffix(".sarif").read_text())
    run = sarif["runs"][0]
    assert REDACTION_BYPASS_RULE_ID in {r["id"] for r in run["tool"]["driver"]["rules"]}
    results = [r for r in run["results"] if r["ruleId"] == REDACTION_BYPASS_RULE_ID]
    assert len(results) == len(bypass) and all("Redaction bypass" in r["message"]["text"] for r in results)
    assert run["properties"]["payloadMatch"][0]["pointsMismatched"] == 6

    junit = ET.parse(out.with_suffix(".junit.xml")).getroot()
    case = next(c for c in junit.iter("testcase") if c.get("name") == REDACTION_BYPASS_RULE_ID)
    failure = case.find("failure")
    assert failure is not None and "6 of 6 point(s)" in (failure.text or "")

    why = "Redaction bypass: 6 of 6 point(s) checked have a vector that was not made from their payload text"
    assert why in out.with_suffix(".md").read_text() and why in output

    # No name anywhere: findings carry fingerprints and masked evidence only.
    for blob in [output, *(p.read_text() for p in (sandbox / "out").iterdir())]:
        assert not [n for n in NAMES if n in blob or n.split()[1] in blob]


def test_payloads_that_hold_the_embedded_text_match(
    sandbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    payloads = [{"text": TEMPLATE.format(n), "lang": "en"} for n in NAMES]
    store = build_local(sandbox / "store", "tickets", _vectors(), payloads)
    _, output, out = _scan(sandbox, capsys, store, "control")
    report = json.loads(out.with_suffix(".json").read_text())
    match = report["collections"][0]["payload_match"][""]
    assert (match["points_checked"], match["points_mismatched"], match["mismatch_rate"]) == (6, 0, 0.0)
    assert not [f for f in report["findings"] if f["rule_id"] == REDACTION_BYPASS_RULE_ID]
    assert report["summary"]["redaction_bypass"] == 0 and "Redaction bypass" not in output


def test_payload_texts_reads_the_longest_string_and_title_plus_body() -> None:
    payload = {"title": "Refund request", "body": "The parcel arrived broken.", "lang": "en", "n": 3}
    assert payload_texts(payload) == [
        "The parcel arrived broken.",
        "Refund request\nThe parcel arrived broken.",
        "Refund request\nThe parcel arrived broken.\nen",
    ]
    assert payload_texts({"n": 3, "tags": []}) == [] and payload_texts({"text": "  "}) == []


def test_a_title_and_body_vector_matches_its_payload() -> None:
    from vecaudit.encoders.registry import get_encoder

    enc = get_encoder(L6)
    vectors = enc.embed(["Refund request\nThe parcel arrived broken.", "Customer complaint from John Smith."])
    payloads = [
        {"title": "Refund request", "body": "The parcel arrived broken.", "lang": "en"},
        {"text": "Customer complaint from [REDACTED]."},
        {},
    ]
    result = payload_cosines(enc, np.vstack([vectors, vectors[:1]]), payloads)
    assert result.rows == [0, 1] and result.encoder_calls == 4  # 3 texts, then 1
    assert result.cosines[0] > 0.999 and result.cosines[1] < mismatch_threshold(L6)


def _finding(point_id: int, value: str, text: str, severity: Severity = Severity.medium) -> Finding:
    start = text.index(value)
    return Finding(
        collection="c",
        point_id=point_id,
        source="inversion",
        entity_type="PERSON",
        score=0.85,
        severity=severity,
        fingerprint=f"vfp1:{value}",
        evidence="J*** S****",
        rule_id="VA-PII-PERSON",
        start=start,
        end=start + len(value),
    )


def test_only_values_the_payload_does_not_hold_are_bypasses() -> None:
    from vecaudit.policy.loader import load_policy

    ctx: Any = SimpleNamespace(policy=lambda: load_policy("default"))
    recovered = {
        1: "Complaint from John Smith",
        2: "Complaint from John Smith",
        3: "Complaint from John Smith",
    }
    points = [
        Point(1, payload={"text": "Complaint from [REDACTED]"}),
        Point(2, payload={"doc": "Long document ... complaint from JOHN  smith, and more."}),  # a chunk
        Point(3, payload={"text": "Complaint from [REDACTED]"}),
    ]
    found = [_finding(i, "John Smith", recovered[i]) for i in (1, 2, 3)]
    out = bypass_findings(ctx, found, [], points, {1, 2}, recovered)  # point 3 matches its payload
    assert [f.rule_id for f in out] == [REDACTION_BYPASS_RULE_ID, "VA-PII-PERSON", "VA-PII-PERSON"]
    assert out[0].severity == Severity.high  # at least high, and the default policy's PERSON is high
    held = [found[0].model_copy(update={"fingerprint": "vfp1:held"})]
    payload_finding = found[0].model_copy(update={"source": "payload", "fingerprint": "vfp1:held"})
    assert bypass_findings(ctx, held, [payload_finding], points, {1}, recovered)[0].rule_id == "VA-PII-PERSON"


def test_the_identified_encoder_checks_a_redacted_store(
    sandbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --encoder: redacted payloads no longer identify the encoder, its fingerprint does
    (20 points or more), and that encoder re-embeds the payloads."""
    from vecaudit.encoders.registry import get_encoder
    from vecaudit.synthetic.demo_records import FIRST_NAMES, LAST_NAMES

    names = [f"{first} {last}" for first, last in zip(FIRST_NAMES[:24], LAST_NAMES[:24], strict=True)]
    vectors = get_encoder(L6).embed([TEMPLATE.format(n) for n in names])
    payloads = [{"text": TEMPLATE.format("[REDACTED]")}] * 12 + [
        {"text": TEMPLATE.format(n)} for n in names[12:]
    ]
    store = build_local(sandbox / "store", "tickets", vectors, payloads)
    out = sandbox / "audit.json"
    r = run_cli(
        capsys, "scan", store, "--no-invert", "--state-dir", sandbox / "state", "-f", "json", "-o", out
    )
    assert r.code == 1, r.err  # the twelve unredacted payloads hold names
    collection = json.loads(out.read_text())["collections"][0]
    assert collection["encoder"]["name"] == L6
    match = collection["payload_match"][""]
    assert (match["points_checked"], match["points_mismatched"], match["mismatch_rate"]) == (24, 12, 0.5)
    assert sorted(match["point_ids"]) == list(range(12))


def test_tui_reevaluation_keeps_a_bypass_a_bypass() -> None:
    """Judged again under pci-dss (PERSON alone is low there), a bypass keeps its rule, at least high."""
    from vecaudit.policy.loader import load_policy
    from vecaudit.tui.findings_model import reevaluate

    text = "Complaint from John Smith"
    bypass = _finding(1, "John Smith", text).model_copy(update={"rule_id": REDACTION_BYPASS_RULE_ID})
    plain = _finding(2, "John Smith", text)
    result = reevaluate([bypass, plain], load_policy("pci-dss"), scanned_entities=["PERSON"])
    assert [(f.rule_id, f.severity) for f in result.findings] == [
        (REDACTION_BYPASS_RULE_ID, Severity.high),
        ("VA-PII-PERSON", Severity.low),
    ]
    assert result.rules[-1].id == REDACTION_BYPASS_RULE_ID
