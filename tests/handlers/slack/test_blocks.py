"""The Block Kit renderer: every reply kind, the ids the listeners route on, the summary card's
private and shared forms, the in-place update after a button press, the views, and safety
against hostile text. Limits on the largest knowledge are in test_blocks_limits.py."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from bot.engine.replies import (
    AcknowledgementReply,
    AnswerChange,
    AnswerReply,
    ClarificationReply,
    Clarity,
    ConstraintView,
    ExplanationReply,
    HelpReply,
    HistoryEntry,
    LeaningView,
    ModelScoreView,
    ModelView,
    NoticeLevel,
    NoticeReply,
    OptionView,
    PlanStep,
    ProgressView,
    QuestionReply,
    ReasonView,
    Reply,
    ScoreChange,
    SnippetView,
    SourceView,
    StageView,
    Summary,
    SummaryReply,
    TensionView,
)
from bot.handlers.slack import blocks
from bot.handlers.slack.blocks import (
    QUESTION_HINT_BLOCK,
    SlackMessage,
    answered_question,
    ask_modal,
    escape,
    share_modal,
)
from bot.handlers.slack.ids import (
    ASK_ACTION,
    ASK_INPUT_ACTION,
    ASK_INPUT_BLOCK,
    ASK_VIEW,
    REPORT_ACTION,
    REPORT_VALUE,
    SHARE_ACTION,
    SHARE_CHANNEL_ACTION,
    SHARE_CHANNEL_BLOCK,
    SHARE_VIEW,
    AnswerButton,
    command_action_id,
)
from bot.handlers.slack.render import (
    help_message,
    home_view,
    render,
    render_all,
    summary_message,
)
from bot.knowledge import Knowledge
from bot.views.catalogue import CUT_NOTICE
from tests.handlers.slack.checks import (
    all_text,
    assert_safe,
    assert_safe_message,
    assert_valid_message,
    assert_valid_view,
    text_objects,
)
from tests.handlers.slack.conftest import full_script, longest_answers_summary, run_engine

HOSTILE = [
    "<!channel>",
    "@here",
    "<@U123>",
    "&",
    "<",
    ">",
    "<https://evil|click>",
    "@Channel and @EVERYONE <!here|here> &lt; already escaped",
    "x" * 10_000,
    "<@U123> " * 1500,
    "&" * 10_000,
    "🎉👩‍👩‍👧" * 2000,
    "line\nbreak\n\n*bold* _it_ `code` ```block``` ~strike~ > quote",
    "",
    "   ",
]


def action_ids(message: SlackMessage) -> list[str]:
    return [
        element["action_id"]
        for block in message.blocks
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def texts(node: object) -> str:
    return "\n".join(obj["text"] for obj in text_objects(node))


def option(number: int, label: str) -> OptionView:
    return OptionView(f"opt{number}", number, "abcde"[number - 1], label)


def snippet(
    text: str, *, quote: bool = False, title: str = "AI vs IT", author: str | None = None
) -> SnippetView:
    source = SourceView("src", title, author, "000.txt")
    return SnippetView("s1", text, quote, source, ("Dedicated AI leadership",))


def question(prompt: str = "Who owns AI?", *, back: bool = True) -> QuestionReply:
    options = (option(1, "IT"), option(2, "The business"), option(3, "Both"))
    return QuestionReply("mandate", 2, 12, "Mandate", prompt, options, back)


def make_summary(
    text: str = "", *, answers: tuple[str, ...] = ("Mostly IT", "Quarterly")
) -> Summary:
    model = ModelView("it_led", f"IT-led{text}", f"summary{text}", f"description{text}")
    other = ModelView("business_led", f"Business-led{text}", "s", f"d{text}")
    leanings = tuple(
        LeaningView(f"q{n}", f"Dimension {n}{text}", answer, model if n else None)
        for n, answer in enumerate(answers)
    )
    return Summary(
        recommended=model,
        clarity=Clarity.CLEAR,
        clarity_text=f"A clear result{text}",
        mixed=False,
        runner_up=other,
        scores=(ModelScoreView(model, 0.7, 14), ModelScoreView(other, 0.3, 6)),
        leanings=leanings,
        reasons=(
            ReasonView(snippet(f"why one{text}", quote=True, author=text or None)),
            ReasonView(snippet(f"why two{text}"), f"Mandate{text}", f"Create new value{text}"),
        ),
        other_view=snippet(f"other{text}", title=f"Title{text}"),
        other_view_for=other,
        answered=len(answers),
        skipped=1,
        knowledge_version=f"abc123{text}",
        date=date(2026, 11, 22),
        tensions=(
            TensionView(other, (f"Regulation{text}",), (f"Heavily{text}",), f"advice{text}"),
        ),
        stage=StageView("piloting", f"Piloting{text}", f"stage description{text}", 2, 4),
        constraint=ConstraintView(f"Data{text}", f"In apps{text}", other, f"unblock{text}"),
        plan=(
            PlanStep(30, f"step one{text}"),
            PlanStep(30, f"step for answers{text}", (f"Regulation{text}",)),
            PlanStep(60, f"step two{text}"),
            PlanStep(90, f"step three{text}"),
        ),
        progress=ProgressView(
            date(2026, 10, 1),
            f"Business-led{text}",
            True,
            (ScoreChange(model, 0.4, 0.7), ScoreChange(other, 0.6, 0.3)),
            (AnswerChange(f"Mandate{text}", f"Before{text}", f"After{text}"),),
        ),
        history=(
            HistoryEntry(date(2026, 11, 22), f"IT-led{text}", "clear", 0.7),
            HistoryEntry(date(2026, 10, 1), f"Business-led{text}", "leaning", 0.6),
        ),
    )


def hostile_replies(text: str) -> list[Reply]:
    options = (option(1, text), option(2, f"b{text}"))
    return [
        QuestionReply("q", 1, 3, text, text, options, True),
        ClarificationReply("q", text, options, False),
        AcknowledgementReply("q", text, text, snippet(text, quote=True, title=text, author=text)),
        AcknowledgementReply("q", text, None, None),
        AnswerReply(text, (snippet(text, title=text, author=text),) * 3),
        AnswerReply(text, ()),
        ExplanationReply("q", text, text, (snippet(text, title=text),) * 4),
        HelpReply(((text, text), ("ask <question>", text)), True),
        NoticeReply(text, NoticeLevel.ERROR),
        SummaryReply(make_summary(text), completed_now=True),
    ]


# --- every reply from the real engine -----------------------------------------------------------


@pytest.fixture(scope="module")
def engine_replies(knowledge: Knowledge) -> list[Reply]:
    return run_engine(knowledge, full_script(knowledge))


def test_the_engine_script_covers_every_reply_kind(engine_replies: list[Reply]) -> None:
    kinds = {type(reply) for reply in engine_replies}
    assert kinds == {
        QuestionReply,
        ClarificationReply,
        AcknowledgementReply,
        SummaryReply,
        AnswerReply,
        ExplanationReply,
        HelpReply,
        NoticeReply,
    }


def test_every_engine_reply_renders_valid_and_safe(engine_replies: list[Reply]) -> None:
    messages = render_all(engine_replies)
    assert len(messages) == len(engine_replies)
    for reply, message in zip(engine_replies, messages, strict=True):
        assert message == render(reply)
        assert_valid_message(message)
        assert_safe_message(message)
        # verbatim: Slack must not auto-link or auto-mention anything in what we send
        markups = [obj for obj in text_objects(message.blocks) if obj["type"] == "mrkdwn"]
        assert all(obj["verbatim"] is True for obj in markups)


# --- questions and their ids -------------------------------------------------------------------


def test_question_shows_title_prompt_and_one_button_per_option() -> None:
    message = render(question())
    assert message.blocks[0]["elements"][0]["text"] == "Question 2 of 12 · Mandate"
    assert message.blocks[1]["text"]["text"] == "*Who owns AI?*"
    answers = message.blocks[2]["elements"]
    assert [b["text"]["text"] for b in answers] == ["a. IT", "b. The business", "c. Both"]
    for button, opt in zip(answers, question().options, strict=True):
        expected = AnswerButton("mandate", opt.id)
        assert (button["action_id"], button["value"]) == (expected.action_id, expected.value)
        assert AnswerButton.parse(button["value"]) == expected
    assert_valid_message(message)


@pytest.mark.parametrize(
    ("back", "commands"),
    [(True, ["back", "skip", "why", "help"]), (False, ["skip", "why", "help"])],
)
def test_question_command_buttons(back: bool, commands: list[str]) -> None:
    message = render(question(back=back))
    command_block = message.blocks[3]["elements"]
    assert [b["action_id"] for b in command_block] == [command_action_id(c) for c in commands]
    assert [b["value"] for b in command_block] == commands


def test_question_fallback_is_the_prompt_with_numbered_options() -> None:
    text = render(question()).text
    assert text.startswith("Question 2 of 12 · Mandate: Who owns AI?")
    assert "1) a. IT\n2) b. The business\n3) c. Both" in text


def test_long_option_labels_are_cut_to_button_size() -> None:
    reply = QuestionReply("q", 1, 1, "D", "P", (option(1, "word " * 15 + "end"),), False)
    label = render(reply).blocks[2]["elements"][0]["text"]["text"]
    assert len(label) <= 75
    assert label.endswith("…")


@pytest.mark.parametrize(
    ("understood_nothing", "lead"),
    [
        (True, "I couldn't match that to an option. Which comes closest?"),
        (False, "I'm not sure which you meant. Is it one of these?"),
    ],
)
def test_clarification_offers_the_candidates_and_skip(understood_nothing: bool, lead: str) -> None:
    candidates = (option(2, "The business"), option(3, "Both"))
    message = render(ClarificationReply("mandate", "Who?", candidates, understood_nothing))
    assert message.blocks[0]["elements"][0]["text"] == "Who?"  # the question, in short
    assert message.blocks[1]["text"]["text"] == lead
    assert action_ids(message) == [
        AnswerButton("mandate", "opt2").action_id,
        AnswerButton("mandate", "opt3").action_id,
        command_action_id("skip"),
    ]
    assert message.text == f"{lead}\n2) b. The business\n3) c. Both"
    assert_valid_message(message)


def test_a_partial_ask_back_offers_all_and_a_single_one_is_a_yes_or_no() -> None:
    candidates = (option(2, "The business"), option(3, "Both"))
    some = render(ClarificationReply("mandate", "Who?", candidates, False, can_show_all=True))
    assert action_ids(some)[-2:] == [command_action_id("options"), command_action_id("skip")]
    single = render(ClarificationReply("mandate", "Who?", candidates[:1], False, True))
    assert single.blocks[1]["text"]["text"] == "Did you mean “The business”? (yes / no)"
    assert_valid_message(single)


# --- acknowledgements, answers, explanations, notices -----------------------------------------


def test_acknowledgement_with_a_quoted_echo_and_its_source() -> None:
    echo = snippet("AI is not IT.", quote=True, title="AI vs IT", author="Jay Banlasan")
    message = render(AcknowledgementReply("q", "Mandate", "New value", echo))
    assert texts(message.blocks).split("\n") == [
        "✓ *Mandate*: New value",
        "↳ “AI is not IT.”",
        "— _AI vs IT_, Jay Banlasan",
    ]
    assert message.text == "✓ Mandate: New value"


def test_skipped_acknowledgement() -> None:
    message = render(AcknowledgementReply("q", "Mandate", None, None))
    assert texts(message.blocks) == "↷ Skipped: Mandate"
    assert message.text == "↷ Skipped: Mandate"


def test_answer_lists_each_hit_with_its_source() -> None:
    hits = (snippet("First point."), snippet("Second.", quote=True, author="Jay"))
    message = render(AnswerReply("how to measure?", hits))
    assert [block["type"] for block in message.blocks] == [
        "context",
        "section",
        "section",
        "context",
        "section",
        "context",
    ]
    assert "From the articles:" in texts(message.blocks)
    assert "1. First point." in texts(message.blocks)
    assert "2. “Second.”\n— _AI vs IT_, Jay" in texts(message.blocks)
    assert message.text == "From the articles: First point."


def test_answer_without_hits_suggests_an_example() -> None:
    message = render(AnswerReply("xylophone", ()))
    assert "I found nothing on that in the articles" in message.text
    assert "`ask who should own the AI budget?`" in texts(message.blocks)


def test_explanation_has_the_reason_and_the_snippets() -> None:
    message = render(ExplanationReply("q", "P", "It matters.", (snippet("One"), snippet("Two"))))
    assert message.blocks[0]["text"]["text"] == "*Why we ask:* It matters."
    assert "• One" in texts(message.blocks)
    assert "• Two" in texts(message.blocks)
    assert message.text == "Why we ask: It matters."


@pytest.mark.parametrize(
    ("level", "prefix"),
    [(NoticeLevel.INFO, ""), (NoticeLevel.WARNING, "⚠️ "), (NoticeLevel.ERROR, "❌ ")],
)
def test_notice_levels(level: NoticeLevel, prefix: str) -> None:
    message = render(NoticeReply("Type `start`.", level))
    assert message.blocks == [blocks.section(f"{prefix}Type `start`.")]
    assert message.text == f"{prefix}Type start."  # the fallback is plain words


# --- the summary card --------------------------------------------------------------------------


def test_private_summary_has_leanings_and_the_four_buttons() -> None:
    summary = make_summary()
    message = summary_message(summary)
    assert message == render(SummaryReply(summary, completed_now=False))
    content = texts(message.blocks)
    assert "*Your answers, dimension by dimension*" in content
    assert "• *Dimension 0*: Mostly IT → balanced" in content
    assert "• *Dimension 1*: Quarterly → IT-led" in content
    assert "███████░░░ 70%  IT-led" in content
    assert "*The other view (Business-led)*" in content
    assert "12 answered" not in content
    assert "2 answered, 1 skipped" in content
    assert message.blocks[-1]["type"] == "actions"
    assert action_ids(message) == [
        command_action_id("restart"),
        ASK_ACTION,
        REPORT_ACTION,
        SHARE_ACTION,
    ]
    [report] = [e for e in message.blocks[-1]["elements"] if e["action_id"] == REPORT_ACTION]
    assert (report["text"]["text"], report["value"]) == ("Download report", REPORT_VALUE)
    assert message.text == "Recommended: IT-led — A clear result"
    assert_valid_message(message)


def test_shared_summary_mentions_the_sharer_and_carries_no_answers(knowledge: Knowledge) -> None:
    summary = longest_answers_summary(knowledge)
    message = summary_message(summary, shared_by="U0ABC123")
    dumped = all_text(message.blocks) + message.text
    assert "Shared by <@U0ABC123>" in dumped
    assert summary.leanings
    for leaning in summary.leanings:
        assert leaning.answer not in dumped
        assert escape(leaning.answer) not in dumped
    assert "dimension by dimension" not in dumped
    assert not [block for block in message.blocks if block["type"] == "actions"]
    for kept in (summary.recommended.name, summary.clarity_text, "Your plan", "The other view"):
        assert escape(kept) in dumped
    assert_valid_message(message)
    assert_safe_message(message, mentions=("<@U0ABC123>",))


@pytest.mark.parametrize(
    "sharer", ["u123", "U123>", "<!channel>", "U123\n", "", "U", "X123", "U12 3", "U" + "1" * 40]
)
def test_a_sharer_that_is_not_a_user_id_is_left_out(sharer: str) -> None:
    message = summary_message(make_summary(), shared_by=sharer)
    assert "<@" not in all_text(message.blocks)
    assert "Shared by someone from the AI Ownership Advisor" in all_text(message.blocks)
    assert_safe_message(message)


# --- the question message after a button press ------------------------------------------------


def test_answered_question_removes_the_buttons_and_adds_the_answer() -> None:
    original = render(question()).blocks
    before = json.dumps(original)
    updated = answered_question(original, "b. The business")
    assert json.dumps(original) == before  # the caller's blocks are not changed
    assert [b["type"] for b in updated.blocks] == ["context", "section", "context"]
    assert updated.blocks[:2] == original[:2]
    assert QUESTION_HINT_BLOCK not in all_text(updated.blocks)
    assert updated.blocks[-1]["elements"][0]["text"] == "✓ Your answer: b. The business"
    assert_valid_message(updated)


def test_answered_question_skipped_and_hostile_answer() -> None:
    original = render(question()).blocks
    assert answered_question(original, None).blocks[-1]["elements"][0]["text"] == "↷ Skipped"
    updated = answered_question(original, "<!channel> @here")
    assert_safe_message(updated)
    assert_valid_message(updated)


def test_answered_question_keeps_what_slack_sends_back() -> None:
    """Slack returns blocks with its own block ids, `verbatim` flags and types we never send."""
    original: list[dict[str, Any]] = [
        {
            "type": "section",
            "block_id": "Xy1",
            "text": {"type": "mrkdwn", "text": "*Q*", "verbatim": False},
        },
        {"type": "rich_text", "block_id": "r", "elements": [{"type": "text", "text": "hi"}]},
        {"type": "actions", "block_id": "a", "elements": []},
        {"type": "brand_new_block", "whatever": [1, 2, {"deep": None}]},
    ]
    updated = answered_question(original, "a")
    assert updated.blocks[:2] == original[:2]
    assert updated.blocks[2] == original[3]


@pytest.mark.parametrize(
    "garbage",
    [
        [],
        [{}],
        [{"type": "actions"}],
        [None, 3, "x", ["nested"]],
        [{"type": "section"}],
        [{"type": None, "text": None}],
        [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 20_000}}],
        [{"type": "section", "text": {"type": "mrkdwn", "text": "y" * 2_900}}] * 80,
        [{"text": "z" * 15_000}],
        "not a list",
        None,
    ],
)
def test_answered_question_survives_garbage(garbage: Any) -> None:
    updated = answered_question(garbage, "b")
    assert updated.text == "✓ Your answer: b"
    assert 0 < len(updated.blocks) <= 50
    assert updated.blocks[-1]["elements"][0]["text"] == "✓ Your answer: b"
    assert sum(len(obj["text"]) for obj in text_objects(updated.blocks)) <= 12_000
    assert not [b for b in updated.blocks if isinstance(b, dict) and b.get("type") == "actions"]


def test_answered_question_on_a_long_message_cuts_and_says_so() -> None:
    original = [blocks.section(f"line {n}") for n in range(70)]
    updated = answered_question(original, "b")
    assert len(updated.blocks) == 50
    assert updated.blocks[0] == original[0]
    assert updated.blocks[-2]["elements"][0]["text"] == CUT_NOTICE
    assert_valid_message(updated)


# --- views -------------------------------------------------------------------------------------


def test_share_modal() -> None:
    view = share_modal('{"summary": 1}')
    assert_valid_view(view)
    assert (view["callback_id"], view["private_metadata"]) == (SHARE_VIEW, '{"summary": 1}')
    assert (view["submit"]["text"], view["close"]["text"]) == ("Share", "Cancel")
    inputs = [block for block in view["blocks"] if block["type"] == "input"]
    assert len(inputs) == 1
    assert inputs[0]["block_id"] == SHARE_CHANNEL_BLOCK
    assert inputs[0]["element"] == {
        "type": "conversations_select",
        "action_id": SHARE_CHANNEL_ACTION,
        "placeholder": {"type": "plain_text", "text": "Choose a channel", "emoji": True},
        "default_to_current_conversation": False,
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
    }


def test_ask_modal() -> None:
    view = ask_modal("C123")
    assert_valid_view(view)
    assert view["callback_id"] == ASK_VIEW
    [block] = view["blocks"]
    assert block["block_id"] == ASK_INPUT_BLOCK
    element = block["element"]
    assert (element["type"], element["action_id"]) == ("plain_text_input", ASK_INPUT_ACTION)
    assert element["max_length"] == 500
    assert element["placeholder"]["text"] == "How should we measure AI success?"


@pytest.mark.parametrize("build", [share_modal, ask_modal])
def test_modal_private_metadata_is_never_cut(build: Any) -> None:
    assert build("m" * 3000)["private_metadata"] == "m" * 3000
    assert "private_metadata" not in build("")
    with pytest.raises(ValueError, match="private_metadata"):
        build("m" * 3001)


@pytest.mark.parametrize(
    ("in_progress", "label", "command"),
    [(False, "Start the diagnostic", "start"), (True, "Continue the diagnostic", "resume")],
)
def test_home_without_a_result(in_progress: bool, label: str, command: str) -> None:
    view = home_view(None, in_progress)
    assert view["type"] == "home"
    assert_valid_view(view)
    first = view["blocks"][2]["elements"]
    assert first[0]["text"]["text"] == label
    assert first[0]["action_id"] == command_action_id(command)
    assert first[0]["style"] == "primary"
    assert first[1]["action_id"] == ASK_ACTION
    content = texts(view["blocks"])
    assert "No result yet" in content
    assert command_action_id("summary") not in all_text(view)
    for command_line in ("/ai-owner start", "/ai-owner ask &lt;question&gt;", "/ai-owner help"):
        assert command_line in content


def test_home_with_the_latest_result(knowledge: Knowledge) -> None:
    summary = longest_answers_summary(knowledge)
    view = home_view(summary, False)
    assert_valid_view(view)
    assert_safe(view["blocks"])
    content = texts(view["blocks"])
    assert f"*Recommended: {escape(summary.recommended.name)}*" in content
    assert escape(summary.clarity_text) in content
    for score in summary.scores:
        assert f"{round(100 * score.score)}%  {escape(score.model.name)}" in content
    assert summary.date.isoformat() in content
    assert summary.knowledge_version not in content  # the stored result keeps it, not the chat
    assert command_action_id("summary") in all_text(view)
    assert "No result yet" not in content
    for leaning in summary.leanings:  # the home tab is private, but is a glance, not the card
        assert leaning.answer not in content


# --- help ---------------------------------------------------------------------------------------


def test_help_lists_slash_commands_and_dm_words() -> None:
    commands = (("start", "begin"), ("ask <question>", "search the articles"))
    message = help_message(commands)
    content = texts(message.blocks)
    assert "I don't know" not in content
    assert "`/ai-owner start`" in content
    assert "`/ai-owner help`" in content
    assert "`/ai-owner ask &lt;question&gt;`" in content
    assert "`start` — begin" in content
    assert "`ask &lt;question&gt;` — search the articles" in content
    assert "who should own AI work" in message.text
    assert_valid_message(message)
    assert_safe_message(message)


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("pulze", "`pulze`"),
        ("<!channel> hi", "`&lt;!channel&gt; hi`"),
        ("`rm`\n-rf", "`'rm' -rf`"),
        ("@here", "`@\u200bhere`"),
    ],
)
def test_help_echoes_an_unknown_subcommand_safely(typed: str, shown: str) -> None:
    message = help_message((("help", "this list"),), unknown=typed)
    assert message.blocks[0]["text"]["text"] == f"I don't know {shown}."
    assert message.text.startswith(f"I don't know {shown.strip('`')}.")
    assert_safe_message(message)
    assert_valid_message(message)


@pytest.mark.parametrize("typed", ["", "   ", None])
def test_help_without_an_unknown_subcommand(typed: str | None) -> None:
    assert "I don't know" not in all_text(help_message((), unknown=typed).blocks)


# --- hostile text -------------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_text_is_escaped_and_within_limits(text: str) -> None:
    for reply in hostile_replies(text):
        message = render(reply)
        assert_valid_message(message)
        assert_safe_message(message)
    shared = summary_message(make_summary(text), shared_by="U1")
    assert_valid_message(shared)
    assert_safe_message(shared, mentions=("<@U1>",))
    view = home_view(make_summary(text), True)
    assert_valid_view(view)
    assert_safe(view["blocks"])
    helped = help_message(((text, text),), unknown=text)
    assert_valid_message(helped)
    assert_safe_message(helped)


def test_escape_examples() -> None:
    assert escape("<!channel> & <@U123>") == "&lt;!channel&gt; &amp; &lt;@U123&gt;"
    assert escape("<https://evil|click>") == "&lt;https://evil|click&gt;"
    assert escape("@here @Channel @everyone") == "@\u200bhere @\u200bChannel @\u200beveryone"
    assert escape("a@b.com 🎉\n") == "a@b.com 🎉\n"
    assert blocks.plain("@here <b>", 75)["text"] == "@\u200bhere <b>"


def test_cut_keeps_words_and_entities_whole() -> None:
    assert blocks.cut("short", 10) == "short"
    assert blocks.cut("one two three four", 12) == "one two…"
    assert blocks.cut("x" * 20, 10) == "x" * 9 + "…"
    assert blocks.cut("x" * 7 + "&amp;", 10) == "x" * 7 + "…"


def test_too_many_hits_are_cut_to_fit_and_say_so() -> None:
    hits = tuple(snippet(f"hit {n} " + "words " * 90) for n in range(40))
    message = render(AnswerReply("q", hits))
    assert_valid_message(message)
    assert "1. hit 0" in texts(message.blocks)
    assert message.blocks[-1]["elements"][0]["text"] == CUT_NOTICE


def test_a_button_id_over_the_limit_is_refused_not_cut() -> None:
    with pytest.raises(ValueError, match="button"):
        blocks.button("x", "a" * 256, "v")
    with pytest.raises(ValueError, match="button"):
        blocks.button("x", "a", "v" * 2001)
