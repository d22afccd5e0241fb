"""Reports speak the auditors' vocabulary: OWASP LLM08:2025, GDPR, HIPAA and PCI DSS clauses per rule.

The catalogue (vecaudit.policy.standards) and the presets are data; these tests check that the data
holds together, that a policy can add references of its own, and that SARIF (tags, references,
taxonomies), the JSON report and the full HTML/Markdown report all carry them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from clitools import enter_sandbox, pii_store, pii_values, run_cli
from reportdata import build_report, build_scenario
from vecaudit.errors import PolicyError
from vecaudit.models import (
    RuleInfo,
    ScanReport,
    TargetedCandidate,
    TargetedGap,
    TargetedReport,
    TargetedSupport,
)
from vecaudit.policy import standards
from vecaudit.policy.loader import PRESETS, load_policy, parse_policy
from vecaudit.report import render
from vecaudit.report.sarif import taxonomy_guid

LLM08 = "OWASP-LLM08:2025"
SCHEMA_PATH = Path(__file__).resolve().parents[2] / "shared" / "schemas" / "sarif-schema-2.1.0.json"

USER_POLICY = """\
name: acme
references:
  - {standard: "ACME Data Handling Standard", id: "DH-4.2", title: "No customer data in search indexes",
     url: "https://intranet.example.com/dh#4.2", tag: ACME-DH-4.2}
rules:
  - {entity: US_SSN, severity: critical, references: [GDPR-Art-32]}
  - entity: PERSON
    severity: high
    references: [{standard: "ISO/IEC 27001:2022", id: "A.8.11", title: "Data masking"}]
  - {entity: EMAIL_ADDRESS, severity: high}
  - {entity: PHONE_NUMBER, severity: medium}
"""


@pytest.fixture(scope="module")
def validator() -> Any:
    jsonschema = pytest.importorskip("jsonschema")
    if not SCHEMA_PATH.is_file():
        pytest.skip(f"OASIS SARIF schema not found at {SCHEMA_PATH}")
    schema = json.loads(SCHEMA_PATH.read_text())
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _with_policy_rules(report: ScanReport, policy_text_or_preset: str) -> ScanReport:
    """The scenario report as if scanned under that policy: its rules' references, by entity."""
    if "\n" in policy_text_or_preset:
        policy = parse_policy(policy_text_or_preset)
    else:
        policy = load_policy(policy_text_or_preset)
    by_entity: dict[str, RuleInfo] = {}
    for info in policy.rule_infos():
        by_entity.setdefault(info.entity_type, info)
    rules = [
        r.model_copy(update={"references": by_entity[r.entity_type].references})
        if r.entity_type in by_entity
        else r
        for r in report.rules
    ]
    return report.model_copy(update={"rules": rules})


def _sarif(report: ScanReport) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(render(report, "sarif"))
    return data


def _assert_relationships_resolve(run: dict[str, Any]) -> None:
    """Every relationship names a taxonomy by name and guid, and its taxon by id and index."""
    taxonomies = {t["guid"]: t for t in run.get("taxonomies", [])}
    descriptors = run["tool"]["driver"]["rules"] + run["tool"]["driver"].get("notifications", [])
    for d in descriptors:
        tags = d["properties"]["tags"]
        refs = d["properties"]["references"]
        cited = [t for t in tags if t in {r["tag"] for r in refs}]
        assert cited == [r["tag"] for r in refs][: len(cited)]
        assert len(d["relationships"]) == len(refs)
        for rel, ref in zip(d["relationships"], refs, strict=True):
            target = rel["target"]
            assert rel["kinds"] == ["relevant"]
            taxonomy = taxonomies[target["toolComponent"]["guid"]]
            assert taxonomy["name"] == target["toolComponent"]["name"] == ref["standard"]
            assert taxonomy["taxa"][target["index"]]["id"] == target["id"] == ref["id"]


# ---------------------------------------------------------------- the data


def test_catalogue_tags_follow_one_scheme() -> None:
    prefixes = {
        standards.OWASP_LLM: "OWASP-",
        standards.GDPR: "GDPR-Art-",
        standards.HIPAA: "HIPAA-",
        standards.PCI_DSS: "PCI-DSS-",
    }
    for tag, ref in standards.CATALOGUE.items():
        clause = ref.id.removeprefix("Art. ").removeprefix("45 CFR ")
        assert tag == prefixes[ref.standard] + clause, tag
        assert ref.title and ref.url.startswith("https://"), tag
        assert not re.search(r"\s", tag), tag
    assert standards.lookup("gdpr-art-32") is standards.CATALOGUE["GDPR-Art-32"]
    assert all(refs[0].tag == LLM08 for refs in standards.BUILTIN.values())


@pytest.mark.parametrize("preset", PRESETS)
def test_every_preset_rule_cites_llm08_first(preset: str) -> None:
    for info in load_policy(preset).rule_infos():
        tags = [r.tag for r in info.references]
        assert tags[0] == LLM08 and len(tags) == len(set(tags)), (info.id, tags)


def test_presets_cite_the_clauses_their_rules_concern() -> None:
    def tags(preset: str, rule_id: str) -> list[str]:
        info = next(i for i in load_policy(preset).rule_infos() if i.id == rule_id)
        return [r.tag for r in info.references]

    gdpr_all = ["GDPR-Art-5(1)(c)", "GDPR-Art-5(1)(f)", "GDPR-Art-17", "GDPR-Art-25", "GDPR-Art-32"]
    assert tags("gdpr", "VA-PII-PERSON") == [LLM08, *gdpr_all]
    assert tags("gdpr", "VA-PII-MEDICAL_RECORD_NUMBER") == [LLM08, "GDPR-Art-9", *gdpr_all]
    assert "GDPR-Art-9" in tags("gdpr", "VA-PII-NRP-IDENTIFIED")
    assert "GDPR-Art-9" not in tags("gdpr", "VA-PII-NRP")  # a group alone concerns nobody
    assert "GDPR-Art-87" in tags("gdpr", "VA-PII-PL_PESEL") and "GDPR-Art-87" not in tags(
        "gdpr", "VA-PII-US_SSN"
    )
    hipaa = tags("hipaa", "VA-PII-MEDICAL_RECORD_NUMBER")
    assert hipaa == [LLM08, "HIPAA-164.514(b)(2)(i)(H)", "HIPAA-164.312(a)(1)", "HIPAA-164.312(a)(2)(iv)"]
    assert tags("pci-dss", "VA-PII-CREDIT_CARD") == [LLM08, "PCI-DSS-3.5.1", "PCI-DSS-3.2.1"]
    assert tags("pci-dss", "VA-PII-CARD_SECURITY_CODE") == [LLM08, "PCI-DSS-3.3.1"]
    assert tags("pci-dss", "VA-PII-IBAN_CODE") == [LLM08]  # not payment card data
    assert tags("default", "VA-PII-CREDIT_CARD") == [LLM08]  # no regulation chosen


def test_a_user_policy_adds_its_own_references() -> None:
    infos = {i.id: i for i in parse_policy(USER_POLICY).rule_infos()}
    assert [r.tag for r in infos["VA-PII-US_SSN"].references] == [LLM08, "GDPR-Art-32", "ACME-DH-4.2"]
    iso = infos["VA-PII-PERSON"].references[1]
    assert (iso.standard, iso.id, iso.title, iso.url) == ("ISO/IEC 27001:2022", "A.8.11", "Data masking", "")
    assert iso.tag == "ISO/IEC-27001:2022-A.8.11"  # derived: standard-clause, spaces as hyphens


@pytest.mark.parametrize(
    ("references", "message"),
    [
        ("[GDPR-Art-99]", "'GDPR-Art-99' is not a reference vecaudit knows"),
        ('[{standard: X, id: "1", url: "javascript:alert(1)"}]', "must be an http:// or https:// address"),
        ("[{standard: X}]", "references[0].reference.id: required field is missing"),
        ('[{standard: "X\\u202e", id: "1"}]', "contains control or bidi characters"),
    ],
)
def test_bad_references_fail_at_load_with_their_line(references: str, message: str) -> None:
    text = f"name: t\nrules:\n  - {{entity: PERSON, severity: high, references: {references}}}\n"
    with pytest.raises(PolicyError) as err:
        parse_policy(text, source="p.yaml")
    assert message in str(err.value) and "p.yaml:3:" in str(err.value)


# ---------------------------------------------------------------- SARIF


def test_sarif_rules_carry_tags_references_and_taxonomies(validator: Any) -> None:
    report = _with_policy_rules(build_report(complete=False), "gdpr")
    data = _sarif(report)
    assert not list(validator.iter_errors(data))
    (run,) = data["runs"]
    person = next(r for r in run["tool"]["driver"]["rules"] if r["id"] == "VA-PII-PERSON")
    assert person["properties"]["tags"][:4] == ["security", "privacy", "pii", LLM08]
    assert "GDPR-Art-32" in person["properties"]["tags"]
    art32 = next(r for r in person["properties"]["references"] if r["tag"] == "GDPR-Art-32")
    assert art32 == {
        "standard": "GDPR",
        "id": "Art. 32",
        "title": "Security of processing",
        "url": "https://eur-lex.europa.eu/eli/reg/2016/679/oj",
        "tag": "GDPR-Art-32",
    }
    assert "**Standards**" in person["help"]["markdown"] and "GDPR Art. 32" in person["help"]["text"]
    names = [t["name"] for t in run["taxonomies"]]
    assert names == [standards.OWASP_LLM, "GDPR"]
    assert run["taxonomies"][0]["guid"] == taxonomy_guid(standards.OWASP_LLM)
    # Data left unanalyzed: notifications point at descriptors related to LLM08.
    notes = run["invocations"][0]["toolExecutionNotifications"]
    descriptors = run["tool"]["driver"]["notifications"]
    gaps = [n for n in notes if n.get("descriptor")]
    assert gaps and all(descriptors[n["descriptor"]["index"]]["id"] == n["descriptor"]["id"] for n in gaps)
    assert all(LLM08 in d["properties"]["tags"] for d in descriptors)
    _assert_relationships_resolve(run)


def test_sarif_targeted_rule_and_user_references(validator: Any) -> None:
    support = TargetedSupport(collection="hr_notes", vector="", point_id=3, z=9.0, margin=0.1, framed=True)
    targeted = TargetedReport(
        vectors_checked=10,
        min_z=5.0,
        false_support_target=0.01,
        expected_false_supports=0.001,
        candidates=[
            TargetedCandidate(
                line=2, entity_type="PERSON", fingerprint="vfp1:" + "0" * 32, supported_by=[support]
            )
        ],
        not_checked=[TargetedGap(collection="hr_notes", vector="", vectors=2, reason="no known encoder")],
    )
    report = _with_policy_rules(build_report(), USER_POLICY).model_copy(update={"targeted": targeted})
    data = _sarif(report)
    assert not list(validator.iter_errors(data))
    (run,) = data["runs"]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert LLM08 in rules["vecaudit/targeted-support"]["properties"]["tags"]
    assert "ACME-DH-4.2" in rules["VA-PII-US_SSN"]["properties"]["tags"]
    assert "ISO/IEC-27001:2022-A.8.11" in rules["VA-PII-PERSON"]["properties"]["tags"]
    acme = next(t for t in run["taxonomies"] if t["name"] == "ACME Data Handling Standard")
    assert acme["taxa"] == [
        {
            "id": "DH-4.2",
            "shortDescription": {"text": "No customer data in search indexes"},
            "properties": {"tags": ["ACME-DH-4.2"]},
            "helpUri": "https://intranet.example.com/dh#4.2",
        }
    ]
    _assert_relationships_resolve(run)


def test_reports_without_references_still_cite_llm08(validator: Any) -> None:
    """Schema 1.3 reports (no rules[].references) and synthetic rules get vecaudit's own mapping."""
    report = build_report()
    assert all(not r.references for r in report.rules)
    data = _sarif(report)
    assert not list(validator.iter_errors(data))
    assert all(LLM08 in r["properties"]["tags"] for r in data["runs"][0]["tool"]["driver"]["rules"])
    assert "OWASP-LLM08:2025" in render(report, "markdown").decode()


# ---------------------------------------------------------------- the full report and JSON


@pytest.mark.parametrize("fmt", ["html", "markdown"])
def test_full_report_shows_articles_on_rules_and_llm08_on_inversion_findings(fmt: str) -> None:
    scenario = build_scenario()
    report = _with_policy_rules(scenario.report, "gdpr")
    text = render(report, fmt).decode()
    if fmt == "html":
        text = text[text.index("</header>") :]  # past the table of contents
    rules = text[text.index("Findings by policy rule") :]
    rules = rules[: rules.index("Trend against earlier scans")]
    # Each rule with inversion findings names LLM08 and the GDPR articles beside its evidence.
    inverted = {f.rule_id for f in report.findings if f.source == "inversion"}
    assert inverted
    for rule_id in inverted:
        shown = rule_id.replace("_", "\\_") if fmt == "markdown" else rule_id
        line = re.search(re.escape(shown) + r" \([a-z]+\): [^<\n]*", rules)
        assert line and f"Standards: {LLM08}, " in line.group(0) and "GDPR-Art-32" in line.group(0)
    assert "Standards" in rules
    method = text[text.index("Methodology") : text.index("Findings by policy rule")]
    assert "Security of processing" in method and "Vector and Embedding Weaknesses" in method
    assert "https://genai.owasp.org/llmrisk/llm082025-vector-and-embedding-weaknesses/" in method
    for value in scenario.raw_values:
        assert value not in text


def test_user_reference_shows_in_html() -> None:
    report = _with_policy_rules(build_scenario().report, USER_POLICY)
    html = render(report, "html").decode()
    assert "ACME-DH-4.2" in html and "No customer data in search indexes" in html
    assert "ISO/IEC-27001:2022-A.8.11" in html and "Data masking" in html


def test_json_report_carries_rule_references() -> None:
    report = _with_policy_rules(build_report(), "hipaa")
    data = json.loads(render(report, "json"))
    assert data["schema_version"] == "1.5"
    ssn = next(r for r in data["rules"] if r["id"] == "VA-PII-US_SSN")
    assert [r["tag"] for r in ssn["references"]][:2] == [LLM08, "HIPAA-164.514(b)(2)(i)(G)"]
    assert set(ssn["references"][0]) == {"standard", "id", "title", "url", "tag"}
    assert ScanReport.model_validate(data).rules[0].references  # reads back


def test_gdpr_preset_scan_cites_articles_in_every_format(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sandbox = enter_sandbox(tmp_path, monkeypatch)
    records = pii_store(sandbox / "store", 12)
    out = sandbox / "audit"
    args = ("--policy", "gdpr", "--no-invert", "-f", "json", "-f", "sarif", "-f", "html", "-o", out)
    r = run_cli(capsys, "scan", sandbox / "store", *args)
    assert r.code == 1, r.err
    report = json.loads((sandbox / "audit.json").read_text())
    person = next(x for x in report["rules"] if x["id"] == "VA-PII-PERSON")
    assert {"GDPR-Art-32", "GDPR-Art-5(1)(f)", LLM08} <= {x["tag"] for x in person["references"]}
    sarif = json.loads((sandbox / "audit.sarif").read_text())
    found = {f["rule_id"] for f in report["findings"]}
    for rule in sarif["runs"][0]["tool"]["driver"]["rules"]:
        if rule["id"] in found:
            assert LLM08 in rule["properties"]["tags"] and "GDPR-Art-32" in rule["properties"]["tags"]
    html = (sandbox / "audit.html").read_text()
    assert "GDPR-Art-32" in html and LLM08 in html
    for value in pii_values(records):
        assert value not in html and value not in (sandbox / "audit.sarif").read_text()


def test_sarif_tags_stay_within_githubs_limit(validator: Any) -> None:
    """GitHub rejects a rule with more than 20 tags; the references and relationships keep all."""
    many = ", ".join(f'{{standard: "Internal", id: "C-{i}"}}' for i in range(25))
    policy = f"name: t\nrules:\n  - {{entity: PERSON, severity: high, references: [{many}]}}\n"
    data = _sarif(_with_policy_rules(build_report(), policy))
    assert not list(validator.iter_errors(data))
    person = next(r for r in data["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "VA-PII-PERSON")
    assert len(person["properties"]["tags"]) == 20 and person["properties"]["tags"][3] == LLM08
    assert len(person["properties"]["references"]) == len(person["relationships"]) == 26
    _assert_relationships_resolve(data["runs"][0])
