"""The neutral replies the engine produces. Each front end draws them natively (Block Kit,
Adaptive Cards, the terminal); none of them carries platform markup."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Generic, TypeVar


@dataclass(frozen=True)
class OptionView:
    id: str
    number: int
    letter: str
    label: str


@dataclass(frozen=True)
class SourceView:
    id: str
    title: str
    author: str | None
    file: str
    url: str | None = None
    publisher: str | None = None
    published: date | None = None


@dataclass(frozen=True)
class SnippetView:
    id: str
    text: str
    quote: bool
    source: SourceView
    models: tuple[str, ...]
    score: float | None = None


@dataclass(frozen=True)
class ModelView:
    id: str
    name: str
    summary: str
    description: str


@dataclass(frozen=True)
class QuestionReply:
    question_id: str
    number: int
    total: int
    dimension: str
    prompt: str
    options: tuple[OptionView, ...]
    can_go_back: bool


@dataclass(frozen=True)
class ClarificationReply:
    """The engine was unsure: ask back with the likeliest options (or all, if none was close)."""

    question_id: str
    prompt: str
    candidates: tuple[OptionView, ...]
    understood_nothing: bool
    # Some options are not offered: the user may ask for all of them ("none of these").
    can_show_all: bool = False


@dataclass(frozen=True)
class AcknowledgementReply:
    question_id: str
    dimension: str
    answer: str | None  # the chosen option's label; None when the question was skipped
    echo: SnippetView | None


@dataclass(frozen=True)
class ModelScoreView:
    model: ModelView
    score: float  # share of the answers' weight, 0-1
    points: int


@dataclass(frozen=True)
class LeaningView:
    question_id: str
    dimension: str
    answer: str
    leaning: ModelView | None  # None: the answer weighs two models equally


@dataclass(frozen=True)
class ReasonView:
    """A reason for the recommendation: the article point, and the person's own answer behind
    it (its dimension and option label; None for a point no answer of theirs called up)."""

    snippet: SnippetView
    dimension: str | None = None
    answer: str | None = None


class Clarity(StrEnum):
    CLEAR = "clear"
    LEANING = "leaning"
    CLOSE_CALL = "close_call"
    INSUFFICIENT = "insufficient"


@dataclass(frozen=True)
class Summary:
    recommended: ModelView
    clarity: Clarity
    clarity_text: str
    mixed: bool  # the shared model was chosen because the evidence is split
    runner_up: ModelView | None
    scores: tuple[ModelScoreView, ...]
    leanings: tuple[LeaningView, ...]
    reasons: tuple[ReasonView, ...]
    other_view: SnippetView | None
    other_view_for: ModelView | None  # the model the other view argues for
    next_steps: tuple[str, ...]
    answered: int
    skipped: int
    knowledge_version: str
    date: date

    @property
    def why(self) -> tuple[SnippetView, ...]:
        """The reasons' article points, in order."""
        return tuple(reason.snippet for reason in self.reasons)


@dataclass(frozen=True)
class SummaryReply:
    summary: Summary
    completed_now: bool  # True on the turn that finished the diagnostic


@dataclass(frozen=True)
class AnswerReply:
    """Snippets answering a free question, best first (empty: nothing relevant found)."""

    query: str
    hits: tuple[SnippetView, ...]


@dataclass(frozen=True)
class ExplanationReply:
    """`why`: why the current question matters, with the snippets behind it."""

    question_id: str
    prompt: str
    why: str
    snippets: tuple[SnippetView, ...]


@dataclass(frozen=True)
class OptionInfoView:
    option: OptionView
    description: str  # what choosing it means (the label again when the knowledge has none)
    snippets: tuple[SnippetView, ...]  # the article snippets behind its weights


@dataclass(frozen=True)
class OptionInfoReply:
    """A question about the options ("what does CAIO mean?") answered from the knowledge;
    `options` is every option when the question named none in particular."""

    question_id: str
    options: tuple[OptionInfoView, ...]


@dataclass(frozen=True)
class HelpReply:
    commands: tuple[tuple[str, str], ...]
    in_progress: bool


class NoticeLevel(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class NoticeReply:
    text: str
    level: NoticeLevel = NoticeLevel.INFO


Reply = (
    QuestionReply
    | ClarificationReply
    | AcknowledgementReply
    | SummaryReply
    | AnswerReply
    | ExplanationReply
    | OptionInfoReply
    | HelpReply
    | NoticeReply
)


_T = TypeVar("_T")


@dataclass(frozen=True)
class Renderers(Generic[_T]):
    """One drawing function per reply kind. Every front end builds one, so a new reply kind
    fails the type check in each of them until it is drawn, and the dispatch lives here once."""

    question: Callable[[QuestionReply], _T]
    clarification: Callable[[ClarificationReply], _T]
    acknowledgement: Callable[[AcknowledgementReply], _T]
    summary: Callable[[SummaryReply], _T]
    answer: Callable[[AnswerReply], _T]
    explanation: Callable[[ExplanationReply], _T]
    option_info: Callable[[OptionInfoReply], _T]
    help: Callable[[HelpReply], _T]
    notice: Callable[[NoticeReply], _T]

    def draw(self, reply: Reply) -> _T:
        match reply:
            case QuestionReply():
                return self.question(reply)
            case ClarificationReply():
                return self.clarification(reply)
            case AcknowledgementReply():
                return self.acknowledgement(reply)
            case SummaryReply():
                return self.summary(reply)
            case AnswerReply():
                return self.answer(reply)
            case ExplanationReply():
                return self.explanation(reply)
            case OptionInfoReply():
                return self.option_info(reply)
            case HelpReply():
                return self.help(reply)
            case NoticeReply():
                return self.notice(reply)
