import pytest

from bot.engine.text import IT_TOKEN, analyse, raw_tokens, stem


@pytest.mark.parametrize(
    ("text", "is_department"),
    [
        ("IT", True),
        ("it", True),  # the whole answer
        ("I.T.", True),
        ("the it team", True),
        ("IT-led", True),
        ("not it, the business", True),
        ("the business should drive it", False),
        ("It depends", False),
        ("let it run", False),
        ("should be our head of it, full stop", True),
        ("most of it", False),
    ],
)
def test_it_the_department_and_it_the_pronoun(text: str, is_department: bool) -> None:
    assert (IT_TOKEN in raw_tokens(text)) is is_department


@pytest.mark.parametrize(
    ("text", "positive", "negated"),
    [
        ("mostly the business, not IT", {"business"}, {IT_TOKEN}),
        ("not IT, the business should drive it", {"business", "drive"}, {IT_TOKEN}),
        ("the business rather than IT", {"business"}, {IT_TOKEN}),
        ("IT shouldn't own it", set(), {IT_TOKEN, "own"}),
        ("IT should not lead; the business should", {"business"}, {IT_TOKEN, "lead"}),
        ("not IT but the business", {"business"}, {IT_TOKEN}),
        ("the business instead of the CIO", {"business"}, {"cio"}),
        ("the CIO", {"cio"}, set()),
        ("not just pilots anymore", {"pilot", "anymore"}, set()),
        ("not only IT", {IT_TOKEN}, set()),
    ],
)
def test_negation_scopes(text: str, positive: set[str], negated: set[str]) -> None:
    analysed = analyse(text)
    assert set(analysed.positive) == positive
    assert set(analysed.negated) == negated


def test_stemming_is_light_and_consistent() -> None:
    assert stem("metrics") == "metric"
    assert stem("business") == "business"
    assert stem("companies") == "company"
    assert stem("ops") == "ops"
    assert {stem("owner"), stem("owners"), stem("owned"), stem("ownership")} == {"own"}
    assert stem("thing") == "thing"
    assert stem(IT_TOKEN) == IT_TOKEN


def test_negated_words_only_match_negated_words() -> None:
    from bot.engine.lookup import TokenLookup

    lookup = TokenLookup(["not_ai", "anymore", "not_started", "start"], 4, 80)
    assert lookup.similar("not_anymore") == {}
    assert lookup.similar("not_start") == {"not_started": 85.0}
    assert "not_started" not in lookup.similar("started")
