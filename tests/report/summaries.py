"""Summaries for the report's tests and benchmark: a real one from the bundled knowledge, one with
every field filled at a readable length, one at the extremes (every field, long texts, many
items) and one made of hostile text."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

from bot.engine.index import index_for
from bot.engine.replies import (
    AnswerChange,
    Clarity,
    ConstraintView,
    HistoryEntry,
    LeaningView,
    ModelScoreView,
    ModelView,
    PlanStep,
    ProgressView,
    ReasonView,
    ScoreChange,
    SnippetView,
    SourceView,
    StageView,
    Summary,
    TensionView,
)
from bot.engine.summary import build_summary
from bot.knowledge import Knowledge, default_knowledge_dir, load_knowledge

DAY = date(2026, 12, 7)
NOW = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)

# Untrusted text at its worst: curly quotes and dashes, accents, CJK, emoji (a ZWJ family, a
# flag, a skin tone), right-to-left scripts with a bidi override, control characters, a lone
# surrogate, private use, zero-width and combining characters piled up, PDF's own delimiters.
HOSTILE_PARTS = (
    "\u201ccurly\u201d \u2018quotes\u2019 \u2014 em \u2013 en \u2026 ",
    "Café naïve Ångström Øre œuvre ",
    "中文字符 日本語テキスト 한국어 ",
    "\U0001f389\U0001f469\u200d\U0001f469\u200d\U0001f467\U0001f1eb\U0001f1f7\U0001f44d\U0001f3fd ",
    "\u202e\u05e2\u05d1\u05e8\u05d9\u05ea \u0627\u0644\u0639\u0631\u0628\u064a\u0629\u202c ",
    "ctrl\x00\x07\x1b\x7f\x9b chars\r\n\ttab ",
    "lone \ud800 surrogate \ue000 private \U0010ffff ",
    "zero\u200bwidth\ufeff\u200d join ",
    "Z" + "\u0300\u0301\u0302\u0303" * 30 + " ",
    "(parens) \\backslash\\ %percent <tag> &amp; ",
)
HOSTILE = "".join(HOSTILE_PARTS)
LONG_WORD = "W" * 2000


def bundled_knowledge() -> Knowledge:
    return load_knowledge(default_knowledge_dir())


def random_answers(knowledge: Knowledge, rng: random.Random) -> dict[str, str | None]:
    """One option per question, about one question in eight skipped."""
    return {
        question.id: None if rng.random() < 0.125 else rng.choice(question.options).id
        for question in knowledge.questions
    }


def bundled_summary(knowledge: Knowledge, seed: int = 7) -> Summary:
    """What the engine really builds for a random answer set of the bundled knowledge."""
    answers = random_answers(knowledge, random.Random(seed))
    return build_summary(answers, index_for(knowledge), NOW)


def _model(n: int, text: str) -> ModelView:
    return ModelView(f"m{n}", f"Model {n}{text}", f"summary {n}{text}", f"description {n}{text}")


WEB = "https://example.com/articles"


def _snippet(n: int, text: str, *, url: str | None = WEB) -> SnippetView:
    source = SourceView(
        f"src{n}",
        f"Article {n}{text}",
        f"Author {n}{text}",
        f"{n:03}.txt",
        f"{url}/{n}" if url else None,
        f"Publisher {n}{text}",
        date(2025, 1 + n % 12, 1 + n % 28),
    )
    return SnippetView(f"s{n}", f"Quote {n}{text}", n % 2 == 0, source, (f"Model {n}",))


def full_summary(
    text: str = "",
    *,
    models: int = 4,
    reasons: int = 3,
    tensions: int = 2,
    steps: int = 2,
    url: str | None = WEB,
) -> Summary:
    """Every field of a summary filled; `text` is added to each string and the counts say how
    many of each item there are (the defaults fit on a page with room to spare)."""
    views = [_model(n, text) for n in range(1, models + 1)]
    shares = [(models - n) / sum(range(1, models + 1)) for n in range(models)]
    recommended, other = views[0], views[1]
    plan = tuple(
        PlanStep(horizon, f"Step {n} by {horizon}{text}", (f"Because {n}{text}",) if n else ())
        for horizon in (30, 60, 90)
        for n in range(steps)
    )
    return Summary(
        recommended=recommended,
        clarity=Clarity.LEANING,
        clarity_text=f"Clarity sentence{text}",
        mixed=False,
        runner_up=other,
        scores=tuple(
            ModelScoreView(view, share, round(share * 40))
            for view, share in zip(views, shares, strict=True)
        ),
        leanings=tuple(
            LeaningView(f"q{n}", f"Dimension {n}{text}", f"Leaning answer {n}{text}", other)
            for n in range(12)
        ),
        reasons=tuple(
            ReasonView(_snippet(n, text, url=url), f"Dimension {n}{text}", f"Answer {n}{text}")
            for n in range(1, reasons + 1)
        ),
        other_view=_snippet(99, f" other view{text}", url=url),
        other_view_for=other,
        answered=11,
        skipped=1,
        knowledge_version=f"kv12345{text}",
        date=DAY,
        tensions=tuple(
            TensionView(
                views[n % models],
                (f"Tension dimension {n}{text}", f"Second dimension {n}{text}"),
                (f"Tension answer {n}{text}",),
                f"Tension advice {n}{text}",
            )
            for n in range(1, tensions + 1)
        ),
        stage=StageView("piloting", f"Stage name{text}", f"Stage description{text}", 2, 4),
        constraint=ConstraintView(
            f"Constraint dimension{text}", f"Constraint answer{text}", other, f"Unblock{text}"
        ),
        plan=plan,
        progress=ProgressView(
            date(2026, 10, 1),
            f"Previous model{text}",
            True,
            tuple(
                ScoreChange(view, 0.25, share) for view, share in zip(views, shares, strict=True)
            ),
            (AnswerChange(f"Changed dimension{text}", f"Before{text}", None),),
        ),
        history=tuple(
            HistoryEntry(date(2026, 1 + n, 1), f"Past model {n}{text}", "clear", 0.5)
            for n in range(10)
        ),
    )


def maximal_summary() -> Summary:
    """Every field, long texts, many items: far more than a page holds."""
    words = " lorem ipsum dolor sit amet, consectetur adipiscing elit" * 40
    return full_summary(words, models=9, reasons=10, tensions=8, steps=6, url=WEB + "/" + "x" * 480)


def hostile_summary(text: str = HOSTILE) -> Summary:
    return full_summary(
        f" {text} {LONG_WORD} {text}",
        models=6,
        reasons=5,
        tensions=4,
        steps=3,
        url=f"https://example.com/{text}",
    )
