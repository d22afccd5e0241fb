"""How vecaudit finds its extensions: one loader for every entry-point group.

The extension points (stores, encoders, recognizers, report formats, search strategies) each keep
their protocol and built-in implementations beside them (`vecaudit.stores`, `vecaudit.encoders`,
...); this package only finds, imports and lists what is published for them, built-ins and third
parties alike. See `loader` for the failure rule.
"""

from .loader import (
    ENCODERS,
    EXTENSION_POINTS,
    RECOGNIZERS,
    REPORT_FORMATS,
    SEARCH_STRATEGIES,
    STORES,
    ExtensionPoint,
    Plugin,
    PluginError,
    PluginStatus,
    check,
    discover,
    find,
    load_all,
    load_named,
    stale_install_hint,
)

__all__ = [
    "ENCODERS",
    "EXTENSION_POINTS",
    "RECOGNIZERS",
    "REPORT_FORMATS",
    "SEARCH_STRATEGIES",
    "STORES",
    "ExtensionPoint",
    "Plugin",
    "PluginError",
    "PluginStatus",
    "check",
    "discover",
    "find",
    "load_all",
    "load_named",
    "stale_install_hint",
]
