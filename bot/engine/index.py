"""Everything the engine derives from one knowledge value, built once and cached: a matcher per
question, the snippet index, the snippet each answer echoes, and the views replies carry."""

from __future__ import annotations

import string
from collections.abc import Iterator, Mapping
from functools import cached_property, lru_cache

from bot.engine.classifier import NearestChatter, OptionClassifier
from bot.engine.matching import OptionMatch, QuestionMatcher, topic_classifier
from bot.engine.replies import (
    ModelView,
    OptionInfoReply,
    OptionInfoView,
    OptionView,
    SnippetView,
    SourceView,
)
from bot.engine.snippet_search import SnippetHit, SnippetIndex
from bot.engine.vectors import Embedder, available_embedder
from bot.knowledge.model import Knowledge, OwnershipModel, Question, Snippet


class _Matchers(Mapping[str, QuestionMatcher]):
    """A matcher per question, each built when first asked for: a process (or a test) that
    never reads an answer to a question does not pay for understanding it."""

    def __init__(
        self, knowledge: Knowledge, snippets: dict[str, Snippet], embedder: Embedder | None
    ) -> None:
        self._knowledge = knowledge
        self._questions = {question.id: question for question in knowledge.questions}
        self._snippets = snippets
        self._embedder = embedder
        self._built: dict[str, QuestionMatcher] = {}

    def __getitem__(self, question_id: str) -> QuestionMatcher:
        matcher = self._built.get(question_id)
        if matcher is None:
            matcher = QuestionMatcher(
                self._questions[question_id],  # KeyError for an unknown id
                self._snippets,
                self._embedder,
                self._knowledge.example_answers(question_id),
                self._knowledge.chatter,
                self._topic,
                self._nearest_chatter,
            )
            self._built[question_id] = matcher
        return matcher

    @cached_property
    def _topic(self) -> OptionClassifier | None:
        """Built with the first matcher: it reads every question's texts."""
        questions = [
            (question, self._knowledge.example_answers(question.id))
            for question in self._questions.values()
        ]
        return topic_classifier(questions, self._knowledge.chatter, self._embedder)

    @cached_property
    def _nearest_chatter(self) -> NearestChatter | None:
        chatter = self._knowledge.chatter
        return NearestChatter(chatter, self._embedder) if chatter and self._embedder else None

    def __iter__(self) -> Iterator[str]:
        return iter(self._questions)

    def __len__(self) -> int:
        return len(self._questions)


class KnowledgeIndex:
    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge
        snippets = {snippet.id: snippet for snippet in knowledge.snippets}
        embedder = available_embedder()
        self.matchers = _Matchers(knowledge, snippets, embedder)
        self.snippets = SnippetIndex(knowledge)
        self._behind = {
            question.id: _snippets_behind(knowledge, question) for question in knowledge.questions
        }
        self._echo = {
            (question.id, option.id): self._echo_for(question, option.id)
            for question in knowledge.questions
            for option in question.options
        }

    def understand(
        self, question_id: str, text: str, limit: int = 3
    ) -> tuple[OptionMatch, list[SnippetHit]]:
        """What `text` would answer to the question, and the snippets nearest to it (what
        `advisor match` shows)."""
        match = self.matchers[question_id].match(text)
        return match, self.snippets.search(text, limit=limit)

    def behind(self, question: Question) -> tuple[Snippet, ...]:
        """The snippets behind a question: its own (as listed), then its dimension's."""
        return self._behind[question.id]

    def echo(self, question_id: str, option_id: str) -> Snippet | None:
        """The snippet an answer echoes: close to the option's words, for its model."""
        return self._echo.get((question_id, option_id))

    def _echo_for(self, question: Question, option_id: str) -> Snippet | None:
        """Among the snippets of the question and its dimension that argue for the option's
        model, the one nearest to the option's words; None when no such snippet exists (an
        echo arguing for another model would mislead)."""
        option = question.option(option_id)
        if option is None:
            return None
        leaning = option.leaning()
        behind = self.behind(question)
        # Its dimension's snippets first, in the knowledge's order, then the question's own:
        # the first that fits is the fallback below.
        position = {s.id: n for n, s in enumerate(self.knowledge.snippets)}
        ordered = sorted(
            behind,
            key=lambda s: (
                (0, position[s.id]) if question.dimension in s.dimensions else (1, behind.index(s))
            ),
        )
        fitting = [s for s in ordered if leaning is None or leaning in s.models]
        if not fitting:
            return None
        query = " ".join((option.label, *option.synonyms))
        hits = self.snippets.search(query, limit=1, within={s.id for s in fitting})
        return hits[0].snippet if hits else fitting[0]

    def option_info(self, question: Question, option_ids: tuple[str, ...]) -> OptionInfoReply:
        """What the options asked about mean (every option when none in particular), each with
        the article snippet that argues its main weight."""
        views = self.option_views(question, option_ids) if option_ids else ()
        views = views or self.option_views(question)
        infos = []
        for view in views:
            option = question.option(view.id)
            if option is None:
                continue
            leaning = option.leaning()
            ordered = sorted(option.basis.items(), key=lambda item: item[0] != leaning)
            snippets = [self.knowledge.snippet(s) for _, ids in ordered for s in ids]
            infos.append(
                OptionInfoView(
                    view,
                    option.description or option.label,
                    tuple(self.snippet_view(s) for s in snippets[:1] if s is not None),
                )
            )
        return OptionInfoReply(question.id, tuple(infos))

    def snippet_view(self, snippet: Snippet, score: float | None = None) -> SnippetView:
        source = self.knowledge.source(snippet.source)
        source_view = SourceView(
            id=snippet.source,
            title=source.title if source else snippet.source,
            author=source.author if source else None,
            file=source.file if source else "",
            url=source.url if source else None,
            publisher=source.publisher if source else None,
            published=source.published if source else None,
        )
        names = tuple(self.model_name(model_id) for model_id in snippet.models)
        return SnippetView(snippet.id, snippet.text, snippet.quote, source_view, names, score)

    def model_view(self, model: OwnershipModel) -> ModelView:
        return ModelView(model.id, model.name, model.summary, model.description)

    def model_name(self, model_id: str) -> str:
        model = self.knowledge.model(model_id)
        return model.name if model else model_id

    def dimension_name(self, dimension_id: str) -> str:
        dimension = self.knowledge.dimension(dimension_id)
        return dimension.name if dimension else dimension_id

    @staticmethod
    def option_views(question: Question, only: tuple[str, ...] = ()) -> tuple[OptionView, ...]:
        return tuple(
            OptionView(option.id, number, string.ascii_lowercase[number - 1], option.label)
            for number, option in enumerate(question.options, start=1)
            if not only or option.id in only
        )


@lru_cache(maxsize=8)
def index_for(knowledge: Knowledge) -> KnowledgeIndex:
    """Knowledge values are immutable and compared by identity, so the index is cached."""
    return KnowledgeIndex(knowledge)


def _snippets_behind(knowledge: Knowledge, question: Question) -> tuple[Snippet, ...]:
    linked = [knowledge.snippet(snippet_id) for snippet_id in question.snippets]
    found = [snippet for snippet in linked if snippet is not None]
    related = (s for s in knowledge.snippets if question.dimension in s.dimensions)
    return (*found, *(s for s in related if s not in found))
