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
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from bot.engine import thresholds as t
from bot.engine.vectors import Embedder


class OptionClassifier:
    def __init__(self, texts: list[list[str]], embedder: Embedder) -> None:
        """`texts[i]`: the texts that say what option i means."""
        self.size = len(texts)
        rows = [text for option_texts in texts for text in option_texts]
        owners = [i for i, option_texts in enumerate(texts) for _ in option_texts]
        vectors = embedder.embed_many(rows).astype(np.float64)
        inputs = np.hstack([vectors, np.ones((len(rows), 1))])  # the last column: a bias
        targets = np.zeros((len(rows), self.size))
        targets[np.arange(len(rows)), owners] = 1.0
        penalty = t.CLASSIFIER_RIDGE * np.eye(inputs.shape[1])
        penalty[-1, -1] = 0.0  # the bias is not shrunk
        solved = np.linalg.solve(inputs.T @ inputs + penalty, inputs.T @ targets)
        self._weights: npt.NDArray[np.float64] = np.asarray(solved, dtype=np.float64)

    def scores(self, vector: npt.NDArray[np.float32]) -> list[float]:
        """Per option, 0-100: how much `vector` (a unit vector, or zeros) looks like it."""
        if not vector.any():
            return [0.0] * self.size
        fitted = np.append(vector.astype(np.float64), 1.0) @ self._weights
        # Above chance only: text like none of the options' (small talk) fits each about
        # equally, at 1/size, and that is no evidence for any of them.
        chance = 1.0 / self.size
        return [
            100.0 * min(1.0, max(0.0, (float(value) - chance) / (1.0 - chance))) for value in fitted
        ]
