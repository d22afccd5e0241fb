"""PII detection: Presidio set up for offline batch use, plus our own recognizers.

Importing this package first empties TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS so that Presidio's
email recognizer (through tldextract) uses its bundled suffix list instead of the network.
The heavy modules (engine, recognizers) are imported on demand.
"""

import os

os.environ["TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS"] = ""
