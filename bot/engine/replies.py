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


@dataclass(frozen=True)
class TensionView:
    """Answers that pull hard toward a model other than the recommended one, and what follows
    from them for the recommendation (the knowledge's `tensions`)."""

    toward: ModelView
    dimensions: tuple[str, ...]  # the dimensions of the pulling answers, strongest first
    answers: tuple[str, ...]  # their option labels, in the same order (private only)
    advice: str


@dataclass(frozen=True)
class PlanStep:
    """One step of the plan: by when (30, 60 or 90 days), what to do, and, for a step the
    knowledge attaches to answers, which answers call for it (dimension names)."""

    horizon: int
    text: str
    because: tuple[str, ...] = ()


@dataclass(frozen=True)
class StageView:
    """Where the organisation stands on AI, as the knowledge's `stages` define it."""

    id: str
    name: str
    description: str
    number: int  # 1-based position among the stages
    of: int  # how many stages there are


@dataclass(frozen=True)
class ConstraintView:
    """The binding constraint: the dimension whose answer most holds the recommended model
    back (it leans furthest toward another model), and what would loosen it."""

    dimension: str
    answer: str
    pulls_toward: ModelView
    unblock: str | None


@dataclass(frozen=True)
class ScoreChange:
    model: ModelView
    before: float  # share 0-1 at the previous result
    after: float


@dataclass(frozen=True)
class AnswerChange:
    dimension: str
    before: str | None  # option labels; None: skipped (or not asked) then or now
    after: str | None


@dataclass(frozen=True)
class ProgressView:
    """What changed since the person's previous result: the model, the scores, the answers."""

    previous_date: date
    previous_model: str  # the name (the model may have left the knowledge since)
    model_changed: bool
    scores: tuple[ScoreChange, ...]
    changed_answers: tuple[AnswerChange, ...]


@dataclass(frozen=True)
class HistoryEntry:
    """One past result, newest first in `Summary.history`."""

    date: date
    model: str  # the recommended model's name then
    clarity: str  # Clarity value
    share: float  # the recommended model's share then, 0-1


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
    answered: int
    skipped: int
    knowledge_version: str
    date: date
    tensions: tuple[TensionView, ...] = ()
    stage: StageView | None = None
    constraint: ConstraintView | None = None
    # The plan: the recommended model's steps and those the answers call for, by horizon.
    plan: tuple[PlanStep, ...] = ()
    # Filled by the service from the stored results (the engine sees one conversation).
    progress: ProgressView | None = None
    history: tuple[HistoryEntry, ...] = ()

    @property
    def next_steps(self) -> tuple[str, ...]:
        """The plan's steps, in order."""
        return tuple(step.text for step in self.plan)

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
