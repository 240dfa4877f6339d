"""Which known words an input word stands for: itself, a typo of one, or a word of the same
stem ("adopt" and "adoption", "regulated" and "regulation")."""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from rapidfuzz import fuzz, process

from bot.engine import thresholds as t
from bot.engine.text import NOT_PREFIX, is_dictionary_word


class TokenLookup:
    """Negated words (`not_<word>`) only ever match negated words, compared without the
    marker, so that "not_anymore" is never taken for "not_ai"."""

    def __init__(self, vocabulary: Iterable[str], min_length: int, cutoff: float) -> None:
        words = set(vocabulary)
        negated = {w.removeprefix(NOT_PREFIX) for w in words if w.startswith(NOT_PREFIX)}
        self._plain = _WordTable(words - {NOT_PREFIX + w for w in negated}, min_length, cutoff)
        self._negated = _WordTable(negated, min_length, cutoff)

    def similar(self, word: str) -> dict[str, float]:
        """Known words similar to `word`, with their similarity (0-100)."""
        if word.startswith(NOT_PREFIX):
            found = self._negated.similar(word.removeprefix(NOT_PREFIX))
            return {NOT_PREFIX + known: score for known, score in found.items()}
        return self._plain.similar(word)


class _WordTable:
    def __init__(self, vocabulary: Iterable[str], min_length: int, cutoff: float) -> None:
        words = sorted(set(vocabulary))
        self._known = frozenset(words)
        self._sorted = words
        self._min_length = min_length
        self._cutoff = cutoff
        # Typos rarely hit the first letter, while look-alikes such as "things" and "nothing"
        # differ exactly there; grouping by it also makes each fuzzy scan much shorter.
        self._by_initial: dict[str, list[str]] = {}
        for word in words:
            if len(word) >= min_length:
                self._by_initial.setdefault(word[0], []).append(word)

    def similar(self, word: str) -> dict[str, float]:
        found: dict[str, float] = {word: 100.0} if word in self._known else {}
        if len(word) < self._min_length:
            return found
        if found or not is_dictionary_word(word):
            # A real word is not a typo of another one: "lunch" is not "launch".
            bucket = self._by_initial.get(word[0], ())
            for candidate, score, _ in process.extract(
                word, bucket, scorer=fuzz.ratio, score_cutoff=self._cutoff, limit=None
            ):
                found[candidate] = max(found.get(candidate, 0.0), score)
        for candidate in self._same_stem(word):
            found[candidate] = max(found.get(candidate, 0.0), t.STEM_SIMILARITY)
        return found

    def _same_stem(self, word: str) -> list[str]:
        """Known words sharing a long enough prefix with `word`."""
        prefix = word[: t.STEM_PREFIX]
        if len(prefix) < t.STEM_PREFIX:
            return []
        start = bisect.bisect_left(self._sorted, prefix)
        matches = []
        for candidate in self._sorted[start:]:
            if not candidate.startswith(prefix):
                break
            shared = _common_prefix(word, candidate)
            if candidate != word and shared >= t.STEM_SHARE * min(len(word), len(candidate)):
                matches.append(candidate)
        return matches


def _common_prefix(first: str, second: str) -> int:
    length = 0
    for a, b in zip(first, second, strict=False):
        if a != b:
            break
        length += 1
    return length
