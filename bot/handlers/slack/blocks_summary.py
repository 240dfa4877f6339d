"""The diagnostic's result in Block Kit: the summary card (the private one in the user's DM, and
the copy shared to a channel) and the App Home tab. Mirrors `console_render.summary_panel`.

The shared copy is built from the same parts minus everything private: a channel sees the
recommendation and the reasoning, never how the sharer answered."""

from __future__ import annotations

import re
from typing import Any

from bot.engine.replies import Summary
from bot.engine.turn import Command
from bot.handlers.slack.blocks import (
    MAX_VIEW_BLOCKS,
    SLASH_COMMANDS,
    Chunk,
    SlackMessage,
    actions,
    button,
    command_button,
    context,
    divider,
    escape,
    fit,
    header,
    line_chunks,
    line_sections,
    message,
    quoted,
    section,
    snippet_chunks,
    source_line,
)
from bot.handlers.slack.ids import ASK_ACTION, SHARE_ACTION

BAR_WIDTH = 10
TITLE = "Your AI ownership summary"
LEANINGS_HEADING = "*Your answers, dimension by dimension*"
# Slack user ids. Anything else is left out rather than risk a forged mention.
_USER_ID = re.compile(r"[UW][A-Z0-9]{1,30}")

# What the card keeps longest when Slack's limits force a cut (higher stays longer; the
# header, recommendation, clarity and buttons are pinned).
_SCORES = 80
_NEXT_STEPS = 70
_FOOTER = 60
_WHY = 50  # the first reason; further ones rank below the other view
_LEANINGS = 40
_OTHER_VIEW = 30
_MORE_WHY = 20


def summary_message(summary: Summary, *, shared_by: str | None = None) -> SlackMessage:
    private = shared_by is None
    chunks = [Chunk((header(TITLE),))]
    if shared_by is not None:
        chunks.append(Chunk((context(_shared_line(shared_by)),)))
    clarity = section(f"_{escape(summary.clarity_text)}_")
    chunks.append(Chunk((section(_recommendation(summary)), clarity)))
    chunks += line_chunks("*How the models score*", score_lines(summary), _SCORES)
    if private:
        chunks += line_chunks(
            "*Your answers, dimension by dimension*", _leanings(summary), _LEANINGS
        )
    chunks += _why(summary)
    chunks += _other_view(summary)
    steps = [f"{n}. {escape(step)}" for n, step in enumerate(summary.next_steps, 1)]
    chunks += line_chunks("*Next steps*", steps, _NEXT_STEPS)
    chunks.append(Chunk((context(_footer(summary)),), _FOOTER))
    if private:
        chunks.append(Chunk(tuple(actions(_summary_buttons()))))
    return message(chunks, f"Recommended: {summary.recommended.name} — {summary.clarity_text}")


def _shared_line(shared_by: str) -> str:
    if _USER_ID.fullmatch(shared_by):
        return f"Shared by <@{shared_by}> from the AI Ownership Advisor diagnostic"
    return "Shared from the AI Ownership Advisor diagnostic"


def _recommendation(summary: Summary) -> str:
    model = summary.recommended
    return f"*Recommended: {escape(model.name)}*\n{escape(model.description)}"


def score_bar(share: float) -> str:
    filled = min(max(round(share * BAR_WIDTH), 0), BAR_WIDTH)
    return "█" * filled + "░" * (BAR_WIDTH - filled)


def score_lines(summary: Summary) -> list[str]:
    return [
        f"{score_bar(item.score)} {round(100 * item.score)}%  {escape(item.model.name)}"
        for item in summary.scores
    ]


def _leanings(summary: Summary) -> list[str]:
    return [
        f"• *{escape(item.dimension)}*: {escape(item.answer)} → "
        + (escape(item.leaning.name) if item.leaning else "balanced")
        for item in summary.leanings
    ]


def _why(summary: Summary) -> list[Chunk]:
    """The first reason under the heading (so the heading never stays behind alone); each
    further reason ranks below the other view and shows only after the one before it."""
    if not summary.why:
        return []
    first, *rest = summary.why
    lead = (section(f"*Why*\n• {quoted(first)}"), context(source_line(first)))
    more = snippet_chunks(rest, "•")
    return [
        Chunk(lead, _WHY),
        *(Chunk(chunk.blocks, _MORE_WHY - n, follows=True) for n, chunk in enumerate(more)),
    ]


def _other_view(summary: Summary) -> list[Chunk]:
    snippet = summary.other_view
    if snippet is None:
        return []
    name = escape(summary.runner_up.name) if summary.runner_up else "another model"
    lead = section(f"*The other view ({name})*\n• {quoted(snippet)}")
    return [Chunk((lead, context(source_line(snippet))), _OTHER_VIEW)]


def _footer(summary: Summary) -> str:
    return (
        f"{summary.answered} answered, {summary.skipped} skipped · "
        f"knowledge {escape(summary.knowledge_version)} · {summary.date.isoformat()}"
    )


def _summary_buttons() -> list[dict[str, Any]]:
    return [
        command_button("Retake", Command.RESTART),
        button("Ask a question", ASK_ACTION, "ask"),
        button("Share to a channel", SHARE_ACTION, "share", primary=True),
    ]


# --- App Home ---------------------------------------------------------------------------------

_HOME_INTRO = (
    "Who should own your organisation's AI work: IT, the business, a dedicated AI leader or a "
    "shared model? Four published articles disagree on it. About a dozen questions weigh your "
    "situation against their arguments and recommend an ownership model, with the reasons, "
    "the strongest other view and three next steps."
)


def home_view(latest: Summary | None, in_progress: bool) -> dict[str, Any]:
    start = (
        command_button("Continue the diagnostic", Command.RESUME, primary=True)
        if in_progress
        else command_button("Start the diagnostic", Command.START, primary=True)
    )
    chunks = [
        Chunk((header("AI Ownership Advisor"), section(_HOME_INTRO))),
        Chunk((*actions([start, button("Ask a question", ASK_ACTION, "ask")]), divider())),
        *_latest_result(latest),
        Chunk((divider(), *_commands_help()), priority=90),
    ]
    return {"type": "home", "blocks": fit(chunks, MAX_VIEW_BLOCKS)}


def _latest_result(latest: Summary | None) -> list[Chunk]:
    if latest is None:
        return [
            Chunk((section("_No result yet._ Start the diagnostic to get your recommendation."),))
        ]
    result = (
        section(f"*Your latest result*\n*Recommended: {escape(latest.recommended.name)}*"),
        context(escape(latest.clarity_text)),
        *line_sections("", score_lines(latest)),
        context(f"{latest.date.isoformat()} · knowledge {escape(latest.knowledge_version)}"),
        *actions([command_button("Show full summary", Command.SUMMARY)]),
    )
    return [Chunk(result)]


def _commands_help() -> list[dict[str, Any]]:
    lines = [f"`{escape(name)}` — {escape(what)}" for name, what in SLASH_COMMANDS]
    return line_sections("*Commands*", lines)
