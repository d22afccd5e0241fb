from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path

import pytest
from vecaudit.errors import PolicyError
from vecaudit.models import Severity
from vecaudit.policy.loader import PRESETS, load_policy, preset_path

REPO = Path(__file__).resolve().parent.parent

VALID = """\
name: team-policy
version: 2
description: test policy
scope:
  include: ["support-*", "hr"]
  exclude: ["*-archive"]
rules:
  - entity: PERSON
    severity: high
    threshold: 0.7
  - id: ACME-SSN
    entity: US_SSN
    severity: critical
    sources: [inversion]
    scope: {include: ["hr"]}
allowlist:
  - fingerprint: vfp1:0123456789abcdef0123456789abcdef
    justification: our test account
  - pattern: '.*@example\\.com'
    entity: EMAIL_ADDRESS
    justification: documentation addresses
    expires: 2030-01-31
"""


def _write(tmp_path: Path, text: str, name: str = "policy.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def test_valid_file(tmp_path: Path) -> None:
    policy = load_policy(_write(tmp_path, VALID))
    assert policy.name == "team-policy" and policy.version == "2"
    assert policy.entities() == ["PERSON", "US_SSN"]
    infos = policy.rule_infos()
    assert [i.id for i in infos] == ["VA-PII-PERSON", "ACME-SSN"]
    assert infos[1].severity is Severity.critical and infos[0].threshold == 0.7
    assert policy.allowlist[1].expires == date(2030, 1, 31)
    assert policy.scope.matches("support-emea") and not policy.scope.matches("support-archive")
    assert not policy.scope.matches("sales")
    assert policy.origin.endswith("policy.yaml")


@pytest.mark.parametrize("name", PRESETS)
def test_presets_load(name: str) -> None:
    policy = load_policy(name)
    assert policy.name == name
    assert policy.origin == f"preset:{name}"
    assert len({r.id for r in policy.rule_infos()}) == len(policy.rules)


def test_preset_contents_make_sense() -> None:
    default = {r.entity_type: r.severity for r in load_policy("default").rule_infos()}
    assert default["US_SSN"] is Severity.critical and default["PERSON"] is Severity.high
    assert default["DATE_TIME"] is Severity.info and default["LOCATION"] is Severity.low
    # Quasi-identifiers are graded by what is beside them: a street address is high next to a
    # person and medium alone; places and dates are reported only next to one.
    rules = {(r.entity, tuple(r.with_any or ())): r.severity for r in load_policy("default").rules}
    assert rules[("STREET_ADDRESS", ("PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER"))] is Severity.high
    assert rules[("STREET_ADDRESS", ())] is Severity.medium
    assert ("LOCATION", ()) not in rules and ("DATE_TIME", ()) not in rules
    pci = {r.entity_type: r.severity for r in load_policy("pci-dss").rule_infos()}
    assert pci["CREDIT_CARD"] is Severity.critical
    hipaa = load_policy("hipaa").entities()
    assert {"PERSON", "MEDICAL_RECORD_NUMBER", "US_SSN", "DATE_OF_BIRTH", "MEDICAL_LICENSE"} <= set(hipaa)
    assert "IP_ADDRESS" in load_policy("gdpr").entities()


def test_presets_are_shipped_as_package_data() -> None:
    for name in PRESETS:
        shipped = REPO / "auditor" / "data" / "policies" / f"{name}.yaml"
        assert shipped.read_bytes() == (REPO / "policies" / f"{name}.yaml").read_bytes()
        assert preset_path(name).read_bytes() == shipped.read_bytes()


def test_unknown_spec() -> None:
    with pytest.raises(PolicyError, match="neither a file nor a preset"):
        load_policy("strictest")


@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [
        (
            "name: x\nrules:\n  - entity: PERSON\n    severity: urgent\n",
            4,
            "rules[0].severity: 'urgent' is not one of info, low, medium, high, critical",
        ),
        (
            "name: x\nrules:\n  - entity: PERSON\n    severity: high\n    treshold: 0.4\n",
            5,
            "rules[0].treshold: unknown field",
        ),
        (
            "name: x\nrules:\n  - entity: PERSON\n    severity: high\n    threshold: lots\n",
            5,
            "rules[0].threshold: Input should be a valid number",
        ),
        (
            "name: x\nrules:\n  - entity: PERSON\n    severity: high\n    threshold: 1.5\n",
            5,
            "rules[0].threshold",
        ),
        (
            "name: x\nrules:\n  - {entity: PERSON, severity: high}\nallowlist:\n"
            "  - pattern: '([a-z'\n    justification: test\n",
            5,
            "allowlist[0].pattern: invalid regular expression",
        ),
        (
            "name: x\nrules:\n  - {entity: PERSON, severity: high}\nallowlist:\n"
            "  - fingerprint: vfp1:0123456789abcdef0123456789abcdef\n    justification: t\n"
            "    expires: 2025-02-30\n",
            7,
            "allowlist[0].expires",
        ),
        (
            "name: x\nrules:\n  - {entity: PERSON, severity: high}\nallowlist:\n"
            "  - {fingerprint: 'sha256:abc', justification: t}\n",
            5,
            "allowlist[0].fingerprint",
        ),
        (
            "name: x\nrules:\n  - {entity: PERSON, severity: high}\nallowlist:\n  - {justification: t}\n",
            5,
            "allowlist[0]: give exactly one of 'fingerprint' or 'pattern'",
        ),
        (
            "name: x\nrules:\n  - {entity: PERSON, severity: high}\n  - {entity: PERSON, severity: low}\n",
            4,
            "rules[1].id: duplicate rule id 'VA-PII-PERSON'",
        ),
        ("name: x\nrules:\n  - {severity: high}\n", 3, "rules[0].entity: required field is missing"),
        ("name: x\nrules: []\n", 2, "rules: List should have at least 1 item"),
        ("name: x\nrules:\n  - {entity: person, severity: high}\n", 3, "rules[0].entity"),
        (
            "name: x\nrules:\n  - {entity: PERSON, severity: high, sources: [payload, logs]}\n",
            3,
            "rules[0].sources[1]: 'logs' is not one of payload, inversion",
        ),
        ("name: x\ndetector_mode: turbo\nrules:\n  - {entity: PERSON, severity: high}\n", 2, "detector_mode"),
        (
            "name: x\nrules:\n  - {entity: STREET_ADDRESS, severity: high, with_any: [person]}\n",
            3,
            "rules[0].with_any: 'person' is not an entity name",
        ),
        (
            "name: x\nrules:\n  - {entity: STREET_ADDRESS, severity: high, with_any: []}\n",
            3,
            "rules[0].with_any: List should have at least 1 item",
        ),
        (
            "name: x\nrules:\n  - {entity: STREET_ADDRESS, severity: high, with_any: [PERSON, PERSON]}\n",
            3,
            "rules[0].with_any: lists PERSON more than once",
        ),
        (
            "name: x\nrules:\n  - {entity: STREET_ADDRESS, severity: high, with_any: [STREET_ADDRESS]}\n",
            3,
            "rules[0]: with_any names the rule's own entity STREET_ADDRESS",
        ),
        (
            "name: x\nrules:\n  - {entity: PERSON, severity: high, with_any: PERSON_NAME}\n",
            3,
            "rules[0].with_any: Input should be a valid list",
        ),
        (
            "name: x\nlanguage: EN\nrules:\n  - {entity: PERSON, severity: high}\n",
            2,
            "'EN' is not a language",
        ),
        ("name: x\nlanguage: [en, en]\nrules:\n  - {entity: PERSON, severity: high}\n", 2, "more than once"),
        ("name: x\nlanguage: []\nrules:\n  - {entity: PERSON, severity: high}\n", 2, "at least one language"),
        ("name: x\nname: y\nrules: []\n", 2, "duplicate key 'name'"),
        ("name: x\nrules:\n  - entity: PERSON\n   severity: high\n", 4, "invalid YAML"),
        ("- just\n- a list\n", 1, "a policy must be a mapping"),
    ],
)
def test_malformed_policy_names_file_line_and_field(
    tmp_path: Path, text: str, line: int, expected: str
) -> None:
    path = _write(tmp_path, text, "bad.yaml")
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    message = str(info.value)
    assert message.startswith(f"{path}:{line}: "), message
    assert expected in message, message


def test_bad_regex_message_does_not_quote_the_pattern(tmp_path: Path) -> None:
    text = "name: x\nrules:\n  - {entity: US_SSN, severity: high}\nallowlist:\n"
    text += "  - {pattern: '575-85-5582(', justification: t}\n"
    with pytest.raises(PolicyError) as info:
        load_policy(_write(tmp_path, text))
    assert "5582" not in str(info.value)


def test_yaml_tags_are_not_constructed(tmp_path: Path) -> None:
    text = "name: !!python/object/apply:os.system ['true']\nrules:\n  - {entity: PERSON, severity: high}\n"
    with pytest.raises(PolicyError, match="invalid YAML"):
        load_policy(_write(tmp_path, text))


def test_language_list_and_co_occurrence_entities(tmp_path: Path) -> None:
    text = """\
    name: x
    language: [en, fr]
    rules:
      - {id: ADDRESS-OF-A-PERSON, entity: STREET_ADDRESS, severity: high, with_any: [PERSON, EMAIL_ADDRESS]}
      - {entity: STREET_ADDRESS, severity: medium}
    """
    policy = load_policy(_write(tmp_path, text))
    assert policy.languages == ["en", "fr"]
    assert load_policy("default").languages == ["en"]
    # The detector must look for what `with_any` needs, though no rule reports it.
    assert policy.entities() == ["STREET_ADDRESS", "PERSON", "EMAIL_ADDRESS"]
