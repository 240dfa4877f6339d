"""Score bars drawn as text: fine enough to tell 26% from 35%."""

from __future__ import annotations

import pytest

from bot.engine.replies import Clarity
from bot.engine.summary import clarity_sentence
from bot.views.parts import text_bar


@pytest.mark.parametrize(
    ("share", "bar"),
    [
        (0.0, "░░░░░░░░░░"),
        (0.26, "██▋░░░░░░░"),
        (0.35, "███▌░░░░░░"),
        (0.5, "█████░░░░░"),
        (1.0, "██████████"),
        (1.7, "██████████"),
        (-0.2, "░░░░░░░░░░"),
    ],
)
def test_a_bar_is_drawn_in_eighths_of_a_cell(share: float, bar: str) -> None:
    assert text_bar(share) == bar


def test_every_share_gives_a_bar_of_the_same_width() -> None:
    bars = {text_bar(n / 1000) for n in range(1001)}
    assert {len(bar) for bar in bars} == {10}
    assert len(bars) == 81  # 80 eighths and the empty bar


def test_a_close_call_counts_its_points() -> None:
    assert clarity_sentence(Clarity.CLOSE_CALL, "A", "B", 1).endswith("1 point apart.")
    assert clarity_sentence(Clarity.CLOSE_CALL, "A", "B", 3).endswith("3 points apart.")
