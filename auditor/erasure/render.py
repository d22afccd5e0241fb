"""The deletion plan / verification statement as JSON, Markdown and a terminal table.

One document serves both: while points hold the subject it is a deletion plan (collection,
point ids, evidence types); once none do, the same run is the dated statement of what was
checked, with which attack and thresholds, and what was not. No value appears unless the caller
passes `reveal`; identifiers are named by kind and index ("email #2") and keyed fingerprints.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from ..terminal_text import printable
from .check import ErasureResult
from .subject import Subject, path_hash

SCHEMA = "vecaudit-erasure-check/1"


def verdict(result: ErasureResult) -> str:
    """found, not_found (everything checked) or not_found_partial."""
    if result.found:
        return "found"
    return "not_found" if result.complete else "not_found_partial"


def to_dict(
    result: ErasureResult, subject: Subject, *, key: bytes, subject_path: str | Path, reveal: bool = False
) -> dict[str, Any]:
    """The JSON document (see the README's "Erasure verification")."""
    idents = []
    for ident in result.identifiers:
        row: dict[str, Any] = {
            "ref": ident.ref,
            "kind": ident.kind,
            "line": ident.line,
            "fingerprint": ident.fingerprint(key),
            "vector_checked": ident.ref in result.vector_identifiers,
        }
        if reveal:
            row["value"] = ident.value
        idents.append(row)
    return {
        "schema": SCHEMA,
        "checked_at": result.checked_at,
        "result": verdict(result),
        "complete": result.complete,
        "target": result.target,
        "collections": result.collections,
        "subject": {
            "fingerprint": subject.fingerprint(key),
            "file": path_hash(subject_path, key),
            "identifiers": idents,
        },
        "counts": {
            "points_checked": result.points_checked,
            "points_to_delete": len(result.plan),
            "vectors_checked": result.vectors_checked,
            "not_checked": sum(g.count for g in result.gaps),
        },
        "plan": [
            {
                "collection": e.collection,
                "point_id": e.point_id,
                "evidence": [{k: v for k, v in asdict(ev).items() if v is not None} for ev in e.evidence],
            }
            for e in result.plan
        ],
        "vectors": [asdict(s) for s in result.slots],
        "not_checked": [asdict(g) for g in result.gaps],
        "method": {"attack": result.attack, "thresholds": result.threshold},
        "seconds": result.seconds,
    }


def _evidence(ev: dict[str, Any]) -> str:
    where = f" in {ev['field']}" if "field" in ev else ""
    if ev["type"] == "vector-support":
        where = f" in vector {ev.get('vector')} (z {ev['z']:.2f}, margin {ev['margin']:.3f})"
    return f"{ev['type']}: {ev['identifier']}{where}"


def _statement(doc: dict[str, Any]) -> str:
    c, t, a = doc["counts"], doc["method"]["thresholds"], doc["method"]["attack"]
    encoders = ", ".join(a["encoders"]) or "none"
    vec_ids = [i["ref"] for i in doc["subject"]["identifiers"] if i["vector_checked"]]
    text = (
        f"On {doc['checked_at']} vecaudit checked {c['points_checked']} point(s) of "
        f"{len(doc['collections'])} collection(s) of {doc['target']} for the "
        f"{len(doc['subject']['identifiers'])} identifier(s) of subject {doc['subject']['fingerprint']}: "
        f"every payload (exact match after normalisation; names also fuzzy: token similarity >= "
        f"{t['name_fuzzy']['min_token_similarity']}, mean >= {t['name_fuzzy']['min_name_similarity']}) and "
        f"{c['vectors_checked']} dense vector(s) by the targeted attack with encoder(s) {encoders} "
        f"({', '.join(vec_ids) or 'no identifier'} judged against same-shape controls at "
        f"z >= {t['min_z']:g}, "
        f"margin >= {t['min_margin']:g}; expected false supports {t['expected_false_supports']}). "
    )
    if doc["result"] == "found":
        text += f"{c['points_to_delete']} point(s) hold the subject."
    else:
        text += "No point holds the subject at these thresholds."
    if c["not_checked"]:
        text += f" Not checked: {c['not_checked']} (listed below); a value held there would not be found."
    return text


def markdown(doc: dict[str, Any]) -> str:
    """The plan / verification statement in Markdown, for a data-protection officer's file."""
    title = "Deletion plan" if doc["result"] == "found" else "Erasure verification statement"
    lines = [f"# {title}", "", f"- Checked at: {doc['checked_at']} (UTC)", f"- Result: **{doc['result']}**"]
    lines += [f"- Subject: `{doc['subject']['fingerprint']}` (subject file `{doc['subject']['file']}`)", ""]
    lines += [
        _statement(doc),
        "",
        "## Identifiers",
        "",
        "| identifier | line | fingerprint | vectors checked |",
    ]
    lines += ["| --- | --- | --- | --- |"]
    for i in doc["subject"]["identifiers"]:
        ref = f"{i['ref']} ({i['value']})" if "value" in i else i["ref"]
        lines.append(
            f"| {ref} | {i['line']} | `{i['fingerprint']}` | {'yes' if i['vector_checked'] else 'no'} |"
        )
    lines += ["", "## Points to delete", ""]
    if doc["plan"]:
        lines += ["| collection | point id | evidence |", "| --- | --- | --- |"]
        for e in doc["plan"]:
            ev = "; ".join(_evidence(x) for x in e["evidence"])
            lines.append(f"| {_cell(e['collection'])} | {_cell(str(e['point_id']))} | {_cell(ev)} |")
    else:
        lines.append("None.")
    lines += [
        "",
        "## Vectors checked",
        "",
        "| collection | vector | encoder | checked |",
        "| --- | --- | --- | --- |",
    ]
    for s in doc["vectors"]:
        lines.append(
            f"| {_cell(s['collection'])} | {_cell(s['vector'])} | {s['encoder'] or '-'} | {s['checked']} |"
        )
    lines += ["", "## Not checked", ""]
    if doc["not_checked"]:
        lines += ["| collection | unit | vector | count | reason |", "| --- | --- | --- | --- | --- |"]
        for g in doc["not_checked"]:
            lines.append(
                f"| {_cell(g['collection'])} | {g['unit']} | {_cell(g['vector'] or '-')} | {g['count']} "
                f"| {g['reason']} |"
            )
    else:
        lines.append("Nothing: every point and dense vector in scope was checked.")
    a, t = doc["method"]["attack"], doc["method"]["thresholds"]
    lines += [
        "",
        "## Method",
        "",
        f"- Attack: {a['name']}",
        f"- Encoders: {', '.join(a['encoders']) or 'none'}",
    ]
    lines += [f"- Threshold rule: {t['rule']}; min_z {t['min_z']:g}, min_margin {t['min_margin']:g}"]
    lines += [f"- Attack settings: {', '.join(f'{k}={v}' for k, v in a['settings'].items())}"]
    lines += [f"- vecaudit {a['vecaudit_version']}", ""]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return printable(text).replace("|", "\\|")


def table(doc: dict[str, Any]) -> str:
    """A short terminal summary: the verdict, the plan rows and what was not checked."""
    c = doc["counts"]
    out = [
        f"erasure-check {doc['checked_at']}: {doc['result']} - {c['points_to_delete']} point(s) to delete; "
        f"checked {c['points_checked']} point(s), {c['vectors_checked']} vector(s); "
        f"not checked {c['not_checked']}"
    ]
    for e in doc["plan"]:
        ev = "; ".join(_evidence(x) for x in e["evidence"])
        out.append(f"  {printable(e['collection'])}  {printable(str(e['point_id']))}  {ev}")
    for g in doc["not_checked"]:
        where = f"/{g['vector']}" if g["vector"] else ""
        out.append(
            f"  not checked: {printable(g['collection'] + where)}: {g['count']} {g['unit']}(s), {g['reason']}"
        )
    return "\n".join(out)
