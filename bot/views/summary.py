"""The diagnostic's result: the summary (the private one, and the copy shared to a channel) and
the home page that shows the latest result.

The shared copy is built from the same parts minus everything private: a channel sees the
recommendation and the reasoning, never how the sharer answered."""

from __future__ import annotations

from bot.engine.replies import Summary
from bot.engine.turn import Command
from bot.views import catalogue
from bot.views.document import (
    Action,
    Actions,
    Bar,
    Bars,
    Chunk,
    CommandHelp,
    Divider,
    Document,
    DownloadReport,
    Fact,
    Facts,
    Heading,
    Headline,
    Item,
    Note,
    OpenAsk,
    OpenShare,
    Paragraph,
    Quote,
    Title,
    Tone,
    emphasis,
    listed,
    mention,
    pinned,
    say,
    strong,
    tabled,
)
from bot.views.parts import command_action

# What the summary keeps longest when a platform's limits force a cut (higher stays longer;
# the title, recommendation, clarity and buttons are pinned).
SCORES = 80
STAGE = 75
NEXT_STEPS = 70
PROGRESS = 65
FOOTER = 60
TENSIONS = 55
WHY = 50  # the first reason; further ones rank below the other view
CONSTRAINT = 45
LEANINGS = 40
OTHER_VIEW = 30
MORE_WHY = 20
HISTORY = 15
HOME_COMMANDS = 90
HOME_HISTORY = 85
# Changed answers listed under the progress; the rest are counted.
CHANGED_ANSWERS_SHOWN = 4


def summary_view(summary: Summary, *, shared_by: str | None = None) -> Document:
    """The summary card; `shared_by` (a platform user id) makes it the channel copy: no
    answers, no buttons, and a line saying who shared it."""
    private = shared_by is None
    chunks = [pinned(Title(catalogue.SUMMARY_TITLE))]
    if shared_by is not None:
        line = say(catalogue.SHARED_BY[0], mention(shared_by), catalogue.SHARED_BY[1])
        chunks.append(pinned(Paragraph(line, Tone.SUBTLE)))
    chunks.append(pinned(*recommendation(summary)))
    chunks.append(Chunk((Heading(catalogue.SCORES_HEADING), score_bars(summary)), SCORES))
    if private:
        chunks += _progress(summary)
    chunks += _where_you_stand(summary, private)
    if private:
        chunks += _tensions(summary)
        chunks += tabled(catalogue.LEANINGS_HEADING, _leanings(summary), LEANINGS)
    chunks += _why(summary, private)
    chunks += _other_view(summary)
    chunks += listed(catalogue.YOUR_PLAN_HEADING, _plan(summary, private), NEXT_STEPS)
    if private:
        chunks += tabled(catalogue.HISTORY_HEADING, _history(summary), HISTORY)
    chunks.append(Chunk((Note(say(footer(summary))),), FOOTER))
    if private:
        chunks.append(pinned(Actions(summary_actions())))
    fallback = f"{catalogue.recommended(summary.recommended.name)} — {summary.clarity_text}"
    return Document(tuple(chunks), fallback)


def recommendation(summary: Summary) -> tuple[Headline, Paragraph, Paragraph]:
    model = summary.recommended
    return (
        Headline(catalogue.recommended(model.name)),
        Paragraph(say(model.description)),
        Paragraph(say(emphasis(summary.clarity_text))),
    )


def score_bars(summary: Summary) -> Bars:
    return Bars(tuple(Bar(item.model.name, item.score) for item in summary.scores))


def _leanings(summary: Summary) -> list[Fact]:
    return [
        Fact(
            item.dimension,
            f"{item.answer} → {item.leaning.name if item.leaning else catalogue.BALANCED}",
        )
        for item in summary.leanings
    ]


def _where_you_stand(summary: Summary, private: bool) -> list[Chunk]:
    """The maturity stage and, in a private summary, the binding constraint (it quotes an
    answer): the stage with the heading, the constraint ranked on its own."""
    chunks: list[Chunk] = []
    stage = summary.stage
    if stage is not None:
        line = catalogue.stage_of(stage.name, stage.number, stage.of)
        paragraph = Paragraph(say(strong(f"{line}."), f" {stage.description}"))
        chunks.append(Chunk((Heading(catalogue.WHERE_YOU_STAND_HEADING), paragraph), STAGE))
    constraint = summary.constraint
    if private and constraint is not None:
        said = catalogue.binding_constraint(
            constraint.dimension, constraint.answer, constraint.pulls_toward.name
        )
        elements: list[Heading | Paragraph] = (
            [] if chunks else [Heading(catalogue.WHERE_YOU_STAND_HEADING)]
        )
        elements.append(Paragraph(say(said)))
        if constraint.unblock:
            elements.append(Paragraph(catalogue.loosen(constraint.unblock), Tone.SUBTLE))
        chunks.append(Chunk(tuple(elements), CONSTRAINT, follows=bool(chunks)))
    return chunks


def _tensions(summary: Summary) -> list[Chunk]:
    items = [
        Item("•", catalogue.tension(t.dimensions, t.toward.name, t.advice))
        for t in summary.tensions
    ]
    return listed(catalogue.TENSIONS_HEADING, items, TENSIONS)


def _plan(summary: Summary, private: bool) -> list[Item]:
    """The plan by horizon; a shared copy leaves out which answers called for a step."""
    return [
        Item(f"{n}.", catalogue.plan_step(step.horizon, step.text, step.because if private else ()))
        for n, step in enumerate(summary.plan, 1)
    ]


def _progress(summary: Summary) -> list[Chunk]:
    """What changed since the previous result: the model, the scores that moved, the answers."""
    progress = summary.progress
    if progress is None:
        return []
    day = progress.previous_date.isoformat()
    now = summary.recommended.name
    line = (
        catalogue.progress_moved(day, progress.previous_model, now)
        if progress.model_changed
        else catalogue.progress_kept(day, now)
    )
    scores = tuple(
        Fact(change.model.name, catalogue.share_change(change.before, change.after))
        for change in progress.scores
        if round(100 * change.before) != round(100 * change.after)
    )
    changed = progress.changed_answers
    answers = tuple(
        Fact(change.dimension, catalogue.answer_change(change.before, change.after))
        for change in changed[:CHANGED_ANSWERS_SHOWN]
    )
    elements: list[Heading | Paragraph | Facts | Note] = [
        Heading(catalogue.PROGRESS_HEADING),
        Paragraph(say(line)),
    ]
    if scores:
        elements.append(Facts(scores))
    if answers:
        elements += [Paragraph(say(catalogue.ANSWERS_CHANGED), Tone.SUBTLE), Facts(answers)]
    if len(changed) > CHANGED_ANSWERS_SHOWN:
        elements.append(Note(say(catalogue.more_changed(len(changed) - CHANGED_ANSWERS_SHOWN))))
    return [Chunk(tuple(elements), PROGRESS)]


def _history(summary: Summary) -> list[Fact]:
    return [
        Fact(entry.date.isoformat(), catalogue.history_entry(entry.model, entry.share))
        for entry in summary.history
    ]


def _why(summary: Summary, private: bool) -> list[Chunk]:
    """The first reason under the heading (so the heading never stays behind alone); each
    further reason ranks below the other view and shows only after the one before it. In a
    private summary a reason says which of the person's answers it stands on; a shared copy
    never shows an answer."""
    chunks: list[Chunk] = []
    for n, reason in enumerate(summary.reasons):
        elements: list[Heading | Paragraph | Quote] = (
            [Heading(catalogue.WHY_HEADING)] if n == 0 else []
        )
        if private and reason.answer is not None and reason.dimension is not None:
            said = catalogue.because_you_said(reason.answer, reason.dimension)
            elements.append(Paragraph(said, Tone.SUBTLE))
        elements.append(Quote(reason.snippet))
        first = n == 0
        chunks.append(Chunk(tuple(elements), WHY if first else MORE_WHY - n + 1, follows=not first))
    return chunks


def _other_view(summary: Summary) -> list[Chunk]:
    snippet = summary.other_view
    if snippet is None:
        return []
    name = summary.other_view_for.name if summary.other_view_for else catalogue.ANOTHER_MODEL
    return [Chunk((Heading(catalogue.other_view_heading(name)), Quote(snippet)), OTHER_VIEW)]


def footer(summary: Summary) -> str:
    # The knowledge version stays in the stored result, not in front of a manager.
    return catalogue.summary_footer(
        summary.recommended.name, summary.answered, summary.skipped, summary.date.isoformat()
    )


def summary_actions() -> tuple[Action, ...]:
    return (
        command_action(catalogue.RETAKE, Command.RESTART),
        Action(catalogue.ASK_BUTTON, OpenAsk()),
        Action(catalogue.REPORT_BUTTON, DownloadReport()),
        Action(catalogue.SHARE_BUTTON, OpenShare(), primary=True),
    )


def home_view(latest: Summary | None, in_progress: bool) -> Document:
    """The home page: what the advisor does, start or continue, the latest result, commands."""
    start = (
        command_action(catalogue.CONTINUE, Command.RESUME, primary=True)
        if in_progress
        else command_action(catalogue.START, Command.START, primary=True)
    )
    chunks = [
        pinned(
            Title(catalogue.PRODUCT),
            Paragraph(say(f"{catalogue.HOME_QUESTION} {catalogue.ABOUT}")),
        ),
        pinned(Actions((start, Action(catalogue.ASK_BUTTON, OpenAsk()))), Divider()),
        _latest_result(latest),
        *_home_history(latest),
        Chunk(
            (
                Divider(),
                Heading(catalogue.COMMANDS_HEADING),
                CommandHelp(catalogue.SLASH_COMMANDS),
            ),
            HOME_COMMANDS,
        ),
    ]
    return Document(tuple(chunks), catalogue.PRODUCT)


def _latest_result(latest: Summary | None) -> Chunk:
    if latest is None:
        return pinned(
            Paragraph(say(emphasis(catalogue.NO_RESULT_YET), f" {catalogue.NO_RESULT_HINT}"))
        )
    return pinned(
        Heading(catalogue.LATEST_RESULT),
        Headline(catalogue.recommended(latest.recommended.name)),
        Paragraph(say(latest.clarity_text), Tone.SUBTLE),
        score_bars(latest),
        Note(say(latest.date.isoformat())),
        Actions((command_action(catalogue.SHOW_SUMMARY, Command.SUMMARY),)),
    )


def _home_history(latest: Summary | None) -> list[Chunk]:
    """Earlier results under the latest one, newest first (none before a second result)."""
    if latest is None or not latest.history:
        return []
    return tabled(catalogue.HISTORY_HEADING, _history(latest), HOME_HISTORY)
