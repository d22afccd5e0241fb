"""`vecaudit erasure-check TARGET --subject FILE`: erasure verification for one data subject."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ._options import ApiKeyFile, Collections

HELP = (
    "Find every point that holds one data subject (GDPR Art. 17), and verify its erasure.\n\n"
    "FILE holds the subject's identifiers, one 'KIND: VALUE' per line (KIND: name, email, phone, id; "
    "'#' starts a comment). It is read once and never stored; outputs name identifiers by kind and "
    "index ('email #2') and keyed fingerprints, never values (unless --reveal).\n\n"
    "Payloads are matched exactly after normalisation (names also fuzzily); dense vectors of a known "
    "encoder are judged by targeted mode. While points hold the subject, the output is a deletion "
    "plan; once none do, it is a dated verification statement of what was checked and how. "
    "The store is only read, never written."
)

EPILOG = (
    "[bold]Examples[/]\n\n"
    "[cyan]vecaudit erasure-check ./qdrant-data --subject req-0193.txt --encoder all-MiniLM-L6-v2 "
    "-o plan.json[/]\n\n"
    "[cyan]vecaudit erasure-check ./qdrant-data --subject req-0193.txt -o statement.md "
    "-o statement.json[/]\n\n"
    "Exit codes: 0 the subject was found nowhere and everything was checked, 1 found, 2 error or "
    "anything left unchecked (without --allow-partial)."
)

_FORMATS = {".json": "json", ".md": "markdown", ".markdown": "markdown", ".txt": "table"}


def erasure_check(
    target: Annotated[
        str, typer.Argument(metavar="TARGET", help="Qdrant URL, local-mode folder or edge:DIR.")
    ],
    subject: Annotated[
        Path,
        typer.Option(
            "--subject",
            "-s",
            metavar="FILE",
            help="The subject's identifiers (see above).",
            show_default=False,
        ),
    ],
    collection: Collections = None,
    encoder: Annotated[
        str | None,
        typer.Option(
            "--encoder",
            metavar="NAME",
            help="Encoder of the dense vectors (default: identified from the vectors).",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        list[Path] | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Write the plan/statement (mode 0600, atomically): .json, .md or .txt by extension; "
            "repeatable.",
            show_default=False,
        ),
    ] = None,
    json_out: Annotated[
        bool, typer.Option("--json", metavar="", help="Print the JSON document instead of the table.")
    ] = False,
    allow_partial: Annotated[
        bool,
        typer.Option(
            "--allow-partial",
            metavar="",
            help="Exit 0/1 even when something was not checked (still reported).",
        ),
    ] = False,
    reveal: Annotated[
        bool,
        typer.Option("--reveal", metavar="", help="Show the identifiers' values beside their references."),
    ] = False,
    api_key_file: ApiKeyFile = None,
    insecure: Annotated[
        bool, typer.Option("--insecure", metavar="", help="Do not verify TLS certificates (unsafe).")
    ] = False,
    timeout: Annotated[
        float, typer.Option("--timeout", metavar="SECONDS", help="Per-request timeout for a server.")
    ] = 30.0,
) -> None:
    """Check a store for one data subject; exit 0 none found, 1 found, 2 error or unchecked."""
    from ..erasure.check import check_store
    from ..erasure.render import markdown, table, to_dict, verdict
    from ..erasure.subject import read_subject
    from ..errors import VecauditError
    from ..files import atomic_write
    from ..fingerprint import load_fingerprint_key
    from ..stores import open_store

    paths = list(output or [])
    for path in paths:
        if path.suffix.lower() not in _FORMATS:
            raise VecauditError(f"--output {path.name}: use a .json, .md or .txt file name")
        if not path.parent.is_dir():  # fail before the store is read, not after
            raise VecauditError(f"--output {path}: no such folder {path.parent}")
    person = read_subject(subject)  # validated before the store is opened
    key = load_fingerprint_key()
    store = open_store(target, api_key_file=api_key_file, timeout=timeout, verify_tls=not insecure)
    try:
        result = check_store(store, person, collections=collection, encoder=encoder)
    finally:
        store.close()
    doc = to_dict(result, person, key=key, subject_path=subject, reveal=reveal)
    rendered = {
        "json": json.dumps(doc, indent=2, default=str) + "\n",
        "markdown": markdown(doc),
        "table": table(doc) + "\n",
    }
    for path in paths:
        try:
            atomic_write(path, rendered[_FORMATS[path.suffix.lower()]].encode("utf-8"))
        except OSError as exc:
            raise VecauditError(f"cannot write {path}: {exc.strerror or type(exc).__name__}") from None
    typer.echo(rendered["json"] if json_out else rendered["table"], nl=False)
    if not result.complete and not allow_partial:
        typer.echo(
            "vecaudit: not everything was checked (see 'not checked'); exit 2 (--allow-partial to accept)",
            err=True,
        )
        raise typer.Exit(2)
    raise typer.Exit(1 if verdict(result) == "found" else 0)


def register(app: typer.Typer) -> None:
    app.command(
        "erasure-check",
        help=HELP,
        epilog=EPILOG,
        no_args_is_help=True,
        short_help="Find one data subject in a store and verify its erasure.",
    )(erasure_check)
