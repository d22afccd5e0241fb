"""Erasure verification for one data subject (GDPR Art. 17): `vecaudit erasure-check`.

`subject` reads the subject file (one person's identifiers, held in memory only), `match` finds
them in payload text, `check` walks a store read-only and also asks targeted mode which vectors
support them, and `render` writes the deletion plan / verification statement without a value.
"""

from __future__ import annotations
