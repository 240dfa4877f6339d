"""Text to meaning vectors, offline: the WordLlama "l2_supercat" static token embeddings.

The weights (16 MB, 32,000 tokens x 256 dimensions) and the tokenizer ship inside the
`wordllama` wheel; they are read from that installed package and nothing is ever downloaded
(wordllama's own loader would try a model hub first, so it is not used). A text's vector is the
mean of its tokens' embeddings, normalised: the pooling the model was trained with, so the dot
product of two vectors is their cosine similarity.

Reading the package's data files is the one read the engine makes: it is part of the installed
code, the same for every call, and done once per process on first use.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
from safetensors.numpy import load_file
from tokenizers import Tokenizer

Vector = npt.NDArray[np.float32]

_PACKAGE = "wordllama"
_WEIGHTS = Path("weights") / "l2_supercat_256.safetensors"
_TOKENIZER = Path("tokenizers") / "l2_supercat_tokenizer_config.json"
_TENSOR = "embedding.weight"
# Long inputs are cut: the meaning of an answer is in its first few sentences, and the cost of
# pooling grows with the token count.
MAX_TOKENS = 256
# Knowledge texts remembered across reloads (1 KB each): the bundled knowledge has about 1,200.
MAX_REMEMBERED = 16_384


class VectorModelMissing(RuntimeError):
    """The installed `wordllama` package lacks the files this module reads."""


class Embedder:
    """Embeds texts with one tokenizer and one embedding table."""

    def __init__(self, tokenizer: Tokenizer, table: npt.NDArray[np.float16]) -> None:
        self._tokenizer = tokenizer
        self._table = table
        self.dimensions = int(table.shape[1])

    def embed(self, text: str) -> Vector:
        """The unit vector of `text`; the zero vector when it has no tokens."""
        ids = self._tokenizer.encode(text, add_special_tokens=False).ids[:MAX_TOKENS]
        if not ids:
            return np.zeros(self.dimensions, dtype=np.float32)
        pooled = self._table[ids].sum(axis=0, dtype=np.float32)  # the norm makes it a mean
        norm = float(np.linalg.norm(pooled))
        unit: Vector = pooled / norm if norm > 0.0 else pooled
        return unit

    def embed_spans(self, text: str, spans: list[tuple[int, int]]) -> npt.NDArray[np.float32]:
        """One unit vector per (start, end) character span of `text`, from one tokenisation
        of the whole text: a token belongs to the span holding its middle."""
        encoding = self._tokenizer.encode(text, add_special_tokens=False)
        ids = np.array(encoding.ids, dtype=np.int64)
        offsets = np.array(encoding.offsets, dtype=np.float32).reshape(-1, 2)
        middles = offsets.mean(axis=1)
        rows = np.zeros((len(spans), self.dimensions), dtype=np.float32)
        for row, (start, end) in enumerate(spans):
            inside = ids[(middles >= start) & (middles < end)][:MAX_TOKENS]
            if inside.size:
                pooled = self._table[inside].sum(axis=0, dtype=np.float32)
                norm = float(np.linalg.norm(pooled))
                rows[row] = pooled / norm if norm > 0.0 else pooled
        return rows

    def embed_many(self, texts: list[str]) -> npt.NDArray[np.float32]:
        """One row per text, in order (an empty list gives a 0-row matrix). The knowledge's
        texts are embedded again at every reload, mostly unchanged: they are remembered."""
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        return np.vstack([self._remembered(text) for text in texts])

    @lru_cache(maxsize=MAX_REMEMBERED)  # noqa: B019 - one process-wide embedder, never freed
    def _remembered(self, text: str) -> Vector:
        vector = self.embed(text)
        vector.flags.writeable = False  # shared between indexes: nobody may change it
        return vector


def _package_folder() -> Path:
    spec = importlib.util.find_spec(_PACKAGE)
    locations = spec.submodule_search_locations if spec else None
    if not locations:
        raise VectorModelMissing(f"the '{_PACKAGE}' package is not installed")
    return Path(next(iter(locations)))


def available_embedder() -> Embedder | None:
    """The default embedder, or None where `wordllama` is not installed: the matcher then reads
    answers by their words alone."""
    try:
        return default_embedder()
    except VectorModelMissing:
        return None


@lru_cache(maxsize=1)
def default_embedder() -> Embedder:
    """The process-wide embedder, loaded on first use (about 0.3 s and 40 MB)."""
    folder = _package_folder()
    weights, tokenizer = folder / _WEIGHTS, folder / _TOKENIZER
    for path in (weights, tokenizer):
        if not path.is_file():
            raise VectorModelMissing(f"'{_PACKAGE}' has no {path.relative_to(folder)}")
    table = load_file(str(weights))[_TENSOR]
    return Embedder(Tokenizer.from_file(str(tokenizer)), table)
