"""Integer-coded vectors: recognised, de-quantized before identification and inversion, or reported.

Unit tests run on synthetic vectors; the scan tests build real local-mode stores of real
all-MiniLM-L6-v2 embeddings, quantized to uint8 the way a user would (one min-max over the whole
matrix), and scan them through the CLI.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from clitools import enter_sandbox, run_cli, write_policy
from storebuild import build_local, tree_fingerprint
from vecaudit.encoders.dequantize import (
    Codes,
    Dequantizer,
    find_codes,
    fit,
    rescale_rows,
)


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _encoder_like(n: int, d: int = 64, seed: int = 0) -> np.ndarray:
    """Unit vectors shaped like a sentence encoder's: a common mean direction, correlated dimensions
    (a low-rank part plus noise) and 3 always-zero dimensions. `seed` picks the encoder and the rows."""
    rng = np.random.default_rng(seed)
    mean = rng.normal(size=d) * 0.3
    mixing = rng.normal(size=(12, d)) * np.linspace(1.0, 0.2, 12)[:, None]
    x = mean + rng.normal(size=(n, 12)) @ mixing + 0.2 * rng.normal(size=(n, d))
    x[:, [5, 17, 40]] = 0.0
    return _unit(x)


def _minmax_uint8(v: np.ndarray) -> np.ndarray:
    return np.round((v - v.min()) / (v.max() - v.min()) * 255)


def _cos(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray((_unit(np.asarray(a, np.float64)) * _unit(b)).sum(axis=1))


# --- recognising codes ----------------------------------------------------------------------------


def test_codes_are_recognised_by_datatype_values_and_per_vector_scale() -> None:
    v = _encoder_like(30)
    q = _minmax_uint8(v)
    assert find_codes(q, "uint8") == Codes("uint8", declared=True)
    assert find_codes(q, "float32") == Codes("uint8", declared=False)  # quantized before upserting
    assert find_codes(q - 128, None) == Codes("int8", declared=False)
    # A Cosine store normalizes each integer vector on insert: integers times a factor per vector.
    assert find_codes(_unit(q).astype(np.float32), None) == Codes("uint8", declared=False, scaled=True)
    assert find_codes(v.astype(np.float32), "float32") is None  # genuine floats
    assert find_codes(np.random.default_rng(1).integers(0, 2, size=(30, 64)).astype(float), None) is None
    assert Codes("uint8", declared=False, scaled=True).found_by == "integer values scaled per vector"


def test_rescale_rows_finds_the_integers_behind_a_normalized_row() -> None:
    q = _minmax_uint8(_encoder_like(5))
    codes, found = rescale_rows(_unit(q).astype(np.float32))
    assert found.all()
    assert np.allclose(_cos(codes, q), 1.0) and np.all(codes == np.rint(codes)) and codes.max() <= 255
    _, none = rescale_rows(_encoder_like(3))
    assert not none.any()


# --- de-quantizing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantize", "scheme"),
    [
        (_minmax_uint8, "shared_offset"),
        (lambda v: np.round((np.clip(v, -1, 1) + 1) * 127.5), "shared_offset"),
        (lambda v: np.round(v / np.abs(v).max() * 127), "shared_offset"),
        (
            lambda v: np.round((v - v.min(axis=1, keepdims=True)) / np.ptp(v, axis=1, keepdims=True) * 255),
            "per_vector_offset",
        ),
    ],
    ids=["global-minmax", "fixed-range", "int8-symmetric", "per-vector-minmax"],
)
def test_dequantized_vectors_point_where_the_floats_did(quantize: object, scheme: str) -> None:
    v = _encoder_like(40)
    q = quantize(v)  # type: ignore[operator]
    codes = find_codes(q, None)
    assert codes is not None
    deq = fit(q, codes)
    assert deq.scheme == scheme
    assert deq.zero_dims == (5, 17, 40)  # the always-zero dimensions anchor the zero code
    out = deq.apply(q)
    assert out.dtype == np.float32 and out.shape == q.shape
    assert _cos(out, v).min() > 0.999
    assert np.all(out[:, [5, 17, 40]] == 0.0)  # still exactly zero: the fingerprint's dead dimensions
    # As a Cosine store returns them (each row normalized), the result is the same.
    scaled = _unit(q).astype(np.float32)
    assert _cos(fit(scaled, find_codes(scaled, None)).apply(scaled), v).min() > 0.999  # type: ignore[arg-type]


def test_codes_scaled_per_dimension_are_undone_with_the_encoder_profile() -> None:
    from vecaudit.encoders.dequantize import match_per_dimension, with_encoder
    from vecaudit.encoders.profiles import compute_profile

    vectors = _encoder_like(660, seed=0)
    reference, v = vectors[:600], vectors[600:]  # the encoder's reference corpus; the store's vectors
    rotation, _ = np.linalg.qr(np.random.default_rng(9).normal(size=(64, 64)))
    profiles = {
        "ours": compute_profile("ours", reference, n_axes=16),
        "rotated": compute_profile("rotated", reference @ rotation, n_axes=16),  # same spectrum, other axes
    }
    rng = np.random.default_rng(3)
    lo, hi = v.min(axis=0), v.max(axis=0)
    q = np.round((v - lo) / np.where(hi > lo, hi - lo, 1.0) * 255)  # faiss SQ8-style
    codes = find_codes(q, "uint8")
    assert codes is not None
    base = fit(q, codes)
    assert base.scheme == "per_dimension"
    name, scores = match_per_dimension(q, codes, profiles)
    assert name == "ours" and scores["ours"] > 0.35 > 0.1 > scores["rotated"], scores
    deq = with_encoder(q, base, profiles["ours"])
    assert deq.method == "encoder_profile" and deq.encoder == "ours"
    assert _cos(deq.apply(q), v).mean() > 0.95 > _cos(base.apply(q), v).mean()
    noise = rng.integers(0, 256, size=(60, 64)).astype(float)
    assert match_per_dimension(noise, codes, profiles)[0] is None


def test_dequantizer_survives_the_checkpoint_as_plain_json() -> None:
    q = _minmax_uint8(_encoder_like(20))
    deq = fit(q, Codes("uint8", declared=True))
    again = Dequantizer.from_state(json.loads(json.dumps(deq.to_state())))
    assert again == deq
    np.testing.assert_array_equal(again.apply(q), deq.apply(q))
    assert "one zero code for the collection" in deq.describe()


# --- scans of real stores ------------------------------------------------------------------------

TEXTS = [
    "Please reset the password for the billing portal account of Maria Lopez.",
    "The invoice for order 4471 was charged twice last month.",
    "Our team meeting moves to Thursday afternoon in room 3B.",
    "Patient reports mild headaches after the new medication dose.",
    "Can you ship the replacement keyboard to the Berlin office?",
    "The quarterly sales report shows growth in the northern region.",
    "John Smith asked for a refund because the parcel arrived damaged.",
    "The server in the staging cluster ran out of disk space overnight.",
    "Remember to renew the parking permit before the end of May.",
    "The new hire starts on Monday and needs a laptop and a badge.",
    "Flight 212 to Lisbon is delayed by two hours due to fog.",
    "Her insurance claim was approved after the second inspection.",
    "The recipe needs two cups of flour and a pinch of salt.",
    "Kevin O'Brien changed his mailing address to 14 Elm Street.",
    "The library will be closed for renovation during August.",
    "Customer complains that the mobile app crashes on login.",
    "The contract renewal with the cleaning company is due next week.",
    "Anna Kowalska requested two days of leave for a family event.",
    "The printer on the second floor keeps jamming with thick paper.",
    "We need a quote for fifty branded water bottles for the fair.",
]


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return enter_sandbox(tmp_path, monkeypatch)


def _collections(report: dict[str, object]) -> dict[str, dict[str, object]]:
    return {c["name"]: c for c in report["collections"]}  # type: ignore[attr-defined,index]


def test_uint8_copy_is_dequantized_and_inverts_like_its_float_copy(
    sandbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from vecaudit.encoders.registry import get_encoder

    floats = get_encoder("all-MiniLM-L6-v2").embed(TEXTS)
    codes = _minmax_uint8(floats).astype(np.float32)  # what a user does before storing uint8
    payloads = [{"text": t} for t in TEXTS]
    store = sandbox / "store"
    build_local(store, "floats", floats, payloads)
    build_local(store, "codes", codes, payloads, datatype="uint8")
    before = tree_fingerprint(store)
    policy = write_policy(sandbox)
    out = sandbox / "scan.json"
    args = ("--policy", policy, "--reveal", "--attack", "loop", "--steps", "0", "-f", "json", "-o", out)
    r = run_cli(capsys, "scan", store, *args)
    assert r.code in (0, 1), r.err
    assert tree_fingerprint(store) == before, "the scan wrote to the audited store"
    report = json.loads(out.read_text())
    cols = _collections(report)
    assert report["complete"] is True, cols["codes"]["coverage"]
    assert cols["floats"]["dequantization"] == {}

    deq = cols["codes"]["dequantization"][""]  # type: ignore[index]
    assert deq["inferred"] is True and deq["codes"] == "uint8" and deq["found_by"] == "datatype uint8"
    assert deq["scheme"] == "shared_offset" and deq["method"] == "constant_dimensions"
    assert deq["encoder"] == "all-MiniLM-L6-v2"
    # Measured: the de-quantized vectors against the payload text re-embedded (the float originals).
    assert deq["payload_cosine"] > 0.999
    assert deq["fingerprint_excess"] > 0.3 > deq["fingerprint_excess_as_stored"]
    assert cols["codes"]["encoder"]["name"] == "all-MiniLM-L6-v2"  # type: ignore[index]
    assert any("de-quantized" in n for n in cols["codes"]["notes"])  # type: ignore[attr-defined]

    cosine = {
        name: np.mean([i["cosine"] for i in report["inversions"] if i["collection"] == name])
        for name in ("floats", "codes")
    }
    assert len(report["inversions"]) == 2 * len(TEXTS)
    # Raw codes invert to junk (cosine ~0.05-0.25); de-quantized ones as well as the floats do.
    assert cosine["codes"] > 0.3
    assert abs(cosine["codes"] - cosine["floats"]) < 0.05, cosine


def test_codes_of_unknown_scale_are_reported_and_fail_the_scan(
    sandbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rng = np.random.default_rng(5)
    noise = rng.integers(0, 256, size=(24, 384)).astype(np.float32)  # right dimension, no encoder's
    store = build_local(sandbox / "store", "codes", noise, [{"n": i} for i in range(24)], datatype="uint8")
    policy = write_policy(sandbox)
    stem = sandbox / "out" / "scan"
    r = run_cli(capsys, "scan", store, "--policy", policy, "-f", "json", "-f", "sarif", "-o", stem)
    assert r.code == 2, r.err  # vectors nobody could read: not a clean pass
    assert "quantized_vector" in r.err

    report = json.loads(stem.with_suffix(".json").read_text())
    (col,) = report["collections"]
    deq = col["dequantization"][""]
    assert deq["inferred"] is False and deq["codes"] == "uint8"
    assert "look like no known encoder's vectors" in deq["reason"]
    assert col["encoder"]["name"] == "unknown" and col["inverted"] == 0
    (gap,) = col["coverage"]["not_analyzed"]
    assert gap["reason"] == "quantized_vector" and gap["unit"] == "vector" and gap["count"] == 24
    assert "scale could not be inferred" in gap["description"] and gap["vectors"] == ["(default)"]
    assert report["complete"] is False
    assert "could not be de-quantized" in report["stages_skipped"]["invert"]
    sarif = json.loads(stem.with_suffix(".sarif").read_text())
    notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert any(n.get("descriptor", {}).get("id") == "coverage/quantized_vector" for n in notes)

    accepted = run_cli(capsys, "scan", store, "--policy", policy, "--allow-partial", "--no-invert")
    assert accepted.code == 0, accepted.err  # accepted as partial, and still said
    assert "quantized_vector" in accepted.err + accepted.out
