"""Find the snippets nearest to any free text: BM25 over each snippet's words and keywords,
with typo-tolerant lookup of query words the snippets never use."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.engine import thresholds as t
from bot.engine.lookup import TokenLookup
from bot.engine.text import Analysed, analyse, content, raw_tokens
from bot.knowledge.model import Knowledge, Snippet


@dataclass(frozen=True)
class SnippetHit:
    snippet: Snippet
    score: float


class SnippetIndex:
    """An inverted index of the snippets of one knowledge value."""

    def __init__(self, knowledge: Knowledge) -> None:
        self._snippets = knowledge.snippets
        documents = [_document_words(snippet, knowledge) for snippet in self._snippets]
        self._lengths = [sum(doc.values()) for doc in documents]
        self._average = sum(self._lengths) / max(len(documents), 1)
        postings: dict[str, list[tuple[int, int]]] = {}
        for number, doc in enumerate(documents):
            for word, count in doc.items():
                postings.setdefault(word, []).append((number, count))
        # Each word's BM25 gain in each snippet using it, computed once: a search only adds.
        self._postings = {
            word: self._gains(posts, len(documents)) for word, posts in postings.items()
        }
        self._number = {snippet.id: number for number, snippet in enumerate(self._snippets)}
        self._lookup = TokenLookup(
            self._postings, t.SNIPPET_FUZZY_MIN_LENGTH, t.SNIPPET_FUZZY_SCORE
        )

    def _gains(
        self, posts: list[tuple[int, int]], count: int
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        idf = math.log(1 + (count - len(posts) + 0.5) / (len(posts) + 0.5))
        numbers = np.array([number for number, _ in posts], dtype=np.int64)
        gains = np.array(
            [
                idf
                * tf
                * (t.BM25_K1 + 1)
                / (tf + t.BM25_K1 * (1 - t.BM25_B + t.BM25_B * self._lengths[n] / self._average))
                for n, tf in posts
            ],
            dtype=np.float64,
        )
        return numbers, gains

    def search(
        self,
        text: str,
        limit: int = 3,
        within: Iterable[str] | None = None,
        diverse: bool = False,
        analysed: Analysed | None = None,
    ) -> list[SnippetHit]:
        """The best `limit` snippets for `text` (only those in `within`, when given). With
        `diverse`, a nearly as relevant snippet from another article is preferred over a third
        from the same one: the articles disagree, and an answer should show it."""
        if analysed is None:
            analysed = analyse(text[: t.MAX_MATCH_CHARS])
        hits = self._ranked(analysed, within, limit * t.DIVERSE_POOL if diverse else limit)
        if not diverse or not hits:
            return hits
        floor = hits[0].score * t.DIVERSE_MIN_SHARE
        chosen: list[SnippetHit] = []
        for hit in hits:
            seen = {c.snippet.source for c in chosen}
            if len(chosen) < limit and hit.score >= floor and hit.snippet.source not in seen:
                chosen.append(hit)
        for hit in hits:
            if len(chosen) < limit and hit not in chosen:
                chosen.append(hit)
        return sorted(chosen, key=lambda hit: -hit.score)

    def _ranked(
        self, analysed: Analysed, within: Iterable[str] | None, limit: int
    ) -> list[SnippetHit]:
        scores = np.zeros(len(self._snippets), dtype=np.float64)
        for word in dict.fromkeys(analysed.all):
            for known, similarity in self._lookup.similar(word).items():
                numbers, gains = self._postings[known]
                scores[numbers] += (similarity / 100.0) * gains
        eligible = scores >= t.SNIPPET_MIN_SCORE
        if within is not None:
            allowed = np.zeros(len(self._snippets), dtype=np.bool_)
            allowed[[self._number[i] for i in within if i in self._number]] = True
            eligible &= allowed
        numbers = np.flatnonzero(eligible)
        if numbers.size > limit:
            # Only the best `limit` scores (and any tied with the last of them) are sorted.
            cut = np.partition(scores[numbers], numbers.size - limit)[numbers.size - limit]
            numbers = numbers[scores[numbers] >= cut]
        order = np.lexsort((numbers, -scores[numbers]))  # best first, ties in knowledge order
        return [
            SnippetHit(self._snippets[int(n)], round(float(scores[n]), 3))
            for n in numbers[order][:limit]
        ]


def _document_words(snippet: Snippet, knowledge: Knowledge) -> Counter[str]:
    words: Counter[str] = Counter(content(raw_tokens(snippet.text)))
    for keyword in snippet.keywords:
        for word in content(raw_tokens(keyword)):
            words[word] += t.KEYWORD_BOOST
    for dimension_id in snippet.dimensions:
        dimension = knowledge.dimension(dimension_id)
        if dimension is not None:
            words.update(content(raw_tokens(dimension.name)))
    return words
