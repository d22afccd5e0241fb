"""Rows for `vecaudit encoders`: what is registered, whether it loads offline, whether a profile ships."""

from __future__ import annotations

from typing import Any

from ..errors import EncoderError
from .profiles import load_profiles
from .registry import encoder_ids, get_encoder, get_spec, registration


def encoder_rows(check_load: bool = False) -> list[dict[str, Any]]:
    """One dict per registered encoder, in registry order.

    Keys: id, dim, pooling, normalized, license, source, origin, profile (bool), and with
    `check_load` also `loads` (bool) and `error` (str, empty when it loads). Loading is opt-in
    because it reads every model from disk.
    """
    profiles = load_profiles()
    rows: list[dict[str, Any]] = []
    for eid in encoder_ids():
        row: dict[str, Any] = {"id": eid, "origin": registration(eid).origin}
        try:
            spec = get_spec(eid)
            row.update(
                dim=spec.dim,
                pooling=spec.pooling,
                normalized=spec.normalized,
                license=spec.license,
                source=spec.source,
                description=spec.description,
            )
        except EncoderError as exc:
            row.update(dim=None, pooling="", normalized=None, license="", source="", description=str(exc))
        row["profile"] = eid in profiles
        if check_load:
            try:
                get_encoder(eid)
                row.update(loads=True, error="")
            except EncoderError as exc:
                row.update(loads=False, error=str(exc))
        rows.append(row)
    return rows
