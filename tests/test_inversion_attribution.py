"""Span support: a value the vector encodes pulls the re-embedding toward it; an invented one does not."""

from __future__ import annotations

import numpy as np
from vecaudit.encoders.minilm import MiniLMEncoder
from vecaudit.inversion.attribution import MIN_SUPPORT, span_support


def _span(text: str, value: str, etype: str) -> tuple[int, int, str]:
    start = text.index(value)
    return (start, start + len(value), etype)


def test_supported_names_score_above_invented_ones() -> None:
    enc = MiniLMEncoder()
    leaked = "Patient Margaret Okonkwo was admitted with chest pain."
    clean = "The patient was admitted with chest pain."
    targets = enc.embed([leaked, clean])
    # Recovered texts: the first is right; the second adds a name the clean vector never held.
    invented = "The patient Margaret Okonkwo was admitted with chest pain."
    texts = [leaked, invented]
    spans = [[_span(leaked, "Margaret Okonkwo", "PERSON")], [_span(invented, "Margaret Okonkwo", "PERSON")]]
    support = span_support(enc.embed_tensor, targets, texts, spans)
    assert support[0][0] >= MIN_SUPPORT
    assert support[1][0] < MIN_SUPPORT
    # Passing the cosines the inverter already computed gives the same answer without re-embedding.
    cos = (enc.embed(texts) * targets).sum(1)
    again = span_support(enc.embed_tensor, targets, texts, spans, cosines=cos.tolist())
    np.testing.assert_allclose(np.array(again), np.array(support), atol=1e-4)


def test_texts_without_spans_cost_nothing() -> None:
    calls: list[int] = []

    def embed(texts):  # type: ignore[no-untyped-def]
        calls.append(len(texts))
        raise AssertionError("must not embed")

    assert span_support(embed, np.zeros((2, 384), np.float32), ["a", "b"], [[], []]) == [[], []]
    assert calls == []
