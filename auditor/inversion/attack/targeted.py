"""Targeted mode: which stored vectors support each value a data-protection officer supplies.

A customer list or an erasure request names values (person names, email addresses, phone
numbers); the question is which stored vectors still encode them. Whoever holds the vectors can
run the public encoder, so a candidate is checked exactly, never guessed: its embedding is
compared with the stored vector against *control values*, random values of the same shape drawn
from the name lists (same number of words and initials for a name; same domain, separators and
digit groups for an address; same digit layout for a number). A vector supports a candidate when
the candidate beats its controls by a clear margin, so every vector gets its own null
distribution, and a value that merely looks like a name (every name "fits" a little) does not.

Stage 1, the screen (no per-vector encoder calls): every candidate and its controls are embedded
once, alone; for each (vector, candidate) pair, lone_z = (cos(E(value), v) - mean) / sd over
`screen_controls` controls. Pairs with lone_z >= `screen_z` go on, at most `shortlist` per vector
and kind (highest first). All pairs are scored as one matrix product per block of vectors.

Stage 2, the frame: the vector's recovered text with every value-like item removed (names,
initials, addresses, numbers) is the frame. If the frame alone reaches cos >= `min_frame_cos`
to the vector, the candidate and `controls` controls are placed in it at the `gaps` best gaps
(chosen with control values, never with the candidate) and z is recomputed from those framed
cosines: a good frame explains the rest of the vector, and the candidate's part stands out more.
A frame below that is not used and stage 1 decides: the shipped v1 inverter's texts (value-free
frames at cos 0.15-0.47 to their vectors) made the framed z separate worse than the lone one
(email TPR 0.74 against 0.91 at FPR 1% on the even rows), while true frames made it better
(name TPR 0.96 against 0.92 at FPR 0.1%).

Decision: z >= `min_z` and margin >= `min_margin` (the candidate's cosine over the best
control's). Reported per candidate: its keyed fingerprint (the one scan findings carry) and the
supporting vectors (row index, point id, z, margin, framed or not), never the value.

Measured with `bench/bench_targeted.py` on the odd rows of bench/data/inversion_heldout.jsonl
(212 vectors x 542 candidates: every name, address and number of the file; thresholds chosen
on the even rows), default settings:

| frames                     | names TPR / FPR | emails TPR / FPR | phones TPR / FPR | calls/pair | /vector |
| -------------------------- | --------------- | ---------------- | ---------------- | ---------- | ------- |
| v1 inverter, scan defaults | 0.990 / 0.32%   | 0.898 / 0.57%    | 0.083 / 0.08%    | 0.073      | 21      |
| true text, values cut out  | 0.995 / 0.21%   | 0.898 / 0.39%    | 0.083 / 0.01%    | 0.476      | 240     |
| none (the value alone)     | 0.990 / 0.33%   | 0.898 / 0.58%    | 0.083 / 0.12%    | 0.033      | 0       |

(/vector: framed encoder calls per vector; calls/pair adds the 3,806 shared lone embeddings.
206 names, 49 addresses, 24 numbers held; 86k, 20k, 8.7k negative pairs.) A fifth to a third of
the false name supports share a given name or surname with a name the vector does hold.
FPR is per pair: m values against n vectors yield about FPR x n x m false supports, at most
`shortlist` per vector and kind. With 5,000 more list names as candidates (5,406 names, 1.15M
name pairs, v1 frames, `--distractors 5000`) name TPR was 0.985 (the shortlist dropped 1%) and
FPR 0.10%, i.e. 5.6 false name supports per vector at z >= 3; 1.4 at z >= 4 (TPR 0.971) and
0.27 at z >= 5 (TPR 0.883). So read z and margin, and raise `min_z` for long lists or large
stores; an erasure check of a few values against n vectors expects about 0.003 x n false
supports per value at the default. `vecaudit scan --candidates` does that per run: it keeps every
pair at z >= 3 and reports those at the run's own min_z (`vecaudit.targeted_threshold`).

Known limits: a vector holding a name also supports an address made of that name (the encoder
reads the same words); phone numbers and other digit strings are weakly encoded and rarely
found; names are judged against controls from Faker's lists, so a candidate far from every
listed name is compared with controls of another make-up (the held-out set's invented names,
syllables no list holds, were found as often as listed ones: TPR 0.97-1.00).
"""

from __future__ import annotations

import functools
import random
import re
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ...detect.names import PARTICLES
from ...encoders.base import Encoder
from ...errors import CandidatesError, InverterError
from ...files import read_text_file
from ...fingerprint import canonicalize, fingerprint, load_fingerprint_key
from .base import WORD, Guess
from .lexicon import name_lists
from .oracle import Oracle
from .values import EMAIL, PERSON, _mail_part

PHONE = "PHONE_NUMBER"
#: The entity types targeted mode checks (Presidio's names, as findings carry them).
KINDS = (PERSON, EMAIL, PHONE)

_EMAIL_RE = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_PHONE_RE = re.compile(r"\+?[0-9][0-9 ()./-]*[0-9]")
_NAME_WORD = re.compile(r"[^\W\d_][^\W\d_'.-]*(?:['.-][^\W\d_]+)*\.?")
_INITIAL = re.compile(r"[A-Z]\.?")
_EDGE = re.compile(r"^[^A-Za-z]+|[^A-Za-z]+$")
_RUNS = re.compile(r"[A-Za-z]+|[0-9]+|[^A-Za-z0-9]+")
_NUMBER_ITEM = re.compile(r"[+(]?[0-9][0-9()./-]*[,.;:]?")


def value_kind(value: str) -> str | None:
    """The entity type of a supplied value: EMAIL_ADDRESS, PHONE_NUMBER or PERSON; None if none fits."""
    text = value.strip()
    if _EMAIL_RE.fullmatch(text):
        return EMAIL
    if _PHONE_RE.fullmatch(text) and 6 <= sum(c.isdigit() for c in text) <= 15:
        return PHONE
    words = text.split()
    if words and len(words) <= 6 and all(_NAME_WORD.fullmatch(w) for w in words):
        # Particles alone ("de la", "van der") name nobody, and nothing varies in their controls.
        if any(not _word_shape(w).startswith("p:") for w in words):
            return PERSON
    return None


#: Limits of a candidates file: what a data-protection officer's list needs, and no more.
MAX_FILE_BYTES = 16 << 20
MAX_VALUE_CHARS = 256


class Candidate:
    """One supplied value and its entity type. Held in memory only: repr/str show the kind and the
    file line, never the value, and it refuses to be pickled (so no checkpoint or queue copies it)."""

    __slots__ = ("_value", "kind", "line")

    def __init__(self, value: str, kind: str | None = None, line: int = 0) -> None:
        text = " ".join(value.split())
        if kind is not None and kind not in KINDS:
            raise CandidatesError(f"unknown candidate kind {kind!r}; one of {', '.join(KINDS)}")
        found = kind or value_kind(text)
        if found is None:
            where = f"line {line}: " if line else ""
            raise CandidatesError(f"{where}not a person name, email address or phone number")
        self._value = text
        self.kind = found
        self.line = line

    @property
    def value(self) -> str:
        return self._value

    def fingerprint(self, key: bytes | None = None) -> str:
        """The keyed fingerprint scan findings carry for this value (`vecaudit.fingerprint`)."""
        return fingerprint(self.kind, self._value, key)

    def __repr__(self) -> str:
        return f"Candidate({self.kind}, line={self.line})"

    __str__ = __repr__

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("candidate values are kept in memory only and cannot be pickled")


def parse_candidates(text: str, source: str = "<candidates>") -> list[Candidate]:
    """Candidates from the text of a candidates file: one value per line, '#' starts a comment
    line, blank lines are skipped, repeated values (same kind and canonical form) are kept once.

    Raises CandidatesError naming `source` and the line (never the value) for a line with control
    characters, one longer than MAX_VALUE_CHARS, one that is no name, email or phone number, or a
    file without any value.
    """
    out: list[Candidate] = []
    seen: set[tuple[str, str]] = set()
    for number, raw in enumerate(text.removeprefix("\ufeff").split("\n"), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co") for c in line):
            raise CandidatesError(f"{source}:{number}: control or format characters in a value")
        if len(line) > MAX_VALUE_CHARS:
            raise CandidatesError(f"{source}:{number}: value longer than {MAX_VALUE_CHARS} characters")
        try:
            cand = Candidate(line, line=number)
        except CandidatesError:
            raise CandidatesError(
                f"{source}:{number}: not a person name, email address or phone number"
            ) from None
        key = (cand.kind, canonicalize(cand.kind, cand.value))
        if key not in seen:
            seen.add(key)
            out.append(cand)
    if not out:
        raise CandidatesError(f"{source}: no candidate values (one per line; '#' starts a comment)")
    return out


def read_candidates(path: str | Path) -> list[Candidate]:
    """The candidates of a UTF-8 file (see `parse_candidates`), read into memory and nowhere else.

    Raises CandidatesError for a missing or unreadable file, one over MAX_FILE_BYTES, bytes that
    are not UTF-8 (the message names the line) and every error of `parse_candidates`.
    """
    p = Path(path)
    text = read_text_file(p, what="candidates file", max_bytes=MAX_FILE_BYTES, error=CandidatesError)
    return parse_candidates(text, str(p))


def control_key(value: str, kind: str) -> tuple[str, ...]:
    """Values with one key share their controls: the kind, the shape and (emails) the domain."""
    if kind == PERSON:
        return (kind, *(_word_shape(w) for w in value.split()))
    if kind == EMAIL:
        local, _, domain = value.rpartition("@")
        return (kind, domain.lower(), *(_run_shape(r) for r in _RUNS.findall(local)))
    return (kind, re.sub(r"[0-9]", "9", value))


def _word_shape(word: str) -> str:
    core = word.rstrip(".")
    if len(core) == 1:
        return "I" + ("." if word.endswith(".") else "")  # an initial
    if core.islower():
        # A particle (van, de, al) is kept as it is in the controls; other lowercase words, short
        # ones too ("li", "wu", "ng"), are names and are varied.
        return f"p:{word}" if word in PARTICLES else "l"
    return "U" if core.isupper() else "A"


def _run_shape(run: str) -> str:
    if run.isalpha():
        return "a" if len(run) == 1 else "w"
    if run.isdigit():
        return "9" * len(run)
    return run


class NameSource(Protocol):
    """Given names and surnames to draw control values from (a `Lexicon` is one)."""

    @property
    def given(self) -> tuple[str, ...]: ...

    @property
    def family(self) -> tuple[str, ...]: ...

    @property
    def name_set(self) -> frozenset[str]: ...


@dataclass(frozen=True)
class NameLists:
    """Name lists without embeddings: all targeted mode needs (no lexicon embedding cache)."""

    given: tuple[str, ...]
    family: tuple[str, ...]

    @classmethod
    def default(cls) -> NameLists:
        """Faker's given names and surnames of every locale, as value search writes them."""
        given, family = name_lists()
        return cls(given, family)

    @functools.cached_property
    def name_set(self) -> frozenset[str]:
        return frozenset(self.given) | frozenset(self.family)


def controls(key: tuple[str, ...], names: NameSource, count: int, seed: int) -> list[str]:
    """`count` distinct random values of the shape `key` describes, made of list names."""
    rng = random.Random(f"{seed}:{'|'.join(key)}")
    kind = key[0]
    out: dict[str, None] = {}
    for _ in range(count * 4):
        if len(out) >= count:
            break
        if kind == PERSON:
            value = _person_control(key[1:], names, rng)
        elif kind == EMAIL:
            value = _email_control(key[1], key[2:], names, rng)
        else:
            value = re.sub(r"9", lambda _: str(rng.randrange(10)), key[1])
        out.setdefault(value, None)
    return list(out)


def _person_control(shapes: Sequence[str], names: NameSource, rng: random.Random) -> str:
    """Initials stay initials; the last word is a surname, the first of several a given name,
    any between a surname; a word alone is either."""
    words = [k for k, shape in enumerate(shapes) if shape[0] in "AUl"]
    out: list[str] = []
    for k, shape in enumerate(shapes):
        if shape.startswith("I"):
            out.append(chr(65 + rng.randrange(26)) + shape[1:])
            continue
        if shape.startswith("p:"):
            out.append(shape[2:])
            continue
        if len(shapes) == 1:
            pool = names.given if rng.random() < 0.5 else names.family
        else:
            pool = names.given if k == words[0] and len(words) > 1 else names.family
        word = rng.choice(pool)
        out.append(word.lower() if shape == "l" else word.upper() if shape == "U" else word)
    return " ".join(out)


def _email_control(domain: str, shapes: Sequence[str], names: NameSource, rng: random.Random) -> str:
    parts: list[str] = []
    named = 0
    for shape in shapes:
        if shape == "a":
            parts.append(chr(97 + rng.randrange(26)))
        elif shape == "w":
            word = ""
            while len(word) < 2:
                word = _mail_part(rng.choice(names.given if named == 0 else names.family))
            named += 1
            parts.append(word)
        elif shape.isdigit():
            parts.append("".join(str(rng.randrange(10)) for _ in shape))
        else:
            parts.append(shape)
    return "".join(parts) + "@" + domain


def _name_like(item: str, names: NameSource) -> bool:
    """An initial, or a capitalized word of the name lists (as value search reads a guess)."""
    bare = _EDGE.sub("", item)
    return bool(_INITIAL.fullmatch(item)) or (bare[:1].isupper() and bare in names.name_set)


def value_free(text: str, names: NameSource) -> Guess:
    """The recovered text with every value-like item removed: list names, initials, anything
    with an @, numbers. What remains is the frame a candidate is placed in."""
    kept = [
        item
        for item in text.split()
        if "@" not in item and not _NUMBER_ITEM.fullmatch(item) and not _name_like(item, names)
    ]
    return Guess(tuple(kept), (WORD,) * len(kept))


# -- scoring ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetedSettings:
    """How hard to look, and when a vector counts as supporting a value.

    Stage 1 (screen) costs no per-vector encoder calls: the candidate's lone embedding against the
    stored vector, as a z-score over `screen_controls` control values of the same shape.
    Stage 2 (frame) places the candidate and `controls` control values in the vector's
    value-free recovered text at the `gaps` best gaps and compares the cosines.
    """

    screen_controls: int = 64  # control values per shape for the lone-embedding screen
    screen_z: float = 2.0  # lone z a pair needs to go on to stage 2 and the decision
    shortlist: int = 8  # pairs per vector and kind that go on (highest lone z first)
    controls: int = 32  # control values per shape placed in each frame
    gaps: int = 2  # gaps per frame tried (chosen by probe values, never by the candidate)
    probes: int = 2  # control values that choose the gaps
    min_frame_cos: float = 0.5  # a frame explaining less of the vector is not used (stage 1 decides)
    min_z: float = 3.0  # z a supporting pair needs
    min_margin: float = 0.0  # cosine over the best control a supporting pair needs
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("screen_controls", "shortlist", "controls", "gaps", "probes"):
            if getattr(self, name) < 1:
                raise ValueError(f"TargetedSettings.{name} must be at least 1")
        if self.controls < 4 or self.screen_controls < 4:
            raise ValueError("TargetedSettings needs at least 4 controls to estimate a spread")


@dataclass(frozen=True)
class PairScore:
    """Statistics of one (vector, candidate) pair that passed the screen (no value inside).

    `z` and `margin` are what the decision reads: the framed ones when the vector's frame was good
    enough to be used (`framed`), else the lone ones.
    """

    vector: int  # row of the vectors array
    candidate: int  # index into the candidate list
    lone_z: float  # stage 1: (lone cosine - controls' mean) / controls' standard deviation
    lone_margin: float  # stage 1: lone cosine minus the best control's
    cos: float  # the candidate's cosine: framed (best gap) or lone
    framed: bool  # stage 2 ran for this pair
    z: float  # (cos - controls' mean) / controls' standard deviation, in the frame when framed
    margin: float  # cos minus the best control's cosine (cosine units)
    frame_cos: float  # cosine of the value-free frame alone (nan: no frame)


@dataclass(frozen=True)
class Support:
    """One stored vector that supports a candidate."""

    index: int  # row of the vectors array
    point_id: int | str | None  # the store's id of that row, when given
    margin: float  # the candidate's cosine minus the best control value's (cosine units)
    z: float  # the candidate's cosine over the controls' mean, in their standard deviations
    framed: bool  # judged in the vector's recovered frame (else by the value's lone embedding)


@dataclass(frozen=True)
class CandidateReport:
    """What targeted mode found for one candidate: its keyed fingerprint, never its value."""

    fingerprint: str  # "vfp1:..." as scan findings carry it
    kind: str  # PERSON, EMAIL_ADDRESS or PHONE_NUMBER
    line: int  # line of the candidates file (0 when built in code)
    supports: tuple[Support, ...]  # strongest first
    screened: int  # vectors where the candidate passed the screen and was judged

    def as_dict(self) -> dict[str, Any]:
        return {
            "fingerprint": self.fingerprint,
            "entity_type": self.kind,
            "line": self.line,
            "supported_by": [asdict(s) for s in self.supports],
            "vectors_screened": self.screened,
        }


@dataclass(frozen=True)
class TargetedResult:
    """Per-candidate reports plus what the search cost (JSON-ready through `as_dict`)."""

    candidates: tuple[CandidateReport, ...]
    vectors: int
    encoder: str
    shared_calls: int  # lone embeddings of candidates and controls, made once for every vector
    framed_calls: int  # framed texts, summed over vectors
    seconds: float
    settings: dict[str, Any]

    @property
    def encoder_calls(self) -> int:
        return self.shared_calls + self.framed_calls

    @property
    def calls_per_pair(self) -> float:
        """Encoder calls per (vector, candidate) pair."""
        pairs = self.vectors * len(self.candidates)
        return self.encoder_calls / pairs if pairs else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "encoder": self.encoder,
            "vectors": self.vectors,
            "candidates": [c.as_dict() for c in self.candidates],
            "encoder_calls": self.encoder_calls,
            "encoder_calls_shared": self.shared_calls,
            "encoder_calls_framed": self.framed_calls,
            "encoder_calls_per_pair": round(self.calls_per_pair, 4),
            "seconds": self.seconds,
            "settings": dict(self.settings),
        }


@dataclass
class Costs:
    """Encoder calls spent: shared ones (lone embeddings of candidates and controls, made once for
    every vector) and per-vector ones (framed texts, charged by the oracle)."""

    shared: int = 0
    per_vector: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def total(self) -> int:
        return self.shared + int(self.per_vector.sum())


#: Vectors screened per matrix product (bounds memory: block x candidates float32).
SCREEN_BLOCK = 1024
#: Texts per oracle batch in the framed stage.
FRAME_BATCH = 4096


@dataclass(frozen=True)
class _Controls:
    """Control values per shape key, and which key each candidate has."""

    keys: list[tuple[str, ...]]
    key_of: np.ndarray  # (candidates,) index into keys
    values: dict[tuple[str, ...], list[str]]

    def of(self, j: int) -> list[str]:
        return self.values[self.keys[int(self.key_of[j])]]


class TargetedSearch:
    """Scores supplied values against stored vectors of one encoder (see the module docstring)."""

    def __init__(
        self, encoder: Encoder, names: NameSource | None = None, settings: TargetedSettings | None = None
    ) -> None:
        self.encoder = encoder
        self.names = names or NameLists.default()
        self.settings = settings or TargetedSettings()
        # Lone embeddings of candidates and controls, kept in memory for the life of this search:
        # a scan screens batch after batch of vectors against the same values.
        self._lone_cache: dict[str, np.ndarray] = {}

    # -- stage 1 -----------------------------------------------------------------------------------

    def _controls(self, candidates: Sequence[Candidate]) -> _Controls:
        s = self.settings
        keys = [control_key(c.value, c.kind) for c in candidates]
        unique = list(dict.fromkeys(keys))
        index = {k: n for n, k in enumerate(unique)}
        values = {k: controls(k, self.names, s.screen_controls, s.seed) for k in unique}
        return _Controls(unique, np.array([index[k] for k in keys], dtype=np.int64), values)

    def screen(
        self, oracle: Oracle, candidates: Sequence[Candidate], ctl: _Controls, costs: Costs
    ) -> list[PairScore]:
        """Stage 1 for every (vector, candidate) pair, in blocks of vectors: the pairs whose lone z
        reaches `screen_z`, per vector and kind at most the `shortlist` highest."""
        s = self.settings
        cand_emb = self._lone(oracle, [c.value for c in candidates], costs)
        ctl_emb = [self._lone(oracle, ctl.values[k], costs) for k in ctl.keys]
        # A control that is the candidate itself (same canonical form) must not count against it.
        clash: dict[int, np.ndarray] = {}
        for j, c in enumerate(candidates):
            canon = canonicalize(c.kind, c.value)
            mask = np.array([canonicalize(c.kind, x) != canon for x in ctl.of(j)])
            if not mask.all():
                clash[j] = mask
        kinds = np.array([c.kind for c in candidates])
        key_of = ctl.key_of
        out: list[PairScore] = []
        for start in range(0, oracle.n, SCREEN_BLOCK):
            block = oracle.targets[start : start + SCREEN_BLOCK]
            lone = block @ cand_emb.T  # (b, m)
            stats = np.empty((3, block.shape[0], len(ctl.keys)), dtype=np.float32)  # mean, sd, max
            for n, emb in enumerate(ctl_emb):
                stats[:, :, n] = _moments(block @ emb.T)
            mu, sd, mx = stats[0][:, key_of], stats[1][:, key_of], stats[2][:, key_of]
            for j, mask in clash.items():
                mu[:, j], sd[:, j], mx[:, j] = _moments(block @ ctl_emb[key_of[j]][mask].T)
            z = (lone - mu) / sd
            for kind in dict.fromkeys(kinds.tolist()):
                cols = np.flatnonzero(kinds == kind)
                for r in range(block.shape[0]):
                    row = z[r, cols]
                    hits = np.flatnonzero(row >= s.screen_z)
                    if hits.size > s.shortlist:
                        hits = hits[np.argsort(-row[hits], kind="stable")[: s.shortlist]]
                    for h in hits:
                        j = int(cols[h])
                        zz, cc = float(z[r, j]), float(lone[r, j])
                        m = cc - float(mx[r, j])
                        out.append(PairScore(start + r, j, zz, m, cc, False, zz, m, float("nan")))
        return out

    def _lone(self, oracle: Oracle, texts: Sequence[str], costs: Costs) -> np.ndarray:
        """Unit embeddings (len(texts), dim) of values alone; only texts this search has not
        embedded before are embedded, and counted as shared calls."""
        fresh = [t for t in dict.fromkeys(texts) if t not in self._lone_cache]
        if fresh:
            self._lone_cache.update(zip(fresh, oracle.embed(fresh), strict=True))
            costs.shared += len(fresh)
        if not texts:
            return np.zeros((0, oracle.targets.shape[1]), dtype=np.float32)
        return np.stack([self._lone_cache[t] for t in texts])

    # -- stage 2 -----------------------------------------------------------------------------------

    def frame(
        self,
        oracle: Oracle,
        recovered: Sequence[str],
        candidates: Sequence[Candidate],
        screened: list[PairScore],
        ctl: _Controls,
    ) -> list[PairScore]:
        """Stage 2 for the screened pairs of vectors whose value-free frame reaches `min_frame_cos`;
        the others keep their stage-1 statistics. Texts go to the oracle in large batches."""
        s = self.settings
        frames = {p.vector: value_free(recovered[p.vector], self.names) for p in screened}
        framed = [i for i, f in frames.items() if f.items]
        cos = self._score(oracle, framed, [frames[i].text for i in framed])
        frame_cos = {i: float(c) for i, c in zip(framed, cos, strict=True)}
        good = {i for i, c in frame_cos.items() if c >= s.min_frame_cos}
        by_vector: dict[int, list[PairScore]] = {}
        out: list[PairScore] = []
        for p in screened:
            if p.vector in good:
                by_vector.setdefault(p.vector, []).append(p)
            else:
                out.append(replace(p, frame_cos=frame_cos.get(p.vector, float("nan"))))
        gaps = self._gaps(oracle, frames, candidates, by_vector, ctl)
        # Each candidate and every control of its key, at the chosen gaps of its vector.
        slots: dict[tuple[int, str, int], str] = {}  # (vector, value, gap) -> text
        for i, pairs in by_vector.items():
            for p in pairs:
                kind = candidates[p.candidate].kind
                for value in (candidates[p.candidate].value, *ctl.of(p.candidate)[: s.controls]):
                    for g in gaps[(i, kind)]:
                        slots.setdefault((i, value, g), frames[i].replace(g, g, value, kind).text)
        order = list(slots)
        cos = self._score(oracle, [k[0] for k in order], [slots[k] for k in order])
        best: dict[tuple[int, str], float] = {}
        for (i, value, _), c in zip(order, cos, strict=True):
            best[(i, value)] = max(best.get((i, value), -2.0), float(c))
        for i, pairs in by_vector.items():
            for p in pairs:
                cand = candidates[p.candidate]
                canon = canonicalize(cand.kind, cand.value)
                ref = np.array(
                    [
                        best[(i, x)]
                        for x in ctl.of(p.candidate)[: s.controls]
                        if canonicalize(cand.kind, x) != canon
                    ]
                )
                c = best[(i, cand.value)]
                mu, sd, mx = _moments(ref[None, :])
                z, m = (c - float(mu[0])) / float(sd[0]), c - float(mx[0])
                out.append(replace(p, z=z, margin=m, cos=c, framed=True, frame_cos=frame_cos[i]))
        out.sort(key=lambda p: (p.vector, p.candidate))
        return out

    def _gaps(
        self,
        oracle: Oracle,
        frames: dict[int, Guess],
        candidates: Sequence[Candidate],
        by_vector: dict[int, list[PairScore]],
        ctl: _Controls,
    ) -> dict[tuple[int, str], list[int]]:
        """The `gaps` best gaps per (vector, kind), chosen by control values of the commonest key of
        that kind among the vector's pairs: never by the candidate, which would favour it."""
        s = self.settings
        jobs: list[tuple[int, str, list[str]]] = []
        for i, pairs in by_vector.items():
            counts: dict[str, dict[int, int]] = {}
            for p in pairs:
                per_kind = counts.setdefault(candidates[p.candidate].kind, {})
                k = int(ctl.key_of[p.candidate])
                per_kind[k] = per_kind.get(k, 0) + 1
            for kind, per_key in counts.items():
                top = max(per_key, key=lambda k: per_key[k])
                jobs.append((i, kind, ctl.values[ctl.keys[top]][: s.probes]))
        owners: list[int] = []
        texts: list[str] = []
        for i, kind, probes in jobs:
            for gap in range(len(frames[i].items) + 1):
                owners += [i] * len(probes)
                texts += [frames[i].replace(gap, gap, x, kind).text for x in probes]
        cos = self._score(oracle, owners, texts)
        out: dict[tuple[int, str], list[int]] = {}
        at = 0
        for i, kind, probes in jobs:
            n = len(frames[i].items) + 1
            per_gap = cos[at : at + n * len(probes)].reshape(n, len(probes)).mean(1)
            at += n * len(probes)
            out[(i, kind)] = [int(g) for g in np.argsort(-per_gap, kind="stable")[: s.gaps]]
        return out

    @staticmethod
    def _score(oracle: Oracle, owners: list[int], texts: list[str]) -> np.ndarray:
        parts = [
            oracle.score_pairs(owners[k : k + FRAME_BATCH], texts[k : k + FRAME_BATCH])
            for k in range(0, len(texts), FRAME_BATCH)
        ]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)

    def score(
        self, vectors: np.ndarray, recovered: Sequence[str], candidates: Sequence[Candidate]
    ) -> tuple[list[PairScore], Costs]:
        """Statistics of every pair that passes the screen (sorted by vector, candidate) and their cost.

        Raises InverterError when `vectors` is not (len(recovered), encoder dim) or not finite.
        """
        oracle = Oracle(self.encoder, vectors)
        if len(recovered) != oracle.n:
            raise InverterError(f"{oracle.n} vectors but {len(recovered)} recovered texts")
        costs = Costs()
        if not candidates or oracle.n == 0:
            costs.per_vector = oracle.calls.copy()
            return [], costs
        ctl = self._controls(candidates)
        screened = self.screen(oracle, candidates, ctl, costs)
        pairs = self.frame(oracle, recovered, candidates, screened, ctl)
        costs.per_vector = oracle.calls.copy()
        return pairs, costs

    # -- decision ----------------------------------------------------------------------------------

    def supports(self, pair: PairScore) -> bool:
        """The decision rule: a screened pair beats its controls by `min_z` and `min_margin`."""
        s = self.settings
        return pair.z >= s.min_z and pair.margin >= s.min_margin

    def run(
        self,
        vectors: np.ndarray,
        recovered: Sequence[str],
        candidates: Sequence[Candidate],
        *,
        point_ids: Sequence[int | str] | None = None,
        key: bytes | None = None,
    ) -> TargetedResult:
        """Which rows of `vectors` support each candidate.

        vectors: (n, dim) stored vectors of this search's encoder (any norm; unit-normalized here).
        recovered: n strings, the best recovered text of each vector (may be junk or empty).
        candidates: the supplied values (`read_candidates`), scored in memory only.
        point_ids: n store ids reported beside the row indices (optional).
        key: the fingerprint key (default: the deployment's, see `vecaudit.fingerprint`).

        Returns one `CandidateReport` per candidate, in input order, holding its keyed
        fingerprint and its supporting vectors, strongest first; never a value.
        Raises InverterError for a vectors array that does not fit the encoder or the other
        arguments, and FingerprintKeyError for an unusable key.
        """
        started = time.monotonic()
        secret = key if key is not None else load_fingerprint_key()  # fail before the work, not after
        if point_ids is not None and len(point_ids) != len(recovered):
            raise InverterError(f"{len(recovered)} recovered texts but {len(point_ids)} point ids")
        pairs, costs = self.score(vectors, recovered, candidates)
        found: dict[int, list[Support]] = {}
        screened: dict[int, int] = {}
        for p in pairs:
            screened[p.candidate] = screened.get(p.candidate, 0) + 1
            if self.supports(p):
                pid = None if point_ids is None else point_ids[p.vector]
                found.setdefault(p.candidate, []).append(
                    Support(p.vector, pid, round(p.margin, 4), round(p.z, 2), p.framed)
                )
        reports = tuple(
            CandidateReport(
                fingerprint=c.fingerprint(secret),
                kind=c.kind,
                line=c.line,
                supports=tuple(sorted(found.get(j, []), key=lambda s: (-s.z, s.index))),
                screened=screened.get(j, 0),
            )
            for j, c in enumerate(candidates)
        )
        return TargetedResult(
            candidates=reports,
            vectors=len(recovered),
            encoder=self.encoder.spec.id,
            shared_calls=costs.shared,
            framed_calls=int(costs.per_vector.sum()),
            seconds=round(time.monotonic() - started, 3),
            settings=asdict(self.settings),
        )


def _moments(cos: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, standard deviation (at least 1e-4) and maximum of each row of control cosines."""
    return cos.mean(1), np.maximum(cos.std(1), 1e-4), cos.max(1)


def find_supporting(
    encoder: Encoder,
    vectors: np.ndarray,
    recovered: Sequence[str],
    candidates: Sequence[Candidate],
    *,
    point_ids: Sequence[int | str] | None = None,
    names: NameSource | None = None,
    settings: TargetedSettings | None = None,
    key: bytes | None = None,
) -> TargetedResult:
    """`TargetedSearch(encoder, names, settings).run(...)`: see `TargetedSearch.run`."""
    return TargetedSearch(encoder, names, settings).run(
        vectors, recovered, candidates, point_ids=point_ids, key=key
    )
