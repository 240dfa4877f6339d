"""A small classifier per question, trained on what the knowledge says each option means.

The meaning stage (`meaning.py`) asks "which option's texts is this answer nearest to?"; one
near text can be a lucky hit. This asks "which direction of meaning separates this question's
options?": a linear model fitted on the vectors of every option's label, synonyms, description
and examples learns, say, that "no time" separates "stretched" from "new to AI work" although
both texts speak of IT. The two views make different mistakes, so the matcher blends them.

The model is ridge regression from a text's vector to its option (one-hot), solved in closed
form: deterministic, no iterations to tune, about a millisecond per question, retrained from the
knowledge whenever it is reloaded. Its output for an option is how much the answer looks like
that option's texts; answers like none of them (small talk) score low everywhere.

Given the knowledge's `not_answers` as one more class, the same model tells answers from
chatter: "the CRM is slow today" shares a word with an option about data, but it sounds like
the chatter, not like any option.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from bot.engine import thresholds as t
from bot.engine.vectors import Embedder


class OptionClassifier:
    def __init__(
        self, texts: list[list[str]], embedder: Embedder, chatter: tuple[str, ...] = ()
    ) -> None:
        """`texts[i]`: the texts that say what option i means. `chatter`: texts that answer
        no question ("lunch at 1?"); when given they are one more class, "none of them", and
        `is_chatter` says whether a text belongs there."""
        self.size = len(texts)
        classes = [*texts, list(chatter)] if chatter else texts
        rows = [text for class_texts in classes for text in class_texts]
        owners = [i for i, class_texts in enumerate(classes) for _ in class_texts]
        vectors = embedder.embed_many(rows).astype(np.float64)
        inputs = np.hstack([vectors, np.ones((len(rows), 1))])  # the last column: a bias
        targets = np.zeros((len(rows), len(classes)))
        targets[np.arange(len(rows)), owners] = 1.0
        penalty = t.CLASSIFIER_RIDGE * np.eye(inputs.shape[1])
        penalty[-1, -1] = 0.0  # the bias is not shrunk
        # The chatter weighs as much as CHATTER_WEIGHT average options, however many texts it
        # has: a class of 800 texts against options of 40 would swallow every short, casual
        # answer.
        weights = np.ones(len(rows))
        if chatter:
            average_option = (len(rows) - len(chatter)) / self.size
            weights[-len(chatter) :] = t.CHATTER_WEIGHT * average_option / len(chatter)
        weighted = inputs * weights[:, None]
        solved = np.linalg.solve(weighted.T @ inputs + penalty, weighted.T @ targets)
        self._weights: npt.NDArray[np.float64] = np.asarray(solved, dtype=np.float64)

    def scores(self, vector: npt.NDArray[np.float32]) -> list[float]:
        """Per option, 0-100: how much `vector` (a unit vector, or zeros) looks like it."""
        return self._above_chance(vector)[: self.size]

    def is_chatter(self, vector: npt.NDArray[np.float32]) -> bool:
        """Whether `vector` looks like the chatter, clearly more than like any option."""
        scores = self._above_chance(vector)
        best = max(scores[: self.size])
        return len(scores) > self.size and scores[-1] > best + t.CHATTER_MARGIN

    def _above_chance(self, vector: npt.NDArray[np.float32]) -> list[float]:
        classes = self._weights.shape[1]
        if not vector.any():
            return [0.0] * classes
        fitted = np.append(vector.astype(np.float64), 1.0) @ self._weights
        # Above chance only: text like none of the classes fits each about equally, at
        # 1/classes, and that is no evidence for any of them.
        chance = 1.0 / classes
        return [
            100.0 * min(1.0, max(0.0, (float(value) - chance) / (1.0 - chance))) for value in fitted
        ]


class NearestChatter:
    """The knowledge's chatter as vectors, to find the one nearest an answer. A linear model
    misses chatter unlike most of its kind ("brb, grabbing a coffee" among texts about
    meetings); a near copy of one chatter text is still chatter."""

    def __init__(self, chatter: tuple[str, ...], embedder: Embedder) -> None:
        self._matrix = embedder.embed_many(list(chatter))

    def similarity(self, vector: npt.NDArray[np.float32]) -> float:
        """Cosine similarity of `vector` with the nearest chatter text (0 without any)."""
        if not len(self._matrix) or not vector.any():
            return 0.0
        return float((self._matrix @ vector).max())
