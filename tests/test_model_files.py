"""The one search path of shipped weights: $VECAUDIT_MODELS_DIR, the package's data, the checkout."""

from __future__ import annotations

from pathlib import Path

import pytest
from vecaudit import model_files
from vecaudit.inversion import inverter_dir, models_dir

REPO = Path(__file__).resolve().parents[1]


def _inverter(root: Path, encoder: str = "enc") -> Path:
    folder = root / f"inverter-{encoder}"
    folder.mkdir(parents=True)
    (folder / "inverter.json").write_text("{}")
    return folder


def test_the_checkout_is_searched_after_the_package_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(model_files.MODELS_ENV, raising=False)
    assert model_files.in_checkout()
    assert model_files.search_path() == [model_files.PACKAGE_MODELS, REPO / "models"]
    assert models_dir() == REPO / "models"  # a checkout has no package data folder
    assert inverter_dir("all-MiniLM-L6-v2") == REPO / "models" / "inverter-all-MiniLM-L6-v2"
    assert inverter_dir("no-such-encoder") is None


def test_package_data_wins_over_the_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(model_files.MODELS_ENV, raising=False)
    monkeypatch.setattr(model_files, "PACKAGE_MODELS", tmp_path / "weights")
    shipped = _inverter(tmp_path / "weights")
    assert models_dir() == tmp_path / "weights"
    assert inverter_dir("enc") == shipped
    assert inverter_dir("all-MiniLM-L6-v2") is None  # one folder is used, not a merge of them


def test_the_environment_is_the_only_folder_when_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(model_files.MODELS_ENV, str(tmp_path / "mine"))
    assert model_files.search_path() == [tmp_path / "mine"]
    assert inverter_dir("all-MiniLM-L6-v2") is None  # the shipped inverter is off
    assert model_files.searched() == f"looked in {tmp_path / 'mine'} (not found)"
    own = _inverter(tmp_path / "mine")
    assert inverter_dir("enc") == own
    assert model_files.searched() == f"looked in {tmp_path / 'mine'}"


def test_searched_names_every_folder_and_the_missing_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(model_files.MODELS_ENV, raising=False)
    message = model_files.searched()
    assert message.startswith("looked in ")
    assert f"{model_files.PACKAGE_MODELS} (not found)" in message and str(REPO / "models") in message
