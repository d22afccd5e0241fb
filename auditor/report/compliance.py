"""The full report's content, shown by the `html`, `markdown` and `pdf` formats: an executive summary
first, then methodology, findings by rule, the trend against earlier scans, and mitigations with
their measured effect.

It extends the scan's Document (document.py) with its own sections and keeps the collection,
coverage, findings and skipped-stage sections as appendices. html.py renders it as self-contained
HTML (inline CSS and SVG charts), markdown.py as Markdown (a chart becomes its caption; its numbers
are in the table beside it), pdf.py prints the HTML. Like every format it only shows what the
redacted ScanReport holds: masked evidence and counts.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter, defaultdict
from pathlib import Path

from ..coverage import gap_summary
from ..models import AttackerResult, Finding, MitigationResult, Reference, ScanReport, Severity, WhatIfResult
from . import charts
from .base import ReportContext
from .document import (
    DEFAULT_ROW_CAP,
    Block,
    BulletList,
    Document,
    Figure,
    Paragraph,
    Section,
    Table,
    build_document,
)
from .view import (
    SEVERITIES_DESC,
    RuleIndex,
    builtin_references,
    clean_text,
    effective_summary,
    is_violation,
    masked_evidence,
    redaction_bypass_sentence,
    rule_references,
    sorted_findings,
)

Z95 = 1.959963984540054
EVIDENCE_PER_RULE = 5
_RISK_COLOR = {"critical": "#a40e26", "high": "#cf222e", "medium": "#bc4c00", "low": "#9a6700"}


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a binomial share k/n (sound for small n and shares near 0 or 1)."""
    if n <= 0:
        return 0.0, 1.0
    # Clamped: a report whose counts disagree (hand-edited, merged) must still render, not raise.
    p = min(max(k / n, 0.0), 1.0)
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


# ---------------------------------------------------------------- model card


def _models_dir(override: Path | None) -> Path:
    # The one search path of shipped weights (vecaudit.model_files imports no torch).
    from ..model_files import models_dir

    return override if override is not None else models_dir()


def _first_sentences(text: str, limit: int) -> str:
    """Plain text (Markdown emphasis and code marks removed), cut after a whole sentence."""
    plain = " ".join(re.sub(r"[*_`]+", "", text).split())
    if len(plain) <= limit:
        return plain
    cut = max(plain.rfind(". ", 0, limit), plain.rfind("; ", 0, limit))
    return plain[: cut + 1] if cut > 0 else plain[:limit].rsplit(" ", 1)[0] + " ..."


def _card_lines(folder: Path) -> list[str]:
    """A short summary of an inverter's model card and its measured strength, from its files."""
    lines: list[str] = []
    try:
        cfg = json.loads((folder / "inverter.json").read_text())
        lines.append(
            f"Architecture: decoder-only, {cfg.get('n_layers', '?')} layers, "
            f"width {cfg.get('d_model', '?')}, {cfg.get('hyp_tokens', '?')}-token soft prefix "
            f"from a {cfg.get('embed_dim', '?')}-dim embedding, "
            "with a correction step that re-embeds its hypothesis."
        )
    except (OSError, ValueError):
        pass
    readme = folder / "README.md"
    if readme.is_file():
        text = readme.read_text(errors="replace")
        paras = [
            p.strip() for p in text.split("\n\n") if p.strip() and not p.lstrip().startswith(("#", "---"))
        ]
        if paras:
            lines.append("Model card: " + _first_sentences(paras[0], 800))
    try:
        log = json.loads((folder / "training_log.json").read_text())
        last = log["curve"][-1]
        meta = log.get("meta", {})
        lines.append(
            f"Training: {int(meta.get('samples_seen', last.get('samples_seen', 0))):,} synthetic samples, "
            f"{float(meta.get('elapsed', 0)) / 60:.0f} min."
        )
        for split, what in (("heldout", "text styles unseen in training"), ("train_styles", "seen styles")):
            steps = sorted(
                {int(k.split(".")[1][1:]) for k in last if k.startswith(f"{split}.s") and k.count(".") == 2}
            )
            if not steps:
                continue
            s = steps[-1]
            pre = f"{split}.s{s}."
            pii = ", ".join(
                f"{k.removeprefix(pre + 'pii_')} {_pct(float(v))}"
                for k, v in sorted(last.items())
                if k.startswith(pre + "pii_")
            )
            lines.append(
                f"Measured on {what} ({s} correction step(s)): "
                f"mean cosine {float(last.get(pre + 'cos', 0)):.2f}, "
                f"BLEU {float(last.get(pre + 'bleu', 0)):.1f}, verbatim PII recovery: {pii or 'n/a'}."
            )
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        pass
    return lines


# ---------------------------------------------------------------- sections


def _active(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if not f.allowlisted]


def _risk(findings: list[Finding]) -> str:
    worst = max((f.severity.rank for f in _active(findings)), default=-1)
    return next((s.value for s in Severity if s.rank == worst), "none found")


def _exposure(report: ScanReport, source: str) -> tuple[int, dict[str, set[tuple[str, str, str]]]]:
    """Points examined for `source` and, per entity type, the distinct points where it was found."""
    if source == "inversion":
        n = sum(c.inverted for c in report.collections)
    else:
        n = sum(c.points_scanned for c in report.collections)
    hit: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
    for f in _active(report.findings):
        if f.source == source:
            hit[f.entity_type].add((f.collection, f.vector, str(f.point_id)))
    return n, hit


def _executive(report: ScanReport) -> Section:
    summary = effective_summary(report)
    by_col: dict[str, list[Finding]] = defaultdict(list)
    for f in report.findings:
        by_col[f.collection].append(f)
    ratings = {c.name: _risk(by_col[c.name]) for c in report.collections}
    overall = _risk(report.findings)
    blocks: list[Block] = []
    if not report.complete:
        left = "; ".join(
            f"{c.name}: {gap_summary(c.coverage)}"
            for c in report.collections
            if c.coverage is not None and not c.coverage.complete
        )
        if report.targeted is not None and report.targeted.not_checked:
            unchecked = sum(g.vectors for g in report.targeted.not_checked)
            left = "; ".join(
                filter(None, [left, f"{unchecked:,} vector(s) not checked against the candidates"])
            )
        accepted = " The auditor accepted a partial scan (--allow-partial)." if report.allow_partial else ""
        blocks.append(
            Paragraph(
                f"This scan could not analyze all data in scope ({left or 'see the coverage appendix'}). "
                "Nothing left unanalyzed was checked for personal data, so the results below cannot "
                "support a conclusion that the store is compliant (Appendix B lists what and why)."
                + accepted,
                tone="fail",
            )
        )
    inverted = sum(c.inverted for c in report.collections)
    scanned = sum(c.points_scanned for c in report.collections)
    blocks.append(
        Paragraph(
            f"Overall risk: {overall.upper()}. {scanned:,} stored point(s) in {len(report.collections)} "
            f"collection(s) were examined under policy {report.policy!r}; {inverted:,} vector(s) were "
            f"inverted to test what a person who copied them could read. "
            f"{summary.violations} finding(s) violate the policy at or above {report.fail_on.value}.",
            tone="fail" if summary.violations else "pass",
        )
    )
    t = report.targeted
    if t is not None:
        blocks.append(
            Paragraph(
                f"Targeted check: {t.supported} of {len(t.candidates)} value(s) supplied by the auditor "
                f"are still encoded in stored vectors (counted among the violations above; see "
                f"'Targeted check'); {t.vectors_checked:,} vector(s) were checked"
                + (f", {sum(g.vectors for g in t.not_checked):,} could not be." if t.not_checked else "."),
                tone="fail" if t.supported else "pass",
            )
        )
    rows = []
    for c in report.collections:
        found = by_col[c.name]
        inv = sum(1 for f in _active(found) if f.source == "inversion")
        pay = sum(1 for f in _active(found) if f.source == "payload")
        assessed = f"{c.inverted:,}" if c.inverted else "none"
        rows.append(
            [
                c.name,
                ratings[c.name],
                f"{c.points_scanned:,} / {c.points_total:,}",
                c.encoder.name,
                assessed,
                str(pay),
                str(inv),
            ]
        )
    if rows:
        if any(not c.inverted for c in report.collections):
            blocks.append(
                Paragraph(
                    "Collections with no inverted vectors were checked for payload PII only (no inverter "
                    "for their encoder, or inversion was turned off): their vectors' risk is not measured."
                )
            )
        blocks.append(
            Table(
                [
                    "Collection",
                    "Risk",
                    "Points examined",
                    "Encoder",
                    "Vectors inverted",
                    "Payload findings",
                    "Findings from vectors",
                ],
                rows,
                severity_column=1,
            )
        )
    n_inv, inv_hits = _exposure(report, "inversion")
    n_pay, pay_hits = _exposure(report, "payload")
    entities = sorted(set(inv_hits) | set(pay_hits), key=lambda e: (-len(inv_hits.get(e, ())), e))
    if entities:
        blocks.append(
            Paragraph(
                "What an attacker could recover, by entity type: the share of examined points holding "
                "that kind of personal data, with 95% Wilson confidence intervals from the sample size. "
                "'From vectors' counts points whose vector was inverted into text containing it; "
                "'in payload' counts points storing it in plain text next to the vector."
            )
        )
        trows = []
        bars = []
        for e in entities:
            ki, kp = len(inv_hits.get(e, ())), len(pay_hits.get(e, ()))
            li, hi = wilson(ki, n_inv)
            lp, hp = wilson(kp, n_pay)
            trows.append(
                [
                    e,
                    f"{ki}/{n_inv}" if n_inv else "not tested",
                    f"{_pct(ki / n_inv)} ({_pct(li)}-{_pct(hi)})" if n_inv else "-",
                    f"{kp}/{n_pay}" if n_pay else "-",
                    f"{_pct(kp / n_pay)} ({_pct(lp)}-{_pct(hp)})" if n_pay else "-",
                ]
            )
            if n_inv:
                bars.append(charts.Bar(e, ki / n_inv, li, hi, color="#cf222e", note=f"{ki}/{n_inv}"))
        table = Table(
            [
                "Entity",
                "From vectors (points)",
                "From vectors: share (95% CI)",
                "In payload (points)",
                "In payload: share (95% CI)",
            ],
            trows,
        )
        if bars:
            top = max(b.high or b.value for b in bars)
            blocks.append(
                Figure(
                    charts.hbar_chart(
                        "Share of inverted vectors from which each entity type was recovered (95% CI)",
                        bars,
                        max_value=min(1.0, max(0.1, math.ceil(top * 10) / 10)),
                    ),
                    "Recoverable from vectors alone: share of inverted points, whiskers show the 95% "
                    "Wilson interval.",
                )
            )
        blocks.append(table)
    else:
        blocks.append(Paragraph("No personal data was found in payloads or in text recovered from vectors."))
    sev_rows = [[s.value, str(summary.by_severity.get(s.value, 0))] for s in SEVERITIES_DESC]
    blocks.append(Table(["Severity", "Findings"], sev_rows, severity_column=0))
    bypass = redaction_bypass_sentence(report)
    if bypass:  # right after the overall risk: it is why a store with clean payloads fails
        blocks.insert(min(len(blocks), 1 if report.complete else 2), Paragraph(bypass, tone="fail"))
    return Section("executive", "Executive summary", blocks)


_METHOD_TEXT = {
    "payload": "payload text re-embedded with the candidate encoder matched the stored vectors",
    "fingerprint": "statistical fingerprint of the vectors matched the encoder's profile",
    "roundtrip": "inverted text re-embedded with the encoder matched the stored vectors",
    "user": "named by the auditor (--encoder)",
    "none": "not identified",
}


def _method_text(method: str) -> str:
    return "; ".join(_METHOD_TEXT.get(m, m) for m in method.split("+"))


_LEVEL_TEXT = {
    "loop": "the learned inverter's loop alone, without search scored by the encoder",
    "quick": "a quick oracle-guided attack",
    "standard": "the standard oracle-guided attack",
    "thorough": "a thorough oracle-guided attack",
}


def _attack_blocks(report: ScanReport) -> list[Block]:
    """What inverted the vectors, its budget and what it spent: the bound a clean result carries."""
    if not report.attacks:
        return []
    rows = []
    for a in report.attacks:
        rows.append(
            [
                a.encoder,
                a.level,
                ", ".join(str(s.get("strategy", "")) for s in a.strategies) or "-",
                f"{a.budget:,}" if a.budget is not None else "-",
                f"{a.encoder_calls_per_vector:,.0f}" if a.encoder_calls_per_vector is not None else "-",
                f"{a.vectors:,}",
                f"{a.seconds_per_vector:.2f}" if a.seconds_per_vector is not None else "-",
            ]
        )
    levels = "; ".join(f"{a.encoder}: {_LEVEL_TEXT.get(a.level, a.level)}" for a in report.attacks)
    return [
        Paragraph(
            f"Inversion attack ({levels}). Every candidate text was scored by the encoder that made the "
            "stored vectors, as an attacker who copied them can do; the budget is the number of texts that "
            "encoder embedded per vector. A recovered value became a finding only where the vector supports "
            "it. What this audit did not recover was not recovered by this attack at this budget; a "
            "stronger attack or more compute may recover more."
        ),
        Table(
            ["Encoder", "Effort", "Strategies", "Budget / vector", "Calls / vector", "Vectors", "s / vector"],
            rows,
        ),
    ]


#: Rules named in one row of the standards table before the rest are counted.
RULES_PER_REFERENCE = 6


def _standards_blocks(report: ScanReport, rules: RuleIndex) -> list[Block]:
    """Which clause of which standard each kind of result is reported against, and why it is cited."""
    cited: dict[tuple[str, str], tuple[Reference, list[str]]] = {}

    def cite(refs: list[Reference], by: str) -> None:
        for ref in refs:
            cited.setdefault((ref.standard, ref.id), (ref, []))[1].append(by)

    for rule in rules.rules:
        cite(rule_references(rule), rule.id)
    if report.targeted is not None:
        cite(builtin_references("targeted-support"), "targeted support")
    if not report.complete:
        cite(builtin_references("coverage-gap"), "coverage gaps")
    if not cited:
        return []
    rule_ids = {r.id for r in rules.rules}
    rows = []
    for ref, by in cited.values():
        named = [b for b in by if b in rule_ids]
        others = [b for b in by if b not in rule_ids]
        if len(rule_ids) > 1 and len(named) == len(rule_ids):
            named = ["every rule"]
        elif len(named) > RULES_PER_REFERENCE:
            named = [*named[:RULES_PER_REFERENCE], f"{len(named) - RULES_PER_REFERENCE} more rule(s)"]
        rows.append([ref.tag, ref.standard, ref.id, ref.title or "-", ", ".join(named + others)])
    # Sources below the table, once per standard and address: long links would widen it past a page.
    sources = dict.fromkeys(f"{ref.standard}: {ref.url}" for ref, _ in cited.values() if ref.url)
    return [
        Paragraph(
            "Standards: every finding is reported against OWASP LLM08:2025 (Vector and Embedding "
            "Weaknesses), whose risks include personal data leaking from a vector store and text recovered "
            "by inverting its embeddings; supported values of a targeted check and data left unanalyzed "
            "are too. The policy adds the articles and requirements its rules cite. A citation says which "
            "clause a finding is evidence for; whether the clause is breached is the auditor's judgement."
        ),
        Table(["Tag", "Standard", "Clause", "Title", "Cited by"], rows),
        *([Paragraph("Sources: " + "; ".join(sources) + ".")] if sources else []),
    ]


def _methodology(report: ScanReport, ctx: ReportContext) -> Section:
    blocks: list[Block] = [
        Paragraph(
            "The store was opened read-only. For each collection a deterministic sample of points (or every "
            "point) was read; payload text was checked for personal data with Presidio and vecaudit's own "
            "recognizers; the encoder that produced the vectors was identified; where an inverter exists for "
            "that encoder the vectors were turned back into text, and that text was checked the same way. "
            "Findings were judged against the policy's rules. Every point, payload value (numbers read as "
            "text), key and vector in scope was either analyzed or counted as not analyzed with its reason "
            "(Appendix B); long texts were read whole, in overlapping windows. Evidence is masked and "
            "findings are identified by keyed fingerprints (HMAC), so this report contains no personal data."
        ),
    ]
    rows = []
    for c in report.collections:
        guesses = c.encoders or {"": c.encoder}
        for vec, g in guesses.items():
            rows.append(
                [
                    c.name,
                    vec or "(default)",
                    g.name,
                    f"{g.confidence:.2f}",
                    _method_text(g.method),
                    f"{c.points_scanned:,} of {c.points_total:,}",
                    f"{c.inverted:,}",
                ]
            )
    if rows:
        blocks.append(
            Table(
                ["Collection", "Vector", "Encoder", "Confidence", "Identified by", "Sample", "Inverted"], rows
            )
        )
    encoders = sorted(
        {c.encoder.name for c in report.collections if c.inverted and c.encoder.name != "unknown"}
    )
    root = _models_dir(ctx.models_dir)
    for enc in encoders:
        lines = _card_lines(root / f"inverter-{enc}")
        if lines:
            blocks.append(Paragraph(f"Inverter for {enc}:"))
            blocks.append(BulletList(lines))
    blocks.extend(_attack_blocks(report))
    blocks.extend(_standards_blocks(report, RuleIndex.build(report)))
    if report.stages_skipped:
        blocks.append(
            BulletList([f"Stage {stage} skipped: {why}" for stage, why in report.stages_skipped.items()])
        )
    return Section("methodology", "Methodology", blocks)


def _findings_by_rule(report: ScanReport) -> Section:
    rules = RuleIndex.build(report)
    grouped: dict[int, list[Finding]] = defaultdict(list)
    for f in sorted_findings(report.findings):
        grouped[rules.index_of(f)].append(f)
    blocks: list[Block] = []
    if not rules.rules:
        return Section("rules", "Findings by policy rule", [Paragraph("The policy declares no rules.")])
    rows = []
    for i, r in enumerate(rules.rules):
        fs = grouped.get(i, [])
        states = Counter(f.baseline_state for f in fs if f.baseline_state)
        rows.append(
            [
                r.id,
                r.entity_type,
                r.severity.value,
                str(len(fs)),
                str(sum(is_violation(f, report.fail_on) for f in fs)),
                str(sum(f.allowlisted for f in fs)),
                str(states.get("unchanged", 0)),
                ", ".join(ref.tag for ref in rule_references(r)),
            ]
        )
    blocks.append(
        Table(
            ["Rule", "Entity", "Severity", "Findings", "Violations", "Allowlisted", "Baselined", "Standards"],
            rows,
            severity_column=2,
        )
    )
    for i, r in enumerate(rules.rules):
        fs = grouped.get(i, [])
        if not fs:
            continue
        clauses = ", ".join(ref.tag for ref in rule_references(r))
        blocks.append(
            Paragraph(f"{r.id} ({r.severity.value}): {r.description or r.entity_type}. Standards: {clauses}.")
        )
        ev = [
            [
                f.collection,
                str(f.point_id),
                f.source + (f": {f.field}" if f.field else ""),
                masked_evidence(report, f),
                f"{f.score:.2f}",
                f.fingerprint[:12],
            ]
            for f in fs[:EVIDENCE_PER_RULE]
        ]
        blocks.append(
            Table(["Collection", "Point", "Source", "Evidence (masked)", "Score", "Fingerprint"], ev)
        )
        if len(fs) > EVIDENCE_PER_RULE:
            blocks.append(Paragraph(f"{len(fs) - EVIDENCE_PER_RULE} more; see the findings appendix."))
    return Section("rules", "Findings by policy rule", blocks)


def _trend(report: ScanReport, ctx: ReportContext) -> Section:
    earlier = [h for h in ctx.history if h.target == report.target and h.run_id != report.run_id]
    if not earlier:
        return Section(
            "trend",
            "Trend against earlier scans",
            [
                Paragraph(
                    "No earlier scan of this target is in the scan history; this report is the baseline."
                )
            ],
        )
    runs = earlier[-11:]
    labels = [h.started_at[:10] for h in runs] + ["this scan"]
    sev_now = Counter(f.severity.value for f in report.findings)
    series = []
    for s in SEVERITIES_DESC:
        values = [float(h.by_severity.get(s.value, 0)) for h in runs] + [float(sev_now.get(s.value, 0))]
        if any(values):
            series.append((s.value, values))
    blocks: list[Block] = []
    prev_keys = set(runs[-1].finding_keys)
    now_keys = {f"{f.collection}|{f.entity_type}|{f.fingerprint}" for f in report.findings}
    blocks.append(
        Paragraph(
            f"Compared with the previous scan ({runs[-1].started_at[:10]}, run {runs[-1].run_id}): "
            f"{len(now_keys - prev_keys)} new finding key(s), {len(prev_keys - now_keys)} no longer found, "
            f"{len(now_keys & prev_keys)} still present. Findings then: {runs[-1].findings_total}, now: "
            f"{len(report.findings)}."
        )
    )
    if series:
        blocks.append(
            Figure(
                charts.line_chart("Findings by severity per scan", labels, series),
                "Findings by severity over the last scans of this target.",
            )
        )
    rows = [
        [
            h.started_at[:19],
            h.run_id,
            h.policy,
            str(h.findings_total),
            str(h.violations),
            "yes" if h.complete else "no",
        ]
        for h in runs
    ]
    rows.append(
        [
            report.started_at[:19],
            report.run_id,
            report.policy,
            str(len(report.findings)),
            str(effective_summary(report).violations),
            "yes" if report.complete else "no",
        ]
    )
    blocks.append(Table(["Started", "Run", "Policy", "Findings", "Violations", "Complete"], rows))
    return Section("trend", "Trend against earlier scans", blocks)


#: Recall@k a recommended mitigation must keep.
KEEP_RECALL = 0.9
#: A mitigation "holds" when its strongest attacker recovers at most this share of what the
#: strongest attacker recovers from the unmitigated vectors ...
HOLD_SHARE = 0.5
#: ... and no attacker's recovered text is within this cosine of the best unmitigated recovery:
#: on a small sample verbatim counts can drop to 0 by chance while the text is as close as ever.
COSINE_MARGIN = 0.1


def _best_cosine(result: MitigationResult) -> float:
    return max((a.mean_cosine for a in result.attackers), default=result.mean_cosine)


def holds(result: MitigationResult, base: MitigationResult, attacker: AttackerResult | None = None) -> bool:
    """Whether `result` (judged by its strongest attacker, or by `attacker` alone) cuts the
    unmitigated leakage of `base` to at most HOLD_SHARE of it while keeping recovered text at least
    COSINE_MARGIN further from the originals. Nothing holds when nothing leaked unmitigated."""
    got = result.leakage if attacker is None else attacker.leakage
    cos = _best_cosine(result) if attacker is None else attacker.mean_cosine
    return (
        base.leakage > 0
        and got < base.leakage
        and got <= HOLD_SHARE * base.leakage
        and cos <= _best_cosine(base) - COSINE_MARGIN
    )


def attacker_ids(w: WhatIfResult) -> list[tuple[str, str, str]]:
    """(id, label, short) of every attacker in `w`, in the order the first results list them."""
    seen: dict[str, tuple[str, str, str]] = {}
    for r in w.results:
        for a in r.attackers:
            seen.setdefault(a.attacker, (a.attacker, a.label, a.short or a.attacker))
    return list(seen.values())


def whatif_recommendations(w: WhatIfResult) -> list[str]:
    """The recommendation sentences of a what-if: a mitigation is recommended only if it keeps
    recall@k at KEEP_RECALL or more and holds against its strongest attacker (the one with the
    highest leakage for it), which each sentence names; a mitigation that keeps recall and stops a
    weaker attacker but not the strongest is named as not recommended. Shares and counts only."""
    base = next((r for r in w.results if r.mitigation.kind == "none"), None)
    out: list[str] = []
    if base is None:
        return out
    b_top = base.strongest_attacker
    if base.leakage == 0:
        out.append(
            f"No attacker recovered a personal-data value verbatim from the unmitigated sample "
            f"({b_top.entities_total} value(s)): leakage cannot tell the mitigations apart here; "
            "compare the cosines, or measure a larger sample."
        )
        return out
    ref = f"unmitigated {_pct(base.leakage)}, by {b_top.label}"
    usable = [r for r in w.results if r.mitigation.kind != "none" and r.recall_at_k >= KEEP_RECALL]
    good = [r for r in usable if holds(r, base)]
    best = min(good, key=lambda r: (r.leakage, _best_cosine(r))) if good else None
    if best is not None:
        top = best.strongest_attacker
        out.append(
            f"Recommended: {best.label}. Judged by the strongest attacker measured against it, "
            f"{top.label}, it leaves verbatim PII recovery at {_pct(best.leakage)} "
            f"({top.entities_recovered}/{top.entities_total}; {ref}), best recovered-text cosine "
            f"{_best_cosine(best):.2f} (unmitigated {_best_cosine(base):.2f}), with recall@{w.k} "
            f"{_pct(best.recall_at_k)}."
        )
        most = max((a.leaked_pairs for a in best.attackers), default=0)
        if best.mitigation.kind == "rotate" and w.dim and most < w.dim:
            out.append(
                f"Caution: a secret rotation falls to an attacker holding about {w.dim} (the vector "
                f"dimension) leaked text-vector pairs; the most measured here was {most}."
            )
    else:
        out.append(
            f"No mitigation measured keeps recall@{w.k} at {_pct(KEEP_RECALL)} or more and holds against "
            f"its strongest attacker (at most {HOLD_SHARE:.0%} of the {ref}, recovered text at least "
            f"{COSINE_MARGIN:g} cosine further off): none is recommended on this evidence."
        )
    for r in usable:
        if holds(r, base):
            continue
        weaker = [a for a in r.attackers if a.attacker != r.strongest and holds(r, base, a)]
        if weaker:
            top = r.strongest_attacker
            names = ", ".join(a.label for a in weaker)
            out.append(
                f"Not recommended: {r.label}. It holds against {names}, but {top.label} recovers "
                f"{_pct(r.leakage)} ({top.entities_recovered}/{top.entities_total}; {ref}) with "
                f"recovered-text cosine {top.mean_cosine:.2f}."
            )
    held = [r for r in w.results if r.mitigation.kind != "none" and holds(r, base)]
    least = min(held, key=lambda r: (r.leakage, _best_cosine(r))) if held else None
    if least is not None and least is not best:
        out.append(
            f"The mitigation that leaks least against its strongest attacker, {least.label}, brings "
            f"recovery to {_pct(least.leakage)} ({least.strongest_attacker.label}) at recall@{w.k} "
            f"{_pct(least.recall_at_k)}."
        )
    return out


def _frontier(w: WhatIfResult) -> Figure:
    series = []
    for aid, label, _ in attacker_ids(w):
        pts = [(r.recall_at_k, a.leakage) for r in w.results for a in r.attackers if a.attacker == aid]
        series.append((label, pts))
    # One label per mitigation, at the point that decides it: its strongest attacker's.
    labels = [charts.PointLabel(r.recall_at_k, r.leakage, r.mitigation.short) for r in w.results]
    return Figure(
        charts.frontier_chart(
            "Leakage against utility per attacker",
            series,
            labels,
            x_title=f"recall@{w.k} (utility)",
            y_title="PII recovered (leakage)",
        ),
        f"Leakage (PII recovered verbatim) against recall@{w.k} for each mitigation, one line per "
        "attacker; each mitigation is labelled at its strongest attacker's point. The numbers are in "
        "the table below.",
    )


def _attacker_table(w: WhatIfResult) -> Table:
    ids = attacker_ids(w)
    rows = []
    for r in w.results:
        by_id = {a.attacker: a for a in r.attackers}
        cells = []
        for aid, _, _ in ids:
            a = by_id.get(aid)
            cells.append(
                "-"
                if a is None
                else f"{_pct(a.leakage)} ({a.entities_recovered}/{a.entities_total}), "
                f"text cos {a.mean_cosine:.2f}, vector cos {a.vector_cosine:.2f}"
            )
        rows.append([r.label, _pct(r.recall_at_k), *cells, r.strongest_attacker.label])
    return Table(["Mitigation", f"Recall@{w.k}", *(label for _, label, _ in ids), "Strongest attacker"], rows)


def _mitigations(report: ScanReport, ctx: ReportContext) -> Section:
    has_payload = any(f.source == "payload" and not f.allowlisted for f in report.findings)
    has_inv = any(f.source == "inversion" and not f.allowlisted for f in report.findings)
    recs = []
    if has_payload:
        recs.append(
            "Remove or pseudonymise personal data stored in payloads; keep only the identifiers the "
            "application needs, and store the source text elsewhere under access control."
        )
    if has_inv or any(c.inverted for c in report.collections):
        recs.append(
            "Treat the vectors as personal data: restrict who can read or export the collection, encrypt "
            "snapshots and backups, and include the store in data-subject access and erasure procedures."
        )
        recs.append(
            "Consider a vector-level mitigation (noise, quantization, truncation) where retrieval quality "
            "allows; the measured effect is below when a what-if result was supplied."
        )
    if redaction_bypass_sentence(report):
        recs.append(
            "Redact before embedding: the ingestion pipeline embeds the original text and redacts only "
            "the stored payload. Re-embed the affected points from the redacted text and delete the old "
            "vectors (and their snapshots and backups)."
        )
    if not recs:
        recs.append("No mitigation is required by this scan's findings; keep scanning on a schedule.")
    blocks: list[Block] = [BulletList(recs)]
    w = ctx.whatif
    if w is None:
        blocks.append(
            Paragraph(
                "No what-if measurement was supplied. Run `vecaudit whatif TARGET --collection NAME "
                "--output whatif.json` and pass --whatif whatif.json to measure each mitigation's effect."
            )
        )
        return Section("mitigations", "Recommended mitigations", blocks)
    attackers = attacker_ids(w)
    plan = f"the attack plan at level {w.attack_level}" if w.attack_level else "the learned inverter alone"
    blocks.append(
        Paragraph(
            f"Measured on {w.sample_size} inverted vectors ({w.utility_sample_size or w.sample_size} for "
            f"search) of collection {w.collection!r} (encoder {w.encoder}, "
            f"{w.created_at[:10]}) with {len(attackers)} attacker(s) ({plan}): leakage is the share of true "
            "personal-data values (found by Presidio in the payload text) that an attacker recovered "
            "verbatim, and a mitigation's leakage is that of its strongest attacker; utility is "
            f"recall@{w.k} of nearest-neighbour search against the unmodified vectors. ALGEN attackers "
            "also hold k leaked (text, stored vector) pairs from points outside the inverted sample, fit "
            "a linear map from the mitigated vectors to the public encoder's space, and invert the mapped "
            "vectors." + (f" {w.note}" if w.note else "")
        )
    )
    rows = []
    for r in w.results:
        lo, hi = wilson(r.entities_recovered, r.entities_total)
        rows.append(
            [
                r.label,
                f"{_pct(r.leakage)} ({r.entities_recovered}/{r.entities_total}; "
                f"95% CI {_pct(lo)}-{_pct(hi)})",
                r.strongest_attacker.label,
                f"{r.mean_cosine:.3f}",
                _pct(r.recall_at_k),
                f"{r.vector_cosine:.3f}",
            ]
        )
    table = Table(
        [
            "Mitigation",
            "PII recovered verbatim (strongest attacker)",
            "Strongest attacker",
            "Recovered-text cosine",
            f"Recall@{w.k}",
            "Vector cosine to original",
        ],
        rows,
    )
    blocks.append(
        Figure(
            charts.grouped_bar_chart(
                "Leakage under the strongest attacker and utility per mitigation",
                [r.mitigation.short for r in w.results],
                [
                    ("PII recovered (leakage)", [r.leakage for r in w.results]),
                    ("recovered-text cosine", [max(0.0, r.mean_cosine) for r in w.results]),
                    (f"recall@{w.k} (utility)", [r.recall_at_k for r in w.results]),
                ],
            ),
            "Leakage under each mitigation's strongest attacker (lower is better) against utility "
            "(higher is better).",
        )
    )
    blocks.append(table)
    blocks.append(_frontier(w))
    blocks.append(_attacker_table(w))
    findings = whatif_recommendations(w)
    if findings:
        blocks.append(BulletList(findings))
    return Section("mitigations", "Recommended mitigations", blocks)


def _signoff() -> Section:
    return Section(
        "signoff",
        "Review and sign-off",
        [
            Table(
                ["Role", "Name", "Decision", "Date", "Signature"],
                [["Data protection officer", "", "", "", ""], ["System owner", "", "", "", ""]],
            )
        ],
    )


def build_compliance_document(
    report: ScanReport, context: ReportContext | None = None, *, row_cap: int = DEFAULT_ROW_CAP
) -> Document:
    """The full report as a Document; `row_cap` bounds the findings and inversions appendices."""
    ctx = context or ReportContext()
    plain = build_document(report, row_cap=row_cap)
    appendix = []
    for key, title in (
        ("collections", "Appendix A: collections"),
        ("coverage", "Appendix B: coverage (what was not analyzed)"),
        ("findings", "Appendix C: all findings"),
        ("skipped", "Appendix D: skipped stages"),
        ("inversions", "Appendix E: recovered text (revealed)"),
    ):
        s = plain.section(key)
        if s is not None:
            appendix.append(Section(f"appendix-{key}", title, s.blocks))
    targeted = plain.section("targeted")  # --candidates: the values the auditor asked about
    sections = [
        _executive(report),
        _methodology(report, ctx),
        _findings_by_rule(report),
        *([targeted] if targeted is not None else []),
        _trend(report, ctx),
        _mitigations(report, ctx),
        *appendix,
        _signoff(),
    ]
    for section in sections:
        for block in section.blocks:
            if isinstance(block, Table):
                block.headers = [clean_text(h) for h in block.headers]
                block.rows = [[clean_text(c) for c in row] for row in block.rows]
            elif isinstance(block, BulletList):
                block.items = [clean_text(i) for i in block.items]
            elif isinstance(block, Paragraph):
                block.text = clean_text(block.text)
    return Document(
        title="Vector store privacy compliance report",
        verdict=plain.verdict,
        facts=plain.facts,
        sections=sections,
    )
