"""The meaning half of understanding an answer: how close it is to what each option means.

Each option's meaning is a set of texts: its label, synonyms, description and examples, and the
snippets of the articles that argue its weights (its `basis`). A clause of the answer is close to
an option when its vector (`vectors.py`) is close to one of those texts. Static vectors barely
notice a "not", so polarity is settled here: a negated clause agrees with an option's negative
texts ("nobody uses it") and, against its positive ones, is evidence against the option.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.engine import thresholds as t
from bot.engine.text import analyse, is_conditional
from bot.engine.vectors import Embedder
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


# The example answers of a question (the knowledge's `examples` files), by option id.
Answers = Mapping[str, tuple[str, ...]]


def own_texts(question: Question, answers: Answers | None = None) -> list[list[str]]:
    """The knowledge's own words for what each option means: label, synonyms, examples, the
    example answers and description."""
    texts = []
    for option in question.options:
        given = (answers or {}).get(option.id, ())
        own = [option.label, *option.synonyms, *option.examples, *given]
        if option.description:
            own.append(option.description)
        texts.append(own)
    return texts


def option_texts(
    question: Question, snippets: dict[str, Snippet], answers: Answers | None = None
) -> list[list[str]]:
    """Every text that says what each option means, snippets of its basis last."""
    texts = own_texts(question, answers)
    for own, option in zip(texts, question.options, strict=True):
        own.extend(snippets[s].text for ids in option.basis.values() for s in ids if s in snippets)
    return texts


class MeaningScorer:
    def __init__(
        self,
        question: Question,
        snippets: dict[str, Snippet],
        embedder: Embedder,
        answers: Answers | None = None,
    ) -> None:
        self.size = len(question.options)
        self._embedder = embedder
        rows: list[str] = []
        owners: list[int] = []
        negative: list[bool] = []
        discount: list[float] = []
        snippet_texts = {snippet.text for snippet in snippets.values()}
        for index, texts in enumerate(option_texts(question, snippets, answers)):
            for text in dict.fromkeys(texts):
                rows.append(text)
                owners.append(index)
                # Negative texts say only what is not ("nobody uses it"); a text with a positive
                # part ("the business owner, not IT") is about that part.
                words = analyse(text)
                negative.append(
                    bool(words.negated) and not words.positive and not is_conditional(text)
                )
                discount.append(t.SNIPPET_MEANING_SHARE if text in snippet_texts else 1.0)
        self._texts = _Texts(
            embedder.embed_many(rows),
            np.array(owners, dtype=np.int64),
            np.array(negative, dtype=np.bool_),
            np.array(discount, dtype=np.float32),
        )
        self._positive_rows = self._rows_by_option(owners, [not n for n in negative])
        self._negative_rows = self._rows_by_option(owners, negative)

    def _rows_by_option(self, owners: list[int], keep: list[bool]) -> npt.NDArray[np.int64]:
        """An options x texts table of row numbers, padded with the index one past the last
        row (where `_best` puts -inf), so one gather and one sort score every option."""
        per_option: list[list[int]] = [[] for _ in range(self.size)]
        for row, (owner, kept) in enumerate(zip(owners, keep, strict=True)):
            if kept:
                per_option[owner].append(row)
        width = max((len(rows) for rows in per_option), default=0)
        pad = len(owners)
        table = [rows + [pad] * (width - len(rows)) for rows in per_option]
        return np.array(table, dtype=np.int64).reshape(self.size, width)

    def vectors(self, text: str, spans: list[tuple[int, int]]) -> npt.NDArray[np.float32]:
        """The vectors of the clauses at `spans` of `text` (see `Embedder.embed_spans`)."""
        return self._embedder.embed_spans(text, spans)

    def similarities(self, vectors: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Cosine similarity of each vector (rows) with every option text (columns), the
        article snippets discounted."""
        sims: npt.NDArray[np.float32] = (vectors @ self._texts.matrix.T) * self._texts.discount
        return sims

    def score(self, vectors: npt.NDArray[np.float32], negated: list[bool]) -> list[MeaningScores]:
        """Support and evidence against each option, for each clause vector (rows)."""
        sims = self.similarities(vectors)
        positive = self._best(sims, self._positive_rows)
        negative = self._best(sims, self._negative_rows)
        scores = []
        for row, is_negated in enumerate(negated):
            if is_negated:
                support = negative[row]
                # Closer to the option's own negative texts than to its positive ones: the
                # negation is what the option means ("hardly any rules"), not a rejection.
                against = np.where(positive[row] > support, positive[row], 0.0)
            else:
                # A positive answer near a negative text still leans that way, a little less.
                support = np.maximum(positive[row], t.NEGATIVE_TEXT_SHARE * negative[row])
                against = np.zeros(self.size, dtype=np.float32)
            scores.append(
                MeaningScores(
                    tuple(_to_score(float(s)) for s in support),
                    tuple(_to_score(float(a)) for a in against),
                )
            )
        return scores

    def _best(
        self, sims: npt.NDArray[np.float32], rows: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.float32]:
        """Clauses x options: the mean of each option's MEANING_TOP_K most similar texts
        among `rows` (one lucky text counts less than two that agree); 0 with no such text."""
        clauses = sims.shape[0]
        if rows.shape[1] == 0:
            return np.zeros((clauses, self.size), dtype=np.float32)
        padded = np.concatenate([sims, np.full((clauses, 1), -np.inf, np.float32)], axis=1)
        top = np.sort(padded[:, rows], axis=2)[:, :, -t.MEANING_TOP_K :]
        best = top[:, :, -1:]
        top = np.where(np.isfinite(top), top, best)  # fewer texts than K: the best counts
        means: npt.NDArray[np.float32] = np.where(
            np.isfinite(best[:, :, 0]), top.mean(axis=2), 0.0
        ).astype(np.float32)
        return means


def _to_score(similarity: float) -> float:
    """Cosine similarity to the 0-100 scale of the matcher: FLOOR and below is 0."""
    span = t.MEANING_FULL - t.MEANING_FLOOR
    return 100.0 * min(1.0, max(0.0, (similarity - t.MEANING_FLOOR) / span))
