import pytest

from bot.engine.references import option_reference


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", 0),
        ("2", 1),
        (" 4 ", 3),
        ("#3", 2),
        ("3)", 2),
        ("option 2", 1),
        ("number 3", 2),
        ("b", 1),
        ("B", 1),
        ("(c)", 2),
        ("c.", 2),
        ("option d", 3),
        ("the second one", 1),
        ("second", 1),
        ("2nd", 1),
        ("The third option please", 2),
        ("I'd go with b", 1),
        ("one", 0),
        ("option one", 0),
        ("two", 1),
        ("the last one", 3),
        ("last", 3),
        ("first", 0),
        ("option d i guess", 3),
        ("hmm, b I suppose", 1),
    ],
)
def test_positions_are_understood(text: str, expected: int) -> None:
    assert option_reference(text, 4) == expected


@pytest.mark.parametrize(
    "text",
    [
        "5",  # out of range for four options
        "0",
        "e",
        "the one",
        "a mix",
        "IT",
        "the business",
        "2 or 3",
        "b and c",
        "",
        "   ",
        "it's the second thing I said about the business and the CIO",
    ],
)
def test_anything_else_is_not_a_position(text: str) -> None:
    assert option_reference(text, 4) is None


def test_letters_follow_the_option_count() -> None:
    assert option_reference("e", 5) == 4
    assert option_reference("fifth", 5) == 4
    assert option_reference("fifth", 3) is None
