"""SARIF 2.1.0 output, shaped for GitHub code scanning.

Design choices (GitHub's SARIF subset is stricter than the OASIS schema in practice):
- A vector store has no source files, so each point gets a stable *virtual* relative URI,
  `qdrant/<collection>/<vector or default>/<point_id>` under uriBaseId VECAUDIT_TARGET, with a
  region at line 1 because GitHub only displays results that have a region.
- `partialFingerprints["vecauditFinding/v1"]` hashes the keyed finding fingerprint together with
  collection, point, vector, entity and source, so an alert keeps its identity across runs while the
  value itself (already an HMAC) never leaves in a form that can be brute-forced.
- Allowlisted findings are omitted rather than emitted with `suppressions`: GitHub code scanning has
  historically ingested suppressed results as open alerts (tools such as advanced-security/dismiss-alerts
  exist to patch that up), which would page people about accepted data. Their count is kept in
  `run.properties` and they stay visible in the JSON, Markdown and HTML reports.
- Data the scan could not analyze makes `executionSuccessful` false, with one
  `toolExecutionNotifications` entry per collection and reason (counts, point ids and paths only).
- Supported candidates of targeted mode (--candidates) are results of the rule
  `vecaudit/targeted-support`, listed first (see `sarif_targeted`).
- The standards a rule bears on (OWASP LLM08:2025 for every finding, and what the policy cites, e.g.
  GDPR Art. 32) appear three ways: as `properties.tags` ("OWASP-LLM08:2025", "GDPR-Art-32"), which
  GitHub shows and filters by; as `properties.references` [{standard, id, title, url, tag}]; and as
  SARIF taxonomies, one `run.taxonomies` entry per standard whose `taxa` are the cited clauses, which
  each rule points at through `relationships` (kind "relevant": the rule is evidence toward the
  clause, not the clause itself). Coverage notifications get descriptors related the same way.
- Recovered plaintext (`--reveal`) is never written here: SARIF files are uploaded to CI and code
  hosting services whose readers are not the authorised auditors. Messages carry masked evidence only.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from .. import __version__
from ..coverage import describe_gap
from ..models import REDACTION_BYPASS_RULE_ID, AttackRun, Finding, Reference, RuleInfo, ScanReport, Severity
from .base import ReportContext
from .view import (
    RuleIndex,
    builtin_references,
    clean_text,
    finite,
    fmt_score,
    is_violation,
    masked_evidence,
    rule_references,
    sorted_findings,
    vector_label,
)

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
INFORMATION_URI = "https://github.com/vecaudit/vecaudit"
URI_BASE_ID = "VECAUDIT_TARGET"
FINGERPRINT_KEY = "vecauditFinding/v1"
#: GitHub rejects a run with more than 25,000 results (and shows only the top 5,000 by severity).
MAX_RESULTS = 25_000

#: GitHub maps security-severity to critical (>= 9.0), high (7.0-8.9), medium (4.0-6.9), low (< 4.0).
SECURITY_SEVERITY: dict[Severity, str] = {
    Severity.critical: "9.0",
    Severity.high: "7.0",
    Severity.medium: "5.0",
    Severity.low: "3.0",
    Severity.info: "1.0",
}

LEVEL: dict[Severity, str] = {
    Severity.critical: "error",
    Severity.high: "error",
    Severity.medium: "warning",
    Severity.low: "note",
    Severity.info: "note",
}

_BASELINE_STATES = {"new", "unchanged", "updated", "absent"}


def _utc(timestamp: str | None) -> str | None:
    """ISO 8601 in UTC with a Z suffix, as SARIF's date-time fields expect; None when unparseable."""
    if not timestamp:
        return None
    try:
        parsed = datetime.fromisoformat(timestamp)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _camel(entity_type: str) -> str:
    return "".join(part.capitalize() for part in entity_type.replace("-", "_").split("_") if part)


def point_uri(collection: str, vector: str, point_id: object) -> str:
    """The artifact URI of one stored point's vector: qdrant/COLLECTION/VECTOR/POINT, escaped."""
    segments = [collection, vector or "default", str(point_id)]
    return "qdrant/" + "/".join(quote(_clean(s), safe="") for s in segments)


def virtual_uri(finding: Finding) -> str:
    return point_uri(finding.collection, finding.vector, finding.point_id)


def identity_hash(parts: list[str]) -> str:
    """sha256 of identity fields joined by U+001F: a result's partial fingerprint."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", errors="backslashreplace")).hexdigest()


def partial_fingerprint(finding: Finding) -> str:
    parts = [
        finding.fingerprint,
        finding.collection,
        str(finding.point_id),
        finding.vector,
        finding.entity_type,
        finding.source,
    ]
    return identity_hash(parts)


BASE_TAGS = ["security", "privacy", "pii"]
#: GitHub rejects a SARIF file with more than 20 tags on a rule (and shows the first 10); a policy
#: citing more keeps them all in properties.references and relationships.
MAX_TAGS = 20
#: SARIF's relationship kind for "bears on": a rule's results are evidence toward a clause.
RELATIONSHIP_KINDS = ["relevant"]


def taxonomy_guid(standard: str) -> str:
    """A stable guid for a standard's taxonomy (uuid5), so tools can match it across runs."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{INFORMATION_URI}/taxonomies/{standard}"))


@dataclass(slots=True)
class Taxonomies:
    """The run's taxonomies, built from the references that rules and notifications cite: one
    toolComponent per standard, its taxa the cited clauses in first-cited order."""

    _taxa: dict[str, list[Reference]] = field(default_factory=dict)

    def relationships(self, refs: list[Reference]) -> list[dict[str, Any]]:
        out = []
        for ref in refs:
            taxa = self._taxa.setdefault(ref.standard, [])
            index = next((i for i, t in enumerate(taxa) if t.id == ref.id), None)
            if index is None:
                index = len(taxa)
                taxa.append(ref)
            target = {
                "id": ref.id,
                "index": index,  # into the taxonomy's taxa
                # By name and guid: a toolComponentReference's index points into tool.extensions.
                "toolComponent": {"name": ref.standard, "guid": taxonomy_guid(ref.standard)},
            }
            out.append({"target": target, "kinds": RELATIONSHIP_KINDS})
        return out

    def sarif(self) -> list[dict[str, Any]]:
        out = []
        for standard, taxa in self._taxa.items():
            items = []
            for ref in taxa:
                taxon: dict[str, Any] = {
                    "id": ref.id,
                    "shortDescription": {"text": ref.title or ref.id},
                    "properties": {"tags": [ref.tag]},
                }
                if ref.url:
                    taxon["helpUri"] = ref.url
                items.append(taxon)
            out.append(
                {"name": standard, "guid": taxonomy_guid(standard), "isComprehensive": False, "taxa": items}
            )
        return out


def rule_tags(base: list[str], refs: list[Reference]) -> list[str]:
    """A descriptor's `properties.tags`: its own, then its references' tags, within MAX_TAGS."""
    return list(dict.fromkeys([*base, *(r.tag for r in refs)]))[:MAX_TAGS]


def reference_list(refs: list[Reference]) -> list[dict[str, Any]]:
    """`properties.references` of a descriptor citing `refs`: {standard, id, title, url, tag} each."""
    return [r.model_dump(mode="json") for r in refs]


def references_help(refs: list[Reference]) -> tuple[str, str]:
    """The "Standards" part of a rule's help, as text and as Markdown."""
    if not refs:
        return "", ""
    text = "\n\nStandards:\n" + "\n".join(
        f"- {r.standard} {r.id}" + (f": {r.title}" if r.title else "") + (f" <{r.url}>" if r.url else "")
        for r in refs
    )
    md_items = []
    for r in refs:
        label = _md_text(f"{r.standard} {r.id}" + (f": {r.title}" if r.title else ""))
        md_items.append(f"- [{label}]({r.url})" if r.url else f"- {label}")
    return text, "\n\n**Standards**\n\n" + "\n".join(md_items)


def _md_text(text: str) -> str:
    # Policy-written titles must not open links or emphasis of their own in GitHub's rule help.
    return "".join("\\" + ch if ch in "\\`*_[]()<>#!|" else ch for ch in text)


def rule_descriptor(
    taxonomies: Taxonomies,
    *,
    rule_id: str,
    name: str,
    short: str,
    full: str,
    advice: list[str],
    severity: Severity,
    refs: list[Reference],
    tags: list[str],
    properties: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One SARIF reportingDescriptor: help with remediation and the standards cited, the default
    level, relationships into the run's taxonomies, and the tags GitHub filters by."""
    std_text, std_md = references_help(refs)
    return {
        "id": rule_id,
        "name": name,
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "help": {
            "text": f"{full}\n\nRemediation:\n" + "\n".join(f"- {a}" for a in advice) + std_text,
            "markdown": f"{full}\n\n**Remediation**\n\n" + "\n".join(f"- {a}" for a in advice) + std_md,
        },
        "defaultConfiguration": {"level": LEVEL[severity]},
        "relationships": taxonomies.relationships(refs),
        "properties": {
            "security-severity": SECURITY_SEVERITY[severity],
            "tags": rule_tags(tags, refs),
            **(properties or {}),
            "references": reference_list(refs),
        },
    }


def _bypass_descriptor(rule: RuleInfo, taxonomies: Taxonomies) -> dict[str, Any]:
    full = (
        "A vector was not made from the text its payload holds (re-embedding the payload text with "
        "the vectors' encoder gives a cosine below the encoder's calibrated threshold), and inverting "
        "it recovered personal data the payload does not hold: the pipeline redacted the payload after "
        "embedding the original text. Severity is the entity's own, at least "
        f"{rule.severity.value}."
    )
    advice = [
        "Redact the text before it is embedded, not only the payload that is stored.",
        "Re-embed the affected points from the redacted text and delete the old vectors, with their "
        "copies in snapshots and backups.",
        "Until then, protect the vectors like the original text: restrict read, export and snapshot access.",
    ]
    return rule_descriptor(
        taxonomies,
        rule_id=rule.id,
        name="RedactionBypass",
        short=rule.description,
        full=full,
        advice=advice,
        severity=rule.severity,
        refs=rule_references(rule),
        tags=[*BASE_TAGS, "redaction-bypass"],
    )


def _rule_descriptor(rule: RuleInfo, taxonomies: Taxonomies) -> dict[str, Any]:
    if rule.id == REDACTION_BYPASS_RULE_ID:
        return _bypass_descriptor(rule, taxonomies)
    entity = rule.entity_type
    short = rule.description or f"{entity} exposed in a vector store"
    full = (
        f"Points contain {entity} values, either in their payloads or recoverable by inverting the "
        f"stored embeddings (detection threshold {rule.threshold:.2f}, severity {rule.severity.value})."
    )
    advice = [
        f"Remove, mask or tokenize {entity} values in text before it is embedded or stored as payload.",
        "Protect the vectors like the text they came from: embeddings of private text can be "
        "inverted back into much of that text.",
        "Restrict read, export and snapshot access to the collection, and encrypt its storage and backups.",
        "After cleaning the source text, re-embed the affected points and delete the old vectors.",
        "If this data is expected and approved here, add a policy allowlist entry with a justification.",
    ]
    return rule_descriptor(
        taxonomies,
        rule_id=rule.id,
        name=f"Exposed{_camel(entity)}",
        short=short,
        full=full,
        advice=advice,
        severity=rule.severity,
        refs=rule_references(rule),
        tags=BASE_TAGS,
        properties={"entityType": entity, "threshold": finite(rule.threshold)},
    )


@dataclass(frozen=True, slots=True)
class _Cleaned:
    """A finding's free-text fields made safe once, instead of walking every result afterwards."""

    collection: str
    vector: str
    entity_type: str
    field: str | None
    evidence: str
    point: str

    @classmethod
    def of(cls, f: Finding, evidence: str) -> _Cleaned:
        return cls(
            collection=_clean(f.collection),
            vector=_clean(f.vector),
            entity_type=_clean(f.entity_type),
            field=_clean(f.field) if f.field else None,
            evidence=clean_text(evidence),
            point=_clean(str(f.point_id)),
        )


@lru_cache(maxsize=4096)
def _clean(text: str) -> str:
    """clean_text for strings that repeat across findings (collection, vector, entity names)."""
    return clean_text(text)


def _message(finding: Finding, c: _Cleaned) -> str:
    where = f"point {c.point} of collection '{c.collection}', vector {vector_label(c.vector)}"
    if finding.rule_id == REDACTION_BYPASS_RULE_ID:
        how = (
            f"Redaction bypass: {c.entity_type} recovered by inverting the embedding of {where}, which "
            "was not made from the point's payload text; the payload does not hold this value"
        )
    elif finding.source == "payload":
        origin = f"payload field '{c.field}'" if c.field else "the payload"
        how = f"{c.entity_type} found in {origin} of {where}"
    else:
        how = f"{c.entity_type} recovered by inverting the embedding of {where}"
    return (
        f"{how}. Evidence (masked): {c.evidence}. "
        f"Score {fmt_score(finding.score)}, severity {finding.severity.value}."
    )


def _result(finding: Finding, rules: RuleIndex, evidence: str) -> dict[str, Any]:
    c = _Cleaned.of(finding, evidence)
    rule_index = rules.index_of(finding)
    props: dict[str, Any] = {
        "severity": finding.severity.value,
        "source": finding.source,
        "entityType": c.entity_type,
        "score": finite(finding.score),
        "collection": c.collection,
        "pointId": finding.point_id if isinstance(finding.point_id, int) else c.point,
        "vector": c.vector,
    }
    if c.field:
        props["field"] = c.field
    result: dict[str, Any] = {
        "ruleId": _clean(rules.rules[rule_index].id),
        "ruleIndex": rule_index,
        "level": LEVEL[finding.severity],
        "message": {"text": _message(finding, c)},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": virtual_uri(finding), "uriBaseId": URI_BASE_ID},
                    "region": {"startLine": 1},
                },
                "logicalLocations": [
                    {
                        "name": c.point,
                        "fullyQualifiedName": f"{c.collection}/{c.vector or 'default'}/{c.point}",
                        "kind": "resource",
                    }
                ],
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: partial_fingerprint(finding)},
        "properties": props,
    }
    if finding.baseline_state in _BASELINE_STATES:
        result["baselineState"] = finding.baseline_state
    return result


def coverage_notifications(report: ScanReport) -> list[dict[str, Any]]:
    """One notification per collection and reason for data the scan did not analyze, and one per
    collection sampled adaptively (why inversion stopped).

    Errors, since a partial scan fails (`executionSuccessful` is false); warnings when the user
    accepted it with --allow-partial. Counts, point ids and paths only, never a value.
    """
    level = "warning" if report.allow_partial else "error"
    out: list[dict[str, Any]] = []
    for c in report.collections:
        for gap in c.coverage.not_analyzed if c.coverage is not None else []:
            text = f"Collection '{c.name}': {describe_gap(gap)}."
            out.append(
                {
                    "level": level,
                    "message": {"text": text},
                    "descriptor": {"id": f"coverage/{gap.reason.value}"},
                    "properties": {
                        "collection": c.name,
                        "reason": gap.reason.value,
                        "unit": gap.unit,
                        "count": gap.count,
                        "pointIds": list(gap.point_ids),
                        "fields": list(gap.fields),
                        "vectors": list(gap.vectors),
                    },
                }
            )
        if c.sampling is not None:  # adaptive sampling: why inversion stopped (a budget stop is a gap)
            s = c.sampling
            out.append(
                {
                    "level": level if s.partial else "note",
                    "message": {"text": f"Collection '{c.name}': adaptive sampling {s.reason}."},
                    "descriptor": {"id": f"sampling/{s.stop}"},
                    "properties": {
                        "collection": c.name,
                        "stop": s.stop,
                        "inverted": s.inverted,
                        "precision": s.precision,
                        "precisionMet": s.precision_met,
                    },
                }
            )
    return out


def sarif_dict(report: ScanReport, *, max_results: int = MAX_RESULTS) -> dict[str, Any]:
    from . import sarif_targeted

    rules = RuleIndex.build(report)
    findings = sorted_findings(report.findings)  # highest severity first, so truncation keeps the worst
    reportable = [f for f in findings if not f.allowlisted]
    # Supported candidates (targeted mode) first: the user named those values as not to be there.
    targeted = sarif_targeted.results(report, len(rules.rules))[:max_results]
    room = max_results - len(targeted)
    results = targeted + [_result(f, rules, masked_evidence(report, f)) for f in reportable[:room]]
    truncated = len(reportable) - (len(results) - len(targeted))
    version = report.tool_version or __version__

    notifications: list[dict[str, Any]] = coverage_notifications(report)
    if report.targeted is not None:
        notifications.extend(sarif_targeted.notifications(report.targeted, report.allow_partial))
    if truncated:
        notifications.append(
            {
                "level": "warning",
                "message": {
                    "text": f"{truncated} lower-severity result(s) left out to stay within upload limits; "
                    "the JSON report lists all findings."
                },
            }
        )
    for stage, reason in report.stages_skipped.items():
        notifications.append({"level": "note", "message": {"text": f"Stage '{stage}' skipped: {reason}"}})
    invocation: dict[str, Any] = {"executionSuccessful": report.complete}
    start, end = _utc(report.started_at), _utc(report.finished_at)
    if start:
        invocation["startTimeUtc"] = start
    if end:
        invocation["endTimeUtc"] = end
    if notifications:
        invocation["toolExecutionNotifications"] = notifications

    with_coverage = [c for c in report.collections if c.coverage is not None]
    taxonomies = Taxonomies()
    driver: dict[str, Any] = {
        "name": "vecaudit",
        "version": version,
        "informationUri": INFORMATION_URI,
        "rules": [_rule_descriptor(r, taxonomies) for r in rules.rules]
        + (
            [sarif_targeted.targeted_rule_descriptor(report.targeted, taxonomies)]
            if report.targeted is not None
            else []
        ),
    }
    descriptors = _notification_descriptors(notifications, taxonomies)
    if descriptors:
        driver["notifications"] = descriptors
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "originalUriBaseIds": {
            URI_BASE_ID: {"description": {"text": f"Vector store scanned by vecaudit: {report.target}"}}
        },
        "invocations": [invocation],
        "properties": {
            "runId": report.run_id,
            "policy": report.policy,
            "failOn": report.fail_on.value,
            "complete": report.complete,
            "violations": sum(is_violation(f, report.fail_on) for f in findings)
            + (report.targeted.violations(report.fail_on) if report.targeted is not None else 0),
            "allowlistedOmitted": sum(f.allowlisted for f in findings),
            "resultsTruncated": truncated,
            "allowPartial": report.allow_partial,
            "notAnalyzed": {
                unit: sum(getattr(c.coverage, f"{unit}_not_analyzed") for c in with_coverage)
                for unit in ("points", "fields", "vectors")
            },
            # What inverted the vectors and at what cost: a clean result means "not recovered by
            # this attack at this budget".
            "inversionAttacks": [_attack_properties(a) for a in report.attacks],
        },
    }
    sampled = {c.name: c.sampling.model_dump(mode="json") for c in report.collections if c.sampling}
    if sampled:  # the estimates and intervals, as in the JSON report's collections[].sampling
        run["properties"]["adaptiveSampling"] = sampled
    if report.targeted is not None:
        run["properties"]["targeted"] = sarif_targeted.run_properties(report.targeted)
    if taxa := taxonomies.sarif():
        run["taxonomies"] = taxa
    # Vectors not made from their payload text, per collection and vector slot (ids, no text).
    matches = [
        {
            "collection": c.name,
            "vector": v,
            "encoder": m.encoder,
            "threshold": finite(m.threshold),
            "pointsChecked": m.points_checked,
            "pointsMismatched": m.points_mismatched,
            "mismatchRate": finite(m.mismatch_rate),
        }
        for c in report.collections
        for v, m in c.payload_match.items()
    ]
    if matches:
        run["properties"]["payloadMatch"] = matches
    run = _clean_tree(run)
    run["results"] = results  # already cleaned field by field in _result (and sarif_targeted._result)
    return {"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


_GAP_TEXT = {
    "coverage": "Data in scope the scan could not analyze: its exposure is not assessed.",
    "targeted": "Stored vectors targeted mode could not check against the supplied values.",
}


def _notification_descriptors(
    notifications: list[dict[str, Any]], taxonomies: Taxonomies
) -> list[dict[str, Any]]:
    """A descriptor for each kind of data-left-unanalyzed notification, related to the standards a
    coverage gap bears on; each notification's `descriptor` then also carries its index."""
    refs = builtin_references("coverage-gap")
    out: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for n in notifications:
        ident = n.get("descriptor", {}).get("id")
        if not ident:
            continue
        if ident not in index:
            index[ident] = len(out)
            out.append(
                {
                    "id": ident,
                    "shortDescription": {"text": _GAP_TEXT.get(ident.split("/", 1)[0], ident)},
                    "relationships": taxonomies.relationships(refs),
                    "properties": {"tags": rule_tags(["coverage"], refs), "references": reference_list(refs)},
                }
            )
        n["descriptor"]["index"] = index[ident]
    return out


def _attack_properties(attack: AttackRun) -> dict[str, Any]:
    return {
        "encoder": attack.encoder,
        "level": attack.level,
        "budgetPerVector": attack.budget,
        "strategies": [str(s.get("strategy", "")) for s in attack.strategies],
        "proposer": attack.proposer,
        "vectors": attack.vectors,
        "encoderCalls": attack.encoder_calls,
        "encoderCallsPerVector": attack.encoder_calls_per_vector,
        "secondsPerVector": attack.seconds_per_vector,
    }


def _clean_tree(value: Any) -> Any:
    """One pass over every string of the run's small parts, so none carries characters that break
    JSON consumers (results, the bulk of the document, are cleaned field by field in _result)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {k: _clean_tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean_tree(v) for v in value]
    return value


class SarifFormat:
    name = "sarif"
    extension = ".sarif"
    media_type = "application/sarif+json"

    def __init__(self, max_results: int = MAX_RESULTS) -> None:
        self.max_results = max_results

    def render(self, report: ScanReport, context: ReportContext) -> bytes:  # needs no context
        data = sarif_dict(report, max_results=self.max_results)
        # Compact: SARIF is read by machines, large runs must stay under upload size limits, and only
        # the compact form uses json's C encoder (about 5x faster than indent= on big reports).
        text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        return (text + "\n").encode("utf-8")
