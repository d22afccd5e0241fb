"""Encoders: the protocol, the registry, identification and (later) translation adapters.

Importing this package loads no model; see registry.get_encoder.
"""

from __future__ import annotations

from .base import Encoder, EncoderSpec, PromptedEncoder
from .registry import encoder_ids, get_encoder, list_encoders

__all__ = ["Encoder", "EncoderSpec", "PromptedEncoder", "encoder_ids", "get_encoder", "list_encoders"]
