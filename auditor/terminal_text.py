"""Text for a terminal: store metadata shown, never obeyed.

Collection, vector and shard names, payload paths and error details come from the audited store,
which anyone may have written. Printed raw, an ESC in a collection name starts an escape sequence
in the auditor's terminal (recolouring, hiding or rewriting lines, setting the window title), a
carriage return or newline forges a line such as "result: PASS", and a bidi override reorders
what is read. `printable` shows every such character as a visible escape instead.
"""

from __future__ import annotations


def _escape(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def printable(text: str, *, keep_newlines: bool = False) -> str:
    """`text` with every character that is not printable (controls such as ESC, CR and BEL,
    format characters such as bidi overrides, separators, lone surrogates) written as an escape
    like "\\x1b"; plain spaces stay. With `keep_newlines`, "\\n" stays a line break (for our own
    multi-line messages, whose store-derived parts are escaped where they are built)."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or (keep_newlines and ch == "\n") else _escape(ch) for ch in text)
