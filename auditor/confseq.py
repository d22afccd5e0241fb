"""Confidence sequences for the share of a finite collection that has a property.

The adaptive scan (`vecaudit.nodes.adaptive`) inverts the points of a collection in a uniformly
random order and stops when it knows the leakage rate well enough. Stopping when the data say so
breaks fixed-sample intervals (looking after every batch and stopping at the first narrow interval
under-covers), so every interval here is a *confidence sequence*: with probability at least
1 - alpha it holds the true value at every time simultaneously, hence also at a data-dependent
stopping time.

Method: the prior-posterior ratio confidence sequence for sampling without replacement from a
finite binary population, with a beta-binomial prior (Waudby-Smith & Ramdas, "Confidence sequences
for sampling without replacement", NeurIPS 2020, section 3). A population of N units holds K
"positives" (points that leak a value of one entity type). Put a BetaBin(N, a, b) prior on K. After
t draws without replacement with S positives, the posterior of K - S is BetaBin(N - t, a + S,
b + t - S) (hypergeometric sampling is conjugate to it). The prior-posterior ratio

    R_t(k) = prior(k) / posterior_t(k)

is, for the true K, a nonnegative martingale with R_0 = 1, so by Ville's inequality
P(exists t: R_t(K) >= 1/alpha) <= alpha, and C_t = {k : R_t(k) < 1/alpha} is a confidence sequence
for K. In closed form the beta function of k cancels:

    log R_t(k) = log C(N, k) - log C(N - t, k - S) + log B(a + S, b + t - S) - log B(a, b)

for S <= k <= N - t + S (other k are excluded by what was seen). The set is an interval of k,
reported as shares k / N. It depends on (t, S) only, not on the order of the draws, so a resumed
scan rebuilds it from counts in the run database. When t = N it shrinks to the exact share. As
N grows it becomes Robbins' beta-binomial mixture confidence sequence for a Bernoulli mean
(Robbins 1970; Howard, Ramdas, McAuliffe & Sekhon, Ann. Statist. 2021).

Several entity types: one sequence per type and metric, each at level alpha / m, where m is fixed
before the scan (the policy's entity types, times the metrics estimated): the union bound makes
all of them hold together with probability at least 1 - alpha.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.special import betaln, gammaln

#: The prior BetaBin(N, a, b): a = b = 1 is uniform on the count of positives (no prior lean).
PRIOR_A = 1.0
PRIOR_B = 1.0


def _log_choose(n: int, k: int) -> float:
    return float(gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1))


def log_ratio(k: int, n_pop: int, t: int, s: int, a: float = PRIOR_A, b: float = PRIOR_B) -> float:
    """log R_t(k): the evidence against "the population holds k positives" after t draws with s positives.

    Returns +inf for k that contradict the draws (k < s or N - k < t - s).
    """
    if k < s or n_pop - k < t - s:
        return math.inf
    return (
        _log_choose(n_pop, k)
        - _log_choose(n_pop - t, k - s)
        + float(betaln(a + s, b + t - s))
        - float(betaln(a, b))
    )


@dataclass(frozen=True, slots=True)
class Interval:
    """A confidence-sequence interval for a share, at one time.

    `low`/`high` are shares in [0, 1]; `count` of `n` draws were positive, out of a population of
    `population`; `exact` when every unit was drawn (then low == high == the true share).
    """

    count: int
    n: int
    population: int
    low: float
    high: float

    @property
    def rate(self) -> float:
        """The share seen so far (count / n; 0 before any draw)."""
        return self.count / self.n if self.n else 0.0

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2

    @property
    def exact(self) -> bool:
        return self.n >= self.population


def _edge(n_pop: int, t: int, s: int, alpha: float, inside: int, outside: int, a: float, b: float) -> int:
    """The k nearest `outside` that is still in the set, by bisection between `inside` (in the set)
    and `outside` (not in the set). log R is quasi-convex in k, so the set is one run of integers."""
    bound = -math.log(alpha)
    while abs(outside - inside) > 1:
        mid = (inside + outside) // 2
        if log_ratio(mid, n_pop, t, s, a, b) < bound:
            inside = mid
        else:
            outside = mid
    return inside


def interval(
    count: int, n: int, population: int, alpha: float, a: float = PRIOR_A, b: float = PRIOR_B
) -> Interval:
    """The (1 - alpha) confidence-sequence interval for the share of positives in a population of
    `population` units after drawing `n` of them uniformly without replacement, `count` positive.

    Raises ValueError for impossible counts or alpha outside (0, 1).
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), not {alpha}")
    if not 0 <= count <= n <= population:
        raise ValueError(f"need 0 <= count ({count}) <= n ({n}) <= population ({population})")
    if population == 0:
        return Interval(0, 0, 0, 0.0, 1.0)
    if n == population:
        share = count / population
        return Interval(count, n, population, share, share)
    lo_k, hi_k = count, population - (n - count)  # what the draws allow
    bound = -math.log(alpha)
    # the centre of the set: log R is smallest near the plug-in estimate of K
    centre = min(max(round(count / n * population) if n else population // 2, lo_k), hi_k)
    if log_ratio(centre, population, n, count, a, b) >= bound:
        # should not happen (the minimum of log R is <= 0 when the prior puts mass near the
        # estimate); scan for any member rather than report an empty set
        members = [k for k in range(lo_k, hi_k + 1) if log_ratio(k, population, n, count, a, b) < bound]
        if not members:
            return Interval(count, n, population, lo_k / population, hi_k / population)
        centre = members[len(members) // 2]
    low = (
        lo_k
        if log_ratio(lo_k, population, n, count, a, b) < bound
        else _edge(population, n, count, alpha, centre, lo_k, a, b)
    )
    high = (
        hi_k
        if log_ratio(hi_k, population, n, count, a, b) < bound
        else _edge(population, n, count, alpha, centre, hi_k, a, b)
    )
    return Interval(count, n, population, low / population, high / population)
