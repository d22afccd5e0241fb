"""decide_sampling: adaptive sampling decides, before every batch, whether inversion goes on.

With `--precision`, `--budget-vectors` or `--budget-time`, a collection's points are read in a
uniformly random order (`stores.sampling.random_order`), so the points inverted so far are always a
uniform random sample of the collection. Before each batch this node rebuilds, from the run
database alone, one confidence sequence per tracked entity type (`vecaudit.confseq`) for the
share of points whose inverted vector yields a value of that type, and then:

- stops inverting when every interval's half-width is <= `--precision` (the plan is met);
- stops when the collection's share of a budget is spent (the audit of inversion is partial);
- otherwise lets the next batch invert, at most as many points as the vector budget still allows.

Stopping only drops the inversion plan: payload detection goes on over every planned point (it is
cheap, and one leaked SSN matters). Every decision is a row of `sampling_decisions` with its reason.

Budget sharing: the collections are scanned one after another, and each gets an equal share of
what the collections before it left: share_i = (budget - spent by earlier collections) / (collections
left, i included). A collection that meets its precision early leaves the rest of its share to the
ones after it; one that stops on its share is not revisited (see the README, "Adaptive sampling").

Because the interval depends only on counts (points inverted, points with a finding of the type),
a resumed run rebuilds it from the database exactly; the checkpoint holds no estimate.
"""

from __future__ import annotations

import math
import time
from typing import Any, Literal

from langgraph.runtime import Runtime

from ..confseq import Interval, interval
from ..models import RateEstimate, SamplingReport, SamplingStop
from .batch import reads_vectors, route_batches
from .context import ScanContext
from .state import ScanState, current_plan

METHOD = (
    "confidence sequence for sampling without replacement: prior-posterior ratio with a "
    "beta-binomial(1, 1) prior, one sequence per entity type and source, union bound"
)
REFERENCE = (
    "Waudby-Smith & Ramdas, Confidence sequences for sampling without replacement, NeurIPS 2020, section 3"
)


def tracked_types(ctx: ScanContext) -> list[str]:
    """The entity types estimated: the policy's (fixed before the scan, so the union bound is valid)."""
    return sorted({rule.entity for rule in ctx.policy().rules})


def alpha_per_interval(ctx: ScanContext) -> float:
    """(1 - confidence) split over every sequence the report can show: one per tracked type for
    inversion, and one more per type for payloads when they are sampled (--sample; otherwise the
    payload shares are exact and need no error budget)."""
    sources = 2 if ctx.config.sample else 1
    return (1 - ctx.config.confidence) / (max(len(tracked_types(ctx)), 1) * sources)


def _drawn(ctx: ScanContext, state: ScanState, name: str, step: int) -> int:
    """Points of `name` drawn for inversion before batch `step`: a prefix of the random order.

    Every point of a batch run while inverting is a draw, cut at the quota by position
    (`analyze_batch`); a drawn point without a usable vector counts as one that leaks nothing by
    inversion, so the sample stays uniform over the whole collection, the population the interval
    is about. Rebuilt from the run database: the draws the previous decision recorded, plus those of
    the batches run since under the quota it set (one batch in one process; on Ray, a round of one
    batch per worker, the quota shared by them in order)."""
    if step == 0:
        return 0
    previous = [d for d in ctx.db.sampling_decisions(name) if d["step"] < step]
    before = int(previous[-1]["inverted"]) if previous else 0
    since = int(previous[-1]["step"]) if previous else 0
    points = sum(b.points for no in range(since, step) if (b := ctx.db.batch(name, no)) is not None)
    quota = state.get("invert_quota")  # the quota the batches ran under
    return before + (points if quota is None else min(quota, points))


def _inversion_intervals(
    ctx: ScanContext, name: str, population: int, drawn: int
) -> tuple[dict[str, Interval], Interval]:
    """Per seen type, and the interval every unseen type shares (count 0), after `drawn` draws."""
    n = min(drawn, population)
    alpha = alpha_per_interval(ctx)
    seen = {
        t: interval(min(c, n), n, population, alpha)
        for t, c in ctx.db.points_with_entity(name, "inversion").items()
    }
    return seen, interval(0, n, population, alpha)


def _widest(seen: dict[str, Interval], unseen: Interval, types: list[str]) -> tuple[str, Interval]:
    """The widest inversion interval over every tracked type (and any seen type beyond them)."""
    candidates = [(t, seen.get(t, unseen)) for t in sorted({*types, *seen})]
    return max(candidates, key=lambda c: (c[1].half_width, c[0]))


def _collections_left(state: ScanState) -> int:
    """This collection and the later ones that can be inverted at all (they hold a dense vector):
    a collection without one would take a share of the budget it can never spend, cutting the
    earlier collections' samples short."""
    later = state["plans"][state.get("index", 0) + 1 :]
    return 1 + sum(1 for plan in later if reads_vectors(plan))


def _share(budget: float, spent_elsewhere: float, left: int) -> float:
    return max(budget - spent_elsewhere, 0.0) / max(left, 1)


def draws_needed(rates: list[float], drawn: int, population: int, alpha: float, precision: float) -> int:
    """The fewest draws (>= `drawn`) after which every interval would be within ±`precision` if
    the shares seen so far held (count = share x draws), `population` when no sample short of the
    whole collection would do. `rates` holds one share per interval (0.0 for types not seen yet).

    A plug-in projection, used only to size a Ray round (`inverting_round`): the stop itself is
    decided on the intervals of the draws actually made. Before any draw, `rates` = [0.0] gives
    the draws every collection needs, whatever it holds (an unseen type's interval is the narrowest)."""

    def narrow(m: int) -> bool:
        return all(
            interval(min(round(r * m), m), m, population, alpha).half_width <= precision for r in rates
        )

    if drawn >= population or (drawn and narrow(drawn)):
        return drawn
    low, high = drawn, max(2 * drawn, 16)  # `low` is known not to be enough
    while high < population and not narrow(high):
        low, high = high, 2 * high
    high = min(high, population)
    while high - low > 1:
        mid = (low + high) // 2
        if narrow(mid):
            high = mid
        else:
            low = mid
    return high


def route_after_plan(state: ScanState) -> Literal["decide_sampling", "process_batch", "process_partitions"]:
    """After plan_inversion: adaptive runs decide before the first batch (a budget may be spent);
    other scans go to their batches or, with --ray, their partitions."""
    if state.get("adaptive") and state.get("invert_plan"):
        return "decide_sampling"
    return route_batches(state)


def route_after_decide(
    state: ScanState,
) -> Literal["process_batch", "process_partitions", "finish_collection"]:
    """To the next batch, or with --ray the next round of partitions (`nodes.partitions`)."""
    return "finish_collection" if state.get("exhausted") else route_batches(state)


def decide_sampling(state: ScanState, runtime: Runtime[ScanContext]) -> dict[str, Any]:
    ctx = runtime.context
    cfg = ctx.config
    plan = current_plan(state)
    name = plan["name"]
    step = state.get("batch_no", 0)
    now = time.time()
    clock = state.get("sampling_clock")
    # Seconds of the batch just run (its inversion and payload work); 0 before the first batch. The
    # clock is checkpointed: after a resume, the batch is charged from when this process started.
    seconds = max(now - max(clock, ctx.opened_at), 0.0) if clock is not None and step > 0 else 0.0

    population = plan["points_total"]
    seen, unseen = _inversion_intervals(ctx, name, population, _drawn(ctx, state, name, step))
    kind, widest = _widest(seen, unseen, tracked_types(ctx))
    vectors = ctx.db.inverted_vectors()
    here_vectors = vectors.get(name, 0)
    slots = max(len(state.get("invert_plan", {})), 1)
    left = _collections_left(state)
    spent_seconds = ctx.db.sampling_seconds()
    here_seconds = spent_seconds.get(name, 0.0) + seconds
    precision = cfg.precision or 0.0

    stop: SamplingStop | None = None
    quota: int | None = None
    n = unseen.n
    what = f"{kind}" if kind in seen else f"{kind} (none recovered yet)"
    met = bool(n) and widest.half_width <= precision
    if state.get("exhausted") and n < min(ctx.db.points_read(name), population) and not met:
        # the quota cut the last batch: the budget, not the collection, ended the sample
        stop = "budget-vectors"
        reason = (
            f"stopped after {n} of {population} points: the share of --budget-vectors is spent; "
            f"the widest interval, {what}, is ±{widest.half_width:.3f}, wider than ±{precision:g}"
        )
    elif state.get("exhausted"):
        reason = f"read to the end: {n} vectors inverted, widest interval {what} ±{widest.half_width:.3f}"
    elif met:
        stop = "precision"
        reason = (
            f"stopped after {n} vectors: every interval is within ±{precision:g} "
            f"(widest: {what}, ±{widest.half_width:.3f})"
        )
    else:
        reason = f"continue: {n} vectors inverted, widest interval {what} ±{widest.half_width:.3f}"
        if cfg.budget_vectors is not None:
            share = _share(cfg.budget_vectors, sum(vectors.values()) - here_vectors, left)
            room = int(share) - here_vectors
            if room < slots:
                stop = "budget-vectors"
                reason = (
                    f"stopped after {n} vectors: its share of --budget-vectors ({int(share)}) is spent; "
                    f"the widest interval, {what}, is ±{widest.half_width:.3f}, wider than ±{precision:g}"
                )
            else:
                quota = room // slots
        if stop is None and cfg.budget_time is not None:
            share_s = _share(
                cfg.budget_time, sum(spent_seconds.values()) - spent_seconds.get(name, 0.0), left
            )
            if here_seconds >= share_s:
                stop = "budget-time"
                reason = (
                    f"stopped after {n} vectors: its share of --budget-time ({share_s:.0f} s) is spent; "
                    f"the widest interval, {what}, is ±{widest.half_width:.3f}, wider than ±{precision:g}"
                )
    round_batches: int | None = None
    if stop is None and state.get("partitioned") and not state.get("exhausted"):
        # Ray: the next round holds the batches the plug-in projection says are still needed, at
        # least one and at most one per worker, so a round on many workers does not overshoot a
        # sample that is nearly done. Fixed here, in the checkpoint: a resume on another number
        # of workers reruns the same round, so the batches committed before a crash are its own.
        workers = ctx.partitions.workers if ctx.partitions is not None else 1
        rates = [iv.rate for iv in seen.values()] + [0.0]
        needed = draws_needed(rates, n, population, alpha_per_interval(ctx), precision)
        round_batches = min(max(math.ceil((needed - n) / cfg.batch_size), 1), max(workers, 1))
        batches = f"{round_batches} batch" + ("" if round_batches == 1 else "es")
        reason += f"; about {needed} draws needed at the shares seen: next round {batches}"
    ctx.db.record_sampling_decision(
        name,
        step,
        inverted=n,
        vectors=here_vectors,
        seconds=seconds,
        widest=widest.half_width if n else None,
        stop=stop,
        reason=reason,
    )
    from ..progress import Notice, SamplingDecided, emit

    emit(
        SamplingDecided(
            name, n, population, stop=stop, widest=widest.half_width if n else None, reason=reason
        )
    )
    update: dict[str, Any] = {
        "sampling_clock": time.time(),
        "invert_quota": quota,
        "invert_round": round_batches,
    }
    if stop is not None:
        emit(Notice(reason, name))
        update["invert_plan"] = {}  # later batches read payloads only
        update["invert_quota"] = None
    return update


def sampling_report(ctx: ScanContext, state: ScanState) -> SamplingReport | None:
    """The collection's `SamplingReport` (None unless the run samples adaptively)."""
    cfg = ctx.config
    if not cfg.adaptive:
        return None
    plan = current_plan(state)
    name = plan["name"]
    population = plan["points_total"]
    types = tracked_types(ctx)
    alpha = alpha_per_interval(ctx)
    decisions = ctx.db.sampling_decisions(name)
    # the last decision is taken after the last inverting batch, so it counts every draw
    drawn = int(decisions[-1]["inverted"]) if decisions else 0
    seen, unseen = _inversion_intervals(ctx, name, population, drawn)
    n = unseen.n
    estimates = [_estimate(t, "inversion", iv) for t, iv in sorted(seen.items())]
    read = min(ctx.db.points_read(name), population)
    for t, c in sorted(ctx.db.points_with_entity(name, "payload").items()):
        estimates.append(_estimate(t, "payload", interval(min(c, read), read, population, alpha)))

    stopped = next((d for d in reversed(decisions) if d["stop"]), None)
    precision = cfg.precision or 0.0
    met = bool(n) and _widest(seen, unseen, types)[1].half_width <= precision
    if stopped is not None:
        stop: SamplingStop = stopped["stop"]
        reason = str(stopped["reason"])
    elif not decisions:
        stop, reason = "not-inverted", "no vector of this collection was inverted"
    elif n < plan["planned"]:
        # fewer draws than planned points and no recorded stop: only a vector budget cuts a sample
        stop = "budget-vectors"
        reason = f"stopped after {n} of {plan['planned']} points: the vector budget ran out"
    elif not cfg.sample or n >= population:
        stop, reason = "all-inverted", f"every point was drawn for inversion ({n} of {population})"
    else:
        stop = "sample-exhausted"
        reason = f"the --sample of {plan['planned']} points was inverted in full ({n} vectors)" + (
            "" if met else f"; the widest interval is wider than ±{precision:g}"
        )
    vectors = ctx.db.inverted_vectors()
    left = _collections_left(state)
    here = vectors.get(name, 0)
    return SamplingReport(
        method=METHOD,
        reference=REFERENCE,
        confidence=cfg.confidence,
        precision=precision,
        alpha_per_interval=round(alpha, 10),
        entity_types=types,
        population=population,
        inverted=n,
        vectors_inverted=here,
        seconds=round(sum(float(d["seconds"]) for d in decisions), 3),
        stop=stop,
        precision_met=met,
        reason=reason,
        budget_vectors=(
            int(_share(cfg.budget_vectors, sum(vectors.values()) - here, left))
            if cfg.budget_vectors is not None
            else None
        ),
        budget_seconds=cfg.budget_time,
        estimates=estimates,
        unseen_high=unseen.high if n else None,
    )


def _estimate(entity_type: str, source: Literal["payload", "inversion"], iv: Interval) -> RateEstimate:
    return RateEstimate(
        entity_type=entity_type,
        source=source,
        count=iv.count,
        n=iv.n,
        population=iv.population,
        rate=round(iv.rate, 6),
        low=round(iv.low, 6),
        high=round(iv.high, 6),
        exact=iv.exact,
    )
