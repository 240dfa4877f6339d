"""What the report says, part by part, as measured pieces (`bot.report.layout`), in the order
the page shows them: the header, the recommendation, the scores, where the person stands, their
reasons, the other view, the tensions, the plan and the progress. The footer is drawn apart, at
the foot of the page."""

from __future__ import annotations

from collections.abc import Iterable

from bot.engine.replies import ModelScoreView, PlanStep, SnippetView, Summary
from bot.report.layout import (
    BODY,
    HEADING,
    HEADLINE,
    LABEL,
    QUOTE,
    SMALL,
    STRONG,
    TITLE,
    WIDTH,
    Gap,
    Labelled,
    Limits,
    Measure,
    Piece,
    Rule,
    ScoreRow,
    Style,
    Text,
)
from bot.report.text import clean, shorten
from bot.views import catalogue
from bot.views.parts import credit

# The longest each kind of text may be before it is even wrapped (characters).
NAME, ANSWER, SENTENCE, LONG = 120, 200, 800, 1200
QUOTE_INDENT = 3.5
LABEL_WIDTH = 27.0
BULLET_INDENT = 3.0
BULLET = "•"


class Sections:
    """The pieces of one summary's page under `limits`. `cleaned` is shared by the attempts at
    one page, so that each text is cleaned once whatever the number of attempts."""

    def __init__(
        self,
        summary: Summary,
        limits: Limits,
        measure: Measure,
        cleaned: dict[tuple[str, int], str],
    ) -> None:
        self.summary = summary
        self.limits = limits
        self.measure = measure
        self.cleaned = cleaned

    def clean(self, text: str | None, limit: int) -> str:
        if not text:
            return ""
        key = (text, limit)
        if key not in self.cleaned:
            self.cleaned[key] = clean(text, limit)
        return self.cleaned[key]

    def pieces(self) -> list[Piece]:
        parts = (
            self.header(),
            self.recommendation(),
            self.scores(),
            self.where_you_stand(),
            self.reasons(),
            self.other_view(),
            self.tensions(),
            self.plan(),
            self.progress(),
        )
        return [piece for part in parts for piece in part]

    def text(
        self,
        text: str,
        style: Style,
        most: int,
        *,
        indent: float = 0.0,
        width: float = WIDTH,
        link: str | None = None,
        rule: bool = False,
        bullet: str = "",
    ) -> list[Text]:
        if most <= 0 or not text:
            return []
        lines = self.measure.lines(text, style, width - indent, most)
        return [Text(lines, style, indent, link, rule, bullet=bullet)] if lines else []

    def heading(self, text: str) -> list[Piece]:
        return [Gap(2.5), *self.text(self.clean(text, NAME), HEADING, 1)]

    # --- the parts, in order --------------------------------------------------------------------

    def header(self) -> list[Piece]:
        day = self.summary.date.isoformat()
        title = Text((catalogue.PRODUCT,), TITLE, right=day)
        return [title, Text((catalogue.SUMMARY_TITLE,), SMALL), Rule()]

    def recommendation(self) -> list[Piece]:
        model = self.summary.recommended
        limits = self.limits
        headline = catalogue.recommended(self.clean(model.name, NAME))
        return [
            *self.text(headline, HEADLINE, limits.headline_lines),
            *self.text(self.clean(model.description, LONG), BODY, limits.description_lines),
            Gap(1.0),
            *self.text(self.clean(self.summary.clarity_text, SENTENCE), STRONG, 3),
        ]

    def scores(self) -> list[Piece]:
        shown = self.summary.scores[: self.limits.models]
        if not shown:
            return []
        rows: list[Piece] = [
            _score_row(item, self.clean(item.model.name, NAME), n == 0)
            for n, item in enumerate(shown)
        ]
        return [*self.heading(catalogue.SCORES_HEADING), Gap(0.5), *rows]

    def where_you_stand(self) -> list[Piece]:
        stage, constraint = self.summary.stage, self.summary.constraint
        if stage is None and constraint is None:
            return []
        most = self.limits.stand_lines
        pieces = self.heading(catalogue.WHERE_YOU_STAND_HEADING)
        if stage is not None:
            line = catalogue.stage_of(self.clean(stage.name, NAME), stage.number, stage.of)
            pieces += self.text(line, STRONG, 1)
            pieces += self.text(self.clean(stage.description, LONG), BODY, most)
        if constraint is not None:
            line = catalogue.binding_constraint(
                self.clean(constraint.dimension, NAME),
                self.clean(constraint.answer, ANSWER),
                self.clean(constraint.pulls_toward.name, NAME),
            )
            pieces += [Gap(1.0), *self.text(line, STRONG, 3)]
            pieces += self.text(self.clean(constraint.unblock, LONG), BODY, most)
        return pieces

    def reasons(self) -> list[Piece]:
        shown = self.summary.reasons[: self.limits.reasons]
        if not shown:
            return []
        pieces = self.heading(catalogue.YOUR_REASONS_HEADING)
        for n, reason in enumerate(shown):
            if n:
                pieces.append(Gap(1.5))
            if reason.answer is not None and reason.dimension is not None:
                said = catalogue.because_you_said(
                    self.clean(reason.answer, ANSWER), self.clean(reason.dimension, NAME)
                )
                pieces += self.text("".join(span.text for span in said), SMALL, 2)
            pieces += self.quote(reason.snippet, self.limits.quote_lines)
        return pieces

    def other_view(self) -> list[Piece]:
        snippet = self.summary.other_view
        if snippet is None:
            return []
        model = self.summary.other_view_for
        name = self.clean(model.name, NAME) if model else catalogue.ANOTHER_MODEL
        return [
            *self.heading(catalogue.other_view_heading(name)),
            *self.quote(snippet, self.limits.other_view_lines),
        ]

    def tensions(self) -> list[Piece]:
        shown = self.summary.tensions[: self.limits.tensions]
        if not shown:
            return []
        pieces = self.heading(catalogue.TENSIONS_HEADING)
        for tension in shown:
            # However long the dimensions' names, the model they pull toward stays in sight.
            dimensions = shorten(", ".join(tension.dimensions[:4]), NAME)
            line = catalogue.tension_toward(
                self.clean(dimensions, NAME), self.clean(tension.toward.name, NAME)
            )
            pieces += self.text(line, STRONG, 2)
            pieces += self.text(self.clean(tension.advice, LONG), BODY, self.limits.advice_lines)
        return pieces

    def plan(self) -> list[Piece]:
        if not self.summary.plan:
            return []
        pieces = self.heading(catalogue.YOUR_PLAN_HEADING)
        for horizon, steps in _by_horizon(self.summary.plan)[: self.limits.horizons]:
            label = Text((catalogue.by_days(horizon),), LABEL)
            body: list[Text] = []
            for step in steps[: self.limits.steps_per_horizon]:
                body += self.text(
                    self.clean(step.text, LONG),
                    BODY,
                    self.limits.step_lines,
                    indent=BULLET_INDENT,
                    width=WIDTH - LABEL_WIDTH,
                    bullet=BULLET,
                )
                if step.because:  # which answers called for it, small, under the step
                    names = tuple(self.clean(name, NAME) for name in step.because[:4])
                    body += self.text(
                        catalogue.called_for_by(names),
                        SMALL,
                        1,
                        indent=BULLET_INDENT,
                        width=WIDTH - LABEL_WIDTH,
                    )
            pieces += [Gap(0.6), Labelled(label, tuple(body), LABEL_WIDTH)]
        return pieces

    def progress(self) -> list[Piece]:
        progress = self.summary.progress
        if progress is None or not self.limits.progress:
            return []
        day = progress.previous_date.isoformat()
        now = self.clean(self.summary.recommended.name, NAME)
        line = (
            catalogue.progress_since(day, self.clean(progress.previous_model, NAME), now)
            if progress.model_changed
            else catalogue.progress_kept(day, now)  # not "X → X"
        )
        pieces: list[Piece] = [Gap(2.5), *self.text(line, STRONG, 2)]
        if self.limits.progress_scores and progress.scores:
            changes = " · ".join(
                f"{self.clean(change.model.name, NAME)} {_percent(change.before)} → "
                f"{_percent(change.after)}"
                for change in progress.scores[: self.limits.models]
            )
            pieces += self.text(changes, SMALL, 2)
        return pieces

    # --- shared parts ---------------------------------------------------------------------------

    def quote(self, snippet: SnippetView, most: int) -> list[Piece]:
        source = snippet.source
        pieces: list[Piece] = [
            *self.text(self.clean(snippet.text, LONG), QUOTE, most, indent=QUOTE_INDENT, rule=True)
        ]
        line = f"— {self.clean(source.title, NAME)}{self.clean(credit(source), SENTENCE)}"
        pieces += self.text(line, SMALL, self.limits.source_lines, indent=QUOTE_INDENT)
        url = source.url
        if url and url.startswith(("https://", "http://")):
            link = self.clean(url, 500)
            pieces += self.text(link, SMALL, 1, indent=QUOTE_INDENT, link=url)
        return pieces


def _score_row(item: ModelScoreView, name: str, leading: bool) -> ScoreRow:
    share = item.score if 0.0 <= item.score <= 1.0 else (1.0 if item.score > 1.0 else 0.0)
    return ScoreRow(name, share, _percent(share), leading)


def _percent(share: float) -> str:
    bounded = min(max(share, 0.0), 1.0) if share == share else 0.0  # NaN draws as 0%
    return f"{round(bounded * 100)}%"


def _by_horizon(plan: Iterable[PlanStep]) -> list[tuple[int, list[PlanStep]]]:
    groups: dict[int, list[PlanStep]] = {}
    for step in plan:
        groups.setdefault(step.horizon, []).append(step)
    return sorted(groups.items())
