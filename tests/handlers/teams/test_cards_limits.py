"""Teams' limits hold for the largest content the knowledge schema allows and for any text a
user can type: every card stays schema-valid, under 25,000 bytes, and free of markdown that
dynamic text could inject. Reuses the Slack tests' maximal knowledge (every text at its schema
maximum, five options per question, the questions four times over)."""

from __future__ import annotations

import re
from typing import Any

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
from bot.handlers.teams.cards import MARKUP_CHARACTERS, clean, escape, markup, plain
from bot.handlers.teams.render import render, summary_card
from bot.knowledge import Knowledge, default_knowledge_dir, load_knowledge
from bot.views.catalogue import CUT_NOTICE
from bot.views.catalogue import SUMMARY_TITLE as TITLE
from bot.views.parts import cut
from tests.handlers.slack.conftest import (
    HOSTILE,
    NOW,
    WORDS,
    longest_answers_summary,
    with_long_past,
    write_maximal,
)
from tests.handlers.slack.test_blocks_limits import every_reply
from tests.handlers.teams.card_checks import (
    MAX_CARD_BYTES,
    assert_valid_message,
    compact,
    markdown_texts,
    of_type,
    unescape,
    unescaped_markup,
)

# Teams' markdown, HTML-ish mentions, emoji and line breaks, to fill every knowledge text.
TEAMS_HOSTILE = (
    "[x](http://evil) ![i](http://x) <at>Someone</at> **b** _i_ `c` 🎉👩‍👩‍👧 &amp;\n# h\n"
)
PATTERNS = {"words": WORDS, "slack-hostile": HOSTILE, "teams-hostile": TEAMS_HOSTILE}


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return load_knowledge(default_knowledge_dir())


@pytest.fixture(scope="module")
def maximal(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Knowledge]:
    return {
        name: write_maximal(tmp_path_factory.mktemp(name) / "k", pattern, copies=4)
        for name, pattern in PATTERNS.items()
    }


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


def texts(card: dict[str, Any]) -> list[str]:
    return [str(block["text"]) for block in of_type(card, "TextBlock")]


def assert_summary_card(summary: Summary) -> None:
    message = summary_card(summary)
    assert_valid_message(message)
    card = message.card
    assert card is not None
    assert card["body"][0]["text"] == TITLE
    assert card["body"][1]["text"].startswith("Recommended: ")
    assert unescape(card["body"][1]["text"]) == f"Recommended: {summary.recommended.name}"
    assert card["body"][-1]["type"] == "ActionSet"
    titles = [a["title"] for a in card["body"][-1]["actions"]]
    assert titles == ["Retake", "Ask a question", "Download report"]  # every cut keeps them


def assert_every_reply(knowledge: Knowledge) -> None:
    for reply in every_reply(knowledge):
        message = render(reply)  # type: ignore[arg-type]
        assert_valid_message(message)
        if isinstance(reply, QuestionReply | ClarificationReply):
            assert message.card is not None
            titles = [a["title"] for a in of_type(message.card, "Action.Submit")]
            options = reply.options if isinstance(reply, QuestionReply) else reply.candidates
            assert len(titles) >= len(options)  # every option, never cut away


# --- the bundled knowledge ---------------------------------------------------------------------


def test_bundled_knowledge_summaries_fit(knowledge: Knowledge) -> None:
    for summary in summaries(knowledge):
        assert_summary_card(summary)


def test_bundled_knowledge_longest_summary_is_not_cut(knowledge: Knowledge) -> None:
    message = summary_card(longest_answers_summary(knowledge))
    assert message.card is not None
    assert CUT_NOTICE not in texts(message.card)
    assert len(compact(message.card)) < MAX_CARD_BYTES // 2  # plenty of room left


def test_bundled_knowledge_every_reply_fits(knowledge: Knowledge) -> None:
    assert_every_reply(knowledge)


# --- every text at the schema's maximum ---------------------------------------------------------


@pytest.mark.parametrize("name", PATTERNS)
def test_maximal_knowledge_summaries_fit(maximal: dict[str, Knowledge], name: str) -> None:
    knowledge = maximal[name]
    assert len(knowledge.questions) > 40
    assert all(len(s.text) == 600 for s in knowledge.snippets)
    assert all(len(m.description) == 2000 for m in knowledge.models)
    for summary in summaries(knowledge):
        assert_summary_card(summary)
    longest = summary_card(longest_answers_summary(knowledge)).card
    assert longest is not None
    # Cut, with the notice just before the buttons, and the most important parts kept.
    assert longest["body"][-2]["text"] == CUT_NOTICE
    shown = texts(longest)
    assert "How the models score" in shown
    assert "Your plan" in shown
    assert len(compact(longest, ascii_only=True)) > MAX_CARD_BYTES * 0.8  # filled, not emptied


@pytest.mark.parametrize("name", PATTERNS)
def test_maximal_knowledge_every_reply_fits(maximal: dict[str, Knowledge], name: str) -> None:
    assert_every_reply(maximal[name])


def test_cut_priorities_follow_slack(maximal: dict[str, Knowledge]) -> None:
    """Lowest priority goes first (further reasons, the other view, the leanings); the
    scores, next steps, footer and first reason outlast them."""
    summary = longest_answers_summary(maximal["words"])
    card = summary_card(summary).card
    assert card is not None
    shown = texts(card)
    for heading in ("How the models score", "Why", "Your plan"):
        assert heading in shown
    assert sum("% · " in text for text in shown) >= len(summary.scores)  # every score bar
    assert any(text.endswith(f"· {NOW.date().isoformat()}") for text in shown)  # the footer
    next_steps = shown[shown.index("Your plan") + 1 : shown.index("Your plan") + 4]
    assert [text[:3] for text in next_steps] == ["1. ", "2. ", "3. "]
    facts = sum(len(fact_set["facts"]) for fact_set in of_type(card, "FactSet"))
    assert 0 < facts <= len(summary.leanings)  # as many leanings as fit
    assert CUT_NOTICE in shown  # and the cut is said
    # Further reasons are gone; the other view, ranked below the leanings, may come back in
    # the room a leaning list too long to fit left (as on Slack).
    other_view = any(text.startswith("The other view") for text in shown)
    quotes = [t for t in shown if t.startswith("• ") and not t.startswith("• Your answers on")]
    assert len(quotes) == 1 + other_view


# --- random text ----------------------------------------------------------------------------------

MARKDOWN = "\\*_~[]()`<>&#=+-!|:/ \n\t1.)atATéé🎉\u202e\x00"
hostile_text = st.one_of(
    st.text(),
    st.text(alphabet=MARKDOWN),
    st.lists(
        st.sampled_from(
            ["[x](http://e)", "![i](x)", "<at>A</at>", "**b**", "\\", "\n# ", "\n1. ", "🎉", "&lt;"]
        )
    ).map("".join),
    st.text(alphabet=MARKDOWN, min_size=2000, max_size=10_000),
)


@given(hostile_text)
def test_escape_leaves_no_markdown_and_loses_nothing(text: str) -> None:
    escaped = escape(text)
    assert unescape(escaped) == text
    assert not unescaped_markup(escaped)
    assert not re.match(r" *(?:[#=+-]|\d{1,9}[.)])", escaped)  # the first line too
    assert "<at>" not in escaped
    assert not re.search(r"(?<!\\)\[[^\]]*(?<!\\)\]\(", escaped)  # no link or image
    for character in MARKUP_CHARACTERS:
        assert escaped.count(character) >= text.count(character)


@given(hostile_text)
def test_markup_is_clean_escaped_and_bounded(text: str) -> None:
    shown = markup(text, 500)
    assert not unescaped_markup(shown)
    assert len(unescape(shown)) <= 500
    assert clean(text).strip().startswith(unescape(shown).removesuffix("…").rstrip())
    assert not any(c in shown for c in "\x00\u202e\t")


@given(hostile_text, st.integers(min_value=2, max_value=3000))
def test_cut_respects_the_limit_at_a_word_boundary(text: str, limit: int) -> None:
    result = cut(text, limit)
    assert len(result) <= limit
    if result != text:
        assert result.endswith("…")
        assert text.startswith(result[:-1].rstrip())


@given(hostile_text)
def test_plain_text_has_no_tags(text: str) -> None:
    shown = plain(text, 1000)
    assert len(shown) <= 1000
    assert "<" not in shown
    assert ">" not in shown


@settings(max_examples=40, deadline=None)
@given(hostile_text, hostile_text, st.sampled_from(list(NoticeLevel)))
def test_random_text_in_every_reply(query: str, text: str, level: NoticeLevel) -> None:
    source = SourceView("src", text or "t", text or None, "f.txt")
    hits = tuple(SnippetView(f"s{n}", text or "x", n % 2 == 0, source, ()) for n in range(3))
    replies = (
        AnswerReply(query, hits),
        AnswerReply(query, ()),
        NoticeReply(text, level),
        ExplanationReply("q", query, text, hits),
        AcknowledgementReply("q", query, text, hits[0]),
    )
    for reply in replies:
        message = render(reply)
        assert_valid_message(message)
        assert message.card is not None
        for shown in markdown_texts(message.card):
            assert "<at>" not in shown
