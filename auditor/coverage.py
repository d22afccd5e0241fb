"""Counting coverage: what a batch, then a collection, analyzed and what it left out, and why.

A `CoverageTally` collects counts while a batch is processed, and merges the stored `Coverage` of
every batch of a collection for its report. Gaps keep their counts exactly but only the first few
point ids, paths and details, so a collection with a million NaN vectors still has a small report
(and a small run database row per batch).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .models import Coverage, CoverageGap, GapReason, PointId

#: Point ids, payload paths and details kept per gap (counts are always exact).
MAX_POINT_IDS = 20
MAX_FIELDS = 10
MAX_DETAILS = 5


def _add_unique(items: list[str], value: str | None, cap: int) -> None:
    if value is not None and value not in items and len(items) < cap:
        items.append(value)


@dataclass
class _Gap:
    count: int = 0
    point_ids: list[PointId] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)
    vectors: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)


class CoverageTally:
    """Mutable counts behind a `Coverage`."""

    def __init__(self) -> None:
        self.points_analyzed = 0
        self.fields_analyzed = 0
        self._gaps: dict[GapReason, _Gap] = {}

    def skipped(
        self,
        reason: GapReason,
        *,
        point_id: PointId | None = None,
        field: str | None = None,
        vector: str | None = None,
        detail: str | None = None,
        count: int = 1,
    ) -> None:
        """Count `count` points, fields or vectors (per the reason's unit) not analyzed for `reason`."""
        gap = self._gaps.setdefault(reason, _Gap())
        gap.count += count
        if point_id is not None and point_id not in gap.point_ids and len(gap.point_ids) < MAX_POINT_IDS:
            gap.point_ids.append(point_id)
        _add_unique(gap.fields, field, MAX_FIELDS)
        _add_unique(gap.vectors, vector, MAX_FIELDS)
        _add_unique(gap.details, detail, MAX_DETAILS)

    def merge(self, coverage: Coverage) -> None:
        """Add a stored `Coverage` (a batch's) to these counts."""
        self.points_analyzed += coverage.points_analyzed
        self.fields_analyzed += coverage.fields_analyzed
        for g in coverage.not_analyzed:
            gap = self._gaps.setdefault(g.reason, _Gap())
            gap.count += g.count
            for pid in g.point_ids:
                if pid not in gap.point_ids and len(gap.point_ids) < MAX_POINT_IDS:
                    gap.point_ids.append(pid)
            for values, merged, cap in (
                (g.fields, gap.fields, MAX_FIELDS),
                (g.vectors, gap.vectors, MAX_FIELDS),
                (g.details, gap.details, MAX_DETAILS),
            ):
                for value in values:
                    _add_unique(merged, value, cap)

    def coverage(self) -> Coverage:
        """The counts as a report model, gaps in the order of `GapReason`."""
        return Coverage(
            points_analyzed=self.points_analyzed,
            fields_analyzed=self.fields_analyzed,
            not_analyzed=[
                CoverageGap(
                    reason=reason,
                    unit=reason.unit,
                    count=gap.count,
                    point_ids=list(gap.point_ids),
                    fields=list(gap.fields),
                    vectors=list(gap.vectors),
                    details=list(gap.details),
                )
                for reason in GapReason
                if (gap := self._gaps.get(reason)) is not None and gap.count
            ],
        )


def merged(coverages: Iterable[Coverage]) -> Coverage:
    """Several batches' coverage as one."""
    tally = CoverageTally()
    for c in coverages:
        tally.merge(c)
    return tally.coverage()


def gap_summary(coverage: Coverage) -> str:
    """One line for people: "1 point, 2 fields not analyzed (unreadable_record 1, size_limit 2)"."""
    parts = [
        f"{n:,} {unit}{'s' if n != 1 else ''}"
        for unit, n in (
            ("point", coverage.points_not_analyzed),
            ("field", coverage.fields_not_analyzed),
            ("vector", coverage.vectors_not_analyzed),
        )
        if n
    ]
    reasons = ", ".join(f"{g.reason.value} {g.count:,}" for g in coverage.not_analyzed)
    return f"{', '.join(parts)} not analyzed ({reasons})" if parts else "everything analyzed"


def gap_where(gap: CoverageGap, *, max_ids: int | None = None) -> str:
    """Where a gap is: "vector (default); field body; point id(s) 3, 7, ..." (ids and paths only)."""
    where = []
    if gap.vectors:
        where.append(f"vector {', '.join(gap.vectors)}")
    if gap.fields:
        where.append(f"field {', '.join(gap.fields)}")
    if gap.point_ids:
        shown = gap.point_ids if max_ids is None else gap.point_ids[:max_ids]
        more = ", ..." if gap.count > len(shown) else ""
        where.append(f"point id(s) {', '.join(map(str, shown))}{more}")
    return "; ".join(where)


def describe_gap(gap: CoverageGap, *, max_ids: int | None = None) -> str:
    """A gap in one line for people and CI logs, e.g. "1 point, unreadable_record: the stored
    record cannot be read (...) [cannot be decoded (UnpicklingError)]; point id(s) 7"."""
    unit = gap.unit if gap.count == 1 else f"{gap.unit}s"
    details = f" [{'; '.join(gap.details)}]" if gap.details else ""
    where = gap_where(gap, max_ids=max_ids)
    return f"{gap.count:,} {unit}, {gap.reason.value}: {gap.description}{details}" + (
        f"; {where}" if where else ""
    )
