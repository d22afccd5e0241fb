"""How high a z targeted mode asks of a support, given how many pairs a run judges.

Every (vector, candidate) pair is a chance of a false support: with n vectors and m candidates a
run expects about FPR(z) x n x m of them. A scan therefore picks the smallest `min_z` (in steps
of `Z_STEP`, never below `Z_FLOOR`) at which the expected false supports of the whole run,
n x sum over candidates of FPR_kind(min_z), stay at or below `FALSE_SUPPORT_TARGET`, and the
report records that z and the expectation at it.

FPR_kind(z) per pair, from `bench/bench_targeted.py` (module docstring of
`vecaudit.inversion.attack.targeted`), taken at
the conservative end:
  * z >= 3: names 0.32%, emails 0.57%, phone numbers 0.12% (each kind's worst frame source);
  * z >= 4 and z >= 5: measured for names only (5,406 names against 212 vectors: 1.4 and 0.27
    false supports per vector, i.e. 0.259 and 0.050 times the rate at z >= 3 of the same run);
    every kind is scaled from its z >= 3 rate by those factors;
  * between those points log-linear; above 5 extrapolated with the last measured fall (x 1/5.2
    per unit of z), which is a guess and is marked as such in the report.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

# The entity types targeted mode checks (`inversion.attack.targeted.KINDS`), spelled out here so
# that reading a report never imports the inversion stack.
PERSON, EMAIL, PHONE = "PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER"

#: Expected false supports a whole run may carry.
FALSE_SUPPORT_TARGET = 0.05
#: The lowest min_z (TargetedSettings' default, where the rates were measured) and the highest.
Z_FLOOR = 3.0
Z_CEILING = 10.0
Z_STEP = 0.25
#: The highest z with a measured rate: above it the rate is extrapolated.
Z_MEASURED = 5.0

#: Per-pair false-support rate at z >= 3, per entity type.
FPR_AT_FLOOR: dict[str, float] = {PERSON: 3.2e-3, EMAIL: 5.7e-3, PHONE: 1.2e-3}
#: log10 of FPR(z) / FPR(3) at the measured points (names, 5,406-name run).
_LOG_FALL = ((3.0, 0.0), (4.0, math.log10(0.259)), (5.0, math.log10(0.050)))
#: Beyond z = 5: the z 4 -> 5 fall, per unit of z.
_LOG_FALL_PER_Z = _LOG_FALL[2][1] - _LOG_FALL[1][1]


def fall(z: float) -> float:
    """FPR(z) / FPR(3) (1.0 at or below z = 3)."""
    if z <= _LOG_FALL[0][0]:
        return 1.0
    for (z0, f0), (z1, f1) in zip(_LOG_FALL, _LOG_FALL[1:], strict=False):
        if z <= z1:
            return float(10 ** (f0 + (f1 - f0) * (z - z0) / (z1 - z0)))
    return float(10 ** (_LOG_FALL[-1][1] + _LOG_FALL_PER_Z * (z - _LOG_FALL[-1][0])))


def pair_fpr(kind: str, z: float) -> float:
    """Per-pair false-support rate of a candidate of `kind` at threshold z (unknown kinds: the worst)."""
    return FPR_AT_FLOOR.get(kind, max(FPR_AT_FLOOR.values())) * fall(z)


def expected_false_supports(z: float, vectors: int, kinds: Iterable[str]) -> float:
    """n x sum over candidates of FPR_kind(z): the false supports a run of `vectors` vectors and
    candidates of these `kinds` (one entry per candidate) expects at threshold z."""
    return vectors * sum(pair_fpr(k, z) for k in kinds)


@dataclass(frozen=True)
class Threshold:
    """The decision threshold a run used, and why."""

    min_z: float
    expected_false_supports: float  # at min_z, over the whole run
    pairs: int  # vectors x candidates judged
    extrapolated: bool  # min_z is above the highest measured z
    reaches_target: bool  # False when even Z_CEILING expects more than the target

    @property
    def rule(self) -> str:
        return (
            f"smallest z >= {Z_FLOOR:g} (steps of {Z_STEP:g}) with vectors x sum of per-candidate "
            f"false-support rates <= {FALSE_SUPPORT_TARGET:g}"
        )


def choose_min_z(vectors: int, kinds: Iterable[str]) -> Threshold:
    """The run's min_z for `vectors` vectors and candidates of `kinds` (see the module docstring)."""
    kinds = list(kinds)
    z = Z_FLOOR
    while True:
        expected = expected_false_supports(z, vectors, kinds)
        if expected <= FALSE_SUPPORT_TARGET or z >= Z_CEILING:
            return Threshold(
                min_z=z,
                expected_false_supports=expected,
                pairs=vectors * len(kinds),
                extrapolated=z > Z_MEASURED,
                reaches_target=expected <= FALSE_SUPPORT_TARGET,
            )
        z = round(z + Z_STEP, 6)
