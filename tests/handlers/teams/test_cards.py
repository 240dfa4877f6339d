"""The Adaptive Cards for every reply of a real engine conversation: schema-valid 1.5 cards with
the same content as the Slack and console renderers, and buttons whose data reads back."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from bot.engine.replies import (
    AcknowledgementReply,
    AnswerReply,
    ClarificationReply,
    ExplanationReply,
    HelpReply,
    NoticeLevel,
    NoticeReply,
    OptionView,
    QuestionReply,
    Reply,
    SnippetView,
    SourceView,
    Summary,
    SummaryReply,
)
from bot.engine.turn import Choice, Command
from bot.handlers.teams.cards import TeamsMessage, escape
from bot.handlers.teams.render import (
    help_message,
    render,
    render_all,
    summary_card,
    welcome_message,
)
from bot.handlers.teams.submit import (
    ASK_INPUT_ID,
    Submitted,
    answer_data,
    ask_data,
    command_data,
    parse_submit,
    report_data,
)
from bot.knowledge import Knowledge, default_knowledge_dir, load_knowledge
from bot.views.catalogue import CUT_NOTICE
from bot.views.catalogue import SUMMARY_TITLE as TITLE
from bot.views.parts import text_bar as score_bar
from tests.handlers.slack.conftest import NOW, full_script, run_engine
from tests.handlers.teams.card_checks import (
    assert_valid_card,
    assert_valid_message,
    markdown_texts,
    of_type,
    schema_errors,
    submits,
    unescape,
    walk,
)


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return load_knowledge(default_knowledge_dir())


def conversation(knowledge: Knowledge) -> list[Reply]:
    """Every kind of reply: the Slack tests' full script, then a stale button (a warning), and a
    second run with a skip and a back."""
    first = run_engine(knowledge, full_script(knowledge))
    stale = run_engine(knowledge, [{"choice": Choice("q", "o")}])
    second = run_engine(
        knowledge,
        [{"command": Command.START}, {"command": Command.SKIP}, {"command": Command.BACK}],
    )
    return [*first, *stale, *second]


@pytest.fixture(scope="module")
def replies(knowledge: Knowledge) -> list[Reply]:
    return conversation(knowledge)


def rendered(replies: list[Reply], kind: type[Any]) -> Iterator[tuple[Any, dict[str, Any]]]:
    for reply, message in zip(replies, [render(r) for r in replies], strict=True):
        if isinstance(reply, kind):
            assert message.card is not None
            yield reply, message.card


def texts(card: dict[str, Any]) -> list[str]:
    return [block["text"] for block in of_type(card, "TextBlock")]


def body_texts(card: dict[str, Any]) -> list[str]:
    return [block["text"] for block in card["body"] if block["type"] == "TextBlock"]


def button_rows(card: dict[str, Any]) -> list[list[str]]:
    return [[a["title"] for a in s["actions"]] for s in card["body"] if s["type"] == "ActionSet"]


# --- every reply of a real conversation ---------------------------------------------------------


def test_the_conversation_produces_every_kind_of_reply(replies: list[Reply]) -> None:
    kinds = {type(reply) for reply in replies}
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
    assert any(isinstance(r, AcknowledgementReply) and r.answer is None for r in replies)
    assert any(isinstance(r, AnswerReply) and not r.hits for r in replies)
    assert any(isinstance(r, NoticeReply) and r.level is NoticeLevel.WARNING for r in replies)


def test_every_reply_is_a_valid_safe_card(replies: list[Reply]) -> None:
    messages = [render(reply) for reply in replies]
    for message in [*messages, *render_all(replies)]:
        assert_valid_message(message)
        assert message.card is not None
        json.dumps(message.card)  # plain JSON, nothing Python-only


def test_render_all_merges_each_acknowledgement_into_the_next_card(
    replies: list[Reply],
) -> None:
    messages = render_all(replies)
    acknowledgements = [r for r in replies if isinstance(r, AcknowledgementReply)]
    assert acknowledgements
    assert len(messages) == len(replies) - len(acknowledgements)
    assert not any(message.acknowledgement for message in messages)
    for reply, following in itertools.pairwise(replies):
        if isinstance(reply, AcknowledgementReply) and isinstance(following, QuestionReply):
            merged = next(m for m in messages if m.card and following.prompt[:20] in str(m.card))
            assert f"✓ {reply.dimension}" in merged.text or "Skipped" in merged.text
            break
    else:
        raise AssertionError("no acknowledgement followed by a question")


def test_an_acknowledgement_alone_stays_its_own_message(replies: list[Reply]) -> None:
    acknowledgement = next(r for r in replies if isinstance(r, AcknowledgementReply))
    (message,) = render_all([acknowledgement])
    assert message.card is not None


def test_the_schema_catches_what_teams_would_refuse() -> None:
    """The vendored schema is strict: unknown elements, properties and wrong types fail."""
    good = render(NoticeReply("hello")).card
    assert good is not None
    assert not schema_errors(good)
    bad_element = {**good, "body": [{"type": "Carousel", "pages": []}]}
    bad_property = {**good, "body": [{"type": "TextBlock", "text": "x", "colour": "red"}]}
    bad_type = {**good, "body": [{"type": "TextBlock", "text": 3}]}
    missing = {**good, "body": [{"type": "ActionSet"}]}
    bad_root = {**good, "msteams": {"width": "Full"}}
    for card in (bad_element, bad_property, bad_type, missing, bad_root):
        assert schema_errors(card), card


# --- the question and its buttons -------------------------------------------------------------


def test_question_card(replies: list[Reply]) -> None:
    seen_back = seen_first = False
    for reply, card in rendered(replies, QuestionReply):
        lead, prompt = card["body"][:2]
        assert lead["text"] == f"Question {reply.number} of {reply.total} · {reply.dimension}"
        assert lead["isSubtle"] is True
        assert prompt["text"] == f"**{escape(reply.prompt)}**"
        rows = button_rows(card)
        assert rows[:-1] == [[f"{o.letter}. {o.label}"] for o in reply.options]
        option_data = [s["actions"][0]["data"] for s in card["body"][2:-2]]
        assert option_data == [answer_data(reply.question_id, o.id) for o in reply.options]
        commands = ["Back"] if reply.can_go_back else []
        assert rows[-1] == [*commands, "Skip", "Why?", "Help"]
        names = [parse_submit(a["data"]) for a in card["body"][-2]["actions"]]
        expected = ([Command.BACK] if reply.can_go_back else []) + [
            Command.SKIP,
            Command.WHY,
            Command.HELP,
        ]
        assert names == [Submitted("command", command=c.value) for c in expected]
        assert "your own words" in card["body"][-1]["text"]
        seen_back |= reply.can_go_back
        seen_first |= not reply.can_go_back
    assert seen_back
    assert seen_first


def test_question_fallback_text_lists_the_options(replies: list[Reply]) -> None:
    reply = next(r for r in replies if isinstance(r, QuestionReply))
    text = render(reply).text
    assert text.startswith(f"Question 1 of {reply.total} · {reply.dimension}: {reply.prompt}")
    assert f"1) a. {reply.options[0].label}" in text


def test_option_buttons_round_trip_through_parse_submit(replies: list[Reply]) -> None:
    for reply, card in rendered(replies, QuestionReply):
        pressed = [parse_submit(action["data"]) for action in submits(card)]
        answers = [p for p in pressed if p is not None and p.kind == "answer"]
        assert answers == [
            Submitted("answer", question_id=reply.question_id, option_id=o.id)
            for o in reply.options
        ]


def test_clarification_card(replies: list[Reply]) -> None:
    reply, card = next(rendered(replies, ClarificationReply))
    assert reply.understood_nothing
    assert card["body"][0]["text"] == reply.prompt
    assert card["body"][1]["text"] == "I couldn't match that to an option. Which comes closest?"
    assert button_rows(card) == [*([f"{o.letter}. {o.label}"] for o in reply.candidates), ["Skip"]]
    unsure = ClarificationReply(reply.question_id, reply.prompt, reply.candidates[:2], False)
    message = render(unsure)
    assert_valid_message(message)
    assert message.card is not None
    assert message.card["body"][1]["text"] == "I'm not sure which you meant. Is it one of these?"
    assert len(button_rows(message.card)) == 3
    partial = render(replace(unsure, can_show_all=True))
    assert partial.card is not None
    assert button_rows(partial.card)[-1] == ["None of these: show all", "Skip"]
    assert message.text.startswith("I'm not sure which you meant.")


def test_acknowledgement_card(replies: list[Reply]) -> None:
    acknowledged = list(rendered(replies, AcknowledgementReply))
    reply, card = next((r, c) for r, c in acknowledged if r.echo is not None)
    assert texts(card)[0] == f"✓ **{escape(reply.dimension)}**: {escape(reply.answer)}"
    echo = reply.echo
    assert unescape(texts(card)[1]).startswith(f"↳ {'“' if echo.quote else ''}{echo.text[:40]}")
    assert echo.source.title in unescape(texts(card)[2])
    assert render(reply).text == f"✓ {reply.dimension}: {reply.answer}"
    skipped, card = next((r, c) for r, c in acknowledged if r.answer is None)
    assert texts(card) == [f"↷ Skipped: {escape(skipped.dimension)}"]


# --- answers, explanations, help, notices -----------------------------------------------------


def test_answer_card_shows_each_hit_with_its_source(replies: list[Reply]) -> None:
    reply, card = next((r, c) for r, c in rendered(replies, AnswerReply) if r.hits)
    shown = texts(card)
    assert shown[0] == f"You asked: *{escape(reply.query)}*"
    assert shown[1] == "**From the articles:**"
    for n, hit in enumerate(reply.hits):
        body, source = shown[2 + 2 * n : 4 + 2 * n]
        assert body.startswith(f"{n + 1}. ")
        assert hit.text[:30] in unescape(body)
        author = f", {hit.source.author}" if hit.source.author else ""
        assert unescape(source) == f"— *{hit.source.title}*{author}"
    assert render(reply).text == f"From the articles: {reply.hits[0].text}"


def test_answer_card_without_hits_helps(replies: list[Reply]) -> None:
    _, card = next((r, c) for r, c in rendered(replies, AnswerReply) if not r.hits)
    assert texts(card)[0] == "You asked: *xylophone*"
    assert unescape(texts(card)[1]).startswith("I found nothing on that in the articles.")
    assert "ask who should own the AI budget?" in texts(card)[1]


def test_explanation_card(replies: list[Reply]) -> None:
    reply, card = next(rendered(replies, ExplanationReply))
    shown = texts(card)
    assert shown[0] == f"**Why we ask:** {escape(reply.why)}"
    assert len(shown) == 1 + 2 * len(reply.snippets)
    assert all(text.startswith("• ") for text in shown[1::2])


def test_help_card_lists_every_command(replies: list[Reply]) -> None:
    reply, card = next(rendered(replies, HelpReply))
    assert card == help_message(reply.commands).card
    facts = [fact for fact_set in of_type(card, "FactSet") for fact in fact_set["facts"]]
    chat = facts[: len(reply.commands)]  # then the channel's @mention commands
    assert [unescape(fact["title"]) for fact in chat] == [f"**{c}**" for c, _ in reply.commands]
    assert [unescape(fact["value"]) for fact in chat] == [d for _, d in reply.commands]
    assert any("pulse" in fact["title"] for fact in facts[len(reply.commands) :])
    assert "ask \\<question\\>" in facts[4]["title"]
    assert body_texts(card)[0].startswith("I help you decide who should own AI work")
    assert any("@mention me" in text for text in body_texts(card))


@pytest.mark.parametrize(
    ("level", "prefix", "color"),
    [
        (NoticeLevel.INFO, "", None),
        (NoticeLevel.WARNING, "⚠️ ", "warning"),
        (NoticeLevel.ERROR, "❌ ", "attention"),
    ],
)
def test_notice_card(level: NoticeLevel, prefix: str, color: str | None) -> None:
    message = render(NoticeReply("Type `start` to begin.", level))
    assert_valid_message(message)
    assert message.text == f"{prefix}Type start to begin."
    assert message.card is not None
    (block,) = message.card["body"]
    assert block["text"] == prefix + "Type **start** to begin."
    assert block.get("color") == color


# --- the summary ----------------------------------------------------------------------------------


def summary_of(replies: list[Reply]) -> Summary:
    return next(r.summary for r in replies if isinstance(r, SummaryReply))


def test_summary_reply_renders_the_summary_card(replies: list[Reply]) -> None:
    reply = next(r for r in replies if isinstance(r, SummaryReply))
    assert render(reply) == summary_card(reply.summary)


def test_summary_card_content(replies: list[Reply]) -> None:
    summary = summary_of(replies)
    message = summary_card(summary)
    assert_valid_message(message)
    assert message.text == f"Recommended: {summary.recommended.name} — {summary.clarity_text}"
    card = message.card
    assert card is not None
    shown = texts(card)
    assert shown[:4] == [
        TITLE,
        f"Recommended: {escape(summary.recommended.name)}",
        escape(summary.recommended.description),
        f"*{escape(summary.clarity_text)}*",
    ]
    for score in summary.scores:
        bar = f"{score_bar(score.score)} {round(100 * score.score)}% · {escape(score.model.name)}"
        assert bar in shown
    facts = [fact for fact_set in of_type(card, "FactSet") for fact in fact_set["facts"]]
    assert [(f["title"], unescape(f["value"])) for f in facts] == [
        (
            escape(item.dimension),
            f"{item.answer} → {item.leaning.name if item.leaning else 'balanced'}",
        )
        for item in summary.leanings
    ]
    for heading in ("How the models score", "Your answers, dimension by dimension", "Why"):
        assert heading in shown
    assert f"The other view ({summary.other_view_for.name})" in shown  # type: ignore[union-attr]
    for snippet in (*summary.why, summary.other_view):
        assert snippet is not None
        assert any(snippet.text[:40] in unescape(text) for text in shown)
    start = shown.index("Your plan") + 1
    steps = shown[start : start + len(summary.plan)]
    for n, (shown_step, step) in enumerate(zip(steps, summary.plan, strict=True), 1):
        assert shown_step.startswith(f"{n}. ")
        assert escape(step.text) in unescape(shown_step) or escape(step.text) in shown_step
    footer = (
        f"Recommended: {escape(summary.recommended.name)} · {summary.answered} answered, "
        f"{summary.skipped} skipped · {summary.date.isoformat()}"
    )
    assert footer in shown
    assert not any(summary.knowledge_version in text for text in shown)
    assert CUT_NOTICE not in shown


def test_summary_card_actions_retake_ask_and_report(replies: list[Reply]) -> None:
    card = summary_card(summary_of(replies)).card
    assert card is not None
    buttons = card["body"][-1]
    assert buttons["type"] == "ActionSet"
    retake, ask, report = buttons["actions"]
    assert (retake["title"], retake["data"]) == ("Retake", command_data("restart"))
    assert (report["type"], report["title"]) == ("Action.Submit", "Download report")
    assert report["data"] == report_data()
    assert parse_submit(report["data"]) == Submitted("report")
    assert (ask["type"], ask["title"]) == ("Action.ShowCard", "Ask a question")
    (field,) = of_type(ask["card"], "Input.Text")
    assert field["id"] == ASK_INPUT_ID
    assert field["maxLength"] == 500
    (send,) = ask["card"]["actions"]
    assert send["type"] == "Action.Submit"
    assert send["data"] == ask_data()
    typed = {**send["data"], ASK_INPUT_ID: "who owns the budget?"}
    assert parse_submit(typed) == Submitted("ask", text="who owns the budget?")


def test_summary_without_other_view_or_why(replies: list[Reply]) -> None:
    summary = summary_of(replies)
    bare = Summary(
        **{**summary.__dict__, "reasons": (), "other_view": None, "runner_up": None, "leanings": ()}
    )
    message = summary_card(bare)
    assert_valid_message(message)
    assert message.card is not None
    shown = texts(message.card)
    assert "Why" not in shown
    assert not any(text.startswith("The other view") for text in shown)
    assert "Your answers, dimension by dimension" not in shown


# --- welcome ------------------------------------------------------------------------------------


def test_welcome_in_a_personal_chat_offers_start_and_help() -> None:
    message = welcome_message(personal=True)
    assert_valid_message(message)
    assert message.card is not None
    assert "Say hi or press Start" in " ".join(texts(message.card))
    (row,) = button_rows(message.card)
    assert row == ["Start", "Help"]
    pressed = [parse_submit(action["data"]) for action in submits(message.card)]
    assert pressed == [Submitted("command", command="start"), Submitted("command", command="help")]


def test_welcome_in_a_team_points_to_mentions_and_the_private_chat() -> None:
    message = welcome_message(personal=False)
    assert_valid_message(message)
    assert message.card is not None
    shown = " ".join(texts(message.card))
    assert "@mention me with a question" in shown
    assert "chat with me privately to take the diagnostic" in shown
    assert not submits(message.card)
    assert "@mention me" in message.text


# --- hostile text ---------------------------------------------------------------------------------

HOSTILE = [
    "[x](http://evil)",
    "![img](http://x)",
    "<at>Someone</at>",
    "**bold**",
    "_it_ `code` ~~gone~~ &lt;at&gt; <b>html</b> <http://auto>",
    "line\n# heading\n- item\n+ item\n1. one\n2) two\n===\n> quote\n    code",
    "🎉👩‍👩‍👧 \u202eevil\u202c \x00\x07 tab\there",
    "\\[escaped?\\] \\",
]
LONG = ("[x](http://evil) <at>Someone</at> **bold** 🎉\n# h " * 250)[:10_000]
EMOJI = ("👩‍👩‍👧🎉" * 2000)[:10_000]  # astral emoji: 12 bytes each as JSON escapes


def hostile_replies(text: str) -> list[Reply]:
    source = SourceView("src", text, text, "f.txt")
    snippet = SnippetView("s", text, True, source, ("m",))
    options = tuple(OptionView(f"o{n}", n, "abcde"[n - 1], text) for n in range(1, 6))
    return [
        QuestionReply("q", 1, 12, text, text, options, True),
        ClarificationReply("q", text, options, False),
        AcknowledgementReply("q", text, text, snippet),
        AcknowledgementReply("q", text, None, None),
        AnswerReply(text, (snippet, snippet, snippet)),
        AnswerReply(text, ()),
        ExplanationReply("q", text, text, (snippet, snippet)),
        HelpReply(((text, text), ("help", text)), False),
        NoticeReply(text, NoticeLevel.ERROR),
    ]


@pytest.mark.parametrize(
    "text", [*HOSTILE, LONG, EMOJI], ids=[*map(str, range(len(HOSTILE))), "long", "emoji"]
)
def test_hostile_text_never_survives_unescaped(text: str) -> None:
    assert len(LONG) == len(EMOJI) == 10_000
    for reply in hostile_replies(text):
        message = render(reply)
        assert_valid_message(message)
        assert message.card is not None
        for markup in markdown_texts(message.card):
            for raw in ("[x](http://evil)", "![img]", "**bold**", "<at>", "<b>", "`code`"):
                assert raw not in markup
        # Nothing is lost but what a cut drops: the raw text reads back from the markup (a
        # clarification shows it in its buttons only, as plain titles).
        if text in HOSTILE[:4] and not isinstance(reply, ClarificationReply):
            assert any(text in unescape(markup) for markup in markdown_texts(message.card))


def test_hostile_fallback_text_stays_plain() -> None:
    for text in HOSTILE:
        for reply in hostile_replies(text):
            fallback = render(reply).text
            assert "<at>" not in fallback
            assert "\u202e" not in fallback
            assert "\x00" not in fallback


def walk_strings(card: dict[str, Any]) -> list[str]:
    return [value for node in walk(card) for value in node.values() if isinstance(value, str)]


def test_no_control_or_bidi_characters_reach_a_card() -> None:
    for reply in hostile_replies(HOSTILE[6]):
        card = render(reply).card
        assert card is not None
        for value in walk_strings(card):
            assert not any(c in value for c in "\x00\x07\t\u202e\u202c"), value


def test_every_card_is_valid_after_a_json_round_trip(replies: list[Reply]) -> None:
    """What Teams receives is the JSON: nothing in a card may depend on Python types."""
    for message in render_all(replies):
        assert message.card is not None
        assert_valid_card(json.loads(json.dumps(message.card)))


def test_messages_are_immutable() -> None:
    message = welcome_message(personal=True)
    assert isinstance(message, TeamsMessage)
    with pytest.raises(AttributeError):
        message.text = "changed"  # type: ignore[misc]


def test_a_summary_from_the_engine_at_a_fixed_date(replies: list[Reply]) -> None:
    assert summary_of(replies).date == NOW.date()


def test_pinned_content_over_the_limit_is_cut_not_dropped() -> None:
    """A question whose prompt, dimension and options are all astral emoji (12 bytes each on
    the wire) is over the limit with nothing droppable: its longest text is cut instead, and
    every button stays."""
    options = tuple(OptionView(f"o{n}", n, "abcde"[n - 1], EMOJI) for n in range(1, 6))
    message = render(QuestionReply("q", 1, 12, EMOJI, EMOJI, options, True))
    assert_valid_message(message)
    assert message.card is not None
    prompt = message.card["body"][1]["text"]
    assert prompt.endswith("…")
    assert len(prompt) < 2000
    assert len(submits(message.card)) == 5 + 4
