"""The views of the diagnostic's replies: a question, an ask-back, an acknowledgement, answers
from the articles, explanations, notices and help. One function per reply kind; `view` picks."""

from __future__ import annotations

from collections.abc import Sequence

from bot.engine.replies import (
    AcknowledgementReply,
    AnswerReply,
    ClarificationReply,
    ExplanationReply,
    NoticeLevel,
    NoticeReply,
    OptionInfoReply,
    QuestionReply,
    Renderers,
    Reply,
    SummaryReply,
)
from bot.engine.turn import Command
from bot.views import catalogue
from bot.views.document import (
    Actions,
    Choices,
    Chunk,
    CommandHelp,
    Document,
    Heading,
    Hint,
    Paragraph,
    Quote,
    Title,
    Tone,
    commands_marked,
    emphasis,
    pinned,
    say,
    strong,
)
from bot.views.parts import (
    MAX_PROMPT_ECHO,
    SNIPPETS,
    Surface,
    command_action,
    cut,
    numbered,
    one_line,
    snippet_chunks,
)
from bot.views.summary import summary_view

_NOTICE_TONE = {
    NoticeLevel.INFO: Tone.NORMAL,
    NoticeLevel.WARNING: Tone.WARNING,
    NoticeLevel.ERROR: Tone.ATTENTION,
}
_NOTICE_PREFIX = {NoticeLevel.INFO: "", NoticeLevel.WARNING: "⚠️ ", NoticeLevel.ERROR: "❌ "}


def question(reply: QuestionReply) -> Document:
    commands = [command_action(catalogue.BACK, Command.BACK)] if reply.can_go_back else []
    commands += [
        command_action(catalogue.SKIP, Command.SKIP),
        command_action(catalogue.WHY, Command.WHY),
        command_action(catalogue.HELP, Command.HELP),
    ]
    title = catalogue.question_title(reply.number, reply.total, reply.dimension)
    chunk = pinned(
        Paragraph(say(title), Tone.SUBTLE),
        Paragraph(say(strong(reply.prompt))),
        Choices(reply.question_id, reply.options),
        Actions(tuple(commands)),
        Hint(say(catalogue.QUESTION_HINT)),
    )
    return Document((chunk,), f"{title}: {reply.prompt}\n{numbered(reply.options)}")


def clarification_lead(reply: ClarificationReply) -> str:
    if reply.understood_nothing:
        return catalogue.UNDERSTOOD_NOTHING
    if len(reply.candidates) == 1:
        return catalogue.did_you_mean(reply.candidates[0].label)
    return catalogue.NOT_SURE


def clarification(reply: ClarificationReply) -> Document:
    lead = clarification_lead(reply)
    commands = [command_action(catalogue.SKIP, Command.SKIP)]
    if reply.can_show_all:
        commands.insert(0, command_action(catalogue.SHOW_ALL, Command.OPTIONS))
    chunk = pinned(
        Paragraph(say(one_line(reply.prompt, MAX_PROMPT_ECHO)), Tone.SUBTLE),
        Paragraph(say(lead), Tone.WARNING),
        Choices(reply.question_id, reply.candidates),
        Actions(tuple(commands)),
    )
    return Document((chunk,), f"{lead}\n{numbered(reply.candidates)}")


def acknowledgement(reply: AcknowledgementReply) -> Document:
    if reply.answer is None:
        line = catalogue.skipped(reply.dimension)
        return Document((pinned(Paragraph(say(line), Tone.SUBTLE)),), line, acknowledgement=True)
    answered = say("✓ ", strong(reply.dimension), f": {reply.answer}")
    chunks = [pinned(Paragraph(answered, Tone.SUBTLE))]
    if reply.echo is not None:
        chunks.append(Chunk((Quote(reply.echo, "↳", aside=True),), SNIPPETS))
    fallback = f"✓ {reply.dimension}: {reply.answer}"
    return Document(tuple(chunks), fallback, acknowledgement=True)


def answer(reply: AnswerReply) -> Document:
    # The question may not be in sight (a slash command's text is not shown in the channel;
    # a channel sees the answer, maybe not the question): repeat it for context.
    query = one_line(reply.query, 300)
    asked = [pinned(Paragraph(say(f"{catalogue.YOU_ASKED} ", emphasis(query)), Tone.SUBTLE))]
    asked = asked if query else []
    if not reply.hits:
        nothing = pinned(Paragraph(commands_marked(catalogue.NOTHING_FOUND)))
        return Document((*asked, nothing), catalogue.NOTHING_FOUND.replace("`", ""))
    lead = pinned(Paragraph(say(strong(catalogue.FROM_THE_ARTICLES))))
    chunks = [*asked, lead, *snippet_chunks(reply.hits, "{n}.")]
    return Document(tuple(chunks), f"{catalogue.FROM_THE_ARTICLES} {reply.hits[0].text}")


def explanation(reply: ExplanationReply) -> Document:
    lead = pinned(Paragraph(say(strong(catalogue.WHY_WE_ASK), f" {reply.why}")))
    chunks = [lead, *snippet_chunks(reply.snippets, "•")]
    return Document(tuple(chunks), f"{catalogue.WHY_WE_ASK} {reply.why}")


def option_info(reply: OptionInfoReply) -> Document:
    chunks: list[Chunk] = []
    for info in reply.options:
        name = f"{info.option.letter}) {info.option.label}"
        chunks.append(pinned(Paragraph(say(strong(name), f": {info.description}"))))
        chunks.extend(snippet_chunks(info.snippets[:1], "•"))
    first = reply.options[0] if reply.options else None
    fallback = f"{first.option.label}: {first.description}" if first else catalogue.THE_OPTIONS
    return Document(tuple(chunks), fallback)


def notice(reply: NoticeReply) -> Document:
    prefix = _NOTICE_PREFIX[reply.level]
    spans = commands_marked(reply.text)
    paragraph = Paragraph(say(prefix, *spans) if prefix else spans, _NOTICE_TONE[reply.level])
    return Document((pinned(paragraph),), prefix + reply.text.replace("`", ""))


def help_view(
    commands: Sequence[tuple[str, str]], surface: Surface, *, unknown: str | None = None
) -> Document:
    """What the bot does and what to type, as `surface` offers it: Slack's slash commands and
    DM words, Teams' chat words and channel mentions, the terminal's words and `quit`.
    `unknown` is a command the user typed that is not one (shown back, cut to a line)."""
    chunks: list[Chunk] = []
    lead = catalogue.INTRO
    shown = cut(" ".join((unknown or "").replace("`", "'").split()), 100)
    if shown:
        chunks.append(pinned(Paragraph(commands_marked(catalogue.unknown_command(shown)))))
        lead = f"{catalogue.unknown_command(shown)} {catalogue.INTRO}".replace("`", "")
    chunks.append(pinned(Paragraph(say(catalogue.INTRO))))
    if surface is Surface.SLACK:
        chunks.append(
            pinned(Heading(catalogue.SLASH_HEADING), CommandHelp(catalogue.SLASH_COMMANDS))
        )
        chunks += _command_chunks(catalogue.DM_HEADING, commands, 50)
    elif surface is Surface.TEAMS:
        chunks += _command_chunks(catalogue.CHAT_HEADING, commands, 50)
        chunks += _command_chunks(catalogue.CHANNEL_HEADING, catalogue.CHANNEL_COMMANDS, 45)
        chunks.append(Chunk((Paragraph(say(catalogue.CHANNEL_HELP), Tone.SUBTLE),), 40))
    else:
        chunks += _command_chunks(catalogue.COMMANDS_HEADING, [*commands, catalogue.QUIT], 50)
    return Document(tuple(chunks), lead)


def _command_chunks(
    heading: str, commands: Sequence[tuple[str, str]], priority: int
) -> list[Chunk]:
    return [Chunk((Heading(heading), CommandHelp(tuple(commands))), priority)] if commands else []


def summary_reply(reply: SummaryReply) -> Document:
    return summary_view(reply.summary)


def welcome_view(personal: bool) -> Document:
    """The greeting when the app is added: to a personal chat (what it does, how to begin) or
    to a team (how to ask it, and where the diagnostic runs)."""
    intro = pinned(
        Title(catalogue.PRODUCT), Paragraph(say(catalogue.INTRO)), Paragraph(say(catalogue.ABOUT))
    )
    if not personal:
        team = pinned(Paragraph(say(catalogue.WELCOME_TEAM)))
        return Document((intro, team), f"{catalogue.INTRO} {catalogue.WELCOME_TEAM}")
    buttons = (
        command_action(catalogue.START_SHORT, Command.START, primary=True),
        command_action(catalogue.HELP, Command.HELP),
    )
    begin = pinned(Paragraph(say(catalogue.WELCOME_PERSONAL)), Actions(buttons))
    return Document((intro, begin), f"{catalogue.INTRO} {catalogue.WELCOME_PERSONAL}")


def views(surface: Surface) -> Renderers[Document]:
    """The view of every reply kind, for `surface` (only help differs between surfaces)."""
    return Renderers(
        question=question,
        clarification=clarification,
        acknowledgement=acknowledgement,
        summary=summary_reply,
        answer=answer,
        explanation=explanation,
        option_info=option_info,
        help=lambda reply: help_view(reply.commands, surface),
        notice=notice,
    )


def view(reply: Reply, surface: Surface) -> Document:
    return _VIEWS[surface].draw(reply)


_VIEWS = {surface: views(surface) for surface in Surface}
