"""The `vecaudit` command line.

Each subcommand lives in its own module under `vecaudit.commands` and exposes
`register(app: typer.Typer) -> None`; this file only builds the application, registers every such
module it finds, and turns errors into exit codes:

    0  the command succeeded (for scan/report: no violation at or above --fail-on)
    1  violations at or above --fail-on
    2  any error, or a scan that did not finish

Errors a user can act on (`VecauditError`) print one line. Anything else prints its type and a hint
to rerun with --debug; tracebacks are shown only then, and never with local variables, since
those may hold payload text.
"""

from __future__ import annotations

import importlib
import logging
import os
import pkgutil
import sys
from collections.abc import Sequence
from typing import Annotated

import typer

from . import __version__
from .commands._console import error
from .errors import VecauditError
from .terminal_text import printable

#: Subcommands in the order `--help` lists them; other modules in vecaudit.commands follow by name.
COMMAND_ORDER = ("scan", "report", "demo", "encoders", "plugins", "tui", "train", "bench", "serve_inverter")

EPILOG = (
    "[bold]Examples[/]\n\n"
    "[cyan]vecaudit demo[/]  build a small store with synthetic PII and scan it\n\n"
    "[cyan]vecaudit scan ./qdrant-data --no-invert[/]  payload and encoder checks of a local-mode folder\n\n"
    "[cyan]vecaudit scan http://localhost:6333 -f sarif -o out[/]  scan a server, write out.sarif\n\n"
    "[cyan]vecaudit scan --resume RUN_ID[/]  continue a scan that was stopped\n\n"
    "Run [cyan]vecaudit COMMAND --help[/] for the options of each command.\n\n"
    "Exit codes: 0 no violation at or above --fail-on, 1 violations, 2 error or unfinished scan."
)


_TYPER_INTERRUPTED = 130


class _Debug:
    enabled = False


app = typer.Typer(
    name="vecaudit",
    help="Audit vector stores for personal data: in payloads, and in what the vectors themselves give away.",
    epilog=EPILOG,
    rich_markup_mode="rich",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,  # rich tracebacks print local variables, which may hold PII
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"vecaudit {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    debug: Annotated[
        bool,
        typer.Option(
            "--debug", metavar="", help="Show full tracebacks (may include data values) and debug logs."
        ),
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", metavar="", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    _Debug.enabled = debug or _Debug.enabled
    _setup_logging(_Debug.enabled)


class _PrintableFormatter(logging.Formatter):
    """Log lines can carry store metadata (collection names, error details): shown escaped."""

    def format(self, record: logging.LogRecord) -> str:
        return printable(super().format(record), keep_newlines=True)


def _setup_logging(debug: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_PrintableFormatter("vecaudit: %(levelname)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if debug else logging.WARNING)
    if not debug:
        # Third-party libraries may log inputs at INFO/DEBUG; keep them at WARNING.
        for name in ("presidio-analyzer", "presidio_analyzer", "transformers", "httpx", "urllib3"):
            logging.getLogger(name).setLevel(logging.WARNING)


def _register_commands() -> None:
    from . import commands

    found = [m.name for m in pkgutil.iter_modules(commands.__path__) if not m.name.startswith("_")]
    ordered = [n for n in COMMAND_ORDER if n in found] + sorted(n for n in found if n not in COMMAND_ORDER)
    for name in ordered:
        module = importlib.import_module(f"{commands.__name__}.{name}")
        register = getattr(module, "register", None)
        if callable(register):
            register(app)


_register_commands()


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point: run the CLI and exit with 0, 1 or 2."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # model loading bars would garble ours
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    if "transformers" in sys.modules:  # imported before us (embedding applications, tests): tell it directly
        sys.modules["transformers"].utils.logging.disable_progress_bar()
    args = list(sys.argv[1:] if argv is None else argv)
    _Debug.enabled = "--debug" in args[:1] or os.environ.get("VECAUDIT_DEBUG") == "1"
    code = 2
    try:
        result = app(args=args, prog_name="vecaudit", standalone_mode=False)
        # Typer turns typer.Exit(n) into a return value n, and KeyboardInterrupt into 130.
        code = result if isinstance(result, int) else 0
        if code == _TYPER_INTERRUPTED:
            error("interrupted")
            code = 2
    except typer.Exit as exc:
        code = exc.exit_code
    except typer.TyperException as exc:  # usage errors: shown the way typer shows them
        _show_usage_error(exc)
        code = 2
    except (typer.Abort, KeyboardInterrupt):
        error("interrupted")
        code = 2
    except VecauditError as exc:
        error(str(exc))
        _print_notes(exc)
        if _Debug.enabled:
            _print_traceback()
        code = 2
    except Exception as exc:
        error(
            f"unexpected {type(exc).__name__}; rerun as `vecaudit --debug ...` for a traceback"
            if not _Debug.enabled
            else f"unexpected {type(exc).__name__}"
        )
        _print_notes(exc)
        if _Debug.enabled:
            _print_traceback()
        code = 2
    sys.stdout.flush()
    sys.exit(code)


def _print_notes(exc: BaseException) -> None:
    """Notes vecaudit attached to an exception (e.g. how to resume); only ours, never a library's."""
    from .runner import NOTE_PREFIX

    for note in getattr(exc, "__notes__", ()):
        if note.startswith(NOTE_PREFIX):
            typer.echo(f"vecaudit: {printable(note.removeprefix(NOTE_PREFIX))}", err=True)


def _show_usage_error(exc: typer.TyperException) -> None:
    try:
        from typer import rich_utils

        rich_utils.rich_format_error(exc)  # type: ignore[arg-type]
    except Exception:  # an older or newer typer: plain text is fine
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            typer.echo(f"Error: {exc}", err=True)


def _print_traceback() -> None:
    import traceback

    traceback.print_exc(file=sys.stderr)


if __name__ == "__main__":
    main()
