"""The recognizer extension point.

A recognizer plugin is a factory: given a language code it returns one Presidio
`EntityRecognizer`. Third parties publish factories under the entry-point group
`vecaudit.recognizers`, e.g. in their pyproject.toml:

    [project.entry-points."vecaudit.recognizers"]
    employee_id = "acme_vecaudit:employee_id_recognizer"

An entry point may also name an `EntityRecognizer` subclass; it is then built with
`cls(supported_language=language)`. Our own recognizers (auditor/detect/recognizers.py) use the
same factory shape.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from ..errors import DetectorError

if TYPE_CHECKING:
    from presidio_analyzer import EntityRecognizer

ENTRY_POINT_GROUP = "vecaudit.recognizers"


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
        raise DetectorError(
            f"recognizer plugin {name!r} failed to build: {type(exc).__name__}: {exc}"
        ) from exc
    if not isinstance(recognizer, EntityRecognizer):
        raise DetectorError(
            f"recognizer plugin {name!r} returned {type(recognizer).__name__}, "
            "not a Presidio EntityRecognizer"
        )
    return recognizer


def iter_entry_point_recognizers(language: str, group: str = ENTRY_POINT_GROUP) -> Iterator[LoadedPlugin]:
    """Load every recognizer published under `group`, in entry-point name order."""
    for ep in sorted(entry_points(group=group), key=lambda e: e.name):
        try:
            target = ep.load()
        except Exception as exc:
            raise DetectorError(
                f"recognizer plugin {ep.name!r} ({ep.value}) cannot be imported: {type(exc).__name__}: {exc}"
            ) from exc
        yield LoadedPlugin(ep.name, build_recognizer(ep.name, target, language))
