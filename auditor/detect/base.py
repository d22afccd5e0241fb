"""The recognizer extension point.

A recognizer plugin is a factory: given a language code it returns one Presidio
`EntityRecognizer`. Third parties publish factories under the entry-point group
`vecaudit.recognizers`, e.g. in their pyproject.toml:

    [project.entry-points."vecaudit.recognizers"]
    employee_id = "acme_vecaudit:employee_id_recognizer"

An entry point may also name an `EntityRecognizer` subclass; it is then built with
`cls(supported_language=language)`. Our own recognizers (auditor/detect/recognizers.py) use the
same factory shape and are published under the same group, so `vecaudit plugins` lists them; the
detector builds them directly from `BUILTIN_RECOGNIZERS`, though, so they are always on.

Third-party recognizers are loaded in bulk: one that cannot be imported, fails to build or builds
something that is not a recognizer is skipped with a warning naming it, and the detector records
the skip (`PiiDetector.skipped_plugins`) so the scan report says entities may have gone unread.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from vecaudit.plugins import RECOGNIZERS, ExtensionPoint, PluginStatus, load_all

from ..errors import DetectorError

if TYPE_CHECKING:
    from presidio_analyzer import EntityRecognizer

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = RECOGNIZERS.group


@runtime_checkable
class RecognizerPlugin(Protocol):
    """Builds one Presidio recognizer for a language."""

    def __call__(self, language: str) -> EntityRecognizer: ...


@dataclass(frozen=True, slots=True)
class LoadedPlugin:
    name: str  # entry-point name, or "builtin:<factory>"
    recognizer: EntityRecognizer


def build_recognizer(name: str, target: object, language: str) -> EntityRecognizer:
    """Turn a plugin target (factory or recognizer class) into a recognizer, or raise DetectorError."""
    from presidio_analyzer import EntityRecognizer

    try:
        if inspect.isclass(target) and issubclass(target, EntityRecognizer):
            recognizer_cls: Callable[..., object] = target
            recognizer: object = recognizer_cls(supported_language=language)
        elif callable(target):
            factory: Callable[[str], object] = target
            recognizer = factory(language)
        else:
            raise DetectorError(f"recognizer plugin {name!r} is neither a factory nor a recognizer class")
    except DetectorError:
        raise
    except Exception as exc:  # a third party's bug must not crash with an opaque trace
        # the type only: a plugin's message may quote the text or value it failed on
        raise DetectorError(f"recognizer plugin {name!r} failed to build: {type(exc).__name__}") from exc
    if not isinstance(recognizer, EntityRecognizer):
        raise DetectorError(
            f"recognizer plugin {name!r} returned {type(recognizer).__name__}, "
            "not a Presidio EntityRecognizer"
        )
    return recognizer


def iter_entry_point_recognizers(
    language: str, group: str = ENTRY_POINT_GROUP, skipped: list[PluginStatus] | None = None
) -> Iterator[LoadedPlugin]:
    """Build every third-party recognizer published under `group`, in entry-point name order.

    vecaudit's own entries are left out (the detector adds those itself). A plugin that cannot be
    imported or built is skipped with a warning naming it, and appended to `skipped` if given;
    nothing is raised for it.
    """
    point = RECOGNIZERS if group == RECOGNIZERS.group else ExtensionPoint(group, "recognizer", "")
    for plugin, target in load_all(point, include_builtin=False, skipped=skipped):
        try:
            recognizer = build_recognizer(plugin.name, target, language)
        except DetectorError as exc:
            why = f"{plugin.describe()}: {exc}"
            log.warning("%s; skipped", why)
            if skipped is not None:
                skipped.append(PluginStatus(plugin, why))
            continue
        yield LoadedPlugin(plugin.name, recognizer)
