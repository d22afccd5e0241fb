"""The synthetic-text package: corpora that shipped artifacts depend on stay byte-identical.

The hashes were recorded from the generators before they were merged into `vecaudit.synthetic`
(encoders/refcorpus.py, demo_data.py, detect/synthetic.py). The reference corpus is the input of
the shipped encoder profiles (`vecaudit/data/profiles/*.npz`): if its hash changes, the profiles
must be rebuilt with `encoders.profiles.build_profiles` and this pin updated in the same commit.
"""

from __future__ import annotations

import hashlib
import json
import random
import subprocess
import sys

import pytest
from vecaudit.synthetic import demo_records, detection, refcorpus, values
from vecaudit.synthetic.templates import draw_slots, fill, slots

REFERENCE_CORPUS = "ad7779c9f4a3372ec78a0a0b3270b4a353b90dd293eb857cd85a7e5fdcbb630e"
HELDOUT_CORPUS = "331cfaa174d89164bcf3c964e3579fabf93a444a2cd4ae4875722542beb6a712"
DEMO_RECORDS = "e1572aa98c8927885d6fe64ba16711eccbec5ef81a6e874fb4dae6bb9350dc27"
DETECTOR_PAYLOADS = "1a3d325a1f7837e997f3196f464a2cfa0becbefec8684673ba9bf55ba9117424"


def _sha(texts: list[str]) -> str:
    return hashlib.sha256("\x1e".join(texts).encode()).hexdigest()


def test_reference_corpus_is_the_one_the_shipped_profiles_were_built_from() -> None:
    assert _sha(refcorpus.reference_corpus()) == REFERENCE_CORPUS
    assert _sha(refcorpus.generate(700, list(refcorpus.HELDOUT_STYLES), seed=0)) == HELDOUT_CORPUS


def test_demo_records_and_detector_payloads_are_unchanged() -> None:
    demo = [
        json.dumps([r.point_id, r.payload, r.has_pii, r.values], sort_keys=True)
        for r in demo_records.generate(200)
    ]
    assert _sha(demo) == DEMO_RECORDS
    rng = random.Random(0)
    payloads = [json.dumps(detection.payload(rng, i % 3 == 0), sort_keys=True) for i in range(300)]
    assert _sha(payloads) == DETECTOR_PAYLOADS


def test_value_generators_keep_their_validity_rules() -> None:
    rng = random.Random(1)
    for _ in range(500):
        number = values.card_number(rng)
        digits = [int(c) for c in number]
        assert values.luhn_check_digit(digits[:-1]) == digits[-1]
        assert values.group_card(number, " ").replace(" ", "") == number
        area = values.ssn(rng, values.Range(660, 670)).split("-")[0]
        assert area != "666" and 660 <= int(area) <= 670
    assert values.group_card("378282246310005", "-") == "3782-822463-10005"
    assert values.format_date(1990, 5, 7, "long") == "May 7, 1990"
    with pytest.raises(ValueError):
        values.format_date(1990, 5, 7, "roman")


def test_templates_draw_each_slot_once() -> None:
    calls: list[str] = []

    def value(slot: str) -> str:
        calls.append(slot)
        return slot.upper()

    # Literal braces around slots stay (JSON-shaped rows); a repeated slot reuses its value.
    assert fill('{"a": "{name}", "b": "{name}", "c": {n}}', value) == '{"a": "NAME", "b": "NAME", "c": N}'
    assert calls == ["name", "n"]
    assert slots("{b} {a} {b}") == ["b", "a"]
    order: list[str] = []
    makers = {k: (lambda k=k: order.append(k) or k) for k in ("a", "b", "c")}
    assert draw_slots("{c} {a}", makers) == {"a": "a", "c": "c"} and order == ["a", "c"]


def _imported_after(statement: str) -> list[str]:
    code = f"import sys; {statement}; print('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return [m for m in out.stdout.split() if m.startswith("vecaudit")]


def test_layers_do_not_import_upwards() -> None:
    """Encoders never import inversion; the scan path never imports training."""
    encoders = _imported_after(
        "import vecaudit.encoders, vecaudit.encoders.identify, vecaudit.encoders.profiles, "
        "vecaudit.encoders.translation, vecaudit.encoders.listing"
    )
    assert not [m for m in encoders if m.startswith(("vecaudit.inversion", "vecaudit.training"))]
    scan = _imported_after(
        "import vecaudit.runner, vecaudit.nodes.stages, vecaudit.inversion.load, "
        "vecaudit.inversion.evaluate, vecaudit.cli, vecaudit.commands.scan, vecaudit.commands.train"
    )
    assert "vecaudit.runner" in scan and not [m for m in scan if m.startswith("vecaudit.training")]
    synthetic = _imported_after("import vecaudit.synthetic.corpus, vecaudit.synthetic.refcorpus")
    assert all(m == "vecaudit" or m.startswith("vecaudit.synthetic") for m in synthetic), synthetic
