"""Overlapping windows over long texts, so a detector reads every character of a long document.

A payload field can hold a whole page or PDF (tens of thousands of characters). spaCy's cost and
memory grow with the text, and its `max_length` caps it, so long texts are analyzed window by
window. Consecutive windows overlap by `overlap` characters, and each window *owns* the positions
from the middle of its leading overlap to the middle of its trailing one. A detection is kept only
by the window that owns its start: an entity up to `overlap // 2` characters long therefore lies
whole inside the window that keeps it, is reported once, and a fragment cut at a window's edge is
dropped (its start belongs to the neighbour, which sees the entity whole).
"""

from __future__ import annotations

from dataclasses import dataclass

#: Characters per window: large enough that most payload strings are one window, small enough
#: that spaCy's NER stays fast and flat in memory.
WINDOW_CHARS = 10_000
#: Overlap between consecutive windows; entities up to half of it (500 characters: any email,
#: card, phone, IBAN or street address) are found whole, and Presidio's context words (five
#: tokens before a match) stay in the same window.
WINDOW_OVERLAP = 1_000


@dataclass(frozen=True, slots=True)
class Window:
    """`text[start:end]` is analyzed; detections starting in [own_start, own_end) are kept."""

    start: int
    end: int
    own_start: int
    own_end: int

    def owns(self, position: int) -> bool:
        """Whether a detection starting at `position` (in the whole text) belongs to this window."""
        return self.own_start <= position < self.own_end


def split_windows(length: int, size: int = WINDOW_CHARS, overlap: int = WINDOW_OVERLAP) -> list[Window]:
    """The windows covering a text of `length` characters: one when it fits, else overlapping ones.

    Raises ValueError unless 0 <= overlap < size.
    """
    if not 0 <= overlap < size:
        raise ValueError("window overlap must be at least 0 and smaller than the window")
    if length <= size:
        return [Window(0, length, 0, length)]
    step = size - overlap
    # Every start is below length - overlap, so each window but the last ends inside the text, and
    # the last start is at least length - overlap - step, so the last window reaches its end.
    starts = list(range(0, length - overlap, step))
    windows: list[Window] = []
    for k, start in enumerate(starts):
        last = k == len(starts) - 1
        own_start = 0 if k == 0 else start + overlap // 2
        own_end = length if last else starts[k + 1] + overlap // 2
        windows.append(Window(start, length if last else start + size, own_start, own_end))
    return windows
