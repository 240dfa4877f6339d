"""Understand a free-text answer: which option of a question does it mean, if any?

Each option is described by phrases (its label and synonyms). A phrase scores by how much of it
the answer covers, word by word with typo tolerance (rapidfuzz), weighted so that words that
tell options apart count more than words every option shares; a little credit goes to how much
of the answer the phrase explains. Words under a negation count against the option they name.
The caller gets every option ranked and a decision: chosen, or unsure with the likeliest ones.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.engine import thresholds as t
from bot.engine.references import option_reference
from bot.engine.text import analyse, phrase_words
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
    option: int
    tokens: tuple[str, ...]


class TokenLookup:
    """Finds which known words an input word stands for, exactly or as a typo."""

    def __init__(self, vocabulary: Iterable[str], min_length: int, cutoff: float) -> None:
        self._words = sorted(set(vocabulary))
        self._known = frozenset(self._words)
        self._min_length = min_length
        self._cutoff = cutoff

    def similar(self, word: str) -> dict[str, float]:
        """Known words similar to `word`, with their similarity (0-100)."""
        found: dict[str, float] = {word: 100.0} if word in self._known else {}
        if len(word) >= self._min_length:
            for candidate, score, _ in process.extract(
                word, self._words, scorer=fuzz.ratio, score_cutoff=self._cutoff, limit=None
            ):
                # Typos rarely hit the first letter, while look-alikes such as "things" and
                # "nothing" differ exactly there.
                if len(candidate) >= self._min_length and candidate[0] == word[0]:
                    found[candidate] = max(found.get(candidate, 0.0), score)
        return found


class QuestionMatcher:
    """Matches free text against the options of one question. Built once per knowledge."""

    def __init__(self, question: Question) -> None:
        self.question = question
        self.option_ids = tuple(option.id for option in question.options)
        self._phrases = tuple(
            _Phrase(index, phrase_words(text))
            for index, option in enumerate(question.options)
            for text in (option.label, *option.synonyms)
        )
        self._weights = _distinctiveness(self._phrases, len(question.options))
        self._lookup = TokenLookup(self._weights, t.FUZZY_MIN_LENGTH, t.TOKEN_SIMILARITY)

    def match(self, text: str) -> OptionMatch:
        text = text[: t.MAX_MATCH_CHARS]
        position = option_reference(text, len(self.option_ids))
        if position is not None:
            scores = tuple(
                OptionScore(option_id, 100.0 if i == position else 0.0)
                for i, option_id in enumerate(self.option_ids)
            )
            ranked = tuple(sorted(scores, key=lambda s: -s.score))
            return OptionMatch(self.option_ids[position], ranked, (), by_position=True)
        return decide(self.scores(text))

    def scores(self, text: str) -> tuple[OptionScore, ...]:
        """Every option's score for `text`, best first (ties keep the options' order)."""
        analysed = analyse(text[: t.MAX_MATCH_CHARS])
        positive = [self._lookup.similar(word) for word in analysed.marked]
        negated = [self._lookup.similar(word) for word in analysed.negated]
        best_positive = _best_per_word(positive)
        best_negated = _best_per_word(negated)
        option_scores = [0.0] * len(self.option_ids)
        rejected = [0.0] * len(self.option_ids)
        for phrase in self._phrases:
            score = self._phrase_score(phrase, best_positive, positive)
            option_scores[phrase.option] = max(option_scores[phrase.option], score)
            negation = self._coverage(phrase, best_negated)
            rejected[phrase.option] = max(rejected[phrase.option], negation)
        final = [
            max(0.0, score - t.NEGATION_PENALTY * rejection)
            for score, rejection in zip(option_scores, rejected, strict=True)
        ]
        pairs = zip(self.option_ids, final, strict=True)
        ranked = [OptionScore(option_id, round(score, 1)) for option_id, score in pairs]
        return tuple(sorted(ranked, key=lambda s: -s.score))

    def _phrase_score(
        self, phrase: _Phrase, best: dict[str, float], inputs: Sequence[dict[str, float]]
    ) -> float:
        coverage = self._coverage(phrase, best)
        if coverage == 0.0 or not inputs:
            return 0.0
        explained = sum(1 for similar in inputs if any(w in similar for w in phrase.tokens))
        precision = 100.0 * explained / len(inputs)
        return t.COVERAGE_SHARE * coverage + (1 - t.COVERAGE_SHARE) * precision

    def _coverage(self, phrase: _Phrase, best: dict[str, float]) -> float:
        if not best:
            return 0.0
        total = sum(self._weights[word] for word in phrase.tokens)
        hit = sum(self._weights[word] * best.get(word, 0.0) for word in phrase.tokens)
        return hit / total if total else 0.0


def decide(ranked: tuple[OptionScore, ...]) -> OptionMatch:
    """Choose the best option only when it is both good and clearly ahead; otherwise name the
    likeliest options to ask back with (none when nothing scored at all)."""
    best, second = ranked[0], ranked[1]
    if best.score >= t.ACCEPT_SCORE and best.score - second.score >= t.ACCEPT_MARGIN:
        return OptionMatch(best.option_id, ranked, ())
    if best.score <= 0.0:
        return OptionMatch(None, ranked, ())
    close = [s.option_id for s in ranked if best.score - s.score <= t.CLARIFY_SPREAD]
    candidates = close if len(close) >= 2 else [s.option_id for s in ranked[:2]]
    return OptionMatch(None, ranked, tuple(candidates[:3]))


def _best_per_word(inputs: Sequence[dict[str, float]]) -> dict[str, float]:
    best: dict[str, float] = {}
    for similar in inputs:
        for word, score in similar.items():
            if score > best.get(word, 0.0):
                best[word] = score
    return best


def _distinctiveness(phrases: Sequence[_Phrase], option_count: int) -> dict[str, float]:
    """Inverse option frequency: a word in one option's phrases tells more than a word in all."""
    options_with: dict[str, set[int]] = {}
    for phrase in phrases:
        for word in phrase.tokens:
            options_with.setdefault(word, set()).add(phrase.option)
    return {
        word: 1.0 + math.log(option_count / len(options)) for word, options in options_with.items()
    }
