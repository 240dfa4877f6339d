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
    assert stem(IT_TOKEN) == IT_TOKEN
