"""Slack's limits hold for the largest content the knowledge schema allows and for any text a
user can type: every message stays valid, within 50 blocks and 12,000 characters, and safe."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.engine.index import index_for
from bot.engine.replies import (
    AcknowledgementReply,
    AnswerReply,
    ClarificationReply,
    ExplanationReply,
    NoticeLevel,
    NoticeReply,
    QuestionReply,
    SnippetView,
    SourceView,
    Summary,
)
from bot.engine.summary import build_summary
from bot.handlers.slack.blocks import answered_question, cut, escape
from bot.handlers.slack.ids import ASK_ACTION, REPORT_ACTION, SHARE_ACTION, command_action_id
from bot.handlers.slack.render import home_view, render, summary_message
from bot.knowledge import Knowledge
from bot.views.catalogue import CUT_NOTICE
from bot.views.catalogue import SUMMARY_TITLE as TITLE
from tests.handlers.slack.checks import (
    all_text,
    assert_safe,
    assert_safe_message,
    assert_valid_message,
    assert_valid_view,
)
from tests.handlers.slack.conftest import (
    HOSTILE,
    NOW,
    WORDS,
    MaximalFactory,
    longest_answers_summary,
    with_long_past,
)

PATTERNS = {"words": WORDS, "hostile": HOSTILE}
SHARER = "U0SHARER1"


def every_reply(knowledge: Knowledge) -> list[object]:
    """For each question: the question, a clarification over all its options, the explanation,
    and the acknowledgement of each option with its echo; and the longest possible answer."""
    index = index_for(knowledge)
    questions = knowledge.questions
    replies: list[object] = []
    for number, question in enumerate(questions, 1):
        options = index.option_views(question)
        dimension = index.dimension_name(question.dimension)
        replies += [
            QuestionReply(
                question.id, number, len(questions), dimension, question.prompt, options, True
            ),
            ClarificationReply(question.id, question.prompt, options, True),
            ExplanationReply(
                question.id,
                question.prompt,
                question.why,
                tuple(
                    index.snippet_view(s) for s in knowledge.snippets if s.id in question.snippets
                ),
            ),
        ]
        for option in question.options:
            echo = index.echo(question.id, option.id)
            view = index.snippet_view(echo) if echo else None
            replies.append(AcknowledgementReply(question.id, dimension, option.label, view))
    longest = sorted(knowledge.snippets, key=lambda s: -len(s.text))[:3]
    replies.append(AnswerReply("x" * 4000, tuple(index.snippet_view(s, 9.9) for s in longest)))
    return replies


def summaries(knowledge: Knowledge) -> list[Summary]:
    """The longest answers, every answer skipped, and a few answers only."""
    skipped: dict[str, str | None] = dict.fromkeys((q.id for q in knowledge.questions), None)
    few = {q.id: q.options[0].id for q in knowledge.questions[:2]}
    index = index_for(knowledge)
    return [
        longest_answers_summary(knowledge),
        with_long_past(longest_answers_summary(knowledge)),
        build_summary(skipped, index, NOW),
        build_summary(few, index, NOW),
    ]


def assert_summary_cards(summary: Summary) -> None:
    private = summary_message(summary)
    assert_valid_message(private)
    assert_safe_message(private)
    assert private.blocks[0]["text"]["text"] == TITLE
    assert f"*Recommended: {escape(summary.recommended.name)}" in all_text(private.blocks[1])
    assert private.blocks[-1]["type"] == "actions"
    # Retake, Ask, Download report and Share: every button survives every cut.
    buttons = [element["action_id"] for element in private.blocks[-1]["elements"]]
    assert buttons == [command_action_id("restart"), ASK_ACTION, REPORT_ACTION, SHARE_ACTION]
    shared = summary_message(summary, shared_by=SHARER)
    assert_valid_message(shared)
    assert_safe_message(shared, mentions=(f"<@{SHARER}>",))
    dumped = all_text(shared.blocks)
    assert f"Shared by <@{SHARER}>" in dumped
    assert "actions" not in {block["type"] for block in shared.blocks}
    for leaning in summary.leanings:
        assert leaning.answer not in dumped
        assert escape(leaning.answer) not in dumped
    view = home_view(summary, in_progress=True)
    assert_valid_view(view)
    assert_safe(view["blocks"])


def assert_every_reply(knowledge: Knowledge) -> None:
    for reply in every_reply(knowledge):
        message = render(reply)  # type: ignore[arg-type]
        assert_valid_message(message)
        assert_safe_message(message)
        if isinstance(reply, QuestionReply):
            updated = answered_question(message.blocks, reply.options[-1].label)
            assert_valid_message(updated)
            assert_safe_message(updated)


# --- the bundled knowledge ---------------------------------------------------------------------


def test_bundled_knowledge_summaries_fit(knowledge: Knowledge) -> None:
    for summary in summaries(knowledge):
        assert_summary_cards(summary)


def test_bundled_knowledge_longest_summary_is_not_cut(knowledge: Knowledge) -> None:
    message = summary_message(longest_answers_summary(knowledge))
    assert CUT_NOTICE not in all_text(message.blocks)


def test_bundled_knowledge_every_reply_fits(knowledge: Knowledge) -> None:
    assert_every_reply(knowledge)


# --- every text at the schema's maximum ---------------------------------------------------------


@pytest.mark.parametrize("pattern", PATTERNS.values(), ids=PATTERNS.keys())
def test_maximal_knowledge_summaries_fit(maximal: MaximalFactory, pattern: str) -> None:
    knowledge = maximal(pattern)
    assert len(knowledge.questions) > 40
    assert all(len(s.text) == 600 for s in knowledge.snippets)
    assert all(len(m.description) == 2000 for m in knowledge.models)
    for summary in summaries(knowledge):
        assert_summary_cards(summary)
    longest = summary_message(longest_answers_summary(knowledge))
    assert CUT_NOTICE in all_text(longest.blocks)
    assert longest.blocks[-2]["elements"][0]["text"] == CUT_NOTICE


@pytest.mark.parametrize("pattern", PATTERNS.values(), ids=PATTERNS.keys())
def test_maximal_knowledge_every_reply_fits(maximal: MaximalFactory, pattern: str) -> None:
    assert_every_reply(maximal(pattern))


# --- random text ----------------------------------------------------------------------------------

MARKUP = "<>&@!|:/ \n*_`~hereHEREchanneleveryoneU123"
hostile_text = st.one_of(
    st.text(),
    st.text(alphabet=MARKUP),
    st.lists(st.sampled_from(["<!channel>", "@here", "<@U1>", "&amp;", "<http://x|y>", "🎉"])).map(
        "".join
    ),
    st.text(alphabet=MARKUP, min_size=2900, max_size=12_000),
)


@given(hostile_text)
def test_escape_leaves_no_markup_and_loses_nothing(text: str) -> None:
    escaped = escape(text)
    assert "<" not in escaped
    assert ">" not in escaped
    assert re.fullmatch(r"(?:[^&]|&amp;|&lt;|&gt;)*", escaped, re.DOTALL)
    assert not re.search(r"@(here|channel|everyone)", escaped, re.IGNORECASE)
    restored = escaped.replace("@\u200b", "@")
    restored = restored.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    assert restored == text.replace("@\u200b", "@")


@given(hostile_text, st.integers(min_value=2, max_value=3000))
def test_cut_respects_the_limit_and_never_splits_an_entity(text: str, limit: int) -> None:
    result = cut(escape(text), limit)
    assert len(result) <= limit
    assert re.fullmatch(r"(?:[^&]|&amp;|&lt;|&gt;)*", result, re.DOTALL)
    if result != escape(text):
        assert result.endswith("…")


@settings(max_examples=60, deadline=None)
@given(hostile_text, hostile_text, st.sampled_from(list(NoticeLevel)))
def test_random_text_in_answers_and_notices(query: str, text: str, level: NoticeLevel) -> None:
    source = SourceView("src", text or "t", text or None, "f.txt")
    hits = tuple(SnippetView(f"s{n}", text or "x", n % 2 == 0, source, ()) for n in range(3))
    for reply in (AnswerReply(query, hits), AnswerReply(query, ()), NoticeReply(text, level)):
        message = render(reply)
        assert_valid_message(message)
        assert_safe_message(message)


@settings(max_examples=40, deadline=None)
@given(hostile_text)
def test_random_answer_text_in_an_answered_question(answer: str) -> None:
    question = QuestionReply("q", 1, 2, "Dimension", "Prompt?", (), False)
    updated = answered_question(render(question).blocks, answer)
    assert_valid_message(updated)
    assert_safe_message(updated)
