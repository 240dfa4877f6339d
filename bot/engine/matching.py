"""Understand a free-text answer: which option of a question does it mean, if any?

Each option is described by phrases (its label and synonyms). A phrase scores by how much of it
the answer covers, word by word with typo tolerance (rapidfuzz), weighted so that words that
tell options apart count more than words every option shares; a little credit goes to how much
of the answer the phrase explains. Words under a negation count against the option they name.
The caller gets every option ranked and a decision: chosen, or unsure with the likeliest ones.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from bot.engine import thresholds as t
from bot.engine.lookup import TokenLookup
from bot.engine.references import option_reference
from bot.engine.text import Analysed, analyse, phrase_words
from bot.knowledge.model import Question


@dataclass(frozen=True)
class OptionScore:
    option_id: str
    score: float


@dataclass(frozen=True)
class OptionMatch:
    """The verdict on one answer: `chosen` is None when the matcher is unsure, and then
    `candidates` holds the likeliest options to ask back with (empty: nothing came close)."""

    chosen: str | None
    ranked: tuple[OptionScore, ...]
    candidates: tuple[str, ...]
    by_position: bool = False

    @property
    def best(self) -> OptionScore | None:
        return self.ranked[0] if self.ranked else None


@dataclass(frozen=True)
class _Phrase:
    """One label or synonym, with what scoring needs precomputed."""

    option: int
    weighted: tuple[tuple[str, float], ...]
    total: float
    words: frozenset[str]


class QuestionMatcher:
    """Matches free text against the options of one question. Built once per knowledge."""

    def __init__(self, question: Question) -> None:
        self.question = question
        self.option_ids = tuple(option.id for option in question.options)
        raw = [
            (index, phrase_words(text))
            for index, option in enumerate(question.options)
            for text in (option.label, *option.synonyms)
        ]
        weights = _distinctiveness(raw, len(question.options))
        self._phrases = tuple(
            _Phrase(
                option=index,
                weighted=tuple((word, weights[word]) for word in tokens),
                total=sum(weights[word] for word in tokens),
                words=frozenset(tokens),
            )
            for index, tokens in raw
            if tokens
        )
        self._lookup = TokenLookup(weights, t.FUZZY_MIN_LENGTH, t.TOKEN_SIMILARITY)
        # Only phrases sharing a word with the input can score, so scoring starts from these.
        self._phrases_with: dict[str, list[_Phrase]] = {}
        for phrase in self._phrases:
            for word in phrase.words:
                self._phrases_with.setdefault(word, []).append(phrase)

    def match(self, text: str, analysed: Analysed | None = None) -> OptionMatch:
        """Understand `text`; pass `analysed` when the caller already has `analyse(text)`."""
        text = text[: t.MAX_MATCH_CHARS]
        position = option_reference(text, len(self.option_ids))
        if position is not None:
            scores = tuple(
                OptionScore(option_id, 100.0 if i == position else 0.0)
                for i, option_id in enumerate(self.option_ids)
            )
            ranked = tuple(sorted(scores, key=lambda s: -s.score))
            return OptionMatch(self.option_ids[position], ranked, (), by_position=True)
        return decide(self.scores(text, analysed))

    def scores(self, text: str, analysed: Analysed | None = None) -> tuple[OptionScore, ...]:
        """Every option's score for `text`, best first (ties keep the options' order)."""
        if analysed is None:
            analysed = analyse(text[: t.MAX_MATCH_CHARS])
        positive = [self._lookup.similar(word) for word in analysed.marked]
        best_positive = _best_per_word(positive)
        best_negated = _best_per_word([self._lookup.similar(w) for w in analysed.negated])
        option_scores = [0.0] * len(self.option_ids)
        rejected = [0.0] * len(self.option_ids)
        matched_inputs = [frozenset(similar) for similar in positive]
        for phrase in self._touched(best_positive):
            coverage = _coverage(phrase, best_positive)
            explained = sum(1 for words in matched_inputs if not words.isdisjoint(phrase.words))
            precision = 100.0 * explained / len(matched_inputs)
            score = t.COVERAGE_SHARE * coverage + (1 - t.COVERAGE_SHARE) * precision
            option_scores[phrase.option] = max(option_scores[phrase.option], score)
        for phrase in self._touched(best_negated):
            negation = _coverage(phrase, best_negated)
            rejected[phrase.option] = max(rejected[phrase.option], negation)
        final = [
            max(0.0, score - t.NEGATION_PENALTY * rejection)
            for score, rejection in zip(option_scores, rejected, strict=True)
        ]
        pairs = zip(self.option_ids, final, strict=True)
        ranked = [OptionScore(option_id, round(score, 1)) for option_id, score in pairs]
        return tuple(sorted(ranked, key=lambda s: -s.score))

    def _touched(self, best: dict[str, float]) -> list[_Phrase]:
        touched: dict[int, _Phrase] = {}
        for word in best:
            for phrase in self._phrases_with.get(word, ()):
                touched[id(phrase)] = phrase
        return list(touched.values())


def _coverage(phrase: _Phrase, best: dict[str, float]) -> float:
    """How much of the phrase the input covers, 0-100, distinctive words counting more."""
    if phrase.total == 0.0:
        return 0.0
    hit = sum(weight * best.get(word, 0.0) for word, weight in phrase.weighted)
    return hit / phrase.total


def decide(ranked: tuple[OptionScore, ...]) -> OptionMatch:
    """Choose the best option only when it is both good and clearly ahead. Otherwise name the
    options worth asking back with: those with some evidence and close to the best (up to three;
    a single one when only one has any evidence; none when nothing scored at all)."""
    best, second = ranked[0], ranked[1]
    if best.score >= t.ACCEPT_SCORE and best.score - second.score >= t.ACCEPT_MARGIN:
        return OptionMatch(best.option_id, ranked, ())
    close = [
        s.option_id for s in ranked if s.score > 0.0 and best.score - s.score <= t.CLARIFY_SPREAD
    ]
    if len(close) < 2:
        close = [s.option_id for s in ranked[:2] if s.score > 0.0]
    return OptionMatch(None, ranked, tuple(close[:3]))


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
