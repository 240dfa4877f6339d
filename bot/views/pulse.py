"""The views of a team pulse survey: its card in the channel (open, then closed), the reminder,
and the results (visible, or hidden below the anonymity threshold).

Anonymity shows here as what is never drawn: no view names a respondent, the card shows only
how many answered while the survey is open, and below the threshold the results carry no
distribution at all (the engine leaves nothing to draw; these views do not look either).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.engine.pulse import OptionResult, PulseResults, QuestionResult
from bot.engine.pulse_trend import QuestionChange, RoundPoint, ScoreChange, Trend
from bot.engine.replies import Clarity
from bot.engine.summary import clarity_sentence, points_apart
from bot.views import catalogue
from bot.views.document import (
    Action,
    Actions,
    Bar,
    Bars,
    Chart,
    Chunk,
    Document,
    Element,
    Heading,
    Headline,
    Item,
    Items,
    Note,
    Paragraph,
    PulseAnswer,
    PulseClose,
    PulseCompare,
    PulseExport,
    PulseNumbers,
    Span,
    Title,
    Tone,
    emphasis,
    moment,
    moment_plain,
    pinned,
    say,
    strong,
)
from bot.views.parts import Surface

# What the results keep longest when a platform's limits force a cut (higher stays longer).
MODEL_SHARES = 80
SPLIT = 70
QUESTIONS = 60
DROPPED = 20
TREND = 50
TREND_CHART = 1  # the trend chart repeats the trend's numbers: second to go
CHART = 0  # the chart repeats the numbers: it is the first to go, silently
# The questions a trend names as having moved: the biggest moves, of at least 10 points.
MOVED_QUESTIONS = 3
SMALLEST_MOVE = 0.10


@dataclass(frozen=True)
class SurveyView:
    """What the views need of a survey (its stored record stays in storage)."""

    id: str
    questions: int
    threshold: int
    deadline: datetime
    closed_at: datetime | None
    remind: bool
    closed: bool
    round_number: int | None = None  # a round of a recurring pulse


@dataclass(frozen=True)
class SeriesView:
    """A recurring pulse as `pulse series` lists it."""

    number: int  # its place in the channel's list, what `pulse pause N` names
    cadence: str  # "monthly", "every two weeks" ...
    round_length: timedelta
    threshold: int
    next_open_at: datetime
    rounds: int  # rounds opened so far
    status: str  # "active", "paused", "stopped"
    paused_by_channel: bool  # paused itself: the bot could not post in the channel
    yours: bool  # the asker launched it


def series_list(items: list[SeriesView], platform_hint: str) -> Document:
    """The channel's recurring pulses, numbered, with what to write to change one."""
    if not items:
        return Document((pinned(Paragraph(say(catalogue.NO_SERIES))),), catalogue.NO_SERIES)
    lines = tuple(Item(f"{item.number}.", say(*_series_line(item))) for item in items)
    chunk = pinned(
        Title(catalogue.SERIES_TITLE),
        Items(lines),
        Paragraph(say(catalogue.series_hint(platform_hint)), Tone.SUBTLE),
    )
    return Document((chunk,), catalogue.series_fallback(len(items)))


def _series_line(item: SeriesView) -> list[str | Span]:
    about = catalogue.series_about(
        item.cadence, catalogue.duration_words(item.round_length), item.threshold, item.rounds
    )
    parts: list[str | Span] = [about, " · "]
    if item.status == "active":
        parts += [catalogue.next_round(""), moment(item.next_open_at)]
    elif item.paused_by_channel:
        parts.append(catalogue.SERIES_PAUSED_BY_CHANNEL)
    else:
        parts.append(catalogue.SERIES_PAUSED)
    if item.yours:
        parts.append(f" · {catalogue.SERIES_YOURS}")
    return parts


def answer_action(survey: SurveyView) -> Action:
    return Action(catalogue.ANSWER_PRIVATELY, PulseAnswer(survey.id), primary=True)


def survey_card(survey: SurveyView, count: int, surface: Surface) -> Document:
    """The card in the channel: what the survey is, the live count, Answer and Close; once
    closed, only how many answered. On Teams people answer in a private chat (a channel card's
    inputs are neither private nor safe from the live count's redraws), which the card says."""
    if survey.closed:
        return _closed_card(survey, count)
    where = catalogue.ANSWERED_IN_CHAT if surface is Surface.TEAMS else None
    when: list[str | Span] = [catalogue.closes(""), moment(survey.deadline)]
    if survey.remind:
        when.append(f" · {catalogue.ONE_REMINDER}")
    close = Action(catalogue.CLOSE_SURVEY, PulseClose(survey.id), confirm=catalogue.CLOSE_CONFIRM)
    chunk = pinned(
        Title(_titled(catalogue.PULSE_TITLE, survey)),
        Paragraph(say(catalogue.pulse_about(survey.questions, where))),
        Paragraph(say(*when, f". {catalogue.results_need(survey.threshold)}"), Tone.SUBTLE),
        Paragraph(say(strong(catalogue.so_far(count)))),
        Actions((answer_action(survey), close)),
    )
    fallback = (
        f"{catalogue.PULSE_TITLE} {catalogue.so_far(count)} "
        f"{catalogue.closes(moment_plain(survey.deadline))}."
    )
    return Document((chunk,), fallback)


def _closed_card(survey: SurveyView, count: int) -> Document:
    closed_at = survey.closed_at or survey.deadline
    chunk = pinned(
        Title(catalogue.PULSE_TITLE),
        Paragraph(say(strong(catalogue.closed_count(count))), Tone.GOOD),
        Paragraph(say(catalogue.RESULTS_POSTED, " ", catalogue.closed(""), moment(closed_at))),
    )
    return Document((chunk,), f"{catalogue.PULSE_TITLE} {catalogue.closed_count(count)}")


def reminder(survey: SurveyView, count: int) -> Document:
    before, after = catalogue.reminder_closes()
    chunk = pinned(
        Paragraph(
            say(
                strong(catalogue.REMINDER),
                f" {before}",
                moment(survey.deadline),
                f"{after} {catalogue.reminder_count(count, survey.threshold)}",
            )
        ),
        Paragraph(say(catalogue.ANONYMOUS), Tone.SUBTLE),
        Actions((answer_action(survey),)),
    )
    fallback = (
        f"{catalogue.REMINDER} {before}{moment_plain(survey.deadline)}{after} "
        f"{catalogue.reminder_count(count, survey.threshold)}"
    )
    return Document((chunk,), fallback)


def private_reminder(survey: SurveyView) -> Document:
    """The reminder in a private chat with someone of the channel who has not answered (one
    per person, `bot.pulse.reminders`): the deadline and the answer button, no count."""
    before, after = catalogue.private_reminder_closes()
    chunk = pinned(
        Paragraph(say(strong(catalogue.REMINDER), f" {before}", moment(survey.deadline), after)),
        Paragraph(say(catalogue.ANONYMOUS), Tone.SUBTLE),
        Actions((answer_action(survey),)),
    )
    fallback = f"{catalogue.REMINDER} {before}{moment_plain(survey.deadline)}{after}"
    return Document((chunk,), fallback)


def _titled(title: str, survey: SurveyView) -> str:
    return (
        title if survey.round_number is None else catalogue.round_title(title, survey.round_number)
    )


def results(
    survey: SurveyView,
    results: PulseResults,
    chart: bytes | None = None,
    surface: Surface = Surface.TEAMS,
    trend: Trend | None = None,
    trend_png: bytes | None = None,
) -> Document:
    """Participation; when at least the threshold answered, the team's recommendation, the
    model scores, the questions the team is split on, `chart` (a PNG of every question's
    answers) where the platform can show it and it fits, and every question's numbers: folded
    into the card on Teams, behind a "See all numbers" button (a modal, `numbers`) on Slack."""
    closed: list[str | Span] = (
        [f" · {catalogue.closed('')}", moment(survey.closed_at)] if survey.closed_at else []
    )
    head: list[Element] = [
        Title(_titled(catalogue.PULSE_RESULTS_TITLE, survey)),
        Paragraph(
            say(catalogue.participation(results.respondents, results.threshold), *closed),
            Tone.SUBTLE,
        ),
    ]
    if not results.visible:
        hidden = catalogue.results_hidden(results.respondents, results.threshold)
        fallback = f"{catalogue.PULSE_RESULTS_TITLE}: {hidden}"
        return Document((pinned(*head, Paragraph(say(hidden))),), fallback)
    chunks = [pinned(*head, *_recommendation(results))]
    if trend is not None:
        chunks += trend_chunks(trend, trend_png)
    if chart:
        chunks.append(Chunk((Chart(chart, catalogue.CHART_ALT),), CHART, optional=True))
    if results.shares:
        bars = Bars(tuple(Bar(model.name, share) for model, share in results.shares))
        chunks.append(Chunk((Heading(catalogue.PULSE_SCORES_HEADING), bars), MODEL_SHARES))
    if results.split:
        split = tuple(
            Item("•", say(f"{item.question.prompt} ({_leaders(item)})")) for item in results.split
        )
        chunks.append(Chunk((Heading(catalogue.PULSE_SPLIT_HEADING), Items(split)), SPLIT))
    actions = [Action(catalogue.EXPORT_CSV, PulseExport(survey.id))]
    actions.append(Action(catalogue.COMPARE_WITH_TEAM, PulseCompare(survey.id)))
    if surface is Surface.SLACK:
        actions.insert(0, Action(catalogue.SEE_ALL_NUMBERS, PulseNumbers(survey.id)))
    else:
        # What the chart and the split already say, in full, folded away in the card.
        chunks += _question_numbers(results, folded=catalogue.SEE_ALL_NUMBERS)
    chunks += _dropped(results)
    chunks.append(pinned(Actions(tuple(actions))))
    name = results.recommended.name if results.recommended else None
    return Document(tuple(chunks), catalogue.pulse_fallback(results.respondents, name))


def numbers(results: PulseResults) -> Document:
    """Every question's answers as bars with their counts: the results' full numbers, on their
    own (Slack's "See all numbers" modal)."""
    chunks = [
        pinned(
            Paragraph(
                say(catalogue.participation(results.respondents, results.threshold)), Tone.SUBTLE
            )
        )
    ]
    if not results.visible:  # never drawn: the button is only under visible results
        hidden = catalogue.results_hidden(results.respondents, results.threshold)
        return Document((pinned(Paragraph(say(hidden))),), hidden)
    chunks += _question_numbers(results)
    chunks += _dropped(results)
    return Document(tuple(chunks), catalogue.SEE_ALL_NUMBERS)


def _dropped(results: PulseResults) -> list[Chunk]:
    """The note that questions were left out (the knowledge dropped them since the launch)."""
    if not results.dropped_questions:
        return []
    return [Chunk((Note(say(catalogue.dropped_questions(results.dropped_questions))),), DROPPED)]


def _question_numbers(results: PulseResults, folded: str | None = None) -> list[Chunk]:
    return [
        Chunk(
            (Heading(f"{n}. {item.question.prompt}"), _option_bars(item)),
            QUESTIONS - n,
            folded=folded,
        )
        for n, item in enumerate(results.questions, 1)
    ]


def _recommendation(results: PulseResults) -> list[Headline | Paragraph]:
    model = results.recommended
    if model is None or results.clarity in (None, Clarity.INSUFFICIENT):
        return [Paragraph(say(catalogue.NO_TEAM_RECOMMENDATION))]
    return [
        Headline(catalogue.team_recommended(model.name)),
        Paragraph(say(model.summary)),
        Paragraph(say(emphasis(clarity_text(results)))),
    ]


def clarity_text(results: PulseResults) -> str:
    """How clear-cut the team's result is, in the summary card's words."""
    top = results.recommended.name if results.recommended else ""
    ranked = [model.name for model, _ in results.shares]
    second = results.runner_up.name if results.runner_up else ranked[1] if len(ranked) > 1 else ""
    if results.mixed and len(ranked) > 1:
        return catalogue.team_close_call(ranked[0], ranked[1], top)
    gap = points_apart([share for _, share in results.shares])
    return clarity_sentence(results.clarity or Clarity.INSUFFICIENT, top, second, gap)


def _leaders(item: QuestionResult) -> str:
    ranked = sorted(item.options, key=lambda option: -option.count)[:2]
    return " vs ".join(_share_of(option) for option in ranked)


def _share_of(option: OptionResult) -> str:
    return f"{option.option.label} {round(100 * option.share)}%"


def _option_bars(item: QuestionResult) -> Bars:
    return Bars(
        tuple(Bar(option.option.label, option.share, option.count) for option in item.options)
    )


def trend_chunks(trend: Trend, png: bytes | None = None) -> list[Chunk]:
    """How the team moved since the last round that met its threshold: the model scores, the
    questions that moved most, and every round in one line (rounds below their threshold as
    "not enough answers", never with numbers); `png` is the trend chart, where it fits."""
    earlier = [point for point in trend.points if point.number < trend.current.number]
    if not earlier:
        return []
    chunks: list[Chunk] = []
    previous = trend.previous
    if previous is None or not trend.current.met:
        lines: list[Element] = [Paragraph(say(catalogue.NO_ROUND_TO_COMPARE), Tone.SUBTLE)]
    else:
        lines = [Heading(catalogue.since_round(previous.number))]
        lines += [Items(tuple(Item("•", say(_score_change(c))) for c in trend.scores))]
        moved = [q for q in trend.questions if q.moved >= SMALLEST_MOVE][:MOVED_QUESTIONS]
        if moved:
            items = tuple(Item("•", say(_question_change(q))) for q in moved)
            lines += [Paragraph(say(strong(catalogue.MOVED_MOST))), Items(items)]
    lines.append(Note(say(catalogue.ROUNDS_SO_FAR, " ", "; ".join(map(_round, trend.points)))))
    chunks.append(Chunk(tuple(lines), TREND))
    if png:
        chunks.append(Chunk((Chart(png, catalogue.TREND_ALT),), TREND_CHART, optional=True))
    return chunks


def _score_change(change: ScoreChange) -> str:
    return catalogue.score_moved(
        change.model.name,
        round(100 * change.now),
        round(100 * change.now) - round(100 * change.before),
    )


def _question_change(change: QuestionChange) -> str:
    top = change.top_now.label if change.top_now else None
    before = change.top_before.label if change.top_before else None
    biggest = max(change.options, key=lambda o: abs(o.now - o.before))
    return catalogue.question_moved(
        change.question.prompt,
        top,
        before,
        biggest.option.label,
        round(100 * biggest.before),
        round(100 * biggest.now),
    )


def _round(point: RoundPoint) -> str:
    if not point.met:
        return catalogue.round_not_enough(point.number)
    leader = point.recommended.name if point.recommended else "—"
    return catalogue.round_summary(point.number, point.respondents, leader)
