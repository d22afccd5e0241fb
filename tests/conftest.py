"""Suite-wide defaults.

Scans in most tests check reporting, coverage or policy, not inversion quality, so they run the
learned loop alone (`VECAUDIT_ATTACK=loop`, seconds per store) even if the default changes. The
oracle-guided levels are exercised on purpose in tests/test_attack.py.
"""

from __future__ import annotations

import os

os.environ.setdefault("VECAUDIT_ATTACK", "loop")
