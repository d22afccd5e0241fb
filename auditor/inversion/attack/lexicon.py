"""What value search proposes from: given names, surnames, words and email domains.

Names come from Faker's person providers of every locale (`vecaudit.namelists`), written in
Latin letters by anyascii, since the uncased encoders strip accents anyway.
Words are the whole-word entries of the uncased BERT WordPiece vocabulary that ships with the
all-MiniLM-L6-v2 package. Each entry is embedded alone once per encoder (about 45k short texts,
10-15 s for MiniLM on 2 cores) and cached on disk, so proposals are a matrix product away:
an entry whose lone embedding points the way of the stored vector is likely in its text.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...errors import InverterError

#: Free-mail providers, the domains most personal addresses use.
MAIL_DOMAINS = (
    "gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "aol.com", "proton.me",
    "protonmail.com", "gmx.net", "gmx.de", "mail.com", "live.com", "msn.com", "yandex.com",
    "web.de", "yahoo.co.uk", "hotmail.co.uk", "comcast.net", "me.com", "zoho.com", "example.com",
)  # fmt: skip
TLDS = ("com", "org", "net", "io", "co", "edu", "gov", "de", "uk", "co.uk", "info", "biz", "us")

#: Short words a vocabulary search from lone embeddings never ranks (they point nowhere alone).
FUNCTION_WORDS = tuple(
    "the a an of to for by from with and or in on at is was are be been has have had her his their "
    "my your our its this that it as after before until about via per into over under not no please "
    "will can should would".split()
) + (",", ".", ";", ":", "(", ")", "-", "@", "#", "/")

_NAME = re.compile(r"[A-Za-z][A-Za-z'-]*")


def display_name(name: str) -> str | None:
    """A Faker name as value search writes it: Latin letters (anyascii), initial capital; None if unfit."""
    from anyascii import anyascii

    word = anyascii(name).strip()
    if not _NAME.fullmatch(word) or len(word) < 2:
        return None
    # Keep inner capitals (McKay, Sarah-Jane); only lift a lowercase initial.
    return word if word[0].isupper() else word[0].upper() + word[1:]


@functools.cache
def name_lists() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(given names, surnames) of every Faker locale in display form, sorted."""
    from ...namelists import faker_names

    given_raw, family_raw = faker_names()
    given = {d for n in given_raw if (d := display_name(n))}
    family = {d for n in family_raw if (d := display_name(n))}
    return tuple(sorted(given)), tuple(sorted(family))


@functools.cache
def vocabulary_words() -> tuple[str, ...]:
    """Whole-word entries (2+ letters) of the uncased BERT WordPiece vocabulary, in vocabulary order."""
    from ...encoders.minilm import default_model_dir

    vocab = default_model_dir() / "vocab.txt"
    if not vocab.is_file():
        raise InverterError(f"the WordPiece vocabulary is missing at {vocab}")
    words = [w for w in vocab.read_text(encoding="utf-8").split("\n") if re.fullmatch(r"[a-z]{2,}", w)]
    return tuple(words)


@dataclass(frozen=True)
class LexiconEmbeddings:
    """Lone embeddings of every lexicon entry in one encoder's space (unit rows; float16 on disk,
    float32 in memory so that each shortlist is one matrix product, not a conversion as well)."""

    given: np.ndarray  # (len(given names), dim)
    family: np.ndarray  # (len(surnames), dim)
    words: np.ndarray  # (len(vocabulary words), dim)


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "vecaudit" / "lexicon"


def _digest(encoder_id: str) -> str:
    given, family = name_lists()
    h = hashlib.sha256(encoder_id.encode())
    for part in (given, family, vocabulary_words()):
        h.update("\n".join(part).encode())
        h.update(b"\0")
    return h.hexdigest()[:16]


def lexicon_embeddings(encoder_id: str, embed) -> LexiconEmbeddings:  # type: ignore[no-untyped-def]
    """Embeddings of the lexicon under `embed` (texts -> (n, dim) array), cached on disk per encoder.

    The cache file is a plain .npz of float16 arrays (no pickle), keyed by the encoder id and a
    digest of the lists, so a new Faker or vocabulary version recomputes it.
    """
    from ...encoders.profiles import unit_rows

    path = cache_dir() / f"{encoder_id}-{_digest(encoder_id)}.npz"
    if path.is_file():
        try:
            with np.load(path, allow_pickle=False) as z:
                return _in_memory(z["given"], z["family"], z["words"])
        except (OSError, ValueError, KeyError):
            pass  # a damaged cache is recomputed
    given, family = name_lists()

    def lone(texts: list[str]) -> np.ndarray:
        return unit_rows(np.asarray(embed(texts), dtype=np.float32)).astype(np.float16)

    parts = {
        "given": lone(list(given)),
        "family": lone(list(family)),
        "words": lone(list(vocabulary_words())),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, given=parts["given"], family=parts["family"], words=parts["words"])
    os.replace(tmp, path)
    return _in_memory(parts["given"], parts["family"], parts["words"])


def _in_memory(given: np.ndarray, family: np.ndarray, words: np.ndarray) -> LexiconEmbeddings:
    return LexiconEmbeddings(*(np.asarray(m, dtype=np.float32) for m in (given, family, words)))


@dataclass(frozen=True)
class Lexicon:
    """The lists and their lone embeddings in one encoder's space, with nearest-entry lookups."""

    given: tuple[str, ...]
    family: tuple[str, ...]
    words: tuple[str, ...]
    emb: LexiconEmbeddings
    #: Maps stored vectors (n, dim) into the space the lone embeddings live in, when that is another
    #: encoder's (a slow encoder's vectors reach MiniLM's lexicon through their translation adapter).
    project: Callable[[np.ndarray], np.ndarray] | None = None

    @classmethod
    def for_encoder(
        cls,
        encoder_id: str,
        embed: Callable[[list[str]], np.ndarray],
        project: Callable[[np.ndarray], np.ndarray] | None = None,
    ) -> Lexicon:
        """The lexicon embedded by `embed` (encoder `encoder_id`; cached on disk), queried through
        `project` when stored vectors live in another space."""
        given, family = name_lists()
        return cls(given, family, vocabulary_words(), lexicon_embeddings(encoder_id, embed), project)

    @functools.cached_property
    def name_set(self) -> frozenset[str]:
        return frozenset(self.given) | frozenset(self.family)

    @functools.cached_property
    def name_keys(self) -> frozenset[str]:
        """Lowercase forms of every name, for telling name words apart from other words."""
        return frozenset(n.lower() for n in self.name_set)

    def _top(self, matrix: np.ndarray, target: np.ndarray, k: int) -> np.ndarray:
        query = np.asarray(target, dtype=np.float32)
        if self.project is not None:
            query = np.asarray(self.project(query[None, :]), dtype=np.float32)[0]
        scores = matrix.astype(np.float32) @ query
        k = min(k, scores.shape[0])
        top = np.argpartition(-scores, k - 1)[:k]
        return top[np.argsort(-scores[top])]

    def top_given(self, target: np.ndarray, k: int) -> list[str]:
        return [self.given[j] for j in self._top(self.emb.given, target, k)]

    def top_family(self, target: np.ndarray, k: int) -> list[str]:
        return [self.family[j] for j in self._top(self.emb.family, target, k)]

    def top_words(self, target: np.ndarray, k: int, *, names: bool = False) -> list[str]:
        """The k words whose lone embeddings are nearest `target`; names left out unless asked."""
        picked: list[str] = []
        for j in self._top(self.emb.words, target, k * 3):
            word = self.words[j]
            if names or word not in self.name_keys:
                picked.append(word)
            if len(picked) == k:
                break
        return picked
