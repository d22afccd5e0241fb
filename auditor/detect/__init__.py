"""PII detection: Presidio set up for offline batch use, plus our own recognizers.

Importing this package keeps tldextract (under Presidio's email recognizer) on its bundled suffix
list instead of the network (`offline.keep_tldextract_offline`). The heavy modules (engine,
recognizers) are imported on demand.
"""

from .offline import keep_tldextract_offline

keep_tldextract_offline()
