"""The oracle-guided inversion attack: real MiniLM-L6 encoder, the shipped inverter, small data.

Each case states what a store's owner relies on: search scored by the real encoder reads names the
learned loop alone misses, the scan records which attack ran at which budget, and options that
cannot apply are refused.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from clitools import enter_sandbox, run_cli, write_policy
from storebuild import build_local
from vecaudit.encoders.registry import get_encoder
from vecaudit.inversion import inverter_dir, load_inverter

L6 = "all-MiniLM-L6-v2"
# Short records whose names the greedy loop gets wrong (checked below, not assumed).
PLANTED = {
    "Refund approved for Olga Petrova.": "Olga Petrova",
    "Send the signed lease to Kenji Watanabe.": "Kenji Watanabe",
}
# More of them: whether search lands a given name exactly depends on its random start and on
# near ties in bf16 scoring ("Olga Petrov" against "Olga Petrova"), so the claim is a rate.
PLANTED_MORE = {
    **PLANTED,
    "Ticket closed by Ingrid Halvorsen today.": "Ingrid Halvorsen",
    "Please call Tomasz Wisniewski back.": "Tomasz Wisniewski",
    "Invoice sent to Amara Okafor on Monday.": "Amara Okafor",
    "Parcel for Lucia Fernandez is delayed.": "Lucia Fernandez",
}

PERSON_POLICY = """\
name: names
detector_mode: fast
rules:
  - {entity: PERSON, severity: high, references: [GDPR-Art-32]}
"""

pytestmark = pytest.mark.skipif(inverter_dir(L6) is None, reason="shipped inverter missing")


@pytest.fixture(scope="module")
def vectors():
    return get_encoder(L6).embed(list(PLANTED))


@pytest.fixture(scope="module")
def more_vectors():
    return get_encoder(L6).embed(list(PLANTED_MORE))


def test_search_finds_planted_names_that_greedy_decoding_misses(more_vectors) -> None:
    names = list(PLANTED_MORE.values())
    greedy = load_inverter(L6, attack="loop", steps=0)
    assert greedy is not None
    by_greedy = [name in text for (text, _), name in zip(greedy.invert(more_vectors), names, strict=True)]
    assert sum(by_greedy) <= 1  # the learned loop alone writes other names
    attack = load_inverter(L6, attack="standard")
    assert attack is not None
    recovered = attack.invert(more_vectors)
    by_search = [name in text for (text, _), name in zip(recovered, names, strict=True)]
    assert sum(by_search) >= 4 and sum(by_search) >= sum(by_greedy) + 3, recovered
    assert all(cosine > 0.85 for (_, cosine), hit in zip(recovered, by_search, strict=True) if hit)
    spent = attack.describe()
    assert spent["level"] == "standard" and spent["budget"] == 3000
    assert spent["vectors"] == len(names)
    assert 0 < spent["encoder_calls"] <= len(names) * 3000
    assert sum(spent["calls_by_strategy"].values()) == spent["encoder_calls"]


def test_a_scan_records_the_attack_it_ran(tmp_path: Path, monkeypatch, capsys, more_vectors) -> None:
    sandbox = enter_sandbox(tmp_path, monkeypatch)
    store = build_local(sandbox / "store", "tickets", more_vectors, [{} for _ in PLANTED_MORE])
    policy = write_policy(sandbox, PERSON_POLICY)
    out = sandbox / "audit"
    args = ("--encoder", L6, "--attack", "standard", "--policy", policy, "--reveal")
    args += ("-f", "json", "-f", "sarif", "-o", out)
    r = run_cli(capsys, "scan", store, *args)
    assert r.code == 1, r.err  # the names are found, so the gate fails
    report = json.loads((sandbox / "audit.json").read_text())
    assert report["schema_version"] == "1.5"
    [attack] = report["attacks"]
    assert attack["encoder"] == L6 and attack["level"] == "standard" and attack["budget"] == 3000
    assert [s["strategy"] for s in attack["strategies"]][:1] == ["lm_hypotheses"]
    assert attack["vectors"] == len(PLANTED_MORE) and attack["encoder_calls_per_vector"] <= 3000
    found = {f["evidence"] for f in report["findings"] if f["source"] == "inversion"}
    assert sum(any(name in e for e in found) for name in PLANTED_MORE.values()) >= 2, found
    sarif = json.loads((sandbox / "audit.sarif").read_text())
    [props] = sarif["runs"][0]["properties"]["inversionAttacks"]
    assert props["level"] == "standard" and props["budgetPerVector"] == 3000
    assert props["vectors"] == len(PLANTED_MORE)
    # The rule of these inversion findings cites OWASP LLM08 and what the policy added.
    [rule] = [r for r in sarif["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "VA-PII-PERSON"]
    assert {"OWASP-LLM08:2025", "GDPR-Art-32"} <= set(rule["properties"]["tags"])
    assert [r["tag"] for r in report["rules"][0]["references"]] == ["OWASP-LLM08:2025", "GDPR-Art-32"]


def test_loop_settings_with_a_search_level_are_refused(tmp_path: Path, monkeypatch, capsys) -> None:
    sandbox = enter_sandbox(tmp_path, monkeypatch)
    r = run_cli(capsys, "scan", sandbox, "--attack", "standard", "--steps", "3")
    assert r.code == 2
    assert "--attack loop" in r.err


def test_guided_beam_search_keeps_to_its_budget_and_offers_exact_scores(vectors) -> None:
    from vecaudit.inversion import Inverter
    from vecaudit.inversion.attack.base import Guess, SearchState
    from vecaudit.inversion.attack.decoding import BeamSettings, GuidedBeamSearch
    from vecaudit.inversion.attack.oracle import Oracle
    from vecaudit.inversion.attack.proposer import Proposer

    loop = load_inverter(L6, attack="loop", steps=0)
    assert isinstance(loop, Inverter)
    oracle = Oracle(get_encoder(L6), vectors)
    state = SearchState(oracle, [Guess((), (), -1.0)] * 2, [[], []])
    GuidedBeamSearch(Proposer(loop), BeamSettings(width=2, top_k=4, max_tokens=12)).run(state, budget=60)
    assert all(0 < calls <= 60 for calls in oracle.calls)
    assert state.spent["guided_beam_search"] == int(oracle.calls.sum())
    exact = oracle.exact([0, 1], [g.text for g in state.best])
    for guess, cos in zip(state.best, exact, strict=True):
        assert guess.text and guess.source == "guided_beam_search"
        assert abs(float(cos) - guess.cos) < 0.01  # the fast scoring path agrees with fp32


def test_a_vector_out_of_budget_stops_only_itself(vectors) -> None:
    from vecaudit.inversion.attack.base import Guess, SearchState
    from vecaudit.inversion.attack.lexicon import Lexicon
    from vecaudit.inversion.attack.oracle import Oracle
    from vecaudit.inversion.attack.values import ValueRefinement, ValueSettings

    encoder = get_encoder(L6)
    lexicon = Lexicon.for_encoder(L6, encoder.embed_scoring)
    oracle = Oracle(encoder, vectors, budget=400)
    frames = ["Refund approved for", "Send the signed lease to"]
    start = [Guess.of_text(t, float(oracle.score(i, [t])[0])) for i, t in enumerate(frames)]
    oracle.calls[0] = 400  # vector 0 has spent its whole budget
    state = SearchState(oracle, start, [[], []])
    ValueRefinement(lexicon, ValueSettings(shortlist=20, seeds=1, rounds=1)).run(state, budget=400)
    assert oracle.calls[0] == 400  # nothing more was spent on it
    assert 0 < oracle.calls[1] - 1 <= 400 + 200  # the other vector searched (a block may overshoot)
    assert state.best[0] == start[0]
    assert "Kenji Watanabe" in state.best[1].text
