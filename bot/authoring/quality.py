"""Quality warnings: knowledge that loads but will read or match poorly.

The loader rejects what is wrong; these are what is merely weak, so they never stop a load or a
reload. Each names the file and line an admin would edit:

- an option without synonyms (only its label and position can match a typed answer), or
  without a description (the matcher and "what does this option mean?" have only the label);
- a weight of 2 or more without a `basis` (the snippets that argue it), so nothing shows why an
  answer leans where it does;
- two options of one question so close in meaning (their label, description and examples) that
  an answer cannot tell them apart;
- two options of one question sharing a phrase once the matcher has normalised it (case,
  stopwords, plurals and suffixes, negations), so an answer saying it can never be decided;
- a synonym the matcher reads as a position ("last", "b"), so it never matches by its words;
- a snippet no question links to (still found by `ask` and the summary, never by `why`),
  unless it says it is background for `ask` (`ask_only: true`);
- a dimension no snippet covers, and a model no snippet argues for (the summary's "why"
  would be empty).

A model without next steps is not checked here: the schema requires exactly three, so that is
already a load error.

Each warning has a kind, so that `advisor knowledge check` can count them by kind in one line
(`summary`) and list them in full only when asked.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Literal

import numpy as np

from bot.engine.references import option_reference
from bot.engine.text import phrase_words
from bot.engine.vectors import available_embedder
from bot.knowledge.loader import Located
from bot.knowledge.loader import load_located as load_located  # part of this module's API
from bot.knowledge.model import STRONG_WEIGHT, Knowledge, Question

# Options whose meaning vectors are this similar (cosine) cannot be told apart by an answer.
NEAR_DUPLICATE_MEANING = 0.85

Entries = Mapping[str, Sequence[Located]]

# What a warning is about, in the order `summary` names kinds with equal counts.
WarningKind = Literal[
    "no_synonyms",
    "no_description",
    "no_basis",
    "same_phrase",
    "positional_synonym",
    "close_in_meaning",
    "unlinked_snippet",
    "dimension_without_snippet",
    "model_without_snippet",
]
# Each kind's name in the summary: one, then several.
KIND_NAMES: Mapping[WarningKind, tuple[str, str]] = {
    "no_synonyms": ("option without synonyms", "options without synonyms"),
    "no_description": ("option without a description", "options without a description"),
    "no_basis": ("strong weight without a basis", "strong weights without a basis"),
    "same_phrase": ("phrase shared by two options", "phrases shared by two options"),
    "positional_synonym": ("synonym read as a position", "synonyms read as a position"),
    "close_in_meaning": (
        "pair of options too close in meaning",
        "pairs of options too close in meaning",
    ),
    "unlinked_snippet": ("unlinked snippet", "unlinked snippets"),
    "dimension_without_snippet": ("dimension without snippets", "dimensions without snippets"),
    "model_without_snippet": ("model without snippets", "models without snippets"),
}


@dataclass(frozen=True, order=True)
class QualityWarning:
    file: str
    line: int
    message: str
    kind: WarningKind

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: warning: {self.message}"


def summary(warnings: Sequence[QualityWarning]) -> str:
    """`warnings` in one line, counted by kind, most frequent first: "3 warnings: 2 unlinked
    snippets, 1 option without synonyms" ("no warnings" when there are none)."""
    if not warnings:
        return "no warnings"
    order = list(KIND_NAMES)
    counts = Counter(warning.kind for warning in warnings)
    kinds = sorted(counts, key=lambda kind: (-counts[kind], order.index(kind)))
    parts = [f"{counts[kind]} {KIND_NAMES[kind][counts[kind] != 1]}" for kind in kinds]
    total = len(warnings)
    return f"{total} warning{'s' if total != 1 else ''}: {', '.join(parts)}"


def quality_warnings(directory: Path) -> list[QualityWarning]:
    """The warnings for `directory`, sorted by file and line. Raises KnowledgeError exactly as
    `load_knowledge` does when the folder does not load: errors come before warnings."""
    return load_with_warnings(directory)[1]


def load_with_warnings(directory: Path) -> tuple[Knowledge, list[QualityWarning]]:
    """`load_knowledge(directory)` and its warnings (what `advisor knowledge check` prints)."""
    knowledge, entries = load_located(directory)
    return knowledge, warnings_for(entries)


def warnings_for(entries: Entries) -> list[QualityWarning]:
    found = [
        *_options(entries["questions"]),
        *_unlinked_snippets(entries["questions"], entries["snippets"]),
        *_uncovered(entries["dimensions"], entries["snippets"], "dimensions"),
        *_uncovered(entries["models"], entries["snippets"], "models"),
    ]
    return sorted(found)


def _options(questions: Iterable[Located]) -> Iterable[QualityWarning]:
    for item in questions:
        question: Question = item.entry
        for o, option in enumerate(question.options):
            if not option.synonyms:
                yield _at(
                    item,
                    ("options", o, "id"),
                    "no_synonyms",
                    f"question '{question.id}': option '{option.id}' has no synonyms; only "
                    "its label and position match a typed answer",
                )
            if option.description is None:
                yield _at(
                    item,
                    ("options", o, "id"),
                    "no_description",
                    f"question '{question.id}': option '{option.id}' has no description; "
                    "answers in other words and questions about it have only the label",
                )
            for model, weight in option.weights.items():
                if weight >= STRONG_WEIGHT and not option.basis.get(model):
                    yield _at(
                        item,
                        ("options", o, "weights", model),
                        "no_basis",
                        f"question '{question.id}': option '{option.id}' weighs '{model}' "
                        f"{weight} with no basis (list the snippets that argue it under "
                        f"`basis: {{{model}: [...]}}`)",
                    )
        yield from _collisions(item)
        yield from _positional(item)
        yield from _close_in_meaning(item)


def _close_in_meaning(item: Located) -> Iterable[QualityWarning]:
    """Options whose meaning (label, description, examples) is nearly the same."""
    question: Question = item.entry
    embedder = available_embedder()
    if embedder is None:
        return
    centres = []
    for option in question.options:
        texts = [option.label, *([option.description] if option.description else [])]
        centre = embedder.embed_many([*texts, *option.examples]).mean(axis=0)
        centres.append(centre / max(float(np.linalg.norm(centre)), 1e-9))
    for i, j in combinations(range(len(centres)), 2):
        similarity = float(centres[i] @ centres[j])
        if similarity >= NEAR_DUPLICATE_MEANING:
            first, second = question.options[i], question.options[j]
            yield _at(
                item,
                ("options", j, "id"),
                "close_in_meaning",
                f"question '{question.id}': options '{first.id}' and '{second.id}' are too "
                f"close in meaning to tell apart ({similarity:.2f}); reword a label, "
                "description or examples so each says what only it means",
            )


@dataclass(frozen=True)
class _Phrase:
    option: str
    text: str
    kind: str  # "label" or "synonym"
    path: tuple[str | int, ...]


def _phrases(question: Question) -> Iterable[_Phrase]:
    for o, option in enumerate(question.options):
        yield _Phrase(option.id, option.label, "label", ("options", o, "label"))
        for s, synonym in enumerate(option.synonyms):
            yield _Phrase(option.id, synonym, "synonym", ("options", o, "synonyms", s))


def _collisions(item: Located) -> Iterable[QualityWarning]:
    """Phrases of different options that the matcher sees as the same words. Word order and
    repeats do not change a phrase's score, so the key is the sorted normalised words."""
    question: Question = item.entry
    first: dict[tuple[str, ...], _Phrase] = {}
    for phrase in _phrases(question):
        key = tuple(sorted(phrase_words(phrase.text)))
        if not key:
            continue
        earlier = first.setdefault(key, phrase)
        if earlier.option == phrase.option:
            continue
        yield _at(
            item,
            phrase.path,
            "same_phrase",
            f"question '{question.id}': {phrase.kind} \"{phrase.text}\" of option "
            f"'{phrase.option}' reads the same as {earlier.kind} \"{earlier.text}\" of option "
            f"'{earlier.option}' (line {item.line_of(*earlier.path)}) to the matcher "
            f'("{" ".join(key)}"); an answer saying it is always asked back',
        )


def _positional(item: Located) -> Iterable[QualityWarning]:
    question: Question = item.entry
    count = len(question.options)
    for phrase in _phrases(question):
        position = option_reference(phrase.text, count)
        if phrase.kind == "synonym" and position is not None:
            yield _at(
                item,
                phrase.path,
                "positional_synonym",
                f"question '{question.id}': synonym \"{phrase.text}\" of option "
                f"'{phrase.option}' is read as option {position + 1} by position, never by "
                "its words",
            )


def _unlinked_snippets(
    questions: Iterable[Located], snippets: Iterable[Located]
) -> Iterable[QualityWarning]:
    linked = {snippet_id for item in questions for snippet_id in item.entry.snippets}
    for item in snippets:
        if item.entry.id not in linked and not item.entry.ask_only:
            yield _at(
                item,
                ("id",),
                "unlinked_snippet",
                f"snippet '{item.entry.id}' is not linked from any question's `snippets`; "
                "`why` never shows it (`ask`, acknowledgements and the summary still can); "
                "link it, or mark it `ask_only: true` if it is background for `ask`",
            )


def _uncovered(
    targets: Iterable[Located], snippets: Sequence[Located], field: str
) -> Iterable[QualityWarning]:
    covered = {target_id for item in snippets for target_id in getattr(item.entry, field)}
    kind = field.removesuffix("s")
    consequence = {
        "dimensions": "`why` and `ask` have nothing from the articles on it",
        "models": "a summary recommending it shows no supporting points",
    }[field]
    warning_kind: WarningKind = (
        "dimension_without_snippet" if field == "dimensions" else "model_without_snippet"
    )
    for item in targets:
        if item.entry.id not in covered:
            yield _at(
                item,
                ("id",),
                warning_kind,
                f"{kind} '{item.entry.id}' has no snippet (no snippet lists it in "
                f"`{field}`); {consequence}",
            )


def _at(
    item: Located, path: tuple[str | int, ...], kind: WarningKind, message: str
) -> QualityWarning:
    return QualityWarning(item.file, item.line_of(*path), message, kind)
