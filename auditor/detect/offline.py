"""tldextract (under Presidio's email recognizer) must read its bundled suffix list, never the network."""

from __future__ import annotations

import os
import sys


def keep_tldextract_offline() -> None:
    """Empty tldextract's suffix-list URLs: in the environment for extractors made later, and on
    the module's shared extractor if tldextract was imported before us (e.g. by an embedding app).
    Cheap and idempotent; never imports tldextract itself."""
    os.environ["TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS"] = ""
    tx = sys.modules.get("tldextract.tldextract")
    extractor = getattr(tx, "TLD_EXTRACTOR", None) if tx is not None else None
    if extractor is not None and getattr(extractor, "suffix_list_urls", None):
        extractor.suffix_list_urls = ()
