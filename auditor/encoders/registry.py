"""The encoder registry: entry-point plugins (built-ins included) and user-configured local folders.

Nothing here loads a model until `get_encoder` is called: specs are static, factories import
their heavy dependencies inside. Two sources, the later unable to shadow earlier ids:
  1. entry points in the group `vecaudit.encoders`, read through `vecaudit.plugins.loader`:
     vecaudit's own encoders (`encoders.builtins`, origin "builtin") and third parties'. The
     object is an Encoder instance, or a factory (class or function) called as
     `factory(device=...)` or `factory()`; a factory with a `spec` attribute (an EncoderSpec) is
     listed without being instantiated. The entry-point name should be the encoder id.
  2. the YAML file named by `VECAUDIT_ENCODERS_FILE` listing local sentence-transformers folders.

A plugin that cannot be imported is skipped with a warning when the registry is read (listing
works without it), but naming it (`--encoder ID`, an id in config) raises EncoderError naming the
plugin, not "unknown encoder": the user asked for exactly that encoder.
"""

from __future__ import annotations

import inspect
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vecaudit.plugins import ENCODERS, PluginStatus, load_all, stale_install_hint

from ..errors import EncoderError
from .base import Encoder, EncoderSpec

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = ENCODERS.group
ENCODERS_FILE_ENV = "VECAUDIT_ENCODERS_FILE"

Factory = Callable[[str], Encoder]


@dataclass
class Registration:
    spec: EncoderSpec | None  # None: a plugin that only tells its spec once instantiated
    factory: Factory
    origin: str  # "builtin", "entry-point:<module:attr>", "config:<file>"


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


def _entry_point_registrations() -> tuple[dict[str, Registration], dict[str, str]]:
    """Registrations by encoder id (built-ins first, in their usual order), and the plugins that
    could not be used: entry-point name -> why."""
    from .builtins import ORDER

    found: dict[str, Registration] = {}
    broken: dict[str, str] = {}
    skipped: list[PluginStatus] = []
    loaded = list(load_all(ENCODERS, skipped=skipped))  # warns for each skipped plugin
    broken.update((s.plugin.name, s.error or "") for s in skipped)
    rank = {eid: i for i, eid in enumerate(ORDER)}
    loaded.sort(key=lambda pair: (not pair[0].builtin, rank.get(pair[0].name, len(rank))))
    for plugin, obj in loaded:
        origin = "builtin" if plugin.builtin else f"entry-point:{plugin.target}"
        if _is_encoder(obj) and not isinstance(obj, type):
            reg = Registration(obj.spec, _instance_factory(obj), origin)
        elif callable(obj):
            spec = getattr(obj, "spec", None)
            reg = Registration(spec if isinstance(spec, EncoderSpec) else None, _factory_caller(obj), origin)
        else:
            reason = f"{plugin.describe()} is neither an Encoder nor a factory"
            log.warning("%s; skipped", reason)
            broken[plugin.name] = reason
            continue
        key = reg.spec.id if reg.spec is not None else plugin.name
        if key in found:
            log.warning("encoder id %r from %s ignored: id already registered", key, origin)
            continue
        found[key] = reg
    return found, broken


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
_broken: dict[str, str] = {}  # entry-point name -> why it cannot be used
_instances: dict[tuple[str, str], Encoder] = {}


def _load_registry() -> dict[str, Registration]:
    global _registry
    with _lock:
        if _registry is None:
            reg, broken = _entry_point_registrations()
            for key, r in _config_registrations().items():
                if key in reg:
                    log.warning("encoder id %r from %s ignored: id already registered", key, r.origin)
                    continue
                reg[key] = r
            _broken.clear()
            _broken.update(broken)
            _registry = reg
        return _registry


def reset_registry() -> None:
    """Forget discovered plugins, config entries and cached instances (e.g. after changing env)."""
    global _registry
    with _lock:
        _registry = None
        _broken.clear()
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
    """How encoder `name` is registered.

    Raises EncoderError: naming the plugin when an encoder plugin published under `name` cannot
    be used (not importable, not an encoder), else "unknown encoder" with the known ids.
    """
    reg = _load_registry()
    if name not in reg:
        why = _broken.get(name)
        if why is not None:
            raise EncoderError(f"encoder {name!r} cannot be used: {why}")
        hint = stale_install_hint(ENCODERS)
        raise EncoderError(f"unknown encoder {name!r}; known: {', '.join(reg)}{hint}")
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
