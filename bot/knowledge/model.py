"""The knowledge base as typed, immutable values.

The entry classes double as the schema of the YAML files: the loader validates each entry with
them, so a field's type and limits are written down exactly once, here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Annotated, Literal, TypeVar, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

_T = TypeVar("_T")

Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
# Button labels: Slack cuts button text at 75 characters, so labels must fit.
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=75)]
Phrase = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
# A link a reader can follow: http(s) only, and none of the characters Slack's or markdown's
# link syntax would read as its end (so a renderer can put it in a link as it is).
Url = Annotated[
    str, StringConstraints(max_length=500, pattern=r"^https?://[^\s<>|\"'`()\[\]{}\\]+$")
]
Weight = Annotated[int, Field(ge=0, le=3)]
# An option's description: one or two sentences on what choosing it means.
Description = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=400)]
# An example answer: what someone who means the option might type.
Example = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
# An answer someone gave in their own words (the matcher reads no more than this of one).
Answer = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
# Weights of 2 or more argue for a model; these are the strong ones a basis should back.
STRONG_WEIGHT = 2
# Example answers kept per option in the `examples` files: plenty to learn from, and a bound on
# the time a reload spends embedding them.
MAX_EXAMPLE_ANSWERS = 200
MAX_NOT_ANSWERS = 5000


def _frozen_mapping(value: Mapping[str, int]) -> Mapping[str, int]:
    return MappingProxyType(dict(value))


class Entry(BaseModel):
    """Every knowledge entry: immutable, and unknown fields are mistakes, not extras."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Source(Entry):
    id: Id
    file: Phrase
    title: Text
    author: Phrase | None = None
    stance: Text
    # Where a reader can find the article: shown with every quote from it where present.
    url: Url | None = None
    publisher: Phrase | None = None
    published: date | None = None


class OwnershipModel(Entry):
    id: Id
    name: Label
    summary: Text
    description: Text
    fits_when: tuple[Text, ...] = Field(min_length=2, max_length=5)
    risks: tuple[Text, ...] = Field(min_length=2, max_length=5)
    next_steps: tuple[Text, ...] = Field(min_length=3, max_length=3)
    sources: tuple[Id, ...] = Field(min_length=1)


class Dimension(Entry):
    id: Id
    name: Label
    description: Text
    # What loosens this dimension when it is the one holding the recommended model back (the
    # summary's binding constraint).
    unblock: Text | None = None


class Days(Entry):
    """The lengths of time an option stands for, in days (`max` absent: open-ended)."""

    min: int = Field(ge=0, le=36500)
    max: int | None = Field(default=None, ge=0, le=36500)


def _frozen_answers(value: Mapping[str, tuple[str, ...]]) -> Mapping[str, tuple[str, ...]]:
    for option_id, answers in value.items():
        if len(answers) > MAX_EXAMPLE_ANSWERS:
            raise ValueError(
                f"'{option_id}' has {len(answers)} answers; at most {MAX_EXAMPLE_ANSWERS}"
            )
    return MappingProxyType(dict(value))


def _frozen_signals(value: Mapping[str, Mapping[str, int]]) -> Mapping[str, Mapping[str, int]]:
    return MappingProxyType({key: MappingProxyType(dict(inner)) for key, inner in value.items()})


def _frozen_basis(value: Mapping[str, tuple[str, ...]]) -> Mapping[str, tuple[str, ...]]:
    return MappingProxyType(dict(value))


class Option(Entry):
    id: Id
    label: Label
    synonyms: tuple[Phrase, ...] = ()
    description: Description | None = None
    examples: tuple[Example, ...] = Field(default=(), max_length=30)
    # The option an answer means when it rejects this one ("not heavily regulated").
    opposite: Id | None = None
    # The options this one joins ("IT runs it, the business checks outcomes" joins the two).
    combines: tuple[Id, ...] = ()
    days: Days | None = None
    weights: Annotated[Mapping[Id, Weight], AfterValidator(_frozen_mapping)]
    # For each model the option weighs, the snippets that argue the weight.
    basis: Annotated[Mapping[Id, tuple[Id, ...]], AfterValidator(_frozen_basis)] = Field(
        default_factory=dict, validate_default=True
    )

    def leaning(self) -> str | None:
        """The model this option weighs most, or None when two or more tie at the top."""
        top = max(self.weights.values(), default=0)
        leaders = [model for model, weight in self.weights.items() if weight == top]
        return leaders[0] if top > 0 and len(leaders) == 1 else None


class Question(Entry):
    id: Id
    dimension: Id
    pulse: bool = False
    prompt: Text
    why: Text
    snippets: tuple[Id, ...] = Field(min_length=1)
    options: tuple[Option, ...] = Field(min_length=3, max_length=5)

    def option(self, option_id: str) -> Option | None:
        return next((option for option in self.options if option.id == option_id), None)


class ExampleAnswers(Entry):
    """Answers people gave to one question in their own words, by the option each means.

    Kept apart from `questions.yml` (whose `examples` stay a short, readable list) because they
    are many: the matcher learns from them what each option sounds like (see docs/knowledge.md).
    """

    question: Id
    options: Annotated[Mapping[Id, tuple[Answer, ...]], AfterValidator(_frozen_answers)] = Field(
        min_length=1
    )


class NotAnswers(Entry):
    """Texts that answer no question: small talk, office logistics, messages meant for someone
    else. The matcher learns from them what is not an answer, so that "the CRM is slow today"
    is not recorded as an answer about data."""

    texts: tuple[Answer, ...] = Field(min_length=1, max_length=MAX_NOT_ANSWERS)


class Snippet(Entry):
    id: Id
    source: Id
    dimensions: tuple[Id, ...] = Field(min_length=1)
    models: tuple[Id, ...] = Field(min_length=1)
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=600)]
    quote: bool = False
    keywords: tuple[Phrase, ...] = ()
    # Background meant for `ask` (free questions searched in the articles): no question's
    # `snippets` nor any option's `basis` may name it, and `check` does not warn that no
    # question links it. The summary may still show it, like any snippet for its models.
    ask_only: bool = False


# The plan's horizons, in days: what to do in the first 30 days, by 60 and by 90 (a model's
# three next steps are its three horizons, in order).
Horizon = Literal[30, 60, 90]
HORIZONS: tuple[Horizon, ...] = get_args(Horizon)
# Answers, by question id, each the option ids that count ("any of these").
Answers = Annotated[
    Mapping[Id, Annotated[tuple[Id, ...], Field(min_length=1)]],
    AfterValidator(_frozen_basis),
    Field(min_length=1),
]


class Stage(Entry):
    """A stage of AI maturity. The summary places an organisation at the stage whose `signals`
    its answers match with the most weight (ties: the earlier stage), or at none when no
    answer is a signal of any stage."""

    id: Id
    name: Label
    description: Text
    # For each question, the options that signal this stage and how strongly (1-3).
    signals: Annotated[
        Mapping[Id, Mapping[Id, Weight]], AfterValidator(_frozen_signals), Field(min_length=1)
    ]


class PlannedStep(Entry):
    """A step the plan gains when one answer, or a combination, was given."""

    text: Text
    horizon: Horizon


class AnswerStep(PlannedStep):
    """A step the knowledge attaches to answers: added to the plan when every question in
    `when` was answered with one of its options (and, with `models`, only when one of those
    models is recommended)."""

    id: Id
    when: Answers
    models: tuple[Id, ...] = ()


class Tension(Entry):
    """What follows when answers pull hard toward `toward` while another model is recommended:
    the summary names those answers and gives `advice`, and `step` joins the plan. With
    `dimensions`, only answers in them count; with `under`, only those recommendations."""

    id: Id
    toward: Id
    dimensions: tuple[Id, ...] = ()
    under: tuple[Id, ...] = ()
    advice: Text
    step: PlannedStep | None = None


@dataclass(frozen=True, eq=False, repr=False)
class Knowledge:
    """One validated, versioned knowledge base. Never changed in place: a reload builds a new
    value and swaps it in. Compared by identity, so caches can key on it cheaply."""

    version: str
    sources: tuple[Source, ...]
    models: tuple[OwnershipModel, ...]
    dimensions: tuple[Dimension, ...]
    questions: tuple[Question, ...]
    snippets: tuple[Snippet, ...]
    examples: tuple[ExampleAnswers, ...] = ()
    not_answers: tuple[NotAnswers, ...] = ()
    stages: tuple[Stage, ...] = ()
    tensions: tuple[Tension, ...] = ()
    steps: tuple[AnswerStep, ...] = ()
    _by_id: Mapping[str, Mapping[str, object]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        index = {
            "source": {item.id: item for item in self.sources},
            "model": {item.id: item for item in self.models},
            "dimension": {item.id: item for item in self.dimensions},
            "question": {item.id: item for item in self.questions},
            "snippet": {item.id: item for item in self.snippets},
        }
        object.__setattr__(self, "_by_id", MappingProxyType(index))

    def __repr__(self) -> str:
        return f"Knowledge(version={self.version!r}, questions={len(self.questions)})"

    def source(self, source_id: str) -> Source | None:
        return _typed(self._by_id["source"].get(source_id), Source)

    def model(self, model_id: str) -> OwnershipModel | None:
        return _typed(self._by_id["model"].get(model_id), OwnershipModel)

    def dimension(self, dimension_id: str) -> Dimension | None:
        return _typed(self._by_id["dimension"].get(dimension_id), Dimension)

    def question(self, question_id: str) -> Question | None:
        return _typed(self._by_id["question"].get(question_id), Question)

    def snippet(self, snippet_id: str) -> Snippet | None:
        return _typed(self._by_id["snippet"].get(snippet_id), Snippet)

    def example_answers(self, question_id: str) -> dict[str, tuple[str, ...]]:
        """The `examples` files' answers to one question, by option (all files together)."""
        answers: dict[str, tuple[str, ...]] = {}
        for entry in self.examples:
            if entry.question == question_id:
                for option_id, texts in entry.options.items():
                    answers[option_id] = (*answers.get(option_id, ()), *texts)
        return answers

    @property
    def chatter(self) -> tuple[str, ...]:
        """Every text of the `not_answers` entries, in order, without repeats."""
        return tuple(dict.fromkeys(text for entry in self.not_answers for text in entry.texts))

    @property
    def pulse_questions(self) -> tuple[Question, ...]:
        return tuple(question for question in self.questions if question.pulse)

    @property
    def model_ids(self) -> tuple[str, ...]:
        return tuple(model.id for model in self.models)


def _typed(value: object, kind: type[_T]) -> _T | None:
    return value if isinstance(value, kind) else None
