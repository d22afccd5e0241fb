"""Oracle-guided inversion attack vs today's sequence loop, per effort level and per strategy.

One run on the held-out set `bench/data/inversion_heldout.jsonl` (text styles no generator of
ours writes; see `make_inversion_heldout.py`), with the all-MiniLM-L6-v2 vectors of its texts,
`--per-group` rows drawn with a fixed seed from each group:

1. the effort levels of `build_plan` run through `OracleAttack`: quick and standard on the main
   set, thorough on a small set (the first `--small-per-group` rows of each group's draw, rows
   marked `*`); every strategy prefix of a plan (hypotheses; + lexical; + values; + prune) is
   read off the same run, since a plan's first k steps leave the state they would leave alone;
   one ablation, `standard without lexical` (its hypotheses, values and nothing else), shows what
   the lexical steps buy the value search (`--no-ablation` skips it);
2. today's loop (`Inverter.invert_trace`: LM hypotheses, then vec2text-style correction with a
   sequence beam) on the small set, with its embed function wrapped to count encoder calls, read
   at the correction step whose calls per vector come closest to what each level spent on the
   same vectors, group by group. Its LM writes one sample per candidate and most samples repeat
   a text it already scored, so on CPU it reaches only about the quick level's calls in
   `--seq-steps` steps; a row that falls short says so, with the CPU seconds per vector the
   budget would take at the loop's measured cost per call;
3. the oracle's encoder calls per second (texts embedded / seconds inside the encoder's scoring
   path `embed_scoring`) against the raw encoder's batched throughput (`embed`, `embed_scoring`)
   on 512 of the texts it scored;
4. everything per group: `listed` (names from lists), `invented` (syllable names no list holds),
   `short` (one clause), `clean` (no PII). `flagged` counts recovered texts in which the scan
   would report a name or email: `PiiDetector` as the default policy configures it, the support
   test (`nodes.stages._supported`) and policy evaluation, as `nodes/stages.py` does; on `clean`
   every flagged text is a false finding.

Recovery is verbatim: a name counts when its full string appears in the recovered text as whole
words, case-sensitive, after whitespace normalisation; an email likewise, case-insensitive.
Cosines are full-precision (`encoder.embed`). `cpu-s/vec` is process CPU time per vector, which
moves less than wall time when other jobs share the cores. Torch runs one thread by default: on
two cores shared with other jobs, two threads ran the inverter's LM about 10x slower (OpenMP
workers spin while descheduled).

    .venv/bin/python bench/bench_inversion_attack.py [--per-group 4] [--small-per-group 1]
        [--levels quick,standard,thorough] [--seed 2611] [--seq-steps 20] [--dump FILE]

`--dump FILE` writes every recovered text (synthetic data) for inspection. The defaults need
about 9 CPU-minutes on one thread (scaled from the committed run, which took 940 CPU-seconds
and 21 minutes of wall time on two shared cores); results are in
`bench/results/inversion_attack.txt`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

DATA = Path(__file__).parent / "data" / "inversion_heldout.jsonl"
ENCODER = "all-MiniLM-L6-v2"
GROUPS = ("listed", "invented", "short", "clean")
SHORT_NAMES = {
    "lm_hypotheses": "hypotheses",
    "lexical_search": "lexical",
    "value_refinement": "values",
    "sequence_correction": "correction",
}


# -- data ------------------------------------------------------------------------------------------


@dataclass
class Item:
    group: str
    text: str
    names: list[str]
    emails: list[str]


def load_items(path: Path, per_group: int, seed: int) -> dict[str, list[Item]]:
    """`per_group` rows of each group, drawn with a fixed seed, in file order."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    rng = random.Random(seed)
    out: dict[str, list[Item]] = {}
    for group in GROUPS:
        idx = [k for k, r in enumerate(rows) if r["part"] == group]
        picked = sorted(rng.sample(idx, min(per_group, len(idx))))
        out[group] = [
            Item(
                group,
                rows[k]["text"],
                [v for e, v in rows[k]["entities"] if e == "PERSON"],
                [v for e, v in rows[k]["entities"] if e == "EMAIL_ADDRESS"],
            )
            for k in picked
        ]
    return out


def _ws(text: str) -> str:
    return " ".join(text.split())


def has_name(name: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(_ws(name))}(?!\w)", _ws(text)) is not None


def has_email(email: str, text: str) -> bool:
    pattern = rf"(?<![\w.+-]){re.escape(_ws(email).lower())}(?![\w-])"
    return re.search(pattern, _ws(text).lower()) is not None


# -- results ---------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """One configuration's result on one group: recovered text, cosine and calls per vector."""

    texts: list[str]
    cos: list[float]
    calls: list[float]
    wall: float  # seconds for the whole group
    cpu: float
    budget: int | None = None  # the plan's encoder calls per vector
    note: str = ""


@dataclass
class Config:
    label: str
    subset: str  # "main" or "thorough"
    groups: dict[str, Outcome] = field(default_factory=dict)
    flagged: dict[str, int] = field(default_factory=dict)


class Timed:
    """Wraps an embed function: counts texts, wall seconds inside it, and keeps the texts."""

    def __init__(self, fn: Callable[..., Any], keep: bool = False) -> None:
        self.fn = fn
        self.keep = keep
        self.texts = 0
        self.seconds = 0.0
        self.seen: list[str] = []
        self.events: list[tuple[int, float, float]] = []  # (texts, wall end, cpu end)

    def __call__(self, texts: Sequence[str], *args: Any, **kw: Any) -> Any:
        t0 = time.perf_counter()
        out = self.fn(texts, *args, **kw)
        t1 = time.perf_counter()
        self.texts += len(texts)
        self.seconds += t1 - t0
        self.events.append((len(texts), t1, time.process_time()))
        if self.keep:
            self.seen.extend(texts)
        return out


# -- the oracle attack -----------------------------------------------------------------------------


@dataclass
class Snap:
    texts: list[str]
    calls: np.ndarray
    wall: float
    cpu: float


class Traced:
    """A plan step that records every vector's best guess and calls after it ran."""

    def __init__(self, inner: Any, log: list[Snap]) -> None:
        self.inner = inner
        self.name = inner.name
        self.log = log

    def run(self, state: Any, budget: int) -> None:
        self.inner.run(state, budget)
        self.log.append(
            Snap(
                [g.text for g in state.best],
                state.oracle.calls.copy(),
                time.perf_counter(),
                time.process_time(),
            )
        )


def step_labels(names: Sequence[str]) -> list[str]:
    out: list[str] = []
    for k, name in enumerate(names):
        short = SHORT_NAMES.get(name, name)
        if name in names[:k]:
            short = "prune" if name == "lexical_search" else f"{short}#2"
        out.append(short if k == 0 else f"+ {short}")
    return out


def run_oracle(
    name: str,
    plan: Any,
    enc: Any,
    items: dict[str, list[Item]],
    targets: dict[str, np.ndarray],
    batch: int,
    scoring: Timed,
    corrector_embed: Timed,
) -> tuple[list[Config], dict[str, Any]]:
    """Run one plan; returns the full plan's Config first, then one Config per strategy prefix."""
    from vecaudit.inversion.attack.attack import OracleAttack
    from vecaudit.inversion.attack.plan import AttackPlan, Step

    labels = step_labels([s.strategy.name for s in plan.steps])
    sub = "small" if name == "thorough" else "main"
    full = Config(f"oracle {name}", sub)
    prefixes = [Config(f"  {name}: {lab}", sub) for lab in labels]
    by_strategy: dict[str, int] = {}
    skipped = 0
    texts0, secs0, corr0 = scoring.texts, scoring.seconds, corrector_embed.texts
    wall_total = 0.0
    n_total = 0
    for group, its in items.items():
        if not its:
            continue
        vecs = targets[group]
        res: dict[str, list[Any]] = {"texts": [], "cos": [], "calls": []}
        pre: list[dict[str, list[Any]]] = [{"texts": [], "calls": [], "wall": [], "cpu": []} for _ in labels]
        wall = cpu = 0.0
        for b in range(0, len(its), batch):
            log: list[Snap] = []
            traced = AttackPlan(
                plan.level,
                plan.budget,
                tuple(Step(Traced(s.strategy, log), s.settings) for s in plan.steps),  # type: ignore[arg-type]
            )
            attack = OracleAttack(enc, traced, "inverter-" + ENCODER)
            w0, c0 = time.perf_counter(), time.process_time()
            out = attack.invert(vecs[b : b + batch])
            w1, c1 = time.perf_counter(), time.process_time()
            wall += w1 - w0
            cpu += c1 - c0
            if len(log) < len(labels):
                skipped += len(labels) - len(log)
            for k in range(len(labels)):
                snap = log[min(k, len(log) - 1)]
                pre[k]["texts"] += snap.texts
                pre[k]["calls"] += [float(c) for c in snap.calls]
                pre[k]["wall"].append(snap.wall - w0)
                pre[k]["cpu"].append(snap.cpu - c0)
            res["texts"] += [t for t, _ in out]
            res["cos"] += [c for _, c in out]
            res["calls"] += [float(c) for c in log[-1].calls]
            for strategy, calls in attack.describe()["calls_by_strategy"].items():
                by_strategy[strategy] = by_strategy.get(strategy, 0) + calls
        full.groups[group] = Outcome(res["texts"], res["cos"], res["calls"], wall, cpu, plan.budget)
        for k, cfg in enumerate(prefixes):
            texts = pre[k]["texts"]
            cos = exact_cos(enc, texts, vecs)
            cfg.groups[group] = Outcome(texts, cos, pre[k]["calls"], sum(pre[k]["wall"]), sum(pre[k]["cpu"]))
        wall_total += wall
        n_total += len(its)
    totals = [sum(sum(cfg.groups[g].calls) for g in cfg.groups) for cfg in prefixes]
    by_step = [
        (lab, (t - p) / max(n_total, 1)) for lab, t, p in zip(labels, totals, [0, *totals[:-1]], strict=True)
    ]
    info = {
        "by_step": by_step,
        "level": name,
        "budget": plan.budget,
        "steps": labels,
        "by_strategy": by_strategy,
        "vectors": n_total,
        "scored_texts": scoring.texts - texts0,
        "scoring_seconds": scoring.seconds - secs0,
        "wall": wall_total,
        "corrector_embeds": corrector_embed.texts - corr0,
        "skipped_steps": skipped,
        "oracle_calls": sum(sum(o.calls) for o in full.groups.values()),
    }
    return [full, *prefixes], info


def exact_cos(enc: Any, texts: list[str], vecs: np.ndarray) -> list[float]:
    from vecaudit.encoders.profiles import unit_rows

    if not texts:
        return []
    emb = unit_rows(enc.embed(list(texts)))
    return [float(c) for c in np.einsum("kd,kd->k", emb, unit_rows(vecs[: len(texts)]))]


def raw_throughput(
    enc: Any, scoring_fn: Callable[..., Any], texts: list[str], seed: int
) -> tuple[float, float]:
    """(encoder.embed, encoder.embed_scoring) texts/s on 512 texts drawn from `texts`, mean of 2."""
    rng = random.Random(seed)
    sample = rng.sample(texts, 512) if len(texts) >= 512 else [rng.choice(texts) for _ in range(512)]
    enc.embed(sample[:64])  # warm-up
    rates = []
    for fn in (enc.embed, scoring_fn):
        secs = []
        for _ in range(2):
            t0 = time.perf_counter()
            fn(sample)
            secs.append(time.perf_counter() - t0)
        rates.append(512 / float(np.mean(secs)))
    return rates[0], rates[1]


# -- today's sequence loop -------------------------------------------------------------------------


def run_sequence(
    inv: Any,
    enc: Any,
    items: dict[str, list[Item]],
    targets: dict[str, np.ndarray],
    budgets: dict[str, dict[str, float]],
    beam: int,
    candidates: int,
    steps: int,
    batch: int,
    seed: int,
) -> list[Config]:
    """`Inverter.invert_trace` per group batch, read at the step whose mean calls match each budget.

    `budgets[label][group]` is the mean encoder calls per vector to match. One run per batch of
    `steps` correction steps; the best text after every step is recorded, and step k's cost is
    what the embed wrapper counted (and the clocks read) before step k+1's generation started.
    Where the last step is still short of a budget, the row says so and how many CPU seconds per
    vector the budget would take at the loop's measured cost per call.
    """
    from vecaudit.inversion.inverter import InversionSettings

    configs = {label: Config(f"sequence @{label}", "small") for label in budgets}
    for group, its in items.items():
        if not its:
            continue
        vecs = targets[group]
        texts_at: dict[int, list[str]] = {}
        calls_at: dict[int, list[float]] = {}
        wall_at: dict[int, float] = {}
        cpu_at: dict[int, float] = {}
        for b in range(0, len(its), batch):
            chunk = vecs[b : b + batch]
            n = chunk.shape[0]
            inv.settings = InversionSettings(steps=steps, beam=beam, candidates=candidates, seed=seed)
            embed, generate = inv.embed, inv.backend.generate
            counter = Timed(embed)
            gens: list[tuple[int, float, float]] = []  # (texts embedded so far, wall, cpu) at each generate

            def gen(*a: Any, _c: Timed = counter, _g: Any = generate, _log: list = gens, **kw: Any) -> Any:
                _log.append((_c.texts, time.perf_counter(), time.process_time()))
                return _g(*a, **kw)

            inv.embed, inv.backend.generate = counter, gen
            w0, c0 = time.perf_counter(), time.process_time()
            try:
                trace = inv.invert_trace(chunk, record=set(range(steps + 1)))
            finally:
                inv.embed, inv.backend.generate = embed, generate
            w1, c1 = time.perf_counter(), time.process_time()
            for k in range(steps + 1):
                # Step k ends where generation of step k+1 starts (or the run ends).
                if k + 1 < len(gens):
                    done, w, c = gens[k + 1]
                else:
                    done, w, c = counter.texts, w1, c1
                texts_at.setdefault(k, []).extend(t for t, _ in trace[k])
                calls_at.setdefault(k, []).extend([done / n] * n)  # the loop embeds for the whole batch
                wall_at[k] = wall_at.get(k, 0.0) + (w - w0)
                cpu_at[k] = cpu_at.get(k, 0.0) + (c - c0)
        n_group = len(its)
        for label, cfg in configs.items():
            goal = budgets[label][group]
            k = min(range(steps + 1), key=lambda s: abs(float(np.mean(calls_at[s])) - goal))
            reached = float(np.mean(calls_at[k]))
            note = f"step {k}/{steps}"
            if reached < 0.9 * goal:
                per_call = cpu_at[k] / n_group / max(reached, 1.0)
                note += f" SHORT of {goal:.0f} calls (~{per_call * goal:.0f} cpu-s/vec to reach)"
            texts = texts_at[k]
            cfg.groups[group] = Outcome(
                texts, exact_cos(enc, texts, vecs), calls_at[k], wall_at[k], cpu_at[k], note=note
            )
    return list(configs.values())


def sliced(cfg: Config, sizes: dict[str, int], label: str) -> Config:
    """The first sizes[group] vectors of each group of a run (time: the group's mean per vector)."""
    out = Config(label, "small")
    for g, o in cfg.groups.items():
        m = sizes.get(g, 0)
        if m == 0:
            continue
        share = m / len(o.texts)
        out.groups[g] = Outcome(o.texts[:m], o.cos[:m], o.calls[:m], o.wall * share, o.cpu * share, o.budget)
    return out


# -- detection as the scan does it -----------------------------------------------------------------


class Detect:
    def __init__(self, enc: Any) -> None:
        import torch
        from vecaudit.detect.engine import PiiDetector
        from vecaudit.policy.loader import load_policy

        self.policy = load_policy("default")
        self.detector = PiiDetector(
            entities=self.policy.entities(), mode=self.policy.detector_mode, languages=self.policy.languages
        )

        class _Embed:  # what `_supported` reads from an inverter: its fp32 embed
            @staticmethod
            def embed(texts: Sequence[str]) -> Any:
                return torch.from_numpy(np.asarray(enc.embed(list(texts)), dtype=np.float32))

        self.embedder = _Embed()

    def flagged(self, texts: list[str], cos: list[float], vecs: np.ndarray) -> int:
        """Recovered texts with a PERSON or EMAIL_ADDRESS finding under the default policy."""
        from vecaudit.nodes.stages import _supported
        from vecaudit.policy.evaluate import evaluate

        if not texts:
            return 0
        found = self.detector.analyze(texts, normalize=True)
        found = _supported(self.embedder, vecs[: len(texts)], list(zip(texts, cos, strict=True)), found)
        count = 0
        for k, (text, dets) in enumerate(zip(texts, found, strict=True)):
            if not dets:
                continue
            findings = evaluate(
                self.policy,
                collection="bench",
                point_id=k,
                vector="",
                source="inversion",
                text=text,
                detections=dets,
                key=b"bench-inversion-attack",
            )
            count += any(f.entity_type in ("PERSON", "EMAIL_ADDRESS") and not f.allowlisted for f in findings)
        return count


# -- output ----------------------------------------------------------------------------------------


def row(cfg: Config, group: str | None, items: dict[str, list[Item]]) -> str:
    groups = [group] if group else [g for g in GROUPS if g in cfg.groups]
    outs = [(g, cfg.groups[g]) for g in groups if g in cfg.groups]
    n = sum(len(o.texts) for _, o in outs)
    if n == 0:
        return ""
    names_hit = names_all = mails_hit = mails_all = 0
    for g, o in outs:
        for it, text in zip(items[g], o.texts, strict=True):
            names_all += len(it.names)
            mails_all += len(it.emails)
            names_hit += sum(has_name(v, text) for v in it.names)
            mails_hit += sum(has_email(v, text) for v in it.emails)
    calls = float(np.mean([c for _, o in outs for c in o.calls]))
    cos = float(np.mean([c for _, o in outs for c in o.cos]))
    wall = sum(o.wall for _, o in outs) / n
    cpu = sum(o.cpu for _, o in outs) / n
    flagged = sum(cfg.flagged.get(g, 0) for g in groups)

    def frac(a: int, b: int) -> str:
        return f"{a}/{b}" if b else "-"

    over = sum(c > o.budget for _, o in outs if o.budget is not None for c in o.calls)
    notes = sorted({o.note for _, o in outs if o.note})
    short = sum("SHORT" in o.note for _, o in outs)
    extra = f"  {over} over budget" if over else ""
    if group:
        extra += f"  {'; '.join(notes)}" if notes else ""
    elif short:
        extra += f"  short of the budget in {short} of {len(outs)} groups"
    return (
        f"{cfg.label:<26} {group or 'all':<8} {n:>4} {calls:>9.0f} {frac(names_hit, names_all):>7} "
        f"{frac(mails_hit, mails_all):>7} {cos:>6.3f} {wall:>7.2f} {cpu:>9.2f} {frac(flagged, n):>7}{extra}"
    )


HEADER = (
    f"{'configuration':<26} {'group':<8} {'vec':>4} {'calls/vec':>9} {'names':>7} {'emails':>7} "
    f"{'cos':>6} {'s/vec':>7} {'cpu-s/vec':>9} {'flagged':>7}"
)


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--per-group", type=int, default=4, help="vectors per group for quick and standard")
    ap.add_argument(
        "--small-per-group",
        type=int,
        default=1,
        help="vectors per group for thorough and today's loop (the first of each group's draw)",
    )
    ap.add_argument("--levels", default="quick,standard,thorough")
    ap.add_argument("--seed", type=int, default=2611)
    ap.add_argument("--batch", type=int, default=16, help="vectors per invert call")
    ap.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch threads (on shared cores 2 threads ran the LM 10x slower than 1: OpenMP workers spin)",
    )
    ap.add_argument("--seq-beam", type=int, default=4)
    ap.add_argument("--seq-candidates", type=int, default=8)
    ap.add_argument(
        "--seq-steps", type=int, default=20, help="correction steps of today's loop (GPU default)"
    )
    ap.add_argument("--no-sequence", action="store_true", help="skip today's loop")
    ap.add_argument(
        "--no-ablation", action="store_true", help="skip the standard plan without lexical search"
    )
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument(
        "--dump", type=Path, help="write every recovered text as JSON lines here (synthetic data)"
    )
    args = ap.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    from vecaudit.encoders.base import ScoringEncoder
    from vecaudit.encoders.registry import get_encoder
    from vecaudit.inversion import load_inverter
    from vecaudit.inversion.attack.lexicon import Lexicon
    from vecaudit.inversion.attack.plan import AttackPlan, build_plan
    from vecaudit.inversion.attack.proposer import Proposer
    from vecaudit.inversion.inverter import Inverter

    levels = [lv.strip() for lv in args.levels.split(",") if lv.strip()]
    load0 = os.getloadavg()
    started = time.perf_counter()
    print(
        f"# bench_inversion_attack: {ENCODER} vectors of {args.data.name}, seed {args.seed}, "
        f"{args.per_group} per group (small set: {args.small_per_group}), batch {args.batch}"
    )
    print(
        f"# machine: {os.cpu_count()} CPU cores SHARED with other jobs "
        f"(load average {load0[0]:.1f} at start), "
        f"torch threads {args.threads}; wall times are inflated by the contention, cpu-s/vec less so",
        flush=True,
    )

    items = load_items(args.data, args.per_group, args.seed)
    small = {g: its[: args.small_per_group] for g, its in items.items()}
    sizes = {g: len(its) for g, its in small.items()}
    enc = get_encoder(ENCODER)
    if not isinstance(enc, ScoringEncoder):
        raise SystemExit(f"{ENCODER} has no scoring path (embed_scoring)")
    targets = {g: enc.embed([it.text for it in its]) for g, its in items.items() if its}
    small_t = {g: targets[g][: len(its)] for g, its in small.items() if its}
    inv = load_inverter(ENCODER, steps=0, beam=1)
    if not isinstance(inv, Inverter):
        raise SystemExit(f"no in-process inverter for {ENCODER}")
    lexicon = Lexicon.for_encoder(enc.spec.id, enc.embed_scoring)
    proposer = Proposer(inv)

    # Time the oracle's scoring path and count the corrector's own (uncharged) embeds.
    raw_scoring = enc.embed_scoring
    scoring = Timed(raw_scoring, keep=True)
    inv_embed = inv.embed
    corrector = Timed(inv_embed)
    main_cfgs: list[Config] = []  # on the main set
    small_cfgs: list[Config] = []  # on the small set
    infos: list[dict[str, Any]] = []
    runs: list[tuple[str, Any]] = []
    for level in levels:
        plan = build_plan(level, lexicon, proposer, enc)
        runs.append((level, plan))
        if level == "standard" and not args.no_ablation:
            # Not a prefix: the standard plan without its lexical steps, to see what they buy.
            kept = tuple(st for st in plan.steps if st.strategy.name != "lexical_search")
            runs.append(("standard-lex", AttackPlan(plan.level, plan.budget, kept)))
    for name, plan in runs:
        use, use_t = (small, small_t) if name == "thorough" else (items, targets)
        scoring.seen = []
        enc.embed_scoring = scoring  # type: ignore[method-assign]  # counted for this run
        inv.embed = corrector
        try:
            cfgs, info = run_oracle(name, plan, enc, use, use_t, args.batch, scoring, corrector)
        finally:
            del enc.embed_scoring
            inv.embed = inv_embed
        info["raw"] = raw_throughput(enc, raw_scoring, scoring.seen, args.seed)
        infos.append(info)
        if name == "standard-lex":
            main_cfgs.append(Config("  standard without lexical", "main", cfgs[0].groups))
        elif name == "thorough":
            small_cfgs += cfgs
        else:
            main_cfgs += cfgs
            small_cfgs.append(sliced(cfgs[0], sizes, cfgs[0].label))
        print(f"# oracle {name}: {info['wall']:.0f} s", flush=True)
    small_levels = [c for c in small_cfgs if c.label.startswith("oracle ")]
    # Thorough's prefixes come after the level rows of the small set.
    small_cfgs = small_levels + [c for c in small_cfgs if not c.label.startswith("oracle ")]

    seq_cfgs: list[Config] = []
    if not args.no_sequence and small_levels:
        budgets = {
            c.label.split()[1]: {g: float(np.mean(o.calls)) for g, o in c.groups.items()}
            for c in small_levels
        }
        t0 = time.perf_counter()
        seq_cfgs = run_sequence(
            inv,
            enc,
            small,
            small_t,
            budgets,
            args.seq_beam,
            args.seq_candidates,
            args.seq_steps,
            args.batch,
            args.seed,
        )
        print(f"# today's loop: {time.perf_counter() - t0:.0f} s", flush=True)

    det = Detect(enc)
    for cfg in main_cfgs + small_cfgs + seq_cfgs:
        for g, o in cfg.groups.items():
            cfg.flagged[g] = det.flagged(o.texts, o.cos, targets[g])

    if args.dump:
        with args.dump.open("w", encoding="utf-8") as fh:
            for cfg in main_cfgs + small_cfgs + seq_cfgs:
                sets = items if cfg.subset == "main" else small
                for g, o in cfg.groups.items():
                    for it, text, cos, calls in zip(sets[g], o.texts, o.cos, o.calls, strict=True):
                        rec = {"config": cfg.label.strip(), "group": g, "text": it.text, "recovered": text}
                        fh.write(json.dumps({**rec, "cos": round(cos, 4), "calls": calls}) + "\n")

    n_main = sum(len(v) for v in items.values())
    n_small = sum(len(v) for v in small.values())
    seq_rows = small_levels + seq_cfgs
    print()
    print(
        "names / emails: verbatim recoveries / values held; cos: full-precision cosine to the stored vector;"
    )
    print("flagged: recovered texts in which the scan would report a name or email (default policy)")
    print()
    print(
        f"## 1. Effort levels and strategy prefixes ({n_main} vectors; "
        f"thorough: the small set of {n_small}, *)"
    )
    print(HEADER)
    for cfg in main_cfgs:
        print(row(cfg, None, items))
    for cfg in small_cfgs:
        if "thorough" in cfg.label:
            print(row(Config(cfg.label + "*", cfg.subset, cfg.groups, cfg.flagged), None, small))
    print()
    print(
        f"## 2. Side by side on the small set ({n_small} vectors): "
        "the oracle vs today's loop at matched calls "
        f"(beam {args.seq_beam} x candidates {args.seq_candidates}, up to {args.seq_steps} steps)"
    )
    print("(quick and standard rows here are the small set's share of the main runs)")
    print(HEADER)
    for cfg in seq_rows:
        print(row(cfg, None, small))
    print()
    print("## 3. Per group (the notes say at which step today's loop was read)")
    print(HEADER)
    for group in GROUPS:
        for cfg in main_cfgs:
            if cfg.label.startswith("oracle ") or "standard" in cfg.label:
                print(row(cfg, group, items))
        for cfg in seq_rows:
            line = row(Config(cfg.label + "*", cfg.subset, cfg.groups, cfg.flagged), group, small)
            if line:
                print(line)
        print()

    print("## 4. Encoder calls per vector by strategy, against the plan's budget")
    for info in infos:
        n = info["vectors"]
        parts = ", ".join(f"{lab.lstrip('+ ')} {v:.0f}" for lab, v in info["by_step"])
        notes = ""
        if info["skipped_steps"]:
            notes += f"; steps not run (budget spent): {info['skipped_steps']}"
        if sum(info["by_strategy"].values()) != info["oracle_calls"]:
            notes += f"; describe() counted {sum(info['by_strategy'].values()) / n:.0f}"
        if info["corrector_embeds"]:
            notes += f"; corrector's own embeds, not charged: {info['corrector_embeds'] / n:.1f}"
        print(
            f"{info['level']:<9} budget {info['budget']:>6}, spent {info['oracle_calls'] / n:>6.0f}: "
            f"{parts}{notes}"
        )

    print()
    print("## 5. The oracle's encoder calls per second vs the raw encoder (texts/s, wall)")
    print(
        f"{'level':<9} {'calls':>7} {'embed s':>8} {'oracle/s':>9} {'embed/s':>8} {'scoring/s':>9} "
        f"{'oracle:embed':>12} {'oracle:scoring':>14} {'share of run in embed':>21}"
    )
    for info in infos:
        rate = info["scored_texts"] / info["scoring_seconds"] if info["scoring_seconds"] else float("nan")
        raw_embed, raw_scoring_rate = info["raw"]
        share = info["scoring_seconds"] / info["wall"] if info["wall"] else float("nan")
        check = (
            ""
            if info["scored_texts"] == info["oracle_calls"]
            else f"  (oracle counted {info['oracle_calls']})"
        )
        print(
            f"{info['level']:<9} {info['scored_texts']:>7} {info['scoring_seconds']:>8.1f} {rate:>9.0f} "
            f"{raw_embed:>8.0f} {raw_scoring_rate:>9.0f} {rate / raw_embed:>12.2f} "
            f"{rate / raw_scoring_rate:>14.2f} {share:>21.0%}{check}"
        )
    print(
        "raw: encoder.embed (fp32, batches of 64) and encoder.embed_scoring (bf16 where the CPU has it, "
        "batches of 256) on 512 texts drawn from those the oracle scored"
    )
    load1 = os.getloadavg()
    print(
        f"\n# total {time.perf_counter() - started:.0f} s wall, {time.process_time():.0f} s CPU; "
        f"load average {load1[0]:.1f} at end "
        "(machine shared); today's loop embeds with encoder.embed (fp32), as it does in scans"
    )


if __name__ == "__main__":
    main()
