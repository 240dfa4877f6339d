"""The meaning half of understanding an answer: how close it is to what each option means.

Each option's meaning is a set of texts: its label, synonyms, description and examples, and the
snippets of the articles that argue its weights (its `basis`). A clause of the answer is close to
an option when its vector (`vectors.py`) is close to one of those texts. Static vectors barely
notice a "not", so polarity is settled here: a negated clause agrees with an option's negative
texts ("nobody uses it") and, against its positive ones, is evidence against the option.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.engine import thresholds as t
from bot.engine.text import analyse
from bot.engine.vectors import Embedder, Vector
from bot.knowledge.model import Question, Snippet


@dataclass(frozen=True)
class MeaningScores:
    """Per option (in the question's order): support, and evidence against (both 0-100)."""

    support: tuple[float, ...]
    against: tuple[float, ...]


@dataclass(frozen=True)
class _Texts:
    matrix: npt.NDArray[np.float32]  # one unit vector per text
    owner: npt.NDArray[np.int64]  # the option index of each row
    negative: npt.NDArray[np.bool_]  # whether each text is itself negative
    discount: npt.NDArray[np.float32]  # 1.0, or less for long article snippets


def option_texts(question: Question, snippets: dict[str, Snippet]) -> list[list[str]]:
    """Every text that says what each option means, snippets of its basis last."""
    texts = []
    for option in question.options:
        own = [option.label, *option.synonyms, *option.examples]
        if option.description:
            own.append(option.description)
        linked = [snippets[s].text for ids in option.basis.values() for s in ids if s in snippets]
        texts.append(own + linked)
    return texts


class MeaningScorer:
    def __init__(
        self, question: Question, snippets: dict[str, Snippet], embedder: Embedder
    ) -> None:
        self.size = len(question.options)
        self._embedder = embedder
        rows: list[str] = []
        owners: list[int] = []
        negative: list[bool] = []
        discount: list[float] = []
        snippet_texts = {snippet.text for snippet in snippets.values()}
        for index, texts in enumerate(option_texts(question, snippets)):
            for text in dict.fromkeys(texts):
                rows.append(text)
                owners.append(index)
                # Negative texts say only what is not ("nobody uses it"); a text with a positive
                # part ("the business owner, not IT") is about that part.
                words = analyse(text)
                negative.append(bool(words.negated) and not words.positive)
                discount.append(t.SNIPPET_MEANING_SHARE if text in snippet_texts else 1.0)
        self._texts = _Texts(
            embedder.embed_many(rows),
            np.array(owners, dtype=np.int64),
            np.array(negative, dtype=np.bool_),
            np.array(discount, dtype=np.float32),
        )

    def vector(self, text: str) -> Vector:
        return self._embedder.embed(text)

    def similarities(self, vector: Vector) -> npt.NDArray[np.float32]:
        """Cosine similarity of `vector` with every option text, snippets discounted."""
        sims: npt.NDArray[np.float32] = (self._texts.matrix @ vector) * self._texts.discount
        return sims

    def score(self, vector: Vector, negated: bool) -> MeaningScores:
        """Support and evidence against each option for one clause's vector."""
        sims = self.similarities(vector)
        agree = self._texts.negative if negated else ~self._texts.negative
        support = self._best(sims, agree)
        if negated:
            # Closer to the option's own negative texts than to its positive ones: the negation
            # is what the option means ("hardly any rules"), not a rejection of it.
            rejecting = self._best(sims, ~self._texts.negative)
            against = [a if a > s else 0.0 for s, a in zip(support, rejecting, strict=True)]
        else:
            # A positive answer near a negative text still leans that way, a little less.
            support = [
                max(s, t.NEGATIVE_TEXT_SHARE * o)
                for s, o in zip(support, self._best(sims, self._texts.negative), strict=True)
            ]
            against = [0.0] * self.size
        return MeaningScores(
            tuple(_to_score(s) for s in support), tuple(_to_score(a) for a in against)
        )

    def _best(self, sims: npt.NDArray[np.float32], mask: npt.NDArray[np.bool_]) -> list[float]:
        """Per option, the mean of its MEANING_TOP_K most similar texts under `mask`: one
        lucky text counts less than two that agree."""
        best = []
        for option in range(self.size):
            chosen = sims[mask & (self._texts.owner == option)]
            if chosen.size == 0:
                best.append(0.0)
                continue
            top = np.sort(chosen)[-t.MEANING_TOP_K :]
            best.append(float(top.mean()))
        return best


def _to_score(similarity: float) -> float:
    """Cosine similarity to the 0-100 scale of the matcher: FLOOR and below is 0."""
    span = t.MEANING_FULL - t.MEANING_FLOOR
    return 100.0 * min(1.0, max(0.0, (similarity - t.MEANING_FLOOR) / span))
