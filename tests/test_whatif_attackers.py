"""Mitigations judged by the strongest attacker: the attackers table, ALGEN alignment, PQ and the
secret rotation, the recommendation rule, the report's chart, and old result files.

Real MiniLM-L6 embeddings of synthetic records throughout; the end-to-end case runs the CLI on a
Qdrant Edge shard with the shipped inverter, the quick attack plan and Presidio, on 3 vectors.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from clitools import enter_sandbox, run_cli
from storebuild import build_edge, tree_fingerprint
from vecaudit.encoders.registry import get_encoder
from vecaudit.errors import VecauditError
from vecaudit.models import AttackerResult, MitigationResult, WhatIfResult
from vecaudit.synthetic.factory import ValueFactory
from vecaudit.synthetic.pii_styles import HELDOUT_STYLES, all_styles, generate
from vecaudit.whatif import (
    Attacker,
    Mitigation,
    apply_mitigation,
    choose_map,
    fit_mitigation,
    load_whatif,
    measure,
    parse_mitigation,
    recall_at_k,
)
from vecaudit.whatif.mitigations import unit

ENCODER = "all-MiniLM-L6-v2"
D = 384
#: More points than dimensions, so an attacker can hold k >= d leaked pairs outside the sample.
N_POINTS = 440


@pytest.fixture(scope="module")
def corpus() -> tuple[list[str], list[list[tuple[str, str]]], np.ndarray]:
    vf = ValueFactory(23)
    styles = [s for s in all_styles() if s not in HELDOUT_STYLES]
    samples = [generate(vf, styles[i % len(styles)]) for i in range(N_POINTS)]
    texts = [s.text for s in samples]
    vectors = unit(np.asarray(get_encoder(ENCODER).embed(texts), dtype=np.float32))
    return texts, [list(s.entities) for s in samples], vectors


def test_parse_pq_and_rotate() -> None:
    assert parse_mitigation("pq:16") == Mitigation(kind="pq", param=16)
    assert parse_mitigation("pq:16").label == "product quantization (16 x 256)"
    assert parse_mitigation("ROTATE") == Mitigation(kind="rotate")
    for bad in ("pq", "pq:0", "pq:1.5", "rotate:3"):
        with pytest.raises(VecauditError, match="pq:M or rotate"):
            parse_mitigation(bad)


def test_rotation_keeps_recall_and_pq_costs_some(corpus: tuple) -> None:  # type: ignore[type-arg]
    _, _, v = corpus
    noise = np.zeros_like(v)
    rot = Mitigation(kind="rotate")
    stored, inverted, query = apply_mitigation(v, rot, noise, fit_mitigation(rot, v, seed=3))
    assert recall_at_k(v, stored, query(v), 10) >= 0.999  # queries are rotated too: search unchanged
    # Without the secret the stored vectors point elsewhere: cosine to the original is about 0.
    assert abs(float(np.mean(np.sum(inverted * v, axis=1)))) < 0.1
    # The secret is the same for the same seed and differs across seeds.
    a, b = fit_mitigation(rot, v, seed=3).rotation, fit_mitigation(rot, v, seed=4).rotation
    assert a is not None and b is not None
    assert np.allclose(a @ a.T, np.eye(D), atol=1e-4) and not np.allclose(a, b)

    recalls, cosines = [], []
    for m in (8, 48):
        pq = Mitigation(kind="pq", param=m)
        fitted = fit_mitigation(pq, v, seed=0)
        assert len(fitted.codebooks) == m and fitted.codebooks[0].shape[0] == 256
        stored, inverted, query = apply_mitigation(v, pq, noise, fitted)
        assert stored.shape == v.shape
        recalls.append(recall_at_k(v, stored, query(v), 10))
        cosines.append(float(np.mean(np.sum(inverted * v, axis=1))))
    # More sub-spaces: finer codes, so vectors move less and search loses less.
    assert recalls[0] < recalls[1] < 1.0 and recalls[0] > 0.3, recalls
    assert 0.7 < cosines[0] < cosines[1] < 1.0, cosines


def test_alignment_undoes_the_rotation_once_k_reaches_the_dimension(corpus: tuple) -> None:  # type: ignore[type-arg]
    """The mapped-vector cosine to the true clean vectors, per number of leaked pairs."""
    _, _, v = corpus
    rot = Mitigation(kind="rotate")
    stored, _, _ = apply_mitigation(v, rot, np.zeros_like(v), fit_mitigation(rot, v, seed=1))
    sample, leaked = np.arange(8), np.arange(8, N_POINTS)
    cos = {}
    for k in (10, 100, 200, D, len(leaked)):
        mapping = choose_map(stored[leaked[:k]], v[leaked[:k]])
        assert mapping is not None  # a rotated space is never better read unmapped
        cos[k] = float(np.mean(np.sum(mapping(stored[sample]) * v[sample], axis=1)))
    ks = sorted(cos)
    assert all(cos[a] <= cos[b] + 1e-3 for a, b in zip(ks, ks[1:], strict=False)), cos
    assert cos[10] < 0.75, cos  # 10 pairs: little more than the corpus mean
    assert cos[D] > 0.98 and cos[len(leaked)] > 0.99, cos  # k >= d: the rotation is recovered
    # For the unmitigated store the attacker keeps the vectors as they are.
    assert choose_map(v[leaked[:100]], v[leaked[:100]]) is None


def test_more_noise_means_less_recall_in_the_measurement(corpus: tuple) -> None:  # type: ignore[type-arg]
    """Common random numbers: the same draw scaled by sigma, so recall falls monotonically."""
    _, truth, v = corpus
    blank = Attacker("blank", "learned", "writes nothing", "blank", lambda x: [""] * len(x))
    sigmas = (0.0, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2)
    res = measure(
        v[:4],
        truth[:4],
        attackers=[blank],
        embed=lambda t: np.ones((len(t), D), dtype=np.float32),
        utility_vectors=v,
        mitigations=[Mitigation(kind="noise", param=s) for s in sigmas],
        k=10,
    )
    recalls = [r.recall_at_k for r in res]
    assert recalls[0] == 1.0
    assert all(b < a for a, b in zip(recalls, recalls[1:], strict=False)), recalls
    moved = [r.vector_cosine for r in res]
    assert all(b < a for a, b in zip(moved, moved[1:], strict=False)), moved
    assert all(r.leakage == 0 and r.entities_total > 0 for r in res)  # a blank text recovers nothing


# ---------------------------------------------------------------- the recommendation rule


def _att(aid: str, label: str, hit: int, cos: float, total: int = 20, k: int = 0) -> AttackerResult:
    return AttackerResult(
        attacker=aid,
        kind="algen" if aid.startswith("algen") else ("plan" if aid == "plan" else "learned"),
        label=label,
        short=aid,
        leaked_pairs=k,
        entities_total=total,
        entities_recovered=hit,
        leakage=hit / total,
        mean_cosine=cos,
        vector_cosine=cos,
    )


def _row(m: Mitigation, recall: float, attackers: list[AttackerResult]) -> MitigationResult:
    top = max(attackers, key=lambda a: (a.leakage, a.mean_cosine))
    return MitigationResult(
        mitigation=m,
        label=m.label,
        entities_total=top.entities_total,
        entities_recovered=top.entities_recovered,
        leakage=top.leakage,
        mean_cosine=top.mean_cosine,
        recall_at_k=recall,
        vector_cosine=0.9,
        attackers=attackers,
    )


LEARNED, PLAN, ALGEN = (
    "learned inverter (v1)",
    "attack plan (quick)",
    "ALGEN, 400 leaked pairs + attack plan (quick)",
)


def _scenario() -> WhatIfResult:
    def three(
        learned: tuple[int, float], plan: tuple[int, float], algen: tuple[int, float]
    ) -> list[AttackerResult]:
        return [
            _att("learned", LEARNED, *learned),
            _att("plan", PLAN, *plan),
            _att("algen-400", ALGEN, *algen, k=400),
        ]

    rows = [
        _row(Mitigation(kind="none"), 1.0, three((8, 0.7), (12, 0.8), (12, 0.8))),
        # Stops the learned inverter, the plan and ALGEN: holds, keeps recall.
        _row(Mitigation(kind="noise", param=0.05), 0.93, three((1, 0.5), (4, 0.6), (5, 0.65))),
        # Stops the learned inverter and the plain plan, falls to the leaked pairs.
        _row(Mitigation(kind="rotate"), 1.0, three((0, 0.1), (0, 0.1), (11, 0.78))),
        # Would leak least, but costs too much recall to be recommended.
        _row(Mitigation(kind="noise", param=0.2), 0.3, three((0, 0.2), (1, 0.3), (2, 0.35))),
    ]
    return WhatIfResult(
        created_at="2026-11-30T05:00:00+00:00",
        target="edge:/srv/shard",
        collection="tickets",
        encoder=ENCODER,
        sample_size=16,
        utility_sample_size=1000,
        k=10,
        seed=0,
        ground_truth="payload",
        attack_level="quick",
        results=rows,
    )


def test_recommendation_holds_against_the_strongest_attacker_only() -> None:
    from vecaudit.report.compliance import whatif_recommendations

    w = _scenario()
    assert [r.strongest for r in w.results] == ["plan", "algen-400", "algen-400", "algen-400"]
    assert w.results[2].leakage == 11 / 20  # a result's leakage is its strongest attacker's
    lines = whatif_recommendations(w)
    assert lines[0].startswith("Recommended: noise sigma=0.05.")
    assert ALGEN in lines[0] and "25.0% (5/20" in lines[0] and f"by {PLAN}" in lines[0]
    rotate = next(line for line in lines if "secret orthogonal rotation" in line)
    assert rotate.startswith("Not recommended: secret orthogonal rotation.")
    assert f"holds against {LEARNED}, {PLAN}, but {ALGEN} recovers 55.0%" in rotate
    assert "noise sigma=0.2" in lines[-1] and "leaks least" in lines[-1]  # named, not recommended
    assert not any(line.startswith("Recommended: secret") for line in lines)

    # Judged by the learned inverter alone (the 1.0 what-if), the rotation would have won.
    for r in w.results:
        r.attackers = [a for a in r.attackers if a.attacker == "learned"]
        r.strongest = ""
    old = WhatIfResult.model_validate(w.model_dump())
    assert whatif_recommendations(old)[0].startswith("Recommended: secret orthogonal rotation.")
    # ... and where the dimension is known, the recommendation warns what it falls to.
    old.dim = 384
    assert "falls to an attacker holding about 384" in whatif_recommendations(old)[1]

    # Verbatim counts at 0 by chance do not make a mitigation hold while the recovered text is as
    # close as unmitigated (cosine within the margin).
    w = _scenario()
    w.results[1].attackers[2].mean_cosine = 0.75
    assert not whatif_recommendations(w)[0].startswith("Recommended: noise sigma=0.05")

    # Nothing holds: nothing is recommended, and the sentence says so.
    w = _scenario()
    w.results = [w.results[0], w.results[2]]
    assert whatif_recommendations(w)[0].startswith("No mitigation measured keeps recall@10")


def test_schema_1_files_still_read_and_later_majors_are_refused(tmp_path: Path) -> None:
    old = {
        "schema_version": "1.0",
        "created_at": "2026-11-22T09:00:00+00:00",
        "target": "./data",
        "collection": "tickets",
        "encoder": ENCODER,
        "sample_size": 32,
        "k": 10,
        "seed": 0,
        "ground_truth": "payload",
        "results": [
            {
                "mitigation": {"kind": "noise", "param": 0.05},
                "label": "noise sigma=0.05",
                "entities_total": 40,
                "entities_recovered": 6,
                "leakage": 0.15,
                "leakage_by_entity": {"PERSON": [6, 30]},
                "mean_cosine": 0.7,
                "recall_at_k": 0.95,
                "vector_cosine": 0.8,
            }
        ],
    }
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old))
    w = load_whatif(path)
    [r] = w.results
    assert [a.attacker for a in r.attackers] == ["learned"] and r.strongest == "learned"
    assert r.strongest_attacker.leakage == 0.15 and r.strongest_attacker.leakage_by_entity == {
        "PERSON": (6, 30)
    }
    assert w.attack_level == ""
    old["schema_version"] = "3.0"
    path.write_text(json.dumps(old))
    with pytest.raises(VecauditError, match="schema 3.0.*upgrade"):
        load_whatif(path)


def test_report_shows_the_frontier_and_the_attackers_table() -> None:
    from reportdata import build_scenario
    from vecaudit.report import ReportContext, render

    rep = build_scenario().report
    ctx = ReportContext(whatif=_scenario())
    page = render(rep, "html", context=ctx).decode()
    svg = page[page.index("<title>Leakage against utility per attacker</title>") :]
    svg = svg[: svg.index("</svg>")]
    for label in (LEARNED, PLAN, ALGEN):  # one series per attacker, named in the legend
        assert f">{label}</text>" in svg
    assert svg.count("<polyline") == 3 and svg.count("<circle") == 12
    for short in ("rotate", "noise 0.05", "noise 0.2", "none"):  # points labelled by mitigation
        assert f">{short}</text>" in svg
    md = render(rep, "markdown", context=ctx).decode()
    assert "Leakage (PII recovered verbatim) against recall@10" in md  # the chart's caption
    header = next(line for line in md.splitlines() if line.startswith("| Mitigation | Recall@10 |"))
    assert LEARNED in header and ALGEN in header and "Strongest attacker" in header
    rotate_row = next(
        line for line in md.splitlines() if line.startswith("| secret orthogonal rotation | 100.0%")
    )
    assert "55.0% (11/20)" in rotate_row and rotate_row.rstrip(" |").endswith(ALGEN)
    assert "Not recommended: secret orthogonal rotation" in md


# ---------------------------------------------------------------- end to end


@pytest.mark.slow  # 3 vectors, 3 settings, 4 attackers on CPU: 30 s to 90 s on a shared 2-core machine
def test_whatif_on_an_edge_shard_judges_rotation_and_pq_by_every_attacker(
    corpus: tuple,  # type: ignore[type-arg]
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    texts, truth, vectors = corpus
    shard = build_edge(tmp_path / "tickets", vectors, [{"text": t, "kind": "note"} for t in texts])
    before = tree_fingerprint(shard)
    enter_sandbox(tmp_path, monkeypatch)
    res = run_cli(
        capsys,
        *("whatif", f"edge:{shard}", "-c", "tickets", "--sample", "3", "--encoder", ENCODER),
        *("--attack", "quick", "--leaked-pairs", "10", "--leaked-pairs", "1000"),
        *("-m", "rotate", "-m", "pq:16", "-o", "w.json"),
    )
    assert res.code == 0, res.err
    assert tree_fingerprint(shard) == before  # read-only

    w = WhatIfResult.model_validate_json((tmp_path / "w.json").read_text())
    assert w.schema_version == "2.0" and w.attack_level == "quick"
    assert w.leaked_pairs_available == N_POINTS - 3 and "used k = 10, 437" in w.note
    assert w.attack["level"] == "quick" and w.attack["vectors"] > 0
    none, rotate, pq = w.results
    assert [r.mitigation.kind for r in w.results] == ["none", "rotate", "pq"]
    ids = ["learned", "plan", "algen-10", f"algen-{N_POINTS - 3}"]
    assert all([a.attacker for a in r.attackers] == ids for r in w.results)
    assert none.entities_total > 0 and none.leakage > 0  # the plan reads these records unmitigated
    by = {a.attacker: a for a in rotate.attackers}
    # Without leaked pairs the rotation holds; with k >= d leaked pairs it falls.
    assert by["learned"].leakage == 0 and by["plan"].leakage == 0
    assert by["plan"].vector_cosine < 0.2 and by["algen-10"].vector_cosine < 0.8
    assert by[ids[-1]].vector_cosine > 0.99
    assert by[ids[-1]].leakage > by["algen-10"].leakage
    assert by[ids[-1]].leakage >= 0.5 * none.leakage
    assert rotate.strongest == ids[-1] and rotate.leakage == by[ids[-1]].leakage
    assert rotate.recall_at_k >= 0.999 and none.recall_at_k == 1.0
    # PQ is measured like the rest: coarser search, vectors moved, every attacker scored.
    assert 0.3 < pq.recall_at_k < 1.0 and 0.8 < pq.vector_cosine < 1.0
    assert all(a.entities_total == none.entities_total for a in pq.attackers)
    # The terminal shows the attackers table, marks the strongest attacker and names it.
    for head in ("learned", "quick", "ALGEN 10", f"ALGEN {N_POINTS - 3}", "Values", "R@10"):
        assert head in res.out
    row = next(line for line in res.out.splitlines() if line.startswith(" rotate "))
    assert row.split()[2:6] == [
        "0%",
        "0%",
        f"{100 * by['algen-10'].leakage:.0f}%",
        f"{100 * rotate.leakage:.0f}%*",
    ]
    assert f"ALGEN, {N_POINTS - 3} leaked pairs + attack plan (quick)" in res.out

    # Whatever is recommended holds against its strongest attacker, which the sentence names; the
    # rotation, which ALGEN breaks, is not recommended.
    from vecaudit.report.compliance import holds, whatif_recommendations

    lines = whatif_recommendations(w)
    assert lines
    for line in lines:
        if line.startswith("Recommended: "):
            rec = next(r for r in w.results if line.startswith(f"Recommended: {r.label}."))
            assert holds(rec, none) and rec.strongest_attacker.label in line
    assert not any(line.startswith("Recommended: secret orthogonal rotation") for line in lines)

    from reportdata import build_report

    (tmp_path / "scan.json").write_text(build_report().model_dump_json())
    out = run_cli(
        capsys, "report", "scan.json", "-f", "markdown", "-f", "html", "-o", "r", "--whatif", "w.json"
    )
    assert out.code == 1  # the scenario has violations
    md, page = (tmp_path / "r.md").read_text(), (tmp_path / "r.html").read_text()
    assert "Leakage against utility per attacker" in page and "attack plan (quick)" in md
    # Counts and shares only: no true value of the sampled records, or of any record, anywhere.
    dumped = (tmp_path / "w.json").read_text() + res.out + res.err + md + page + out.out + out.err
    values = {value for ents in truth for _, value in ents if len(value) > 5}
    assert values and not [value for value in values if value in dumped]
