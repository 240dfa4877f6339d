"""The dialogue engine: `handle(state, turn, knowledge) -> (new_state, replies)`.

Pure: no I/O, no clock but `turn.now`, no platform imports. Every command works at any point;
anything that is not a command is an answer (while a question is open) or a question for the
knowledge base (otherwise).

The knowledge may be reloaded between any two turns. An answer is taken as meant for the
question on the user's screen (`state.shown`); if a reload removed that question, or changed its
prompt or options, the answer is not recorded: the user gets a short note and the question as it
stands now. An earlier answer whose option was removed reopens its question.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.engine.commands import (
    asks_the_advisor,
    is_greeting,
    is_no,
    is_open_question,
    is_yes,
    looks_like_question,
    parse_command,
)
from bot.engine.index import KnowledgeIndex, index_for
from bot.engine.inquiry import asks_about_options
from bot.engine.replies import (
    AcknowledgementReply,
    AnswerReply,
    ClarificationReply,
    ExplanationReply,
    HelpReply,
    NoticeLevel,
    NoticeReply,
    QuestionReply,
    Reply,
    SummaryReply,
)
from bot.engine.state import ConversationState, Phase, screen_form
from bot.engine.summary import build_summary
from bot.engine.turn import Choice, Command, Turn
from bot.knowledge.model import Knowledge, Question

Outcome = tuple[ConversationState, list[Reply]]

MAX_TEXT = 4000
ASK_RESULTS = 3
HELP = (
    ("start", "begin the diagnostic (about a dozen questions)"),
    ("back", "return to the previous question"),
    ("skip", "skip the current question"),
    ("why", "why the current question matters, with the sources"),
    ("ask <question>", "search the articles, e.g. ask how should we measure AI success?"),
    ("summary", "show your result again once the diagnostic is done"),
    ("restart", "start the diagnostic over"),
    ("cancel", "stop the diagnostic and drop its answers"),
    ("help", "this list"),
)


@dataclass(frozen=True)
class _Context:
    state: ConversationState
    turn: Turn
    index: KnowledgeIndex

    @property
    def knowledge(self) -> Knowledge:
        return self.index.knowledge

    def current(self) -> Question | None:
        """The first open question: robust to knowledge reloads."""
        return next((q for q in self.knowledge.questions if self.is_open(q)), None)

    def is_open(self, question: Question) -> bool:
        """Not answered or skipped yet, or answered with an option a reload removed: an answer
        that no longer means anything is asked again rather than counted as a skip."""
        if question.id not in self.state.answers:
            return True
        option_id = self.state.answers[question.id]
        return option_id is not None and question.option(option_id) is None

    def ask(self, question: Question) -> list[Reply]:
        """The question, with a note when it is asked again because its answer was dropped."""
        dropped = self.state.answers.get(question.id) is not None and self.is_open(question)
        if dropped and self.state.shown != question.id:
            note = NoticeReply(
                "The questions were updated and the option you chose here no longer exists, "
                "so here it is again:"
            )
            return [note, self.question_reply(question)]
        return [self.question_reply(question)]

    def question_reply(self, question: Question) -> QuestionReply:
        questions = self.knowledge.questions
        return QuestionReply(
            question_id=question.id,
            number=questions.index(question) + 1,
            total=len(questions),
            dimension=self.index.dimension_name(question.dimension),
            prompt=question.prompt,
            options=self.index.option_views(question),
            can_go_back=any(self.knowledge.question(q) for q in self.state.order),
        )


def handle(state: ConversationState, turn: Turn, knowledge: Knowledge) -> Outcome:
    """Apply one turn to a conversation."""
    new_state, replies = _dispatch(_Context(state, turn, index_for(knowledge)))
    return _remember_screen(new_state, replies, knowledge), replies


def _dispatch(context: _Context) -> Outcome:
    state, turn = context.state, context.turn
    if turn.choice is not None:
        return _on_choice(context, turn.choice)
    command, argument = (turn.command, turn.argument) if turn.command else parse_command(turn.text)
    if command is not None:
        return _COMMANDS[command](context, argument)
    text = turn.text.strip()[:MAX_TEXT]
    if not text:
        return _nothing_typed(context)
    if is_greeting(text):
        return _resume(context, "")
    if state.phase is Phase.ASKING:
        return _on_text_answer(context, text)
    return _ask(context, text)


def _remember_screen(
    state: ConversationState, replies: list[Reply], knowledge: Knowledge
) -> ConversationState:
    """Keep which question, in which form, the user now has on screen: the last one asked or
    clarified in these replies; unchanged when they show none."""
    shown, form = state.shown, state.shown_form
    if state.phase is not Phase.ASKING:
        shown, form = None, None
    else:
        for reply in reversed(replies):
            if isinstance(reply, QuestionReply | ClarificationReply):
                question = knowledge.question(reply.question_id)
                shown, form = reply.question_id, screen_form(question) if question else None
                break
    if (shown, form) == (state.shown, state.shown_form):
        return state
    return state.model_copy(update={"shown": shown, "shown_form": form})


# --- answering --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Stale:
    """The question on the user's screen was removed or changed by a reload since it was drawn:
    an answer to it must not be recorded against what the knowledge holds now."""

    text: str
    level: NoticeLevel


_REMOVED = _Stale(
    "That question was removed from the diagnostic (the questions were updated); moving on.",
    NoticeLevel.INFO,
)
_CHANGED = _Stale(
    "That question was changed since I asked it (the questions were updated), so I did not "
    "record that answer. Here it is as it stands now:",
    NoticeLevel.WARNING,
)


def _answering(context: _Context) -> Question | _Stale | None:
    """The question an answer given now is for: the one on the user's screen, if it still
    exists in the same form and is open; otherwise the current one. None: nothing is open."""
    state = context.state
    if state.shown is not None:
        shown = context.knowledge.question(state.shown)
        if shown is None:
            return _REMOVED
        if screen_form(shown) != state.shown_form:
            return _CHANGED
        if context.is_open(shown):
            # Usually the current question; after a reload that added or reopened an earlier
            # one, still the question the user is looking at and answering.
            return shown
    return context.current()


def _moving_on(context: _Context, stale: _Stale) -> Outcome:
    state = context.state.model_copy(update={"pending": ()})
    return _with_question(context, state, NoticeReply(stale.text, stale.level))


def _on_choice(context: _Context, choice: Choice) -> Outcome:
    state = context.state
    if state.phase is not Phase.ASKING:
        hint = "Type `start` to take the diagnostic." if state.phase is Phase.IDLE else ""
        text = f"That question is no longer open. {hint}".strip()
        return state, [NoticeReply(text, NoticeLevel.WARNING)]
    question = _answering(context)
    if isinstance(question, _Stale) and choice.question_id == state.shown:
        return _moving_on(context, question)
    if question is None:
        return _finish(context, state)
    if isinstance(question, _Stale) or choice.question_id != question.id:
        known = context.knowledge.question(choice.question_id) is not None
        text = (
            "That button belongs to a question you have already answered."
            if known and choice.question_id in state.answers
            else "That button is from an older version of the questions."
        )
        return _with_question(context, state, NoticeReply(f"{text} Here is where we are:"))
    if question.option(choice.option_id) is None:
        text = "That option no longer exists (the questions were updated). Please choose again:"
        return _with_question(context, state, NoticeReply(text, NoticeLevel.WARNING))
    return _record(context, question, choice.option_id)


def _on_text_answer(context: _Context, text: str) -> Outcome:
    state = context.state
    question = _answering(context)
    if isinstance(question, _Stale):
        return _moving_on(context, question)
    if question is None:
        return _finish(context, state)
    if state.pending and is_no(text):
        return _show_options(context, "")  # "Did you mean X?" "no"
    if state.pending and is_yes(text):
        if len(state.pending) == 1 and question.option(state.pending[0]) is not None:
            return _record(context, question, state.pending[0])  # "Did you mean X?" "yes"
        return state, [_clarification(context, question, state.pending, False)]
    matcher = context.index.matchers[question.id]
    if asks_about_options(text):
        # "What does CAIO mean?" is answered from the knowledge; nothing is recorded.
        info = context.index.option_info(question, matcher.asked_about(text))
        return state, [info, *context.ask(question)]
    if asks_the_advisor(text):
        # Answered from the articles, and the question is asked again.
        new_state, replies = _ask(context, text)
        return new_state, [*replies, *context.ask(question)]
    match = matcher.match(text)
    if match.chosen is not None:
        return _record(context, question, match.chosen)
    if is_open_question(text) or (not match.candidates and looks_like_question(text)):
        new_state, replies = _ask(context, text)
        return new_state, [*replies, *context.ask(question)]
    pending = match.candidates
    new_state = state.model_copy(update={"pending": pending})
    return new_state, [_clarification(context, question, pending, not pending)]


def _clarification(
    context: _Context, question: Question, candidates: tuple[str, ...], nothing: bool
) -> ClarificationReply:
    views = context.index.option_views(question, candidates)
    return ClarificationReply(
        question_id=question.id,
        prompt=question.prompt,
        candidates=views,
        understood_nothing=nothing,
        can_show_all=0 < len(views) < len(question.options),
    )


def _record(context: _Context, question: Question, option_id: str | None) -> Outcome:
    state = context.state
    answers = {**state.answers, question.id: option_id}
    # A reopened question is answered a second time: keep one place in `order` for `back`.
    order = (*(q for q in state.order if q != question.id), question.id)
    option = question.option(option_id) if option_id else None
    echo = context.index.echo(question.id, option_id) if option_id else None
    if echo is not None and echo.id in state.echoed:
        echo = None  # said after an earlier answer already: once is enough
    echoed = (*state.echoed, echo.id) if echo is not None else state.echoed
    new_state = state.model_copy(
        update={"answers": answers, "order": order, "pending": (), "echoed": echoed}
    )
    acknowledgement = AcknowledgementReply(
        question_id=question.id,
        dimension=context.index.dimension_name(question.dimension),
        answer=option.label if option else None,
        echo=context.index.snippet_view(echo) if echo else None,
    )
    after = _Context(new_state, context.turn, context.index)
    following = after.current()
    if following is None:
        final_state, replies = _finish(context, new_state)
        return final_state, [acknowledgement, *replies]
    return new_state, [acknowledgement, *after.ask(following)]


def _finish(context: _Context, state: ConversationState) -> Outcome:
    done = state.model_copy(
        update={"phase": Phase.DONE, "completed_at": context.turn.now, "pending": ()}
    )
    summary = build_summary(done.answers, context.index, context.turn.now)
    return done, [SummaryReply(summary, completed_now=True)]


def _with_question(context: _Context, state: ConversationState, notice: Reply) -> Outcome:
    after = _Context(state, context.turn, context.index)
    question = after.current()
    if question is None and state.phase is Phase.ASKING:
        # A reload removed every question still open: the diagnostic is done.
        done, replies = _finish(after, state)
        return done, [notice, *replies]
    if question is None:
        return state, [notice]
    return state, [notice, *after.ask(question)]


def _nothing_typed(context: _Context) -> Outcome:
    notice = NoticeReply("I didn't catch anything there. Type `help` to see what I can do.")
    if context.state.phase is Phase.ASKING:
        return _with_question(context, context.state, notice)
    return context.state, [notice]


# --- commands ---------------------------------------------------------------------------------


def _start(context: _Context, _argument: str) -> Outcome:
    if context.state.phase is Phase.ASKING:
        return _resume(context, "")  # `start` never throws away answers; `restart` does
    return _fresh(context)


def _restart(context: _Context, _argument: str) -> Outcome:
    return _fresh(context)


def _fresh(context: _Context) -> Outcome:
    knowledge = context.knowledge
    state = ConversationState(
        phase=Phase.ASKING, started_at=context.turn.now, knowledge_version=knowledge.version
    )
    intro = NoticeReply(
        f"Let's work out who should own AI in your organisation: {len(knowledge.questions)} "
        "short questions, one at a time. Pick an option or answer in your own words; "
        "type `help` at any point."
    )
    return _with_question(_Context(state, context.turn, context.index), state, intro)


def _resume(context: _Context, _argument: str) -> Outcome:
    state = context.state
    if state.phase is Phase.IDLE:
        return _start(context, "")
    if state.phase is Phase.DONE:
        summary = build_summary(
            state.answers, context.index, state.completed_at or context.turn.now
        )
        text = (
            f"Welcome back. Your last result: {summary.recommended.name}. Type `summary` to see "
            "it again, `restart` to retake the diagnostic, or ask me a question."
        )
        return state, [NoticeReply(text)]
    closed = [q.id for q in context.knowledge.questions if not context.is_open(q)]
    skipped = sum(1 for question in closed if state.answers.get(question) is None)
    total = len(context.knowledge.questions)
    text = f"Welcome back: {len(closed) - skipped} of {total} answered so far"
    text += f", {skipped} skipped." if skipped else "."
    return _with_question(context, state.model_copy(update={"pending": ()}), NoticeReply(text))


def _back(context: _Context, _argument: str) -> Outcome:
    state = context.state
    if state.phase is Phase.IDLE:
        return state, [NoticeReply("There is nothing to go back to. Type `start` to begin.")]
    order = list(state.order)
    answers = dict(state.answers)
    while order:
        question_id = order.pop()
        answers.pop(question_id, None)
        if context.knowledge.question(question_id) is not None:
            break
    else:
        return _with_question(context, state, NoticeReply("This is the first question."))
    new_state = state.model_copy(
        update={
            "phase": Phase.ASKING,
            "answers": answers,
            "order": tuple(order),
            "pending": (),
            "completed_at": None,
        }
    )
    return _with_question(context, new_state, NoticeReply("Going back one question."))


def _skip(context: _Context, _argument: str) -> Outcome:
    question = _answering(context) if context.state.phase is Phase.ASKING else None
    if isinstance(question, _Stale):
        return _moving_on(context, question)
    if question is None:
        return context.state, [NoticeReply("There is no open question to skip.")]
    return _record(context, question, None)


def help_reply(in_progress: bool = False) -> HelpReply:
    """What the bot does and its commands; the same for everyone, so front ends may show it
    without a conversation (a slash command's help, a channel mention)."""
    return HelpReply(HELP, in_progress)


def _help(context: _Context, _argument: str) -> Outcome:
    in_progress = context.state.phase is Phase.ASKING
    reply = help_reply(in_progress)
    if in_progress:
        return _with_question(context, context.state, reply)
    return context.state, [reply]


def _why(context: _Context, _argument: str) -> Outcome:
    question = _answering(context) if context.state.phase is Phase.ASKING else None
    if isinstance(question, _Stale):
        return _moving_on(context, question)
    if question is None:
        text = "`why` explains the question I am asking; there is none open. Type `start`."
        return context.state, [NoticeReply(text)]
    snippets = [context.knowledge.snippet(snippet_id) for snippet_id in question.snippets]
    reply = ExplanationReply(
        question_id=question.id,
        prompt=question.prompt,
        why=question.why,
        snippets=tuple(context.index.snippet_view(s) for s in snippets if s is not None),
    )
    return context.state, [reply, *context.ask(question)]


def _cancel(context: _Context, _argument: str) -> Outcome:
    if context.state.phase is not Phase.ASKING:
        return context.state, [NoticeReply("There is no diagnostic in progress to cancel.")]
    text = "Cancelled: this run's answers are dropped. Type `start` whenever you want to begin."
    return ConversationState(), [NoticeReply(text)]


def _ask(context: _Context, argument: str) -> Outcome:
    query = argument.strip()[:MAX_TEXT]
    if not query:
        text = "Ask me something after `ask`, for example: ask how should we measure AI success?"
        return context.state, [NoticeReply(text)]
    hits = context.index.snippets.search(query, limit=ASK_RESULTS, diverse=True)
    views = tuple(context.index.snippet_view(hit.snippet, hit.score) for hit in hits)
    return context.state, [AnswerReply(query, views)]


def _ask_command(context: _Context, argument: str) -> Outcome:
    state, replies = _ask(context, argument)
    question = context.current() if state.phase is Phase.ASKING else None
    if question is not None and argument.strip():
        return state, [*replies, *context.ask(question)]
    return state, replies


def _show_options(context: _Context, _argument: str) -> Outcome:
    """ "None of these": the open question again, every option on offer."""
    state = context.state
    if state.phase is not Phase.ASKING:
        return state, [NoticeReply("There is no open question. Type `start` to begin.")]
    return _with_question(context, state.model_copy(update={"pending": ()}), _ALL_OPTIONS)


_ALL_OPTIONS = NoticeReply("Here are all the options again:")


def _summary(context: _Context, _argument: str) -> Outcome:
    state = context.state
    if state.phase is Phase.DONE:
        when = state.completed_at or context.turn.now
        summary = build_summary(state.answers, context.index, when)
        return state, [SummaryReply(summary, completed_now=False)]
    if state.phase is Phase.ASKING:
        text = "Your result appears once the diagnostic is done. Here is where we are:"
        return _with_question(context, state, NoticeReply(text))
    return state, [NoticeReply("There is no result yet. Type `start` to take the diagnostic.")]


_COMMANDS: dict[Command, Callable[[_Context, str], Outcome]] = {
    Command.START: _start,
    Command.RESTART: _restart,
    Command.RESUME: _resume,
    Command.BACK: _back,
    Command.SKIP: _skip,
    Command.HELP: _help,
    Command.WHY: _why,
    Command.CANCEL: _cancel,
    Command.ASK: _ask_command,
    Command.SUMMARY: _summary,
    Command.OPTIONS: _show_options,
}
