"""The policy schema: which entities matter, how much, where, and what is explicitly allowed.

Strict on purpose: a misspelled key ("treshold") must fail loudly instead of silently applying
a default. The loader turns validation errors into PolicyError messages with file and line.
"""

from __future__ import annotations

import fnmatch
import re
from datetime import date
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ..models import Reference, RuleInfo, Severity
from . import standards

Source = Literal["payload", "inversion"]
ALL_SOURCES: tuple[Source, ...] = ("payload", "inversion")

_ENTITY = r"^[A-Z][A-Z0-9_]*$"
_RULE_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
_FINGERPRINT = r"^vfp1:[0-9a-f]{32}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Scope(_Strict):
    """Collections a policy (or a rule) applies to: glob patterns, exclude wins."""

    include: list[str] = Field(default_factory=lambda: ["*"])
    exclude: list[str] = Field(default_factory=list)

    def matches(self, collection: str) -> bool:
        if any(fnmatch.fnmatchcase(collection, p) for p in self.exclude):
            return False
        return any(fnmatch.fnmatchcase(collection, p) for p in self.include)


_TEXT_LIMIT = 300
# Reference text reaches HTML, Markdown, SARIF and terminals: printable characters only.
_PRINTABLE = re.compile(r"[^\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]*")


class CustomReference(_Strict):
    """A reference the catalogue does not hold, written out in the policy.

    references:
      - {standard: "ISO/IEC 27001:2022", id: "A.8.11", title: "Data masking"}
    """

    standard: str = Field(min_length=1, max_length=_TEXT_LIMIT)
    id: str = Field(min_length=1, max_length=_TEXT_LIMIT)
    title: str = Field(default="", max_length=_TEXT_LIMIT)
    url: str = Field(default="", max_length=2000)
    tag: str | None = Field(default=None, min_length=1, max_length=_TEXT_LIMIT, pattern=r"^\S+$")

    @field_validator("standard", "id", "title")
    @classmethod
    def _printable(cls, value: str) -> str:
        if not _PRINTABLE.fullmatch(value):
            raise ValueError("contains control or bidi characters")
        if value != value.strip():
            raise ValueError("has leading or trailing spaces")
        return value

    @field_validator("url")
    @classmethod
    def _web_link(cls, value: str) -> str:
        # Reports render it as a link: nothing but a plain http(s) address may get there.
        if value and not re.fullmatch(r"https?://[^\s<>\"'`\\]+", value):
            raise ValueError("must be an http:// or https:// address without spaces or quotes")
        return value

    def resolve(self) -> Reference:
        return Reference(
            standard=self.standard,
            id=self.id,
            title=self.title,
            url=self.url,
            tag=self.tag or standards.make_tag(self.standard, self.id),
        )


#: A catalogue tag ("GDPR-Art-32", see vecaudit.policy.standards) or a reference written out.
#: Told apart by type, so an error names one shape instead of both.
ReferenceSpec = Annotated[
    Annotated[str, Tag("tag")] | Annotated[CustomReference, Tag("reference")],
    Discriminator(lambda value: "tag" if isinstance(value, str) else "reference"),
]


def _check_tags(specs: list[ReferenceSpec]) -> list[ReferenceSpec]:
    for spec in specs:
        if isinstance(spec, str) and standards.lookup(spec) is None:
            known = ", ".join(sorted(standards.CATALOGUE)[:6])
            raise ValueError(
                f"'{spec[:60]}' is not a reference vecaudit knows (e.g. {known}, ...); "
                "cite one of vecaudit.policy.standards.CATALOGUE or write {standard, id, title, url}"
            )
    return specs


def resolve_references(specs: list[ReferenceSpec]) -> list[Reference]:
    """References as reports carry them, catalogue tags looked up."""
    out: list[Reference] = []
    for spec in specs:
        ref = standards.lookup(spec) if isinstance(spec, str) else spec.resolve()
        if ref is not None:  # validation already rejected unknown tags
            out.append(ref)
    return out


class Rule(_Strict):
    """One entity's severity. The first rule (in policy order) that fits a detection decides.

    `with_any` makes the rule depend on identifiability: it fits only when a detection of one of
    those entities is in the same point (any field of its payload; for inversion, the same
    recovered text). A quasi-identifier can so be graded by what it is found next to:
        - {entity: STREET_ADDRESS, severity: high, with_any: [PERSON, EMAIL_ADDRESS]}
        - {entity: STREET_ADDRESS, severity: medium}
    and an entity with only `with_any` rules is reported next to a person and never alone.
    """

    id: str | None = Field(default=None, pattern=_RULE_ID)
    entity: str = Field(pattern=_ENTITY)
    severity: Severity
    threshold: float = Field(default=0.5, ge=0.0, le=1.0)
    with_any: list[str] | None = Field(default=None, min_length=1)
    sources: list[Source] | None = Field(default=None, min_length=1)
    scope: Scope | None = None
    description: str = ""
    # Clauses of standards this rule's findings bear on, besides the policy's own `references`.
    references: list[ReferenceSpec] = Field(default_factory=list)

    _check_references = field_validator("references")(_check_tags)

    @field_validator("with_any")
    @classmethod
    def _entity_names(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        for name in value:
            if not re.fullmatch(_ENTITY, name):
                raise ValueError(
                    f"'{name}' is not an entity name (upper case, digits and underscores, e.g. PERSON)"
                )
        repeated = sorted({name for name in value if value.count(name) > 1})
        if repeated:
            raise ValueError(f"lists {', '.join(repeated)} more than once")
        return value

    @model_validator(mode="after")
    def _not_with_itself(self) -> Rule:
        if self.with_any is not None and self.entity in self.with_any:
            raise ValueError(
                f"with_any names the rule's own entity {self.entity}; list the entities that must be "
                "found beside it (e.g. PERSON, EMAIL_ADDRESS)"
            )
        return self

    @property
    def rule_id(self) -> str:
        return self.id or f"VA-PII-{self.entity}"

    def applies(self, collection: str, source: Source) -> bool:
        if self.sources is not None and source not in self.sources:
            return False
        return self.scope is None or self.scope.matches(collection)

    def accepts(self, present: frozenset[str] | set[str]) -> bool:
        """Whether the co-occurrence condition holds for the entities `present` in the point."""
        return self.with_any is None or any(entity in present for entity in self.with_any)

    def info(self, policy_references: list[ReferenceSpec] | None = None) -> RuleInfo:
        """The rule as reports describe it; its references are vecaudit's own for a finding, then
        the rule's (the most specific), then `policy_references` (those of the whole policy)."""
        return RuleInfo(
            id=self.rule_id,
            entity_type=self.entity,
            severity=self.severity,
            threshold=self.threshold,
            description=self.description,
            references=standards.merge(
                standards.BUILTIN["finding"],
                resolve_references(self.references),
                resolve_references(policy_references or []),
            ),
        )


class AllowlistEntry(_Strict):
    """A value that is allowed to be present: by keyed fingerprint or by a regex on the value.

    A pattern must match the whole value (re.fullmatch), so "noreply@example\\.com" does not
    also allow "noreply@example.com.evil.org".
    """

    fingerprint: str | None = Field(default=None, pattern=_FINGERPRINT)
    pattern: str | None = None
    entity: str | None = Field(default=None, pattern=_ENTITY)
    justification: str
    expires: date | None = None

    _regex: re.Pattern[str] | None = PrivateAttr(default=None)

    @field_validator("justification")
    @classmethod
    def _justified(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must say why this value is allowed")
        return value

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:  # the message names the position, not the pattern text
                raise ValueError(f"invalid regular expression ({exc.msg} at position {exc.pos})") from None
        return value

    @model_validator(mode="after")
    def _one_selector(self) -> AllowlistEntry:
        if (self.fingerprint is None) == (self.pattern is None):
            raise ValueError("give exactly one of 'fingerprint' or 'pattern'")
        if self.pattern is not None:
            self._regex = re.compile(self.pattern)
        return self

    def expired(self, today: date) -> bool:
        return self.expires is not None and self.expires < today

    def matches(self, entity_type: str, fingerprint: str, value: str) -> bool:
        if self.entity is not None and self.entity != entity_type:
            return False
        if self.fingerprint is not None:
            return self.fingerprint == fingerprint
        return self._regex is not None and self._regex.fullmatch(value.strip()) is not None


class Policy(_Strict):
    name: str = Field(min_length=1)
    version: str = "1"
    description: str = ""
    # One language code or a list ("en", [en, fr]): the NER models that read the texts. The first
    # language's pass runs every recognizer; each further one adds its model's names and places.
    language: str | list[str] = "en"
    detector_mode: Literal["full", "fast"] = "full"
    scope: Scope = Field(default_factory=Scope)
    rules: list[Rule] = Field(min_length=1)
    allowlist: list[AllowlistEntry] = Field(default_factory=list)
    # Clauses of standards every rule of the policy bears on (e.g. GDPR-Art-32).
    references: list[ReferenceSpec] = Field(default_factory=list)

    _check_references = field_validator("references")(_check_tags)

    _origin: str = PrivateAttr(default="")

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value: object) -> object:
        # YAML reads `version: 1` and `version: 1.2` as numbers; both are fine as versions.
        return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value

    @field_validator("language")
    @classmethod
    def _language_codes(cls, value: str | list[str]) -> str | list[str]:
        codes = [value] if isinstance(value, str) else value
        if not codes:
            raise ValueError("name at least one language, e.g. en")
        for code in codes:
            if not re.fullmatch(r"[a-z]{2,3}", code):
                raise ValueError(f"'{code}' is not a language code (two or three lowercase letters, e.g. en)")
        if len(set(codes)) != len(codes):
            raise ValueError("lists a language more than once")
        return value

    @field_validator("rules")
    @classmethod
    def _unique_rule_ids(cls, rules: list[Rule]) -> list[Rule]:
        seen: dict[str, int] = {}
        for i, rule in enumerate(rules):
            if rule.rule_id in seen:
                # ctx["index"] lets the loader point at the offending rule's line.
                raise PydanticCustomError(
                    "duplicate_rule_id",
                    "duplicate rule id '{rule_id}' (first used by rules[{first}]); "
                    "give one of them its own 'id'",
                    {"rule_id": rule.rule_id, "first": seen[rule.rule_id], "index": i},
                )
            seen[rule.rule_id] = i
        return rules

    @property
    def languages(self) -> list[str]:
        """The policy's languages as a list, the first one first."""
        return [self.language] if isinstance(self.language, str) else list(self.language)

    @property
    def origin(self) -> str:
        """Where the policy came from ("preset:gdpr" or a file path), for messages and reports."""
        return self._origin or self.name

    def entities(self) -> list[str]:
        """Entity names the detector must look for, in rule order, without repeats: each rule's
        entity, then those its `with_any` needs."""
        names = [rule.entity for rule in self.rules]
        names += [name for rule in self.rules for name in rule.with_any or ()]
        return list(dict.fromkeys(names))

    def rule_infos(self) -> list[RuleInfo]:
        return [rule.info(self.references) for rule in self.rules]

    def active_allowlist(self, today: date) -> list[AllowlistEntry]:
        return [entry for entry in self.allowlist if not entry.expired(today)]

    def expired_allowlist(self, today: date) -> list[tuple[int, AllowlistEntry]]:
        return [(i, entry) for i, entry in enumerate(self.allowlist) if entry.expired(today)]

    def allowlist_notes(self, today: date) -> list[str]:
        """One line per expired allowlist entry (ignored), safe to show: no pattern text."""
        notes = []
        for i, entry in self.expired_allowlist(today):
            what = entry.fingerprint if entry.fingerprint else "pattern entry"
            notes.append(
                f"policy {self.origin}: allowlist[{i}] ({what}) expired on {entry.expires} and is ignored"
            )
        return notes
