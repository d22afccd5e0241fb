"""Support test: a value the vector encodes beats same-shape controls; an invented one does not."""

from __future__ import annotations

import numpy as np
import pytest
from vecaudit.encoders.minilm import MiniLMEncoder
from vecaudit.inversion.attribution import SupportSettings, SupportTest


@pytest.fixture(scope="module")
def encoder() -> MiniLMEncoder:
    return MiniLMEncoder()


def _span(text: str, value: str, etype: str) -> tuple[int, int, str]:
    start = text.index(value)
    return (start, start + len(value), etype)


def _judge(encoder: MiniLMEncoder, originals: list[str], recovered: list[str], values: list[tuple[str, str]]):  # type: ignore[no-untyped-def]
    targets = encoder.embed(originals)
    spans = [[_span(t, v, e)] for t, (v, e) in zip(recovered, values, strict=True)]
    return [row[0] for row in SupportTest(encoder.embed_tensor).judge(targets, recovered, spans)]


def test_names_the_vector_holds_are_supported_and_invented_ones_are_not(encoder: MiniLMEncoder) -> None:
    leaked = "Patient Margaret Okonkwo was admitted with chest pain."
    clean = "The patient was admitted with chest pain."
    invented = "The patient Margaret Okonkwo was admitted with chest pain."
    right, wrong = _judge(encoder, [leaked, clean], [leaked, invented], [("Margaret Okonkwo", "PERSON")] * 2)
    assert right.supported and min(right.zs) >= SupportSettings().min_z
    assert not wrong.supported
    # Neither word is a frequent English word, so both are parts, each judged on its own.
    assert len(right.zs) == 2


def test_a_name_made_of_topic_words_is_never_supported(encoder: MiniLMEncoder) -> None:
    # MiniLM is uncased: "Summer Price" is "summer price", and that is what the vector holds.
    text = "Summer price list for the garden furniture range."
    (verdict,) = _judge(
        encoder, [text], ["Summer Price list for the garden furniture range."], [("Summer Price", "PERSON")]
    )
    assert not verdict.supported and verdict.reason == "only common words"


def test_a_name_with_one_invented_part_is_not_supported(encoder: MiniLMEncoder) -> None:
    original = "Invoice for Kenji Watanabe, due in 30 days."
    recovered = "Invoice for Kenji Marchetti, due in 30 days."
    (verdict,) = _judge(encoder, [original], [recovered], [("Kenji Marchetti", "PERSON")])
    assert not verdict.supported
    assert verdict.zs[0] > verdict.zs[1]  # the given name is right, the surname is not


def test_email_addresses_are_judged_by_their_local_part(encoder: MiniLMEncoder) -> None:
    leaked = "Please reset the password for olga.petrova@riverbank.net today."
    clean = "Please reset the password for the shared mailbox today."
    invented = "Please reset the password for olga.petrova@riverbank.net the shared mailbox today."
    right, wrong = _judge(
        encoder, [leaked, clean], [leaked, invented], [("olga.petrova@riverbank.net", "EMAIL_ADDRESS")] * 2
    )
    assert right.supported
    assert not wrong.supported


def test_tokenizer_shaped_addresses_and_role_addresses(encoder: MiniLMEncoder) -> None:
    original = "Write to support@pocket.io with questions."
    (verdict,) = _judge(encoder, [original], [original], [("support@pocket.io", "EMAIL_ADDRESS")])
    assert not verdict.supported and verdict.reason == "only common words"
    spaced = "mail olga . petrova @ riverbank. net now"
    (verdict,) = _judge(
        encoder,
        ["Mail olga.petrova@riverbank.net now"],
        [spaced],
        [("olga . petrova @ riverbank. net", "EMAIL_ADDRESS")],
    )
    assert verdict.zs  # the closed-up address was varied and judged


def test_invented_numbers_in_pii_free_text_are_not_supported(encoder: MiniLMEncoder) -> None:
    clean = "The printer on floor 8 is out of toner again."
    invented = "The printer on floor 8 is out of toner again, SSN 219-45-5782."
    (verdict,) = _judge(encoder, [clean], [invented], [("219-45-5782", "US_SSN")])
    assert not verdict.supported


def test_initials_and_particles_are_not_parts(encoder: MiniLMEncoder) -> None:
    text = "Letter from Jan van der Berg and J. Okafor."
    (first,) = _judge(encoder, [text], [text], [("Jan van der Berg", "PERSON")])
    assert len(first.zs) == 2  # Jan, Berg
    (second,) = _judge(encoder, [text], [text], [("J. Okafor", "PERSON")])
    assert len(second.zs) == 1  # Okafor


def test_texts_without_spans_cost_nothing() -> None:
    calls: list[int] = []

    def embed(texts):  # type: ignore[no-untyped-def]
        calls.append(len(texts))
        raise AssertionError("must not embed")

    assert SupportTest(embed).judge(np.zeros((2, 384), np.float32), ["a", "b"], [[], []]) == [[], []]
    assert calls == []


def test_passing_cosines_gives_the_same_verdict(encoder: MiniLMEncoder) -> None:
    text = "Patient Margaret Okonkwo was admitted with chest pain."
    targets = encoder.embed([text])
    spans = [[_span(text, "Margaret Okonkwo", "PERSON")]]
    test = SupportTest(encoder.embed_tensor)
    cos = (encoder.embed([text]) * targets).sum(1).tolist()
    a = test.judge(targets, [text], spans)[0][0]
    b = test.judge(targets, [text], spans, cosines=cos)[0][0]
    np.testing.assert_allclose(a.zs, b.zs, atol=1e-3)


def test_an_invented_name_starting_with_a_topic_word_is_explained_by_it(encoder: MiniLMEncoder) -> None:
    # "Marketa" is read as "market" + "##a": on a vector about a farmers' market the name fits,
    # but the plain word fits as well, so it identifies nobody.
    original = "The farmers market by the riverside opens on Saturday mornings."
    recovered = "farm Marketa Farmer farmers riverside saturdays opens"
    (verdict,) = _judge(encoder, [original], [recovered], [("Marketa Farmer", "PERSON")])
    assert not verdict.supported
    # Farmer is a common word, so Marketa is the one part, and "market" explains it.
    assert len(verdict.leads) == 1 and verdict.leads[0] < 0.01


def test_a_true_name_is_not_cut_down_to_itself(encoder: MiniLMEncoder) -> None:
    # Prefixes that are no English words ("rhiann", "maga") explain nothing.
    text = "Rhianne Magan asked to stay anonymous in the report."
    (verdict,) = _judge(encoder, [text], [text], [("Rhianne Magan", "PERSON")])
    assert verdict.leads == (float("inf"), float("inf")) or all(lead > 0.01 for lead in verdict.leads)
    assert verdict.supported


def test_an_address_and_the_name_it_repeats_are_judged_as_one_identity(encoder: MiniLMEncoder) -> None:
    # Search writes the owner's name into the text and the address alike; varied alone, the
    # address would hide behind the name. Each run of the local part is varied everywhere.
    leaked = "Ticket from Tony Badu: reply to badu.tony@gmail.com about the refund."
    clean = "Ticket from a customer: reply about the refund by email."
    invented = "Ticket from Tony Badu: reply to badu.tony@gmail.com about the refund by email."
    right, wrong = _judge(
        encoder, [leaked, clean], [leaked, invented], [("badu.tony@gmail.com", "EMAIL_ADDRESS")] * 2
    )
    assert right.supported and len(right.zs) == 2
    assert not wrong.supported


def test_lowercase_values_keep_their_layout_in_the_controls() -> None:
    from vecaudit.inversion.attribution import _cased

    assert _cased("July 8, 1999", "march 3, 2020") == "july 8, 1999"
    assert _cased("O'Brien", "obrien") == "obrien"  # a word of an address: letters only
    assert _cased("Okafor", "NWOSU") == "OKAFOR"
