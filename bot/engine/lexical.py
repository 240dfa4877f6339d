"""The word-level half of understanding an answer: how well its words cover an option's phrases.

Each option is described by phrases (its label, synonyms and examples). A phrase scores by how
much of it the answer covers, word by word with typo tolerance (rapidfuzz), weighted so that
words that tell options apart count more than words every option shares; a little credit goes
to how much of the answer the phrase explains. Words under a negation match only phrases that
are negative themselves ("nobody uses it"); against a positive phrase they are evidence against
that option ("not heavily regulated"), and for its opposite where the knowledge names one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.engine import thresholds as t
from bot.engine.lookup import TokenLookup
from bot.engine.text import NOT_PREFIX, Analysed, phrase_words
from bot.knowledge.model import Question


@dataclass(frozen=True)
class _Phrase:
    """One label, synonym or example, with what scoring needs precomputed."""

    option: int
    weighted: tuple[tuple[str, float], ...]
    total: float
    words: frozenset[str]
    negative: bool  # every word is negated ("nobody uses it")
    positive: frozenset[str]  # the words not negated; a phrase with both kinds is mixed


@dataclass(frozen=True)
class LexicalScores:
    """Per option (in the question's order): support, and evidence against (both 0-100)."""

    support: tuple[float, ...]
    against: tuple[float, ...]
    # Whether the option's best phrase is negative like the answer ("nobody uses it"): then
    # the answer's negation is the option's own meaning, not a rejection of it.
    agrees: tuple[bool, ...] = ()


class LexicalScorer:
    def __init__(
        self, question: Question, answers: Mapping[str, tuple[str, ...]] | None = None
    ) -> None:
        """`answers`: more phrases by option id (short example answers)."""
        self.size = len(question.options)
        raw = [
            (index, phrase_words(text))
            for index, option in enumerate(question.options)
            for text in (
                option.label,
                *option.synonyms,
                *option.examples,
                *(answers or {}).get(option.id, ()),
            )
        ]
        weights = _distinctiveness(raw, self.size)
        self._phrases = tuple(
            _Phrase(
                option=index,
                weighted=tuple((word, weights[word]) for word in tokens),
                total=sum(weights[word] for word in tokens),
                words=frozenset(tokens),
                negative=all(word.startswith(NOT_PREFIX) for word in tokens),
                positive=frozenset(w for w in tokens if not w.startswith(NOT_PREFIX)),
            )
            for index, tokens in raw
            if tokens
        )
        self._lookup = TokenLookup(weights, t.FUZZY_MIN_LENGTH, t.TOKEN_SIMILARITY)
        # Only phrases sharing a word with the input can score, so scoring starts from these.
        self._phrases_with: dict[str, list[int]] = {}
        for index, phrase in enumerate(self._phrases):
            for word in phrase.words:
                self._phrases_with.setdefault(word, []).append(index)

    def score(self, analysed: Analysed) -> LexicalScores:
        positive = [self._lookup.similar(word) for word in analysed.marked]
        best_positive = _best_per_word(positive)
        best_negated = _best_per_word([self._lookup.similar(w) for w in analysed.negated])
        support = [0.0] * self.size
        against = [0.0] * self.size
        negative_match = [False] * self.size
        for index, explained in self._touched(positive).items():
            phrase = self._phrases[index]
            if phrase.positive and phrase.positive.isdisjoint(best_positive):
                # "the business owner, not IT" is about the business: an answer rejecting IT
                # alone has not said that.
                continue
            coverage = _coverage(phrase, best_positive)
            precision = 100.0 * len(explained) / len(positive)
            score = t.COVERAGE_SHARE * coverage + (1 - t.COVERAGE_SHARE) * precision
            if score > support[phrase.option]:
                support[phrase.option] = score
                negative_match[phrase.option] = phrase.negative
        for index in self._touched([best_negated]):
            phrase = self._phrases[index]
            if not phrase.negative:
                coverage = _coverage(phrase, best_negated)
                against[phrase.option] = max(against[phrase.option], coverage)
        # An option matched by a negative phrase of its own is what the negation means.
        against = [0.0 if negative_match[i] else value for i, value in enumerate(against)]
        return LexicalScores(tuple(support), tuple(against), tuple(negative_match))

    def _touched(self, inputs: Sequence[dict[str, float]]) -> dict[int, set[int]]:
        """The phrases sharing a word with the input (only they can score), each with the
        input words that touch it."""
        touched: dict[int, set[int]] = {}
        for position, similar in enumerate(inputs):
            for word in similar:
                for index in self._phrases_with.get(word, ()):
                    touched.setdefault(index, set()).add(position)
        return touched


def _coverage(phrase: _Phrase, best: dict[str, float]) -> float:
    """How much of the phrase the input covers, 0-100, distinctive words counting more."""
    if phrase.total == 0.0:
        return 0.0
    hit = sum(weight * best.get(word, 0.0) for word, weight in phrase.weighted)
    return hit / phrase.total


def _best_per_word(inputs: Sequence[dict[str, float]]) -> dict[str, float]:
    best: dict[str, float] = {}
    for similar in inputs:
        for word, score in similar.items():
            if score > best.get(word, 0.0):
                best[word] = score
    return best


def _distinctiveness(
    phrases: Sequence[tuple[int, tuple[str, ...]]], option_count: int
) -> dict[str, float]:
    """Inverse option frequency: a word in one option's phrases tells more than a word in all."""
    options_with: dict[str, set[int]] = {}
    for option, tokens in phrases:
        for word in tokens:
            options_with.setdefault(word, set()).add(option)
    return {
        word: 1.0 + math.log(option_count / len(options)) for word, options in options_with.items()
    }
