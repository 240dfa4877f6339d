"""Find the snippets nearest to any free text: BM25 over each snippet's words and keywords,
with typo-tolerant lookup of query words the snippets never use."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

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
        self._postings: dict[str, list[tuple[int, int]]] = {}
        for number, doc in enumerate(documents):
            for word, count in doc.items():
                self._postings.setdefault(word, []).append((number, count))
        count = len(documents)
        self._idf = {
            word: math.log(1 + (count - len(posts) + 0.5) / (len(posts) + 0.5))
            for word, posts in self._postings.items()
        }
        self._lookup = TokenLookup(
            self._postings, t.SNIPPET_FUZZY_MIN_LENGTH, t.SNIPPET_FUZZY_SCORE
        )

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
        allowed = None if within is None else frozenset(within)
        scores: dict[int, float] = {}
        words = analysed.all
        for word in dict.fromkeys(words):
            for known, similarity in self._lookup.similar(word).items():
                self._accumulate(known, similarity / 100.0, scores)
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        hits = []
        for number, score in ranked:
            snippet = self._snippets[number]
            if score < t.SNIPPET_MIN_SCORE or (allowed is not None and snippet.id not in allowed):
                continue
            hits.append(SnippetHit(snippet, round(score, 3)))
            if len(hits) == limit:
                break
        return hits

    def _accumulate(self, word: str, weight: float, scores: dict[int, float]) -> None:
        idf = self._idf[word]
        for number, count in self._postings[word]:
            norm = 1 - t.BM25_B + t.BM25_B * self._lengths[number] / self._average
            gain = idf * count * (t.BM25_K1 + 1) / (count + t.BM25_K1 * norm)
            scores[number] = scores.get(number, 0.0) + weight * gain


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
