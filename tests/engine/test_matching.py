import pytest

from bot.engine import thresholds as t
from bot.engine.index import index_for
from bot.engine.matching import OptionScore, decide
from bot.knowledge import Knowledge


def match(knowledge: Knowledge, question_id: str, text: str) -> str | None:
    return index_for(knowledge).matchers[question_id].match(text).chosen


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # labels and synonyms
        ("The CIO, CTO or head of IT", "it"),
        ("CIO", "it"),
        ("the business", "business"),
        ("chief AI officer", "ai_leader"),
        ("a steering committee", "joint_forum"),
        # typos
        ("buisness", "business"),
        ("chief ai oficer", "ai_leader"),
        ("steering comittee", "joint_forum"),
        # word order and extra words
        ("I think the committee that does the steering", "joint_forum"),
        ("honestly the head of IT should decide", "it"),
        ("owner of the process, a business leader", "business"),
        # negation
        ("not IT, the business should drive it", "business"),
        ("mostly the business, not IT", "business"),
        ("the business rather than IT", "business"),
        ("definitely not the business, IT should", "it"),
        # positions
        ("2", "business"),
        ("b", "business"),
        ("the second one", "business"),
        ("the last one", "joint_forum"),
    ],
)
def test_free_text_answers(knowledge: Knowledge, text: str, expected: str) -> None:
    assert match(knowledge, "reporting_line", text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "IT shouldn't own it",  # says only what it is not
        "no idea",
        "purple elephants",
        "",
        "the CIO or a business leader",  # two options named equally
    ],
)
def test_unsure_answers_pick_nothing(knowledge: Knowledge, text: str) -> None:
    assert match(knowledge, "reporting_line", text) is None


def test_close_options_become_candidates(knowledge: Knowledge) -> None:
    result = index_for(knowledge).matchers["reporting_line"].match("the CIO or a business leader")
    assert result.chosen is None
    assert set(result.candidates[:2]) == {"it", "business"}


def test_every_label_matches_its_own_option(knowledge: Knowledge) -> None:
    index = index_for(knowledge)
    for question in knowledge.questions:
        for option in question.options:
            assert index.matchers[question.id].match(option.label).chosen == option.id


def test_every_synonym_matches_its_own_option_or_asks_back(knowledge: Knowledge) -> None:
    """A synonym may be shared in spirit with another option, but must never pick a wrong one."""
    index = index_for(knowledge)
    wrong = []
    for question in knowledge.questions:
        for option in question.options:
            for synonym in option.synonyms:
                chosen = index.matchers[question.id].match(synonym).chosen
                if chosen not in (option.id, None):
                    wrong.append((question.id, synonym, chosen))
    assert wrong == []


def scores(*values: float) -> tuple[OptionScore, ...]:
    return tuple(OptionScore(f"o{i}", value) for i, value in enumerate(values))


def test_decide_accepts_at_the_threshold_with_the_margin() -> None:
    ranked = scores(t.ACCEPT_SCORE, t.ACCEPT_SCORE - t.ACCEPT_MARGIN, 0.0)
    assert decide(ranked).chosen == "o0"


def test_decide_refuses_just_below_the_threshold() -> None:
    ranked = scores(t.ACCEPT_SCORE - 0.1, 10.0, 0.0)
    result = decide(ranked)
    assert result.chosen is None
    assert result.candidates == ("o0", "o1")


def test_decide_never_offers_an_option_without_evidence() -> None:
    result = decide(scores(t.ACCEPT_SCORE - 1, 0.0, 0.0))
    assert result.chosen is None
    assert result.candidates == ("o0",)


def test_decide_refuses_when_the_margin_is_too_small() -> None:
    ranked = scores(95.0, 95.0 - t.ACCEPT_MARGIN + 0.1, 10.0)
    result = decide(ranked)
    assert result.chosen is None
    assert result.candidates == ("o0", "o1")


def test_decide_offers_up_to_three_close_candidates() -> None:
    ranked = scores(60.0, 55.0, 50.0, 46.0)
    assert decide(ranked).candidates == ("o0", "o1", "o2")


def test_decide_with_no_evidence_offers_everything() -> None:
    result = decide(scores(0.0, 0.0, 0.0))
    assert result.chosen is None
    assert result.candidates == ()


def test_thresholds_are_coherent() -> None:
    assert 0 < t.ACCEPT_MARGIN < t.ACCEPT_SCORE <= 100
    assert 0 < t.LEANING_MARGIN < t.CLEAR_MARGIN < 1
    assert t.MIN_ANSWERS >= 1


def test_long_input_is_cut_not_slow(knowledge: Knowledge) -> None:
    text = "the business " + "blah " * 50_000
    result = index_for(knowledge).matchers["reporting_line"].match(text)
    assert result.best is not None


@pytest.mark.parametrize(
    ("query", "dimension"),
    [
        ("how should we measure AI success?", "success_metrics"),
        ("what is MLOps and model drift", "operations_model"),
        ("vector databases and feature stores", "data_approach"),
        ("we are a bank, heavily regulated", "regulation"),
        ("should the CAIO report to the CEO", "reporting_line"),
    ],
)
def test_snippet_search_finds_the_topic(knowledge: Knowledge, query: str, dimension: str) -> None:
    hits = index_for(knowledge).snippets.search(query, limit=3)
    assert hits
    assert any(dimension in hit.snippet.dimensions for hit in hits)


def test_snippet_search_tolerates_typos(knowledge: Knowledge) -> None:
    exact = index_for(knowledge).snippets.search("governance", limit=1)
    typo = index_for(knowledge).snippets.search("governanse", limit=1)
    assert exact
    assert typo
    assert exact[0].snippet.id == typo[0].snippet.id


def test_snippet_search_with_nothing_relevant(knowledge: Knowledge) -> None:
    assert index_for(knowledge).snippets.search("zebra quantum lasagne") == []
    assert index_for(knowledge).snippets.search("") == []


def test_snippet_search_within(knowledge: Knowledge) -> None:
    allowed = {knowledge.snippets[0].id}
    hits = index_for(knowledge).snippets.search("AI leadership", limit=5, within=allowed)
    assert {hit.snippet.id for hit in hits} <= allowed


def test_answers_echo_a_snippet_of_their_question_for_their_model(knowledge: Knowledge) -> None:
    index = index_for(knowledge)
    for question in knowledge.questions:
        for option in question.options:
            echo = index.echo(question.id, option.id)
            leaning = option.leaning()
            if echo is None:
                related = [s for s in knowledge.snippets if question.dimension in s.dimensions]
                related += [s for s in knowledge.snippets if s.id in question.snippets]
                assert all(leaning not in s.models for s in related)
            else:
                assert question.dimension in echo.dimensions or echo.id in question.snippets
                assert leaning is None or leaning in echo.models
