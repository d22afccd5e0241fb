"""Progress events of a scan, independent of any user interface.

Graph nodes emit these through LangGraph's custom stream (as plain dicts, see `emit`); the runner
turns them back into typed events and hands them to listeners: the CLI's progress bar, the TUI,
a test. Events carry names, counts and scores only, never a payload value or recovered text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any, ClassVar, Union, get_args


@dataclass(frozen=True, slots=True)
class RunStarted:
    kind: ClassVar[str] = "run_started"
    run_id: str
    target: str
    resumed: bool
    points_planned: int = 0  # known after discovery; 0 before
    points_done: int = 0


@dataclass(frozen=True, slots=True)
class ScanPlanned:
    """Discovery finished: which collections will be read and how many points each."""

    kind: ClassVar[str] = "scan_planned"
    collections: dict[str, int]  # collection -> points to scan
    points_planned: int


@dataclass(frozen=True, slots=True)
class CollectionStarted:
    kind: ClassVar[str] = "collection_started"
    collection: str
    points_total: int
    points_planned: int
    vectors: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class EncoderIdentified:
    kind: ClassVar[str] = "encoder_identified"
    collection: str
    vector: str
    name: str
    confidence: float
    method: str


@dataclass(frozen=True, slots=True)
class StageSkipped:
    kind: ClassVar[str] = "stage_skipped"
    stage: str
    reason: str
    collection: str | None = None


@dataclass(frozen=True, slots=True)
class Notice:
    """Something the user should know that does not stop the scan (e.g. NaN vectors)."""

    kind: ClassVar[str] = "notice"
    message: str
    collection: str | None = None


@dataclass(frozen=True, slots=True)
class SamplingDecided:
    """Adaptive sampling decided, before a batch of `collection`, whether inversion goes on.

    Counts and the decision only: `inverted` points of `population` drawn for inversion so far,
    `stop` ("precision", "budget-vectors", "budget-time"; None while inversion goes on or when the
    collection was read to its end), the widest interval's half-width, and `reason` in words (counts,
    shares and entity type names, never a value).
    """

    kind: ClassVar[str] = "sampling_decided"
    collection: str
    inverted: int
    population: int
    stop: str | None = None
    widest: float | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class BatchScanned:
    kind: ClassVar[str] = "batch_scanned"
    collection: str
    points: int  # in this batch
    collection_done: int
    collection_planned: int
    points_done: int  # whole scan
    points_planned: int
    findings: int  # whole scan so far
    inverted: int = 0  # in this batch
    not_analyzed: int = 0  # points, fields and vectors of this batch left unanalyzed (with a reason)


@dataclass(frozen=True, slots=True)
class CollectionFinished:
    kind: ClassVar[str] = "collection_finished"
    collection: str
    points_scanned: int
    findings: int
    not_analyzed: str = ""  # e.g. "1 point not analyzed (unreadable_record 1)"; "" when complete


@dataclass(frozen=True, slots=True)
class ScanFinished:
    kind: ClassVar[str] = "scan_finished"
    run_id: str
    complete: bool
    points_done: int
    findings: int


ProgressEvent = Union[  # noqa: UP007 - a runtime alias, used in isinstance-free dispatch
    RunStarted,
    ScanPlanned,
    CollectionStarted,
    EncoderIdentified,
    StageSkipped,
    Notice,
    SamplingDecided,
    BatchScanned,
    CollectionFinished,
    ScanFinished,
]
ProgressListener = Callable[[ProgressEvent], None]

_EVENT_TYPES: dict[str, type[Any]] = {cls.kind: cls for cls in get_args(ProgressEvent)}

_MARK = "vecaudit_event"


def to_wire(event: ProgressEvent) -> dict[str, Any]:
    """The dict a node writes to LangGraph's custom stream."""
    return {_MARK: event.kind, **asdict(event)}


def from_wire(data: Any) -> ProgressEvent | None:
    """The typed event for a custom-stream item, or None if the item is not one of ours."""
    if not isinstance(data, Mapping) or data.get(_MARK) not in _EVENT_TYPES:
        return None
    cls = _EVENT_TYPES[data[_MARK]]
    names = {f.name for f in fields(cls)}
    event: ProgressEvent = cls(**{k: v for k, v in data.items() if k in names})
    return event


def emit(event: ProgressEvent) -> None:
    """Send an event from inside a graph node; a no-op when the graph is not being streamed."""
    from langgraph.config import get_stream_writer

    try:
        writer = get_stream_writer()
    except RuntimeError:  # called outside a running graph (e.g. a stage function in a unit test)
        return
    writer(to_wire(event))
