"""Errors a user can act on. Every one of them maps to exit code 2 at the CLI."""

from __future__ import annotations


class VecauditError(Exception):
    """Base class: message is shown to the user as is, so it must never contain a PII value."""

    exit_code = 2


class TargetError(VecauditError):
    """The store cannot be reached, opened, or authenticated against."""


class CollectionError(VecauditError):
    """A requested collection is missing or unusable."""


class PolicyError(VecauditError):
    """A policy file is malformed; the message names file, line and field."""


class EncoderError(VecauditError):
    """An encoder cannot be loaded or does not fit the vectors."""


class InverterError(VecauditError):
    """The inverter model or its serving backend failed."""


class ScanIncomplete(VecauditError):
    """The scan stopped before covering every sampled point."""


class DetectorError(VecauditError):
    """The PII detector (spaCy model, Presidio, a recognizer plugin) cannot be built or run."""


class FingerprintKeyError(VecauditError):
    """The fingerprint key is missing, unreadable or too weak; the message never shows the key."""


class CandidatesError(VecauditError):
    """A candidates file (targeted mode) is unreadable or malformed; names file and line, never a value."""
